// `reel verify FILE`: reads and checks every chunk of a trace (checksums, decompression, message
// structure, event and value records, references between them). Exit 0 when the trace is sound,
// 1 when it is damaged or was recovered after a crash, 2 when it cannot be read at all.

#include <iostream>
#include <nlohmann/json.hpp>
#include <system_error>

#include "Commands.h"
#include "reel/format/TraceFormatError.h"
#include "reel/format/TraceReader.h"

namespace reel::cli {

inline constexpr int kExitDamaged = 1;

void addVerifyCommand(CLI::App& app) {
    auto* cmd = app.add_subcommand("verify", "Check a trace's integrity chunk by chunk");
    struct Args {
        std::string file;
        bool json = false;
    };
    auto args = std::make_shared<Args>();
    cmd->add_option("FILE", args->file, "trace file (.reel or .reel.partial)")->required();
    cmd->add_flag("--json", args->json, "print {\"ok\", \"problems\", ...} as JSON");
    cmd->callback([args] {
        using namespace reel::format;
        std::unique_ptr<TraceReader> reader;
        try {
            reader = std::make_unique<TraceReader>(args->file);
        } catch (const TraceFormatError& e) {
            throw CommandError{args->file + ": unreadable trace: " + e.what()};
        } catch (const std::system_error& e) {
            throw CommandError{e.what()};
        } catch (const std::exception& e) {
            throw CommandError{args->file + ": " + e.what()};
        }
        std::vector<std::string> problems = reader->verifyAll();
        const bool ok = problems.empty();
        if (args->json) {
            nlohmann::json j{{"file", args->file},
                             {"ok", ok},
                             {"recovered", reader->recovery().recovered},
                             {"chunks", reader->chunks().size()},
                             {"events", reader->eventCount() - reader->firstEvent()},
                             {"values", reader->valueCount()},
                             {"problems", problems}};
            std::cout << j.dump(2) << "\n";
        } else {
            for (const auto& p : problems) std::cout << args->file << ": " << p << "\n";
            if (ok)
                std::cout << args->file << ": OK (" << reader->chunks().size() << " chunks, "
                          << reader->eventCount() - reader->firstEvent() << " events, "
                          << reader->valueCount() << " values)\n";
            else
                std::cout << args->file << ": DAMAGED (" << problems.size() << " problem"
                          << (problems.size() == 1 ? "" : "s") << ")\n";
        }
        exitStatus = ok ? 0 : kExitDamaged;
    });
}

}  // namespace reel::cli
