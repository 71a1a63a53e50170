#pragma once
// `reel export --chrome OUT.json`: the call timeline in the Chrome trace-event format (the JSON
// Object Format), which Perfetto (ui.perfetto.dev) and chrome://tracing open. docs/guide.md,
// "Sharing a trace", shows it; the shape is:
//
//   {"displayTimeUnit": "ms",
//    "otherData": {"reel_export": "chrome", "python": "3.12.1", "argv": [...], "events": N},
//    "traceEvents": [
//      {"ph":"M","name":"process_name","pid":P,"tid":0,"args":{"name":"python prog.py"}},
//      {"ph":"M","name":"thread_name","pid":P,"tid":T,"args":{"name":"MainThread"}},
//      {"ph":"B","name":QUALNAME,"cat":"call"|"resume","ts":US,"pid":P,"tid":T,
//       "args":{"at":"FILE:LINE","event":E,"frame":F}},
//      {"ph":"E","ts":US,"pid":P,"tid":T,
//       "args":{"event":E,"how":"return"|"yield"|"unwind","value":RENDERED}},
//      {"ph":"i","s":"t","name":"raise ValueError(...)","cat":"exception","ts":US,"pid":P,
//       "tid":T,"args":{"at":"FILE:LINE","event":E,"exc":RENDERED}},
//      {"ph":"i","s":"t","name":"handled","cat":"exception",...,"args":{"at":...,"event":E}},
//      {"ph":"i","s":"t","name":"stdout"|"stderr","cat":"output",...,"args":{"text":TEXT}}, ...]}
//
// pid is the recorded process id, tid the Reel thread id. ts is microseconds since the recording
// started: the trace's TIME records and chunk time ranges are periodic, so events between two of
// them get times interpolated by event number (monotonic; the exact order of events is kept); a
// trace too short to hold two time points gets 1 us per event instead, and says so in
// otherData.timing. Output instants are one per write the program made. Every B has its E
// on the same thread, properly nested: frames still running at the end of the trace (or
// that were entered before a slice's first event and leave inside it) are closed at the last
// timestamp with "args":{"unfinished":true} (respectively not opened: their E is dropped).
// EXCEPTION events reported again as an exception propagates into callers get one instant each
// ("raise" at the first frame, "propagate" after).

#include <cstdint>
#include <cstdio>

#include "reel/format/TraceReader.h"
#include "reel/replayer/StateExporter.h"

namespace reel::replayer {

struct ChromeExportStats {
    uint64_t calls = 0, instants = 0;
};

// Writes the document to `out`. --only (options.only) keeps calls whose file is inside that
// directory. Throws TraceFormatError for damage, std::system_error when writing fails.
ChromeExportStats exportChrome(format::TraceReader& reader, const ExportOptions& options,
                               std::FILE* out);

}  // namespace reel::replayer
