// The library API the front ends asked for (issue 4, "Navigation"): enabling and disabling
// breakpoints, break-on-raise filtered by handled/unhandled and exception type, cancellable
// searches, the shared condition evaluator, and output interleaved with events.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "reel/replayer/CodeOrigin.h"
#include "reel/replayer/ConditionExpr.h"
#include "reel/replayer/EventCursor.h"
#include "reel/replayer/FileMatch.h"
#include "reel/replayer/Navigator.h"
#include "reel/replayer/Replayer.h"
#include "reel/replayer/TraceSlicer.h"
#include "reel/replayer/UnicodePrintable.h"
#include "reel/replayer/ValueLookup.h"
#include "reel/replayer/ValueRenderer.h"
#include "reel/replayer/ValueSource.h"
#include "replayer/RandomProgram.h"
#include "replayer/ReplayFixture.h"

using namespace reel::test;
using namespace reel::replayer;

namespace {

struct Written {
    uint64_t event;
    uint32_t stream;
    std::string text;
    bool operator==(const Written&) const = default;
};

// main.py:
//   1 def main():
//   2     for i in range(N):          offset 0
//   3         x = i * 10              offset 2   (x changes here)
//   4         print(...)              offset 4   (stdout; a raise at i == 1 (handled ValueError)
//   5         ...                     offset 6    and at i == 3 (handled KeyError))
//   6         sys.stderr.write(...)   offset 8   (stderr at odd i)
//   at the end: RuntimeError raised on line 6 and never handled.
struct Program {
    TempDir dir;
    std::filesystem::path path = dir.path() / "main.reel";
    std::vector<Written> output;
    std::vector<uint64_t> line4Hits;  // events of the OPCODEs that start line 4
    uint64_t valueErrorAt = 0, keyErrorAt = 0, runtimeErrorAt = 0;

    explicit Program(int iterations = 6) {
        ProgramBuilder pb(50);
        const uint32_t mainCode =
            pb.code("main", 1, {2, 3, 4, 5, 6}, {"i", "x"}, false, "/src/main.py");
        const uint32_t valueError = pb.type("ValueError");
        const uint32_t keyError = pb.type("KeyError");
        const uint32_t runtimeError = pb.type("RuntimeError");
        const uint32_t myError = pb.type("MyError", "app.errors");
        (void)myError;
        pb.threadRecord(0, "MainThread");
        pb.thread(0);
        pb.call(mainCode);
        auto out = [&](uint32_t stream, const std::string& text) {
            pb.output(stream, text);
            output.push_back({pb.events(), stream, text});  // belongs to the next event
        };
        for (int i = 0; i < iterations; ++i) {
            pb.op(0);
            pb.set(0, ValueRef::smallInt(i));
            pb.op(2);
            pb.set(1, ValueRef::smallInt(i * 10));
            out(1, "line " + std::to_string(i) + "\n");
            line4Hits.push_back(pb.events());
            pb.op(4);
            if (i == 1 || i == 3) {
                const uint64_t at = pb.events();
                (i == 1 ? valueErrorAt : keyErrorAt) = at;
                pb.exception(pb.exceptionValue(i == 1 ? valueError : keyError, "bad"), 4);
                pb.handled(6);
            }
            pb.op(6);
            if (i % 2) out(2, "err " + std::to_string(i) + "\n");
            pb.op(8);
        }
        runtimeErrorAt = pb.events();
        pb.exception(pb.exceptionValue(runtimeError, "end"), 8);
        pb.unwind(8);
        pb.write(path);
    }
};

}  // namespace

