#include "OpcodeTable.h"

namespace reel::recorder {

bool OpcodeTable::load(PyObject* spec) {
    PyObject *opsList = nullptr, *cmp = nullptr;
    if (!PyArg_ParseTuple(spec, "iOO", &minor, &opsList, &cmp)) return false;
    if (!PyList_Check(opsList) || PyList_GET_SIZE(opsList) != 256 || !PyList_Check(cmp)) {
        PyErr_SetString(PyExc_ValueError, "reel: malformed opcode table");
        return false;
    }
    for (Py_ssize_t i = 0; i < 256; ++i) {
        const char* name = nullptr;
        int caches = 0;
        unsigned int flags = 0;
        int dynKind = 0;
        if (!PyArg_ParseTuple(PyList_GET_ITEM(opsList, i), "siIi", &name, &caches, &flags,
                              &dynKind))
            return false;
        if (dynKind < 0 || dynKind > dyn::kLast) {
            PyErr_SetString(PyExc_ValueError, "reel: malformed opcode table (purity kind)");
            return false;
        }
        ops[i].name = name;
        ops[i].cacheEntries = static_cast<uint16_t>(caches);
        ops[i].flags = flags;
        ops[i].dynKind = static_cast<uint8_t>(dynKind);
    }
    compareOps.clear();
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(cmp); ++i) {
        const char* s = PyUnicode_AsUTF8(PyList_GET_ITEM(cmp, i));
        if (!s) return false;
        compareOps.emplace_back(s);
    }
    return true;
}

}  // namespace reel::recorder
