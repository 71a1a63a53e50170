// `reel pytest [--python EXE] [pytest args...]`: replaces this process with
// `EXE -m pytest -p reel.pytest [pytest args...]`, with `import reel` made to work as for
// `reel record`. The plugin (recorder/python/reel/pytest.py) records each test into its own trace
// and keeps those of failed tests; its options (--reel-dir, --reel-keep, ...) pass through.
#include <string>
#include <vector>

#include "Commands.h"

namespace reel::cli {

void addPytestCommand(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "pytest",
        "Run pytest with every test recorded (traces of failed tests kept): reel pytest "
        "[--python EXE] [--reel-dir DIR] [--reel-keep failed|all] [pytest args...]");
    static std::string python;
    static std::vector<std::string> rest;
    cmd->add_option("--python", python,
                    "interpreter to run pytest with (default: " REEL_DEFAULT_PYTHON ")");
    cmd->allow_extras();
    cmd->prefix_command();
    cmd->callback([cmd] {
        rest = cmd->remaining();
        std::vector<std::string> args = {"-m", "pytest", "-p", "reel.pytest"};
        args.insert(args.end(), rest.begin(), rest.end());
        execPythonWithReel("pytest", python, args);
    });
}

}  // namespace reel::cli
