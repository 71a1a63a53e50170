#include "reel/replayer/FrameLine.h"

namespace reel::replayer {

int32_t displayLine(const Frame& f, const format::CodeObject& code) {
    if (f.shownLine() >= 1) return f.shownLine();
    for (const auto& ins : code.instructions)
        if (ins.line >= 1) return ins.line;
    return code.firstLine >= 1 ? code.firstLine : 0;
}

}  // namespace reel::replayer
