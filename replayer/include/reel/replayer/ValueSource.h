#pragma once
// Where value records come from: the values chunks of a trace, or a buffer of records built in
// memory (tests, tools). The renderer only needs "record by id".

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "reel/format/ValueCodec.h"

namespace reel::format {
class TraceReader;
}

namespace reel::replayer {

// A decoded record together with what keeps its views (text, digits) valid.
struct FetchedValue {
    format::ValueRecord record;
    std::shared_ptr<const void> storage;
    uint64_t fileOffset = format::TraceFormatError::kNoOffset;  // of the chunk, for error messages
};

class ValueSource {
  public:
    virtual ~ValueSource() = default;
    // The record with value id `id`, a format 1.2 PATCH already resolved into the full record it
    // stands for. Throws TraceFormatError when the id does not exist or the record is damaged.
    virtual FetchedValue fetch(uint64_t id) = 0;
};

// Records from a trace's values chunks (decompressed and cached by the reader).
class TraceValueSource : public ValueSource {
  public:
    explicit TraceValueSource(format::TraceReader& reader) : reader_(reader) {}
    FetchedValue fetch(uint64_t id) override;

  private:
    FetchedValue fetchRaw(uint64_t id);  // decoded, PATCH unresolved
    format::TraceReader& reader_;
    // (id + 1, resolved record) of recently resolved patches and their full bases: a patch of
    // the previous snapshot of an object resolves in one step instead of a chain of up to 16.
    static constexpr size_t kResolvedSlots = 1024;
    std::vector<std::pair<uint64_t, format::ValueRecord>> resolved_ =
        std::vector<std::pair<uint64_t, format::ValueRecord>>(kResolvedSlots);
};

// Records encoded back to back (format::encode::*) with consecutive ids from `firstId`.
class BufferValueSource : public ValueSource {
  public:
    explicit BufferValueSource(std::vector<uint8_t> data, uint64_t firstId = 0);
    FetchedValue fetch(uint64_t id) override;
    uint64_t count() const { return offsets_.size(); }

  private:
    FetchedValue fetchRaw(uint64_t id);
    std::shared_ptr<const std::vector<uint8_t>> data_;
    std::vector<size_t> offsets_;
    uint64_t firstId_;
};

}  // namespace reel::replayer
