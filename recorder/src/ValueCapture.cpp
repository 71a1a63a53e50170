// Value snapshots without running Python code. See docs/recorder.md, "Value capture", for the
// rules and the reasons behind them (identity, managed dicts, budgets).
#include "ValueCapture.h"
#include "AddressMap.h"
#include "Compat.h"
#include "QuietWeakref.h"
#include "StrDict.h"

#include <structmember.h>

// Inlined: records are short (tens of bytes), where the call into the shared library costs as
// much as the hash itself.
#define XXH_INLINE_ALL
#include <sys/mman.h>
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <regex>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "reel/format/ValueCodec.h"


namespace reel::recorder {

using format::Constant;
using format::ValueKind;
using format::ValueRef;
namespace encode = format::encode;

namespace {

// The state-export contract's limits (issue 4): every node the contract can render is captured
// even when the node budget is spent, so a budget cut never changes an exported rendering.
constexpr uint32_t kContractDepth = 3;
constexpr uint32_t kContractItems = 16;
// Nodes (values visited) per top-level capture beyond the contract-protected ones. Bounds the
// work a pathological object graph can cost: 64 items at 4 levels would otherwise be 16M nodes.
constexpr int64_t kNodeBudget = 20000;
// Big ints above this many bits keep their bit count only (decimal conversion is quadratic).
constexpr uint64_t kMaxDecimalBits = 10000;
// T_OBJECT_EX / Py_T_OBJECT_EX: the member type CPython uses for __slots__ entries.
constexpr int kMemberObjectEx = 16;

// ValueCapture::registerStandIn: stand-in type -> offset of the slot holding the real object.
// Written only with the GIL held at import of reel._output; read by every capture.
struct StandIn {
    PyTypeObject* type = nullptr;
    Py_ssize_t offset = 0;
};
std::array<StandIn, 4> gStandIns{};

// The object a stand-in forwards to (itself for anything else). A stand-in's type is a heap
// type (registerStandIn takes an object member of one), so the builtins every walk is made of
// (lists, tuples, dicts, numbers, strings) are answered by one flag test; a heap type costs one
// pointer compare per registered type.
inline PyObject* throughStandIn(PyObject* o) {
    PyTypeObject* tp = Py_TYPE(o);
    if (!(tp->tp_flags & Py_TPFLAGS_HEAPTYPE)) [[likely]]
        return o;
    for (const StandIn& s : gStandIns) {
        if (s.type == nullptr) break;
        if (tp == s.type) {
            PyObject* real = *reinterpret_cast<PyObject**>(reinterpret_cast<char*>(o) + s.offset);
            return real != nullptr ? real : o;
        }
    }
    return o;
}

bool supportsWeakrefs(PyTypeObject* tp) {
#if PY_VERSION_HEX >= 0x030C0000
    return tp->tp_weaklistoffset != 0;  // negative: managed weakref list (3.12+)
#else
    return tp->tp_weaklistoffset > 0;
#endif
}

// The referent of a weakref we created, or NULL when it died. Reads the field directly because
// PyWeakref_GET_OBJECT is deprecated on 3.13 and PyWeakref_GetRef returns a new reference.
PyObject* weakTarget(PyObject* ref) {
    PyObject* o = reinterpret_cast<PyWeakReference*>(ref)->wr_object;
    return o == Py_None ? nullptr : o;
}

// Appends code point `c` as UTF-8; surrogates get their 3-byte form ("surrogatepass").
void putUtf8(std::string& out, Py_UCS4 c) {
    if (c < 0x80) {
        out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (c >> 6)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (c >> 12)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (c >> 18)));
        out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
}

// The first `limit` code points of a str (exact or subclass) as UTF-8 into `out`; false when the
// string's storage is not readable (a legacy, not-ready string on 3.11).
bool strPrefix(PyObject* s, Py_ssize_t limit, std::string& out) {
    out.clear();
#if PY_VERSION_HEX < 0x030C0000
    if (!PyUnicode_IS_READY(s)) return false;
#endif
    Py_ssize_t n = std::min(PyUnicode_GET_LENGTH(s), limit);
    int kind = PyUnicode_KIND(s);
    const void* data = PyUnicode_DATA(s);
    if (kind == PyUnicode_1BYTE_KIND && PyUnicode_IS_ASCII(s)) {
        out.assign(static_cast<const char*>(data), static_cast<size_t>(n));
        return true;
    }
    out.reserve(static_cast<size_t>(n) * 2);
    for (Py_ssize_t i = 0; i < n; ++i) putUtf8(out, PyUnicode_READ(kind, data, i));
    return true;
}

bool strStartsWithDunder(PyObject* s) {
#if PY_VERSION_HEX < 0x030C0000
    if (!PyUnicode_IS_READY(s)) return false;
#endif
    if (PyUnicode_GET_LENGTH(s) < 2) return false;
    int kind = PyUnicode_KIND(s);
    const void* data = PyUnicode_DATA(s);
    return PyUnicode_READ(kind, data, 0) == '_' && PyUnicode_READ(kind, data, 1) == '_';
}

// Decimal digits of the magnitude, by base-10^9 long division of the 30-bit (or 15-bit) digits:
// the same algorithm as CPython's long_to_decimal_string, without creating a str.
void decimalDigits(const compat::LongView& v, std::vector<uint32_t>& scratch, std::string& out) {
    constexpr uint32_t kBase = 1000000000u;
    scratch.clear();
    for (Py_ssize_t i = v.ndigits; i-- > 0;) {
        uint64_t hi = v.digits[i];
        for (auto& w : scratch) {
            uint64_t z = (static_cast<uint64_t>(w) << PyLong_SHIFT) | hi;
            hi = z / kBase;
            w = static_cast<uint32_t>(z - hi * kBase);
        }
        while (hi) {
            scratch.push_back(static_cast<uint32_t>(hi % kBase));
            hi /= kBase;
        }
    }
    out.clear();
    if (scratch.empty()) {
        out.push_back('0');
        return;
    }
    out += std::to_string(scratch.back());
    char buf[10];
    for (size_t i = scratch.size() - 1; i-- > 0;) {
        uint32_t w = scratch[i];
        for (int j = 8; j >= 0; --j) {
            buf[j] = static_cast<char>('0' + w % 10);
            w /= 10;
        }
        out.append(buf, 9);
    }
}

// ---- instance attributes stored outside a dict (inline values, 3.11+) ----
// Mirrors of CPython's private dict layouts (Include/internal/pycore_dict.h), identical on 3.11,
// 3.12 and 3.13 for GIL builds. Declared here rather than included: the internal dict header pulls
// in pycore_atomic.h and friends, which do not compile as C++ on 3.12. The managed-dict tests in
// tests/python/test_values.py exercise every field read here on each version.
struct DictKeysLayout {
    Py_ssize_t dk_refcnt;
    uint8_t dk_log2_size;
    uint8_t dk_log2_index_bytes;
    uint8_t dk_kind;  // 0 general, 1 unicode, 2 split (shared keys of a class)
    uint32_t dk_version;
    Py_ssize_t dk_usable;
    Py_ssize_t dk_nentries;
    char dk_indices[1];  // 1 << dk_log2_index_bytes bytes, then the entries
};
constexpr uint8_t kDictKeysGeneral = 0;
struct DictUnicodeEntry {
    PyObject* me_key;
    PyObject* me_value;
};
#if PY_VERSION_HEX >= 0x030D0000
// 3.13: a small header, then the values, then the insertion order (one byte per index).
struct DictValuesLayout {
    uint8_t capacity;
    uint8_t size;
    uint8_t embedded;
    uint8_t valid;
    PyObject* values[1];
};
#else
// 3.11/3.12: the values, preceded by [-1] prefix size, [-2] used size, [-3 - i] i-th index.
struct DictValuesLayout {
    PyObject* values[1];
};
#endif

DictUnicodeEntry* unicodeEntries(DictKeysLayout* keys) {
    return reinterpret_cast<DictUnicodeEntry*>(keys->dk_indices +
                                               (size_t{1} << keys->dk_log2_index_bytes));
}

// An A/B switch (REEL_X=0) is set: the variable's first character is `c`.
bool envIs(const char* name, char c) {
    const char* v = std::getenv(name);
    return v != nullptr && v[0] == c;
}

// Zeroed memory for the dedup tables, optionally 2 MiB-aligned and marked for transparent huge
// pages: the accesses of a full-size table are random, and with 4 KiB pages nearly every one is
// also a TLB miss (a costly one in a virtual machine, where a page walk is two-dimensional).
// Only full-size tables ask for them: a huge page costs more to fault in, which a short run or a
// table about to grow does not win back.
template <class T>
class HugeArray {
    static_assert(std::is_trivially_copyable_v<T>, "zeroed and moved as bytes");

  public:
    HugeArray() = default;
    HugeArray(size_t n, bool huge) { assign(n, huge); }
    HugeArray(HugeArray&& o) noexcept { swap(o); }
    HugeArray& operator=(HugeArray&& o) noexcept {
        swap(o);
        return *this;
    }
    HugeArray(const HugeArray&) = delete;
    HugeArray& operator=(const HugeArray&) = delete;
    ~HugeArray() { release(); }

    // n zeroed elements (the mapping is reused when it is big enough).
    void assign(size_t n, bool huge) {
        const size_t bytes = n * sizeof(T);
        if (bytes > mapped_) {
            release();
            map(bytes, huge);
        } else if (n > 0) {
            std::memset(static_cast<void*>(data_), 0, bytes);
        }
        n_ = n;
    }
    T& operator[](size_t i) { return data_[i]; }
    const T& operator[](size_t i) const { return data_[i]; }
    size_t size() const { return n_; }
    bool empty() const { return n_ == 0; }
    size_t mappedBytes() const { return mapped_; }
    T* begin() { return data_; }
    T* end() { return data_ + n_; }
    void swap(HugeArray& o) noexcept {
        std::swap(data_, o.data_);
        std::swap(n_, o.n_);
        std::swap(mapped_, o.mapped_);
        std::swap(base_, o.base_);
        std::swap(baseBytes_, o.baseBytes_);
    }

  private:
    static constexpr size_t kHuge = size_t{2} << 20;
    void map(size_t bytes, bool huge) {
        const size_t want = huge ? (bytes + kHuge - 1) / kHuge * kHuge : bytes;
        const size_t span = huge ? want + kHuge : want;
        void* p = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) throw std::bad_alloc();
        base_ = p;
        baseBytes_ = span;
        auto addr = reinterpret_cast<uintptr_t>(p);
        if (huge) {
            addr = (addr + kHuge - 1) & ~(kHuge - 1);
            madvise(reinterpret_cast<void*>(addr), want, MADV_HUGEPAGE);  // a hint: may fail
        }
        data_ = reinterpret_cast<T*>(addr);
        mapped_ = want;
    }
    void release() {
        if (base_ != nullptr) munmap(base_, baseBytes_);
        base_ = nullptr;
        data_ = nullptr;
        n_ = mapped_ = baseBytes_ = 0;
    }
    T* data_ = nullptr;
    size_t n_ = 0;
    size_t mapped_ = 0;
    void* base_ = nullptr;
    size_t baseBytes_ = 0;
};

// Content address -> value id, bounded. Two generations of open-addressed tables (linear
// probing, power-of-two size, 24 bytes per slot, at most half full): lookups try the current
// generation, then the previous one (a hit there is copied forward, so a snapshot in use keeps
// its id); when the current generation is full the previous one is dropped and the current one
// becomes previous. Memory is therefore at most two tables of kMaxSlots, however long the run
// (issue 3: recorder memory bounded). A snapshot whose entry was dropped and that reappears gets
// a new id and its record is written again: ids of the dropped records stay valid in the trace
// (records are never removed), only the sharing is lost. So "same ref" still implies "same
// content", which is all the recorder relies on; "different ref" may now mean equal content.
class DedupTable {
  public:
    explicit DedupTable(size_t maxSlots = kDefaultMaxSlots)
        : maxSlots_(std::max<size_t>(maxSlots, 16)),
          hugePages_(!envIs("REEL_HUGE_PAGES", '0')),
          bloom_(std::bit_ceil(std::max<size_t>(maxSlots_ / 16, 64)), hugePages_) {
        cur_.reset(std::min<size_t>(1024, maxSlots_), false);
    }

    // The id stored for (lo, hi), or `fresh` after storing it.
    uint64_t findOrInsert(uint64_t lo, uint64_t hi, uint64_t fresh, bool& inserted) {
        for (Pending& p : pending_) {
            if (p.idPlus1 == 0 || p.lo != lo || p.hi != hi) continue;
            if (live(p.idPlus1 - 1)) {
                inserted = false;
                return p.idPlus1 - 1;
            }
            p.idPlus1 = fresh + 1;  // an earlier flight generation's record: written again
            inserted = true;
            return fresh;
        }
        const Filter& f = bloom_[hi & (bloom_.size() - 1)];
        const uint64_t bits = filterBits(hi);
        if ((f.cur & bits) == bits) {
            const size_t si = cur_.find(lo, hi);
            if (cur_.tags[si] != 0) {
                Table::Slot& s = cur_.slots[si];
                if (live(s.idPlus1 - 1)) {
                    inserted = false;
                    return s.idPlus1 - 1;
                }
                // A record of an earlier flight-recorder generation: written again under a new id.
                s.idPlus1 = fresh + 1;
                inserted = true;
                return fresh;
            }
        }
        uint64_t id = fresh;
        inserted = true;
        if (!old_.slots.empty() && (f.old & bits) == bits) {
            const size_t oi = old_.find(lo, hi);
            if (old_.tags[oi] != 0 && live(old_.slots[oi].idPlus1 - 1)) {
                id = old_.slots[oi].idPlus1 - 1;  // copied forward, so a value in use keeps its id
                inserted = false;
            }
        }
        defer({lo, hi, id + 1});
        return id;
    }

    // Flight recorder (`--last N`): records with ids below `floor` belong to an earlier
    // generation file, which may be deleted; a hit on one counts as a miss, except for the
    // `pinned` ids (sorted), which the next generation file carries. Entries are not scanned:
    // stale ones are replaced when hit, or dropped with their table generation.
    void startGeneration(uint64_t floor, std::vector<uint64_t> pinned) {
        floor_ = floor;
        pinned_ = std::move(pinned);
    }
    bool live(uint64_t id) const {
        return id >= floor_ || std::binary_search(pinned_.begin(), pinned_.end(), id);
    }

    uint64_t generations() const { return generations_; }
    size_t memoryBytes() const {
        return cur_.slots.mappedBytes() + old_.slots.mappedBytes() + cur_.tags.mappedBytes() +
               old_.tags.mappedBytes() + bloom_.mappedBytes();
    }

    // 2 x 2^19 slots x 26 bytes = 26 MiB at most (plus 512 KiB of filters); each generation
    // holds up to 256K records.
    static constexpr size_t kDefaultMaxSlots = size_t{1} << 19;

  private:
    // Open addressing with linear probing. A 16-bit tag per slot, in an array of its own, is
    // what a probe reads first; the slots themselves are touched only when a tag matches.
    // In front of the tables, a blocked Bloom filter per table (one 64-bit word per key, 3 bits
    // set, about 8 bits per entry when the table is full), the two words of a key side by side:
    // most records are novel (a float just computed, the new snapshot of a list that changed),
    // and one cache line then answers "absent" for both tables, where probing them costs a
    // cache miss each (their tag arrays, 1 MiB each, do not stay in cache). New entries wait in
    // `pending_` for a few records, with their slot's memory prefetched, before they are written
    // into the table.
    struct Table {
        struct Slot {
            uint64_t lo = 0, hi = 0;
            uint64_t idPlus1 = 0;
        };
        HugeArray<Slot> slots;
        HugeArray<uint16_t> tags;  // 0: empty
        size_t mask = 0;
        size_t used = 0;

        static uint16_t tagOf(uint64_t hi) { return static_cast<uint16_t>(hi >> 48) | 1; }
        void reset(size_t n, bool huge) {
            slots.assign(n, huge);
            tags.assign(n, huge);
            mask = n - 1;
            used = 0;
        }
        // The index of the slot holding (lo, hi), or of the empty slot where it would go.
        size_t find(uint64_t lo, uint64_t hi) const {
            const uint16_t t = tagOf(hi);
            size_t i = static_cast<size_t>(lo) & mask;
            while (true) {
                const uint16_t g = tags[i];
                if (g == 0 || (g == t && slots[i].lo == lo && slots[i].hi == hi)) return i;
                i = (i + 1) & mask;
            }
        }
        void grow(bool huge) {
            HugeArray<Slot> oldSlots(slots.size() * 2, huge);
            HugeArray<uint16_t> oldTags(tags.size() * 2, huge);
            oldSlots.swap(slots);
            oldTags.swap(tags);
            mask = slots.size() - 1;
            for (size_t j = 0; j < oldSlots.size(); ++j) {
                if (oldTags[j] == 0) continue;
                size_t i = static_cast<size_t>(oldSlots[j].lo) & mask;
                while (tags[i] != 0) i = (i + 1) & mask;
                slots[i] = oldSlots[j];
                tags[i] = oldTags[j];
            }
        }
    };
    struct Filter {
        uint64_t cur = 0, old = 0;
    };
    // The filter's word and bits come from `hi`, the slot index from `lo`: independent.
    static uint64_t filterBits(uint64_t hi) {
        return (uint64_t{1} << ((hi >> 26) & 63)) | (uint64_t{1} << ((hi >> 32) & 63)) |
               (uint64_t{1} << ((hi >> 38) & 63));
    }
    void addToFilter(uint64_t hi) { bloom_[hi & (bloom_.size() - 1)].cur |= filterBits(hi); }

    struct Pending {
        uint64_t lo = 0, hi = 0;
        uint64_t idPlus1 = 0;  // 0: empty
    };
    static constexpr size_t kPending = 8;

    // Marks the entry present now (the filter) and writes it into the table kPending entries
    // later, when its tag and slot are in cache.
    void defer(const Pending& e) {
        addToFilter(e.hi);
        const size_t i = static_cast<size_t>(e.lo) & cur_.mask;
        __builtin_prefetch(&cur_.tags[i], 1);
        __builtin_prefetch(&cur_.slots[i], 1);
        Pending& p = pending_[pendingNext_];
        pendingNext_ = (pendingNext_ + 1) % kPending;
        if (p.idPlus1 != 0) store(p);
        p = e;
    }

    void store(const Pending& e) {
        if ((cur_.used + 1) * 2 > cur_.slots.size()) {
            if (cur_.slots.size() < maxSlots_) {
                cur_.grow(hugePages_ && cur_.slots.size() * 2 >= maxSlots_);
            } else {
                // Generation change: keep the current entries as the previous generation and
                // start an empty one of the same size (reusing the dropped table's memory).
                // Entries still pending go to the new generation (they are the newest), so its
                // filter must have them: they are added as they are stored.
                std::swap(old_, cur_);
                cur_.reset(old_.slots.size(), hugePages_);
                for (Filter& f : bloom_) f = {0, f.cur};
                ++generations_;
            }
        }
        addToFilter(e.hi);
        const size_t si = cur_.find(e.lo, e.hi);
        if (cur_.tags[si] != 0) return;  // cannot happen: pending entries are looked up first
        cur_.slots[si] = {e.lo, e.hi, e.idPlus1};
        cur_.tags[si] = Table::tagOf(e.hi);
        ++cur_.used;
    }

    size_t maxSlots_;
    bool hugePages_;  // REEL_HUGE_PAGES=0: plain pages, for A/B measurements
    HugeArray<Filter> bloom_;
    Table cur_, old_;
    Pending pending_[kPending];
    size_t pendingNext_ = 0;
    uint64_t generations_ = 0;
    uint64_t floor_ = 0;
    std::vector<uint64_t> pinned_;
};

struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace

class ValueCapture::Impl {
  public:
    explicit Impl(CaptureLimits limits)
        : limits_(limits),
          subtypeDealloc_(findSubtypeDealloc()),
          dedup_(limits.dedupSlots ? limits.dedupSlots : DedupTable::kDefaultMaxSlots) {
        if (limits_.maxDepth < 1) limits_.maxDepth = 1;
        // Levels 1..maxDepth hold children; +2 so depth maxDepth+1 (TRUNCATED leaves) is in range.
        levelRefs_.resize(limits_.maxDepth + 2);
        levelNames_.resize(limits_.maxDepth + 2);
        levelSubs_.resize(limits_.maxDepth + 2);
        levelAttrs_.resize(limits_.maxDepth + 2);
        for (auto& v : levelRefs_) v.reserve(std::min<uint32_t>(limits_.maxItems, 1024) * 2);
        path_.reserve(limits_.maxDepth + 2);
        pathIds_.reserve(limits_.maxDepth + 2);
    }

    ~Impl() {
        // Weakrefs are Python objects: release them only while the interpreter is alive (the
        // recorder destroys us with the GIL held; at finalization Py_IsInitialized is false).
        if (!Py_IsInitialized()) return;
        identities_.forEach([](const void*, Identity& e) { releaseQuietWeakref(e.weakref); });
        for (auto& [p, t] : types_) {
            releaseQuietWeakref(t.weakref);
            Py_XDECREF(t.qualnameObj);
        }
    }

    ValueRef capture(PyObject* obj) {
        // Nothing below leaves a Python exception set: the few calls that can fail (weakref
        // creation) save and restore the error indicator themselves, so a pending exception (a
        // capture inside an exception event) survives and the common path pays no check.
        ValueRef result;
        try {
            maybeSweep();
            path_.clear();
            pathIds_.clear();
            pathBlooms_.clear();
            pathHashes_.clear();
            nodesLeft_ = kNodeBudget;
            rootObjectCaptured_ = false;
            result = noValues_ ? typeOnly(obj) : visit(obj, 1, true);
        } catch (...) {
            ++failures_;
            result = ValueRef::constant(Constant::NotCaptured);
        }
        return result;
    }

    // See ValueCapture::recapture. The shape is computed right before the capture, with no
    // Python code running in between, so the stored shape always describes the stored snapshot.
    ValueRef recapture(PyObject* obj, ValueRef prev, ValueShape& shape,
                       const ChangeSet* changes, ValueShape* out, bool& wrote) {
        // What a new shape is written to: `shape` itself unless it is shared (`out`).
        ValueShape& target = out != nullptr ? *out : shape;
        wrote = true;
        // The same object as the previous snapshot (the slot held it since): emitComposite may
        // dedup its records by identity. Not for a first capture (captureShaped).
        struct Recapturing {
            bool& flag;
            const bool was;
            Recapturing(bool& f, bool on) : flag(f), was(f) { flag = on; }
            ~Recapturing() { flag = was; }
        } recapturing(recapturing_, shape.valid && prev.kind() == ValueRef::Kind::Record);
        if (noValues_) {
            target.valid = false;
            return capture(obj);
        }
        bool shaped = false;
        // Reuse needs the previous walk of the same object, as it was at the last check.
        const bool reuse = changes != nullptr && reuseWalks_ && shape.valid && shape.ref == prev &&
                           !shape.nodes.empty() && shape.nodes[0].ptr == obj &&
                           shape.nodes[0].depth == 1;
        try {
            ValueRef grown;
            if (reuse && grownPastWindow(obj, prev, shape, target, *changes, grown, wrote)) {
                ++shapeMisses_;
                return grown;
            }
        } catch (...) {
            // Nothing was changed before the failure: the full check below decides.
        }
        if (reuse && rootPatchOn_ && shape.rootLayout) {
            try {
                ValueRef patched;
                if (patchRootAttributes(obj, prev, shape, target, *changes, patched, wrote))
                    return patched;
            } catch (...) {
                // `shape` is only changed once nothing can fail; a copy into `target` may be
                // half made: the full check below rewrites it.
                if (&target != &shape) target.valid = false;
            }
        }
        if (reuse && patchWalks_) {
            bool patched = false, same = false;
            try {
                patched = patchShape(shape, target, *changes, same);
            } catch (...) {
                // Out of memory part way through a splice: the shape may be half patched, so it
                // is dropped (a later check walks afresh) and the value captured in full.
                shape.valid = false;
                target.valid = false;
                ValueRef r = capture(obj);
                target.ref = r;
                return r;
            }
            if (patched && same) {
                ++shapeHits_;
                wrote = out == nullptr;
                return prev;
            }
            if (patched) {
                ValueRef r;
                if (pathRecords_ && patchRecords(obj, prev, target, r)) return r;
                return captureChanged(obj, target);
            }
        }
        try {
            shapeWords_.clear();
            nodes_.clear();
            nodeStack_.clear();
            recordNodes_ = true;
            reuseOld_ = reuse ? &shape : nullptr;
            changes_ = changes;
            reuseNext_ = reuse ? 0 : -1;
            childOrdinal_ = 0;
            rootLayoutOk_ = false;
            shaped = shapeOf(obj, 1);
        } catch (...) {
            shaped = false;
        }
        recordNodes_ = false;
        reuseOld_ = nullptr;
        changes_ = nullptr;
        reuseNext_ = -1;
        if (shaped && shape.valid && shape.ref == prev && shapeWords_.equals(shape.words)) {
            ++shapeHits_;
            // Equal words name the same containers, but an instance dict may have appeared since.
            shape.nodes.swap(nodes_);
            keepRootLayout(shape);
            wrote = out == nullptr;
            return prev;
        }
        if (!shaped) {
            ++shapeMisses_;
            target.words.clear();
            target.nodes.clear();
            ValueRef r = capture(obj);
            target.valid = false;
            target.rootLayout = false;
            target.ref = r;
            return r;
        }
        shapeWords_.copyTo(target.words);
        target.nodes.swap(nodes_);
        keepRootLayout(target);
        target.valid = true;
        // Another local of this frame, checked in this round, held the object below its top and
        // had the same snapshot of it: patchRecords made its new one (see there).
        if (ValueRef r; shape.valid && pathRecords_ && patchedThisRound(prev, target, r)) return r;
        return captureChanged(obj, target);
    }

