#pragma once
// Internals shared by Replayer, Navigator and the indexing pass (not installed API).

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "ChunkCursor.h"
#include "reel/replayer/Replayer.h"
#include "reel/replayer/StateMachine.h"

namespace reel::replayer {

struct Checkpoint {
    std::vector<uint8_t> state;  // StateCodec: the state just before the block's first event
    TracePosition pos;           // decoding resumes with the block's first record
    // Where `state`'s bytes are in the sidecar index (set when it was written or loaded). With
    // Options::checkpointsOnDisk, `state` is then emptied and read back on demand.
    uint64_t sidecarOffset = 0;
    uint32_t sidecarSize = 0;
    bool onDisk() const { return sidecarSize != 0 && state.empty(); }
};

class SpilledCheckpoints;  // SidecarIndex.h

struct BlockData {
    uint32_t eventCount = 0;
    uint32_t raises = 0;
    uint32_t threadsBegin = 0, threadsCount = 0;  // in Replayer::Impl::threadPool
    uint32_t codesBegin = 0, codesCount = 0;      // in Replayer::Impl::codePool
    std::unique_ptr<Checkpoint> checkpoint;
};

// An OUTPUT record: where its bytes are in the trace, and the stream's total after it. A slice's
// output from before its first event is one entry with chunk == kCarriedOutput: its bytes are the
// checkpoint's output tail.
inline constexpr uint32_t kCarriedOutput = ~0u;
struct OutputRef {
    uint64_t event = 0;  // the event it belongs to (clamped to the last event)
    uint32_t chunk = 0;
    uint32_t blobPos = 0;  // carried: the run's place in the checkpoint's write order
    uint32_t len = 0;
    uint64_t totalAfter = 0;
};
// Sorts output records of both streams in the order they were written: carried runs first (in
// their order), then by place in the file.
inline std::pair<int64_t, uint32_t> outputOrder(const OutputRef& o) {
    return {o.chunk == kCarriedOutput ? -1 : int64_t{o.chunk}, o.blobPos};
}

// An events chunk kept while output records in it are read.
struct HeldChunk {
    uint32_t index = 0;
    std::shared_ptr<const format::EventChunk> data;
};

class Scanner;

class Replayer::Impl {
  public:
    Impl(const std::filesystem::path& trace, Options options);

    void buildIndex(const Progress& progress);
    // The state before the first event: empty, or a slice's checkpoint.
    ProgramState initialState() const;
    void computeStats();

    // Blocks start at `base`, the trace's first event (0 unless it is a slice).
    uint64_t blockFirst(size_t b) const { return base + uint64_t(b) * interval; }
    size_t blockOf(uint64_t e) const { return static_cast<size_t>((e - base) / interval); }
    std::span<const ThreadSummary> blockThreads(size_t b) const {
        return {threadPool.data() + blocks[b].threadsBegin, blocks[b].threadsCount};
    }
    std::span<const uint32_t> blockCodes(size_t b) const {
        return {codePool.data() + blocks[b].codesBegin, blocks[b].codesCount};
    }
    const ThreadSummary* blockThread(size_t b, uint32_t thread) const {
        for (const auto& t : blockThreads(b))
            if (t.thread == thread) return &t;
        return nullptr;
    }
    bool blockHasAnyCode(size_t b, const std::vector<uint32_t>& sortedCodes) const;
    void requireEvent(uint64_t n) const;
    // Events per depth-profile bucket for a trace of `eventCount` events (Options::depthBuckets).
    uint64_t depthBucketSize(uint64_t eventCount) const;
    // The bytes of output record `o` of stream index k (0 stdout): a carried run of a slice's
    // checkpoint or an OUTPUT record's blob; `hold` keeps the chunk they are in alive.
    std::string_view outputBytes(uint32_t k, const OutputRef& o, HeldChunk& hold);
    // Calls fn(stream, text) for the output written by the end of event n, both streams in
    // write order, from each stream's last `maxBytesPerStream` bytes on: what a slice starting
    // after n carries.
    void forEachOutput(uint64_t n, uint64_t maxBytesPerStream,
                       const std::function<void(uint32_t, std::string_view)>& fn);

    Options options;
    format::TraceReader reader;
    uint32_t interval;
    uint64_t base = 0;    // first event number (a slice's checkpoint; else 0)
    uint64_t events = 0;  // one past the last event number
    std::vector<BlockData> blocks;
    std::vector<ThreadSummary> threadPool;
    std::vector<uint32_t> codePool;
    std::vector<ExceptionInfo> exceptions;
    std::vector<AsyncGenHookCall> hooks;
    std::vector<OutputRef> outputs[2];
    std::vector<uint32_t> threadIds;
    std::vector<std::vector<bool>> executed;  // by code id, then line
    DepthProfile depthProfile;
    IndexStats stats;
    std::shared_ptr<LineTables> lines;
    std::unique_ptr<Scanner> seeker;  // stateAt(): successive nearby seeks stay incremental
    uint64_t sidecarBytes = 0;        // size of the sidecar written or loaded (0: none)
    std::unique_ptr<SpilledCheckpoints> spilled;  // checkpoints read from the sidecar on demand
    // The state a checkpoint holds (block b's), decoded from memory or the sidecar.
    ProgramState checkpointState(size_t b);
};

// A StateMachine driven over the trace from checkpoints: the engine behind stateAt, navigation
// scans and threadSpans.
class Scanner {
  public:
    explicit Scanner(Replayer::Impl& impl);

    // The state just before block b's first event (the nearest checkpoint, then replay).
    void restoreBlock(size_t b);
    // Applies the records up to and including the next numbered event; false (state untouched)
    // when the state is already at the last event.
    bool advance();
    // The state at event n (n < event count): forward from here when n is near ahead, else from
    // the checkpoint at or before n.
    void seek(uint64_t n);

    uint64_t event() const { return sm.state().event; }
    const ProgramState& state() const { return sm.state(); }

    Replayer::Impl& impl;
    StateMachine sm;
    ChunkCursor cursor;
};

}  // namespace reel::replayer
