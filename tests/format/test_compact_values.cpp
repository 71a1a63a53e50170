// Format 1.2 compact encodings: RELATIVE value records (kind | 0x80), PATCH records, and the
// event stream's LOCAL_SET_DELTA. Round trips, resolution through ValueSource, and damaged input
// (every case must be a TraceFormatError carrying the offset, never a crash).

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>

#include "format/TraceFixture.h"
#include "reel/format/Container.h"
#include "reel/format/EventStream.h"
#include "reel/format/ValueCodec.h"
#include "reel/replayer/ValueSource.h"

using namespace reel::format;
using namespace reel::test;
using reel::replayer::BufferValueSource;

namespace {

constexpr uint64_t kOff = 4242;  // the "chunk offset" errors must carry

std::vector<ValueRecord> decodeAll(const std::vector<uint8_t>& buf, uint64_t firstId = 0) {
    ByteCursor c(buf.data(), buf.size(), kOff);
    std::vector<ValueRecord> out;
    while (!c.atEnd()) out.push_back(decodeValue(c, firstId + out.size()));
    return out;
}

// Resolves record `id` of a buffer of records numbered from 0.
ValueRecord resolved(const std::vector<uint8_t>& buf, uint64_t id) {
    auto all = decodeAll(buf);
    auto raw = [&](uint64_t i) {
        if (i >= all.size()) throw TraceFormatError("no such value", kOff);
        return all[i];
    };
    return resolvePatch(all.at(id), raw, kOff);
}

template <class F>
void requireFormatError(F&& f, const char* needle) {
    try {
        f();
        FAIL("no TraceFormatError");
    } catch (const TraceFormatError& e) {
        INFO(e.what());
        CHECK(e.offset() == kOff);
        CHECK(std::string(e.what()).find(needle) != std::string::npos);
    }
}

// A callable that decodes `bytes` as record `selfId` (for requireFormatError).
auto oneRecord(std::vector<uint8_t> bytes, uint64_t selfId) {
    return [bytes = std::move(bytes), selfId] {
        ByteCursor c(bytes.data(), bytes.size(), kOff);
        (void)decodeValue(c, selfId);
    };
}

}  // namespace

TEST_CASE("relative records decode to absolute ids", "[format][values][compact]") {
    std::vector<uint8_t> buf;
    encode::floatValue(buf, 1.5);  // 0
    encode::str(buf, 1, "a");      // 1
    ValueRef items[] = {ValueRef::record(0), ValueRef::smallInt(-3), ValueRef::record(1),
                        ValueRef::constant(Constant::None)};
    encode::containerRelative(buf, ValueKind::List, 7, 9, items, 4, 2);  // 2
    ValueRef kv[] = {ValueRef::record(1), ValueRef::record(2)};
    encode::containerRelative(buf, ValueKind::Dict, 8, 1, kv, 2, 3);  // 3
    uint32_t names[] = {4, 5};
    ValueRef attrs[] = {ValueRef::record(3), ValueRef::record(0)};
    encode::objectRelative(buf, 9, 2, 3, names, attrs, 2, 4);  // 4
    // The relative list is shorter than the absolute one would be for large ids, and its refs to
    // recent records are one byte each.
    auto all = decodeAll(buf);
    REQUIRE(all.size() == 5);
    CHECK(all[2].kind == ValueKind::List);
    CHECK(all[2].identity == 7);
    CHECK(all[2].fullLength == 9);
    CHECK(all[2].items == std::vector<ValueRef>(items, items + 4));
    CHECK(all[3].kind == ValueKind::Dict);
    CHECK(all[3].items == std::vector<ValueRef>(kv, kv + 2));
    CHECK(all[4].kind == ValueKind::Object);
    CHECK(all[4].typeId == 2);
    CHECK(all[4].names == std::vector<uint32_t>{4, 5});
    CHECK(all[4].items == std::vector<ValueRef>(attrs, attrs + 2));

    // Hand-made relative EXCEPTION and SUBCLASS (the recorder writes them absolute today).
    std::vector<uint8_t> ex{static_cast<uint8_t>(ValueKind::Exception) | kRelativeRefsFlag,
                            3,  // identity
                            1,  // typeId
                            1,
                            1,
                            1 << 2,  // nargs, n, arg: record self-1
                            2 << 2,  // cause: record self-2
                            2,       // context: constant None
                            0};      // no sub-exceptions
    ByteCursor c(ex.data(), ex.size(), kOff);
    auto e = decodeValue(c, 10);
    CHECK(e.items == std::vector<ValueRef>{ValueRef::record(9)});
    CHECK(e.cause == ValueRef::record(8));
    CHECK(e.context == ValueRef::constant(Constant::None));
    std::vector<uint8_t> sub{static_cast<uint8_t>(ValueKind::Subclass) | kRelativeRefsFlag, 0,
                             5 << 2};
    ByteCursor s(sub.data(), sub.size(), kOff);
    CHECK(decodeValue(s, 5).inner == ValueRef::record(0));
}

