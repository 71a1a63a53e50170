// The GUI's ways to the terminal's until/runtil, tbreak, break FUNCTION and display: the
// Session commands and models (Watches, Breakpoints) over the program-shaped synthetic trace,
// then the window's actions, shortcuts, source context actions and panes driving them; and a
// breakpoint on another thread stopping a step and switching the followed thread.

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QInputDialog>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>
#include <QTimer>
#include <QToolBar>

#include "gui/ProgramTrace.h"
#include "gui/WindowTest.h"
#include "models/BreakpointsModel.h"
#include "models/LocalsModel.h"
#include "models/Session.h"
#include "models/StackModel.h"
#include "models/WatchesModel.h"
#include "widgets/LocalsTree.h"
#include "widgets/MainWindow.h"
#include "widgets/SourceView.h"

using namespace reel;
using namespace reel::gui;
using replayer::Direction;
using replayer::StopReason;

namespace {

// StopReasons compared by name, so a failure prints both.
QString text(StopReason r) {
    return QString::fromLatin1(replayer::toString(r));
}

// The shown frame's function and line.
QString where(Session& s) {
    const auto* c = s.code();
    const auto* f = s.frame();
    if (!c || !f) return QStringLiteral("-");
    return QStringLiteral("%1:%2").arg(QString::fromStdString(c->qualname)).arg(f->shownLine());
}

// The value of local `name` in the Locals model ("" when it is not shown).
QString local(const LocalsModel& m, const QString& name) {
    const int r = m.rowOf(name);
    return r < 0 ? QString() : m.data(m.index(r, LocalsModel::ValueColumn)).toString();
}

}  // namespace

class TestStepping : public QObject {
    Q_OBJECT
    std::unique_ptr<test::TempDir> dir_;
    QString trace_, threads_;
    uint64_t events_ = 0;

    std::unique_ptr<Session> openSession(const QString& path) {
        auto s = std::make_unique<Session>();
        if (!s->open(loadTrace(path))) return nullptr;
        return s;
    }

  private Q_SLOTS:
    void initTestCase() {
        test::isolateSettings("reel-gui-stepping-tests");
        dir_ = std::make_unique<test::TempDir>();
        trace_ = QString::fromStdString((*dir_ / "prog.reel").string());
        events_ =
            test::writeProgramTrace(trace_.toStdString(), {.iterations = 4, .eventsPerBatch = 37});
        threads_ = QString::fromStdString((*dir_ / "threads.reel").string());
        test::writeProgramTrace(threads_.toStdString(),
                                {.iterations = 4, .eventsPerBatch = 50, .workerThread = true});
    }

    // pdb's until: from the loop body's last line, past the loop; runtil is its mirror.
    void untilRunsPastTheLoopAndBack() {
        auto s = openSession(trace_);
        QVERIFY(s);
        LocalsModel locals(*s);
        QCOMPARE(text(s->runTo(Direction::Forward, test::kProgramFile, 11).reason),
                 text(StopReason::Target));
        QCOMPARE(where(*s), QString("work:11"));
        QCOMPARE(local(locals, "i"), QString("0"));
        // Step over goes back to the loop's header; until does not.
        QCOMPARE(text(s->stepOver(Direction::Forward).reason), text(StopReason::Step));
        QCOMPARE(where(*s), QString("work:10"));
        QCOMPARE(text(s->stepOver(Direction::Forward).reason), text(StopReason::Step));
        QCOMPARE(where(*s), QString("work:11"));
        QCOMPARE(text(s->stepUntil(Direction::Forward).reason), text(StopReason::Step));
        QCOMPARE(where(*s), QString("work:12"));
        QCOMPARE(local(locals, "total"), QString("6"));
        QCOMPARE(local(locals, "i"), QString("3"));
        // Back: to the loop's last test, then before the loop.
        QCOMPARE(text(s->stepUntil(Direction::Backward).reason), text(StopReason::Step));
        QCOMPARE(where(*s), QString("work:10"));
        QCOMPARE(local(locals, "i"), QString("3"));
        QCOMPARE(text(s->stepUntil(Direction::Backward).reason), text(StopReason::Step));
        QCOMPARE(where(*s), QString("work:9"));
        // A breakpoint on the way stops until, as it stops step over.
        QVERIFY(s->toggleBreakpoint(test::kProgramFile, 4));
        QCOMPARE(text(s->runTo(Direction::Forward, test::kProgramFile, 11).reason),
                 text(StopReason::Target));
        QCOMPARE(text(s->stepUntil(Direction::Forward).reason), text(StopReason::Breakpoint));
        QCOMPARE(where(*s), QString("add:4"));
    }

