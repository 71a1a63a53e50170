#include <catch2/catch.hpp>

#include <algorithm>

#include "reel/format/EventStream.h"

using namespace reel::format;

TEST_CASE("event stream round-trips every record kind", "[format][events]") {
    EventEncoder enc;
    enc.thread(0);
    enc.call(7, -1);
    enc.opcode(0);
    enc.localSet(1, ValueRef::smallInt(-5));
    enc.opcode(2);
    enc.opcode(400);   // beyond the delta range: absolute form
    enc.opcode(10);    // backward jump within delta range
    enc.output(1, "hi\n", 3);
    enc.exception(ValueRef::record(3), 10);
    enc.handled(12);
    enc.localDel(1);
    enc.nameSet(4, ValueRef::constant(Constant::None));
    enc.yield(ValueRef::constant(Constant::True), 10);
    enc.resume(0, 10);
    enc.reenter(3);
    enc.unwind(12);
    enc.asyncGenHook(1, ValueRef::record(2));
    enc.ret(ValueRef::smallInt(1), 14);
    REQUIRE(enc.eventCount == 10);

    EventDecoder dec(enc.tags.data(), enc.tags.size(), enc.args.data(), enc.args.size(),
                     enc.blobs.data(), enc.blobs.size(), 100, enc.eventCount, 0, 5, 0);
    Record r;
    std::vector<RecordKind> kinds;
    std::vector<uint32_t> offsets;
    while (dec.next(r)) {
        kinds.push_back(r.kind);
        if (r.kind == RecordKind::Opcode) offsets.push_back(r.offset);
        if (r.kind == RecordKind::Call) {
            CHECK(r.a == 7);
            CHECK(r.b == 5);
            CHECK(r.event == 100);
            CHECK(r.lasti == -1);
        }
        if (r.kind == RecordKind::Unwind) CHECK(r.lasti == 12);
        if (r.kind == RecordKind::LocalSet) CHECK(r.value.smallInt() == -5);
        if (r.kind == RecordKind::Output) CHECK(std::string(reinterpret_cast<const char*>(r.blob), r.blobLen) == "hi\n");
        if (r.kind == RecordKind::Handled) CHECK(r.offset == 12);
        if (r.kind == RecordKind::Reenter) {
            CHECK(r.a == 3);
            CHECK(r.event == 108);  // unnumbered: it belongs to the UNWIND after it
        }
        if (r.kind == RecordKind::Return) CHECK(r.event == 109);
    }
    dec.finish();
    CHECK(offsets == std::vector<uint32_t>{0, 2, 400, 10});
    CHECK(kinds.size() == 18);
    CHECK(std::count(kinds.begin(), kinds.end(), RecordKind::Reenter) == 1);
    CHECK(dec.nextFrameId() == 6);
}

TEST_CASE("event decoder rejects damage", "[format][events]") {
    EventEncoder enc;
    enc.call(1, -1);
    enc.opcode(0);
    SECTION("unknown tag") {
        enc.tags[1] = 0xEE;
        EventDecoder dec(enc.tags.data(), enc.tags.size(), enc.args.data(), enc.args.size(),
                         nullptr, 0, 0, 2, 0, 0, 77);
        Record r;
        REQUIRE(dec.next(r));
        REQUIRE_THROWS_AS(dec.next(r), TraceFormatError);
    }
    SECTION("reenter of a frame id no CALL gave") {
        EventEncoder e2;
        e2.call(1, -1);
        e2.reenter(1);  // only frame 0 exists
        e2.opcode(0);
        EventDecoder dec(e2.tags.data(), e2.tags.size(), e2.args.data(), e2.args.size(), nullptr,
                         0, 0, 2, 0, 0, 77);
        Record r;
        REQUIRE(dec.next(r));
        REQUIRE_THROWS_WITH(dec.next(r), Catch::Contains("reenter of a frame that was never called"));
    }
    SECTION("more events than claimed") {
        EventDecoder dec(enc.tags.data(), enc.tags.size(), enc.args.data(), enc.args.size(),
                         nullptr, 0, 0, 1, 0, 0, 77);
        Record r;
        REQUIRE(dec.next(r));
        REQUIRE_THROWS_AS(dec.next(r), TraceFormatError);
    }
    SECTION("truncated args") {
        EventDecoder dec(enc.tags.data(), enc.tags.size(), nullptr, 0, nullptr, 0, 0, 2, 0, 0, 77);
        Record r;
        REQUIRE_THROWS_AS(dec.next(r), TraceFormatError);
    }
}

TEST_CASE("event decoder resumes from a saved position", "[format][events]") {
    EventEncoder enc;
    enc.thread(2);
    enc.call(3, -1);
    enc.opcode(0);
    enc.localSet(0, ValueRef::smallInt(7));
    enc.opcode(40);
    enc.output(2, "err", 3);
    enc.call(4, -1);
    enc.thread(5);
    enc.opcode(600);
    enc.opcode(602);
    auto make = [&] {
        return EventDecoder(enc.tags.data(), enc.tags.size(), enc.args.data(), enc.args.size(),
                            enc.blobs.data(), enc.blobs.size(), 50, enc.eventCount, 0, 9, 0);
    };
    // Decode everything once, saving the position after each record.
    EventDecoder full = make();
    std::vector<DecoderPosition> positions;
    std::vector<Record> records;
    Record r;
    while (full.next(r)) {
        records.push_back(r);
        positions.push_back(full.position());
    }
    REQUIRE(records.size() == 10);
    // Resuming after record i yields exactly records i+1.. with the same decoded values (the
    // delta-coded opcode offsets, the frame ids and the current thread depend on carried state).
    for (size_t i = 0; i < positions.size(); ++i) {
        EventDecoder dec = make();
        dec.seek(positions[i]);
        CHECK(dec.position() == positions[i]);
        size_t j = i + 1;
        while (dec.next(r)) {
            REQUIRE(j < records.size());
            CHECK(r.kind == records[j].kind);
            CHECK(r.event == records[j].event);
            CHECK(r.offset == records[j].offset);
            CHECK(r.b == records[j].b);
            CHECK(r.blobLen == records[j].blobLen);
            ++j;
        }
        CHECK(j == records.size());
        CHECK(dec.thread() == 5);
        dec.finish();
    }
    SECTION("positions from another batch are rejected") {
        EventDecoder dec = make();
        DecoderPosition bad = positions.back();
        bad.tags += 100;
        CHECK_THROWS_AS(dec.seek(bad), TraceFormatError);
        bad = positions.back();
        bad.nextEvent = 10;  // before the batch's first event
        CHECK_THROWS_AS(dec.seek(bad), TraceFormatError);
    }
}
