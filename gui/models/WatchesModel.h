#pragma once
// The Watches pane's model: expressions kept in view at every stop, the GUI's `display` (as in
// `reel replay`). Each is evaluated by the Session in the selected frame at the current position
// (Session::evaluate: a PATH such as `item.stock`, or a condition such as `qty > 3`) and
// re-evaluated whenever the position or the selected frame changes, so they follow the playhead
// as the user scrubs. A value that differs from the one shown before the position moved is
// flagged (ChangedRole, highlighted) and its tool tip says what it was. Unlike the terminal's
// `display`, which belongs to the function it was set in, a watch applies to whatever frame is
// selected (as in an IDE's watch window); where it cannot be evaluated, its value says why.

#include <QAbstractItemModel>
#include <QStringList>

#include <cstdint>
#include <vector>

namespace reel::gui {

class Session;

class WatchesModel : public QAbstractItemModel {
    Q_OBJECT
  public:
    enum Columns { ExpressionColumn, ValueColumn, ColumnCount };
    enum Roles {
        ChangedRole = Qt::UserRole + 1,  // the value differs from the one before the last move
        ErrorRole,                       // why it cannot be evaluated here; empty when it can
        PreviousRole,                    // the value shown before the last move (when changed)
    };

    explicit WatchesModel(Session& session, QObject* parent = nullptr);

    // Adds an expression (trimmed; an empty one is refused: -1); returns its row.
    int addWatch(const QString& expression);
    bool removeWatch(int row);
    void clear();
    QStringList expressions() const;

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    // Editing the expression column changes the expression (empty: removes the watch).
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

  private:
    struct Watch {
        QString expression;
        QString value;  // rendered, when it could be evaluated
        QString error;
        QString previous;
        bool changed = false;
        bool shown = false;  // value/error hold an evaluation
    };
    void evaluate(Watch& w, bool moved);
    void refresh();

    Session& session_;
    std::vector<Watch> watches_;
    uint64_t position_ = ~uint64_t{0};  // where the shown values were evaluated
};

}  // namespace reel::gui