    // The capture once a walk or patchShape found new words, which are in `target` already.
    ValueRef captureChanged(PyObject* obj, ValueShape& target) {
        ++shapeMisses_;
        // The same object was often just captured through another local (a method's `self`
        // after it mutated itself, then the caller's variable): the memo at depth 1 answers.
        // Unlike this slot's own shape, the memo entry may come from a dead object at the same
        // address, so the identity is compared too.
        MemoEntry& e = memo_[memoSlot(obj, 1)];
        const uint64_t ident = weakrefSafe(Py_TYPE(obj)) ? identityOf(obj) : 0;
        if (e.obj == obj && e.depth == 1 && e.identity == ident &&
            e.words.size() == target.words.size() &&
            std::memcmp(e.words.data(), target.words.data(), e.words.size() * 8) == 0) {
            ++memoHits_;
            target.ref = e.ref;
            return e.ref;
        }
        // The capture uses the walk for its subtree memos (index_): they find their words there
        // instead of walking again.
        index_ = &target;
        indexCursor_ = 0;
        ValueRef r = capture(obj);
        index_ = nullptr;
        target.ref = r;
        if (target.rootLayout && rootObjectCaptured_ && r.kind() == ValueRef::Kind::Record) {
            const auto& refs = levelRefs_[1];
            const auto& names = levelNames_[1];
            target.rootItems.resize(refs.size());
            for (size_t i = 0; i < refs.size(); ++i) target.rootItems[i] = {refs[i], names[i]};
            target.rootRecord = r;
            target.rootGen = valueGeneration_;
            target.rootTotal = rootTotal_;
        }
        if (r.kind() == ValueRef::Kind::Record && target.words.size() <= kMemoMaxWords) {
            e.obj = obj;
            e.depth = 1;
            e.nodes = 0;
            e.identity = ident;
            e.ref = r;
            e.words.assign(target.words.begin(), target.words.end());
        }
        return r;
    }

    // Whether the walk of `shape` read `target` as a container, an object or an instance dict,
    // exactly: the subtree filters only choose where to look. Valid while none of the walk's
    // containers changed except at items the walk did not read (the caller checks every change),
    // so every node still holds its object, alive.
    static bool walkRead(const ValueShape& shape, PyObject* target) {
        const ShapeNodes& nodes = shape.nodes;
        for (size_t i = 0; i < nodes.size();) {
            const ShapeNode& nd = nodes[i];
            if (!nd.bloom.mayContain(target)) {
                i = nd.nodeEnd;
                continue;
            }
            if (readsItself(nd, target)) return true;
            ++i;
        }
        return false;
    }

    // Whether `key` (a str) is one of the keys a snapshot of dict `d` shows.
    bool keyInWindow(PyObject* d, PyObject* key) const {
        Py_ssize_t pos = 0;
        PyObject *k, *v;
        for (uint32_t i = 0; i < limits_.maxItems && PyDict_Next(d, &pos, &k, &v); ++i)
            if (sameStr(k, key)) return true;
        return false;
    }

    // A list whose only changes since its last walk are at indices past the capture window
    // (appends to or pops from a long list, stores far into it), or a dict whose only changes
    // are stores under keys the window does not show (new keys of a large dict), still holds
    // the same captured items, each unchanged (no change reached anything its walk read): its
    // snapshot is the previous one with another full length. That is written from the previous
    // record's refs, kept by the patch table, as a PATCH that sets only the length; the shape
    // gets the new length word. Without this, every append to a long list re-walked its first
    // maxItems subtrees and captured it again.
    bool grownPastWindow(PyObject* obj, ValueRef prev, const ValueShape& shape,
                         ValueShape& target, const ChangeSet& changes, ValueRef& out,
                         bool& wrote) {
        PyTypeObject* tp = Py_TYPE(obj);
        const bool isList = tp == &PyList_Type;
        if ((!isList && tp != &PyDict_Type) || prev.kind() != ValueRef::Kind::Record) return false;
        // The words of a list or dict at depth 1: type, address, full length, then the items.
        if (shape.words.size() < 3 || shape.words[0] != ptrWord(tp) ||
            shape.words[1] != ptrWord(obj))
            return false;
        const uint64_t oldLength = shape.words[2];
        const auto length =
            static_cast<uint64_t>(isList ? PyList_GET_SIZE(obj) : PyDict_GET_SIZE(obj));
        if (oldLength < limits_.maxItems || length < limits_.maxItems) return false;
        const ShapeNode& root = shape.nodes[0];
        for (size_t i = 0; i < changes.count; ++i) {
            const MutationChange& c = changes.items[i];
            if (c.obj == obj) {
                if (!pastWindow(obj, isList, c)) return false;
            } else if (root.bloom.mayContain(c.obj) && walkRead(shape, c.obj)) {
                return false;
            }
        }
        if (length == oldLength) {
            out = prev;
            wrote = &target == &shape;
            return true;
        }
        if (!grownRecord(obj, prev, oldLength, length, out)) return false;
        if (&target != &shape) target = shape;
        target.words[2] = length;
        target.ref = out;
        ShapeNode& r = target.nodes[0];
        r.ref = r.ref == prev ? out : ValueRef{};
        return true;
    }

    // Whether change `c` of list or dict `obj` leaves the items its window shows as they were: an
    // index past the window, or a str key the window does not show (a dict's new keys go after
    // the existing ones).
    bool pastWindow(PyObject* obj, bool isList, const MutationChange& c) const {
        return isList ? c.key == nullptr && c.index >= static_cast<Py_ssize_t>(limits_.maxItems)
                      : c.key != nullptr && !keyInWindow(obj, c.key);
    }

    // The snapshot of list or dict `obj` whose record `prev` (of full length `oldLength`) shows
    // the same items, with full length `length`: from the refs the patch table keeps for the
    // object's last record, if `prev` is that record (else false).
    bool grownRecord(PyObject* obj, ValueRef prev, uint64_t oldLength, uint64_t length,
                     ValueRef& out) {
        const uint64_t identity = identityOf(obj);
        const size_t slot = patchSlot(identity);
        const PatchHead& pb = patchHeads_[slot];
        const ValueKind kind = PyList_Check(obj) ? ValueKind::List : ValueKind::Dict;
        if (pb.identity != identity || pb.recordId != prev.recordId() || pb.kind != kind ||
            pb.fullLength != oldLength)
            return false;
        const size_t n = pb.n;
        const ValueRef* base = &patchRefsStore_[slot * kPatchMaxRefs];
        grownRefs_.assign(base, base + n);
        lastWasLeafMarker_ = false;
        out = emitComposite(kind, identity, 0, length, grownRefs_.data(), n, nullptr);
        return true;
    }

    // ---- stores to the root's own attributes (recapture with a ChangeSet) ----
    //
    // `self.pos += 1`, `acc.n += v`: the change names the root object itself, which patchShape
    // leaves to the reusing walk, and that walk re-walks the root and copies every unchanged
    // subtree under it (a parser's token list, at every step), then the capture visits each
    // attribute again. When every change since the last check is a store to the root (or its
    // instance dict) at a key, and each changed attribute held and holds a plain scalar, the
    // new words are the old ones with those attributes' value words rewritten in place (the
    // walk noted where they are, ValueShape::rootAttrs), and the new snapshot is the old record
    // with those refs replaced (its refs kept with the shape, or by the patch table). The rest
    // is as the last walk read it: no change reached below the root (none is in its filter, or
    // the walk read none of them), a key no change names still holds the same object, a scalar
    // cannot change in place, and the root's own words (type, identity, storage, every key in
    // order) are compared afresh. Returns false, with nothing changed, when that does not hold.
    // kRootOther (a function, a class, ...) is never kept: the walk notes no layout then.
    enum RootAttrKind : uint8_t { kRootLeaf, kRootNode, kRootUncaptured, kRootOther };

    // Values whose words and ref depend on their content alone: no node, any depth.
    static bool plainScalar(PyObject* v) {
        if (v == Py_None || v == Py_True || v == Py_False || v == Py_Ellipsis ||
            v == Py_NotImplemented)
            return true;
        PyTypeObject* t = Py_TYPE(v);
        return t == &PyLong_Type || t == &PyFloat_Type || t == &PyUnicode_Type ||
               t == &PyBytes_Type || t == &PyComplex_Type;
    }

    bool patchRootAttributes(PyObject* obj, ValueRef prev, ValueShape& shape, ValueShape& target,
                             const ChangeSet& changes, ValueRef& out, bool& wrote) {
        if (prev.kind() != ValueRef::Kind::Record || redact_ != nullptr ||
            throughStandIn(obj) != obj || shape.words.size() >= static_cast<size_t>(kNodeBudget))
            return false;  // (fewer words than the budget: no capture of it ran out of nodes)
        const ShapeNode& root = shape.nodes[0];
        const InstanceAttrs a = instanceAttrs(obj);
        bool named = false;
        for (size_t i = 0; i < changes.count; ++i) {
            const MutationChange& c = changes.items[i];
            if (c.obj == obj || (a.dict != nullptr && c.obj == a.dict)) {
                if (c.key == nullptr || !PyUnicode_CheckExact(c.key)) return false;
                named = true;
            } else if (root.bloom.mayContain(c.obj) && walkRead(shape, c.obj)) {
                return false;
            }
        }
        if (!named) return false;  // nothing of the root's own changed: patchShape's case

        // The root's own words before its attributes, as shapeOf and shapeObject write them.
        PyTypeObject* tp = Py_TYPE(obj);
        shapeWords_.clear();
        sw(ptrWord(tp));
        shapeType(tp);
        shapeIdentity(obj, 1);
        sw(a.dict != nullptr ? 1 : a.values != nullptr ? 2 : 3);
        const uint32_t head = shape.rootHeadEnd;
        if (shapeWords_.size() != head || head > shape.words.size() ||
            std::memcmp(shape.words.data(), shapeWords_.data(), size_t{head} * 8) != 0)
            return false;

        // Every key where the walk had it; each changed attribute's new words after them.
        const auto& attrs = shape.rootAttrs;
        rootPatch_.clear();
        size_t w = 0;
        bool ok = true;
        auto onAttr = [&](PyObject* k, PyObject* v) {
            if (w == attrs.size() || !PyUnicode_CheckExact(k)) return ok = false;
            const ValueShape::RootAttr& ra = attrs[w];
            const size_t keyAt = shapeWords_.size();
            shapeStr(k);
            const size_t keyWords = shapeWords_.size() - keyAt;
            if (keyWords != ra.valueBegin - ra.keyBegin ||
                std::memcmp(shape.words.data() + ra.keyBegin, shapeWords_.data() + keyAt,
                            keyWords * 8) != 0)
                return ok = false;
            shapeWords_.truncate(keyAt);
            if (keyChanged(changes, obj, k) ||
                (a.dict != nullptr && keyChanged(changes, a.dict, k))) {
                // Not walked (only its key is in the words) and not in the record: a "__" name
                // or past the window.
                if (ra.kind == kRootUncaptured) {
                    ++w;
                    return true;
                }
                if (ra.kind != kRootLeaf || !plainScalar(v)) return ok = false;
                shapeOf(v, 2);
                const size_t n = shapeWords_.size() - keyAt;
                if (n != ra.valueEnd - ra.valueBegin) return ok = false;
                if (std::memcmp(shape.words.data() + ra.valueBegin, shapeWords_.data() + keyAt,
                                n * 8) == 0)
                    shapeWords_.truncate(keyAt);
                else
                    rootPatch_.push_back({static_cast<uint32_t>(w), keyAt, v});
            }
            ++w;
            return true;
        };
        forEachStored(a, onAttr);
        if (!ok || w != attrs.size()) return false;
        if (rootPatch_.empty()) {
            ++shapeHits_;
            out = prev;
            wrote = &target == &shape;
            return true;
        }

        // The snapshot: the record `prev` with the new refs. Its attributes are the shape's
        // (kept by the capture or patch that made it) or the patch table's, which keeps the
        // object's last record.
        const uint64_t identity = identityOf(obj);
        const uint32_t typeId = typeInfo(tp).id;
        uint64_t total = 0;
        rootRefs_.clear();
        rootNames_.clear();
        if (shape.rootGen == valueGeneration_ && shape.rootRecord == prev) {
            total = shape.rootTotal;
            for (const ValueShape::RootItem& it : shape.rootItems) {
                rootRefs_.push_back(it.ref);
                rootNames_.push_back(it.name);
            }
        } else {
            const size_t slot = patchSlot(identity);
            const PatchHead& pb = patchHeads_[slot];
            if (pb.identity != identity || pb.recordId != prev.recordId() ||
                pb.kind != ValueKind::Object)
                return false;
            total = pb.fullLength;
            rootRefs_.assign(&patchRefsStore_[slot * kPatchMaxRefs],
                             &patchRefsStore_[slot * kPatchMaxRefs] + pb.n);
            rootNames_.assign(&patchNamesStore_[slot * kPatchMaxRefs],
                              &patchNamesStore_[slot * kPatchMaxRefs] + pb.n);
        }
        const size_t n = rootRefs_.size();
        for (const RootPatch& p : rootPatch_) {
            const int32_t r = attrs[p.attr].recordIndex;
            if (r >= 0 && static_cast<size_t>(r) < n)
                rootRefs_[static_cast<size_t>(r)] = visit(p.value, 2, childProtected(true, 1, r));
        }
        lastWasLeafMarker_ = false;
        out = emitComposite(ValueKind::Object, identity, typeId, total, rootRefs_.data(), n,
                            rootNames_.data());

        // What can fail (allocation) comes first: `shape` is only changed once nothing can.
        ValueShape& into = sharedInPlace_ ? shape : target;
        if (&into != &shape) into = shape;
        writeRootPatch(into, attrs, n, total, out);
        wrote = &into == &target;
        ++shapeMisses_;
        ++rootPatches_;
        return true;
    }

    void writeRootPatch(ValueShape& target, const decltype(ValueShape::rootAttrs)& attrs,
                        size_t n, uint64_t total, ValueRef out) {
        target.rootItems.resize(n);
        for (size_t i = 0; i < n; ++i) target.rootItems[i] = {rootRefs_[i], rootNames_[i]};
        for (const RootPatch& p : rootPatch_) {
            const ValueShape::RootAttr& ra = attrs[p.attr];
            std::memcpy(target.words.data() + ra.valueBegin, shapeWords_.data() + p.wordsAt,
                        size_t{ra.valueEnd - ra.valueBegin} * 8);
        }
        ShapeNode& r = target.nodes[0];
        r.ref = {};
        r.captureNodes = 0;
        r.gen = 0;
        target.ref = out;
        target.valid = true;
        target.rootRecord = out;
        target.rootGen = valueGeneration_;
        target.rootTotal = total;
    }

    // ---- records patched along the path of a change (recapture, after patchShape) ----
    //
    // After patchShape the capture starts again from the root: it visits every ancestor of a
    // changed node item by item, takes each unchanged child's kept snapshot, and writes the
    // ancestor's record again; the changed node itself is captured afresh. For the commonest
    // change, a store of a scalar into a list, tuple or dict of scalars held by other lists,
    // tuples and dicts (`v[0] -= d` on a body of an n-body system, held by the list of bodies and
    // by a list of pairs of them; `grid[i][j] = x`), each new record is the old one with the refs
    // of its changed children replaced. The old record's refs are the patch table's, which keeps
    // each object's latest record (checked by id). The changed node is captured from its items.
    //
    // Why the result is the capture's: an ancestor's items are the objects they were (no change
    // names it), so its unchanged children's refs stand; the named node holds only scalars, whose
    // snapshots depend on nothing but their value, so its new walk has no node below it and no
    // cycle marker, and the ancestors' kept snapshots keep their paths (their node counts move by
    // the items it gained or lost); and the shape is under the node budget, so no capture of it
    // ran out of nodes. Anything else (an object or set on the path, a changed node holding a
    // container, a snapshot not kept) is left to captureChanged.
    //
    // Another local of the same frame, checked in the same round of deltas (no Python code runs
    // in between), often holds the same objects (the list of bodies and the list of pairs): the
    // patch table's head has then moved on to the new record. Records made in this round are
    // found by their old id instead (pathCache_): equal old records show the same content, which
    // the same scalar stores changed in the same way.
    bool patchRecords(PyObject* obj, ValueRef prev, ValueShape& target, ValueRef& out) {
        if (redact_ != nullptr || prev.kind() != ValueRef::Kind::Record ||
            target.words.size() >= static_cast<size_t>(kNodeBudget) || clearedRefs_.empty() ||
            target.nodes.empty() || target.nodes[0].ptr != obj)
            return false;
        if (patchedThisRound(prev, target, out)) return true;
        // Most refusals come from the root already (an object, or a head another object took):
        // decided before the path is built.
        ValueKind rootKind;
        if (!pathKind(obj, rootKind)) return false;
        const uint64_t rootIdentity = identityOf(obj);
        if (!headIs(rootIdentity, prev)) return false;
        ShapeNodes& nodes = target.nodes;
        // The path: every changed ancestor (refreshAncestors listed them deepest first) and every
        // named node walked to new words, in walk order, each with its parent on the path.
        // (Both lists are in walk order, the ancestors backward: a merge.)
        recordPath_.clear();
        size_t k = clearedRefs_.size();
        for (const PatchRoot& pr : patchRoots_) {
            if (pr.sameWords) continue;
            // One node before and after: node indices did not move (words may have).
            if (pr.nodesEnd - pr.nodesAt != 1 || pr.nodeDelta != 0) return false;
            for (; k > 0 && clearedRefs_[k - 1].node < pr.node; --k)
                recordPath_.push_back({clearedRefs_[k - 1].node, &clearedRefs_[k - 1]});
            recordPath_.push_back({pr.node, &pr.old, true});
        }
        for (; k > 0; --k) recordPath_.push_back({clearedRefs_[k - 1].node, &clearedRefs_[k - 1]});
        if (recordPath_[0].node != 0) return false;
        // Down: each node's previous record, read from its parent's (the root's is `prev`); a node
        // already patched in this round (pathCache_) answers for its whole subtree.
        pathRefs_.clear();
        openPath_.clear();
        for (uint32_t k = 0; k < recordPath_.size(); ++k) {
            PathNode& p = recordPath_[k];
            const ShapeNode& nd = nodes[p.node];
            while (!openPath_.empty() &&
                   nodes[recordPath_[openPath_.back()].node].nodeEnd <= p.node)
                openPath_.pop_back();
            if (p.node != 0) {
                if (openPath_.empty()) return false;
                p.parent = openPath_.back();
                const PathNode& parent = recordPath_[p.parent];
                if (parent.done || parent.skipped) {
                    p.skipped = true;
                    openPath_.push_back(k);
                    continue;
                }
                if (nd.ordinal >= parent.nRefs) return false;
                p.oldRef = pathRefs_[parent.refsAt + nd.ordinal];
            } else {
                p.oldRef = prev;
            }
            openPath_.push_back(k);
            if (p.oldRef.kind() != ValueRef::Kind::Record) return false;
            if (cachedPath(p.oldRef, p.newRef, p.visitDelta)) {
                p.done = true;
                continue;
            }
            if (p.named && (nd.depth > limits_.maxDepth || nd.depth < 2)) return false;
            if (!pathKind(nd.ptr, p.kind)) return false;
            p.identity = p.node == 0 ? rootIdentity : identityOf(nd.ptr);
            const size_t slot = patchSlot(p.identity);
            const PatchHead& pb = patchHeads_[slot];
            if (!headIs(p.identity, p.oldRef) || pb.kind != p.kind) return false;
            // Checked here, before anything is written: a named node holds scalars only (an
            // append or a store of a new key changes the number shown: the ancestors' kept node
            // counts move by as much).
            uint32_t shown = 0;
            if (p.named) {
                if (!scalarsOnly(nd.ptr, p.kind, shown)) return false;
                p.visitDelta = static_cast<int32_t>(shown) - static_cast<int32_t>(pb.n);
            }
            p.fullLength = pb.fullLength;
            p.refsAt = static_cast<uint32_t>(pathRefs_.size());
            p.nRefs = pb.n;
            const ValueRef* base = &patchRefsStore_[slot * kPatchMaxRefs];
            pathRefs_.insert(pathRefs_.end(), base, base + pb.n);
        }
        // Up: the named nodes captured from their items, then each ancestor's record with its
        // changed children's refs replaced.
        for (uint32_t k = static_cast<uint32_t>(recordPath_.size()); k-- > 0;) {
            PathNode& p = recordPath_[k];
            if (p.skipped) continue;
            const ShapeNode& nd = nodes[p.node];
            if (p.node != 0) recordPath_[p.parent].visitDelta += p.visitDelta;
            if (p.done) {
                if (p.node != 0) pathRefs_[recordPath_[p.parent].refsAt + nd.ordinal] = p.newRef;
                continue;
            }
            if (p.named) {
                // As a capture takes it (no path above it to mark, no budget to run out of).
                nodesLeft_ = kNodeBudget;
                p.newRef = composite(nd.ptr, nd.depth, true);
            } else {
                lastWasLeafMarker_ = false;
                p.newRef = emitComposite(p.kind, p.identity, 0, p.fullLength,
                                         pathRefs_.data() + p.refsAt, p.nRefs, nullptr);
            }
            cachePath(p.oldRef, p.newRef, p.visitDelta);
            if (p.node != 0) pathRefs_[recordPath_[p.parent].refsAt + nd.ordinal] = p.newRef;
        }
        // The nodes keep their new snapshots where they kept the old ones.
        for (const PathNode& p : recordPath_) {
            if (p.skipped || p.old->gen != valueGeneration_ || p.old->ref != p.oldRef) continue;
            ShapeNode& n = nodes[p.node];
            n.ref = p.newRef;
            n.captureNodes = static_cast<uint32_t>(
                static_cast<int64_t>(p.old->captureNodes) + p.visitDelta);
            n.gen = valueGeneration_;
            n.pathHash = p.old->pathHash;
        }
        out = recordPath_[0].newRef;
        target.ref = out;
        ++shapeMisses_;
        ++pathPatches_;
        return true;
    }

    // The record kind of an object patchRecords can have on its path (exact list, tuple, dict).
    static bool pathKind(PyObject* o, ValueKind& kind) {
        PyTypeObject* tp = Py_TYPE(o);
        kind = tp == &PyList_Type    ? ValueKind::List
               : tp == &PyTuple_Type ? ValueKind::Tuple
               : tp == &PyDict_Type  ? ValueKind::Dict
                                     : ValueKind::Opaque;
        return kind != ValueKind::Opaque;
    }
    // Whether the patch table's head for the object of `identity` is record `r` (so it holds
    // r's refs).
    bool headIs(uint64_t identity, ValueRef r) const {
        const PatchHead& pb = patchHeads_[patchSlot(identity)];
        return pb.identity == identity && pb.recordId == r.recordId();
    }

    // Whether the items (and keys) a snapshot of list, tuple or dict `o` shows are all plain
    // scalars; `refs` is how many refs that snapshot has (the nodes its capture visits below it,
    // as memoVisit counts them).
    bool scalarsOnly(PyObject* o, ValueKind kind, uint32_t& refs) const {
        const uint32_t take = limits_.maxItems;
        refs = 0;
        if (kind == ValueKind::Dict) {
            Py_ssize_t pos = 0;
            PyObject *k, *v;
            for (uint32_t i = 0; i < take && PyDict_Next(o, &pos, &k, &v); ++i, refs += 2)
                if (!plainScalar(k) || !plainScalar(v)) return false;
            return true;
        }
        const bool isList = kind == ValueKind::List;
        const Py_ssize_t n = isList ? PyList_GET_SIZE(o) : PyTuple_GET_SIZE(o);
        for (Py_ssize_t i = 0; i < n && refs < take; ++i, ++refs) {
            PyObject* item = isList ? PyList_GET_ITEM(o, i) : PyTuple_GET_ITEM(o, i);
            if (item == nullptr || !plainScalar(item)) return false;
        }
        return true;
    }