TEST_CASE("relative record sizes are counted exactly", "[format][values][compact]") {
    // The recorder picks PATCH or RELATIVE by these counts; a count off by one byte would change
    // which it writes (still valid) and make recordings differ between versions.
    uint64_t seed = 12345;
    auto next = [&seed](uint64_t mod) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        return (seed >> 17) % mod;
    };
    const uint64_t spans[] = {1, 0x7F, 0x80, 0x3FFF, 0x4000, 1ull << 35, 1ull << 58};
    for (int round = 0; round < 2000; ++round) {
        const uint64_t selfId = 1 + next(spans[round % 7]);
        const size_t n = next(9);
        std::vector<ValueRef> refs;
        std::vector<uint32_t> names;
        for (size_t i = 0; i < n * 2; ++i) {
            const uint64_t pick = next(3);
            refs.push_back(pick == 0   ? ValueRef::record(next(selfId))
                           : pick == 1 ? ValueRef::smallInt(static_cast<int64_t>(next(1u << 20)) - 500000)
                                       : ValueRef::constant(Constant::None));
            names.push_back(static_cast<uint32_t>(next(spans[next(5)])));
        }
        const uint64_t identity = next(spans[next(7)]), fullLength = n + next(spans[next(6)]);
        const auto typeId = static_cast<uint32_t>(next(1u << 20));
        for (ValueKind kind : {ValueKind::List, ValueKind::Tuple, ValueKind::Set, ValueKind::Dict}) {
            const size_t nRefs = kind == ValueKind::Dict ? 2 * n : n;
            std::vector<uint8_t> out;
            encode::containerRelative(out, kind, identity, fullLength, refs.data(), nRefs, selfId);
            CHECK(encode::containerRelativeSize(kind, identity, fullLength, refs.data(), nRefs,
                                                selfId) == out.size());
        }
        std::vector<uint8_t> out;
        encode::objectRelative(out, identity, typeId, fullLength, names.data(), refs.data(), n,
                               selfId);
        CHECK(encode::objectRelativeSize(identity, typeId, fullLength, names.data(), refs.data(),
                                         n, selfId) == out.size());
    }
    CHECK(varintSize(0) == 1);
    CHECK(varintSize(0x7F) == 1);
    CHECK(varintSize(0x80) == 2);
    CHECK(varintSize(~0ull) == 10);
}

