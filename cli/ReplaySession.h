#pragma once
// The command interpreter of `reel replay`: parses one command line at a time, drives the
// replayer's Navigator and prints what a pdb user expects. It holds no navigation logic: every
// movement is one Navigator call (see replayer/include/reel/replayer/Navigator.h); this class
// only chooses the call, and renders the state it stops at. Line editing, history and the input
// loop live in ReplayCommand.cpp; this class only sees complete lines, so tests can drive it.

#include <functional>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "SourceText.h"
#include "reel/replayer/ConditionExpr.h"
#include "reel/replayer/Navigator.h"
#include "reel/replayer/Replayer.h"
#include "reel/replayer/ValueRenderer.h"
#include "reel/replayer/ValueLookup.h"
#include "reel/replayer/ValueSource.h"

namespace reel::cli {

// The expression language and its evaluator are the replayer's (shared with the GUI).
using replayer::ConditionEvaluator;
using replayer::ConditionExpr;
using replayer::EvalError;
using replayer::ExprSyntaxError;
using replayer::ValueLookup;
using replayer::ValuePath;

class ReplaySession {
  public:
    // Opens and indexes the trace. Throws what Replayer's constructor throws, and
    // std::out_of_range for a trace without events.
    ReplaySession(const std::filesystem::path& trace, std::ostream& out, std::ostream& err,
                  const replayer::Replayer::Progress& progress = {});
    ~ReplaySession();
    ReplaySession(const ReplaySession&) = delete;
    ReplaySession& operator=(const ReplaySession&) = delete;

    // Runs one command ("next", "print -d 5 item", ...). Returns false when it failed; the
    // message ("*** ...") went to `err`. Never throws for bad input or a damaged trace.
    bool execute(std::string_view line);
    // "c; where; print x" -> {"c", "where", "print x"}: splits at semicolons outside quotes.
    static std::vector<std::string> splitCommands(std::string_view text);

    bool quitRequested() const { return quit_; }
    // Runs command lines (each split at ';') until one fails or asks to quit: 0, or
    // kScriptFailed at the first failure (`reel replay -c`, piped input, `reel demo`).
    int runScript(const std::vector<std::string>& lines);
    static constexpr int kScriptFailed = 1;
    // The first words a user sees in interactive mode: what the trace is, and how to get help.
    void printBanner();
    // Exceptions ExceptionInfo::concernsProgram() accepts (the banner's and info's count).
    uint64_t programExceptions() const;
    // The current stop: event line, location line and source line.
    void printStop();

    // Completions of `word` (the word being typed) given the line before it: command names at
    // the start of a line, else local names of the selected frame.
    std::vector<std::string> completions(std::string_view before, std::string_view word);

    replayer::Navigator& navigator() { return *nav_; }
    replayer::Replayer& replayer() { return *replayer_; }

    struct Command;
    // Which exception raises `continue`/`rcontinue` stop at (`catch`).
    enum class CatchMode : uint8_t { Off, Uncaught, Own, All };

  private:
    struct BreakEntry;
    struct DisplayEntry;
    // Command handlers; `args` is the text after the command word, trimmed.
    void cmdStep(const std::string& args, replayer::Direction dir, replayer::Granularity g);
    void cmdNext(const std::string& args, replayer::Direction dir, replayer::Granularity g);
    uint32_t selectedLevel() const;  // frames above the innermost one that `up` selected
    // Runs `step` up to the count in `args`, stopping early at anything but a plain step.
    void repeatStep(const std::string& args, replayer::Granularity g,
                    const std::function<replayer::NavResult()>& step);
    void cmdFinish(const std::string& args, replayer::Direction dir);
    void cmdUntil(const std::string& args, replayer::Direction dir);
    void cmdContinue(const std::string& args, replayer::Direction dir);
    void cmdBreak(const std::string& args, bool temporary);
    void cmdDisplay(const std::string& args);
    void cmdUndisplay(const std::string& args);
    void cmdDelete(const std::string& args);
    void cmdEnable(const std::string& args, bool enable);
    void cmdCondition(const std::string& args);
    void cmdCatch(const std::string& args);
    void cmdWatch(const std::string& args, replayer::Direction dir);
    void cmdGoto(const std::string& args);
    void cmdStart(const std::string& args);
    void cmdEnd(const std::string& args);
    void cmdWhere(const std::string& args);
    void cmdUpDown(const std::string& args, int direction);
    void cmdList(const std::string& args);
    void cmdLongList(const std::string& args);
    void cmdDis(const std::string& args);
    void cmdPrint(const std::string& args);
    void cmdPrettyPrint(const std::string& args);
    void cmdLocals(const std::string& args);
    void cmdExceptions(const std::string& args);
    void cmdException(const std::string& args);
    void cmdThreads(const std::string& args);
    void cmdThread(const std::string& args);
    void cmdOutput(const std::string& args);
    void cmdInfo(const std::string& args);
    void cmdHelp(const std::string& args);
    void cmdQuit(const std::string& args);

    // Shared pieces.
    void report(const replayer::NavResult& r, replayer::Granularity g = replayer::Granularity::Line,
                const std::string& notFound = {});
    void resetSelection();
    const replayer::ThreadState* focusThreadState() const;
    const replayer::Frame* selectedFrame() const;
    const replayer::Frame& requireFrame() const;
    const format::CodeObject& code(uint32_t codeId) const;
    std::string locationLine(const replayer::Frame& f);
    std::string sourceLine(const replayer::Frame& f);
    std::string eventLine(replayer::Granularity g);
    std::string threadLabel(uint32_t thread) const;
    std::string where(uint32_t codeId, int32_t line) const;
    std::string render(format::ValueRef ref);
    uint64_t parseEvent(const std::string& text) const;
    int parseCount(const std::string& args) const;
    void listLines(const format::CodeObject& code, int32_t first, int32_t last, int32_t current);
    void printWatchChange(uint64_t event, uint64_t frameId, replayer::LocalKey key,
                          const std::string& name);
    int cliBreakpoint(int navId) const;
    void showDisplays();
    std::string displayValue(DisplayEntry& d, const replayer::Frame& f);
    void installBreakpoint(BreakEntry& b);
    const Command* findCommand(const std::string& word) const;
    static const std::vector<Command>& commands();

    std::ostream& out_;
    std::ostream& err_;
    std::unique_ptr<replayer::Replayer> replayer_;
    std::unique_ptr<replayer::Navigator> nav_;
    std::unique_ptr<replayer::TraceValueSource> values_;
    std::unique_ptr<replayer::ValueRenderer> renderer_;  // export-contract limits
    std::unique_ptr<ValueLookup> lookup_;                // names for commands
    std::unique_ptr<ConditionEvaluator> conditions_;     // breakpoint conditions
    std::unique_ptr<SourceText> sources_;
    replayer::RenderLimits printLimits_;

    size_t selected_ = 0;  // frames above the innermost one of the focus thread (up/down)
    std::map<int, std::unique_ptr<BreakEntry>> breaks_;
    int nextBreak_ = 1;
    CatchMode catch_ = CatchMode::Uncaught;
    std::vector<DisplayEntry> displays_;
    int nextDisplay_ = 1;
    // `list` without arguments continues where the previous one stopped.
    uint32_t listCode_ = 0;
    int32_t listNext_ = 0;
    uint64_t listEvent_ = replayer::kNoEvent;
    bool quit_ = false;
};

}  // namespace reel::cli
