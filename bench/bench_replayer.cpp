// Replayer benchmark: indexing throughput, random seek latency in both directions, single-step
// latency, index memory, on two traces of at least 50 million events:
//   * "recorded": bench/replay_workload.py recorded with this build's `reel record` (the issue's
//     target is on a recorded trace). The trace is cached in BUILD/bench/ and reused while it is
//     newer than the workload script, so reruns do not re-record (--rerecord forces it).
//   * "synthetic": a trace written with the tests' ProgramBuilder, shaped like a recording (loops
//     storing locals every iteration, calls and returns, a generator, exceptions handled a few
//     frames up, output, three threads taking turns); it has threads, which the workload has not.
//
//   bench_replayer [--trace recorded|synthetic|both] [--events N] [--iterations N]
//                  [--python EXE] [--rerecord] [--seeks N] [--keep PATH]
//
// Prints one JSON object per figure on stdout (bench/run's convention), named
// replayer.<trace>.<figure>; progress on stderr.

#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "reel/format/EventStream.h"
#include "reel/format/TraceWriter.h"
#include "reel/format/ValueCodec.h"
#include "reel/replayer/Navigator.h"
#include "reel/replayer/Replayer.h"
#include "replayer/ReplayFixture.h"

using namespace reel::format;
using namespace reel::replayer;
using Clock = std::chrono::steady_clock;