TEST_CASE("patch records resolve to the full record", "[format][values][compact]") {
    std::vector<uint8_t> buf;
    encode::floatValue(buf, 1.0);  // 0
    encode::floatValue(buf, 2.0);  // 1
    ValueRef l0[] = {ValueRef::record(0), ValueRef::smallInt(1), ValueRef::smallInt(2)};
    encode::container(buf, ValueKind::List, 11, 3, l0, 3);  // 2: absolute base
    uint32_t ix1[] = {1};
    ValueRef r1[] = {ValueRef::record(1)};
    encode::patch(buf, 3, 2, 3, 3, ix1, r1, 1);  // 3: [#0, #1, 2]
    uint32_t ix2[] = {3, 4};
    ValueRef r2[] = {ValueRef::smallInt(7), ValueRef::record(0)};
    encode::patch(buf, 4, 3, 5, 5, ix2, r2, 2);           // 4: append two: [#0, #1, 2, 7, #0]
    encode::patch(buf, 5, 4, 2, 2, nullptr, nullptr, 0);  // 5: truncate to [#0, #1]
    uint32_t names[] = {1, 2};
    ValueRef attrs[] = {ValueRef::record(2), ValueRef::smallInt(0)};
    encode::objectRelative(buf, 12, 3, 2, names, attrs, 2, 6);  // 6
    uint32_t ix7[] = {1};
    ValueRef r7[] = {ValueRef::record(5)};
    encode::patch(buf, 7, 6, 2, 2, ix7, r7, 1);  // 7: obj.<name 2> = #5
    ValueRef kv[] = {ValueRef::smallInt(1), ValueRef::record(0)};
    encode::containerRelative(buf, ValueKind::Dict, 13, 1, kv, 2, 8);  // 8: {1: #0}
    uint32_t ix9[] = {1, 2, 3};
    ValueRef r9[] = {ValueRef::record(1), ValueRef::smallInt(2), ValueRef::record(8)};
    encode::patch(buf, 9, 8, 2, 2, ix9, r9, 3);  // 9: {1: #1, 2: #8}

    uint32_t ix10[] = {0};
    ValueRef r10[] = {ValueRef::record(9)};
    encode::patchSameLength(buf, 10, 9, ix10, r10, 1);  // 10: {1: #1, 2: #8} key 1 -> #9
    ValueRef r11v[] = {ValueRef::smallInt(99)};
    encode::patchSameLength(buf, 11, 4, ix1, r11v, 1);  // 11: record 4 with item 1 = 99

    auto r3 = resolved(buf, 3);
    CHECK(r3.kind == ValueKind::List);
    CHECK(r3.identity == 11);
    CHECK(r3.items ==
          std::vector<ValueRef>{ValueRef::record(0), ValueRef::record(1), ValueRef::smallInt(2)});
    auto r4 = resolved(buf, 4);
    CHECK(r4.fullLength == 5);
    CHECK(r4.items == std::vector<ValueRef>{ValueRef::record(0), ValueRef::record(1),
                                            ValueRef::smallInt(2), ValueRef::smallInt(7),
                                            ValueRef::record(0)});
    auto r5 = resolved(buf, 5);
    CHECK(r5.fullLength == 2);
    CHECK(r5.items == std::vector<ValueRef>{ValueRef::record(0), ValueRef::record(1)});
    auto r7o = resolved(buf, 7);
    CHECK(r7o.kind == ValueKind::Object);
    CHECK(r7o.identity == 12);
    CHECK(r7o.typeId == 3);
    CHECK(r7o.names == std::vector<uint32_t>{1, 2});
    CHECK(r7o.items == std::vector<ValueRef>{ValueRef::record(2), ValueRef::record(5)});
    auto r9d = resolved(buf, 9);
    CHECK(r9d.kind == ValueKind::Dict);
    CHECK(r9d.items == std::vector<ValueRef>{ValueRef::smallInt(1), ValueRef::record(1),
                                             ValueRef::smallInt(2), ValueRef::record(8)});

    auto r10d = resolved(buf, 10);
    CHECK(r10d.kind == ValueKind::Dict);
    CHECK(r10d.fullLength == 2);
    CHECK(r10d.items == std::vector<ValueRef>{ValueRef::record(9), ValueRef::record(1),
                                              ValueRef::smallInt(2), ValueRef::record(8)});
    auto r11 = resolved(buf, 11);
    CHECK(r11.fullLength == 5);
    CHECK(r11.items == std::vector<ValueRef>{ValueRef::record(0), ValueRef::smallInt(99),
                                             ValueRef::smallInt(2), ValueRef::smallInt(7),
                                             ValueRef::record(0)});

    // forEachRef lists a patch's base first, then its items.
    auto raw9 = decodeAll(buf)[9];
    std::vector<ValueRef> seen;
    forEachRef(raw9, [&](ValueRef r) { seen.push_back(r); });
    CHECK(seen == std::vector<ValueRef>{ValueRef::record(8), ValueRef::record(1),
                                        ValueRef::smallInt(2), ValueRef::record(8)});

    // Consumers read resolved records through ValueSource.
    BufferValueSource src(buf);
    auto f = src.fetch(4);
    CHECK(f.record.kind == ValueKind::List);
    CHECK(f.record.items.size() == 5);
    CHECK(src.fetch(9).record.items == r9d.items);
}

