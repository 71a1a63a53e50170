#pragma once
// The last bytes written to stdout and stderr and the order of those writes between the two
// streams: what a checkpoint carries of the output written before a trace's first event
// (format::Checkpoint::outputTail and outputOrder). The slicer fills one from the original's
// output, the flight recorder from the batches it writes; both store it in their checkpoints, so
// the replayer shows the carried output interleaved as it was written.

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "reel/format/Checkpoint.h"

namespace reel::replayer {

class OutputTail {
  public:
    // At most this many runs (consecutive bytes of one stream) are stored: output alternating
    // between the streams byte by byte must not make a checkpoint's order list as large as the
    // tails themselves. Older runs are dropped with their bytes (counted as elided).
    static constexpr size_t kMaxRuns = size_t{1} << 18;

    // Keeps the last `maxBytesPerStream` bytes of each stream (0: nothing).
    explicit OutputTail(size_t maxBytesPerStream) : max_(maxBytesPerStream) {}

    // A write of the program (stream 1 stdout, 2 stderr; others are ignored).
    void add(uint32_t stream, std::string_view text);
    // Continues after the output a checkpoint carries (in its write order when it has one).
    void set(const format::Checkpoint& cp);
    // Sets cp.outputTail and cp.outputOrder (the output bytes are the state's business).
    void store(format::Checkpoint& cp) const;

  private:
    struct Run {
        uint64_t seq = 0;  // write order across both streams
        uint64_t bytes = 0;
    };
    // Drops the first `n` bytes of stream k (its oldest runs).
    void dropFront(size_t k, uint64_t n);
    void trim(size_t k);

    size_t max_;
    std::array<std::string, 2> text_;
    std::array<std::deque<Run>, 2> runs_;
    uint64_t seq_ = 0;
    int last_ = -1;  // stream index of the latest write
};

}  // namespace reel::replayer
