#pragma once
// A value reference as it appears in event and value records: one varint whose low two bits say
// what the rest is. Small ints and singletons are inlined so the commonest locals cost no value
// record at all.
//   bits 00: id of a value record (ValueCodec), id = ref >> 2
//   bits 01: an exact int, zigzag(int) = ref >> 2 (only for |v| < 2^61)
//   bits 10: a constant, Constant = ref >> 2
//   bits 11: reserved (a reader rejects it)

#include <cstdint>

namespace reel::format {

enum class Constant : uint8_t {
    None = 0,
    True = 1,
    False = 2,
    Unbound = 3,  // a slot with no value (never written by LOCAL_SET; used in snapshots)
    Ellipsis = 4,
    NotImplemented = 5,
    Redacted = 6,   // --redact matched the name
    NotCaptured = 7 // --no-values
};
inline constexpr uint64_t kMaxConstant = 7;

struct ValueRef {
    enum class Kind : uint8_t { Record = 0, SmallInt = 1, Constant = 2 };
    uint64_t raw = 0;

    static ValueRef record(uint64_t id) { return {id << 2}; }
    static ValueRef smallInt(int64_t v) {
        return {((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)) << 2 | 1};
    }
    static ValueRef constant(Constant c) { return {static_cast<uint64_t>(c) << 2 | 2}; }
    static bool fitsSmallInt(int64_t v) { return v > -(int64_t{1} << 60) && v < (int64_t{1} << 60); }

    Kind kind() const { return static_cast<Kind>(raw & 3); }
    bool valid() const { return (raw & 3) != 3 && (kind() != Kind::Constant || (raw >> 2) <= kMaxConstant); }
    uint64_t recordId() const { return raw >> 2; }
    int64_t smallInt() const {
        uint64_t z = raw >> 2;
        return static_cast<int64_t>(z >> 1) ^ -static_cast<int64_t>(z & 1);
    }
    Constant constant() const { return static_cast<Constant>(raw >> 2); }
    bool operator==(const ValueRef&) const = default;
};

}  // namespace reel::format
