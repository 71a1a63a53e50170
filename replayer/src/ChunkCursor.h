#pragma once
// Decodes the event records of a whole trace in order, moving from one events chunk to the next,
// and can save and restore its position (chunk + DecoderPosition) for checkpoints.

#include <cstdint>
#include <memory>
#include <optional>

#include "reel/format/EventStream.h"
#include "reel/format/TraceReader.h"

namespace reel::replayer {

// The position after some record: decoding resumes with the record that follows it.
struct TracePosition {
    size_t chunk = 0;
    bool chunkStart = true;  // nothing of `chunk` decoded yet (dec is then unused)
    format::DecoderPosition dec;
};

class ChunkCursor {
  public:
    explicit ChunkCursor(format::TraceReader& reader);

    void seek(const TracePosition& p);
    TracePosition position() const;

    // The next record; false at the end of the trace. Checks that each chunk continues the
    // previous one (event numbers, frame ids) and that every chunk was fully consumed.
    bool next(format::Record& r) {
        if (dec_ && dec_->next(r)) return true;
        return nextSlow(r);
    }
    // The decoder's current thread and the current chunk's file offset (for errors).
    uint32_t thread() const { return dec_ ? dec_->thread() : 0; }
    uint64_t fileOffset() const { return chunkData_ ? chunkData_->fileOffset : 0; }
    size_t chunkIndex() const { return chunk_; }
    const format::EventChunk* chunkData() const { return chunkData_.get(); }

  private:
    bool nextSlow(format::Record& r);
    void open(size_t chunk);

    format::TraceReader& reader_;
    size_t chunk_ = 0;
    std::shared_ptr<const format::EventChunk> chunkData_;
    std::optional<format::EventDecoder> dec_;
};

}  // namespace reel::replayer
