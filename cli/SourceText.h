#pragma once
// Lines of the sources embedded in a trace (`list`, location lines), split once per file.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "reel/format/Definitions.h"

namespace reel::cli {

class SourceText {
  public:
    // `defs` must outlive this object.
    explicit SourceText(const format::Definitions& defs) : defs_(defs) {}

    // Line `line` (1-based) of the source of `code`, without its line break; nullopt when the
    // trace holds no text for that file or the line does not exist.
    std::optional<std::string_view> line(const format::CodeObject& code, int32_t line);
    // Number of lines of the source of `code` (0 when its text is not in the trace).
    int32_t lineCount(const format::CodeObject& code);
    // The file name to show for `code`: its source's path, else the code's co_filename.
    const std::string& fileName(const format::CodeObject& code) const;

  private:
    const std::vector<std::string_view>* lines(const format::CodeObject& code);

    const format::Definitions& defs_;
    std::unordered_map<uint32_t, std::vector<std::string_view>> split_;
};

}  // namespace reel::cli
