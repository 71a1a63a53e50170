#pragma once
// Value records: snapshots of Python objects taken by the recorder without running Python code.
// A ValueBatch's `data` is a sequence of records; record i has value id ValueBatch.firstId + i.
// Children are ValueRefs to records with smaller ids (the recorder writes children first), so
// the graph is acyclic; a cycle in the live object graph appears as a CYCLE record that names the
// identity of the ancestor it points back to.
//
// Snapshots are content-addressed by the recorder: identical records (same kind, identity and
// content) are stored once, so one id can be shared by many locals and events.
//
// `identity` is a recorder-assigned number for the live object (equal identities at the same
// moment mean the same object: aliasing). It is 0 for values whose identity is not tracked
// (exact int, float, complex, str, bytes).
//
// Record layout: kind byte, then varints (v) / raw bytes:
//   0x01 INT        zigzag(v)                              exact int that did not fit a ValueRef
//   0x02 BIGINT     sign byte (0/1), bits v, ndigits v, ndigits ASCII decimal digits (magnitude);
//                   ndigits is 0 when the number was too large to convert cheaply
//   0x03 FLOAT      8 bytes IEEE-754 binary64
//   0x04 COMPLEX    8 bytes real, 8 bytes imaginary
//   0x05 STR        fullLength v (code points), n v, n bytes: the first min(fullLength, maxStr)
//                   code points in UTF-8 (lone surrogates encoded as in "surrogatepass")
//   0x06 BYTES      fullLength v, n v, n bytes
//   0x07 BYTEARRAY  identity v, fullLength v, n v, n bytes
//   0x08 LIST       identity v, fullLength v, n v, n refs
//   0x09 TUPLE      identity v, fullLength v, n v, n refs
//   0x0A SET        identity v, fullLength v, n v, n refs (iteration order)
//   0x0B FROZENSET  identity v, fullLength v, n v, n refs
//   0x0C DICT       identity v, fullLength v, n v, n (key ref, value ref) pairs
//   0x0D OBJECT     identity v, typeId v, total v, n v, n (nameStringId v, ref): slots (MRO order
//                   from the object's type, declaration order) then __dict__ entries, names that
//                   start with "__" left out; total counts all such attributes
//   0x0E EXCEPTION  identity v, typeId v, nargs v, n v, n refs (args), cause ref, context ref,
//                   then nsub v, nsub refs (ExceptionGroup.exceptions, else 0)
//   0x0F FUNCTION   identity v, qualnameStringId v
//   0x10 CLASS      identity v, typeId v (the class itself, described as a type record)
//   0x11 MODULE     identity v, nameStringId v
//   0x12 OPAQUE     identity v, typeId v              anything else (rendering rule 8)
//   0x13 SUBCLASS   typeId v, ref to the builtin-typed content record (LIST, INT, STR, ...; for
//                   containers the inner record carries the identity)
//   0x14 TRUNCATED  identity v, typeId v, innerKind byte: a container/object/exception deeper
//                   than maxDepth; innerKind is the kind it would have had
//   0x15 CYCLE      identity v of the ancestor on the path from the top value
//   0x16 GENERATOR  identity v, typeId v, qualnameStringId v: generator, coroutine, async
//                   generator (rendered like OPAQUE; kept apart for timelines)
//
// Format 1.2 (files with requiredReaderMinor >= 2, kCompactValuesReaderMinor) adds two compact
// encodings; the decoder turns both back into the records above, with absolute ids:
//   kind | 0x80     RELATIVE: the record of that kind (only LIST, TUPLE, SET, FROZENSET, DICT,
//                   OBJECT, EXCEPTION, SUBCLASS) with every record ref inside it written as
//                   (selfId - childId) << 2 instead of childId << 2 (other ref kinds unchanged).
//                   Recent children then cost one byte, and the same byte again next time.
//   0x17 PATCH      baseDelta v, fullLength v, n v, k v, k (index v, relative ref):
//                   "record selfId - baseDelta with these items replaced". The base is a LIST,
//                   TUPLE, SET, FROZENSET, DICT or OBJECT record, or another PATCH (a chain, at
//                   most kMaxPatchChain long). The result has the base's kind, identity, typeId
//                   and attribute names, the given fullLength, n items (DICT: n entries, items
//                   2n refs; OBJECT: n must equal the base's), items[i] = base items[i] for
//                   i < min(n, base n) unless replaced; indices strictly increase, are < the
//                   result's item count and cover every item past the base's. Refs relative as
//                   in RELATIVE.
//   0x18 PATCH_SAME baseDelta v, k v, k (index v, relative ref): a PATCH that keeps the base's
//                   fullLength and item count (the common "one item changed" case, 2 bytes less).
// Readers resolve a PATCH with resolvePatch(); decodeValue() returns it unresolved (kind Patch).
//
// Format 1.3 (files with requiredReaderMinor >= 3, kValueAttrsReaderMinor) adds one flag:
//   kind | 0x40     ATTRS: only on EXCEPTION and SUBCLASS (RELATIVE or not). The record as above
//                   is followed by an attribute section: total v, n v, n (nameStringId v, ref),
//                   refs relative when the RELATIVE flag is set. The attributes of an instance
//                   that the record's own fields do not cover, in the order OBJECT lists them
//                   (struct members a builtin exception type defines, such as OSError.filename,
//                   then slots, then __dict__ entries; names starting with "__" left out except
//                   "__notes__"); total counts all of them. They are not part of the exported
//                   rendering (docs/values.md rules 4 and 5), which is why they sit outside the
//                   1.0 layout instead of turning such values into OBJECT records.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "reel/format/ValueRef.h"
#include "reel/format/Varint.h"

