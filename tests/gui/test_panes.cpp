// The breakpoint list, the interleaved output pane, cancellable searches and the palettes,
// driven offscreen through the main window like a user would.

#include <QAction>
#include <QApplication>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>
#include <QTextBlock>
#include <QTimer>

#include "gui/ProgramTrace.h"
#include "gui/WindowTest.h"
#include "models/BreakpointsModel.h"
#include "models/Session.h"
#include "widgets/LocalsTree.h"
#include "widgets/MainWindow.h"
#include "widgets/OutputView.h"
#include "widgets/SourceView.h"
#include "widgets/Theme.h"

using namespace reel;
using namespace reel::gui;
using replayer::Direction;
using replayer::StopReason;

namespace {

using test::localsText;

}  // namespace

class TestPanes : public QObject {
    Q_OBJECT
    std::unique_ptr<test::TempDir> dir_;
    QString trace_, longTrace_;
    uint64_t events_ = 0;

    std::unique_ptr<MainWindow> openWindow(const QString& path) {
        return test::openWindow(path, true, 60000);  // the long trace takes a while to index
    }

  private Q_SLOTS:
    void initTestCase() {
        test::isolateSettings("reel-gui-pane-tests");
        dir_ = std::make_unique<test::TempDir>();
        trace_ = QString::fromStdString((*dir_ / "prog.reel").string());
        events_ = test::writeProgramTrace(
            trace_.toStdString(), {.iterations = 4, .eventsPerBatch = 50, .stderrLine = true});
        longTrace_ = QString::fromStdString((*dir_ / "long.reel").string());
        test::writeProgramTrace(longTrace_.toStdString(), {.iterations = 60000});
    }

    // stdout and stderr in the order written, stderr marked, each line jumping to its event.
    void outputPaneInterleavesAndJumps() {
        auto w = openWindow(trace_);
        QVERIFY(w);
        OutputView* out = w->outputView();
        QVERIFY(out->toPlainText().isEmpty());
        w->action("goToEnd")->trigger();
        QCOMPARE(out->toPlainText(), QString("caught ('too big', 6)\nwarn\ndone\n"));
        QCOMPARE(out->lineCount(), 3);
        QCOMPARE(out->streamOfLine(0), 1);
        QCOMPARE(out->streamOfLine(1), 2);
        QCOMPARE(out->streamOfLine(2), 1);
        const qint64 caught = out->eventOfLine(0), warn = out->eventOfLine(1),
                     done = out->eventOfLine(2);
        QVERIFY(caught > 0 && caught < warn && warn < done);
        QCOMPARE(out->eventOfLine(3), qint64(-1));
        // stderr has its own colour.
        const QColor errColor = out->document()
                                    ->findBlockByNumber(1)
                                    .begin()
                                    .fragment()
                                    .charFormat()
                                    .foreground()
                                    .color();
        const QColor outColor = out->document()
                                    ->findBlockByNumber(0)
                                    .begin()
                                    .fragment()
                                    .charFormat()
                                    .foreground()
                                    .color();
        QVERIFY(errColor != outColor);

        // Clicking the stderr line goes to the event that wrote it; the pane then shows what
        // was written by then (that line included).
        const QRect r = out->cursorRect(QTextCursor(out->document()->findBlockByNumber(1)));
        QTest::mouseClick(out->viewport(), Qt::LeftButton, Qt::NoModifier, r.center());
        QCOMPARE(w->session().position(), uint64_t(warn));
        QCOMPARE(out->toPlainText(), QString("caught ('too big', 6)\nwarn\n"));
        out->activateLine(0);
        QCOMPARE(w->session().position(), uint64_t(caught));
        QCOMPARE(out->toPlainText(), QString("caught ('too big', 6)\n"));

        // The palettes: the stderr colour follows a theme switch.
        w->findChild<QAction*>("theme-dark")->trigger();
        QApplication::processEvents();
        w->action("goToEnd")->trigger();
        const QColor dark = out->document()
                                ->findBlockByNumber(1)
                                .begin()
                                .fragment()
                                .charFormat()
                                .foreground()
                                .color();
        w->findChild<QAction*>("theme-light")->trigger();
        QApplication::processEvents();
        const QColor light = out->document()
                                 ->findBlockByNumber(1)
                                 .begin()
                                 .fragment()
                                 .charFormat()
                                 .foreground()
                                 .color();
        QVERIFY(dark != light);
        QVERIFY(dark.lightness() > light.lightness());
        w->findChild<QAction*>("theme-system")->trigger();
    }

