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
    cmd->callback([file] {
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
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(gui.c_str(), argv.data());
        throw CommandError{"cannot start " + gui.string() + ": " + std::strerror(errno)};
    });
}

}  // namespace reel::cli
