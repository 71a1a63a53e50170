#include "widgets/MainWindow.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QRegularExpressionValidator>
#include <QSettings>
#include <QStatusBar>
#include <QTableView>
#include <QToolBar>
#include <QTreeView>
#include <QVBoxLayout>

#include "models/BreakpointsModel.h"
#include "models/BytecodeModel.h"
#include "models/ExceptionsModel.h"
#include "models/LocalsModel.h"
#include "models/Session.h"
#include "models/StackModel.h"
#include "models/TraceLoader.h"
#include "models/WatchesModel.h"
#include "widgets/LocalsTree.h"
#include "widgets/OutputView.h"
#include "widgets/SourceView.h"
#include "widgets/Theme.h"
#include "widgets/TimelineWidget.h"

namespace reel::gui {

using replayer::Direction;

namespace {
constexpr int kMaxRecent = 10;
constexpr const char* kRecentKey = "recentFiles";
}  // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent), session_(std::make_unique<Session>()) {
    setObjectName("mainWindow");
    setWindowTitle(tr("Reel"));
    setAcceptDrops(true);
    setDockOptions(AnimatedDocks | AllowTabbedDocks | AllowNestedDocks);

    // Central: a banner for recovered traces above the source.
    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    banner_ = new QLabel(central);
    banner_->setObjectName("recoveryBanner");
    banner_->setWordWrap(true);
    banner_->setMargin(6);
    banner_->setStyleSheet("QLabel { background: #f5d76e; color: #3a2c00; }");
    banner_->hide();
    // A slice is not damaged, only partial: an informational (blue) note, not the warning one.
    sliceBanner_ = new QLabel(central);
    sliceBanner_->setObjectName("sliceBanner");
    sliceBanner_->setWordWrap(true);
    sliceBanner_->setMargin(6);
    sliceBanner_->setStyleSheet("QLabel { background: #cfe3f7; color: #0d2a47; }");
    sliceBanner_->hide();
    source_ = new SourceView(*session_, central);
    layout->addWidget(banner_);
    layout->addWidget(sliceBanner_);
    layout->addWidget(source_);
    setCentralWidget(central);

    stackModel_ = new StackModel(*session_, this);
    localsModel_ = new LocalsModel(*session_, this);
    bytecodeModel_ = new BytecodeModel(*session_, this);
    exceptionsModel_ = new ExceptionsModel(*session_, this);
    breakpointsModel_ = new BreakpointsModel(*session_, this);
    watchesModel_ = new WatchesModel(*session_, this);

    buildActions();
    buildDocks();
    buildMenus();
    source_->setContextActions({action("runToCursor"), action("runBackToCursor")});

    // Status bar.
    eventLabel_ = new QLabel(this);
    eventLabel_->setObjectName("eventLabel");
    threadLabel_ = new QLabel(this);
    timeLabel_ = new QLabel(this);
    stopLabel_ = new QLabel(this);
    progress_ = new QProgressBar(this);
    progress_->setMaximumWidth(220);
    progress_->setTextVisible(true);
    progress_->hide();
    statusBar()->addWidget(eventLabel_);
    statusBar()->addWidget(threadLabel_);
    statusBar()->addWidget(timeLabel_);
    statusBar()->addWidget(stopLabel_, 1);
    statusBar()->addPermanentWidget(progress_);

    connect(session_.get(), &Session::positionChanged, this, &MainWindow::onPosition);
    connect(session_.get(), &Session::searchingChanged, this, &MainWindow::onSearching);
    connect(session_.get(), &Session::selectionChanged, this, &MainWindow::onSelection);
    connect(session_.get(), &Session::error, this,
            [this](const QString& m) { showError(tr("Reel"), m); });

    // The loader lives on its own thread for the window's lifetime.
    loader_ = new TraceLoader;
    loader_->moveToThread(&loaderThread_);
    connect(&loaderThread_, &QThread::finished, loader_, &QObject::deleteLater);
    connect(this, &MainWindow::requestLoad, loader_, &TraceLoader::load);
    connect(loader_, &TraceLoader::progress, this, [this](quint64 done, quint64 total) {
        progress_->setRange(0, 1000);
        progress_->setValue(total ? int(done * 1000 / total) : 0);
        progress_->setFormat(tr("Indexing %1%").arg(total ? done * 100 / total : 0));
    });
    connect(loader_, &TraceLoader::loaded, this, &MainWindow::onLoaded);
    connect(loader_, &TraceLoader::failed, this, &MainWindow::onFailed);
    connect(loader_, &TraceLoader::cancelled, this, [this](const QString&) {
        if (--pendingLoads_ > 0) return;  // superseded: a later request is queued
        loading_ = false;
        progress_->hide();
        Q_EMIT loadFinished(false);
    });
    loaderThread_.start();

    QSettings settings;
    Theme::apply(Theme::fromName(settings.value("theme", "system").toString()));
    rebuildRecentMenu();
    restoreLayout();
    onPosition();
    updateActions();
}

MainWindow::~MainWindow() {
    loader_->cancel();
    loaderThread_.quit();
    loaderThread_.wait();
}

