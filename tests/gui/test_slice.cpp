// Opening a slice (`reel slice`, format 1.1) in the GUI: its events keep the original run's
// numbers (firstEvent() > 0), and every pane, the timeline, the navigation commands, the go-to box
// and the status bar must work on that window, never on 0 .. firstEvent() - 1. The slice is cut
// in-process with the replayer's TraceSlicer from the synthetic program trace, and each pane is
// compared with a second window showing the original trace at the same event.

#include <QAction>
#include <QApplication>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QProcessEnvironment>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>
#include <QTreeView>
#include <QWheelEvent>

#include "gui/ProgramTrace.h"
#include "gui/WindowTest.h"
#include "models/BytecodeModel.h"
#include "models/LoadedTrace.h"
#include "models/LocalsModel.h"
#include "models/Session.h"
#include "models/TimelineData.h"
#include "reel/replayer/TraceSlicer.h"
#include "widgets/LocalsTree.h"
#include "widgets/MainWindow.h"
#include "widgets/SourceView.h"
#include "widgets/TimelineWidget.h"

using namespace reel;
using namespace reel::gui;

namespace {

using test::column;

// name=value, with a '*' when the local was written at this event (the highlight).
QStringList localsText(const QAbstractItemModel* m) {
    return test::localsText(m, true);
}

// The bytecode pane's highlighted instruction (its offset), -1 for none.
int currentInstruction(const QAbstractItemModel* m) {
    for (int r = 0; r < m->rowCount(); ++r)
        if (m->data(m->index(r, 0), BytecodeModel::CurrentRole).toBool())
            return m->data(m->index(r, 0), BytecodeModel::OffsetRole).toInt();
    return -1;
}

void sendMouse(QWidget* w, QEvent::Type type, QPointF pos, Qt::MouseButtons buttons) {
    QMouseEvent e(type, pos, w->mapToGlobal(pos),
                  type == QEvent::MouseMove ? Qt::NoButton : Qt::LeftButton, buttons,
                  Qt::NoModifier);
    QApplication::sendEvent(w, &e);
}

// What the panes show, for comparing the slice's window with the original's.
struct PaneView {
    int line = -1;
    QStringList stack, locals;
    int instruction = -1;
    bool operator==(const PaneView&) const = default;
};

PaneView panes(MainWindow& w) {
    QStringList stack = column(w.stackView()->model(), 0);
    const QStringList where = column(w.stackView()->model(), 1);
    for (int i = 0; i < stack.size(); ++i) stack[i] += " @ " + where.value(i);
    return {w.sourceView()->currentLine(), stack, localsText(w.localsView()->model()),
            currentInstruction(w.bytecodeView()->model())};
}

QString describe(const PaneView& p) {
    return QStringLiteral("line %1, instruction %2, stack [%3], locals [%4]")
        .arg(p.line)
        .arg(p.instruction)
        .arg(p.stack.join(", "), p.locals.join(", "));
}

}  // namespace

class TestSlice : public QObject {
    Q_OBJECT
    std::unique_ptr<test::TempDir> dir_;
    QString original_, slice_, lateSlice_;
    uint64_t events_ = 0, first_ = 0, last_ = 0, lateFirst_ = 0;

    std::unique_ptr<MainWindow> openWindow(const QString& path) { return test::openWindow(path); }

  private Q_SLOTS:
    void initTestCase() {
        test::isolateSettings("reel-gui-slice-tests");
        dir_ = std::make_unique<test::TempDir>();
        original_ = QString::fromStdString((*dir_ / "prog.reel").string());
        events_ = test::writeProgramTrace(original_.toStdString(),
                                          {.iterations = 12, .eventsPerBatch = 50});
        QVERIFY(events_ > 200);
        // A window in the middle of the loop: neither end of the original is in it.
        first_ = events_ / 4;
        last_ = events_ * 3 / 4;
        slice_ = QString::fromStdString((*dir_ / "mid.reel").string());
        replayer::Replayer orig(original_.toStdString());
        replayer::SliceOptions o;
        o.from = first_;
        o.to = last_;
        o.durable = false;
        const auto r = replayer::sliceTrace(orig, slice_.toStdString(), o);
        QCOMPARE(r.first, first_);
        QCOMPARE(r.last, last_);
        QVERIFY(r.checkpoint);

        // A window starting after the program printed "caught ...", carrying only the last
        // 3 bytes of that output: the banner says what was left out.
        uint64_t printed = 0;
        for (uint64_t n = events_ - 1; n > 0; --n)
            if (orig.outputSize(1, n) > 0 && orig.outputSize(1, n - 1) == 0) {
                printed = n;
                break;
            }
        QVERIFY(printed > 0 && printed + 2 < events_);
        lateFirst_ = printed + 1;
        lateSlice_ = QString::fromStdString((*dir_ / "late.reel").string());
        replayer::SliceOptions late;
        late.from = lateFirst_;
        late.maxCarriedOutput = 3;
        late.durable = false;
        replayer::sliceTrace(orig, lateSlice_.toStdString(), late);
    }

