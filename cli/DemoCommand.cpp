// `reel demo [--python EXE] [-o FILE]`: records the bundled example (examples/inventory.py,
// built into the binary), which fails on purpose, and walks through the recording with the
// terminal debugger's commands: run to the failure, look around, step backward, find who
// changed a value. The same tour as scripts/demo.sh, for anyone who has only the binary.
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "Commands.h"
#include "DemoExample.h"
#include "ReplaySession.h"

namespace reel::cli {

namespace {

namespace fs = std::filesystem;

// The tour: each line is shown, then run.
const std::vector<std::string> kTour = {
    "continue",  // to the uncaught exception
    "where", "locals", "back", "back", "print item", "up",
    "rwatch qty",  // backward to the last change of qty
    "exceptions", "output",
};

// Writes the example into a fresh directory of its own (the recording filters on it).
fs::path writeExample() {
    std::string tmpl = (fs::temp_directory_path() / "reel-demo-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr)
        throw CommandError{"demo: cannot create a temporary directory: " +
                           std::string(std::strerror(errno))};
    const fs::path dir = tmpl;
    std::ofstream out(dir / kDemoFileName, std::ios::binary);
    out << kDemoSource;
    out.close();
    if (!out) throw CommandError{"demo: cannot write " + (dir / kDemoFileName).string()};
    return dir;
}

// `python -m reel record -o trace --only dir dir/inventory.py` in a child process; its exit
// status (the example's: 1, it fails on purpose).
int recordExample(const std::string& python, const fs::path& dir, const fs::path& trace) {
    std::fflush(stdout);
    std::fflush(stderr);
    const pid_t pid = ::fork();
    if (pid < 0) throw CommandError{"demo: fork failed: " + std::string(std::strerror(errno))};
    if (pid == 0) {
        try {
            if (::chdir(dir.c_str()) != 0) _exit(kExitUsage);
            execPythonWithReel("demo", python,
                               {"-m", "reel", "record", "-o", trace.string(), "--only",
                                dir.string(), kDemoFileName});
        } catch (const CommandError& e) {
            std::fprintf(stderr, "reel: %s\n", e.message.c_str());
        }
        _exit(kExitUsage);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            throw CommandError{"demo: waitpid failed: " + std::string(std::strerror(errno))};
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

}  // namespace

void addDemoCommand(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "demo", "Record the bundled example (it fails on purpose) and replay it backward");
    struct Args {
        std::string python;
        std::string output = "inventory.reel";
    };
    auto args = std::make_shared<Args>();
    cmd->add_option("--python", args->python,
                    "interpreter to record with (default: " REEL_DEFAULT_PYTHON ")");
    cmd->add_option("-o,--output", args->output, "where to write the trace")
        ->capture_default_str();
    cmd->callback([args] {
        const fs::path trace = fs::absolute(args->output);
        const fs::path dir = writeExample();
        std::cout << "== reel record " << kDemoFileName << "  (the example fails on purpose)"
                  << std::endl;
        const int status = recordExample(args->python, dir, trace);
        std::error_code ignored;
        fs::remove_all(dir, ignored);
        if (status == kExitUsage || !fs::exists(trace))
            throw CommandError{"demo: the example was not recorded (exit status " +
                               std::to_string(status) + ")"};
        std::cout << "== the example exited with status " << status << "; the recording is kept in "
                  << trace.string() << "\n\n== reel replay: run to the failure, look around, "
                  << "then step backward" << std::endl;
        std::unique_ptr<ReplaySession> session;
        try {
            session = std::make_unique<ReplaySession>(trace, std::cout, std::cerr);
        } catch (const std::exception& e) {
            throw CommandError{trace.string() + ": " + e.what()};
        }
        for (const auto& line : kTour) {
            std::cout << "(reel) " << line << std::endl;
            exitStatus = session->runScript({line});
            if (exitStatus != 0) return;
        }
        std::cout << "\nOpen it yourself: reel replay " << trace.string()
                  << "   (or: reel gui " << trace.string() << ")" << std::endl;
    });
}

}  // namespace reel::cli
