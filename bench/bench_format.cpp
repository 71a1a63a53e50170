// Trace format benchmark: writer throughput and reader random-access latency on a synthetic
// loop-like stream of 100 million events (what `for i in range(n): total += i` produces: the same
// seven instruction offsets over and over, plus LOCAL_SET of two growing small ints per iteration).
//
// A one-shot timed program (not Google Benchmark): each figure is one measurement over the whole
// stream. Output follows bench/run's convention: one JSON object per line on stdout
// {"name", "value", "unit"}; progress goes to stderr.
//
//   bench_format [--events N] [--batch N] [--lookups N] [--dir DIR] [--keep]

#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "reel/format/EventStream.h"
#include "reel/format/TraceReader.h"
#include "reel/format/TraceWriter.h"
#include "reel/format/ValueCodec.h"

using namespace reel::format;
using Clock = std::chrono::steady_clock;

namespace {

double seconds(Clock::duration d) {
    return std::chrono::duration<double>(d).count();
}

void figure(const char* name, double value, const char* unit) {
    std::printf("{\"name\": \"%s\", \"value\": %.6g, \"unit\": \"%s\"}\n", name, value, unit);
    std::fflush(stdout);
}

// The bytecode of `for i in range(n): total += i` on 3.12, as (offset, stores-to-slot) pairs:
// FOR_ITER, STORE_FAST i, LOAD_FAST total, LOAD_FAST i, BINARY_OP +=, STORE_FAST total,
// JUMP_BACKWARD.
struct Step {
    uint32_t offset;
    int storeSlot;  // -1: none
};
constexpr Step kLoop[] = {{24, -1}, {28, 0}, {30, -1}, {32, -1}, {34, -1}, {38, 1}, {42, -1}};
constexpr int kLoopLen = sizeof(kLoop) / sizeof(kLoop[0]);

// Encodes events [first, first + count) of the stream into `enc`. Loop state lives outside so
// batches continue where the previous one stopped, as a recorder's would.
struct LoopState {
    uint64_t step = 0;
    int64_t i = 0, total = 0;
};

void encodeBatch(EventEncoder& enc, LoopState& s, uint64_t count, bool recordTotal) {
    enc.reset();
    for (uint64_t k = 0; k < count; ++k) {
        const Step& st = kLoop[s.step % kLoopLen];
        enc.opcode(st.offset);
        // STORE_FAST's effect is recorded as a LOCAL_SET attached to the next event; emitting it
        // after the store's own event is the same byte cost.
        if (st.storeSlot == 0) {
            enc.localSet(0, ValueRef::smallInt(s.i));
        } else if (st.storeSlot == 1) {
            s.total += s.i;
            if (recordTotal) enc.localSet(1, ValueRef::smallInt(s.total));
            ++s.i;
        }
        ++s.step;
    }
}

HeaderInfo benchHeader() {
    HeaderInfo h;
    h.recorderVersion = "bench";
    h.pythonImplementation = "cpython";
    h.pythonVersion = "3.12.1";
    h.platform = "linux-x86_64";
    h.argv = {"loop.py"};
    h.hook = "synthetic";
    return h;
}

NewDefs benchDefs() {
    NewDefs d;
    d.sources.push_back({0, "loop.py", "total = 0\nfor i in range(n):\n    total += i\n", true});
    CodeObject c;
    c.id = 0;
    c.qualname = c.name = "<module>";
    c.filename = "loop.py";
    c.sourceId = 0;
    c.firstLine = 1;
    c.localNames = {"i", "total"};
    c.localKinds = {0x20, 0x20};
    for (uint32_t off = 0; off <= 44; off += 2) {
        Instruction in;
        in.offset = off;
        in.opname = "OP";
        in.line = off < 24 ? 1 : off < 30 ? 2 : 3;
        c.instructions.push_back(in);
    }
    d.codes.push_back(std::move(c));
    d.threads.push_back({0, 1, 1, "MainThread", true});
    return d;
}

uint64_t parseCount(const char* s) {
    char* end = nullptr;
    double v = std::strtod(s, &end);
    if (end == s || v < 1) {
        std::fprintf(stderr, "bench_format: bad count %s\n", s);
        std::exit(2);
    }
    return static_cast<uint64_t>(v);
}

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    size_t idx = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
    return v[idx];
}