    // The models alone: timeline data, depth profile and session ranges follow the window.
    void modelsUseTheWindow() {
        Session s;
        QVERIFY(s.open(loadTrace(slice_)));
        QVERIFY(s.isSlice());
        QCOMPARE(s.firstEvent(), first_);
        QCOMPARE(s.lastEvent(), last_);
        QCOMPARE(s.eventsInTrace(), last_ - first_ + 1);
        QCOMPARE(s.position(), first_);
        QVERIFY(!s.containsEvent(first_ - 1));
        QVERIFY(s.containsEvent(first_) && s.containsEvent(last_));
        QVERIFY(!s.containsEvent(last_ + 1));
        QVERIFY(s.stopText().contains(QString("first event of this slice (%1)").arg(first_)));

        TimelineData d;
        d.build(s);
        QCOMPARE(d.first(), first_);
        QCOMPARE(d.last(), last_);
        for (const auto& m : d.markers())
            QVERIFY2(m.event >= first_ && m.event <= last_, qPrintable(m.tip));

        // The depth curve counts from the slice's first event and matches the original's depth
        // at the same events (both have one event per bucket at this size).
        Session os;
        QVERIFY(os.open(loadTrace(original_)));
        TimelineData od;
        od.build(os);
        QCOMPARE(od.depthBucketSize(), uint64_t(1));
        QCOMPARE(d.depthBucketSize(), uint64_t(1));
        QCOMPARE(d.depthMax().size(), size_t(last_ - first_ + 1));
        for (uint64_t e = first_; e <= last_; ++e) {
            QCOMPARE(d.depthMax()[size_t(e - first_)], od.depthMax()[size_t(e)]);
            QCOMPARE(d.depthMin()[size_t(e - first_)], od.depthMin()[size_t(e)]);
        }

        // An ordinary trace is not a slice and says nothing about it.
        Session o;
        QVERIFY(o.open(loadTrace(original_)));
        QVERIFY(!o.isSlice());
        QVERIFY(o.sliceText().isEmpty());
        QCOMPARE(o.firstEvent(), uint64_t(0));
    }

    void opensAtTheFirstKeptEventWithABanner() {
        auto w = openWindow(slice_);
        QVERIFY(w);
        QCOMPARE(w->session().position(), first_);
        QVERIFY(!w->banner()->isVisible());  // not a recovered trace
        QVERIFY(w->sliceBanner()->isVisible());
        QVERIFY2(
            w->sliceBanner()->text().contains(
                QString("events %1 to %2 of the %3 events").arg(first_).arg(last_).arg(events_)),
            qPrintable(w->sliceBanner()->text()));
        QVERIFY(w->sliceBanner()->text().contains("prog.reel"));
        QVERIFY2(
            w->statusText().contains(QString("Event %1 / %1..%2 (slice)").arg(first_).arg(last_)),
            qPrintable(w->statusText()));
        QVERIFY(w->statusText().contains("first event of this slice"));
        QCOMPARE(w->gotoBox()->text(), QString::number(first_));
        // Nothing before the first kept event: the backward commands are disabled.
        for (const char* n : {"goToStart", "stepBackInto", "stepBackOver", "reverseContinue"})
            QVERIFY2(!w->action(n)->isEnabled(), n);
        QVERIFY(w->action("stepInto")->isEnabled());

        // Same panes as the original at the same event.
        auto orig = openWindow(original_);
        QVERIFY(orig);
        QVERIFY(!orig->sliceBanner()->isVisible());
        orig->session().goTo(first_);
        QCOMPARE(describe(panes(*w)), describe(panes(*orig)));
    }

