#include "reel/replayer/UnicodePrintable.h"

#include <charconv>
#include <vector>

namespace reel::replayer {

namespace {

struct PrintableTableEntry {
    int major, minor;
    const char* unicodeVersion;
    const uint32_t (*ranges)[2];
    size_t count;
};

#include "UnicodePrintable.inc"

const std::vector<UnicodePrintable>& tables() {
    static const std::vector<UnicodePrintable> all = [] {
        std::vector<UnicodePrintable> v;
        for (const auto& e : kPrintableTables)
            v.emplace_back(e.major, e.minor, e.unicodeVersion, e.ranges, e.count);
        return v;
    }();
    return all;
}

}  // namespace

const UnicodePrintable& UnicodePrintable::forPython(int major, int minor) {
    const auto& all = tables();
    // Tables are sorted by version: take the last one not newer than the request, else the first.
    const UnicodePrintable* best = &all.front();
    for (const auto& t : all)
        if (t.major_ < major || (t.major_ == major && t.minor_ <= minor)) best = &t;
    return *best;
}

const UnicodePrintable& UnicodePrintable::forPythonVersion(std::string_view version) {
    int major = 0, minor = 0;
    const char* p = version.data();
    const char* end = p + version.size();
    auto r1 = std::from_chars(p, end, major);
    if (r1.ec != std::errc{} || r1.ptr == end || *r1.ptr != '.') return newest();
    auto r2 = std::from_chars(r1.ptr + 1, end, minor);
    if (r2.ec != std::errc{}) return newest();
    return forPython(major, minor);
}

const UnicodePrintable& UnicodePrintable::newest() {
    return tables().back();
}

bool UnicodePrintable::isPrintable(char32_t cp) const {
    // Binary search for the last range starting at or before cp.
    size_t lo = 0, hi = count_;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ranges_[mid][0] <= cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0) return true;
    return cp > ranges_[lo - 1][1];
}

}  // namespace reel::replayer
