#pragma once
// What the timeline draws, computed once per trace from the replayer's index (no scan of the
// events): the call depth over time (the index's depth profile: the deepest and shallowest stack
// of any thread per bucket of a few events), exception raises with their outcome (those that
// concern the program: not the ones raised and handled inside library code), thread switches and
// asyncgen hook calls.

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
    uint32_t maxDepth() const { return maxDepth_; }
    // Per bucket (depthBucketSize() events each, bucket b starting at first() + b *
    // depthBucketSize()): depth range over every thread (Replayer::depthProfile).
    uint64_t depthBucketSize() const { return bucketSize_; }
    const std::vector<uint32_t>& depthMax() const { return depthMax_; }
    const std::vector<uint32_t>& depthMin() const { return depthMin_; }
    // Sorted by event.
    const std::vector<TimelineMarker>& markers() const { return markers_; }
    // The marker nearest to `event` within `tolerance` events, or nullptr.
    const TimelineMarker* markerNear(uint64_t event, uint64_t tolerance) const;
    bool threadSwitchesTruncated() const { return switchesTruncated_; }

    static constexpr size_t kMaxThreadSwitches = 4096;

  private:
    uint64_t events_ = 0;
    uint64_t first_ = 0;
    uint64_t bucketSize_ = 1;
    uint32_t maxDepth_ = 0;
    std::vector<uint32_t> depthMax_, depthMin_;
    std::vector<TimelineMarker> markers_;
    bool switchesTruncated_ = false;
};

}  // namespace reel::gui
