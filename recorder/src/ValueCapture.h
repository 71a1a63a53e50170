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

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "Compat.h"
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

// The containers (lists, dicts, sets, instances and their dicts, ...) a shape walk read, as a
// 256-bit Bloom filter of their addresses: when the only mutations since the walk are of known
// objects (Purity.h, judge) none of which is in the filter, the snapshot cannot have changed.
// False positives only cost a re-check.
struct ContainerBloom {
    uint64_t bits[4] = {};

    static unsigned slotOf(const void* p) {
        uint64_t x = (reinterpret_cast<uintptr_t>(p) >> 4) * 0x9E3779B97F4A7C15ull;
        return static_cast<unsigned>(x >> 56);
    }
    void add(const void* p) {
        const unsigned s = slotOf(p);
        bits[s >> 6] |= uint64_t{1} << (s & 63);
    }
    bool mayContain(const void* p) const {
        const unsigned s = slotOf(p);
        return (bits[s >> 6] >> (s & 63)) & 1;
    }
    bool intersects(const ContainerBloom& o) const {
        return ((bits[0] & o.bits[0]) | (bits[1] & o.bits[1]) | (bits[2] & o.bits[2]) |
                (bits[3] & o.bits[3])) != 0;
    }
    void clear() { bits[0] = bits[1] = bits[2] = bits[3] = 0; }
    bool operator==(const ContainerBloom&) const = default;
    ContainerBloom& operator|=(const ContainerBloom& o) {
        for (int i = 0; i < 4; ++i) bits[i] |= o.bits[i];
        return *this;
    }
};

// One container or object node of a shape walk, in walk (pre)order: its subtree's words are
// words[wordBegin, wordEnd), its subtree's nodes nodes[index, nodeEnd). `ordinal` is its
// position among its parent's items (list index, 2*i/2*i+1 for a dict entry's key/value,
// slot index, then attribute number), which is what lets a later walk find it again.
struct ShapeNode {
    PyObject* ptr;  // borrowed, compared only
    uint32_t wordBegin, wordEnd, nodeEnd, depth, ordinal;
    ContainerBloom bloom;  // its subtree's containers, itself included
    // The snapshot a capture made of this node with exactly these words (and the nodes it
    // counted against the budget), in value generation `gen`; copied along with the words when a
    // later walk reuses the subtree, so the capture after it need not visit the subtree at all.
    format::ValueRef ref = {};
    uint32_t captureNodes = 0;
    uint32_t gen = 0;
    // The capture path above the node when `ref` was made (a hash of its identities): a subtree
    // that reaches a node of the path has CYCLE markers for it, valid only under the same path.
    uint64_t pathHash = 0;
};

// A mutation the recorder knows precisely (Purity.h, judge): `obj` changed, and only at
// `key` (a dict key or attribute name, a str) or at list index `index` (>= 0); with neither,
// anything in `obj` may have changed.
struct MutationChange {
    PyObject* obj = nullptr;
    PyObject* key = nullptr;
    Py_ssize_t index = -1;
};
// Every mutation since a shape was taken, when all of them were known precisely.
struct ChangeSet {
    const MutationChange* items = nullptr;
    size_t count = 0;
    ContainerBloom bloom;  // of the items' objects
};

// Bytes held by the words and nodes of every ValueShape (and the walk's scratch). A shape may
// describe up to kShapeMaxWords words, and every frame holding a big object keeps its own:
// a recursion 900 calls deep through a method of an object of 3600 strings held 80 MiB of
// shapes. The recorder drops big shapes while the total is over budget (Recorder::keepShape).
// Allocated and freed with the GIL held only.
inline size_t gShapeBytes = 0;
inline size_t gShapeBytesPeak = 0;  // for tests (_reel._shape_bytes_for_testing)

template <class T>
struct ShapeAllocator {
    using value_type = T;
    ShapeAllocator() = default;
    template <class U>
    ShapeAllocator(const ShapeAllocator<U>&) noexcept {}
    T* allocate(size_t n) {
        T* p = std::allocator<T>().allocate(n);
        gShapeBytes += n * sizeof(T);
        gShapeBytesPeak = std::max(gShapeBytesPeak, gShapeBytes);
        return p;
    }
    void deallocate(T* p, size_t n) noexcept {
        gShapeBytes -= n * sizeof(T);
        std::allocator<T>().deallocate(p, n);
    }
    template <class U>
    bool operator==(const ShapeAllocator<U>&) const noexcept {
        return true;
    }
};
using ShapeWords = std::vector<uint64_t, ShapeAllocator<uint64_t>>;
using ShapeNodes = std::vector<ShapeNode, ShapeAllocator<ShapeNode>>;

