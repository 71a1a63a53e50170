#pragma once
// Opens a trace, indexes it once, and reconstructs the program state at any event.
//
// Indexing decodes every event once through the StateMachine and keeps:
//   - checkpoints: the full state, serialized, every K events (Options::checkpointInterval, like a
//     video keyframe interval) where the state is small enough, thinned to stay inside a memory
//     budget;
//   - one summary per block of K events (threads and their call-depth range, code objects run,
//     exception raises) that lets navigation skip blocks that cannot hold a match;
//   - the list of exceptions (raised / handled / uncaught), output records, asyncgen hook calls.
// stateAt(N) restores the checkpoint at or before N and applies the records after it: the cost is
// the same in both directions and never depends on N. See docs/replayer.md.
//
// Not thread-safe (the TraceReader is not): use one Replayer per thread, or lock around it. A
// Replayer may be built on a worker thread and then handed to another one.
//
// API stability: other modules build on this header. Additive changes only; any change is noted
// here.
//   16:30 added executedLines().
//   16:50 added Options::sidecar, IndexStats::fromSidecar / sidecarWritten.
//   19:00 added firstEvent(): a slice (format 1.1) holds events firstEvent()..lastEvent() with the
//         original run's numbers; eventCount() is one past the last event number.
//   19:00 added OutputChunk, outputChunks().
//   19:00 added Options::checkpointsOnDisk, Options::sidecarFromEvents,
//         IndexStats::checkpointsOnDisk.
//   session 34: added DepthProfile, depthProfile(), Options::depthBuckets.
//   session 34: added OutputChunk::elidedBytes (outputChunks' note for output a slice did not
//         carry); outputText's note names the stream ("of stdout", was "of output").

#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "reel/format/TraceReader.h"
#include "reel/replayer/ProgramState.h"

namespace reel::replayer {

// One exception occurrence: from the EXCEPTION that raised it to where it was handled, escaped
// the thread, or was replaced by another exception.
struct ExceptionInfo {
    enum class Outcome : uint8_t { InFlightAtEnd, Handled, Uncaught, Replaced };
    uint64_t index = 0;
    ValueRef value;
    uint32_t thread = 0;
    uint64_t raisedAt = 0;  // event of the first EXCEPTION
    uint64_t raiseFrameId = 0;
    uint32_t raiseCodeId = 0;
    int32_t raiseLine = 0;
    uint32_t framesReached = 1;  // EXCEPTION events of this propagation (frames it reached)
    Outcome outcome = Outcome::InFlightAtEnd;
    uint64_t endEvent = kNoEvent;  // event it was handled / escaped / replaced at
    uint64_t endFrameId = 0;       // frame that handled it (Handled) or last reached (otherwise)
    uint32_t endCodeId = 0;
    int32_t endLine = 0;
    int32_t handlerOffset = -1;  // from a HANDLED record; -1 when inferred
    // Raised in, propagated into, handled or left in a frame of the program's own code
    // (CodeOrigin.h); false when it stayed inside library code from raise to end.
    bool ownCode = false;

