#pragma once
// `reel export --json`: one JSON document summarizing a recording for scripts and other tools:
// every frame activation (call or resume) with how it ended, every exception event, the program's
// output and exit. Values are RENDERED by the contract's rules (docs/values.md). Document shape:
//
//   {"reel_export": 1,
//    "python": "3.12.1", "argv": [...], "cwd": "...", "events": N, "first_event": E0,
//    "calls": [{"event": E, "thread": T, "frame": F, "depth": D, "fn": QUALNAME, "file": FILE,
//               "line": L, "resume": false, "reentered": false,
//               "end": {"event": E2, "kind": "return"|"yield"|"unwind", "line": L2,
//                       "value": RENDERED}}              ("end": null when still running at the
//                       end)
//              , ...],
//    "exceptions": [{"event": E, "thread": T, "frame": F, "fn": QUALNAME, "file": FILE, "line": L,
//                    "exc": RENDERED}, ...],            (one per frame the exception reached)
//    "raises": [{"index": I, "thread": T, "exc": RENDERED,   (one per raise: Replayer::exceptions)
//                "raised": {"event": E, "frame": F, "fn": QUALNAME, "file": FILE, "line": L},
//                "frames_reached": N,
//                "outcome": "handled"|"uncaught"|"replaced"|"in flight at end",
//                "ended": {"event": E, "frame": F, "fn": ..., "file": ..., "line": L,
//                          "handler_offset": O or null}  or null when in flight at end}, ...],
//    "output": {"stdout": TEXT, "stderr": TEXT},         (invalid UTF-8 replaced by U+FFFD)
//    "exit": {"kind": "exited"|"uncaught exception"|"signal"|"stopped by API"|"unknown",
//             "status": N, "message": TEXT} or null for a recovered (unclosed) trace}
//
// "reentered" marks a resumption without an event of its own (3.11: a delegate that caught what
// was thrown in and returned; REENTER in docs/format.md): "resume" is true and "event" is the
// frame's first event after it (an opcode), not a call event of --states.
// "depth" counts the frame's thread stack (1 = outermost). Lines are f_lineno (null when none).
// "events" is the number of events, "first_event" the first one's number (0 unless the trace is a
// slice). "ended" of a handled exception is the frame whose handler caught it.
// --only filters calls and exceptions exactly as for --states.

#include <cstdint>
#include <cstdio>

#include "reel/format/TraceReader.h"
#include "reel/replayer/StateExporter.h"

namespace reel::replayer {

// Writes the document to `out`; returns the number of calls listed. Throws TraceFormatError for
// damage, std::system_error when writing fails.
uint64_t exportJson(format::TraceReader& reader, const ExportOptions& options, std::FILE* out);

}  // namespace reel::replayer