// What the snapshot of a value depended on when it was taken (see ValueCapture::recapture):
// per-local state kept by the recorder between checks. `words` keeps its capacity across uses.
struct ValueShape {
    bool valid = false;
    // The root node's subtree filter, kept first (beside the shared box's count) and brought up
    // to date by ValueCapture::recapture, through which every change of a shape goes: the check
    // of each local after a change reads it without reaching the node array, one cache miss
    // fewer per local (a 4000-level generator chain checks every level's locals at each
    // resumption, and with 4000 levels of shapes none of them stays in cache).
    bool hasRoot = false;
    ContainerBloom rootBloom;
    ShapeWords words;
    format::ValueRef ref;  // the snapshot the words describe
    ShapeNodes nodes;      // the walk's containers (valid with the words)

    // Where the root's attributes are in the words, when the root is a plain object (instance
    // dict or inline values, no slots) walked from the top: a store to an attribute of the
    // local's own object (`self.pos += 1`, `acc.n += v`) then rewrites that attribute's words
    // instead of walking the object again (ValueCapture::recapture). Set by every walk from the
    // root; cleared by anything else that moves words (patchShape's rebuild).
    struct RootAttr {
        uint32_t keyBegin, valueBegin, valueEnd;
        int32_t recordIndex;  // its place among the record's attributes (-1: a "__" name)
        uint8_t kind;         // ValueCapture::Impl::RootAttrKind
    };
    bool rootLayout = false;
    uint32_t rootHeadEnd = 0;  // words [0, rootHeadEnd): type, identity, storage marker
    std::vector<RootAttr, ShapeAllocator<RootAttr>> rootAttrs;
    // The attributes (ref and name) of record `rootRecord`, the root's snapshot in value
    // generation `rootGen` (0: none kept), which such a patch starts from: the object's last
    // record is often another one, made through a container that also holds it.
    struct RootItem {
        format::ValueRef ref;
        uint32_t name;
    };
    format::ValueRef rootRecord;
    uint32_t rootGen = 0;
    uint64_t rootTotal = 0;
    std::vector<RootItem, ShapeAllocator<RootItem>> rootItems;

    // Whether the walk read one of `changed`'s objects: the root node's subtree filter holds
    // every container the walk read (a value that is no container has no nodes, and reads none).
    bool mayHaveRead(const ContainerBloom& changed) const {
        return hasRoot && rootBloom.intersects(changed);
    }
    void syncRoot() {
        hasRoot = !nodes.empty();
        if (hasRoot) rootBloom = nodes[0].bloom;
    }
    // Forgets the shape and gives its memory back (the next check walks and captures afresh).
    void release() {
        ShapeWords().swap(words);
        ShapeNodes().swap(nodes);
        decltype(rootAttrs)().swap(rootAttrs);
        decltype(rootItems)().swap(rootItems);
        rootLayout = false;
        rootGen = 0;
        valid = false;
        hasRoot = false;
    }
    // Shapes up to kSmallWords words are always kept (every frame holding a big object used to
    // keep nothing bigger); bigger ones only while all shapes together stay under kBudgetBytes.
    static constexpr size_t kSmallWords = 4096;
    static constexpr size_t kBudgetBytes = size_t{32} << 20;
    void bound() {
        if (gShapeBytes > kBudgetBytes && words.size() > kSmallWords) release();
    }
};

class ValueCapture {
public:
    explicit ValueCapture(CaptureLimits limits);
    ~ValueCapture();
    ValueCapture(const ValueCapture&) = delete;
    ValueCapture& operator=(const ValueCapture&) = delete;

    // Snapshot of `obj` (borrowed, not NULL). Never sets a Python exception and never calls into
    // Python code; objects it cannot read safely become OPAQUE records.
    // Inline for the values that are their own snapshot (ownSnapshot): most of the locals
    // rebound at an event and of the values returned, for which a capture's set-up cost several
    // times the answer (`loop`: six per iteration).
    format::ValueRef capture(PyObject* obj) {
        format::ValueRef r;
        if (showsValues_ && ownSnapshot(obj, r)) return r;
        return captureObject(obj);
    }

