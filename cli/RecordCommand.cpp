#include "Commands.h"

namespace reel::cli {

// Placeholder until the command lands; refuses to run rather than pretending.
void addRecordCommand(CLI::App& app) {
    auto* cmd = app.add_subcommand("record", "(not available yet)");
    cmd->callback([] { throw CommandError{"'record' is not available in this build yet"}; });
}

}  // namespace reel::cli
