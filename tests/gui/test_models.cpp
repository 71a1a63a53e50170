// The GUI's models over a real (synthetic, program-shaped) trace: what the stack, locals,
// bytecode and exceptions panes show at each step, forward and backward, and how the loader
// treats truncated and corrupt files. No widgets here: test_mainwindow.cpp drives those.

#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <fstream>
#include <vector>

#include "gui/ProgramTrace.h"
#include "replayer/ReplayFixture.h"
#include "models/BytecodeModel.h"
#include "models/ExceptionsModel.h"
#include "models/LocalsModel.h"
#include "models/Session.h"
#include "models/StackModel.h"
#include "models/TimelineData.h"
#include "models/TraceLoader.h"

using namespace reel;
using namespace reel::gui;
using replayer::Direction;

namespace QTest {
// QCOMPARE prints both sides on failure.
template <>
char* toString(const reel::replayer::StopReason& r) {
    return qstrdup(reel::replayer::toString(r));
}
}  // namespace QTest

namespace {

QString cell(const QAbstractItemModel& m, int row, int col, const QModelIndex& parent = {}) {
    return m.data(m.index(row, col, parent)).toString();
}

// "name=value" for every top-level local, in model order.
QStringList localsText(const LocalsModel& m) {
    QStringList out;
    for (int r = 0; r < m.rowCount(); ++r)
        out << cell(m, r, LocalsModel::NameColumn) + "=" + cell(m, r, LocalsModel::ValueColumn);
    return out;
}

// "function:line" for every frame, innermost first.
QStringList stackText(const StackModel& m) {
    QStringList out;
    for (int r = 0; r < m.rowCount(); ++r)
        out << cell(m, r, StackModel::FunctionColumn) + ":" +
                   m.data(m.index(r, 0), StackModel::LineRole).toString();
    return out;
}

}  // namespace

class TestModels : public QObject {
    Q_OBJECT
    std::unique_ptr<test::TempDir> dir_;
    QString trace_;
    uint64_t events_ = 0;

    std::unique_ptr<Session> openSession() {
        auto s = std::make_unique<Session>();
        if (!s->open(loadTrace(trace_))) return nullptr;
        return s;
    }

  private Q_SLOTS:
    void initTestCase() {
        dir_ = std::make_unique<test::TempDir>();
        trace_ = QString::fromStdString((*dir_ / "prog.reel").string());
        events_ =
            test::writeProgramTrace(trace_.toStdString(), {.iterations = 4, .eventsPerBatch = 37});
        QVERIFY(events_ > 100);
    }

    void opensAtEventZero() {
        auto s = openSession();
        QVERIFY(s);
        QCOMPARE(s->eventCount(), events_);
        QCOMPARE(s->position(), uint64_t(0));
        StackModel stack(*s);
        QCOMPARE(stackText(stack), QStringList{"<module>:1"});
        QVERIFY(s->source());
        QCOMPARE(QString::fromStdString(s->source()->text), QString(test::kProgramSource));
        QVERIFY(!s->trace().recovered);
    }

    // Line stepping visits the program's lines in execution order, including the calls.
    void stepIntoForwardFollowsTheProgram() {
        auto s = openSession();
        StackModel stack(*s);
        QStringList seen;
        for (int i = 0; i < 24; ++i) {
            s->stepInto(Direction::Forward);
            seen << stackText(stack).value(0);
        }
        // <module> lines 3, 7, 16, 17, then work() is entered (its CALL event at the def line),
        // runs lines 8-11, and add() is entered from line 11.
        // The CALL event and the frame's first instruction are both stops (settrace's 'call' and
        // first 'line'); back from add(), work() is still on line 11, so the next stop is the
        // loop's jump back to line 10.
        const QStringList expectedPrefix = {
            "<module>:1", "<module>:3", "<module>:7", "<module>:16", "<module>:17",
            "work:7",     "work:7",     "work:8",     "work:9",      "work:10",
            "work:11",    "add:3",      "add:3",      "add:4",       "add:5",
            "add:5",      "work:10",    "work:11",    "add:3"};
        QCOMPARE(seen.mid(0, expectedPrefix.size()), expectedPrefix);
        QCOMPARE(stackText(stack).size(), 2);
    }

