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
// Never binds or unbinds a local, and runs no Python code when pure (reel/_opcodes.py).
inline constexpr uint32_t kNoLocalWrite = 1u << 13;
// Set by CodeTable on an inline cache entry (a code unit inside the instruction before it): where
// a frame that is resuming a generator reports its position on 3.12 (Purity.cpp).
inline constexpr uint32_t kCacheUnit = 1u << 14;
// From reel/_opcodes.py on the opcode; CodeTable keeps it only on the instructions whose event is
// left implied at their position (CodeInfo::implied). Such an instruction is never recorded as it
// runs: the next recorded instruction of its frame writes its event (Recorder::opcodeIn).
inline constexpr uint32_t kImplied = 1u << 15;
}  // namespace opflag

// How a non-pure instruction may still be pure for one execution, decided from its operands on the
// value stack (Purity.cpp). Same values as DYN_* in reel/_opcodes.py.
namespace dyn {
inline constexpr uint8_t kNone = 0;
inline constexpr uint8_t kBinaryOp = 1;
inline constexpr uint8_t kCompare = 2;
inline constexpr uint8_t kContains = 3;
inline constexpr uint8_t kSubscr = 4;
inline constexpr uint8_t kSlice = 5;
inline constexpr uint8_t kForIter = 6;
inline constexpr uint8_t kCall = 7;
inline constexpr uint8_t kLoadAttr = 8;
inline constexpr uint8_t kLoadGlobal = 9;
inline constexpr uint8_t kTruth = 10;
inline constexpr uint8_t kUnary = 11;
inline constexpr uint8_t kGetIter = 12;
inline constexpr uint8_t kUnpack = 13;
// Never pure; Purity.h's judge() may name the one object they mutate.
inline constexpr uint8_t kStoreSubscr = 14;
inline constexpr uint8_t kStoreAttr = 15;
inline constexpr uint8_t kBuildMap = 16;
inline constexpr uint8_t kBuildConstKeyMap = 17;
inline constexpr uint8_t kBuildSet = 18;
inline constexpr uint8_t kMapAdd = 19;
inline constexpr uint8_t kSetAdd = 20;
inline constexpr uint8_t kFormatValue = 21;   // 3.11/3.12 FORMAT_VALUE (flags in the argument)
inline constexpr uint8_t kFormatSimple = 22;  // 3.13 FORMAT_SIMPLE, CONVERT_VALUE
inline constexpr uint8_t kFormatSpec = 23;    // 3.13 FORMAT_WITH_SPEC
inline constexpr uint8_t kSend = 24;          // SEND (yield from, await)
inline constexpr uint8_t kDeleteSubscr = 25;  // never pure, as the stores
inline constexpr uint8_t kStoreDeref = 26;    // STORE_DEREF, DELETE_DEREF: never pure
inline constexpr uint8_t kCallEx = 27;        // CALL_FUNCTION_EX
inline constexpr uint8_t kDictMerge = 28;     // DICT_MERGE, DICT_UPDATE
inline constexpr uint8_t kBeforeWith = 29;    // BEFORE_WITH
inline constexpr uint8_t kCallKw = 30;        // 3.13 CALL_KW
inline constexpr uint8_t kLoadSuperAttr = 31; // 3.12+ LOAD_SUPER_ATTR
inline constexpr uint8_t kMakeFunction = 32;  // MAKE_FUNCTION
inline constexpr uint8_t kDeleteAttr = 33;    // DELETE_ATTR: never pure, as STORE_ATTR
inline constexpr uint8_t kImportName = 34;    // IMPORT_NAME
inline constexpr uint8_t kListExtend = 35;    // LIST_EXTEND (list displays)
inline constexpr uint8_t kSetUpdate = 36;     // SET_UPDATE (set displays)
inline constexpr uint8_t kLoadName = 37;      // LOAD_NAME (module and class bodies, exec)
// Never pure, as the stores above: STORE_NAME/DELETE_NAME into the frame's namespace dict,
// STORE_GLOBAL/DELETE_GLOBAL into its globals.
inline constexpr uint8_t kStoreName = 38;
inline constexpr uint8_t kDeleteName = 39;
inline constexpr uint8_t kStoreGlobal = 40;
inline constexpr uint8_t kDeleteGlobal = 41;
inline constexpr uint8_t kGetAwaitable = 42;  // GET_AWAITABLE (await)
inline constexpr uint8_t kLast = 42;
}  // namespace dyn

struct OpcodeInfo {
    std::string name;
    uint16_t cacheEntries = 0;
    uint32_t flags = 0;
    uint8_t dynKind = dyn::kNone;
};

struct OpcodeTable {
    std::array<OpcodeInfo, 256> ops;
    std::vector<std::string> compareOps;
    int minor = 0;

    // `spec` is reel._opcodes.table(): (minor, [(name, caches, flags, dyn)] * 256, cmp_op). Returns
    // false with a Python exception set when it is malformed.
    bool load(PyObject* spec);
};

}  // namespace reel::recorder
