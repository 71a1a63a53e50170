// `reel join TRACE` (or `reel join GEN... -o OUT`): after a flight recording (`--last N`) died
// without closing (SIGKILL, a crash), joins the generation files it left (TRACE.flight<k> and
// TRACE.flight<k+1>.partial) into the one trace close() would have written. The logic lives in
// the replayer library (FlightWriter.h, joinGenerations); this file finds the files and reports.

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "Commands.h"
#include "reel/format/TraceFormatError.h"
#include "reel/replayer/FlightWriter.h"

namespace reel::cli {

namespace fs = std::filesystem;

namespace {

struct JoinArgs {
    std::vector<std::string> files;
    std::string out;
    std::string last;
    bool quiet = false;
};

// NAME.flight<k> or NAME.flight<k>.partial.
bool isGeneration(std::string name) {
    if (name.size() > 8 && name.compare(name.size() - 8, 8, ".partial") == 0)
        name.resize(name.size() - 8);
    const size_t at = name.rfind(".flight");
    if (at == std::string::npos || at + 7 == name.size()) return false;
    return name.find_first_not_of("0123456789", at + 7) == std::string::npos;
}

// TRACE.flight<k> and TRACE.flight<k>.partial next to TRACE. Empty files are left out: a process
// killed between creating a generation and writing it leaves one, and it holds nothing.
std::vector<fs::path> generationsOf(const fs::path& trace) {
    const fs::path dir = trace.has_parent_path() ? trace.parent_path() : fs::path(".");
    const std::string prefix = trace.filename().string() + ".flight";
    std::vector<fs::path> found;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind(prefix, 0) != 0 || !isGeneration(name)) continue;
        if (name.find('.', prefix.size()) != std::string::npos &&
            name.compare(name.size() - 8, 8, ".partial") != 0)
            continue;
        if (entry.is_regular_file(ec) && entry.file_size(ec) > 0) found.push_back(entry.path());
    }
    return found;
}

void runJoin(const JoinArgs& a) {
    std::vector<fs::path> files;
    fs::path out = a.out;
    std::error_code ec;
    if (a.files.size() == 1 && !isGeneration(fs::path(a.files[0]).filename().string())) {
        // The path the recording was started with: its generations are next to it.
        files = generationsOf(a.files[0]);
        if (files.empty()) {
            // A trace that exists was closed (or is not ours): say that rather than only that
            // nothing lies next to it.
            const std::string what =
                fs::is_regular_file(a.files[0], ec)
                    ? "'" + a.files[0] +
                          "' is not a flight-recorder generation, and there are "
                          "no generation files '"
                    : "no generation files '";
            throw CommandError{"join: " + what + a.files[0] +
                               ".flight<N>[.partial]' to join (only a flight recording, "
                               "--last N, that did not close leaves them)"};
        }
        if (out.empty()) out = a.files[0];
    } else {
        for (const auto& f : a.files) files.emplace_back(f);
        if (out.empty())
            throw CommandError{"join: name the trace to write with -o when joining files"};
    }
    for (const auto& f : files)
        if (!fs::is_regular_file(f, ec))
            throw CommandError{"join: cannot read '" + f.string() + "'"};
    if (fs::exists(out, ec))  // an input among them
        throw CommandError{"join: '" + out.string() +
                           "' exists; name another trace to write with -o"};
    const uint64_t last = a.last.empty() ? 0 : parseEventCount(a.last, "join");
    replayer::JoinResult r;
    // A failed join leaves no half-written trace behind.
    auto dropPartial = [&] {
        fs::path partial = out;
        partial += ".partial";
        fs::remove(partial, ec);
    };
    try {
        r = replayer::joinGenerations(files, out, last);
    } catch (const std::invalid_argument& e) {
        dropPartial();
        throw CommandError{std::string("join: ") + e.what()};
    } catch (const format::TraceFormatError& e) {
        dropPartial();
        throw CommandError{std::string("join: damaged generation file: ") + e.what()};
    } catch (const std::system_error& e) {
        dropPartial();
        throw CommandError{"join: cannot write '" + out.string() + "': " + e.what()};
    }
    if (!a.quiet) {
        std::printf("%s: events %llu..%llu (%llu of %llu recorded), from %zu generation file%s\n",
                    out.string().c_str(), static_cast<unsigned long long>(r.firstEvent),
                    static_cast<unsigned long long>(r.lastEvent),
                    static_cast<unsigned long long>(r.recordedEvents - r.firstEvent),
                    static_cast<unsigned long long>(r.recordedEvents), files.size(),
                    files.size() == 1 ? "" : "s");
        std::printf("the generation files are left in place\n");
    }
}

}  // namespace

void addJoinCommand(CLI::App& app) {
    auto args = std::make_shared<JoinArgs>();
    auto* cmd = app.add_subcommand(
        "join",
        "Join the generation files a flight recording (--last N) left when it was killed into "
        "one trace");
    cmd->add_option("TRACE", args->files,
                    "The trace path the recording was started with (its TRACE.flight<k> files "
                    "are found next to it), or the generation files themselves")
        ->required();
    cmd->add_option("-o,--output", args->out,
                    "The trace to write (default: TRACE, which a killed recording never wrote)");
    cmd->add_option("--last", args->last,
                    "Keep only the last N events (default: the recording's own --last N; "
                    "suffixes k, M, G)")
        ->type_name("N");
    cmd->add_flag("-q,--quiet", args->quiet, "Print nothing on success");
    cmd->callback([args] { runJoin(*args); });
}

}  // namespace reel::cli