TEST_CASE("damaged compact records are format errors", "[format][values][compact]") {
    const uint8_t patchK = static_cast<uint8_t>(ValueKind::Patch);
    const uint8_t relList = static_cast<uint8_t>(ValueKind::List) | kRelativeRefsFlag;
    // Relative refs pointing before record 0, or at the record itself.
    requireFormatError(oneRecord({relList, 1, 1, 1, 4 << 2}, 3), "before the first record");
    requireFormatError(oneRecord({relList, 1, 1, 1, 0}, 3), "itself");
    // Relative flag on a kind without references.
    requireFormatError(oneRecord({static_cast<uint8_t>(ValueKind::Float) | kRelativeRefsFlag, 0, 0,
                                  0, 0, 0, 0, 0, 0},
                                 3),
                       "relative encoding");
    // Patch base before record 0, the record itself, decreasing indices, truncated.
    requireFormatError(oneRecord({patchK, 5, 1, 1, 0}, 3), "before the first record");
    requireFormatError(oneRecord({patchK, 0, 1, 1, 0}, 3), "itself");
    requireFormatError(oneRecord({patchK, 1, 3, 3, 2, 2, 1, 1, 1}, 3), "not increasing");
    requireFormatError(oneRecord({patchK, 1, 3, 3, 2, 1}, 3), "truncated");
    // A patch relative ref before 0.
    requireFormatError(oneRecord({patchK, 1, 3, 3, 1, 0, 9 << 2}, 3), "before the first record");

    std::vector<uint8_t> base;
    ValueRef three[] = {ValueRef::smallInt(1), ValueRef::smallInt(2), ValueRef::smallInt(3)};
    encode::container(base, ValueKind::Tuple, 1, 3, three, 3);  // 0
    encode::str(base, 1, "x");                                  // 1
    auto withPatch = [&](std::vector<uint8_t> patchBytes) {
        std::vector<uint8_t> b = base;
        b.insert(b.end(), patchBytes.begin(), patchBytes.end());
        return [b] { (void)resolved(b, 2); };
    };
    // Index out of range; items past the base left undefined; more items than the length.
    requireFormatError(withPatch({patchK, 2, 3, 3, 1, 3, 1}), "out of range");
    requireFormatError(withPatch({patchK, 2, 5, 5, 1, 3, 1}), "undefined");
    requireFormatError(withPatch({patchK, 2, 1, 2, 0}), "more items than its length");
    // PATCH_SAME: an index past the base's items.
    requireFormatError(withPatch({kPatchSameLengthByte, 2, 1, 3, 1}), "out of range");
    requireFormatError(withPatch({kPatchSameLengthByte, 1, 0}), "based on a str");
    // A patch whose base is not a container or object (the str).
    requireFormatError(withPatch({patchK, 1, 1, 1, 0}), "based on a str");
    // A patch whose base is missing (not in the source).
    requireFormatError(
        [&] {
            std::vector<uint8_t> b;
            encode::patch(b, 0 + 5, 3, 0, 0, nullptr, nullptr, 0);
            ByteCursor c(b.data(), b.size(), kOff);
            ValueRecord p = decodeValue(c, 5);
            (void)resolvePatch(
                p, [](uint64_t) -> ValueRecord { throw TraceFormatError("no such value", kOff); },
                kOff);
        },
        "no such value");
    // An object patch that changes the attribute count.
    {
        std::vector<uint8_t> b;
        uint32_t names[] = {1};
        ValueRef attrs[] = {ValueRef::smallInt(1)};
        encode::object(b, 4, 0, 1, names, attrs, 1);
        uint32_t ix[] = {1};
        ValueRef r[] = {ValueRef::smallInt(2)};
        encode::patch(b, 1, 0, 2, 2, ix, r, 1);
        requireFormatError([b] { (void)resolved(b, 1); }, "attribute count");
    }
    // Chains longer than kMaxPatchChain.
    {
        std::vector<uint8_t> b;
        encode::container(b, ValueKind::List, 1, 0, nullptr, 0);
        for (uint64_t id = 1; id <= kMaxPatchChain + 1; ++id)
            encode::patch(b, id, id - 1, 0, 0, nullptr, nullptr, 0);
        CHECK_NOTHROW(resolved(b, kMaxPatchChain));
        requireFormatError([b] { (void)resolved(b, kMaxPatchChain + 1); }, "chain");
    }
}