QAction* MainWindow::action(const QString& name) const {
    return findChild<QAction*>(name);
}

void MainWindow::buildActions() {
    auto make = [this](const QString& name, const QString& text, const QKeySequence& key, auto fn) {
        auto* a = new QAction(text, this);
        a->setObjectName(name);
        if (!key.isEmpty()) a->setShortcut(key);
        a->setToolTip(key.isEmpty() ? text
                                    : QStringLiteral("%1 (%2)").arg(
                                          text, key.toString(QKeySequence::NativeText)));
        connect(a, &QAction::triggered, this, fn);
        return a;
    };
    make("open", tr("&Open..."), QKeySequence::Open, [this] {
        const QString path =
            QFileDialog::getOpenFileName(this, tr("Open a trace"), QString(),
                                         tr("Reel traces (*.reel *.reel.partial);;All files (*)"));
        if (!path.isEmpty()) openFile(path);
    });
    Session& s = *session_;
    make("goToStart", tr("Go to start"), QKeySequence(Qt::CTRL | Qt::Key_Home),
         [&s] { s.goToStart(); });
    make("reverseContinue", tr("Reverse continue"), QKeySequence(Qt::SHIFT | Qt::Key_F5),
         [&s] { s.continueRun(Direction::Backward); });
    make("stepBackOut", tr("Step back out"), QKeySequence(Qt::SHIFT | Qt::Key_F9),
         [&s] { s.stepOut(Direction::Backward); });
    make("stepBackOver", tr("Step back over"), QKeySequence(Qt::SHIFT | Qt::Key_F8),
         [&s] { s.stepOver(Direction::Backward); });
    make("stepBackInto", tr("Step back into"), QKeySequence(Qt::SHIFT | Qt::Key_F7),
         [&s] { s.stepInto(Direction::Backward); });
    make("stepInto", tr("Step into"), QKeySequence(Qt::Key_F7),
         [&s] { s.stepInto(Direction::Forward); });
    make("stepOver", tr("Step over"), QKeySequence(Qt::Key_F8),
         [&s] { s.stepOver(Direction::Forward); });
    make("stepOut", tr("Step out"), QKeySequence(Qt::Key_F9),
         [&s] { s.stepOut(Direction::Forward); });
    // pdb's until: a step over that never goes back to an earlier line of the frame, so on a
    // loop's last line it runs the remaining iterations. Ctrl+ the step-over key, as the
    // variant of it; Shift reverses, as for every step.
    make("stepUntil", tr("Until"), QKeySequence(Qt::CTRL | Qt::Key_F8),
         [&s] { s.stepUntil(Direction::Forward); })
        ->setToolTip(tr("Run to a later line of this frame, past the end of a loop, or to its "
                        "return (Ctrl+F8)"));
    make("stepBackUntil", tr("Back until"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F8),
         [&s] { s.stepUntil(Direction::Backward); })
        ->setToolTip(tr("Run back to an earlier line of this frame, before the start of a loop, "
                        "or to its call (Ctrl+Shift+F8)"));
    // A continue to one line: Ctrl+ the continue key.
    make("runToCursor", tr("Run to cursor"), QKeySequence(Qt::CTRL | Qt::Key_F5),
         [this] { runToCursor(Direction::Forward); })
        ->setToolTip(tr("Run forward to the source line under the text cursor, stopping earlier "
                        "at a breakpoint (Ctrl+F5)"));
    make("runBackToCursor", tr("Run back to cursor"),
         QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F5),
         [this] { runToCursor(Direction::Backward); })
        ->setToolTip(tr("Run backward to the source line under the text cursor (Ctrl+Shift+F5)"));
    make("addFunctionBreakpoint", tr("Add function breakpoint..."),
         QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_B), [this] { askFunctionBreakpoint(false); });
    make("addTemporaryFunctionBreakpoint", tr("Add temporary function breakpoint..."),
         QKeySequence(), [this] { askFunctionBreakpoint(true); });
    make("addWatch", tr("Add watch..."), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_W), [this] {
        watchesDock_->show();
        watchesDock_->raise();
        watchInput_->setFocus();
    });
    make("continue", tr("Continue"), QKeySequence(Qt::Key_F5),
         [&s] { s.continueRun(Direction::Forward); });
    make("goToEnd", tr("Go to end"), QKeySequence(Qt::CTRL | Qt::Key_End), [&s] { s.goToEnd(); });
    make("previousException", tr("Previous exception"), QKeySequence(Qt::SHIFT | Qt::Key_F6),
         [&s] { s.toException(Direction::Backward); });
    make("nextException", tr("Next exception"), QKeySequence(Qt::Key_F6),
         [&s] { s.toException(Direction::Forward); });
    make("previousThreadSwitch", tr("Previous thread switch"), QKeySequence(),
         [&s] { s.toThreadSwitch(Direction::Backward); });
    make("nextThreadSwitch", tr("Next thread switch"), QKeySequence(),
         [&s] { s.toThreadSwitch(Direction::Forward); });
    auto* g = make("instructionGranularity", tr("Instruction steps"),
                   QKeySequence(Qt::CTRL | Qt::Key_I), [this](bool on) {
                       session_->setGranularity(on ? replayer::Granularity::Instruction
                                                   : replayer::Granularity::Line);
                   });
    g->setCheckable(true);
    g->setToolTip(tr("Step by bytecode instruction instead of by line (Ctrl+I)"));
    auto* raise = make("breakOnRaise", tr("Stop on exceptions"), QKeySequence(),
                       [this](bool on) { session_->setBreakOnRaise(on); });
    raise->setCheckable(true);
    raise->setToolTip(tr("Continue and reverse continue also stop where an exception is raised"));
    auto* unhandled =
        make("unhandledOnly", tr("Only exceptions never handled"), QKeySequence(), [this](bool on) {
            replayer::RaiseFilter f = session_->raiseFilter();
            f.handled = !on;
            session_->setRaiseFilter(f);
        });
    unhandled->setCheckable(true);
    unhandled->setToolTip(
        tr("With Stop on exceptions: stop only at raises that are never handled "
           "(uncaught, or still in flight at the end)"));
    // Checked from the start, as the Exceptions pane hides them: an import-heavy run raises and
    // handles hundreds inside importlib before the program's first line of interest.
    auto* skipLibrary = make("skipLibraryExceptions", tr("Skip exceptions inside library code"),
                             QKeySequence(), [this](bool on) {
                                 replayer::RaiseFilter f = session_->raiseFilter();
                                 f.library = !on;
                                 session_->setRaiseFilter(f);
                             });
    skipLibrary->setCheckable(true);
    skipLibrary->setChecked(true);
    {
        replayer::RaiseFilter f = session_->raiseFilter();
        f.library = false;
        session_->setRaiseFilter(f);
    }
    skipLibrary->setToolTip(
        tr("With Stop on exceptions: pass by the exceptions raised and handled inside the "
           "standard library or installed packages that never reach the program's own code"));
    auto* cancel = make("cancelSearch", tr("Cancel search"), QKeySequence(Qt::Key_Escape),
                        [this] { session_->cancelSearch(); });
    cancel->setEnabled(false);
    cancel->setToolTip(tr("Stop a continue or step that is still searching (Esc)"));
    make("gotoEvent", tr("Go to event..."), QKeySequence(Qt::CTRL | Qt::Key_G), [this] {
        gotoBox_->setFocus();
        gotoBox_->selectAll();
    });

    auto* tb = addToolBar(tr("Navigation"));
    tb->setObjectName("navigationToolBar");
    tb->setToolButtonStyle(Qt::ToolButtonTextOnly);
    tb->addAction(action("open"));
    tb->addSeparator();
    for (const char* n : {"goToStart", "reverseContinue", "stepBackOut", "stepBackUntil",
                          "stepBackOver", "stepBackInto"})
        tb->addAction(action(n));
    tb->addSeparator();
    for (const char* n : {"stepInto", "stepOver", "stepUntil", "stepOut", "continue", "goToEnd"})
        tb->addAction(action(n));
    tb->addSeparator();
    tb->addAction(action("cancelSearch"));
    tb->addSeparator();
    tb->addAction(action("instructionGranularity"));
    tb->addAction(action("breakOnRaise"));
    tb->addSeparator();
    tb->addWidget(new QLabel(tr(" Event "), tb));
    gotoBox_ = new QLineEdit(tb);
    gotoBox_->setObjectName("gotoBox");
    gotoBox_->setPlaceholderText(tr("go to event"));
    gotoBox_->setMaximumWidth(130);
    gotoBox_->setValidator(
        new QRegularExpressionValidator(QRegularExpression("[0-9]{1,19}"), gotoBox_));
    connect(gotoBox_, &QLineEdit::returnPressed, this, &MainWindow::goToEventText);
    tb->addWidget(gotoBox_);
}

