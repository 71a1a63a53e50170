#pragma once
// What the timeline draws, computed once per trace from the replayer's index (no scan of the
// events): the call depth over time (per index block: the deepest and shallowest stack of any
// thread), exception raises with their outcome, thread switches and asyncgen hook calls.

#include <QString>

#include <cstdint>
#include <vector>

namespace reel::replayer {
class Replayer;
}

namespace reel::gui {

class Session;

struct TimelineMarker {
    enum class Kind : uint8_t { ExceptionHandled, ExceptionUncaught, ThreadSwitch, AsyncGenHook };
    Kind kind{};
    uint64_t event = 0;
    // Thread switches and hook calls; empty for an exception (TimelineData::tip renders it).
    QString tip;
    size_t exception = 0;  // index into Replayer::exceptions(), for an exception marker
};

class TimelineData {
  public:
    void clear();
    // Reads the index of the Session's trace. Renders no value: a run can raise millions of
    // exceptions, and build() runs on the UI thread when a trace opens.
    void build(Session& session);
    // The marker's tool tip; an exception's value is rendered here, when it is asked for.
    QString tip(const TimelineMarker& m, Session& session) const;

    // One past the last event number (0: nothing to show). A slice (`reel slice`) keeps the
    // original run's numbers, so its events are first() .. last(), not 0 .. events() - 1.
    uint64_t events() const { return events_; }
    uint64_t first() const { return first_; }
    uint64_t last() const { return events_ ? events_ - 1 : 0; }
    uint32_t interval() const { return interval_; }
    uint32_t maxDepth() const { return maxDepth_; }
    // Per block (interval() events each, block b starting at first() + b * interval()): depth range
    // over every thread that ran in it.
    const std::vector<uint16_t>& blockMaxDepth() const { return maxDepthPerBlock_; }
    const std::vector<uint16_t>& blockMinDepth() const { return minDepthPerBlock_; }
    // Sorted by event.
    const std::vector<TimelineMarker>& markers() const { return markers_; }
    // The marker nearest to `event` within `tolerance` events, or nullptr.
    const TimelineMarker* markerNear(uint64_t event, uint64_t tolerance) const;
    bool threadSwitchesTruncated() const { return switchesTruncated_; }

    static constexpr size_t kMaxThreadSwitches = 4096;

  private:
    uint64_t events_ = 0;
    uint64_t first_ = 0;
    uint32_t interval_ = 1;
    uint32_t maxDepth_ = 0;
    std::vector<uint16_t> maxDepthPerBlock_, minDepthPerBlock_;
    std::vector<TimelineMarker> markers_;
    bool switchesTruncated_ = false;
};

}  // namespace reel::gui
