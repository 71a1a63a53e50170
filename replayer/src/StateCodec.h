#pragma once
// Serialization of a ProgramState for checkpoints (in memory, and the planned sidecar index):
// varints, so a typical state (a few frames, a few dozen locals) takes a few hundred bytes.
// Decoding validates counts and kinds like any trace input (TraceFormatError), because a
// sidecar file is input too.

#include <cstdint>
#include <vector>

#include "reel/replayer/ProgramState.h"

namespace reel::replayer {

class StateCodec {
  public:
    static void encode(const ProgramState& s, std::vector<uint8_t>& out);
    static ProgramState decode(const uint8_t* data, size_t size);
};

}  // namespace reel::replayer
