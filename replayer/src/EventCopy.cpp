#include "EventCopy.h"

#include <string>

#include "reel/format/EventStream.h"
#include "reel/format/TraceFormatError.h"

namespace reel::replayer {

using format::Record;

format::NewDefs allDefinitions(const format::Definitions& d) {
    format::NewDefs n;
    n.sources = d.sources;
    n.codes = d.codes;
    n.types = d.types;
    for (size_t i = 0; i < d.strings.size(); ++i)
        n.strings.emplace_back(static_cast<uint32_t>(i), d.strings[i]);
    n.threads = d.threads;
    return n;
}

uint64_t copyEvents(const std::vector<format::TraceReader*>& sources, format::TraceWriter& out,
                    const EventCopyOptions& o) {
    format::EventEncoder enc;
    format::Batch cur;
    bool open = false;
    int64_t timeNs = o.startTimeNs;
    uint64_t nextEvent = o.first;
    auto flushBatch = [&] {
        if (!open) return;
        cur.eventCount = enc.eventCount;
        cur.tags = enc.tags;
        cur.args = enc.args;
        cur.blobs = enc.blobs;
        cur.endTimeNs = timeNs;
        out.append(std::move(cur));
        open = false;
    };
    bool done = false;
    bool started = false;
    for (format::TraceReader* r : sources) {
        if (done) break;
        if (r->eventChunkCount() == 0 || r->eventCount() <= o.first) continue;
        size_t startChunk = 0;
        if (!started) {
            // Unnumbered records belonging to `first` may sit at the end of earlier chunks (a
            // batch cut between a record and its event): start with every chunk that ends right
            // before `first`.
            startChunk = r->findEventChunk(o.first);
            while (startChunk > 0) {
                const auto& prev = r->eventChunkInfo(startChunk - 1);
                if (prev.first + prev.count < o.first) break;
                --startChunk;
            }
            started = true;
        }
        for (size_t ci = startChunk; ci < r->eventChunkCount() && !done; ++ci) {
            auto chunk = r->eventChunk(ci);
            const auto& c = *chunk;
            format::EventDecoder dec(c.tags.data(), c.tags.size(), c.args.data(), c.args.size(),
                                     c.blobs.data(), c.blobs.size(), c.firstEvent, c.eventCount,
                                     c.startThread, c.startNextFrameId, c.fileOffset);
            uint32_t thread = dec.thread();
            uint64_t nextFrameId = dec.nextFrameId();
            Record rec;
            while (dec.next(rec)) {
                // rec.event: the event the record belongs to (its own number if numbered).
                if (rec.event < o.first) {
                    thread = dec.thread();
                    nextFrameId = dec.nextFrameId();
                    continue;
                }
                if (rec.event > o.last && !(o.trailing && !format::isNumbered(rec.kind))) {
                    done = true;
                    break;
                }
                if (!open) {
                    cur = format::Batch{};
                    cur.firstEvent = nextEvent;
                    cur.startThread = thread;
                    cur.startNextFrameId = nextFrameId;
                    cur.startTimeNs = timeNs;
                    enc.reset();
                    open = true;
                }
                if (o.valueLimit != 0 && format::carriesValue(rec.kind) &&
                    rec.value.kind() == format::ValueRef::Kind::Record)
                    REEL_REQUIRE(rec.value.recordId() < o.valueLimit, c.fileOffset,
                                 "event " + std::to_string(rec.event) + " refers to value " +
                                     std::to_string(rec.value.recordId()) +
                                     ", written after its events chunk");
                if (rec.kind == format::RecordKind::Time) timeNs = static_cast<int64_t>(rec.a);
                format::encodeRecord(enc, rec);
                thread = dec.thread();
                nextFrameId = dec.nextFrameId();
                if (format::isNumbered(rec.kind)) {
                    nextEvent = rec.event + 1;
                    if (enc.eventCount >= o.eventsPerBatch || enc.bytes() >= o.maxBytesPerBatch)
                        flushBatch();
                }
            }
        }
    }
    flushBatch();
    return nextEvent;
}

}  // namespace reel::replayer
