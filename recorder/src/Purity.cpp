#include "Purity.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <vector>

#include "StrDict.h"
#include "ValueCapture.h"

namespace reel::recorder::purity {

namespace {

// NB_* numbering of BINARY_OP's argument, the same on 3.11-3.13 (dis._nb_ops).
constexpr uint32_t kNbAnd = 1;
constexpr uint32_t kNbRemainder = 6;
constexpr uint32_t kNbOr = 7;
constexpr uint32_t kNbSubtract = 10;
constexpr uint32_t kNbXor = 12;
constexpr uint32_t kNbInplaceFirst = 13;
constexpr uint32_t kNbAdd = 0;

bool exact(PyObject* o, PyTypeObject* t) {
    return Py_TYPE(o) == t;
}

// An exact list or tuple of at most 64 items, each passing `ok` (a bound on the work per
// decision).
template <typename Ok>
bool smallSeqAll(PyObject* seq, Ok&& ok) {
    if (!exact(seq, &PyList_Type) && !exact(seq, &PyTuple_Type)) return false;
    const Py_ssize_t n = Py_SIZE(seq);
    if (n > 64) return false;
    PyObject** items = exact(seq, &PyTuple_Type) ? &PyTuple_GET_ITEM(seq, 0)
                                                 : reinterpret_cast<PyListObject*>(seq)->ob_item;
    for (Py_ssize_t i = 0; i < n; ++i)
        if (!ok(items[i])) return false;
    return true;
}
// The same for an exact set or frozenset of at most 64 items (its table read in C).
template <typename Ok>
bool smallSetAll(PyObject* set, Ok&& ok) {
    if ((!exact(set, &PySet_Type) && !exact(set, &PyFrozenSet_Type)) || PySet_GET_SIZE(set) > 64)
        return false;
    Py_ssize_t pos = 0;
    PyObject* k;
    Py_hash_t h;
    while (_PySet_NextEntry(set, &pos, &k, &h))
        if (!ok(k)) return false;
    return true;
}
// An exact list, tuple, set or frozenset of at most 64 items, each passing `ok`.
template <typename Ok>
bool smallCollectionAll(PyObject* c, Ok&& ok) {
    return smallSeqAll(c, ok) || smallSetAll(c, ok);
}

// Scalars whose comparisons and arithmetic are C code calling nothing else.
bool scalar(PyObject* o) {
    if (o == Py_None) return true;
    PyTypeObject* t = Py_TYPE(o);
    return t == &PyLong_Type || t == &PyFloat_Type || t == &PyUnicode_Type || t == &PyBool_Type ||
           t == &PyComplex_Type;
}

// `o == x` / `o < x` against another such value runs no Python code: scalars, and tuples of them
// (compared item by item). bytes is left out: comparing it with str may warn (-b), and a warning
// can run Python code. `budget` bounds the work per decision.
bool comparable(PyObject* o, int depth, int& budget) {
    if (--budget < 0) return false;
    if (scalar(o)) return true;
    // An int subclass that keeps int's comparison (re's opcodes in `item[0] != prefix`).
    if (PyLong_Check(o) && Py_TYPE(o)->tp_richcompare == PyLong_Type.tp_richcompare) return true;
    if (exact(o, &PyTuple_Type) && depth < 3) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(o); ++i)
            if (!comparable(PyTuple_GET_ITEM(o, i), depth + 1, budget)) return false;
        return true;
    }
    return false;
}

// An operand of ==, !=, <, ... whose side of the comparison is C code: a comparable value, a class
// whose metaclass is `type`, or an instance of a type that keeps object's own comparison (no
// __eq__/__lt__/... on its class: identity for == and !=, NotImplemented otherwise, so the other
// side decides or a TypeError is raised, in C), as `if line == NeedMoreData:` with a sentinel.
bool compareOperand(PyObject* o, int& budget) {
    PyTypeObject* t = Py_TYPE(o);
    // (comparable() takes an int subclass that keeps int's comparison: re's `op == MAXREPEAT`.)
    return comparable(o, 0, budget) || t == &PyType_Type ||
           t->tp_richcompare == PyBaseObject_Type.tp_richcompare;
}

// An exact int, float or bool: its arithmetic, comparisons and own methods are C code.
bool exactNumber(PyObject* o) {
    return exact(o, &PyLong_Type) || exact(o, &PyFloat_Type) || exact(o, &PyBool_Type);
}

bool noneOrInt(PyObject* o) {
    return o == Py_None || exact(o, &PyLong_Type);
}

// The builtin container type an instance of a subclass keeps the storage of, or NULL.
PyTypeObject* builtinBase(PyObject* o) {
    return PyUnicode_Check(o)    ? &PyUnicode_Type
           : PyList_Check(o)     ? &PyList_Type
           : PyTuple_Check(o)    ? &PyTuple_Type
           : PyDict_Check(o)     ? &PyDict_Type
           : PyBytes_Check(o)    ? &PyBytes_Type
           : PyAnySet_Check(o)   ? (PyFrozenSet_Check(o) ? &PyFrozenSet_Type : &PySet_Type)
                                 : nullptr;
}

// Whether type `t` still has base `b`'s C function in a slot (a subclass inherits it unless its
// class defines the dunder, in Python or as a bound C method: either installs the slot that
// looks the dunder up).
template <typename Table, typename Fn>
bool sameSlot(Table* tt, Table* bt, Fn Table::*slot) {
    const Fn a = tt != nullptr ? tt->*slot : nullptr;
    const Fn b = bt != nullptr ? bt->*slot : nullptr;
    return a == b;
}

// A list, tuple, str, bytes or bytearray, or an instance of a subclass that does not define
// __getitem__ (its subscript slot is still the base's C function: a class-level `__getitem__`,
// Python or C, installs the slot that looks it up): `nt[0]` on a namedtuple, `line[:n]` on a str
// subclass, `charmap[i:i + 256]` on bytes in re's compiler. An item or slice of any of them is
// read or copied by C code (a slice of a bytearray is a new bytearray).
bool indexableSeq(PyObject* c) {
    PyTypeObject* t = Py_TYPE(c);
    if (t == &PyList_Type || t == &PyTuple_Type || t == &PyUnicode_Type || t == &PyBytes_Type ||
        t == &PyByteArray_Type)
        return true;
    PyTypeObject* base = builtinBase(c);
    return (base == &PyUnicode_Type || base == &PyTuple_Type || base == &PyList_Type) &&
           sameSlot(t->tp_as_mapping, base->tp_as_mapping, &PyMappingMethods::mp_subscript);
}

bool calleeTraced(const CodeTable& codes, PyObject* code) {
    if (code == nullptr || !PyCode_Check(code)) return false;
    const CodeInfo* ci = codes.find(reinterpret_cast<PyCodeObject*>(code));
    return ci != nullptr && ci->traced;
}

// Calling the Python function `fn` (a bound method's function too) mutates nothing by itself:
// binding the arguments runs no Python code, and then either its code is traced (its
// instructions count their own mutations) or it is a generator, coroutine or async generator
// function, whose call only makes the generator: none of its code runs until something resumes
// it (FOR_ITER, SEND, next(), judged there). `await lib.fetch()` of a library left out by --only
// walked every local of the awaiting frame twice before the await itself (the CALL, then
// GET_AWAITABLE), half the walks of an asyncio program.
bool functionCallPure(const CodeTable& codes, PyObject* fn) {
    PyObject* code = reinterpret_cast<PyFunctionObject*>(fn)->func_code;
    if (calleeTraced(codes, code)) return true;
    return code != nullptr && PyCode_Check(code) &&
           (reinterpret_cast<PyCodeObject*>(code)->co_flags &
            (CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR)) != 0;
}

PyObject* gInitStr = nullptr;  // interned "__init__", kept for the process (initKnownCalls)
PyObject* gNewStr = nullptr;   // interned "__new__" (initKnownCalls)
PyObject* gAbstractStr = nullptr;  // interned "__abstractmethods__" (initKnownCalls)
// The slots CPython installs in a class defining `__new__` in Python, and the getter of a
// class's own `__dict__` attribute (the same C functions for every class statement), taken from
// a probe class made in C at start (initKnownCalls).
newfunc gSlotTpNew = nullptr;
getiterfunc gSlotTpIter = nullptr;
reprfunc gSlotTpStr = nullptr;
reprfunc gSlotTpRepr = nullptr;
PyObject* gStrStr = nullptr;     // interned "__str__" (initKnownCalls)
PyObject* gReprStr = nullptr;    // interned "__repr__" (initKnownCalls)
PyObject* gFormatStr = nullptr;  // interned "__format__" (initKnownCalls)
PyObject* gObjectFormat = nullptr;  // object.__format__ (borrowed from object)
iternextfunc gSlotTpIternext = nullptr;
getter gSubtypeDictGet = nullptr;
ssizeargfunc gSlotSqItem = nullptr;  // a class's `__getitem__` written in Python
binaryfunc gSlotMpSubscript = nullptr;     // the same, through the mapping protocol
objobjargproc gSlotMpAssSubscript = nullptr;  // a class's `__setitem__` written in Python
richcmpfunc gSlotTpRichcompare = nullptr;  // a class's `__eq__` written in Python
lenfunc gSlotSqLength = nullptr;           // a class's `__len__` written in Python
hashfunc gSlotTpHash = nullptr;            // a class's `__hash__` written in Python
PyObject* gHashStr = nullptr;              // interned "__hash__" (initKnownCalls)
PyObject* gLenStr = nullptr;               // interned "__len__" (initKnownCalls)
PyObject* gEqStr = nullptr;                // interned "__eq__" (initKnownCalls)
PyObject* gSetItemStr = nullptr;           // interned "__setitem__" (initKnownCalls)
setattrofunc gSlotTpSetattro = nullptr;  // a class's `__setattr__` written in Python
PyObject* gSetattrStr = nullptr;         // interned "__setattr__" (initKnownCalls)
PyObject* gGetItemStr = nullptr;     // interned "__getitem__" (initKnownCalls)
PyObject* gIterStr = nullptr;  // interned "__iter__" (initKnownCalls)
PyObject* gEnterStr = nullptr;  // interned "__enter__" (initKnownCalls)
PyObject* gExitStr = nullptr;   // interned "__exit__" (initKnownCalls)
PyObject* gNextStr = nullptr;  // interned "__next__" (initKnownCalls)

// staticmethod's and classmethod's own structs (Objects/funcobject.c, the same on 3.11-3.13).
struct WrappedCallableHead {
    PyObject_HEAD
    PyObject* callable;
};

bool tracedFunction(const CodeTable& codes, PyObject* f);

// Type `t`'s slot `fn` is CPython's slot function `slotFn` for a dunder written in Python, and the
// dunder `name` found on the class is a Python function whose code is traced: the slot runs only
// that code (`for x in node` over a class with `__iter__`/`__next__`).
// The function, or NULL.
template <typename Fn>
PyObject* tracedSlotFunction(const CodeTable& codes, PyTypeObject* t, Fn fn, Fn slotFn,
                             PyObject* name) {
    if (slotFn == nullptr || fn != slotFn || name == nullptr ||
        !(t->tp_flags & Py_TPFLAGS_HEAPTYPE))
        return nullptr;
    PyObject* f = _PyType_Lookup(t, name);
    return tracedFunction(codes, f) ? f : nullptr;
}
template <typename Fn>
bool tracedSlot(const CodeTable& codes, PyTypeObject* t, Fn fn, Fn slotFn, PyObject* name) {
    return tracedSlotFunction(codes, t, fn, slotFn, name) != nullptr;
}

// `t[i]` through the sequence protocol calls a `__getitem__` written in Python, whose code is
// traced.
bool getItemTraced(const CodeTable& codes, PyTypeObject* t) {
    return t->tp_as_sequence != nullptr &&
           tracedSlot(codes, t, t->tp_as_sequence->sq_item, gSlotSqItem, gGetItemStr);
}

// `o[k]` (BINARY_SUBSCR) or `o[k] = v` (STORE_SUBSCR) calls a `__getitem__` or `__setitem__`
// written in Python, whose code is traced (re's `subpattern[i]`, `subpattern[-1] = item`): its
// instructions report their own mutations.
bool subscriptTraced(const CodeTable& codes, PyTypeObject* t) {
    return t->tp_as_mapping != nullptr &&
           tracedSlot(codes, t, t->tp_as_mapping->mp_subscript, gSlotMpSubscript, gGetItemStr);
}
bool storeSubscriptTraced(const CodeTable& codes, PyTypeObject* t) {
    return t->tp_as_mapping != nullptr &&
           tracedSlot(codes, t, t->tp_as_mapping->mp_ass_subscript, gSlotMpAssSubscript,
                      gSetItemStr);
}

// A slot function `slotFn` calling the dunder `name`, a traced Python function whose code is
// itself named so (CodeInfo::resultRead: what it returns is checked when it returns, since the C
// code after it reads the result).
template <typename Fn>
bool tracedResultSlot(const CodeTable& codes, PyTypeObject* t, Fn fn, Fn slotFn, PyObject* name) {
    PyObject* f = tracedSlotFunction(codes, t, fn, slotFn, name);
    if (f == nullptr) return false;
    const CodeInfo* ci =
        codes.find(reinterpret_cast<PyCodeObject*>(reinterpret_cast<PyFunctionObject*>(f)->func_code));
    return ci != nullptr && ci->resultRead;
}

// `o`'s side of `o == x` (either way round) runs only C or traced Python: a C comparison
// (compareOperand), or an `__eq__` written in Python and traced (typing's `_GenericAlias`).
bool eqOperand(const CodeTable& codes, PyObject* o, int& budget) {
    if (compareOperand(o, budget)) return true;
    PyTypeObject* t = Py_TYPE(o);
    return tracedResultSlot(codes, t, t->tp_richcompare, gSlotTpRichcompare, gEqStr);
}

// len(o) (and the truth of an `o` with no `__bool__`) calls a `__len__` written in Python and
// traced (re's SubPattern).
bool lengthTraced(const CodeTable& codes, PyTypeObject* t) {
    return t->tp_as_sequence != nullptr &&
           tracedResultSlot(codes, t, t->tp_as_sequence->sq_length, gSlotSqLength, gLenStr);
}

// repr(o) runs only C and traced Python: its class's __repr__ is traced Python, or object's own
// (`<mod.Cls object at 0x...>`, read from the class in C).
bool reprRunsTraced(const CodeTable& codes, PyObject* o) {
    PyTypeObject* t = Py_TYPE(o);
    return t->tp_repr == PyBaseObject_Type.tp_repr ||
           tracedSlot(codes, t, t->tp_repr, gSlotTpRepr, gReprStr);
}
// str(o) likewise: a traced __str__, or object's own, which is repr(o).
bool strRunsTraced(const CodeTable& codes, PyObject* o) {
    PyTypeObject* t = Py_TYPE(o);
    if (t->tp_str == PyBaseObject_Type.tp_str) return reprRunsTraced(codes, o);
    return tracedSlot(codes, t, t->tp_str, gSlotTpStr, gStrStr);
}
// format(o, "") (an f-string's `{o}`): object's own __format__, which is str(o).
bool formatRunsTraced(const CodeTable& codes, PyObject* o) {
    return gObjectFormat != nullptr && gFormatStr != nullptr &&
           _PyType_Lookup(Py_TYPE(o), gFormatStr) == gObjectFormat && strRunsTraced(codes, o);
}

// Calling a plain Python class: type.__call__ (the metaclass overrides neither it nor attribute
// lookup), then object.__new__, which only allocates (an abstract class makes it raise, in C), or
// a `__new__` written in Python whose code is traced; then __init__, either object's (C, checks
// the arguments) or a Python function whose code is traced. Finding __new__ and __init__ reads
// the type's method cache and MRO dicts (str keys), running no Python code.
// object.__new__ of class `t` runs only C code: for an abstract class it raises a TypeError
// whose message lists `__abstractmethods__` (read from the class's own dict) sorted, which
// compares them: C code for exact strs in a builtin collection (ABCMeta makes a frozenset).
bool objectNewPure(PyTypeObject* t) {
    if (!(t->tp_flags & Py_TPFLAGS_IS_ABSTRACT)) return true;
    PyObject* d = t->tp_dict;
    PyObject* names = d != nullptr && PyDict_CheckExact(d) && gAbstractStr != nullptr
                          ? PyDict_GetItem(d, gAbstractStr)
                          : nullptr;  // borrowed
    return names != nullptr &&
           smallCollectionAll(names, [](PyObject* o) { return exact(o, &PyUnicode_Type); });
}

// The class's `__init__` is object's or traced Python code.
bool initTraced(const CodeTable& codes, PyTypeObject* t) {
    if (t->tp_init == PyBaseObject_Type.tp_init) return true;
    PyObject* init = _PyType_Lookup(t, gInitStr);  // borrowed
    return init != nullptr && PyFunction_Check(init) &&
           calleeTraced(codes, reinterpret_cast<PyFunctionObject*>(init)->func_code);
}

// initTraced for `t` and every subclass of it, at most `budget` classes. A heap type's
// tp_subclasses is a dict of weak references to its direct subclasses (heap types too).
bool initsTracedBelow(const CodeTable& codes, PyTypeObject* t, int& budget) {
    if (--budget < 0 || !initTraced(codes, t)) return false;
    PyObject* subs = static_cast<PyObject*>(t->tp_subclasses);
    if (subs == nullptr) return true;
    if (!PyDict_CheckExact(subs)) return false;
    Py_ssize_t pos = 0;
    PyObject *key, *ref;
    while (PyDict_Next(subs, &pos, &key, &ref)) {
        if (!PyWeakref_CheckRefExact(ref)) return false;
        PyObject* sub = reinterpret_cast<PyWeakReference*>(ref)->wr_object;  // borrowed
        if (sub == Py_None) continue;
        if (!PyType_Check(sub) ||
            !initsTracedBelow(codes, reinterpret_cast<PyTypeObject*>(sub), budget))
            return false;
    }
    return true;
}

bool instantiatesTraced(const CodeTable& codes, PyObject* callable) {
    if (!PyType_Check(callable)) return false;
    auto* t = reinterpret_cast<PyTypeObject*>(callable);
    if (!(t->tp_flags & Py_TPFLAGS_HEAPTYPE) || Py_TYPE(t)->tp_call != PyType_Type.tp_call ||
        Py_TYPE(t)->tp_getattro != PyType_Type.tp_getattro || gInitStr == nullptr)
        return false;
    if (t->tp_new == PyBaseObject_Type.tp_new) return objectNewPure(t) && initTraced(codes, t);
    // slot_tp_new gets `__new__` from the class (a staticmethod's __get__ is C) and calls it.
    if (t->tp_new != gSlotTpNew || gSlotTpNew == nullptr) return false;
    PyObject* nw = _PyType_Lookup(t, gNewStr);  // borrowed
    if (nw == nullptr || Py_TYPE(nw) != &PyStaticMethod_Type ||
        !tracedFunction(codes, reinterpret_cast<WrappedCallableHead*>(nw)->callable))
        return false;
    // type_call runs the `__init__` of the type of what `__new__` returned when that is an
    // instance of the class called: with a `__new__` written in Python, any subclass's.
    int budget = 32;
    return initsTracedBelow(codes, t, budget);
}

// Iterator types the C API does not name, found at start by making one (initKnownCalls): the
// iterator of an ASCII str (`for ch in text`, every str of ASCII text) and dict's reversed
// key/value/item iterators. Static builtin types, never freed.
PyTypeObject* gUnnamedIterTypes[4] = {nullptr, nullptr, nullptr, nullptr};

// Iterators whose next() is C code over a builtin container (no user __iter__/__next__, no hash or
// compare of items).
bool builtinIterator(PyTypeObject* t) {
    if (t == &PyListIter_Type || t == &PyTupleIter_Type || t == &PyRangeIter_Type ||
        t == &PyLongRangeIter_Type || t == &PyUnicodeIter_Type || t == &PyDictIterKey_Type ||
        t == &PyDictIterValue_Type || t == &PyDictIterItem_Type || t == &PySetIter_Type ||
        t == &PyListRevIter_Type || t == &PyByteArrayIter_Type || t == &PyBytesIter_Type)
        return true;
    for (PyTypeObject* u : gUnnamedIterTypes)
        if (t == u && u != nullptr) return true;
    return false;
}

