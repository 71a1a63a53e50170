#pragma once
// Conversion between the replayer's ProgramState and the format's Checkpoint chunk (format 1.1):
// `reel slice` writes the state at the window's first event as a Checkpoint, and a Replayer (or
// EventCursor) opening a sliced trace starts from it.

#include <cstdint>

#include "reel/format/Checkpoint.h"
#include "reel/format/Definitions.h"
#include "reel/replayer/ProgramState.h"

namespace reel::replayer {

// The state a trace starting at cp.firstEvent begins from (its event is cp.firstEvent - 1).
// Validates everything the StateMachine relies on (code ids, slot counts, thread ids, value
// references, kinds) and throws TraceFormatError against `fileOffset` otherwise. Frame lines are
// recomputed from lasti by `lineAt` when it is given, so they always agree with the line tables.
ProgramState stateFromCheckpoint(const format::Checkpoint& cp, const format::Definitions& defs,
                                 uint64_t fileOffset);

// The checkpoint for a trace that starts right after `s` (s.event + 1). Output tails and
// provenance are left to the caller.
format::Checkpoint checkpointFromState(const ProgramState& s);

}  // namespace reel::replayer