// Writes `events` events of the loop stream to `path` and reports the writer figures under
// `prefix`. recordTotal=false drops the second LOCAL_SET (only `i` changes): a loop whose body
// mutates one local.
void writeStream(const std::filesystem::path& path, uint64_t events, uint64_t batchEvents,
                 bool recordTotal, const std::string& prefix) {
    std::fprintf(stderr, "bench_format: writing %llu events (%s) in batches of %llu to %s\n",
                 static_cast<unsigned long long>(events), recordTotal ? "i and total" : "i only",
                 static_cast<unsigned long long>(batchEvents), path.c_str());
    EventEncoder enc;
    enc.compactRefs = true;  // as the recorder writes (format 1.2: LOCAL_SET_INT deltas)
    LoopState loop;
    uint64_t columnBytes = 0;
    Clock::duration encodeTime{}, appendTime{};
    const auto t0 = Clock::now();
    {
        TraceWriter::Options wo;  // default options: durable, as when recording
        wo.requiredReaderMinor = kCompactValuesReaderMinor;
        TraceWriter writer(path, benchHeader(), wo);
        for (uint64_t first = 0; first < events; first += batchEvents) {
            const uint64_t n = std::min(batchEvents, events - first);
            auto e0 = Clock::now();
            encodeBatch(enc, loop, n, recordTotal);
            Batch b;
            if (first == 0) b.defs = benchDefs();
            b.firstEvent = first;
            b.eventCount = static_cast<uint32_t>(n);
            // Copies, as a recorder double-buffers: the encoder keeps its grown capacity.
            b.tags = enc.tags;
            b.args = enc.args;
            b.blobs = enc.blobs;
            columnBytes += enc.bytes();
            auto e1 = Clock::now();
            writer.append(std::move(b));
            auto e2 = Clock::now();
            encodeTime += e1 - e0;
            appendTime += e2 - e1;
        }
        writer.close({ExitKind::Exited, 0, ""});
    }
    const double secs = seconds(Clock::now() - t0);
    const double fileBytes = static_cast<double>(std::filesystem::file_size(path));
    const double ev = static_cast<double>(events);
    auto fig = [&](const char* name, double v, const char* unit) {
        figure((prefix + name).c_str(), v, unit);
    };
    fig("writer.events_per_s", ev / secs, "events/s");
    fig("writer.column_MB_per_s", static_cast<double>(columnBytes) / secs / 1e6, "MB/s");
    fig("writer.file_MB_per_s", fileBytes / secs / 1e6, "MB/s");
    fig("writer.total_s", secs, "s");
    fig("writer.encode_s", seconds(encodeTime), "s");
    fig("writer.append_blocked_s", seconds(appendTime), "s");
    fig("format.uncompressed_bytes_per_event", static_cast<double>(columnBytes) / ev, "B/event");
    fig("format.file_bytes_per_event", fileBytes / ev, "B/event");
    fig("format.file_MB", fileBytes / 1e6, "MB");
}

// The writer's own capacity, without the producer's encoding cost: a few pre-encoded batches of
// the stream handed over again and again (renumbered) as fast as append() accepts them.
void writerCapacity(const std::filesystem::path& path, uint64_t events, uint64_t batchEvents) {
    std::vector<Batch> templates(4);
    EventEncoder enc;
    enc.compactRefs = true;
    LoopState loop;
    for (auto& t : templates) {
        encodeBatch(enc, loop, batchEvents, true);
        t.tags = enc.tags;
        t.args = enc.args;
        t.eventCount = enc.eventCount;
    }
    uint64_t columnBytes = 0, first = 0;
    const auto t0 = Clock::now();
    {
        TraceWriter::Options wo;
        wo.requiredReaderMinor = kCompactValuesReaderMinor;
        TraceWriter writer(path, benchHeader(), wo);
        for (size_t m = 0; first < events; ++m) {
            const Batch& t = templates[m % templates.size()];
            Batch b;
            if (m == 0) b.defs = benchDefs();
            b.firstEvent = first;
            b.eventCount = t.eventCount;
            b.tags = t.tags;
            b.args = t.args;
            columnBytes += t.tags.size() + t.args.size();
            first += t.eventCount;
            writer.append(std::move(b));
        }
        writer.close({ExitKind::Exited, 0, ""});
    }
    const double secs = seconds(Clock::now() - t0);
    figure("writer.capacity_events_per_s", static_cast<double>(first) / secs, "events/s");
    figure("writer.capacity_column_MB_per_s", static_cast<double>(columnBytes) / secs / 1e6,
           "MB/s");
}

}  // namespace

