#pragma once
// Each code object the recorder meets, described once: a format::CodeObject definition (decoded
// instructions, lines, local names and kinds, source text of its file) for the trace, and a small
// CodeInfo the hook consults at every event (is it traced, what kind of instruction sits at each
// offset). The CodeInfo is found through the code object's co_extra slot, so the lookup costs one
// load on the hot path and no hash.

#include "Compat.h"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "OpcodeTable.h"
#include "reel/format/TraceWriter.h"

namespace reel::recorder {

struct CodeInfo {
    uint32_t id = UINT32_MAX;  // trace code id; UINT32_MAX for code the filters reject
    bool traced = false;
    bool usesLocalsDict = false;
    bool localEvents = false;  // sys.monitoring hook: INSTRUCTION enabled on this code object
    bool toolsRepaired = false;  // and its per-instruction tool table repaired (MonitoringHook)
    // Named `__eq__` or `__len__` (kReadTruth): C code reads what it returns (its truth, as an
    // index), which runs the result's own `__bool__`/`__len__`/`__index__` unless it is an exact
    // bool or int or NotImplemented. Named `__repr__`, `__str__` or `__format__` (kReadStr): C
    // code formats or joins what it returns (`f"{o!r}"` formats the repr), which runs a str
    // subclass's own `__format__`. Recorder::onReturn counts a mutation nobody names for any
    // other result; Purity's rules for calls through these dunders rely on it.
    static constexpr uint8_t kReadTruth = 1, kReadStr = 2;
    uint8_t resultRead = 0;
    uint32_t nlocalsplus = 0;
    std::vector<uint8_t> kinds;     // co_localspluskinds
    std::vector<uint16_t> opFlags;  // per code unit: opflag bits of the instruction starting there
    // Per code unit, for deciding purity per execution (Purity.cpp): the instruction's dyn kind
    // (OpcodeInfo::dynKind, 0 for the others) and full argument (EXTENDED_ARG included), and the
    // value-stack depth before it runs, from a static analysis of the bytecode (stackDepths); -1
    // where unknown (unreachable code, or the analysis failed for the whole code object), which
    // makes the instruction non-pure. An EXTENDED_ARG prefix gets the values of its instruction.
    std::vector<uint8_t> dynKind;
    std::vector<uint32_t> arg;
    std::vector<int16_t> depth;
    int stackSize = 0;  // co_stacksize
    // Per code unit, how control leaves and reaches the instruction there (CodeTable::markImplied),
    // for writing the events of implied instructions (opflag::kImplied) when the frame's next
    // recorded instruction shows where control went (Recorder::catchUp): the instruction's size in
    // code units (low byte), flow:: bits, and the length in code units of the straight line of
    // implied instructions that falls through to it (flow::kRunShift; 0 when none, or too long).
    std::vector<uint32_t> flow;
    // Per code unit, when flow::kRunHasStore: the slots the implied stores of that line bind
    // (empty when the code has no implied store).
    std::vector<uint64_t> lineStores;
    // Per code unit: where the jump there lands (past any EXTENDED_ARG prefix), when flow::kJumps.
    std::vector<uint32_t> jumpTo;
    // Per code unit: the fast local(s) the instruction there binds, when that is all it does
    // (STORE_FAST, 3.13's STORE_FAST_STORE_FAST and STORE_FAST_LOAD_FAST) and they are plain
    // locals: the first slot in the low 16 bits, the second (or 0xFFFF) in the high ones;
    // kNoStore for every other instruction (Recorder::storedSlots).
    std::vector<uint32_t> storeSlots;
    static constexpr uint32_t kNoStore = UINT32_MAX;
};

namespace flow {
inline constexpr uint32_t kSizeMask = 0xFF;
inline constexpr uint32_t kLeader = 1u << 8;    // an entry point: jump target, handler, first
inline constexpr uint32_t kJumps = 1u << 9;     // has a jump target (CodeInfo::jumpTo)
inline constexpr uint32_t kNoFall = 1u << 10;   // never falls through: jump, return, raise
// No entry point, and the instruction before it is implied and falls through to it: control gets
// here only through an implied instruction, so the frame's pending events must lead here.
inline constexpr uint32_t kFromImplied = 1u << 11;
// Implied only when the recorder says so at the instruction's event (Recorder::impliedNow): a
// LOAD_GLOBAL whose namespaces run no code (purity::judge), an implied store (below).
inline constexpr uint32_t kConditional = 1u << 12;
// An implied store (STORE_FAST, 3.13's STORE_FAST_STORE_FAST and STORE_FAST_LOAD_FAST): the value
// it replaces is not snapshotted again first, so it is implied only while nothing since the
// frame's previous recorded instruction could have changed that value (Recorder::storeRisky,
// guardStores). Its slots are below 64 and bound by nothing else on the way from that instruction.
inline constexpr uint32_t kImpliedStore = 1u << 13;
// The straight line of implied instructions starting here holds an implied store.
inline constexpr uint32_t kStoreAhead = 1u << 14;
// The line of implied instructions falling through to this instruction (kRunShift) holds an
// implied store (CodeInfo::lineStores).
inline constexpr uint32_t kRunHasStore = 1u << 15;
inline constexpr int kRunShift = 16;
// That line is of one-unit instructions: their events are one EventEncoder::opcodeRun.
inline constexpr uint32_t kRunOneUnit = 1u << 25;
// An implied store whose event the hook switched off (sys.monitoring.DISABLE): making it
// recorded again needs the code object instrumented afresh (Recorder::guardStores).
inline constexpr uint32_t kDisabled = 1u << 24;
// The length in code units of the line (kRunShift) in flow bits `f`.
inline uint32_t runOf(uint32_t f) { return (f >> kRunShift) & 0xFF; }
// The slots of a CodeInfo::storeSlots value as a bit set; a slot from 64 on sets every bit (an
// implied store's are all below 64, so it then conflicts with any).
inline uint64_t slotBits(uint32_t storeSlots) {
    uint64_t b = 0;
    for (uint32_t s : {storeSlots & 0xFFFF, storeSlots >> 16})
        if (s != 0xFFFF) b |= s < 64 ? uint64_t{1} << s : ~uint64_t{0};
    return b;
}
}  // namespace flow

// The code unit of the instruction an opcode event at `lasti` announces (on 3.11 an instruction
// prefixed by EXTENDED_ARG is reported once, at the prefix); past the end when unknown.
inline size_t instructionAt(const CodeInfo* ci, int lasti) {
    if (lasti < 0) return ci->opFlags.size();
    size_t i = static_cast<size_t>(lasti) / 2;
    while (i < ci->opFlags.size() && (ci->opFlags[i] & opflag::kExtendedArg)) ++i;
    return i;
}

// The code unit of the instruction after the one at unit `i` (which must be known).
inline uint32_t unitAfter(const CodeInfo* ci, size_t i) {
    return static_cast<uint32_t>(i + (ci->flow[i] & flow::kSizeMask));
}

// Where control goes after the instruction at unit `i` (known) when it does not raise: the jump
// target for an unconditional jump, else the next instruction (a conditional jump that is taken
// is told apart at the next event: Recorder::catchUp).
inline uint32_t unitNext(const CodeInfo* ci, size_t i) {
    const uint32_t f = ci->flow[i];
    if ((f & (flow::kJumps | flow::kNoFall)) == (flow::kJumps | flow::kNoFall))
        return ci->jumpTo[i];
    return static_cast<uint32_t>(i + (f & flow::kSizeMask));
}

struct PathFilter {
    std::vector<std::string> only, exclude;  // absolute directories or globs
    std::vector<std::string> alwaysExclude;  // Reel's own package directory
    bool accepts(const std::string& filename) const;
};

class CodeTable {
  public:
    CodeTable(const OpcodeTable& ops, PathFilter filter);
    ~CodeTable();
    CodeTable(const CodeTable&) = delete;
    CodeTable& operator=(const CodeTable&) = delete;

