#include "Commands.h"

namespace reel::cli {

// Placeholder until the command lands; refuses to run rather than pretending.
void addInfoCommand(CLI::App& app) {
    auto* cmd = app.add_subcommand("info", "(not available yet)");
    cmd->callback([] { throw CommandError{"'info' is not available in this build yet"}; });
}

}  // namespace reel::cli
