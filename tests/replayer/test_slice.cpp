// `reel slice` (TraceSlicer): a slice replays to exactly the original's states at every kept event,
// with the original's event numbers, starting from a Checkpoint chunk (format 1.1).

#include <catch2/catch.hpp>

#include <random>

#include "reel/format/Container.h"
#include "reel/format/TraceReader.h"
#include "reel/replayer/EventCursor.h"
#include "reel/replayer/Navigator.h"
#include "reel/replayer/Replayer.h"
#include "reel/replayer/TraceSlicer.h"
#include "replayer/RandomProgram.h"
#include "replayer/ReplayFixture.h"

using namespace reel::test;
using namespace reel::replayer;
using reel::format::TraceReader;

namespace {

SliceOptions window(uint64_t from, uint64_t to) {
    SliceOptions o;
    o.from = from;
    o.to = to;
    o.durable = false;
    o.eventsPerChunk = 211;  // several chunks per slice, cut at odd places
    return o;
}

// The slice at `path` holds exactly events first..last of `orig`, each with the original's state,
// output and exceptions; a sequential walk (EventCursor) agrees with the seeks.
void requireSameStates(Replayer& orig, const std::filesystem::path& path, uint64_t first,
                       uint64_t last) {
    Replayer::Options opt;
    opt.checkpointInterval = 16;  // many blocks: seeks restore in-slice checkpoints
    Replayer sl(path, opt);
    REQUIRE(sl.firstEvent() == first);
    REQUIRE(sl.lastEvent() == last);
    REQUIRE(sl.reader().verifyAll().empty());
    TraceReader reader(path);
    EventCursor cur(reader);
    for (uint64_t n = first; n <= last; ++n) {
        INFO("event " << n << " of slice " << first << ".." << last);
        ProgramState want = orig.stateAt(n);
        // The original's final flush counts at its last event; the slice keeps it only when it
        // reaches that event, as the original does.
        REQUIRE(sl.stateAt(n) == want);
        REQUIRE(cur.next());
        ProgramState seq = cur.state();
        if (n == last) seq.outputBytes = want.outputBytes;
        REQUIRE(seq == want);
        if (n == first || n == last || n % 97 == 0)
            for (uint32_t k = 1; k <= 2; ++k) REQUIRE(sl.outputText(k, n) == orig.outputText(k, n));
    }
    REQUIRE_FALSE(cur.next());
    // Backward seeks too (a different path through the checkpoints).
    for (uint64_t n = last + 1; n-- > first;) REQUIRE(sl.stateAt(n) == orig.stateAt(n));
    // Exceptions raised inside the window are listed with the original's indices and outcome.
    for (const auto& x : sl.exceptions()) {
        REQUIRE(x.index < orig.exceptions().size());
        const auto& o = orig.exceptions()[x.index];
        CHECK(x.raisedAt == o.raisedAt);
        CHECK(x.raisedAt >= first);
        if (o.endEvent != kNoEvent && o.endEvent <= last) {
            CHECK(x.outcome == o.outcome);
            CHECK(x.endEvent == o.endEvent);
        }
    }
    size_t inWindow = 0;
    for (const auto& o : orig.exceptions()) inWindow += o.raisedAt >= first && o.raisedAt <= last;
    CHECK(sl.exceptions().size() == inWindow);
}

}  // namespace

TEST_CASE("a slice replays to the original's states at every kept event", "[slice]") {
    TempDir dir;
    const auto path = dir / "orig.reel";
    const uint64_t seed = GENERATE(1, 2, 3);
    ProgramBuilder pb(97);
    randomProgram(pb, {seed, 3000, 3});
    pb.write(path);
    Replayer orig(path);
    const uint64_t last = orig.lastEvent();
    REQUIRE(last > 1000);

    std::mt19937_64 rng(seed);
    std::vector<std::pair<uint64_t, uint64_t>> windows = {{0, last},    {0, 40}, {last - 40, last},
                                                          {last, last}, {0, 0},  {517, 517}};
    for (int i = 0; i < 4; ++i) {
        uint64_t a = rng() % last, b = rng() % last;
        windows.push_back({std::min(a, b), std::max(a, b)});
    }
    int k = 0;
    for (auto [a, b] : windows) {
        const auto out = dir / ("slice" + std::to_string(k++) + ".reel");
        SliceResult r = sliceTrace(orig, out, window(a, b));
        CHECK(r.first == a);
        CHECK(r.last == b);
        CHECK(r.checkpoint == (a > 0));
        TraceReader rd(out);
        // A checkpoint makes 1.0 readers refuse the file; a window from 0 stays 1.0-readable.
        CHECK(rd.header().requiredReaderMinor == (a > 0 ? 1 : 0));
        CHECK(rd.header().argv == orig.reader().header().argv);
        CHECK(rd.defs().codes.size() == orig.defs().codes.size());
        requireSameStates(orig, out, a, b);
    }
}