    // sys.monitoring hook: LOAD_GLOBAL and stores may be implied (markConditional). Before the
    // first lookup.
    void allowConditionalImplied() { conditionalImplied_ = true; }

    // The CodeInfo for `code`, creating (and queueing the definition of) it on first sight.
    // Returns nullptr only on an internal failure (with no Python exception set).
    CodeInfo* lookup(PyCodeObject* code) {
        void* extra = nullptr;
        if (PyUnstable_Code_GetExtra(reinterpret_cast<PyObject*>(code), extraIndex_, &extra) == 0 &&
            extra != nullptr) {
            auto tagged = reinterpret_cast<uintptr_t>(extra);
            if ((tagged >> 32) == session_) return infos_[(tagged & 0xFFFFFFFFu) - 1].get();
        }
        return insert(code);
    }

    // The CodeInfo of `code` if this session has met it already, else nullptr. Never creates one:
    // safe to call for code about to be called (no definition is queued, no Python object made).
    CodeInfo* find(PyCodeObject* code) const {
        void* extra = nullptr;
        if (PyUnstable_Code_GetExtra(reinterpret_cast<PyObject*>(code), extraIndex_, &extra) == 0 &&
            extra != nullptr) {
            auto tagged = reinterpret_cast<uintptr_t>(extra);
            if ((tagged >> 32) == session_) return infos_[(tagged & 0xFFFFFFFFu) - 1].get();
        }
        return nullptr;
    }

