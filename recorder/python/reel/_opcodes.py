"""Opcode facts for the running interpreter, handed to the C recorder once at start.

Runs `dis`/`opcode` here, in Reel's own (never recorded) code, so the recorder decodes bytecode
without calling Python per code object or per event.
"""

import dis
import opcode
import sys

# Bit values shared with recorder/src/OpcodeTable.h (opflag::*).
JREL, JABS, CONST, NAME, LOCAL, FREE, COMPARE, BACKWARD = (1 << i for i in range(8))
PURE, RETURN, YIELD, EXTENDED_ARG, HASARG = (1 << i for i in range(8, 13))

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
if sys.version_info >= (3, 13):
    # TO_BOOL is separate on 3.13, so the conditional jumps only test exact bools.
    _PURE_NAMES |= {"POP_JUMP_IF_TRUE", "POP_JUMP_IF_FALSE"}


def _caches(name, code):
    entries = opcode._inline_cache_entries
    if isinstance(entries, dict):
        return entries.get(name, 0)
    return entries[code] if code < len(entries) else 0


def table():
    hasarg = set(getattr(dis, "hasarg", range(opcode.HAVE_ARGUMENT, 256)))
    ops = []
    for code in range(256):
        name = dis.opname[code]
        flags = 0
        for lst, bit in ((dis.hasjrel, JREL), (dis.hasjabs, JABS), (dis.hasconst, CONST),
                         (dis.hasname, NAME), (dis.haslocal, LOCAL), (dis.hasfree, FREE),
                         (dis.hascompare, COMPARE)):
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
        ops.append((name, _caches(name, code), flags))
    return (sys.version_info[1], ops, list(dis.cmp_op))
