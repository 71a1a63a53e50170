#pragma once
// Streaming writer of .reel files (the writing half of the trace stream; TraceReader is the
// other). The recorder hands over whole batches; compression, checksums and I/O happen on one
// background thread so the interpreter thread never waits on LZ4 or the disk, except when more
// than Options::maxQueuedBytes are queued (back-pressure: memory stays bounded even when the
// disk is slower than the program).
//
// Crash safety: data goes to "<path>.partial" and is renamed to <path> by close(). A writer that
// is destroyed without close() (or a process that dies) leaves the .partial file, whose complete
// chunks TraceReader recovers.

#include <capnp/message.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "reel/format/Checkpoint.h"
#include "reel/format/Definitions.h"

namespace reel::format {

// Header fields the recorder knows at start. formatMajor/Minor and requiredReaderMinor are filled
// in by the writer.
struct HeaderInfo {
    std::string recorderVersion;
    std::string pythonImplementation;
    std::string pythonVersion;
    uint32_t pythonHexVersion = 0;
    std::string platform;
    std::vector<std::string> argv;
    std::string cwd;
    int64_t startTimeNs = 0;
    uint32_t pid = 0;
    std::string executable;
    std::string hook;
    struct Capture {
        uint32_t maxDepth = 4, maxItems = 64, maxStr = 256;
        std::vector<std::string> only, exclude;
        uint32_t originDepth = 0;
        std::string redact;
        bool noValues = false;
        // `reel record --last N`: the file keeps (about) the last N events of the run; 0: off.
        uint64_t flightLast = 0;
    } capture;
};

// Definitions introduced since the previous batch (same structs the reader returns).
struct NewDefs {
    std::vector<SourceFile> sources;
    std::vector<CodeObject> codes;
    std::vector<TypeRecord> types;
    std::vector<std::pair<uint32_t, std::string>> strings;  // (id, text)
    std::vector<ThreadRecord> threads;
    bool empty() const {
        return sources.empty() && codes.empty() && types.empty() && strings.empty() &&
               threads.empty();
    }
};

// One hand-over from the recorder. The writer emits, in this order and only when non-empty, a
// Defs chunk, a Checkpoint chunk, a Values chunk and an Events chunk, so every id an events chunk
// refers to is defined earlier in the file.
struct Batch {
    NewDefs defs;

    // Format 1.1: the state before the file's first event, for a trace that starts at
    // checkpoint->firstEvent (> 0) instead of 0 (`reel slice`). Only in a batch before any
    // events, once per file, and only with Options::requiredReaderMinor >= 1 so that 1.0
    // readers refuse the file instead of misreading it.
    std::optional<Checkpoint> checkpoint;

    uint64_t firstValueId = 0;
    uint32_t valueCount = 0;
    std::vector<uint8_t> values;  // ValueCodec records

    uint64_t firstEvent = 0;
    uint32_t eventCount = 0;
    std::vector<uint8_t> tags, args, blobs;  // EventStream columns
    uint32_t startThread = 0;
    uint64_t startNextFrameId = 0;
    int64_t startTimeNs = 0, endTimeNs = 0;
};

enum class ExitKind : uint8_t { Unknown = 0, Exited, UncaughtException, Signal, StoppedByApi };

struct ExitInfo {
    ExitKind kind = ExitKind::Unknown;
    int32_t status = 0;
    std::string message;
};

class TraceWriter {
public:
    struct Options {
        size_t maxQueuedBytes = size_t{64} << 20;
        // LZ4 acceleration (1 = default speed/ratio trade-off of LZ4_compress_fast).
        int lz4Acceleration = 1;
        // fdatasync on flush() and close(); off in tests and benchmarks that do not need it.
        bool durable = true;
        // TraceHeader.requiredReaderMinor: 0 for ordinary recordings; kCheckpointReaderMinor for
        // a file that will hold a Checkpoint chunk.
        uint16_t requiredReaderMinor = 0;
    };

    // Creates "<path>.partial" and writes the preamble and header. Throws std::system_error when
    // the file cannot be created.
    TraceWriter(std::filesystem::path path, const HeaderInfo& header, Options options);
    TraceWriter(std::filesystem::path path, const HeaderInfo& header);
    // Without close(): stops the background thread after writing what was queued, and leaves the
    // .partial file for recovery.
    ~TraceWriter();
    TraceWriter(const TraceWriter&) = delete;
    TraceWriter& operator=(const TraceWriter&) = delete;

    // Queues a batch; blocks while the queue holds more than maxQueuedBytes. Rethrows (once) an I/O
    // error the background thread met.
    void append(Batch&& batch);
    // Returns when everything appended so far is written (and synced if durable).
    void flush();
    // Writes the footer and trailer, syncs, and renames .partial to the final path. Idempotent.
    void close(const ExitInfo& exit);
    // Writes what is queued and ends the background thread until the next append(): before the
    // process forks (WorkQueue::pause says why).
    void pauseWorker();

    const std::filesystem::path& path() const;
    const std::filesystem::path& partialPath() const;
    // Bytes written to the file so far (as of the last completed chunk).
    uint64_t bytesWritten() const;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace reel::format
