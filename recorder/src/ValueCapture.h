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
#include <string>
#include <string_view>
#include <vector>

#include "reel/format/TraceWriter.h"
#include "reel/format/ValueRef.h"

namespace reel::recorder {

struct CaptureLimits {
    uint32_t maxDepth = 4;   // the value itself is depth 1
    uint32_t maxItems = 64;  // elements / entries / attributes per container or object
    uint32_t maxStr = 256;   // code points (str) or bytes (bytes, bytearray)
    // Slots per generation of the content-address table (a power of two; 0: the default, 2^19).
    // Only tests set it, to exercise eviction without millions of values.
    size_t dedupSlots = 0;
};

// What the snapshot of a value depended on when it was taken (see ValueCapture::recapture):
// per-local state kept by the recorder between checks. `words` keeps its capacity across uses.
struct ValueShape {
    std::vector<uint64_t> words;
    format::ValueRef ref;  // the snapshot the words describe
    bool valid = false;
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

    // Reel's own stand-ins for the program's objects (reel/_output.py's forwarders that replace
    // sys.stdout/sys.stderr and their .buffer) are captured as the object they stand for, so a
    // snapshot shows what a plain run has (`<_io.TextIOWrapper ...>`, with its identity) rather
    // than Reel's wrapper. `member` is the member descriptor (a __slots__ entry) of the stand-in
    // class that holds the real object. Process-wide; returns false with a Python exception set
    // for anything else, or when the table is full.
    static bool registerStandIn(PyObject* member);

    // False for objects whose rendering cannot change while the reference stays the same (exact
    // int, float, complex, str, bytes, None, bool, functions, classes, modules, code, and tuples
    // or frozensets holding only such objects, checked shallowly). The recorder re-captures only
    // locals for which this is true.
    static bool mayMutate(PyObject* obj);

    // Snapshot of `obj` when it may have changed since its snapshot `prev`: if `shape` (from the
    // previous recapture of the same local) still matches the object graph, returns `prev`
    // without encoding or hashing anything; otherwise captures and refreshes `shape`. The shape
    // walk reads the same nodes as a capture (within the limits), compares scalar contents and
    // identities rather than pointers, runs no Python code and allocates nothing once the
    // vectors have grown. About 5-10x cheaper than a capture of the same graph.
    format::ValueRef recapture(PyObject* obj, format::ValueRef prev, ValueShape& shape);
    // A capture that also records `shape`, for an object that recapture() will check later.
    format::ValueRef captureShaped(PyObject* obj, ValueShape& shape) {
        shape.valid = false;
        return recapture(obj, format::ValueRef{}, shape);
    }
    // Counters for tests and benchmarks: recaptures answered by the shape, and those that
    // captured.
    // Privacy (issue 6). `redact`: an ECMAScript regular expression, searched (anywhere in the
    // name, case-insensitively) in local names, attribute names and str dict keys; a matching
    // name's value is recorded as the Redacted constant, without reading it. `noValues`: every
    // value is recorded as its type only (an OPAQUE record without identity). Call before the
    // first capture; throws std::regex_error for an invalid pattern.
    void setPrivacy(const std::string& redact, bool noValues);
    bool redactsName(std::string_view name) const;
    bool redactsString(uint32_t stringId) const;  // an id from internString
    bool redacting() const;
    bool noValues() const;

    uint64_t shapeHits() const;
    uint64_t shapeMisses() const;

    // Interned names (attribute names, dict-locals names, qualnames) -> dense string ids, shared
    // with the event stream (NAME_SET/NAME_DEL).
    uint32_t internString(std::string_view utf8);
    // `s` must be an exact str; returns 0xFFFFFFFF for strings that cannot be encoded.
    uint32_t internString(PyObject* s);

    // Moves every value record, type record and string created since the last call into `batch`
    // (values, firstValueId, valueCount, defs.types, defs.strings).
    void drainInto(format::Batch& batch);

    // Flight recorder (`--last N`), right after drainInto(): from now on no capture returns a
    // record created before this call, except those of `keep` (refs the caller may capture again
    // and needs to stay equal, e.g. exceptions in flight) that are still valid; returns their ids
    // (sorted), which the next generation file must carry. Refs already held by the caller stay
    // valid: the writer carries every record the replayed state refers to.
    std::vector<uint64_t> startGeneration(const std::vector<format::ValueRef>& keep);

    uint64_t valueCount() const;    // records created so far (the next record's id)
    size_t pendingBytes() const;    // bytes of records not yet drained
    // Captures that hit an internal failure (and returned an OPAQUE/NotCaptured ref instead).
    uint64_t failureCount() const;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace reel::recorder