void findUnnamedIterTypes() {
    // An iterator's type, from an object whose iteration runs only C code.
    auto typeOf = [](PyObject* made) -> PyTypeObject* {
        if (made == nullptr) {
            PyErr_Clear();
            return nullptr;
        }
        PyTypeObject* t = Py_TYPE(made);
        Py_DECREF(made);
        return t->tp_flags & Py_TPFLAGS_HEAPTYPE ? nullptr : t;
    };
    PyObject* text = PyUnicode_FromString("a");
    if (text != nullptr) {
        gUnnamedIterTypes[0] = typeOf(PyObject_GetIter(text));
        Py_DECREF(text);
    } else {
        PyErr_Clear();
    }
    PyObject* d = PyDict_New();
    if (d == nullptr) {
        PyErr_Clear();
        return;
    }
    auto* reversedType = reinterpret_cast<PyObject*>(&PyReversed_Type);
    gUnnamedIterTypes[1] = typeOf(PyObject_CallOneArg(reversedType, d));
    const char* views[] = {"values", "items"};
    for (int i = 0; i < 2; ++i) {
        PyObject* view = PyObject_CallMethod(d, views[i], nullptr);
        if (view == nullptr) {
            PyErr_Clear();
            continue;
        }
        gUnnamedIterTypes[2 + i] = typeOf(PyObject_CallOneArg(reversedType, view));
        Py_DECREF(view);
    }
    Py_DECREF(d);
}

// io.StringIO (kept for the process): iterating one and its read/write methods change only its
// buffer and position, which no snapshot shows (it renders as its instance dict's attributes).
// Only the exact type: a subclass's iteration calls its readline.
PyTypeObject* gStringIOType = nullptr;

bool isStringIO(PyObject* o) {
    return gStringIOType != nullptr && Py_TYPE(o) == gStringIOType;
}

// collections.deque (kept for the process): a C object with no instance dict, so every snapshot
// shows only `<collections.deque object>`. Its own methods that neither compare nor iterate user
// objects (append, popleft, rotate, ...), its length and its truth are C code changing nothing a
// snapshot shows. Only the exact type: a subclass may override them.
PyTypeObject* gDequeType = nullptr;
// _random.Random (kept for the process): the state random() and getrandbits() advance is in its C
// struct, which no snapshot shows (a random.Random renders as its instance dict).
PyTypeObject* gRandomType = nullptr;

bool isDeque(PyObject* o) {
    return gDequeType != nullptr && Py_TYPE(o) == gDequeType;
}

// enumerate's own struct (Objects/enumobject.c, the same on 3.11-3.13): its iterator.
struct EnumerateHead {
    PyObject_HEAD
    Py_ssize_t index;
    PyObject* iterator;
};

// The iterator structs of tuple and list, and reversed's (the same on 3.11-3.13).
struct SeqIterHead {
    PyObject_HEAD
    Py_ssize_t index;
    PyObject* seq;  // NULL once exhausted
};

// map's own struct (Python/bltinmodule.c, the same on 3.11-3.13).
struct MapHead {
    PyObject_HEAD
    PyObject* iters;  // a tuple of iterators
    PyObject* func;
};

// functools.partial's own struct (Modules/_functoolsmodule.c, the same head on 3.11-3.13) and
// type (kept for the process).
struct PartialHead {
    PyObject_HEAD
    PyObject* fn;
    PyObject* args;
    PyObject* kw;
};
PyTypeObject* gPartialType = nullptr;

// Whether `t` is functools.partial. When _functools was imported after recording started, its
// type is recognized by name among C types (a class statement's class has no C method table).
bool isPartialType(PyTypeObject* t) {
    if (gPartialType == nullptr) {
        if (std::strcmp(t->tp_name, "functools.partial") != 0 || t->tp_methods == nullptr ||
            t->tp_basicsize < static_cast<Py_ssize_t>(sizeof(PartialHead)))
            return false;
        Py_INCREF(t);  // kept for the process
        gPartialType = t;
    }
    return t == gPartialType;
}

// Calling `f` runs only traced Python code, which reports its own mutations: a traced function,
// a plain class whose __new__/__init__ are traced (or object's), or a functools.partial of one
// of those (merging its stored keyword arguments, str keys, with the call's is C code).
bool callsOnlyTraced(const CodeTable& codes, PyObject* f, int depth = 0) {
    if (f == nullptr || depth > 2) return false;
    if (tracedFunction(codes, f) || instantiatesTraced(codes, f)) return true;
    if (!isPartialType(Py_TYPE(f))) return false;
    auto* p = reinterpret_cast<PartialHead*>(f);
    return p->args != nullptr && exact(p->args, &PyTuple_Type) &&
           (p->kw == nullptr || exact(p->kw, &PyDict_Type)) &&
           callsOnlyTraced(codes, p->fn, depth + 1);
}

bool intFunction(PyObject* f);

// FOR_ITER / next() over `it` runs C code and traced Python code only, and the C code changes
// nothing a snapshot shows: builtin iterators, an exact StringIO, enumerate over one of these,
// and map(f, ...) of such iterators where calling f runs only traced code (`map(Line, fp)`).
bool pureIterator(const CodeTable& codes, PyObject* it, int depth = 0) {
    PyTypeObject* t = Py_TYPE(it);
    if (builtinIterator(t) || isStringIO(it) ||
        tracedSlot(codes, t, t->tp_iternext, gSlotTpIternext, gNextStr))
        return true;
    if (t == &PySeqIter_Type) {
        // iter() of an object with __getitem__ and no __iter__ (re's SubPattern): each step calls
        // __getitem__(i), fine when it is traced Python; the IndexError that ends it is C's.
        PyObject* seq = reinterpret_cast<SeqIterHead*>(it)->seq;
        return seq == nullptr || getItemTraced(codes, Py_TYPE(seq));
    }
    if (depth > 2) return false;
    if (t == &PyZip_Type) {
        // zip's struct (Python/bltinmodule.c, 3.11-3.13): the size, then the tuple of iterators.
        struct ZipHead {
            PyObject_HEAD
            Py_ssize_t size;
            PyObject* iters;
        };
        PyObject* iters = reinterpret_cast<ZipHead*>(it)->iters;
        if (iters == nullptr || !exact(iters, &PyTuple_Type)) return false;
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(iters); ++i)
            if (!pureIterator(codes, PyTuple_GET_ITEM(iters, i), depth + 1)) return false;
        return true;
    }
    if (t == &PyReversed_Type) {
        // reversed(tuple or str): the items by index, in C (its struct: index, then sequence).
        PyObject* seq = reinterpret_cast<SeqIterHead*>(it)->seq;
        return seq == nullptr || exact(seq, &PyTuple_Type) || exact(seq, &PyUnicode_Type);
    }
    if (t == &PyEnum_Type) {
        PyObject* inner = reinterpret_cast<EnumerateHead*>(it)->iterator;
        return inner != nullptr && pureIterator(codes, inner, depth + 1);
    }
    if (t != &PyMap_Type) return false;
    auto* m = reinterpret_cast<MapHead*>(it);
    if (m->iters == nullptr || !exact(m->iters, &PyTuple_Type)) return false;
    if (!callsOnlyTraced(codes, m->func)) {
        // A C function of numbers over ranges (`any(map(iscased, range(lo, hi)))` in re's
        // compiler): ints in, C code.
        if (!intFunction(m->func)) return false;
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(m->iters); ++i) {
            PyTypeObject* rt = Py_TYPE(PyTuple_GET_ITEM(m->iters, i));
            if (rt != &PyRangeIter_Type && rt != &PyLongRangeIter_Type) return false;
        }
        return true;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(m->iters); ++i)
        if (!pureIterator(codes, PyTuple_GET_ITEM(m->iters, i), depth + 1)) return false;
    return true;
}

// A generator or coroutine `g` resumed by FOR_ITER or SEND runs its own code: fine when that
// code is traced (its instructions report their own mutations); a finished one only raises
// StopIteration.
bool resumesTracedCode(const CodeTable& codes, PyObject* g) {
    PyCodeObject* code = compat::suspendedGeneratorCode(g);
    return code == nullptr || calleeTraced(codes, reinterpret_cast<PyObject*>(code));
}

bool anySetExact(PyObject* o) {
    return exact(o, &PySet_Type) || exact(o, &PyFrozenSet_Type);
}

// Exact set or frozenset `s` whose every item hashes and compares in C: scalars, tuples of them,
// and classes whose metaclass is `type` (identity), as in `type(x) in {int, str}`. The table is
// read directly, and only for small sets (a set never shrinks its table: one that held many items
// still has a long one); a deleted entry's dummy key is none of these, which only makes the
// answer "no".
bool smallComparableSet(PyObject* s, int& budget) {
    auto* so = reinterpret_cast<PySetObject*>(s);
    if (so->used > 32 || so->mask > 255) return false;
    for (Py_ssize_t i = 0; i <= so->mask; ++i) {
        PyObject* key = so->table[i].key;
        if (key != nullptr && Py_TYPE(key) != &PyType_Type && !comparable(key, 0, budget))
            return false;
    }
    return true;
}

bool cKey(PyObject* o);

// sys.flags.bytes_warning (`python -b`), read once at start (initKnownCalls).
bool gBytesWarning = true;

// Looking `key` up in exact set or frozenset `s` (`key in s`, `s.add(key)`, `s.discard(key)`)
// compares it only with the entries of the same hash on its probe path, which CPython walks as
// set_lookkey/set_add_entry do (Objects/setobject.c, 3.11-3.13: LINEAR_PROBES 9 slots in a row,
// then a jump driven by PERTURB_SHIFT 5) up to the first empty slot. Each such compare is C code
// when the entry is the key itself, both are exact strs, or the entry is a C key. So a set of
// any size is judged by the few slots a lookup touches, not by a scan (a growing `seen` set).
bool setLookupPure(PyObject* s, PyObject* key) {
    if (!anySetExact(s) || !cKey(key)) return false;
    const Py_hash_t h = PyObject_Hash(key);  // a C key: C code
    if (h == -1) {
        PyErr_Clear();
        return false;
    }
    auto* so = reinterpret_cast<PySetObject*>(s);
    const auto mask = static_cast<size_t>(so->mask);
    auto perturb = static_cast<size_t>(h);
    size_t i = static_cast<size_t>(h) & mask;
    const bool keyStr = exact(key, &PyUnicode_Type);
    for (int jumps = 0; jumps < 32; ++jumps) {
        setentry* e = &so->table[i];
        int probes = i + 9 <= mask ? 9 : 0;
        do {
            if (e->hash == 0 && e->key == nullptr) return true;
            if (e->hash == h && e->key != key && !(keyStr && exact(e->key, &PyUnicode_Type)) &&
                !cKey(e->key))
                return false;
            ++e;
        } while (probes--);
        perturb >>= 5;
        i = (i * 5 + 1 + perturb) & mask;
    }
    return false;  // a pathological chain: not worth following
}

bool binaryOp(PyObject* lhs, PyObject* rhs, uint32_t op) {
    if (anySetExact(lhs) && anySetExact(rhs)) {
        // `a | b`, `a & b`, `a - b`, `a ^ b` build a new set from the stored hashes, comparing
        // items of equal hash: C code when every item compares in C. `s |= t` on a set changes
        // it in place (on a frozenset it builds a new one).
        if (op >= kNbInplaceFirst && exact(lhs, &PySet_Type)) return false;
        const uint32_t base = op >= kNbInplaceFirst ? op - kNbInplaceFirst : op;
        if (base != kNbOr && base != kNbAnd && base != kNbSubtract && base != kNbXor) return false;
        int budget = 128;
        return smallComparableSet(lhs, budget) && smallComparableSet(rhs, budget);
    }
    auto operand = [](PyObject* o) {
        return scalar(o) || exact(o, &PyTuple_Type) || exact(o, &PyList_Type);
    };
    if (!operand(lhs) || !operand(rhs)) return false;
    // `xs += ys` / `xs *= n` extend or repeat the list in place.
    if (op >= kNbInplaceFirst && exact(lhs, &PyList_Type)) return false;
    const uint32_t base = op >= kNbInplaceFirst ? op - kNbInplaceFirst : op;
    // str % x formats x's items with str()/repr(), which may be user code.
    if (base == kNbRemainder && exact(lhs, &PyUnicode_Type)) return scalar(rhs);
    // Everything else on these types is C arithmetic, concatenation or repetition; errors
    // (TypeError, ZeroDivisionError, MemoryError) are raised without running Python code.
    return true;
}

// Hashing `o` and comparing it with another such key is C code: scalars, classes whose metaclass
// is `type` (hashed and compared by identity), and tuples of them (`memo[(i, j)]`, re's
// `_cache2[type(pattern), pattern, flags]`). Comparing different kinds gives NotImplemented both
// ways, in C.
bool cKey(PyObject* o, int depth, int& budget) {
    if (--budget < 0) return false;
    if (scalar(o) || Py_TYPE(o) == &PyType_Type) return true;
    PyTypeObject* t = Py_TYPE(o);
    // bytes hash as the str of the same characters, and comparing the two only warns under
    // `python -b` (a warning can run Python code).
    if (t == &PyBytes_Type) return !gBytesWarning;
    // An int subclass that defines neither __eq__ nor __hash__ (re's opcode constants,
    // `_NamedIntConstant`): int's own C hash and comparison. IntEnum defines __hash__ in Python.
    if (PyLong_Check(o))
        return t->tp_hash == PyLong_Type.tp_hash && t->tp_richcompare == PyLong_Type.tp_richcompare;
    // object's own hash and comparison (a function, a module, a plain instance: typing's
    // `_caches[func]`): its address, and identity.
    if (t->tp_hash == PyBaseObject_Type.tp_hash &&
        t->tp_richcompare == PyBaseObject_Type.tp_richcompare)
        return true;
    if (exact(o, &PyTuple_Type) && depth < 3) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(o); ++i)
            if (!cKey(PyTuple_GET_ITEM(o, i), depth + 1, budget)) return false;
        return true;
    }
    return false;
}
bool cKey(PyObject* o) {
    int budget = 64;
    return cKey(o, 0, budget);
}

// Whether every key of dict `d` (at most 4096 entries; a larger one is left out) passes `ok`: a
// scan whose answer is kept per dict version (compat::dictVersion, new at every change of any
// dict) in a small table of its own for each `ok` (each caller's lambda is its own type).
template <typename Ok>
bool keysAllPerVersion(PyObject* d, Ok ok) {
    if (PyDict_GET_SIZE(d) > 4096) return false;
    struct Known {
        PyObject* dict = nullptr;  // compared only
        uint64_t version = 0;
        bool answer = false;
    };
    static Known known[8];
    const uint64_t version = compat::dictVersion(d);
    Known& k = known[(reinterpret_cast<uintptr_t>(d) >> 4) & 7];
    if (k.dict == d && k.version == version) return k.answer;
    bool answer = true;
    Py_ssize_t pos = 0;
    PyObject* key;
    while (answer && PyDict_Next(d, &pos, &key, nullptr)) answer = ok(key);
    k = {d, version, answer};
    return answer;
}

// Every key of exact dict `d` is a cKey, so hashing a cKey and comparing it with the keys of the
// same hash is C code. Checked by a scan kept per dict version, so a table read at every level of a
// recursion is scanned once per change, not once per read.
bool cKeyed(PyObject* d) {
    return keysAllPerVersion(d, [](PyObject* key) {
        return exact(key, &PyLong_Type) || exact(key, &PyUnicode_Type) || cKey(key);
    });
}

// Hashing `o` and comparing it with another such key runs only C or traced Python: a C key, a
// `__hash__` written in Python and traced (typing's aliases) with object's comparison or a traced
// `__eq__` (whose result is checked when it returns: CodeInfo::resultRead), or a tuple of such
// keys. An lru_cache's keys are these: one argument, or the tuple of the arguments, keyword names
// and values, a marker object and (typed=True) their types.
bool tracedKey(const CodeTable& codes, PyObject* o, int depth = 0) {
    if (cKey(o)) return true;
    PyTypeObject* t = Py_TYPE(o);
    if (t == &PyTuple_Type) {
        if (depth >= 3 || PyTuple_GET_SIZE(o) > 64) return false;
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(o); ++i)
            if (!tracedKey(codes, PyTuple_GET_ITEM(o, i), depth + 1)) return false;
        return true;
    }
    if (!tracedSlot(codes, t, t->tp_hash, gSlotTpHash, gHashStr)) return false;
    int budget = 4;
    return compareOperand(o, budget) ||
           tracedResultSlot(codes, t, t->tp_richcompare, gSlotTpRichcompare, gEqStr);
}

// functools.lru_cache's C wrapper (Modules/_functoolsmodule.c), `_functools._lru_cache_wrapper`
// (that exact type). Its struct, the same on 3.11-3.13, is checked on the first one met (isLru).
struct LruHead {
    PyObject_HEAD
    void *prev, *next;  // the root link of the recency list
    Py_hash_t hash;
    PyObject *key, *result;
    void* wrapper;
    int typed;
    PyObject* cache;  // exact dict: key -> result (or link)
    Py_ssize_t hits;
    PyObject* func;
};
PyTypeObject* gLruType = nullptr;  // kept for the process once a wrapper's struct checked out

// Whether `w` is an lru_cache wrapper. Before the first is accepted, the struct is checked on the
// wrapper met: its `func` must be the `__wrapped__` that functools.update_wrapper put in its
// dict (read there without running Python code).
bool isLru(PyObject* w) {
    PyTypeObject* t = Py_TYPE(w);
    if (t == gLruType) return true;
    if (gLruType != nullptr || t->tp_methods == nullptr ||
        std::strcmp(t->tp_name, "functools._lru_cache_wrapper") != 0)
        return false;
    PyObject** dp = _PyObject_GetDictPtr(w);
    PyObject* d = dp != nullptr ? *dp : nullptr;
    PyObject* wrapped = d != nullptr && exact(d, &PyDict_Type) ? dictFindStr(d, "__wrapped__")
                                                              : nullptr;
    auto* head = reinterpret_cast<LruHead*>(w);
    if (wrapped == nullptr || head->func != wrapped || head->cache == nullptr ||
        !exact(head->cache, &PyDict_Type))
        return false;
    Py_INCREF(t);  // kept for the process
    gLruType = t;
    return true;
}

// Every key already in an lru_cache's table hashes and compares as tracedKey says (a lookup
// compares the new key with those of the same hash). Checked by a scan of at most 4096 keys,
// kept per dict version: a hit changes nothing in the table, a miss adds a key.
bool lruKeysSafe(const CodeTable& codes, PyObject* cache) {
    return keysAllPerVersion(cache, [&codes](PyObject* key) { return tracedKey(codes, key); });
}

// Calling lru_cache wrapper `w` with these arguments runs only C and traced code: the key is made
// and hashed, looked up among keys that compare in C or traced code, and on a miss the wrapped
// function, traced, is called and its result stored (the table and the recency list are in no
// snapshot: the wrapper shows as its attributes). `self` is the bound instance of a method call.
bool lruCallPure(const CodeTable& codes, PyObject* w, PyObject* self, PyObject* const* args,
                 Py_ssize_t n, PyObject* kwargs) {
    if (!isLru(w)) return false;
    auto* head = reinterpret_cast<LruHead*>(w);
    if (!callsOnlyTraced(codes, head->func) || !exact(head->cache, &PyDict_Type)) return false;
    if (self != nullptr && !tracedKey(codes, self)) return false;
    for (Py_ssize_t i = 0; i < n; ++i)
        if (!tracedKey(codes, args[i])) return false;
    if (kwargs != nullptr) {
        if (!exact(kwargs, &PyDict_Type) || !compat::dictKeysAllStr(kwargs)) return false;
        Py_ssize_t pos = 0;
        PyObject* v;
        while (PyDict_Next(kwargs, &pos, nullptr, &v))
            if (!tracedKey(codes, v)) return false;
    }
    return lruKeysSafe(codes, head->cache);
}