    // A program that printed one very long line (a data dump, a progress bar without newlines):
    // the pane wraps it as a terminal does, anywhere. Wrapping at word boundaries first made Qt's
    // line layout quadratic in the length of a line without spaces: every step of such a trace
    // re-laid 256 KiB of it for about 1.5 s (5 such moves took 7.7 s, now 0.25 s).
    void outputPaneWrapsAVeryLongLineAnywhere() {
        OutputView out;
        out.resize(700, 300);
        out.show();
        // Wrapped anywhere, as a terminal does (the time is bench_gui's to measure).
        QCOMPARE(out.wordWrapMode(), QTextOption::WrapAnywhere);
        for (int k = 0; k < 3; ++k) {
            std::vector<replayer::OutputChunk> chunks;
            replayer::OutputChunk big;
            big.event = 1;
            big.stream = 1;
            big.text = std::string(256 * 1024 - k, 'A') + "\n";
            chunks.push_back(big);
            for (int i = 0; i < 20 + k; ++i) {
                replayer::OutputChunk c;
                c.event = uint64_t(2 + i);
                c.stream = i % 2 ? 2 : 1;
                c.text = "line " + std::to_string(i) + (i % 2 ? " " : "\n");
                chunks.push_back(c);
            }
            out.showChunks(chunks);
            out.viewport()->repaint();
            QApplication::processEvents();
        }
        QCOMPARE(out.eventOfLine(0), qint64(1));
        QCOMPARE(out.document()->findBlockByNumber(0).length(), 256 * 1024 - 2 + 1);
    }

