"""Opcode facts for the running interpreter, handed to the C recorder once at start.

Reads `opcode` here, in Reel's own (never recorded) code, so the recorder decodes bytecode
without calling Python per code object or per event.
"""

import sys

# Bit values shared with recorder/src/OpcodeTable.h (opflag::*).
JREL, JABS, CONST, NAME, LOCAL, FREE, COMPARE, BACKWARD = (1 << i for i in range(8))
PURE, RETURN, YIELD, EXTENDED_ARG, HASARG, NO_LOCAL_WRITE = (1 << i for i in range(8, 14))
IMPLIED = 1 << 15  # bit 14 is CodeTable's (opflag::kCacheUnit)

# Instructions that never bind or unbind a local slot: after one of them, a frame whose mutation
# counter has not moved since its last check has the same locals as before (Recorder::opcodeIn
# skips the slot loop). Whatever ran inside them (a traced callee or generator, for CALL,
# FOR_ITER and SEND when they are pure) can change this frame's slots only through non-pure
# instructions: STORE_DEREF/DELETE_DEREF for a shared cell, a frame-locals write for a fast
# local. Stores, deletes, MAKE_CELL, COPY_FREE_VARS and LOAD_FAST_AND_CLEAR (clears its slot) are
# not listed.
_NO_LOCAL_WRITE_NAMES = {
    "NOP", "CACHE", "POP_TOP", "PUSH_NULL", "COPY", "SWAP", "LOAD_CONST", "LOAD_FAST",
    "LOAD_FAST_CHECK", "LOAD_FAST_LOAD_FAST", "LOAD_CLOSURE", "LOAD_DEREF", "LOAD_GLOBAL",
    "LOAD_ATTR", "LOAD_METHOD", "JUMP_FORWARD", "JUMP_BACKWARD", "JUMP_BACKWARD_NO_INTERRUPT",
    "JUMP", "JUMP_NO_INTERRUPT", "POP_JUMP_IF_TRUE", "POP_JUMP_IF_FALSE", "POP_JUMP_IF_NONE",
    "POP_JUMP_IF_NOT_NONE", "POP_JUMP_FORWARD_IF_TRUE", "POP_JUMP_FORWARD_IF_FALSE",
    "POP_JUMP_BACKWARD_IF_TRUE", "POP_JUMP_BACKWARD_IF_FALSE", "POP_JUMP_FORWARD_IF_NONE",
    "POP_JUMP_FORWARD_IF_NOT_NONE", "POP_JUMP_BACKWARD_IF_NONE", "POP_JUMP_BACKWARD_IF_NOT_NONE",
    "JUMP_IF_TRUE_OR_POP", "JUMP_IF_FALSE_OR_POP", "END_FOR", "IS_OP", "BUILD_TUPLE",
    "BUILD_LIST", "BUILD_SLICE", "BUILD_STRING", "LIST_APPEND", "KW_NAMES", "PRECALL",
    "BINARY_OP", "COMPARE_OP", "CONTAINS_OP", "BINARY_SUBSCR", "BINARY_SLICE", "UNARY_NEGATIVE",
    "UNARY_INVERT", "UNARY_NOT", "TO_BOOL", "GET_ITER", "UNPACK_SEQUENCE", "UNPACK_EX",
    "BUILD_MAP", "BUILD_CONST_KEY_MAP", "BUILD_SET", "MAP_ADD", "SET_ADD", "FORMAT_VALUE",
    "CONVERT_VALUE", "FORMAT_SIMPLE", "FORMAT_WITH_SPEC", "END_SEND", "GET_YIELD_FROM_ITER",
    "CALL", "CALL_KW", "FOR_ITER", "SEND", "CALL_FUNCTION_EX", "DICT_MERGE", "DICT_UPDATE",
    "BEFORE_WITH", "RESUME", "RETURN_VALUE", "RETURN_CONST", "YIELD_VALUE", "MAKE_FUNCTION",
    "SET_FUNCTION_ATTRIBUTE", "LOAD_SUPER_ATTR", "DELETE_ATTR", "IMPORT_NAME", "LIST_EXTEND",
    "SET_UPDATE",
}