    // `python -c`'s command: `code` (compiled from `text` as "<string>") and the code objects
    // nested in it get `text` as their source. "<string>" names every exec'd string too, so the
    // text goes with these code objects, not with the file name. Holds a reference to `code`
    // (released with the table, under the GIL like every recorder teardown) so that no later
    // code object takes its address. Before the command runs.
    void setCommandSource(PyCodeObject* code, std::string text);

    // Moves definitions created since the last call into `defs`.
    void drainInto(format::NewDefs& defs);
    bool hasPending() const { return !pendingCodes_.empty() || !pendingSources_.empty(); }

  private:
    CodeInfo* insert(PyCodeObject* code);
    uint32_t sourceFor(const std::string& filename);
    uint32_t newSource(const std::string& path, std::string text, bool hasText);
    void decode(PyCodeObject* code, CodeInfo& info, format::CodeObject& def);
    // Fills info.depth from the unspecialized bytecode `bc` (n bytes) and the exception table.
    // `leaders` gets the entry points of control flow: the first instruction, jump targets and
    // exception handlers.
    void stackDepths(PyCodeObject* code, const uint8_t* bc, size_t n, CodeInfo& info,
                     std::vector<uint8_t>& leaders);
    void markImplied(const uint8_t* bc, size_t n, CodeInfo& info,
                     const std::vector<uint8_t>& leaders);
    void markConditional(CodeInfo& info, size_t units);
    // The code unit a jump at unit `u` with full argument `arg` lands on (dis's target), or -1.
    int64_t jumpTarget(const OpcodeInfo& oi, size_t u, uint32_t arg) const;

    const OpcodeTable& ops_;
    // Per opcode: control never falls through to the next instruction (returns, raises,
    // unconditional jumps), for stackDepths.
    std::array<bool, 256> noFallthrough_{};
    // Per opcode: a jump on the truth of a value, which calls __bool__ unless the value is a bool
    // (3.11/3.12), and an instruction that always leaves a bool (for markImplied).
    std::array<bool, 256> truthJump_{}, leavesBool_{};
    // Per opcode: how it names the locals it binds, for CodeInfo::storeSlots (StoreForm).
    std::array<uint8_t, 256> storeForm_{};
    bool impliedEvents_ = true;  // REEL_IMPLIED_OPCODES=0 records every opcode event as it runs
    // flow::kConditional instructions may be implied: only under sys.monitoring, where an implied
    // event is switched off and its callback saved. Legacy tracing reports every event anyway:
    // deciding at each one whether it is implied, then writing it with the next recorded one,
    // saved nothing there (3.11 `queens`: 3,923.5 M instructions implied, 3,916.1 M recorded).
    bool conditionalImplied_ = false;
    PathFilter filter_;
    Py_ssize_t extraIndex_;
    uintptr_t session_;
    std::vector<std::unique_ptr<CodeInfo>> infos_;
    uint32_t nextCodeId_ = 0;
    std::unordered_map<std::string, uint32_t> sourceIds_;
    PyObject* commandCode_ = nullptr;  // strong
    std::unordered_set<const PyCodeObject*> commandCodes_;
    uint32_t commandSourceId_ = 0;
    uint32_t nextSourceId_ = 0;
    std::vector<format::CodeObject> pendingCodes_;
    std::vector<format::SourceFile> pendingSources_;
};

// UTF-8 of a str object, "" when it is not a str or cannot be encoded (clears the error).
std::string utf8Of(PyObject* s);

}  // namespace reel::recorder