void MainWindow::goToEventText() {
    if (!session_->isOpen()) return;
    bool ok = false;
    const qulonglong n = gotoBox_->text().toULongLong(&ok);
    if (!ok || !session_->containsEvent(n)) {
        // A slice keeps the original's numbers: say which window it has, not "0 to N".
        const QString msg = session_->outOfRangeText(gotoBox_->text());
        stopLabel_->setText(msg);
        showError(tr("Go to event"), msg);
        return;
    }
    session_->goTo(n);
}

void MainWindow::buildDocks() {
    auto dock = [this](const QString& name, const QString& title, QWidget* w,
                       Qt::DockWidgetArea area) {
        auto* d = new QDockWidget(title, this);
        d->setObjectName(name);
        d->setWidget(w);
        addDockWidget(area, d);
        return d;
    };
    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);

    timeline_ = new TimelineWidget(*session_, this);
    auto* tl = dock("timelineDock", tr("Timeline"), timeline_, Qt::BottomDockWidgetArea);

    // Stack with its thread selector.
    auto* stackPane = new QWidget(this);
    auto* sl = new QVBoxLayout(stackPane);
    sl->setContentsMargins(0, 0, 0, 0);
    threadBox_ = new QComboBox(stackPane);
    threadBox_->setObjectName("threadSelector");
    connect(threadBox_, &QComboBox::activated, this, [this](int i) {
        const QVariant v = threadBox_->itemData(i);
        session_->setThread(v.isValid() ? std::optional<uint32_t>(v.toUInt()) : std::nullopt);
    });
    stackView_ = new QTreeView(stackPane);
    stackView_->setObjectName("stackView");
    stackView_->setModel(stackModel_);
    stackView_->setRootIsDecorated(false);
    stackView_->setUniformRowHeights(true);
    stackView_->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    stackView_->header()->setStretchLastSection(false);
    stackView_->setContextMenuPolicy(Qt::ActionsContextMenu);
    auto* toCall = new QAction(tr("Go to this frame's call"), stackView_);
    auto* toReturn = new QAction(tr("Go to this frame's return"), stackView_);
    connect(toCall, &QAction::triggered, this, [this] {
        const QModelIndex i = stackView_->currentIndex();
        if (i.isValid()) session_->toFrameCall(i.data(StackModel::StackIndexRole).toInt());
    });
    connect(toReturn, &QAction::triggered, this, [this] {
        const QModelIndex i = stackView_->currentIndex();
        if (i.isValid()) session_->toFrameReturn(i.data(StackModel::StackIndexRole).toInt());
    });
    stackView_->addAction(toCall);
    stackView_->addAction(toReturn);
    connect(stackView_, &QTreeView::clicked, this, [this](const QModelIndex& i) {
        session_->selectFrame(i.data(StackModel::StackIndexRole).toInt());
    });
    sl->addWidget(threadBox_);
    sl->addWidget(stackView_);
    auto* st = dock("stackDock", tr("Call stack"), stackPane, Qt::RightDockWidgetArea);

    localsView_ = new LocalsTree(*session_, *localsModel_, this);
    localsView_->setFont(mono);
    auto* lo = dock("localsDock", tr("Locals"), localsView_, Qt::RightDockWidgetArea);
    splitDockWidget(st, lo, Qt::Vertical);

    // Watches (the terminal's `display`): an input line above the expressions and their values.
    auto* watchPane = new QWidget(this);
    auto* wl = new QVBoxLayout(watchPane);
    wl->setContentsMargins(0, 0, 0, 0);
    watchInput_ = new QLineEdit(watchPane);
    watchInput_->setObjectName("watchInput");
    watchInput_->setPlaceholderText(tr("Add a watch: name, item.stock, order.lines[0], qty > 3"));
    watchInput_->setClearButtonEnabled(true);
    connect(watchInput_, &QLineEdit::returnPressed, this, [this] {
        if (watchesModel_->addWatch(watchInput_->text()) >= 0) watchInput_->clear();
    });
    watchesView_ = new QTableView(watchPane);
    watchesView_->setObjectName("watchesView");
    watchesView_->setModel(watchesModel_);
    watchesView_->setFont(mono);
    watchesView_->verticalHeader()->hide();
    watchesView_->horizontalHeader()->setStretchLastSection(true);
    watchesView_->setSelectionBehavior(QAbstractItemView::SelectRows);
    watchesView_->setSelectionMode(QAbstractItemView::SingleSelection);
    watchesView_->setShowGrid(false);
    watchesView_->setEditTriggers(QAbstractItemView::DoubleClicked |
                                  QAbstractItemView::EditKeyPressed);
    watchesView_->setContextMenuPolicy(Qt::ActionsContextMenu);
    auto* removeWatch = new QAction(tr("Remove watch"), watchesView_);
    removeWatch->setObjectName("removeWatch");
    removeWatch->setShortcut(QKeySequence(Qt::Key_Delete));
    removeWatch->setShortcutContext(Qt::WidgetShortcut);
    connect(removeWatch, &QAction::triggered, this, [this] {
        const QModelIndex i = watchesView_->currentIndex();
        if (i.isValid()) watchesModel_->removeWatch(i.row());
    });
    auto* removeAllWatches = new QAction(tr("Remove all watches"), watchesView_);
    removeAllWatches->setObjectName("removeAllWatches");
    connect(removeAllWatches, &QAction::triggered, this, [this] { watchesModel_->clear(); });
    watchesView_->addAction(removeWatch);
    watchesView_->addAction(removeAllWatches);
    wl->addWidget(watchInput_);
    wl->addWidget(watchesView_);
    // A tab next to Locals (as Visual Studio's Locals/Watch): a third pane in that column, or
    // one under the bytecode, would raise the window's minimum height past small screens (and
    // the 600-pixel screenshots) or squeeze the bytecode. Adding a watch brings the tab forward.
    watchesDock_ = dock("watchesDock", tr("Watches"), watchPane, Qt::RightDockWidgetArea);
    tabifyDockWidget(lo, watchesDock_);
    lo->raise();
    connect(localsView_, &LocalsTree::watchRequested, this, [this](const QString& expression) {
        watchesModel_->addWatch(expression);
        watchesDock_->show();
        watchesDock_->raise();
    });

    bytecodeView_ = new QTableView(this);
    bytecodeView_->setObjectName("bytecodeView");
    bytecodeView_->setModel(bytecodeModel_);
    bytecodeView_->setFont(mono);
    bytecodeView_->verticalHeader()->hide();
    bytecodeView_->verticalHeader()->setDefaultSectionSize(QFontMetrics(mono).height() + 4);
    bytecodeView_->horizontalHeader()->setStretchLastSection(true);
    bytecodeView_->setSelectionBehavior(QAbstractItemView::SelectRows);
    bytecodeView_->setShowGrid(false);
    connect(bytecodeModel_, &BytecodeModel::currentRowChanged, this, [this](int row) {
        if (row < 0) return;
        // When another code object was just shown (a model reset), the view lays its rows out
        // only later: its scroll bar still has the previous code's range, and scrollTo() would
        // be clamped to it (a long function entered from a short one stayed scrolled near the
        // top, the current instruction out of view). Lay out now.
        bytecodeView_->doItemsLayout();
        bytecodeView_->scrollTo(bytecodeModel_->index(row, 0), QAbstractItemView::EnsureVisible);
    });
    auto* bc = dock("bytecodeDock", tr("Bytecode"), bytecodeView_, Qt::LeftDockWidgetArea);

    exceptionsView_ = new QTableView(this);
    exceptionsView_->setObjectName("exceptionsView");
    exceptionsView_->setModel(exceptionsModel_);
    exceptionsView_->verticalHeader()->hide();
    exceptionsView_->horizontalHeader()->setStretchLastSection(true);
    exceptionsView_->setSelectionBehavior(QAbstractItemView::SelectRows);
    exceptionsView_->setShowGrid(false);
    connect(exceptionsView_, &QTableView::activated, this, [this](const QModelIndex& i) {
        session_->goTo(i.data(ExceptionsModel::RaisedEventRole).toULongLong());
    });
    // Exceptions raised and handled inside library code (importlib's probes: hundreds in an
    // import-heavy run) are left out of the list until asked for, as in `reel replay`.
    auto* exPane = new QWidget(this);
    auto* exLayout = new QVBoxLayout(exPane);
    exLayout->setContentsMargins(0, 0, 0, 0);
    exLayout->setSpacing(2);
    auto* showLibrary = new QCheckBox(exPane);
    showLibrary->setObjectName("showLibraryExceptions");
    showLibrary->setToolTip(
        tr("Exceptions raised and handled inside the standard library, frozen modules or "
           "installed packages, without reaching the program's own code"));
    auto libraryCount = [showLibrary](int n) {
        showLibrary->setText(tr("Also %n raised and handled inside library code", "", n));
        showLibrary->setVisible(n > 0);
    };
    libraryCount(exceptionsModel_->libraryCount());
    connect(exceptionsModel_, &ExceptionsModel::libraryCountChanged, this, libraryCount);
    connect(showLibrary, &QCheckBox::toggled, exceptionsModel_, &ExceptionsModel::setShowLibrary);
    exLayout->addWidget(showLibrary);
    exLayout->addWidget(exceptionsView_);
    auto* ex = dock("exceptionsDock", tr("Exceptions"), exPane, Qt::BottomDockWidgetArea);

    output_ = new OutputView(this);
    output_->setObjectName("outputView");
    output_->setFont(mono);
    connect(output_, &OutputView::jumpRequested, this,
            [this](quint64 event) { session_->goTo(event); });
    auto* out = dock("outputDock", tr("Output"), output_, Qt::BottomDockWidgetArea);

    // Breakpoints: enable/disable, edit the condition, jump to a hit, remove.
    breakpointsView_ = new QTableView(this);
    breakpointsView_->setObjectName("breakpointsView");
    breakpointsView_->setModel(breakpointsModel_);
    breakpointsView_->verticalHeader()->hide();
    breakpointsView_->horizontalHeader()->setStretchLastSection(true);
    breakpointsView_->setSelectionBehavior(QAbstractItemView::SelectRows);
    breakpointsView_->setSelectionMode(QAbstractItemView::SingleSelection);
    breakpointsView_->setShowGrid(false);
    breakpointsView_->setEditTriggers(QAbstractItemView::DoubleClicked |
                                      QAbstractItemView::EditKeyPressed);
    breakpointsView_->setContextMenuPolicy(Qt::ActionsContextMenu);
    auto bpAction = [this](const QString& name, const QString& text, const QKeySequence& key,
                           auto fn) {
        auto* a = new QAction(text, breakpointsView_);
        a->setObjectName(name);
        if (!key.isEmpty()) {
            a->setShortcut(key);
            a->setShortcutContext(Qt::WidgetShortcut);
        }
        connect(a, &QAction::triggered, this, fn);
        breakpointsView_->addAction(a);
        return a;
    };
    bpAction("breakpointNextHit", tr("Go to next hit"), QKeySequence(), [this] {
        if (int row = currentBreakpointRow(); row >= 0)
            session_->toBreakpointHit(row, Direction::Forward);
    });
    bpAction("breakpointPreviousHit", tr("Go to previous hit"), QKeySequence(), [this] {
        if (int row = currentBreakpointRow(); row >= 0)
            session_->toBreakpointHit(row, Direction::Backward);
    });
    bpAction("removeBreakpoint", tr("Remove"), QKeySequence(Qt::Key_Delete), [this] {
        if (int row = currentBreakpointRow(); row >= 0) session_->removeBreakpointAt(row);
    });
    bpAction("removeAllBreakpoints", tr("Remove all"), QKeySequence(),
             [this] { session_->clearBreakpoints(); });
    breakpointsView_->addAction(action("addFunctionBreakpoint"));
    breakpointsView_->addAction(action("addTemporaryFunctionBreakpoint"));
    // Activating the location jumps to the breakpoint's next hit (Enter, or a double-click:
    // a double-click on the condition edits it instead).
    connect(breakpointsView_, &QTableView::activated, this, [this](const QModelIndex& i) {
        if (i.column() == BreakpointsModel::LocationColumn)
            session_->toBreakpointHit(i.row(), Direction::Forward);
    });
    auto* bps =
        dock("breakpointsDock", tr("Breakpoints"), breakpointsView_, Qt::BottomDockWidgetArea);
    // Timeline across the bottom, exceptions and output tabbed under it.
    splitDockWidget(tl, ex, Qt::Vertical);
    tabifyDockWidget(ex, out);
    tabifyDockWidget(out, bps);
    out->raise();
    resizeDocks({bc, st}, {330, 420}, Qt::Horizontal);
    resizeDocks({st, lo}, {190, 330}, Qt::Vertical);
    resizeDocks({tl, ex}, {110, 150}, Qt::Vertical);
}