    // A node's snapshot as it was before patchShape changed it (for patchRecords).
    struct OldSnapshot {
        uint32_t node = 0;  // its index: in the previous shape (PatchRoot), in the new one
        ValueRef ref;
        uint32_t captureNodes = 0, gen = 0;
        uint64_t pathHash = 0;
    };
    // A node of patchRecords' path.
    struct PathNode {
        uint32_t node = 0;                  // in the new shape (at the same index as before)
        const OldSnapshot* old = nullptr;   // its node's snapshot before patchShape
        bool named = false;                 // a node a change names (else an ancestor of one)
        bool done = false;                  // its new record came from pathCache_
        bool skipped = false;               // below a done node: nothing to do
        uint32_t parent = 0;                // into recordPath_
        ValueRef oldRef, newRef;
        ValueKind kind{};
        uint64_t identity = 0, fullLength = 0;
        uint32_t refsAt = 0, nRefs = 0;  // its previous record's refs, in pathRefs_
        int32_t visitDelta = 0;  // how many more nodes a capture visits below it than before
        PathNode() = default;
        PathNode(uint32_t n, const OldSnapshot* o, bool isNamed = false)
            : node(n), old(o), named(isNamed) {}
    };
    // Records made by patchRecords in the current round, by old record (see there).
    struct PathCacheEntry {
        uint64_t oldRaw = 0, newRaw = 0;
        uint64_t round = 0;  // *roundCounter_ when made (rounds start at 1)
        uint32_t gen = 0;
        int32_t visitDelta = 0;  // PathNode::visitDelta
    };
    static constexpr size_t kPathCacheSize = 64;
    // A local whose previous snapshot `prev` this round patched already: its new one (in `out`).
    bool patchedThisRound(ValueRef prev, ValueShape& target, ValueRef& out) {
        int32_t delta;
        if (!cachedPath(prev, out, delta)) return false;
        target.ref = out;
        ++shapeMisses_;
        ++pathPatches_;
        return true;
    }
    bool cachedPath(ValueRef old, ValueRef& out, int32_t& visitDelta) const {
        const PathCacheEntry& e = pathCache_[pathCacheSlot(old)];
        if (roundCounter_ == nullptr || e.round != *roundCounter_ ||
            e.gen != valueGeneration_ || e.oldRaw != old.raw)
            return false;
        out.raw = e.newRaw;
        visitDelta = e.visitDelta;
        return true;
    }
    void cachePath(ValueRef old, ValueRef now, int32_t visitDelta) {
        if (roundCounter_ != nullptr)
            pathCache_[pathCacheSlot(old)] = {old.raw, now.raw, *roundCounter_, valueGeneration_,
                                              visitDelta};
    }
    static size_t pathCacheSlot(ValueRef r) {
        return static_cast<size_t>((r.raw * 0x9E3779B97F4A7C15ull) >> 58) & (kPathCacheSize - 1);
    }

    struct RootPatch {
        uint32_t attr;     // into ValueShape::rootAttrs
        size_t wordsAt;    // its new value words, in shapeWords_
        PyObject* value;   // borrowed: the instance holds it
    };

    // After a walk from the root: its attribute layout (noted by shapeObject) goes with the words.
    void keepRootLayout(ValueShape& s) {
        s.rootLayout = rootLayoutOk_;
        if (!rootLayoutOk_) return;
        s.rootHeadEnd = rootHeadEnd_;
        s.rootAttrs.assign(rootAttrs_.begin(), rootAttrs_.end());
    }

    // ---- shapes patched in place (recapture with a ChangeSet) ----
    //
    // The reusing walk below rebuilds a shape whole: it walks from the root, copies the words
    // and nodes of every subtree no change reached, compares all the words with the previous
    // ones and copies them into the slot's shape. For a change deep in a big graph (one body of
    // an n-body system, held by a list of pairs; one option of a parser) that is work in the size
    // of the graph for a change of a few words: in `nbody` the walks, copies and compares were a
    // fifth of the recording. patchShape walks again only the outermost nodes a change names,
    // each as the reusing walk walks it (its unchanged items copied, its changed ones walked
    // afresh), and splices their words and nodes into the shape. The rest of the shape is read
    // only to find them (through the subtree filters) and, when a subtree's size changed, to
    // shift offsets; the words are those the reusing walk would have produced.
    //
    // Why the nodes it does not walk are still right: a node none of whose ancestors a change
    // names is the item it was (each parent still holds the same items, alive), and a subtree
    // whose filter holds no changed object has the same words. Ancestors of a walked node keep
    // their words, their filters are recomputed from their children (a changed item may bring
    // new containers), and their snapshots (`ref`) are dropped: the capture that follows makes
    // them again.
    //
    // Returns false, with `shape` untouched, when it does not apply: the root itself is named
    // (that is the reusing walk), too many nodes are named, or a walk failed. Otherwise `same`
    // tells whether the words are unchanged (then `shape`'s nodes are refreshed in place, as the
    // reusing walk's hit does), and if they changed the new shape is in `target`.
    bool patchShape(ValueShape& shape, ValueShape& target, const ChangeSet& changes, bool& same) {
        const ShapeNodes& nodes = shape.nodes;
        patchRoots_.clear();
        patchAncestors_.clear();
        openNodes_.clear();
        for (uint32_t i = 0; i < nodes.size();) {
            while (!openNodes_.empty() && nodes[openNodes_.back()].nodeEnd <= i)
                openNodes_.pop_back();
            const ShapeNode& nd = nodes[i];
            if (!nd.bloom.intersects(changes.bloom)) {
                i = nd.nodeEnd;
                continue;
            }
            if (!namesNode(nd, changes)) {
                openNodes_.push_back(i);
                ++i;
                continue;
            }
            if (i == 0 || patchRoots_.size() == kPatchMaxRoots) return false;
            PatchRoot pr;
            pr.node = i;
            pr.ancestorsBegin = static_cast<uint32_t>(patchAncestors_.size());
            patchAncestors_.insert(patchAncestors_.end(), openNodes_.begin(), openNodes_.end());
            pr.ancestorsEnd = static_cast<uint32_t>(patchAncestors_.size());
            patchRoots_.push_back(pr);
            i = nd.nodeEnd;
        }
        same = true;
        if (patchRoots_.empty()) return true;  // nothing the walk read changed

        // Walk each named node again, one after the other, into the scratch buffers.
        shapeWords_.clear();
        nodes_.clear();
        nodeStack_.clear();
        bool ok = true;
        {
            WalkSetup walk(*this, shape, changes);
            for (size_t r = 0; r < patchRoots_.size(); ++r) {
                PatchRoot& pr = patchRoots_[r];
                const ShapeNode& nd = nodes[pr.node];
                pr.wordsAt = static_cast<uint32_t>(shapeWords_.size());
                pr.nodesAt = static_cast<uint32_t>(nodes_.size());
                if (twinWalksOn_ && repeatTwinWalk(shape, r)) {
                    pr.wordsEnd = static_cast<uint32_t>(shapeWords_.size());
                    pr.nodesEnd = static_cast<uint32_t>(nodes_.size());
                    continue;
                }
                reuseNext_ = static_cast<int>(pr.node);
                childOrdinal_ = nd.ordinal;
                if (!shapeOf(nd.ptr, nd.depth)) {
                    ok = false;
                    break;
                }
                pr.wordsEnd = static_cast<uint32_t>(shapeWords_.size());
                pr.nodesEnd = static_cast<uint32_t>(nodes_.size());
            }
        }
        if (!ok) return false;

        int64_t grownWords = 0;
        bool sameSizes = true;
        clearedRefs_.clear();
        for (PatchRoot& pr : patchRoots_) {
            const ShapeNode& nd = nodes[pr.node];
            pr.old = {pr.node, nd.ref, nd.captureNodes, nd.gen, nd.pathHash};
            const uint32_t oldWords = nd.wordEnd - nd.wordBegin;
            const uint32_t newWords = pr.wordsEnd - pr.wordsAt;
            pr.sameSize = oldWords == newWords && nd.nodeEnd - pr.node == pr.nodesEnd - pr.nodesAt;
            pr.sameWords = pr.sameSize && std::memcmp(shape.words.data() + nd.wordBegin,
                                                      shapeWords_.data() + pr.wordsAt,
                                                      size_t{newWords} * 8) == 0;
            pr.sameBloom = pr.nodesEnd > pr.nodesAt && nodes_[pr.nodesAt].bloom == nd.bloom;
            same = same && pr.sameWords;
            sameSizes = sameSizes && pr.sameSize;
            grownWords += int64_t{newWords} - int64_t{oldWords};
        }
        if (static_cast<int64_t>(shape.words.size()) + grownWords >
            static_cast<int64_t>(kShapeMaxWords))
            return false;
        if (same) {
            // The same snapshot: only the nodes are refreshed (a named object may have gained an
            // instance dict since), as the reusing walk's hit swaps its nodes in.
            for (const PatchRoot& pr : patchRoots_) overwriteNodes(shape, pr, true);
            refreshAncestors(shape, false);
            return true;
        }
        if (sameSizes && &target == &shape) {
            for (const PatchRoot& pr : patchRoots_) {
                std::memcpy(shape.words.data() + shape.nodes[pr.node].wordBegin,
                            shapeWords_.data() + pr.wordsAt, size_t{pr.wordsEnd - pr.wordsAt} * 8);
                overwriteNodes(shape, pr, pr.sameWords);
            }
            refreshAncestors(shape, false);
            return true;
        }
        // Offsets move: the shape is rebuilt around the new pieces (into scratch when it replaces
        // `shape` itself, which is read while building).
        ShapeWords& words = &target == &shape ? patchWords_ : target.words;
        ShapeNodes& built = &target == &shape ? patchNodes_ : target.nodes;
        words.clear();
        built.clear();
        int64_t wordShift = 0, nodeShift = 0;
        uint32_t wordPos = 0, nodePos = 0;
        auto copyOld = [&](uint32_t wordEnd, uint32_t nodeEnd) {
            words.insert(words.end(), shape.words.begin() + wordPos, shape.words.begin() + wordEnd);
            const size_t first = built.size();
            built.insert(built.end(), nodes.begin() + nodePos, nodes.begin() + nodeEnd);
            if (wordShift == 0 && nodeShift == 0) return;  // before the first size change
            for (size_t i = first; i < built.size(); ++i) {
                ShapeNode& n = built[i];
                n.wordBegin = static_cast<uint32_t>(n.wordBegin + wordShift);
                n.wordEnd = static_cast<uint32_t>(n.wordEnd + wordShift);
                n.nodeEnd = static_cast<uint32_t>(n.nodeEnd + nodeShift);
            }
        };
        for (PatchRoot& pr : patchRoots_) {
            const ShapeNode& nd = nodes[pr.node];
            copyOld(nd.wordBegin, pr.node);
            const auto newWordAt = static_cast<uint32_t>(words.size());
            const auto newNodeAt = static_cast<uint32_t>(built.size());
            words.insert(words.end(), shapeWords_.data() + pr.wordsAt,
                         shapeWords_.data() + pr.wordsEnd);
            for (uint32_t j = pr.nodesAt; j < pr.nodesEnd; ++j) {
                ShapeNode n = nodes_[j];
                n.wordBegin = n.wordBegin - pr.wordsAt + newWordAt;
                n.wordEnd = n.wordEnd - pr.wordsAt + newWordAt;
                n.nodeEnd = n.nodeEnd - pr.nodesAt + newNodeAt;
                if (pr.sameWords) keepSnapshot(n, nodes[pr.node + (j - pr.nodesAt)]);
                built.push_back(n);
            }
            pr.wordDelta = static_cast<int32_t>(int64_t{pr.wordsEnd - pr.wordsAt} -
                                                int64_t{nd.wordEnd - nd.wordBegin});
            pr.nodeDelta = static_cast<int32_t>(int64_t{pr.nodesEnd - pr.nodesAt} -
                                                int64_t{nd.nodeEnd - pr.node});
            wordPos = nd.wordEnd;
            nodePos = nd.nodeEnd;
            wordShift += pr.wordDelta;
            nodeShift += pr.nodeDelta;
        }
        copyOld(static_cast<uint32_t>(shape.words.size()), static_cast<uint32_t>(nodes.size()));
        // An ancestor starts before every named node it holds: its index moved by the node counts
        // changed before it, and its end by those of the named nodes inside it too.
        for (const PatchRoot& pr : patchRoots_) {
            for (uint32_t a = pr.ancestorsBegin; a < pr.ancestorsEnd; ++a) {
                ShapeNode& n = built[newIndex(patchAncestors_[a])];
                n.wordEnd = static_cast<uint32_t>(n.wordEnd + pr.wordDelta);
                n.nodeEnd = static_cast<uint32_t>(n.nodeEnd + pr.nodeDelta);
            }
        }
        if (&target == &shape) {
            shape.words.swap(patchWords_);
            shape.nodes.swap(patchNodes_);
        }
        target.valid = true;
        target.rootLayout = false;  // the root's attributes may have moved
        refreshAncestors(target, true);
        return true;
    }

    // The same object named again at the same depth (a velocity four of `nbody`'s pairs hold):
    // its walk repeats the words of the first one's, when that walk made no node below it (so
    // nothing it copied from the previous shape carries a snapshot, which may differ between
    // the occurrences) and the two previous versions had the same words (what the walk reuses).
    // The repeated node is the one a walk makes: fresh (no snapshot), its own ordinal.
    bool repeatTwinWalk(const ValueShape& shape, size_t r) {
        const ShapeNode& nd = shape.nodes[patchRoots_[r].node];
        for (size_t q = 0; q < r; ++q) {
            const PatchRoot& twin = patchRoots_[q];
            const ShapeNode& tn = shape.nodes[twin.node];
            if (tn.ptr != nd.ptr || tn.depth != nd.depth || twin.nodesEnd - twin.nodesAt != 1 ||
                tn.nodeEnd - twin.node != 1 || nd.nodeEnd - patchRoots_[r].node != 1 ||
                tn.wordEnd - tn.wordBegin != nd.wordEnd - nd.wordBegin ||
                std::memcmp(shape.words.data() + tn.wordBegin, shape.words.data() + nd.wordBegin,
                            size_t{nd.wordEnd - nd.wordBegin} * 8) != 0)
                continue;
            const size_t words = twin.wordsEnd - twin.wordsAt;
            if (shapeWords_.size() + words > kShapeMaxWords) return false;
            ShapeNode n = nodes_[twin.nodesAt];
            n.wordBegin = static_cast<uint32_t>(shapeWords_.size());
            n.wordEnd = static_cast<uint32_t>(shapeWords_.size() + words);
            n.nodeEnd = static_cast<uint32_t>(nodes_.size() + 1);
            n.ordinal = nd.ordinal;
            shapeWords_.repeat(twin.wordsAt, words);
            nodes_.push_back(n);
            ++twinWalks_;
            return true;
        }
        return false;
    }

    struct PatchRoot {
        uint32_t node = 0;  // in the previous shape
        OldSnapshot old;
        uint32_t ancestorsBegin = 0, ancestorsEnd = 0;  // into patchAncestors_ (old indices)
        uint32_t wordsAt = 0, wordsEnd = 0, nodesAt = 0, nodesEnd = 0;  // the new walk, scratch
        int32_t wordDelta = 0, nodeDelta = 0;
        bool sameSize = false, sameWords = false;
        bool sameBloom = false;  // its new walk's filter is the old one (scalars replaced scalars)
    };
    // Past this many named nodes the reusing walk is no more work.
    static constexpr size_t kPatchMaxRoots = 32;

    // Whether a change names the node's object itself (or the instance dict it reads), rather
    // than something below it. The node's object is alive: no change named an ancestor.
    static bool namesNode(const ShapeNode& nd, const ChangeSet& changes) {
        for (size_t c = 0; c < changes.count; ++c) {
            PyObject* o = changes.items[c].obj;
            if (nd.bloom.mayContain(o) && readsItself(nd, o)) return true;
        }
        return false;
    }
    // Whether `o` is what the node's own walk read: its object, the object it stands for, or
    // the instance dict it reads (all three are in its filter).
    static bool readsItself(const ShapeNode& nd, PyObject* o) {
        PyObject* real = throughStandIn(nd.ptr);
        return nd.ptr == o || real == o || instanceDictOf(real) == o;
    }

    // The containers a node's own walk adds to its filter: itself (and the object it stands
    // for) and the instance dict it reads; its items' filters come from their nodes.
    static ContainerBloom ownBloom(const ShapeNode& nd) {
        ContainerBloom b;
        b.add(nd.ptr);
        PyTypeObject* tp = Py_TYPE(nd.ptr);
        if (tp == &PyList_Type || tp == &PyTuple_Type || tp == &PyDict_Type) return b;
        PyObject* real = throughStandIn(nd.ptr);
        if (real != nd.ptr) b.add(real);
        if (PyObject* d = instanceDictOf(real)) b.add(d);
        return b;
    }

    // A walked node's new version replaces the old one in place (same word and node counts).
    void overwriteNodes(ValueShape& shape, const PatchRoot& pr, bool keepSnapshots) {
        const uint32_t wordAt = shape.nodes[pr.node].wordBegin;
        for (uint32_t j = pr.nodesAt; j < pr.nodesEnd; ++j) {
            ShapeNode n = nodes_[j];
            n.wordBegin = n.wordBegin - pr.wordsAt + wordAt;
            n.wordEnd = n.wordEnd - pr.wordsAt + wordAt;
            n.nodeEnd = n.nodeEnd - pr.nodesAt + pr.node;
            ShapeNode& old = shape.nodes[pr.node + (j - pr.nodesAt)];
            if (keepSnapshots) keepSnapshot(n, old);
            old = n;
        }
    }
    // Same words, same snapshot: the node made by a new walk keeps the old node's record.
    // (A node has a snapshot when its generation is set: a default ref reads as record 0.)
    static void keepSnapshot(ShapeNode& fresh, const ShapeNode& old) {
        if (fresh.gen != 0) return;
        fresh.ref = old.ref;
        fresh.captureNodes = old.captureNodes;
        fresh.gen = old.gen;
        fresh.pathHash = old.pathHash;
    }

    // The index, in the rebuilt shape, of node `old` of the previous one that no named node
    // holds: moved by the node counts that changed before it.
    uint32_t newIndex(uint32_t old) const {
        int64_t shift = 0;
        for (const PatchRoot& pr : patchRoots_) {
            if (pr.node >= old) break;
            shift += pr.nodeDelta;
        }
        return static_cast<uint32_t>(old + shift);
    }

    // Every ancestor of a walked node, deepest first (a descendant comes later in walk order):
    // its filter is recomputed from its own containers and its children's filters, and its
    // snapshot dropped when its words changed.
    void refreshAncestors(ValueShape& shape, bool rebuilt) {
        openNodes_.clear();
        for (const PatchRoot& pr : patchRoots_)
            for (uint32_t a = pr.ancestorsBegin; a < pr.ancestorsEnd; ++a)
                if (!pr.sameWords) openNodes_.push_back(patchAncestors_[a] | kWordsChanged);
                else openNodes_.push_back(patchAncestors_[a]);
        std::sort(openNodes_.begin(), openNodes_.end(), [](uint32_t x, uint32_t y) {
            return (x & ~kWordsChanged) > (y & ~kWordsChanged);
        });
        ShapeNodes& nodes = shape.nodes;
        // When every walked node's filter is what it was (a scalar replaced a scalar), so is
        // every ancestor's: each is its own containers and its children's filters.
        bool blooms = false;
        for (const PatchRoot& pr : patchRoots_) blooms = blooms || !pr.sameBloom;
        for (size_t k = 0; k < openNodes_.size();) {
            const uint32_t old = openNodes_[k] & ~kWordsChanged;
            bool changed = false;
            for (; k < openNodes_.size() && (openNodes_[k] & ~kWordsChanged) == old; ++k)
                changed = changed || (openNodes_[k] & kWordsChanged) != 0;
            const uint32_t i = rebuilt ? newIndex(old) : old;
            ShapeNode& n = nodes[i];
            if (blooms) {
                ContainerBloom b = ownBloom(n);
                for (uint32_t c = i + 1; c < n.nodeEnd; c = nodes[c].nodeEnd) b |= nodes[c].bloom;
                n.bloom = b;
            }
            if (changed) {
                clearedRefs_.push_back({i, n.ref, n.captureNodes, n.gen, n.pathHash});
                n.ref = {};
                n.captureNodes = 0;
                n.gen = 0;
            }
        }
    }
    // Shape sizes are far below 2^31 words and nodes (kShapeMaxWords): the top bit is free.
    static constexpr uint32_t kWordsChanged = uint32_t{1} << 31;

    // A recording walk over the previous shape `old` with the changes since, ended (state reset)
    // however it ends.
    struct WalkSetup {
        Impl& self;
        WalkSetup(Impl& s, const ValueShape& old, const ChangeSet& changes) : self(s) {
            self.recordNodes_ = true;
            self.reuseOld_ = &old;
            self.changes_ = &changes;
        }
        ~WalkSetup() {
            self.recordNodes_ = false;
            self.reuseOld_ = nullptr;
            self.changes_ = nullptr;
            self.reuseNext_ = -1;
        }
    };

    uint32_t internString(std::string_view s) { return intern(s).second; }

    // Attribute names and qualnames recur constantly: a small direct-mapped cache keyed by the
    // str object's address skips hashing. An entry is trusted only if the cached text still equals
    // the object's characters, so a dead and reused address can never return a wrong id (and we
    // hold no reference that would keep the string alive).
    uint32_t internString(PyObject* s) {
#if PY_VERSION_HEX < 0x030C0000
        bool ascii = PyUnicode_IS_READY(s) && PyUnicode_IS_ASCII(s);
#else
        bool ascii = PyUnicode_IS_ASCII(s);
#endif
        if (ascii) {
            size_t n = static_cast<size_t>(PyUnicode_GET_LENGTH(s));
            const char* data = static_cast<const char*>(PyUnicode_DATA(s));
            NameCacheEntry& e =
                nameCache_[(reinterpret_cast<uintptr_t>(s) >> 4) & (kNameCacheSize - 1)];
            if (e.ptr == s && e.text->size() == n && std::memcmp(e.text->data(), data, n) == 0)
                return e.id;
            auto [text, id] = intern(std::string_view(data, n));
            e = {s, text, id};
            return id;
        }
        if (!strPrefix(s, PY_SSIZE_T_MAX, strScratch_)) return 0xFFFFFFFFu;
        return internString(std::string_view(strScratch_));
    }

    void drainInto(format::Batch& batch) {
        if (pendingCount_ > 0) {
            if (batch.valueCount == 0) batch.firstValueId = firstPendingId_;
            batch.values.insert(batch.values.end(), pending_.begin(), pending_.end());
            batch.valueCount += static_cast<uint32_t>(pendingCount_);
        }
        pending_.clear();
        pendingCount_ = 0;
        firstPendingId_ = nextValueId_;
        for (auto& t : pendingTypes_) batch.defs.types.push_back(std::move(t));
        pendingTypes_.clear();
        for (auto& s : pendingStrings_) batch.defs.strings.push_back(std::move(s));
        pendingStrings_.clear();
    }

    uint64_t valueCount() const {
        return nextValueId_;
    }

    std::vector<uint64_t> startGeneration(const std::vector<ValueRef>& keep) {
        std::vector<uint64_t> pins;
        for (ValueRef r : keep)
            if (r.kind() == ValueRef::Kind::Record && dedup_.live(r.recordId()))
                pins.push_back(r.recordId());
        std::sort(pins.begin(), pins.end());
        pins.erase(std::unique(pins.begin(), pins.end()), pins.end());
        dedup_.startGeneration(nextValueId_, pins);
        // No PATCH may be based on a record of the previous generation.
        for (auto& p : patchHeads_) p.identity = 0;
        // The memos and walk nodes hand out refs without asking the table.
        for (auto& e : memo_) e.obj = nullptr;
        ++valueGeneration_;
        return pins;
    }
    size_t pendingBytes() const {
        return pending_.size();
    }
    uint64_t failures() const {
        return failures_;
    }
    uint64_t shapeHits() const {
        return shapeHits_;
    }
    uint64_t shapeMisses() const {
        return shapeMisses_;
    }
    const DedupCounts& dedupCounts() const {
        return dedupCounts_;
    }
    void setRoundCounter(const uint64_t* counter) { roundCounter_ = counter; }
    uint64_t pathPatches() const { return pathPatches_; }
    uint64_t twinWalks() const { return twinWalks_; }
    uint64_t rootPatches() const {
        return rootPatches_;
    }

