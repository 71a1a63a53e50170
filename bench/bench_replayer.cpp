// Replayer benchmark: indexing throughput, random seek latency in both directions, single-step
// latency, index memory, on a synthetic trace shaped like a real recording (loops storing locals
// every iteration, calls and returns, a generator, exceptions handled a few frames up, output,
// three threads taking turns).
//
//   bench_replayer [--events N] [--seeks N] [--keep PATH]
//
// Prints one JSON object per figure on stdout (bench/run's convention); progress on stderr.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <time.h>
#include <unistd.h>

#include "reel/format/EventStream.h"
#include "reel/format/TraceWriter.h"
#include "reel/format/ValueCodec.h"
#include "reel/replayer/Navigator.h"
#include "reel/replayer/Replayer.h"

using namespace reel::format;
using namespace reel::replayer;
using Clock = std::chrono::steady_clock;

namespace {

void figure(const char* name, double value, const char* unit, const std::string& note = "") {
    std::printf("{\"name\": \"replayer.%s\", \"value\": %.6g, \"unit\": \"%s\"%s%s%s}\n", name,
                value, unit, note.empty() ? "" : ", \"note\": \"", note.c_str(),
                note.empty() ? "" : "\"");
    std::fflush(stdout);
}

CodeObject makeCode(uint32_t id, const std::string& name, int32_t firstLine, uint32_t nInstr,
                    uint32_t instrPerLine, std::vector<std::string> locals, bool dict = false) {
    CodeObject c;
    c.id = id;
    c.qualname = c.name = name;
    c.filename = "/bench/prog.py";
    c.firstLine = firstLine;
    c.localNames = std::move(locals);
    c.localKinds.assign(c.localNames.size(), 0x20);
    c.usesLocalsDict = dict;
    for (uint32_t k = 0; k < nInstr; ++k) {
        Instruction in;
        in.offset = 2 * k;
        in.opname = "OP";
        in.line = firstLine + 1 + static_cast<int32_t>(k / instrPerLine);
        c.instructions.push_back(in);
    }
    c.bytecode.assign(2 * nInstr, 0);
    return c;
}

// Writes the synthetic trace: batches of ~64K events, like the recorder's hand-overs.
void generate(const std::filesystem::path& path, uint64_t targetEvents) {
    HeaderInfo h;
    h.recorderVersion = "bench";
    h.pythonImplementation = "cpython";
    h.pythonVersion = "3.12.0";
    TraceWriter::Options wo;
    wo.durable = false;
    TraceWriter w(path, h, wo);

    enum : uint32_t { kMod, kWork, kHelper, kGen, kWorker, kCodes };
    Batch first;
    first.defs.codes.push_back(makeCode(kMod, "<module>", 1, 40, 4, {}, true));
    first.defs.codes.push_back(
        makeCode(kWork, "work", 20, 60, 3, {"n", "total", "i", "x", "items"}));
    first.defs.codes.push_back(makeCode(kHelper, "helper", 40, 16, 4, {"v", "r"}));
    first.defs.codes.push_back(makeCode(kGen, "gen", 50, 20, 4, {"k", "acc"}));
    first.defs.codes.push_back(makeCode(kWorker, "worker", 60, 40, 4, {"j", "s", "buf"}));
    for (uint32_t s = 0; s < 8; ++s) first.defs.strings.push_back({s, "name" + std::to_string(s)});
    for (uint32_t t = 0; t < 3; ++t)
        first.defs.threads.push_back({t, 100 + t, 200 + t, t ? "worker" : "MainThread", t == 0});

    EventEncoder enc;
    std::vector<uint8_t> values;
    uint64_t firstEvent = 0, nextValue = 0, firstValue = 0, nextFrame = 0;
    uint32_t thread = 0, batchThread = 0;
    uint64_t batchFrame = 0;
    Batch pendingDefs = std::move(first);
    auto cut = [&] {
        Batch b;
        b.defs = std::move(pendingDefs.defs);
        pendingDefs.defs = {};
        b.firstValueId = firstValue;
        b.valueCount = static_cast<uint32_t>(nextValue - firstValue);
        b.values = std::move(values);
        values.clear();
        firstValue = nextValue;
        b.firstEvent = firstEvent;
        b.eventCount = enc.eventCount;
        b.tags = enc.tags;
        b.args = enc.args;
        b.blobs = enc.blobs;
        b.startThread = batchThread;
        b.startNextFrameId = batchFrame;
        firstEvent += enc.eventCount;
        batchThread = thread;
        batchFrame = nextFrame;
        enc.reset();
        w.append(std::move(b));
    };
    auto events = [&] { return firstEvent + enc.eventCount; };
    auto maybeCut = [&] {
        if (enc.eventCount >= 65536) cut();
    };
    auto strValue = [&](const std::string& s) {
        encode::str(values, s.size(), s);
        return ValueRef::record(nextValue++);
    };
    const ValueRef exc = strValue("ValueError('bench')");

    // Per-thread model: a stack of (frameId, code, pc) and the loop counter.
    struct Fr {
        uint64_t id;
        uint32_t code, pc;
    };
    std::vector<std::vector<Fr>> stacks(3);
    std::vector<int64_t> counters(3, 0);
    std::mt19937 rng(42);
    auto call = [&](uint32_t code) {
        enc.call(code, -1);
        stacks[thread].push_back({nextFrame++, code, 0});
    };
    auto op = [&](uint32_t pc) {
        stacks[thread].back().pc = pc;
        enc.opcode(2 * pc);
    };
    std::vector<uint64_t> suspendedGens;

    enc.thread(0);
    call(kMod);
    for (uint32_t k = 0; k < 6; ++k) {
        enc.nameSet(k, ValueRef::smallInt(k));
        op(k);
    }
    call(kWork);
    enc.localSet(0, ValueRef::smallInt(1000000));
    op(0);
    for (uint32_t t = 1; t < 3; ++t) {
        enc.thread(t);
        thread = t;
        call(kWorker);
        op(0);
    }
    enc.thread(0);
    thread = 0;
    int64_t now = 0;

    while (events() < targetEvents) {
        // A slice of one thread's loop: ~3000 events, then another thread runs.
        const uint64_t sliceEnd = events() + 2000 + rng() % 2000;
        while (events() < sliceEnd) {
            int64_t& i = counters[thread];
            ++i;
            if (thread == 0) {
                // for i in ...: x = helper(i); total += x; items.append(x)  (+ a generator, rare
                // exceptions two frames deep)
                for (uint32_t pc = 2; pc < 12; ++pc) op(pc);
                enc.localSet(2, ValueRef::smallInt(i));
                op(12);
                call(kHelper);
                enc.localSet(0, ValueRef::smallInt(i));
                for (uint32_t pc = 0; pc < 10; ++pc) op(pc);
                enc.localSet(1, ValueRef::smallInt(i * 3));
                op(10);
                if (i % 5000 == 0) {
                    enc.exception(exc, 20);
                    enc.unwind(20);
                    stacks[0].pop_back();
                    enc.exception(exc, 26);
                    enc.handled(40);
                    op(20);
                    op(21);
                } else {
                    op(11);
                    enc.ret(ValueRef::smallInt(i * 3), 22);
                    stacks[0].pop_back();
                    op(13);
                }
                enc.localSet(3, ValueRef::smallInt(i * 3));
                for (uint32_t pc = 14; pc < 22; ++pc) op(pc);
                enc.localSet(1, ValueRef::smallInt(i * (i + 1)));
                if (i % 8 == 0) {
                    // items grew: a new snapshot of the list
                    ValueRef items[2] = {ValueRef::smallInt(i), ValueRef::smallInt(i * 3)};
                    encode::container(values, ValueKind::List, 7, static_cast<uint64_t>(i), items,
                                      2);
                    enc.localSet(4, ValueRef::record(nextValue++));
                }
                op(22);
                if (i % 50 == 0) {
                    if (suspendedGens.empty()) {
                        call(kGen);
                        enc.localSet(0, ValueRef::smallInt(0));
                        for (uint32_t pc = 0; pc < 6; ++pc) op(pc);
                    } else {
                        enc.resume(suspendedGens.back(), 10);
                        stacks[0].push_back({suspendedGens.back(), kGen, 5});
                        suspendedGens.pop_back();
                        enc.localSet(1, ValueRef::smallInt(i));
                        for (uint32_t pc = 6; pc < 10; ++pc) op(pc);
                    }
                    enc.yield(ValueRef::smallInt(i), 10);
                    suspendedGens.push_back(stacks[0].back().id);
                    stacks[0].pop_back();
                    op(23);
                }
                for (uint32_t pc = 24; pc < 30; ++pc) op(pc);
                op(2);  // loop back
            } else {
                // worker: for j in ...: s += j; buf = ...
                for (uint32_t pc = 1; pc < 9; ++pc) op(pc);
                enc.localSet(0, ValueRef::smallInt(i));
                op(9);
                enc.localSet(1, ValueRef::smallInt(i * 7));
                for (uint32_t pc = 10; pc < 16; ++pc) op(pc);
                if (i % 200 == 0) {
                    std::string line =
                        "worker " + std::to_string(thread) + " at " + std::to_string(i) + "\n";
                    enc.output(1, line.data(), line.size());
                }
                op(1);
            }
            if (i % 64 == 0) enc.time(now += 50000);
            maybeCut();
        }
        thread = (thread + 1) % 3;
        enc.thread(thread);
        op(stacks[thread].back().pc);
    }
    cut();
    w.close({ExitKind::Exited, 0, ""});
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1));
    return v[i];
}

