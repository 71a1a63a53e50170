#include "Commands.h"

namespace reel::cli {

// Placeholder until the command lands; refuses to run rather than pretending.
void addDumpCommand(CLI::App& app) {
    auto* cmd = app.add_subcommand("dump", "(not available yet)");
    cmd->callback([] { throw CommandError{"'dump' is not available in this build yet"}; });
}

}  // namespace reel::cli