  private:
    // The stored text (stable: unordered_map nodes do not move) and the id of `s`.
    std::pair<const std::string*, uint32_t> intern(std::string_view s) {
        auto it = strings_.find(s);
        if (it != strings_.end()) return {&it->first, it->second};
        uint32_t id = static_cast<uint32_t>(strings_.size());
        it = strings_.emplace(std::string(s), id).first;
        pendingStrings_.emplace_back(id, std::string(s));
        // Every name the recorder ever uses is interned here first, so the redaction decision is
        // made once per distinct name, never per capture.
        if (redact_) redactedIds_.push_back(redactsName(s) ? 1 : 0);
        return {&it->first, id};
    }

  public:
    void setPrivacy(const std::string& pattern, bool noValues) {
        noValues_ = noValues;
        redact_.reset();
        if (!pattern.empty()) {
            redact_ = std::make_unique<std::regex>(
                pattern, std::regex::ECMAScript | std::regex::icase | std::regex::optimize);
            // Strings interned before the pattern was set.
            redactedIds_.assign(strings_.size(), 0);
            for (const auto& [text, id] : strings_) redactedIds_[id] = redactsName(text) ? 1 : 0;
        }
    }
    bool redactsName(std::string_view name) const {
        return redact_ && std::regex_search(name.begin(), name.end(), *redact_);
    }
    bool redactsId(uint32_t id) const {
        return redact_ && id < redactedIds_.size() && redactedIds_[id] != 0;
    }
    bool noValues() const {
        return noValues_;
    }
    bool hasRedact() const {
        return redact_ != nullptr;
    }

  private:
    static constexpr size_t kNameCacheSize = 1024;
    struct NameCacheEntry {
        PyObject* ptr = nullptr;  // never dereferenced unless it equals the str being interned
        const std::string* text = nullptr;
        uint32_t id = 0;
    };

    struct Identity {
        uint64_t id = 0;
        PyTypeObject* type = nullptr;
        PyObject* weakref = nullptr;  // owned; NULL when weakrefs are unsupported or unsafe
        // Without a weakref, a second discriminator where we have one: the qualname object of a
        // generator/coroutine (a reused address then only merges runs of the same function).
        const void* aux = nullptr;
    };

    static const void* auxOf(PyObject* o, PyTypeObject* tp) {
        if (tp == &PyGen_Type || tp == &PyCoro_Type || tp == &PyAsyncGen_Type)
            return reinterpret_cast<PyGenObject*>(o)->gi_qualname;
        return nullptr;
    }
    struct Slot {
        uint32_t nameId;
        Py_ssize_t offset;
    };
    struct TypeInfo {
        uint32_t id = 0;
        PyObject* weakref = nullptr;  // heap types only (static types never die)
        bool hasDict = false;
        std::vector<Slot> slots;
        // Heap types can be renamed after we described them (namedtuple sets __module__ after
        // creating the class; code may assign __qualname__): what the record was built from.
        uint64_t dictVersion = 0;
        // Compared by address; a strong reference, so that no later name can take the address
        // while we compare against it (two renames between captures: the second name could be
        // allocated where the first one was freed).
        PyObject* qualnameObj = nullptr;
        std::string displayName, qualname, module;
    };

    static uint64_t dictVersionOf(PyObject* dict) {
        if (dict == nullptr) return 0;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
        // PEP 509 version (still maintained on 3.11-3.13): changes on every mutation of the dict.
        return reinterpret_cast<PyDictObject*>(dict)->ma_version_tag;
#pragma GCC diagnostic pop
    }

    // A new type record when the class's name or module changed since its record was made.
    void refreshType(PyTypeObject* tp, TypeInfo& t) {
        auto* ht = reinterpret_cast<PyHeapTypeObject*>(tp);
        t.dictVersion = dictVersionOf(tp->tp_dict);
        // `__slots__` rebound on the class: snapshots list the slots it names now, in its order
        // (the member descriptors stay where the class statement made them).
        t.slots.clear();
        computeSlots(tp, t.slots);
        Py_XINCREF(ht->ht_qualname);
        Py_XSETREF(t.qualnameObj, ht->ht_qualname);  // freeing a str runs no Python code
        format::TypeRecord r = typeRecord(tp, t.id);
        if (r.qualname == t.qualname && r.module == t.module) return;
        r.id = t.id = static_cast<uint32_t>(nextTypeId_++);
        t.qualname = r.qualname;
        t.module = r.module;
        t.displayName = r.displayName;
        pendingTypes_.push_back(std::move(r));
    }

    // ---- identities ----

    uint64_t identityOf(PyObject* o) {
        PyTypeObject* tp = Py_TYPE(o);
        if (Identity* found = identities_.find(o)) {
            Identity& e = *found;
            // With a weakref we know for sure (and survive a __class__ assignment); without one,
            // a different type at this address is the only reuse we can see.
            if (e.weakref != nullptr ? weakTarget(e.weakref) == o
                                     : (e.type == tp && e.aux == auxOf(o, tp))) {
                e.type = tp;
                return e.id;
            }
            // The address was reused by another object.
            releaseQuietWeakref(e.weakref);
            e.id = nextIdentity_++;
            e.type = tp;
            e.aux = auxOf(o, tp);
            e.weakref = makeWeakref(o);
            return e.id;
        }
        Identity e;
        e.id = nextIdentity_++;
        e.type = tp;
        e.aux = auxOf(o, tp);
        e.weakref = makeWeakref(o);
        identities_.insert(o, e);
        return e.id;
    }

    // Whether a weakref we create can never outlive its referent uncleared. A type whose
    // deallocator clears the weakref list and only then runs a finalizer that can run Python
    // code (generators, coroutines and async generators: gen_dealloc) would leave a weakref
    // created during that finalization (the recorder captures the generator when its frame runs
    // the finally blocks) pointing at freed memory, and releasing it later would write into that
    // memory. Types without a finalizer cannot expose a dying object to Python code; class-
    // statement types (subtype_dealloc) clear weakrefs again after the finalizer when the weakref
    // list is theirs.
    // Other heap types (made with PyType_FromSpec, by CPython or an extension) may declare weakref
    // support and never clear the list: 3.12/3.13's typing.ParamSpecArgs/ParamSpecKwargs have no
    // PyObject_ClearWeakRefs in their deallocator, so a weakref to one dangles once it dies, and
    // releasing ours crashed the program at exit. Only static types and class-statement types are
    // trusted; the others get identities without a weakref (by address, type and aux).
    bool weakrefSafe(PyTypeObject* tp) const {
        if (!supportsWeakrefs(tp)) return false;
        const bool classStatement = subtypeDealloc_ != nullptr && tp->tp_dealloc == subtypeDealloc_;
        if ((tp->tp_flags & Py_TPFLAGS_HEAPTYPE) && !classStatement) return false;
        if (tp->tp_finalize == nullptr && tp->tp_del == nullptr) return true;
        if (!classStatement) return false;
        PyTypeObject* base = tp;
        while (base != nullptr && base->tp_dealloc == subtypeDealloc_) base = base->tp_base;
        return base == nullptr || base->tp_weaklistoffset == 0;
    }

    // CPython's subtype_dealloc (not exported): the deallocator of every class-statement type,
    // read from abc.ABCMeta (a class statement in Lib/abc.py, and abc is imported at startup by
    // io). Looked up through dicts only; NULL if not found, and then no heap type with a
    // finalizer gets weakrefs. (Making a probe type with PyType_FromSpec would leave it visible in
    // object.__subclasses__() until the next collection.)
    static destructor findSubtypeDealloc() {
        PyObject* abc = dictFindStr(PyImport_GetModuleDict(), "abc");
        if (abc == nullptr || !PyModule_Check(abc)) return nullptr;
        PyObject* meta = dictFindStr(PyModule_GetDict(abc), "ABCMeta");
        if (meta == nullptr || !PyType_Check(meta)) return nullptr;
        auto* tp = reinterpret_cast<PyTypeObject*>(meta);
        if (!(tp->tp_flags & Py_TPFLAGS_HEAPTYPE)) return nullptr;
        return tp->tp_dealloc;
    }

    // A weakref without callback, to tell later whether this address still holds the same
    // object (QuietWeakref.h: made without a collection in the middle of our traversal, and
    // kept out of gc.get_objects()).
    PyObject* makeWeakref(PyObject* o) {
        if (!weakrefSafe(Py_TYPE(o))) return nullptr;
        PyObject* ref = quietWeakref(o);
        if (ref == nullptr) ++failures_;
        return ref;
    }

    // Drops identities of objects known dead (their weakref cleared). Runs before a capture,
    // when the table doubled since the last sweep, so the cost is amortized O(1) per entry.
    void maybeSweep() {
        if (identities_.size() < sweepAt_) return;
        identities_.eraseIf([](Identity& e) {
            if (e.weakref == nullptr || weakTarget(e.weakref) != nullptr) return false;
            releaseQuietWeakref(e.weakref);
            return true;
        });
        sweepAt_ = std::max<size_t>(2 * identities_.size(), 4096);
    }

    // ---- types ----

    TypeInfo& typeInfo(PyTypeObject* tp) {
        // One-entry cache in front of the map: the same type recurs (a list of instances, the
        // same local checked again). The map's nodes are stable; the cache is dropped on erase.
        TypeInfo* found = nullptr;
        if (tp == lastType_) {
            found = lastTypeInfo_;
        } else {
            auto it = types_.find(tp);
            if (it != types_.end()) found = &it->second;
        }
        if (found != nullptr) {
            TypeInfo& t = *found;
            if (t.weakref == nullptr || weakTarget(t.weakref) == reinterpret_cast<PyObject*>(tp)) {
                if ((tp->tp_flags & Py_TPFLAGS_HEAPTYPE) &&
                    (dictVersionOf(tp->tp_dict) != t.dictVersion ||
                     reinterpret_cast<PyHeapTypeObject*>(tp)->ht_qualname != t.qualnameObj))
                    refreshType(tp, t);
                lastType_ = tp;
                lastTypeInfo_ = &t;
                return t;
            }
            // A heap type died and another type took its address.
            releaseQuietWeakref(t.weakref);
            Py_CLEAR(t.qualnameObj);
            types_.erase(tp);
            lastType_ = nullptr;
            lastTypeInfo_ = nullptr;
        }
        TypeInfo info;
        info.id = static_cast<uint32_t>(nextTypeId_++);
        if (tp->tp_flags & Py_TPFLAGS_HEAPTYPE)
            info.weakref = makeWeakref(reinterpret_cast<PyObject*>(tp));
        info.hasDict = tp->tp_dictoffset != 0 || (tp->tp_flags & Py_TPFLAGS_MANAGED_DICT);
        computeSlots(tp, info.slots);
        format::TypeRecord r = typeRecord(tp, info.id);
        if (tp->tp_flags & Py_TPFLAGS_HEAPTYPE) {
            info.dictVersion = dictVersionOf(tp->tp_dict);
            info.qualnameObj = reinterpret_cast<PyHeapTypeObject*>(tp)->ht_qualname;
            Py_XINCREF(info.qualnameObj);
        }
        info.qualname = r.qualname;
        info.module = r.module;
        info.displayName = r.displayName;
        pendingTypes_.push_back(std::move(r));
        TypeInfo& t = types_.emplace(tp, std::move(info)).first->second;
        lastType_ = tp;
        lastTypeInfo_ = &t;
        return t;
    }

    format::TypeRecord typeRecord(PyTypeObject* tp, uint32_t id) {
        format::TypeRecord r;
        r.id = id;
        std::string_view tpName = tp->tp_name ? tp->tp_name : "?";
        size_t dot = tpName.rfind('.');
        if (tp->tp_flags & Py_TPFLAGS_HEAPTYPE) {
            auto* ht = reinterpret_cast<PyHeapTypeObject*>(tp);
            if (ht->ht_qualname && PyUnicode_Check(ht->ht_qualname) &&
                strPrefix(ht->ht_qualname, PY_SSIZE_T_MAX, strScratch_))
                r.qualname = strScratch_;
            else
                r.qualname =
                    std::string(dot == std::string_view::npos ? tpName : tpName.substr(dot + 1));
            PyObject* mod = dictFindStr(tp->tp_dict, "__module__");
            if (mod && PyUnicode_Check(mod) && strPrefix(mod, PY_SSIZE_T_MAX, strScratch_))
                r.module = strScratch_;
            else
                r.module = "builtins";
        } else {
            if (dot == std::string_view::npos) {
                r.qualname = std::string(tpName);
                r.module = "builtins";
            } else {
                r.qualname = std::string(tpName.substr(dot + 1));
                r.module = std::string(tpName.substr(0, dot));
            }
        }
        r.displayName = (r.module == "builtins" || r.module == "__main__")
                            ? r.qualname
                            : r.module + "." + r.qualname;
        r.builtinBase = builtinBase(tp);
        return r;
    }