// Looking `key` up in exact dict `d` (`in`, `d[key]`, `d.get(key)`, `del d[key]`) runs no Python
// code: hashing the key and comparing it with the keys of the same hash is C code.
bool dictLookupPure(PyObject* d, PyObject* key) {
    return (exact(key, &PyUnicode_Type) && compat::dictKeysAllStr(d)) || (cKey(key) && cKeyed(d));
}

bool plainDict(PyObject* c);

// MAP_ADD of `k` into `d`, a dict comprehension's dict (BUILD_MAP 0 made it, and only the stack
// holds it): the key is hashed and compared with the stored keys of its hash, C code when both
// are C keys. While the dict grows only by the adds judged here, each of a C key, its keys are
// known to be C keys without a scan: the latest dict and its size are kept, and any other add to
// it forgets them.
bool mapAddPure(PyObject* d, PyObject* k) {
    static PyObject* lastDict = nullptr;  // compared only
    static Py_ssize_t lastSize = -1;
    if (!exact(d, &PyDict_Type) || !cKey(k)) {
        if (d == lastDict) lastDict = nullptr;
        return false;
    }
    const Py_ssize_t size = PyDict_GET_SIZE(d);
    if (size != 0 && !(d == lastDict && (size == lastSize || size == lastSize + 1)) &&
        !dictLookupPure(d, k)) {
        if (d == lastDict) lastDict = nullptr;
        return false;
    }
    lastDict = d;
    lastSize = size;
    return true;
}

bool contains(const CodeTable& codes, PyObject* needle, PyObject* container) {
    PyTypeObject* t = Py_TYPE(container);
    if (t == &PyUnicode_Type) return exact(needle, &PyUnicode_Type);
    if (t == &PyBytes_Type || t == &PyByteArray_Type)
        return exact(needle, &PyLong_Type) || exact(needle, &PyBytes_Type);
    if (t == &PyTuple_Type || t == &PyList_Type) {
        // Each item is compared with `item == needle` (identity first): both sides' comparisons,
        // `arg in (Any, NoReturn, ...)` in typing, `origin in (Generic, Protocol)`.
        const Py_ssize_t n = Py_SIZE(container);
        if (n > 32) return false;
        int budget = 128;
        if (!eqOperand(codes, needle, budget)) return false;
        PyObject** items = t == &PyTuple_Type ? &PyTuple_GET_ITEM(container, 0)
                                              : reinterpret_cast<PyListObject*>(container)->ob_item;
        for (Py_ssize_t i = 0; i < n; ++i)
            if (!eqOperand(codes, items[i], budget)) return false;
        return true;
    }
    if (plainDict(container)) return dictLookupPure(container, needle);
    // `key in d.keys()` looks the key up in the view's dict.
    if (t == &PyDictKeys_Type) {
        // A dict view's own struct (_PyDictViewObject, internal on 3.13; the same on 3.11-3.13).
        struct DictViewHead {
            PyObject_HEAD
            PyDictObject* dict;
        };
        PyObject* d =
            reinterpret_cast<PyObject*>(reinterpret_cast<DictViewHead*>(container)->dict);
        return d != nullptr && plainDict(d) && dictLookupPure(d, needle);
    }
    if (t == &PySet_Type || t == &PyFrozenSet_Type) return setLookupPure(container, needle);
    return false;
}

bool tracedFunction(const CodeTable& codes, PyObject* f);

// A defaultdict's factory called with no arguments: a builtin container or scalar type (C), or
// traced Python (a function, or a class whose construction runs traced code); None raises
// KeyError, in C.
bool pureFactory(const CodeTable& codes, PyObject* f) {
    if (f == nullptr || f == Py_None) return true;
    static PyTypeObject* const kTypes[] = {&PyLong_Type,  &PyFloat_Type, &PyUnicode_Type,
                                           &PyBytes_Type, &PyList_Type,  &PyDict_Type,
                                           &PySet_Type,   &PyTuple_Type, &PyFrozenSet_Type};
    for (PyTypeObject* t : kTypes)
        if (f == reinterpret_cast<PyObject*>(t)) return true;
    return tracedFunction(codes, f) || instantiatesTraced(codes, f);
}

// collections.defaultdict (kept for the process once met): a dict whose missing keys get their
// factory's value, stored by dict's own C code (`groups[k].append(v)`, `counts[k] += 1`). Known
// by its name on a type with a C method table (static on 3.11, made from a spec since 3.12; a
// class statement's type has no method table, whatever name `type()` was given).
PyTypeObject* gDefaultDictType = nullptr;

bool isDefaultDictType(PyTypeObject* t) {
    if (t == gDefaultDictType) return true;
    if (gDefaultDictType != nullptr || t->tp_base != &PyDict_Type || t->tp_methods == nullptr ||
        std::strcmp(t->tp_name, "collections.defaultdict") != 0)
        return false;
    Py_INCREF(t);
    gDefaultDictType = t;
    return true;
}

bool isDefaultDict(PyObject* o) {
    return isDefaultDictType(Py_TYPE(o));
}

// defaultdict's own struct (Modules/_collectionsmodule.c, the same on 3.11-3.13).
struct DefaultDictHead {
    PyDictObject dict;
    PyObject* factory;
};

// An exact dict or a defaultdict: the same storage, lookups and stores.
bool plainDict(PyObject* c) {
    return exact(c, &PyDict_Type) || isDefaultDict(c);
}

// A slice of None or exact int bounds: taken apart in C.
bool plainSlice(PyObject* sub) {
    if (!exact(sub, &PySlice_Type)) return false;
    auto* s = reinterpret_cast<PySliceObject*>(sub);
    return noneOrInt(s->start) && noneOrInt(s->stop) && noneOrInt(s->step);
}

bool subscr(PyObject* c, PyObject* sub) {
    if (indexableSeq(c) || exact(c, &PyRange_Type))  // range(n)[::-1]: another range, in C
        return exact(sub, &PyLong_Type) || plainSlice(sub);
    if (exact(c, &PyDict_Type)) return dictLookupPure(c, sub);
    return isDeque(c) && exact(sub, &PyLong_Type);  // queue[0], queue[-1]
}

// len(o) of a str/list/tuple/dict/bytes/set subclass (a namedtuple) that defines no __len__:
// the base's C length.
bool baseLength(PyObject* o) {
    PyTypeObject* b = builtinBase(o);
    PyTypeObject* t = Py_TYPE(o);
    return b != nullptr &&
           sameSlot(t->tp_as_mapping, b->tp_as_mapping, &PyMappingMethods::mp_length) &&
           sameSlot(t->tp_as_sequence, b->tp_as_sequence, &PySequenceMethods::sq_length);
}

bool truth(PyObject* o) {
    if (scalar(o)) return true;
    PyTypeObject* t = Py_TYPE(o);
    if (t == &PyList_Type || t == &PyTuple_Type || t == &PyDict_Type || t == &PySet_Type ||
        t == &PyFrozenSet_Type || t == &PyBytes_Type || t == &PyByteArray_Type || isDeque(o))
        return true;
    // A str/list/tuple/dict/bytes/set subclass that defines neither __bool__ nor __len__: the
    // base's C length decides.
    if (PyTypeObject* b = builtinBase(o))
        return sameSlot(t->tp_as_number, b->tp_as_number, &PyNumberMethods::nb_bool) &&
               sameSlot(t->tp_as_mapping, b->tp_as_mapping, &PyMappingMethods::mp_length) &&
               sameSlot(t->tp_as_sequence, b->tp_as_sequence, &PySequenceMethods::sq_length);
    // No __bool__ and no __len__ (a class defining either in Python gets the slot): always true,
    // decided in C (`if match:`, `if node:` on a plain object).
    return (t->tp_as_number == nullptr || t->tp_as_number->nb_bool == nullptr) &&
           (t->tp_as_mapping == nullptr || t->tp_as_mapping->mp_length == nullptr) &&
           (t->tp_as_sequence == nullptr || t->tp_as_sequence->sq_length == nullptr);
}

// The truth of `o` runs only C or traced code: truth(), or no `__bool__` and a traced `__len__`.
bool truthRunsTraced(const CodeTable& codes, PyObject* o) {
    if (truth(o)) return true;
    PyTypeObject* t = Py_TYPE(o);
    return (t->tp_as_number == nullptr || t->tp_as_number->nb_bool == nullptr) &&
           lengthTraced(codes, t);
}

bool getIter(const CodeTable& codes, PyObject* o) {
    PyTypeObject* t = Py_TYPE(o);
    if (t == &PyList_Type || t == &PyTuple_Type || t == &PyDict_Type || t == &PyUnicode_Type ||
        t == &PySet_Type || t == &PyFrozenSet_Type || t == &PyRange_Type || t == &PyBytes_Type ||
        t == &PyByteArray_Type || t == &PyDictKeys_Type || t == &PyDictValues_Type ||
        t == &PyDictItems_Type || builtinIterator(t) || t == &PyEnum_Type || t == &PyMap_Type ||
        t == &PyFilter_Type || t == &PyZip_Type || t == &PyReversed_Type ||
        isStringIO(o))  // enumerate, map, filter, zip, reversed and StringIO return themselves
        return true;
    // `for x in self` in a list subclass: the base's C iterator, unless the class defines
    // __iter__; or a class whose __iter__ is traced Python.
    if (PyTypeObject* b = builtinBase(o)) return t->tp_iter == b->tp_iter;
    if (tracedSlot(codes, t, t->tp_iter, gSlotTpIter, gIterStr)) return true;
    // No __iter__, a traced __getitem__: iter() makes a sequence iterator, in C.
    if (t->tp_iter == nullptr && getItemTraced(codes, t)) return true;
    return PyGen_CheckExact(o);  // iter(generator) is the generator itself
}

PyObject* gGetStr = nullptr;  // interned "__get__", kept for the process (initKnownCalls)

// property's own struct (Objects/descrobject.c, the same on 3.11-3.13): its getter.
struct PropertyHead {
    PyObject_HEAD
    PyObject* get;
};

bool tracedFunction(const CodeTable& codes, PyObject* f) {
    return f != nullptr && PyFunction_Check(f) &&
           calleeTraced(codes, reinterpret_cast<PyFunctionObject*>(f)->func_code);
}

// A descriptor whose __get__ runs only traced Python code (which reports its own mutations, as a
// call of a traced function does): a property whose getter is traced (an exact property; with no
// getter it raises in C), or an instance of a Python class whose __get__ is traced
// (functools.cached_property, a user descriptor).
bool tracedGetter(const CodeTable& codes, PyObject* descr) {
    PyTypeObject* dt = Py_TYPE(descr);
    if (dt == &PyProperty_Type) {
        PyObject* get = reinterpret_cast<PropertyHead*>(descr)->get;
        return get == nullptr || get == Py_None || tracedFunction(codes, get);
    }
    return (dt->tp_flags & Py_TPFLAGS_HEAPTYPE) && gGetStr != nullptr &&
           tracedFunction(codes, _PyType_Lookup(dt, gGetStr));
}

// What a class attribute found on the class itself gives when read from the class (its
// __get__(None, cls)) without running untraced Python: functions, staticmethods, properties and
// C descriptors return themselves or what they wrap; a classmethod binds its function (on
// 3.11/3.12 through the function's own __get__, so only a Python function's); a value without
// __get__ is itself.
bool classAttrGet(const CodeTable& codes, PyObject* attr) {
    PyTypeObject* at = Py_TYPE(attr);
    if (at->tp_descr_get == nullptr || at == &PyFunction_Type || at == &PyStaticMethod_Type ||
        at == &PyProperty_Type || at == &PyMemberDescr_Type || at == &PyGetSetDescr_Type ||
        at == &PyMethodDescr_Type || at == &PyClassMethodDescr_Type || at == &PyWrapperDescr_Type)
        return true;
    if (at == &PyClassMethod_Type) {
        PyObject* f = reinterpret_cast<WrappedCallableHead*>(attr)->callable;
        return compat::kMinorVersion >= 13 || (f != nullptr && PyFunction_Check(f));
    }
    return tracedGetter(codes, attr);
}

// Cls.name (`TokenInfo._make`, `Cls.CONSTANT`, `Cls.method`) through type's own getattro: no
// metaclass __getattribute__ or __getattr__ (either replaces tp_getattro). A data descriptor of
// the metaclass wins: only type's own C getsets and members (`__name__`, `__mro__`, `__dict__`),
// but `__doc__` and `__annotations__`, whose getters call the __get__ of what the class dict
// holds. Otherwise the class's MRO is searched, then the metaclass's non-data attribute.
bool classAttr(const CodeTable& codes, PyTypeObject* cls, PyObject* name) {
    PyTypeObject* meta = Py_TYPE(cls);
    if (meta->tp_getattro != PyType_Type.tp_getattro || !exact(name, &PyUnicode_Type)) return false;
    PyObject* metaAttr = _PyType_Lookup(meta, name);
    if (metaAttr != nullptr && Py_TYPE(metaAttr)->tp_descr_set != nullptr) {
        PyTypeObject* mt = Py_TYPE(metaAttr);
        return (mt == &PyGetSetDescr_Type || mt == &PyMemberDescr_Type) &&
               PyDescr_TYPE(metaAttr) == &PyType_Type &&
               PyUnicode_CompareWithASCIIString(name, "__doc__") != 0 &&
               PyUnicode_CompareWithASCIIString(name, "__annotations__") != 0;
    }
    if (PyObject* attr = _PyType_Lookup(cls, name)) return classAttrGet(codes, attr);
    // Not on the class: the metaclass's attribute bound to the class, or AttributeError (C).
    if (metaAttr == nullptr) return true;
    PyTypeObject* mt = Py_TYPE(metaAttr);
    return mt->tp_descr_get == nullptr || mt == &PyFunction_Type ||
           mt == &PyMethodDescr_Type || mt == &PyClassMethodDescr_Type ||
           tracedGetter(codes, metaAttr);
}

// obj.name through PyObject_GenericGetAttr without running untraced Python code: no
// __getattribute__ or __getattr__ (tp_getattro would be a slot wrapper), no descriptor on the
// class whose __get__ runs untraced Python, and an instance dict that can only compare str keys.
bool getattrHookTraced(const CodeTable& codes, PyTypeObject* t);

bool loadAttr(const CodeTable& codes, PyObject* owner, PyObject* name) {
    PyTypeObject* t = Py_TYPE(owner);
    if (PyType_Check(owner)) return classAttr(codes, reinterpret_cast<PyTypeObject*>(owner), name);
    if (t == &PyModule_Type) {
        // `sys.maxsize`, `os.path`: a name the module's dict holds is found there by the generic
        // lookup; a missing one would call the module's __getattr__. ModuleType's own attributes
        // (`__dict__`, `__annotations__`, which may create a dict) are left out.
        if (!exact(name, &PyUnicode_Type) || _PyType_Lookup(t, name) != nullptr) return false;
        PyObject* d = PyModule_GetDict(owner);  // borrowed
        return d != nullptr && exact(d, &PyDict_Type) && compat::dictKeysAllStr(d) &&
               PyDict_GetItemWithError(d, name) != nullptr;
    }
    // A class with a traced `__getattr__` (typing's aliases): the generic lookup first, then, if
    // that raises AttributeError, the `__getattr__`, whose instructions report themselves.
    const bool hook = t->tp_getattro != PyObject_GenericGetAttr;
    if ((hook && !getattrHookTraced(codes, t)) || !exact(name, &PyUnicode_Type)) return false;
    // The type's MRO dicts hold str keys in practice; _PyType_Lookup answers from the method cache
    // (the interpreter does this very lookup for the instruction anyway).
    PyObject* descr = _PyType_Lookup(t, name);
    // Remembered for quickPure when the answer depends on the class's attributes alone: not for a
    // traced getter (its descriptor's own class may change), nor through a `__getattr__`.
    bool remember = !hook;
    if (descr != nullptr) {
        PyTypeObject* dt = Py_TYPE(descr);
        if (dt->tp_descr_get != nullptr) {
            // Data descriptors win over the instance dict: __slots__ members are plain C.
            if (dt->tp_descr_set != nullptr)
                return dt == &PyMemberDescr_Type || tracedGetter(codes, descr);
            // Non-data descriptors whose __get__ is C that binds or unwraps without calls, or
            // traced Python; the instance dict is looked at first.
            // (An lru_cache wrapper binds as a function does: `@functools.cache` on a method.)
            if (dt != &PyFunction_Type && dt != &PyMethodDescr_Type && dt != &PyStaticMethod_Type &&
                dt != &PyClassMethodDescr_Type && dt != &PyWrapperDescr_Type && !isLru(descr)) {
                if (!tracedGetter(codes, descr)) return false;
                remember = false;
            }
        }
    }
    if (remember && t->tp_version_tag != 0) {
        AttrPure& e = attrPureEntry(t, name);
        e.type = t;
        e.name = name;
        e.tag = t->tp_version_tag;
    }
    return compat::instanceDictKeysAllStr(owner);
}

// owner.name = v through PyObject_GenericSetAttr without running Python code: no __setattr__,
// no data descriptor on the class but a __slots__ member, and an instance dict (if any) whose keys
// are all str, so storing compares only str keys.
// What object.__setattr__ does, whatever the type's own setattro: runs no Python code.
bool genericStoreAttr(PyObject* owner, PyObject* name) {
    PyTypeObject* t = Py_TYPE(owner);
    if (!exact(name, &PyUnicode_Type)) return false;
    PyObject* descr = _PyType_Lookup(t, name);
    if (descr != nullptr && Py_TYPE(descr)->tp_descr_set != nullptr)
        return Py_TYPE(descr) == &PyMemberDescr_Type;
    // No dict at all: the store raises AttributeError (C code), nothing changes.
    return compat::instanceDictKeysAllStr(owner);
}

bool storeAttr(PyObject* owner, PyObject* name) {
    // Classes and modules have their own setattro (and their dicts are other frames' namespaces).
    return Py_TYPE(owner)->tp_setattro == PyObject_GenericSetAttr && genericStoreAttr(owner, name);
}

// object.__setattr__ (the slot wrapper in object's dict), kept for the process (initKnownCalls),
// and the type of a slot wrapper bound to an object (`super().__setattr__` is one).
PyObject* gObjectSetattr = nullptr;
PyObject* gTypeSetattr = nullptr;  // type.__setattr__ (a metaclass's `super().__setattr__`)
PyTypeObject* gMethodWrapperType = nullptr;
// The method-wrapper's own struct (Objects/descrobject.c, the same on 3.11-3.13).
struct MethodWrapperHead {
    PyObject_HEAD
    PyObject* descr;
    PyObject* self;
};

// The operands of a CALL: CALL's argument is the number of arguments; below them 3.11/3.12 hold
// [method or NULL, self or callable], 3.13 [callable, self or NULL].
struct CallSite {
    PyObject* callable = nullptr;
    PyObject* self = nullptr;  // the bound self of a method call (LOAD_ATTR/LOAD_METHOD form)
    PyObject* const* args = nullptr;
    int nargs = 0;
};

template <typename Peek>
bool callSite(uint32_t arg, int depth, Peek peek, PyObject** stack, CallSite& cs) {
    if (arg > 255 || static_cast<int>(arg) + 2 > depth) return false;
    PyObject* lower = peek(static_cast<int>(arg) + 2);
    PyObject* upper = peek(static_cast<int>(arg) + 1);
    if (compat::kMinorVersion >= 13 || lower != nullptr) {
        cs.callable = lower;
        cs.self = upper;
    } else {
        cs.callable = upper;
    }
    cs.args = stack + depth - static_cast<int>(arg);
    cs.nargs = static_cast<int>(arg);
    return cs.callable != nullptr;
}