    // A temporary breakpoint stops once and is gone: from the Session, the Breakpoints model and
    // the Navigator.
    void temporaryBreakpointIsDeletedWhenHit() {
        auto s = openSession(trace_);
        QVERIFY(s);
        BreakpointsModel m(*s);
        QVERIFY(s->toggleBreakpoint(test::kProgramFile, 4, {}, true));
        QCOMPARE(m.rowCount(), 1);
        QCOMPARE(m.index(0, BreakpointsModel::TemporaryColumn).data(Qt::CheckStateRole).toInt(),
                 int(Qt::Checked));
        QCOMPARE(text(s->continueRun(Direction::Forward).reason), text(StopReason::Breakpoint));
        QCOMPARE(where(*s), QString("add:4"));
        QVERIFY(s->stopText().contains("prog.py:4"));
        QVERIFY(s->stopText().contains("temporary"));
        QCOMPARE(m.rowCount(), 0);
        QVERIFY(s->breakpoints().isEmpty());
        QVERIFY(s->navigator().breakpointIds().empty());
        QCOMPARE(text(s->continueRun(Direction::Forward).reason), text(StopReason::AtEnd));

        // Made temporary from the list: kept until it stops a command, in either direction.
        QVERIFY(s->toggleBreakpoint(test::kProgramFile, 13));
        QVERIFY(m.setData(m.index(0, BreakpointsModel::TemporaryColumn), Qt::Checked,
                          Qt::CheckStateRole));
        QVERIFY(s->breakpoints()[0].temporary);
        QCOMPARE(text(s->continueRun(Direction::Backward).reason), text(StopReason::Breakpoint));
        QCOMPARE(where(*s), QString("work:13"));
        QCOMPARE(m.rowCount(), 0);
        // A step that stops at it deletes it too.
        QVERIFY(s->toggleBreakpoint(test::kProgramFile, 4, {}, true));
        s->goToStart();
        QCOMPARE(text(s->runTo(Direction::Forward, test::kProgramFile, 11).reason),
                 text(StopReason::Target));
        QCOMPARE(text(s->stepOver(Direction::Forward).reason), text(StopReason::Breakpoint));
        QCOMPARE(where(*s), QString("add:4"));
        QCOMPARE(m.rowCount(), 0);
    }

