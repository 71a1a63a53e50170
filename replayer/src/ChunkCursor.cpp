#include "ChunkCursor.h"

#include "reel/format/TraceFormatError.h"

namespace reel::replayer {

ChunkCursor::ChunkCursor(format::TraceReader& reader) : reader_(reader) {
    seek(TracePosition{});
}

void ChunkCursor::open(size_t chunk) {
    chunk_ = chunk;
    dec_.reset();
    chunkData_.reset();
    if (chunk >= reader_.eventChunkCount()) return;
    chunkData_ = reader_.eventChunk(chunk);
    const auto& c = *chunkData_;
    dec_.emplace(c.tags.data(), c.tags.size(), c.args.data(), c.args.size(), c.blobs.data(),
                 c.blobs.size(), c.firstEvent, c.eventCount, c.startThread, c.startNextFrameId,
                 c.fileOffset);
}

void ChunkCursor::seek(const TracePosition& p) {
    // At a chunk start the decoder must be fresh: its carried state comes from the chunk header.
    if (p.chunkStart || !(dec_ && chunk_ == p.chunk)) open(p.chunk);
    if (dec_ && !p.chunkStart) dec_->seek(p.dec);
}

TracePosition ChunkCursor::position() const {
    TracePosition p;
    p.chunk = chunk_;
    p.chunkStart = false;
    if (dec_) p.dec = dec_->position();
    return p;
}

bool ChunkCursor::nextSlow(format::Record& r) {
    while (dec_) {
        dec_->finish();
        const uint64_t nextEvent = dec_->nextEvent();
        const uint64_t nextFrameId = dec_->nextFrameId();
        open(chunk_ + 1);
        if (!dec_) return false;
        // Event numbers and frame ids continue across chunks; a gap means a chunk is missing or
        // its header lies, and everything after it would be attributed to the wrong frames.
        REEL_REQUIRE(chunkData_->firstEvent == nextEvent, chunkData_->fileOffset,
                     "events chunk does not continue the previous one (event numbers)");
        REEL_REQUIRE(chunkData_->startNextFrameId == nextFrameId, chunkData_->fileOffset,
                     "events chunk does not continue the previous one (frame ids)");
        if (dec_->next(r)) return true;
    }
    return false;
}

}  // namespace reel::replayer
