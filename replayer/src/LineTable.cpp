#include <algorithm>

#include "reel/replayer/StateMachine.h"

namespace reel::replayer {

namespace {
// A hostile code record could claim an instruction at offset 2^31; past this many bytes the
// table stops and lineAt falls back to the binary search.
constexpr uint32_t kMaxTableBytes = uint32_t{1} << 22;
}  // namespace

LineTable::LineTable(const format::CodeObject& code) : code_(&code), firstLine_(code.firstLine) {
    uint32_t end = 0;
    for (const auto& in : code.instructions)
        end = std::max<uint32_t>(end, std::min<uint32_t>(kMaxTableBytes, in.offset + in.size));
    lines_.assign((end + 1) / 2, -1);
    for (size_t i = 0; i < lines_.size(); ++i)
        lines_[i] = code.lineAt(static_cast<uint32_t>(i * 2));
}

}  // namespace reel::replayer