TEST_CASE("setBreakpointEnabled disables a breakpoint without deleting it", "[replayer][api]") {
    Program p;
    Replayer rep(p.path);
    Navigator nav(rep);
    const int id = nav.addBreakpoint({"main.py", 4, {}, true});
    NavResult r = nav.continueRun(Direction::Forward);
    CHECK(r.reason == StopReason::Breakpoint);
    CHECK(r.event == p.line4Hits[0]);

    REQUIRE(nav.setBreakpointEnabled(id, false));
    REQUIRE(nav.breakpoint(id) != nullptr);
    CHECK_FALSE(nav.breakpoint(id)->enabled);
    CHECK(nav.breakpointIds() == std::vector<int>{id});
    r = nav.continueRun(Direction::Forward);
    CHECK(r.reason == StopReason::AtEnd);
    r = nav.continueRun(Direction::Backward);
    CHECK(r.reason == StopReason::AtStart);

    REQUIRE(nav.setBreakpointEnabled(id, true));
    nav.goToEnd();
    r = nav.continueRun(Direction::Backward);
    CHECK(r.reason == StopReason::Breakpoint);
    CHECK(r.breakpointId == id);
    CHECK(r.event == p.line4Hits.back());

    CHECK_FALSE(nav.setBreakpointEnabled(id + 100, false));

    // toBreakpointHit: one breakpoint's hits, enabled or not, ignoring the others.
    const int other = nav.addBreakpoint({"main.py", 3, {}, true});
    nav.setBreakpointEnabled(id, false);
    nav.goToStart();
    for (size_t k = 0; k < p.line4Hits.size(); ++k) {
        r = nav.toBreakpointHit(Direction::Forward, id);
        CHECK(r.reason == StopReason::Breakpoint);
        CHECK(r.breakpointId == id);
        CHECK(r.event == p.line4Hits[k]);
    }
    r = nav.toBreakpointHit(Direction::Forward, id);
    CHECK(r.reason == StopReason::NotFound);
    CHECK(nav.position() == p.line4Hits.back());
    r = nav.toBreakpointHit(Direction::Backward, id);
    CHECK(r.event == p.line4Hits[p.line4Hits.size() - 2]);
    r = nav.toBreakpointHit(Direction::Forward, other);
    CHECK(r.breakpointId == other);
    CHECK(r.event == p.line4Hits.back() - 1);  // line 3 of the last iteration
    CHECK_THROWS_AS(nav.toBreakpointHit(Direction::Forward, 999), std::out_of_range);
}

TEST_CASE("runTo: a continue to one location that leaves no breakpoint behind", "[replayer][api]") {
    Program p;
    Replayer rep(p.path);
    Navigator nav(rep);
    auto at = [](const char* file, int32_t line) {
        Breakpoint b;
        b.file = file;
        b.line = line;
        return b;
    };
    NavResult r = nav.runTo(Direction::Forward, at("main.py", 4));
    CHECK(r.reason == StopReason::Target);
    CHECK(r.event == p.line4Hits[0]);
    CHECK(r.breakpointId == -1);
    CHECK(nav.breakpointIds().empty());
    r = nav.runTo(Direction::Forward, at("main.py", 4));
    CHECK(r.event == p.line4Hits[1]);
    nav.goToEnd();
    r = nav.runTo(Direction::Backward, at("main.py", 4));
    CHECK(r.reason == StopReason::Target);
    CHECK(r.event == p.line4Hits.back());
    // Another breakpoint on the way stops it first; the location is gone all the same.
    const int on3 = nav.addBreakpoint({"main.py", 3, {}, true});
    nav.goToStart();
    r = nav.runTo(Direction::Forward, at("main.py", 4));
    CHECK(r.reason == StopReason::Breakpoint);
    CHECK(r.breakpointId == on3);
    CHECK(r.event == p.line4Hits[0] - 1);
    CHECK(nav.breakpointIds() == std::vector<int>{on3});
    // With break-on-raise, a raise before it too.
    nav.removeBreakpoint(on3);
    nav.setBreakOnRaise(true);
    nav.goTo(p.line4Hits[1]);
    r = nav.runTo(Direction::Forward, at("main.py", 4));
    CHECK(r.reason == StopReason::Exception);
    CHECK(r.event == p.valueErrorAt);
    nav.setBreakOnRaise(false);
    // Past the last hit: to the end, nothing left behind.
    r = nav.runTo(Direction::Forward, at("main.py", 2));
    CHECK(r.reason == StopReason::Target);
    nav.goTo(p.line4Hits.back());
    r = nav.runTo(Direction::Forward, at("main.py", 4));
    CHECK(r.reason == StopReason::AtEnd);
    CHECK(nav.breakpointIds().empty());
    // A location where no code ran: refused, nothing added, the position kept.
    const uint64_t here = nav.position();
    CHECK_THROWS_AS(nav.runTo(Direction::Forward, at("main.py", 40)), std::invalid_argument);
    CHECK_THROWS_AS(nav.runTo(Direction::Forward, at("other.py", 4)), std::invalid_argument);
    Breakpoint fn;
    fn.function = "nosuch";
    CHECK_THROWS_AS(nav.runTo(Direction::Forward, fn), std::invalid_argument);
    CHECK(nav.position() == here);
    CHECK(nav.breakpointIds().empty());
}