TEST_CASE("a slice starting inside a cleanup handler still re-raises the handled exception",
          "[slice]") {
    // The checkpoint carries the exception each frame's handler caught: the RERAISE at the end of
    // a `finally` (an UNWIND with nothing in flight) resumes it in the slice as in the original.
    TempDir dir;
    const auto path = dir / "orig.reel";
    ProgramBuilder pb(5);
    const uint32_t outer = pb.code("outer", 1, {2, 2, 3}, {});
    const uint32_t middle = pb.code("middle", 10, {11, 11, 12, 12}, {});
    const ValueRef err = pb.value("ValueError(5)");
    pb.threadRecord(0, "MainThread");
    pb.thread(0);
    pb.call(outer);        // 0
    pb.op(0);              // 1
    pb.call(middle);       // 2
    pb.op(0);              // 3
    pb.exception(err, 0);  // 4 raised in middle
    pb.handled(4);         //   `finally`
    pb.op(4);              // 5
    pb.op(6);              // 6
    pb.unwind(6);          // 7 RERAISE
    pb.exception(err, 2);  // 8 reached outer
    pb.unwind(2);          // 9 uncaught
    pb.write(path);
    Replayer orig(path);
    REQUIRE(orig.exceptions().size() == 1);
    REQUIRE(orig.exceptions()[0].outcome == ExceptionInfo::Outcome::Uncaught);
    for (uint64_t from : {5, 6, 7}) {
        const auto out = dir / ("s" + std::to_string(from) + ".reel");
        sliceTrace(orig, out, window(from, 9));
        requireSameStates(orig, out, from, 9);
        Replayer sl(out);
        REQUIRE(sl.stateAt(8).threads[0].exception);
        CHECK(sl.stateAt(8).threads[0].exception->raisedAt == 4);
    }
}

TEST_CASE("a slice of a slice keeps the original's numbering and states", "[slice]") {
    TempDir dir;
    ProgramBuilder pb(97);
    randomProgram(pb, {7, 3000, 2});
    pb.write(dir / "orig.reel");
    Replayer orig(dir / "orig.reel");
    sliceTrace(orig, dir / "a.reel", window(800, 2500));
    Replayer a(dir / "a.reel");
    // Same start: the checkpoint is carried over as is.
    sliceTrace(a, dir / "b.reel", window(800, 1200));
    requireSameStates(orig, dir / "b.reel", 800, 1200);
    sliceTrace(a, dir / "c.reel", window(1500, 2500));
    requireSameStates(orig, dir / "c.reel", 1500, 2500);
    TraceReader c(dir / "c.reel");
    REQUIRE(c.checkpoint());
    CHECK(c.checkpoint()->firstEvent == 1500);
    // Out of the slice's range: a clear error naming the range.
    try {
        sliceTrace(a, dir / "d.reel", window(100, 900));
        FAIL("expected SliceRangeError");
    } catch (const SliceRangeError& e) {
        CHECK(std::string(e.what()) ==
              "--from 100 is out of range: the trace has events 800..2500");
    }
    CHECK_THROWS_WITH(a.stateAt(799), Catch::Contains("800..2500"));
}

