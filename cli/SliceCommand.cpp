// `reel slice FILE --from N --to M -o OUT` (also --from-time/--to-time, --thread): writes a
// smaller trace holding a window of FILE's events, starting from a full-state checkpoint, that
// replays to exactly the original's states with the original's event numbers. The logic lives in
// the replayer library (TraceSlicer.h); this file parses arguments and reports.

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include "Commands.h"
#include "reel/format/TraceFormatError.h"
#include "reel/replayer/Replayer.h"
#include "reel/replayer/TraceSlicer.h"

namespace reel::cli {

namespace {

struct SliceArgs {
    std::string file, out;
    std::optional<uint64_t> from, to;
    std::optional<double> fromTime, toTime;
    std::optional<uint32_t> thread;
    std::string last;  // N with an optional k/M/G suffix
    uint64_t maxOutput = uint64_t{16} << 20;
    bool quiet = false;
};

void runSlice(const SliceArgs& a) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(a.file, ec))
        throw CommandError{"slice: cannot read '" + a.file +
                           "': " + (ec ? ec.message() : std::string("not a regular file"))};
    if (std::filesystem::equivalent(a.file, a.out, ec))
        throw CommandError{"slice: the output would overwrite the input '" + a.file + "'"};
    std::unique_ptr<replayer::Replayer> rp;
    try {
        rp = std::make_unique<replayer::Replayer>(a.file);
    } catch (const format::TraceFormatError& e) {
        throw CommandError{"slice: '" + a.file + "' is not a readable trace: " + e.what()};
    } catch (const std::exception& e) {
        throw CommandError{"slice: cannot read '" + a.file + "': " + e.what()};
    }
    replayer::SliceOptions o;
    o.from = a.from;
    o.to = a.to;
    o.fromTime = a.fromTime;
    o.toTime = a.toTime;
    o.thread = a.thread;
    if (!a.last.empty()) o.last = parseEventCount(a.last, "slice");
    o.maxCarriedOutput = static_cast<size_t>(a.maxOutput);
    replayer::SliceResult r;
    try {
        r = replayer::sliceTrace(*rp, a.out, o);
    } catch (const replayer::SliceRangeError& e) {
        throw CommandError{std::string("slice: ") + e.what()};
    } catch (const format::TraceFormatError& e) {
        throw CommandError{"slice: damaged trace '" + a.file + "': " + e.what()};
    } catch (const std::system_error& e) {
        throw CommandError{"slice: cannot write '" + a.out + "': " + e.what()};
    }
    if (!a.quiet)
        std::printf(
            "%s: events %llu..%llu (%llu of %llu), %llu values, %llu bytes%s\n", a.out.c_str(),
            static_cast<unsigned long long>(r.first), static_cast<unsigned long long>(r.last),
            static_cast<unsigned long long>(r.last - r.first + 1),
            static_cast<unsigned long long>(rp->eventCount() - rp->firstEvent()),
            static_cast<unsigned long long>(r.values), static_cast<unsigned long long>(r.bytes),
            r.checkpoint ? ", starts from a checkpoint" : "");
}

// CLI11 reads a uint64_t with strtoull, which takes "-5" as 2^64-5 and saturates numbers too
// large at 2^64-1: an event number must be plain digits that fit.
const CLI::Validator kUnsigned64(
    [](std::string& text) -> std::string {
        uint64_t n = 0;
        const char* end = text.data() + text.size();
        if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
            return "expected a non-negative whole number, not '" + text + "'";
        if (std::from_chars(text.data(), end, n).ec == std::errc::result_out_of_range)
            return "'" + text + "' is too large (at most " +
                   std::to_string(std::numeric_limits<uint64_t>::max()) + ")";
        return "";
    },
    "N");

}  // namespace

// "50M" -> 50000000 (k, M, G: powers of 1000, as event counts are).
uint64_t parseEventCount(const std::string& text, const std::string& command) {
    uint64_t mult = 1;
    std::string digits = text;
    if (!digits.empty()) {
        switch (digits.back()) {
            case 'k':
            case 'K':
                mult = 1000;
                break;
            case 'M':
                mult = 1000000;
                break;
            case 'G':
                mult = 1000000000;
                break;
            default:
                break;
        }
        if (mult != 1) digits.pop_back();
    }
    if (digits.empty() || digits.size() > 12 ||
        digits.find_first_not_of("0123456789") != std::string::npos)
        throw CommandError{command + ": --last takes a number of events, e.g. 5000, 200k, 50M: '" +
                           text + "'"};
    return std::stoull(digits) * mult;
}

void addSliceCommand(CLI::App& app) {
    auto args = std::make_shared<SliceArgs>();
    auto* cmd = app.add_subcommand(
        "slice",
        "Write a smaller trace holding a window of events (same event numbers and states)");
    cmd->add_option("FILE", args->file, "Trace file (.reel)")->required();
    cmd->add_option("-o,--output", args->out, "The slice to write")->required();
    cmd->add_option("--from", args->from, "First event kept (default: the first)")
        ->check(kUnsigned64)
        ->type_name("N");
    cmd->add_option("--to", args->to, "Last event kept, inclusive (default: the last)")
        ->check(kUnsigned64)
        ->type_name("M");
    cmd->add_option("--from-time", args->fromTime,
                    "Start at the first event at or after this many seconds into the run")
        ->type_name("SECONDS");
    cmd->add_option("--to-time", args->toTime,
                    "End at the last event at or before this many seconds into the run")
        ->type_name("SECONDS");
    cmd->add_option("--thread", args->thread,
                    "Narrow the window to the first..last event of this Reel thread (other "
                    "threads' events in between are kept)")
        ->type_name("T");
    cmd->add_option("--last", args->last,
                    "Keep only the last N events of the window (suffixes k, M, G: thousands, "
                    "millions, billions)")
        ->type_name("N");
    cmd->add_option("--max-output", args->maxOutput,
                    "Bytes of earlier output carried per stream (default 16 MiB; older bytes are "
                    "marked as elided)")
        ->check(kUnsigned64)
        ->type_name("BYTES");
    cmd->add_flag("-q,--quiet", args->quiet, "Print nothing on success");
    cmd->callback([args] { runSlice(*args); });
}

}  // namespace reel::cli