    // The snapshot of a value that is its own snapshot, with no record: None, the booleans,
    // Ellipsis, NotImplemented and exact ints of one digit. False for anything else.
    static bool ownSnapshot(PyObject* obj, format::ValueRef& out) {
        using format::Constant;
        Constant c;
        if (obj == Py_None) {
            c = Constant::None;
        } else if (obj == Py_True) {
            c = Constant::True;
        } else if (obj == Py_False) {
            c = Constant::False;
        } else if (obj == Py_Ellipsis) {
            c = Constant::Ellipsis;
        } else if (obj == Py_NotImplemented) {
            c = Constant::NotImplemented;
        } else {
            int64_t v;
            if (!PyLong_CheckExact(obj) || !compat::oneDigitLong(obj, v)) return false;
            out = format::ValueRef::smallInt(v);
            return true;
        }
        out = format::ValueRef::constant(c);
        return true;
    }

    // Reel's own stand-ins for the program's objects (reel/_output.py's forwarders that replace
    // sys.stdout/sys.stderr and their .buffer) are captured as the object they stand for, so a
    // snapshot shows what a plain run has (`<_io.TextIOWrapper ...>`, with its identity) rather
    // than Reel's wrapper. `member` is the member descriptor (a __slots__ entry) of the stand-in
    // class that holds the real object. Process-wide; returns false with a Python exception set
    // for anything else, or when the table is full.
    static bool registerStandIn(PyObject* member);

    // False for objects whose rendering cannot change while the reference stays the same (exact
    // int, float, complex, str, bytes, None, bool, C functions and descriptors, builtin
    // classes, code, and tuples or frozensets holding only such objects, checked
    // shallowly). The recorder re-captures only locals for which this is true. Only the first
    // `maxItems` items of a tuple or frozenset count: a snapshot shows no more (and a check that
    // read them all cost O(n) per event: a namedtuple of 10,000 fields in a closure cell).
    static bool mayMutate(PyObject* obj, Py_ssize_t maxItems) {
        // The common scalars first, inline: this runs at every binding of a local.
        PyTypeObject* t = Py_TYPE(obj);
        if (t == &PyLong_Type || t == &PyFloat_Type || t == &PyUnicode_Type ||
            t == &PyBool_Type || obj == Py_None)
            return false;
        return mayMutateOther(obj, maxItems);
    }

    // The instance __dict__ of `obj` if one exists (never materializes one), else NULL.
    static PyObject* instanceDictOf(PyObject* obj);

    // Snapshot of `obj` when it may have changed since its snapshot `prev`: if `shape` (from the
    // previous recapture of the same local) still matches the object graph, returns `prev`
    // without encoding or hashing anything; otherwise captures and refreshes `shape`. The shape
    // walk reads the same nodes as a capture (within the limits), compares scalar contents and
    // identities rather than pointers, runs no Python code and allocates nothing once the
    // vectors have grown. About 5-10x cheaper than a capture of the same graph.
    //
    // `changes` (optional): every mutation since `shape` was taken, all known precisely. The walk
    // then copies the words of every subtree that none of them can have reached instead of
    // walking it again, and the capture (on a change) checks its subtree memos against the new
    // walk's words instead of walking each subtree once more.
    //
    // `out` (optional): `shape` is shared and stays as it is, but for its nodes when the answer
    // is `prev` (they then describe the same object and snapshot as before, walked again); any
    // other shape is written to `*out`, and `*wroteOut` says whether it was.
    format::ValueRef recapture(PyObject* obj, format::ValueRef prev, ValueShape& shape,
                               const ChangeSet* changes = nullptr, ValueShape* out = nullptr,
                               bool* wroteOut = nullptr);
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
    uint64_t rootPatches() const;  // changes answered by patching the root's attributes
    uint64_t pathPatches() const;  // changes answered by patching records along the path
    uint64_t twinWalks() const;    // named nodes whose walk repeated an earlier one's words
    // `*counter` (the recorder's) changes between any two recaptures that Python code or a
    // change of an object may separate: while it stays the same, a record patched for one
    // local's change is reused for another local whose previous snapshot was the same record.
    // Without a counter nothing is reused.
    void setRoundCounter(const uint64_t* counter);
    // Records of objects that changed in place, written without asking the dedup table
    // (byIdentity), found among their object's recent records instead (earlierHits), and put
    // into the table when another object took their head (evictions).
    struct DedupCounts {
        uint64_t byIdentity = 0, earlierHits = 0, evictions = 0;
    };
    const DedupCounts& dedupCounts() const;

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
    format::ValueRef captureObject(PyObject* obj);
    static bool mayMutateOther(PyObject* obj, Py_ssize_t maxItems);

    class Impl;
    std::unique_ptr<Impl> impl_;
    bool showsValues_ = true;  // false under --no-values: every snapshot is type-only
};

}  // namespace reel::recorder
