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

// `ci.dynKind[idx]` must be non-zero; `frame` is the executing frame of `ci`'s code, stopped at the
// opcode event announcing instruction `idx` (code units). `codes` tells traced callees.
bool pureNow(const CodeTable& codes, const CodeInfo& ci, size_t idx, _PyInterpreterFrame* frame);

// For a non-pure STORE_SUBSCR/STORE_ATTR (ci.dynKind[idx] kStoreSubscr/kStoreAttr): when the
// instruction can mutate nothing but one object and runs no Python code (an exact list item by an
// exact int; an exact dict entry by an exact str in a dict of str keys; a generic instance
// attribute, not a property or other Python-level descriptor), writes what changes to `out` (the
// target with the index or key, and for an attribute also the instance dict if one exists) and
// returns the count; 0 when the mutation is not known that precisely. As for pure instructions,
// the old value's `__del__` or weakref callbacks run traced code, which reports itself.
// Also for a non-pure CALL of a builtin method that changes only its receiver (list.append,
// insert, pop, extend with a list/tuple, clear, reverse; dict.setdefault, pop, clear with str keys).
int targetsNow(const CodeInfo& ci, size_t idx, _PyInterpreterFrame* frame,
               MutationChange out[2]);
// Whether pureNow() can answer true for this kind (the STORE kinds never are pure).
inline bool mayBePure(uint8_t dynKind) {
    return dynKind != dyn::kNone && dynKind != dyn::kStoreSubscr && dynKind != dyn::kStoreAttr;
}
inline bool mayTarget(uint8_t dynKind) {
    return dynKind == dyn::kStoreSubscr || dynKind == dyn::kStoreAttr || dynKind == dyn::kCall;
}

// Finds the builtins the CALL rules know (len, isinstance, abs, pure dict/str methods, the
// receiver-only list/dict methods) by their C function. Call once with the GIL held, before the
// first pureNow/targetsNow.
void initKnownCalls();

// The depth of `frame`'s value stack now: the interpreter's saved stack pointer where valid
// (3.11), else the static table; -1 when unknown or out of range.
int stackDepth(const CodeInfo& ci, size_t idx, _PyInterpreterFrame* frame);

}  // namespace reel::recorder::purity
