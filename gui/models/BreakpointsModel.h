#pragma once
// The breakpoint list pane's model: one row per breakpoint of the Session (enabled check box,
// location: FILE:LINE or FUNCTION(), condition, a "temporary" check box, what happened at its
// latest hit). Editing goes back through the Session (enable/disable, temporary, change the
// condition); jumping to a hit is Session::toBreakpointHit.

#include <QAbstractItemModel>

namespace reel::gui {

class Session;

class BreakpointsModel : public QAbstractItemModel {
    Q_OBJECT
  public:
    enum Columns {
        EnabledColumn,
        LocationColumn,
        ConditionColumn,
        TemporaryColumn,  // checked: deleted when it first stops a command (tbreak)
        StatusColumn,
        ColumnCount
    };
    enum Roles {
        BreakpointIndexRole = Qt::UserRole + 1,
        LineRole,
        FileRole,
        FunctionRole,  // a function breakpoint's name; empty for FILE:LINE
        TemporaryRole,
    };

    explicit BreakpointsModel(Session& session, QObject* parent = nullptr);

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

  private:
    Session& session_;
    int rows_ = 0;
};

}  // namespace reel::gui
