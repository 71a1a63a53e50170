// The main window, driven like a user would (offscreen): open a trace through the loader thread,
// press the toolbar actions, drag the timeline, click markers and the source gutter, and check
// what each pane shows; recovered and unreadable files; drag and drop; settings.

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDockWidget>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QProcess>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>
#include <QTextBlock>
#include <QTreeView>

#include "gui/ProgramTrace.h"
#include "gui/WindowTest.h"
#include "replayer/ReplayFixture.h"
#include "models/BytecodeModel.h"
#include "models/LocalsModel.h"
#include "models/Session.h"
#include "models/StackModel.h"
#include "widgets/LocalsTree.h"
#include "widgets/MainWindow.h"
#include "widgets/SourceView.h"
#include "widgets/Theme.h"
#include "widgets/TimelineWidget.h"

using namespace reel;
using namespace reel::gui;

namespace {

using test::column;
using test::localsText;

void sendMouse(QWidget* w, QEvent::Type type, QPointF pos, Qt::MouseButtons buttons) {
    QMouseEvent e(type, pos, w->mapToGlobal(pos),
                  type == QEvent::MouseMove ? Qt::NoButton : Qt::LeftButton, buttons,
                  Qt::NoModifier);
    QApplication::sendEvent(w, &e);
}

}  // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
    std::unique_ptr<test::TempDir> dir_;
    QString trace_;
    uint64_t events_ = 0;

    std::unique_ptr<MainWindow> openWindow(const QString& path, bool expectOk = true) {
        return test::openWindow(path, expectOk);
    }

  private Q_SLOTS:
    void initTestCase() {
        test::isolateSettings("reel-gui-tests");
        dir_ = std::make_unique<test::TempDir>();
        trace_ = QString::fromStdString((*dir_ / "prog.reel").string());
        events_ =
            test::writeProgramTrace(trace_.toStdString(), {.iterations = 4, .eventsPerBatch = 50});
    }

    void toolbarActionsDriveEveryPane() {
        auto w = openWindow(trace_);
        QVERIFY(w);
        QCOMPARE(w->session().position(), uint64_t(0));
        QCOMPARE(w->sourceView()->currentLine(), 1);
        QVERIFY(w->sourceView()->toPlainText().startsWith("import sys\n"));
        QVERIFY(!w->action("stepBackInto")->isEnabled());  // nothing before event 0
        // Gutter marks: lines that ran at least once (from the replayer's index).
        for (int line : {1, 4, 5, 8, 11, 13, 17, 19, 20})
            QVERIFY2(w->sourceView()->isExecuted(line), qPrintable(QString::number(line)));
        for (int line : {2, 6, 14, 15})
            QVERIFY2(!w->sourceView()->isExecuted(line), qPrintable(QString::number(line)));

        // Into work() (its CALL, its first instruction on the def line, then line 8).
        for (int i = 0; i < 8; ++i) w->action("stepInto")->trigger();
        QCOMPARE(column(w->stackView()->model(), 0), (QStringList{"work", "<module>"}));
        QCOMPARE(w->sourceView()->currentLine(), 8);
        QCOMPARE(localsText(w->localsView()->model()), QStringList{"n=4"});
        w->action("stepOver")->trigger();
        QCOMPARE(w->sourceView()->currentLine(), 9);
        QCOMPARE(localsText(w->localsView()->model()), (QStringList{"n=4", "total=0"}));
        QVERIFY(w->localsView()->model()->index(1, 0).data(LocalsModel::ChangedRole).toBool());
        w->action("stepOver")->trigger();  // line 10
        w->action("stepOver")->trigger();  // line 11
        QCOMPARE(w->sourceView()->currentLine(), 11);
        w->action("stepInto")->trigger();  // the CALL of add()
        QCOMPARE(column(w->stackView()->model(), 0), (QStringList{"add", "work", "<module>"}));
        QCOMPARE(w->sourceView()->currentLine(), 3);
        w->action("stepOut")->trigger();
        QCOMPARE(column(w->stackView()->model(), 0), (QStringList{"work", "<module>"}));
        QCOMPARE(w->sourceView()->currentLine(), 11);
        w->action("stepBackInto")->trigger();  // back inside add, at its RETURN
        QCOMPARE(column(w->stackView()->model(), 0), (QStringList{"add", "work", "<module>"}));
        QCOMPARE(w->sourceView()->currentLine(), 5);
        QCOMPARE(localsText(w->localsView()->model()),
                 (QStringList{"(return)=0", "a=0", "b=0", "s=0"}));
        QVERIFY(!w->localsView()->model()->index(0, 0).data(LocalsModel::LocalKeyRole).isValid());
        w->action("stepBackOut")->trigger();  // before add was called
        QCOMPARE(column(w->stackView()->model(), 0), (QStringList{"work", "<module>"}));

        // Clicking a caller's row shows its source position and locals at this step.
        w->action("stepInto")->trigger();
        w->action("stepInto")->trigger();
        QCOMPARE(column(w->stackView()->model(), 0).value(0), QString("add"));
        const QModelIndex caller = w->stackView()->model()->index(1, 0);
        QTest::mouseClick(w->stackView()->viewport(), Qt::LeftButton, {},
                          w->stackView()->visualRect(caller).center());
        QCOMPARE(w->session().selectedFrame(), 1);
        QCOMPARE(w->sourceView()->currentLine(), 11);
        QVERIFY(localsText(w->localsView()->model()).contains("items=['start', [1, 2]]"));

        // Bytecode follows at instruction granularity.
        w->action("instructionGranularity")->trigger();
        QVERIFY(w->action("instructionGranularity")->isChecked());
        w->action("stepInto")->trigger();
        auto* bc = w->bytecodeView()->model();
        QCOMPARE(bc->rowCount(), 7);  // add()
        w->action("stepInto")->trigger();
        const int cur = w->session().frame()->lasti / 2;
        QVERIFY(bc->index(cur, 0).data(Qt::UserRole + 1).toBool());
        w->action("instructionGranularity")->trigger();

        // Exceptions: jump to the raise, then to the end where the output is complete.
        w->action("nextException")->trigger();
        QCOMPARE(w->sourceView()->currentLine(), 13);
        QCOMPARE(column(w->stackView()->model(), 0), (QStringList{"work", "<module>"}));
        QVERIFY(w->outputView()->toPlainText().isEmpty());
        w->action("goToEnd")->trigger();
        QCOMPARE(w->session().position(), events_ - 1);
        QCOMPARE(w->outputView()->toPlainText(), QString("caught ('too big', 6)\ndone\n"));
        QVERIFY(!w->action("stepInto")->isEnabled());
        QVERIFY(w->statusText().contains(QString("Event %1 / %1").arg(events_ - 1)));
        w->action("goToStart")->trigger();
        QCOMPARE(w->session().position(), uint64_t(0));
        QVERIFY(w->outputView()->toPlainText().isEmpty());

        // The go-to box.
        w->gotoBox()->setText("42");
        QTest::keyClick(w->gotoBox(), Qt::Key_Return);
        QCOMPARE(w->session().position(), uint64_t(42));
        w->gotoBox()->setText(QString::number(events_ + 5));
        QTest::keyClick(w->gotoBox(), Qt::Key_Return);
        QCOMPARE(w->session().position(), uint64_t(42));
        QVERIFY(w->lastError().contains("out of range"));
    }

    void gutterBreakpointsAndContinue() {
        auto w = openWindow(trace_);
        QVERIFY(w);
        SourceView* src = w->sourceView();
        // Click the gutter next to line 4 ("s = a + b").
        const QTextBlock b = src->document()->findBlockByNumber(3);
        const QRect r = src->cursorRect(QTextCursor(b));
        QWidget* gutter = nullptr;
        for (auto* c : src->findChildren<QWidget*>())
            if (c->parent() == src && c->metaObject()->className() == QByteArray("QWidget") &&
                c->width() == src->gutterWidth())
                gutter = c;
        QVERIFY(gutter);
        QTest::mouseClick(gutter, Qt::LeftButton, {}, QPoint(8, r.center().y()));
        QVERIFY(w->session().hasBreakpoint(test::kProgramFile, 4));
        w->action("continue")->trigger();
        QCOMPARE(src->currentLine(), 4);
        QCOMPARE(localsText(w->localsView()->model()), (QStringList{"a=0", "b=0"}));
        w->action("continue")->trigger();
        QCOMPARE(localsText(w->localsView()->model()), (QStringList{"a=0", "b=1"}));
        w->action("reverseContinue")->trigger();
        QCOMPARE(localsText(w->localsView()->model()), (QStringList{"a=0", "b=0"}));
        QVERIFY(w->statusText().contains("Breakpoint at prog.py:4"));
        QTest::mouseClick(gutter, Qt::LeftButton, {}, QPoint(8, r.center().y()));
        QVERIFY(!w->session().hasBreakpoint(test::kProgramFile, 4));
    }

    // A breakpoint named by a short file name (`--break prog.py:4`, `break prog.py:4` in `reel
    // replay`) stops where the Navigator matches it, a path suffix: the gutter draws its dot
    // there and a click on that dot removes it.
    void shortFileNameBreakpointInTheGutter() {
        auto w = openWindow(trace_);
        QVERIFY(w);
        SourceView* src = w->sourceView();
        QWidget* gutter = nullptr;
        for (auto* c : src->findChildren<QWidget*>())
            if (c->parent() == src && c->metaObject()->className() == QByteArray("QWidget") &&
                c->width() == src->gutterWidth())
                gutter = c;
        QVERIFY(gutter);
        const int y4 =
            src->cursorRect(QTextCursor(src->document()->findBlockByNumber(3))).center().y();
        const int y5 =
            src->cursorRect(QTextCursor(src->document()->findBlockByNumber(4))).center().y();
        // A filled red dot at the gutter's left edge (a disabled one is a hollow circle: its
        // middle is not red).
        auto dotAt = [&](int y) {
            const QImage img = gutter->grab().toImage();
            for (int x = 7; x <= 9; ++x) {
                const QColor c = img.pixelColor(x, y);
                if (!(c.red() > 180 && c.green() < 90 && c.blue() < 90)) return false;
            }
            return true;
        };
        QVERIFY(!dotAt(y4));
        QVERIFY(w->session().toggleBreakpoint("prog.py", 4));
        QVERIFY(w->session().hasBreakpoint(test::kProgramFile, 4));
        QVERIFY(w->session().hasBreakpoint("work/prog.py", 4));
        QVERIFY(!w->session().hasBreakpoint("rog.py", 4));  // a suffix of a name is not one
        src->viewport()->update();
        QVERIFY(dotAt(y4));
        QVERIFY(!dotAt(y5));
        w->action("continue")->trigger();
        QCOMPARE(src->currentLine(), 4);
        // Disabled: a hollow circle, still there.
        QVERIFY(w->session().setBreakpointEnabled(0, false));
        QVERIFY(!dotAt(y4));
        QVERIFY(w->session().setBreakpointEnabled(0, true));
        QVERIFY(dotAt(y4));
        QTest::mouseClick(gutter, Qt::LeftButton, {}, QPoint(8, y4));
        QVERIFY(w->session().breakpoints().isEmpty());
        QVERIFY(!dotAt(y4));
    }

    // An instruction without a line number (the handler's PUSH_EXC_INFO, the cleanup after
    // `except ValueError as e:`): the stack and the source show the last line the frame ran,
    // marked (the replayer's Frame::shownLine, as `reel replay` prints it), not line -1.
    void linelessInstructionsShowTheLastLineRun() {
        const QString path = QString::fromStdString((*dir_ / "lineless.reel").string());
        test::writeProgramTrace(path.toStdString(), {.iterations = 4, .linelessCleanup = true});
        auto w = openWindow(path);
        QVERIFY(w);
        Session& s = w->session();
        auto atModuleOffset = [&](int32_t lasti) {
            s.goToStart();
            for (uint64_t n = 0; n <= s.lastEvent(); ++n) {
                s.goTo(n);
                const replayer::Frame* f = s.frame();
                if (f && f->codeId == test::kModuleCode && f->lasti == lasti &&
                    s.state().kind == format::RecordKind::Opcode)
                    return true;
            }
            return false;
        };
        const QAbstractItemModel* stack = w->stackView()->model();
        QVERIFY(atModuleOffset(int32_t(2 * test::kPushExcInfo)));
        QCOMPARE(s.frame()->line, -1);
        // The handler starts after the call on line 17 that raised.
        QCOMPARE(w->sourceView()->currentLine(), 17);
        QVERIFY(w->sourceView()->currentRanLast());
        QCOMPARE(stack->index(0, 1).data().toString(), QString("prog.py:17 (after)"));
        QVERIFY(stack->index(0, 0).data(Qt::ToolTipRole).toString().contains("line 17 ran last"));
        QCOMPARE(stack->index(0, 0).data(StackModel::LineRole).toInt(), 17);
        QVERIFY(stack->index(0, 0).data(StackModel::LinelessRole).toBool());
        // The cleanup after the except body: after line 19.
        QVERIFY(atModuleOffset(int32_t(2 * test::kPopExcept)));
        QCOMPARE(w->sourceView()->currentLine(), 19);
        QVERIFY(w->sourceView()->currentRanLast());
        QCOMPARE(stack->index(0, 1).data().toString(), QString("prog.py:19 (after)"));
        // A numbered instruction again: its own line, unmarked.
        QVERIFY(atModuleOffset(int32_t(2 * (test::kPushExcInfo + 1))));
        QCOMPARE(w->sourceView()->currentLine(), 18);
        QVERIFY(!w->sourceView()->currentRanLast());
        QCOMPARE(stack->index(0, 1).data().toString(), QString("prog.py:18"));
    }

    void conditionalBreakpointAndExceptionsPane() {
        auto w = openWindow(trace_);
        QVERIFY(w);
        w->sourceView()->setBreakpointAt(4, "b == 2");
        w->action("continue")->trigger();
        QCOMPARE(w->sourceView()->currentLine(), 4);
        QCOMPARE(localsText(w->localsView()->model()), (QStringList{"a=1", "b=2"}));
        w->action("continue")->trigger();
        QCOMPARE(w->session().position(), events_ - 1);  // no other hit: the end

        // Activating the exception row jumps to where it was raised.
        QTableView* ex = w->exceptionsView();
        QCOMPARE(ex->model()->rowCount(), 1);
        Q_EMIT ex->activated(ex->model()->index(0, 1));
        QCOMPARE(w->sourceView()->currentLine(), 13);
        QCOMPARE(column(w->stackView()->model(), 0), (QStringList{"work", "<module>"}));
    }

    // Exceptions that stayed inside library code wait behind a check box, which says how many.
    void libraryExceptionsBehindACheckBox() {
        const auto path = *dir_ / "library.reel";
        const test::LibraryExceptionsTrace t(path);
        auto w = openWindow(QString::fromStdString(path.string()));
        QVERIFY(w);
        QTableView* ex = w->exceptionsView();
        auto* box = w->findChild<QCheckBox*>("showLibraryExceptions");
        QVERIFY(box);
        QVERIFY(!box->isHidden());
        QVERIFY(box->text().contains("1 raised and handled inside library code"));
        QCOMPARE(ex->model()->rowCount(), 2);
        box->setChecked(true);
        QCOMPARE(ex->model()->rowCount(), 3);
        Q_EMIT ex->activated(ex->model()->index(0, 1));
        QCOMPARE(w->session().position(), t.libOnly);
        box->setChecked(false);
        QCOMPARE(ex->model()->rowCount(), 2);
        // Stop on exceptions passes by the library's own raise, unless asked not to.
        QVERIFY(w->action("skipLibraryExceptions")->isChecked());
        w->action("goToStart")->trigger();
        w->action("breakOnRaise")->setChecked(true);
        Q_EMIT w->action("breakOnRaise")->triggered(true);
        w->action("continue")->trigger();
        QCOMPARE(w->session().position(), t.intoApp);
        w->action("skipLibraryExceptions")->setChecked(false);
        Q_EMIT w->action("skipLibraryExceptions")->triggered(false);
        w->action("goToStart")->trigger();
        w->action("continue")->trigger();
        QCOMPARE(w->session().position(), t.libOnly);
        // Next exception follows the same choice.
        w->action("goToStart")->trigger();
        w->action("nextException")->trigger();
        QCOMPARE(w->session().position(), t.libOnly);
        w->action("skipLibraryExceptions")->setChecked(true);
        Q_EMIT w->action("skipLibraryExceptions")->triggered(true);
        w->action("goToStart")->trigger();
        w->action("nextException")->trigger();
        QCOMPARE(w->session().position(), t.intoApp);
        // A trace whose exceptions all concern the program shows no check box.
        auto plain = openWindow(trace_);
        QVERIFY(plain);
        QVERIFY(plain->findChild<QCheckBox*>("showLibraryExceptions")->isHidden());
    }

    // The binaries: --screenshot renders a PNG offscreen; `reel gui` refuses a missing file.
    void screenshotAndReelGuiCommand() {
        const QString png = QString::fromStdString((*dir_ / "shot.png").string());
        QProcess gui;
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert("QT_QPA_PLATFORM", "offscreen");
        gui.setProcessEnvironment(env);
        gui.start(REEL_GUI_BINARY,
                  {trace_, "--screenshot", png, "--break", "prog.py:4", "--size", "1000x700"});
        QVERIFY(gui.waitForFinished(60000));
        QCOMPARE(gui.exitCode(), 0);
        QImage img(png);
        QCOMPARE(img.size(), QSize(1000, 700));

        QProcess bad;
        bad.setProcessEnvironment(env);
        bad.start(REEL_GUI_BINARY,
                  {QString::fromStdString((*dir_ / "missing.reel").string()), "--screenshot", png});
        QVERIFY(bad.waitForFinished(60000));
        QCOMPARE(bad.exitCode(), 2);

        // Arguments that name no event are refused, not rendered as event 0 or the end.
        const QList<std::pair<QStringList, QByteArray>> refused = {
            {{"--at", "abc"}, "--at takes an event number"},
            {{"--break", "prog.py"}, "--break takes FILE:LINE"},
            {{"--break", "prog.py:x"}, "--break takes FILE:LINE"},
            {{"--break", "prog.py:2"}, "the run never stops there"},
            {{"--break", "other.py:4"}, "the run never stops there"}};
        for (const auto& [extra, message] : refused) {
            QProcess p;
            p.setProcessEnvironment(env);
            p.start(REEL_GUI_BINARY, QStringList{trace_, "--screenshot", png} + extra);
            QVERIFY(p.waitForFinished(60000));
            QCOMPARE(p.exitCode(), 2);
            QVERIFY2(p.readAllStandardError().contains(message), qPrintable(extra.join(' ')));
        }

        // `reel gui` passes reel-gui's options on.
        QFile::remove(png);
        QProcess viaCli;
        viaCli.setProcessEnvironment(env);
        viaCli.start(REEL_CLI_BINARY, {"gui", trace_, "--screenshot", png, "--break", "prog.py:4",
                                       "--size", "800x600"});
        QVERIFY(viaCli.waitForFinished(60000));
        QCOMPARE(viaCli.exitCode(), 0);
        QCOMPARE(QImage(png).size(), QSize(800, 600));

        QProcess cli;
        cli.start(REEL_CLI_BINARY,
                  {"gui", QString::fromStdString((*dir_ / "missing.reel").string())});
        QVERIFY(cli.waitForFinished(60000));
        QCOMPARE(cli.exitCode(), 2);
        QVERIFY(cli.readAllStandardError().contains("no such file"));
    }

    void reverseWatchpointFromTheLocalsPane() {
        auto w = openWindow(trace_);
        QVERIFY(w);
        while (w->sourceView()->currentLine() != 12) w->action("stepInto")->trigger();
        auto* m = w->localsView()->model();
        const int row = static_cast<const LocalsModel*>(m)->rowOf("total");
        QCOMPARE(m->index(row, 1).data().toString(), QString("6"));
        w->localsView()->goToChange(m->index(row, 1), false);
        QCOMPARE(w->sourceView()->currentLine(), 11);
        QVERIFY(w->statusText().contains("Value changed"));
        const int row2 = static_cast<const LocalsModel*>(m)->rowOf("total");
        QVERIFY(m->index(row2, 0).data(LocalsModel::ChangedRole).toBool());
        w->localsView()->goToChange(m->index(row2, 0), false);
        QCOMPARE(m->index(static_cast<const LocalsModel*>(m)->rowOf("total"), 1).data().toString(),
                 QString("3"));
    }

    // Expanded containers stay expanded while stepping.
    void localsExpansionSurvivesSteps() {
        auto w = openWindow(trace_);
        QVERIFY(w);
        while (w->sourceView()->currentLine() != 10) w->action("stepInto")->trigger();
        auto* m = w->localsView()->model();
        const QModelIndex items = m->index(static_cast<const LocalsModel*>(m)->rowOf("items"), 0);
        w->localsView()->expand(items);
        w->localsView()->expand(m->index(1, 0, items));
        w->action("stepInto")->trigger();
        const QModelIndex again = m->index(static_cast<const LocalsModel*>(m)->rowOf("items"), 0);
        QVERIFY(w->localsView()->isExpanded(again));
        QVERIFY(w->localsView()->isExpanded(m->index(1, 0, again)));
    }

    // A run that raised a hundred thousand exceptions: repainting the timeline (a zoom, a
    // resize) draws at most a marker per pixel column and kind, not one per exception (which
    // took seconds per repaint, the window frozen; the time is bench_gui's to measure).
    void crowdedTimelineDrawsAMarkerPerColumn() {
        const auto path = *dir_ / "crowded.reel";
        test::writeProgramTrace(path, {.iterations = 4, .extraRaises = 100000});
        auto w = openWindow(QString::fromStdString(path.string()));
        QVERIFY(w);
        QCOMPARE(w->session().replayer().exceptions().size(), size_t(100001));
        TimelineWidget* t = w->timeline();
        QApplication::processEvents();
        for (double f : {2.0, 2.0, 0.25}) {
            t->zoom(f, double(w->session().eventCount()) / 2);
            t->repaint();
            // Two kinds here (handled and uncaught): one marker per kind and column at most.
            QVERIFY2(t->markersDrawn() > 0 && t->markersDrawn() <= size_t(2 * t->width()),
                     qPrintable(QString::number(t->markersDrawn()) + " markers drawn"));
        }
        // The uncaught-free run still shows its markers (orange, drawn).
        QImage img = t->grab().toImage();
        bool orange = false;
        for (int x = 0; x < img.width() && !orange; ++x)
            orange = img.pixelColor(x, 3).red() > 200 && img.pixelColor(x, 3).green() > 100 &&
                     img.pixelColor(x, 3).blue() < 80;
        QVERIFY(orange);
    }

    // Press and drag across the whole timeline: the panes follow every move.
    void timelineScrubsLive() {
        auto w = openWindow(trace_);
        QVERIFY(w);
        TimelineWidget* tl = w->timeline();
        const int y = tl->height() / 2;
        const int left = int(tl->xOf(0)), right = int(tl->xOf(events_ - 1));
        QVERIFY(right - left > 100);
        sendMouse(tl, QEvent::MouseButtonPress, QPointF(left, y), Qt::LeftButton);
        QCOMPARE(w->session().position(), uint64_t(0));
        uint64_t prev = 0;
        int moves = 0;
        QSet<QString> functionsSeen;
        for (int x = left; x <= right + 5; ++x) {
            sendMouse(tl, QEvent::MouseMove, QPointF(x, y), Qt::LeftButton);
            const uint64_t p = w->session().position();
            QVERIFY(p >= prev);
            if (p != prev) ++moves;
            prev = p;
            QCOMPARE(w->sourceView()->currentLine(), w->session().frame()->line);
            QCOMPARE(w->stackView()->model()->rowCount(),
                     int(w->session().threadState()->stack.size()));
            functionsSeen.insert(w->stackView()->model()->index(0, 0).data().toString());
        }
        sendMouse(tl, QEvent::MouseButtonRelease, QPointF(right + 5, y), Qt::NoButton);
        QCOMPARE(w->session().position(), events_ - 1);
        QVERIFY(moves > 100);
        QCOMPARE(functionsSeen, (QSet<QString>{"<module>", "work", "add"}));

        // Back to the left: scrubbing backward too.
        sendMouse(tl, QEvent::MouseButtonPress, QPointF(right, y), Qt::LeftButton);
        for (int x = right; x >= left - 5; x -= 3)
            sendMouse(tl, QEvent::MouseMove, QPointF(x, y), Qt::LeftButton);
        sendMouse(tl, QEvent::MouseButtonRelease, QPointF(left - 5, y), Qt::NoButton);
        QCOMPARE(w->session().position(), uint64_t(0));

        // Zoom around the playhead, then click the exception marker to jump to the raise.
        tl->zoom(4, double(events_ / 2));
        QVERIFY(tl->viewLast() - tl->viewFirst() < events_ / 3);
        tl->resetZoom();
        QCOMPARE(tl->data().markers().size(), size_t(1));
        const uint64_t raise = tl->data().markers()[0].event;
        QTest::mouseClick(tl, Qt::LeftButton, {}, QPoint(int(std::lround(tl->xOf(raise))), 4));
        QCOMPARE(w->session().position(), raise);
        QCOMPARE(w->sourceView()->currentLine(), 13);
    }

    void recoveredTraceShowsABanner() {
        const auto full = *dir_ / "big.reel";
        test::writeProgramTrace(full, {.iterations = 3000, .eventsPerBatch = 500});
        const auto bytes = test::readFile(full);
        const auto cut = *dir_ / "cut.reel";
        test::writeFile(cut, bytes.data(), bytes.size() / 2);
        auto w = openWindow(QString::fromStdString(cut.string()));
        QVERIFY(w);
        QVERIFY(w->banner()->isVisible());
        QVERIFY(w->banner()->text().contains("recovered"));
        w->action("goToEnd")->trigger();
        QCOMPARE(w->session().position(), w->session().eventCount() - 1);

        // A good file afterwards hides it again.
        QSignalSpy done(w.get(), &MainWindow::loadFinished);
        w->openFile(trace_);
        QVERIFY(done.wait(20000));
        QVERIFY(!w->banner()->isVisible());
    }

    void unreadableTraceGivesADialogNotACrash() {
        auto bytes = test::readFile(trace_.toStdString());
        for (size_t i = 0; i < 48; ++i) bytes[i] = uint8_t(i * 37);
        const auto bad = *dir_ / "bad.reel";
        test::writeFile(bad, bytes.data(), bytes.size());
        auto w = openWindow(QString::fromStdString(bad.string()), false);
        QVERIFY(w);
        QVERIFY(w->lastError().contains("damaged"));
        QVERIFY(!w->session().isOpen());
        QVERIFY(!w->action("stepInto")->isEnabled());
        // Still usable: open a good one.
        QSignalSpy done(w.get(), &MainWindow::loadFinished);
        w->openFile(trace_);
        QVERIFY(done.wait(20000));
        QVERIFY(done.at(0).at(0).toBool());
    }

    // A recording cut before its first events chunk: the dialog says the trace holds no events
    // and what the recovery kept, not the Navigator's "event 0 is out of range".
    void traceWithoutEventsSaysWhy() {
        const auto bytes = test::readFile(trace_.toStdString());
        // The preamble (24 bytes, the header's length at 12), the header, then the first
        // chunk's 48-byte header and a few bytes of its payload (docs/format.md).
        const size_t header = size_t(bytes[12]) | size_t(bytes[13]) << 8 |
                              size_t(bytes[14]) << 16 | size_t(bytes[15]) << 24;
        const auto cut = *dir_ / "no-events.reel";
        test::writeFile(cut, bytes.data(), 24 + header + 48 + 8);
        auto w = openWindow(QString::fromStdString(cut.string()), false);
        QVERIFY(w);
        QVERIFY2(w->lastError().contains("holds no events"), qPrintable(w->lastError()));
        QVERIFY2(w->lastError().contains("recovered"), qPrintable(w->lastError()));
        QVERIFY(!w->lastError().contains("out of range"));
        QVERIFY(!w->session().isOpen());

        // Opened over a trace being shown: that one stays, with its title and position (it
        // used to be closed under the old title, status bar and thread list).
        auto good = openWindow(trace_);
        QVERIFY(good);
        good->session().goTo(7);
        const QString title = good->windowTitle(), status = good->statusText();
        QSignalSpy done(good.get(), &MainWindow::loadFinished);
        good->openFile(QString::fromStdString(cut.string()));
        QVERIFY(done.wait(20000));
        QVERIFY(!done.at(0).at(0).toBool());
        QVERIFY(good->lastError().contains("holds no events"));
        QVERIFY(good->session().isOpen());
        QCOMPARE(good->session().position(), uint64_t(7));
        QCOMPARE(good->windowTitle(), title);
        QCOMPARE(good->statusText(), status);
        QVERIFY(good->sourceView()->currentLine() > 0);
    }

    // Tabs advance to the next multiple of 8 columns, as Python and a terminal count them.
    void tabsStopEveryEightColumns() {
        auto w = openWindow(trace_);
        QVERIFY(w);
        for (QPlainTextEdit* view : {static_cast<QPlainTextEdit*>(w->sourceView()),
                                     static_cast<QPlainTextEdit*>(w->outputView())}) {
            view->setPlainText("\tx\n        y\n");
            QTextCursor afterTab(view->document()->findBlockByNumber(0));
            afterTab.setPosition(afterTab.position() + 1);
            QTextCursor afterSpaces(view->document()->findBlockByNumber(1));
            afterSpaces.setPosition(afterSpaces.position() + 8);
            QVERIFY2(std::abs(view->cursorRect(afterTab).x() - view->cursorRect(afterSpaces).x()) <= 1,
                     qPrintable(view->objectName()));
        }
    }

    void dropAFileRecentFilesAndLayout() {
        auto w = std::make_unique<MainWindow>();
        w->show();
        QSignalSpy done(w.get(), &MainWindow::loadFinished);
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(trace_)});
        QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton,
                              Qt::NoModifier);
        QApplication::sendEvent(w.get(), &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(w.get(), &drop);
        QVERIFY(done.wait(20000));
        QVERIFY(w->session().isOpen());
        QCOMPARE(w->recentFiles().value(0), trace_);

        // The dock layout persists: hide a dock, close, and a new window restores it hidden.
        auto* dock = w->findChild<QDockWidget*>("bytecodeDock");
        QVERIFY(dock);
        dock->hide();
        w->close();
        MainWindow again;
        again.show();
        QVERIFY(again.findChild<QDockWidget*>("bytecodeDock")->isHidden());
        again.findChild<QDockWidget*>("bytecodeDock")->show();
        again.close();
    }

    void threadSelectorPinsAThread() {
        const auto path = *dir_ / "threads.reel";
        test::writeProgramTrace(path,
                                {.iterations = 4, .eventsPerBatch = 50, .workerThread = true});
        auto w = openWindow(QString::fromStdString(path.string()));
        QVERIFY(w);
        QComboBox* box = w->threadSelector();
        QCOMPARE(box->count(), 3);  // follow, MainThread, worker
        QVERIFY(box->isEnabled());
        QVERIFY(w->action("nextThreadSwitch")->isEnabled());
        w->action("nextThreadSwitch")->trigger();
        QCOMPARE(column(w->stackView()->model(), 0), QStringList{"add"});
        QVERIFY(w->statusText().contains("Thread: worker"));
        box->setCurrentIndex(1);
        Q_EMIT box->activated(1);
        QCOMPARE(column(w->stackView()->model(), 0), QStringList{"<module>"});
        QVERIFY(w->statusText().contains("Thread: MainThread (pinned)"));
        QCOMPARE(w->sourceView()->currentLine(), 19);
    }

    // At an exception raised in the worker, the worker's line is red; pinning the main thread
    // shows its own innermost frame, where no exception is: a plain (yellow) current line and no
    // "(exception)" row.
    void exceptionMarkOnlyInTheThreadItReached() {
        const auto path = *dir_ / "worker-raises.reel";
        test::writeProgramTrace(path, {.iterations = 4,
                                       .eventsPerBatch = 50,
                                       .workerThread = true,
                                       .workerRaises = true});
        auto w = openWindow(QString::fromStdString(path.string()));
        QVERIFY(w);
        Session& s = w->session();
        uint64_t raised = replayer::kNoEvent;
        for (const auto& e : s.replayer().exceptions())
            if (e.thread == 1) raised = e.raisedAt;
        QVERIFY(raised != replayer::kNoEvent);
        s.goTo(raised);
        QCOMPARE(column(w->stackView()->model(), 0), QStringList{"add"});
        QCOMPARE(w->sourceView()->currentLine(), 5);
        QVERIFY(w->sourceView()->currentIsException());
        QCOMPARE(w->localsView()->model()->index(0, 0).data().toString(), QString("(exception)"));

        QComboBox* box = w->threadSelector();
        box->setCurrentIndex(1);
        Q_EMIT box->activated(1);
        QCOMPARE(column(w->stackView()->model(), 0), QStringList{"<module>"});
        QCOMPARE(w->sourceView()->currentLine(), 19);
        QVERIFY(!w->sourceView()->currentIsException());
        QVERIFY(!localsText(w->localsView()->model()).join(' ').contains("(exception)"));
    }

    // Entering a long code object from a short one: the bytecode pane scrolls to the current
    // instruction (it used to stay clamped to the short code's scroll range, the row out of
    // view).
    void bytecodePaneShowsTheCurrentInstructionOfANewCode() {
        auto w = openWindow(trace_);
        QVERIFY(w);
        w->resize(1280, 420);
        QApplication::processEvents();
        Session& s = w->session();
        QTableView* view = w->bytecodeView();
        auto currentRow = [&] {
            for (int r = 0; r < view->model()->rowCount(); ++r)
                if (view->model()->index(r, 0).data(BytecodeModel::CurrentRole).toBool()) return r;
            return -1;
        };
        // The first event in `code` whose instruction is at row >= minRow.
        auto find = [&](uint32_t code, int minRow) {
            for (uint64_t e = s.firstEvent(); e <= s.lastEvent(); ++e) {
                s.goTo(e);
                if (s.code() && s.code()->id == code && currentRow() >= minRow) return e;
            }
            return replayer::kNoEvent;
        };
        const uint64_t inModule = find(test::kModuleCode, 30), inAdd = find(test::kAddCode, 0);
        QVERIFY(inModule != replayer::kNoEvent && inAdd != replayer::kNoEvent);
        s.goTo(inAdd);
        QCOMPARE(view->verticalScrollBar()->maximum(), 0);  // add()'s 7 rows fit
        s.goTo(inModule);
        QVERIFY(view->verticalScrollBar()->maximum() > 0);  // <module>'s 37 rows do not
        const QModelIndex cur = view->model()->index(currentRow(), 0);
        QVERIFY2(view->viewport()->rect().intersects(view->visualRect(cur)),
                 qPrintable(QStringLiteral("row %1 not in view (scroll %2)")
                                .arg(cur.row())
                                .arg(view->verticalScrollBar()->value())));
    }

    // Opening another file while one loads: only the latest request is answered and shown.
    void aLaterOpenSupersedesAnEarlierOne() {
        const auto big = *dir_ / "big2.reel";
        test::writeProgramTrace(big, {.iterations = 20000, .eventsPerBatch = 4096});
        MainWindow w;
        w.show();
        QSignalSpy done(&w, &MainWindow::loadFinished);
        w.openFile(QString::fromStdString(big.string()));
        w.openFile(trace_);
        QVERIFY(done.wait(20000));
        QTest::qWait(300);
        QCOMPARE(done.count(), 1);
        QVERIFY(done.at(0).at(0).toBool());
        QCOMPARE(w.session().trace().path, trace_);
        QCOMPARE(w.session().eventCount(), events_);
    }

    void darkAndLightThemes() {
        MainWindow w;
        w.show();
        w.findChild<QAction*>("theme-dark")->trigger();
        QVERIFY(Theme::isDark(QApplication::palette()));
        QCOMPARE(QSettings().value("theme").toString(), QString("dark"));
        w.findChild<QAction*>("theme-light")->trigger();
        QVERIFY(!Theme::isDark(QApplication::palette()));
        w.findChild<QAction*>("theme-system")->trigger();
        QCOMPARE(QSettings().value("theme").toString(), QString("system"));
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_mainwindow.moc"