TEST_CASE("format 1.3 attribute sections on exceptions and subclass instances",
          "[format][values][attrs]") {
    std::vector<uint8_t> buf;
    encode::str(buf, 5, "retry");  // 0
    encode::intValue(buf, 1LL << 62);  // 1
    ValueRef args[] = {ValueRef::record(0)};
    const uint32_t names[] = {3, 4};
    const ValueRef attrs[] = {ValueRef::smallInt(7), ValueRef::record(1)};
    size_t start = buf.size();
    encode::exception(buf, 9, 2, 1, args, 1, ValueRef::constant(Constant::None),
                      ValueRef::constant(Constant::None), nullptr, 0);
    encode::attrs(buf, start, 5, names, attrs, 2);  // 2: 2 of 5 attributes captured
    CHECK((buf[start] & kAttrsFlag) != 0);
    start = buf.size();
    encode::subclass(buf, 6, ValueRef::smallInt(3));
    encode::attrs(buf, start, 1, names, attrs, 1);  // 3
    start = buf.size();
    encode::exception(buf, 10, 2, 0, nullptr, 0, ValueRef::constant(Constant::None),
                      ValueRef::constant(Constant::None), nullptr, 0);
    const size_t plainEnd = buf.size();
    encode::attrs(buf, start, 0, nullptr, nullptr, 0);  // 4: no attributes, the 1.0 record
    CHECK(buf.size() == plainEnd);
    CHECK((buf[start] & kAttrsFlag) == 0);

    {
        // The example in docs/format.md, "Format 1.3: attribute sections".
        std::vector<uint8_t> ex;
        const ValueRef arg[] = {ValueRef::record(10)};
        const uint32_t code[] = {3};
        const ValueRef seven[] = {ValueRef::smallInt(7)};
        encode::exception(ex, 5, 2, 1, arg, 1, ValueRef::constant(Constant::None),
                          ValueRef::constant(Constant::None), nullptr, 0);
        encode::attrs(ex, 0, 1, code, seven, 1);
        CHECK(ex == std::vector<uint8_t>{0x4e, 0x05, 0x02, 0x01, 0x01, 0x28, 0x02, 0x02, 0x00,
                                         0x01, 0x01, 0x03, 0x39});
    }

    auto all = decodeAll(buf);
    REQUIRE(all.size() == 5);
    CHECK(all[2].kind == ValueKind::Exception);
    CHECK(all[2].items == std::vector<ValueRef>{ValueRef::record(0)});
    CHECK(all[2].attrTotal == 5);
    CHECK(all[2].attrNames == std::vector<uint32_t>{3, 4});
    CHECK(all[2].attrs == std::vector<ValueRef>{ValueRef::smallInt(7), ValueRef::record(1)});
    CHECK(all[3].kind == ValueKind::Subclass);
    CHECK(all[3].inner == ValueRef::smallInt(3));
    CHECK(all[3].attrNames == std::vector<uint32_t>{3});
    CHECK(all[4].attrTotal == 0);
    CHECK(all[4].attrs.empty());
    // forEachRef follows attributes too (verify and the flight recorder's carry-over use it).
    std::vector<ValueRef> seen;
    forEachRef(all[2], [&](ValueRef r) { seen.push_back(r); });
    CHECK(std::count(seen.begin(), seen.end(), ValueRef::record(1)) == 1);

    const uint8_t sub = static_cast<uint8_t>(ValueKind::Subclass) | kAttrsFlag;
    // The flag on a kind that has no attribute section.
    requireFormatError(
        oneRecord({static_cast<uint8_t>(ValueKind::List) | kAttrsFlag, 1, 0, 0}, 3),
        "attribute section");
    // More captured than counted; a section cut short; a ref to a later record.
    requireFormatError(oneRecord({sub, 0, 1, 1, 2, 0, 1, 1}, 3), "more attributes");
    requireFormatError(oneRecord({sub, 0, 1, 100, 90, 0}, 3), "past end");
    requireFormatError(oneRecord({sub, 0, 1, 2, 2, 0}, 3), "truncated");
    requireFormatError(oneRecord({sub, 0, 1, 1, 1, 0, 9 << 2}, 3), "");
}

