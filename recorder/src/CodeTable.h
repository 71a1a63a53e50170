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
#include <vector>

#include "OpcodeTable.h"
#include "reel/format/TraceWriter.h"

namespace reel::recorder {

struct CodeInfo {
    uint32_t id = UINT32_MAX;  // trace code id; UINT32_MAX for code the filters reject
    bool traced = false;
    bool usesLocalsDict = false;
    bool localEvents = false;  // sys.monitoring hook: INSTRUCTION enabled on this code object
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
    // Per code unit: low byte, how many instructions with implied events (opflag::kImplied) come
    // right before it; high byte, its instruction's size in code units (to the next instruction).
    // Recorder::opcodeIn writes an implied run's events when it records the instruction after it.
    std::vector<uint16_t> implied;
};

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
    return static_cast<uint32_t>(i + (ci->implied[i] >> 8));
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

    // Moves definitions created since the last call into `defs`.
    void drainInto(format::NewDefs& defs);
    bool hasPending() const { return !pendingCodes_.empty() || !pendingSources_.empty(); }

  private:
    CodeInfo* insert(PyCodeObject* code);
    uint32_t sourceFor(const std::string& filename);
    void decode(PyCodeObject* code, CodeInfo& info, format::CodeObject& def);
    // Fills info.depth from the unspecialized bytecode `bc` (n bytes) and the exception table.
    // `leaders` gets the entry points of control flow: the first instruction, jump targets and
    // exception handlers.
    void stackDepths(PyCodeObject* code, const uint8_t* bc, size_t n, CodeInfo& info,
                     std::vector<uint8_t>& leaders);
    void markImplied(const uint8_t* bc, size_t n, CodeInfo& info,
                     const std::vector<uint8_t>& leaders);

    const OpcodeTable& ops_;
    // Per opcode: control never falls through to the next instruction (returns, raises,
    // unconditional jumps), for stackDepths.
    std::array<bool, 256> noFallthrough_{};
    bool impliedEvents_ = true;  // REEL_IMPLIED_OPCODES=0 records every opcode event as it runs
    PathFilter filter_;
    Py_ssize_t extraIndex_;
    uintptr_t session_;
    std::vector<std::unique_ptr<CodeInfo>> infos_;
    uint32_t nextCodeId_ = 0;
    std::unordered_map<std::string, uint32_t> sourceIds_;
    std::vector<format::CodeObject> pendingCodes_;
    std::vector<format::SourceFile> pendingSources_;
};

// UTF-8 of a str object, "" when it is not a str or cannot be encoded (clears the error).
std::string utf8Of(PyObject* s);

}  // namespace reel::recorder
