#pragma once
// The flight recorder's writer (`reel record --last N`): takes the recorder's batches like a
// TraceWriter, but keeps disk and memory bounded by writing a series of generation files and
// deleting old ones; close() leaves one trace holding the last N events.
//
// - Generation k is `<path>.flight<k>` (`.partial` while it is written): a complete format 1.1
//   trace with all definitions, a Checkpoint chunk at its first event (not generation 0, which
//   starts at event 0), the value records that checkpoint refers to (carried from generation
//   k-1, keeping their ids, so the file's value ids have gaps), then the values and events of
//   its batches.
// - The recorder decides where a generation ends (append(..., endsGeneration)), after about N
//   events, and resets its value deduplication there (ValueCapture::startGeneration), so the
//   batches that follow refer only to new records, to records the replayed state holds, and to
//   the `pinned` ids it names.
// - A replayer StateMachine runs on this writer's own thread over every batch, so the state at
//   each generation boundary (the next checkpoint) costs the interpreter thread nothing.
// - When generation k+1 starts, generation k-1 is deleted: at most two generations (plus the
//   one being started) are on disk, and together they hold at least the last N events.
// - close() closes the current generation and writes `<path>`: the last N events (exactly, or
//   all events when fewer were recorded) from the last two generations, starting from a
//   checkpoint, original event numbers, then deletes the generation files.
// - A process that dies without close() (SIGKILL, os._exit outside `reel record`) leaves the
//   newest closed generation and the current `.partial`, which TraceReader recovers and
//   joinGenerations (`reel join`) joins into the trace close() would have written.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include "reel/format/TraceWriter.h"

namespace reel::replayer {

// The smallest N accepted: every generation switch writes all definitions and a checkpoint, so a
// tiny N would spend most of the run doing that.
inline constexpr uint64_t kMinFlightEvents = 1000;

struct FlightOptions {
    uint64_t lastEvents = 0;                   // N (>= kMinFlightEvents)
    bool durable = false;                      // fdatasync each generation and the final file
    size_t maxQueuedBytes = size_t{64} << 20;  // back-pressure on append()
    // Output carried in each checkpoint (per stream): what the replayer shows as output written
    // before the window.
    size_t maxCarriedOutput = size_t{1} << 20;
    uint32_t eventsPerChunk = 65536;  // events chunks of the final file
    // The format minor the appended batches need (the recorder's compact value records: 2);
    // every file written says at least that, so an older reader refuses it clearly.
    uint16_t requiredReaderMinor = 0;
};

struct FlightStats {
    uint64_t generations = 0;    // generation files started
    uint64_t carriedValues = 0;  // value records carried into later generations, in total
    uint64_t firstEvent = 0, lastEvent = 0;  // the final file's window (after close)
};

// `reel join`: the generation files a flight recording leaves when its process dies without
// close() (SIGKILL, a crash, os._exit through the Python API; the newest may be a `.partial`,
// recovered up to its last complete chunk) joined into one trace at `out`, the way close() would
// have cut them: the last `lastEvents` events they hold (0: the recording's own --last N), from
// a checkpoint, with the original event numbers. The files may come in any order; they must be
// consecutive generations of one recording (std::invalid_argument otherwise). They are left in
// place. Throws TraceFormatError for a damaged file, std::system_error when `out` cannot be
// written.
struct JoinResult {
    uint64_t firstEvent = 0, lastEvent = 0;  // the window written
    uint64_t recordedEvents = 0;             // events the files hold from the run's start
};
JoinResult joinGenerations(std::vector<std::filesystem::path> files,
                           const std::filesystem::path& out, uint64_t lastEvents = 0,
                           bool durable = false);

class FlightWriter {
  public:
    // Starts generation 0. Throws std::system_error when it cannot be created,
    // std::invalid_argument for N below kMinFlightEvents.
    FlightWriter(std::filesystem::path path, const format::HeaderInfo& header,
                 FlightOptions options);
    // Without close(): writes what is queued and leaves the generation files (see above).
    ~FlightWriter();
    FlightWriter(const FlightWriter&) = delete;
    FlightWriter& operator=(const FlightWriter&) = delete;

    // Queues a batch (blocks beyond maxQueuedBytes). `endsGeneration`: the next batch starts a
    // new generation, whose file must also carry the records `pinned` names. Rethrows an error
    // the writer thread met.
    void append(format::Batch&& batch, bool endsGeneration = false,
                std::vector<uint64_t> pinned = {});
    // Returns when every appended batch is in the current generation file (synced if durable).
    void flush();
    // Writes the final trace at `path` and removes the generation files. Idempotent.
    void close(const format::ExitInfo& exit);
    // Handles what is queued and ends both background threads (this one's and the current
    // generation's writer's) until the next append(): before the process forks.
    void pauseWorker();

    static std::filesystem::path generationPath(const std::filesystem::path& path,
                                                uint64_t generation);
    FlightStats stats() const;

  private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace reel::replayer
