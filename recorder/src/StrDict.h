#pragma once
// Reading a str-keyed dict (a class, module or instance dict, sys.modules, linecache.cache)
// without running Python code: PyDict_GetItem with a str key still calls a user __eq__ when a
// non-str key in the dict has a colliding hash. PyDict_Next and reading a str's characters
// never run Python code.

#include <Python.h>

#include <algorithm>
#include <cstring>
#include <string_view>

namespace reel::recorder {

// Whether str `s` (or a str subclass instance) is exactly the ASCII text `ascii`.
inline bool strEqualsAscii(PyObject* s, std::string_view ascii) {
#if PY_VERSION_HEX < 0x030C0000
    if (!PyUnicode_IS_READY(s)) return false;
#endif
    if (!PyUnicode_IS_ASCII(s) || PyUnicode_GET_LENGTH(s) != static_cast<Py_ssize_t>(ascii.size()))
        return false;
    return std::memcmp(PyUnicode_DATA(s), ascii.data(), ascii.size()) == 0;
}

// The value under the str key whose text is `key` (UTF-8), borrowed, or nullptr. Non-ASCII keys
// are compared through their UTF-8 form, which CPython caches in the str.
inline PyObject* dictFindStr(PyObject* dict, std::string_view key) {
    if (dict == nullptr || !PyDict_Check(dict)) return nullptr;
    const bool ascii = std::all_of(key.begin(), key.end(),
                                   [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    Py_ssize_t pos = 0;
    PyObject *k, *v;
    while (PyDict_Next(dict, &pos, &k, &v)) {
        if (!PyUnicode_Check(k)) continue;
        if (ascii) {
            if (strEqualsAscii(k, key)) return v;
            continue;
        }
        Py_ssize_t n = 0;
        const char* u = PyUnicode_AsUTF8AndSize(k, &n);
        if (u == nullptr) {
            PyErr_Clear();  // a lone surrogate: not the key we look for
            continue;
        }
        if (std::string_view(u, static_cast<size_t>(n)) == key) return v;
    }
    return nullptr;
}

}  // namespace reel::recorder
