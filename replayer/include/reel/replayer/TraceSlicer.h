#pragma once
// `reel slice`: writes a smaller, valid trace holding a window of events of another one, so a
// long recording can be cut down to the part worth sending (docs/format.md "Checkpoint chunk",
// docs/guide.md "Sharing a trace").
//
// The slice keeps the original's numbering: event N of the slice is event N of the original, and
// so are frame ids, value ids and exception indices; the state at every kept event equals the
// original's (ProgramState ==). It holds:
//   - the original header (argv, Python version, capture settings) and all definitions (code,
//     sources, types, strings, threads), so it is as self-contained as the original;
//   - a Checkpoint chunk (format 1.1): the full state just before the window's first event, and
//     the output written before it (the last Options::maxCarriedOutput bytes per stream);
//     omitted when the window starts at the original's first event;
//   - the value records the window can refer to: every values chunk written before the events
//     chunk holding the window's last event (a recorder writes a batch's values before its
//     events), i.e. all values up to the window's last value id, not only those it uses;
//   - the window's event records, re-encoded, with the trailing records after the original's
//     last event (a final flush, THREAD_END) when the window reaches it;
//   - the original's exit information (how the recorded run ended).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

#include "reel/replayer/Replayer.h"

namespace reel::replayer {

// A window that does not fit the trace (message says why and gives the valid range).
class SliceRangeError : public std::invalid_argument {
  public:
    using std::invalid_argument::invalid_argument;
};

struct SliceOptions {
    std::optional<uint64_t> from, to;  // events, inclusive; default the trace's first / last
    // Keep only the last `last` events of the window (after from/to, times and thread): the
    // offline form of a flight recorder's tail.
    std::optional<uint64_t> last;
    // Seconds since the run started (TIME records): the window starts at the first event at or
    // after fromTime and ends at the last event at or before toTime.
    std::optional<double> fromTime, toTime;
    // Narrows the window to the first .. last event of this Reel thread inside it. Events of other
    // threads between those stay (dropping them would make the state at kept events differ from
    // the original, and the slice must replay to the same states).
    std::optional<uint32_t> thread;
    size_t maxCarriedOutput = size_t{16} << 20;  // per stream, output written before the window
    uint32_t eventsPerChunk = 65536;
    bool durable = true;  // fdatasync the slice when it is closed
};

struct SliceResult {
    uint64_t first = 0, last = 0;  // the window, inclusive (original event numbers)
    uint64_t values = 0;           // value records copied
    uint64_t bytes = 0;            // size of the written file
    bool checkpoint = false;       // a Checkpoint chunk was written (window starts after 0)
};

// Resolves the window (from/to, times, thread) against the trace; throws SliceRangeError.
std::pair<uint64_t, uint64_t> resolveSliceWindow(Replayer& original, const SliceOptions& options);

// Writes the slice to `out` (through a .partial file, renamed when complete). Throws
// SliceRangeError for a bad window, TraceFormatError for damage in the original,
// std::system_error when writing fails.
SliceResult sliceTrace(Replayer& original, const std::filesystem::path& out,
                       const SliceOptions& options);

}  // namespace reel::replayer
