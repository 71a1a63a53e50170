// The corruption sweep: real traces written by TraceWriter, damaged at many positions. Opening and
// reading everything must either succeed or throw TraceFormatError: never crash, hang, or throw
// anything else. And damage must never go unnoticed: a damaged file that opens is reported as
// recovered or fails verification (the only bytes no checksum covers are the container minor
// version, which a reader is meant to accept).

#include <catch2/catch.hpp>
#include <random>

#include "format/TraceFixture.h"

using namespace reel::format;
using namespace reel::test;

namespace {

enum class Outcome { Rejected, Noticed, Unnoticed };

Outcome openAndReadAll(const std::filesystem::path& p) {
    try {
        TraceReader::Options opt;
        opt.cacheChunks = 2;
        TraceReader r(p, opt);
        bool noticed = r.recovery().recovered || !r.verifyAll().empty();
        readEverything(r);
        return noticed ? Outcome::Noticed : Outcome::Unnoticed;
    } catch (const TraceFormatError&) {
        return Outcome::Rejected;
    }
}

struct Sweep {
    size_t rejected = 0, noticed = 0;
};

void sweep(const std::vector<uint8_t>& good, const std::filesystem::path& scratch, size_t stride,
           Sweep& s) {
    std::vector<uint8_t> bytes = good;
    for (size_t pos = 0; pos < good.size(); pos += stride) {
        for (uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xFF}}) {
            bytes[pos] = good[pos] ^ mask;
            writeFile(scratch, bytes.data(), bytes.size());
            INFO("byte " << pos << " xor " << int(mask));
            Outcome o = openAndReadAll(scratch);
            if (pos == 10 || pos == 11) {
                CHECK(o != Outcome::Rejected);  // container minor: newer minors are readable
            } else {
                REQUIRE(o != Outcome::Unnoticed);
            }
            s.rejected += o == Outcome::Rejected;
            s.noticed += o == Outcome::Noticed;
        }
        bytes[pos] = good[pos];
    }
}

void truncations(const std::vector<uint8_t>& good, const std::filesystem::path& scratch,
                 size_t stride) {
    for (size_t len = 0; len < good.size(); len += stride) {
        writeFile(scratch, good.data(), len);
        INFO("truncated to " << len);
        REQUIRE(openAndReadAll(scratch) != Outcome::Unnoticed);
    }
}

}  // namespace

TEST_CASE("corruption sweep: every byte of a small trace", "[format][corruption]") {
    TempDir dir;
    writeTrace(dir / "t.reel", {3, 60, 4});
    auto good = readFile(dir / "t.reel");
    REQUIRE(openAndReadAll(dir / "t.reel") == Outcome::Unnoticed);
    Sweep s;
    sweep(good, dir / "bad.reel", 1, s);
    truncations(good, dir / "bad.reel", 1);
    // Both paths are exercised: some damage is refused outright, some recovered around.
    CHECK(s.rejected > 0);
    CHECK(s.noticed > 0);
}

TEST_CASE("corruption sweep: stride over a larger trace", "[format][corruption]") {
    TempDir dir;
    writeTrace(dir / "t.reel", {25, 2000, 30});
    auto good = readFile(dir / "t.reel");
    Sweep s;
    sweep(good, dir / "bad.reel", 89, s);
    truncations(good, dir / "bad.reel", 97);
    CHECK(s.rejected + s.noticed > 0);
}

TEST_CASE("corruption sweep: random multi-byte damage", "[format][corruption]") {
    TempDir dir;
    writeTrace(dir / "t.reel", {5, 300, 6});
    auto good = readFile(dir / "t.reel");
    std::mt19937_64 rng(7);
    for (int round = 0; round < 1500; ++round) {
        auto bytes = good;
        int n = 1 + static_cast<int>(rng() % 8);
        for (int k = 0; k < n; ++k) bytes[rng() % bytes.size()] = static_cast<uint8_t>(rng());
        size_t len = (round % 3 == 0) ? rng() % bytes.size() : bytes.size();
        writeFile(dir / "bad.reel", bytes.data(), len);
        INFO("round " << round);
        // Random damage may hit only the minor version bytes; all that matters here is no crash
        // and no foreign exception.
        (void)openAndReadAll(dir / "bad.reel");
    }
}