namespace reel::format {

enum class ValueKind : uint8_t {
    Int = 0x01, BigInt, Float, Complex, Str, Bytes, Bytearray, List, Tuple, Set, Frozenset, Dict,
    Object, Exception, Function, Class, Module, Opaque, Subclass, Truncated, Cycle, Generator,
    Patch  // format 1.2; decodeValue() only, never the result of resolvePatch()
};
inline constexpr uint8_t kMaxValueKind = static_cast<uint8_t>(ValueKind::Generator);
// Kind byte bit: the record's refs are relative to its own id (format 1.2).
inline constexpr uint8_t kRelativeRefsFlag = 0x80;
// Kind byte of a PATCH_SAME record (decoded as ValueKind::Patch with patchSameLength set).
inline constexpr uint8_t kPatchSameLengthByte = 0x18;
// The first format minor that reads RELATIVE and PATCH records (TraceHeader.requiredReaderMinor
// of a file that has them) and the event stream's LOCAL_SET_DELTA.
inline constexpr uint16_t kCompactValuesReaderMinor = 2;
// Kind byte bit: an attribute section follows the record (format 1.3, EXCEPTION and SUBCLASS).
inline constexpr uint8_t kAttrsFlag = 0x40;
// The first format minor that reads the ATTRS flag (TraceHeader.requiredReaderMinor of every
// recording since format 1.3).
inline constexpr uint16_t kValueAttrsReaderMinor = 3;
// Longest chain of PATCH records a reader follows (base of a base of ...) before it calls the
// file damaged; the recorder writes a full record after kWriterPatchChain patches.
inline constexpr uint32_t kMaxPatchChain = 64;
inline constexpr uint32_t kWriterPatchChain = 16;
// The kind's name as `reel dump` and the recorder's testing hooks spell it ("int", "bigint",
// "truncated", ...); "?" for a value outside the enum.
const char* valueKindName(ValueKind k);

// A decoded record. Views point into the chunk's buffer, which must outlive the record.
struct ValueRecord {
    ValueKind kind{};
    uint64_t identity = 0;
    uint32_t typeId = 0;          // Object, Exception, Class, Opaque, Subclass, Truncated, Generator
    uint32_t stringId = 0;        // Function/Generator qualname, Module name
    uint64_t fullLength = 0;      // Str, Bytes, Bytearray, containers; Object: total attributes
    int64_t intValue = 0;         // Int
    bool negative = false;        // BigInt
    uint64_t bits = 0;            // BigInt
    double real = 0, imag = 0;    // Float, Complex
    std::string_view text;        // Str/Bytes/Bytearray bytes, BigInt digits
    std::vector<ValueRef> items;  // containers, exception args; Dict: k0, v0, k1, v1, ...
    std::vector<uint32_t> names;  // Object: attribute name string ids, parallel to items
    ValueRef inner;               // Subclass content
    ValueRef cause, context;      // Exception
    std::vector<ValueRef> subExceptions;
    // Exception, Subclass (format 1.3 ATTRS): attribute names (string ids) and values, parallel;
    // attrTotal counts every attribute the instance had, captured or not.
    std::vector<uint32_t> attrNames;
    std::vector<ValueRef> attrs;
    uint64_t attrTotal = 0;
    ValueKind innerKind{};        // Truncated
    // Patch (unresolved): base record id, item count after the patch (DICT: entries), and the
    // replaced item indices, parallel to `items`.
    uint64_t base = 0;
    uint64_t patchCount = 0;
    bool patchSameLength = false;  // PATCH_SAME: fullLength and patchCount come from the base
    std::vector<uint64_t> patchIndex;
};

inline bool isPatchableKind(ValueKind k) {
    return (k >= ValueKind::List && k <= ValueKind::Dict) || k == ValueKind::Object;
}

// Every value reference a decoded record holds, in record order (items, inner, cause, context,
// sub-exceptions, attributes), plus a PATCH's base as a record ref first. The one place that knows where
// refs live: whatever follows references (verify, the flight recorder's carry-over of reachable
// records) goes through it.
template <class F>
void forEachRef(const ValueRecord& r, F&& f) {
    if (r.kind == ValueKind::Patch) f(ValueRef::record(r.base));
    for (const ValueRef& v : r.items) f(v);
    if (r.kind == ValueKind::Subclass) f(r.inner);
    if (r.kind == ValueKind::Exception) {
        f(r.cause);
        f(r.context);
        for (const ValueRef& v : r.subExceptions) f(v);
    }
    for (const ValueRef& v : r.attrs) f(v);
}

// Decodes the record at the cursor, advancing past it. Validates kinds, lengths and refs
// (a Record ref must be < `selfId`, the id of the record being decoded).
ValueRecord decodeValue(ByteCursor& cursor, uint64_t selfId);
// Advances past one record without materializing it (used to index a chunk).
void skipValue(ByteCursor& cursor);

// Applies PATCH record `patch` (decoded, kind Patch) to its resolved base (never a Patch) and
// returns the full record; TraceFormatError at `fileOffset` when they do not fit.
ValueRecord applyPatch(const ValueRecord& base, const ValueRecord& patch, uint64_t fileOffset);
// `r` with its PATCH chain resolved: `fetchRaw(id)` returns the decoded, unresolved record `id`
// (throwing TraceFormatError if there is none). Non-patch records are returned unchanged.
// Chains longer than kMaxPatchChain are damage.
template <class FetchRaw>
ValueRecord resolvePatch(ValueRecord r, FetchRaw&& fetchRaw, uint64_t fileOffset) {
    if (r.kind != ValueKind::Patch) return r;
    std::vector<ValueRecord> chain;
    chain.push_back(std::move(r));
    while (true) {
        REEL_REQUIRE(chain.size() <= kMaxPatchChain, fileOffset,
                     "value patch chain longer than " + std::to_string(kMaxPatchChain));
        ValueRecord b = fetchRaw(chain.back().base);
        if (b.kind != ValueKind::Patch) {
            for (size_t i = chain.size(); i-- > 0;) b = applyPatch(b, chain[i], fileOffset);
            return b;
        }
        chain.push_back(std::move(b));
    }
}

// Builders used by the recorder. Each appends exactly one record to `out`.
namespace encode {
inline void kindByte(std::vector<uint8_t>& out, ValueKind k) { out.push_back(static_cast<uint8_t>(k)); }
void intValue(std::vector<uint8_t>& out, int64_t v);
void bigInt(std::vector<uint8_t>& out, bool negative, uint64_t bits, std::string_view digits);
void floatValue(std::vector<uint8_t>& out, double v);
void complexValue(std::vector<uint8_t>& out, double re, double im);
void str(std::vector<uint8_t>& out, uint64_t fullLength, std::string_view utf8Prefix);
void bytes(std::vector<uint8_t>& out, uint64_t fullLength, std::string_view prefix);
void bytearray(std::vector<uint8_t>& out, uint64_t identity, uint64_t fullLength, std::string_view prefix);
// LIST, TUPLE, SET, FROZENSET, DICT (refs holds key/value pairs for DICT).
void container(std::vector<uint8_t>& out, ValueKind kind, uint64_t identity, uint64_t fullLength,
               const ValueRef* refs, size_t nRefs);
// Format 1.2: the same records with refs relative to `selfId` (the id the record will get).
void containerRelative(std::vector<uint8_t>& out, ValueKind kind, uint64_t identity,
                       uint64_t fullLength, const ValueRef* refs, size_t nRefs, uint64_t selfId);
void objectRelative(std::vector<uint8_t>& out, uint64_t identity, uint32_t typeId, uint64_t total,
                    const uint32_t* names, const ValueRef* refs, size_t n, uint64_t selfId);
// The byte counts the two above write, without writing: the recorder writes a PATCH instead when
// it is shorter, and compares before encoding the full record.
size_t containerRelativeSize(ValueKind kind, uint64_t identity, uint64_t fullLength,
                             const ValueRef* refs, size_t nRefs, uint64_t selfId);
size_t objectRelativeSize(uint64_t identity, uint32_t typeId, uint64_t total,
                          const uint32_t* names, const ValueRef* refs, size_t n, uint64_t selfId);
// PATCH: record `selfId` is record `baseId` (< selfId) with `k` items replaced (indices
// strictly increasing), `count` items (DICT: entries) and `fullLength`.
void patch(std::vector<uint8_t>& out, uint64_t selfId, uint64_t baseId, uint64_t fullLength,
           uint64_t count, const uint32_t* indices, const ValueRef* refs, size_t k);
// PATCH_SAME: the same with the base's fullLength and count.
void patchSameLength(std::vector<uint8_t>& out, uint64_t selfId, uint64_t baseId,
                     const uint32_t* indices, const ValueRef* refs, size_t k);
void object(std::vector<uint8_t>& out, uint64_t identity, uint32_t typeId, uint64_t total,
            const uint32_t* names, const ValueRef* refs, size_t n);
void exception(std::vector<uint8_t>& out, uint64_t identity, uint32_t typeId, uint64_t nargs,
               const ValueRef* args, size_t n, ValueRef cause, ValueRef context,
               const ValueRef* subs, size_t nSubs);
// Format 1.3: sets the ATTRS flag on the record that starts at out[start] (an EXCEPTION or
// SUBCLASS just built with absolute refs) and appends its attribute section. Nothing is
// appended when attrTotal is 0: such a record is the 1.0 record unchanged.
void attrs(std::vector<uint8_t>& out, size_t start, uint64_t attrTotal, const uint32_t* names,
           const ValueRef* refs, size_t n);
void function(std::vector<uint8_t>& out, uint64_t identity, uint32_t qualnameStringId);
void classValue(std::vector<uint8_t>& out, uint64_t identity, uint32_t typeId);
void module(std::vector<uint8_t>& out, uint64_t identity, uint32_t nameStringId);
void opaque(std::vector<uint8_t>& out, uint64_t identity, uint32_t typeId);
void subclass(std::vector<uint8_t>& out, uint32_t typeId, ValueRef inner);
void truncated(std::vector<uint8_t>& out, uint64_t identity, uint32_t typeId, ValueKind innerKind);
void cycle(std::vector<uint8_t>& out, uint64_t ancestorIdentity);
void generator(std::vector<uint8_t>& out, uint64_t identity, uint32_t typeId, uint32_t qualnameStringId);
}  // namespace encode

}  // namespace reel::format