    // break FUNCTION: the first line of every call, by name or FILE:NAME; names that ran
    // nowhere are refused with a message.
    void functionBreakpoints() {
        auto s = openSession(trace_);
        QVERIFY(s);
        BreakpointsModel m(*s);
        LocalsModel locals(*s);
        QSignalSpy errors(s.get(), &Session::error);
        QCOMPARE(s->addFunctionBreakpoint("nosuch"), -1);
        QCOMPARE(errors.count(), 1);
        QVERIFY(errors.last().at(0).toString().contains("No function named 'nosuch'"));
        QCOMPARE(s->addFunctionBreakpoint("other.py:add"), -1);
        QVERIFY(errors.last().at(0).toString().contains("other.py"));
        QCOMPARE(s->addFunctionBreakpoint("12"), -1);
        QVERIFY(errors.last().at(0).toString().contains("Expected FUNCTION"));
        QCOMPARE(m.rowCount(), 0);

        QCOMPARE(s->addFunctionBreakpoint("prog.py:add"), 0);
        QCOMPARE(s->addFunctionBreakpoint("prog.py:add"), -1);  // already there
        QCOMPARE(m.index(0, BreakpointsModel::LocationColumn).data().toString(),
                 QString("prog.py:add()"));
        QCOMPARE(m.index(0, BreakpointsModel::LocationColumn)
                     .data(BreakpointsModel::FunctionRole)
                     .toString(),
                 QString("add"));
        QVERIFY(m.index(0, BreakpointsModel::LocationColumn)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains("prog.py:3"));
        // Not a line breakpoint: no dot on any line of the file.
        QCOMPARE(s->breakpointIndex(test::kProgramFile, 3), -1);
        QCOMPARE(s->breakpointIndex(test::kProgramFile, 0), -1);
        QStringList hits;
        while (s->continueRun(Direction::Forward).reason == StopReason::Breakpoint) {
            QCOMPARE(s->frame()->codeId, test::kAddCode);
            QVERIFY(s->stopText().contains("add()"));
            hits << local(locals, "a") + "+" + local(locals, "b");
        }
        QCOMPARE(hits, (QStringList{"0+0", "0+1", "1+2", "3+3"}));

        // Temporary: the first call only (backward from the end: the last call).
        QVERIFY(s->removeBreakpointAt(0));
        QCOMPARE(s->addFunctionBreakpoint("add", true), 0);
        QCOMPARE(m.index(0, BreakpointsModel::LocationColumn).data().toString(), QString("add()"));
        QCOMPARE(text(s->continueRun(Direction::Backward).reason), text(StopReason::Breakpoint));
        QCOMPARE(local(locals, "a"), QString("3"));
        QCOMPARE(m.rowCount(), 0);
    }

    // Run to cursor: a continue to one line that leaves no breakpoint behind.
    void runToALine() {
        auto s = openSession(trace_);
        QVERIFY(s);
        QSignalSpy errors(s.get(), &Session::error);
        QCOMPARE(text(s->runTo(Direction::Forward, test::kProgramFile, 13).reason),
                 text(StopReason::Target));
        QCOMPARE(where(*s), QString("work:13"));
        QCOMPARE(s->stopText(), QString("Ran to prog.py:13"));
        QCOMPARE(text(s->runTo(Direction::Backward, test::kProgramFile, 8).reason),
                 text(StopReason::Target));
        QCOMPARE(where(*s), QString("work:8"));
        QVERIFY(s->navigator().breakpointIds().empty());
        // A breakpoint on the way stops it first; the target is gone all the same.
        QVERIFY(s->toggleBreakpoint(test::kProgramFile, 4));
        QCOMPARE(text(s->runTo(Direction::Forward, test::kProgramFile, 13).reason),
                 text(StopReason::Breakpoint));
        QCOMPARE(where(*s), QString("add:4"));
        QCOMPARE(s->navigator().breakpointIds().size(), size_t(1));
        // A line no code is on: said so, and the position stays.
        const uint64_t at = s->position();
        QCOMPARE(errors.count(), 0);
        s->runTo(Direction::Forward, test::kProgramFile, 2);
        QCOMPARE(errors.count(), 1);
        QVERIFY(errors.last().at(0).toString().contains("prog.py:2"));
        QCOMPARE(s->position(), at);
        QCOMPARE(s->navigator().breakpointIds().size(), size_t(1));
    }

