#pragma once
// Navigation over a replayed trace: the one implementation every front end (terminal, GUI) uses.
// A Navigator has a position (an event number) and the state there; every command moves the
// position and returns where it stopped and why. Exact definitions: docs/replayer.md
// ("Navigation"). In short, with T the focus thread (the current event's thread unless set) and
// d its call depth at the position:
//   stepInto   next/previous event on T that is a stop (line granularity: a line start or any
//              non-OPCODE event; instruction granularity: any event)
//   stepOver   the same, restricted to depth <= d (forward from a RETURN/UNWIND, and
//              backward from a CALL, d - 1: that frame is gone; from a YIELD/RESUME too at
//              instruction granularity); at line granularity a
//              generator/coroutine frame's suspension is no stop: its YIELD sends the step on to
//              the frame's next line after it resumes (backward: its RESUME, to the line before
//              the suspension), as pdb's next; it stops at that YIELD (RESUME) when the frame
//              never resumes (was not suspended before); the StopIteration such a frame gets
//              when an awaited iterator finishes is no stop either
//   stepOut    next event on T with depth < d (back in the caller, just after the return); a
//              frame that suspends is followed until it returns or unwinds; backward: the last
//              event on T with depth < d before the frame was entered (its first CALL)
//   stepUntil  pdb's until: the frame's next line start on a line > its current one (>= line),
//              or its RETURN/UNWIND, following suspensions; backward, a line < the current one
//              (<= line) or its CALL
//   (stepOver, stepOut and stepUntil with framesUp k > 0 act on the frame k levels above
//   T's innermost, as pdb's and gdb's next/finish after `up`: d is that frame's depth)
//   Every step command (stepInto, stepOver, stepOut, stepUntil) also stops at a breakpoint hit
//   on the way, on any thread, reported as Breakpoint (all-stop, as gdb and rr); a stop on
//   another thread than T makes it the focus thread (NavResult::threadSwitched).
//   continueRun next/previous breakpoint hit (an OPCODE event that starts a line, like pdb) or,
//              when enabled, exception raise
// When nothing matches, forward commands go to the last event (AtEnd) and backward ones to event
// 0 (AtStart); a command at the end (start) already stays there and says so. Watchpoint, frame
// and exception searches that find nothing stay put and report NotFound.
//
// API stability: other modules build on this header. Additive changes only; any change is noted
// here.
//   19:00 added setBreakpointEnabled, RaiseFilter/setRaiseFilter, setCancelCheck,
//         StopReason::Cancelled, toBreakpointHit.
//   session 33: stepOver/stepOut take an optional framesUp (the frame a front end selected).
//   session 34: stepOver/stepOut follow generator/coroutine frames across suspensions and stop at
//         breakpoint hits on the way; added stepUntil, Breakpoint::function/temporary,
//         breakpointCodes.
//   session 35: breakpoint hits on every thread stop the step commands, stepInto included;
//         added NavResult::threadSwitched (a pinned focus thread follows the stop) and runTo;
//         RaiseFilter::library (raises that stay inside library code, ExceptionInfo::ownCode)
//         and toException's `library`.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "reel/replayer/ProgramState.h"

namespace reel::replayer {

class Replayer;

enum class Direction : uint8_t { Forward, Backward };
enum class Granularity : uint8_t { Line, Instruction };

enum class StopReason : uint8_t {
    Step,        // a step command found its stop
    Breakpoint,  // a breakpoint was hit (NavResult::breakpointId)
    Exception,   // an exception raise (continueRun with break-on-raise, toException)
    Watch,       // a change of the watched local
    FrameEdge,   // the frame's call or return (toFrameCall/toFrameReturn)
    Target,      // goTo / thread navigation reached its event
    AtStart,     // nothing matched backward: at event 0
    AtEnd,       // nothing matched forward: at the last event
    NotFound,    // nothing matched; position unchanged
    Cancelled,   // the cancel check asked to stop a search; position unchanged
};
const char* toString(StopReason r);

struct NavResult {
    uint64_t event = 0;  // position after the command
    StopReason reason = StopReason::Step;
    bool moved = false;
    int breakpointId = -1;
    // A command that runs the program (a step, continueRun, toBreakpointHit, runTo) stopped on
    // another thread than the focus thread it started with: a breakpoint or raise there, or the
    // generator it followed resumed there. That thread is now the focus thread (also when one
    // was set with setFocusThread); front ends say so, as gdb's "[Switching to thread N]".
    bool threadSwitched = false;
};

struct Breakpoint {
    // Matches a code object whose filename equals `file`, or ends with "/" + file.
    std::string file;
    int32_t line = 0;
    // Optional hit condition, evaluated at a candidate stop with the state and the frame there
    // (e.g. the front end renders a local and compares it). Must not throw.
    std::function<bool(const ProgramState&, const Frame&)> condition;
    bool enabled = true;
    // A function breakpoint when not empty (`line` is then unused): hits at the first line of
    // each call (the first OPCODE after its CALL; a generator's resumes are not calls) of a code
    // object whose name or qualified name ("reserve", "Inventory.reserve") equals it, in a file
    // matching `file` (any file when `file` is empty).
    std::string function{};  // {}: brace-initialized Breakpoints need not name it
    // One-shot (tbreak): deleted by the first command that stops at it (its id stays in that
    // command's NavResult).
    bool temporary = false;
};

// Which exception raises continueRun stops at when break-on-raise is on. A raise is "unhandled"
// when its propagation ends Uncaught or is still in flight at the end of the trace, "handled"
// when it ends Handled or Replaced (by another exception, e.g. raised in `finally`).
struct RaiseFilter {
    bool handled = true;
    bool unhandled = true;
    // Also exceptions that stay inside library code from raise to end (ExceptionInfo::ownCode
    // false): importlib's, json's, re's own raises and handlers.
    bool library = true;
    // Exception type names; empty: any type. A name matches the raised value's exact type (no
    // subclass matching: the trace keeps no class hierarchy) by its display name
    // ("ValueError", "mod.MyError"), its qualname ("MyError", "Outer.Inner") or module + "." +
    // qualname.
    std::vector<std::string> types;
};

class Navigator {
  public:
    // Starts at event 0. The Replayer must outlive the Navigator. Throws std::out_of_range for
    // an empty trace.
    explicit Navigator(Replayer& replayer);
    ~Navigator();
    Navigator(const Navigator&) = delete;
    Navigator& operator=(const Navigator&) = delete;