TEST_CASE("indexing progress of a slice counts from its first event", "[slice]") {
    TempDir dir;
    ProgramBuilder pb(31);
    randomProgram(pb, {5, 20000, 1});
    pb.write(dir / "orig.reel");
    Replayer orig(dir / "orig.reel");
    sliceTrace(orig, dir / "late.reel", window(15000, 19999));
    Replayer::Options opt;
    opt.checkpointInterval = 16;  // progress is reported every 64 blocks
    std::vector<std::pair<uint64_t, uint64_t>> reports;
    Replayer late(dir / "late.reel", opt, [&](uint64_t done, uint64_t total) {
        reports.emplace_back(done, total);
        return true;
    });
    REQUIRE(reports.size() >= 2);
    const uint64_t kept = late.eventCount() - late.firstEvent();
    CHECK(kept == 5000);
    // The first report is early in the slice, not three quarters done.
    CHECK(reports.front().first <= 64 * 16);
    for (const auto& [done, total] : reports) {
        CHECK(total == kept);
        CHECK(done <= total);
    }
    CHECK(reports.back() == std::make_pair(kept, kept));
}

TEST_CASE("navigation in a slice stops at its first and last event", "[slice]") {
    TempDir dir;
    ProgramBuilder pb(97);
    randomProgram(pb, {11, 2000, 2});
    pb.write(dir / "orig.reel");
    Replayer orig(dir / "orig.reel");
    sliceTrace(orig, dir / "s.reel", window(300, 900));
    Replayer sl(dir / "s.reel");
    Navigator nav(sl);
    CHECK(nav.position() == 300);
    CHECK(nav.atStart());
    NavResult r = nav.stepInto(Direction::Backward, Granularity::Instruction);
    CHECK(r.reason == StopReason::AtStart);
    CHECK(r.event == 300);
    CHECK(nav.goToEnd().event == 900);
    CHECK(nav.goToStart().event == 300);
    // Steps inside the window land where the original's do.
    Navigator on(orig);
    for (uint64_t start : {300u, 450u, 700u}) {
        nav.goTo(start);
        on.goTo(start);
        for (int i = 0; i < 50; ++i) {
            NavResult a = nav.stepOver(Direction::Forward, Granularity::Line);
            NavResult b = on.stepOver(Direction::Forward, Granularity::Line);
            if (b.event > 900) {
                CHECK(a.reason == StopReason::AtEnd);
                break;
            }
            REQUIRE(a.event == b.event);
            REQUIRE(nav.state() == on.state());
        }
        for (int i = 0; i < 50; ++i) {
            NavResult a = nav.stepInto(Direction::Backward, Granularity::Line);
            NavResult b = on.stepInto(Direction::Backward, Granularity::Line);
            if (b.event < 300) {
                CHECK(a.reason == StopReason::AtStart);
                break;
            }
            REQUIRE(a.event == b.event);
        }
    }
}

TEST_CASE("slice windows by time and thread; bad windows are clear errors", "[slice]") {
    TempDir dir;
    ProgramBuilder pb(97);
    randomProgram(pb, {5, 3000, 3});
    pb.write(dir / "orig.reel");
    Replayer orig(dir / "orig.reel");
    const uint64_t last = orig.lastEvent();

    auto bad = [&](SliceOptions o, const std::string& msg) {
        o.durable = false;
        INFO(msg);
        CHECK_THROWS_WITH(sliceTrace(orig, dir / "bad.reel", o), Catch::Contains(msg));
        CHECK_FALSE(std::filesystem::exists(dir / "bad.reel"));
    };
    bad(window(10, 5), "empty window");
    bad(window(0, last + 1), "--to " + std::to_string(last + 1) + " is out of range");
    bad(window(last + 5, last + 6),
        "out of range: the trace has events 0.." + std::to_string(last));
    SliceOptions th = window(0, last);
    th.thread = 77;
    bad(th, "no such thread");
    SliceOptions neg;
    neg.fromTime = -1;
    bad(neg, "seconds");
    SliceOptions zero;
    zero.last = 0;
    bad(zero, "--last must keep at least one event");
    SliceOptions tail = window(100, 600);
    tail.last = 50;
    CHECK(resolveSliceWindow(orig, tail) == std::make_pair(uint64_t{551}, uint64_t{600}));

    // Thread: the window narrows to that thread's first..last event inside it.
    const uint32_t t = orig.threadIds().back();
    SliceOptions o = window(100, last - 100);
    o.thread = t;
    auto [a, b] = resolveSliceWindow(orig, o);
    CHECK(orig.stateAt(a).thread == t);
    CHECK(orig.stateAt(b).thread == t);
    for (uint64_t n = 100; n < a; ++n) REQUIRE(orig.stateAt(n).thread != t);
    for (uint64_t n = b + 1; n <= last - 100; ++n) REQUIRE(orig.stateAt(n).thread != t);
    sliceTrace(orig, dir / "thread.reel", o);
    requireSameStates(orig, dir / "thread.reel", a, b);

    // Time: events whose latest TIME record lies in [fromTime, toTime].
    const int64_t t0 = orig.stateAt(last / 3).timeNs, t1 = orig.stateAt(2 * last / 3).timeNs;
    REQUIRE(t1 > t0);
    SliceOptions tm;
    tm.durable = false;
    tm.fromTime = static_cast<double>(t0) / 1e9;
    tm.toTime = static_cast<double>(t1) / 1e9;
    auto [ta, tb] = resolveSliceWindow(orig, tm);
    CHECK(orig.stateAt(ta).timeNs >= t0);
    CHECK(orig.stateAt(ta - 1).timeNs < t0);
    CHECK(orig.stateAt(tb).timeNs <= t1);
    if (tb < last) CHECK(orig.stateAt(tb + 1).timeNs > t1);
}

