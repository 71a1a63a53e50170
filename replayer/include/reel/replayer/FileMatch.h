#pragma once
// How a file name given by the user (`break inventory.py:12`, `--break inventory.py:12`) names the
// code objects of a trace: one rule for the Navigator, which stops there, and for the front ends,
// which show the breakpoint where it stops (the GUI's gutter dot, `reel replay`'s list) and check
// a location when it is typed.

#include <string_view>

#include "reel/format/Definitions.h"

namespace reel::replayer {

// `path` is `file`, or ends with "/" + file (so "inventory.py" and "examples/inventory.py" both
// name "/work/examples/inventory.py", but "ventory.py" does not).
bool fileMatches(std::string_view path, std::string_view file);

// Code object `code` comes from `file`: its filename (co_filename) or the path of its recorded
// source matches it.
bool codeInFile(const format::Definitions& defs, const format::CodeObject& code,
                std::string_view file);

}  // namespace reel::replayer
