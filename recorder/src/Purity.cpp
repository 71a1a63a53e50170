#include "Purity.h"

namespace reel::recorder::purity {

namespace {

// NB_* numbering of BINARY_OP's argument, the same on 3.11-3.13 (dis._nb_ops).
constexpr uint32_t kNbRemainder = 6;
constexpr uint32_t kNbInplaceFirst = 13;

bool exact(PyObject* o, PyTypeObject* t) {
    return Py_TYPE(o) == t;
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
    if (exact(o, &PyTuple_Type) && depth < 3) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(o); ++i)
            if (!comparable(PyTuple_GET_ITEM(o, i), depth + 1, budget)) return false;
        return true;
    }
    return false;
}

bool noneOrInt(PyObject* o) {
    return o == Py_None || exact(o, &PyLong_Type);
}

bool indexableSeq(PyObject* c) {
    PyTypeObject* t = Py_TYPE(c);
    return t == &PyList_Type || t == &PyTuple_Type || t == &PyUnicode_Type;
}

bool calleeTraced(const CodeTable& codes, PyObject* code) {
    if (code == nullptr || !PyCode_Check(code)) return false;
    const CodeInfo* ci = codes.find(reinterpret_cast<PyCodeObject*>(code));
    return ci != nullptr && ci->traced;
}

// Iterators whose next() is C code over a builtin container (no user __iter__/__next__, no hash or
// compare of items).
bool builtinIterator(PyTypeObject* t) {
    return t == &PyListIter_Type || t == &PyTupleIter_Type || t == &PyRangeIter_Type ||
           t == &PyLongRangeIter_Type || t == &PyUnicodeIter_Type || t == &PyDictIterKey_Type ||
           t == &PyDictIterValue_Type || t == &PyDictIterItem_Type || t == &PySetIter_Type ||
           t == &PyListRevIter_Type;
}

// A generator resumed by FOR_ITER runs its own code: fine when that code is traced (its
// instructions report their own mutations); a finished one only raises StopIteration.
bool generatorStep(const CodeTable& codes, PyObject* it) {
    if (!PyGen_CheckExact(it)) return false;
    PyCodeObject* code = compat::suspendedGeneratorCode(it);
    return code == nullptr || calleeTraced(codes, reinterpret_cast<PyObject*>(code));
}

bool binaryOp(PyObject* lhs, PyObject* rhs, uint32_t op) {
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

bool contains(PyObject* needle, PyObject* container) {
    PyTypeObject* t = Py_TYPE(container);
    if (t == &PyUnicode_Type) return exact(needle, &PyUnicode_Type);
    if (t == &PyTuple_Type || t == &PyList_Type) {
        const Py_ssize_t n = Py_SIZE(container);
        if (n > 32) return false;
        int budget = 128;
        if (!comparable(needle, 0, budget)) return false;
        PyObject** items = t == &PyTuple_Type ? &PyTuple_GET_ITEM(container, 0)
                                              : reinterpret_cast<PyListObject*>(container)->ob_item;
        for (Py_ssize_t i = 0; i < n; ++i)
            if (!comparable(items[i], 0, budget)) return false;
        return true;
    }
    if (t == &PyDict_Type)
        return exact(needle, &PyUnicode_Type) && compat::dictKeysAllStr(container);
    return false;
}

bool subscr(PyObject* c, PyObject* sub) {
    if (indexableSeq(c)) {
        if (exact(sub, &PyLong_Type)) return true;
        if (exact(sub, &PySlice_Type)) {
            auto* s = reinterpret_cast<PySliceObject*>(sub);
            return noneOrInt(s->start) && noneOrInt(s->stop) && noneOrInt(s->step);
        }
        return false;
    }
    if (exact(c, &PyDict_Type)) return exact(sub, &PyUnicode_Type) && compat::dictKeysAllStr(c);
    return false;
}

bool truth(PyObject* o) {
    if (scalar(o)) return true;
    PyTypeObject* t = Py_TYPE(o);
    return t == &PyList_Type || t == &PyTuple_Type || t == &PyDict_Type;
}

bool getIter(const CodeTable& codes, PyObject* o) {
    PyTypeObject* t = Py_TYPE(o);
    if (t == &PyList_Type || t == &PyTuple_Type || t == &PyDict_Type || t == &PyUnicode_Type ||
        t == &PySet_Type || t == &PyFrozenSet_Type || t == &PyRange_Type || builtinIterator(t))
        return true;
    (void)codes;
    return PyGen_CheckExact(o);  // iter(generator) is the generator itself
}

// obj.name through PyObject_GenericGetAttr without running Python code: no __getattribute__ or
// __getattr__ (tp_getattro would be a slot wrapper), no property or other Python-level
// descriptor on the class, and an instance dict that can only compare str keys.
bool loadAttr(PyObject* owner, PyObject* name) {
    PyTypeObject* t = Py_TYPE(owner);
    if (t->tp_getattro != PyObject_GenericGetAttr || !exact(name, &PyUnicode_Type)) return false;
    // The type's MRO dicts hold str keys in practice; _PyType_Lookup answers from the method cache
    // (the interpreter does this very lookup for the instruction anyway).
    PyObject* descr = _PyType_Lookup(t, name);
    if (descr != nullptr) {
        PyTypeObject* dt = Py_TYPE(descr);
        if (dt->tp_descr_get != nullptr) {
            // Data descriptors win over the instance dict: only __slots__ members are plain C.
            if (dt->tp_descr_set != nullptr) return dt == &PyMemberDescr_Type;
            // Non-data descriptors whose __get__ is C that binds or unwraps without calls.
            if (dt != &PyFunction_Type && dt != &PyMethodDescr_Type && dt != &PyStaticMethod_Type &&
                dt != &PyClassMethodDescr_Type && dt != &PyWrapperDescr_Type)
                return false;
        }
    }
    return compat::instanceDictKeysAllStr(owner);
}

}  // namespace