TEST_CASE("one file rule for breakpoints: the Navigator's hits and the front ends' marks",
          "[replayer][api]") {
    CHECK(fileMatches("/src/main.py", "/src/main.py"));
    CHECK(fileMatches("/src/main.py", "main.py"));
    CHECK(fileMatches("/src/main.py", "src/main.py"));
    CHECK_FALSE(fileMatches("/src/main.py", "ain.py"));  // not a whole path component
    CHECK_FALSE(fileMatches("/src/main.py", ""));
    CHECK_FALSE(fileMatches("main.py", "/src/main.py"));

    Program p;
    Replayer rep(p.path);
    const auto& defs = rep.defs();
    REQUIRE(!defs.codes.empty());
    const auto& code = defs.codes[0];
    // A short name marks the code object where the Navigator stops for it.
    for (const char* file : {"main.py", "src/main.py", "/src/main.py"}) {
        INFO(file);
        CHECK(codeInFile(defs, code, file));
        Navigator nav(rep);
        nav.addBreakpoint({file, 4, {}, true});
        CHECK(nav.continueRun(Direction::Forward).event == p.line4Hits[0]);
    }
    CHECK_FALSE(codeInFile(defs, code, "other.py"));
}

TEST_CASE("break-on-raise filter: handled, unhandled, by type", "[replayer][api]") {
    Program p;
    Replayer rep(p.path);
    REQUIRE(rep.exceptions().size() == 3);
    Navigator nav(rep);

    auto stops = [&](Direction dir) {
        std::vector<uint64_t> out;
        dir == Direction::Forward ? nav.goToStart() : nav.goToEnd();
        while (true) {
            NavResult r = nav.continueRun(dir);
            if (r.reason != StopReason::Exception) break;
            out.push_back(r.event);
        }
        return out;
    };
    using V = std::vector<uint64_t>;

    nav.setBreakOnRaise(true);
    CHECK(stops(Direction::Forward) == V{p.valueErrorAt, p.keyErrorAt, p.runtimeErrorAt});

    RaiseFilter unhandled;
    unhandled.handled = false;
    nav.setRaiseFilter(unhandled);
    CHECK(nav.breakOnRaise());
    CHECK(stops(Direction::Forward) == V{p.runtimeErrorAt});
    CHECK(stops(Direction::Backward) == V{p.runtimeErrorAt});

    RaiseFilter handled;
    handled.unhandled = false;
    nav.setRaiseFilter(handled);
    CHECK(stops(Direction::Forward) == V{p.valueErrorAt, p.keyErrorAt});
    CHECK(stops(Direction::Backward) == V{p.keyErrorAt, p.valueErrorAt});

    RaiseFilter byType;
    byType.types = {"KeyError", "RuntimeError"};
    nav.setRaiseFilter(byType);
    CHECK(stops(Direction::Forward) == V{p.keyErrorAt, p.runtimeErrorAt});
    byType.types = {"builtins.ValueError"};  // module + qualname
    nav.setRaiseFilter(byType);
    CHECK(stops(Direction::Forward) == V{p.valueErrorAt});
    byType.types = {"MyError", "Exception"};  // no such raise; no subclass matching
    nav.setRaiseFilter(byType);
    CHECK(stops(Direction::Forward).empty());

    // Type and outcome together; then off again.
    RaiseFilter both;
    both.types = {"ValueError", "RuntimeError"};
    both.handled = false;
    nav.setRaiseFilter(both);
    CHECK(stops(Direction::Forward) == V{p.runtimeErrorAt});
    nav.setBreakOnRaise(false);
    CHECK(stops(Direction::Forward).empty());
}