void MainWindow::buildMenus() {
    auto* file = menuBar()->addMenu(tr("&File"));
    file->addAction(action("open"));
    recentMenu_ = file->addMenu(tr("Open &recent"));
    file->addSeparator();
    auto* quit = file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
    quit->setObjectName("quit");

    auto* nav = menuBar()->addMenu(tr("&Navigate"));
    for (const char* n : {"stepInto", "stepOver", "stepUntil", "stepOut", "continue",
                          "runToCursor", "nextException", "goToEnd"})
        nav->addAction(action(n));
    nav->addSeparator();
    for (const char* n : {"stepBackInto", "stepBackOver", "stepBackUntil", "stepBackOut",
                          "reverseContinue", "runBackToCursor", "previousException", "goToStart"})
        nav->addAction(action(n));
    nav->addSeparator();
    nav->addAction(action("nextThreadSwitch"));
    nav->addAction(action("previousThreadSwitch"));
    nav->addAction(action("gotoEvent"));
    nav->addSeparator();
    nav->addAction(action("instructionGranularity"));
    nav->addAction(action("breakOnRaise"));
    nav->addAction(action("unhandledOnly"));
    nav->addAction(action("skipLibraryExceptions"));

    auto* bp = menuBar()->addMenu(tr("&Breakpoints"));
    bp->addAction(action("addFunctionBreakpoint"));
    bp->addAction(action("addTemporaryFunctionBreakpoint"));
    bp->addAction(action("removeAllBreakpoints"));
    bp->addSeparator();
    bp->addAction(action("addWatch"));

    viewMenu_ = menuBar()->addMenu(tr("&View"));
    for (auto* d : findChildren<QDockWidget*>()) viewMenu_->addAction(d->toggleViewAction());
    viewMenu_->addSeparator();
    auto* theme = viewMenu_->addMenu(tr("&Theme"));
    auto* group = new QActionGroup(this);
    for (auto m : {Theme::Mode::System, Theme::Mode::Light, Theme::Mode::Dark}) {
        auto* a = theme->addAction(m == Theme::Mode::System  ? tr("Follow the system")
                                   : m == Theme::Mode::Light ? tr("Light")
                                                             : tr("Dark"));
        a->setObjectName("theme-" + Theme::name(m));
        a->setCheckable(true);
        a->setChecked(QSettings().value("theme", "system").toString() == Theme::name(m));
        group->addAction(a);
        connect(a, &QAction::triggered, this, [this, m] { setTheme(int(m)); });
    }
    auto* dunder = viewMenu_->addAction(tr("Show dunder names in locals"));
    dunder->setCheckable(true);
    connect(dunder, &QAction::toggled, this, [this](bool on) { localsModel_->setShowDunder(on); });
}

