#pragma once
// Byte-exact re-implementations of CPython's repr() for the scalar types the export contract
// renders with repr (docs/values.md, rules 1 and 2). They work from captured data only: no Python
// at render time.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace reel::replayer {

class UnicodePrintable;

namespace pyrepr {

// repr(float): shortest round-trip digits (as CPython's dtoa mode 0), exponent form when the
// decimal exponent is < -4 or >= 16, "inf"/"-inf"/"nan", a trailing ".0" for integral values.
std::string floatRepr(double v);

// repr(complex): "(1+2j)", "2j" when the real part is +0.0, "(-0-1j)", "(nan+infj)", ...
std::string complexRepr(double re, double im);

// repr(s[:maxChars]) for a str given as UTF-8 (lone surrogates as in "surrogatepass"); escapes
// follow unicode_repr: quote choice, \\ \' \t \n \r, \xhh for ASCII controls and non-printable
// Latin-1, \uhhhh / \Uhhhhhhhh above, printable non-ASCII copied. `printable` is the Unicode table
// of the recorded interpreter. Sets *codePoints to the number of code points rendered. Throws
// std::invalid_argument when `utf8` is not well-formed.
std::string strRepr(std::string_view utf8, const UnicodePrintable& printable, size_t maxChars,
                    size_t* codePoints = nullptr);

// repr(b[:maxBytes]) for bytes: b'...' with CPython's quote choice and \xhh escapes.
std::string bytesRepr(std::string_view bytes, size_t maxBytes = SIZE_MAX);

// Number of code points in well-formed (surrogatepass) UTF-8; throws std::invalid_argument.
size_t utf8Length(std::string_view utf8);

// Appends `cp` as UTF-8.
void appendUtf8(std::string& out, char32_t cp);

}  // namespace pyrepr
}  // namespace reel::replayer