    // Stepping backward from the end visits exactly the forward stops, in reverse.
    void stepIntoBackwardMirrorsForward() {
        auto s = openSession();
        std::vector<uint64_t> forward{0};
        while (!s->navigator().atEnd()) forward.push_back(s->stepInto(Direction::Forward).event);
        QCOMPARE(s->position(), events_ - 1);
        std::vector<uint64_t> backward{s->position()};
        while (!s->navigator().atStart())
            backward.push_back(s->stepInto(Direction::Backward).event);
        std::reverse(backward.begin(), backward.end());
        QCOMPARE(backward, forward);
    }

    void localsFollowTheSelectedFrame() {
        auto s = openSession();
        StackModel stack(*s);
        LocalsModel locals(*s);
        // Run to add's "return s" in the third iteration (i == 2): s = 0 + 1 + 2.
        int returns = 0;
        while (!s->navigator().atEnd()) {
            s->stepInto(Direction::Forward);
            if (stackText(stack).value(0) == "add:5" && ++returns == 5) break;  // 2 stops per pass
        }
        QCOMPARE(stackText(stack), (QStringList{"add:5", "work:11", "<module>:17"}));
        QCOMPARE(localsText(locals), (QStringList{"a=1", "b=2", "s=3"}));
        // At add()'s RETURN event the returned value comes first.
        {
            const uint64_t here = s->position();
            s->stepInto(Direction::Forward);
            QCOMPARE(s->state().kind, format::RecordKind::Return);
            QCOMPARE(localsText(locals), (QStringList{"(return)=3", "a=1", "b=2", "s=3"}));
            s->goTo(here);
        }
        const int sRow = locals.rowOf("s");
        QVERIFY(locals.data(locals.index(sRow, 0), LocalsModel::ChangedRole).toBool());
        QVERIFY(
            !locals.data(locals.index(locals.rowOf("a"), 0), LocalsModel::ChangedRole).toBool());

        // Selecting the caller shows its locals at this same event.
        s->selectFrame(1);
        QCOMPARE(localsText(locals),
                 (QStringList{"n=4", "total=1", "items=['start', [1, 2]]", "i=2"}));
        QVERIFY(stack.data(stack.index(1, 0), StackModel::SelectedRole).toBool());

        // Containers expand lazily into their items.
        const QModelIndex items = locals.index(locals.rowOf("items"), 0);
        QVERIFY(locals.hasChildren(items));
        QCOMPARE(locals.rowCount(items), 2);
        QCOMPARE(cell(locals, 0, LocalsModel::ValueColumn, items), QString("'start'"));
        const QModelIndex inner = locals.index(1, 0, items);
        QCOMPARE(cell(locals, 1, LocalsModel::ValueColumn, items), QString("[1, 2]"));
        QCOMPARE(locals.rowCount(inner), 2);
        QCOMPARE(cell(locals, 1, LocalsModel::ValueColumn, inner), QString("2"));
        QCOMPARE(locals.parent(locals.index(1, 0, inner)), inner);
        QCOMPARE(locals.data(locals.index(1, 0, inner), LocalsModel::PathRole).toString(),
                 QString("items/[1]/[1]"));

        // Module frames show their namespace (NAME_SET), dunder names hidden.
        s->selectFrame(0);
        QCOMPARE(localsText(locals),
                 (QStringList{"sys=<module sys>", "add=<function add>", "work=<function work>"}));
    }

    void stepOverAndOut() {
        auto s = openSession();
        StackModel stack(*s);
        while (stackText(stack).value(0) != "work:11") s->stepInto(Direction::Forward);
        const uint64_t atCall = s->position();
        s->stepOver(Direction::Forward);  // over add(): next line stop in work
        QCOMPARE(stackText(stack).value(0), QString("work:10"));
        s->stepOver(Direction::Backward);
        QCOMPARE(stackText(stack).value(0), QString("work:11"));
        s->goTo(atCall);
        s->stepInto(Direction::Forward);
        QCOMPARE(stackText(stack).value(0), QString("add:3"));
        s->stepOut(Direction::Forward);
        QCOMPARE(stackText(stack).size(), 2);
        QCOMPARE(stackText(stack).value(0), QString("work:11"));
        s->stepOut(Direction::Forward);
        QCOMPARE(stackText(stack), QStringList{"<module>:17"});
    }