void MainWindow::runToCursor(Direction dir) {
    const int line = source_->cursorLine();
    if (source_->fileName().isEmpty() || line <= 0) {
        showError(tr("Reel"), tr("Put the text cursor on a line of the source first."));
        return;
    }
    session_->runTo(dir, source_->fileName(), line);
}

void MainWindow::askFunctionBreakpoint(bool temporary) {
    if (!session_->isOpen()) return;
    bool ok = false;
    const QString spec = QInputDialog::getText(
        this, temporary ? tr("Temporary function breakpoint") : tr("Function breakpoint"),
        tr("Stop at the first line of every call of (a name or Class.method, optionally "
           "FILE:NAME, as reel replay's break FUNCTION):"),
        QLineEdit::Normal, QString(), &ok);
    if (ok && !spec.trimmed().isEmpty()) session_->addFunctionBreakpoint(spec, temporary);
}

void MainWindow::setTheme(int mode) {
    Theme::apply(Theme::Mode(mode));
    QSettings().setValue("theme", Theme::name(Theme::Mode(mode)));
}

void MainWindow::changeEvent(QEvent* e) {
    QMainWindow::changeEvent(e);
    // The platform's colour scheme changed (a desktop switching to dark): when following the
    // system, take its palette again (Qt 6.4 has no QStyleHints::colorScheme; the platform
    // theme's palette is what says light or dark).
    if (e->type() == QEvent::ThemeChange && Theme::current() == Theme::Mode::System)
        Theme::apply(Theme::Mode::System);
    if (e->type() == QEvent::PaletteChange) {
        banner_->setStyleSheet(Theme::isDark(palette())
                                   ? "QLabel { background: #6b5310; color: #fff4cc; }"
                                   : "QLabel { background: #f5d76e; color: #3a2c00; }");
        sliceBanner_->setStyleSheet(Theme::isDark(palette())
                                        ? "QLabel { background: #1d3b5c; color: #dcecff; }"
                                        : "QLabel { background: #cfe3f7; color: #0d2a47; }");
    }
}

