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

namespace reel::recorder::purity {

// `ci.dynKind[idx]` must be non-zero; `frame` is the executing frame of `ci`'s code, stopped at the
// opcode event announcing instruction `idx` (code units). `codes` tells traced callees.
bool pureNow(const CodeTable& codes, const CodeInfo& ci, size_t idx, _PyInterpreterFrame* frame);

// The depth of `frame`'s value stack now: the interpreter's saved stack pointer where valid
// (3.11), else the static table; -1 when unknown or out of range.
int stackDepth(const CodeInfo& ci, size_t idx, _PyInterpreterFrame* frame);

}  // namespace reel::recorder::purity