    // Watches follow the playhead: at every event the watch of `total` is the Locals pane's
    // `total` where work() is the selected frame, and says why it cannot be read elsewhere;
    // it is flagged changed exactly when its value differs from the previous event's.
    void watchesFollowEveryEvent() {
        auto s = openSession(trace_);
        QVERIFY(s);
        LocalsModel locals(*s);
        WatchesModel w(*s);
        QCOMPARE(w.addWatch("  "), -1);
        QCOMPARE(w.addWatch(" total "), 0);
        QCOMPARE(w.addWatch("items[1][0]"), 1);
        QCOMPARE(w.addWatch("total > 5"), 2);
        QCOMPARE(w.addWatch("nosuch"), 3);
        QCOMPARE(w.addWatch("total >"), 4);
        QCOMPARE(w.expressions(),
                 (QStringList{"total", "items[1][0]", "total > 5", "nosuch", "total >"}));
        auto value = [&](int row) { return w.index(row, WatchesModel::ValueColumn).data(); };
        auto error = [&](int row) {
            return w.index(row, WatchesModel::ValueColumn).data(WatchesModel::ErrorRole).toString();
        };
        QString previous;
        int changes = 0, inWork = 0;
        for (uint64_t n = 0; n < events_; ++n) {
            s->goTo(n);
            const QString expect = local(locals, "total");
            const bool readable =
                s->frame() && s->frame()->codeId == test::kWorkCode && !expect.isEmpty();
            QVERIFY2(error(0).isEmpty() == readable, qPrintable(QString::number(n)));
            const QString now = readable ? value(0).toString() : QString();
            if (readable) {
                ++inWork;
                QCOMPARE(now, expect);
                QCOMPARE(value(2).toString(), QString(expect.toInt() > 5 ? "True" : "False"));
            } else {
                QVERIFY(value(0).toString().startsWith('<'));  // "<why>"
            }
            const bool changed = readable && !previous.isEmpty() && now != previous;
            QCOMPARE(w.index(0, WatchesModel::ValueColumn).data(WatchesModel::ChangedRole).toBool(),
                     changed);
            if (changed) {
                ++changes;
                QCOMPARE(w.index(0, 1).data(WatchesModel::PreviousRole).toString(), previous);
            }
            previous = now;
            QVERIFY(error(3).contains("nosuch"));
            QVERIFY(error(4).contains("bad expression"));
        }
        QVERIFY(inWork > 20);
        QCOMPARE(changes, 3);  // 0 -> 1 -> 3 -> 6
        // In work() after the loop: a nested path into a recorded list.
        s->goToStart();
        QCOMPARE(text(s->runTo(Direction::Forward, test::kProgramFile, 12).reason),
                 text(StopReason::Target));
        QCOMPARE(value(1).toString(), QString("1"));
        // Selecting another frame re-evaluates there, without calling it a change.
        QCOMPARE(text(s->runTo(Direction::Forward, test::kProgramFile, 13).reason),
                 text(StopReason::Target));
        s->selectFrame(0);  // <module>
        QVERIFY(!error(0).isEmpty());
        QVERIFY(!w.index(0, 1).data(WatchesModel::ChangedRole).toBool());
        // Editing an expression re-evaluates it; an empty one removes the watch.
        s->selectFrame(1);
        QVERIFY(w.setData(w.index(3, WatchesModel::ExpressionColumn), "n"));
        QCOMPARE(value(3).toString(), QString("4"));
        QVERIFY(w.setData(w.index(3, WatchesModel::ExpressionColumn), ""));
        QCOMPARE(w.rowCount(), 4);
        QVERIFY(w.removeWatch(0));
        QCOMPARE(w.expressions().first(), QString("items[1][0]"));
        w.clear();
        QCOMPARE(w.rowCount(), 0);
    }