# Instructions whose opcode event the recorder may leave implied (opflag::kImplied): they only push,
# copy or swap stack references (no decref, so no finalizer; no Python code; no local written), and
# they cannot raise, except 3.11's LOAD_FAST and 3.11/3.12's LOAD_CLOSURE on an unbound slot, which
# the recorder covers at the 'exception' event. Whether a given instruction's event is left implied
# is decided per position by CodeTable (never at a jump target or before one).
_IMPLIED_NAMES = {
    "NOP", "PUSH_NULL", "COPY", "SWAP", "LOAD_CONST", "LOAD_FAST", "LOAD_FAST_LOAD_FAST",
    "LOAD_CLOSURE", "KW_NAMES",
}
# Also RETURN_VALUE and RETURN_CONST: the return event follows their opcode event at once, at the
# same position, with nothing run in between, so the recorder writes both then.
_IMPLIED_NAMES |= {"RETURN_VALUE", "RETURN_CONST"}
# Also jumps: the frame's next recorded instruction shows where they went (Recorder::catchUp).
# The truth-test jumps only after an instruction that leaves a bool (CodeTable::markImplied), except
# on 3.13, where they only ever see bools. A backward jump's eval-breaker check may run a signal
# handler, a finalizer or another thread: whatever is recorded then first writes the paused frame's
# events (Recorder::settlePaused).
_IMPLIED_NAMES |= {"JUMP_FORWARD", "JUMP_BACKWARD", "JUMP_BACKWARD_NO_INTERRUPT",
                   "POP_JUMP_IF_TRUE", "POP_JUMP_IF_FALSE", "POP_JUMP_FORWARD_IF_TRUE",
                   "POP_JUMP_FORWARD_IF_FALSE", "POP_JUMP_BACKWARD_IF_TRUE",
                   "POP_JUMP_BACKWARD_IF_FALSE"}
# Also instructions that only drop a reference, which may be the last one: a finalizer then runs
# inside them (a __del__, a weakref callback, a generator's close, a file's close releasing the
# GIL), and what it records is again preceded by the paused frame's events (settlePaused).
_IMPLIED_NAMES |= {"POP_TOP", "POP_JUMP_IF_NONE", "POP_JUMP_IF_NOT_NONE",
                   "POP_JUMP_FORWARD_IF_NONE", "POP_JUMP_FORWARD_IF_NOT_NONE",
                   "POP_JUMP_BACKWARD_IF_NONE", "POP_JUMP_BACKWARD_IF_NOT_NONE"}
# Also loads that can only raise (an unbound local or free variable), and LOAD_GLOBAL, whose
# lookup runs no code when the globals and builtins are dicts with str keys only: the recorder
# judges it at its event and records it otherwise (flow::kConditional). A LOAD_GLOBAL whose
# event was switched off runs code only in a namespace that changed kind since (a non-str key
# added, a dict swapped for a mapping): that code, if traced, reports itself.
_IMPLIED_NAMES |= {"LOAD_FAST_CHECK", "LOAD_DEREF", "LOAD_GLOBAL"}
# Also stores of a plain local, when nothing could have changed the value they replace since the
# frame's previous recorded instruction (CodeTable::markConditional, Recorder::storeRisky).
_IMPLIED_NAMES |= {"STORE_FAST", "STORE_FAST_STORE_FAST", "STORE_FAST_LOAD_FAST"}