int main(int argc, char** argv) {
    uint64_t events = 100'000'000, batchEvents = 262'144, lookups = 1000;
    std::filesystem::path dir = std::filesystem::temp_directory_path();
    bool keep = false;  // leave the trace behind, e.g. to time `reel info` on it
    for (int a = 1; a < argc; ++a) {
        std::string arg = argv[a];
        if (a + 1 < argc && arg == "--events")
            events = parseCount(argv[++a]);
        else if (a + 1 < argc && arg == "--batch")
            batchEvents = parseCount(argv[++a]);
        else if (a + 1 < argc && arg == "--lookups")
            lookups = parseCount(argv[++a]);
        else if (a + 1 < argc && arg == "--dir")
            dir = argv[++a];
        else if (arg == "--keep")
            keep = true;
        else {
            std::fprintf(stderr,
                         "usage: bench_format [--events N] [--batch N] [--lookups N] [--dir "
                         "DIR]\n");
            return 2;
        }
    }
    const auto path = dir / ("reel-bench-format-" + std::to_string(::getpid()) + ".reel");
    figure("batch_events", static_cast<double>(batchEvents), "events");

    writerCapacity(path, events, batchEvents);
    std::filesystem::remove(path);
    writeStream(path, events, batchEvents, /*recordTotal=*/false, "one_local.");
    std::filesystem::remove(path);
    writeStream(path, events, batchEvents, /*recordTotal=*/true, "");

    // ---- reader -----------------------------------------------------------------------------
    auto o0 = Clock::now();
    TraceReader reader(path);
    figure("reader.open_ms", seconds(Clock::now() - o0) * 1e3, "ms");
    if (reader.eventCount() != events) {
        std::fprintf(stderr, "bench_format: read back %llu events, wrote %llu\n",
                     static_cast<unsigned long long>(reader.eventCount()),
                     static_cast<unsigned long long>(events));
        return 1;
    }

    // Random access: find the chunk, get it decompressed, decode up to the event. Measured cold
    // (cache disabled: every look-up decompresses) and with the default LRU cache.
    std::mt19937_64 rng(12345);
    auto lookup = [&](TraceReader& r, uint64_t n) {
        size_t ci = r.findEventChunk(n);
        auto c = r.eventChunk(ci);
        EventDecoder dec(c->tags.data(), c->tags.size(), c->args.data(), c->args.size(),
                         c->blobs.data(), c->blobs.size(), c->firstEvent, c->eventCount,
                         c->startThread, c->startNextFrameId, c->fileOffset);
        Record rec;
        while (dec.next(rec))
            if (rec.event == n && isNumbered(rec.kind)) return rec.offset;
        std::fprintf(stderr, "bench_format: event %llu not found\n",
                     static_cast<unsigned long long>(n));
        std::exit(1);
    };
    auto measure = [&](TraceReader& r, const char* prefix) {
        std::vector<double> us;
        us.reserve(lookups);
        uint64_t sink = 0;
        for (uint64_t k = 0; k < lookups; ++k) {
            uint64_t n = rng() % events;
            auto s = Clock::now();
            sink += lookup(r, n);
            us.push_back(seconds(Clock::now() - s) * 1e6);
        }
        std::string med = std::string(prefix) + "_median_us", p99 = std::string(prefix) + "_p99_us";
        figure(med.c_str(), percentile(us, 0.5), "us");
        figure(p99.c_str(), percentile(us, 0.99), "us");
        if (sink == 1) std::fprintf(stderr, " ");  // keeps the look-ups from being optimized out
    };
    {
        TraceReader::Options cold;
        cold.cacheChunks = 0;
        TraceReader r(path, cold);
        measure(r, "reader.random_access_cold");
    }
    measure(reader, "reader.random_access_cached64");

    // Sequential decode of the whole stream: the replayer's indexing pass reads this way.
    auto s0 = Clock::now();
    uint64_t decoded = 0;
    {
        TraceReader::Options seq;
        seq.cacheChunks = 1;
        TraceReader r(path, seq);
        for (size_t i = 0; i < r.eventChunkCount(); ++i) {
            auto c = r.eventChunk(i);
            EventDecoder dec(c->tags.data(), c->tags.size(), c->args.data(), c->args.size(),
                             c->blobs.data(), c->blobs.size(), c->firstEvent, c->eventCount,
                             c->startThread, c->startNextFrameId, c->fileOffset);
            Record rec;
            while (dec.next(rec)) decoded += isNumbered(rec.kind);
        }
    }
    figure("reader.sequential_events_per_s",
           static_cast<double>(decoded) / seconds(Clock::now() - s0), "events/s");

    if (keep)
        std::fprintf(stderr, "bench_format: kept %s\n", path.c_str());
    else
        std::filesystem::remove(path);
    return 0;
}