    static format::BuiltinBase builtinBase(PyTypeObject* tp) {
        using B = format::BuiltinBase;
        PyObject* mro = tp->tp_mro;
        if (mro == nullptr || !PyTuple_Check(mro)) return B::None;
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(mro); ++i) {
            PyObject* c = PyTuple_GET_ITEM(mro, i);
            if (c == reinterpret_cast<PyObject*>(&PyBool_Type)) continue;
            if (c == reinterpret_cast<PyObject*>(&PyLong_Type)) return B::Int;
            if (c == reinterpret_cast<PyObject*>(&PyFloat_Type)) return B::Float;
            if (c == reinterpret_cast<PyObject*>(&PyComplex_Type)) return B::Complex;
            if (c == reinterpret_cast<PyObject*>(&PyUnicode_Type)) return B::Str;
            if (c == reinterpret_cast<PyObject*>(&PyBytes_Type)) return B::Bytes;
            if (c == reinterpret_cast<PyObject*>(&PyByteArray_Type)) return B::Bytearray;
            if (c == reinterpret_cast<PyObject*>(&PyList_Type)) return B::List;
            if (c == reinterpret_cast<PyObject*>(&PyTuple_Type)) return B::Tuple;
            if (c == reinterpret_cast<PyObject*>(&PyDict_Type)) return B::Dict;
            if (c == reinterpret_cast<PyObject*>(&PySet_Type)) return B::Set;
            if (c == reinterpret_cast<PyObject*>(&PyFrozenSet_Type)) return B::Frozenset;
            if (c == PyExc_BaseException) return B::Exception;
        }
        return B::None;
    }

    // The slot members of instances of `tp`, in rendering order: the MRO from `tp`, each class's
    // __slots__ (its class-dict entry) in declaration order, private names mangled. Unlike
    // __dict__ keys, slot names starting with "__" are kept (only __dict__/__weakref__ are not
    // members). Computed once per type; a later reassignment of a class's __slots__ entry is not
    // seen (it does not change the members either).
    void computeSlots(PyTypeObject* tp, std::vector<Slot>& out) {
        PyObject* mro = tp->tp_mro;
        if (mro == nullptr || !PyTuple_Check(mro)) return;
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(mro); ++i) {
            PyObject* c = PyTuple_GET_ITEM(mro, i);
            if (!PyType_Check(c)) continue;
            auto* cls = reinterpret_cast<PyTypeObject*>(c);
            if (!(cls->tp_flags & Py_TPFLAGS_HEAPTYPE) || cls->tp_dict == nullptr) continue;
            PyObject* slots = dictFindStr(cls->tp_dict, "__slots__");
            if (slots == nullptr) continue;
            auto add = [&](PyObject* name) {
                if (PyUnicode_CheckExact(name)) addSlot(tp, cls, name, out);
            };
            if (PyUnicode_CheckExact(slots)) {
                add(slots);
            } else if (PyTuple_CheckExact(slots)) {
                for (Py_ssize_t j = 0; j < PyTuple_GET_SIZE(slots); ++j)
                    add(PyTuple_GET_ITEM(slots, j));
            } else if (PyList_CheckExact(slots)) {
                for (Py_ssize_t j = 0; j < PyList_GET_SIZE(slots); ++j)
                    add(PyList_GET_ITEM(slots, j));
            } else if (PyDict_CheckExact(slots)) {
                Py_ssize_t pos = 0;
                PyObject *k, *v;
                while (PyDict_Next(slots, &pos, &k, &v)) add(k);
            } else {
                // Any other iterable (or a subclass of those) was consumed when the class was made
                // and iterating it again would run Python code: the class's member descriptors (in
                // class-dict order) name the same slots.
                Py_ssize_t pos = 0;
                PyObject *k, *v;
                while (PyDict_Next(cls->tp_dict, &pos, &k, &v))
                    if (Py_IS_TYPE(v, &PyMemberDescr_Type)) add(k);
            }
        }
    }

    void addSlot(PyTypeObject* objType, PyTypeObject* cls, PyObject* name, std::vector<Slot>& out) {
        if (strEqualsAscii(name, "__dict__") || strEqualsAscii(name, "__weakref__")) return;
        // Private-name mangling as the compiler does it: "__x" (not ending in "__", no dot) in
        // class "_Cls" becomes "_Cls__x"; a class named only by underscores mangles nothing.
        std::string attr;
        if (!strPrefix(name, PY_SSIZE_T_MAX, attr)) return;
        std::string mangled = attr;
        if (attr.size() > 2 && attr.compare(0, 2, "__") == 0 &&
            attr.compare(attr.size() - 2, 2, "__") != 0 && attr.find('.') == std::string::npos) {
            std::string clsName;
            PyObject* htName = reinterpret_cast<PyHeapTypeObject*>(cls)->ht_name;
            if (htName && PyUnicode_Check(htName) && strPrefix(htName, PY_SSIZE_T_MAX, clsName)) {
                size_t k = clsName.find_first_not_of('_');
                if (k != std::string::npos) mangled = "_" + clsName.substr(k) + attr;
            }
        }
        // Find the member descriptor under the mangled name in this class's dict.
        PyObject* descr = nullptr;
        {
            Py_ssize_t pos = 0;
            PyObject *k, *v;
            while (PyDict_Next(cls->tp_dict, &pos, &k, &v)) {
                if (!PyUnicode_Check(k)) continue;
                if (strPrefix(k, PY_SSIZE_T_MAX, strScratch_) && strScratch_ == mangled) {
                    descr = v;
                    break;
                }
            }
        }
        if (descr == nullptr || !Py_IS_TYPE(descr, &PyMemberDescr_Type)) return;
        auto* md = reinterpret_cast<PyMemberDescrObject*>(descr);
        // The offset is only meaningful for instances of the descriptor's own class: a member
        // descriptor copied into another class's dict must not make us read foreign memory.
        PyTypeObject* owner = md->d_common.d_type;
        if (md->d_member == nullptr || md->d_member->type != kMemberObjectEx || owner == nullptr ||
            !PyType_IsSubtype(objType, owner))
            return;
        out.push_back({internString(std::string_view(mangled)), md->d_member->offset});
    }

    // ---- records ----

    // Content addressing: the record in scratch_ gets the id of an identical earlier record.
    ValueRef emit() {
        XXH128_hash_t h = XXH3_128bits(scratch_.data(), scratch_.size());
        bool inserted;
        uint64_t id = dedup_.findOrInsert(h.low64, h.high64, nextValueId_, inserted);
        if (inserted) {
            pending_.insert(pending_.end(), scratch_.begin(), scratch_.end());
            ++nextValueId_;
            ++pendingCount_;
        }
        return ValueRef::record(id);
    }

    // The content address of a container or object record: a hash of the fields its absolute
    // encoding holds, taken as they are in memory. Varint-encoding a list's 64 refs only to hash
    // them was most of what a long list grown past its window cost (`parser`'s token lists). The
    // seed keeps these addresses apart from emit()'s, which hash encoded records.
    XXH128_hash_t compositeKey(ValueKind kind, uint64_t identity, uint32_t typeId,
                               uint64_t fullLength, const ValueRef* refs, size_t nRefs,
                               const uint32_t* names) {
        static_assert(sizeof(ValueRef) == 8 && std::is_trivially_copyable_v<ValueRef>);
        struct Head {
            uint64_t identity, fullLength, nRefs;
            uint32_t typeId, kind;
        } head{identity, fullLength, nRefs, typeId, static_cast<uint32_t>(kind)};
        const size_t refBytes = nRefs * 8, nameBytes = names != nullptr ? nRefs * 4 : 0;
        keyScratch_.resize(sizeof head + refBytes + nameBytes);
        uint8_t* p = keyScratch_.data();
        std::memcpy(p, &head, sizeof head);
        if (refBytes != 0) std::memcpy(p + sizeof head, refs, refBytes);
        if (nameBytes != 0) std::memcpy(p + sizeof head + refBytes, names, nameBytes);
        return XXH3_128bits_withSeed(p, keyScratch_.size(), kCompositeKeySeed);
    }
    static constexpr uint64_t kCompositeKeySeed = 0x52EE1C0A7E5EEDull;

    // Format 1.2 compact records (ValueCodec.h). The content address is still taken over the
    // absolute content (compositeKey), so equal snapshots share one id whatever id they would get;
    // a new container or object record is then written with refs relative to its own id, or as
    // a PATCH of the previous snapshot of the same object when that is shorter (a store into one
    // item of a list, and the new snapshots of everything holding it, cost a few bytes each).
    ValueRef emitComposite(ValueKind kind, uint64_t identity, uint32_t typeId, uint64_t fullLength,
                           const ValueRef* refs, size_t nRefs, const uint32_t* names) {
        const bool isObject = kind == ValueKind::Object;
        // The small head array is probed for every composite (most belong to objects never seen
        // again); the item arrays are touched only for a live entry.
        const size_t slot = patchSlot(identity);
        PatchHead* pb = identity != 0 && nRefs <= kPatchMaxRefs ? &patchHeads_[slot] : nullptr;
        ValueRef* baseRefs = &patchRefsStore_[slot * kPatchMaxRefs];
        uint32_t* baseNames = &patchNamesStore_[slot * kPatchMaxRefs];
        const bool headIsOwn = pb != nullptr && pb->identity == identity;
        const bool sameHead = headIsOwn && pb->kind == kind &&
                              (!isObject || (pb->typeId == typeId && pb->n == nRefs &&
                                             std::equal(names, names + nRefs, baseNames)));
        // The same content as this object's last record (walked again by another frame, or after
        // a change elsewhere that the walk had to rule out): that record, without encoding,
        // hashing and probing the dedup table for it. The head's record is always live (heads
        // are dropped at a flight generation change).
        if (sameHead && pb->fullLength == fullLength && pb->n == nRefs &&
            std::equal(refs, refs + nRefs, baseRefs))
            return ValueRef::record(pb->recordId);
        const XXH128_hash_t h = compositeKey(kind, identity, typeId, fullLength, refs, nRefs,
                                             isObject ? names : nullptr);
        // A record's content includes its identity, so only this object's own earlier records can
        // equal it. When a local's value is captured again after a change and the head is this
        // object's, they are the head's recent predecessors, asked here; the dedup table, whose
        // probes and inserts miss the cache (and fault its pages in), is left alone (see
        // PatchHead::inTable). A fresh capture still asks the table: the object may be a new one
        // at a reused address whose identity we could not tell apart (lists and dicts take no
        // weak reference), and repeat an older content (a `rest` list of each call's unpacking).
        const bool byIdentity = identityDedup_ && headIsOwn && recapturing_;
        if (identityDedup_ && headIsOwn) {
            // Most objects' contents never repeat: every state misses, which the tags tell (a
            // byte of each key, compared all at once) without reading the states.
            for (uint64_t m = pb->tagMatches(h.low64); m != 0; m &= m - 1) {
                const auto e = static_cast<uint32_t>(__builtin_ctzll(m) >> 3);
                if (pb->earlier[e].keyLo != h.low64 || pb->earlier[e].keyHi != h.high64) continue;
                const PatchHead::Earlier x = pb->earlier[e];  // a copy: the slot is reused
                ++dedupCounts_.earlierHits;
                const PatchHead::Earlier back = pb->latest();
                setHead(*pb, identity, x.recordId, kind, typeId, x.depth, fullLength, refs, nRefs,
                        names, h, x.inTable);
                pb->setEarlier(e, back);
                return ValueRef::record(x.recordId);
            }
        }
        if (!byIdentity) {
            bool inserted;
            uint64_t id = dedup_.findOrInsert(h.low64, h.high64, nextValueId_, inserted);
            if (!inserted) return ValueRef::record(id);
        }
        const uint64_t self = nextValueId_;
        uint32_t depth = 0;
        bool patched = false;
        const bool canPatch = sameHead && pb->depth < format::kWriterPatchChain;
        if (canPatch) {
            patchIndex_.clear();
            patchRefs_.clear();
            const size_t common = std::min<size_t>(pb->n, nRefs);
            for (size_t i = 0; i < nRefs; ++i) {
                if (i < common && baseRefs[i] == refs[i]) continue;
                patchIndex_.push_back(static_cast<uint32_t>(i));
                patchRefs_.push_back(refs[i]);
            }
            // Written in place, and taken back when the RELATIVE record is shorter.
            const size_t start = pending_.size();
            if (pb->fullLength == fullLength && pb->n == nRefs)
                encode::patchSameLength(pending_, self, pb->recordId, patchIndex_.data(),
                                        patchRefs_.data(), patchRefs_.size());
            else
                encode::patch(pending_, self, pb->recordId, fullLength,
                              kind == ValueKind::Dict ? nRefs / 2 : nRefs, patchIndex_.data(),
                              patchRefs_.data(), patchRefs_.size());
            const size_t patchBytes = pending_.size() - start;
            // The shorter of the two is written, the RELATIVE record when they tie; its size is
            // counted rather than encoded (a long list grown past its window, whose patch has
            // a few bytes, was encoded twice: a tenth of `parser`'s recording; an object whose
            // one attribute changed, `self.n += v`, a tenth of the store's capture).
            const size_t relative =
                patchBytes < 4 + nRefs * (isObject ? 2 : 1)  // below any record's size
                    ? SIZE_MAX
                : isObject ? encode::objectRelativeSize(identity, typeId, fullLength, names, refs,
                                                        nRefs, self)
                           : encode::containerRelativeSize(kind, identity, fullLength, refs,
                                                           nRefs, self);
            if (patchBytes < relative) {
                depth = pb->depth + 1;
                patched = true;
            } else {
                pending_.resize(start);
            }
        }
        if (!patched) {
            if (isObject)
                encode::objectRelative(pending_, identity, typeId, fullLength, names, refs,
                                       nRefs, self);
            else
                encode::containerRelative(pending_, kind, identity, fullLength, refs, nRefs,
                                          self);
        }
        if (byIdentity) ++dedupCounts_.byIdentity;
        if (headIsOwn) {
            pb->setEarlier(pb->earlierNext, pb->latest());
            pb->earlierNext = static_cast<uint8_t>((pb->earlierNext + 1) % PatchHead::kEarlier);
            if (pb->earlierCount < PatchHead::kEarlier) ++pb->earlierCount;
        } else if (pb != nullptr) {
            // Another object's head leaves: its record goes into the table, so that a later
            // capture of that object with the same content still finds it (its predecessors are
            // dropped: such a capture then writes them again, under a new id).
            if (pb->identity != 0 && !pb->inTable) {
                bool inserted;
                dedup_.findOrInsert(pb->keyLo, pb->keyHi, pb->recordId, inserted);
                ++dedupCounts_.evictions;
            }
            pb->earlierCount = pb->earlierNext = 0;
        }
        if (pb != nullptr)
            setHead(*pb, identity, self, kind, typeId, depth, fullLength, refs, nRefs, names, h,
                    !byIdentity);
        ++nextValueId_;
        ++pendingCount_;
        return ValueRef::record(self);
    }

    bool budgetAllows(bool prot) {
        if (nodesLeft_ > 0) return true;
        return prot;
    }
    // Whether the child at `index` of a node at `depth` is inside the contract-protected zone.
    static bool childProtected(bool prot, uint32_t depth, size_t index) {
        return prot && depth <= kContractDepth && index < kContractItems;
    }

    ValueRef visit(PyObject* o, uint32_t depth, bool prot) {
        --nodesLeft_;
        o = throughStandIn(o);
        if (ValueRef r; ValueCapture::ownSnapshot(o, r)) return r;
        PyTypeObject* tp = Py_TYPE(o);

        if (tp == &PyLong_Type) return intRef(o);
        if (tp == &PyFloat_Type) return floatRef(o);
        if (tp == &PyUnicode_Type) return strRef(o);
        if (tp == &PyBytes_Type) return bytesRef(o);
        if (tp == &PyComplex_Type) return complexRef(o);
        if (depth >= 2) return memoVisit(o, depth, prot);
        return composite(o, depth, prot);
    }

    // Subtree memo: a node below the top (depth >= 2) whose subtree was big enough is
    // remembered with its shape; when the same object at the same depth has the same shape
    // again, its record is reused without visiting the subtree. This is what makes re-capturing
    // a changed object cheap when most of what it reaches did not change (an object whose
    // counter moved while its list of 5000 tokens did not; one body of an n-body system).
    // Reuse also requires what the record cannot show to be unchanged: no node of the subtree is
    // on the current path (it would be a CYCLE now), no CYCLE marker pointed out of the subtree
    // when it was recorded, and the node budget would not have run out inside it.
    ValueRef memoVisit(PyObject* o, uint32_t depth, bool prot) {
        // The walk that preceded this capture has the subtree's words, unless a node of the
        // subtree may be on the current path (then it must be walked: it would be a CYCLE now).
        ShapeNode* walked = indexed(o, depth);
        // Such a subtree's snapshot has CYCLE markers for the path nodes it reaches, so the one
        // its node keeps is valid under the same path only: a parser's section proxies and
        // converter map, which point back at it, were captured again at every change of it.
        ShapeNode* pathBound = nullptr;
        if (walked != nullptr && pathBloom().intersects(walked->bloom) &&
            subtreeReachesPath(*walked)) {
            pathBound = walked;
            walked = nullptr;
        }
        // The subtree was copied from the walk before, whose capture made this very snapshot.
        // (Answered before the memo entry is read: that read is a cache miss most of the time.)
        if (ShapeNode* kept = walked != nullptr ? walked : pathBound;
            kept != nullptr && kept->ref.kind() == ValueRef::Kind::Record &&
            kept->gen == valueGeneration_ && nodesLeft_ > kept->captureNodes &&
            (kept == walked || kept->pathHash == pathHash())) {
            nodesLeft_ -= kept->captureNodes;
            lastWasLeafMarker_ = false;
            ++nodeRefHits_;
            return kept->ref;
        }
        MemoEntry& e = memo_[memoSlot(o, depth)];
        bool known = e.obj == o && e.depth == depth;
        bool shaped = false;
        if (known && walked != nullptr) {
            const size_t n = walked->wordEnd - walked->wordBegin;
            shaped = n <= kMemoMaxWords;
            if (shaped && n == e.words.size() && nodesLeft_ > e.nodes &&
                std::memcmp(e.words.data(), index_->words.data() + walked->wordBegin, n * 8) == 0) {
                nodesLeft_ -= e.nodes;
                lastWasLeafMarker_ = false;
                ++memoHits_;
                noteRef(*walked, e.ref, static_cast<uint32_t>(e.nodes));
                return e.ref;
            }
        } else if (known && pathBound == nullptr) {
            // (A walk avoiding the path would fail inside a subtree that reaches it.)
            shapeWords_.clear();
            shapeAvoidPath_ = true;
            shaped = shapeOf(o, depth) && shapeWords_.size() <= kMemoMaxWords;
            shapeAvoidPath_ = false;
            if (shaped && shapeWords_.equals(e.words) && nodesLeft_ > e.nodes) {
                nodesLeft_ -= e.nodes;
                lastWasLeafMarker_ = false;
                ++memoHits_;
                return e.ref;
            }
        }
        int64_t before = nodesLeft_;
        uint64_t cycles = cycleMarkers_;
        ValueRef r = composite(o, depth, prot);
        int64_t nodes = before - nodesLeft_;
        if (pathBound != nullptr && !lastWasLeafMarker_ && nodesLeft_ > 0 &&
            r.kind() == ValueRef::Kind::Record)
            noteRef(*pathBound, r, static_cast<uint32_t>(nodes));
        // What the record cannot show must be unchanged for reuse (see above).
        if (lastWasLeafMarker_ || cycles != cycleMarkers_ || nodesLeft_ <= 0 ||
            r.kind() != ValueRef::Kind::Record)
            return r;
        if (walked != nullptr) noteRef(*walked, r, static_cast<uint32_t>(nodes));
        // With the preceding walk's words at hand a check costs one compare, so smaller subtrees
        // are worth remembering too (tuples of a token list, each a few scalars).
        if (nodes < (walked != nullptr ? kMemoMinIndexedNodes : kMemoMinNodes)) return r;
        // Only a subtree that holds no path node can be reused later; the path check runs at
        // reuse time, so record the shape without it.
        if (walked != nullptr) {
            const size_t n = walked->wordEnd - walked->wordBegin;
            if (n > kMemoMaxWords) return r;
            const uint64_t* w = index_->words.data() + walked->wordBegin;
            e.words.assign(w, w + n);
        } else {
            if (!known || !shaped) {
                shapeWords_.clear();
                if (!shapeOf(o, depth) || shapeWords_.size() > kMemoMaxWords) return r;
            }
            shapeWords_.copyTo(e.words);
        }
        e.obj = o;
        e.depth = depth;
        e.nodes = nodes;
        e.ref = r;
        return r;
    }

    // Whether a node of the walk below `top` (itself included) holds an object of the current
    // path, exactly: the filters only choose where to look. A subtree of a thousand containers
    // (configparser's sections and their option lists) has a filter with every bit set, which
    // used to make it count as reaching the path and be walked again at every capture.
    bool subtreeReachesPath(const ShapeNode& top) const {
        const ContainerBloom onPath = pathBloom();
        const ShapeNodes& nodes = index_->nodes;
        const size_t end = top.nodeEnd;
        for (size_t i = static_cast<size_t>(&top - nodes.data()); i < end;) {
            const ShapeNode& nd = nodes[i];
            if (!nd.bloom.intersects(onPath)) {
                i = nd.nodeEnd;
                continue;
            }
            PyObject* real = throughStandIn(nd.ptr);
            if (onPath.mayContain(nd.ptr) || onPath.mayContain(real))
                for (PyObject* p : path_)
                    if (p == nd.ptr || p == real) return true;
            ++i;
        }
        return false;
    }

    // The node of (o, depth) in the walk that preceded the current capture (index_). The capture
    // visits nodes in the walk's order, so the search goes forward from the last one found; the
    // same object at the same depth has the same words wherever it occurs.
    void noteRef(ShapeNode& n, ValueRef r, uint32_t nodes) {
        n.ref = r;
        n.captureNodes = nodes;
        n.gen = valueGeneration_;
        n.pathHash = pathHash();
    }

    ShapeNode* indexed(PyObject* o, uint32_t depth) {
        if (index_ == nullptr) return nullptr;
        ShapeNodes& nodes = index_->nodes;
        for (size_t i = indexCursor_; i < nodes.size(); ++i) {
            if (nodes[i].ptr == o && nodes[i].depth == depth) {
                indexCursor_ = i + 1;
                return &nodes[i];
            }
        }
        return nullptr;
    }

    // Kept along with the path (PathGuard): memoVisit asks at every item of every capture.
    ContainerBloom pathBloom() const {
        return pathBlooms_.empty() ? ContainerBloom{} : pathBlooms_.back();
    }
    // Of the path's identities in order (PathGuard): what a CYCLE marker names is an identity.
    uint64_t pathHash() const {
        return pathHashes_.empty() ? 0 : pathHashes_.back();
    }
    static uint64_t mixPath(uint64_t h, uint64_t id) {
        uint64_t x = h ^ (id + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2));
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
        return x ^ (x >> 31);
    }

    // The builtin a non-exact type derives from, in the order the rendering rules test them
    // (a module or exception first; frozenset before set). Every object node of a walk asked
    // this through PyObject_TypeCheck, four MRO scans per node for a plain class.
    enum class NodeBase : uint8_t {
        None, Module, Exception, Int, Float, Str, Bytes, List, Tuple, Dict, Frozenset, Set
    };

    static NodeBase classifyNodeBase(PyTypeObject* tp) {
        if (PyType_IsSubtype(tp, &PyModule_Type)) return NodeBase::Module;
        if (PyType_FastSubclass(tp, Py_TPFLAGS_BASE_EXC_SUBCLASS)) return NodeBase::Exception;
        if (PyType_FastSubclass(tp, Py_TPFLAGS_LONG_SUBCLASS)) return NodeBase::Int;
        if (PyType_IsSubtype(tp, &PyFloat_Type)) return NodeBase::Float;
        if (PyType_FastSubclass(tp, Py_TPFLAGS_UNICODE_SUBCLASS)) return NodeBase::Str;
        if (PyType_FastSubclass(tp, Py_TPFLAGS_BYTES_SUBCLASS)) return NodeBase::Bytes;
        if (PyType_FastSubclass(tp, Py_TPFLAGS_LIST_SUBCLASS)) return NodeBase::List;
        if (PyType_FastSubclass(tp, Py_TPFLAGS_TUPLE_SUBCLASS)) return NodeBase::Tuple;
        if (PyType_FastSubclass(tp, Py_TPFLAGS_DICT_SUBCLASS)) return NodeBase::Dict;
        if (PyType_IsSubtype(tp, &PyFrozenSet_Type)) return NodeBase::Frozenset;
        if (PyType_IsSubtype(tp, &PySet_Type)) return NodeBase::Set;
        return NodeBase::None;
    }

    // Cached by (type, version tag): CPython gives every tag once and resets a type's tag to 0
    // whenever it or a base is modified (a `__bases__` assignment too), so a cached answer can
    // neither outlive a change of the MRO nor pass to another type at the same address. A type
    // without a tag is classified each time.
    NodeBase nodeBase(PyTypeObject* tp) {
        const unsigned int tag = tp->tp_version_tag;
        if (tag == 0) return classifyNodeBase(tp);
        BaseCacheEntry& e =
            baseCache_[((reinterpret_cast<uintptr_t>(tp) >> 4) ^ tag) & (kBaseCacheSlots - 1)];
        if (e.tp != tp || e.tag != tag) e = {tp, tag, classifyNodeBase(tp)};
        return e.base;
    }

    size_t memoSlot(PyObject* o, uint32_t depth) const {
        uint64_t h = (reinterpret_cast<uintptr_t>(o) >> 4) * 0x9E3779B97F4A7C15ull + depth;
        return static_cast<size_t>(h >> 32) & (kMemoSlots - 1);
    }

    ValueRef composite(PyObject* o, uint32_t depth, bool prot) {
        PyTypeObject* tp = Py_TYPE(o);
        if (tp == &PyList_Type) return sequence(o, ValueKind::List, depth, prot);
        if (tp == &PyTuple_Type) return sequence(o, ValueKind::Tuple, depth, prot);
        if (tp == &PyDict_Type) return dict(o, depth, prot);
        if (tp == &PySet_Type) return set(o, ValueKind::Set, depth, prot);
        if (tp == &PyFrozenSet_Type) return set(o, ValueKind::Frozenset, depth, prot);
        if (tp == &PyByteArray_Type) return bytearrayRef(o);
        if (tp == &PyFunction_Type) {
            uint64_t id = identityOf(o);
            PyObject* qn = reinterpret_cast<PyFunctionObject*>(o)->func_qualname;
            uint32_t s = (qn && PyUnicode_Check(qn)) ? internString(qn) : internString("?");
            scratch_.clear();
            encode::function(scratch_, id, s);
            return emit();
        }
        if (PyType_Check(o)) {
            uint64_t id = identityOf(o);
            uint32_t t = typeInfo(reinterpret_cast<PyTypeObject*>(o)).id;
            scratch_.clear();
            encode::classValue(scratch_, id, t);
            return emit();
        }
        const NodeBase base = nodeBase(tp);
        if (base == NodeBase::Module) {
            uint64_t id = identityOf(o);
            PyObject* name = dictFindStr(PyModule_GetDict(o), "__name__");
            uint32_t s = (name && PyUnicode_Check(name)) ? internString(name) : internString("?");
            scratch_.clear();
            encode::module(scratch_, id, s);
            return emit();
        }
        if (tp == &PyGen_Type || tp == &PyCoro_Type || tp == &PyAsyncGen_Type) {
            uint64_t id = identityOf(o);
            uint32_t t = typeInfo(tp).id;
            // Generators, coroutines and async generators share the head layout.
            PyObject* qn = reinterpret_cast<PyGenObject*>(o)->gi_qualname;
            uint32_t s = (qn && PyUnicode_Check(qn)) ? internString(qn) : internString("?");
            scratch_.clear();
            encode::generator(scratch_, id, t, s);
            return emit();
        }
        // Strict subclasses of builtins: the builtin storage, wrapped with the type. Subclasses of
        // complex and bytearray are not in rendering rule 4: they are plain objects (rule 7/8).
        switch (base) {
        case NodeBase::Exception: return exception(o, depth, prot);
        case NodeBase::Int: return subclass(o, intRef(o), depth);
        case NodeBase::Float: return subclass(o, floatRef(o), depth);
        case NodeBase::Str: return subclass(o, strRef(o), depth);
        case NodeBase::Bytes: return subclass(o, bytesRef(o), depth);
        case NodeBase::List: return subclassContainer(o, ValueKind::List, depth, prot);
        case NodeBase::Tuple: return subclassContainer(o, ValueKind::Tuple, depth, prot);
        case NodeBase::Dict: return subclassContainer(o, ValueKind::Dict, depth, prot);
        case NodeBase::Frozenset: return subclassContainer(o, ValueKind::Frozenset, depth, prot);
        case NodeBase::Set: return subclassContainer(o, ValueKind::Set, depth, prot);
        case NodeBase::Module:
        case NodeBase::None: break;
        }
        return object(o, depth, prot);
    }

    // Rendered text of a non-str instance-dict key for the scalar cases (None, bools, exact
    // ints); anything else gets "<TYPE object>" (see docs/recorder.md, known gaps).
    uint32_t keyLabel(PyObject* k) {
        if (k == Py_None) return internString("None");
        if (k == Py_True) return internString("True");
        if (k == Py_False) return internString("False");
        if (Py_IS_TYPE(k, &PyLong_Type)) {
            size_t bits = _PyLong_NumBits(k);
            if (bits > 200) return internString("<int " + std::to_string(bits) + " bits>");
            decimalDigits(compat::longView(k), bigScratch_, strScratch_);
            if (compat::longView(k).negative) strScratch_.insert(strScratch_.begin(), '-');
            return internString(std::string_view(strScratch_));
        }
        return internString("<" + typeInfo(Py_TYPE(k)).displayName + " object>");
    }

    ValueRef intRef(PyObject* o) {
        // Fast path for ints of at most one digit (|v| < 2**30), the vast majority.
        if (int64_t v; compat::oneDigitLong(o, v)) return ValueRef::smallInt(v);
        int overflow = 0;
        long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
        if (overflow == 0) {
            if (ValueRef::fitsSmallInt(v)) return ValueRef::smallInt(v);
            scratch_.clear();
            encode::intValue(scratch_, v);
            return emit();
        }
        // The decimal digits cost time quadratic in the length, and the same big ints are
        // captured again and again (a memo of Fibonacci numbers, walked by every frame that
        // holds it): a small cache keyed by a hash of the binary digits answers first.
        compat::LongView lv = compat::longView(o);
        const XXH128_hash_t key =
            XXH3_128bits_withSeed(lv.digits, static_cast<size_t>(lv.ndigits) * sizeof(digit),
                                  lv.negative ? 1 : 0);
        BigIntCacheEntry& c = bigIntCache_[key.low64 & (kBigIntCacheSize - 1)];
        if (c.gen == valueGeneration_ && c.lo == key.low64 && c.hi == key.high64) return c.ref;
        // Cannot fail for an int (it only overflows past 2**64 bits).
        size_t bits = _PyLong_NumBits(o);
        if (bits <= kMaxDecimalBits)
            decimalDigits(lv, bigScratch_, strScratch_);
        else
            strScratch_.clear();
        scratch_.clear();
        encode::bigInt(scratch_, lv.negative, bits, strScratch_);
        const ValueRef r = emit();
        c = {key.low64, key.high64, r, valueGeneration_};
        return r;
    }

    ValueRef floatRef(PyObject* o) {
        // The same float values are captured again and again (the items of a list, then the
        // locals they are unpacked into, then the list's next snapshot): a small direct-mapped
        // cache by bit pattern answers without hashing and probing the dedup table, whose
        // probe of a large table misses the CPU cache.
        const double d = PyFloat_AS_DOUBLE(o);
        uint64_t bits;
        std::memcpy(&bits, &d, sizeof bits);
        FloatCacheEntry& c = floatCache_[(bits * 0x9E3779B97F4A7C15ull) >> (64 - kFloatCacheBits)];
        if (c.bits == bits && c.gen == valueGeneration_) return c.ref;
        scratch_.clear();
        encode::floatValue(scratch_, d);
        const ValueRef r = emit();
        c = {bits, r, valueGeneration_};
        return r;
    }

    ValueRef complexRef(PyObject* o) {
        Py_complex c = reinterpret_cast<PyComplexObject*>(o)->cval;
        scratch_.clear();
        encode::complexValue(scratch_, c.real, c.imag);
        return emit();
    }

    ValueRef strRef(PyObject* o) {
        // Short ASCII strings (names, keys, tokens) recur in every snapshot of the containers
        // holding them: a direct-mapped cache by address answers without encoding or hashing.
        // An entry counts only if the text is the same (an address is reused by other strings).
        StrCacheEntry* c = nullptr;
#if PY_VERSION_HEX < 0x030C0000
        const bool ascii = PyUnicode_IS_READY(o) && PyUnicode_IS_ASCII(o);
#else
        const bool ascii = PyUnicode_IS_ASCII(o);
#endif
        const Py_ssize_t len = PyUnicode_GET_LENGTH(o);
        if (ascii && len <= static_cast<Py_ssize_t>(sizeof(c->text)) &&
            static_cast<uint32_t>(len) <= limits_.maxStr) {
            const auto key = reinterpret_cast<uintptr_t>(o);
            c = &strCache_[((key >> 4) ^ (key >> 14)) & (kStrCacheSize - 1)];
            const void* data = PyUnicode_DATA(o);
            if (c->ptr == o && c->len == len && c->gen == valueGeneration_ &&
                std::memcmp(c->text, data, static_cast<size_t>(len)) == 0)
                return c->ref;
        }
        if (!strPrefix(o, limits_.maxStr, strScratch_)) return opaqueOf(o);
        scratch_.clear();
        encode::str(scratch_, static_cast<uint64_t>(len), strScratch_);
        ValueRef r = emit();
        if (c != nullptr) {
            c->ptr = o;
            c->len = static_cast<uint8_t>(len);
            c->gen = valueGeneration_;
            c->ref = r;
            std::memcpy(c->text, PyUnicode_DATA(o), static_cast<size_t>(len));
        }
        return r;
    }

    ValueRef bytesRef(PyObject* o) {
        Py_ssize_t n = PyBytes_GET_SIZE(o);
        size_t take = std::min<size_t>(static_cast<size_t>(n), limits_.maxStr);
        scratch_.clear();
        encode::bytes(scratch_, static_cast<uint64_t>(n),
                      std::string_view(PyBytes_AS_STRING(o), take));
        return emit();
    }

    ValueRef bytearrayRef(PyObject* o) {
        uint64_t id = identityOf(o);
        Py_ssize_t n = PyByteArray_GET_SIZE(o);
        size_t take = std::min<size_t>(static_cast<size_t>(n), limits_.maxStr);
        scratch_.clear();
        encode::bytearray(scratch_, id, static_cast<uint64_t>(n),
                          std::string_view(n ? PyByteArray_AS_STRING(o) : "", take));
        return emit();
    }

    // A builtin-subclass instance: its content as the base type (`inner`), then its attributes
    // (format 1.3) when its type allows any, within the depth limit (shapeNodeContent mirrors
    // this). A scalar has no identity of its own in the record: a CYCLE back to it names 0.
    ValueRef subclass(PyObject* o, ValueRef inner, uint32_t depth, uint64_t identity = 0) {
        const TypeInfo& ti = typeInfo(Py_TYPE(o));
        const uint32_t t = ti.id;
        auto& names = levelNames_[depth];
        auto& attrs = levelAttrs_[depth];
        uint64_t total = 0;
        if (mayHaveAttributes(ti) && depth <= limits_.maxDepth) {
            PathGuard g(*this, o, identity);
            total = extraAttributes(o, depth, false, names, attrs);
        }
        scratch_.clear();
        encode::subclass(scratch_, t, inner);
        encode::attrs(scratch_, 0, total, names.data(), attrs.data(), attrs.size());
        return emit();
    }

    ValueRef subclassContainer(PyObject* o, ValueKind kind, uint32_t depth, bool prot) {
        ValueRef inner;
        switch (kind) {
            case ValueKind::List:
            case ValueKind::Tuple:
                inner = sequence(o, kind, depth, prot);
                break;
            case ValueKind::Dict:
                inner = dict(o, depth, prot);
                break;
            default:
                inner = set(o, kind, depth, prot);
                break;
        }
        // Truncated and cycle records already name the subclass type or the ancestor.
        if (lastWasLeafMarker_) return inner;
        return subclass(o, inner, depth, identityOf(o));
    }

    // --no-values: the type and nothing else (no identity either), so every value of a type is
    // one shared record.
    ValueRef typeOnly(PyObject* o) {
        uint32_t t = typeInfo(Py_TYPE(o)).id;
        scratch_.clear();
        encode::opaque(scratch_, 0, t);
        return emit();
    }

    ValueRef opaqueOf(PyObject* o) {
        uint64_t id = identityOf(o);
        uint32_t t = typeInfo(Py_TYPE(o)).id;
        scratch_.clear();
        encode::opaque(scratch_, id, t);
        return emit();
    }

    // Shared prologue of every node with children: depth limit, node budget, cycle. Returns true
    // with `out` set when the node is a leaf marker (TRUNCATED or CYCLE) instead.
    bool marker(PyObject* o, ValueKind kind, uint32_t depth, bool prot, uint64_t& id,
                ValueRef& out) {
        id = identityOf(o);
        lastWasLeafMarker_ = false;
        for (size_t i = 0; i < path_.size(); ++i) {
            if (path_[i] == o) {
                scratch_.clear();
                encode::cycle(scratch_, pathIds_[i]);
                ++cycleMarkers_;
                out = emit();
                lastWasLeafMarker_ = true;
                return true;
            }
        }
        if (depth > limits_.maxDepth || !budgetAllows(prot)) {
            uint32_t t = typeInfo(Py_TYPE(o)).id;
            scratch_.clear();
            encode::truncated(scratch_, id, t, kind);
            out = emit();
            lastWasLeafMarker_ = true;
            return true;
        }
        return false;
    }

    struct PathGuard {
        Impl& self;
        PathGuard(Impl& s, PyObject* o, uint64_t id) : self(s) {
            ContainerBloom b = self.pathBloom();
            b.add(o);
            self.pathHashes_.push_back(mixPath(self.pathHash(), id));
            self.path_.push_back(o);
            self.pathIds_.push_back(id);
            self.pathBlooms_.push_back(b);
        }
        ~PathGuard() {
            self.path_.pop_back();
            self.pathIds_.pop_back();
            self.pathBlooms_.pop_back();
            self.pathHashes_.pop_back();
        }
    };

    ValueRef sequence(PyObject* o, ValueKind kind, uint32_t depth, bool prot) {
        uint64_t id;
        ValueRef m;
        if (marker(o, kind, depth, prot, id, m)) return m;
        bool isList = kind == ValueKind::List;
        Py_ssize_t n = isList ? PyList_GET_SIZE(o) : PyTuple_GET_SIZE(o);
        auto& refs = levelRefs_[depth];
        {
            PathGuard g(*this, o, id);
            refs.clear();
            size_t take = std::min<size_t>(static_cast<size_t>(n), limits_.maxItems);
            for (size_t i = 0; i < take; ++i) {
                bool cp = childProtected(prot, depth, i);
                if (!budgetAllows(cp)) break;
                // Re-read the size: nothing we call runs Python code, but stay in bounds anyway.
                Py_ssize_t cur = isList ? PyList_GET_SIZE(o) : PyTuple_GET_SIZE(o);
                if (static_cast<Py_ssize_t>(i) >= cur) break;
                PyObject* item = isList ? PyList_GET_ITEM(o, i) : PyTuple_GET_ITEM(o, i);
                if (item == nullptr) break;
                ValueRef r = visit(item, depth + 1, cp);
                refs.push_back(r);
            }
        }
        lastWasLeafMarker_ = false;
        return emitComposite(kind, id, 0, static_cast<uint64_t>(n), refs.data(), refs.size(),
                             nullptr);
    }

    ValueRef dict(PyObject* o, uint32_t depth, bool prot) {
        uint64_t id;
        ValueRef m;
        if (marker(o, ValueKind::Dict, depth, prot, id, m)) return m;
        Py_ssize_t n = PyDict_GET_SIZE(o);
        auto& refs = levelRefs_[depth];
        {
            PathGuard g(*this, o, id);
            refs.clear();
            Py_ssize_t pos = 0;
            PyObject *k, *v;
            size_t i = 0;
            while (i < limits_.maxItems && PyDict_Next(o, &pos, &k, &v)) {
                bool cp = childProtected(prot, depth, i);
                if (!budgetAllows(cp)) break;
                ValueRef kr = visit(k, depth + 1, cp);
                // --redact: the value under a str key whose text matches (the key stays visible).
                ValueRef vr = redact_ && PyUnicode_Check(k) && redactsId(internString(k))
                                  ? ValueRef::constant(Constant::Redacted)
                                  : visit(v, depth + 1, cp);
                refs.push_back(kr);
                refs.push_back(vr);
                ++i;
            }
        }
        lastWasLeafMarker_ = false;
        return emitComposite(ValueKind::Dict, id, 0, static_cast<uint64_t>(n), refs.data(),
                             refs.size(), nullptr);
    }

    ValueRef set(PyObject* o, ValueKind kind, uint32_t depth, bool prot) {
        uint64_t id;
        ValueRef m;
        if (marker(o, kind, depth, prot, id, m)) return m;
        Py_ssize_t n = PySet_GET_SIZE(o);
        auto& refs = levelRefs_[depth];
        {
            PathGuard g(*this, o, id);
            refs.clear();
            Py_ssize_t pos = 0;
            PyObject* key;
            Py_hash_t hash;
            size_t i = 0;
            while (i < limits_.maxItems && _PySet_NextEntry(o, &pos, &key, &hash)) {
                bool cp = childProtected(prot, depth, i);
                if (!budgetAllows(cp)) break;
                refs.push_back(visit(key, depth + 1, cp));
                ++i;
            }
        }
        lastWasLeafMarker_ = false;
        return emitComposite(kind, id, 0, static_cast<uint64_t>(n), refs.data(), refs.size(),
                             nullptr);
    }

    ValueRef exception(PyObject* o, uint32_t depth, bool prot) {
        uint64_t id;
        ValueRef m;
        if (marker(o, ValueKind::Exception, depth, prot, id, m)) return m;
        uint32_t t = typeInfo(Py_TYPE(o)).id;
        auto* e = reinterpret_cast<PyBaseExceptionObject*>(o);
        PyObject* args = (e->args && PyTuple_Check(e->args)) ? e->args : nullptr;
        Py_ssize_t nargs = args ? PyTuple_GET_SIZE(args) : 0;
        auto& refs = levelRefs_[depth];
        auto& subs = levelSubs_[depth];
        ValueRef cause = ValueRef::constant(Constant::None);
        ValueRef context = ValueRef::constant(Constant::None);
        {
            PathGuard g(*this, o, id);
            refs.clear();
            subs.clear();
            size_t take = std::min<size_t>(static_cast<size_t>(nargs), limits_.maxItems);
            for (size_t i = 0; i < take; ++i) {
                bool cp = childProtected(prot, depth, i);
                if (!budgetAllows(cp)) break;
                refs.push_back(visit(PyTuple_GET_ITEM(args, i), depth + 1, cp));
            }
            // Chaining and sub-exceptions are not part of the exported rendering, so they are not
            // protected: once the budget is spent they become TRUNCATED (never a misleading None).
            if (e->cause) cause = visit(e->cause, depth + 1, false);
            if (e->context) context = visit(e->context, depth + 1, false);
            if (PyObject_TypeCheck(o, reinterpret_cast<PyTypeObject*>(PyExc_BaseExceptionGroup))) {
                PyObject* excs = reinterpret_cast<PyBaseExceptionGroupObject*>(o)->excs;
                if (excs && PyTuple_Check(excs)) {
                    size_t ns = std::min<size_t>(static_cast<size_t>(PyTuple_GET_SIZE(excs)),
                                                 limits_.maxItems);
                    for (size_t i = 0; i < ns; ++i)
                        subs.push_back(visit(PyTuple_GET_ITEM(excs, i), depth + 1, false));
                }
            }
        }
        auto& attrNames = levelNames_[depth];
        auto& attrs = levelAttrs_[depth];
        uint64_t attrTotal;
        {
            PathGuard g(*this, o, id);
            attrTotal = extraAttributes(o, depth, true, attrNames, attrs);
        }
        scratch_.clear();
        encode::exception(scratch_, id, t, static_cast<uint64_t>(nargs), refs.data(), refs.size(),
                          cause, context, subs.data(), subs.size());
        encode::attrs(scratch_, 0, attrTotal, attrNames.data(), attrs.data(), attrs.size());
        lastWasLeafMarker_ = false;
        return emit();
    }

    // The attribute section (format 1.3): what `e.filename`, `e.code`, `rows.source` read that
    // the record's own fields do not hold. For an exception (`exception`), the members some
    // builtin exception types keep in their C struct (only when set) come first, and `__notes__`
    // (where `add_note` keeps them) is the one dunder name shown; then slots, then the instance
    // dict. Like an OBJECT's attributes, a prefix of at most maxItems is captured and the rest
    // counted; they are not in the exported rendering, so never protected by the budget.
    // Returns the total.
    uint64_t extraAttributes(PyObject* o, uint32_t depth, bool exception,
                             std::vector<uint32_t>& names, std::vector<ValueRef>& refs) {
        names.clear();
        refs.clear();
        uint64_t total = 0;
        // Counts the attribute; whether it is captured (so its name is interned only then: a
        // new name is a string definition in the trace).
        auto wanted = [&]() {
            const size_t i = refs.size();
            ++total;
            return i < limits_.maxItems && static_cast<uint64_t>(i) + 1 == total &&
                   budgetAllows(false);
        };
        auto add = [&](uint32_t nameId, PyObject* v) {
            ValueRef r = redactsId(nameId) ? ValueRef::constant(Constant::Redacted)
                                           : visit(v, depth + 1, false);
            names.push_back(nameId);
            refs.push_back(r);
        };
        auto member = [&](const char* name, PyObject* v) {
            if (v != nullptr && v != Py_None && wanted()) add(internString(name), v);
        };
        auto isA = [&](PyObject* excType) {
            return exception && PyObject_TypeCheck(o, reinterpret_cast<PyTypeObject*>(excType));
        };
        if (isA(PyExc_OSError)) {
            auto* e = reinterpret_cast<PyOSErrorObject*>(o);
            member("filename", e->filename);
            member("filename2", e->filename2);
        } else if (isA(PyExc_ImportError)) {
            auto* e = reinterpret_cast<PyImportErrorObject*>(o);
            member("name", e->name);
            member("path", e->path);
        } else if (isA(PyExc_AttributeError)) {
            member("name", reinterpret_cast<PyAttributeErrorObject*>(o)->name);
        } else if (isA(PyExc_NameError)) {
            member("name", reinterpret_cast<PyNameErrorObject*>(o)->name);
        }
        forEachAttribute(o, typeInfo(Py_TYPE(o)), exception,
                         [&](uint32_t slotName, PyObject* key, PyObject* v) {
                             if (wanted()) add(key != nullptr ? attributeName(key) : slotName, v);
                         });
        return total;
    }

    // Calls f(slotNameId, key, value) for each attribute an OBJECT record lists, in its order:
    // the set slots (key nullptr), then the instance dict's entries (slotNameId 0), names that
    // start with "__" left out (but "__notes__" with `notes`).
    template <typename F>
    void forEachAttribute(PyObject* o, const TypeInfo& ti, bool notes, F&& f) {
        for (const Slot& s : ti.slots) {
            PyObject* v = *reinterpret_cast<PyObject**>(reinterpret_cast<char*>(o) + s.offset);
            if (v != nullptr) f(s.nameId, nullptr, v);
        }
        forEachStored(instanceAttrs(o), [&](PyObject* k, PyObject* v) {
            if (PyUnicode_Check(k) && strStartsWithDunder(k) &&
                !(notes && PyUnicode_CompareWithASCIIString(k, "__notes__") == 0))
                return true;
            f(uint32_t{0}, k, v);
            return true;
        });
    }

    // A non-str key (obj.__dict__[5] = ...): the rendering rules label it with its own
    // rendering; names are strings in the record, so the record stores that text.
    uint32_t attributeName(PyObject* key) {
        return PyUnicode_Check(key) ? internString(key) : keyLabel(key);
    }

    // The instance dict, or the inline values array with the type's shared keys, without
    // materializing a dict (that would allocate and change the object's representation).
    struct InstanceAttrs {
        PyObject* dict = nullptr;
        DictValuesLayout* values = nullptr;
        DictKeysLayout* keys = nullptr;
    };

    static InstanceAttrs instanceAttrs(PyObject* o) {
        InstanceAttrs a;
        PyTypeObject* tp = Py_TYPE(o);
        if (tp->tp_flags & Py_TPFLAGS_MANAGED_DICT) {
            auto* ht = reinterpret_cast<PyHeapTypeObject*>(tp);
#if PY_VERSION_HEX >= 0x030D0000
            // 3.13: dict pointer at -3 words; values inline after the object header while valid.
            PyObject* d =
                *reinterpret_cast<PyObject**>(reinterpret_cast<char*>(o) - 3 * sizeof(PyObject*));
            if (d != nullptr) {
                a.dict = d;
            } else if ((tp->tp_flags & Py_TPFLAGS_INLINE_VALUES) &&
                       tp->tp_basicsize == sizeof(PyObject) &&
                       (tp->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
                auto* values = reinterpret_cast<DictValuesLayout*>(reinterpret_cast<char*>(o) +
                                                                   sizeof(PyObject));
                if (values->valid) {
                    a.values = values;
                    a.keys = reinterpret_cast<DictKeysLayout*>(ht->ht_cached_keys);
                }
            }
#elif PY_VERSION_HEX >= 0x030C0000
            // 3.12: one word at -3 holds either the dict or the values pointer tagged with 1.
            uintptr_t w =
                *reinterpret_cast<uintptr_t*>(reinterpret_cast<char*>(o) - 3 * sizeof(PyObject*));
            if (w & 1) {
                if (tp->tp_flags & Py_TPFLAGS_HEAPTYPE) {
                    a.values = reinterpret_cast<DictValuesLayout*>(w + 1);
                    a.keys = reinterpret_cast<DictKeysLayout*>(ht->ht_cached_keys);
                }
            } else {
                a.dict = reinterpret_cast<PyObject*>(w);
            }
#else
            // 3.11: values pointer at -4 words, dict at -3.
            PyObject* d = reinterpret_cast<PyObject**>(o)[-3];
            DictValuesLayout* values = reinterpret_cast<DictValuesLayout**>(o)[-4];
            if (d != nullptr) {
                a.dict = d;
            } else if (values != nullptr && (tp->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
                a.values = values;
                a.keys = reinterpret_cast<DictKeysLayout*>(ht->ht_cached_keys);
            }
#endif
            if (a.keys == nullptr) a.values = nullptr;
        } else if (tp->tp_dictoffset != 0) {
            // Not managed: _PyObject_GetDictPtr only computes the address (it materializes only
            // managed dicts, which took the branch above).
            PyObject** p = _PyObject_GetDictPtr(o);
            if (p != nullptr) a.dict = *p;
        }
        if (a.dict != nullptr && !PyDict_Check(a.dict)) a.dict = nullptr;
        return a;
    }

  public:
    static PyObject* instanceDictOf(PyObject* o) {
        return instanceAttrs(o).dict;
    }

  private:

    // Calls f(name, value) for each inline value in insertion order.
    template <typename F>
    static void forEachInlineValue(const InstanceAttrs& a, F&& f) {
        DictKeysLayout* keys = a.keys;
        if (keys->dk_kind == kDictKeysGeneral) return;
        DictUnicodeEntry* entries = unicodeEntries(keys);
        Py_ssize_t nentries = keys->dk_nentries;
#if PY_VERSION_HEX >= 0x030D0000
        const uint8_t* order =
            reinterpret_cast<const uint8_t*>(&a.values->values[a.values->capacity]);
        int size = a.values->size;
        auto ixAt = [&](int i) { return order[i]; };
#else
        const uint8_t* base = reinterpret_cast<const uint8_t*>(a.values);
        int size = base[-2];
        auto ixAt = [&](int i) { return base[-3 - i]; };
#endif
        for (int i = 0; i < size; ++i) {
            Py_ssize_t ix = ixAt(i);
            if (ix >= nentries) continue;
            PyObject* v = a.values->values[ix];
            PyObject* k = entries[ix].me_key;
            if (v == nullptr || k == nullptr) continue;
            if (!f(k, v)) return;
        }
    }

    // Calls f(name, value) for each entry of the instance dict, or else of its inline values, in
    // the instance's order, while f returns true.
    template <typename F>
    static void forEachStored(const InstanceAttrs& a, F&& f) {
        if (a.dict != nullptr) {
            Py_ssize_t pos = 0;
            PyObject *k, *v;
            while (PyDict_Next(a.dict, &pos, &k, &v))
                if (!f(k, v)) return;
        } else if (a.values != nullptr) {
            forEachInlineValue(a, f);
        }
    }

    ValueRef object(PyObject* o, uint32_t depth, bool prot) {
        PyTypeObject* tp = Py_TYPE(o);
        TypeInfo& ti = typeInfo(tp);
        uint32_t typeId = ti.id;
        bool anySlot = false;
        for (const Slot& s : ti.slots)
            if (*reinterpret_cast<PyObject**>(reinterpret_cast<char*>(o) + s.offset) != nullptr) {
                anySlot = true;
                break;
            }
        if (!ti.hasDict && !anySlot) return opaqueOf(o);
        uint64_t id;
        ValueRef m;
        if (marker(o, ValueKind::Object, depth, prot, id, m)) return m;
        // `ti` stays valid while children are visited: unordered_map nodes do not move on insert,
        // and only a dead type's entry is ever erased.
        auto& refs = levelRefs_[depth];
        auto& names = levelNames_[depth];
        uint64_t total = 0;
        {
            PathGuard g(*this, o, id);
            refs.clear();
            names.clear();
            // Attributes are captured as a prefix: once one is left out (maxItems or budget), the
            // rest are only counted.
            // Returns whether the next attribute is captured (else it is only counted).
            auto wanted = [&]() {
                size_t i = refs.size();
                ++total;
                return i < limits_.maxItems && static_cast<uint64_t>(i) + 1 == total &&
                       budgetAllows(childProtected(prot, depth, i));
            };
            auto add = [&](uint32_t nameId, PyObject* v) {
                bool cp = childProtected(prot, depth, refs.size());
                ValueRef r = redactsId(nameId) ? ValueRef::constant(Constant::Redacted)
                                               : visit(v, depth + 1, cp);
                names.push_back(nameId);
                refs.push_back(r);
            };
            forEachAttribute(o, ti, false, [&](uint32_t slotName, PyObject* key, PyObject* v) {
                if (wanted()) add(key != nullptr ? attributeName(key) : slotName, v);
            });
        }
        lastWasLeafMarker_ = false;
        if (depth == 1) {
            rootObjectCaptured_ = true;  // its refs and names stay in levelRefs_[1], ...
            rootTotal_ = total;
        }
        return emitComposite(ValueKind::Object, id, typeId, total, refs.data(), refs.size(),
                             names.data());
    }

    // ---- shapes (cheap change detection, see ValueCapture::recapture) ----
    //
    // shapeOf() walks the same nodes as visit() (same depth and item limits, same order) and
    // writes, instead of records, words that determine each node's record: type (and, for heap
    // types, what a type record is built from), identity (the identity table for weakref-able
    // objects; address and type otherwise, which is what the table keys them by), sizes,
    // attribute names, and the content of every scalar (float bits, int digits or a hash of
    // them past 8 digits, a str's hash or a hash of its captured prefix). Two equal word
    // sequences therefore mean equal snapshots (up to a 64-bit hash collision).
    // Pointers of scalars are never trusted: a float freed and another allocated at the same
    // address is common. It returns false (no shape: the caller captures in full) for graphs
    // larger than kShapeMaxWords and for the rare kinds it does not model (modules, exceptions,
    // non-str attribute keys): a shape is an optimisation, never a requirement.

    // About the capture's node budget (20,000 nodes, a few words each): a graph that a capture
    // visits whole can have a shape. At 4096 words configparser's parsers had none, and every
    // call of one of their methods captured the parser afresh (ValueShape::bound keeps the
    // memory of big shapes bounded).
    static constexpr size_t kShapeMaxWords = 65536;

    __attribute__((always_inline)) void sw(uint64_t w) {
        shapeWords_.push(w);
    }
    static uint64_t ptrWord(const void* p) {
        return reinterpret_cast<uintptr_t>(p);
    }

    bool shapeFull() const {
        return shapeWords_.size() > kShapeMaxWords;
    }

    void shapeType(PyTypeObject* tp) {
        sw(ptrWord(tp));
        if (tp->tp_flags & Py_TPFLAGS_HEAPTYPE) {
            sw(dictVersionOf(tp->tp_dict));
            // The name's content, not its address: a class renamed twice between two checks of a
            // local holding it can get a second name allocated where the first one was freed.
            PyObject* qn = reinterpret_cast<PyHeapTypeObject*>(tp)->ht_qualname;
            if (qn != nullptr && PyUnicode_Check(qn))
                shapeStr(qn);
            else
                sw(0);
        }
    }

    void shapeIdentity(PyObject* o, uint32_t depth) {
        PyTypeObject* tp = Py_TYPE(o);
        sw(ptrWord(o));
        // The top value is held by the local being checked, so it has been alive (and kept its
        // identity) since its shape was taken; below the top, an object may have been replaced
        // by another one at the same address.
        if (depth == 1) return;
        // Identities held through a weakref change when a dead object's address is reused: ask
        // the table (one lookup). Others are keyed by address and type like the table does.
        if (weakrefSafe(tp)) sw(identityOf(o));
    }

    void shapeStr(PyObject* o) {
        Py_ssize_t n = PyUnicode_GET_LENGTH(o);
        sw(static_cast<uint64_t>(n));
        Py_hash_t h = reinterpret_cast<PyASCIIObject*>(o)->hash;
        if (h != -1) {
            sw(static_cast<uint64_t>(h));  // CPython's own hash of the whole content
            return;
        }
#if PY_VERSION_HEX < 0x030C0000
        if (!PyUnicode_IS_READY(o)) {
            sw(ptrWord(o));
            return;
        }
#endif
        if (n <= kHashStrMax) {
            // Have CPython compute and cache the str's own hash (C code, the value any hash() of
            // it gives): later walks read it instead of hashing the prefix again, which was a
            // quarter of the time of walks over text the program never hashes (configparser's
            // option values). Longer strings keep the bounded prefix hash. str's own hash
            // function, called directly: a str subclass's __hash__ is never involved.
            h = PyUnicode_Type.tp_hash(o);
            if (h != -1) {
                sw(static_cast<uint64_t>(h));
                return;
            }
            PyErr_Clear();
        }
        int kind = PyUnicode_KIND(o);
        size_t take = static_cast<size_t>(std::min<Py_ssize_t>(n, limits_.maxStr));
        sw(static_cast<uint64_t>(kind) << 56 |
           XXH3_64bits(PyUnicode_DATA(o), take * static_cast<size_t>(kind)));
    }
    static constexpr Py_ssize_t kHashStrMax = 4096;

    // Whether exact frozenset `fs` (identity `id`) holds, recursively, only scalars and exact
    // tuples and frozensets of them: then nothing can change what it renders as while it lives,
    // and a shape walk need not read its items again after any mutation (CPython's test_set walks
    // nested frozensets, a list of 17 of them 4 levels deep, at each of 131,072 resumptions of a
    // generator). Decided once per identity (identities are never reused); the check is bounded
    // and follows shared items once.
    bool constantFrozenSet(PyObject* fs, uint64_t id) {
        ConstantEntry& e = constants_[id & (kConstantSlots - 1)];
        if (e.idPlus1 == id + 1) return e.answer;
        int budget = 1024;
        constantSeen_.clear();
        const bool answer = constantItems(fs, budget);
        e = {id + 1, answer};
        return answer;
    }
    bool constantItems(PyObject* c, int& budget) {
        if (Py_TYPE(c) == &PyTuple_Type) {
            for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(c); ++i)
                if (!constantValue(PyTuple_GET_ITEM(c, i), budget)) return false;
            return true;
        }
        Py_ssize_t pos = 0;
        PyObject* key;
        Py_hash_t hash;
        while (_PySet_NextEntry(c, &pos, &key, &hash))
            if (!constantValue(key, budget)) return false;
        return true;
    }
    bool constantValue(PyObject* o, int& budget) {
        if (--budget < 0) return false;
        if (o == Py_None || o == Py_True || o == Py_False || o == Py_Ellipsis) return true;
        PyTypeObject* t = Py_TYPE(o);
        if (t == &PyLong_Type || t == &PyFloat_Type || t == &PyComplex_Type ||
            t == &PyUnicode_Type || t == &PyBytes_Type)
            return true;
        if (t != &PyTuple_Type && t != &PyFrozenSet_Type) return false;
        // Everything below the top frozenset is alive while it is, so addresses are stable here.
        if (std::find(constantSeen_.begin(), constantSeen_.end(), o) != constantSeen_.end())
            return true;
        if (constantSeen_.size() >= 64) return false;
        constantSeen_.push_back(o);
        return constantItems(o, budget);
    }

    bool shapeOf(PyObject* o, uint32_t depth) {
        if (shapeFull()) return false;
        // Set by the parent (recording walks only): this item's node in the previous walk, when
        // the item is provably the object that node describes.
        const int reuse = reuseNext_;
        reuseNext_ = -1;
        const uint32_t ordinal = childOrdinal_;
        if (reuse >= 0 && !reuseOld_->nodes[reuse].bloom.intersects(changes_->bloom))
            return copyShape(static_cast<uint32_t>(reuse), ordinal);
        PyObject* raw = o;
        const size_t begin = shapeWords_.size();
        o = throughStandIn(o);
        if (o == Py_None || o == Py_True || o == Py_False || o == Py_Ellipsis ||
            o == Py_NotImplemented) {
            sw(ptrWord(o));
            return true;
        }
        PyTypeObject* tp = Py_TYPE(o);
        sw(ptrWord(tp));
        if (tp == &PyLong_Type) return shapeLong(o);
        if (tp == &PyFloat_Type) {
            double d = PyFloat_AS_DOUBLE(o);
            uint64_t bits;
            std::memcpy(&bits, &d, sizeof bits);
            sw(bits);
            return true;
        }
        if (tp == &PyUnicode_Type) {
            shapeStr(o);
            return true;
        }
        if (tp == &PyBytes_Type) {
            shapeBytes(PyBytes_AS_STRING(o), PyBytes_GET_SIZE(o));
            return true;
        }
        if (tp == &PyByteArray_Type) {
            // A leaf node: its filter holds it, so a store into it (Purity: a targeted
            // STORE_SUBSCR) makes the locals that show it walk it again.
            leafNode(raw, o, depth, begin, ordinal, nullptr, [&] {
                shapeIdentity(o, depth);
                shapeBytes(PyByteArray_AS_STRING(o), PyByteArray_GET_SIZE(o));
            });
            return true;
        }
        if (tp == &PyComplex_Type) {
            Py_complex c = reinterpret_cast<PyComplexObject*>(o)->cval;
            uint64_t a, b;
            std::memcpy(&a, &c.real, sizeof a);
            std::memcpy(&b, &c.imag, sizeof b);
            sw(a);
            sw(b);
            return true;
        }
        if (tp == &PyFrozenSet_Type) {
            // A frozenset that can never change while it lives: its identity (from the table,
            // so a reused address is a new identity) and depth (truncation) stand for its items.
            const uint64_t id = identityOf(o);
            if (weakrefSafe(tp) && constantFrozenSet(o, id)) {
                sw(kConstantTag);
                sw(id);
                sw(depth);
                return true;
            }
        }
        if (tp == &PyList_Type || tp == &PyTuple_Type || tp == &PyDict_Type || tp == &PySet_Type ||
            tp == &PyFrozenSet_Type)
            return shapeNode(raw, o, depth, begin, ordinal, reuse, NodeKind::Container);
        if (tp == &PyFunction_Type) {
            shapeIdentity(o, depth);
            PyObject* qn = reinterpret_cast<PyFunctionObject*>(o)->func_qualname;
            if (qn == nullptr || !PyUnicode_Check(qn)) return false;
            shapeStr(qn);
            return true;
        }
        if (PyType_Check(o)) {
            shapeIdentity(o, depth);
            shapeType(reinterpret_cast<PyTypeObject*>(o));
            return true;
        }
        if (tp == &PyGen_Type || tp == &PyCoro_Type || tp == &PyAsyncGen_Type) {
            PyObject* qn = reinterpret_cast<PyGenObject*>(o)->gi_qualname;
            sw(ptrWord(o));
            if (qn == nullptr || !PyUnicode_Check(qn)) return false;
            sw(ptrWord(qn));
            shapeStr(qn);
            return true;
        }
        switch (nodeBase(tp)) {
        case NodeBase::None: return shapeNode(raw, o, depth, begin, ordinal, reuse, NodeKind::Object);
        case NodeBase::Module: return shapeModule(raw, o, depth, begin, ordinal);
        case NodeBase::Exception: return false;
        case NodeBase::List:
        case NodeBase::Tuple:
        case NodeBase::Dict:
        case NodeBase::Frozenset:
        case NodeBase::Set:
            shapeType(tp);
            return shapeNode(raw, o, depth, begin, ordinal, reuse, NodeKind::Container);
        case NodeBase::Int:
        case NodeBase::Float:
        case NodeBase::Str:
        case NodeBase::Bytes: break;
        }
        shapeType(tp);
        // An instance that can have attributes is a node: its filter holds it and its dict, so
        // an attribute store makes the locals that reach it walk it again.
        if (mayHaveAttributes(typeInfo(tp)))
            return shapeNode(raw, o, depth, begin, ordinal, reuse, NodeKind::Subclassed);
        return shapeScalarSubclass(o);
    }

    // The content words of an int, float, str or bytes subclass instance (after its type's).
    bool shapeScalarSubclass(PyObject* o) {
        if (PyLong_Check(o)) return shapeLong(o);
        if (PyFloat_Check(o)) {
            double d = PyFloat_AS_DOUBLE(o);
            uint64_t bits;
            std::memcpy(&bits, &d, sizeof bits);
            sw(bits);
            return true;
        }
        if (PyUnicode_Check(o)) {
            shapeStr(o);  // the hash of a subclass instance is CPython's str hash too
            return true;
        }
        if (PyBytes_Check(o)) {
            shapeBytes(PyBytes_AS_STRING(o), PyBytes_GET_SIZE(o));
            return true;
        }
        return false;
    }

    // The words of bytes or a bytearray's contents: the full length, and a hash of the first
    // maxStr bytes (what a snapshot shows).
    void shapeBytes(const char* data, Py_ssize_t n) {
        const size_t take = std::min<size_t>(static_cast<size_t>(n), limits_.maxStr);
        sw(static_cast<uint64_t>(n));
        if (take) sw(XXH3_64bits(data, take));
    }

    // Whether instances of the type can have attributes at all (an instance dict or slots).
    static bool mayHaveAttributes(const TypeInfo& ti) {
        return ti.hasDict || !ti.slots.empty();
    }

    // The attributes of a builtin-subclass instance (format 1.3), in the capture's order (see
    // extraAttributes): every name, then the value of each (the capture keeps a prefix, and
    // walking them all only makes the shape stricter), then the count. Never reused from an
    // earlier walk: the node they are in is walked again whenever it may have changed.
    bool shapeExtraAttributes(PyObject* o, uint32_t depth) {
        const TypeInfo& ti = typeInfo(Py_TYPE(o));
        if (!mayHaveAttributes(ti)) return true;
        if (recordNodes_ && !nodeStack_.empty()) {
            InstanceAttrs a = instanceAttrs(o);
            if (a.dict != nullptr) nodes_[nodeStack_.back()].bloom.add(a.dict);
        }
        bool ok = true;
        uint32_t n = 0, unusedCursor = 0;
        forEachAttribute(o, ti, false, [&](uint32_t slotName, PyObject* key, PyObject* v) {
            if (!ok) return;
            if (key == nullptr) {
                sw(slotName);
            } else if (PyUnicode_CheckExact(key)) {
                shapeStr(key);
            } else {
                ok = false;  // a non-str key: not modelled, as for objects
                return;
            }
            prepareChild(-1, unusedCursor, kAttributeOrdinals + n, v, false);
            ok = shapeOf(v, depth + 1);
            ++n;
        });
        sw(n);
        return ok;
    }
    // Child ordinals of attributes, apart from those of items.
    static constexpr uint32_t kAttributeOrdinals = uint32_t{1} << 30;

    // ---- walk nodes and their reuse (recapture with a ChangeSet) ----
    //
    // A recording walk (recapture's) notes every container/object node with its word range,
    // subtree and Bloom filter. The next recapture of the same local, given every mutation since
    // (all known precisely), walks the graph again from the root but copies the words of each
    // subtree whose filter none of the changed objects is in, when it reaches it through a parent
    // whose item it provably still is: a parent that no change touched (or touched at other keys
    // or indices) still holds the same items, each alive since, so the same object. Below a
    // changed item everything is walked afresh (an address there may now be another object).

    enum class NodeKind { Container, Object, Subclassed };
    bool shapeNodeContent(PyObject* o, uint32_t depth, int reuse, NodeKind kind) {
        switch (kind) {
            case NodeKind::Container:
                return shapeContainer(o, depth, reuse);
            case NodeKind::Object:
                return shapeObject(o, depth, reuse);
            case NodeKind::Subclassed:
                // A scalar, then its attributes within the depth limit (as extraAttributes).
                return shapeScalarSubclass(o) &&
                       (depth > limits_.maxDepth || shapeExtraAttributes(o, depth));
        }
        return false;
    }
    bool shapeNode(PyObject* raw, PyObject* o, uint32_t depth, size_t begin, uint32_t ordinal,
                   int reuse, NodeKind kind) {
        if (!recordNodes_) return shapeNodeContent(o, depth, -1, kind);
        const auto idx = static_cast<uint32_t>(nodes_.size());
        nodes_.push_back(ShapeNode{raw, static_cast<uint32_t>(begin), 0, 0, depth, ordinal, {}});
        nodes_[idx].bloom.add(raw);
        if (o != raw) nodes_[idx].bloom.add(o);
        nodeStack_.push_back(idx);
        const bool ok = shapeNodeContent(o, depth, reuse, kind);
        nodeStack_.pop_back();
        ShapeNode& n = nodes_[idx];
        n.wordEnd = static_cast<uint32_t>(shapeWords_.size());
        n.nodeEnd = static_cast<uint32_t>(nodes_.size());
        if (!nodeStack_.empty()) nodes_[nodeStack_.back()].bloom |= n.bloom;
        return ok;
    }

    // `<module NAME>` is read from the `__name__` entry of the module's dict, which
    // `m.__name__ = ...` and stores into `vars(m)` change, both logged as targeted stores to the
    // module and its dict: a recording walk makes the module a node whose filter holds both, so
    // a local that reaches it is walked again after such a store.
    bool shapeModule(PyObject* raw, PyObject* o, uint32_t depth, size_t begin, uint32_t ordinal) {
        PyObject* dict = PyModule_GetDict(o);  // borrowed; NULL only for a broken module
        leafNode(raw, o, depth, begin, ordinal, dict, [&] {
            shapeIdentity(o, depth);
            PyObject* name = dictFindStr(dict, "__name__");
            if (name != nullptr && PyUnicode_Check(name)) {
                sw(1);
                shapeStr(name);
            } else {
                sw(0);  // rendered `?`
            }
        });
        return true;
    }

    // A node with no child nodes (a module, a bytearray): `words` writes its words; its filter
    // holds it, the object it stands for and `alsoRead` (a module's dict), as ownBloom's does.
    template <typename Words>
    void leafNode(PyObject* raw, PyObject* o, uint32_t depth, size_t begin, uint32_t ordinal,
                  PyObject* alsoRead, Words words) {
        if (!recordNodes_) {
            words();
            return;
        }
        const auto idx = static_cast<uint32_t>(nodes_.size());
        nodes_.push_back(ShapeNode{raw, static_cast<uint32_t>(begin), 0, 0, depth, ordinal, {}});
        nodes_[idx].bloom.add(raw);
        if (o != raw) nodes_[idx].bloom.add(o);
        if (alsoRead != nullptr) nodes_[idx].bloom.add(alsoRead);
        words();
        ShapeNode& n = nodes_[idx];
        n.wordEnd = static_cast<uint32_t>(shapeWords_.size());
        n.nodeEnd = static_cast<uint32_t>(nodes_.size());
        if (!nodeStack_.empty()) nodes_[nodeStack_.back()].bloom |= n.bloom;
    }

    bool copyShape(uint32_t k, uint32_t ordinal) {
        const ShapeNode& on = reuseOld_->nodes[k];
        const size_t at = nodes_.size();
        if (!appendOld(on.wordBegin, on.wordEnd, k, on.nodeEnd)) return false;
        nodes_[at].ordinal = ordinal;
        if (!nodeStack_.empty()) nodes_[nodeStack_.back()].bloom |= on.bloom;
        return true;
    }

    // Appends the previous walk's words [wordFrom, wordTo) and nodes [nodeFrom, nodeTo) (whole
    // subtrees) to this walk, their offsets moved to where they land; false if that would make
    // the shape too big.
    bool appendOld(size_t wordFrom, size_t wordTo, uint32_t nodeFrom, uint32_t nodeTo) {
        const size_t n = wordTo - wordFrom;
        if (shapeWords_.size() + n > kShapeMaxWords) return false;
        const auto wordShift =
            static_cast<int64_t>(shapeWords_.size()) - static_cast<int64_t>(wordFrom);
        const auto nodeShift = static_cast<int64_t>(nodes_.size()) - nodeFrom;
        shapeWords_.append(reuseOld_->words.data() + wordFrom, n);
        const ShapeNodes& old = reuseOld_->nodes;
        const size_t first = nodes_.size();
        nodes_.insert(nodes_.end(), old.begin() + nodeFrom, old.begin() + nodeTo);
        for (size_t i = first; i < nodes_.size(); ++i) {
            ShapeNode& c = nodes_[i];
            c.wordBegin = static_cast<uint32_t>(c.wordBegin + wordShift);
            c.wordEnd = static_cast<uint32_t>(c.wordEnd + wordShift);
            c.nodeEnd = static_cast<uint32_t>(c.nodeEnd + nodeShift);
        }
        return true;
    }

    // How the items of `o`, walked with its previous node `k`, may be reused: kReuseNone (a
    // change may have replaced any item, or no previous node), kReuseAll (no change touched `o`),
    // kReuseByKey (changes at some keys or indices only).
    enum ItemReuse { kReuseNone, kReuseAll, kReuseByKey };
    ItemReuse itemReuse(int k, PyObject* o) const {
        if (k < 0) return kReuseNone;
        bool touched = false;
        for (size_t i = 0; i < changes_->count; ++i) {
            const MutationChange& c = changes_->items[i];
            if (c.obj != o) continue;
            if (c.key == nullptr && c.index < 0) return kReuseNone;
            touched = true;
        }
        return touched ? kReuseByKey : kReuseAll;
    }
    bool indexChanged(PyObject* o, Py_ssize_t index) const {
        for (size_t i = 0; i < changes_->count; ++i)
            if (changes_->items[i].obj == o && changes_->items[i].index == index) return true;
        return false;
    }
    static bool sameStr(PyObject* a, PyObject* b) {
        if (a == b) return true;
        if (!PyUnicode_CheckExact(a) || !PyUnicode_CheckExact(b)) return false;
#if PY_VERSION_HEX < 0x030C0000
        if (!PyUnicode_IS_READY(a) || !PyUnicode_IS_READY(b)) return false;
#endif
        const Py_ssize_t n = PyUnicode_GET_LENGTH(a);
        return n == PyUnicode_GET_LENGTH(b) && PyUnicode_KIND(a) == PyUnicode_KIND(b) &&
               std::memcmp(PyUnicode_DATA(a), PyUnicode_DATA(b),
                           static_cast<size_t>(n) * PyUnicode_KIND(a)) == 0;
    }
    static bool keyChanged(const ChangeSet& changes, PyObject* o, PyObject* key) {
        for (size_t i = 0; i < changes.count; ++i) {
            const MutationChange& c = changes.items[i];
            if (c.obj == o && c.key != nullptr && sameStr(c.key, key)) return true;
        }
        return false;
    }
    bool keyChanged(PyObject* o, PyObject* key) const { return keyChanged(*changes_, o, key); }
    // The previous node of the item at `ordinal` below node k, if it describes `item`; `cur`
    // walks k's children (nodes k+1, then each one's nodeEnd) in order.
    int childNode(int k, uint32_t& cur, uint32_t ordinal, PyObject* item) const {
        const ShapeNodes& old = reuseOld_->nodes;
        const uint32_t end = old[static_cast<size_t>(k)].nodeEnd;
        while (cur < end && old[cur].ordinal < ordinal) cur = old[cur].nodeEnd;
        if (cur < end && old[cur].ordinal == ordinal && old[cur].ptr == item) {
            const int r = static_cast<int>(cur);
            cur = old[cur].nodeEnd;
            return r;
        }
        return -1;
    }
    // Before walking an item: note its ordinal and, when it may be reused, its previous node.
    void prepareChild(int k, uint32_t& cur, uint32_t ordinal, PyObject* item, bool reusable) {
        childOrdinal_ = ordinal;
        reuseNext_ = reusable && k >= 0 ? childNode(k, cur, ordinal, item) : -1;
    }

    bool shapeLong(PyObject* o) {
        compat::LongView lv = compat::longView(o);
        sw(static_cast<uint64_t>(lv.ndigits) | (lv.negative ? uint64_t{1} << 63 : 0));
        if (lv.ndigits <= 8) {
            for (Py_ssize_t i = 0; i < lv.ndigits; ++i) sw(lv.digits[i]);
        } else {
            // A hash of the digits, as for a long str: a big int's snapshot is still checked
            // by its shape rather than captured again (which converts it to decimal).
            sw(XXH3_64bits(lv.digits, static_cast<size_t>(lv.ndigits) * sizeof(digit)));
        }
        return true;
    }

    // Exact containers and builtin-container subclasses: identity, then (within the depth limit)
    // the full length and the captured items, in visit()'s order.
    bool onPath(PyObject* o) const {
        for (PyObject* p : path_)
            if (p == o) return true;
        return false;
    }

    bool shapeContainer(PyObject* o, uint32_t depth, int reuse) {
        if (shapeAvoidPath_ && onPath(o)) return false;
        shapeIdentity(o, depth);
        if (depth > limits_.maxDepth) return true;  // TRUNCATED: identity and type only
        if (!shapeContainerItems(o, depth, reuse)) return false;
        PyTypeObject* tp = Py_TYPE(o);
        const bool exact = tp == &PyList_Type || tp == &PyTuple_Type || tp == &PyDict_Type ||
                           tp == &PySet_Type || tp == &PyFrozenSet_Type;
        return exact || shapeExtraAttributes(o, depth);
    }

    bool shapeContainerItems(PyObject* o, uint32_t depth, int reuse) {
        const ItemReuse how = itemReuse(reuse, o);
        uint32_t cur = reuse >= 0 ? static_cast<uint32_t>(reuse) + 1 : 0;
        if (PyList_Check(o) || PyTuple_Check(o)) {
            bool isList = PyList_Check(o);
            Py_ssize_t n = isList ? PyList_GET_SIZE(o) : PyTuple_GET_SIZE(o);
            sw(static_cast<uint64_t>(n));
            if (how == kReuseByKey && Py_TYPE(o) == &PyList_Type &&
                static_cast<size_t>(n) >= limits_.maxItems && copyPastWindow(o, reuse, n))
                return true;
            size_t take = std::min<size_t>(static_cast<size_t>(n), limits_.maxItems);
            for (size_t i = 0; i < take; ++i) {
                PyObject* item = isList ? PyList_GET_ITEM(o, i) : PyTuple_GET_ITEM(o, i);
                if (item == nullptr) return false;
                prepareChild(reuse, cur, static_cast<uint32_t>(i), item,
                             how == kReuseAll ||
                                 (how == kReuseByKey &&
                                  !indexChanged(o, static_cast<Py_ssize_t>(i))));
                if (!shapeOf(item, depth + 1)) return false;
            }
            return true;
        }
        if (PyDict_Check(o)) {
            sw(static_cast<uint64_t>(PyDict_GET_SIZE(o)));
            if (how == kReuseByKey && Py_TYPE(o) == &PyDict_Type &&
                static_cast<size_t>(PyDict_GET_SIZE(o)) >= limits_.maxItems &&
                copyPastWindow(o, reuse, PyDict_GET_SIZE(o)))
                return true;
            Py_ssize_t pos = 0;
            PyObject *k, *v;
            uint32_t i = 0;
            while (i < limits_.maxItems && PyDict_Next(o, &pos, &k, &v)) {
                const bool keep = how == kReuseAll || (how == kReuseByKey && !keyChanged(o, k));
                prepareChild(reuse, cur, 2 * i, k, keep);
                if (!shapeOf(k, depth + 1)) return false;
                prepareChild(reuse, cur, 2 * i + 1, v, keep);
                if (!shapeOf(v, depth + 1)) return false;
                ++i;
            }
            return true;
        }
        sw(static_cast<uint64_t>(PySet_GET_SIZE(o)));
        Py_ssize_t pos = 0;
        PyObject* key;
        Py_hash_t hash;
        uint32_t i = 0;
        while (i < limits_.maxItems && _PySet_NextEntry(o, &pos, &key, &hash)) {
            prepareChild(reuse, cur, i, key, how == kReuseAll);
            if (!shapeOf(key, depth + 1)) return false;
            ++i;
        }
        return true;
    }

    // A list or dict below the top whose only changes since its previous walk are past the
    // capture window (appends to a long list, pops from its end, stores under keys a long dict's
    // window does not show; grownPastWindow does the same for the local's own object) shows the
    // same items, each unchanged when no other change reached into it: its words are the
    // previous node's with the new length (just written), copied rather than walked. Grouping
    // (`by_key.setdefault(k, []).append(x)`), logs and indexes kept by an object
    // (`self.events.append(e)`, `self.index[name] = e`) walked the window at every change, and
    // the capture after it visited it again: the node also gets its snapshot here, the previous
    // one with the new length (from the patch table), which the capture then takes as it is.
    bool copyPastWindow(PyObject* o, int reuse, Py_ssize_t n) {
        const ShapeNode& old = reuseOld_->nodes[static_cast<size_t>(reuse)];
        const bool isList = Py_TYPE(o) == &PyList_Type;
        for (size_t i = 0; i < changes_->count; ++i) {
            const MutationChange& c = changes_->items[i];
            if (c.obj == o) {
                if (!pastWindow(o, isList, c)) return false;
            } else if (old.bloom.mayContain(c.obj)) {
                return false;  // it may have reached an item (or a false positive: walk it)
            }
        }
        const uint32_t self = nodeStack_.back();
        // The words before the length (type, identity) are the previous walk's, at the same
        // offsets: the same object at the same depth.
        const size_t head = shapeWords_.size() - 1 - nodes_[self].wordBegin;
        const size_t lengthAt = old.wordBegin + head;
        if (lengthAt >= old.wordEnd) return false;
        const uint64_t* oldWords = reuseOld_->words.data();
        const uint64_t oldLength = oldWords[lengthAt];
        if (oldLength < limits_.maxItems ||
            std::memcmp(oldWords + old.wordBegin, shapeWords_.data() + nodes_[self].wordBegin,
                        head * 8) != 0)
            return false;
        if (!appendOld(lengthAt + 1, old.wordEnd, static_cast<uint32_t>(reuse) + 1, old.nodeEnd))
            return false;
        ShapeNode& node = nodes_[self];
        node.bloom |= old.bloom;
        ValueRef grown = old.ref;
        const auto length = static_cast<uint64_t>(n);
        if (old.ref.kind() == ValueRef::Kind::Record && old.gen == valueGeneration_ &&
            (length == oldLength || grownRecord(o, old.ref, oldLength, length, grown))) {
            node.ref = grown;
            node.captureNodes = old.captureNodes;
            node.gen = old.gen;
            node.pathHash = old.pathHash;
        }
        return true;
    }

    bool shapeObject(PyObject* o, uint32_t depth, int reuse) {
        if (shapeAvoidPath_ && onPath(o)) return false;
        PyTypeObject* tp = Py_TYPE(o);
        shapeType(tp);
        shapeIdentity(o, depth);
        TypeInfo& ti = typeInfo(tp);
        if (depth > limits_.maxDepth) {
            // TRUNCATED or OPAQUE: which one depends on whether a slot is set.
            for (const Slot& s : ti.slots)
                sw(*reinterpret_cast<PyObject**>(reinterpret_cast<char*>(o) + s.offset) != nullptr);
            return true;
        }
        // Slots are changed by attribute name: any change to `o` may have replaced them.
        const ItemReuse how = itemReuse(reuse, o);
        uint32_t cur = reuse >= 0 ? static_cast<uint32_t>(reuse) + 1 : 0;
        uint32_t ordinal = 0;
        for (const Slot& s : ti.slots) {
            PyObject* v = *reinterpret_cast<PyObject**>(reinterpret_cast<char*>(o) + s.offset);
            sw(s.nameId);
            if (v == nullptr) {
                sw(0);
            } else {
                prepareChild(reuse, cur, ordinal, v, how == kReuseAll);
                if (!shapeOf(v, depth + 1)) return false;
            }
            ++ordinal;
        }
        if (!ti.hasDict) return true;
        InstanceAttrs a = instanceAttrs(o);
        if (a.dict != nullptr && recordNodes_ && !nodeStack_.empty())
            nodes_[nodeStack_.back()].bloom.add(a.dict);
        // The root of a walk from the top notes where its attributes land (ValueShape::rootAttrs).
        // Every item is a scalar or a node: anything else (a function, a class) would have to be
        // walked again at each patch, as the reusing walk does.
        const bool noteRoot = recordNodes_ && depth == 1 && nodeStack_.size() == 1 &&
                              nodeStack_.back() == 0 && ti.slots.empty();
        bool rootOk = noteRoot;
        int32_t recordIndex = 0;
        if (noteRoot) rootAttrs_.clear();
        // The dict (if any) is mutated as the instance's own attributes: both are logged.
        ItemReuse dictHow = how;
        if (a.dict != nullptr && how != kReuseNone) {
            const ItemReuse d = itemReuse(reuse, a.dict);
            dictHow = d == kReuseNone ? kReuseNone : d == kReuseByKey ? kReuseByKey : how;
        }
        bool ok = true;
        size_t n = 0, shown = 0;
        auto onAttr = [&](PyObject* k, PyObject* v) {
            if (!PyUnicode_CheckExact(k)) {
                ok = false;
                return false;
            }
            const size_t keyAt = shapeWords_.size();
            shapeStr(k);
            const size_t valueAt = shapeWords_.size();
            const size_t nodesBefore = nodes_.size();
            // The record shows the first maxItems attributes whose names do not start with
            // "__" and only counts the rest; their values are walked (one more makes the shape
            // stricter), every key is. Counting the "__" names too, the walk stopped short of
            // attributes the record shows, and their changes went unseen.
            const bool dunder = strStartsWithDunder(k);
            const bool walked = !dunder && shown < limits_.maxItems + 1;
            if (!dunder) ++shown;
            if (walked) {
                const bool keep =
                    dictHow == kReuseAll ||
                    (dictHow == kReuseByKey && !keyChanged(o, k) &&
                     (a.dict == nullptr || !keyChanged(a.dict, k)));
                prepareChild(reuse, cur, ordinal + static_cast<uint32_t>(n), v, keep);
                if (!shapeOf(v, depth + 1)) {
                    ok = false;
                    return false;
                }
            }
            if (rootOk) {
                const RootAttrKind kind = !walked                      ? kRootUncaptured
                                          : plainScalar(v)             ? kRootLeaf
                                          : nodes_.size() > nodesBefore ? kRootNode
                                                                        : kRootOther;
                if (kind == kRootOther || rootAttrs_.size() == kRootAttrsMax) {
                    rootOk = false;
                } else {
                    rootAttrs_.push_back({static_cast<uint32_t>(keyAt),
                                          static_cast<uint32_t>(valueAt),
                                          static_cast<uint32_t>(shapeWords_.size()),
                                          dunder ? -1 : recordIndex, kind});
                    if (!dunder) ++recordIndex;
                }
            }
            ++n;
            return !shapeFull();
        };
        sw(a.dict != nullptr ? 1 : a.values != nullptr ? 2 : 3);
        const size_t headEnd = shapeWords_.size();
        forEachStored(a, onAttr);
        sw(n);
        if (rootOk && ok) {
            rootLayoutOk_ = true;
            rootHeadEnd_ = static_cast<uint32_t>(headEnd);
        }
        return ok && !shapeFull();
    }
    static constexpr size_t kRootAttrsMax = 256;

    // The shape being computed: a grow-only buffer (push is one compare and one store; a
    // std::vector push_back was a third of a shape check's time).
    class WordBuf {
      public:
        void clear() { n_ = 0; }
        void truncate(size_t n) { n_ = std::min(n, n_); }
        size_t size() const { return n_; }
        const uint64_t* data() const { return v_.data(); }
        __attribute__((always_inline)) void push(uint64_t w) {
            if (n_ == v_.size()) v_.resize(v_.empty() ? 1024 : v_.size() * 2);
            v_[n_++] = w;
        }
        template <class Words>
        bool equals(const Words& o) const {
            return o.size() == n_ && (n_ == 0 || std::memcmp(o.data(), v_.data(), n_ * 8) == 0);
        }
        template <class Words>
        void copyTo(Words& o) const {
            o.resize(n_);  // then one memcpy (assign copies item by item past the old size)
            if (n_ != 0) std::memcpy(o.data(), v_.data(), n_ * 8);
        }
        void append(const uint64_t* w, size_t n) {
            if (n_ + n > v_.size()) v_.resize(std::max(v_.size() * 2, n_ + n + 1024));
            std::memcpy(v_.data() + n_, w, n * 8);
            n_ += n;
        }
        // Appends its own words [from, from + n) again (append's source would move on growth).
        void repeat(size_t from, size_t n) {
            if (n_ + n > v_.size()) v_.resize(std::max(v_.size() * 2, n_ + n + 1024));
            std::memcpy(v_.data() + n_, v_.data() + from, n * 8);
            n_ += n;
        }

      private:
        std::vector<uint64_t> v_;
        size_t n_ = 0;
    };
    WordBuf shapeWords_;
    // The recording walk (recapture's): its nodes, the open ones, the ordinal and previous node
    // the parent set for the next item, the previous walk and the changes since.
    bool recordNodes_ = false;
    ShapeNodes nodes_;
    std::vector<uint32_t> nodeStack_;
    // patchShape's scratch: the named nodes, their ancestors, the open nodes of its scan, and the
    // rebuilt shape when offsets move.
    std::vector<PatchRoot> patchRoots_;
    std::vector<uint32_t> patchAncestors_;
    std::vector<uint32_t> openNodes_;
    ShapeWords patchWords_;
    ShapeNodes patchNodes_;
    bool patchWalks_ = !envIs("REEL_PATCH_WALKS", '0');
    // patchRootAttributes: on unless REEL_ROOT_PATCH=0 (A/B measurements, tests); the layout
    // the current walk noted for its root (shapeObject), and the patch's scratch.
    bool rootPatchOn_ = !envIs("REEL_ROOT_PATCH", '0');
    bool rootLayoutOk_ = false;
    uint32_t rootHeadEnd_ = 0;
    std::vector<ValueShape::RootAttr> rootAttrs_;
    std::vector<RootPatch> rootPatch_;
    std::vector<ValueRef> rootRefs_;
    std::vector<uint32_t> rootNames_;
    uint64_t rootPatches_ = 0;
    // patchRecords: on unless REEL_PATH_RECORDS=0; the snapshots patchShape cleared (old values),
    // the records made along the path, and the count of rounds of checks (the recorder's; none:
    // no reuse across recaptures).
    bool pathRecords_ = !envIs("REEL_PATH_RECORDS", '0');
    // patchShape's repeatTwinWalk: on unless REEL_TWIN_WALKS=0.
    bool twinWalksOn_ = !envIs("REEL_TWIN_WALKS", '0');
    uint64_t twinWalks_ = 0;
    std::vector<OldSnapshot> clearedRefs_;
    std::vector<PathNode> recordPath_;
    std::vector<uint32_t> openPath_;
    std::vector<ValueRef> pathRefs_;
    std::vector<PathCacheEntry> pathCache_ = std::vector<PathCacheEntry>(kPathCacheSize);
    const uint64_t* roundCounter_ = nullptr;
    uint64_t pathPatches_ = 0;
    // Set by object() when the capture's top value is an object: its attribute count (its refs
    // and names are then in levelRefs_[1] and levelNames_[1]).
    bool rootObjectCaptured_ = false;
    uint64_t rootTotal_ = 0;
    uint32_t childOrdinal_ = 0;
    int reuseNext_ = -1;
    const ValueShape* reuseOld_ = nullptr;
    const ChangeSet* changes_ = nullptr;
    bool reuseWalks_ = !envIs("REEL_REUSE_WALKS", '0');
    // During the capture that follows a recording walk: that walk (memoVisit's words), and where
    // the forward search for the next node starts.
    ValueShape* index_ = nullptr;
    struct StrCacheEntry {
        PyObject* ptr = nullptr;  // compared only
        ValueRef ref;
        uint32_t gen = 0;
        uint8_t len = 0;
        char text[23];
    };
    struct ConstantEntry {
        uint64_t idPlus1 = 0;  // 0: empty
        bool answer = false;
    };
    static constexpr size_t kConstantSlots = 1024;
    std::vector<ConstantEntry> constants_ = std::vector<ConstantEntry>(kConstantSlots);
    std::vector<PyObject*> constantSeen_;
    // Starts the words standing for a constant frozenset (no type pointer has this value).
    static constexpr uint64_t kConstantTag = 0xC0C0C0C0C0C0C0C1ull;
    static constexpr size_t kStrCacheSize = 4096;
    std::vector<StrCacheEntry> strCache_ = std::vector<StrCacheEntry>(kStrCacheSize);
    struct BigIntCacheEntry {
        uint64_t lo = 0, hi = 0;  // XXH3-128 of the binary digits, seeded with the sign
        ValueRef ref;
        uint32_t gen = 0;  // 0: empty
    };
    static constexpr size_t kBigIntCacheSize = 256;
    std::vector<BigIntCacheEntry> bigIntCache_ = std::vector<BigIntCacheEntry>(kBigIntCacheSize);
    struct FloatCacheEntry {
        uint64_t bits = 0;
        ValueRef ref;
        uint32_t gen = 0;  // 0: empty (valueGeneration_ starts at 1)
    };
    static constexpr unsigned kFloatCacheBits = 11;
    std::vector<FloatCacheEntry> floatCache_ =
        std::vector<FloatCacheEntry>(size_t{1} << kFloatCacheBits);
    // Bumped by startGeneration: refs kept in walk nodes from before are not handed out again.
    uint32_t valueGeneration_ = 1;
    uint64_t nodeRefHits_ = 0;
    size_t indexCursor_ = 0;
    uint64_t shapeHits_ = 0, shapeMisses_ = 0;
    bool shapeAvoidPath_ = false;  // shapeOf fails on a node that is on path_ (memo reuse)

    // nodeBase's cache: compared only, never dereferenced (the tag tells a new type apart).
    static constexpr size_t kBaseCacheSlots = 256;
    struct BaseCacheEntry {
        PyTypeObject* tp = nullptr;
        unsigned int tag = 0;
        NodeBase base = NodeBase::None;
    };
    std::array<BaseCacheEntry, kBaseCacheSlots> baseCache_{};

    // Subtree memo (memoVisit): direct-mapped by (object, depth). At most kMemoSlots entries of
    // kMemoMaxWords words: bounded memory (8 MiB at worst, far less in practice).
    static constexpr size_t kMemoSlots = 1024;
    static constexpr size_t kMemoMaxWords = 1024;
    static constexpr int64_t kMemoMinNodes = 8;
    static constexpr int64_t kMemoMinIndexedNodes = 3;
    struct MemoEntry {
        PyObject* obj = nullptr;  // compared only; the shape decides whether it is the same
        uint32_t depth = 0;
        int64_t nodes = 0;
        uint64_t identity = 0;  // depth 1 only: the object's identity (0: not weakref-able)
        ValueRef ref;
        std::vector<uint64_t> words;
    };
    std::vector<MemoEntry> memo_ = std::vector<MemoEntry>(kMemoSlots);
    uint64_t memoHits_ = 0;
    uint64_t cycleMarkers_ = 0;

    // Privacy settings (setPrivacy); redactedIds_[string id] is 1 when the name matches.
    std::unique_ptr<std::regex> redact_;
    std::vector<uint8_t> redactedIds_;
    bool noValues_ = false;

    CaptureLimits limits_;
    destructor subtypeDealloc_;
    int64_t nodesLeft_ = 0;
    bool lastWasLeafMarker_ = false;

    // Per-depth scratch (children of the node being built at that depth); reused across captures.
    std::vector<std::vector<ValueRef>> levelRefs_;
    std::vector<std::vector<uint32_t>> levelNames_;
    std::vector<std::vector<ValueRef>> levelSubs_;
    std::vector<std::vector<ValueRef>> levelAttrs_;  // attribute sections (format 1.3)
    std::vector<PyObject*> path_;
    std::vector<uint64_t> pathIds_;
    std::vector<ContainerBloom> pathBlooms_;  // pathBlooms_[i]: of path_[0..i]
    std::vector<uint64_t> pathHashes_;        // pathHashes_[i]: of pathIds_[0..i]
    std::vector<uint8_t> scratch_;
    std::vector<uint8_t> keyScratch_;  // compositeKey's
    std::string strScratch_;
    std::vector<uint32_t> bigScratch_;

    AddressMap<Identity> identities_;
    uint64_t nextIdentity_ = 1;
    size_t sweepAt_ = 4096;
    std::unordered_map<PyTypeObject*, TypeInfo> types_;
    PyTypeObject* lastType_ = nullptr;  // compared only
    TypeInfo* lastTypeInfo_ = nullptr;
    uint64_t nextTypeId_ = 0;
    std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> strings_;
    std::vector<NameCacheEntry> nameCache_ = std::vector<NameCacheEntry>(kNameCacheSize);
    DedupTable dedup_;

    // Previous snapshot per object identity, the base of format 1.2 PATCH records
    // (emitComposite). Direct-mapped and allocated once: a collision only costs a full record.
    // 256 entries of at most 128 refs (a dict's 64 entries at the default maxItems; lists and
    // objects of up to 128 items): about 400 KiB, of which a record touches its own slot only.
    static constexpr size_t kPatchMaxRefs = 128;
    static constexpr int kPatchShift = 64 - 8;
    static constexpr size_t kPatchSlots = size_t{1} << (64 - kPatchShift);
    static size_t patchSlot(uint64_t identity) {
        return static_cast<size_t>((identity * 0x9E3779B97F4A7C15ull) >> kPatchShift);
    }
    // Each head also stands in for the dedup table for its object's latest records: the head's
    // record and its kEarlier predecessors (their compositeKeys, ids and patch depths) are found
    // here, and a record written while the head was already its object's is put into the table
    // only when another object takes the slot (inTable false until then). So a value that
    // changes in place (`self.pos += 1`, `v[0] -= d`) never touches the table, and one that
    // returns to a recent state (a flag toggled, a stack popped) still gets its old id.
    // REEL_IDENTITY_DEDUP=0: every record goes through the table, as before (A/B runs, tests).
    struct PatchHead {
        static constexpr uint8_t kEarlier = 8;
        struct Earlier {
            uint64_t keyLo = 0, keyHi = 0, recordId = 0;
            uint32_t depth = 0;
            bool inTable = false;
        };
        uint64_t identity = 0;  // 0: empty
        uint64_t recordId = 0;
        uint64_t fullLength = 0;
        uint64_t keyLo = 0, keyHi = 0;  // the record's compositeKey
        uint32_t typeId = 0, depth = 0, n = 0;
        ValueKind kind{};
        bool inTable = false;
        uint8_t earlierCount = 0, earlierNext = 0;
        Earlier earlier[kEarlier];
        uint64_t earlierTags = 0;  // byte e: the top byte of earlier[e].keyLo
        Earlier latest() const { return {keyLo, keyHi, recordId, depth, inTable}; }
        void setEarlier(uint32_t e, const Earlier& x) {
            earlier[e] = x;
            const unsigned shift = 8 * e;
            earlierTags = (earlierTags & ~(uint64_t{0xFF} << shift)) | ((x.keyLo >> 56) << shift);
        }
        // A bit (bit 7 of byte e) for each live earlier[e] whose tag is the one of `keyLo`; a
        // few others may be set too (the zero-byte test borrows across bytes), never one less.
        uint64_t tagMatches(uint64_t keyLo) const {
            constexpr uint64_t kOnes = 0x0101010101010101ull;
            const uint64_t x = earlierTags ^ (kOnes * (keyLo >> 56));
            uint64_t m = (x - kOnes) & ~x & (kOnes << 7);
            static_assert(kEarlier == 8, "one tag byte per state");
            if (earlierCount < kEarlier) m &= (uint64_t{1} << (8 * earlierCount)) - 1;
            return m;
        }
    };
    void setHead(PatchHead& pb, uint64_t identity, uint64_t recordId, ValueKind kind,
                 uint32_t typeId, uint32_t depth, uint64_t fullLength, const ValueRef* refs,
                 size_t nRefs, const uint32_t* names, XXH128_hash_t key, bool inTable) {
        const size_t slot = static_cast<size_t>(&pb - patchHeads_.data());
        pb.identity = identity;
        pb.recordId = recordId;
        pb.kind = kind;
        pb.typeId = typeId;
        pb.depth = depth;
        pb.fullLength = fullLength;
        pb.n = static_cast<uint32_t>(nRefs);
        pb.keyLo = key.low64;
        pb.keyHi = key.high64;
        pb.inTable = inTable;
        std::copy(refs, refs + nRefs, &patchRefsStore_[slot * kPatchMaxRefs]);
        if (kind == ValueKind::Object)
            std::copy(names, names + nRefs, &patchNamesStore_[slot * kPatchMaxRefs]);
    }
    bool identityDedup_ = !envIs("REEL_IDENTITY_DEDUP", '0');
    bool sharedInPlace_ = !envIs("REEL_SHARED_IN_PLACE", '0');
    bool recapturing_ = false;  // inside recapture(): emitComposite may dedup by identity
    ValueCapture::DedupCounts dedupCounts_;
    std::vector<PatchHead> patchHeads_ = std::vector<PatchHead>(kPatchSlots);
    std::vector<ValueRef> patchRefsStore_ = std::vector<ValueRef>(kPatchSlots * kPatchMaxRefs);
    std::vector<uint32_t> patchNamesStore_ = std::vector<uint32_t>(kPatchSlots * kPatchMaxRefs);
    std::vector<uint32_t> patchIndex_ = std::vector<uint32_t>(kPatchMaxRefs);
    std::vector<ValueRef> patchRefs_ = std::vector<ValueRef>(kPatchMaxRefs);
    std::vector<ValueRef> grownRefs_ = std::vector<ValueRef>(kPatchMaxRefs);  // grownPastWindow

    std::vector<uint8_t> pending_;
    uint64_t pendingCount_ = 0;
    uint64_t firstPendingId_ = 0;
    uint64_t nextValueId_ = 0;
    std::vector<format::TypeRecord> pendingTypes_;
    std::vector<std::pair<uint32_t, std::string>> pendingStrings_;
    uint64_t failures_ = 0;
};

