#include "Commands.h"

namespace reel::cli {

// Placeholder until the command lands; refuses to run rather than pretending.
void addDemoCommand(CLI::App& app) {
    auto* cmd = app.add_subcommand("demo", "(not available yet)");
    cmd->callback([] { throw CommandError{"'demo' is not available in this build yet"}; });
}

}  // namespace reel::cli
