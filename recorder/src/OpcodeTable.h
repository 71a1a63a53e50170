#pragma once
// Per-opcode facts for the running interpreter (names, inline cache sizes, argument kinds), built
// once at start from the `dis`/`opcode` modules by reel/_opcodes.py, so the recorder never runs
// Python code to decode an instruction.

#include <Python.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace reel::recorder {

namespace opflag {
inline constexpr uint32_t kJrel = 1u << 0;
inline constexpr uint32_t kJabs = 1u << 1;
inline constexpr uint32_t kConst = 1u << 2;
inline constexpr uint32_t kName = 1u << 3;
inline constexpr uint32_t kLocal = 1u << 4;
inline constexpr uint32_t kFree = 1u << 5;
inline constexpr uint32_t kCompare = 1u << 6;
inline constexpr uint32_t kBackward = 1u << 7;
// Cannot run Python code nor mutate any object reachable from a local (see Recorder: a local is
// re-captured for in-place mutation only after a non-pure instruction ran).
inline constexpr uint32_t kPure = 1u << 8;
inline constexpr uint32_t kReturn = 1u << 9;
inline constexpr uint32_t kYield = 1u << 10;
inline constexpr uint32_t kExtendedArg = 1u << 11;
inline constexpr uint32_t kHasArg = 1u << 12;
}  // namespace opflag

struct OpcodeInfo {
    std::string name;
    uint16_t cacheEntries = 0;
    uint32_t flags = 0;
};

struct OpcodeTable {
    std::array<OpcodeInfo, 256> ops;
    std::vector<std::string> compareOps;
    int minor = 0;

    // `spec` is reel._opcodes.table(): (minor, [(name, caches, flags)] * 256, cmp_op). Returns
    // false with a Python exception set when it is malformed.
    bool load(PyObject* spec);
};

}  // namespace reel::recorder
