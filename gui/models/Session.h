#pragma once
// The GUI's one handle on an open trace: owns the Replayer, the Navigator and the value renderer,
// and remembers what the user selected (the thread whose stack is shown, the frame whose locals
// are shown, the step granularity, breakpoints). Every command forwards to the Navigator; the
// Session adds no navigation logic, it only turns results into signals the models and views
// follow. Lives on the UI thread (the Replayer is not thread-safe).

#include <QObject>
#include <QString>
#include <QVector>

#include <memory>
#include <optional>

#include "models/LoadedTrace.h"
#include "reel/replayer/ConditionExpr.h"
#include "reel/replayer/Navigator.h"
#include "reel/replayer/Replayer.h"
#include "reel/replayer/ValueRenderer.h"

namespace reel::replayer {
class ConditionEvaluator;
class ValueLookup;
}

namespace reel::gui {

struct BreakpointEntry {
    int id = 0;
    // A code object's filename as the trace spells it, or a path suffix of it; for a function
    // breakpoint, empty (any file) or the files its function must be in.
    QString file;
    int line = 0;
    // A function breakpoint (`break [FILE:]FUNCTION` in `reel replay`) when not empty: a name
    // or qualified name; it stops at the first line of every call. `line` is then unused.
    QString function;
    // Deleted by the first command that stops at it (`tbreak`).
    bool temporary = false;
    // The replayer's condition language (replayer/ConditionExpr.h, the same as `reel replay`'s
    // `break F:L if EXPR`); empty: always.
    QString condition;
    bool enabled = true;
    std::shared_ptr<const replayer::ConditionExpr> parsed;
    // Why the condition could not be evaluated at its latest hit (such a hit stops, as in pdb).
    std::shared_ptr<std::string> lastError = std::make_shared<std::string>();
};

class Session : public QObject {
    Q_OBJECT
  public:
    using Direction = replayer::Direction;
    using Granularity = replayer::Granularity;

    explicit Session(QObject* parent = nullptr);
    ~Session() override;

    // Takes over a loaded trace (from TraceLoader or loadTrace) and goes to its first event (0,
    // or a slice's first event). Returns
    // false (with error() emitted) when the trace cannot be navigated, e.g. it has no events;
    // the trace shown before (if any) then stays open.
    bool open(LoadedTrace trace);
    void close();
    bool isOpen() const { return nav_ != nullptr; }
    const LoadedTrace& trace() const { return trace_; }

    replayer::Replayer& replayer() { return *trace_.replayer; }
    replayer::Navigator& navigator() { return *nav_; }
    replayer::ValueRenderer& renderer() { return *renderer_; }
    const format::Definitions& defs() const { return trace_.replayer->defs(); }
    const format::TraceHeaderInfo& header() const { return trace_.replayer->reader().header(); }

    // While a search runs (isSearching()), the position and state are those from before it:
    // the panes keep showing them while the Navigator scans.
    uint64_t position() const {
        return searching_ ? searchState_.event : nav_ ? nav_->position() : 0;
    }
    // One past the last event number. A slice (`reel slice`, format 1.1) keeps the original
    // run's event numbers: its events are firstEvent() .. lastEvent(), and eventCount() is not
    // its length (eventsInTrace() is).
    uint64_t eventCount() const { return trace_.replayer ? trace_.replayer->eventCount() : 0; }
    uint64_t firstEvent() const { return trace_.replayer ? trace_.replayer->firstEvent() : 0; }
    uint64_t lastEvent() const {
        return eventCount() > firstEvent() ? eventCount() - 1 : firstEvent();
    }
    uint64_t eventsInTrace() const { return eventCount() - firstEvent(); }
    bool containsEvent(uint64_t n) const { return n >= firstEvent() && n < eventCount(); }
    // True for a trace cut from a longer one by `reel slice` (it starts after event 0).
    bool isSlice() const { return trace_.replayer && trace_.replayer->reader().checkpoint(); }
    // For a slice: which events of which original it holds, and how much output from before
    // its first event was left out; empty otherwise. Shown in the window's slice banner.
    QString sliceText() const;
    // "Event N is out of range: ..." naming the events this trace has (for the go-to box).
    QString outOfRangeText(const QString& event) const;
    const replayer::ProgramState& state() const {
        return searching_ ? searchState_ : nav_->state();
    }
    const replayer::NavResult& lastResult() const { return last_; }