    // What the front ends list unless asked for every exception: it reached the program's own
    // code, or it was never handled (the program saw it end, whichever code raised it).
    bool concernsProgram() const {
        return ownCode || outcome == Outcome::Uncaught || outcome == Outcome::InFlightAtEnd;
    }
};

struct AsyncGenHookCall {
    uint64_t event = 0;  // the event the ASYNCGEN_HOOK record belongs to
    uint32_t thread = 0;
    uint32_t hook = 0;  // 0 firstiter, 1 finalizer
    ValueRef generator;
};

// Per block of K events, per thread that ran in it.
struct ThreadSummary {
    uint32_t thread = 0;
    uint32_t minDepth = 0, maxDepth = 0;  // call depth range of its events in the block
    uint32_t events = 0;
};

struct BlockSummary {
    uint64_t firstEvent = 0;
    uint32_t eventCount = 0;
    uint32_t raises = 0;         // exceptions raised in the block
    bool hasCheckpoint = false;  // a checkpoint holds the state just before firstEvent
    std::span<const ThreadSummary> threads;
    std::span<const uint32_t> codes;  // code ids with at least one event in the block (sorted)
};

// The call depth over the run at a finer grain than the blocks (a timeline's sparkline, short
// traces, zooming in), kept by the indexing pass. Bucket b covers the events from
// firstEvent + b * bucketSize (the last bucket may be shorter); minDepth[b] and maxDepth[b] are the
// shallowest and deepest stack of the thread that ran each of its events, at that event (what
// ThreadSummary counts, over every thread).
struct DepthProfile {
    uint64_t firstEvent = 0;  // the trace's first event (a slice's is not 0)
    uint64_t bucketSize = 1;  // events per bucket: at least 1, at most the block size K
    std::vector<uint32_t> minDepth, maxDepth;  // per bucket
};

// One write of the program to stdout or stderr (an OUTPUT record), and the event it belongs to.
struct OutputChunk {
    uint64_t event = 0;
    uint32_t stream = 1;  // 1 stdout, 2 stderr
    std::string text;
    // Not a write but the replayer's note that this many earlier bytes of the stream are not in
    // the trace (a slice or a flight recording carries only the tail of the output written before
    // its first event, `reel slice --max-output`); `text` then says so, as outputText does:
    // "[K earlier bytes of stdout are not in this slice]\n". 0 for a write.
    uint64_t elidedBytes = 0;
    bool isNote() const { return elidedBytes != 0; }
};

// A maximal run of consecutive events on one thread.
struct ThreadSpan {
    uint32_t thread = 0;
    uint64_t first = 0, last = 0;
};

struct IndexStats {
    uint64_t events = 0;
    uint32_t interval = 0;  // K
    size_t blocks = 0, checkpoints = 0;
    size_t checkpointBytes = 0;    // serialized states kept in memory
    size_t tableBytes = 0;         // summaries, exceptions, output and hook tables
    double bytesPerEvent = 0;      // (checkpointBytes + tableBytes) / events
    double seconds = 0;            // wall time of the indexing pass
    uint32_t thinnings = 0;        // times the checkpoint budget forced dropping half of them
    bool fromSidecar = false;      // loaded from <trace>.idx instead of indexing
    bool sidecarWritten = false;   // this open wrote (or rewrote) <trace>.idx
    size_t checkpointsOnDisk = 0;  // checkpoints read from <trace>.idx on demand, not in memory
};

// Thrown by the constructor when the progress callback asked to stop.
class IndexingCancelled : public std::runtime_error {
  public:
    IndexingCancelled() : std::runtime_error("indexing cancelled") {}
};

class Replayer {
  public:
    static constexpr uint32_t kDefaultInterval = 2048;
    struct Options {
        uint32_t checkpointInterval = kDefaultInterval;  // K: events per block (>= 16)
        // Serialized checkpoints kept in memory; past it every other one is dropped (seeks then
        // replay up to 2K, 4K, ... events).
        size_t checkpointBudgetBytes = size_t{256} << 20;
        // A block gets a checkpoint only when the events since the previous one times this is at
        // least the state's serialized size: large states are checkpointed less often so
        // checkpoints cost at most this many bytes per event.
        double maxCheckpointBytesPerEvent = 0.5;
        format::TraceReader::Options reader{};
        // Load the index from `<trace>.idx` when it is valid for this trace (same identity,
        // version and K; checksummed and validated, never trusted), else index and write it
        // there (silently skipped when the directory is not writable).
        bool sidecar = false;
        // Turns the sidecar on for traces of at least this many events (0: never): what front
        // ends that open large traces use, so big indexes live on disk and reopening is fast.
        uint64_t sidecarFromEvents = 0;
        // With the sidecar: once it holds the checkpoints, drop them from memory and read them
        // back from it on demand (a cache of the 32 latest), so the index in memory is the block
        // table and the tables only. Costs a read (page cache) per seek to another block.
        bool checkpointsOnDisk = true;
        // The depth profile's resolution: buckets of ceil(events / depthBuckets) events, at
        // least 1 and at most K (so a trace of more than depthBuckets * K events has one bucket
        // per block). 65536 buckets cost 512 KiB.
        uint32_t depthBuckets = 65536;
    };
    // Called now and then during indexing with (events indexed, total), both counted from the
    // trace's first event (a slice's progress starts at 0, not at its first event number); return false to cancel
    // (the constructor then throws IndexingCancelled).
    using Progress = std::function<bool(uint64_t done, uint64_t total)>;