    void instructionGranularityMovesTheBytecodeMark() {
        auto s = openSession();
        BytecodeModel bc(*s);
        s->setGranularity(replayer::Granularity::Instruction);
        s->stepInto(Direction::Forward);  // <module> offset 0
        QCOMPARE(bc.rowCount(), 33);
        QCOMPARE(bc.currentRow(), 0);
        s->stepInto(Direction::Forward);
        QCOMPARE(bc.currentRow(), 1);
        QCOMPARE(bc.data(bc.index(1, BytecodeModel::OpnameColumn)).toString(),
                 QString("STORE_NAME"));
        QVERIFY(bc.data(bc.index(1, 0), BytecodeModel::CurrentRole).toBool());
        QVERIFY(!bc.data(bc.index(0, 0), BytecodeModel::CurrentRole).toBool());
        s->stepInto(Direction::Backward);
        QCOMPARE(bc.currentRow(), 0);
    }

    void exceptionsInsideLibraryCodeAreHiddenUntilAskedFor() {
        const auto path = *dir_ / "lib.reel";
        const test::LibraryExceptionsTrace t(path);
        Session s;
        QVERIFY(s.open(loadTrace(QString::fromStdString(path.string()))));
        ExceptionsModel ex(s);
        // #0 was raised and handled inside json: counted, not listed.
        QCOMPARE(ex.rowCount(), 2);
        QCOMPARE(ex.hiddenCount(), 1);
        QCOMPARE(ex.data(ex.index(0, 0), ExceptionsModel::IndexRole).toULongLong(), 1ull);
        QCOMPARE(ex.data(ex.index(0, 0), ExceptionsModel::RaisedEventRole).toULongLong(),
                 t.intoApp);
        QCOMPARE(ex.data(ex.index(1, 0), ExceptionsModel::RaisedEventRole).toULongLong(),
                 t.fromApp);
        QCOMPARE(cell(ex, 1, ExceptionsModel::ExceptionColumn), QString("KeyError('cb')"));
        QVERIFY(!ex.data(ex.index(1, 0), ExceptionsModel::LibraryRole).toBool());
        ex.setShowLibrary(true);
        QCOMPARE(ex.rowCount(), 3);
        QCOMPARE(ex.hiddenCount(), 0);
        QCOMPARE(ex.libraryCount(), 1);
        QCOMPARE(ex.data(ex.index(0, 0), ExceptionsModel::RaisedEventRole).toULongLong(),
                 t.libOnly);
        QVERIFY(ex.data(ex.index(0, 0), ExceptionsModel::LibraryRole).toBool());
        QCOMPARE(cell(ex, 0, ExceptionsModel::ExceptionColumn), QString("KeyError('k')"));
        QCOMPARE(cell(ex, 2, ExceptionsModel::ExceptionColumn), QString("KeyError('cb')"));
        ex.setShowLibrary(false);
        QCOMPARE(ex.rowCount(), 2);
        QCOMPARE(cell(ex, 1, ExceptionsModel::ExceptionColumn), QString("KeyError('cb')"));
        // The timeline marks the program's two, not the library's own.
        TimelineData tl;
        tl.build(s);
        std::vector<uint64_t> marked;
        for (const auto& m : tl.markers())
            if (m.kind != TimelineMarker::Kind::ThreadSwitch) marked.push_back(m.event);
        QCOMPARE(marked, (std::vector<uint64_t>{t.intoApp, t.fromApp}));
    }

