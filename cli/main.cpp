#include <iostream>
#include <string>

#include "Commands.h"
#include "reel/format/TraceFormatError.h"

int main(int argc, char** argv) {
    CLI::App app{"Reel: record and replay Python programs, backward and forward"};
    app.set_version_flag("--version", REEL_VERSION);
    app.require_subcommand(1);
    reel::cli::addRecordCommand(app);
    reel::cli::addPytestCommand(app);
    reel::cli::addReplayCommand(app);
    reel::cli::addExportCommand(app);
    reel::cli::addInfoCommand(app);
    reel::cli::addVerifyCommand(app);
    reel::cli::addDemoCommand(app);
    reel::cli::addDumpCommand(app);
    reel::cli::addGuiCommand(app);
    reel::cli::addSliceCommand(app);
    reel::cli::addJoinCommand(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        // Without a command CLI11 only says that one is required: name what was given instead.
        if (argc > 1 && app.get_subcommands().empty()) {
            const std::string given = argv[1];
            std::string names;
            for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
                names += (names.empty() ? "" : ", ") + sub->get_name();
            std::cerr << "reel: unknown " << (given.starts_with("-") ? "option" : "command") << " '"
                      << given << "' (commands: " << names << "; reel --help describes them)\n";
            return reel::cli::kExitUsage;
        }
        std::cerr << "reel: " << e.what() << "\n";
        return reel::cli::kExitUsage;
    } catch (const reel::cli::CommandError& e) {
        std::cerr << "reel: " << e.message << "\n";
        return e.status;
    } catch (const reel::format::TraceFormatError& e) {
        std::cerr << "reel: damaged trace: " << e.what() << "\n";
        return reel::cli::kExitUsage;
    } catch (const std::exception& e) {
        std::cerr << "reel: " << e.what() << "\n";
        return reel::cli::kExitUsage;
    }
    return reel::cli::exitStatus;
}
