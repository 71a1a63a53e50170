#include "reel/replayer/TraceSlicer.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "CheckpointState.h"
#include "EventCopy.h"
#include "OutputTail.h"
#include "ReplayerImpl.h"
#include "reel/format/EventStream.h"
#include "reel/format/TraceFormatError.h"
#include "reel/format/TraceWriter.h"
#include "reel/replayer/EventCursor.h"

namespace reel::replayer {

namespace {

std::string range(uint64_t a, uint64_t b) {
    return std::to_string(a) + ".." + std::to_string(b);
}

}  // namespace

std::pair<uint64_t, uint64_t> resolveSliceWindow(Replayer& original, const SliceOptions& o) {
    if (original.eventCount() == original.firstEvent())
        throw SliceRangeError("the trace has no events to slice");
    const uint64_t lo = original.firstEvent(), hi = original.lastEvent();
    const std::string valid = "the trace has events " + range(lo, hi);
    uint64_t first = o.from.value_or(lo), last = o.to.value_or(hi);
    if (o.from && (first < lo || first > hi))
        throw SliceRangeError("--from " + std::to_string(first) + " is out of range: " + valid);
    if (o.to && (last < lo || last > hi))
        throw SliceRangeError("--to " + std::to_string(last) + " is out of range: " + valid);
    if (first > last)
        throw SliceRangeError("empty window: --from " + std::to_string(first) + " is after --to " +
                              std::to_string(last));
    for (auto t : {o.fromTime, o.toTime})
        if (t && !(std::isfinite(*t) && *t >= 0))
            throw SliceRangeError("times are seconds since the run started (>= 0)");
    if (o.thread) {
        const auto& ids = original.threadIds();
        if (!std::binary_search(ids.begin(), ids.end(), *o.thread))
            throw SliceRangeError("--thread " + std::to_string(*o.thread) +
                                  ": no such thread in the trace");
    }
    if (o.fromTime || o.toTime || o.thread) {
        // One pass over the window: TIME records are sparse, so times map to events only by
        // replaying them.
        const int64_t fromNs = o.fromTime ? static_cast<int64_t>(*o.fromTime * 1e9) : 0;
        const int64_t toNs = o.toTime ? static_cast<int64_t>(*o.toTime * 1e9) : INT64_MAX;
        std::optional<uint64_t> a, z;
        EventCursor cur(original.reader());
        while (cur.next()) {
            const ProgramState& s = cur.state();
            if (s.event < first) continue;
            if (s.event > last) break;
            if (s.timeNs < fromNs) continue;
            if (s.timeNs > toNs) break;
            if (o.thread && s.thread != *o.thread) continue;
            if (!a) a = s.event;
            z = s.event;
        }
        if (!a)
            throw SliceRangeError(
                "no event of the window " + range(first, last) + " matches" +
                (o.fromTime || o.toTime ? std::string(" the time range") : std::string()) +
                (o.thread ? " on thread " + std::to_string(*o.thread) : std::string()));
        first = *a;
        last = *z;
    }
    if (o.last) {
        if (*o.last == 0) throw SliceRangeError("--last must keep at least one event");
        if (last - first + 1 > *o.last) first = last - *o.last + 1;
    }
    return {first, last};
}

SliceResult sliceTrace(Replayer& original, const std::filesystem::path& out,
                       const SliceOptions& o) {
    const auto [first, last] = resolveSliceWindow(original, o);
    format::TraceReader& reader = original.reader();
    SliceResult res;
    res.first = first;
    res.last = last;
    const bool atEnd = last == original.lastEvent();

    // The starting state: the original's own checkpoint when the window starts where it does,
    // else the replayed state just before the window.
    std::optional<format::Checkpoint> cp;
    if (first > original.firstEvent()) {
        ProgramState before = original.stateAt(first - 1);
        cp = checkpointFromState(before);
        // The tails in the order they were written, so the slice shows them interleaved.
        OutputTail tails(o.maxCarriedOutput);
        original.impl().forEachOutput(
            first - 1, o.maxCarriedOutput,
            [&](uint32_t stream, std::string_view text) { tails.add(stream, text); });
        tails.store(*cp);
    } else if (reader.checkpoint()) {
        cp = *reader.checkpoint();
    }
    if (cp) {
        cp->originalEventCount = original.eventCount() - original.firstEvent();
        cp->originalPath = reader.path().filename().string();
    }
    res.checkpoint = cp.has_value();
    const int64_t startTimeNs = cp ? cp->timeNs : 0;

    format::TraceWriter::Options wo;
    wo.durable = o.durable;
    // The values chunks are copied as they are: whatever reader the original needed (format 1.2
    // compact records), the slice needs too.
    wo.requiredReaderMinor = std::max<uint16_t>(reader.header().requiredReaderMinor,
                                                cp ? format::kCheckpointReaderMinor : 0);
    format::TraceWriter writer(out, reader.header(), wo);

    format::Batch head;
    head.defs = allDefinitions(reader.defs());
    head.checkpoint = std::move(cp);
    writer.append(std::move(head));

    // Values: every values chunk before the events chunk holding `last` in the file (see the
    // header). Refs past them would be a recorder bug; the event pass below checks.
    const size_t lastChunk = reader.findEventChunk(last);
    const uint64_t lastChunkOffset = reader.eventChunkInfo(lastChunk).offset;
    uint64_t values = 0;
    for (const auto& c : reader.chunks()) {
        if (c.kind != 2 || c.offset > lastChunkOffset || c.count == 0) continue;
        auto vc = reader.valueChunkFor(c.first);
        format::Batch b;
        b.firstValueId = vc->firstId;
        b.valueCount = static_cast<uint32_t>(vc->recordOffsets.size());
        b.values = vc->data;
        values = vc->firstId + b.valueCount;
        writer.append(std::move(b));
    }
    res.values = values;

    // Events first..last (plus the trailing records when the window reaches the end).
    EventCopyOptions co;
    co.first = first;
    co.last = last;
    co.trailing = atEnd;
    co.startTimeNs = startTimeNs;
    co.eventsPerBatch = o.eventsPerChunk;
    co.valueLimit = values;
    const uint64_t nextEvent = copyEvents({&reader}, writer, co);
    REEL_REQUIRE(nextEvent == last + 1, format::TraceFormatError::kNoOffset,
                 "the trace's events end before event " + std::to_string(last));
    writer.close(reader.exitInfo().value_or(format::ExitInfo{}));
    std::error_code ec;
    res.bytes = std::filesystem::file_size(out, ec);
    return res;
}

}  // namespace reel::replayer
