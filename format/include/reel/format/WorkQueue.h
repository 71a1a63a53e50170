#pragma once
// The background thread behind TraceWriter and replayer::FlightWriter: the interpreter thread
// hands over items (batches) and goes on; one worker thread processes them in order. The queue is
// bounded by bytes, so a slow disk slows the producer down instead of growing memory without
// limit. A failure on the worker is reported on the producer's side: the next push(), waitIdle()
// or rethrowIfFailed() rethrows it once, later calls throw `failedMessage`; the items queued
// behind a failed one are dropped (nothing after it can be trusted to land).

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

namespace reel::format {

template <class Item>
class WorkQueue {
  public:
    // Starts the worker, which calls `process` for each item (not under the queue's lock).
    WorkQueue(size_t maxQueuedBytes, std::string failedMessage, std::function<void(Item&)> process)
        : maxQueuedBytes_(maxQueuedBytes),
          failedMessage_(std::move(failedMessage)),
          process_(std::move(process)) {
        std::lock_guard life(lifeMu_);
        startLocked();
    }
    ~WorkQueue() { stop(); }
    WorkQueue(const WorkQueue&) = delete;
    WorkQueue& operator=(const WorkQueue&) = delete;

    // Queues `item` (`bytes` of memory). Blocks while the queue holds more than the budget; an
    // item larger than the whole budget still goes through once the queue is empty, so memory
    // stays bounded by max(maxQueuedBytes, largest item).
    void push(Item&& item, size_t bytes) {
        {
            std::lock_guard life(lifeMu_);
            startLocked();  // after pause()
        }
        std::unique_lock lock(mu_);
        rethrowLocked();
        spaceCv_.wait(lock, [&] {
            return error_ || queuedBytes_ == 0 || queuedBytes_ + bytes <= maxQueuedBytes_;
        });
        rethrowLocked();
        queuedBytes_ += bytes;
        queue_.push_back({std::move(item), bytes});
        lock.unlock();
        workCv_.notify_one();
    }

    // Returns once every queued item is processed.
    void waitIdle() {
        std::unique_lock lock(mu_);
        idleCv_.wait(lock, [&] { return error_ || (queue_.empty() && !busy_); });
        rethrowLocked();
    }

    void rethrowIfFailed() {
        std::lock_guard lock(mu_);
        rethrowLocked();
    }

    // Processes what is queued, then ends the worker for good (idempotent). Errors stay for
    // rethrowIfFailed().
    void stop() {
        std::lock_guard life(lifeMu_);
        ended_ = true;
        joinLocked();
    }

    // Processes what is queued and ends the worker until the next push(). A process about to
    // fork() then has no thread of ours: CPython 3.12+ warns (a DeprecationWarning, an error
    // under -W error) when a process with more than one thread forks, which a plain run of the
    // program would not do, and the child would inherit a queue that no thread serves. The
    // restart waits for the next push() because 3.13 counts the threads after the
    // after-fork hooks have run.
    void pause() {
        std::lock_guard life(lifeMu_);
        joinLocked();
    }

  private:
    struct Entry {
        Item item;
        size_t bytes;
    };

    void rethrowLocked() {
        if (error_) {
            auto e = error_;
            error_ = nullptr;  // reported once; the queue stays failed
            failed_ = true;
            std::rethrow_exception(e);
        }
        if (failed_) throw std::runtime_error(failedMessage_);
    }

    void startLocked() {
        if (ended_ || thread_.joinable()) return;
        thread_ = std::thread([this] { run(); });
    }
    void joinLocked() {
        if (!thread_.joinable()) return;
        {
            std::lock_guard lock(mu_);
            stop_ = true;
        }
        workCv_.notify_all();
        thread_.join();
        std::lock_guard lock(mu_);
        stop_ = false;
    }

    void run() {
        std::unique_lock lock(mu_);
        for (;;) {
            workCv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
            if (queue_.empty()) break;  // stop_ and drained
            busy_ = true;
            const size_t bytes = queue_.front().bytes;
            std::exception_ptr err;
            {
                Item item = std::move(queue_.front().item);
                queue_.pop_front();
                lock.unlock();
                if (!failed_) {
                    try {
                        process_(item);
                    } catch (...) {
                        err = std::current_exception();
                    }
                }
            }  // the item's memory is released before it stops counting against the budget
            lock.lock();
            busy_ = false;
            queuedBytes_ -= std::min(queuedBytes_, bytes);
            if (err) {
                error_ = err;
                failed_ = true;
                queue_.clear();  // so waiters wake up and see the error
                queuedBytes_ = 0;
            }
            spaceCv_.notify_all();
            idleCv_.notify_all();
        }
    }

    const size_t maxQueuedBytes_;
    const std::string failedMessage_;
    std::function<void(Item&)> process_;
    std::mutex mu_;
    std::condition_variable workCv_, spaceCv_, idleCv_;
    std::deque<Entry> queue_;
    size_t queuedBytes_ = 0;
    bool busy_ = false;
    bool stop_ = false;
    std::exception_ptr error_;
    std::atomic<bool> failed_{false};
    // Guards thread_ and ended_: the worker's life (start, pause, stop) is one at a time.
    std::mutex lifeMu_;
    bool ended_ = false;
    std::thread thread_;  // last: started once everything above exists
};

}  // namespace reel::format