    void breakpointListEnablesEditsJumpsAndRemoves() {
        auto w = openWindow(trace_);
        QVERIFY(w);
        Session& s = w->session();
        QTableView* view = w->breakpointsView();
        QAbstractItemModel* m = view->model();
        QCOMPARE(m->rowCount(), 0);
        QVERIFY(s.toggleBreakpoint(test::kProgramFile, 4));   // in add()
        QVERIFY(s.toggleBreakpoint(test::kProgramFile, 13));  // the raise in work()
        QCOMPARE(m->rowCount(), 2);
        QCOMPARE(m->index(0, BreakpointsModel::LocationColumn).data().toString(),
                 QString("prog.py:4"));
        QCOMPARE(m->index(0, BreakpointsModel::EnabledColumn).data(Qt::CheckStateRole).toInt(),
                 int(Qt::Checked));

        // Disable the first: continue goes straight to the second.
        QVERIFY(m->setData(m->index(0, BreakpointsModel::EnabledColumn), Qt::Unchecked,
                           Qt::CheckStateRole));
        QVERIFY(!s.breakpoints()[0].enabled);
        QCOMPARE(m->index(0, BreakpointsModel::StatusColumn).data().toString(),
                 QString("disabled"));
        w->action("continue")->trigger();
        QCOMPARE(w->sourceView()->currentLine(), 13);
        QVERIFY(s.hasBreakpoint(test::kProgramFile, 4));  // disabled, still there

        // Enable it with a condition (the replayer's condition language, as in `reel replay`).
        QVERIFY(m->setData(m->index(0, BreakpointsModel::EnabledColumn), Qt::Checked,
                           Qt::CheckStateRole));
        QVERIFY(m->setData(m->index(0, BreakpointsModel::ConditionColumn), "b >= 2 and a == 1"));
        QCOMPARE(m->index(0, BreakpointsModel::ConditionColumn).data().toString(),
                 QString("b >= 2 and a == 1"));
        w->action("goToStart")->trigger();
        w->action("continue")->trigger();
        QCOMPARE(localsText(w->localsView()->model()), (QStringList{"a=1", "b=2"}));
        // A condition that does not parse is refused and the old one kept.
        QSignalSpy errors(&s, &Session::error);
        QVERIFY(!m->setData(m->index(0, BreakpointsModel::ConditionColumn), "b <"));
        QCOMPARE(errors.count(), 1);
        QCOMPARE(s.breakpoints()[0].condition, QString("b >= 2 and a == 1"));
        // One that cannot be evaluated stops and says why (as in pdb and `reel replay`).
        QVERIFY(m->setData(m->index(0, BreakpointsModel::ConditionColumn), "nosuch == 1"));
        w->action("goToStart")->trigger();
        w->action("continue")->trigger();
        QCOMPARE(w->sourceView()->currentLine(), 4);
        QVERIFY(w->statusText().contains("could not be evaluated"));
        QVERIFY(m->index(0, BreakpointsModel::StatusColumn).data().toString().contains("nosuch"));
        QVERIFY(m->setData(m->index(0, BreakpointsModel::ConditionColumn), ""));

        // Hits of one breakpoint: next/previous hit from its row, ignoring the other one and
        // whether it is enabled.
        view->setCurrentIndex(m->index(1, BreakpointsModel::LocationColumn));
        w->action("goToStart")->trigger();
        w->findChild<QAction*>("breakpointNextHit")->trigger();
        QCOMPARE(w->sourceView()->currentLine(), 13);
        QCOMPARE(s.lastResult().reason, StopReason::Breakpoint);
        view->setCurrentIndex(m->index(0, BreakpointsModel::LocationColumn));
        m->setData(m->index(0, BreakpointsModel::EnabledColumn), Qt::Unchecked, Qt::CheckStateRole);
        w->findChild<QAction*>("breakpointPreviousHit")->trigger();
        QCOMPARE(w->sourceView()->currentLine(), 4);
        QCOMPARE(localsText(w->localsView()->model()), (QStringList{"a=3", "b=3"}));
        Q_EMIT view->activated(m->index(0, BreakpointsModel::LocationColumn));  // next hit
        QCOMPARE(s.lastResult().reason, StopReason::NotFound);  // that was the last one

        // Remove from the list (Delete on the view), then remove all.
        view->setFocus();
        view->setCurrentIndex(m->index(0, BreakpointsModel::LocationColumn));
        QTest::keyClick(view, Qt::Key_Delete);
        QCOMPARE(m->rowCount(), 1);
        QVERIFY(!s.hasBreakpoint(test::kProgramFile, 4));
        QCOMPARE(m->index(0, BreakpointsModel::LocationColumn).data().toString(),
                 QString("prog.py:13"));
        w->findChild<QAction*>("removeAllBreakpoints")->trigger();
        QCOMPARE(m->rowCount(), 0);
    }

