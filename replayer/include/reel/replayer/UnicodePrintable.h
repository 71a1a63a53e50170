#pragma once
// Python's notion of a printable code point (str.isprintable), per CPython minor version.
//
// repr() of a str escapes exactly the code points that are not printable, and that set depends on
// the Unicode database compiled into the interpreter (3.11: Unicode 14.0.0, 3.12: 15.0.0, 3.13:
// 15.1.0). The tables come from replayer/src/gen_printable.py, run once against each interpreter;
// a trace is rendered with the table of the Python version that recorded it, so a repr made from
// a trace matches the repr the recorded interpreter would have made.

#include <cstdint>
#include <string_view>

namespace reel::replayer {

class UnicodePrintable {
  public:
    // The table for CPython major.minor. A version without its own table (older or newer than the
    // generated ones) gets the nearest one; `exact()` tells whether that happened.
    static const UnicodePrintable& forPython(int major, int minor);
    // Same, from a version string such as "3.12.1" (empty or unparsable: the newest table).
    static const UnicodePrintable& forPythonVersion(std::string_view version);
    static const UnicodePrintable& newest();

    bool isPrintable(char32_t cp) const;
    std::string_view unicodeVersion() const { return unicodeVersion_; }
    int pythonMajor() const { return major_; }
    int pythonMinor() const { return minor_; }

    UnicodePrintable(int major, int minor, std::string_view unicodeVersion,
                     const uint32_t (*ranges)[2], size_t count)
        : major_(major),
          minor_(minor),
          unicodeVersion_(unicodeVersion),
          ranges_(ranges),
          count_(count) {}

  private:
    int major_, minor_;
    std::string_view unicodeVersion_;
    const uint32_t (
        *ranges_)[2];  // sorted, disjoint, inclusive ranges of NON-printable code points
    size_t count_;
};

}  // namespace reel::replayer