// The C functions and methods of builtin types that a CALL may run without running Python code,
// found by their PyMethodDef (the identity of the C function, whatever name it is reached by).
enum class Builtin : uint8_t {
    None,
    Len, IsInstance, Abs, Id, MinMax, Sum, Round,        // builtins
    DictGet, DictView,                                   // pure dict methods
    StrPure, StrJoin,                                    // pure str methods
    ListAppend, ListInsert, ListPop, ListExtend, ListNoArg,  // mutate the list only
    DictSetdefault, DictPop, DictClear,                  // mutate the dict only
    SetAddRemove,                                        // set.add/discard/remove: the set only
    LockOp,  // acquire/release/__enter__/__exit__ of _thread.lock and _thread.RLock
    StrFormat,                                           // str.format on scalars
    StringIOOp,   // io.StringIO's buffer and position, which no snapshot shows
    PatternScan,  // re.Pattern match/fullmatch/search/findall/split
    PatternSub,   // re.Pattern sub/subn with a literal replacement
    MatchRead,    // re.Match group/groups/groupdict/start/end/span
    AnyAll,       // any(), all()
    GetAttr,      // getattr(), hasattr()
    Repr,         // repr()
    Chr, Ord,     // chr(int), ord(str or bytes)
    IntPure,      // int.bit_length/bit_count, int and float as_integer_ratio/is_integer/...
    MathPure,     // the math module's functions of numbers
    Bisect,       // _bisect.bisect_left/bisect_right of an exact list
    StrEncode,    // str.encode() with the defaults
    BytesPure,    // bytes and bytearray methods that read or copy, of ints and bytes
    Index,        // operator.index
    RandomOp,     // _random.Random random()/getrandbits(k)
    Next,         // next(it[, default])
    DequeOp,      // collections.deque append/appendleft/pop/popleft/clear/rotate/extend[left]
    Sorted,       // sorted(): never pure itself, known for resumedByReporter
    OsQuery,      // posix stat/lstat/fspath of a str or bytes path, getcwd()
    ImpLock,      // _imp.acquire_lock()/release_lock(), _thread.get_ident(): no arguments, no
                  // state a snapshot shows
    IntFromBytes, // int.from_bytes(bytes, str) on int itself
    DictFromKeys, // dict.fromkeys(list or tuple of C keys[, value]) on dict itself
    Intern,       // sys.intern(str): the interpreter's table of interned strings, in no snapshot
};

struct KnownCall {
    const PyMethodDef* def;
    Builtin kind;
};

std::vector<KnownCall> gKnownCalls;
PyObject* gClassStr = nullptr;          // interned "__class__", kept for the process
PyObject* gObjectClassDescr = nullptr;  // object.__class__ (borrowed from object's dict)
// _thread.lock and _thread.RLock (kept for the process): `with lock:` is pure on them. Their
// state (held or not, owner, count) is in no snapshot, and acquiring may wait with the GIL
// released, which any instruction boundary may do too.
PyTypeObject* gLockTypes[2] = {nullptr, nullptr};

bool isLock(PyObject* o) {
    return o != nullptr && (Py_TYPE(o) == gLockTypes[0] || Py_TYPE(o) == gLockTypes[1]);
}

const PyMethodDef* methodDefOf(PyObject* o) {
    if (o == nullptr) return nullptr;
    if (Py_TYPE(o) == &PyMethodDescr_Type)
        return reinterpret_cast<PyMethodDescrObject*>(o)->d_method;
    if (PyCFunction_Check(o)) return reinterpret_cast<PyCFunctionObject*>(o)->m_ml;
    return nullptr;
}

Builtin knownCall(const PyMethodDef* def) {
    // Every CALL of a C function that is not traced asks: a binary search of the sorted table.
    auto it = std::lower_bound(
        gKnownCalls.begin(), gKnownCalls.end(), def,
        [](const KnownCall& k, const PyMethodDef* d) { return std::less<>()(k.def, d); });
    return it != gKnownCalls.end() && it->def == def ? it->kind : Builtin::None;
}

void sortKnownCalls() {
    std::sort(gKnownCalls.begin(), gKnownCalls.end(), [](const KnownCall& a, const KnownCall& b) {
        return std::less<>()(a.def, b.def);
    });
}

// Types of C modules the program may import after recording starts: re.Pattern and re.Match
// (they live in _sre's module state, reachable from no C API), _random.Random and
// collections.deque. Their methods are registered the first time a call of one is judged, found
// by type name among the C method tables of the callee's type and its bases (a class statement's
// class has no C method table, so Python code cannot pose as one of them).
bool gRePatternKnown = false;
bool gReMatchKnown = false;
bool gOperatorIndexKnown = false;
bool gMathKnown = false;
bool gBisectKnown = false;
bool gSreKnown = false;  // _sre's functions registered (re imported after the start)

// math's functions of numbers (all C: the int and float arguments they accept never reach Python
// code; floor/ceil/trunc of an exact int or float call int's and float's own C methods).
// fsum/prod/dist take iterables, which may run anything.
constexpr const char* kMathPure[] = {
    "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "cbrt", "ceil", "comb",
    "copysign", "cos", "cosh", "degrees", "erf", "erfc", "exp", "exp2", "expm1", "fabs",
    "factorial", "floor", "fmod", "frexp", "gamma", "gcd", "hypot", "isclose", "isfinite",
    "isinf", "isnan", "isqrt", "lcm", "ldexp", "lgamma", "log", "log10", "log1p", "log2",
    "modf", "nextafter", "perm", "pow", "radians", "remainder", "sin", "sinh", "sqrt", "tan",
    "tanh", "trunc", "ulp"};
constexpr const char* kBisectPure[] = {"bisect_left", "bisect_right"};
// Functions that read the file system and change no object: importlib's path finder calls them
// for every directory of sys.path at every import (no audit event is raised by any of them).
constexpr const char* kOsQuery[] = {"stat", "lstat", "fspath", "getcwd"};
constexpr const char* kImpLock[] = {"acquire_lock", "release_lock"};
// _thread.get_ident(): no arguments, and nothing a snapshot shows (read as ImpLock).
constexpr const char* kThreadQuery[] = {"get_ident"};
// re's case folding of one code point (read as MathPure: exact ints only).
constexpr const char* kSrePure[] = {"unicode_iscased", "ascii_iscased", "unicode_tolower",
                                    "ascii_tolower"};
constexpr const char* kIntern[] = {"intern"};

// The functions of a C module's method table named in `names`, known from now on as `kind`.
template <size_t N>
void registerModuleFunctions(const PyModuleDef* md, const char* const (&names)[N], Builtin kind) {
    for (PyMethodDef* m = md->m_methods; m != nullptr && m->ml_name != nullptr; ++m)
        for (const char* name : names)
            if (std::strcmp(m->ml_name, name) == 0) gKnownCalls.push_back({m, kind});
    sortKnownCalls();
}

bool registerLazyType(PyTypeObject* t) {
    if (t->tp_methods == nullptr) return false;
    auto add = [&](const char* name, Builtin kind) {
        for (PyMethodDef* m = t->tp_methods; m->ml_name != nullptr; ++m)
            if (std::strcmp(m->ml_name, name) == 0) gKnownCalls.push_back({m, kind});
    };
    const char* n = t->tp_name;
    if (std::strcmp(n, "re.Pattern") == 0 && !gRePatternKnown) {
        if (t->tp_flags & Py_TPFLAGS_BASETYPE) return false;
        gRePatternKnown = true;
        for (const char* m : {"match", "fullmatch", "search", "findall", "split"})
            add(m, Builtin::PatternScan);
        for (const char* m : {"sub", "subn"}) add(m, Builtin::PatternSub);
    } else if (std::strcmp(n, "re.Match") == 0 && !gReMatchKnown) {
        if (t->tp_flags & Py_TPFLAGS_BASETYPE) return false;
        gReMatchKnown = true;
        for (const char* m : {"group", "groups", "groupdict", "start", "end", "span"})
            add(m, Builtin::MatchRead);
    } else if (std::strcmp(n, "_random.Random") == 0 && gRandomType == nullptr) {
        Py_INCREF(t);  // kept for the process
        gRandomType = t;
        for (const char* m : {"random", "getrandbits"}) add(m, Builtin::RandomOp);
    } else if (std::strcmp(n, "collections.deque") == 0 && gDequeType == nullptr) {
        Py_INCREF(t);
        gDequeType = t;
        for (const char* m : {"append", "appendleft", "pop", "popleft", "clear", "rotate",
                              "extend", "extendleft"})
            add(m, Builtin::DequeOp);
    } else {
        return false;
    }
    sortKnownCalls();
    return true;
}

bool allLazyTypesKnown() {
    return gRePatternKnown && gReMatchKnown && gRandomType != nullptr && gDequeType != nullptr;
}

Builtin builtinOf(PyObject* callable) {
    const PyMethodDef* def = methodDefOf(callable);
    if (def == nullptr) return Builtin::None;
    Builtin b = knownCall(def);
    if (b != Builtin::None) return b;
    if (!gOperatorIndexKnown && PyCFunction_Check(callable) &&
        std::strcmp(def->ml_name, "index") == 0) {
        // operator.index, when _operator was imported after recording started: a C function
        // bound to that module (only C code makes one).
        PyObject* m = PyCFunction_GET_SELF(callable);
        const char* mn = m != nullptr && PyModule_Check(m) ? PyModule_GetName(m) : nullptr;
        if (mn != nullptr && std::strcmp(mn, "_operator") == 0) {
            gOperatorIndexKnown = true;
            gKnownCalls.push_back({def, Builtin::Index});
            sortKnownCalls();
            return Builtin::Index;
        }
        PyErr_Clear();
    }
    if ((!gMathKnown || !gBisectKnown || !gSreKnown) && PyCFunction_Check(callable)) {
        // The math and _bisect modules, imported when the program wanted them: their functions
        // are bound to them and their definitions are named so (only C code makes either).
        PyObject* m = PyCFunction_GET_SELF(callable);
        const PyModuleDef* md = m != nullptr && PyModule_Check(m) ? PyModule_GetDef(m) : nullptr;
        const char* name = md != nullptr ? md->m_name : nullptr;
        bool registered = false;
        if (name != nullptr && !gMathKnown && std::strcmp(name, "math") == 0) {
            gMathKnown = registered = true;
            registerModuleFunctions(md, kMathPure, Builtin::MathPure);
        } else if (name != nullptr && !gBisectKnown && std::strcmp(name, "_bisect") == 0) {
            gBisectKnown = registered = true;
            registerModuleFunctions(md, kBisectPure, Builtin::Bisect);
        } else if (name != nullptr && !gSreKnown && std::strcmp(name, "_sre") == 0) {
            gSreKnown = registered = true;
            registerModuleFunctions(md, kSrePure, Builtin::MathPure);
        }
        if (registered && (b = knownCall(def)) != Builtin::None) return b;
    }
    if (allLazyTypesKnown()) return b;
    PyTypeObject* owner = nullptr;
    if (Py_TYPE(callable) == &PyMethodDescr_Type)
        owner = reinterpret_cast<PyDescrObject*>(callable)->d_type;
    else if (PyObject* self = PyCFunction_GET_SELF(callable))
        owner = Py_TYPE(self);
    bool registered = false;
    for (int i = 0; owner != nullptr && i < 8; owner = owner->tp_base, ++i)
        registered = registerLazyType(owner) || registered;
    return registered ? knownCall(def) : Builtin::None;
}

// A C function the MathPure rule knows (math's, re's case folding): given ints, C code.
bool intFunction(PyObject* f) {
    return f != nullptr && PyCFunction_Check(f) && builtinOf(f) == Builtin::MathPure;
}

bool strArgs(PyObject* const* args, int n) {
    for (int i = 0; i < n; ++i) {
        PyObject* a = args[i];
        if (a == Py_None || exact(a, &PyUnicode_Type) || exact(a, &PyLong_Type)) continue;
        // startswith/endswith take a tuple of prefixes.
        if (exact(a, &PyTuple_Type) && PyTuple_GET_SIZE(a) <= 16) {
            for (Py_ssize_t j = 0; j < PyTuple_GET_SIZE(a); ++j)
                if (!exact(PyTuple_GET_ITEM(a, j), &PyUnicode_Type)) return false;
            continue;
        }
        return false;
    }
    return true;
}

// isinstance(x, cls) without Python code: `cls` an exact `type` instance (or a small tuple of
// them), so no __instancecheck__; and `x`'s `__class__` (read when the type check fails) is
// object's own getset, reached through the generic getattr.
PyObject* gInstanceCheckStr = nullptr;   // interned "__instancecheck__" (initKnownCalls)
PyObject* gTypeInstanceCheck = nullptr;  // type.__instancecheck__ (borrowed from type)
PyObject* gGetattributeStr = nullptr;    // interned "__getattribute__" (initKnownCalls)
PyObject* gObjectGetattribute = nullptr; // object.__getattribute__ (borrowed from object)

getattrofunc gSlotTpGetattrHook = nullptr;  // a class's `__getattr__` written in Python
PyObject* gGetattrStr = nullptr;             // interned "__getattr__" (initKnownCalls)

// `t` keeps object's `__getattribute__` and defines a `__getattr__` written in Python and traced:
// its attribute lookup is the generic one, then that function.
bool getattrHookTraced(const CodeTable& codes, PyTypeObject* t) {
    return gObjectGetattribute != nullptr && gGetattributeStr != nullptr &&
           _PyType_Lookup(t, gGetattributeStr) == gObjectGetattribute &&
           tracedSlot(codes, t, t->tp_getattro, gSlotTpGetattrHook, gGetattrStr);
}

bool isinstanceArgs(PyObject* x, PyObject* cls) {
    // A class whose metaclass is `type`, or a metaclass that keeps type's own __instancecheck__
    // (EnumType does; ABCMeta does not): the check walks the MRO in C.
    auto plainClass = [](PyObject* c) {
        if (Py_TYPE(c) == &PyType_Type) return true;
        return PyType_Check(c) && gInstanceCheckStr != nullptr && gTypeInstanceCheck != nullptr &&
               _PyType_Lookup(Py_TYPE(c), gInstanceCheckStr) == gTypeInstanceCheck;
    };
    if (exact(cls, &PyTuple_Type)) {
        if (PyTuple_GET_SIZE(cls) > 8) return false;
        for (Py_ssize_t j = 0; j < PyTuple_GET_SIZE(cls); ++j)
            if (!plainClass(PyTuple_GET_ITEM(cls, j))) return false;
    } else if (!plainClass(cls)) {
        return false;
    }
    // x's type is the class or a subclass: answered from the MRO, x.__class__ is not read.
    if (PyType_Check(cls) && PyObject_TypeCheck(x, reinterpret_cast<PyTypeObject*>(cls)))
        return true;
    // Otherwise x.__class__ is read: object's own descriptor, found by the generic lookup. A
    // class defining only __getattr__ (typing's aliases) gets there too: its hook asks object's
    // __getattribute__ first, which finds __class__, so __getattr__ never runs.
    PyTypeObject* t = Py_TYPE(x);
    if (t->tp_getattro != PyObject_GenericGetAttr &&
        (gGetattributeStr == nullptr || gObjectGetattribute == nullptr ||
         _PyType_Lookup(t, gGetattributeStr) != gObjectGetattribute))
        return false;
    return gClassStr != nullptr && gObjectClassDescr != nullptr &&
           _PyType_Lookup(t, gClassStr) == gObjectClassDescr;
}

bool strKeyed(PyObject* d, PyObject* key) {
    return exact(d, &PyDict_Type) && exact(key, &PyUnicode_Type) && compat::dictKeysAllStr(d);
}

// The receiver and the arguments after it, for a method reached as a descriptor (`xs.append`
// loaded with LOAD_ATTR/LOAD_METHOD, or `list.append(xs, ...)`) or bound (`f = xs.append`).
// The receiver of an unbound method's call, in the self slot (LOAD_ATTR's method form) or as the
// first argument (`list.append(xs, v)`), and the arguments after it.
bool unboundReceiver(const CallSite& cs, PyObject*& self, PyObject* const*& args, int& n) {
    args = cs.args;
    n = cs.nargs;
    if (cs.self != nullptr) {
        self = cs.self;
        return true;
    }
    if (n < 1) return false;
    self = args[0];
    ++args;
    --n;
    return true;
}

bool receiver(const CallSite& cs, PyObject*& self, PyObject* const*& args, int& n) {
    args = cs.args;
    n = cs.nargs;
    if (Py_TYPE(cs.callable) == &PyMethodDescr_Type) {
        if (!unboundReceiver(cs, self, args, n)) return false;
        // The descriptor of a base class applied to a subclass instance: leave it, except str's
        // (immutable; its methods read the characters and never call back into the instance's
        // type: `line.strip()` on a str subclass that does not define strip).
        // Nor _random.Random's: random.Random subclasses it, and its C methods touch only the
        // generator's C state (a subclass overriding one in Python reaches that, not them).
        // Nor dict's on a defaultdict, which overrides none of them.
        PyTypeObject* owner = reinterpret_cast<PyDescrObject*>(cs.callable)->d_type;
        return Py_TYPE(self) == owner || (owner == &PyUnicode_Type && PyUnicode_Check(self)) ||
               (owner == gRandomType && PyObject_TypeCheck(self, owner)) ||
               (owner == &PyDict_Type && isDefaultDict(self));
    }
    if (cs.self != nullptr) return false;  // 3.13: a bound builtin never has a self slot
    self = reinterpret_cast<PyCFunctionObject*>(cs.callable)->m_self;
    return self != nullptr;
}

bool allScalar(PyObject* const* args, int n) {
    for (int i = 0; i < n; ++i)
        if (!scalar(args[i])) return false;
    return true;
}

bool textOrBytes(PyObject* o) {
    return exact(o, &PyUnicode_Type) || exact(o, &PyBytes_Type);
}

bool literalReplacement(PyObject* repl) {
    if (exact(repl, &PyUnicode_Type))
        return PyUnicode_FindChar(repl, '\\', 0, PyUnicode_GET_LENGTH(repl), 1) == -1;
    if (exact(repl, &PyBytes_Type))
        return std::memchr(PyBytes_AS_STRING(repl), '\\', static_cast<size_t>(PyBytes_GET_SIZE(repl))) ==
               nullptr;
    return false;
}

// `object.__new__(cls)`, `str.__new__(cls, text)`, `int.__new__(cls, n)`, ... (what
// `super().__new__(cls, ...)` calls in a subclass of a builtin): every builtin type's `__new__` is
// the same C wrapper (its PyMethodDef, kept at start), which checks that `cls` derives from the
// type safely and calls the type's tp_new for it: only allocation and, for str/int/float/tuple,
// the conversion of one builtin value.
const PyMethodDef* gTpNewDef = nullptr;

bool pureTpNew(const CallSite& cs) {
    if (gTpNewDef == nullptr || !PyCFunction_Check(cs.callable) ||
        reinterpret_cast<PyCFunctionObject*>(cs.callable)->m_ml != gTpNewDef ||
        cs.self != nullptr || cs.nargs < 1)
        return false;
    PyObject* base = PyCFunction_GET_SELF(cs.callable);
    PyObject* cls = cs.args[0];
    if (base == nullptr || !PyType_Check(base) || !PyType_Check(cls) ||
        !PyType_IsSubtype(reinterpret_cast<PyTypeObject*>(cls),
                          reinterpret_cast<PyTypeObject*>(base)) ||
        Py_TYPE(cls)->tp_getattro != PyType_Type.tp_getattro)
        return false;
    auto* b = reinterpret_cast<PyTypeObject*>(base);
    // object.__new__ ignores further arguments or rejects them (TypeError), in C; an abstract
    // class's message reads `__abstractmethods__` from its dict and sorts them (objectNewPure).
    if (b == &PyBaseObject_Type) return objectNewPure(reinterpret_cast<PyTypeObject*>(cls));
    if (cs.nargs > 2) return false;
    if (cs.nargs == 1) return b == &PyUnicode_Type || b == &PyLong_Type ||
                              b == &PyFloat_Type || b == &PyTuple_Type;
    PyObject* a = cs.args[1];
    PyTypeObject* at = Py_TYPE(a);
    if (b == &PyUnicode_Type) return scalar(a) && at != &PyComplex_Type;
    if (b == &PyLong_Type || b == &PyFloat_Type)
        return at == &PyLong_Type || at == &PyFloat_Type || at == &PyBool_Type ||
               at == &PyUnicode_Type;
    if (b == &PyTuple_Type) return at == &PyList_Type || at == &PyTuple_Type;
    return false;
}