TEST_CASE("a cancel check stops long searches and restores the position", "[replayer][api]") {
    Program p(3000);  // ~20K events: many blocks and polls
    Replayer::Options o;
    o.checkpointInterval = 64;
    Replayer rep(p.path, o);
    Navigator nav(rep);
    // A breakpoint whose condition never holds: continue scans every event of its code.
    nav.addBreakpoint(
        {"main.py", 4, [](const ProgramState&, const Frame&) { return false; }, true});
    nav.goTo(100);

    int calls = 0;
    nav.setCancelCheck([&] { return ++calls >= 3; });
    NavResult r = nav.continueRun(Direction::Forward);
    CHECK(r.reason == StopReason::Cancelled);
    CHECK_FALSE(r.moved);
    CHECK(r.event == 100);
    CHECK(nav.position() == 100);
    CHECK(nav.state().event == 100);
    CHECK(calls == 3);

    calls = 0;
    nav.goTo(rep.lastEvent() - 5);
    r = nav.continueRun(Direction::Backward);
    CHECK(r.reason == StopReason::Cancelled);
    CHECK(nav.position() == rep.lastEvent() - 5);

    // Frame searches poll it too: main's return is the last event.
    calls = 0;
    nav.goTo(200);
    r = nav.toFrameReturn(0);
    CHECK(r.reason == StopReason::Cancelled);
    CHECK(nav.position() == 200);

    // Without a cancel request the same searches complete.
    nav.setCancelCheck([&] {
        ++calls;
        return false;
    });
    calls = 0;
    r = nav.continueRun(Direction::Forward);
    CHECK(r.reason == StopReason::AtEnd);
    CHECK(calls > 3);
    nav.setCancelCheck({});
    nav.goTo(200);
    CHECK(nav.toFrameReturn(0).event == rep.lastEvent());
}

TEST_CASE("the shared condition evaluator drives breakpoint conditions", "[replayer][api]") {
    Program p;
    Replayer rep(p.path);
    TraceValueSource values(rep.reader());
    ValueRenderer renderer(values, rep.defs(), UnicodePrintable::newest());
    ConditionEvaluator conditions(rep.defs(), values, renderer);
    Navigator nav(rep);

    auto cond = std::make_shared<const ConditionExpr>(ConditionExpr::parse("x == 20 and i >= 2"));
    auto err = std::make_shared<std::string>();
    int id = nav.addBreakpoint({"main.py", 4, conditions.make(cond, err), true});
    NavResult r = nav.continueRun(Direction::Forward);
    REQUIRE(r.reason == StopReason::Breakpoint);
    CHECK(r.event == p.line4Hits[2]);
    CHECK(err->empty());
    // Evaluated once, at the current frame.
    const Frame& f = nav.state().threadState(0)->stack.back();
    CHECK(conditions.evaluate(*cond, nav.state(), f));
    CHECK_FALSE(conditions.evaluate(ConditionExpr::parse("x != 20"), nav.state(), f));
    CHECK_THROWS_AS(conditions.evaluate(ConditionExpr::parse("nosuch > 1"), nav.state(), f),
                    EvalError);
    nav.removeBreakpoint(id);

    // A condition that cannot be evaluated stops, and says why.
    nav.goToStart();
    id = nav.addBreakpoint(
        {"main.py", 4,
         conditions.make(std::make_shared<const ConditionExpr>(ConditionExpr::parse("nosuch == 1")),
                         err),
         true});
    r = nav.continueRun(Direction::Forward);
    CHECK(r.reason == StopReason::Breakpoint);
    CHECK(r.event == p.line4Hits[0]);
    CHECK_THAT(*err, Catch::Contains("nosuch"));
    nav.removeBreakpoint(id);

    CHECK_THROWS_AS(ConditionExpr::parse("x == "), ExprSyntaxError);
    CHECK_THROWS_AS(ConditionExpr::parse("x === 1"), ExprSyntaxError);
}

