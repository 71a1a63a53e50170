#pragma once
// The selected frame's code object, one row per instruction, the instruction at f_lasti marked
// current. Reset only when the code object changes; a step inside the same code only moves the
// mark (two dataChanged rows), so instruction stepping stays cheap on big functions.

#include <QAbstractItemModel>

#include <cstdint>

namespace reel::format {
struct CodeObject;
}

namespace reel::gui {

class Session;

class BytecodeModel : public QAbstractItemModel {
    Q_OBJECT
  public:
    enum Columns { OffsetColumn, LineColumn, OpnameColumn, ArgumentColumn, ColumnCount };
    enum Roles { CurrentRole = Qt::UserRole + 1, OffsetRole, LineRole, JumpTargetRole };

    explicit BytecodeModel(Session& session, QObject* parent = nullptr);

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

    int currentRow() const { return current_; }

  Q_SIGNALS:
    void currentRowChanged(int row);

  private:
    void refresh();
    Session& session_;
    const format::CodeObject* code_ = nullptr;
    int current_ = -1;
};

}  // namespace reel::gui
