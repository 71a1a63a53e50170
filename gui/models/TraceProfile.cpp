#include "models/TraceProfile.h"

#include <algorithm>

#include "reel/format/TraceReader.h"
#include "reel/replayer/EventCursor.h"

namespace reel::gui {

TraceProfile computeTraceProfile(const std::filesystem::path& path, const std::atomic<bool>* cancel,
                                 size_t maxBuckets) {
    format::TraceReader reader(path);
    auto data = std::make_shared<TraceProfile::Data>();
    // A slice's events keep the original's numbers (firstEvent() > 0): bucket from there, so
    // the profile's resolution is spent on the events the trace has.
    data->firstEvent = std::min(reader.firstEvent(), reader.eventCount());
    const uint64_t events = reader.eventCount() - data->firstEvent;
    maxBuckets = std::max<size_t>(1, maxBuckets);
    data->bucketSize = std::max<uint64_t>(1, (events + maxBuckets - 1) / maxBuckets);
    const size_t buckets = size_t((events + data->bucketSize - 1) / data->bucketSize);
    data->depthMax.assign(buckets, 0);
    data->depthMin.assign(buckets, 0xFFFF);

    replayer::EventCursor cur(reader);
    uint64_t n = 0;
    while (cur.next()) {
        if ((++n & 0xFFFF) == 0 && cancel && cancel->load()) return {};
        if (cur.event() < data->firstEvent) continue;
        const size_t b = size_t((cur.event() - data->firstEvent) / data->bucketSize);
        if (b >= buckets) continue;
        const uint16_t d = uint16_t(std::min<uint32_t>(cur.machine().depth(), 0xFFFF));
        data->depthMax[b] = std::max(data->depthMax[b], d);
        data->depthMin[b] = std::min(data->depthMin[b], d);
    }
    for (auto& m : data->depthMin)
        if (m == 0xFFFF) m = 0;
    return {std::move(data)};
}

}  // namespace reel::gui