void MainWindow::openFile(const QString& path) {
    loadingPath_ = QFileInfo(path).absoluteFilePath();
    // Stops whatever the loader is doing (indexing another file) so the new request, queued
    // behind it, starts at once; load() clears the flag.
    loader_->cancel();
    loading_ = true;
    ++pendingLoads_;
    progress_->setRange(0, 0);
    progress_->setFormat(tr("Opening..."));
    progress_->show();
    Q_EMIT requestLoad(loadingPath_);
}

void MainWindow::onLoaded(const LoadedTrace& trace) {
    // Requests are answered in order (one each: loaded, failed or cancelled); only the answer to
    // the latest one counts.
    if (--pendingLoads_ > 0) return;
    loading_ = false;
    progress_->hide();
    shownOutput_ = {~0ull, ~0ull};
    if (!session_->open(trace)) {
        Q_EMIT loadFinished(false);
        return;
    }
    setWindowTitle(tr("%1 - Reel").arg(QFileInfo(trace.path).fileName()));
    banner_->setText(trace.recoveryMessage);
    banner_->setVisible(trace.recovered);
    sliceBanner_->setText(session_->sliceText());
    sliceBanner_->setVisible(session_->isSlice());
    addRecent(trace.path);
    rebuildThreads();
    exceptionsView_->resizeColumnsToContents();
    bytecodeView_->resizeColumnsToContents();
    updateActions();
    eventLabel_->setToolTip(session_->isSlice()
                                ? tr("%1 events (%2 to %3, a slice), indexed in %4 s")
                                      .arg(session_->eventsInTrace())
                                      .arg(session_->firstEvent())
                                      .arg(session_->lastEvent())
                                      .arg(trace.indexSeconds, 0, 'f', 2)
                                : tr("%1 events, indexed in %2 s")
                                      .arg(session_->eventsInTrace())
                                      .arg(trace.indexSeconds, 0, 'f', 2));
    Q_EMIT loadFinished(true);
}