TEST_CASE("ConditionExpr refuses expressions nested too deeply instead of overflowing the stack",
          "[replayer][api]") {
    auto repeat = [](const std::string& s, size_t n) {
        std::string out;
        for (size_t i = 0; i < n; ++i) out += s;
        return out;
    };
    // Nesting within the limit still parses.
    CHECK_NOTHROW(ConditionExpr::parse(repeat("(", 50) + "x" + repeat(")", 50)));
    CHECK_NOTHROW(ConditionExpr::parse(repeat("not ", 50) + "x"));
    CHECK_NOTHROW(ConditionExpr::parse("x" + repeat(" or x", 50)));
    CHECK_THROWS_WITH(ConditionExpr::parse(repeat("(", 20000) + "a" + repeat(")", 20000)),
                      Catch::Contains("nested too deeply"));
    CHECK_THROWS_WITH(ConditionExpr::parse(repeat("not ", 200000) + "a"),
                      Catch::Contains("nested too deeply"));
    // A flat chain is parsed in a loop but evaluated and freed recursively.
    CHECK_THROWS_WITH(ConditionExpr::parse("a" + repeat(" and a", 200000)),
                      Catch::Contains("nested too deeply"));
    CHECK_THROWS_AS(ConditionExpr::parse(repeat("(not ", 100000) + "a"), ExprSyntaxError);
}

TEST_CASE("outputChunks interleaves both streams with the events that wrote them",
          "[replayer][api]") {
    Program p;
    Replayer rep(p.path);
    const uint64_t last = rep.lastEvent();
    auto chunks = rep.outputChunks(last);
    std::vector<Written> got;
    for (const auto& c : chunks) got.push_back({c.event, c.stream, c.text});
    CHECK(got == p.output);

    // Up to an event: only what was written by then, and it agrees with outputText.
    for (uint64_t n = 0; n <= last; ++n) {
        std::string out, err;
        for (const auto& c : rep.outputChunks(n)) {
            CHECK(c.event <= n);
            (c.stream == 1 ? out : err) += c.text;
        }
        CHECK(out == rep.outputText(1, n));
        CHECK(err == rep.outputText(2, n));
    }

    // The tail only.
    std::string all;
    for (const auto& w : p.output) all += w.text;
    std::string tail;
    for (const auto& c : rep.outputChunks(last, 10)) tail += c.text;
    CHECK(tail == all.substr(all.size() - 10));
    CHECK(rep.outputChunks(last, 0).empty());
    CHECK(rep.outputChunks(0).empty());
    CHECK_THROWS_AS(rep.outputChunks(last + 1), std::out_of_range);
}