    // The thread whose stack the panes show: the focus thread of the Navigator (the current
    // event's thread unless the user picked one).
    uint32_t thread() const { return pinnedThread_ ? *pinnedThread_ : nav_ ? state().thread : 0; }
    bool threadPinned() const { return pinnedThread_.has_value(); }
    void setThread(std::optional<uint32_t> thread);
    const replayer::ThreadState* threadState() const;
    QString threadName(uint32_t thread) const;

    // Selected frame as an index into the shown thread's stack (0 = outermost); by default, and
    // after every move, the running (innermost) frame. -1 when the thread has no frame.
    int selectedFrame() const { return selectedFrame_; }
    void selectFrame(int stackIndex);
    const replayer::Frame* frame() const;
    const format::CodeObject* code() const;  // of frame()
    const format::CodeObject* codeById(uint32_t id) const;
    // The trace's copy of the frame's source; null when the trace has no text for it.
    const format::SourceFile* source() const;

    Granularity granularity() const { return granularity_; }
    void setGranularity(Granularity g);

    // Value rendering (docs/values.md), never throwing: damage renders as "<damaged: ...>".
    QString render(format::ValueRef ref);
    // The name of local `slot` (or string id) of the frame's code.
    QString localName(const replayer::Frame& f, replayer::LocalKey key) const;

    // Output (stdout then, if any, stderr) written up to the position: the last `maxBytes` only.
    QString outputText(uint32_t stream, size_t maxBytes = 256 * 1024);
    // Both streams interleaved as written, each write with its event, and in a slice the notes
    // for output it did not carry (Replayer::outputChunks).
    std::vector<replayer::OutputChunk> outputChunks(size_t maxBytes = 256 * 1024);

    // Breakpoints, by file and line. A breakpoint's file names the files the Navigator stops in
    // (replayer/FileMatch.h, as `reel replay` matches it): a code object's filename or source
    // path equal to it or ending in "/" + it, so `--break inventory.py:12` is at line 12 of
    // "/work/examples/inventory.py".
    const QVector<BreakpointEntry>& breakpoints() const { return breakpoints_; }
    // The index in breakpoints() of one at `line` of `file` (a path as the trace spells it), or
    // at `line` of the file `code` comes from (what the source pane shows); -1 when none.
    int breakpointIndex(const QString& file, int line) const;
    int breakpointIndex(const format::CodeObject& code, int line) const;
    bool hasBreakpoint(const QString& file, int line) const {
        return breakpointIndex(file, line) >= 0;
    }
    // Adds, or removes the breakpointIndex(file, line); returns true when a breakpoint is now set
    // there. A condition that does not parse is refused with error().
    bool toggleBreakpoint(const QString& file, int line, const QString& condition = {},
                          bool temporary = false);
    // A function breakpoint: "FUNCTION" or "FILE:FUNCTION" (a name or qualified name, as
    // `reel replay`'s `break`). Refused with error() when no function of that name ran in the
    // trace, or when it is already set; returns its index in breakpoints(), or -1.
    int addFunctionBreakpoint(const QString& spec, bool temporary = false);
    // Where a function breakpoint stops: "reserve() (inventory.py:30, ...)"; empty otherwise.
    QString functionPlaces(int index) const;
    // By index in breakpoints(): enable/disable (kept, not deleted), change the condition
    // (empty: none; false and error() when it does not parse), remove.
    bool setBreakpointEnabled(int index, bool enabled);
    bool setBreakpointTemporary(int index, bool temporary);
    bool setBreakpointCondition(int index, const QString& condition);
    bool removeBreakpointAt(int index);
    void clearBreakpoints();
    // Next/previous hit of one breakpoint (enabled or not), ignoring the others.
    replayer::NavResult toBreakpointHit(int index, Direction dir);
    void setBreakOnRaise(bool on);
    bool breakOnRaise() const { return breakOnRaise_; }
    // Which raises break-on-raise stops at (the Navigator's RaiseFilter: handled/unhandled,
    // type names); kept across opens.
    void setRaiseFilter(const replayer::RaiseFilter& filter);
    const replayer::RaiseFilter& raiseFilter() const { return raiseFilter_; }