    void exceptionsAndOutput() {
        auto s = openSession();
        ExceptionsModel ex(*s);
        QCOMPARE(ex.rowCount(), 1);
        QCOMPARE(cell(ex, 0, ExceptionsModel::ExceptionColumn),
                 QString("ValueError('too big', 6)"));
        QVERIFY(cell(ex, 0, ExceptionsModel::RaisedColumn).startsWith("work (prog.py:13)"));
        QVERIFY(cell(ex, 0, ExceptionsModel::OutcomeColumn).startsWith("handled in <module>"));
        QVERIFY(!ex.data(ex.index(0, 0), ExceptionsModel::HappenedRole).toBool());

        auto r = s->toException(Direction::Forward);
        QCOMPARE(r.reason, replayer::StopReason::Exception);
        QCOMPARE(r.event, ex.data(ex.index(0, 0), ExceptionsModel::RaisedEventRole).toULongLong());
        QVERIFY(ex.data(ex.index(0, 0), ExceptionsModel::HappenedRole).toBool());
        QCOMPARE(s->outputText(1), QString());

        s->goToEnd();
        QCOMPARE(s->outputText(1), QString("caught ('too big', 6)\ndone\n"));
        s->goTo(s->eventCount() / 2);
        QCOMPARE(s->outputText(1), QString());
    }

    void breakpointsWithAndWithoutCondition() {
        auto s = openSession();
        StackModel stack(*s);
        LocalsModel locals(*s);
        QVERIFY(s->toggleBreakpoint(test::kProgramFile, 4));
        QVERIFY(s->hasBreakpoint(test::kProgramFile, 4));
        auto r = s->continueRun(Direction::Forward);
        QCOMPARE(r.reason, replayer::StopReason::Breakpoint);
        QCOMPARE(stackText(stack).value(0), QString("add:4"));
        QCOMPARE(localsText(locals), (QStringList{"a=0", "b=0"}));

        QVERIFY(!s->toggleBreakpoint(test::kProgramFile, 4));  // off again
        QVERIFY(s->toggleBreakpoint("prog.py", 4, "b == 2"));  // a path suffix matches too
        s->goToStart();
        r = s->continueRun(Direction::Forward);
        QCOMPARE(r.reason, replayer::StopReason::Breakpoint);
        QCOMPARE(localsText(locals), (QStringList{"a=1", "b=2"}));
        r = s->continueRun(Direction::Forward);
        QCOMPARE(r.reason, replayer::StopReason::AtEnd);
        r = s->continueRun(Direction::Backward);
        QCOMPARE(r.reason, replayer::StopReason::Breakpoint);
        QCOMPARE(localsText(locals), (QStringList{"a=1", "b=2"}));

        QSignalSpy errors(s.get(), &Session::error);
        QVERIFY(!s->toggleBreakpoint("prog.py", 5, "b <"));
        QCOMPARE(errors.count(), 1);
    }

    // The reverse watchpoint: from the end of work(), where was `total` last written?
    void reverseWatchpointOnALocal() {
        auto s = openSession();
        StackModel stack(*s);
        LocalsModel locals(*s);
        while (stackText(stack).value(0) != "work:12") s->stepInto(Direction::Forward);
        const int row = locals.rowOf("total");
        const auto key = LocalsModel::unpackKey(
            locals.data(locals.index(row, 0), LocalsModel::LocalKeyRole).toULongLong());
        const uint64_t here = s->position();
        auto r = s->toLocalChange(Direction::Backward, key);
        QCOMPARE(r.reason, replayer::StopReason::Watch);
        QVERIFY(r.event < here);
        QCOMPARE(stackText(stack).value(0), QString("work:11"));
        QVERIFY(
            locals.data(locals.index(locals.rowOf("total"), 0), LocalsModel::ChangedRole).toBool());
        QCOMPARE(cell(locals, locals.rowOf("total"), LocalsModel::ValueColumn), QString("6"));
        r = s->toLocalChange(Direction::Backward, key);
        QCOMPARE(cell(locals, locals.rowOf("total"), LocalsModel::ValueColumn), QString("3"));
        r = s->toLocalChange(Direction::Forward, key);
        QCOMPARE(cell(locals, locals.rowOf("total"), LocalsModel::ValueColumn), QString("6"));
    }

