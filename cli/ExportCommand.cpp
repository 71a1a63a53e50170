#include "Commands.h"

namespace reel::cli {

// Placeholder until the command lands; refuses to run rather than pretending.
void addExportCommand(CLI::App& app) {
    auto* cmd = app.add_subcommand("export", "(not available yet)");
    cmd->callback([] { throw CommandError{"'export' is not available in this build yet"}; });
}

}  // namespace reel::cli