TEST_CASE("checkpoints on disk: read from the sidecar on demand, validated",
          "[replayer][sidecar]") {
    Program p(2000);
    Replayer::Options mem;
    mem.checkpointInterval = 64;
    Replayer reference(p.path, mem);
    const uint64_t last = reference.lastEvent();

    Replayer::Options disk = mem;
    disk.sidecar = true;
    disk.checkpointsOnDisk = true;
    const auto idx = p.path.string() + ".idx";

    auto sameStates = [&](Replayer& rep) {
        std::mt19937_64 rng(5);
        for (int i = 0; i < 300; ++i) {
            const uint64_t n = rng() % (last + 1);
            REQUIRE(rep.stateAt(n) == reference.stateAt(n));
        }
    };
    {
        Replayer written(p.path, disk);
        CHECK(written.stats().sidecarWritten);
        CHECK(written.stats().checkpointsOnDisk + 1 == written.stats().checkpoints);
        CHECK(written.stats().checkpointBytes < reference.stats().checkpointBytes);
        sameStates(written);
        Navigator nav(written);
        nav.addBreakpoint({"main.py", 4, {}, true});
        nav.goToEnd();
        CHECK(nav.continueRun(Direction::Backward).event == p.line4Hits.back());
    }
    {
        Replayer loaded(p.path, disk);
        CHECK(loaded.stats().fromSidecar);
        CHECK(loaded.stats().checkpointsOnDisk + 1 == loaded.stats().checkpoints);
        sameStates(loaded);
    }
    {
        // checkpointsOnDisk off: the sidecar is used, the states stay in memory.
        Replayer::Options keep = disk;
        keep.checkpointsOnDisk = false;
        Replayer loaded(p.path, keep);
        CHECK(loaded.stats().fromSidecar);
        CHECK(loaded.stats().checkpointsOnDisk == 0);
    }
    {
        // Replaced by another process (a new file renamed over it) while open: this replayer
        // keeps reading the file it validated.
        Replayer open(p.path, disk);
        const auto tmp = idx + ".other";
        { std::ofstream(tmp, std::ios::binary) << std::string(1000, 'x'); }
        std::filesystem::rename(tmp, idx);
        sameStates(open);
    }
    {
        // Rewritten in place while open (damage): the states read afterwards are validated and
        // fail as damage instead of being trusted.
        Replayer open(p.path, disk);  // the junk sidecar is rejected, rebuilt and spilled
        CHECK(open.stats().sidecarWritten);
        const auto size = std::filesystem::file_size(idx);
        {
            std::fstream f(idx, std::ios::binary | std::ios::in | std::ios::out);
            std::string junk(static_cast<size_t>(size) - 200, '\x7f');
            f.seekp(100);
            f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
        }
        bool threw = false;
        for (uint64_t n = last; n > 64 * 3 && !threw; n -= 64 * 3) {
            try {
                if (!(open.stateAt(n) == reference.stateAt(n)))
                    FAIL("a damaged checkpoint was used");
            } catch (const reel::format::TraceFormatError& e) {
                threw = true;
                CHECK_THAT(e.what(), Catch::Contains("sidecar"));
            }
        }
        CHECK(threw);
        // And a new open rejects it (checksum) and rebuilds it.
        Replayer again(p.path, disk);
        CHECK_FALSE(again.stats().fromSidecar);
        CHECK(again.stats().sidecarWritten);
        sameStates(again);
        // Truncated while open: a clear error, not garbage.
        std::filesystem::resize_file(idx, 50);
        threw = false;
        for (uint64_t n = last; n > 64 * 3 && !threw; n -= 64 * 3) {
            try {
                (void)again.stateAt(n);
            } catch (const reel::format::TraceFormatError&) {
                threw = true;
            }
        }
        CHECK(threw);
    }
}

TEST_CASE("sidecarFromEvents turns the sidecar on for large traces only", "[replayer][sidecar]") {
    Program p(100);
    const auto idx = std::filesystem::path(p.path.string() + ".idx");
    Replayer::Options o;
    o.sidecarFromEvents = 1'000'000;  // more than this trace has
    {
        Replayer r(p.path, o);
        CHECK_FALSE(r.stats().sidecarWritten);
        CHECK_FALSE(std::filesystem::exists(idx));
    }
    o.sidecarFromEvents = 10;
    {
        Replayer r(p.path, o);
        CHECK(r.stats().sidecarWritten);
        CHECK(r.stats().checkpointsOnDisk + 1 == r.stats().checkpoints);
    }
    Replayer again(p.path, o);
    CHECK(again.stats().fromSidecar);
}

