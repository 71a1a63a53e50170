// `reel record [--python EXE] ARGS...`: replaces this process with `EXE .../reel/_record.py record
// ARGS...` (what `python -m reel record ARGS...` does, without runpy's imports),
// with PYTHONPATH prefixed by this build's package directory for EXE's version, so the recorded
// program keeps its own process (pid, signals, exit status, stdio) with nothing in between.
#include <unistd.h>

#include <sys/wait.h>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "Commands.h"

namespace reel::cli {

std::string pythonVersionOf(const std::string& exe, const std::string& alsoImport) {
    const std::string imports = alsoImport.empty() ? "sys" : "sys, " + alsoImport;
    std::string cmd = "'" + exe + "' -c 'import " + imports +
                      "; print(\"%d.%d\" % sys.version_info[:2])' 2>/dev/null";
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return "";
    char buf[64] = {0};
    std::string out;
    if (std::fgets(buf, sizeof buf, p)) out = buf;
    int status = ::pclose(p);
    if (status != 0) return "";
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
}

void execPythonWithReel(const std::string& command, const std::string& python,
                        const std::vector<std::string>& pythonArgs,
                        const std::string& packageScript) {
    std::string exe = python.empty() ? std::string(REEL_DEFAULT_PYTHON) : python;
    std::string ver = pythonVersionOf(exe);
    if (ver.empty()) throw CommandError{command + ": cannot run Python interpreter '" + exe + "'"};
    std::filesystem::path pkg = std::filesystem::path(REEL_BUILD_PYTHON_DIR) / ver;
    if (!std::filesystem::exists(pkg / "reel" / "__init__.py"))
        throw CommandError{command + ": Python " + ver + " (" + exe +
                           ") is not supported by this build (supported: see " REEL_BUILD_PYTHON_DIR
                           "/interpreters.txt)"};
    const char* old = std::getenv("PYTHONPATH");
    std::string path = pkg.string() + (old && *old ? ":" + std::string(old) : "");
    // reel/_launcher.py (and the pytest plugin) give the program its original PYTHONPATH back.
    if (old)
        ::setenv("REEL_SAVED_PYTHONPATH", old, 1);
    else
        ::setenv("REEL_PYTHONPATH_UNSET", "1", 1);
    ::setenv("PYTHONPATH", path.c_str(), 1);
    std::vector<std::string> args = {exe};
    if (!packageScript.empty()) args.push_back((pkg / packageScript).string());
    args.insert(args.end(), pythonArgs.begin(), pythonArgs.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::fflush(stdout);
    std::fflush(stderr);
    ::execvp(exe.c_str(), argv.data());
    throw CommandError{command + ": cannot execute " + exe + ": " + std::strerror(errno)};
}

void addRecordCommand(CLI::App& app) {
    auto* cmd = app.add_subcommand("record",
                                   "Record a Python program: reel record [--python EXE] [-o FILE] "
                                   "[--keep always|failure] [--only PATH]... [--exclude PATH]... "
                                   "[--max-depth N] [--max-items N] [--max-str N] [--origin-depth "
                                   "N] [--redact PATTERN] [--no-values] [--last N] (script.py | -m module | "
                                   "-c code) [args...]");
    static std::string python;
    static std::vector<std::string> rest;
    cmd->add_option("--python", python,
                    "interpreter to record with (default: " REEL_DEFAULT_PYTHON ")");
    // Everything else (recorder options, the program and its arguments) goes to the launcher
    // untouched.
    cmd->allow_extras();
    cmd->prefix_command();
    cmd->callback([cmd] {
        rest = cmd->remaining();
        if (rest.empty())
            throw CommandError{"record: no program given (reel record script.py [args...])"};
        // A script rather than `-m reel`: runpy would import importlib.util, warnings and more,
        // which a plain `python script.py` does not have.
        std::vector<std::string> args = {"record"};
        args.insert(args.end(), rest.begin(), rest.end());
        execPythonWithReel("record", python, args, "reel/_record.py");
    });
}

}  // namespace reel::cli