TEST_CASE("LOCAL_SET_DELTA round trip and damage", "[format][events][compact]") {
    EventEncoder enc;
    enc.compactRefs = true;
    enc.call(0, -1);
    const uint64_t ids[] = {1000000, 1000003, 999990, 5, 5, 70000000000ull};
    for (uint64_t id : ids) {
        enc.localSet(1, ValueRef::record(id));
        enc.localSet(2, ValueRef::smallInt(-4));  // small ints: LOCAL_SET_INT, delta 0
        enc.opcode(2);
    }
    CHECK(std::count(enc.tags.begin(), enc.tags.end(), tag::kLocalSetDelta) == 6);
    CHECK(std::count(enc.tags.begin(), enc.tags.end(), tag::kLocalSetInt) == 6);
    CHECK(std::count(enc.tags.begin(), enc.tags.end(), tag::kLocalSet) == 0);
    auto decoder = [&] {
        return EventDecoder(enc.tags.data(), enc.tags.size(), enc.args.data(), enc.args.size(),
                            nullptr, 0, 0, enc.eventCount, 0, 0, kOff);
    };
    EventDecoder dec = decoder();
    Record r;
    std::vector<uint64_t> got;
    DecoderPosition mid;
    while (dec.next(r)) {
        if (r.kind == RecordKind::LocalSet && r.a == 1) got.push_back(r.value.recordId());
        if (r.kind == RecordKind::LocalSet && r.a == 2) CHECK(r.value == ValueRef::smallInt(-4));
        if (got.size() == 3 && mid.tags == 0) mid = dec.position();
    }
    dec.finish();
    CHECK(got == std::vector<uint64_t>(std::begin(ids), std::end(ids)));
    // A position carries prevValueId: decoding resumed there gives the same ids.
    CHECK(mid.prevValueId == 999990);
    EventDecoder again = decoder();
    again.seek(mid);
    std::vector<uint64_t> rest;
    while (again.next(r))
        if (r.kind == RecordKind::LocalSet && r.a == 1) rest.push_back(r.value.recordId());
    CHECK(rest == std::vector<uint64_t>{5, 5, 70000000000ull});

    // LOCAL_SET_INT: small ints of slots < 16 as deltas from the slot number's previous int.
    {
        EventEncoder ie;
        ie.compactRefs = true;
        const int64_t big = (int64_t{1} << 59) - 5;
        std::vector<std::pair<uint32_t, int64_t>> sets;
        for (int64_t i = 0; i < 40; ++i) {
            sets.push_back({0, i});
            sets.push_back({1, i * i * 1000003});
            sets.push_back({15, i % 2 ? big : -big});  // a delta near 2^60: plain is shorter
            sets.push_back({16, i});                   // no lastInt entry: plain LOCAL_SET
        }
        for (auto [slot, v] : sets) {
            ie.localSet(slot, ValueRef::smallInt(v));
            ie.opcode(4);
        }
        CHECK(std::count(ie.tags.begin(), ie.tags.end(), tag::kLocalSetInt) >= 80);
        EventEncoder plain;  // the same records without compactRefs
        for (auto [slot, v] : sets) {
            plain.localSet(slot, ValueRef::smallInt(v));
            plain.opcode(4);
        }
        CHECK(ie.args.size() < plain.args.size());
        auto decodeSets = [&](const EventEncoder& e, DecoderPosition* at, size_t stopAfter) {
            EventDecoder d(e.tags.data(), e.tags.size(), e.args.data(), e.args.size(), nullptr, 0,
                           0, e.eventCount, 0, 0, kOff);
            std::vector<std::pair<uint32_t, int64_t>> out;
            Record rr;
            while (d.next(rr)) {
                if (rr.kind != RecordKind::LocalSet) continue;
                out.push_back({static_cast<uint32_t>(rr.a), rr.value.smallInt()});
                if (at && out.size() == stopAfter) *at = d.position();
            }
            d.finish();
            return out;
        };
        CHECK(decodeSets(ie, nullptr, 0) == sets);
        CHECK(decodeSets(plain, nullptr, 0) == sets);
        // Resuming from a saved position (which carries lastInt) decodes the rest identically.
        DecoderPosition pos;
        decodeSets(ie, &pos, 61);
        EventDecoder d(ie.tags.data(), ie.tags.size(), ie.args.data(), ie.args.size(), nullptr, 0,
                       0, ie.eventCount, 0, 0, kOff);
        d.seek(pos);
        Record rr;
        size_t k = 61;
        while (d.next(rr))
            if (rr.kind == RecordKind::LocalSet) CHECK(rr.value.smallInt() == sets.at(k++).second);
        CHECK(k == sets.size());

        // Damage: slot >= 16, a value outside the small-int range.
        std::vector<uint8_t> t1{tag::kLocalSetInt}, a1{16, 2};
        EventDecoder b1(t1.data(), t1.size(), a1.data(), a1.size(), nullptr, 0, 0, 0, 0, 0, kOff);
        requireFormatError([&] { b1.next(rr); }, "slot out of range");
        std::vector<uint8_t> a2{3};
        putVarint(a2, zigzag(int64_t{1} << 61));
        EventDecoder b2(t1.data(), t1.size(), a2.data(), a2.size(), nullptr, 0, 0, 0, 0, 0, kOff);
        requireFormatError([&] { b2.next(rr); }, "out of range");
    }

    // A delta below record 0 is damage.
    std::vector<uint8_t> tags{tag::kLocalSetDelta};
    std::vector<uint8_t> args{1};
    putVarint(args, zigzag(-1));
    EventDecoder bad(tags.data(), tags.size(), args.data(), args.size(), nullptr, 0, 0, 0, 0, 0,
                     kOff);
    requireFormatError([&] { bad.next(r); }, "before the first record");
}

TEST_CASE("a 1.2 file needs a 1.2 reader; 1.0/1.1 files stay readable",
          "[format][values][compact]") {
    CHECK(kFormatMinor >= kCompactValuesReaderMinor);
    TempDir dir;
    // What a recorder writes: compact records and events, requiredReaderMinor 2.
    auto opt = testOptions();
    opt.requiredReaderMinor = kCompactValuesReaderMinor;
    {
        TraceWriter w(dir / "compact.reel", sampleHeader(), opt);
        Batch b = makeBatch({1, 50, 6}, 0);
        b.values.clear();
        encode::floatValue(b.values, 0.5);
        ValueRef l[] = {ValueRef::record(0), ValueRef::smallInt(1)};
        encode::containerRelative(b.values, ValueKind::List, 1, 2, l, 2, 1);
        uint32_t ix[] = {1};
        ValueRef r[] = {ValueRef::record(0)};
        encode::patch(b.values, 2, 1, 2, 2, ix, r, 1);
        encode::str(b.values, 1, "z");
        encode::patch(b.values, 4, 2, 3, 3, ix + 0, r, 0);  // truncation leaves item 2 undefined
        encode::str(b.values, 1, "y");
        b.valueCount = 6;
        w.append(std::move(b));
        w.close(sampleExit());
    }
    TraceReader rd(dir / "compact.reel");
    CHECK(rd.header().requiredReaderMinor == kCompactValuesReaderMinor);
    // verify resolves every patch: the broken one (id 4) is reported, the good ones are not.
    auto problems = rd.verifyAll();
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].find("undefined") != std::string::npos);

    // A reader older than 1.2 refuses the file up front. Emulated as in test_slice: raising the
    // file's requirement above this reader's minor must give the clear message.
    opt.requiredReaderMinor = kFormatMinor + 1;
    writeTrace(dir / "future.reel", {1, 10, 2}, opt);
    try {
        TraceReader future(dir / "future.reel");
        FAIL("a file needing a newer reader was opened");
    } catch (const TraceFormatError& e) {
        CHECK(std::string(e.what()).find("needs a reader of version 1." +
                                         std::to_string(kFormatMinor + 1)) != std::string::npos);
    }

    // The plain encoders are what 1.0/1.1 writers wrote: those files still read and verify.
    writeTrace(dir / "plain.reel", {2, 40, 5});
    TraceReader plain(dir / "plain.reel");
    CHECK(plain.header().requiredReaderMinor == 0);
    CHECK(plain.verifyAll().empty());
    readEverything(plain);
}

