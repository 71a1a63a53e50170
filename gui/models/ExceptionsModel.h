#pragma once
// The exceptions of the run (from the replayer's index): where each was raised, how it ended
// (handled, uncaught, replaced, still in flight) and where. Rows raised after the current
// position are greyed: they have not happened yet. Exceptions that stayed inside library code
// (ExceptionInfo::concernsProgram() false: importlib's probes and the like, hundreds in an
// import-heavy run) are left out unless setShowLibrary(true), as `reel replay`'s `exceptions`
// counts them instead of listing them.

#include <QAbstractItemModel>

#include <optional>
#include <vector>

namespace reel::gui {

class Session;

class ExceptionsModel : public QAbstractItemModel {
    Q_OBJECT
  public:
    enum Columns { EventColumn, ExceptionColumn, RaisedColumn, OutcomeColumn, ColumnCount };
    enum Roles {
        RaisedEventRole = Qt::UserRole + 1,
        EndEventRole,
        HappenedRole,
        OutcomeRole,
        IndexRole,   // the exception's number (Replayer::exceptions() index), as `reel replay` shows
        LibraryRole  // it stayed inside library code (shown only with setShowLibrary(true))
    };

    explicit ExceptionsModel(Session& session, QObject* parent = nullptr);

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

    void setShowLibrary(bool on);
    bool showLibrary() const { return showLibrary_; }
    // Exceptions of the trace that stayed inside library code, shown or not.
    int libraryCount() const { return library_; }
    // Those of them left out (0 with setShowLibrary(true)).
    int hiddenCount() const { return showLibrary_ ? 0 : library_; }

  Q_SIGNALS:
    void libraryCountChanged(int count);  // a trace was opened or closed

  private:
    void reload();
    Session& session_;
    int rows_ = 0;
    bool showLibrary_ = false;
    int library_ = 0;
    std::vector<uint32_t> shown_;  // row -> exception index
    // Rendered when a row is first shown, then kept (the list does not change while the trace
    // is open): rendering all of a run's exceptions when it opens stalled the UI thread for
    // seconds when there were a million.
    mutable std::vector<std::optional<QString>> texts_;
};

}  // namespace reel::gui