// any(x) / all(x): iterating x and testing each item's truth runs no Python code. `x` is a list or
// tuple of items whose truth is C, or map(s.method, seq) of a pure str method bound to a str over
// a list or tuple of strs (`any(map(line.startswith, prefixes))`), whose results are bools, ints,
// strs or lists.
Builtin builtinOf(PyObject* callable);
bool anyAllArg(PyObject* x) {
    if (exact(x, &PyList_Type) || exact(x, &PyTuple_Type))
        return smallSeqAll(x, [](PyObject* o) { return truth(o); });
    if (Py_TYPE(x) != &PyMap_Type) return false;
    auto* m = reinterpret_cast<MapHead*>(x);
    if (m->iters == nullptr || !exact(m->iters, &PyTuple_Type) || PyTuple_GET_SIZE(m->iters) != 1 ||
        m->func == nullptr || !PyCFunction_Check(m->func))
        return false;
    // A C function of numbers over a range (`any(map(iscased, r))` in re's compiler): numbers
    // out, whose truth is C.
    if (intFunction(m->func)) {
        PyTypeObject* rt = Py_TYPE(PyTuple_GET_ITEM(m->iters, 0));
        return rt == &PyRangeIter_Type || rt == &PyLongRangeIter_Type;
    }
    if (builtinOf(m->func) != Builtin::StrPure) return false;
    PyObject* bound = PyCFunction_GET_SELF(m->func);
    if (bound == nullptr || !PyUnicode_Check(bound)) return false;
    PyObject* it = PyTuple_GET_ITEM(m->iters, 0);
    if (Py_TYPE(it) != &PyTupleIter_Type && Py_TYPE(it) != &PyListIter_Type) return false;
    PyObject* seq = reinterpret_cast<SeqIterHead*>(it)->seq;
    return seq == nullptr ||
           smallSeqAll(seq, [](PyObject* o) { return exact(o, &PyUnicode_Type); });
}

// Calling a builtin type on builtin values: the conversions and copies everyday code does
// (`int(text)`, `str(n)`, `float(x)`, `list(t)`, `tuple(xs)`, empty containers), all C code.
// Only exact argument types: a subclass may define __int__, __str__, __iter__, ...
bool pureConstructor(const CodeTable& codes, const CallSite& cs) {
    if (cs.self != nullptr && compat::kMinorVersion >= 13) return false;
    auto* t = reinterpret_cast<PyTypeObject*>(cs.callable);
    // map(f, xs...), filter(f, xs), zip(xs...) only call iter() on their iterables (f is called
    // by whatever iterates them, judged then).
    if ((t == &PyMap_Type && cs.nargs >= 2) || (t == &PyFilter_Type && cs.nargs == 2) ||
        (t == &PyZip_Type && cs.nargs >= 1)) {
        for (int i = t == &PyZip_Type ? 0 : 1; i < cs.nargs; ++i) {
            PyObject* x = cs.args[i];
            PyTypeObject* xt = Py_TYPE(x);
            if (xt != &PyList_Type && xt != &PyTuple_Type && xt != &PyUnicode_Type &&
                xt != &PyDict_Type && xt != &PyRange_Type && !pureIterator(codes, x) &&
                !PyGen_CheckExact(x))
                return false;
        }
        return true;
    }
    // defaultdict(factory): the factory is only stored (called by a later dd[k], judged then).
    if (cs.nargs <= 1 && isDefaultDictType(t)) return true;
    if (cs.nargs == 0)
        return t == &PyList_Type || t == &PyDict_Type || t == &PyTuple_Type || t == &PySet_Type ||
               t == &PyLong_Type || t == &PyFloat_Type || t == &PyUnicode_Type ||
               t == &PyBaseObject_Type || t == &PyFrozenSet_Type || t == gDequeType;
    if ((t == &PySet_Type || t == &PyFrozenSet_Type || t == gDequeType) && cs.nargs == 1) {
        // set(xs) hashes and compares the items: C keys only; a deque only stores them.
        PyObject* x = cs.args[0];
        if (exact(x, &PyRange_Type)) return true;
        if (t == gDequeType) return exact(x, &PyList_Type) || exact(x, &PyTuple_Type);
        return smallSeqAll(x, [](PyObject* o) { return cKey(o); });
    }
    if (t == &PyEnum_Type && (cs.nargs == 1 || (cs.nargs == 2 && exact(cs.args[1], &PyLong_Type)))) {
        // enumerate(x[, start]) calls iter(x): C for builtin containers and iterators.
        PyObject* x = cs.args[0];
        PyTypeObject* xt = Py_TYPE(x);
        return xt == &PyList_Type || xt == &PyTuple_Type || xt == &PyUnicode_Type ||
               xt == &PyDict_Type || xt == &PyRange_Type || pureIterator(codes, x);
    }
    if (t == &PyLong_Type && cs.nargs == 2)  // int(text, base)
        return (exact(cs.args[0], &PyUnicode_Type) || exact(cs.args[0], &PyBytes_Type) ||
                exact(cs.args[0], &PyByteArray_Type)) &&
               exact(cs.args[1], &PyLong_Type);
    if (t == &PyReversed_Type && cs.nargs == 1) {  // list's C __reversed__, or C len/items
        PyTypeObject* xt = Py_TYPE(cs.args[0]);
        return xt == &PyList_Type || xt == &PyTuple_Type || xt == &PyUnicode_Type ||
               xt == &PyRange_Type;
    }
    if (t == &PyRange_Type && (cs.nargs == 2 || cs.nargs == 3))
        return exact(cs.args[0], &PyLong_Type) && exact(cs.args[1], &PyLong_Type) &&
               (cs.nargs == 2 || exact(cs.args[2], &PyLong_Type));
    if (cs.nargs != 1) return false;
    if (t == &PyType_Type) return true;  // type(x) only reads x's type
    PyObject* a = cs.args[0];
    PyTypeObject* at = Py_TYPE(a);
    const bool number = at == &PyLong_Type || at == &PyFloat_Type || at == &PyBool_Type;
    if (t == &PyLong_Type || t == &PyFloat_Type) return number || at == &PyUnicode_Type;
    if (t == &PyUnicode_Type && !scalar(a)) return strRunsTraced(codes, a);  // str(obj)
    if (t == &PyBool_Type) return truthRunsTraced(codes, a);
    if (t == &PyUnicode_Type) return scalar(a) && at != &PyComplex_Type;
    if (t == &PyList_Type || t == &PyTuple_Type)
        // Of a generator whose code is traced, as str.join (the generator's resumption knows
        // who resumed it: resumedByReporter).
        return at == &PyList_Type || at == &PyTuple_Type || at == &PyUnicode_Type ||
               at == &PyDict_Type || at == &PyRange_Type ||  // a dict's keys, in C
               (PyGen_CheckExact(a) && resumesTracedCode(codes, a));
    if (t == &PyRange_Type) return at == &PyLong_Type;
    // bytes(ba), bytearray(8), bytearray(data): a copy or zeroed storage (an int argument of
    // another type would be asked for __index__ or its buffer, a str needs an encoding).
    if (t == &PyBytes_Type || t == &PyByteArray_Type)
        return at == &PyBytes_Type || at == &PyByteArray_Type || at == &PyLong_Type;
    return false;
}

// Pure builtin calls (the verdict for CALL when the callee is not traced Python); `b` is
// builtinOf(cs.callable).
bool pureBuiltin(const CodeTable& codes, const CallSite& cs, Builtin b) {
    // functools.partial(f, *args, **kw) only stores them (and unwraps a partial f).
    if (PyType_Check(cs.callable) && isPartialType(reinterpret_cast<PyTypeObject*>(cs.callable)))
        return cs.nargs >= 1 && (cs.self == nullptr || compat::kMinorVersion < 13);
    if (PyType_CheckExact(cs.callable)) return pureConstructor(codes, cs);
    if (pureTpNew(cs)) return true;
    if (b == Builtin::None) return false;
    if (b == Builtin::MinMax || b == Builtin::Sum || b == Builtin::Round) {
        if (cs.self != nullptr && compat::kMinorVersion >= 13) return false;
        auto number = [](PyObject* o) {
            return exact(o, &PyLong_Type) || exact(o, &PyFloat_Type);
        };
        if (b == Builtin::MinMax) {
            // A key= or default= passed by keyword is among the arguments checked here.
            int budget = 256;
            auto cmp = [&](PyObject* o) { return comparable(o, 0, budget); };
            if (cs.nargs == 1) return smallSeqAll(cs.args[0], cmp);
            if (cs.nargs < 2 || cs.nargs > 16) return false;
            for (int i = 0; i < cs.nargs; ++i)
                if (!cmp(cs.args[i])) return false;
            return true;
        }
        if (b == Builtin::Sum)
            return (cs.nargs == 1 || (cs.nargs == 2 && number(cs.args[1]))) &&
                   smallSeqAll(cs.args[0], number);
        return (cs.nargs == 1 || (cs.nargs == 2 && noneOrInt(cs.args[1]))) &&
               number(cs.args[0]);
    }
    if (b == Builtin::Len || b == Builtin::IsInstance || b == Builtin::Abs || b == Builtin::Id) {
        if (cs.self != nullptr && compat::kMinorVersion >= 13) return false;
        if (b == Builtin::Id) return cs.nargs == 1;  // the address, whatever the object
        if (b == Builtin::Len) {
            if (cs.nargs != 1) return false;
            PyTypeObject* t = Py_TYPE(cs.args[0]);
            return t == &PyList_Type || t == &PyTuple_Type || t == &PyDict_Type ||
                   t == &PyUnicode_Type || t == &PySet_Type || t == &PyFrozenSet_Type ||
                   t == &PyBytes_Type || t == &PyByteArray_Type || t == &PyRange_Type ||
                   isDeque(cs.args[0]) || baseLength(cs.args[0]) || lengthTraced(codes, t);
        }
        if (b == Builtin::Abs) {
            if (cs.nargs != 1) return false;
            PyTypeObject* t = Py_TYPE(cs.args[0]);
            return t == &PyLong_Type || t == &PyFloat_Type || t == &PyComplex_Type;
        }
        return cs.nargs == 2 && isinstanceArgs(cs.args[0], cs.args[1]);
    }
    if (b == Builtin::GetAttr || b == Builtin::Chr || b == Builtin::Ord || b == Builtin::Index ||
        b == Builtin::Repr) {
        if (cs.self != nullptr && compat::kMinorVersion >= 13) return false;
        if (b == Builtin::Repr)
            return cs.nargs == 1 && (scalar(cs.args[0]) || reprRunsTraced(codes, cs.args[0]));
        if (b == Builtin::Chr) return cs.nargs == 1 && exact(cs.args[0], &PyLong_Type);
        if (b == Builtin::Index)
            return cs.nargs == 1 && (exact(cs.args[0], &PyLong_Type) ||
                                     exact(cs.args[0], &PyBool_Type));
        if (b == Builtin::Ord)
            return cs.nargs == 1 && (exact(cs.args[0], &PyUnicode_Type) ||
                                     exact(cs.args[0], &PyBytes_Type));
        // getattr(o, name[, default]), hasattr(o, name): the lookup LOAD_ATTR does.
        return (cs.nargs == 2 || cs.nargs == 3) && exact(cs.args[1], &PyUnicode_Type) &&
               loadAttr(codes, cs.args[0], cs.args[1]);
    }
    if (b == Builtin::Bisect) {
        // bisect_left/bisect_right(a, x[, lo[, hi]]) of an exact list: the search is followed
        // here, probe by probe, and every item it compares with x must be an exact int, float
        // or str, as x (C comparisons, or a TypeError raised in C). A key= passed by keyword
        // sits among the arguments on 3.11/3.12 and is no int; 3.13 passes it with CALL_KW.
        if (cs.self != nullptr && compat::kMinorVersion >= 13) return false;
        if (cs.nargs < 2 || cs.nargs > 4 || !exact(cs.args[0], &PyList_Type)) return false;
        auto scalarItem = [](PyObject* o) {
            return exact(o, &PyLong_Type) || exact(o, &PyFloat_Type) ||
                   exact(o, &PyUnicode_Type);
        };
        PyObject* a = cs.args[0];
        PyObject* x = cs.args[1];
        if (!scalarItem(x)) return false;
        Py_ssize_t lo = 0, hi = PyList_GET_SIZE(a);
        if (cs.nargs >= 3) {
            if (!exact(cs.args[2], &PyLong_Type)) return false;
            lo = PyLong_AsSsize_t(cs.args[2]);
        }
        if (cs.nargs == 4 && cs.args[3] != Py_None) {
            if (!exact(cs.args[3], &PyLong_Type)) return false;
            hi = PyLong_AsSsize_t(cs.args[3]);
        }
        if (PyErr_Occurred()) {
            PyErr_Clear();
            return false;
        }
        if (lo < 0) return true;  // ValueError, in C
        const bool right = std::strcmp(methodDefOf(cs.callable)->ml_name, "bisect_right") == 0;
        for (int probes = 0; lo < hi && probes < 64; ++probes) {
            const Py_ssize_t mid = lo + (hi - lo) / 2;
            if (mid >= PyList_GET_SIZE(a)) return true;  // IndexError (a `hi` past the end), in C
            PyObject* item = PyList_GET_ITEM(a, mid);
            if (!scalarItem(item)) return false;
            // Exact scalars compare in C; str against a number is a TypeError the search raises
            // too, so the walk can stop there.
            const bool xStr = exact(x, &PyUnicode_Type), itemStr = exact(item, &PyUnicode_Type);
            if (xStr != itemStr) return true;
            const int lt = right ? PyObject_RichCompareBool(x, item, Py_LT)
                                 : PyObject_RichCompareBool(item, x, Py_LT);
            if (lt < 0) {
                PyErr_Clear();
                return false;
            }
            if (right ? lt : !lt)
                hi = mid;
            else
                lo = mid + 1;
        }
        return lo >= hi;
    }
    if (b == Builtin::OsQuery) {
        // A str or bytes path only: another object's __fspath__ is Python. Keyword arguments
        // (dir_fd=, follow_symlinks=) sit among the arguments on 3.11/3.12 and fail the count.
        if (cs.self != nullptr) return false;
        const PyMethodDef* def = methodDefOf(cs.callable);
        if (def == nullptr) return false;
        if (std::strcmp(def->ml_name, "getcwd") == 0) return cs.nargs == 0;
        return cs.nargs == 1 &&
               (exact(cs.args[0], &PyUnicode_Type) || exact(cs.args[0], &PyBytes_Type));
    }
    if (b == Builtin::ImpLock) return cs.self == nullptr && cs.nargs == 0;
    if (b == Builtin::Intern)
        return cs.self == nullptr && cs.nargs == 1 && exact(cs.args[0], &PyUnicode_Type);
    if (b == Builtin::DictFromKeys) {
        // On dict itself (a subclass is called to make the result); the keys hash and compare in
        // C (re's `_uniq`: `list(dict.fromkeys(items))`).
        PyObject* cls = PyCFunction_Check(cs.callable) ? PyCFunction_GET_SELF(cs.callable) : nullptr;
        return cs.self == nullptr && cls == reinterpret_cast<PyObject*>(&PyDict_Type) &&
               (cs.nargs == 1 || cs.nargs == 2) &&
               (exact(cs.args[0], &PyList_Type) || exact(cs.args[0], &PyTuple_Type)) &&
               smallSeqAll(cs.args[0], [](PyObject* o) { return cKey(o); });
    }
    if (b == Builtin::IntFromBytes) {
        // On int itself: a subclass's result is made by calling the subclass.
        PyObject* cls = PyCFunction_Check(cs.callable) ? PyCFunction_GET_SELF(cs.callable) : nullptr;
        return cs.self == nullptr && cls == reinterpret_cast<PyObject*>(&PyLong_Type) &&
               (cs.nargs == 1 || cs.nargs == 2) && exact(cs.args[0], &PyBytes_Type) &&
               (cs.nargs == 1 || exact(cs.args[1], &PyUnicode_Type));
    }
    if (b == Builtin::MathPure) {
        if (cs.self != nullptr && compat::kMinorVersion >= 13) return false;
        if (cs.nargs < 1) return false;
        for (int i = 0; i < cs.nargs; ++i)
            if (!exactNumber(cs.args[i])) return false;
        return true;
    }
    if (b == Builtin::Next) {
        // next(gen) resumes traced code (whose instructions report their own mutations; the
        // generator's frame knows who resumed it, resumedByReporter), next(it) of an iterator
        // FOR_ITER accepts runs C or traced code; the default is only returned.
        if (cs.self != nullptr && compat::kMinorVersion >= 13) return false;
        if (cs.nargs != 1 && cs.nargs != 2) return false;
        PyObject* it = cs.args[0];
        return (PyGen_CheckExact(it) && resumesTracedCode(codes, it)) || pureIterator(codes, it);
    }
    if (b == Builtin::AnyAll) {
        if (cs.self != nullptr && compat::kMinorVersion >= 13) return false;
        return cs.nargs == 1 && anyAllArg(cs.args[0]);
    }
    if (b == Builtin::LockOp) {
        // Bound (`lock.__exit__` pushed by BEFORE_WITH, called with three Nones; 3.12 passes
        // the first in the self slot) or through the method descriptor. Arguments are parsed
        // as bool/float: scalars only, or __bool__/__float__ could run.
        PyObject* lock = nullptr;
        PyObject* const* args = cs.args;
        int n = cs.nargs;
        if (PyCFunction_Check(cs.callable)) {
            lock = reinterpret_cast<PyCFunctionObject*>(cs.callable)->m_self;
            if (cs.self != nullptr && !scalar(cs.self)) return false;
        } else if (!receiver(cs, lock, args, n)) {
            return false;
        }
        if (!isLock(lock)) return false;
        for (int i = 0; i < n; ++i)
            if (!scalar(args[i])) return false;
        return true;
    }
    PyObject* self = nullptr;
    PyObject* const* args = nullptr;
    int n = 0;
    if (!receiver(cs, self, args, n)) return false;
    switch (b) {
        case Builtin::DictGet:
            // dict.get never calls a defaultdict's factory.
            return (n == 1 || n == 2) && plainDict(self) && dictLookupPure(self, args[0]);
        case Builtin::DictSetdefault:
            // Grouping (`by_key.setdefault(k, []).append(x)`) finds the key present nearly every
            // time, and then changes nothing: logged as a store, it made every local reaching
            // the dict walk the whole dict again instead of the one list that changed. The key is
            // looked up without running Python code (dictLookupPure).
            return (n == 1 || n == 2) && exact(self, &PyDict_Type) &&
                   dictLookupPure(self, args[0]) &&
                   PyDict_GetItemWithError(self, args[0]) != nullptr;
        case Builtin::DictView:
            return n == 0 && plainDict(self);
        case Builtin::StrPure:
            return PyUnicode_Check(self) && strArgs(args, n);
        case Builtin::BytesPure:
            // Of ints, bytes-likes of the two exact types and None (a buffer of another type, or
            // an int subclass's __index__, could be Python).
            if (!exact(self, &PyBytes_Type) && !exact(self, &PyByteArray_Type)) return false;
            for (int i = 0; i < n; ++i)
                if (args[i] != Py_None && !exact(args[i], &PyLong_Type) &&
                    !exact(args[i], &PyBytes_Type) && !exact(args[i], &PyByteArray_Type))
                    return false;
            return true;
        case Builtin::StrEncode:
            // UTF-8, strict: an encoding or error handler by name may be Python code.
            return PyUnicode_Check(self) && n == 0;
        case Builtin::RandomOp: {
            if (gRandomType == nullptr || !PyObject_TypeCheck(self, gRandomType)) return false;
            const char* m = methodDefOf(cs.callable)->ml_name;
            return std::strcmp(m, "random") == 0 ? n == 0
                                                  : n == 1 && exact(args[0], &PyLong_Type);
        }
        case Builtin::IntPure:
            return exactNumber(self) && n == 0;
        case Builtin::StrJoin:
            // Of a list, a tuple, or a generator whose code is traced (`", ".join(f(x) for x in
            // xs)`: join runs it to the end, and its instructions report their own mutations).
            return exact(self, &PyUnicode_Type) && n == 1 &&
                   (exact(args[0], &PyList_Type) || exact(args[0], &PyTuple_Type) ||
                    (PyGen_CheckExact(args[0]) && resumesTracedCode(codes, args[0])));
        case Builtin::StrFormat:
            // Formatting, `!r`/`!s`, `{0.real}` and `{0[1]}` of scalars are C code.
            return exact(self, &PyUnicode_Type) && allScalar(args, n);
        case Builtin::StringIOOp:
            return isStringIO(self) && allScalar(args, n);
        case Builtin::PatternScan:
            // (string[, pos[, endpos]]); split's maxsplit passed by position warns on 3.13. A str
            // subclass is read as a str (no method of it is called, nor by the Match's readers).
            if (n < 1 || n > 3 || !(PyUnicode_Check(args[0]) || textOrBytes(args[0]))) return false;
            for (int i = 1; i < n; ++i)
                if (!exact(args[i], &PyLong_Type)) return false;
            return n == 1 || std::strcmp(methodDefOf(cs.callable)->ml_name, "split") != 0;
        case Builtin::PatternSub:
            // (repl, string): a replacement with a backslash is compiled by re's Python code, and
            // a callable one is called; count passed by position warns on 3.13.
            return n == 2 && literalReplacement(args[0]) && textOrBytes(args[1]) &&
                   Py_TYPE(args[0]) == Py_TYPE(args[1]);
        case Builtin::DequeOp: {
            if (!isDeque(self)) return false;
            const char* m = methodDefOf(cs.callable)->ml_name;
            if (std::strcmp(m, "append") == 0 || std::strcmp(m, "appendleft") == 0) return n == 1;
            if (std::strcmp(m, "rotate") == 0) return n == 0 || (n == 1 && exact(args[0], &PyLong_Type));
            if (std::strcmp(m, "extend") == 0 || std::strcmp(m, "extendleft") == 0)
                return n == 1 && (exact(args[0], &PyList_Type) || exact(args[0], &PyTuple_Type));
            return n == 0;  // pop, popleft, clear
        }
        case Builtin::MatchRead:
            // Group numbers and names (looked up in the pattern's str-keyed groupindex); the
            // default of groups()/groupdict() is only returned.
            return allScalar(args, n);
        default:
            return false;
    }
}

