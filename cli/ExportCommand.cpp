// `reel export --states [--only DIR] FILE`: the state export of the fidelity contract (issue 4,
// docs/values.md): JSON Lines, one object per event sys.settrace with f_trace_opcodes would have
// delivered, byte-identical to tests/oracle/reel_oracle.py. The logic lives in the replayer
// library (StateExporter); this file only parses arguments and opens the trace.
// `reel export --json [-o OUT] [--only DIR] FILE`: a summary document (JsonExport.h).
// `reel export --chrome OUT.json [--only DIR] FILE`: the call timeline in Chrome trace-event format
// (ChromeExport.h), for Perfetto and chrome://tracing. OUT "-" is stdout.

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include "Commands.h"
#include "reel/format/TraceReader.h"
#include "reel/replayer/ChromeExport.h"
#include "reel/replayer/JsonExport.h"
#include "reel/replayer/StateExporter.h"

namespace reel::cli {

namespace {

struct ExportArgs {
    bool states = false;
    bool json = false;
    std::string chrome;  // output file of --chrome
    std::string output = "-";
    std::string only;
    std::string file;
    uint32_t depth = 3, items = 16, chars = 64, intBits = 200;
};

void runExport(const ExportArgs& a) {
    const int modes = int(a.states) + int(a.json) + int(!a.chrome.empty());
    if (modes != 1)
        throw CommandError{"export: say what to export: one of --states, --json, --chrome OUT"};
    if (a.states && a.output != "-")
        throw CommandError{"export: --states writes to stdout (redirect it)"};
    std::error_code ec;
    if (!std::filesystem::is_regular_file(a.file, ec))
        throw CommandError{"export: cannot read '" + a.file +
                           "': " + (ec ? ec.message() : std::string("not a regular file"))};
    std::unique_ptr<format::TraceReader> reader;
    try {
        reader = std::make_unique<format::TraceReader>(a.file);
    } catch (const format::TraceFormatError& e) {
        throw CommandError{"export: '" + a.file + "' is not a readable trace: " + e.what()};
    } catch (const std::exception& e) {
        throw CommandError{"export: cannot read '" + a.file + "': " + e.what()};
    }
    if (reader->recovery().recovered)
        std::fprintf(
            stderr,
            "reel: note: '%s' was not closed cleanly (%s); exporting the %llu events kept\n",
            a.file.c_str(), reader->recovery().reason.c_str(),
            static_cast<unsigned long long>(reader->eventCount()));
    replayer::ExportOptions options;
    options.only = a.only;
    options.limits = {a.depth, a.items, a.chars, a.intBits};
    const std::string target = a.chrome.empty() ? a.output : a.chrome;
    std::FILE* out = stdout;
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(nullptr, &std::fclose);
    if (target != "-") {
        file.reset(std::fopen(target.c_str(), "wb"));
        if (!file)
            throw CommandError{"export: cannot write '" + target +
                               "': " + std::error_code(errno, std::generic_category()).message()};
        out = file.get();
    }
    try {
        if (a.states)
            replayer::exportStates(*reader, options, out);
        else if (a.json)
            replayer::exportJson(*reader, options, out);
        else
            replayer::exportChrome(*reader, options, out);
        if (file && std::fclose(file.release()) != 0)
            throw CommandError{"export: cannot write '" + target + "'"};
    } catch (const format::TraceFormatError& e) {
        // Lines already written stay written: a damaged tail still exports what came before it.
        std::fflush(stdout);
        throw CommandError{"export: damaged trace '" + a.file + "': " + e.what()};
    }
}

}  // namespace

void addExportCommand(CLI::App& app) {
    auto args = std::make_shared<ExportArgs>();
    auto* cmd = app.add_subcommand(
        "export", "Export a trace: per-event states (JSON Lines) or a JSON summary");
    cmd->add_flag(
        "--states", args->states,
        "One JSON object per event, as sys.settrace would have seen it (see docs/values.md)");
    cmd->add_flag("--json", args->json,
                  "One JSON document: calls and how they ended, exceptions, output, exit (shape in "
                  "replayer/include/reel/replayer/JsonExport.h)");
    cmd->add_option("--chrome", args->chrome,
                    "Write the call timeline in Chrome trace-event format (opens in Perfetto and "
                    "chrome://tracing) to OUT ('-': stdout)")
        ->type_name("OUT");
    cmd->add_option("-o,--output", args->output, "Where --json writes (default '-': stdout)")
        ->type_name("OUT");
    cmd->add_option(
           "--only", args->only,
           "Only frames whose file is inside DIR (relative DIR: against the recording's cwd)")
        ->type_name("DIR");
    // The contract's limits; changing them makes output differ from the oracle's, on purpose.
    cmd->add_option("--depth", args->depth, "Nesting levels rendered (default 3)");
    cmd->add_option("--items", args->items, "Items rendered per container (default 16)");
    cmd->add_option("--chars", args->chars, "Characters/bytes rendered per string (default 64)");
    cmd->add_option("--int-bits", args->intBits,
                    "Largest int rendered in decimal, in bits (default 200)");
    cmd->add_option("FILE", args->file, "Trace file (.reel)")->required();
    cmd->callback([args] { runExport(*args); });
}

}  // namespace reel::cli