template <class F>
double timeUs(F&& f) {
    auto t0 = Clock::now();
    f();
    return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

// CPU time of this thread: on a shared, loaded machine the wall-clock tail is mostly the
// scheduler's 4 ms slices given to other processes; this shows the work itself.
double threadCpuUs() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

}  // namespace

int main(int argc, char** argv) {
    uint64_t targetEvents = 50'000'000;
    int seeks = 2000;
    std::string keep;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--events") && i + 1 < argc)
            targetEvents = std::stoull(argv[++i]);
        else if (!std::strcmp(argv[i], "--seeks") && i + 1 < argc)
            seeks = std::stoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--keep") && i + 1 < argc)
            keep = argv[++i];
    }
    const auto path = keep.empty()
                          ? std::filesystem::temp_directory_path() /
                                ("reel-bench-replayer-" + std::to_string(::getpid()) + ".reel")
                          : std::filesystem::path(keep);
    try {
        if (!keep.empty() && std::filesystem::exists(path)) {
            std::fprintf(stderr, "reusing %s\n", path.c_str());
        } else {
            std::fprintf(stderr, "generating %llu events...\n",
                         static_cast<unsigned long long>(targetEvents));
            const double genUs = timeUs([&] { generate(path, targetEvents); });
            std::fprintf(stderr, "generated in %.1f s, %.1f MB\n", genUs / 1e6,
                         static_cast<double>(std::filesystem::file_size(path)) / 1e6);
        }

        std::unique_ptr<Replayer> rep;
        const double indexCpu0 = threadCpuUs();
        const double indexUs = timeUs([&] { rep = std::make_unique<Replayer>(path); });
        const double indexCpuUs = threadCpuUs() - indexCpu0;
        const uint64_t n = rep->eventCount();
        const auto& st = rep->stats();
        figure("trace_events", static_cast<double>(n), "events");
        figure("trace_bytes_per_event",
               static_cast<double>(std::filesystem::file_size(path)) / static_cast<double>(n),
               "B/event");
        figure("index_events_per_s", static_cast<double>(n) / (indexUs / 1e6), "events/s",
               "open + full indexing pass (target >= 2e7)");
        figure("index_seconds", indexUs / 1e6, "s");
        figure("index_cpu_events_per_s", static_cast<double>(n) / (indexCpuUs / 1e6), "events/s",
               "same pass, thread CPU time (excludes time the shared machine gave to others)");
        figure("index_bytes_per_event", st.bytesPerEvent, "B/event",
               "checkpoints + summaries + tables");
        figure("index_checkpoint_mb", static_cast<double>(st.checkpointBytes) / 1e6, "MB");
        figure("index_checkpoints", static_cast<double>(st.checkpoints), "count",
               "K=" + std::to_string(st.interval));
        std::fprintf(stderr, "indexed %llu events in %.2f s\n", static_cast<unsigned long long>(n),
                     indexUs / 1e6);

        {
            // The sidecar index: written once, then loaded instead of indexing.
            Replayer::Options so;
            so.sidecar = true;
            { Replayer writeIt(path, so); }
            const double loadUs = timeUs([&] { Replayer loaded(path, so); });
            figure("sidecar_load_seconds", loadUs / 1e6, "s",
                   "open with a valid <trace>.idx (validated, no indexing pass)");
            figure("sidecar_bytes_per_event",
                   static_cast<double>(std::filesystem::file_size(path.string() + ".idx")) /
                       static_cast<double>(n),
                   "B/event");
            std::filesystem::remove(path.string() + ".idx");
        }

        Navigator nav(*rep);
        std::mt19937_64 rng(7);
        std::vector<double> fwd, back, copies, cpu;
        for (int i = 0; i < seeks; ++i) {
            const uint64_t target = rng() % n;
            const bool forward = target > nav.position();
            const double c0 = threadCpuUs();
            const double us = timeUs([&] { nav.goTo(target); });
            cpu.push_back(threadCpuUs() - c0);
            (forward ? fwd : back).push_back(us);
        }
        for (int i = 0; i < seeks / 4; ++i) {
            const uint64_t target = rng() % n;
            copies.push_back(timeUs([&] { (void)rep->stateAt(target); }));
        }
        figure("seek_forward_median_ms", percentile(fwd, 0.5) / 1000, "ms",
               "Navigator::goTo, random target after the position (target < 5)");
        figure("seek_forward_p99_ms", percentile(fwd, 0.99) / 1000, "ms", "(target < 20)");
        figure("seek_backward_median_ms", percentile(back, 0.5) / 1000, "ms",
               "random target before the position (target < 5)");
        figure("seek_backward_p99_ms", percentile(back, 0.99) / 1000, "ms", "(target < 20)");
        figure("seek_cpu_median_ms", percentile(cpu, 0.5) / 1000, "ms",
               "thread CPU time of the same seeks, both directions");
        figure("seek_cpu_p99_ms", percentile(cpu, 0.99) / 1000, "ms",
               "thread CPU time of the same seeks, both directions");
        figure("stateAt_copy_median_ms", percentile(copies, 0.5) / 1000, "ms",
               "Replayer::stateAt, random event, state copied out");

        // Single steps at random positions: one event forward / backward, and line-level
        // step over in both directions.
        std::vector<double> sf, sb, of, ob;
        for (int i = 0; i < seeks; ++i) {
            nav.goTo(rng() % n);
            sf.push_back(
                timeUs([&] { nav.stepInto(Direction::Forward, Granularity::Instruction); }));
            sb.push_back(
                timeUs([&] { nav.stepInto(Direction::Backward, Granularity::Instruction); }));
            of.push_back(timeUs([&] { nav.stepOver(Direction::Forward); }));
            ob.push_back(timeUs([&] { nav.stepOver(Direction::Backward); }));
        }
        figure("step_forward_median_us", percentile(sf, 0.5), "us",
               "one event, instruction granularity (target < 50)");
        figure("step_forward_p99_us", percentile(sf, 0.99), "us");
        figure("step_backward_median_us", percentile(sb, 0.5), "us",
               "one event back (target < 50)");
        figure("step_backward_p99_us", percentile(sb, 0.99), "us");
        figure("step_over_forward_median_us", percentile(of, 0.5), "us", "line granularity");
        figure("step_over_backward_median_us", percentile(ob, 0.5), "us", "line granularity");

        // Reverse watchpoint: previous change of the loop's `total` in the main frame.
        std::vector<double> wv;
        for (int i = 0; i < seeks / 10; ++i) {
            nav.goTo(rng() % n);
            const ThreadState* t0 = nav.state().threadState(0);
            if (!t0 || t0->stack.size() < 2) continue;
            const uint64_t fid = t0->stack[1].id;
            wv.push_back(
                timeUs([&] { nav.toLocalChange(Direction::Backward, fid, LocalKey::slot(1)); }));
        }
        figure("watch_previous_change_median_us", percentile(wv, 0.5), "us",
               "previous change of a loop local");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_replayer: %s\n", e.what());
        if (keep.empty()) std::filesystem::remove(path);
        return 1;
    }
    if (keep.empty()) std::filesystem::remove(path);
    return 0;
}
