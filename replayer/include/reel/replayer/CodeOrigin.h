#pragma once
// Which recorded code is the program's own and which is library code (the standard library,
// frozen modules, installed packages). A recording holds everything the program ran, so an
// import-heavy run raises and handles hundreds of exceptions inside importlib, json or re before
// the program's first line of interest; the front ends use this rule to keep those out of the
// way (`reel replay`'s `exceptions` and `catch own`) without hiding them.
//
// The rule looks at file names only (a trace is read on machines without the recording's Python),
// so it is a convention, documented in docs/guide.md: a file is library code when it is a frozen
// module ("<frozen importlib._bootstrap>"), or lies in a "site-packages" or "dist-packages"
// directory, or in a "lib/pythonX.Y" (or "lib64/pythonX.Y") directory, where every CPython
// installation (pyenv, Debian, a venv's base, conda) keeps its standard library. Everything else
// ("app.py", "<string>", "<stdin>", a doctest) is the program's own.

#include <cstdint>
#include <string_view>
#include <vector>

#include "reel/format/Definitions.h"

namespace reel::replayer {

bool isLibraryFile(std::string_view filename);

// isLibraryFile for the code objects of one trace, by code id, each decided once. A code id the
// definitions do not hold counts as the program's own (shown rather than hidden).
class CodeOrigins {
  public:
    explicit CodeOrigins(const format::Definitions& defs) : defs_(defs) {}
    bool isLibrary(uint32_t codeId);

  private:
    const format::Definitions& defs_;
    std::vector<uint8_t> known_;  // 0 not decided yet, 1 own, 2 library
};

}  // namespace reel::replayer
