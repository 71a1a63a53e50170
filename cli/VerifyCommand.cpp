#include "Commands.h"

namespace reel::cli {

// Placeholder until the command lands; refuses to run rather than pretending.
void addVerifyCommand(CLI::App& app) {
    auto* cmd = app.add_subcommand("verify", "(not available yet)");
    cmd->callback([] { throw CommandError{"'verify' is not available in this build yet"}; });
}

}  // namespace reel::cli