TEST_CASE("output before the window is carried, or marked as elided", "[slice]") {
    TempDir dir;
    ProgramBuilder pb(50);
    const uint32_t c = pb.code("<module>", 1, {1, 2, 3, 4}, {}, true);
    pb.threadRecord(0, "MainThread");
    pb.call(c);
    for (int i = 0; i < 200; ++i) {
        pb.output(1, "line " + std::to_string(i) + "\n");
        if (i % 3 == 0) pb.output(2, "err " + std::to_string(i) + "\n");
        pb.op(static_cast<uint32_t>(2 * (i % 4)));
    }
    pb.ret(reel::format::ValueRef::constant(reel::format::Constant::None), 6);
    pb.output(1, "final flush\n");
    pb.write(dir / "orig.reel");
    Replayer orig(dir / "orig.reel");
    sliceTrace(orig, dir / "full.reel", window(150, orig.lastEvent()));
    {
        Replayer sl(dir / "full.reel");
        for (uint64_t n : {uint64_t{150}, uint64_t{151}, uint64_t{180}, sl.lastEvent()})
            for (uint32_t k = 1; k <= 2; ++k) CHECK(sl.outputText(k, n) == orig.outputText(k, n));
        CHECK(sl.outputText(1, sl.lastEvent()).find("final flush") != std::string::npos);
        // The console's tail view.
        CHECK(sl.outputText(1, 180, 20) == orig.outputText(1, 180, 20));
    }
    SliceOptions o = window(150, 160);
    o.maxCarriedOutput = 30;
    sliceTrace(orig, dir / "cut.reel", o);
    Replayer sl(dir / "cut.reel");
    const std::string all = orig.outputText(1, 155);
    CHECK(sl.outputSize(1, 155) == orig.outputSize(1, 155));
    const std::string text = sl.outputText(1, 155);
    CHECK(text.rfind("[", 0) == 0);
    const uint64_t elided = orig.outputSize(1, 149) - 30;
    CHECK(text.rfind(
              "[" + std::to_string(elided) + " earlier bytes of stdout are not in this slice]\n",
              0) == 0);
    CHECK(all.size() > 30);
    CHECK(text.substr(text.size() - 30) == all.substr(all.size() - 30));
    // A tail request inside the carried bytes needs no marker.
    CHECK(sl.outputText(1, 155, 10) == orig.outputText(1, 155, 10));

    // outputChunks says the same with a note chunk per stream, first, flagged as a note (not
    // counted as output), when the chunks reach back to the carried bytes.
    const auto chunks = sl.outputChunks(155);
    REQUIRE(chunks.size() >= 2);
    const uint64_t elidedErr = orig.outputSize(2, 149) - 30;
    CHECK(chunks[0].isNote());
    CHECK(chunks[0].stream == 1);
    CHECK(chunks[0].elidedBytes == elided);
    CHECK(chunks[0].event == 150);
    CHECK(chunks[0].text ==
          "[" + std::to_string(elided) + " earlier bytes of stdout are not in this slice]\n");
    CHECK(chunks[1].isNote());
    CHECK(chunks[1].stream == 2);
    CHECK(chunks[1].elidedBytes == elidedErr);
    CHECK(chunks[1].text ==
          "[" + std::to_string(elidedErr) + " earlier bytes of stderr are not in this slice]\n");
    std::string out, err;
    for (size_t i = 2; i < chunks.size(); ++i) {
        CHECK_FALSE(chunks[i].isNote());
        (chunks[i].stream == 1 ? out : err) += chunks[i].text;
    }
    CHECK(out == all.substr(all.size() - out.size()));
    CHECK(out.size() == sl.outputSize(1, 155) - elided);
    CHECK(err.size() == sl.outputSize(2, 155) - elidedErr);
    // A tail that does not reach back that far has no note.
    for (const auto& c : sl.outputChunks(155, 40)) CHECK_FALSE(c.isNote());
    // Nothing elided, nothing noted.
    Replayer full(dir / "full.reel");
    for (const auto& c : full.outputChunks(155)) CHECK_FALSE(c.isNote());
    // The slice ends before the final flush: it is not there.
    CHECK(sl.outputText(1, 160).find("final flush") == std::string::npos);
}

