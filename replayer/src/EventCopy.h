#pragma once
// Copying a window of events from traces into a new one (`reel slice`, the flight recorder's final
// cut): the records are decoded and re-encoded with their original numbering, in batches.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "reel/format/Definitions.h"
#include "reel/format/TraceReader.h"
#include "reel/format/TraceWriter.h"

namespace reel::replayer {

struct EventCopyOptions {
    uint64_t first = 0;  // the window, in the sources' numbering
    uint64_t last = UINT64_MAX;
    // Also the unnumbered records after `last` (the end of the trace: a final flush, THREAD_END).
    bool trailing = false;
    int64_t startTimeNs = 0;  // the time at `first` (the checkpoint's), until a TIME record
    uint64_t eventsPerBatch = 0;
    size_t maxBytesPerBatch = size_t{8} << 20;
    // Every value ref copied must be below this id (values written before the events); a ref
    // past it is damage in the source (TraceFormatError). 0: not checked.
    uint64_t valueLimit = 0;
};

// Every definition of `d` as a batch's new definitions (the head of a trace copied from another).
format::NewDefs allDefinitions(const format::Definitions& d);

// Copies events first..last from `sources` (consecutive parts of one recording, oldest first:
// a trace, or flight-recorder generations) into `out`. Returns the number of the event after the
// last one copied; throws TraceFormatError when the sources are damaged.
uint64_t copyEvents(const std::vector<format::TraceReader*>& sources, format::TraceWriter& out,
                    const EventCopyOptions& o);

}  // namespace reel::replayer
