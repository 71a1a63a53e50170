#pragma once
// Where the front ends show a frame: one rule for the GUI (source pane, stack pane) and
// `reel replay` (the stop banner, `where`, `list`).

#include <cstdint>

#include "reel/format/Definitions.h"
#include "reel/replayer/ProgramState.h"

namespace reel::replayer {

// Frame::shownLine() (its line, or at an instruction without a line number the last line it
// ran); before the frame has run any numbered line (a module at its first event, whose RESUME
// has line 0) the line it is about to start at, as pdb shows a program that has not started:
// the first numbered instruction's line, else the code's first line. 0 when there is none.
int32_t displayLine(const Frame& f, const format::CodeObject& code);

}  // namespace reel::replayer
