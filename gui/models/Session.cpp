#include "models/Session.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QTimer>

#include <stdexcept>
#include <string>

#include "reel/format/TraceFormatError.h"
#include "reel/replayer/ConditionExpr.h"
#include "reel/replayer/FileMatch.h"
#include "reel/replayer/UnicodePrintable.h"
#include "reel/replayer/ValueLookup.h"
#include "reel/replayer/ValueSource.h"

namespace reel::gui {

using replayer::NavResult;

Session::Session(QObject* parent) : QObject(parent) {}
Session::~Session() = default;

bool Session::open(LoadedTrace trace) {
    if (inCommand_) {
        // Called from the event loop a search pumps: stop the search, then open.
        cancelRequested_ = true;
        QTimer::singleShot(0, this, [this, trace] { open(trace); });
        return true;
    }
    if (!trace.valid()) {
        close();
        return false;
    }
    // Everything that can fail is built before the shown trace is closed: a trace that cannot
    // be shown leaves the window on the one it showed (as a file the loader cannot read does),
    // instead of an empty session under the old title, banners and thread list.
    if (trace.replayer->eventCount() <= trace.replayer->firstEvent()) {
        // Nothing to navigate (the Navigator would refuse with "event 0 is out of range"). A
        // recording cut short before its first events chunk is the usual cause: say so, with
        // what the recovery kept and dropped, since no banner will show it.
        QString msg = QStringLiteral("Cannot show this trace: it holds no events.");
        if (trace.recovered) msg += QLatin1Char('\n') + trace.recoveryMessage;
        Q_EMIT error(msg);
        return false;
    }
    std::unique_ptr<replayer::ValueSource> values;
    std::unique_ptr<replayer::ValueRenderer> renderer;
    std::unique_ptr<replayer::ConditionEvaluator> conditions;
    std::unique_ptr<replayer::ValueLookup> lookup;
    std::unique_ptr<replayer::Navigator> nav;
    try {
        auto& r = *trace.replayer;
        values = std::make_unique<replayer::TraceValueSource>(r.reader());
        renderer = std::make_unique<replayer::ValueRenderer>(
            *values, r.defs(),
            replayer::UnicodePrintable::forPythonVersion(r.reader().header().pythonVersion));
        conditions = std::make_unique<replayer::ConditionEvaluator>(r.defs(), *values, *renderer);
        lookup = std::make_unique<replayer::ValueLookup>(r.defs(), *values, *renderer);
        nav = std::make_unique<replayer::Navigator>(r);
    } catch (const std::exception& e) {
        Q_EMIT error(QStringLiteral("Cannot show this trace: %1").arg(QString::fromUtf8(e.what())));
        return false;
    }
    close();
    trace_ = std::move(trace);
    values_ = std::move(values);
    renderer_ = std::move(renderer);
    conditions_ = std::move(conditions);
    lookup_ = std::move(lookup);
    nav_ = std::move(nav);
    nav_->setCancelCheck([this] { return pollSearch(); });
    // A slice opens at its first event, which is not the run's start: the status bar says so.
    last_ = {nav_->position(),
             isSlice() ? replayer::StopReason::AtStart : replayer::StopReason::Target, false, -1};
    syncBreakpoints();
    nav_->setRaiseFilter(raiseFilter_);
    nav_->setBreakOnRaise(breakOnRaise_);
    resetSelection();
    Q_EMIT opened();
    Q_EMIT positionChanged(position());
    Q_EMIT selectionChanged();
    return true;
}

void Session::close() {
    if (inCommand_) {
        cancelRequested_ = true;
        QTimer::singleShot(0, this, [this] { close(); });
        return;
    }
    if (!isOpen() && !trace_.valid()) return;
    nav_.reset();
    lookup_.reset();
    conditions_.reset();
    renderer_.reset();
    values_.reset();
    trace_ = {};
    pinnedThread_.reset();
    selectedFrame_ = -1;
    Q_EMIT closed();
}

template <class F>
NavResult Session::run(F&& f, bool search) {
    // Commands arriving from the event loop a search pumps (a key, a timeline drag) are ignored.
    if (!nav_ || inCommand_) return last_;
    inCommand_ = true;
    searchable_ = search;
    cancelRequested_ = false;
    if (search) {
        // What the panes show if the search takes long enough to pump the event loop.
        searchState_ = nav_->state();
        commandStartMs_ = lastPumpMs_ = QDateTime::currentMSecsSinceEpoch();
    }
    NavResult r;
    bool failed = false;
    targetText_.clear();
    try {
        r = f();
    } catch (const std::exception& e) {
        failed = true;
        r = {nav_->position(), replayer::StopReason::NotFound, false, -1};
        Q_EMIT error(QString::fromUtf8(e.what()));
    }
    inCommand_ = false;
    searchable_ = false;
    if (searching_) {
        searching_ = false;
        searchState_ = {};
        Q_EMIT searchingChanged(false);
    }
    if (failed) return r;
    last_ = r;
    if (r.reason == replayer::StopReason::Breakpoint)
        lastBreakpoint_ = breakpointText(r.breakpointId);
    // A breakpoint on another thread stopped the command: the Navigator follows that thread
    // now, and so does the stack pane when the user had pinned one.
    if (pinnedThread_) pinnedThread_ = nav_->focusThread();
    dropSpentBreakpoints();
    resetSelection();
    Q_EMIT positionChanged(position());
    Q_EMIT selectionChanged();
    return last_;
}

bool Session::pollSearch() {
    if (!searchable_) return false;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (now - lastPumpMs_ < pumpIntervalMs_ || now - commandStartMs_ < searchDelayMs_)
        return cancelRequested_;
    lastPumpMs_ = now;
    if (!searching_) {
        searching_ = true;  // from here state() is searchState_
        Q_EMIT searchingChanged(true);
    }
    QCoreApplication::processEvents();
    return cancelRequested_;
}

NavResult Session::goTo(uint64_t event) {
    // Same message as the go-to box (naming a slice's window) rather than the replayer's.
    if (nav_ && !inCommand_ && !containsEvent(event)) {
        Q_EMIT error(outOfRangeText(QString::number(event)));
        return last_;
    }
    return run([&] { return nav_->goTo(event); }, false);
}
NavResult Session::goToStart() {
    return run([&] { return nav_->goToStart(); }, false);
}
NavResult Session::goToEnd() {
    return run([&] { return nav_->goToEnd(); }, false);
}
NavResult Session::stepInto(Direction dir) {
    return run([&] { return nav_->stepInto(dir, granularity_); }, true);
}
NavResult Session::stepOver(Direction dir) {
    return run([&] { return nav_->stepOver(dir, granularity_); }, true);
}
NavResult Session::stepOut(Direction dir) {
    return run([&] { return nav_->stepOut(dir); }, true);
}
NavResult Session::stepUntil(Direction dir) {
    return run([&] { return nav_->stepUntil(dir); }, true);
}
NavResult Session::runTo(Direction dir, const QString& file, int line) {
    replayer::Breakpoint at;
    at.file = file.toStdString();
    at.line = line;
    return run(
        [&] {
            NavResult r = nav_->runTo(dir, std::move(at));
            if (r.reason == replayer::StopReason::Target)
                targetText_ = QStringLiteral("Ran to %1:%2").arg(file.section('/', -1)).arg(line);
            return r;
        },
        true);
}
NavResult Session::continueRun(Direction dir) {
    return run([&] { return nav_->continueRun(dir); }, true);
}
NavResult Session::toException(Direction dir) {
    // "Skip exceptions inside library code" applies here as to Stop on exceptions.
    return run([&] { return nav_->toException(dir, raiseFilter_.library); }, false);
}
NavResult Session::toLocalChange(Direction dir, replayer::LocalKey key) {
    const replayer::Frame* f = frame();
    if (!f) return {position(), replayer::StopReason::NotFound, false, -1};
    const uint64_t frameId = f->id;
    return run([&] { return nav_->toLocalChange(dir, frameId, key); }, true);
}
NavResult Session::toFrameCall(int stackIndex) {
    return run([&] { return nav_->toFrameCall(static_cast<size_t>(stackIndex)); }, false);
}
NavResult Session::toFrameReturn(int stackIndex) {
    return run([&] { return nav_->toFrameReturn(static_cast<size_t>(stackIndex)); }, true);
}
NavResult Session::toThreadSwitch(Direction dir) {
    return run([&] { return nav_->toThreadSwitch(dir); }, true);
}

void Session::resetSelection() {
    const replayer::ThreadState* t = threadState();
    selectedFrame_ = t && !t->stack.empty() ? static_cast<int>(t->stack.size()) - 1 : -1;
}

void Session::setThread(std::optional<uint32_t> thread) {
    if (!nav_ || inCommand_) return;  // not while a search runs on the focus thread
    pinnedThread_ = thread;
    nav_->setFocusThread(thread);
    resetSelection();
    Q_EMIT selectionChanged();
}

const replayer::ThreadState* Session::threadState() const {
    return nav_ ? state().threadState(thread()) : nullptr;
}

QString Session::threadName(uint32_t thread) const {
    if (!trace_.valid()) return {};
    const auto& threads = defs().threads;
    if (thread < threads.size() && !threads[thread].name.empty())
        return QString::fromStdString(threads[thread].name);
    return QStringLiteral("Thread %1").arg(thread);
}

void Session::selectFrame(int stackIndex) {
    const replayer::ThreadState* t = threadState();
    if (!t || stackIndex < 0 || stackIndex >= static_cast<int>(t->stack.size())) return;
    if (stackIndex == selectedFrame_) return;
    selectedFrame_ = stackIndex;
    Q_EMIT selectionChanged();
}

const replayer::Frame* Session::frame() const {
    const replayer::ThreadState* t = threadState();
    if (!t || selectedFrame_ < 0 || selectedFrame_ >= static_cast<int>(t->stack.size()))
        return nullptr;
    return &t->stack[static_cast<size_t>(selectedFrame_)];
}

const format::CodeObject* Session::codeById(uint32_t id) const {
    if (!trace_.valid()) return nullptr;
    const auto& codes = defs().codes;
    return id < codes.size() ? &codes[id] : nullptr;
}

const format::CodeObject* Session::code() const {
    const replayer::Frame* f = frame();
    return f ? codeById(f->codeId) : nullptr;
}

const format::SourceFile* Session::source() const {
    const format::CodeObject* c = code();
    if (!c || c->sourceId >= defs().sources.size()) return nullptr;
    const format::SourceFile& s = defs().sources[c->sourceId];
    return s.hasText ? &s : nullptr;
}

void Session::setGranularity(Granularity g) {
    granularity_ = g;
}

QString Session::render(format::ValueRef ref) {
    if (!renderer_) return {};
    try {
        return QString::fromStdString(renderer_->render(ref));
    } catch (const std::exception& e) {
        return QStringLiteral("<damaged: %1>").arg(QString::fromUtf8(e.what()));
    }
}

QString Session::localName(const replayer::Frame& f, replayer::LocalKey key) const {
    if (key.isName) {
        const auto& strings = defs().strings;
        return key.id < strings.size() ? QString::fromStdString(strings[key.id])
                                       : QStringLiteral("?");
    }
    const format::CodeObject* c = codeById(f.codeId);
    if (c && key.id < c->localNames.size()) return QString::fromStdString(c->localNames[key.id]);
    return QStringLiteral("<slot %1>").arg(key.id);
}

std::vector<replayer::OutputChunk> Session::outputChunks(size_t maxBytes) {
    if (!nav_) return {};
    try {
        return trace_.replayer->outputChunks(position(), maxBytes);
    } catch (const std::exception& e) {
        Q_EMIT error(QString::fromUtf8(e.what()));
        return {};
    }
}

QString Session::outputText(uint32_t stream, size_t maxBytes) {
    if (!nav_) return {};
    try {
        return QString::fromUtf8(trace_.replayer->outputText(stream, position(), maxBytes));
    } catch (const std::exception& e) {
        Q_EMIT error(QString::fromUtf8(e.what()));
        return {};
    }
}

int Session::breakpointIndex(const QString& file, int line) const {
    const std::string path = file.toStdString();
    for (int i = 0; i < breakpoints_.size(); ++i)
        if (breakpoints_[i].function.isEmpty() && breakpoints_[i].line == line &&
            replayer::fileMatches(path, breakpoints_[i].file.toStdString()))
            return i;
    return -1;
}

int Session::breakpointIndex(const format::CodeObject& code, int line) const {
    if (!isOpen()) return -1;
    for (int i = 0; i < breakpoints_.size(); ++i)
        if (breakpoints_[i].function.isEmpty() && breakpoints_[i].line == line &&
            replayer::codeInFile(defs(), code, breakpoints_[i].file.toStdString()))
            return i;
    return -1;
}

namespace {

// The replayer's condition parser (shared with `reel replay`); an error names what is wrong.
std::shared_ptr<const replayer::ConditionExpr> parseCondition(const QString& text, QString* error) {
    if (text.trimmed().isEmpty()) return nullptr;
    try {
        return std::make_shared<const replayer::ConditionExpr>(
            replayer::ConditionExpr::parse(text.trimmed().toStdString()));
    } catch (const std::exception& e) {
        *error = QStringLiteral("Bad condition \"%1\": %2").arg(text, QString::fromUtf8(e.what()));
        return nullptr;
    }
}

}  // namespace

bool Session::toggleBreakpoint(const QString& file, int line, const QString& condition,
                               bool temporary) {
    // The Navigator's breakpoints must not change under a search in progress (the event loop
    // it pumps can deliver a click on the gutter or the Breakpoints pane).
    if (inCommand_) return false;
    if (const int i = breakpointIndex(file, line); i >= 0) {
        removeBreakpointAt(i);
        return false;
    }
    QString err;
    auto parsed = parseCondition(condition, &err);
    if (!err.isEmpty()) {
        Q_EMIT error(err);
        return false;
    }
    BreakpointEntry b;
    b.file = file;
    b.line = line;
    b.condition = condition.trimmed();
    b.parsed = std::move(parsed);
    b.temporary = temporary;
    breakpoints_.push_back(b);
    syncBreakpoints();
    Q_EMIT breakpointsChanged();
    return true;
}

int Session::addFunctionBreakpoint(const QString& spec, bool temporary) {
    if (inCommand_) return -1;
    if (!nav_) {
        Q_EMIT error(tr("Open a trace first: a function breakpoint names a function it ran."));
        return -1;
    }
    const QString text = spec.trimmed();
    const int colon = text.lastIndexOf(QLatin1Char(':'));
    BreakpointEntry b;
    b.file = colon < 0 ? QString() : text.left(colon).trimmed();
    b.function = text.mid(colon + 1).trimmed();
    b.temporary = temporary;
    if (b.function.isEmpty() || b.function.contains(QLatin1Char(' ')) ||
        b.function.at(0).isDigit()) {
        Q_EMIT error(tr("Expected FUNCTION or FILE:FUNCTION (e.g. reserve, Inventory.reserve, "
                        "inventory.py:reserve), not \"%1\"")
                         .arg(text));
        return -1;
    }
    for (const auto& e : breakpoints_)
        if (e.function == b.function && e.file == b.file) {
            Q_EMIT error(tr("There is already a breakpoint on %1()").arg(b.function));
            return -1;
        }
    replayer::Breakpoint probe;
    probe.file = b.file.toStdString();
    probe.function = b.function.toStdString();
    if (nav_->breakpointCodes(probe).empty()) {
        Q_EMIT error(b.file.isEmpty()
                         ? tr("No function named '%1' ran in this trace").arg(b.function)
                         : tr("No function named '%1' in a file matching '%2' ran in this trace")
                               .arg(b.function, b.file));
        return -1;
    }
    breakpoints_.push_back(b);
    syncBreakpoints();
    Q_EMIT breakpointsChanged();
    return static_cast<int>(breakpoints_.size()) - 1;
}

QString Session::functionPlaces(int index) const {
    if (!nav_ || index < 0 || index >= breakpoints_.size()) return {};
    const BreakpointEntry& b = breakpoints_[index];
    if (b.function.isEmpty() || b.id <= 0) return {};
    QStringList places;
    for (uint32_t id : nav_->breakpointCodes(b.id))
        if (const format::CodeObject* c = codeById(id))
            places << QStringLiteral("%1:%2")
                          .arg(QString::fromStdString(c->filename).section('/', -1))
                          .arg(c->firstLine);
    return QStringLiteral("%1() (%2)").arg(b.function, places.join(QStringLiteral(", ")));
}

bool Session::setBreakpointTemporary(int index, bool temporary) {
    if (inCommand_ || index < 0 || index >= breakpoints_.size()) return false;
    breakpoints_[index].temporary = temporary;
    syncBreakpoints();  // the Navigator's breakpoints are immutable: add them again
    Q_EMIT breakpointsChanged();
    return true;
}

void Session::dropSpentBreakpoints() {
    if (!nav_) return;
    bool dropped = false;
    for (int i = breakpoints_.size() - 1; i >= 0; --i)
        if (breakpoints_[i].temporary && breakpoints_[i].id > 0 &&
            !nav_->breakpoint(breakpoints_[i].id)) {
            breakpoints_.remove(i);
            dropped = true;
        }
    if (dropped) Q_EMIT breakpointsChanged();
}

bool Session::setBreakpointEnabled(int index, bool enabled) {
    if (inCommand_ || index < 0 || index >= breakpoints_.size()) return false;
    BreakpointEntry& b = breakpoints_[index];
    b.enabled = enabled;
    if (nav_ && b.id > 0) nav_->setBreakpointEnabled(b.id, enabled);
    Q_EMIT breakpointsChanged();
    return true;
}

bool Session::setBreakpointCondition(int index, const QString& condition) {
    if (inCommand_ || index < 0 || index >= breakpoints_.size()) return false;
    QString err;
    auto parsed = parseCondition(condition, &err);
    if (!err.isEmpty()) {
        Q_EMIT error(err);
        return false;
    }
    breakpoints_[index].condition = condition.trimmed();
    breakpoints_[index].parsed = std::move(parsed);
    breakpoints_[index].lastError->clear();
    syncBreakpoints();
    Q_EMIT breakpointsChanged();
    return true;
}

bool Session::removeBreakpointAt(int index) {
    if (inCommand_ || index < 0 || index >= breakpoints_.size()) return false;
    if (nav_ && breakpoints_[index].id > 0) nav_->removeBreakpoint(breakpoints_[index].id);
    breakpoints_.remove(index);
    Q_EMIT breakpointsChanged();
    return true;
}

void Session::clearBreakpoints() {
    if (inCommand_) return;
    breakpoints_.clear();
    syncBreakpoints();
    Q_EMIT breakpointsChanged();
}

NavResult Session::toBreakpointHit(int index, Direction dir) {
    if (!nav_ || index < 0 || index >= breakpoints_.size())
        return {position(), replayer::StopReason::NotFound, false, -1};
    const int id = breakpoints_[index].id;
    return run([&] { return nav_->toBreakpointHit(dir, id); }, true);
}

void Session::syncBreakpoints() {
    if (!nav_) return;
    nav_->clearBreakpoints();
    for (auto& b : breakpoints_) {
        replayer::Breakpoint bp;
        bp.file = b.file.toStdString();
        bp.line = b.line;
        bp.function = b.function.toStdString();
        bp.temporary = b.temporary;
        bp.enabled = b.enabled;
        if (b.parsed) bp.condition = conditions_->make(b.parsed, b.lastError);
        try {
            b.id = nav_->addBreakpoint(std::move(bp));
        } catch (const std::invalid_argument&) {
            b.id = 0;  // a function the trace now shown never ran: kept, shown as such
        }
    }
}

void Session::setBreakOnRaise(bool on) {
    breakOnRaise_ = on;
    if (nav_) nav_->setBreakOnRaise(on);
}

void Session::setRaiseFilter(const replayer::RaiseFilter& filter) {
    raiseFilter_ = filter;
    if (!nav_) return;
    nav_->setRaiseFilter(filter);  // also turns break-on-raise on: restore the switch
    nav_->setBreakOnRaise(breakOnRaise_);
}

QString Session::sliceText() const {
    if (!isSlice()) return {};
    const format::Checkpoint& cp = *trace_.replayer->reader().checkpoint();
    QString t =
        QStringLiteral("This trace is a slice: events %1 to %2").arg(firstEvent()).arg(lastEvent());
    if (cp.originalEventCount > 0) {
        t += QStringLiteral(" of the %1 events").arg(cp.originalEventCount);
        if (!cp.originalPath.empty())
            t += QStringLiteral(" of %1").arg(QString::fromStdString(cp.originalPath));
    }
    t += QStringLiteral(" (original event numbers). Nothing before event %1 can be shown.")
             .arg(firstEvent());
    // The slicer carries only the tail of each stream's earlier output (--max-output).
    const char* names[2] = {"stdout", "stderr"};
    QStringList elided;
    for (int k = 0; k < 2; ++k) {
        const uint64_t written = cp.outputBytes[size_t(k)];
        const uint64_t kept = cp.outputTail[size_t(k)].size();
        if (written > kept)
            elided << QStringLiteral("%1 bytes of %2").arg(written - kept).arg(names[k]);
    }
    if (!elided.isEmpty())
        t += QStringLiteral(
                 " Output written before it is cut short: the first %1 are not in "
                 "this slice.")
                 .arg(elided.join(QStringLiteral(" and ")));
    return t;
}

QString Session::outOfRangeText(const QString& event) const {
    if (isSlice())
        return QStringLiteral(
                   "Event %1 is out of range: this slice holds events %2 to %3 of the original "
                   "run.")
            .arg(event)
            .arg(firstEvent())
            .arg(lastEvent());
    return QStringLiteral("Event %1 is out of range: the trace has events %2 to %3.")
        .arg(event)
        .arg(firstEvent())
        .arg(lastEvent());
}

QString Session::breakpointText(int id) const {
    for (const auto& b : breakpoints_)
        if (b.id == id) {
            QString t = b.function.isEmpty() ? QStringLiteral("Breakpoint at %1:%2")
                                                   .arg(b.file.section('/', -1))
                                                   .arg(b.line)
                                             : QStringLiteral("Breakpoint at %1()").arg(b.function);
            if (b.temporary) t += QStringLiteral(" (temporary: now deleted)");
            if (!b.lastError->empty())
                t += QStringLiteral(" (its condition could not be evaluated: %1)")
                         .arg(QString::fromStdString(*b.lastError));
            return t;
        }
    return QStringLiteral("Breakpoint");
}

QString Session::stopText() const {
    QString t = stopReasonText();
    // gdb's "[Switching to thread N]": the stop is on another thread than the one followed.
    if (last_.threadSwitched)
        t += QStringLiteral("; switched to thread %1 (#%2)")
                 .arg(threadName(state().thread))
                 .arg(state().thread);
    return t;
}

QString Session::stopReasonText() const {
    switch (last_.reason) {
        case replayer::StopReason::Breakpoint:
            return lastBreakpoint_.isEmpty() ? QStringLiteral("Breakpoint") : lastBreakpoint_;
        case replayer::StopReason::Exception:
            return QStringLiteral("Exception raised");
        case replayer::StopReason::Watch:
            return QStringLiteral("Value changed");
        case replayer::StopReason::FrameEdge:
            return QStringLiteral("Frame edge");
        case replayer::StopReason::Target:
            return targetText_.isEmpty() ? QStringLiteral("Moved") : targetText_;
        case replayer::StopReason::AtStart:
            // In a slice the run went on before this event; say why stepping back stops here.
            if (isSlice())
                return QStringLiteral(
                           "At the first event of this slice (%1): earlier events are not in it")
                    .arg(firstEvent());
            return QStringLiteral("At the start of the trace");
        case replayer::StopReason::AtEnd:
            return QStringLiteral("At the end of the trace");
        case replayer::StopReason::NotFound:
            return QStringLiteral("Not found");
        case replayer::StopReason::Cancelled:
            return QStringLiteral("Search cancelled");
        case replayer::StopReason::Step:
            break;
    }
    return QStringLiteral("Step");
}

QString Session::evaluate(const QString& expression, QString* error) {
    error->clear();
    const std::string text = expression.trimmed().toStdString();
    const replayer::Frame* f = nav_ ? frame() : nullptr;
    if (text.empty()) {
        *error = QStringLiteral("an empty expression");
        return {};
    }
    if (!f) {
        *error = nav_ ? QStringLiteral("%1 has no Python frame here").arg(threadName(thread()))
                      : QStringLiteral("no trace is open");
        return {};
    }
    try {
        // A path reads a value, as `print` and `display` do; anything else is a condition.
        std::optional<replayer::ValuePath> path;
        try {
            path = replayer::ConditionExpr::parsePath(text);
        } catch (const replayer::ExprSyntaxError&) {
        }
        if (path) {
            lookup_->setFrame(state(), *f, thread());
            return render(lookup_->lookup(*path));
        }
        const replayer::ConditionExpr expr = replayer::ConditionExpr::parse(text);
        return conditions_->evaluate(expr, state(), *f) ? QStringLiteral("True")
                                                        : QStringLiteral("False");
    } catch (const replayer::ExprSyntaxError& e) {
        *error = QStringLiteral("bad expression: %1").arg(QString::fromUtf8(e.what()));
    } catch (const std::exception& e) {
        *error = QString::fromUtf8(e.what());  // EvalError, or damage met while reading
    }
    return {};
}

}  // namespace reel::gui