namespace {

// `runs` with each stream cut to its last `max` bytes (what a slice carries).
OutputRuns lastBytesPerStream(OutputRuns runs, size_t max) {
    size_t total[2] = {0, 0};
    for (const auto& [k, t] : runs) total[k - 1] += t.size();
    size_t drop[2] = {total[0] > max ? total[0] - max : 0, total[1] > max ? total[1] - max : 0};
    OutputRuns out;
    for (auto& [k, t] : runs) {
        const size_t d = std::min(drop[k - 1], t.size());
        drop[k - 1] -= d;
        if (d < t.size()) {
            if (!out.empty() && out.back().first == k)
                out.back().second += t.substr(d);
            else
                out.emplace_back(k, t.substr(d));
        }
    }
    return out;
}

}  // namespace

TEST_CASE("output carried into a slice keeps the order it was written in", "[slice]") {
    TempDir dir;
    ProgramBuilder pb(51);
    const uint32_t c = pb.code("<module>", 1, {1, 2, 3, 4}, {}, true);
    pb.threadRecord(0, "MainThread");
    pb.call(c);
    for (int i = 0; i < 200; ++i) {
        pb.output(1, "line " + std::to_string(i) + "\n");
        if (i % 3 == 0) pb.output(2, "err " + std::to_string(i) + "\n");
        if (i % 7 == 0) pb.output(1, "more " + std::to_string(i) + "\n");  // two stdout writes
        pb.op(static_cast<uint32_t>(2 * (i % 4)));
    }
    pb.ret(reel::format::ValueRef::constant(reel::format::Constant::None), 6);
    pb.write(dir / "orig.reel");
    Replayer orig(dir / "orig.reel");

    // Everything carried: the slice's output at every event is the original's, in write order.
    sliceTrace(orig, dir / "all.reel", window(150, orig.lastEvent()));
    {
        Replayer sl(dir / "all.reel");
        const TraceReader r(dir / "all.reel");
        REQUIRE(r.checkpoint());
        CHECK(r.checkpoint()->outputOrder.size() > 50);  // the streams alternate
        for (uint64_t n : {uint64_t{150}, uint64_t{151}, uint64_t{180}, sl.lastEvent()}) {
            INFO("event " << n);
            CHECK(outputRuns(sl.outputChunks(n)) == outputRuns(orig.outputChunks(n)));
            for (uint32_t k = 1; k <= 2; ++k) CHECK(sl.outputText(k, n) == orig.outputText(k, n));
        }
        // The carried output belongs to the slice's first event; later writes to their own.
        for (const auto& ch : sl.outputChunks(sl.lastEvent())) CHECK(ch.event >= 150);
        // Tails of the interleaved output, cut anywhere, are the original's tails.
        for (size_t max : {size_t{1}, size_t{7}, size_t{100}, size_t{1000}})
            CHECK(outputRuns(sl.outputChunks(160, max)) == outputRuns(orig.outputChunks(160, max)));
    }

    // Only the last 30 bytes of each stream carried: in their order, after the notes.
    SliceOptions o = window(150, 170);
    o.maxCarriedOutput = 30;
    sliceTrace(orig, dir / "cut.reel", o);
    Replayer cut(dir / "cut.reel");
    // Expected at event 150: the last 30 bytes of each stream written before it, in write order,
    // then what event 150 itself wrote.
    std::vector<OutputChunk> expect;
    for (const auto& [k, t] : lastBytesPerStream(outputRuns(orig.outputChunks(149)), 30))
        expect.push_back({150, k, t});
    for (const auto& ch : orig.outputChunks(150))
        if (ch.event == 150) expect.push_back(ch);
    REQUIRE(outputRuns(expect).size() >= 4);  // both streams, interleaved
    const auto chunks = cut.outputChunks(150);
    REQUIRE(chunks.size() >= 2);
    CHECK(chunks[0].isNote());
    CHECK(chunks[1].isNote());
    CHECK(outputRuns(chunks) == outputRuns(expect));

    // A slice of that slice carries the same order (and what the first one did not carry stays
    // counted as elided, with no note text inside the tails).
    sliceTrace(cut, dir / "again.reel", window(160, 170));
    Replayer again(dir / "again.reel");
    CHECK(outputRuns(again.outputChunks(165)) == outputRuns(cut.outputChunks(165)));
    for (uint32_t k = 1; k <= 2; ++k) {
        CHECK(again.outputSize(k, 165) == orig.outputSize(k, 165));
        CHECK(again.reader().checkpoint()->outputTail[k - 1].find("not in this slice") ==
              std::string::npos);
    }
}

