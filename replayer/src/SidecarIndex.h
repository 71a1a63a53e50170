#pragma once
// The sidecar index `<trace>.idx` (e.g. `run.reel.idx`): the indexing pass's results (block
// table, summaries, exception/output/hook tables, coverage, serialized checkpoints) saved next to
// the trace so the next open skips the pass. Versioned, tied to the trace's identity,
// checksummed, and validated on load like any input: a missing, stale, truncated or corrupt
// sidecar is rebuilt, never trusted. Layout: docs/replayer.md ("Sidecar index").

#include <cstdint>
#include <filesystem>

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
    static bool save(const Replayer::Impl& impl);
};

}  // namespace reel::replayer
