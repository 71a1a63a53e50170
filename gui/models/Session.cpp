#include "models/Session.h"

#include <QRegularExpression>

#include <stdexcept>

#include "reel/format/TraceFormatError.h"
#include "reel/replayer/UnicodePrintable.h"
#include "reel/replayer/ValueSource.h"

namespace reel::gui {

using replayer::NavResult;

Session::Session(QObject* parent) : QObject(parent) {}
Session::~Session() = default;

bool Session::open(LoadedTrace trace) {
    close();
    if (!trace.valid()) return false;
    try {
        trace_ = std::move(trace);
        auto& r = *trace_.replayer;
        values_ = std::make_unique<replayer::TraceValueSource>(r.reader());
        renderer_ = std::make_unique<replayer::ValueRenderer>(
            *values_, r.defs(),
            replayer::UnicodePrintable::forPythonVersion(r.reader().header().pythonVersion));
        nav_ = std::make_unique<replayer::Navigator>(r);
    } catch (const std::exception& e) {
        QString msg = QString::fromUtf8(e.what());
        nav_.reset();
        renderer_.reset();
        values_.reset();
        trace_ = {};
        Q_EMIT error(QStringLiteral("Cannot show this trace: %1").arg(msg));
        return false;
    }
    last_ = {0, replayer::StopReason::Target, false, -1};
    syncBreakpoints();
    nav_->setBreakOnRaise(breakOnRaise_);
    resetSelection();
    Q_EMIT opened();
    Q_EMIT positionChanged(position());
    Q_EMIT selectionChanged();
    return true;
}

void Session::close() {
    if (!isOpen() && !trace_.valid()) return;
    nav_.reset();
    renderer_.reset();
    values_.reset();
    trace_ = {};
    pinnedThread_.reset();
    selectedFrame_ = -1;
    Q_EMIT closed();
}

template <class F>
NavResult Session::run(F&& f) {
    if (!nav_) return {};
    try {
        last_ = f();
    } catch (const std::exception& e) {
        Q_EMIT error(QString::fromUtf8(e.what()));
        return {position(), replayer::StopReason::NotFound, false, -1};
    }
    resetSelection();
    Q_EMIT positionChanged(position());
    Q_EMIT selectionChanged();
    return last_;
}

NavResult Session::goTo(uint64_t event) {
    return run([&] { return nav_->goTo(event); });
}
NavResult Session::goToStart() {
    return run([&] { return nav_->goToStart(); });
}
NavResult Session::goToEnd() {
    return run([&] { return nav_->goToEnd(); });
}
NavResult Session::stepInto(Direction dir) {
    return run([&] { return nav_->stepInto(dir, granularity_); });
}
NavResult Session::stepOver(Direction dir) {
    return run([&] { return nav_->stepOver(dir, granularity_); });
}
NavResult Session::stepOut(Direction dir) {
    return run([&] { return nav_->stepOut(dir); });
}
NavResult Session::continueRun(Direction dir) {
    return run([&] { return nav_->continueRun(dir); });
}
NavResult Session::toException(Direction dir) {
    return run([&] { return nav_->toException(dir); });
}
NavResult Session::toLocalChange(Direction dir, replayer::LocalKey key) {
    const replayer::Frame* f = frame();
    if (!f) return {position(), replayer::StopReason::NotFound, false, -1};
    const uint64_t frameId = f->id;
    return run([&] { return nav_->toLocalChange(dir, frameId, key); });
}
NavResult Session::toFrameCall(int stackIndex) {
    return run([&] { return nav_->toFrameCall(static_cast<size_t>(stackIndex)); });
}
NavResult Session::toFrameReturn(int stackIndex) {
    return run([&] { return nav_->toFrameReturn(static_cast<size_t>(stackIndex)); });
}
NavResult Session::toThreadSwitch(Direction dir) {
    return run([&] { return nav_->toThreadSwitch(dir); });
}

void Session::resetSelection() {
    const replayer::ThreadState* t = threadState();
    selectedFrame_ = t && !t->stack.empty() ? static_cast<int>(t->stack.size()) - 1 : -1;
}

void Session::setThread(std::optional<uint32_t> thread) {
    if (!nav_) return;
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

QString Session::outputText(uint32_t stream, size_t maxBytes) {
    if (!nav_) return {};
    try {
        return QString::fromUtf8(trace_.replayer->outputText(stream, position(), maxBytes));
    } catch (const std::exception& e) {
        Q_EMIT error(QString::fromUtf8(e.what()));
        return {};
    }
}

bool Session::hasBreakpoint(const QString& file, int line) const {
    for (const auto& b : breakpoints_)
        if (b.line == line && b.file == file) return true;
    return false;
}

namespace {

// "NAME OP VALUE": OP is == or !=, VALUE is compared with the local's rendered text (quotes and
// all, so `s == 'abc'` and `n == 3` both read naturally).
struct Condition {
    QString name, op, value;
    static std::optional<Condition> parse(const QString& text) {
        static const QRegularExpression re(
            QStringLiteral(R"(^\s*([A-Za-z_]\w*)\s*(==|!=)\s*(.+?)\s*$)"));
        auto m = re.match(text);
        if (!m.hasMatch()) return std::nullopt;
        return Condition{m.captured(1), m.captured(2), m.captured(3)};
    }
};

}  // namespace

bool Session::toggleBreakpoint(const QString& file, int line, const QString& condition) {
    for (int i = 0; i < breakpoints_.size(); ++i) {
        if (breakpoints_[i].file == file && breakpoints_[i].line == line) {
            if (nav_) nav_->removeBreakpoint(breakpoints_[i].id);
            breakpoints_.remove(i);
            Q_EMIT breakpointsChanged();
            return false;
        }
    }
    if (!condition.trimmed().isEmpty() && !Condition::parse(condition)) {
        Q_EMIT error(QStringLiteral("Bad condition \"%1\": expected NAME == VALUE or NAME != VALUE")
                         .arg(condition));
        return false;
    }
    breakpoints_.push_back({0, file, line, condition.trimmed()});
    syncBreakpoints();
    Q_EMIT breakpointsChanged();
    return true;
}

void Session::syncBreakpoints() {
    if (!nav_) return;
    nav_->clearBreakpoints();
    for (auto& b : breakpoints_) {
        replayer::Breakpoint bp;
        bp.file = b.file.toStdString();
        bp.line = b.line;
        if (auto cond = Condition::parse(b.condition)) {
            bp.condition = [this, c = *cond](const replayer::ProgramState&,
                                             const replayer::Frame& f) {
                try {
                    const format::CodeObject* code = codeById(f.codeId);
                    std::optional<format::ValueRef> v;
                    if (code) {
                        for (size_t s = 0; s < code->localNames.size() && !v; ++s)
                            if (QString::fromStdString(code->localNames[s]) == c.name &&
                                s < f.slots.size() && f.slots[s].bound())
                                v = f.slots[s].value;
                    }
                    for (const auto& n : f.names)
                        if (!v && n.nameId < defs().strings.size() &&
                            QString::fromStdString(defs().strings[n.nameId]) == c.name)
                            v = n.value;
                    if (!v) return false;
                    const bool equal = QString::fromStdString(renderer_->render(*v)) == c.value;
                    return c.op == QLatin1String("==") ? equal : !equal;
                } catch (...) {
                    return false;  // the Navigator requires conditions not to throw
                }
            };
        }
        b.id = nav_->addBreakpoint(std::move(bp));
    }
}

void Session::setBreakOnRaise(bool on) {
    breakOnRaise_ = on;
    if (nav_) nav_->setBreakOnRaise(on);
}

QString Session::stopText() const {
    switch (last_.reason) {
        case replayer::StopReason::Breakpoint: {
            for (const auto& b : breakpoints_)
                if (b.id == last_.breakpointId)
                    return QStringLiteral("Breakpoint at %1:%2")
                        .arg(b.file.section('/', -1))
                        .arg(b.line);
            return QStringLiteral("Breakpoint");
        }
        case replayer::StopReason::Exception:
            return QStringLiteral("Exception raised");
        case replayer::StopReason::Watch:
            return QStringLiteral("Value changed");
        case replayer::StopReason::FrameEdge:
            return QStringLiteral("Frame edge");
        case replayer::StopReason::Target:
            return QStringLiteral("Moved");
        case replayer::StopReason::AtStart:
            return QStringLiteral("At the start of the trace");
        case replayer::StopReason::AtEnd:
            return QStringLiteral("At the end of the trace");
        case replayer::StopReason::NotFound:
            return QStringLiteral("Not found");
        case replayer::StopReason::Step:
            break;
    }
    return QStringLiteral("Step");
}

}  // namespace reel::gui
