#pragma once
// Snapshots of Python objects for the trace (ValueCodec.h records), taken without running any
// Python code: no __repr__, __eq__, __hash__, __len__, __iter__, properties, descriptors or
// __getattr__. Containers are read through their C storage, instance attributes through the
// instance dict and slot member offsets.
//
// Snapshots are content-addressed: capturing an unchanged object again yields the same ValueRef,
// so "did this local change?" is a ValueRef comparison, and identical snapshots are stored once.
//
// Called only on the interpreter thread with the GIL held; not reentrant.

#include <Python.h>

#include <cstdint>
#include <memory>
#include <string_view>

#include "reel/format/TraceWriter.h"
#include "reel/format/ValueRef.h"

namespace reel::recorder {

struct CaptureLimits {
    uint32_t maxDepth = 4;   // the value itself is depth 1
    uint32_t maxItems = 64;  // elements / entries / attributes per container or object
    uint32_t maxStr = 256;   // code points (str) or bytes (bytes, bytearray)
};

class ValueCapture {
public:
    explicit ValueCapture(CaptureLimits limits);
    ~ValueCapture();
    ValueCapture(const ValueCapture&) = delete;
    ValueCapture& operator=(const ValueCapture&) = delete;

    // Snapshot of `obj` (borrowed, not NULL). Never sets a Python exception and never calls into
    // Python code; objects it cannot read safely become OPAQUE records.
    format::ValueRef capture(PyObject* obj);

    // False for objects whose rendering cannot change while the reference stays the same (exact
    // int, float, complex, str, bytes, None, bool, functions, classes, modules, code, and tuples
    // or frozensets holding only such objects, checked shallowly). The recorder re-captures only
    // locals for which this is true.
    static bool mayMutate(PyObject* obj);

    // Interned names (attribute names, dict-locals names, qualnames) -> dense string ids, shared
    // with the event stream (NAME_SET/NAME_DEL).
    uint32_t internString(std::string_view utf8);
    // `s` must be an exact str; returns 0xFFFFFFFF for strings that cannot be encoded.
    uint32_t internString(PyObject* s);

    // Moves every value record, type record and string created since the last call into `batch`
    // (values, firstValueId, valueCount, defs.types, defs.strings).
    void drainInto(format::Batch& batch);

    uint64_t valueCount() const;    // records created so far (the next record's id)
    size_t pendingBytes() const;    // bytes of records not yet drained
    // Captures that hit an internal failure (and returned an OPAQUE/NotCaptured ref instead).
    uint64_t failureCount() const;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace reel::recorder
