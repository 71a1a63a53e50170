#pragma once
// JSON text exactly as CPython's json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
// writes it, for the pieces the state export uses (strings, integers, null). The export must be
// byte-identical to tests/oracle/reel_oracle.py's output, so the escaping rules are Python's,
// not a JSON library's: '"' and '\\' escaped, \b \f \n \r \t by name, other code points below
// U+0020 as \u00XX (lowercase hex), everything else (DEL, non-ASCII) copied as is.

#include <cstdint>
#include <string>
#include <string_view>

namespace reel::replayer::pyjson {

void appendString(std::string& out, std::string_view utf8);

inline void appendInt(std::string& out, int64_t v) {
    out += std::to_string(v);
}

}  // namespace reel::replayer::pyjson