    // Press and drag across the whole timeline: every position is inside the window and the
    // panes show what the original shows at that event.
    void timelineScrubsTheWindowOnly() {
        auto w = openWindow(slice_);
        auto orig = openWindow(original_);
        QVERIFY(w && orig);
        TimelineWidget* tl = w->timeline();
        QCOMPARE(tl->data().first(), first_);
        QCOMPARE(tl->viewFirst(), first_);
        QCOMPARE(tl->viewLast(), last_);
        // The timeline's ends are the slice's ends: no empty span for events 0 .. first - 1.
        QCOMPARE(tl->eventAt(0), first_);
        QCOMPARE(tl->eventAt(tl->width()), last_);

        const int y = tl->height() / 2;
        const int left = int(tl->xOf(first_)), right = int(tl->xOf(last_));
        QVERIFY(right - left > 100);
        sendMouse(tl, QEvent::MouseButtonPress, QPointF(left - 5, y), Qt::LeftButton);
        QCOMPARE(w->session().position(), first_);
        uint64_t prev = first_;
        int moves = 0, compared = 0, changedSeen = 0, instructionsSeen = 0;
        for (int x = left - 5; x <= right + 5; ++x) {
            sendMouse(tl, QEvent::MouseMove, QPointF(x, y), Qt::LeftButton);
            const uint64_t p = w->session().position();
            QVERIFY2(p >= first_ && p <= last_, qPrintable(QString::number(p)));
            QVERIFY(p >= prev);
            if (p != prev) ++moves;
            prev = p;
            orig->session().goTo(p);
            QVERIFY2(panes(*w) == panes(*orig), qPrintable(QString("event %1: %2 vs %3")
                                                               .arg(p)
                                                               .arg(describe(panes(*w)))
                                                               .arg(describe(panes(*orig)))));
            ++compared;
            const PaneView v = panes(*w);
            if (v.locals.join(',').contains('*')) ++changedSeen;
            if (v.instruction >= 0) ++instructionsSeen;
        }
        sendMouse(tl, QEvent::MouseButtonRelease, QPointF(right + 5, y), Qt::NoButton);
        QCOMPARE(w->session().position(), last_);
        QVERIFY(moves > 100);
        QVERIFY(compared > 100);
        // The comparison covered the change highlight and the bytecode pane, not only blanks.
        QVERIFY(changedSeen > 10);
        QVERIFY(instructionsSeen > 100);
        QVERIFY(w->lastError().isEmpty());

        // Backward, past the left edge.
        sendMouse(tl, QEvent::MouseButtonPress, QPointF(right, y), Qt::LeftButton);
        for (int x = right; x >= left - 20; x -= 3) {
            sendMouse(tl, QEvent::MouseMove, QPointF(x, y), Qt::LeftButton);
            QVERIFY(w->session().position() >= first_);
        }
        sendMouse(tl, QEvent::MouseButtonRelease, QPointF(left - 20, y), Qt::NoButton);
        QCOMPARE(w->session().position(), first_);
        QVERIFY(w->lastError().isEmpty());

        // Zoom and pan stay inside the window.
        tl->setView(0, double(first_ + 30));
        QCOMPARE(tl->viewFirst(), first_);
        QCOMPARE(tl->eventAt(0), first_);  // the left edge is the slice's first event
        tl->zoom(4, double(first_));
        QVERIFY(tl->viewFirst() >= first_);
        QVERIFY(tl->viewLast() - tl->viewFirst() < (last_ - first_) / 3);
        for (int i = 0; i < 20; ++i) {  // shift+wheel pans left, far past the start
            QWheelEvent e(QPointF(50, y), tl->mapToGlobal(QPointF(50, y)), QPoint(), QPoint(0, 120),
                          Qt::NoButton, Qt::ShiftModifier, Qt::NoScrollPhase, false);
            QApplication::sendEvent(tl, &e);
        }
        QCOMPARE(tl->viewFirst(), first_);
        QCOMPARE(tl->eventAt(0), first_);
        tl->setView(double(last_), double(last_ + 1000));
        QCOMPARE(tl->viewLast(), last_);
        QVERIFY(tl->viewFirst() >= first_);
        tl->resetZoom();
        QCOMPARE(tl->viewFirst(), first_);
        QCOMPARE(tl->viewLast(), last_);
    }

