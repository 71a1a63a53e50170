#pragma once
// The call stack of the Session's shown thread at the current position, innermost frame first
// (as debuggers list it). Selecting a row selects that frame in the Session.

#include <QAbstractItemModel>

namespace reel::gui {

class Session;

class StackModel : public QAbstractItemModel {
    Q_OBJECT
  public:
    enum Columns { FunctionColumn, LocationColumn, ColumnCount };
    enum Roles {
        StackIndexRole = Qt::UserRole + 1,  // index into the thread's stack, 0 = outermost
        FrameIdRole,
        LineRole,  // Frame::shownLine: at an instruction without a line, the last line run
        FileRole,
        SelectedRole,  // the Session's selected frame
        LinelessRole,  // the frame's instruction has no line number (LineRole ran last)
    };

    explicit StackModel(Session& session, QObject* parent = nullptr);

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

    // Row of a stack index and back (rows run innermost first).
    int rowOfStackIndex(int stackIndex) const { return rows_ - 1 - stackIndex; }
    int stackIndexOfRow(int row) const { return rows_ - 1 - row; }

  private:
    void refresh();
    Session& session_;
    int rows_ = 0;
};

}  // namespace reel::gui
