#pragma once
// Per-execution purity: whether the instruction about to run can mutate an object a local reaches,
// decided from its operands on the value stack. The recorder re-checks mutable locals for in-place
// changes only after a non-pure instruction ran (Recorder::opcodeIn, docs/recorder.md "Cheap change
// detection"), so every "pure" answer here saves a shape walk of every mutable local of the frame.
//
// An answer of true is a promise that the instruction runs no Python code and mutates nothing
// reachable from a local, except through traced Python code whose own instructions bump the
// mutation counter (a call into traced code, a generator resumed by FOR_ITER). When anything is
// unknown (stack depth, operand types, a dict that may hold non-str keys) the answer is false.
// Costs a few type-pointer compares; runs no Python code, allocates nothing.

#include "Compat.h"

#include <cstddef>

#include "CodeTable.h"
#include "ValueCapture.h"

namespace reel::recorder::purity {

// The verdict on instruction `idx` (code units) of `ci`, about to run in `frame` (stopped at the
// opcode event announcing it); `ci.dynKind[idx]` must be non-zero, `codes` tells traced callees.
//  - pure: it can mutate nothing a local reaches (see above);
//  - targets (with `wantTargets`, for a non-pure one): when it can mutate nothing but one object
//    and runs no Python code, what changes, written to out[0..targets): the target with the index
//    or key, and for an attribute also the instance dict if one exists; 0 when the mutation is not
//    known that precisely. That is: STORE_SUBSCR of an exact list item by an exact int, of an
//    exact dict entry by an exact str in a dict of str keys, or by an exact int in a dict of at
//    most 1024 exact int/str keys (the dict only, no key); STORE_ATTR of a generic instance
//    attribute (not a property or other Python-level descriptor); a CALL of a builtin method that
//    changes only its receiver (list.append, insert, pop, extend with a list/tuple, clear,
//    reverse; dict.setdefault, pop, clear with str keys). As for pure instructions, the old
//    value's `__del__` or weakref callbacks run traced code, which reports itself.
// One word, built in a register: as a struct of bools and an int, each `return {...}` wrote its
// fields to the stack one by one and the caller read them back as two wider words, a
// store-forwarding stall that was 40% of judge()'s time on bench/workloads/loop.py.
class Verdict {
  public:
    constexpr Verdict(bool pure = false, int targets = 0, bool writesFrameLocals = false,
                      bool raiseMutates = false)
        : bits_(static_cast<uint32_t>(pure) | static_cast<uint32_t>(targets & 0xFF) << 8 |
                static_cast<uint32_t>(writesFrameLocals) << 16 |
                static_cast<uint32_t>(raiseMutates) << 24) {}
    bool pure() const { return bits_ & 1; }
    // How many objects judge() named in its `out` (0-2): the only ones the instruction changes.
    int targets() const { return static_cast<int>((bits_ >> 8) & 0xFF); }
    // 3.13: the instruction may write some frame's fast locals through a FrameLocalsProxy, so
    // an unchanged address in a slot no longer proves an unchanged value (Recorder::deltas).
    bool writesFrameLocals() const { return (bits_ >> 16) & 1; }
    // Pure unless it ends in an exception: `sum(gen)` of a traced generator, whose work on each
    // item is checked at the generator's next resumption (resumedByReporter), which does not
    // come when that work raised. The recorder counts a mutation at the frame's exception event.
    bool raiseMutates() const { return (bits_ >> 24) & 1; }

