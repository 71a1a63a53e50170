#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "Commands.h"

namespace reel::cli {

// `reel gui [FILE]` replaces this process with the reel-gui binary installed next to `reel`, so
// the Qt libraries are only loaded by the GUI and the CLI keeps working where Qt is absent.
void addGuiCommand(CLI::App& app) {
    auto* cmd = app.add_subcommand("gui", "Open a trace in the graphical time-travel debugger");
    auto file = std::make_shared<std::string>();
    cmd->add_option("file", *file, "The .reel trace to open");
    // reel-gui's own options (--screenshot PNG, --at, --break, --size, --theme; docs/gui.md) are
    // passed on as given: from the first argument this command does not know.
    cmd->prefix_command();
    cmd->footer(
        "Other arguments go to reel-gui, e.g. reel gui run.reel --screenshot out.png "
        "--break prog.py:12 (see reel-gui --help).");
    cmd->callback([cmd, file] {
        std::error_code ec;
        const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
        if (ec) throw CommandError{"cannot locate the reel binary: " + ec.message()};
        const auto gui = self.parent_path() / "reel-gui";
        if (!std::filesystem::exists(gui))
            throw CommandError{"reel-gui is not installed next to reel (" + gui.string() +
                               "); build it with -DREEL_BUILD_GUI=ON"};
        if (!file->empty() && !std::filesystem::exists(*file))
            throw CommandError{"no such file: " + *file};
        std::vector<std::string> args{gui.string()};
        if (!file->empty()) args.push_back(*file);
        for (const auto& a : cmd->remaining()) args.push_back(a);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(gui.c_str(), argv.data());
        throw CommandError{"cannot start " + gui.string() + ": " + std::strerror(errno)};
    });
}

}  // namespace reel::cli