ValueCapture::ValueCapture(CaptureLimits limits) : impl_(std::make_unique<Impl>(limits)) {}
ValueCapture::~ValueCapture() = default;

format::ValueRef ValueCapture::captureObject(PyObject* obj) {
    try {
        return impl_->capture(obj);
    } catch (...) {
        return ValueRef::constant(Constant::NotCaptured);
    }
}

bool ValueCapture::registerStandIn(PyObject* member) {
    if (!Py_IS_TYPE(member, &PyMemberDescr_Type)) {
        PyErr_SetString(PyExc_TypeError, "reel: a stand-in is named by its object member (a __slots__ entry)");
        return false;
    }
    auto* d = reinterpret_cast<PyMemberDescrObject*>(member);
    if (d->d_member->type != T_OBJECT_EX || d->d_member->offset <= 0) {
        PyErr_SetString(PyExc_TypeError, "reel: a stand-in's member must hold an object");
        return false;
    }
    PyTypeObject* type = PyDescr_TYPE(d);
    if (!(type->tp_flags & Py_TPFLAGS_HEAPTYPE)) {  // throughStandIn looks at heap types only
        PyErr_SetString(PyExc_TypeError, "reel: a stand-in's type must be a heap type");
        return false;
    }
    for (StandIn& s : gStandIns) {
        if (s.type == type || s.type == nullptr) {
            if (s.type == nullptr) Py_INCREF(type);  // kept for the life of the process
            s.type = type;
            s.offset = d->d_member->offset;
            return true;
        }
    }
    PyErr_SetString(PyExc_RuntimeError, "reel: too many stand-in types");
    return false;
}

