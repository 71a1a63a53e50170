#include "reel/replayer/FileMatch.h"

namespace reel::replayer {

bool fileMatches(std::string_view path, std::string_view file) {
    if (path == file) return true;
    return !file.empty() && path.size() > file.size() && path.ends_with(file) &&
           path[path.size() - file.size() - 1] == '/';
}

bool codeInFile(const format::Definitions& defs, const format::CodeObject& code,
                std::string_view file) {
    if (fileMatches(code.filename, file)) return true;
    return code.sourceId < defs.sources.size() &&
           fileMatches(defs.sources[code.sourceId].path, file);
}

}  // namespace reel::replayer