int stackDepth(const CodeInfo& ci, size_t idx, _PyInterpreterFrame* frame) {
    int depth = compat::savedStackDepth(frame, ci.nlocalsplus);
    if (depth < 0 && idx < ci.depth.size()) depth = ci.depth[idx];
    return depth <= ci.stackSize ? depth : -1;
}

bool pureNow(const CodeTable& codes, const CodeInfo& ci, size_t idx, _PyInterpreterFrame* frame) {
    const int depth = stackDepth(ci, idx, frame);
    if (depth < 0) return false;
    PyObject** stack = compat::valueStack(frame, ci.nlocalsplus);
    // peek(k): the k-th value from the top (1 = top of stack); NULL when below the bottom.
    auto peek = [&](int k) -> PyObject* { return k <= depth ? stack[depth - k] : nullptr; };
    const uint32_t arg = ci.arg[idx];
    switch (ci.dynKind[idx]) {
        case dyn::kBinaryOp: {
            PyObject *lhs = peek(2), *rhs = peek(1);
            return lhs && rhs && binaryOp(lhs, rhs, arg);
        }
        case dyn::kCompare: {
            PyObject *lhs = peek(2), *rhs = peek(1);
            int budget = 64;
            return lhs && rhs && comparable(lhs, 0, budget) && comparable(rhs, 0, budget);
        }
        case dyn::kContains: {
            PyObject *needle = peek(2), *container = peek(1);
            return needle && container && contains(needle, container);
        }
        case dyn::kSubscr: {
            PyObject *c = peek(2), *sub = peek(1);
            return c && sub && subscr(c, sub);
        }
        case dyn::kSlice: {
            PyObject *c = peek(3), *start = peek(2), *stop = peek(1);
            return c && start && stop && indexableSeq(c) && noneOrInt(start) && noneOrInt(stop);
        }
        case dyn::kForIter: {
            PyObject* it = peek(1);
            return it && (builtinIterator(Py_TYPE(it)) || generatorStep(codes, it));
        }
        case dyn::kCall: {
            // CALL's argument is the number of arguments. Below them: 3.11/3.12 [method or NULL,
            // self or callable], 3.13 [callable, self or NULL].
            if (arg > 255 || static_cast<int>(arg) + 2 > depth) return false;
            PyObject* lower = peek(static_cast<int>(arg) + 2);
            PyObject* upper = peek(static_cast<int>(arg) + 1);
            PyObject* callable = compat::kMinorVersion >= 13 ? lower : (lower ? lower : upper);
            if (callable == nullptr) return false;
            if (PyMethod_Check(callable)) callable = PyMethod_GET_FUNCTION(callable);
            // A Python function whose code is traced: everything it does happens in traced
            // instructions, which bump the mutation counter themselves. Binding the arguments
            // runs no Python code.
            return PyFunction_Check(callable) &&
                   calleeTraced(codes, reinterpret_cast<PyFunctionObject*>(callable)->func_code);
        }
        case dyn::kLoadAttr: {
            PyObject* owner = peek(1);
            PyCodeObject* co = compat::frameCode(frame);
            const uint32_t ni = compat::kMinorVersion >= 12 ? arg >> 1 : arg;
            if (!owner || !co->co_names ||
                ni >= static_cast<uint32_t>(PyTuple_GET_SIZE(co->co_names)))
                return false;
            return loadAttr(owner, PyTuple_GET_ITEM(co->co_names, ni));
        }
        case dyn::kLoadGlobal: {
            PyObject *g = compat::frameGlobals(frame), *b = compat::frameBuiltins(frame);
            return g && b && exact(g, &PyDict_Type) && exact(b, &PyDict_Type) &&
                   compat::dictKeysAllStr(g) && compat::dictKeysAllStr(b);
        }
        case dyn::kTruth: {
            PyObject* o = peek(1);
            return o && truth(o);
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
        case dyn::kUnpack: {
            PyObject* o = peek(1);
            return o && (exact(o, &PyTuple_Type) || exact(o, &PyList_Type));
        }
        default:
            return false;
    }
}

}  // namespace reel::recorder::purity
