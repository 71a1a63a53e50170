#pragma once
// The call depth over the run at a finer grain than the replayer's index blocks (K events), for
// the timeline's sparkline on short traces and when zoomed in. Computed by one sequential pass
// (EventCursor) on the loading thread after indexing; the window is usable before it arrives.
// (Executed lines come from Replayer::executedLines; see docs/gui.md, "Library requests", for
// what would let this pass go too.)

#include <QMetaType>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

namespace reel::gui {

struct TraceProfile {
    struct Data {
        uint64_t bucketSize = 1;  // events per depth bucket
        // The trace's first event (a slice's, else 0): bucket b covers events from
        // firstEvent + b * bucketSize.
        uint64_t firstEvent = 0;
        std::vector<uint16_t> depthMax, depthMin;  // per bucket, over all threads
    };
    std::shared_ptr<const Data> data;  // shared: copies are cheap and cross threads by value

    bool valid() const { return data != nullptr; }
};

// Reads the trace at `path` with its own reader. `maxBuckets` bounds the profile's size. Returns
// an invalid profile when `cancel` is set midway. Throws TraceFormatError / std::system_error like
// the reader.
TraceProfile computeTraceProfile(const std::filesystem::path& path,
                                 const std::atomic<bool>* cancel = nullptr,
                                 size_t maxBuckets = 1 << 16);

}  // namespace reel::gui

Q_DECLARE_METATYPE(reel::gui::TraceProfile)