PyObject* ValueCapture::instanceDictOf(PyObject* o) {
    return Impl::instanceDictOf(o);
}

bool ValueCapture::mayMutateOther(PyObject* o, Py_ssize_t maxItems) {
    auto immutableLeaf = [](PyObject* x) {
        if (x == Py_None || x == Py_True || x == Py_False || x == Py_Ellipsis ||
            x == Py_NotImplemented)
            return true;
        PyTypeObject* t = Py_TYPE(x);
        // A class statement's class can be renamed (__qualname__/__module__ assignment, as
        // namedtuple does), which changes its rendering; static types cannot.
        if (PyType_Check(x))
            return !(reinterpret_cast<PyTypeObject*>(x)->tp_flags & Py_TPFLAGS_HEAPTYPE);
        // C functions and descriptors (`isinstance`, `xs.append`, `float.__repr__`) are static
        // types without an instance dict or slot members: always `<TYPE object>` (rule 8).
        // Python functions are not: `<function QUALNAME>` changes when functools.update_wrapper
        // or an assignment renames one already bound (their shape is identity and qualname).
        // Modules neither: `<module NAME>` follows `m.__name__ = ...` (shapeModule).
        return t == &PyLong_Type || t == &PyFloat_Type || t == &PyComplex_Type ||
               t == &PyUnicode_Type || t == &PyBytes_Type ||
               t == &PyCode_Type || t == &PyCFunction_Type ||
               t == &PyCMethod_Type || t == &PyMethodDescr_Type || t == &PyWrapperDescr_Type ||
               t == &PyClassMethodDescr_Type || t == &PyGetSetDescr_Type ||
               t == &PyMemberDescr_Type;
    };
    if (immutableLeaf(o)) return false;
    PyTypeObject* t = Py_TYPE(o);
    if (t == &PyTuple_Type) {
        const Py_ssize_t n = std::min(PyTuple_GET_SIZE(o), maxItems);
        for (Py_ssize_t i = 0; i < n; ++i)
            if (!immutableLeaf(PyTuple_GET_ITEM(o, i))) return true;
        return false;
    }
    if (t == &PyFrozenSet_Type) {
        Py_ssize_t pos = 0, seen = 0;
        PyObject* key;
        Py_hash_t hash;
        while (seen++ < maxItems && _PySet_NextEntry(o, &pos, &key, &hash))
            if (!immutableLeaf(key)) return true;
        return false;
    }
    return true;
}

