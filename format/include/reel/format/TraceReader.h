#pragma once
// Random-access reader of .reel files. One reader serves every front end (replayer, CLI, GUI).
//
// Opening validates the preamble and header, reads the footer index (or, when the file has no
// valid trailer, recovers by scanning every complete chunk and reports what it kept), and loads
// all Defs chunks eagerly (they are small: code, sources, types, strings, threads), and a slice's
// Checkpoint chunk (format 1.1: the trace then starts at firstEvent() > 0). Event and
// value chunks are decompressed on demand and kept in an LRU cache.
//
// Every length, count and id read from the file is checked before use: a damaged or hostile file
// yields TraceFormatError (with the byte offset), never a crash, a hang or a huge allocation.
// A reader is not thread-safe; give each thread its own.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "reel/format/Definitions.h"
#include "reel/format/TraceWriter.h"

namespace reel::format {

struct ChunkInfo {
    uint64_t offset = 0;  // of the chunk header
    uint16_t kind = 0;    // schema ChunkKind
    uint32_t compressedSize = 0;
    uint32_t uncompressedSize = 0;
    uint64_t first = 0;  // first event / first value id
    uint32_t count = 0;
};

struct RecoveryReport {
    bool recovered = false;      // true when the footer was missing or unusable
    std::string reason;          // why the footer could not be used
    uint64_t fileSize = 0;
    uint64_t bytesKept = 0;      // up to the end of the last complete chunk
    uint64_t bytesDiscarded = 0; // incomplete or damaged tail
    size_t chunksKept = 0;
};

// A decompressed events chunk.
struct EventChunk {
    uint64_t fileOffset = 0;
    uint64_t firstEvent = 0;
    uint32_t eventCount = 0;
    std::vector<uint8_t> tags, args, blobs;
    uint32_t startThread = 0;
    uint64_t startNextFrameId = 0;
    int64_t startTimeNs = 0, endTimeNs = 0;
};

// A decompressed values chunk with the byte offset of each record.
struct ValueChunk {
    uint64_t fileOffset = 0;
    uint64_t firstId = 0;
    std::vector<uint8_t> data;
    std::vector<uint32_t> recordOffsets;  // recordOffsets[i] = start of value firstId + i
};

// Header fields as plain C++ (see reel.capnp TraceHeader).
struct TraceHeaderInfo : HeaderInfo {
    uint16_t containerMajor = 0, containerMinor = 0;
    uint16_t formatMajor = 0, formatMinor = 0, requiredReaderMinor = 0;
};

class TraceReader {
public:
    struct Options {
        size_t cacheChunks = 64;  // decompressed event/value chunks kept
        bool verifyChecksums = true;
    };

    explicit TraceReader(const std::filesystem::path& path);
    TraceReader(const std::filesystem::path& path, Options options);
    ~TraceReader();
    TraceReader(const TraceReader&) = delete;
    TraceReader& operator=(const TraceReader&) = delete;

    const std::filesystem::path& path() const;
    const TraceHeaderInfo& header() const;
    const Definitions& defs() const;
    const RecoveryReport& recovery() const;
    // Exit information from the footer; empty for a recovered file.
    const std::optional<ExitInfo>& exitInfo() const;
    uint64_t fileSize() const;

    const std::vector<ChunkInfo>& chunks() const;  // every chunk, file order, footer excluded
    // One past the last event number: the number of events for a trace that starts at event 0.
    // A slice (format 1.1, a Checkpoint chunk) holds events firstEvent() .. eventCount() - 1.
    uint64_t eventCount() const;
    uint64_t firstEvent() const;
    // The slice's starting state (format 1.1); empty for a trace that starts at event 0.
    const std::optional<Checkpoint>& checkpoint() const;
    uint64_t valueCount() const;

    // Events chunks in event order.
    size_t eventChunkCount() const;
    const ChunkInfo& eventChunkInfo(size_t i) const;
    // Index of the events chunk holding event `n` (binary search); throws std::out_of_range when
    // n >= eventCount() or n < firstEvent().
    size_t findEventChunk(uint64_t n) const;
    std::shared_ptr<const EventChunk> eventChunk(size_t i);

    // The values chunk holding value `id` (binary search); throws std::out_of_range when
    // id >= valueCount() or falls in a gap between values chunks (allowed in files with a
    // checkpoint, format 1.1).
    std::shared_ptr<const ValueChunk> valueChunkFor(uint64_t id);

    // Reads and verifies every chunk (checksums, decompression, message structure); returns one
    // line per problem found, empty when the file is sound. Used by `reel verify`/`reel info`.
    std::vector<std::string> verifyAll();
    // The cheaper part of verifyAll(): every chunk's checksums, decompression and message
    // structure, without decoding the records inside (what `reel info` checks by default).
    std::vector<std::string> verifyChunks();

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace reel::format