namespace {

// The depth profile by its definition: one sequential pass, each event's depth into its bucket.
void requireProfileIsAScan(const std::filesystem::path& path, const DepthProfile& got) {
    reel::format::TraceReader reader(path);
    const uint64_t first = reader.firstEvent(), events = reader.eventCount();
    REQUIRE(got.firstEvent == first);
    REQUIRE(got.bucketSize >= 1);
    const size_t buckets =
        static_cast<size_t>((events - first + got.bucketSize - 1) / got.bucketSize);
    REQUIRE(got.minDepth.size() == buckets);
    REQUIRE(got.maxDepth.size() == buckets);
    std::vector<uint32_t> lo(buckets, ~0u), hi(buckets, 0);
    EventCursor cur(reader);
    while (cur.next()) {
        const size_t b = static_cast<size_t>((cur.event() - first) / got.bucketSize);
        REQUIRE(b < buckets);
        lo[b] = std::min(lo[b], cur.machine().depth());
        hi[b] = std::max(hi[b], cur.machine().depth());
    }
    CHECK(got.minDepth == lo);
    CHECK(got.maxDepth == hi);
}

}  // namespace

TEST_CASE("the index keeps a depth profile finer than its blocks", "[replayer][api]") {
    TempDir dir;
    ProgramBuilder pb(97);
    randomProgram(pb, {7, 6000, 3});
    pb.write(dir / "t.reel");
    Replayer::Options o;
    o.checkpointInterval = 64;
    SECTION("one bucket per event for a short trace") {
        Replayer r(dir / "t.reel", o);
        CHECK(r.depthProfile().bucketSize == 1);
        requireProfileIsAScan(dir / "t.reel", r.depthProfile());
        // Coarser than the blocks it never is: the blocks' ranges agree with it.
        const auto& p = r.depthProfile();
        for (size_t b = 0; b < r.blockCount(); ++b) {
            uint32_t lo = ~0u, hi = 0;
            for (const auto& t : r.block(b).threads)
                lo = std::min(lo, t.minDepth), hi = std::max(hi, t.maxDepth);
            const auto begin = static_cast<ptrdiff_t>(b * 64);
            const auto end =
                static_cast<ptrdiff_t>(std::min<size_t>((b + 1) * 64, p.minDepth.size()));
            CHECK(*std::min_element(p.minDepth.begin() + begin, p.minDepth.begin() + end) == lo);
            CHECK(*std::max_element(p.maxDepth.begin() + begin, p.maxDepth.begin() + end) == hi);
        }
    }
    SECTION("buckets of several events, at most the block size") {
        for (uint32_t buckets : {1000u, 333u, 7u, 1u}) {
            INFO(buckets << " buckets");
            o.depthBuckets = buckets;
            Replayer r(dir / "t.reel", o);
            const uint64_t n = r.eventCount();
            CHECK(r.depthProfile().bucketSize ==
                  std::min<uint64_t>((n + buckets - 1) / buckets, 64));
            requireProfileIsAScan(dir / "t.reel", r.depthProfile());
        }
    }
    SECTION("kept in the sidecar") {
        o.sidecar = true;
        o.depthBuckets = 500;
        Replayer built(dir / "t.reel", o);
        REQUIRE(built.stats().sidecarWritten);
        Replayer loaded(dir / "t.reel", o);
        REQUIRE(loaded.stats().fromSidecar);
        CHECK(loaded.depthProfile().bucketSize == built.depthProfile().bucketSize);
        CHECK(loaded.depthProfile().minDepth == built.depthProfile().minDepth);
        CHECK(loaded.depthProfile().maxDepth == built.depthProfile().maxDepth);
        // Another resolution asked for: indexed again, not loaded at the wrong one.
        o.depthBuckets = 100;
        Replayer other(dir / "t.reel", o);
        CHECK_FALSE(other.stats().fromSidecar);
        requireProfileIsAScan(dir / "t.reel", other.depthProfile());
    }
    SECTION("a slice's profile starts at its first event and equals the original's there") {
        Replayer orig(dir / "t.reel", o);
        SliceOptions so;
        so.from = 1500;
        so.to = 4000;
        so.durable = false;
        sliceTrace(orig, dir / "s.reel", so);
        Replayer sl(dir / "s.reel", o);
        requireProfileIsAScan(dir / "s.reel", sl.depthProfile());
        const auto& a = sl.depthProfile();
        const auto& b = orig.depthProfile();
        CHECK(a.firstEvent == 1500);
        REQUIRE(a.minDepth.size() == 2501);
        for (size_t i = 0; i < a.minDepth.size(); ++i) {
            CHECK(a.minDepth[i] == b.minDepth[1500 + i]);
            CHECK(a.maxDepth[i] == b.maxDepth[1500 + i]);
        }
    }
}