void MainWindow::onFailed(const QString& path, const QString& message) {
    if (--pendingLoads_ > 0) return;
    loading_ = false;
    progress_->hide();
    showError(tr("Cannot open %1").arg(QFileInfo(path).fileName()), message);
    Q_EMIT loadFinished(false);
}

void MainWindow::showError(const QString& title, const QString& message) {
    lastError_ = message;
    // Not modal-blocking: the window (and the tests driving it) keep running.
    if (errorBox_) errorBox_->close();
    errorBox_ = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::Ok, this);
    errorBox_->setAttribute(Qt::WA_DeleteOnClose);
    errorBox_->open();
}

QStringList MainWindow::recentFiles() const {
    return QSettings().value(kRecentKey).toStringList();
}

void MainWindow::addRecent(const QString& path) {
    QStringList list = recentFiles();
    list.removeAll(path);
    list.prepend(path);
    while (list.size() > kMaxRecent) list.removeLast();
    QSettings().setValue(kRecentKey, list);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
    recentMenu_->clear();
    const QStringList list = recentFiles();
    for (const QString& p : list) recentMenu_->addAction(p, this, [this, p] { openFile(p); });
    recentMenu_->setEnabled(!list.isEmpty());
}

void MainWindow::rebuildThreads() {
    threadBox_->clear();
    threadBox_->addItem(tr("Follow the current event"));
    if (!session_->isOpen()) return;
    for (uint32_t id : session_->replayer().threadIds())
        threadBox_->addItem(QStringLiteral("%1 (#%2)").arg(session_->threadName(id)).arg(id), id);
    threadBox_->setEnabled(threadBox_->count() > 2);
}

void MainWindow::onSearching(bool searching) {
    action("cancelSearch")->setEnabled(searching);
    if (searching) {
        for (const char* n :
             {"goToStart", "reverseContinue", "stepBackOut", "stepBackOver", "stepBackInto",
              "stepInto", "stepOver", "stepOut", "continue", "goToEnd", "previousException",
              "nextException", "previousThreadSwitch", "nextThreadSwitch", "gotoEvent",
              "stepUntil", "stepBackUntil", "runToCursor", "runBackToCursor"})
            action(n)->setEnabled(false);
        stopLabel_->setText(tr("Searching... (Esc to cancel)"));
        progress_->setRange(0, 0);
        progress_->setFormat(tr("Searching"));
        progress_->show();
    } else {
        if (!loading_) progress_->hide();
        updateActions();
    }
}

