#pragma once
// Every exception of the run (from the replayer's index): where it was raised, how it ended
// (handled, uncaught, replaced, still in flight) and where. Rows raised after the current
// position are greyed: they have not happened yet.

#include <QAbstractItemModel>

#include <optional>
#include <vector>

namespace reel::gui {

class Session;

class ExceptionsModel : public QAbstractItemModel {
    Q_OBJECT
  public:
    enum Columns { EventColumn, ExceptionColumn, RaisedColumn, OutcomeColumn, ColumnCount };
    enum Roles { RaisedEventRole = Qt::UserRole + 1, EndEventRole, HappenedRole, OutcomeRole };

    explicit ExceptionsModel(Session& session, QObject* parent = nullptr);

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

  private:
    void reload();
    Session& session_;
    int rows_ = 0;
    // Rendered when a row is first shown, then kept (the list does not change while the trace
    // is open): rendering all of a run's exceptions when it opens stalled the UI thread for
    // seconds when there were a million.
    mutable std::vector<std::optional<QString>> texts_;
};

}  // namespace reel::gui