# Instructions that neither run Python code nor mutate an object a local can reach. Anything not
# listed is assumed to possibly mutate (calls, attribute/item access, arithmetic on arbitrary
# objects, truth tests that may call __bool__ ...).
_PURE_NAMES = {
    "NOP", "CACHE", "RESUME", "EXTENDED_ARG", "POP_TOP", "PUSH_NULL", "COPY", "SWAP",
    "LOAD_CONST", "RETURN_CONST", "LOAD_FAST", "LOAD_FAST_CHECK", "LOAD_FAST_AND_CLEAR",
    "LOAD_FAST_LOAD_FAST", "STORE_FAST", "STORE_FAST_LOAD_FAST", "STORE_FAST_STORE_FAST",
    "LOAD_CLOSURE", "LOAD_DEREF", "MAKE_CELL", "COPY_FREE_VARS", "JUMP_FORWARD", "JUMP_BACKWARD",
    "JUMP_BACKWARD_NO_INTERRUPT", "JUMP", "JUMP_NO_INTERRUPT", "POP_JUMP_IF_NONE",
    "POP_JUMP_IF_NOT_NONE", "POP_JUMP_FORWARD_IF_NONE", "POP_JUMP_FORWARD_IF_NOT_NONE",
    "POP_JUMP_BACKWARD_IF_NONE", "POP_JUMP_BACKWARD_IF_NOT_NONE", "RETURN_VALUE", "END_FOR",
    "PRECALL",
}
# Also pure: `is` never calls anything; building a tuple/list/slice/str from stack values and
# KW_NAMES only move references; LIST_APPEND appends to the list a comprehension is building (on
# the value stack, not reachable from any local yet).
_PURE_NAMES |= {"IS_OP", "BUILD_TUPLE", "BUILD_LIST", "BUILD_SLICE", "BUILD_STRING",
                "LIST_APPEND", "KW_NAMES"}
# YIELD_VALUE only hands a value over; what the receiver does until it resumes the generator is
# checked at the resumption (purity::resumedByReporter), where C code in between counts.
_PURE_NAMES |= {"YIELD_VALUE"}
# RETURN_GENERATOR only allocates the generator (its frame moves into it) and hands it to the
# caller; END_SEND, at the end of `yield from`/`await`, drops the finished sub-iterator as POP_TOP
# drops a value.
_PURE_NAMES |= {"RETURN_GENERATOR", "END_SEND"}
# 3.13 SET_FUNCTION_ATTRIBUTE sets the defaults, closure, annotations ... of the function
# MAKE_FUNCTION just made, still on the value stack: nothing else is touched.
_PURE_NAMES |= {"SET_FUNCTION_ATTRIBUTE"}
if sys.version_info >= (3, 13):
    # TO_BOOL is separate on 3.13, so the conditional jumps and UNARY_NOT only see exact bools.
    _PURE_NAMES |= {"POP_JUMP_IF_TRUE", "POP_JUMP_IF_FALSE", "UNARY_NOT"}

# Purity decided per execution from the operands on the value stack (recorder/src/Purity.cpp):
# the instruction is pure this time when its operands are builtin objects for which it can neither
# run Python code nor mutate anything. Values shared with Purity.h (dyn::*).
# The STORE kinds are never pure; their operands may name the one object they mutate (targeted).
DYN_BINARY_OP, DYN_COMPARE, DYN_CONTAINS, DYN_SUBSCR, DYN_SLICE, DYN_FOR_ITER, DYN_CALL, \
    DYN_LOAD_ATTR, DYN_LOAD_GLOBAL, DYN_TRUTH, DYN_UNARY, DYN_GET_ITER, DYN_UNPACK, \
    DYN_STORE_SUBSCR, DYN_STORE_ATTR, DYN_BUILD_MAP, DYN_BUILD_CONST_KEY_MAP, DYN_BUILD_SET, \
    DYN_MAP_ADD, DYN_SET_ADD, DYN_FORMAT_VALUE, DYN_FORMAT_SIMPLE, DYN_FORMAT_SPEC, DYN_SEND, \
    DYN_DELETE_SUBSCR, DYN_STORE_DEREF, DYN_CALL_EX, DYN_DICT_MERGE, DYN_BEFORE_WITH, \
    DYN_CALL_KW, DYN_LOAD_SUPER_ATTR, DYN_MAKE_FUNCTION, DYN_DELETE_ATTR, DYN_IMPORT_NAME, \
    DYN_LIST_EXTEND, DYN_SET_UPDATE, DYN_LOAD_NAME, DYN_STORE_NAME, DYN_DELETE_NAME, \
    DYN_STORE_GLOBAL, DYN_DELETE_GLOBAL, DYN_GET_AWAITABLE = range(1, 43)