    // Opens and indexes the trace. Throws TraceFormatError for damaged input (including event
    // records that contradict the state, e.g. an OPCODE with no frame), std::system_error when it
    // cannot be read.
    explicit Replayer(const std::filesystem::path& trace);
    Replayer(const std::filesystem::path& trace, Options options, Progress progress = {});
    ~Replayer();
    Replayer(const Replayer&) = delete;
    Replayer& operator=(const Replayer&) = delete;

    format::TraceReader& reader();
    const format::Definitions& defs() const;
    // One past the last event number (the number of events when the trace starts at 0).
    uint64_t eventCount() const;
    // The first event number: 0, or a slice's first event (its events keep the original run's
    // numbers, frame ids, value ids and exception indices; stateAt(n) for n < firstEvent() is
    // out of range). Output written before it is shown from the slice's checkpoint (outputText
    // marks bytes the slice did not carry); exceptions() lists raises from firstEvent() on.
    uint64_t firstEvent() const;
    // Last event number; throws std::out_of_range for an empty trace.
    uint64_t lastEvent() const;

    // The state at event n (every record up to and including n). Throws std::out_of_range when
    // n >= eventCount() (message names the valid range), TraceFormatError for damage.
    ProgramState stateAt(uint64_t n);

    // f_lineno of `code` at `lasti` (the code's first line for lasti < 0; -1 for unknown).
    int32_t lineAt(uint32_t codeId, int32_t lasti);

    // Output written (stream 1 stdout, 2 stderr) by the end of event n, read from the trace's
    // OUTPUT records on demand (not kept in memory). Output recorded after the last event (a
    // final flush) counts at the last event. `maxBytes` keeps the last bytes only (the tail a
    // console pane shows). Bytes written before a slice's first event that the slice did not
    // carry are replaced by a note line when the text reaches back to them ("[K earlier bytes of
    // stdout are not in this slice]"). Throws std::out_of_range for a bad n or stream.
    std::string outputText(uint32_t stream, uint64_t n,
                           size_t maxBytes = std::numeric_limits<size_t>::max());
    uint64_t outputSize(uint32_t stream, uint64_t n) const;
    // Both streams' output written by the end of event n, interleaved in the order it was
    // written, one chunk per write, each with its event (so a front end can show output between
    // events and jump to where a line was printed). `maxBytes` keeps the last bytes only (the
    // first chunk may then be the tail of a write). Read on demand from the trace like
    // outputText. In a trace that starts after event 0, output written before its first event
    // belongs to that first event, and when the chunks reach back to it, a note chunk per stream
    // (OutputChunk::elidedBytes, not counted in maxBytes) comes first for the bytes the trace did
    // not carry. Throws std::out_of_range for a bad n.
    std::vector<OutputChunk> outputChunks(uint64_t n,
                                          size_t maxBytes = std::numeric_limits<size_t>::max());

    // The call depth per bucket of a few events (see DepthProfile), from the index: no pass
    // over the events.
    const DepthProfile& depthProfile() const;

    // Lines of `codeId` that started running at least once in the whole trace (OPCODE line
    // stops), ascending: the source pane's "executed" marks. Empty for an unknown code id.
    std::vector<int32_t> executedLines(uint32_t codeId) const;

    const std::vector<ExceptionInfo>& exceptions() const;
    const std::vector<AsyncGenHookCall>& asyncGenHookCalls() const;

    size_t blockCount() const;
    BlockSummary block(size_t i) const;
    size_t blockOf(uint64_t event) const;
    // Threads that appear in the trace (ids), ascending.
    const std::vector<uint32_t>& threadIds() const;
    // Runs of consecutive events per thread in [first, last], at most maxSpans of them.
    std::vector<ThreadSpan> threadSpans(uint64_t first, uint64_t last, size_t maxSpans = 4096);

    const IndexStats& stats() const;
    const Options& options() const;

    // Internal (navigation); not part of the stable API.
    class Impl;
    Impl& impl() { return *impl_; }

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace reel::replayer