    // Every event, forward then backward: the panes agree with the state and nothing fails.
    void scrubAcrossTheWholeTrace() {
        auto s = openSession();
        StackModel stack(*s);
        LocalsModel locals(*s);
        BytecodeModel bc(*s);
        QSignalSpy errors(s.get(), &Session::error);
        auto check = [&](uint64_t n) {
            s->goTo(n);
            QCOMPARE(s->position(), n);
            const auto* t = s->threadState();
            QVERIFY(t);
            QCOMPARE(stack.rowCount(), int(t->stack.size()));
            if (const auto* f = s->frame(); f && f->lasti >= 0)
                QCOMPARE(bc.currentRow(), f->lasti / 2);
        };
        for (uint64_t n = 0; n < events_; ++n) check(n);
        for (uint64_t n = events_; n-- > 0;) check(n);
        QCOMPARE(errors.count(), 0);
    }

    void timelineMarksTheException() {
        auto s = openSession();
        TimelineData t;
        t.build(*s);
        QCOMPARE(t.events(), events_);
        QVERIFY(t.maxDepth() >= 3);
        QCOMPARE(t.markers().size(), size_t(1));
        QCOMPARE(t.markers()[0].kind, TimelineMarker::Kind::ExceptionHandled);
        QVERIFY(t.tip(t.markers()[0], *s).contains("ValueError('too big', 6)"));
        QVERIFY(t.markerNear(t.markers()[0].event + 2, 3));
        QVERIFY(!t.markerNear(t.markers()[0].event + 10, 3));
    }

    // A second thread: the timeline marks the switches, the Session follows the current
    // event's thread unless one is pinned, and step commands follow the pinned thread.
    void threadsAndThreadSwitches() {
        const auto path = *dir_ / "threads.reel";
        test::writeProgramTrace(path,
                                {.iterations = 4, .eventsPerBatch = 29, .workerThread = true});
        Session s;
        QVERIFY(s.open(loadTrace(QString::fromStdString(path.string()))));
        StackModel stack(s);
        QCOMPARE(s.replayer().threadIds(), (std::vector<uint32_t>{0, 1}));
        QCOMPARE(s.threadName(1), QString("worker"));
        TimelineData t;
        t.build(s);
        int switches = 0;
        for (const auto& m : t.markers()) switches += m.kind == TimelineMarker::Kind::ThreadSwitch;
        QCOMPARE(switches, 2);

        auto r = s.toThreadSwitch(Direction::Forward);
        QCOMPARE(r.reason, replayer::StopReason::Target);
        QCOMPARE(s.thread(), 1u);
        QCOMPARE(stackText(stack), QStringList{"add:3"});
        // Pin the main thread: its stack shows while the worker runs, and steps stay on it.
        s.setThread(0u);
        QCOMPARE(stackText(stack), QStringList{"<module>:19"});
        s.stepInto(Direction::Forward);
        QCOMPARE(s.state().thread, 0u);
        QCOMPARE(stackText(stack), QStringList{"<module>:20"});
        s.setThread(std::nullopt);
        s.toThreadSwitch(Direction::Backward);  // the worker's last event: add() returning
        QCOMPARE(s.state().thread, 1u);
        QCOMPARE(stackText(stack), QStringList{"add:5"});
        s.stepInto(Direction::Backward);  // unpinned: steps follow the current event's thread
        QCOMPARE(s.state().thread, 1u);
        QCOMPARE(stackText(stack), QStringList{"add:5"});
    }

    // The timeline's depth curve comes from the index (Replayer::depthProfile), with no pass of
    // its own: one bucket per event on a short trace, each the stack depth at that event.
    void depthProfileFollowsTheCalls() {
        auto s = openSession();
        TimelineData d;
        d.build(*s);
        QCOMPARE(d.depthBucketSize(), uint64_t(1));
        QCOMPARE(d.depthMax().size(), size_t(events_));
        QCOMPARE(d.depthMin().size(), size_t(events_));
        for (uint64_t n = 0; n < events_; ++n) {
            s->goTo(n);
            const uint32_t depth =
                uint32_t(s->state().threadState(s->state().thread)->stack.size());
            QCOMPARE(d.depthMax()[n], depth);
            QCOMPARE(d.depthMin()[n], depth);
        }
        QCOMPARE(d.maxDepth(), 3u);
        // Coarser buckets keep the range of each.
        replayer::Replayer::Options o;
        o.depthBuckets = 10;
        Session coarse;
        QVERIFY(coarse.open(
            LoadedTrace{trace_, std::make_shared<replayer::Replayer>(trace_.toStdString(), o)}));
        TimelineData q;
        q.build(coarse);
        QCOMPARE(q.depthMax().size(), size_t(10));
        QCOMPARE(*std::max_element(q.depthMax().begin(), q.depthMax().end()), 3u);
        QCOMPARE(q.depthMin().front(), 1u);
    }