format::ValueRef ValueCapture::recapture(PyObject* obj, format::ValueRef prev, ValueShape& shape,
                                         const ChangeSet* changes, ValueShape* out,
                                         bool* wroteOut) {
    ValueShape& target = out != nullptr ? *out : shape;
    bool wrote = out == nullptr;
    // (a hit refreshes a shared shape's nodes too)
    auto syncRoots = [&] {
        shape.syncRoot();
        if (&target != &shape) target.syncRoot();
    };
    try {
        format::ValueRef r = impl_->recapture(obj, prev, shape, changes, out, wrote);
        if (wrote) target.bound();
        syncRoots();
        if (wroteOut != nullptr) *wroteOut = wrote;
        return r;
    } catch (...) {
        target.valid = false;
        syncRoots();
        if (wroteOut != nullptr) *wroteOut = true;
        return ValueRef::constant(Constant::NotCaptured);
    }
}
void ValueCapture::setPrivacy(const std::string& redact, bool noValues) {
    impl_->setPrivacy(redact, noValues);
    showsValues_ = !noValues;
}
bool ValueCapture::redactsName(std::string_view name) const {
    try {
        return impl_->redactsName(name);
    } catch (...) {
        return true;  // a regex engine failure (e.g. complexity limit): err on the private side
    }
}
bool ValueCapture::redactsString(uint32_t id) const {
    return impl_->redactsId(id);
}
bool ValueCapture::redacting() const {
    return impl_->hasRedact();
}
bool ValueCapture::noValues() const {
    return impl_->noValues();
}
uint64_t ValueCapture::shapeHits() const {
    return impl_->shapeHits();
}
uint64_t ValueCapture::shapeMisses() const {
    return impl_->shapeMisses();
}
const ValueCapture::DedupCounts& ValueCapture::dedupCounts() const {
    return impl_->dedupCounts();
}
void ValueCapture::setRoundCounter(const uint64_t* counter) {
    impl_->setRoundCounter(counter);
}
uint64_t ValueCapture::pathPatches() const {
    return impl_->pathPatches();
}
uint64_t ValueCapture::rootPatches() const {
    return impl_->rootPatches();
}
uint64_t ValueCapture::twinWalks() const {
    return impl_->twinWalks();
}

uint32_t ValueCapture::internString(std::string_view utf8) {
    try {
        return impl_->internString(utf8);
    } catch (...) {
        return 0xFFFFFFFFu;
    }
}

uint32_t ValueCapture::internString(PyObject* s) {
    try {
        if (s == nullptr || !PyUnicode_Check(s)) return 0xFFFFFFFFu;
        return impl_->internString(s);
    } catch (...) {
        return 0xFFFFFFFFu;
    }
}

std::vector<uint64_t> ValueCapture::startGeneration(const std::vector<format::ValueRef>& keep) {
    return impl_->startGeneration(keep);
}

void ValueCapture::drainInto(format::Batch& batch) {
    impl_->drainInto(batch);
}
uint64_t ValueCapture::valueCount() const {
    return impl_->valueCount();
}
size_t ValueCapture::pendingBytes() const {
    return impl_->pendingBytes();
}
uint64_t ValueCapture::failureCount() const {
    return impl_->failures();
}

}  // namespace reel::recorder