    // A breakpoint another thread hits stops a step of this one, and the step says so; a
    // pinned thread follows it (the selector too).
    void breakpointOnAnotherThreadStopsAStep() {
        auto w = test::openWindow(threads_);
        QVERIFY(w);
        Session& s = w->session();
        // Past the main thread's calls of add(): line 19, where the worker runs add() next.
        QCOMPARE(text(s.runTo(Direction::Forward, test::kProgramFile, 19).reason),
                 text(StopReason::Target));
        const uint64_t at19 = s.position();
        QCOMPARE(s.state().thread, 0u);
        QVERIFY(s.toggleBreakpoint(test::kProgramFile, 4));
        for (const char* name : {"stepOver", "stepInto", "stepOut", "stepUntil"}) {
            s.goTo(at19);
            w->action(name)->trigger();
            QVERIFY2(s.lastResult().reason == StopReason::Breakpoint,
                     qPrintable(QString(name) + ": " + text(s.lastResult().reason)));
            QVERIFY2(s.lastResult().threadSwitched, name);
            QCOMPARE(s.state().thread, 1u);
            QCOMPARE(test::column(w->stackView()->model(), 0), QStringList{"add"});
            QVERIFY2(w->statusText().contains("switched to thread worker (#1)"), name);
        }
        // And backward, from the main thread's next line after the worker ran.
        s.goTo(at19);
        s.stepInto(Direction::Forward);  // the worker's breakpoint
        s.stepOver(Direction::Forward);  // the worker's line 5 ...
        // The main thread's next line after the worker ran.
        const uint64_t after = s.runTo(Direction::Forward, test::kProgramFile, 20).event;
        QCOMPARE(text(s.lastResult().reason), text(StopReason::Target));
        QCOMPARE(s.state().thread, 0u);
        w->action("stepBackOver")->trigger();
        QCOMPARE(text(s.lastResult().reason), text(StopReason::Breakpoint));
        QCOMPARE(s.state().thread, 1u);
        QVERIFY(s.position() < after);

        // Pinned to the main thread: the stop moves the pin to the worker.
        QComboBox* box = w->threadSelector();
        s.goTo(at19);
        box->setCurrentIndex(1);
        Q_EMIT box->activated(1);
        QVERIFY(w->statusText().contains("Thread: MainThread (pinned)"));
        w->action("stepOver")->trigger();
        QCOMPARE(text(s.lastResult().reason), text(StopReason::Breakpoint));
        QVERIFY(s.threadPinned());
        QCOMPARE(s.thread(), 1u);
        QCOMPARE(box->currentIndex(), 2);
        QVERIFY(w->statusText().contains("Thread: worker (pinned)"));
        QCOMPARE(w->sourceView()->currentLine(), 4);
        // Stepping on follows the worker.
        w->action("stepOver")->trigger();
        QCOMPARE(s.state().thread, 1u);
        QCOMPARE(w->sourceView()->currentLine(), 5);
    }