// Builtin calls that mutate only their receiver: the receiver, or NULL. `index` is set for an
// append (the one new item's index: the items before it stay), `key` for a setdefault (the one
// entry that may be added); otherwise both stay unset (any item may have changed).
PyObject* targetedBuiltin(const CallSite& cs, Builtin b, Py_ssize_t& index, PyObject*& key) {
    if (b < Builtin::ListAppend) return nullptr;
    PyObject* self = nullptr;
    PyObject* const* args = nullptr;
    int n = 0;
    if (!receiver(cs, self, args, n)) return nullptr;
    switch (b) {
        case Builtin::ListAppend:
            if (!exact(self, &PyList_Type) || n != 1) return nullptr;
            index = PyList_GET_SIZE(self);
            return self;
        case Builtin::ListInsert:
            return exact(self, &PyList_Type) && n == 2 && exact(args[0], &PyLong_Type) ? self
                                                                                        : nullptr;
        case Builtin::ListPop:
            if (!exact(self, &PyList_Type) || (n != 0 && (n != 1 || !exact(args[0], &PyLong_Type))))
                return nullptr;
            // pop() removes the last item: nothing before it moves.
            if (n == 0 && PyList_GET_SIZE(self) > 0) index = PyList_GET_SIZE(self) - 1;
            return self;
        case Builtin::ListExtend:
            return exact(self, &PyList_Type) && n == 1 &&
                           (exact(args[0], &PyList_Type) || exact(args[0], &PyTuple_Type))
                       ? self
                       : nullptr;
        case Builtin::ListNoArg:
            return exact(self, &PyList_Type) && n == 0 ? self : nullptr;
        case Builtin::DictSetdefault:
            // Only that key's entry may appear (at the end: the other entries keep their order).
            if (n != 1 && n != 2) return nullptr;
            if (strKeyed(self, args[0])) {
                key = args[0];
                return self;
            }
            // An int or other C key (enum's `_value2member_map_`): the entry is not named, as for
            // STORE_SUBSCR.
            return exact(self, &PyDict_Type) && dictLookupPure(self, args[0]) ? self : nullptr;
        case Builtin::DictPop:
            // Removing an entry moves the ones after it: any item may be another one now.
            return (n == 1 || n == 2) && strKeyed(self, args[0]) ? self : nullptr;
        case Builtin::DictClear:
            return exact(self, &PyDict_Type) && n == 0 ? self : nullptr;
        case Builtin::SetAddRemove:
            // Which item changed is not logged: a set's walk order is its table's.
            return exact(self, &PySet_Type) && n == 1 && setLookupPure(self, args[0]) ? self
                                                                                       : nullptr;
        default:
            return nullptr;
    }
}

}  // namespace

// Anything between the resumer and the generator (a C iterator wrapping it,
// `map(xs.append, gen)`) fails the identity check.
Yielded yieldedKind(PyObject* value) {
    if (value == nullptr) return Yielded::Other;
    if (exactNumber(value)) return Yielded::Number;
    return exact(value, &PyUnicode_Type) ? Yielded::Str : Yielded::Other;
}

// sum/min/max/set/frozenset of one generator whose code is traced: everything they do between
// two resumptions of it is judged at the second (resumedByReporter), the last item's work at the
// resumption that finds it exhausted. Not any/all, which stop after an item without resuming,
// nor sorted, which compares after the last resumption.
bool consumesTracedGenerator(const CodeTable& codes, const CallSite& cs, Builtin b) {
    if (cs.nargs != 1 || (cs.self != nullptr && compat::kMinorVersion >= 13)) return false;
    PyObject* g = cs.args[0];
    if (!PyGen_CheckExact(g) || !resumesTracedCode(codes, g)) return false;
    return b == Builtin::Sum || b == Builtin::MinMax ||
           cs.callable == reinterpret_cast<PyObject*>(&PySet_Type) ||
           cs.callable == reinterpret_cast<PyObject*>(&PyFrozenSet_Type);
}

bool resumedByReporter(const CodeTable& codes, _PyInterpreterFrame* frame, Yielded last) {
    if (!compat::isGeneratorFrame(frame)) return false;
    PyObject* gen = compat::generatorOf(frame);
    if (!PyGen_CheckExact(gen) && !PyCoro_CheckExact(gen)) return false;
    _PyInterpreterFrame* c = frame->previous;
    while (c != nullptr && compat::isShimFrame(c)) c = c->previous;
    if (c == nullptr) return false;
    PyCodeObject* co = compat::frameCode(c);
    if (co == nullptr || !PyCode_Check(co)) return false;
    const CodeInfo* ci = codes.find(co);
    if (ci == nullptr || !ci->traced) return false;
    // 3.12 leaves a frame that resumes a generator inline (SEND_GEN, FOR_ITER_GEN) at the last
    // inline cache entry of that instruction.
    size_t idx = instructionAt(ci, compat::frameLasti(c));
    while (idx > 0 && idx < ci->opFlags.size() && (ci->opFlags[idx] & opflag::kCacheUnit)) --idx;
    if (idx >= ci->dynKind.size()) return false;
    // The static depth before the instruction, which is what the stack holds while it resumes
    // the generator (3.11 saves a frame's stack pointer only around its own trace calls, and
    // after popping the arguments of an inlined call: not for this frame now).
    const int depth = idx < ci->depth.size() ? ci->depth[idx] : -1;
    if (depth < 1 || depth > ci->stackSize) return false;
    PyObject** stack = compat::valueStack(c, ci->nlocalsplus);
    auto peek = [&](int k) -> PyObject* { return k <= depth ? stack[depth - k] : nullptr; };
    switch (ci->dynKind[idx]) {
        case dyn::kForIter:
            return peek(1) == gen;
        case dyn::kSend:
            return peek(2) == gen;
        case dyn::kCall: {
            CallSite cs;
            if (!callSite(ci->arg[idx], depth, peek, stack, cs) || cs.nargs < 1 ||
                cs.args[0] != gen)
                return false;
            if (builtinOf(cs.callable) == Builtin::Next)  // next(gen[, default])
                return cs.nargs <= 2 && (cs.self == nullptr || compat::kMinorVersion < 13);
            if (cs.nargs != 1) return false;
            const bool plainCall = cs.self == nullptr || compat::kMinorVersion < 13;
            if (cs.callable == reinterpret_cast<PyObject*>(&PyList_Type) ||
                cs.callable == reinterpret_cast<PyObject*>(&PyTuple_Type))
                return plainCall;
            if (cs.callable == reinterpret_cast<PyObject*>(&PySet_Type) ||
                cs.callable == reinterpret_cast<PyObject*>(&PyFrozenSet_Type))
                return plainCall && last != Yielded::Other;
            const Builtin b = builtinOf(cs.callable);
            if (b == Builtin::Sum) return plainCall && last == Yielded::Number;
            if (b == Builtin::MinMax || b == Builtin::AnyAll)
                return plainCall && last != Yielded::Other;
            if (b == Builtin::Sorted) return plainCall;
            if (b != Builtin::StrJoin) return false;
            PyObject* self = nullptr;
            PyObject* const* args = nullptr;
            int n = 0;
            return receiver(cs, self, args, n) && exact(self, &PyUnicode_Type) && n == 1;
        }
        default:
            return false;
    }
}

namespace {

// What a STORE_SUBSCR/STORE_ATTR about to run changes, when it is known precisely (Purity.h,
// judge); 0 otherwise.
template <typename Peek>
int storeTargets(uint8_t kind, uint32_t arg, Peek peek, _PyInterpreterFrame* frame,
                 MutationChange out[2]) {
    if (kind == dyn::kStoreName || kind == dyn::kDeleteName || kind == dyn::kStoreGlobal ||
        kind == dyn::kDeleteGlobal) {
        // `x = v` at module level, in a class body or exec'd code, `global x; x = v`: one item of
        // an exact dict set or removed by str key, which compares str keys only when every key
        // is a str (a colliding key of another type could run its __eq__). A deletion can move
        // the entries after it in a snapshot's prefix: the dict is named, not the key.
        const bool global = kind == dyn::kStoreGlobal || kind == dyn::kDeleteGlobal;
        PyObject* ns = global ? compat::frameGlobals(frame) : compat::localsDict(frame);
        PyObject* name = coName(frame, arg);
        if (!ns || !name || !exact(ns, &PyDict_Type) || !exact(name, &PyUnicode_Type) ||
            !compat::dictKeysAllStr(ns))
            return 0;
        const bool del = kind == dyn::kDeleteName || kind == dyn::kDeleteGlobal;
        out[0] = {ns, del ? nullptr : name, -1};
        return 1;
    }
    if (kind == dyn::kDeleteSubscr) {
        // del container[sub]: [container, sub] on the stack. Items move or go: only the container
        // is named, not where in it.
        // The index or key is found as BINARY_SUBSCR finds it (subscr).
        PyObject *c = peek(2), *sub = peek(1);
        if (!c || !sub || !(exact(c, &PyList_Type) || plainDict(c)) ||
            !(isDefaultDict(c) ? dictLookupPure(c, sub) : subscr(c, sub)))
            return 0;
        out[0] = {c, nullptr, -1};
        return 1;
    }
    if (kind == dyn::kStoreSubscr) {
        // container[sub] = value: [value, container, sub] on the stack.
        PyObject *c = peek(2), *sub = peek(1);
        if (!c || !sub || !peek(3)) return 0;
        if (exact(c, &PyList_Type) && exact(sub, &PyLong_Type)) {
            int overflow = 0;
            Py_ssize_t i = PyLong_AsLongAndOverflow(sub, &overflow);
            if (overflow == 0 && i < 0) i += PyList_GET_SIZE(c);
            // Out of range: IndexError, nothing changes; the index is then never walked.
            out[0] = {c, nullptr, overflow == 0 && i >= 0 ? i : PY_SSIZE_T_MAX};
            return 1;
        }
        if (plainDict(c) && exact(sub, &PyUnicode_Type) && compat::dictKeysAllStr(c)) {
            out[0] = {c, sub, -1};
            return 1;
        }
        // An int or tuple key (memo tables, counters by number, `seen[id(o)]`, `memo[(i, j)]`):
        // hashing it and comparing it with keys of the same hash is C code when every key is a
        // cKey. Which entry changed is not logged (the key-level reuse compares str keys only).
        if (plainDict(c) && cKey(sub) && cKeyed(c)) {
            out[0] = {c, nullptr, -1};
            return 1;
        }
        // A byte or a run of bytes of a bytearray (re's charmaps): C code. A bytearray is a leaf
        // node of the walks (its filter holds it), so the frames that show it walk it again.
        if (exact(c, &PyByteArray_Type) && (exact(sub, &PyLong_Type) || plainSlice(sub))) {
            PyObject* v = peek(3);
            if (exact(v, &PyLong_Type) || exact(v, &PyBytes_Type) || exact(v, &PyByteArray_Type)) {
                out[0] = {c, nullptr, -1};
                return 1;
            }
        }
        return 0;
    }
    // owner.name = value: [value, owner] on the stack; `del owner.name`: [owner]. The argument
    // indexes co_names. A deletion goes through the same setattr with no value.
    PyObject* owner = peek(1);
    PyCodeObject* co = compat::frameCode(frame);
    if (!owner || (kind == dyn::kStoreAttr && !peek(2)) || !co->co_names ||
        arg >= static_cast<uint32_t>(PyTuple_GET_SIZE(co->co_names)))
        return 0;
    PyObject* name = PyTuple_GET_ITEM(co->co_names, arg);
    if (!storeAttr(owner, name)) return 0;
    // Removing an attribute moves the ones after it in the instance's order: anything in the
    // instance and its dict may be another item now, so no key is named.
    PyObject* key = kind == dyn::kDeleteAttr ? nullptr : name;
    out[0] = {owner, key, -1};
    PyObject* d = ValueCapture::instanceDictOf(owner);
    if (d == nullptr) return 1;
    out[1] = {d, key, -1};
    return 2;
}

// The slot functions of a class statement's class (slot_tp_new, slot_tp_iter, slot_tp_iternext,
// slot_tp_str, slot_tp_repr for `__new__`, `__iter__`, `__next__`, `__str__`, `__repr__` written in
// Python, the getter of the class's `__dict__` attribute), from a probe class made in C as
// `type("_ReelProbe", (), {"__new__": staticmethod(f), "__iter__": f, ...})` with f an empty
// function: no Python code runs.
void probeClassSlots() {
    PyObject* code = reinterpret_cast<PyObject*>(PyCode_NewEmpty("<reel>", "__new__", 0));
    PyObject* globals = PyDict_New();
    PyObject* fn = code && globals ? PyFunction_New(code, globals) : nullptr;
    PyObject* sm = fn ? PyStaticMethod_New(fn) : nullptr;
    PyObject* ns = sm ? Py_BuildValue("{sOsOsOsOsOsOsOsOsOsOsOsO}", "__new__", sm, "__iter__", fn,
                                      "__next__", fn, "__str__", fn, "__repr__", fn,
                                      "__getitem__", fn, "__setattr__", fn, "__setitem__", fn,
                                      "__eq__", fn, "__len__", fn, "__getattr__", fn, "__hash__", fn)
                      : nullptr;
    PyObject* cls = ns ? PyObject_CallFunction(reinterpret_cast<PyObject*>(&PyType_Type), "s()O",
                                               "_ReelProbe", ns)
                       : nullptr;
    PyObject* key = PyUnicode_InternFromString("__dict__");
    if (cls != nullptr && PyType_Check(cls) && key != nullptr) {
        auto* t = reinterpret_cast<PyTypeObject*>(cls);
        gSlotTpNew = t->tp_new;
        gSlotTpIter = t->tp_iter;
        gSlotTpIternext = t->tp_iternext;
        gSlotTpStr = t->tp_str;
        gSlotTpRepr = t->tp_repr;
        if (t->tp_as_sequence != nullptr) {
            gSlotSqItem = t->tp_as_sequence->sq_item;
            gSlotSqLength = t->tp_as_sequence->sq_length;
        }
        if (t->tp_as_mapping != nullptr) {
            gSlotMpSubscript = t->tp_as_mapping->mp_subscript;
            gSlotMpAssSubscript = t->tp_as_mapping->mp_ass_subscript;
        }
        gSlotTpRichcompare = t->tp_richcompare;
        gSlotTpSetattro = t->tp_setattro;
        gSlotTpGetattrHook = t->tp_getattro;
        gSlotTpHash = t->tp_hash;
        PyObject* d = _PyType_Lookup(t, key);  // borrowed
        if (d != nullptr && Py_TYPE(d) == &PyGetSetDescr_Type)
            gSubtypeDictGet = reinterpret_cast<PyGetSetDescrObject*>(d)->d_getset->get;
    }
    for (PyObject* o : {key, cls, ns, sm, fn, globals, code}) Py_XDECREF(o);
    PyErr_Clear();
}

// `obj.__dict__` through the generic getattr and the `__dict__` getter every class statement
// gets: it only returns the instance dict, making it first if the instance has none yet (3.12+
// keep attributes inline until then). Judged targeted at `obj`: frames whose walk read it walk it
// again, which puts the new dict into their filters before a store through it can be targeted.
bool readsInstanceDict(PyObject* owner, PyObject* name) {
    PyTypeObject* t = Py_TYPE(owner);
    if (gSubtypeDictGet == nullptr || t->tp_getattro != PyObject_GenericGetAttr ||
        !exact(name, &PyUnicode_Type) || PyUnicode_CompareWithASCIIString(name, "__dict__") != 0)
        return false;
    PyObject* descr = _PyType_Lookup(t, name);
    return descr != nullptr && Py_TYPE(descr) == &PyGetSetDescr_Type &&
           reinterpret_cast<PyGetSetDescrObject*>(descr)->d_getset->get == gSubtypeDictGet;
}

// 3.12+ LOAD_SUPER_ATTR: [super, class, self] on the stack. With the builtin super, the attribute
// is looked up in the namespaces of the classes after `class` in the MRO of self's type (or of
// self, a class, in a classmethod or __new__), then bound by its __get__: C for functions, C
// methods, static methods and class methods of functions. Anything else (a property, a user
// descriptor) is left out.
bool superLookupPure(PyObject* sup, PyObject* cls, PyObject* self, PyObject* name) {
    if (sup != reinterpret_cast<PyObject*>(&PySuper_Type) || cls == nullptr || self == nullptr ||
        !PyType_Check(cls) || !exact(name, &PyUnicode_Type))
        return false;
    auto* c = reinterpret_cast<PyTypeObject*>(cls);
    PyTypeObject* start = PyType_Check(self) &&
                                  PyType_IsSubtype(reinterpret_cast<PyTypeObject*>(self), c)
                              ? reinterpret_cast<PyTypeObject*>(self)
                              : Py_TYPE(self);
    // Otherwise super() reads self.__class__, which may be anything.
    if (!PyType_IsSubtype(start, c)) return false;
    PyObject* mro = start->tp_mro;
    if (mro == nullptr || !exact(mro, &PyTuple_Type)) return false;
    const Py_ssize_t n = PyTuple_GET_SIZE(mro);
    Py_ssize_t i = 0;
    while (i < n && PyTuple_GET_ITEM(mro, i) != cls) ++i;
    for (++i; i < n; ++i) {
        PyObject* d = compat::typeDict(reinterpret_cast<PyTypeObject*>(PyTuple_GET_ITEM(mro, i)));
        if (d == nullptr || !exact(d, &PyDict_Type) || !compat::dictKeysAllStr(d)) return false;
        PyObject* v = PyDict_GetItemWithError(d, name);  // borrowed
        if (v == nullptr) {
            if (PyErr_Occurred()) {
                PyErr_Clear();
                return false;
            }
            continue;
        }
        PyTypeObject* vt = Py_TYPE(v);
        if (vt == &PyClassMethod_Type)
            return PyFunction_Check(reinterpret_cast<WrappedCallableHead*>(v)->callable);
        return vt == &PyFunction_Type || vt == &PyMethodDescr_Type || PyCFunction_Check(v) ||
               vt == &PyStaticMethod_Type || vt == &PyClassMethodDescr_Type ||
               vt == &PyWrapperDescr_Type;
    }
    return true;  // not found: super's own attributes, or AttributeError, in C
}

PyObject* gImportFunc = nullptr;   // builtins.__import__ at start (borrowed: builtins keep it)
PyObject* gInitializingStr = nullptr;  // interned "_initializing" (initKnownCalls)
PyObject* gImportStr = nullptr;        // interned "__import__" (initKnownCalls)
PyObject* gSpecStr = nullptr;          // interned "__spec__" (initKnownCalls)

// `import name` of a module already in sys.modules (a function-level import), with the builtin
// __import__: the interpreter's fast path finds the module in sys.modules and asks whether its
// __spec__ is still initializing, reading `spec._initializing` through the generic getattr; with
// no fromlist and no dot in the name it returns the module. All C, changing nothing. Anything
// else (a module being imported, a from-import, a relative or dotted name, an `__import__`
// replaced by the program) may run importlib's Python code or a module's.
bool importsLoadedModule(_PyInterpreterFrame* frame, PyObject* name, PyObject* level,
                         PyObject* fromlist) {
    if (gImportFunc == nullptr || gInitializingStr == nullptr || gImportStr == nullptr ||
        gSpecStr == nullptr || level == nullptr ||
        fromlist != Py_None || !exact(level, &PyLong_Type) || PyLong_AsLong(level) != 0 ||
        !exact(name, &PyUnicode_Type) ||
        PyUnicode_FindChar(name, '.', 0, PyUnicode_GET_LENGTH(name), 1) != -1)
        return false;
    PyObject* builtins = compat::frameBuiltins(frame);
    if (builtins == nullptr || !exact(builtins, &PyDict_Type) || !compat::dictKeysAllStr(builtins) ||
        PyDict_GetItem(builtins, gImportStr) != gImportFunc)
        return false;
    PyObject* modules = PyImport_GetModuleDict();  // borrowed
    if (modules == nullptr || !exact(modules, &PyDict_Type) || !compat::dictKeysAllStr(modules))
        return false;
    PyObject* mod = PyDict_GetItemWithError(modules, name);  // borrowed
    if (mod == nullptr || !PyModule_CheckExact(mod)) {
        PyErr_Clear();
        return false;
    }
    PyObject* md = PyModule_GetDict(mod);
    if (md == nullptr || !compat::dictKeysAllStr(md)) return false;
    PyObject* spec = PyDict_GetItem(md, gSpecStr);  // borrowed
    if (spec == nullptr || spec == Py_None) return spec == Py_None;
    PyTypeObject* st = Py_TYPE(spec);
    if (st->tp_getattro != PyObject_GenericGetAttr || _PyType_Lookup(st, gInitializingStr) != nullptr)
        return false;
    if (!compat::instanceDictKeysAllStr(spec)) return false;
    // What the interpreter reads: no descriptor on the class, so the instance's own attribute
    // (inline or in its dict), found by the generic getattr in C.
    PyObject* init = PyObject_GenericGetAttr(spec, gInitializingStr);
    if (init == nullptr) {
        PyErr_Clear();
        return true;  // never imported through importlib's loader: not initializing
    }
    Py_DECREF(init);
    return init == Py_False;
}

}  // namespace

