#pragma once
// What `frame.f_locals` shows at an event (names, order, values), per CPython version, computed
// from the replayer's frame state. The export contract's "locals" object is f_locals minus dunder
// names, so the exporter must reproduce CPython's quirks here exactly; docs/values.md
// ("Rendering from a trace") and /work/oracle-findings.md list them. In short:
//
//  - 3.11 / 3.12, optimized (function) frames: f_locals is a dict cached on the frame and
//    refreshed at every read by walking the fast slots in slot order: a bound slot is set (a new
//    key goes to the end), an unbound one is deleted. Key order therefore depends on the history
//    of reads: a local deleted and bound again moves to the end. The oracle reads f_locals at
//    every opcode event, so read() must be called at exactly those events, in order.
//  - 3.12: "hidden" slots (variables of comprehensions inlined into module or class bodies,
//    PEP 709) are not stored in that dict; while bound they are merged into a copy: a name the
//    dict already has keeps its place with the hidden value, a new one goes to the end.
//  - 3.13: optimized frames get a FrameLocalsProxy: the bound slots in slot order (cells and free
//    variables show their contents), recomputed at every read, no history.
//  - Module, class-body and exec/eval frames (CodeObject::usesLocalsDict): the namespace dict
//    itself, in insertion order (the frame's NAME_SET/NAME_DEL history). On 3.13 a frame of this
//    kind with a bound hidden slot is shown through a FrameLocalsProxy instead: only its bound
//    fast slots, none of the namespace.
//  - Free variables of a non-optimized frame (a class body closing over a function's locals)
//    are never copied into the namespace on 3.11/3.12.

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "reel/format/Definitions.h"
#include "reel/replayer/ProgramState.h"

namespace reel::replayer {

class LocalsView {
  public:
    struct Entry {
        const std::string* name;
        ValueRef value;
    };

    // co_localspluskinds bits (CPython's Include/internal/pycore_code.h).
    static constexpr uint8_t kHidden = 0x10, kLocal = 0x20, kCell = 0x40, kFree = 0x80;

    // `defs` must outlive the view. pythonMajor/Minor: the recorded interpreter's version.
    LocalsView(const format::Definitions& defs, int pythonMajor, int pythonMinor);

    // frame.f_locals as read at this moment, in iteration order, dunder names included (the
    // caller filters). Updates the frame's cached dict on 3.11/3.12. Throws TraceFormatError when
    // the frame's code or a name id is not defined.
    const std::vector<Entry>& read(const Frame& f);

    // The frame is gone (RETURN or UNWIND; not YIELD, a suspended generator keeps its dict).
    void frameExited(uint64_t frameId) { cachedDicts_.erase(frameId); }

    int pythonMinor() const { return minor_; }

  private:
    void readOptimizedDict(const Frame& f, const format::CodeObject& code);
    void readProxy(const Frame& f, const format::CodeObject& code);
    void readNamespace(const Frame& f, const format::CodeObject& code);
    void mergeHidden(const Frame& f, const format::CodeObject& code);
    uint8_t kindOf(const format::CodeObject& code, size_t slot) const {
        return slot < code.localKinds.size() ? code.localKinds[slot] : kLocal;
    }

    const format::Definitions& defs_;
    int major_, minor_;
    bool cachedDictLocals_;  // 3.11/3.12 semantics for optimized frames
    bool hiddenMerge_;       // 3.12: hidden slots merged into a copy
    bool proxyForHidden_;    // 3.13+: dict-locals frames with bound hidden slots use a proxy
    // Per frame id: the cached f_locals dict's keys, in order: slot indices, and string ids of
    // names that are not locals of the code with kNameEntry set.
    std::unordered_map<uint64_t, std::vector<uint32_t>> cachedDicts_;
    static constexpr uint32_t kNameEntry = 0x80000000u;
    static bool isNameEntry(uint32_t e) { return (e & kNameEntry) != 0; }
    std::vector<Entry> entries_;
};

}  // namespace reel::replayer