    // Loading on a worker thread: a value-typed result, queued to the UI thread, which opens it.
    // (Not QSignalSpy::wait on the worker's signal: a load finished before wait() started
    // counts as not received, which a loaded machine made happen.)
    void loaderRunsOnAWorkerThread() {
        QThread thread;
        TraceLoader loader;
        loader.moveToThread(&thread);
        thread.start();
        QObject ui;  // lives in this (the UI) thread
        std::vector<LoadedTrace> loaded;
        connect(&loader, &TraceLoader::loaded, &ui,
                [&loaded](const LoadedTrace& t) { loaded.push_back(t); }, Qt::QueuedConnection);
        QMetaObject::invokeMethod(&loader, "load", Qt::QueuedConnection, Q_ARG(QString, trace_));
        QTRY_COMPARE_WITH_TIMEOUT(loaded.size(), size_t(1), 20000);
        thread.quit();
        thread.wait();
        const LoadedTrace& t = loaded.front();
        QVERIFY(t.valid());
        Session s;
        QVERIFY(s.open(t));
        QCOMPARE(s.eventCount(), events_);
    }

    void truncatedTraceOpensRecovered() {
        // Big enough for many chunks: the cut keeps the complete ones before it.
        const auto full = *dir_ / "big.reel";
        const uint64_t fullEvents =
            test::writeProgramTrace(full, {.iterations = 2000, .eventsPerBatch = 500});
        const auto bytes = test::readFile(full);
        const auto cut = *dir_ / "cut.reel";
        test::writeFile(cut, bytes.data(), bytes.size() * 2 / 3);
        TraceLoader loader;
        QSignalSpy loaded(&loader, &TraceLoader::loaded);
        QSignalSpy failed(&loader, &TraceLoader::failed);
        loader.load(QString::fromStdString(cut.string()));
        QCOMPARE(failed.count(), 0);
        QCOMPARE(loaded.count(), 1);
        auto t = loaded.at(0).at(0).value<LoadedTrace>();
        QVERIFY(t.recovered);
        QVERIFY(t.recoveryMessage.contains("recovered"));
        Session s;
        QSignalSpy errors(&s, &Session::error);
        const bool opened = s.open(t);
        if (!opened) qWarning() << errors << t.recoveryMessage;
        QVERIFY(opened);
        QVERIFY(s.eventCount() > 0 && s.eventCount() < fullEvents);
        s.goToEnd();
        QCOMPARE(s.position(), s.eventCount() - 1);
    }

    void corruptTraceGivesAMessage() {
        auto bytes = test::readFile(trace_.toStdString());
        const auto bad = *dir_ / "bad.reel";
        for (size_t i = 0; i < 64 && i < bytes.size(); ++i) bytes[i] ^= 0x5A;
        test::writeFile(bad, bytes.data(), bytes.size());
        TraceLoader loader;
        QSignalSpy failed(&loader, &TraceLoader::failed);
        loader.load(QString::fromStdString(bad.string()));
        QCOMPARE(failed.count(), 1);
        QVERIFY(failed.at(0).at(1).toString().contains("damaged"));

        loader.load(QString::fromStdString((*dir_ / "missing.reel").string()));
        QCOMPARE(failed.count(), 2);
        QVERIFY(failed.at(1).at(1).toString().startsWith("Cannot"));
    }
};

QTEST_GUILESS_MAIN(TestModels)
#include "test_models.moc"
