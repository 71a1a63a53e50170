#pragma once
// Each `reel` subcommand lives in its own file and registers itself on the CLI11 app here.
// Conventions: bad arguments and unreadable input print one line "reel: ..." to stderr and exit
// with status 2; a successful run exits 0.

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace reel::cli {

// Exit status for usage errors and unreadable input.
inline constexpr int kExitUsage = 2;

// Status main() returns after a command's callback finished without throwing (e.g. the recorded
// program's exit status for `reel record`).
inline int exitStatus = 0;

// Thrown by a command to end with a one-line message and a status.
struct CommandError {
    std::string message;
    int status = kExitUsage;
};

void addInfoCommand(CLI::App& app);    // InfoCommand.cpp
void addVerifyCommand(CLI::App& app);  // VerifyCommand.cpp
void addRecordCommand(CLI::App& app);  // RecordCommand.cpp
void addReplayCommand(CLI::App& app);  // ReplayCommand.cpp
void addExportCommand(CLI::App& app);  // ExportCommand.cpp
void addDemoCommand(CLI::App& app);    // DemoCommand.cpp
void addDumpCommand(CLI::App& app);    // DumpCommand.cpp
void addGuiCommand(CLI::App& app);     // GuiCommand.cpp
void addPytestCommand(CLI::App& app);  // PytestCommand.cpp

// "X.Y" of interpreter `exe`, by running it once (before exec, so the error is ours to report);
// "" when it cannot run or cannot import `alsoImport` (a module name, or "" for none).
std::string pythonVersionOf(const std::string& exe, const std::string& alsoImport = "");
// Replaces this process with `python pythonArgs...` (python: "" for the default interpreter),
// PYTHONPATH prefixed with this build's `reel` package for that interpreter's version; throws
// CommandError when the interpreter cannot run or is not supported (RecordCommand.cpp).
// `packageScript`, when given, is a file of that package (e.g. "reel/_record.py") that the
// interpreter runs as its script, before pythonArgs.
[[noreturn]] void execPythonWithReel(const std::string& command, const std::string& python,
                                     const std::vector<std::string>& pythonArgs,
                                     const std::string& packageScript = "");
void addSliceCommand(CLI::App& app);  // SliceCommand.cpp
void addJoinCommand(CLI::App& app);   // JoinCommand.cpp
// "50M" -> 50000000 (suffixes k, M, G: powers of 1000); CommandError naming `command` otherwise.
uint64_t parseEventCount(const std::string& text, const std::string& command);  // SliceCommand.cpp

}  // namespace reel::cli
