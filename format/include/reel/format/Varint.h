#pragma once
// Unsigned LEB128 and zigzag helpers shared by the event and value codecs.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "reel/format/TraceFormatError.h"

namespace reel::format {

// The loop for values of two bytes or more, out of line so that the one-byte case (most offsets,
// slots and deltas the recorder writes per event) inlines to a store.
[[gnu::noinline]] inline void putVarintLong(std::vector<uint8_t>& out, uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<uint8_t>(v) | 0x80);
        v >>= 7;
    }
    out.push_back(static_cast<uint8_t>(v));
}

[[gnu::always_inline]] inline void putVarint(std::vector<uint8_t>& out, uint64_t v) {
    if (v < 0x80) [[likely]]
        out.push_back(static_cast<uint8_t>(v));
    else
        putVarintLong(out, v);
}

// The number of bytes putVarint writes for `v`.
inline size_t varintSize(uint64_t v) {
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        ++n;
    }
    return n;
}

inline uint64_t zigzag(int64_t v) {
    return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t unzigzag(uint64_t v) {
    return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

// Bounds-checked sequential reader over a decoded payload. Every read past the end, and every
// varint longer than 10 bytes, throws TraceFormatError with `baseOffset` (the file offset of the
// chunk the bytes came from) so damage is reported against the file.
class ByteCursor {
public:
    ByteCursor() = default;
    ByteCursor(const uint8_t* data, size_t size, uint64_t baseOffset)
        : p_(data), end_(data + size), begin_(data), base_(baseOffset) {}

    bool atEnd() const { return p_ == end_; }
    size_t remaining() const { return static_cast<size_t>(end_ - p_); }
    size_t position() const { return static_cast<size_t>(p_ - begin_); }
    void seek(size_t pos) {
        REEL_REQUIRE(pos <= static_cast<size_t>(end_ - begin_), base_, "seek past end of payload");
        p_ = begin_ + pos;
    }
    uint64_t baseOffset() const { return base_; }

    uint8_t byte() {
        REEL_REQUIRE(p_ < end_, base_, "truncated payload");
        return *p_++;
    }
    uint64_t varint() {
        uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            REEL_REQUIRE(p_ < end_, base_, "truncated varint");
            uint8_t b = *p_++;
            v |= static_cast<uint64_t>(b & 0x7f) << shift;
            if (!(b & 0x80)) return v;
        }
        throw TraceFormatError("varint too long", base_);
    }
    // A varint that must fit `limit` (a count, a length, an id): rejects absurd values before
    // anything is allocated for them.
    uint64_t varintBounded(uint64_t limit, const char* what) {
        uint64_t v = varint();
        REEL_REQUIRE(v <= limit, base_, what);
        return v;
    }
    const uint8_t* bytes(size_t n) {
        REEL_REQUIRE(n <= remaining(), base_, "truncated payload");
        const uint8_t* r = p_;
        p_ += n;
        return r;
    }

private:
    const uint8_t* p_ = nullptr;
    const uint8_t* end_ = nullptr;
    const uint8_t* begin_ = nullptr;
    uint64_t base_ = 0;
};

}  // namespace reel::format