TEST_CASE("library code by file name: frozen modules, the standard library, installed packages",
          "[replayer][api]") {
    for (const char* f : {"<frozen importlib._bootstrap>", "<frozen posixpath>",
                          "/root/.pyenv/versions/3.12.1/lib/python3.12/json/decoder.py",
                          "/usr/lib/python3.11/ipaddress.py", "/opt/py/lib64/python3.13/re/_parser.py",
                          "/home/u/venv/lib/python3.12/site-packages/requests/api.py",
                          "/usr/lib/python3/dist-packages/yaml/__init__.py", "lib/python3.11/os.py"}) {
        INFO(f);
        CHECK(isLibraryFile(f));
    }
    for (const char* f : {"/tmp/ux/app.py", "app.py", "<string>", "<stdin>", "<doctest x[0]>",
                          "/home/u/lib/mypython3.12/x.py", "/home/u/lib/python/x.py",
                          "/home/u/lib/python3./x.py", "/home/u/lib/python3.12", "/srv/pythonlib/a.py",
                          "/home/u/site-packages.py", "/home/u/glib/python3.12/x.py"}) {
        INFO(f);
        CHECK_FALSE(isLibraryFile(f));
    }
}

TEST_CASE("exceptions that stay inside library code are told apart, and catch own skips them",
          "[replayer][api][sidecar]") {
    TempDir dir;
    const auto path = dir.path() / "lib.reel";
    const LibraryExceptionsTrace t(path);

    Replayer::Options opts;
    opts.sidecar = true;
    for (int open = 0; open < 2; ++open) {
        INFO("open " << open);
        Replayer rep(path, opts);
        CHECK(rep.stats().fromSidecar == (open == 1));
        const auto& ex = rep.exceptions();
        REQUIRE(ex.size() == 3);
        CHECK(ex[0].raisedAt == t.libOnly);
        CHECK_FALSE(ex[0].ownCode);
        CHECK_FALSE(ex[0].concernsProgram());
        CHECK(ex[1].raisedAt == t.intoApp);
        CHECK(ex[1].ownCode);
        CHECK(ex[2].raisedAt == t.fromApp);
        CHECK(ex[2].ownCode);

        Navigator nav(rep);
        nav.setBreakOnRaise(true);
        RaiseFilter own;
        own.library = false;
        nav.setRaiseFilter(own);
        CHECK(nav.continueRun(Direction::Forward).event == t.intoApp);
        CHECK(nav.continueRun(Direction::Forward).event == t.fromApp);
        nav.goToStart();
        nav.setRaiseFilter(RaiseFilter{});
        CHECK(nav.continueRun(Direction::Forward).event == t.libOnly);
        // Next/previous exception, with and without the library's own.
        nav.goToStart();
        CHECK(nav.toException(Direction::Forward, false).event == t.intoApp);
        CHECK(nav.toException(Direction::Forward, false).event == t.fromApp);
        CHECK(nav.toException(Direction::Forward, false).reason == StopReason::NotFound);
        CHECK(nav.toException(Direction::Backward, false).event == t.intoApp);
        CHECK(nav.toException(Direction::Backward, false).reason == StopReason::NotFound);
        CHECK(nav.toException(Direction::Backward).event == t.libOnly);
    }
}
