// `reel pytest [--python EXE] [pytest args...]`: replaces this process with
// `EXE -m pytest -p reel.pytest [pytest args...]`, with `import reel` made to work as for
// `reel record`. The plugin (recorder/python/reel/pytest.py) records each test into its own trace
// and keeps those of failed tests; its options (--reel-dir, --reel-keep, ...) pass through.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "Commands.h"

namespace reel::cli {

namespace {

// The interpreter `reel pytest` runs when none is named: the one the user's tests run with is
// usually `python3` on PATH (Debian's, which is where python3-pytest lives), so it comes first;
// then the build's default and the other interpreters the recorder was built for. The first that
// this build supports and that can import pytest wins.
bool supportedWithPytest(const std::string& exe) {
    const std::string ver = pythonVersionOf(exe, "pytest");
    return !ver.empty() && std::filesystem::exists(std::filesystem::path(REEL_BUILD_PYTHON_DIR) /
                                                   ver / "reel" / "__init__.py");
}

std::string pickPythonWithPytest() {
    std::vector<std::string> candidates = {"python3", "/usr/bin/python3", REEL_DEFAULT_PYTHON};
    std::ifstream list(std::filesystem::path(REEL_BUILD_PYTHON_DIR) / "interpreters.txt");
    for (std::string line; std::getline(list, line);)
        if (auto eq = line.find('='); eq != std::string::npos)
            candidates.push_back(line.substr(eq + 1));
    for (const auto& exe : candidates)
        if (supportedWithPytest(exe)) return exe;
    throw CommandError{
        "pytest: no interpreter supported by this build can import pytest (tried "
        "python3, " REEL_DEFAULT_PYTHON " and " REEL_BUILD_PYTHON_DIR
        "/interpreters.txt); install pytest "
        "(Debian: python3-pytest) or name one with --python EXE"};
}

}  // namespace

void addPytestCommand(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "pytest",
        "Run pytest with every test recorded (traces of failed tests kept): reel pytest "
        "[--python EXE] [--reel-dir DIR] [--reel-keep failed|all] [pytest args...]");
    static std::string python;
    static std::vector<std::string> rest;
    cmd->add_option(
        "--python", python,
        "interpreter to run pytest with (default: the first of python3, " REEL_DEFAULT_PYTHON
        " and the build's other interpreters that can import pytest)");
    cmd->allow_extras();
    cmd->prefix_command();
    cmd->callback([cmd] {
        rest = cmd->remaining();
        std::vector<std::string> args = {"-m", "pytest", "-p", "reel.pytest"};
        args.insert(args.end(), rest.begin(), rest.end());
        execPythonWithReel("pytest", python.empty() ? pickPythonWithPytest() : python, args);
    });
}

}  // namespace reel::cli