    // The window: actions with their shortcuts where the other steps are, the source pane's Run
    // to cursor, the Watches pane's input line and the Locals pane's "Watch".
    void windowActionsAndPanes() {
        auto w = test::openWindow(trace_);
        QVERIFY(w);
        Session& s = w->session();
        const std::pair<const char*, QKeySequence> keys[] = {
            {"stepUntil", QKeySequence(Qt::CTRL | Qt::Key_F8)},
            {"stepBackUntil", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F8)},
            {"runToCursor", QKeySequence(Qt::CTRL | Qt::Key_F5)},
            {"runBackToCursor", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F5)},
            {"addFunctionBreakpoint", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_B)},
        };
        for (const auto& [name, key] : keys) {
            QVERIFY2(w->action(name), name);
            QCOMPARE(w->action(name)->shortcut(), key);
        }
        auto* tb = w->findChild<QToolBar*>("navigationToolBar");
        QVERIFY(tb->actions().contains(w->action("stepUntil")));
        QVERIFY(tb->actions().contains(w->action("stepBackUntil")));
        // At the start nothing is behind: the backward ones are disabled.
        QVERIFY(!w->action("stepBackUntil")->isEnabled());
        QVERIFY(!w->action("runBackToCursor")->isEnabled());

        // Run to cursor: the text cursor's line.
        SourceView* src = w->sourceView();
        src->moveCursorToLine(11);
        QCOMPARE(src->cursorLine(), 11);
        w->action("runToCursor")->trigger();
        QCOMPARE(src->currentLine(), 11);
        QCOMPARE(where(s), QString("work:11"));
        QVERIFY(w->statusText().contains("Ran to prog.py:11"));
        w->action("stepUntil")->trigger();
        QCOMPARE(src->currentLine(), 12);
        w->action("stepBackUntil")->trigger();
        QCOMPARE(src->currentLine(), 10);
        src->moveCursorToLine(8);
        w->action("runBackToCursor")->trigger();
        QCOMPARE(src->currentLine(), 8);
        src->moveCursorToLine(2);  // no code there: a message, no move
        w->action("runToCursor")->trigger();
        QVERIFY(w->lastError().contains("prog.py:2"));
        QCOMPARE(src->currentLine(), 8);

        // Watches: typed into the pane, or from the Locals pane's "Watch".
        QLineEdit* input = w->watchInput();
        QTest::keyClicks(input, "n");
        QTest::keyClick(input, Qt::Key_Return);
        QVERIFY(input->text().isEmpty());
        QAbstractItemModel* wm = w->watchesView()->model();
        QCOMPARE(wm->rowCount(), 1);
        QCOMPARE(wm->index(0, WatchesModel::ValueColumn).data().toString(), QString("4"));
        Q_EMIT w->localsView()->watchRequested("items");
        QCOMPARE(wm->rowCount(), 2);
        // Line 8: items is not bound yet; a step later it is.
        QVERIFY(wm->index(1, WatchesModel::ValueColumn)
                    .data(WatchesModel::ErrorRole)
                    .toString()
                    .contains("no value"));
        w->action("stepOver")->trigger();
        w->action("stepOver")->trigger();
        QCOMPARE(src->currentLine(), 10);
        QCOMPARE(wm->index(1, WatchesModel::ValueColumn).data().toString(),
                 QString("['start', [1, 2]]"));
        w->action("goToStart")->trigger();  // no frame of work(): why, in the value
        QVERIFY(!wm->index(0, WatchesModel::ValueColumn)
                     .data(WatchesModel::ErrorRole)
                     .toString()
                     .isEmpty());
        w->watchesView()->setFocus();
        w->watchesView()->setCurrentIndex(wm->index(0, 0));
        QTest::keyClick(w->watchesView(), Qt::Key_Delete);
        QCOMPARE(wm->rowCount(), 1);

        // Function breakpoints from the Breakpoints pane's menu: its dialog, answered here.
        QVERIFY(w->breakpointsView()->actions().contains(w->action("addFunctionBreakpoint")));
        QVERIFY(
            w->breakpointsView()->actions().contains(w->action("addTemporaryFunctionBreakpoint")));
        auto answer = [](const QString& text) {
            QTimer::singleShot(0, [text] {
                auto* d = qobject_cast<QInputDialog*>(QApplication::activeModalWidget());
                QVERIFY(d);
                d->setTextValue(text);
                d->accept();
            });
        };
        answer("prog.py:add");
        w->action("addFunctionBreakpoint")->trigger();
        QCOMPARE(s.breakpoints().size(), 1);
        QCOMPARE(s.breakpoints()[0].function, QString("add"));
        QVERIFY(!s.breakpoints()[0].temporary);
        answer("nosuch");
        w->action("addFunctionBreakpoint")->trigger();
        QCOMPARE(s.breakpoints().size(), 1);
        QVERIFY(w->lastError().contains("No function named 'nosuch'"));
        s.clearBreakpoints();
        answer("work");
        w->action("addTemporaryFunctionBreakpoint")->trigger();
        QCOMPARE(s.breakpoints().size(), 1);
        QVERIFY(s.breakpoints()[0].temporary);
        w->action("goToStart")->trigger();
        w->action("continue")->trigger();
        QCOMPARE(where(s), QString("work:7"));
        QCOMPARE(w->breakpointsView()->model()->rowCount(), 0);
    }
};

QTEST_MAIN(TestStepping)
#include "test_stepping.moc"