  private:
    uint32_t bits_;
};
Verdict judge(const CodeTable& codes, const CodeInfo& ci, size_t idx, _PyInterpreterFrame* frame,
              bool wantTargets, MutationChange out[2]);

// Attribute loads found pure for a class whose attributes, on it and its bases, have not changed
// since (its version tag, which CPython renews when any of them changes; tags are never reused):
// judge() writes them, quickPure() reads them. The class's part only: the instance's dict is
// looked at each time. Cleared by each recording session (resetAttrCache).
struct AttrPure {
    PyTypeObject* type = nullptr;
    PyObject* name = nullptr;
    unsigned int tag = 0;
};
inline constexpr size_t kAttrPureEntries = 256;
inline AttrPure gAttrPure[kAttrPureEntries];
inline AttrPure& attrPureEntry(PyTypeObject* t, PyObject* name) {
    const auto k = reinterpret_cast<uintptr_t>(t) ^ (reinterpret_cast<uintptr_t>(name) >> 3);
    return gAttrPure[((k >> 4) ^ (k >> 12)) & (kAttrPureEntries - 1)];
}
void resetAttrCache();

// The depth of `frame`'s value stack now: the interpreter's saved stack pointer where valid
// (3.11), else the static table; -1 when unknown or out of range.
inline int stackDepth(const CodeInfo& ci, size_t idx, _PyInterpreterFrame* frame) {
    int depth = compat::savedStackDepth(frame, ci.nlocalsplus);
    if (depth < 0 && idx < ci.depth.size()) depth = ci.depth[idx];
    return depth <= ci.stackSize ? depth : -1;
}

// co_names[i] of the frame's code, or NULL.
inline PyObject* coName(_PyInterpreterFrame* frame, uint32_t i) {
    PyCodeObject* co = compat::frameCode(frame);
    if (!co->co_names || i >= static_cast<uint32_t>(PyTuple_GET_SIZE(co->co_names))) return nullptr;
    return PyTuple_GET_ITEM(co->co_names, i);
}

// The attribute a LOAD_ATTR with oparg `arg` loads (3.12+ keep a method-load flag in bit 0).
inline PyObject* loadAttrName(_PyInterpreterFrame* frame, uint32_t arg) {
    return coName(frame, compat::kMinorVersion >= 12 ? arg >> 1 : arg);
}

// judge()'s "pure" for the kinds met most in loops, answered inline (the call's set-up was most of
// judge()'s cost there): BINARY_OP of two exact ints or floats (C arithmetic, whose errors are
// raised in C), FOR_ITER over a range, list or tuple iterator, and LOAD_ATTR of an instance
// attribute or method that judge() found pure for the same class version (gAttrPure) on an
// instance whose dict holds str keys only. false: ask judge().
[[gnu::always_inline]] inline bool quickPure(const CodeInfo& ci, size_t idx, uint8_t kind,
                                             _PyInterpreterFrame* frame) {
    if (kind != dyn::kBinaryOp && kind != dyn::kForIter && kind != dyn::kLoadAttr) return false;
    const int depth = stackDepth(ci, idx, frame);
    if (depth < (kind == dyn::kBinaryOp ? 2 : 1)) return false;
    PyObject** stack = compat::valueStack(frame, ci.nlocalsplus) + depth;
    if (kind == dyn::kLoadAttr) {
        PyObject* owner = stack[-1];
        if (owner == nullptr) return false;
        PyTypeObject* t = Py_TYPE(owner);
        if (t->tp_getattro != PyObject_GenericGetAttr || t->tp_version_tag == 0) return false;
        PyObject* name = loadAttrName(frame, ci.arg[idx]);
        if (name == nullptr) return false;
        const AttrPure& e = attrPureEntry(t, name);
        return e.type == t && e.name == name && e.tag == t->tp_version_tag &&
               compat::instanceDictKeysAllStr(owner);
    }
    if (kind == dyn::kForIter) {
        PyObject* it = stack[-1];
        if (it == nullptr) return false;
        PyTypeObject* t = Py_TYPE(it);
        return t == &PyRangeIter_Type || t == &PyListIter_Type || t == &PyTupleIter_Type;
    }
    auto number = [](PyObject* o) {
        if (o == nullptr) return false;
        PyTypeObject* t = Py_TYPE(o);
        return t == &PyLong_Type || t == &PyFloat_Type;
    };
    return number(stack[-2]) && number(stack[-1]);
}

// Generator frame `frame` is being resumed (a 'call' event of a suspended generator): whether
// everything that ran since it yielded reported its own changes, so the frame's locals need no
// re-check beyond what the mutation counter says. True when the resumer is a traced frame whose
// SEND or FOR_ITER is resuming exactly this generator (a `yield from`/`await` chain, a for loop),
// or a CALL in a traced frame of a C function that only builds a new object from the values
// (`str.join`, `list()`, `tuple()`) with this generator as its argument. Otherwise C code ran in
// between and may have changed what the frame holds (`xs.extend(gen)` appends to the `xs` the
// generator reads): the recorder counts an unnamed mutation.
//
// `last`: what the generator yielded last, for consumers whose work on an item depends on it:
// `sum`, `min`, `max`, `any`, `all`, `set()`, `frozenset()` of a generator handle numbers and str
// in C only (an add, a comparison, a truth test, a hash), and each item is handled before the
// generator is resumed again; `sorted` only collects (it compares after the last resumption,
// inside its own CALL, which counts as a mutation as usual).
enum class Yielded : uint8_t { Other, Number, Str };
Yielded yieldedKind(PyObject* value);
bool resumedByReporter(const CodeTable& codes, _PyInterpreterFrame* frame,
                       Yielded last = Yielded::Other);

// Finds the builtins the CALL rules know (len, isinstance, abs, pure dict/str methods, the
// receiver-only list/dict methods) by their C function. Call once with the GIL held, before the
// first judge().
void initKnownCalls();

}  // namespace reel::recorder::purity
