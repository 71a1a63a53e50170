#include <catch2/catch.hpp>

#include "reel/format/ValueCodec.h"

using namespace reel::format;

TEST_CASE("value records round-trip", "[format][values]") {
    std::vector<uint8_t> buf;
    encode::str(buf, 300, "hello");                       // id 0
    encode::bigInt(buf, true, 250, "1234567890123");      // id 1
    ValueRef items[] = {ValueRef::record(0), ValueRef::smallInt(3), ValueRef::constant(Constant::None)};
    encode::container(buf, ValueKind::List, 42, 10, items, 3);  // id 2
    uint32_t names[] = {5, 6};
    ValueRef attrs[] = {ValueRef::record(2), ValueRef::record(1)};
    encode::object(buf, 43, 9, 2, names, attrs, 2);       // id 3
    encode::floatValue(buf, 0.1);                         // id 4

    ByteCursor c(buf.data(), buf.size(), 0);
    auto s = decodeValue(c, 0);
    CHECK(s.kind == ValueKind::Str);
    CHECK(s.fullLength == 300);
    CHECK(s.text == "hello");
    auto b = decodeValue(c, 1);
    CHECK(b.negative);
    CHECK(b.bits == 250);
    CHECK(b.text == "1234567890123");
    auto l = decodeValue(c, 2);
    CHECK(l.identity == 42);
    CHECK(l.items.size() == 3);
    CHECK(l.items[1].smallInt() == 3);
    auto o = decodeValue(c, 3);
    CHECK(o.typeId == 9);
    CHECK(o.names == std::vector<uint32_t>{5, 6});
    auto f = decodeValue(c, 4);
    CHECK(f.real == 0.1);
    CHECK(c.atEnd());
}

TEST_CASE("value decoder rejects forward references and huge counts", "[format][values]") {
    std::vector<uint8_t> buf;
    ValueRef fwd[] = {ValueRef::record(5)};
    encode::container(buf, ValueKind::Tuple, 1, 1, fwd, 1);
    ByteCursor c(buf.data(), buf.size(), 0);
    REQUIRE_THROWS_AS(decodeValue(c, 0), TraceFormatError);

    std::vector<uint8_t> huge{static_cast<uint8_t>(ValueKind::List), 1, 0xff, 0xff, 0xff, 0xff, 0x0f, 0xff, 0xff, 0xff, 0xff, 0x0f};
    ByteCursor h(huge.data(), huge.size(), 0);
    REQUIRE_THROWS_AS(decodeValue(h, 10), TraceFormatError);
}