void initKnownCalls() {
    gBytesWarning = compat::bytesWarning();
    if (!gKnownCalls.empty()) return;
    findUnnamedIterTypes();
    // Through _PyType_Lookup: static builtin types keep no tp_dict of their own on 3.12+.
    auto lookup = [](PyTypeObject* t, const char* name) -> PyObject* {
        PyObject* key = PyUnicode_InternFromString(name);
        if (key == nullptr) return nullptr;
        PyObject* d = _PyType_Lookup(t, key);  // borrowed from the type
        Py_DECREF(key);
        return d;
    };
    auto method = [&](PyTypeObject* t, const char* name, Builtin kind) {
        PyObject* d = lookup(t, name);
        if (d != nullptr && Py_TYPE(d) == &PyMethodDescr_Type)
            gKnownCalls.push_back({reinterpret_cast<PyMethodDescrObject*>(d)->d_method, kind});
    };
    PyObject* builtins = PyEval_GetBuiltins();  // borrowed
    auto function = [&](const char* name, Builtin kind) {
        PyObject* f = builtins ? PyDict_GetItemString(builtins, name) : nullptr;
        if (f != nullptr && PyCFunction_Check(f))
            gKnownCalls.push_back({reinterpret_cast<PyCFunctionObject*>(f)->m_ml, kind});
    };
    // Modules every interpreter has imported before a program starts, found in sys.modules
    // without importing anything.
    auto module = [](const char* name) -> const PyModuleDef* {
        PyObject* m = dictFindStr(PyImport_GetModuleDict(), name);
        if (m == nullptr || !PyModule_CheckExact(m)) return nullptr;
        const PyModuleDef* md = PyModule_GetDef(m);
        PyErr_Clear();
        return md != nullptr && md->m_name != nullptr && std::strcmp(md->m_name, name) == 0
                   ? md
                   : nullptr;
    };
    if (const PyModuleDef* md = module("posix")) registerModuleFunctions(md, kOsQuery, Builtin::OsQuery);
    if (const PyModuleDef* md = module("_imp")) registerModuleFunctions(md, kImpLock, Builtin::ImpLock);
    if (const PyModuleDef* md = module("_thread"))
        registerModuleFunctions(md, kThreadQuery, Builtin::ImpLock);
    if (const PyModuleDef* md = module("sys")) registerModuleFunctions(md, kIntern, Builtin::Intern);
    if (PyObject* d = lookup(&PyLong_Type, "from_bytes");
        d != nullptr && Py_TYPE(d) == &PyClassMethodDescr_Type)
        gKnownCalls.push_back({reinterpret_cast<PyMethodDescrObject*>(d)->d_method,
                               Builtin::IntFromBytes});
    if (PyObject* d = lookup(&PyDict_Type, "fromkeys");
        d != nullptr && Py_TYPE(d) == &PyClassMethodDescr_Type)
        gKnownCalls.push_back({reinterpret_cast<PyMethodDescrObject*>(d)->d_method,
                               Builtin::DictFromKeys});
    gObjectSetattr = lookup(&PyBaseObject_Type, "__setattr__");
    gTypeSetattr = lookup(&PyType_Type, "__setattr__");
    if (PyObject* bound = PyObject_GetAttrString(Py_None, "__setattr__")) {  // C getattr
        gMethodWrapperType = Py_TYPE(bound);  // a static type
        Py_DECREF(bound);
    }
    PyErr_Clear();
    function("len", Builtin::Len);
    function("isinstance", Builtin::IsInstance);
    function("abs", Builtin::Abs);
    function("id", Builtin::Id);
    function("sorted", Builtin::Sorted);
    function("min", Builtin::MinMax);
    function("max", Builtin::MinMax);
    function("sum", Builtin::Sum);
    function("round", Builtin::Round);
    function("any", Builtin::AnyAll);
    function("getattr", Builtin::GetAttr);
    function("repr", Builtin::Repr);
    function("next", Builtin::Next);
    function("hasattr", Builtin::GetAttr);
    function("chr", Builtin::Chr);
    function("ord", Builtin::Ord);
    for (const char* m : {"bit_length", "bit_count", "as_integer_ratio", "conjugate", "is_integer"})
        method(&PyLong_Type, m, Builtin::IntPure);
    for (const char* m : {"as_integer_ratio", "conjugate", "is_integer", "hex"})
        method(&PyFloat_Type, m, Builtin::IntPure);
    method(&PyUnicode_Type, "encode", Builtin::StrEncode);
    method(&PyDict_Type, "__contains__", Builtin::DictGet);
    function("all", Builtin::AnyAll);
    method(&PyDict_Type, "get", Builtin::DictGet);
    for (const char* m : {"keys", "values", "items"}) method(&PyDict_Type, m, Builtin::DictView);
    for (const char* m : {"startswith", "endswith", "strip", "lstrip", "rstrip", "split", "rsplit",
                          "lower", "upper", "replace", "find", "rfind", "count", "isdigit",
                          "isalpha", "isalnum", "isspace", "isupper", "islower", "partition",
                          "rpartition", "splitlines", "isidentifier", "isdecimal", "isnumeric",
                          "isprintable", "isascii", "istitle", "casefold", "title", "capitalize",
                          "swapcase", "center", "ljust", "rjust", "zfill", "expandtabs", "index",
                          "rindex", "removeprefix", "removesuffix"})
        method(&PyUnicode_Type, m, Builtin::StrPure);
    method(&PyUnicode_Type, "join", Builtin::StrJoin);
    for (PyTypeObject* t : {&PyBytes_Type, &PyByteArray_Type})
        for (const char* m : {"find", "rfind", "index", "rindex", "count", "startswith",
                              "endswith", "translate", "strip", "lstrip", "rstrip", "split",
                              "rsplit", "replace", "lower", "upper", "hex", "isdigit", "isalpha",
                              "isalnum", "isspace"})
            method(t, m, Builtin::BytesPure);
    method(&PyUnicode_Type, "format", Builtin::StrFormat);
    // A type of a built-in C module, with a reference kept for the process; nullptr if it is
    // missing. The module is taken only when already imported (as _io and _thread always are;
    // _collections and _functools are by the launcher and by nearly every program), so no
    // import machinery, which is Python code, runs here.
    auto builtinType = [](const char* module, const char* name) -> PyTypeObject* {
        PyObject* mname = PyUnicode_FromString(module);
        PyObject* m = mname != nullptr ? PyImport_GetModule(mname) : nullptr;
        Py_XDECREF(mname);
        PyObject* t = m != nullptr ? PyObject_GetAttrString(m, name) : nullptr;
        Py_XDECREF(m);
        if (t != nullptr && PyType_Check(t)) return reinterpret_cast<PyTypeObject*>(t);
        Py_XDECREF(t);
        PyErr_Clear();
        return nullptr;
    };
    if ((gStringIOType = builtinType("_io", "StringIO")) != nullptr)
        for (const char* m : {"write", "read", "readline", "getvalue", "seek", "tell"})
            method(gStringIOType, m, Builtin::StringIOOp);
    method(&PyList_Type, "append", Builtin::ListAppend);
    method(&PyList_Type, "insert", Builtin::ListInsert);
    method(&PyList_Type, "pop", Builtin::ListPop);
    method(&PyList_Type, "extend", Builtin::ListExtend);
    for (const char* m : {"clear", "reverse"}) method(&PyList_Type, m, Builtin::ListNoArg);
    method(&PyDict_Type, "setdefault", Builtin::DictSetdefault);
    method(&PyDict_Type, "pop", Builtin::DictPop);
    method(&PyDict_Type, "clear", Builtin::DictClear);
    for (auto [module, name] : {std::pair{"_random", "Random"}, std::pair{"_collections", "deque"}})
        if (PyTypeObject* t = builtinType(module, name)) {
            registerLazyType(t);
            Py_DECREF(t);  // registerLazyType keeps its own reference
        }

    for (const char* m : {"add", "discard", "remove"}) method(&PySet_Type, m, Builtin::SetAddRemove);
    const char* lockNames[2] = {"LockType", "RLock"};
    for (int i = 0; i < 2; ++i)
        if ((gLockTypes[i] = builtinType("_thread", lockNames[i])) != nullptr)
            for (const char* m : {"acquire", "release", "__enter__", "__exit__"})
                method(gLockTypes[i], m, Builtin::LockOp);
    // Keyword arguments (3.11/3.12: KW_NAMES, then CALL) sit among the positional ones we read:
    // every rule checks the type of every argument it reads, and an argument passed by keyword
    // that a function does not take is rejected with a TypeError, in C.
    sortKnownCalls();
    gClassStr = PyUnicode_InternFromString("__class__");
    gObjectClassDescr = lookup(&PyBaseObject_Type, "__class__");
    gInitStr = PyUnicode_InternFromString("__init__");
    gGetStr = PyUnicode_InternFromString("__get__");
    gNewStr = PyUnicode_InternFromString("__new__");
    gAbstractStr = PyUnicode_InternFromString("__abstractmethods__");
    gInitializingStr = PyUnicode_InternFromString("_initializing");
    gImportStr = PyUnicode_InternFromString("__import__");
    gSpecStr = PyUnicode_InternFromString("__spec__");
    if (builtins != nullptr) gImportFunc = PyDict_GetItemString(builtins, "__import__");
    gIterStr = PyUnicode_InternFromString("__iter__");
    gGetItemStr = PyUnicode_InternFromString("__getitem__");
    gSetItemStr = PyUnicode_InternFromString("__setitem__");
    gEqStr = PyUnicode_InternFromString("__eq__");
    gLenStr = PyUnicode_InternFromString("__len__");
    gGetattrStr = PyUnicode_InternFromString("__getattr__");
    gHashStr = PyUnicode_InternFromString("__hash__");
    gSetattrStr = PyUnicode_InternFromString("__setattr__");
    gStrStr = PyUnicode_InternFromString("__str__");
    gReprStr = PyUnicode_InternFromString("__repr__");
    gFormatStr = PyUnicode_InternFromString("__format__");
    gObjectFormat = lookup(&PyBaseObject_Type, "__format__");
    gEnterStr = PyUnicode_InternFromString("__enter__");
    gExitStr = PyUnicode_InternFromString("__exit__");
    gNextStr = PyUnicode_InternFromString("__next__");
    if (PyObject* n = lookup(&PyBaseObject_Type, "__new__"); n != nullptr && PyCFunction_Check(n))
        gTpNewDef = reinterpret_cast<PyCFunctionObject*>(n)->m_ml;
    probeClassSlots();
    gInstanceCheckStr = PyUnicode_InternFromString("__instancecheck__");
    gTypeInstanceCheck = lookup(&PyType_Type, "__instancecheck__");
    gGetattributeStr = PyUnicode_InternFromString("__getattribute__");
    gObjectGetattribute = lookup(&PyBaseObject_Type, "__getattribute__");
    PyErr_Clear();
}

