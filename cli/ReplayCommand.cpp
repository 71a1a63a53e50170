#include "Commands.h"

namespace reel::cli {

// Placeholder until the command lands; refuses to run rather than pretending.
void addReplayCommand(CLI::App& app) {
    auto* cmd = app.add_subcommand("replay", "(not available yet)");
    cmd->callback([] { throw CommandError{"'replay' is not available in this build yet"}; });
}

}  // namespace reel::cli
