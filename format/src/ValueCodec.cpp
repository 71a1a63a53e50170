#include "reel/format/ValueCodec.h"

#include <cstring>
#include <iterator>

namespace reel::format {

namespace {

// Bounds for counts read from a file: a record can never hold more items than bytes remain, so
// anything larger is damage and must not size an allocation.
uint64_t count(ByteCursor& c, const char* what) {
    return c.varintBounded(c.remaining(), what);
}

// `relative`: a record ref holds selfId - childId (format 1.2); returned as an absolute ref.
ValueRef ref(ByteCursor& c, uint64_t selfId, bool relative = false) {
    ValueRef v{c.varint()};
    REEL_REQUIRE(v.valid(), c.baseOffset(), "invalid value reference");
    if (relative && v.kind() == ValueRef::Kind::Record) {
        const uint64_t d = v.recordId();
        REEL_REQUIRE(d != 0, c.baseOffset(), "relative value reference to the record itself");
        REEL_REQUIRE(d <= selfId, c.baseOffset(),
                     "relative value reference points before the first record");
        return ValueRef::record(selfId - d);
    }
    REEL_REQUIRE(v.kind() != ValueRef::Kind::Record || v.recordId() < selfId, c.baseOffset(),
                 "value refers forward to a record that is not defined yet");
    return v;
}

uint32_t id32(ByteCursor& c, const char* what) {
    return static_cast<uint32_t>(c.varintBounded(0xFFFFFFFFu, what));
}

double f64(ByteCursor& c) {
    double d;
    std::memcpy(&d, c.bytes(8), 8);
    return d;
}

void refs(ByteCursor& c, uint64_t selfId, uint64_t n, std::vector<ValueRef>& out, bool rel) {
    out.reserve(n);
    for (uint64_t i = 0; i < n; ++i) out.push_back(ref(c, selfId, rel));
}

void putF64(std::vector<uint8_t>& out, double d) {
    uint8_t b[8];
    std::memcpy(b, &d, 8);
    out.insert(out.end(), b, b + 8);
}

void putBytes(std::vector<uint8_t>& out, std::string_view s) {
    putVarint(out, s.size());
    out.insert(out.end(), s.begin(), s.end());
}

void putRefs(std::vector<uint8_t>& out, const ValueRef* refs, size_t n) {
    for (size_t i = 0; i < n; ++i) putVarint(out, refs[i].raw);
}

// A ref as written inside a record with id `selfId` in the relative encoding.
uint64_t relRaw(ValueRef r, uint64_t selfId) {
    if (r.kind() != ValueRef::Kind::Record) return r.raw;
    REEL_ASSERT(r.recordId() < selfId, "a record refers only to earlier records");
    return (selfId - r.recordId()) << 2;
}

void putRelRefs(std::vector<uint8_t>& out, const ValueRef* refs, size_t n, uint64_t selfId) {
    for (size_t i = 0; i < n; ++i) putVarint(out, relRaw(refs[i], selfId));
}

// n v, then n (name string id v, ref): an OBJECT's attributes, an attribute section (1.3).
void namedRefs(ByteCursor& c, uint64_t selfId, uint64_t total, std::vector<uint32_t>& names,
               std::vector<ValueRef>& items, bool rel, const char* tooMany) {
    const uint64_t n = count(c, "attribute count past end of record");
    REEL_REQUIRE(n <= total, c.baseOffset(), tooMany);
    names.reserve(n);
    items.reserve(n);
    for (uint64_t i = 0; i < n; ++i) {
        names.push_back(id32(c, "string id out of range"));
        items.push_back(ref(c, selfId, rel));
    }
}

}  // namespace

ValueRecord decodeValue(ByteCursor& c, uint64_t selfId) {
    ValueRecord r;
    const uint8_t kindByte = c.byte();
    if (kindByte == static_cast<uint8_t>(ValueKind::Patch) || kindByte == kPatchSameLengthByte) {
        r.kind = ValueKind::Patch;
        const uint64_t d = c.varint();
        REEL_REQUIRE(d != 0, c.baseOffset(), "value patch based on itself");
        REEL_REQUIRE(d <= selfId, c.baseOffset(), "value patch base before the first record");
        r.base = selfId - d;
        r.patchSameLength = kindByte == kPatchSameLengthByte;
        if (!r.patchSameLength) {
            r.fullLength = c.varint();
            r.patchCount = c.varint();
        }
        const uint64_t k = count(c, "patch item count past end of record");
        r.patchIndex.reserve(k);
        r.items.reserve(k);
        for (uint64_t i = 0; i < k; ++i) {
            const uint64_t ix = c.varint();
            REEL_REQUIRE(i == 0 || ix > r.patchIndex.back(), c.baseOffset(),
                         "value patch indices not increasing");
            r.patchIndex.push_back(ix);
            r.items.push_back(ref(c, selfId, true));
        }
        return r;
    }
    const bool rel = kindByte & kRelativeRefsFlag;
    const bool withAttrs = kindByte & kAttrsFlag;
    const uint8_t k = kindByte & ~(kRelativeRefsFlag | kAttrsFlag);
    REEL_REQUIRE(k >= 1 && k <= kMaxValueKind, c.baseOffset(),
                 "unknown value kind " + std::to_string(kindByte));
    r.kind = static_cast<ValueKind>(k);
    REEL_REQUIRE(!rel || isPatchableKind(r.kind) || r.kind == ValueKind::Exception ||
                     r.kind == ValueKind::Subclass,
                 c.baseOffset(), "relative encoding of a value kind without references");
    REEL_REQUIRE(!withAttrs || r.kind == ValueKind::Exception || r.kind == ValueKind::Subclass,
                 c.baseOffset(), "attribute section on a value kind without one");
    auto text = [&] {
        uint64_t n = count(c, "string length past end of record");
        r.text = std::string_view(reinterpret_cast<const char*>(c.bytes(n)), n);
    };
    switch (r.kind) {
        case ValueKind::Int:
            r.intValue = unzigzag(c.varint());
            break;
        case ValueKind::BigInt: {
            uint8_t sign = c.byte();
            REEL_REQUIRE(sign <= 1, c.baseOffset(), "bad big int sign");
            r.negative = sign;
            r.bits = c.varint();
            text();
            for (char ch : r.text)
                REEL_REQUIRE(ch >= '0' && ch <= '9', c.baseOffset(), "bad big int digits");
            break;
        }
        case ValueKind::Float:
            r.real = f64(c);
            break;
        case ValueKind::Complex:
            r.real = f64(c);
            r.imag = f64(c);
            break;
        case ValueKind::Str:
        case ValueKind::Bytes:
            r.fullLength = c.varint();
            text();
            break;
        case ValueKind::Bytearray:
            r.identity = c.varint();
            r.fullLength = c.varint();
            text();
            break;
        case ValueKind::List:
        case ValueKind::Tuple:
        case ValueKind::Set:
        case ValueKind::Frozenset: {
            r.identity = c.varint();
            r.fullLength = c.varint();
            refs(c, selfId, count(c, "item count past end of record"), r.items, rel);
            REEL_REQUIRE(r.items.size() <= r.fullLength, c.baseOffset(),
                         "more items than the container holds");
            break;
        }
        case ValueKind::Dict: {
            r.identity = c.varint();
            r.fullLength = c.varint();
            uint64_t n = count(c, "entry count past end of record");
            REEL_REQUIRE(n <= r.fullLength, c.baseOffset(), "more entries than the dict holds");
            refs(c, selfId, 2 * n, r.items, rel);
            break;
        }
        case ValueKind::Object: {
            r.identity = c.varint();
            r.typeId = id32(c, "type id out of range");
            r.fullLength = c.varint();
            namedRefs(c, selfId, r.fullLength, r.names, r.items, rel,
                      "more attributes than the object has");
            break;
        }
        case ValueKind::Exception: {
            r.identity = c.varint();
            r.typeId = id32(c, "type id out of range");
            r.fullLength = c.varint();
            uint64_t n = count(c, "argument count past end of record");
            REEL_REQUIRE(n <= r.fullLength, c.baseOffset(),
                         "more arguments than the exception has");
            refs(c, selfId, n, r.items, rel);
            r.cause = ref(c, selfId, rel);
            r.context = ref(c, selfId, rel);
            refs(c, selfId, count(c, "sub-exception count past end of record"), r.subExceptions,
                 rel);
            break;
        }
        case ValueKind::Function:
            r.identity = c.varint();
            r.stringId = id32(c, "string id out of range");
            break;
        case ValueKind::Class:
        case ValueKind::Opaque:
            r.identity = c.varint();
            r.typeId = id32(c, "type id out of range");
            break;
        case ValueKind::Module:
            r.identity = c.varint();
            r.stringId = id32(c, "string id out of range");
            break;
        case ValueKind::Subclass:
            r.typeId = id32(c, "type id out of range");
            r.inner = ref(c, selfId, rel);
            break;
        case ValueKind::Truncated: {
            r.identity = c.varint();
            r.typeId = id32(c, "type id out of range");
            uint8_t inner = c.byte();
            REEL_REQUIRE(inner >= 1 && inner <= kMaxValueKind, c.baseOffset(),
                         "bad truncated kind");
            r.innerKind = static_cast<ValueKind>(inner);
            break;
        }
        case ValueKind::Cycle:
            r.identity = c.varint();
            break;
        case ValueKind::Generator:
            r.identity = c.varint();
            r.typeId = id32(c, "type id out of range");
            r.stringId = id32(c, "string id out of range");
            break;
        case ValueKind::Patch:  // handled above; the kind byte range check excludes it here
            break;
    }
    if (withAttrs) {
        r.attrTotal = c.varint();
        namedRefs(c, selfId, r.attrTotal, r.attrNames, r.attrs, rel,
                  "more attributes than the value has");
    }
    return r;
}

ValueRecord applyPatch(const ValueRecord& base, const ValueRecord& patch, uint64_t off) {
    REEL_REQUIRE(isPatchableKind(base.kind), off,
                 std::string("value patch based on a ") + valueKindName(base.kind) + " record");
    ValueRecord r = base;
    const bool dict = base.kind == ValueKind::Dict;
    const uint64_t baseCount = dict ? base.items.size() / 2 : base.items.size();
    const uint64_t n = patch.patchSameLength ? baseCount : patch.patchCount;
    const uint64_t fullLength = patch.patchSameLength ? base.fullLength : patch.fullLength;
    REEL_REQUIRE(n <= fullLength, off, "value patch has more items than its length");
    if (base.kind == ValueKind::Object)
        REEL_REQUIRE(n == base.items.size(), off,
                     "value patch changes an object's attribute count");
    // Every added item must be given by the patch, so the count is bounded by its size.
    const uint64_t baseItems = base.items.size();
    const uint64_t items = dict ? 2 * n : n;
    REEL_REQUIRE(items <= baseItems + patch.items.size(), off,
                 "value patch leaves items undefined");
    r.fullLength = fullLength;
    r.items.resize(static_cast<size_t>(items));
    uint64_t covered = 0;  // patch entries at indices >= baseItems
    for (size_t i = 0; i < patch.items.size(); ++i) {
        const uint64_t ix = patch.patchIndex[i];
        REEL_REQUIRE(ix < items, off, "value patch index out of range");
        r.items[static_cast<size_t>(ix)] = patch.items[i];
        if (ix >= baseItems) ++covered;
    }
    REEL_REQUIRE(items <= baseItems || covered == items - baseItems, off,
                 "value patch leaves items undefined");
    return r;
}

void skipValue(ByteCursor& c) {
    // Decoding is cheap next to decompression; one code path keeps validation identical.
    decodeValue(c, ~uint64_t{0});
}

const char* valueKindName(ValueKind k) {
    static constexpr const char* kNames[] = {
        "?",     "int",    "bigint", "float",     "complex",   "str",    "bytes",     "bytearray",
        "list",  "tuple",  "set",    "frozenset", "dict",      "object", "exception", "function",
        "class", "module", "opaque", "subclass",  "truncated", "cycle",  "generator", "patch"};
    static_assert(std::size(kNames) == kMaxValueKind + 2u, "one name per ValueKind");
    const auto i = static_cast<unsigned>(k);
    return i < std::size(kNames) ? kNames[i] : "?";
}

namespace encode {

void intValue(std::vector<uint8_t>& out, int64_t v) {
    kindByte(out, ValueKind::Int);
    putVarint(out, zigzag(v));
}
void bigInt(std::vector<uint8_t>& out, bool negative, uint64_t bits, std::string_view digits) {
    kindByte(out, ValueKind::BigInt);
    out.push_back(negative ? 1 : 0);
    putVarint(out, bits);
    putBytes(out, digits);
}
void floatValue(std::vector<uint8_t>& out, double v) {
    kindByte(out, ValueKind::Float);
    putF64(out, v);
}
void complexValue(std::vector<uint8_t>& out, double re, double im) {
    kindByte(out, ValueKind::Complex);
    putF64(out, re);
    putF64(out, im);
}
void str(std::vector<uint8_t>& out, uint64_t fullLength, std::string_view utf8Prefix) {
    kindByte(out, ValueKind::Str);
    putVarint(out, fullLength);
    putBytes(out, utf8Prefix);
}
void bytes(std::vector<uint8_t>& out, uint64_t fullLength, std::string_view prefix) {
    kindByte(out, ValueKind::Bytes);
    putVarint(out, fullLength);
    putBytes(out, prefix);
}
void bytearray(std::vector<uint8_t>& out, uint64_t identity, uint64_t fullLength,
               std::string_view prefix) {
    kindByte(out, ValueKind::Bytearray);
    putVarint(out, identity);
    putVarint(out, fullLength);
    putBytes(out, prefix);
}
void container(std::vector<uint8_t>& out, ValueKind kind, uint64_t identity, uint64_t fullLength,
               const ValueRef* refs, size_t nRefs) {
    REEL_ASSERT(kind >= ValueKind::List && kind <= ValueKind::Dict, "not a container kind");
    REEL_ASSERT(kind != ValueKind::Dict || nRefs % 2 == 0, "dict refs come in pairs");
    kindByte(out, kind);
    putVarint(out, identity);
    putVarint(out, fullLength);
    putVarint(out, kind == ValueKind::Dict ? nRefs / 2 : nRefs);
    putRefs(out, refs, nRefs);
}
void containerRelative(std::vector<uint8_t>& out, ValueKind kind, uint64_t identity,
                       uint64_t fullLength, const ValueRef* refs, size_t nRefs, uint64_t selfId) {
    REEL_ASSERT(kind >= ValueKind::List && kind <= ValueKind::Dict, "not a container kind");
    REEL_ASSERT(kind != ValueKind::Dict || nRefs % 2 == 0, "dict refs come in pairs");
    out.push_back(static_cast<uint8_t>(kind) | kRelativeRefsFlag);
    putVarint(out, identity);
    putVarint(out, fullLength);
    putVarint(out, kind == ValueKind::Dict ? nRefs / 2 : nRefs);
    putRelRefs(out, refs, nRefs, selfId);
}
void objectRelative(std::vector<uint8_t>& out, uint64_t identity, uint32_t typeId, uint64_t total,
                    const uint32_t* names, const ValueRef* refs, size_t n, uint64_t selfId) {
    out.push_back(static_cast<uint8_t>(ValueKind::Object) | kRelativeRefsFlag);
    putVarint(out, identity);
    putVarint(out, typeId);
    putVarint(out, total);
    putVarint(out, n);
    for (size_t i = 0; i < n; ++i) {
        putVarint(out, names[i]);
        putVarint(out, relRaw(refs[i], selfId));
    }
}
size_t containerRelativeSize(ValueKind kind, uint64_t identity, uint64_t fullLength,
                             const ValueRef* refs, size_t nRefs, uint64_t selfId) {
    size_t n = 1 + varintSize(identity) + varintSize(fullLength) +
               varintSize(kind == ValueKind::Dict ? nRefs / 2 : nRefs);
    for (size_t i = 0; i < nRefs; ++i) n += varintSize(relRaw(refs[i], selfId));
    return n;
}
size_t objectRelativeSize(uint64_t identity, uint32_t typeId, uint64_t total,
                          const uint32_t* names, const ValueRef* refs, size_t n, uint64_t selfId) {
    size_t bytes = 1 + varintSize(identity) + varintSize(typeId) + varintSize(total) + varintSize(n);
    for (size_t i = 0; i < n; ++i)
        bytes += varintSize(names[i]) + varintSize(relRaw(refs[i], selfId));
    return bytes;
}
// A patch's replaced items: (index, ref relative to the patch's own id) pairs.
static void putPatchItems(std::vector<uint8_t>& out, const uint32_t* indices, const ValueRef* refs,
                          size_t k, uint64_t selfId) {
    putVarint(out, k);
    for (size_t i = 0; i < k; ++i) {
        putVarint(out, indices[i]);
        putVarint(out, relRaw(refs[i], selfId));
    }
}
void patch(std::vector<uint8_t>& out, uint64_t selfId, uint64_t baseId, uint64_t fullLength,
           uint64_t count, const uint32_t* indices, const ValueRef* refs, size_t k) {
    REEL_ASSERT(baseId < selfId, "a patch's base is an earlier record");
    kindByte(out, ValueKind::Patch);
    putVarint(out, selfId - baseId);
    putVarint(out, fullLength);
    putVarint(out, count);
    putPatchItems(out, indices, refs, k, selfId);
}
void patchSameLength(std::vector<uint8_t>& out, uint64_t selfId, uint64_t baseId,
                     const uint32_t* indices, const ValueRef* refs, size_t k) {
    REEL_ASSERT(baseId < selfId, "a patch's base is an earlier record");
    out.push_back(kPatchSameLengthByte);
    putVarint(out, selfId - baseId);
    putPatchItems(out, indices, refs, k, selfId);
}
void object(std::vector<uint8_t>& out, uint64_t identity, uint32_t typeId, uint64_t total,
            const uint32_t* names, const ValueRef* refs, size_t n) {
    kindByte(out, ValueKind::Object);
    putVarint(out, identity);
    putVarint(out, typeId);
    putVarint(out, total);
    putVarint(out, n);
    for (size_t i = 0; i < n; ++i) {
        putVarint(out, names[i]);
        putVarint(out, refs[i].raw);
    }
}
void exception(std::vector<uint8_t>& out, uint64_t identity, uint32_t typeId, uint64_t nargs,
               const ValueRef* args, size_t n, ValueRef cause, ValueRef context,
               const ValueRef* subs, size_t nSubs) {
    kindByte(out, ValueKind::Exception);
    putVarint(out, identity);
    putVarint(out, typeId);
    putVarint(out, nargs);
    putVarint(out, n);
    putRefs(out, args, n);
    putVarint(out, cause.raw);
    putVarint(out, context.raw);
    putVarint(out, nSubs);
    putRefs(out, subs, nSubs);
}
void attrs(std::vector<uint8_t>& out, size_t start, uint64_t attrTotal, const uint32_t* names,
           const ValueRef* refs, size_t n) {
    if (attrTotal == 0) return;
    REEL_ASSERT(start < out.size() && (out[start] == static_cast<uint8_t>(ValueKind::Exception) ||
                                       out[start] == static_cast<uint8_t>(ValueKind::Subclass)),
                "an attribute section follows an absolute EXCEPTION or SUBCLASS record");
    REEL_ASSERT(n <= attrTotal, "no more attributes captured than counted");
    out[start] |= kAttrsFlag;
    putVarint(out, attrTotal);
    putVarint(out, n);
    for (size_t i = 0; i < n; ++i) {
        putVarint(out, names[i]);
        putVarint(out, refs[i].raw);
    }
}
void function(std::vector<uint8_t>& out, uint64_t identity, uint32_t qualnameStringId) {
    kindByte(out, ValueKind::Function);
    putVarint(out, identity);
    putVarint(out, qualnameStringId);
}
void classValue(std::vector<uint8_t>& out, uint64_t identity, uint32_t typeId) {
    kindByte(out, ValueKind::Class);
    putVarint(out, identity);
    putVarint(out, typeId);
}
void module(std::vector<uint8_t>& out, uint64_t identity, uint32_t nameStringId) {
    kindByte(out, ValueKind::Module);
    putVarint(out, identity);
    putVarint(out, nameStringId);
}
void opaque(std::vector<uint8_t>& out, uint64_t identity, uint32_t typeId) {
    kindByte(out, ValueKind::Opaque);
    putVarint(out, identity);
    putVarint(out, typeId);
}
void subclass(std::vector<uint8_t>& out, uint32_t typeId, ValueRef inner) {
    kindByte(out, ValueKind::Subclass);
    putVarint(out, typeId);
    putVarint(out, inner.raw);
}
void truncated(std::vector<uint8_t>& out, uint64_t identity, uint32_t typeId, ValueKind innerKind) {
    kindByte(out, ValueKind::Truncated);
    putVarint(out, identity);
    putVarint(out, typeId);
    out.push_back(static_cast<uint8_t>(innerKind));
}
void cycle(std::vector<uint8_t>& out, uint64_t ancestorIdentity) {
    kindByte(out, ValueKind::Cycle);
    putVarint(out, ancestorIdentity);
}
void generator(std::vector<uint8_t>& out, uint64_t identity, uint32_t typeId,
               uint32_t qualnameStringId) {
    kindByte(out, ValueKind::Generator);
    putVarint(out, identity);
    putVarint(out, typeId);
    putVarint(out, qualnameStringId);
}

}  // namespace encode
}  // namespace reel::format
