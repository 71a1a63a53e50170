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
#include "reel/replayer/Navigator.h"
#include "reel/replayer/ValueRenderer.h"

namespace reel::gui {

struct BreakpointEntry {
    int id = 0;
    QString file;  // the code object's filename, as the trace spells it
    int line = 0;
    QString condition;  // "NAME OP VALUE" on a local's rendered value; empty: always
};

class Session : public QObject {
    Q_OBJECT
  public:
    using Direction = replayer::Direction;
    using Granularity = replayer::Granularity;

    explicit Session(QObject* parent = nullptr);
    ~Session() override;

    // Takes over a loaded trace (from TraceLoader or loadTrace) and goes to event 0. Returns
    // false (with error() emitted) when the trace cannot be navigated, e.g. it has no events.
    bool open(LoadedTrace trace);
    void close();
    bool isOpen() const { return nav_ != nullptr; }
    const LoadedTrace& trace() const { return trace_; }

    replayer::Replayer& replayer() { return *trace_.replayer; }
    replayer::Navigator& navigator() { return *nav_; }
    replayer::ValueRenderer& renderer() { return *renderer_; }
    const format::Definitions& defs() const { return trace_.replayer->defs(); }
    const format::TraceHeaderInfo& header() const { return trace_.replayer->reader().header(); }

    uint64_t position() const { return nav_ ? nav_->position() : 0; }
    uint64_t eventCount() const { return trace_.replayer ? trace_.replayer->eventCount() : 0; }
    const replayer::ProgramState& state() const { return nav_->state(); }
    const replayer::NavResult& lastResult() const { return last_; }

    // The thread whose stack the panes show: the focus thread of the Navigator (the current
    // event's thread unless the user picked one).
    uint32_t thread() const { return nav_ ? nav_->focusThread() : 0; }
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

    // Breakpoints, by code filename and line.
    const QVector<BreakpointEntry>& breakpoints() const { return breakpoints_; }
    bool hasBreakpoint(const QString& file, int line) const;
    // Adds or removes; returns true when a breakpoint is now set there.
    bool toggleBreakpoint(const QString& file, int line, const QString& condition = {});
    void setBreakOnRaise(bool on);
    bool breakOnRaise() const { return breakOnRaise_; }

    // Commands. Each returns what the Navigator returned and emits positionChanged; errors (a
    // damaged chunk met while scanning) are reported through error() and leave the position.
    replayer::NavResult goTo(uint64_t event);
    replayer::NavResult goToStart();
    replayer::NavResult goToEnd();
    replayer::NavResult stepInto(Direction dir);
    replayer::NavResult stepOver(Direction dir);
    replayer::NavResult stepOut(Direction dir);
    replayer::NavResult continueRun(Direction dir);
    replayer::NavResult toException(Direction dir);
    // Reverse/forward watchpoint on a local of the selected frame.
    replayer::NavResult toLocalChange(Direction dir, replayer::LocalKey key);
    replayer::NavResult toFrameCall(int stackIndex);
    replayer::NavResult toFrameReturn(int stackIndex);
    replayer::NavResult toThreadSwitch(Direction dir);

    // A one-line description of the last stop for the status bar ("Step", "Breakpoint 2", ...).
    QString stopText() const;

  Q_SIGNALS:
    void opened();
    void closed();
    // The position moved (or the trace was opened); the state and the selection were reset.
    void positionChanged(quint64 event);
    // The shown thread or frame changed (also emitted after every positionChanged).
    void selectionChanged();
    void breakpointsChanged();
    void error(const QString& message);

  private:
    template <class F>
    replayer::NavResult run(F&& f);
    void resetSelection();
    void syncBreakpoints();

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
};

}  // namespace reel::gui