TEST_CASE("output alternating more often than a checkpoint keeps: the latest runs, in order",
          "[slice]") {
    TempDir dir;
    ProgramBuilder pb(1000);
    const uint32_t c = pb.code("<module>", 1, {1, 2}, {}, true);
    pb.threadRecord(0, "MainThread");
    pb.call(c);
    const size_t writes = (size_t{1} << 18) + 1000;  // OutputTail::kMaxRuns + 1000
    for (size_t i = 0; i < writes; ++i) {
        pb.output(i % 2 ? 2 : 1, std::string(1, static_cast<char>('a' + i % 26)));
        if (i % 1000 == 0) pb.op(0);
    }
    pb.op(2);
    pb.op(0);
    pb.ret(reel::format::ValueRef::constant(reel::format::Constant::None), 2);
    pb.write(dir / "orig.reel");
    Replayer orig(dir / "orig.reel");
    const uint64_t first = orig.lastEvent() - 1;
    sliceTrace(orig, dir / "s.reel", window(first, orig.lastEvent()));
    Replayer sl(dir / "s.reel");
    const auto& cp = *sl.reader().checkpoint();
    CHECK(cp.outputOrder.size() == (size_t{1} << 18));
    CHECK(cp.outputTail[0].size() + cp.outputTail[1].size() == (size_t{1} << 18));
    const OutputRuns all = outputRuns(orig.outputChunks(first));
    REQUIRE(all.size() == writes);
    const auto chunks = sl.outputChunks(first);
    CHECK(outputRuns(chunks) ==
          OutputRuns(all.end() - static_cast<ptrdiff_t>(size_t{1} << 18), all.end()));
    // The 1000 oldest runs count as elided, 500 bytes per stream.
    REQUIRE(chunks.size() > 2);
    CHECK(chunks[0].elidedBytes == 500);
    CHECK(chunks[1].elidedBytes == 500);
}

TEST_CASE("checkpoint output order: written, read back, checked", "[slice][format]") {
    using namespace reel::format;
    TempDir dir;
    auto write = [&](const std::filesystem::path& path, std::vector<OutputRun> order) {
        Checkpoint cp;
        cp.firstEvent = 10;
        cp.outputBytes = {9, 4};
        cp.outputTail = {"abcdefghi", "WXYZ"};
        cp.outputOrder = std::move(order);
        auto opt = testOptions();
        opt.requiredReaderMinor = kCheckpointReaderMinor;
        TraceWriter w(path, sampleHeader(), opt);
        Batch b;
        b.checkpoint = cp;
        w.append(std::move(b));
        w.close({});
    };
    const std::vector<OutputRun> order = {{1, 3}, {2, 1}, {1, 6}, {2, 3}};
    write(dir / "ok.reel", order);
    CHECK(TraceReader(dir / "ok.reel").checkpoint()->outputOrder == order);
    write(dir / "none.reel", {});  // a checkpoint written before the order was kept
    CHECK(TraceReader(dir / "none.reel").checkpoint()->outputOrder.empty());
    // Runs that do not tile the tails exactly are damage.
    for (const auto& bad :
         std::vector<std::vector<OutputRun>>{{{1, 9}},                  // stderr's tail has no run
                                             {{1, 3}, {2, 4}, {1, 7}},  // more stdout than its tail
                                             {{1, 9}, {2, 0}, {2, 4}}}) {  // an empty run
        write(dir / "bad.reel", bad);
        CHECK_THROWS_WITH(TraceReader(dir / "bad.reel"),
                          Catch::Contains("output order does not match its output tails"));
    }
}

