#pragma once
// Errors for damaged or hostile input versus bugs in Reel itself.
//
// REEL_REQUIRE is for data read from a file: it throws TraceFormatError carrying the byte offset
// where the problem was found. REEL_ASSERT is for our own invariants: it stays on in release
// builds and aborts with a message, because continuing past a broken invariant would write or
// show wrong history.

#include <cstdint>
#include <stdexcept>
#include <string>

namespace reel::format {

class TraceFormatError : public std::runtime_error {
public:
    // `offset` is the file offset (or, for decoded payloads, the offset of the chunk holding it)
    // at which the damage was detected; kNoOffset when it is not tied to a position.
    static constexpr uint64_t kNoOffset = ~uint64_t{0};

    TraceFormatError(const std::string& what, uint64_t offset = kNoOffset);
    uint64_t offset() const { return offset_; }

private:
    uint64_t offset_;
};

[[noreturn]] void assertionFailed(const char* expr, const char* file, int line, const char* msg);

}  // namespace reel::format

#define REEL_REQUIRE(cond, offset, msg)                                      \
    do {                                                                     \
        if (!(cond)) throw ::reel::format::TraceFormatError((msg), (offset)); \
    } while (0)

#define REEL_ASSERT(cond, msg)                                                        \
    do {                                                                              \
        if (!(cond)) ::reel::format::assertionFailed(#cond, __FILE__, __LINE__, (msg)); \
    } while (0)
