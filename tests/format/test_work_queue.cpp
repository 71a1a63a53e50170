// WorkQueue (the thread behind TraceWriter and FlightWriter): pause() before fork() leaves the
// process without the worker thread, with every queued item processed, and the next push()
// starts it again; after stop() nothing restarts it.

#include <catch2/catch.hpp>

#include <dirent.h>

#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

#include "reel/format/WorkQueue.h"

using reel::format::WorkQueue;

namespace {

// Threads of this process, as CPython's fork() warning counts them.
size_t threadCount() {
    size_t n = 0;
    if (DIR* d = opendir("/proc/self/task")) {
        while (dirent* e = readdir(d))
            if (e->d_name[0] != '.') ++n;
        closedir(d);
    }
    return n;
}

}  // namespace

TEST_CASE("a paused work queue has no thread until the next push", "[format][workqueue]") {
    const size_t before = threadCount();
    std::vector<int> seen;
    WorkQueue<int> q(1 << 20, "failed", [&](int& v) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        seen.push_back(v);
    });
    CHECK(threadCount() == before + 1);
    for (int i = 0; i < 20; ++i) q.push(int(i), 8);
    q.pause();
    // Everything queued was processed, in order, and the worker is gone.
    CHECK(seen.size() == 20);
    CHECK(threadCount() == before);
    q.pause();  // idempotent
    q.waitIdle();  // nothing queued: returns without a worker
    q.push(20, 8);
    CHECK(threadCount() == before + 1);
    q.waitIdle();
    REQUIRE(seen.size() == 21);
    for (int i = 0; i <= 20; ++i) CHECK(seen[static_cast<size_t>(i)] == i);
    q.stop();
    CHECK(threadCount() == before);
}

TEST_CASE("a failure before a pause is reported after it", "[format][workqueue]") {
    // The worker holds the first item until all five are queued: a push after the failure
    // rethrows it (as it should), so a worker that got to item 3 before the last push made the
    // test fail on a loaded machine.
    std::promise<void> allQueued;
    std::shared_future<void> queued = allQueued.get_future().share();
    WorkQueue<int> q(1 << 20, "failed earlier", [queued](int& v) {
        if (v == 0) queued.wait();
        if (v == 3) throw std::runtime_error("disk full");
    });
    for (int i = 0; i < 5; ++i) q.push(int(i), 8);
    allQueued.set_value();
    q.pause();
    CHECK_THROWS_WITH(q.rethrowIfFailed(), "disk full");
    CHECK_THROWS_WITH(q.push(9, 8), "failed earlier");
}
