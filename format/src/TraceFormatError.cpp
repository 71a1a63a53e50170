#include "reel/format/TraceFormatError.h"

#include <cstdio>
#include <cstdlib>

namespace reel::format {

namespace {
std::string withOffset(const std::string& what, uint64_t offset) {
    if (offset == TraceFormatError::kNoOffset) return what;
    return what + " (at byte offset " + std::to_string(offset) + ")";
}
}  // namespace

TraceFormatError::TraceFormatError(const std::string& what, uint64_t offset)
    : std::runtime_error(withOffset(what, offset)), offset_(offset) {}

void assertionFailed(const char* expr, const char* file, int line, const char* msg) {
    std::fprintf(stderr, "reel: internal error: %s (%s) at %s:%d\n", msg, expr, file, line);
    std::abort();
}

}  // namespace reel::format