    // The depth sparkline of the slice is the original's over the same events: the depth
    // profile counts from the slice's first event, not from 0.
    void sparklineMatchesTheOriginal() {
        auto w = openWindow(slice_);
        auto orig = openWindow(original_);
        QVERIFY(w && orig);
        TimelineWidget* a = w->timeline();
        TimelineWidget* b = orig->timeline();
        QCOMPARE(a->size(), b->size());
        // Same scale (the deepest stack of the window is the run's deepest here).
        QCOMPARE(a->data().maxDepth(), b->data().maxDepth());
        b->setView(double(first_), double(last_));
        const uint64_t at = first_ + 7;
        w->session().goTo(at);
        orig->session().goTo(at);
        QCOMPARE(b->viewFirst(), first_);
        QCOMPARE(b->viewLast(), last_);
        const QImage ia = a->grab().toImage(), ib = b->grab().toImage();
        // The plot band only (the axis of the zoomed original also says "zoom").
        int differing = 0, drawn = 0;
        const QRgb base = ia.pixel(1, ia.height() / 2);
        for (int y = 13; y < ia.height() - 15; ++y)
            for (int x = 0; x < ia.width(); ++x) {
                if (ia.pixel(x, y) != ib.pixel(x, y)) ++differing;
                if (ia.pixel(x, y) != base) ++drawn;
            }
        QCOMPARE(differing, 0);
        QVERIFY(drawn > ia.width());  // the sparkline is there, not an empty plot
    }

    void stepBackAtTheStartStaysWithAMessage() {
        auto w = openWindow(slice_);
        QVERIFY(w);
        w->action("stepInto")->trigger();
        w->action("stepInto")->trigger();
        QVERIFY(w->session().position() > first_);
        QVERIFY(w->action("goToStart")->isEnabled());
        w->action("goToStart")->trigger();
        QCOMPARE(w->session().position(), first_);
        // Every backward command at the first event: stays put, says why, no error dialog.
        w->session().stepInto(replayer::Direction::Backward);
        QCOMPARE(w->session().position(), first_);
        w->session().stepOver(replayer::Direction::Backward);
        QCOMPARE(w->session().position(), first_);
        w->session().continueRun(replayer::Direction::Backward);
        QCOMPARE(w->session().position(), first_);
        w->timeline()->setFocus();
        QTest::keyClick(w->timeline(), Qt::Key_Left);
        QCOMPARE(w->session().position(), first_);
        QVERIFY2(
            w->statusText().contains(QString("At the first event of this slice (%1)").arg(first_)),
            qPrintable(w->statusText()));
        QVERIFY(w->lastError().isEmpty());
    }

    void goToBoxAndEnd() {
        auto w = openWindow(slice_);
        auto orig = openWindow(original_);
        QVERIFY(w && orig);
        const uint64_t mid = (first_ + last_) / 2;
        w->gotoBox()->setText(QString::number(mid));
        QTest::keyClick(w->gotoBox(), Qt::Key_Return);
        QCOMPARE(w->session().position(), mid);
        orig->session().goTo(mid);
        QCOMPARE(describe(panes(*w)), describe(panes(*orig)));

        // Before and after the window: a message naming the window, the position stays.
        for (uint64_t n : {uint64_t(0), first_ - 1, last_ + 1, events_ - 1}) {
            w->gotoBox()->setText(QString::number(n));
            QTest::keyClick(w->gotoBox(), Qt::Key_Return);
            QCOMPARE(w->session().position(), mid);
            const QString expected = QString(
                                         "Event %1 is out of range: this slice holds events "
                                         "%2 to %3 of the original run.")
                                         .arg(n)
                                         .arg(first_)
                                         .arg(last_);
            QCOMPARE(w->lastError(), expected);
            QVERIFY(w->statusText().contains(expected));
        }

        // Session::goTo itself (output clicks, --at) refuses them the same way.
        QSignalSpy errors(&w->session(), &Session::error);
        w->session().goTo(first_ - 1);
        QCOMPARE(w->session().position(), mid);
        QCOMPARE(errors.size(), 1);
        QVERIFY(errors.at(0).at(0).toString().contains("this slice holds events"));

        w->action("goToEnd")->trigger();
        QCOMPARE(w->session().position(), last_);
        QVERIFY(!w->action("stepInto")->isEnabled());
        QVERIFY(!w->action("goToEnd")->isEnabled());
        QVERIFY(w->action("goToStart")->isEnabled());
        QVERIFY2(
            w->statusText().contains(QString("Event %1 / %2..%1 (slice)").arg(last_).arg(first_)),
            qPrintable(w->statusText()));
        QVERIFY(w->statusText().contains("At the end of the trace"));
        QCOMPARE(w->gotoBox()->text(), QString::number(last_));
        orig->session().goTo(last_);
        QCOMPARE(describe(panes(*w)), describe(panes(*orig)));
        QCOMPARE(w->outputView()->toPlainText(), orig->outputView()->toPlainText());
        // A step forward at the end stays there.
        w->session().stepInto(replayer::Direction::Forward);
        QCOMPARE(w->session().position(), last_);
    }

