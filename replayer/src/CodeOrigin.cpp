#include "reel/replayer/CodeOrigin.h"

namespace reel::replayer {

namespace {

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}

// "lib/python3.12/" or "lib64/python3.12/" as whole path components.
bool hasStdlibDirectory(std::string_view f) {
    for (size_t at = f.find("python"); at != std::string_view::npos;
         at = f.find("python", at + 1)) {
        const std::string_view before = f.substr(0, at);
        if (!before.ends_with("/lib/") && !before.ends_with("/lib64/") && before != "lib/" &&
            before != "lib64/")
            continue;
        size_t p = at + 6;
        size_t major = p;
        while (p < f.size() && isDigit(f[p])) ++p;
        if (p == major || p >= f.size() || f[p] != '.') continue;
        size_t minor = ++p;
        while (p < f.size() && isDigit(f[p])) ++p;
        if (p > minor && p < f.size() && f[p] == '/') return true;
    }
    return false;
}

}  // namespace

bool isLibraryFile(std::string_view f) {
    if (f.starts_with("<frozen ")) return true;
    if (f.find("/site-packages/") != std::string_view::npos ||
        f.find("/dist-packages/") != std::string_view::npos)
        return true;
    return hasStdlibDirectory(f);
}

bool CodeOrigins::isLibrary(uint32_t codeId) {
    if (codeId >= defs_.codes.size()) return false;
    if (known_.size() < defs_.codes.size()) known_.resize(defs_.codes.size(), 0);
    uint8_t& k = known_[codeId];
    if (k == 0) k = isLibraryFile(defs_.codes[codeId].filename) ? 2 : 1;
    return k == 2;
}

}  // namespace reel::replayer