TEST_CASE("checkpoint chunks: writer rules, reader view, recovery", "[slice][format]") {
    using namespace reel::format;
    TempDir dir;
    ProgramBuilder pb(97);
    randomProgram(pb, {3, 1500, 2});
    pb.write(dir / "orig.reel");
    Replayer orig(dir / "orig.reel");
    sliceTrace(orig, dir / "s.reel", window(400, 1200));

    TraceReader r(dir / "s.reel");
    REQUIRE(r.checkpoint());
    CHECK(r.firstEvent() == 400);
    CHECK(r.eventCount() == 1201);
    CHECK(r.checkpoint()->firstEvent == 400);
    CHECK(r.checkpoint()->originalEventCount == orig.eventCount());
    CHECK(r.checkpoint()->originalPath == "orig.reel");
    CHECK_THROWS_AS(r.findEventChunk(399), std::out_of_range);
    CHECK(r.findEventChunk(400) == 0);
    // The checkpoint holds the state before event 400, field for field.
    const ProgramState before = orig.stateAt(399);
    CHECK(r.checkpoint()->exceptionCount == before.exceptionCount);
    CHECK(r.checkpoint()->outputBytes == before.outputBytes);
    size_t seen = 0;
    for (const auto& t : before.threads) seen += t.seen;
    CHECK(r.checkpoint()->threads.size() == seen);

    SECTION("writer rules") {
        Checkpoint cp;
        cp.firstEvent = 10;
        Batch b;
        b.checkpoint = cp;
        {
            TraceWriter w(dir / "w1.reel", sampleHeader(), testOptions());  // reader minor 0
            CHECK_THROWS_AS(w.append(std::move(b)), std::invalid_argument);
        }
        auto opt = testOptions();
        opt.requiredReaderMinor = kCheckpointReaderMinor;
        TraceWriter w(dir / "w2.reel", sampleHeader(), opt);
        Batch zero;
        zero.checkpoint = Checkpoint{};  // firstEvent 0
        CHECK_THROWS_AS(w.append(std::move(zero)), std::invalid_argument);
        Batch ev;
        ev.checkpoint = cp;
        ev.firstEvent = 11;  // must continue at the checkpoint's first event
        ev.eventCount = 1;
        ev.tags = {tag::kOpcodeAbs};
        ev.args = {0};
        CHECK_THROWS_AS(w.append(std::move(ev)), std::invalid_argument);
    }
    SECTION("a reader older than 1.1 refuses the file") {
        // What a 1.0 reader checks: requiredReaderMinor (1) > its minor (0). Emulated by raising
        // the requirement above this reader's minor.
        CHECK(r.header().requiredReaderMinor == kCheckpointReaderMinor);
        CHECK(kFormatMinor >= kCheckpointReaderMinor);
    }
    SECTION("an unclosed slice recovers from its checkpoint") {
        auto bytes = readFile(dir / "s.reel");
        writeFile(dir / "cut.reel", bytes.data(), bytes.size() - 200);  // trailer and footer gone
        TraceReader cut(dir / "cut.reel");
        CHECK(cut.recovery().recovered);
        REQUIRE(cut.checkpoint());
        CHECK(cut.firstEvent() == 400);
        Replayer rc(dir / "cut.reel");
        CHECK(rc.firstEvent() == 400);
        for (uint64_t n = 400; n <= rc.lastEvent(); n += 7)
            REQUIRE(rc.stateAt(n) == orig.stateAt(n));
    }
    SECTION("damage in a slice is TraceFormatError, never a crash") {
        const auto good = readFile(dir / "s.reel");
        // Every byte of the checkpoint chunk and a stride over the rest.
        uint64_t cpAt = 0, cpEnd = 0;
        for (const auto& c : r.chunks())
            if (c.kind == 5) cpAt = c.offset, cpEnd = c.offset + 48 + c.compressedSize;
        REQUIRE(cpEnd > cpAt);
        int opened = 0, refused = 0;
        for (size_t i = 0; i < good.size(); i += (i >= cpAt && i < cpEnd) ? 1 : 61) {
            auto bytes = good;
            bytes[i] ^= 0x5A;
            writeFile(dir / "bad.reel", bytes.data(), bytes.size());
            try {
                Replayer bad(dir / "bad.reel");
                if (bad.eventCount() > bad.firstEvent()) bad.stateAt(bad.lastEvent());
                ++opened;
            } catch (const TraceFormatError&) {
                ++refused;
            }
        }
        CHECK(refused > 0);
        INFO(opened << " opened, " << refused << " refused");
    }
}