TEST_CASE("verify blames a damaged values chunk, not the intact chunk whose patches use it",
          "[format][values][compact]") {
    TempDir dir;
    auto opt = testOptions();
    opt.requiredReaderMinor = kCompactValuesReaderMinor;
    const auto path = dir / "patched.reel";
    {
        TraceWriter w(path, sampleHeader(), opt);
        Batch b0 = makeBatch({2, 50, 6}, 0);
        b0.values.clear();
        encode::floatValue(b0.values, 0.5);
        ValueRef l[] = {ValueRef::record(0), ValueRef::smallInt(1)};
        encode::containerRelative(b0.values, ValueKind::List, 1, 2, l, 2, 1);
        for (int i = 2; i < 6; ++i) encode::str(b0.values, 40, std::string(40, char('a' + i)));
        w.append(std::move(b0));
        // The next batch's values chunk patches the list of the first one.
        Batch b1 = makeBatch({2, 50, 6}, 1);
        b1.values.clear();
        uint32_t ix[] = {1};
        ValueRef r[] = {ValueRef::record(0)};
        encode::patch(b1.values, 6, 1, 2, 2, ix, r, 1);
        encode::patch(b1.values, 7, 6, 2, 2, ix, r, 1);
        for (int i = 8; i < 12; ++i) encode::str(b1.values, 1, "z");
        w.append(std::move(b1));
        w.close(sampleExit());
    }
    std::vector<ChunkInfo> chunks;
    {
        TraceReader rd(path);
        REQUIRE(rd.verifyAll().empty());
        chunks = rd.chunks();
    }
    size_t victim = chunks.size(), later = chunks.size();
    for (size_t i = 0; i < chunks.size(); ++i)
        if (chunks[i].kind == 2) (victim == chunks.size() ? victim : later) = i;
    REQUIRE(later < chunks.size());
    auto bytes = readFile(path);
    bytes[chunks[victim].offset + kChunkHeaderSize + 5] ^= 0x21;
    writeFile(path, bytes.data(), bytes.size());

    TraceReader rd(path);
    auto problems = rd.verifyAll();
    INFO(problems.size());
    REQUIRE(problems.size() == 2);
    CHECK(problems[0].find("chunk " + std::to_string(victim) + " (values") == 0);
    CHECK(problems[0].find("checksum mismatch") != std::string::npos);
    // The later chunk is intact: the message says its patches cannot be read and why, not that
    // its own checksum is wrong.
    CHECK(problems[1].find("chunk " + std::to_string(later) + " (values") == 0);
    CHECK(problems[1].find("checksum") == std::string::npos);
    CHECK(problems[1].find("intact, but 2 values (first: value 6) patch values of damaged chunk " +
                           std::to_string(victim)) != std::string::npos);
}

