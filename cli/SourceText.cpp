#include "SourceText.h"

namespace reel::cli {

const std::vector<std::string_view>* SourceText::lines(const format::CodeObject& code) {
    if (code.sourceId >= defs_.sources.size() || !defs_.sources[code.sourceId].hasText)
        return nullptr;
    auto it = split_.find(code.sourceId);
    if (it != split_.end()) return &it->second;
    // Python's line numbering counts \n, \r\n and a lone \r as line ends.
    std::string_view text = defs_.sources[code.sourceId].text;
    std::vector<std::string_view> out;
    size_t begin = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\n' && text[i] != '\r') continue;
        out.push_back(text.substr(begin, i - begin));
        if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
        begin = i + 1;
    }
    if (begin < text.size()) out.push_back(text.substr(begin));
    return &split_.emplace(code.sourceId, std::move(out)).first->second;
}

std::optional<std::string_view> SourceText::line(const format::CodeObject& code, int32_t line) {
    const auto* l = lines(code);
    if (!l || line < 1 || static_cast<size_t>(line) > l->size()) return std::nullopt;
    return (*l)[static_cast<size_t>(line) - 1];
}

int32_t SourceText::lineCount(const format::CodeObject& code) {
    const auto* l = lines(code);
    return l ? static_cast<int32_t>(l->size()) : 0;
}

const std::string& SourceText::fileName(const format::CodeObject& code) const {
    if (code.sourceId < defs_.sources.size() && !defs_.sources[code.sourceId].path.empty())
        return defs_.sources[code.sourceId].path;
    return code.filename;
}

}  // namespace reel::cli
