#pragma once
// The sidecar index `<trace>.idx` (e.g. `run.reel.idx`): the indexing pass's results (block
// table, summaries, exception/output/hook tables, coverage, serialized checkpoints) saved next to
// the trace so the next open skips the pass. Versioned, tied to the trace's identity,
// checksummed, and validated on load like any input: a missing, stale, truncated or corrupt
// sidecar is rebuilt, never trusted. Layout: docs/replayer.md ("Sidecar index").

#include <cstdint>
#include <filesystem>
#include <vector>

#include "ReplayerImpl.h"

namespace reel::replayer {

class SidecarIndex {
  public:
    static constexpr uint32_t kMajor = 1, kMinor = 0;
    static std::filesystem::path pathFor(const std::filesystem::path& trace);
    // Fills impl's index from the sidecar; false (index left empty) when it is absent or
    // unusable for any reason.
    static bool load(Replayer::Impl& impl);
    // Writes the sidecar through a .partial file renamed into place; false when it cannot be
    // written (read-only directory, disk full): the index then only lives in memory.
    // load and save note where each checkpoint's state lies in the file (Checkpoint::sidecar*).
    static bool save(Replayer::Impl& impl);
    // Options::checkpointsOnDisk: drops the checkpoints' states from memory once the sidecar
    // holds them, and reads them back on demand (impl.spilled). False (everything stays in
    // memory) when the sidecar cannot be opened or is not the file just written or loaded.
    static bool spill(Replayer::Impl& impl);
};

// Checkpoint states read from the sidecar on demand, with a small cache of the latest ones.
// The file stays open, so a sidecar replaced (renamed over) by another process does not affect
// this one; every state read is validated again (it decodes, and it sits just before its block),
// and one that does not is damage (TraceFormatError), never trusted.
class SpilledCheckpoints {
  public:
    static constexpr size_t kCacheEntries = 32;
    SpilledCheckpoints(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
    ~SpilledCheckpoints();
    SpilledCheckpoints(const SpilledCheckpoints&) = delete;
    SpilledCheckpoints& operator=(const SpilledCheckpoints&) = delete;

    // The state of `cp`, which must hold the state just before event `blockFirst`.
    ProgramState state(const Checkpoint& cp, uint64_t blockFirst);
    size_t reads() const { return reads_; }

  private:
    struct Entry {
        uint64_t offset = 0;
        uint64_t used = 0;
        std::vector<uint8_t> bytes;
    };
    int fd_;
    std::filesystem::path path_;
    std::vector<Entry> cache_;
    uint64_t tick_ = 0;
    size_t reads_ = 0;
};

}  // namespace reel::replayer
