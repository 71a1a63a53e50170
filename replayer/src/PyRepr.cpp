#include "reel/replayer/PyRepr.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <system_error>

#include "reel/replayer/UnicodePrintable.h"

namespace reel::replayer::pyrepr {

namespace {

constexpr char kHex[] = "0123456789abcdef";

// CPython's format_float_short(d, 'r', 0, flags): the digits of the shortest round-trip
// representation laid out by the 'r' rules. std::to_chars without a precision produces the same
// shortest, closest digit string that David Gay's dtoa mode 0 produces for CPython.
std::string formatShort(double v, bool addDot0, bool alwaysSign) {
    if (std::isnan(v)) return alwaysSign ? "+nan" : "nan";  // CPython ignores the sign of a NaN
    if (std::isinf(v)) return v < 0 ? "-inf" : (alwaysSign ? "+inf" : "inf");

    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
    std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));  // e.g. "-1.25e+16", "0e+00"

    std::string out;
    size_t i = 0;
    if (sci[i] == '-') {
        out.push_back('-');
        ++i;
    } else if (alwaysSign) {
        out.push_back('+');
    }
    std::string digits;
    for (; i < sci.size() && sci[i] != 'e'; ++i)
        if (sci[i] != '.') digits.push_back(sci[i]);
    int exp = 0;
    std::from_chars(sci.data() + i + 1 + (sci[i + 1] == '+'), sci.data() + sci.size(), exp);

    const int nd = static_cast<int>(digits.size());
    const int decpt = exp + 1;  // digits = 0.DDDD x 10^decpt, as dtoa reports it
    if (decpt <= -4 || decpt > 16) {
        out.push_back(digits[0]);
        if (nd > 1) {
            out.push_back('.');
            out.append(digits, 1, std::string::npos);
        }
        char ebuf[16];
        int aexp = exp < 0 ? -exp : exp;
        out.push_back('e');
        out.push_back(exp < 0 ? '-' : '+');
        auto er = std::to_chars(ebuf, ebuf + sizeof ebuf, aexp);
        if (er.ptr - ebuf < 2) out.push_back('0');  // "%+.02d": at least two exponent digits
        out.append(ebuf, er.ptr);
    } else if (decpt <= 0) {
        out += "0.";
        out.append(static_cast<size_t>(-decpt), '0');
        out += digits;
    } else if (decpt >= nd) {
        out += digits;
        out.append(static_cast<size_t>(decpt - nd), '0');
        if (addDot0) out += ".0";
    } else {
        out.append(digits, 0, static_cast<size_t>(decpt));
        out.push_back('.');
        out.append(digits, static_cast<size_t>(decpt), std::string::npos);
    }
    return out;
}

[[noreturn]] void badUtf8() {
    throw std::invalid_argument("malformed UTF-8 in a recorded str");
}

// Decodes one code point (surrogates allowed, as written by the "surrogatepass" handler).
char32_t nextCodePoint(std::string_view s, size_t& i) {
    auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
    uint8_t c0 = b(i);
    if (c0 < 0x80) {
        ++i;
        return c0;
    }
    int n;
    char32_t cp;
    if ((c0 & 0xE0) == 0xC0) {
        n = 1;
        cp = c0 & 0x1F;
    } else if ((c0 & 0xF0) == 0xE0) {
        n = 2;
        cp = c0 & 0x0F;
    } else if ((c0 & 0xF8) == 0xF0) {
        n = 3;
        cp = c0 & 0x07;
    } else {
        badUtf8();
    }
    if (i + static_cast<size_t>(n) >= s.size()) badUtf8();  // continuation bytes missing
    for (int k = 1; k <= n; ++k) {
        uint8_t ck = b(i + static_cast<size_t>(k));
        if ((ck & 0xC0) != 0x80) badUtf8();
        cp = (cp << 6) | (ck & 0x3F);
    }
    static constexpr char32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF) badUtf8();  // overlong or out of range
    i += static_cast<size_t>(n) + 1;
    return cp;
}

}  // namespace

void appendUtf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

std::string floatRepr(double v) {
    return formatShort(v, true, false);
}

std::string complexRepr(double re, double im) {
    // complex_repr: a +0.0 real part is left out together with the parentheses; otherwise the
    // imaginary part always carries a sign. Neither part gets ".0" (no Py_DTSF_ADD_DOT_0).
    if (re == 0.0 && !std::signbit(re)) return formatShort(im, false, false) + "j";
    return "(" + formatShort(re, false, false) + formatShort(im, false, true) + "j)";
}

size_t utf8Length(std::string_view utf8) {
    size_t n = 0;
    for (size_t i = 0; i < utf8.size(); ++n) nextCodePoint(utf8, i);
    return n;
}

std::string strRepr(std::string_view utf8, const UnicodePrintable& printable, size_t maxChars,
                    size_t* codePoints) {
    // First pass: find the end of the rendered prefix and which quotes it contains, because the
    // quote choice depends on the whole (truncated) string.
    size_t end = 0, count = 0;
    bool squote = false, dquote = false;
    while (end < utf8.size() && count < maxChars) {
        char32_t cp = nextCodePoint(utf8, end);
        squote |= cp == '\'';
        dquote |= cp == '"';
        ++count;
    }
    if (codePoints) *codePoints = count;
    const char quote = (squote && !dquote) ? '"' : '\'';

    std::string out;
    out.reserve(end + 2);
    out.push_back(quote);
    for (size_t i = 0; i < end;) {
        char32_t cp = nextCodePoint(utf8, i);
        if (cp == static_cast<char32_t>(quote) || cp == '\\') {
            out.push_back('\\');
            out.push_back(static_cast<char>(cp));
        } else if (cp == '\t') {
            out += "\\t";
        } else if (cp == '\n') {
            out += "\\n";
        } else if (cp == '\r') {
            out += "\\r";
        } else if (cp < ' ' || cp == 0x7F) {
            out += "\\x";
            out.push_back(kHex[(cp >> 4) & 0xF]);
            out.push_back(kHex[cp & 0xF]);
        } else if (cp < 0x7F) {
            out.push_back(static_cast<char>(cp));
        } else if (printable.isPrintable(cp)) {
            appendUtf8(out, cp);
        } else {
            int width;
            if (cp <= 0xFF) {
                out += "\\x";
                width = 2;
            } else if (cp <= 0xFFFF) {
                out += "\\u";
                width = 4;
            } else {
                out += "\\U";
                width = 8;
            }
            for (int k = width - 1; k >= 0; --k) out.push_back(kHex[(cp >> (4 * k)) & 0xF]);
        }
    }
    out.push_back(quote);
    return out;
}

std::string bytesRepr(std::string_view bytes, size_t maxBytes) {
    if (bytes.size() > maxBytes) bytes = bytes.substr(0, maxBytes);
    bool squote = bytes.find('\'') != std::string_view::npos;
    bool dquote = bytes.find('"') != std::string_view::npos;
    const char quote = (squote && !dquote) ? '"' : '\'';
    std::string out = "b";
    out.push_back(quote);
    for (char ch : bytes) {
        auto c = static_cast<uint8_t>(ch);
        if (c == static_cast<uint8_t>(quote) || c == '\\') {
            out.push_back('\\');
            out.push_back(ch);
        } else if (c == '\t') {
            out += "\\t";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c < ' ' || c >= 0x7F) {
            out += "\\x";
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0xF]);
        } else {
            out.push_back(ch);
        }
    }
    out.push_back(quote);
    return out;
}

}  // namespace reel::replayer::pyrepr