// A seed for the reader fuzzer (tests/fuzz/fuzz_reader.cpp) with every compact encoding, so
// mutations reach the PATCH / RELATIVE / LOCAL_SET_DELTA decoders.
TEST_CASE("write compact fuzz seed", "[.fuzz-seeds]") {
    const char* env = std::getenv("REEL_SEED_DIR");
    REQUIRE(env != nullptr);
    std::filesystem::path dir(env);
    std::filesystem::create_directories(dir);
    auto opt = testOptions();
    opt.requiredReaderMinor = kValueAttrsReaderMinor;
    {
        TraceWriter w(dir / "compact.reel", sampleHeader(), opt);
        Batch b = makeBatch({1, 60, 6}, 0);
        b.values.clear();
        encode::floatValue(b.values, 0.5);
        ValueRef l[] = {ValueRef::record(0), ValueRef::smallInt(1)};
        encode::containerRelative(b.values, ValueKind::List, 1, 2, l, 2, 1);
        uint32_t ix[] = {1, 2};
        ValueRef r[] = {ValueRef::record(0), ValueRef::record(1)};
        encode::patch(b.values, 2, 1, 3, 3, ix, r, 2);
        uint32_t names[] = {0};
        encode::objectRelative(b.values, 2, 0, 1, names, r + 1, 1, 3);
        encode::patch(b.values, 4, 3, 1, 1, ix, r, 0);
        ValueRef kv[] = {ValueRef::record(0), ValueRef::record(4)};
        encode::containerRelative(b.values, ValueKind::Dict, 3, 1, kv, 2, 5);
        // Format 1.3: an exception with an attribute section.
        const size_t start = b.values.size();
        encode::exception(b.values, 4, 0, 1, r, 1, ValueRef::constant(Constant::None),
                          ValueRef::constant(Constant::None), nullptr, 0);
        encode::attrs(b.values, start, 2, names, r + 1, 1);
        b.valueCount = 7;
        EventEncoder enc;
        enc.compactRefs = true;
        enc.thread(0);
        enc.call(0, -1);
        for (uint64_t n = 1; n < 60; ++n) {
            enc.localSet(1, ValueRef::record(n % 7));
            enc.localSet(2, ValueRef::smallInt(int64_t(n) * 3));
            enc.opcode(opOffset(n));
        }
        b.tags = std::move(enc.tags);
        b.args = std::move(enc.args);
        b.blobs = std::move(enc.blobs);
        b.eventCount = enc.eventCount;
        w.append(std::move(b));
        w.close(sampleExit());
    }
    TraceReader r(dir / "compact.reel");
    CHECK(r.verifyAll().empty());
    readEverything(r);
}

// Every byte of a buffer of compact records and of a LOCAL_SET_DELTA stream, set to a few
// values: decoding and resolving everything either works or throws TraceFormatError.
TEST_CASE("mutated compact records never crash", "[format][values][compact]") {
    std::vector<uint8_t> values;
    encode::floatValue(values, 0.5);
    ValueRef l[] = {ValueRef::record(0), ValueRef::smallInt(1)};
    encode::containerRelative(values, ValueKind::List, 1, 2, l, 2, 1);
    uint32_t ix[] = {1, 2};
    ValueRef r[] = {ValueRef::record(0), ValueRef::record(1)};
    encode::patch(values, 2, 1, 3, 3, ix, r, 2);
    uint32_t names[] = {0};
    encode::objectRelative(values, 2, 0, 1, names, r + 1, 1, 3);
    encode::patchSameLength(values, 4, 3, ix, r, 0);
    uint32_t ix5[] = {3};
    encode::patch(values, 5, 2, 4, 4, ix5, r, 1);  // append to record 2's 3 items
    {
        BufferValueSource intact(values);  // the unmutated buffer is valid
        REQUIRE(intact.fetch(5).record.items.size() == 4);
    }
    ValueRef kv[] = {ValueRef::record(0), ValueRef::record(5)};
    encode::containerRelative(values, ValueKind::Dict, 3, 1, kv, 2, 6);

    EventEncoder enc;
    enc.compactRefs = true;
    for (uint64_t n = 0; n < 12; ++n) {
        enc.localSet(static_cast<uint32_t>(n % 3), ValueRef::record((n * 5) % 7));
        enc.localSet(static_cast<uint32_t>(n % 4), ValueRef::smallInt(int64_t(n * n) - 20));
        enc.opcode(2);
    }

    size_t ok = 0, rejected = 0;
    for (size_t pos = 0; pos < values.size() + enc.args.size(); ++pos) {
        for (uint8_t v : {uint8_t{0}, uint8_t{1}, uint8_t{0x7f}, uint8_t{0x80}, uint8_t{0xff},
                          uint8_t{0x17}, uint8_t{0x18}, uint8_t{0x88}}) {
            std::vector<uint8_t> vals = values, args = enc.args;
            (pos < vals.size() ? vals[pos] : args[pos - vals.size()]) = v;
            try {
                BufferValueSource src(vals);
                for (uint64_t id = 0; id < src.count(); ++id) (void)src.fetch(id);
                EventDecoder dec(enc.tags.data(), enc.tags.size(), args.data(), args.size(),
                                 nullptr, 0, 0, enc.eventCount, 0, 0, kOff);
                Record rec;
                while (dec.next(rec)) {
                }
                dec.finish();
                ++ok;
            } catch (const TraceFormatError&) {
                ++rejected;
            }
        }
    }
    CHECK(ok > 0);
    CHECK(rejected > 0);
}