namespace {

// The verdict for the kinds that are pure or not, nothing in between (BINARY_OP: judge()).
template <typename Peek>
bool pureNow(const CodeTable& codes, const CodeInfo& ci, size_t idx, _PyInterpreterFrame* frame,
             uint8_t kind, uint32_t arg, int depth, Peek peek) {
    switch (kind) {
        case dyn::kCompare: {
            PyObject *lhs = peek(2), *rhs = peek(1);
            int budget = 64;
            return lhs && rhs && compareOperand(lhs, budget) && compareOperand(rhs, budget);
        }
        case dyn::kContains: {
            PyObject *needle = peek(2), *container = peek(1);
            return needle && container && contains(codes, needle, container);
        }
        case dyn::kSubscr: {
            PyObject *c = peek(2), *sub = peek(1);
            return c && sub && (subscr(c, sub) || subscriptTraced(codes, Py_TYPE(c)));
        }
        case dyn::kSlice: {
            PyObject *c = peek(3), *start = peek(2), *stop = peek(1);
            return c && start && stop && noneOrInt(start) && noneOrInt(stop) &&
                   (indexableSeq(c) || subscriptTraced(codes, Py_TYPE(c)));
        }
        case dyn::kForIter: {
            PyObject* it = peek(1);
            return it && (pureIterator(codes, it) ||
                          (PyGen_CheckExact(it) && resumesTracedCode(codes, it)));
        }
        case dyn::kLoadSuperAttr: {
            PyObject* name = coName(frame, arg >> 2);
            return name && superLookupPure(peek(3), peek(2), peek(1), name);
        }
        case dyn::kImportName: {
            // IMPORT_NAME: [level, fromlist] on the stack.
            PyObject* name = coName(frame, arg);
            return name && importsLoadedModule(frame, name, peek(2), peek(1));
        }
        case dyn::kLoadName: {
            // The namespace dict first, then as LOAD_GLOBAL (a dict of another type, as a class
            // body's __prepare__ may return, is read through its Python methods).
            PyObject* ns = compat::localsDict(frame);
            if (!ns || !exact(ns, &PyDict_Type) || !compat::dictKeysAllStr(ns)) return false;
            [[fallthrough]];
        }
        case dyn::kMakeFunction:  // reads `__name__` and `__builtins__` of the globals
        case dyn::kLoadGlobal: {
            PyObject *g = compat::frameGlobals(frame), *b = compat::frameBuiltins(frame);
            return g && b && exact(g, &PyDict_Type) && exact(b, &PyDict_Type) &&
                   compat::dictKeysAllStr(g) && compat::dictKeysAllStr(b);
        }
        case dyn::kTruth: {
            PyObject* o = peek(1);
            return o && truthRunsTraced(codes, o);
        }
        case dyn::kUnary: {
            PyObject* o = peek(1);
            // Not bool: ~True warns (DeprecationWarning, 3.12+), and a warning may run Python.
            PyTypeObject* t = o ? Py_TYPE(o) : nullptr;
            return t == &PyLong_Type || t == &PyFloat_Type || t == &PyComplex_Type;
        }
        case dyn::kGetIter: {
            PyObject* o = peek(1);
            return o && getIter(codes, o);
        }
        case dyn::kBuildMap: {
            // BUILD_MAP n: k1 v1 ... kn vn on the stack, k1 deepest.
            if (arg > 64 || 2 * static_cast<int>(arg) > depth) return false;
            int budget = 256;
            for (int j = 0; j < static_cast<int>(arg); ++j) {
                PyObject* k = peek(2 * static_cast<int>(arg) - 2 * j);
                if (!k || !cKey(k, 0, budget)) return false;
            }
            return true;
        }
        case dyn::kBuildConstKeyMap: {
            // BUILD_CONST_KEY_MAP n: n values, then the keys tuple on top.
            PyObject* keys = peek(1);
            int budget = 256;
            return keys && exact(keys, &PyTuple_Type) && cKey(keys, 0, budget);
        }
        case dyn::kBuildSet: {
            if (arg > 64 || static_cast<int>(arg) > depth) return false;
            int budget = 256;
            for (int j = 1; j <= static_cast<int>(arg); ++j) {
                PyObject* item = peek(j);
                if (!item || !cKey(item, 0, budget)) return false;
            }
            return true;
        }
        case dyn::kMapAdd: {
            // MAP_ADD i: key under value on top; the dict being built is i deeper.
            PyObject* k = peek(2);
            PyObject* d = peek(static_cast<int>(arg) + 2);
            return k && d && mapAddPure(d, k);
        }
        case dyn::kSetAdd: {
            // SET_ADD i: the item on top, the set being built i deeper. Adding it compares it
            // with the stored items of its hash (setLookupPure walks them).
            PyObject* item = peek(1);
            PyObject* set = peek(static_cast<int>(arg) + 1);
            return item && set && setLookupPure(set, item);
        }
        case dyn::kListExtend: {
            // Appends to the list BUILD_LIST just made (on the stack, reachable from no local):
            // iterating a builtin container or iterator is C code.
            PyObject* it = peek(1);
            if (!it) return false;
            PyTypeObject* t = Py_TYPE(it);
            return t == &PyTuple_Type || t == &PyList_Type || t == &PyUnicode_Type ||
                   t == &PyRange_Type || t == &PyDict_Type || t == &PySet_Type ||
                   t == &PyFrozenSet_Type || builtinIterator(t);
        }
        case dyn::kSetUpdate: {
            // SET_UPDATE i: adds to the set BUILD_SET just made (i deeper): each item is hashed
            // and maybe compared with the set's items, C for C keys (a display's constants are).
            PyObject* it = peek(1);
            PyObject* set = peek(static_cast<int>(arg) + 1);
            if (!it || !set || !exact(set, &PySet_Type)) return false;
            int budget = 256;
            auto key = [&](PyObject* o) { return cKey(o, 0, budget); };
            return smallSetAll(set, key) && smallCollectionAll(it, key);
        }
        // format(o, spec), str(o), repr(o) and ascii(o) of a builtin scalar run only its own C
        // __format__/__str__/__repr__.
        case dyn::kFormatValue: {
            // FORMAT_VALUE: bit 2 of the argument says a format spec is on top of the value;
            // bits 0-1 the conversion (!s, !r, !a), after which the value is a str.
            const bool spec = (arg & 0x04) != 0;
            PyObject* v = peek(spec ? 2 : 1);
            if (v == nullptr) return false;
            if (scalar(v)) return !spec || (peek(1) && exact(peek(1), &PyUnicode_Type));
            if (spec) return false;
            const uint32_t conversion = arg & 0x03;
            return conversion == 0   ? formatRunsTraced(codes, v)
                   : conversion == 1 ? strRunsTraced(codes, v)
                                     : reprRunsTraced(codes, v);
        }
        case dyn::kFormatSimple: {
            // 3.13 FORMAT_SIMPLE (format(v, "")) and CONVERT_VALUE (argument 1 !s, 2 !r, 3 !a).
            PyObject* v = peek(1);
            if (v == nullptr) return false;
            if (scalar(v)) return true;
            return arg == 0   ? formatRunsTraced(codes, v)
                   : arg == 1 ? strRunsTraced(codes, v)
                              : reprRunsTraced(codes, v);
        }
        case dyn::kFormatSpec: {
            PyObject *v = peek(2), *spec = peek(1);
            return v && spec && scalar(v) && exact(spec, &PyUnicode_Type);
        }
        case dyn::kUnpack: {
            // A tuple or list subclass (a namedtuple) that keeps the base's __iter__ is unpacked
            // by the base's C iterator.
            PyObject* o = peek(1);
            if (!o) return false;
            if (exact(o, &PyTuple_Type) || exact(o, &PyList_Type)) return true;
            PyTypeObject* b = builtinBase(o);
            return (b == &PyTuple_Type || b == &PyList_Type) && Py_TYPE(o)->tp_iter == b->tp_iter;
        }
        case dyn::kCallEx: {
            // f(*args) / f(*args, **kwargs): the callable, then args (and kwargs when the
            // argument's low bit is set), with a NULL below the callable (3.11/3.12) or above it
            // (3.13). A tuple or list of arguments and a dict of str keys are unpacked in C.
            const int kw = static_cast<int>(arg & 1);
            PyObject* kwargs = kw ? peek(1) : nullptr;
            PyObject* args = peek(1 + kw);
            PyObject* callable = peek(compat::kMinorVersion >= 13 ? 3 + kw : 2 + kw);
            if (args == nullptr || callable == nullptr || (kw && kwargs == nullptr)) return false;
            if (!exact(args, &PyTuple_Type) && !exact(args, &PyList_Type)) return false;
            if (kw && !(exact(kwargs, &PyDict_Type) && compat::dictKeysAllStr(kwargs)))
                return false;
            PyObject* self = nullptr;
            if (PyMethod_Check(callable)) {
                self = PyMethod_GET_SELF(callable);
                callable = PyMethod_GET_FUNCTION(callable);
            }
            if (PyFunction_Check(callable)) return functionCallPure(codes, callable);
            // typing's `_caches[func](*args, **kwds)`
            PyObject* const* items = exact(args, &PyTuple_Type)
                                         ? &PyTuple_GET_ITEM(args, 0)
                                         : reinterpret_cast<PyListObject*>(args)->ob_item;
            return lruCallPure(codes, callable, self, items, Py_SIZE(args), kwargs);
        }
        case dyn::kBeforeWith: {
            // A lock's __enter__ acquires, in C; a class whose __enter__ and __exit__ are traced
            // Python (a @contextmanager's, a user's) runs only traced code: BEFORE_WITH looks both
            // up on the type and binds them (C), then calls __enter__.
            PyObject* manager = peek(1);
            if (manager == nullptr) return false;
            if (isLock(manager)) return true;
            PyTypeObject* t = Py_TYPE(manager);
            return (t->tp_flags & Py_TPFLAGS_HEAPTYPE) && gEnterStr != nullptr &&
                   gExitStr != nullptr && tracedFunction(codes, _PyType_Lookup(t, gEnterStr)) &&
                   tracedFunction(codes, _PyType_Lookup(t, gExitStr));
        }
        case dyn::kDictMerge: {
            // DICT_MERGE/DICT_UPDATE i: the dict being built i+1 down, the mapping on top.
            PyObject *target = peek(static_cast<int>(arg) + 1), *update = peek(1);
            return target && update && exact(target, &PyDict_Type) &&
                   compat::dictKeysAllStr(target) && exact(update, &PyDict_Type) &&
                   compat::dictKeysAllStr(update);
        }
        case dyn::kGetAwaitable: {
            // `await coro`: a coroutine (or a generator made a coroutine by types.coroutine) is
            // its own awaitable, and one already being awaited raises RuntimeError, in C. Any
            // other object's __await__ is called.
            PyObject* o = peek(1);
            if (o == nullptr) return false;
            if (PyCoro_CheckExact(o)) return true;
            if (!PyGen_CheckExact(o)) return false;
            const PyCodeObject* code = compat::generatorCode(o);
            return code != nullptr && (code->co_flags & CO_ITERABLE_COROUTINE) != 0;
        }
        case dyn::kSend: {
            // SEND: [receiver, value] on the stack.
            PyObject* receiver = peek(2);
            return receiver && peek(1) &&
                   (PyGen_CheckExact(receiver) || PyCoro_CheckExact(receiver)) &&
                   resumesTracedCode(codes, receiver);
        }

        default:
            return false;
    }
}

}  // namespace

void resetAttrCache() {
    for (AttrPure& e : gAttrPure) e = AttrPure{};
}

// 3.13: an item store or deletion on a FrameLocalsProxy, or a call handed one (as callable,
// bound self or positional argument: `f.f_locals.update(d)`, `exec(code, g, f.f_locals)`).
// Calls that only read it are included; they cost a re-check of the locals by value.
// With the stack depth unknown (depth < 0), any instruction of those kinds counts.
template <typename Peek>
bool writesFrameLocals(uint8_t kind, uint32_t arg, int depth, Peek peek) {
    if (compat::kMinorVersion < 13) return false;
    const bool candidate = kind == dyn::kStoreSubscr || kind == dyn::kDeleteSubscr ||
                           kind == dyn::kCall || kind == dyn::kCallKw || kind == dyn::kCallEx;
    if (!candidate || depth < 0) return candidate;
    // Exact types only: PyCFunction_Check's subtype walk cost 95 instructions per iteration of
    // `loop`, for every argument of every call. A proxy's own methods are exactly
    // builtin_function_or_method (or builtin_method); other subtypes (Cython's functions) are never
    // bound to a proxy.
    auto proxy = [](PyObject* o) {
        if (o == nullptr) return false;
        PyTypeObject* t = Py_TYPE(o);
        if (t == &PyCFunction_Type || t == &PyCMethod_Type) o = PyCFunction_GET_SELF(o);
        else if (t == &PyMethod_Type) o = PyMethod_GET_SELF(o);
        return o != nullptr && compat::isFrameLocalsProxy(o);
    };
    if (kind == dyn::kStoreSubscr || kind == dyn::kDeleteSubscr) return proxy(peek(2));
    if (kind == dyn::kCall || kind == dyn::kCallKw) {
        // CALL n: callable, self or NULL, n arguments (CALL_KW: then the names tuple).
        const int extra = kind == dyn::kCallKw ? 1 : 0;
        const int n = static_cast<int>(arg);
        if (n + 2 + extra > depth) return true;  // not the layout expected: assume a write
        for (int k = 1 + extra; k <= n + 2 + extra; ++k)
            if (proxy(peek(k))) return true;
        return false;
    }
    if (kind == dyn::kCallEx) {
        // CALL_FUNCTION_EX: callable, self or NULL, args tuple[, kwargs]: the top four at most.
        for (int k = 1; k <= 4 && k <= depth; ++k) {
            PyObject* o = peek(k);
            if (proxy(o)) return true;
            if (o != nullptr && PyTuple_CheckExact(o))
                for (Py_ssize_t j = 0; j < PyTuple_GET_SIZE(o); ++j)
                    if (proxy(PyTuple_GET_ITEM(o, j))) return true;
        }
        return false;
    }
    return false;
}

Verdict judge(const CodeTable& codes, const CodeInfo& ci, size_t idx, _PyInterpreterFrame* frame,
              bool wantTargets, MutationChange out[2]) {
    const uint32_t arg = ci.arg[idx];
    const uint8_t kind = ci.dynKind[idx];
    const int depth = stackDepth(ci, idx, frame);
    if (depth < 0) return {false, 0, writesFrameLocals(kind, arg, -1, [](int) { return nullptr; })};
    PyObject** stack = compat::valueStack(frame, ci.nlocalsplus);
    // peek(k): the k-th value from the top (1 = top of stack); NULL when below the bottom.
    auto peek = [&](int k) -> PyObject* { return k <= depth ? stack[depth - k] : nullptr; };
    if (kind == dyn::kBinaryOp) {
        // The kind judged most often (arithmetic in loops), ahead of the chain of checks below,
        // none of which it matches.
        PyObject *lhs = peek(2), *rhs = peek(1);
        if (!lhs || !rhs) return {};
        if (binaryOp(lhs, rhs, arg)) return {true, 0};
        // `out += tail` extends a list in place (`buf += b"..."` a bytearray), in C: only it
        // changes.
        if (wantTargets && arg == kNbInplaceFirst + kNbAdd &&
            ((exact(lhs, &PyList_Type) && (exact(rhs, &PyList_Type) || exact(rhs, &PyTuple_Type))) ||
             (exact(lhs, &PyByteArray_Type) &&
              (exact(rhs, &PyBytes_Type) || exact(rhs, &PyByteArray_Type))))) {
            out[0] = {lhs, nullptr, -1};
            return {false, 1};
        }
        return {};
    }
    if (writesFrameLocals(kind, arg, depth, peek)) return {false, 0, true};
    if (kind == dyn::kStoreAttr) {
        // A class with its own __setattr__ written in Python (typing's aliases, enum's classes):
        // the store calls it, and its traced instructions report their own mutations.
        PyObject* owner = peek(1);
        PyTypeObject* t = owner != nullptr ? Py_TYPE(owner) : nullptr;
        if (t != nullptr && peek(2) != nullptr &&
            tracedSlot(codes, t, t->tp_setattro, gSlotTpSetattro, gSetattrStr))
            return {true, 0};
    }
    if (kind == dyn::kStoreSubscr) {
        // Likewise a class with its own `__setitem__` written in Python.
        PyObject* c = peek(2);
        if (c != nullptr && peek(1) != nullptr && peek(3) != nullptr &&
            storeSubscriptTraced(codes, Py_TYPE(c)))
            return {true, 0};
    }
    if (kind == dyn::kStoreSubscr || kind == dyn::kStoreAttr || kind == dyn::kDeleteSubscr ||
        kind == dyn::kDeleteAttr || kind == dyn::kStoreName || kind == dyn::kDeleteName ||
        kind == dyn::kStoreGlobal || kind == dyn::kDeleteGlobal)
        return {false, wantTargets ? storeTargets(kind, arg, peek, frame, out) : 0};
    if (kind == dyn::kSubscr) {
        // dd[k] of a defaultdict: a read when k is there; otherwise dict's C code stores the
        // factory's value under k, which changes dd only. A factory of builtin type runs C code,
        // a traced one reports its own mutations.
        PyObject *c = peek(2), *sub = peek(1);
        if (c && sub && isDefaultDict(c) && dictLookupPure(c, sub)) {
            PyObject* have = PyDict_GetItemWithError(c, sub);  // borrowed; only C comparisons
            if (have != nullptr) return {true, 0};
            if (PyErr_Occurred()) {
                PyErr_Clear();
                return {};
            }
            if (!pureFactory(codes, reinterpret_cast<DefaultDictHead*>(c)->factory)) return {};
            if (!wantTargets) return {false, 0};
            out[0] = {c, nullptr, -1};
            return {false, 1};
        }
    }
    if (kind == dyn::kLoadAttr) {
        PyObject* owner = peek(1);
        PyObject* name = loadAttrName(frame, arg);
        if (!owner || !name) return {};
        if (loadAttr(codes, owner, name)) return {true, 0};
        if (wantTargets && readsInstanceDict(owner, name)) {
            out[0] = {owner, nullptr, -1};
            return {false, 1};
        }
        return {};
    }
    if (kind == dyn::kStoreDeref) {
        // Rebinding a cell changes no object a snapshot reads (walks never read cells): it is
        // logged as a change of the cell itself, so frames compare their slot pointers, which
        // finds the rebinding, without walking their values again.
        if (!wantTargets || arg >= ci.nlocalsplus) return {};
        PyObject* cell = compat::localsplus(frame)[arg];
        if (cell == nullptr || !PyCell_Check(cell)) return {};
        out[0] = {cell, nullptr, -1};
        return {false, 1};
    }
    if (kind == dyn::kCallKw) {
        // 3.13 CALL_KW n: callable, self or NULL, n arguments, the tuple of keyword names. Only
        // traced Python code and plain classes: binding keywords to parameters compares str
        // names, in C. (Builtins are left out: their rules read positional arguments only.)
        if (static_cast<int>(arg) + 3 > depth) return {};
        PyObject* callable = peek(static_cast<int>(arg) + 3);
        if (callable == nullptr) return {};
        if (PyMethod_Check(callable)) callable = PyMethod_GET_FUNCTION(callable);
        if (PyFunction_Check(callable)) return {functionCallPure(codes, callable), 0};
        if (instantiatesTraced(codes, callable)) return {true, 0};
        // Builtins: the keyword values are read as the arguments they are, as on 3.11/3.12
        // (where KW_NAMES leaves them among the positional ones): every rule checks the type of
        // every argument, and a keyword a function does not take is a TypeError raised in C.
        auto below = [&](int k) { return peek(k + 1); };
        CallSite cs;
        if (!callSite(arg, depth - 1, below, stack, cs)) return {};
        // An lru_cache wrapper: the keyword values are keys as the positional ones are.
        if (lruCallPure(codes, callable,
                        PyMethod_Check(cs.callable) ? PyMethod_GET_SELF(cs.callable) : cs.self,
                        cs.args, cs.nargs, nullptr))
            return {true, 0};
        return {pureBuiltin(codes, cs, builtinOf(cs.callable)), 0};
    }
    if (kind == dyn::kCall) {
        CallSite cs;
        if (!callSite(arg, depth, peek, stack, cs)) return {};
        PyObject* callable = cs.callable;
        if (PyMethod_Check(callable)) callable = PyMethod_GET_FUNCTION(callable);
        // A Python function whose code is traced, or a generator function (functionCallPure).
        if (PyFunction_Check(callable)) return {functionCallPure(codes, callable), 0};
        if (instantiatesTraced(codes, callable)) return {true, 0};
        // A function decorated with functools.lru_cache or cache (`fib(n - 1)`): its C wrapper.
        if (lruCallPure(codes, callable,
                        PyMethod_Check(cs.callable) ? PyMethod_GET_SELF(cs.callable) : cs.self,
                        cs.args, cs.nargs, nullptr))
            return {true, 0};
        // LOAD_SUPER_ATTR pushes the slot wrapper and self, or (3.11's super object) a
        // method-wrapper bound to self.
        PyObject* const descr =
            gMethodWrapperType != nullptr && cs.self == nullptr &&
                    Py_TYPE(callable) == gMethodWrapperType
                ? reinterpret_cast<MethodWrapperHead*>(callable)->descr
                : nullptr;
        const bool bound = descr != nullptr && descr == gObjectSetattr;
        if (callable != nullptr && (callable == gTypeSetattr || descr == gTypeSetattr)) {
            // `super().__setattr__(name, value)` in a metaclass (enum's EnumType): a class
            // attribute stored into the class's dict, in C, when the metaclass has no attribute
            // of that name (a descriptor there would be called; `__name__`, `__module__` and
            // `__qualname__` are such descriptors of `type`). Dunder names are left out: a class
            // statement's `__slots__` and its slot dunders shape how instances are shown.
            PyObject* owner = nullptr;
            PyObject* const* a = cs.args;
            int n = cs.nargs;
            if (descr != nullptr) owner = reinterpret_cast<MethodWrapperHead*>(callable)->self;
            else if (!unboundReceiver(cs, owner, a, n)) return {};
            if (!wantTargets || n != 2 || owner == nullptr || !PyType_Check(owner) ||
                !exact(a[0], &PyUnicode_Type))
                return {};
            auto* cls = reinterpret_cast<PyTypeObject*>(owner);
            const bool dunder = PyUnicode_GET_LENGTH(a[0]) >= 2 &&
                                PyUnicode_READ_CHAR(a[0], 0) == '_' &&
                                PyUnicode_READ_CHAR(a[0], 1) == '_';
            if (!(cls->tp_flags & Py_TPFLAGS_HEAPTYPE) || cls->tp_dict == nullptr || dunder ||
                _PyType_Lookup(Py_TYPE(owner), a[0]) != nullptr)
                return {};
            out[0] = {owner, a[0], -1};
            out[1] = {cls->tp_dict, a[0], -1};
            return {false, 2};
        }
        if ((callable == gObjectSetattr && callable != nullptr) || bound) {
            // `object.__setattr__(self, name, value)` (frozen dataclasses' and attrs' __init__),
            // `super().__setattr__(name, value)` in a class with its own __setattr__: the
            // generic store, which STORE_ATTR's rule judges, named the same way. Not on a class
            // (refused in C) or a module (another frame's namespace).
            PyObject* owner = nullptr;
            PyObject* const* a = cs.args;
            int n = cs.nargs;
            if (bound) owner = reinterpret_cast<MethodWrapperHead*>(callable)->self;
            else if (!unboundReceiver(cs, owner, a, n)) return {};
            if (!wantTargets || n != 2 || owner == nullptr || PyType_Check(owner) ||
                PyModule_Check(owner) || !genericStoreAttr(owner, a[0]))
                return {};
            out[0] = {owner, a[0], -1};
            return {false, 1};
        }
        const Builtin b = builtinOf(cs.callable);
        if (pureBuiltin(codes, cs, b)) return {true, 0};
        if (consumesTracedGenerator(codes, cs, b)) return {true, 0, false, true};
        Py_ssize_t index = -1;
        PyObject* key = nullptr;
        PyObject* t = wantTargets ? targetedBuiltin(cs, b, index, key) : nullptr;
        if (t == nullptr) return {};
        out[0] = {t, key, index};
        return {false, 1};
    }
    return {pureNow(codes, ci, idx, frame, kind, arg, depth, peek), 0};
}

}  // namespace reel::recorder::purity