    // Long searches (continue, watchpoints, steps over long calls) run on the UI thread but pump
    // the event loop every few tens of milliseconds, so the window repaints and takes input;
    // cancelSearch() (the Cancel action, Esc) stops the search where it started. Commands and
    // breakpoint edits issued while a search runs are ignored (they return false / last result).
    bool isSearching() const { return searching_; }
    void cancelSearch() { cancelRequested_ = true; }
    // How long a command runs before the event loop is first pumped, and then how often (ms).
    void setSearchPumping(int delayMs, int intervalMs) {
        searchDelayMs_ = delayMs;
        pumpIntervalMs_ = intervalMs;
    }

    // Commands. Each returns what the Navigator returned and emits positionChanged; errors (a
    // damaged chunk met while scanning) are reported through error() and leave the position.
    replayer::NavResult goTo(uint64_t event);
    replayer::NavResult goToStart();
    replayer::NavResult goToEnd();
    replayer::NavResult stepInto(Direction dir);
    replayer::NavResult stepOver(Direction dir);
    replayer::NavResult stepOut(Direction dir);
    // pdb's until / its reverse, in the running frame (Navigator::stepUntil).
    replayer::NavResult stepUntil(Direction dir);
    // Runs to `line` of `file` as a continue would, stopping there or earlier at a breakpoint
    // or raise (Navigator::runTo): the source pane's "Run to cursor".
    replayer::NavResult runTo(Direction dir, const QString& file, int line);
    replayer::NavResult continueRun(Direction dir);
    replayer::NavResult toException(Direction dir);
    // Reverse/forward watchpoint on a local of the selected frame.
    replayer::NavResult toLocalChange(Direction dir, replayer::LocalKey key);
    replayer::NavResult toFrameCall(int stackIndex);
    replayer::NavResult toFrameReturn(int stackIndex);
    replayer::NavResult toThreadSwitch(Direction dir);

    // A one-line description of the last stop for the status bar ("Step", "Breakpoint 2", ...),
    // naming the thread the stop switched to when it did.
    QString stopText() const;

    // A watch expression's value in the selected frame at the position: a PATH (`item.stock`,
    // `order.lines[0]`, as `print`/`display` take it) rendered by the replayer's renderer, or a
    // condition (`qty > 3`) as True/False. Empty with *error set when it cannot be evaluated
    // there (not a local here, no frame, a syntax error).
    QString evaluate(const QString& expression, QString* error);

  Q_SIGNALS:
    void opened();
    void closed();
    // The position moved (or the trace was opened); the state and the selection were reset.
    void positionChanged(quint64 event);
    // The shown thread or frame changed (also emitted after every positionChanged).
    void selectionChanged();
    void breakpointsChanged();
    // A command has been searching for a while (true), or finished / was cancelled (false).
    void searchingChanged(bool searching);
    void error(const QString& message);

  private:
    template <class F>
    replayer::NavResult run(F&& f, bool search);
    void resetSelection();
    void syncBreakpoints();
    // Drops the temporary breakpoints the Navigator deleted when it stopped at them.
    void dropSpentBreakpoints();
    QString breakpointText(int id) const;
    QString stopReasonText() const;
    bool pollSearch();

    LoadedTrace trace_;
    std::unique_ptr<replayer::Navigator> nav_;
    std::unique_ptr<replayer::ValueSource> values_;
    std::unique_ptr<replayer::ValueRenderer> renderer_;
    std::optional<uint32_t> pinnedThread_;
    int selectedFrame_ = -1;
    Granularity granularity_ = Granularity::Line;
    replayer::NavResult last_;
    QVector<BreakpointEntry> breakpoints_;
    bool breakOnRaise_ = false;
    replayer::RaiseFilter raiseFilter_;
    std::unique_ptr<replayer::ConditionEvaluator> conditions_;
    std::unique_ptr<replayer::ValueLookup> lookup_;  // watch expressions
    QString lastBreakpoint_;  // stopText() of the last breakpoint stop (it may be gone since)
    QString targetText_;      // stopText() of a runTo that got there
    // Search in progress: started when the command began, shown as searching after a delay.
    bool inCommand_ = false, searchable_ = false, searching_ = false, cancelRequested_ = false;
    int searchDelayMs_ = 100, pumpIntervalMs_ = 30;
    qint64 commandStartMs_ = 0, lastPumpMs_ = 0;
    replayer::ProgramState searchState_;  // the state shown while searching
};

}  // namespace reel::gui