    // reel-gui --screenshot --at: an event in the window renders, one before it is refused.
    void screenshotAtAnEventOfTheSlice() {
        const QString png = QString::fromStdString((*dir_ / "slice.png").string());
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert("QT_QPA_PLATFORM", "offscreen");
        QProcess gui;
        gui.setProcessEnvironment(env);
        gui.start(REEL_GUI_BINARY, {slice_, "--screenshot", png, "--at",
                                    QString::number(first_ + 3), "--size", "900x600"});
        QVERIFY(gui.waitForFinished(60000));
        QCOMPARE(gui.exitCode(), 0);
        QCOMPARE(QImage(png).size(), QSize(900, 600));
        QProcess bad;
        bad.setProcessEnvironment(env);
        bad.start(REEL_GUI_BINARY, {slice_, "--screenshot", png, "--at", "3"});
        QVERIFY(bad.waitForFinished(60000));
        QCOMPARE(bad.exitCode(), 2);
        const QString err = QString::fromUtf8(bad.readAllStandardError());
        QVERIFY2(err.contains(QString("Event 3 is out of range: this slice holds events %1 to %2")
                                  .arg(first_)
                                  .arg(last_)),
                 qPrintable(err));
    }

    // Output written to both streams before a slice's first event shows in the order it was
    // written ("warn" on stderr between the two stdout lines), as in the original at that event.
    void carriedOutputIsInterleaved() {
        const QString orig = QString::fromStdString((*dir_ / "warn.reel").string());
        const uint64_t events = test::writeProgramTrace(
            orig.toStdString(), {.iterations = 12, .eventsPerBatch = 50, .stderrLine = true});
        replayer::Replayer r(orig.toStdString());
        uint64_t done = 0;  // the event "done" belongs to: the last stdout write
        for (uint64_t n = events - 1; n > 0 && !done; --n)
            if (r.outputSize(1, n) > r.outputSize(1, n - 1)) done = n;
        QVERIFY(done > 0 && done + 2 < events);
        const QString slice = QString::fromStdString((*dir_ / "warn-slice.reel").string());
        replayer::SliceOptions o;
        o.from = done + 1;
        o.durable = false;
        replayer::sliceTrace(r, slice.toStdString(), o);

        auto w = openWindow(slice);
        auto ow = openWindow(orig);
        QVERIFY(w && ow);
        ow->session().goTo(done + 1);
        const QString text = w->outputView()->toPlainText();
        QVERIFY2(text.startsWith("caught ('too big', ") && text.endsWith(")\nwarn\ndone\n"),
                 qPrintable(text));
        QCOMPARE(text, ow->outputView()->toPlainText());
        QCOMPARE(w->outputView()->lineCount(), 3);
        for (int line = 0; line < 3; ++line)
            QCOMPARE(w->outputView()->streamOfLine(line), ow->outputView()->streamOfLine(line));
        QCOMPARE(w->outputView()->streamOfLine(1), 2);
        // Lines written before the slice go to its first event (the earliest it has).
        QCOMPARE(w->outputView()->eventOfLine(1), qint64(done + 1));
    }

    // A slice that carries only the tail of the earlier output says so in its banner and at the
    // top of the output pane, which shows the carried tail and then what the window printed.
    void elidedOutputIsAnnounced() {
        auto w = openWindow(lateSlice_);
        QVERIFY(w);
        QCOMPARE(w->session().position(), lateFirst_);
        const QString text = w->sliceBanner()->text();
        QVERIFY2(text.contains("bytes of stdout are not in this slice"), qPrintable(text));
        auto orig = openWindow(original_);
        QVERIFY(orig);
        orig->session().goTo(lateFirst_);
        const QString full = orig->outputView()->toPlainText();
        QVERIFY(full.startsWith("caught"));
        QVERIFY2(text.contains(QString("the first %1 bytes of stdout").arg(full.size() - 3)),
                 qPrintable(text));
        // The pane: a note for what is missing, then the 3 bytes carried.
        QCOMPARE(w->outputView()->toPlainText(),
                 QString("[%1 earlier bytes of stdout are not in this slice]\n%2")
                     .arg(full.size() - 3)
                     .arg(full.right(3)));
        // The note is the replayer's (OutputChunk::elidedBytes), not the program's output.
        QVERIFY(w->outputView()->isNoteLine(0));
        QVERIFY(!w->outputView()->isNoteLine(1));
        w->action("goToEnd")->trigger();
        QCOMPARE(w->session().position(), events_ - 1);
        QVERIFY(w->outputView()->toPlainText().endsWith("done\n"));
        QVERIFY(w->lastError().isEmpty());
    }
};

QTEST_MAIN(TestSlice)
#include "test_slice.moc"