int MainWindow::currentBreakpointRow() const {
    const QModelIndex i = breakpointsView_->currentIndex();
    return i.isValid() ? i.row() : -1;
}

void MainWindow::updateActions() {
    if (session_->isSearching()) return;
    const bool open = session_->isOpen();
    for (const char* n :
         {"goToStart", "reverseContinue", "stepBackOut", "stepBackOver", "stepBackInto", "stepInto",
          "stepOver", "stepOut", "continue", "goToEnd", "previousException", "nextException",
          "previousThreadSwitch", "nextThreadSwitch", "gotoEvent", "stepUntil", "stepBackUntil",
          "runToCursor", "runBackToCursor"})
        action(n)->setEnabled(open);
    if (!open) return;
    const bool atStart = session_->navigator().atStart(), atEnd = session_->navigator().atEnd();
    for (const char* n : {"goToStart", "reverseContinue", "stepBackOut", "stepBackOver",
                          "stepBackInto", "previousException", "stepBackUntil", "runBackToCursor"})
        action(n)->setEnabled(!atStart);
    for (const char* n : {"stepInto", "stepOver", "stepOut", "continue", "goToEnd",
                          "nextException", "stepUntil", "runToCursor"})
        action(n)->setEnabled(!atEnd);
    const bool threads = session_->replayer().threadIds().size() > 1;
    action("previousThreadSwitch")->setEnabled(threads);
    action("nextThreadSwitch")->setEnabled(threads);
}

void MainWindow::onPosition() {
    updateActions();
    updateOutput();
    if (!session_->isOpen()) {
        eventLabel_->setText(tr("No trace"));
        threadLabel_->clear();
        timeLabel_->clear();
        stopLabel_->clear();
        return;
    }
    const auto& st = session_->state();
    // A slice shows its window ("Event 150 / 120..300 (slice)"): numbers are the original's.
    if (session_->isSlice())
        eventLabel_->setText(tr("Event %1 / %2..%3 (slice)")
                                 .arg(session_->position())
                                 .arg(session_->firstEvent())
                                 .arg(session_->lastEvent()));
    else
        eventLabel_->setText(
            tr("Event %1 / %2").arg(session_->position()).arg(session_->lastEvent()));
    timeLabel_->setText(tr("t = %1 s").arg(double(st.timeNs) / 1e9, 0, 'f', 6));
    stopLabel_->setText(session_->stopText());
    if (!gotoBox_->hasFocus()) gotoBox_->setText(QString::number(session_->position()));
}

void MainWindow::onSelection() {
    if (!session_->isOpen()) return;
    // A breakpoint on another thread moves a pinned thread there: the selector says so.
    const int box = session_->threadPinned()
                        ? threadBox_->findData(QVariant::fromValue(session_->thread()))
                        : 0;
    if (box >= 0 && box != threadBox_->currentIndex()) threadBox_->setCurrentIndex(box);
    threadLabel_->setText(tr("Thread: %1%2")
                              .arg(session_->threadName(session_->thread()))
                              .arg(session_->threadPinned() ? tr(" (pinned)") : QString()));
    const int row = stackModel_->rowOfStackIndex(session_->selectedFrame());
    if (row >= 0 && row < stackModel_->rowCount())
        stackView_->setCurrentIndex(stackModel_->index(row, 0));
}

void MainWindow::updateOutput(bool force) {
    if (!session_->isOpen()) {
        output_->clearOutput();
        shownOutput_ = {~0ull, ~0ull};
        return;
    }
    // Re-read only when the amount written changed: most steps print nothing.
    const auto& bytes = session_->state().outputBytes;
    if (!force && bytes[0] == shownOutput_[0] && bytes[1] == shownOutput_[1]) return;
    shownOutput_ = {bytes[0], bytes[1]};
    output_->showChunks(session_->outputChunks());
}

QString MainWindow::statusText() const {
    return QStringList{eventLabel_->text(), threadLabel_->text(), timeLabel_->text(),
                       stopLabel_->text()}
        .join(" | ");
}

void MainWindow::restoreLayout() {
    QSettings s;
    restoreGeometry(s.value("window/geometry").toByteArray());
    restoreState(s.value("window/state").toByteArray());
}

void MainWindow::closeEvent(QCloseEvent* e) {
    QSettings s;
    s.setValue("window/geometry", saveGeometry());
    s.setValue("window/state", saveState());
    QMainWindow::closeEvent(e);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* e) {
    if (e->mimeData()->hasUrls() && !e->mimeData()->urls().isEmpty() &&
        e->mimeData()->urls().first().isLocalFile())
        e->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* e) {
    const auto urls = e->mimeData()->urls();
    if (!urls.isEmpty() && urls.first().isLocalFile()) {
        openFile(urls.first().toLocalFile());
        e->acceptProposedAction();
    }
}

}  // namespace reel::gui
