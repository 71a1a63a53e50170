#pragma once
// The main window: source in the centre; timeline, stack, locals, bytecode, exceptions and output
// in dock widgets the user can rearrange (layout, geometry, recent files and theme persist in
// QSettings). Loading runs on a worker thread with progress in the status bar; navigation goes
// through the Session (and from there the replayer's Navigator).

#include <QMainWindow>
#include <QPointer>
#include <QThread>

#include <memory>

#include "models/LoadedTrace.h"
#include "reel/replayer/Navigator.h"
#include "widgets/OutputView.h"  // outputView() is a QPlainTextEdit to callers

class QAction;
class QComboBox;
class QDockWidget;
class QLabel;
class QLineEdit;
class QMessageBox;
class QPlainTextEdit;
class QProgressBar;
class QTableView;
class QTreeView;

namespace reel::gui {

class BreakpointsModel;
class BytecodeModel;
class ExceptionsModel;
class LocalsModel;
class LocalsTree;
class Session;
class SourceView;
class StackModel;
class TimelineWidget;
class TraceLoader;
class WatchesModel;

class MainWindow : public QMainWindow {
    Q_OBJECT
  public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Starts loading `path` in the background; loadFinished() tells how it went.
    void openFile(const QString& path);
    bool isLoading() const { return loading_; }

    Session& session() { return *session_; }
    SourceView* sourceView() const { return source_; }
    TimelineWidget* timeline() const { return timeline_; }
    QTreeView* stackView() const { return stackView_; }
    LocalsTree* localsView() const { return localsView_; }
    QTableView* bytecodeView() const { return bytecodeView_; }
    QTableView* exceptionsView() const { return exceptionsView_; }
    OutputView* outputView() const { return output_; }
    QTableView* breakpointsView() const { return breakpointsView_; }
    QTableView* watchesView() const { return watchesView_; }
    QLineEdit* watchInput() const { return watchInput_; }
    WatchesModel* watchesModel() const { return watchesModel_; }
    QComboBox* threadSelector() const { return threadBox_; }
    QLineEdit* gotoBox() const { return gotoBox_; }
    QLabel* banner() const { return banner_; }
    // Shown for a slice (`reel slice`): which events of the original it holds.
    QLabel* sliceBanner() const { return sliceBanner_; }
    QString statusText() const;
    // The message of the last error dialog (tests: the dialogs are not modal).
    QString lastError() const { return lastError_; }
    QStringList recentFiles() const;
    // Actions by objectName: "stepInto", "stepBackInto", "stepOver", "stepBackOver", "stepOut",
    // "stepBackOut", "continue", "reverseContinue", "goToStart", "goToEnd", "nextException",
    // "previousException", "instructionGranularity", "breakOnRaise", "open", "cancelSearch",
    // "breakpointNextHit", "breakpointPreviousHit", "removeBreakpoint", "removeAllBreakpoints",
    // "stepUntil", "stepBackUntil", "runToCursor", "runBackToCursor", "addFunctionBreakpoint",
    // "addTemporaryFunctionBreakpoint", "addWatch", "removeWatch", "removeAllWatches".
    QAction* action(const QString& name) const;

    // Restores dock layout and geometry from QSettings (called by the constructor).
    void restoreLayout();

  Q_SIGNALS:
    void loadFinished(bool ok);
    void requestLoad(const QString& path);

  protected:
    void closeEvent(QCloseEvent* e) override;
    void dragEnterEvent(QDragEnterEvent* e) override;
    void dropEvent(QDropEvent* e) override;
    void changeEvent(QEvent* e) override;

  private:
    void buildActions();
    void buildDocks();
    void buildMenus();
    void onLoaded(const LoadedTrace& trace);
    void onFailed(const QString& path, const QString& message);
    void onPosition();
    void onSelection();
    void showError(const QString& title, const QString& message);
    void addRecent(const QString& path);
    void rebuildRecentMenu();
    void rebuildThreads();
    void updateOutput(bool force = false);
    void updateActions();
    void onSearching(bool searching);
    int currentBreakpointRow() const;
    void setTheme(int mode);
    void goToEventText();
    // Run to (back to) the source pane's cursor line (Session::runTo).
    void runToCursor(replayer::Direction dir);
    void askFunctionBreakpoint(bool temporary);

    std::unique_ptr<Session> session_;
    QThread loaderThread_;
    TraceLoader* loader_ = nullptr;  // lives on loaderThread_; deleted when it finishes
    bool loading_ = false;
    int pendingLoads_ = 0;  // requests sent to the loader and not answered yet
    QString loadingPath_;

    SourceView* source_ = nullptr;
    QLabel* banner_ = nullptr;
    QLabel* sliceBanner_ = nullptr;
    TimelineWidget* timeline_ = nullptr;
    StackModel* stackModel_ = nullptr;
    LocalsModel* localsModel_ = nullptr;
    BytecodeModel* bytecodeModel_ = nullptr;
    ExceptionsModel* exceptionsModel_ = nullptr;
    QTreeView* stackView_ = nullptr;
    LocalsTree* localsView_ = nullptr;
    QTableView* bytecodeView_ = nullptr;
    QTableView* exceptionsView_ = nullptr;
    OutputView* output_ = nullptr;
    BreakpointsModel* breakpointsModel_ = nullptr;
    QTableView* breakpointsView_ = nullptr;
    WatchesModel* watchesModel_ = nullptr;
    QTableView* watchesView_ = nullptr;
    QLineEdit* watchInput_ = nullptr;
    QDockWidget* watchesDock_ = nullptr;
    QComboBox* threadBox_ = nullptr;
    QLineEdit* gotoBox_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QLabel* eventLabel_ = nullptr;
    QLabel* threadLabel_ = nullptr;
    QLabel* timeLabel_ = nullptr;
    QLabel* stopLabel_ = nullptr;
    QMenu* recentMenu_ = nullptr;
    QMenu* viewMenu_ = nullptr;
    QPointer<QMessageBox> errorBox_;
    QString lastError_;
    std::array<uint64_t, 2> shownOutput_{~0ull, ~0ull};
};

}  // namespace reel::gui