    // A continue that scans a long way pumps the event loop: the window repaints, commands are
    // ignored, the panes keep the position it started from, and Cancel (Esc) stops it there.
    void longSearchIsCancellable() {
        auto w = openWindow(longTrace_);
        QVERIFY(w);
        Session& s = w->session();
        s.setSearchPumping(0, 0);  // pump at once (the default waits 100 ms)
        // Never true: continue scans every call of add() to the end.
        QVERIFY(s.toggleBreakpoint(test::kProgramFile, 4, "b == -1"));
        s.goTo(1000);
        const int line = w->sourceView()->currentLine();

        QSignalSpy searching(&s, &Session::searchingChanged);
        bool sawSearching = false, cancelEnabled = false, ignored = false;
        uint64_t shownDuring = 0;
        QString statusDuring;
        QTimer::singleShot(0, &s, [&] {
            sawSearching = s.isSearching();
            shownDuring = s.position();
            statusDuring = w->statusText();
            cancelEnabled = w->action("cancelSearch")->isEnabled();
            // A command while searching is ignored.
            s.stepInto(Direction::Forward);
            // So is a breakpoint edit: the Navigator's breakpoints do not change under a search.
            ignored = s.position() == 1000 && !s.toggleBreakpoint(test::kProgramFile, 5) &&
                      s.breakpoints().size() == 1;
            w->action("cancelSearch")->trigger();
        });
        auto r = s.continueRun(Direction::Forward);
        QVERIFY(sawSearching);
        QCOMPARE(shownDuring, uint64_t(1000));
        QVERIFY(statusDuring.contains("Searching"));
        QVERIFY(cancelEnabled);
        QVERIFY(ignored);
        QCOMPARE(r.reason, StopReason::Cancelled);
        QCOMPARE(s.position(), uint64_t(1000));
        QCOMPARE(w->sourceView()->currentLine(), line);
        QVERIFY(w->statusText().contains("Search cancelled"));
        QVERIFY(!s.isSearching());
        QVERIFY(!w->action("cancelSearch")->isEnabled());
        QVERIFY(w->action("continue")->isEnabled());
        QCOMPARE(searching.count(), 2);
        QCOMPARE(searching.at(0).at(0).toBool(), true);
        QCOMPARE(searching.at(1).at(0).toBool(), false);

        // Not cancelled: the same search runs to the end.
        r = s.continueRun(Direction::Forward);
        QCOMPARE(r.reason, StopReason::AtEnd);
        QCOMPARE(s.position(), s.eventCount() - 1);
        // Backward too, cancelled from the keyboard shortcut's action.
        QTimer::singleShot(0, &s, [&] { s.cancelSearch(); });
        r = s.continueRun(Direction::Backward);
        QCOMPARE(r.reason, StopReason::Cancelled);
        QCOMPARE(s.position(), s.eventCount() - 1);
    }

    // Stop on exceptions, restricted to the ones never handled (the Navigator's raise filter).
    void stopOnUnhandledExceptionsOnly() {
        auto w = openWindow(trace_);
        QVERIFY(w);
        w->action("breakOnRaise")->setChecked(true);
        Q_EMIT w->action("breakOnRaise")->triggered(true);
        w->action("continue")->trigger();
        QCOMPARE(w->session().lastResult().reason, StopReason::Exception);  // handled ValueError
        QCOMPARE(w->sourceView()->currentLine(), 13);
        w->action("goToStart")->trigger();
        w->action("unhandledOnly")->setChecked(true);
        Q_EMIT w->action("unhandledOnly")->triggered(true);
        QVERIFY(!w->session().raiseFilter().handled);
        w->action("continue")->trigger();  // the program's only raise is handled: to the end
        QCOMPARE(w->session().lastResult().reason, StopReason::AtEnd);
        w->action("unhandledOnly")->setChecked(false);
        Q_EMIT w->action("unhandledOnly")->triggered(false);
        w->action("goToStart")->trigger();
        w->action("continue")->trigger();
        QCOMPARE(w->session().lastResult().reason, StopReason::Exception);
    }

    // "Follow the system": the palette is the platform's (no role forced), and the mode sticks.
    void systemThemeFollowsThePlatform() {
        MainWindow w;
        w.findChild<QAction*>("theme-dark")->trigger();
        QVERIFY(Theme::isDark(QApplication::palette()));
        w.findChild<QAction*>("theme-system")->trigger();
        QCOMPARE(Theme::current(), Theme::Mode::System);
        QCOMPARE(QApplication::palette().resolveMask(), QPalette().resolveMask());
        // A platform theme change re-applies the system palette instead of keeping a stale one.
        QEvent themeChange(QEvent::ThemeChange);
        QApplication::sendEvent(&w, &themeChange);
        QCOMPARE(Theme::current(), Theme::Mode::System);
        QVERIFY(!Theme::isDark(QApplication::palette()));  // the offscreen platform is light
    }
};

QTEST_MAIN(TestPanes)
#include "test_panes.moc"
