// The flight recorder's writer (FlightWriter, `reel record --last N`): fed a trace's batches the
// way the recorder hands them over, it keeps at most two generation files, and its final file
// holds exactly the last N events with the original's numbering and states.

#include <catch2/catch.hpp>

#include <algorithm>
#include <regex>

#include "reel/format/TraceReader.h"
#include "reel/replayer/FlightWriter.h"
#include "reel/replayer/Replayer.h"
#include "replayer/RandomProgram.h"
#include "replayer/ReplayFixture.h"

using namespace reel::test;
using namespace reel::replayer;
using reel::format::TraceReader;

namespace {

std::vector<std::filesystem::path> flightFiles(const std::filesystem::path& dir) {
    std::vector<std::filesystem::path> out;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        if (e.path().filename().string().find(".flight") != std::string::npos)
            out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

// Feeds the trace at `path` to `w` batch by batch (one per events chunk, with the values written
// before it), ending a generation after every `generation` events, as the recorder does. The
// random program's exception values (ids 0..3) are re-raised at any time: they are pinned, as
// the recorder pins its recent exceptions. Stops after `stopAfter` events chunks.
void feed(const std::filesystem::path& path, FlightWriter& w, uint64_t generation,
          const std::filesystem::path& dir, size_t stopAfter = SIZE_MAX) {
    TraceReader r(path);
    Batch pending;
    const auto& d = r.defs();
    pending.defs.sources = d.sources;
    pending.defs.codes = d.codes;
    pending.defs.types = d.types;
    for (size_t i = 0; i < d.strings.size(); ++i)
        pending.defs.strings.emplace_back(static_cast<uint32_t>(i), d.strings[i]);
    pending.defs.threads = d.threads;
    uint64_t nextGeneration = generation;
    size_t chunks = 0, eventChunk = 0;
    for (const auto& c : r.chunks()) {
        if (c.kind == 2) {
            auto v = r.valueChunkFor(c.first);
            if (pending.valueCount == 0) pending.firstValueId = v->firstId;
            pending.values.insert(pending.values.end(), v->data.begin(), v->data.end());
            pending.valueCount += static_cast<uint32_t>(v->recordOffsets.size());
        } else if (c.kind == 3) {
            if (chunks++ == stopAfter) break;
            auto e = r.eventChunk(eventChunk++);
            pending.firstEvent = e->firstEvent;
            pending.eventCount = e->eventCount;
            pending.tags = e->tags;
            pending.args = e->args;
            pending.blobs = e->blobs;
            pending.startThread = e->startThread;
            pending.startNextFrameId = e->startNextFrameId;
            const uint64_t end = e->firstEvent + e->eventCount;
            const bool ends = end >= nextGeneration && end < r.eventCount();
            if (ends) nextGeneration = end + generation;
            w.append(std::move(pending), ends,
                     ends ? std::vector<uint64_t>{0, 1, 2, 3} : std::vector<uint64_t>{});
            pending = Batch{};
            // Bounded: the generation just closed, the one before it, the new one.
            w.flush();
            REQUIRE(flightFiles(dir).size() <= 2);
        }
    }
}

void requireSameStates(Replayer& orig, const std::filesystem::path& path, uint64_t first,
                       uint64_t last) {
    Replayer::Options opt;
    opt.checkpointInterval = 64;
    Replayer fl(path, opt);
    REQUIRE(fl.firstEvent() == first);
    REQUIRE(fl.lastEvent() == last);
    // A recovered .partial reports its missing footer, and nothing else.
    REQUIRE(fl.reader().verifyAll().size() == (fl.reader().recovery().recovered ? 1u : 0u));
    for (uint64_t n = first; n <= last; ++n) {
        INFO("event " << n << " of " << first << ".." << last);
        REQUIRE(fl.stateAt(n) == orig.stateAt(n));
        if (n == first || n == last || n % 211 == 0)
            for (uint32_t k = 1; k <= 2; ++k) REQUIRE(fl.outputText(k, n) == orig.outputText(k, n));
    }
    // The output written before the window is carried in the order it was written.
    REQUIRE(outputRuns(fl.outputChunks(first)) == outputRuns(orig.outputChunks(first)));
    REQUIRE(outputRuns(fl.outputChunks(last)) == outputRuns(orig.outputChunks(last)));
}

}  // namespace

TEST_CASE("a flight recording keeps exactly the last N events, with the original's states",
          "[flight]") {
    TempDir dir;
    const auto orig = dir / "orig.reel";
    const uint64_t seed = GENERATE(1, 2, 3);
    ProgramBuilder pb(97);  // batches of 97 events: generations end at odd places
    randomProgram(pb, {seed, 20000, 3});
    pb.write(orig);
    Replayer full(orig);
    const uint64_t total = full.eventCount();
    REQUIRE(total > 10000);

    for (uint64_t n : {uint64_t{1000}, uint64_t{2345}, total + 10}) {
        INFO("N = " << n);
        TempDir out;
        const auto path = out / "flight.reel";
        FlightOptions o;
        o.lastEvents = n;
        o.eventsPerChunk = 300;
        {
            FlightWriter w(path, sampleHeader(), o);
            feed(orig, w, n, out.path());
            w.close({ExitKind::Exited, 0, "done"});
            const FlightStats st = w.stats();
            // Generations of N events (rounded up to a batch) rotated through the run.
            if (n < total)
                CHECK(st.generations >= total / (n + 97) - 1);
            else
                CHECK(st.generations == 0);
            CHECK(st.lastEvent == total - 1);
        }
        CHECK(flightFiles(out.path()).empty());
        const uint64_t first = total > n ? total - n : 0;
        TraceReader r(path);
        CHECK(r.header().capture.flightLast == n);
        CHECK(r.exitInfo()->message == "done");
        CHECK(r.checkpoint().has_value() == (first > 0));
        requireSameStates(full, path, first, total - 1);
    }
}

TEST_CASE("a flight recording that dies leaves generations that replay like the original",
          "[flight]") {
    TempDir dir;
    const auto orig = dir / "orig.reel";
    ProgramBuilder pb(97);
    randomProgram(pb, {7, 12000, 3});
    pb.write(orig);
    Replayer full(orig);
    TempDir out;
    const auto path = out / "run.reel";
    FlightOptions o;
    o.lastEvents = 1500;
    {
        FlightWriter w(path, sampleHeader(), o);
        feed(orig, w, o.lastEvents, out.path(), 90);  // about 8700 events, then "killed"
    }
    const auto files = flightFiles(out.path());
    REQUIRE(files.size() == 2);
    CHECK(files[0].filename().string().find(".partial") == std::string::npos);
    CHECK(files[1].filename().string().ends_with(".partial"));
    for (const auto& f : files) {
        INFO(f);
        TraceReader r(f);
        CHECK(r.recovery().recovered == f.string().ends_with(".partial"));
        CHECK(r.checkpoint().has_value());
        if (r.eventCount() > r.firstEvent())
            requireSameStates(full, f, r.firstEvent(), r.eventCount() - 1);
    }
    // Generation k starts where generation k-1 ends.
    TraceReader a(files[0]), b(files[1]);
    CHECK(a.eventCount() == b.firstEvent());
    CHECK(a.eventCount() - a.firstEvent() >= o.lastEvents);

    // `reel join`: the two files (in either order) become the trace close() would have written,
    // and are left in place.
    const uint64_t end = b.eventCount();
    const auto joined = out / "joined.reel";
    const JoinResult jr = joinGenerations({files[1], files[0]}, joined);
    CHECK(jr.firstEvent == end - o.lastEvents);
    CHECK(jr.lastEvent == end - 1);
    CHECK(jr.recordedEvents == end);
    CHECK(flightFiles(out.path()).size() == 2);
    CHECK(TraceReader(joined).header().capture.flightLast == o.lastEvents);
    requireSameStates(full, joined, end - o.lastEvents, end - 1);
    // Fewer events on request.
    const auto small = out / "small.reel";
    CHECK(joinGenerations({files[0], files[1]}, small, 700).firstEvent == end - 700);
    requireSameStates(full, small, end - 700, end - 1);
}

TEST_CASE("joining generations refuses files that do not follow each other", "[flight]") {
    TempDir dir;
    const auto orig = dir / "orig.reel";
    ProgramBuilder pb(97);
    randomProgram(pb, {7, 12000, 3});
    pb.write(orig);
    FlightOptions o;
    o.lastEvents = 1500;
    // The same recording (same header) killed at two points: its early generation and its late
    // one have a gap between them.
    TempDir early, late;
    {
        FlightWriter w(early / "run.reel", sampleHeader(), o);
        feed(orig, w, o.lastEvents, early.path(), 30);
    }
    {
        FlightWriter w(late / "run.reel", sampleHeader(), o);
        feed(orig, w, o.lastEvents, late.path(), 90);
    }
    const auto e = flightFiles(early.path()), l = flightFiles(late.path());
    REQUIRE(!e.empty());
    REQUIRE(!l.empty());
    const auto out = dir / "joined.reel";
    REQUIRE_THROWS_WITH(joinGenerations({e.front(), l.back()}, out),
                        Catch::Contains("not consecutive generations"));
    // A trace recorded without --last is no generation.
    REQUIRE_THROWS_WITH(joinGenerations({orig}, out),
                        Catch::Contains("not a flight-recorder generation"));
    REQUIRE_THROWS_AS(joinGenerations({}, out), std::invalid_argument);
    CHECK(!std::filesystem::exists(out));
}

TEST_CASE("the flight recorder refuses a window below its minimum", "[flight]") {
    TempDir out;
    FlightOptions o;
    o.lastEvents = kMinFlightEvents - 1;
    REQUIRE_THROWS_AS(FlightWriter(out / "x.reel", sampleHeader(), o), std::invalid_argument);
    CHECK(flightFiles(out.path()).empty());
}