namespace {

std::string gTrace = "synthetic";  // the trace being measured: prefixes the figures' names

void figure(const char* name, double value, const char* unit, const std::string& note = "") {
    std::printf("{\"name\": \"replayer.%s.%s\", \"value\": %.6g, \"unit\": \"%s\"%s%s%s}\n",
                gTrace.c_str(), name, value, unit, note.empty() ? "" : ", \"note\": \"",
                note.c_str(), note.empty() ? "" : "\"");
    std::fflush(stdout);
}

// Writes the synthetic trace with the tests' ProgramBuilder (tests/replayer/ReplayFixture.h),
// streamed in batches of ~64K events, like the recorder's hand-overs.
void generate(const std::filesystem::path& path, uint64_t targetEvents) {
    HeaderInfo h;
    h.recorderVersion = "bench";
    h.pythonImplementation = "cpython";
    h.pythonVersion = "3.12.0";
    TraceWriter::Options wo;
    wo.durable = false;
    reel::test::ProgramBuilder pb(65536);
    pb.stream(path, h, wo);

    const std::string file = "/bench/prog.py";
    const uint32_t kMod = pb.code("<module>", 1, 40u, 4u, {}, true, file);
    const uint32_t kWork =
        pb.code("work", 20, 60u, 3u, {"n", "total", "i", "x", "items"}, false, file);
    const uint32_t kHelper = pb.code("helper", 40, 16u, 4u, {"v", "r"}, false, file);
    const uint32_t kGen = pb.code("gen", 50, 20u, 4u, {"k", "acc"}, false, file);
    const uint32_t kWorker = pb.code("worker", 60, 40u, 4u, {"j", "s", "buf"}, false, file);
    for (uint32_t s = 0; s < 8; ++s) pb.string("name" + std::to_string(s));
    for (uint32_t t = 0; t < 3; ++t) pb.threadRecord(t, t ? "worker" : "MainThread");

    const ValueRef exc = pb.value("ValueError('bench')");

    // Per-thread model: a stack of (frameId, code, pc) and the loop counter.
    struct Fr {
        uint64_t id;
        uint32_t code, pc;
    };
    std::vector<std::vector<Fr>> stacks(3);
    std::vector<int64_t> counters(3, 0);
    std::mt19937 rng(42);
    uint32_t thread = 0;
    auto call = [&](uint32_t code) { stacks[thread].push_back({pb.call(code), code, 0}); };
    auto op = [&](uint32_t pc) {
        stacks[thread].back().pc = pc;
        pb.op(2 * pc);
    };
    auto switchTo = [&](uint32_t t) {
        thread = t;
        pb.thread(t);
    };
    std::vector<uint64_t> suspendedGens;

    switchTo(0);
    call(kMod);
    for (uint32_t k = 0; k < 6; ++k) {
        pb.nameSet(k, ValueRef::smallInt(k));
        op(k);
    }
    call(kWork);
    pb.set(0, ValueRef::smallInt(1000000));
    op(0);
    for (uint32_t t = 1; t < 3; ++t) {
        switchTo(t);
        call(kWorker);
        op(0);
    }
    switchTo(0);
    int64_t now = 0;

    while (pb.events() < targetEvents) {
        // A slice of one thread's loop: ~3000 events, then another thread runs.
        const uint64_t sliceEnd = pb.events() + 2000 + rng() % 2000;
        while (pb.events() < sliceEnd) {
            int64_t& i = counters[thread];
            ++i;
            if (thread == 0) {
                // for i in ...: x = helper(i); total += x; items.append(x)  (+ a generator, rare
                // exceptions two frames deep)
                for (uint32_t pc = 2; pc < 12; ++pc) op(pc);
                pb.set(2, ValueRef::smallInt(i));
                op(12);
                call(kHelper);
                pb.set(0, ValueRef::smallInt(i));
                for (uint32_t pc = 0; pc < 10; ++pc) op(pc);
                pb.set(1, ValueRef::smallInt(i * 3));
                op(10);
                if (i % 5000 == 0) {
                    pb.exception(exc, 20);
                    pb.unwind(20);
                    stacks[0].pop_back();
                    pb.exception(exc, 26);
                    pb.handled(40);
                    op(20);
                    op(21);
                } else {
                    op(11);
                    pb.ret(ValueRef::smallInt(i * 3), 22);
                    stacks[0].pop_back();
                    op(13);
                }
                pb.set(3, ValueRef::smallInt(i * 3));
                for (uint32_t pc = 14; pc < 22; ++pc) op(pc);
                pb.set(1, ValueRef::smallInt(i * (i + 1)));
                if (i % 8 == 0) {
                    // items grew: a new snapshot of the list
                    ValueRef items[2] = {ValueRef::smallInt(i), ValueRef::smallInt(i * 3)};
                    pb.set(4, pb.container(ValueKind::List, 7, static_cast<uint64_t>(i), items, 2));
                }
                op(22);
                if (i % 50 == 0) {
                    if (suspendedGens.empty()) {
                        call(kGen);
                        pb.set(0, ValueRef::smallInt(0));
                        for (uint32_t pc = 0; pc < 6; ++pc) op(pc);
                    } else {
                        pb.resume(suspendedGens.back(), 10);
                        stacks[0].push_back({suspendedGens.back(), kGen, 5});
                        suspendedGens.pop_back();
                        pb.set(1, ValueRef::smallInt(i));
                        for (uint32_t pc = 6; pc < 10; ++pc) op(pc);
                    }
                    pb.yield(ValueRef::smallInt(i), 10);
                    suspendedGens.push_back(stacks[0].back().id);
                    stacks[0].pop_back();
                    op(23);
                }
                for (uint32_t pc = 24; pc < 30; ++pc) op(pc);
                op(2);  // loop back
            } else {
                // worker: for j in ...: s += j; buf = ...
                for (uint32_t pc = 1; pc < 9; ++pc) op(pc);
                pb.set(0, ValueRef::smallInt(i));
                op(9);
                pb.set(1, ValueRef::smallInt(i * 7));
                for (uint32_t pc = 10; pc < 16; ++pc) op(pc);
                if (i % 200 == 0)
                    pb.output(
                        1, "worker " + std::to_string(thread) + " at " + std::to_string(i) + "\n");
                op(1);
            }
            if (i % 64 == 0) pb.time(now += 50000);
        }
        switchTo((thread + 1) % 3);
        op(stacks[thread].back().pc);
    }
    pb.finish({ExitKind::Exited, 0, ""});
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

// A field of /proc/self/status in MB ("VmRSS": resident now, "VmHWM": peak), 0 when unknown.
double procStatusMb(const char* field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    const size_t n = std::strlen(field);
    while (std::getline(in, line))
        if (line.compare(0, n, field) == 0 && line.size() > n && line[n] == ':')
            return std::stod(line.substr(n + 1)) / 1024.0;  // kB
    return 0;
}

// `bench_replayer --rss MODE TRACE SEEKS` (run by runRssChild in a fresh process): opens the
// trace with the index in memory (MODE memory: indexing pass; sidecar: loaded from a valid
// <trace>.idx with the checkpoints in memory; disk: loaded, checkpoints read on demand), runs
// random seeks and steps back, and prints the process's peak RSS and the index's size.
int rssChild(const std::string& mode, const std::filesystem::path& path, int seeks) {
    Replayer::Options o;
    o.sidecar = mode != "memory";
    o.checkpointsOnDisk = mode == "disk";
    Replayer rep(path, o);
    Navigator nav(rep);
    std::mt19937_64 rng(11);
    std::vector<double> us;
    for (int i = 0; i < seeks; ++i) {
        const uint64_t target = rng() % rep.eventCount();
        us.push_back(timeUs([&] { nav.goTo(target); }));
        nav.stepInto(Direction::Backward, Granularity::Instruction);
    }
    const auto& st = rep.stats();
    const std::string m = mode;
    figure(("rss_peak_mb_" + m).c_str(), procStatusMb("VmHWM"), "MB",
           "peak RSS of a process that opens the trace (" + m +
               ") and seeks; includes the reader's 64-chunk cache");
    figure(("index_memory_mb_" + m).c_str(),
           static_cast<double>(st.checkpointBytes + st.tableBytes) / 1e6, "MB",
           std::to_string(st.checkpointsOnDisk) + " of " + std::to_string(st.checkpoints) +
               " checkpoints on disk");
    figure(("seek_median_ms_" + m).c_str(), percentile(us, 0.5) / 1000, "ms");
    figure(("seek_p99_ms_" + m).c_str(), percentile(us, 0.99) / 1000, "ms");
    return 0;
}

void runRssChild(const char* mode, const std::filesystem::path& path, int seeks) {
    std::fflush(stdout);
    const pid_t pid = ::fork();
    if (pid == 0) {
        const std::string s = std::to_string(seeks), trace = gTrace;
        ::execl("/proc/self/exe", "bench_replayer", "--rss", mode, path.c_str(), s.c_str(),
                trace.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    int status = 0;
    if (pid > 0) ::waitpid(pid, &status, 0);
}

// Every figure on one trace.
void measure(const std::filesystem::path& path, int seeks) {
    const double rss0 = procStatusMb("VmRSS");
    std::unique_ptr<Replayer> rep;
    const double indexCpu0 = threadCpuUs();
    const double indexUs = timeUs([&] { rep = std::make_unique<Replayer>(path); });
    const double indexCpuUs = threadCpuUs() - indexCpu0;
    const double rssIndexed = procStatusMb("VmRSS");
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
    figure("rss_after_index_mb", rssIndexed - rss0, "MB",
           "resident memory added by opening and indexing (index + reader cache)");
    std::fprintf(stderr, "[%s] indexed %llu events in %.2f s\n", gTrace.c_str(),
                 static_cast<unsigned long long>(n), indexUs / 1e6);

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
        // Memory with the checkpoints in memory and on disk, each in a fresh process so the
        // peak is that configuration's alone.
        for (const char* mode : {"memory", "sidecar", "disk"}) runRssChild(mode, path, seeks);
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

    // Single steps at random positions: one event forward / backward, and line-level step over
    // in both directions.
    std::vector<double> sf, sb, of, ob;
    for (int i = 0; i < seeks; ++i) {
        nav.goTo(rng() % n);
        sf.push_back(timeUs([&] { nav.stepInto(Direction::Forward, Granularity::Instruction); }));
        sb.push_back(timeUs([&] { nav.stepInto(Direction::Backward, Granularity::Instruction); }));
        of.push_back(timeUs([&] { nav.stepOver(Direction::Forward); }));
        ob.push_back(timeUs([&] { nav.stepOver(Direction::Backward); }));
    }
    figure("step_forward_median_us", percentile(sf, 0.5), "us",
           "one event, instruction granularity (target < 50)");
    figure("step_forward_p99_us", percentile(sf, 0.99), "us");
    figure("step_backward_median_us", percentile(sb, 0.5), "us", "one event back (target < 50)");
    figure("step_backward_p99_us", percentile(sb, 0.99), "us");
    figure("step_over_forward_median_us", percentile(of, 0.5), "us", "line granularity");
    figure("step_over_backward_median_us", percentile(ob, 0.5), "us", "line granularity");

    // Reverse watchpoint: previous change of the innermost-but-one frame's second local (the
    // loop's `total` in both traces' main loop).
    std::vector<double> wv;
    for (int i = 0; i < seeks / 10; ++i) {
        nav.goTo(rng() % n);
        const ThreadState* t0 = nav.state().threadState(nav.state().thread);
        if (!t0 || t0->stack.size() < 2) continue;
        const uint64_t fid = t0->stack[1].id;
        wv.push_back(
            timeUs([&] { nav.toLocalChange(Direction::Backward, fid, LocalKey::slot(1)); }));
    }
    figure("watch_previous_change_median_us", percentile(wv, 0.5), "us",
           "previous change of a loop local");
    figure("peak_rss_mb", procStatusMb("VmHWM"), "MB", "process peak so far (VmHWM)");
}

// Records the workload with this build's `reel record` unless a cached trace newer than the
// script exists. Returns false (with a message) when it cannot record.
bool recordWorkload(const std::filesystem::path& out, const std::string& python,
                    uint64_t iterations, bool force) {
    namespace fs = std::filesystem;
    const fs::path script = fs::path(REEL_SOURCE_DIR) / "bench" / "replay_workload.py";
    const fs::path reel = fs::path(REEL_BINARY_DIR) / "reel";
    if (!force && fs::exists(out) && fs::last_write_time(out) > fs::last_write_time(script)) {
        std::fprintf(stderr, "[recorded] reusing %s\n", out.c_str());
        return true;
    }
    if (!fs::exists(reel)) {
        std::fprintf(stderr, "[recorded] %s is not built: skipping the recorded trace\n",
                     reel.c_str());
        return false;
    }
    const fs::path tmp = out.string() + ".tmp";
    fs::remove(tmp);
    const std::string iters = std::to_string(iterations);
    const std::string only = (fs::path(REEL_SOURCE_DIR) / "bench").string();
    std::fprintf(stderr, "[recorded] recording %s %s with %s...\n", script.c_str(), iters.c_str(),
                 python.c_str());
    const auto t0 = Clock::now();
    const pid_t pid = ::fork();
    if (pid == 0) {
        // The program's own output is not part of the benchmark.
        if (!std::freopen("/dev/null", "w", stdout) || !std::freopen("/dev/null", "w", stderr))
            ::_exit(126);
        ::execl(reel.c_str(), reel.c_str(), "record", "--python", python.c_str(), "-o", tmp.c_str(),
                "--only", only.c_str(), script.c_str(), iters.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    int status = 0;
    if (pid < 0 || ::waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0 || !fs::exists(tmp)) {
        std::fprintf(stderr, "[recorded] recording failed (status %d): skipping\n", status);
        fs::remove(tmp);
        return false;
    }
    fs::rename(tmp, out);
    std::fprintf(stderr, "[recorded] recorded in %.1f s, %.1f MB\n",
                 std::chrono::duration<double>(Clock::now() - t0).count(),
                 static_cast<double>(fs::file_size(out)) / 1e6);
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 6 && !std::strcmp(argv[1], "--rss")) {
        gTrace = argv[5];
        try {
            return rssChild(argv[2], argv[3], std::stoi(argv[4]));
        } catch (const std::exception& e) {
            std::fprintf(stderr, "bench_replayer --rss: %s\n", e.what());
            return 1;
        }
    }
    uint64_t targetEvents = 50'000'000;
    uint64_t iterations = 850'000;
    int seeks = 2000;
    std::string keep, which = "both", python = REEL_BENCH_PYTHON;
    bool rerecord = false;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--events") && i + 1 < argc)
            targetEvents = std::stoull(argv[++i]);
        else if (!std::strcmp(argv[i], "--iterations") && i + 1 < argc)
            iterations = std::stoull(argv[++i]);
        else if (!std::strcmp(argv[i], "--seeks") && i + 1 < argc)
            seeks = std::stoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--keep") && i + 1 < argc)
            keep = argv[++i];
        else if (!std::strcmp(argv[i], "--trace") && i + 1 < argc)
            which = argv[++i];
        else if (!std::strcmp(argv[i], "--python") && i + 1 < argc)
            python = argv[++i];
        else if (!std::strcmp(argv[i], "--rerecord"))
            rerecord = true;
        else {
            std::fprintf(stderr, "bench_replayer: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    int status = 0;
    if (which == "recorded" || which == "both") {
        gTrace = "recorded";
        const auto path = std::filesystem::path(REEL_BINARY_DIR) / "bench" /
                          ("replay_workload-" + std::to_string(iterations) + ".reel");
        try {
            if (recordWorkload(path, python, iterations, rerecord)) measure(path, seeks);
        } catch (const std::exception& e) {
            // e.g. a cached trace from an older format: --rerecord replaces it.
            std::fprintf(stderr, "bench_replayer [recorded]: %s\n", e.what());
            status = 1;
        }
    }
    if (which == "synthetic" || which == "both") {
        gTrace = "synthetic";
        const auto path = keep.empty()
                              ? std::filesystem::temp_directory_path() /
                                    ("reel-bench-replayer-" + std::to_string(::getpid()) + ".reel")
                              : std::filesystem::path(keep);
        try {
            if (!keep.empty() && std::filesystem::exists(path)) {
                std::fprintf(stderr, "[synthetic] reusing %s\n", path.c_str());
            } else {
                std::fprintf(stderr, "[synthetic] generating %llu events...\n",
                             static_cast<unsigned long long>(targetEvents));
                const double genUs = timeUs([&] { generate(path, targetEvents); });
                std::fprintf(stderr, "[synthetic] generated in %.1f s, %.1f MB\n", genUs / 1e6,
                             static_cast<double>(std::filesystem::file_size(path)) / 1e6);
            }
            measure(path, seeks);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "bench_replayer [synthetic]: %s\n", e.what());
            status = 1;
        }
        if (keep.empty()) std::filesystem::remove(path);
    }
    return status;
}