// A slice (Checkpoint chunk) in the reader fuzzer's seed corpus, next to the seeds of
// tests/format/test_fuzz_seeds.cpp (same tag: CTest's seed-writing step runs both).
TEST_CASE("write slice fuzz seeds", "[.fuzz-seeds]") {
    const char* env = std::getenv("REEL_SEED_DIR");
    REQUIRE(env != nullptr);
    std::filesystem::path dir(env);
    std::filesystem::create_directories(dir);
    TempDir tmp;
    ProgramBuilder pb(40);
    randomProgram(pb, {9, 300, 2});
    pb.write(tmp / "orig.reel");
    Replayer orig(tmp / "orig.reel");
    sliceTrace(orig, dir / "slice.reel", window(120, 260));
    TraceReader r(dir / "slice.reel");
    CHECK(r.checkpoint());
}

TEST_CASE("records of the window's first event at the end of an earlier chunk are kept",
          "[slice]") {
    using namespace reel::format;
    TempDir dir;
    // Batch 1: CALL f, OPCODE, then LOCAL_SET and OUTPUT that belong to event 2 (in batch 2).
    CodeObject f;
    f.id = 0;
    f.qualname = f.name = "f";
    f.filename = "/work/prog.py";
    f.firstLine = 1;
    f.localNames = {"a"};
    f.localKinds = {0x20};
    for (uint32_t k = 0; k < 4; ++k) {
        Instruction in;
        in.offset = 2 * k;
        in.opcode = 1;
        in.opname = "NOP";
        in.line = 2 + static_cast<int32_t>(k);
        in.size = 2;
        f.instructions.push_back(in);
    }
    f.bytecode.assign(8, 0);
    EventEncoder e1;
    e1.call(0, -1);
    e1.opcode(0);
    e1.localSet(0, ValueRef::smallInt(41));
    e1.output(1, "hi\n", 3);
    Batch b1;
    b1.defs.codes = {f};
    b1.defs.threads = {{0, 1, 2, "MainThread", true}};
    b1.firstEvent = 0;
    b1.eventCount = e1.eventCount;
    b1.tags = e1.tags;
    b1.args = e1.args;
    b1.blobs = e1.blobs;
    EventEncoder e2;
    e2.opcode(2);
    e2.localSet(0, ValueRef::smallInt(42));
    e2.opcode(4);
    e2.ret(ValueRef::smallInt(42), 4);
    Batch b2;
    b2.firstEvent = 2;
    b2.eventCount = e2.eventCount;
    b2.tags = e2.tags;
    b2.args = e2.args;
    b2.startNextFrameId = 1;
    {
        TraceWriter w(dir / "orig.reel", sampleHeader(), testOptions());
        w.append(std::move(b1));
        w.append(std::move(b2));
        w.close({ExitKind::Exited, 0, ""});
    }
    Replayer orig(dir / "orig.reel");
    REQUIRE(orig.lastEvent() == 4);
    REQUIRE(orig.stateAt(2).threads[0].stack[0].slots[0].value == ValueRef::smallInt(41));
    for (uint64_t from = 1; from <= 4; ++from) {
        const auto out = dir / ("s" + std::to_string(from) + ".reel");
        sliceTrace(orig, out, window(from, 4));
        requireSameStates(orig, out, from, 4);
    }
}
