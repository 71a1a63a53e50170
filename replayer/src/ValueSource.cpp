#include "reel/replayer/ValueSource.h"

#include <stdexcept>
#include <string>

#include "reel/format/TraceReader.h"

namespace reel::replayer {

FetchedValue TraceValueSource::fetch(uint64_t id) {
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