_DYN = {
    "BINARY_OP": DYN_BINARY_OP, "COMPARE_OP": DYN_COMPARE, "CONTAINS_OP": DYN_CONTAINS,
    "BINARY_SUBSCR": DYN_SUBSCR, "BINARY_SLICE": DYN_SLICE, "FOR_ITER": DYN_FOR_ITER,
    "CALL": DYN_CALL, "LOAD_ATTR": DYN_LOAD_ATTR, "LOAD_METHOD": DYN_LOAD_ATTR,
    "LOAD_GLOBAL": DYN_LOAD_GLOBAL, "UNARY_NEGATIVE": DYN_UNARY, "UNARY_INVERT": DYN_UNARY,
    "GET_ITER": DYN_GET_ITER,
    # `yield from x`: x itself when it is a generator, else iter(x), as GET_ITER.
    "GET_YIELD_FROM_ITER": DYN_GET_ITER, "UNPACK_SEQUENCE": DYN_UNPACK, "UNPACK_EX": DYN_UNPACK,
    "STORE_SUBSCR": DYN_STORE_SUBSCR, "STORE_ATTR": DYN_STORE_ATTR,
    # `del obj.name`: the same setattr with no value, targeted as a store.
    "DELETE_ATTR": DYN_DELETE_ATTR,
    "DELETE_SUBSCR": DYN_DELETE_SUBSCR,
    # Rebinding a cell: never pure, logged as a change of the cell only.
    "STORE_DEREF": DYN_STORE_DEREF, "DELETE_DEREF": DYN_STORE_DEREF,
    # f(*args, **kwargs) of traced code, and the **kwargs dict it merges.
    "CALL_FUNCTION_EX": DYN_CALL_EX, "DICT_MERGE": DYN_DICT_MERGE, "DICT_UPDATE": DYN_DICT_MERGE,
    # `with lock:` on a _thread lock (its __enter__ is C).
    "BEFORE_WITH": DYN_BEFORE_WITH,
    # 3.13 keyword calls (3.11/3.12 put KW_NAMES before a CALL): traced callees only.
    "CALL_KW": DYN_CALL_KW,
    # 3.12+ `super().name`: the builtin super and a plain function, method or static/class
    # method found after the class in the MRO.
    "LOAD_SUPER_ATTR": DYN_LOAD_SUPER_ATTR,
    # Making a function (a nested def, lambda, generator expression) reads `__name__` and
    # `__builtins__` from the globals: C code when their keys are all str.
    "MAKE_FUNCTION": DYN_MAKE_FUNCTION,
    # `import os` inside a function: pure when the module is already in sys.modules.
    "IMPORT_NAME": DYN_IMPORT_NAME,
    # Module-level code (and class bodies, exec): looking a name up in exact dicts whose keys are
    # all str is C code; a store or deletion changes that one dict, which is named (targeted).
    "LOAD_NAME": DYN_LOAD_NAME, "STORE_NAME": DYN_STORE_NAME, "DELETE_NAME": DYN_DELETE_NAME,
    "STORE_GLOBAL": DYN_STORE_GLOBAL, "DELETE_GLOBAL": DYN_DELETE_GLOBAL,
    # Building a dict or set hashes (and on a collision compares) its keys: pure for scalar keys.
    "BUILD_MAP": DYN_BUILD_MAP, "BUILD_CONST_KEY_MAP": DYN_BUILD_CONST_KEY_MAP,
    "BUILD_SET": DYN_BUILD_SET, "MAP_ADD": DYN_MAP_ADD, "SET_ADD": DYN_SET_ADD,
    # f-string pieces: formatting a builtin scalar is C code (3.11/3.12 FORMAT_VALUE; 3.13
    # CONVERT_VALUE, FORMAT_SIMPLE, FORMAT_WITH_SPEC).
    "FORMAT_VALUE": DYN_FORMAT_VALUE, "CONVERT_VALUE": DYN_FORMAT_SIMPLE,
    "FORMAT_SIMPLE": DYN_FORMAT_SIMPLE, "FORMAT_WITH_SPEC": DYN_FORMAT_SPEC,
    # `yield from`/`await`: pure when the generator resumed is traced code.
    "SEND": DYN_SEND,
    # `await x`: pure when x is a coroutine, its own awaitable.
    "GET_AWAITABLE": DYN_GET_AWAITABLE,
    # A list or set display of constants (`[1, 2, 3]`: BUILD_LIST, then LIST_EXTEND of a constant
    # tuple; `{1, 2, 3}`: SET_UPDATE of a constant frozenset) or with `*xs`: the list or set is
    # the one just built on the stack; iterating builtin containers is C code.
    "LIST_EXTEND": DYN_LIST_EXTEND, "SET_UPDATE": DYN_SET_UPDATE,
}
if sys.version_info >= (3, 13):
    _DYN["TO_BOOL"] = DYN_TRUTH
