#include "reel/replayer/ValueSource.h"

#include <functional>
#include <stdexcept>
#include <string>

#include "reel/format/TraceReader.h"

namespace reel::replayer {

namespace {
// Format 1.2 PATCH records stand for the full record they describe: consumers only ever see
// resolved records. Container and object records hold no views, so the patch's storage keeps
// the result valid.
FetchedValue resolved(FetchedValue v, const std::function<FetchedValue(uint64_t)>& raw) {
    if (v.record.kind != format::ValueKind::Patch) return v;
    v.record = format::resolvePatch(
        std::move(v.record), [&](uint64_t id) { return raw(id).record; }, v.fileOffset);
    return v;
}
}  // namespace

FetchedValue TraceValueSource::fetch(uint64_t id) {
    FetchedValue v = fetchRaw(id);
    if (v.record.kind != format::ValueKind::Patch) return v;
    auto& slot = resolved_[id % kResolvedSlots];
    if (slot.first == id + 1) {
        v.record = slot.second;
        return v;
    }
    // A base resolved earlier (the previous snapshot of the same object, typically) ends the
    // chain at once; a full base met on the way is remembered for the next patch of it.
    v.record = format::resolvePatch(
        std::move(v.record),
        [this](uint64_t b) {
            const auto& hit = resolved_[b % kResolvedSlots];
            if (hit.first == b + 1) return hit.second;
            format::ValueRecord r = fetchRaw(b).record;
            if (r.kind != format::ValueKind::Patch) resolved_[b % kResolvedSlots] = {b + 1, r};
            return r;
        },
        v.fileOffset);
    slot = {id + 1, v.record};
    return v;
}

FetchedValue TraceValueSource::fetchRaw(uint64_t id) {
    std::shared_ptr<const format::ValueChunk> chunk;
    try {
        chunk = reader_.valueChunkFor(id);
    } catch (const std::out_of_range&) {
        throw format::TraceFormatError("reference to value " + std::to_string(id) +
                                       ", which the trace does not contain");
    }
    const uint64_t index = id - chunk->firstId;
    REEL_REQUIRE(id >= chunk->firstId && index < chunk->recordOffsets.size(), chunk->fileOffset,
                 "values chunk does not hold the value it was indexed for");
    format::ByteCursor cursor(chunk->data.data(), chunk->data.size(), chunk->fileOffset);
    cursor.seek(chunk->recordOffsets[index]);
    FetchedValue out;
    out.record = format::decodeValue(cursor, id);
    out.fileOffset = chunk->fileOffset;
    out.storage = std::move(chunk);
    return out;
}

BufferValueSource::BufferValueSource(std::vector<uint8_t> data, uint64_t firstId)
    : data_(std::make_shared<const std::vector<uint8_t>>(std::move(data))), firstId_(firstId) {
    format::ByteCursor cursor(data_->data(), data_->size(), 0);
    while (!cursor.atEnd()) {
        offsets_.push_back(cursor.position());
        format::skipValue(cursor);
    }
}

FetchedValue BufferValueSource::fetch(uint64_t id) {
    return resolved(fetchRaw(id), [this](uint64_t b) { return fetchRaw(b); });
}

FetchedValue BufferValueSource::fetchRaw(uint64_t id) {
    REEL_REQUIRE(
        id >= firstId_ && id - firstId_ < offsets_.size(), 0,
        "reference to value " + std::to_string(id) + ", which the buffer does not contain");
    format::ByteCursor cursor(data_->data(), data_->size(), 0);
    cursor.seek(offsets_[id - firstId_]);
    FetchedValue out;
    out.record = format::decodeValue(cursor, id);
    out.fileOffset = 0;
    out.storage = data_;
    return out;
}

}  // namespace reel::replayer
