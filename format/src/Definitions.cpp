#include "reel/format/Definitions.h"

#include <algorithm>

namespace reel::format {

// `instructions` is in offset order (the reader enforces it), so both look-ups are binary searches:
// the replayer calls them for every step it shows.

int CodeObject::instructionAt(uint32_t offset) const {
    auto it = std::lower_bound(instructions.begin(), instructions.end(), offset,
                               [](const Instruction& in, uint32_t off) { return in.offset < off; });
    if (it == instructions.end() || it->offset != offset) return -1;
    return static_cast<int>(it - instructions.begin());
}

int32_t CodeObject::lineAt(uint32_t offset) const {
    // The last instruction starting at or before `offset`; f_lasti can point into its inline
    // cache entries, which belong to it (Instruction::size covers them).
    auto it = std::upper_bound(instructions.begin(), instructions.end(), offset,
                               [](uint32_t off, const Instruction& in) { return off < in.offset; });
    if (it == instructions.begin()) return -1;
    --it;
    if (offset - it->offset >= it->size) return -1;
    return it->line;
}

}  // namespace reel::format