    uint64_t position() const;
    // The state at position() (no copy; valid until the next command).
    const ProgramState& state() const;
    bool atStart() const;
    bool atEnd() const;

    // Thread whose stack step commands follow; by default (nullopt) the current event's thread.
    void setFocusThread(std::optional<uint32_t> thread);
    uint32_t focusThread() const;

    // Throws std::out_of_range (message names the valid range) when n >= eventCount().
    NavResult goTo(uint64_t n);
    NavResult goToStart();
    NavResult goToEnd();

    NavResult stepInto(Direction dir, Granularity g = Granularity::Line);
    // framesUp: step over / out of the frame that many levels above T's innermost one (a frame
    // selected with `up`); clamped to T's outermost frame.
    NavResult stepOver(Direction dir, Granularity g = Granularity::Line, uint32_t framesUp = 0);
    NavResult stepOut(Direction dir, uint32_t framesUp = 0);
    // pdb's until (forward) and its mirror (backward); see above and docs/replayer.md. `line`
    // must be after (forward) or before (backward) the frame's current line, else
    // std::invalid_argument. NotFound when the focus thread has no frame.
    NavResult stepUntil(Direction dir, std::optional<int32_t> line = std::nullopt,
                        uint32_t framesUp = 0);

    // Returns its id (>= 1). Throws std::invalid_argument for a function breakpoint that matches
    // no code object of the trace.
    int addBreakpoint(Breakpoint bp);
    // The code objects a breakpoint can hit: of one not added yet (a front end checks a location
    // before adding it), or of breakpoint `id` (empty for an unknown id). Sorted code ids.
    std::vector<uint32_t> breakpointCodes(const Breakpoint& bp) const;
    std::vector<uint32_t> breakpointCodes(int id) const;
    bool removeBreakpoint(int id);
    void clearBreakpoints();
    const Breakpoint* breakpoint(int id) const;
    std::vector<int> breakpointIds() const;
    // Disables (continueRun passes it by) or enables a breakpoint without deleting it: its id
    // and condition stay. False for an unknown id.
    bool setBreakpointEnabled(int id, bool enabled);
    // Break-on-raise with every raise (on), or none (off); keeps the filter's other settings.
    void setBreakOnRaise(bool on);
    bool breakOnRaise() const;
    // Break-on-raise restricted to the raises the filter accepts (turns break-on-raise on).
    void setRaiseFilter(RaiseFilter filter);
    const RaiseFilter& raiseFilter() const;
    // To the next/previous breakpoint hit, or exception raise when break-on-raise is on.
    NavResult continueRun(Direction dir);
    // Runs to `location` as continueRun would, the location acting as an extra one-shot
    // breakpoint gone when the command ends, reached or not (a front end's "Run to cursor"):
    // Target when it got there, Breakpoint / Exception when another breakpoint or a raise came
    // first, AtEnd / AtStart when none. `temporary` and `enabled` are ignored. Throws
    // std::invalid_argument when no code of the trace is at the location.
    NavResult runTo(Direction dir, Breakpoint location);
    // To the next/previous hit of breakpoint `id` alone (enabled or not; its condition applies),
    // ignoring the other breakpoints and raises: a breakpoint list's "go to hit". NotFound (and
    // stays) when there is none; Breakpoint otherwise. Throws std::out_of_range for an unknown id.
    NavResult toBreakpointHit(Direction dir, int id);

    // Polled during searches (continueRun, step commands, watchpoint, frame and thread
    // searches) every few thousand events and between blocks; when it returns true the search
    // stops, the position is restored and the result is {position, Cancelled, moved = false}.
    // For front ends that keep a UI responsive during a long search (the GUI pumps its event
    // loop from it and returns the state of a Cancel button). It must not use this Navigator
    // or its Replayer. Empty (the default): never cancelled.
    using CancelCheck = std::function<bool()>;
    void setCancelCheck(CancelCheck check);

    // To the next/previous exception raise (any thread).
    // library false: pass by the exceptions that stayed inside library code
    // (ExceptionInfo::concernsProgram() false), as RaiseFilter::library.
    NavResult toException(Direction dir, bool library = true);
    // To the next/previous event at which the local `key` of frame `frameId` changed (a
    // LOCAL_SET/LOCAL_DEL/NAME_SET/NAME_DEL record for it belongs to that event). Backward finds
    // the latest change strictly before the position.
    NavResult toLocalChange(Direction dir, uint64_t frameId, LocalKey key);
    // The CALL that created the frame at `stackIndex` (0 = outermost) of the focus thread, and
    // the RETURN/YIELD/UNWIND ending its current activation.
    NavResult toFrameCall(size_t stackIndex);
    NavResult toFrameReturn(size_t stackIndex);
    // Next/previous event on `thread` (Target), and the next/previous thread switch (the first
    // event of a run on another thread going forward, the last event of the previous run going
    // backward).
    NavResult toThreadEvent(Direction dir, uint32_t thread);
    NavResult toThreadSwitch(Direction dir);

  private:
    NavResult continueUnguarded(Direction dir);
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace reel::replayer