else:
    # Truth tests of the operand (may call __bool__/__len__ on other objects).
    for _name in ("POP_JUMP_IF_TRUE", "POP_JUMP_IF_FALSE", "POP_JUMP_FORWARD_IF_TRUE",
                  "POP_JUMP_FORWARD_IF_FALSE", "POP_JUMP_BACKWARD_IF_TRUE",
                  "POP_JUMP_BACKWARD_IF_FALSE", "JUMP_IF_TRUE_OR_POP", "JUMP_IF_FALSE_OR_POP",
                  "UNARY_NOT"):
        _DYN[_name] = DYN_TRUTH


# Imported by table() and dropped again from sys.modules unless the program had them: a recorded
# run must have the modules a plain one has (docs/recorder.md, "Modules"). They hold only data.
_OPCODE_MODULES = ("opcode", "_opcode", "_opcode_metadata")


def _caches(opcode, name, code):
    entries = opcode._inline_cache_entries
    if isinstance(entries, dict):
        return entries.get(name, 0)
    return entries[code] if code < len(entries) else 0


def table():
    had = [name for name in _OPCODE_MODULES if name in sys.modules]
    import opcode
    try:
        return _table(opcode)
    finally:
        for name in _OPCODE_MODULES:
            if name not in had:
                sys.modules.pop(name, None)


def _table(opcode):
    hasarg = set(getattr(opcode, "hasarg", range(opcode.HAVE_ARGUMENT, 256)))
    ops = []
    for code in range(256):
        name = opcode.opname[code]
        flags = 0
        for lst, bit in ((opcode.hasjrel, JREL), (opcode.hasjabs, JABS),
                         (opcode.hasconst, CONST), (opcode.hasname, NAME),
                         (opcode.haslocal, LOCAL), (opcode.hasfree, FREE),
                         (opcode.hascompare, COMPARE)):
            if code in lst:
                flags |= bit
        if "BACKWARD" in name:
            flags |= BACKWARD
        if name in _PURE_NAMES:
            flags |= PURE
        if name in ("RETURN_VALUE", "RETURN_CONST"):
            flags |= RETURN
        if name == "YIELD_VALUE":
            flags |= YIELD
        if name == "EXTENDED_ARG":
            flags |= EXTENDED_ARG
        if code in hasarg:
            flags |= HASARG
        if name in _NO_LOCAL_WRITE_NAMES:
            flags |= NO_LOCAL_WRITE
        if name in _IMPLIED_NAMES:
            flags |= IMPLIED
        dyn = 0 if flags & PURE else _DYN.get(name, 0)
        ops.append((name, _caches(opcode, name, code), flags, dyn))
    return (sys.version_info[1], ops, list(opcode.cmp_op))
