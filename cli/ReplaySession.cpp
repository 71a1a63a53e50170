#include "ReplaySession.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <functional>
#include <iomanip>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

#include "reel/format/TraceFormatError.h"
#include "reel/replayer/FileMatch.h"
#include "reel/replayer/FrameLine.h"
#include "reel/replayer/UnicodePrintable.h"

namespace reel::cli {

using format::RecordKind;
using format::ValueRef;
using replayer::Direction;
using replayer::Frame;
using replayer::Granularity;
using replayer::NavResult;
using replayer::StopReason;

namespace {

// A command that cannot run: bad arguments, nothing to act on. The message is printed as
// "*** message" and the command counts as failed.
struct CommandFailure {
    std::string message;
};

[[noreturn]] void fail(std::string message) {
    throw CommandFailure{std::move(message)};
}

std::string trim(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return std::string(s.substr(b, e - b));
}

std::vector<std::string> words(const std::string& s) {
    std::istringstream in(s);
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

bool parseUnsigned(const std::string& s, uint64_t& v) {
    if (s.empty() || s.size() > 19) return false;
    v = 0;
    for (char c : s) {
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
        v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    return true;
}

int parseInt(const std::string& s, const char* what) {
    uint64_t v = 0;
    if (!parseUnsigned(s, v) || v > 1000000000)
        fail(std::string("expected ") + what + ", not '" + s + "'");
    return static_cast<int>(v);
}

bool isDunder(const std::string& n) {
    return n.size() > 4 && n.compare(0, 2, "__") == 0 && n.compare(n.size() - 2, 2, "__") == 0;
}

std::string lstrip(std::string_view s) {
    size_t b = 0;
    while (b < s.size() && (s[b] == ' ' || s[b] == '\t')) ++b;
    return std::string(s.substr(b));
}

// "-d 5 -w 100 -s 1000 rest": options of print/pp; returns the rest.
std::string printOptions(const std::string& args, replayer::RenderLimits& limits,
                         bool* sawDepth = nullptr) {
    std::string rest = trim(args);
    while (rest.size() >= 2 && rest[0] == '-' &&
           std::isalpha(static_cast<unsigned char>(rest[1]))) {
        const char opt = rest[1];
        std::string after = trim(std::string_view(rest).substr(2));
        size_t sp = 0;
        while (sp < after.size() && !std::isspace(static_cast<unsigned char>(after[sp]))) ++sp;
        const std::string val = after.substr(0, sp);
        if (val.empty()) fail(std::string("option -") + opt + " needs a number");
        const int n = parseInt(val, "a number");
        if (n < 1) fail(std::string("option -") + opt + " must be at least 1");
        switch (opt) {
            case 'd':
                limits.depth = static_cast<uint32_t>(n);
                if (sawDepth) *sawDepth = true;
                break;
            case 'w':
                limits.items = static_cast<uint32_t>(n);
                break;
            case 's':
                limits.chars = static_cast<uint32_t>(n);
                break;
            default:
                fail(std::string("unknown option -") + opt +
                     " (options: -d DEPTH, -w ITEMS, -s CHARS)");
        }
        rest = trim(std::string_view(after).substr(sp));
    }
    return rest;
}
}  // namespace

// --- breakpoints ---------------------------------------------------------------------------------

// A breakpoint as the user numbered it. Disabling removes it from the Navigator and enabling adds
// it again (the Navigator has no enable switch), so the user's number stays stable while the
// Navigator's id changes.
struct ReplaySession::BreakEntry {
    int id = 0;
    std::string file;  // as typed (the Navigator matches it as a path suffix)
    int32_t line = 0;
    std::string function;    // a function breakpoint (`break [FILE:]FUNCTION`): its name as typed
    std::string where;       // "FILE:LINE", or "FUNCTION() (FILE:LINE, ...)"
    bool temporary = false;  // tbreak: the Navigator deletes it at its first stop
    std::shared_ptr<ConditionExpr> condition;
    bool enabled = true;
    int navId = -1;
    // The outcome of the latest evaluation of the condition: empty, or why it could not be
    // evaluated (such a hit stops, as in pdb, so the user sees the problem).
    std::shared_ptr<std::string> lastError = std::make_shared<std::string>();
};

// What `display` keeps: the expression, where it applies, and what was shown last.
struct ReplaySession::DisplayEntry {
    int id = 0;
    std::string text;  // as `print` would take it, options included
    ValuePath path;
    replayer::RenderLimits limits;
    uint32_t codeId = 0;  // the function it was set in: shown at stops in that function
    std::string last;     // the rendering shown last
    bool shown = false;   // `last` holds something
};

// --- the command table ---------------------------------------------------------------------------

struct ReplaySession::Command {
    std::vector<std::string> names;  // full name first, then aliases
    std::string usage;
    std::string summary;
    std::string details;
    void (*run)(ReplaySession&, const std::string&);
};

using S = ReplaySession;

const ReplaySession::Command* ReplaySession::findCommand(const std::string& word) const {
    for (const auto& c : commands())
        for (const auto& n : c.names)
            if (n == word) return &c;
    return nullptr;
}

// --- construction
// ----------------------------------------------------------------------------------

ReplaySession::ReplaySession(const std::filesystem::path& trace, std::ostream& out,
                             std::ostream& err, const replayer::Replayer::Progress& progress)
    : out_(out), err_(err) {
    // Large traces keep their index (checkpoints read on demand) in <trace>.idx: bounded memory,
    // and the next `reel replay` skips indexing.
    replayer::Replayer::Options options;
    options.sidecarFromEvents = 20'000'000;
    replayer_ = std::make_unique<replayer::Replayer>(trace, options, progress);
    if (replayer_->eventCount() == 0) throw std::out_of_range("the trace holds no events");
    nav_ = std::make_unique<replayer::Navigator>(*replayer_);
    values_ = std::make_unique<replayer::TraceValueSource>(replayer_->reader());
    const auto& header = replayer_->reader().header();
    const auto& printable = replayer::UnicodePrintable::forPythonVersion(header.pythonVersion);
    renderer_ = std::make_unique<replayer::ValueRenderer>(*values_, replayer_->defs(), printable);
    lookup_ = std::make_unique<ValueLookup>(replayer_->defs(), *values_, *renderer_);
    conditions_ = std::make_unique<ConditionEvaluator>(replayer_->defs(), *values_, *renderer_);
    sources_ = std::make_unique<SourceText>(replayer_->defs());
    // `print` shows everything the recorder kept (its capture limits), never less than the
    // export rendering.
    printLimits_.depth = std::max<uint32_t>(3, header.capture.maxDepth);
    printLimits_.items = std::max<uint32_t>(16, header.capture.maxItems);
    printLimits_.chars = std::max<uint32_t>(64, header.capture.maxStr);
    nav_->setBreakOnRaise(false);
}

ReplaySession::~ReplaySession() = default;

// --- small helpers
// ---------------------------------------------------------------------------------

const format::CodeObject& ReplaySession::code(uint32_t codeId) const {
    const auto& codes = replayer_->defs().codes;
    if (codeId >= codes.size())
        throw format::TraceFormatError("code id " + std::to_string(codeId) +
                                       " is not defined in the trace");
    return codes[codeId];
}

const replayer::ThreadState* ReplaySession::focusThreadState() const {
    return nav_->state().threadState(nav_->focusThread());
}

const Frame* ReplaySession::selectedFrame() const {
    const auto* t = focusThreadState();
    if (!t || t->stack.empty()) return nullptr;
    const size_t sel = std::min(selected_, t->stack.size() - 1);
    return &t->stack[t->stack.size() - 1 - sel];
}

const Frame& ReplaySession::requireFrame() const {
    const Frame* f = selectedFrame();
    if (!f)
        fail("thread " + std::to_string(nav_->focusThread()) + " has no Python frame at event " +
             std::to_string(nav_->position()));
    return *f;
}

void ReplaySession::resetSelection() {
    selected_ = 0;
}

std::string ReplaySession::render(ValueRef ref) {
    return renderer_->render(ref);
}

std::string ReplaySession::where(uint32_t codeId, int32_t line) const {
    const auto& c = code(codeId);
    return c.qualname + "() at " + sources_->fileName(c) + ":" + std::to_string(line);
}

std::string ReplaySession::threadLabel(uint32_t thread) const {
    for (const auto& t : replayer_->defs().threads)
        if (t.id == thread && !t.name.empty())
            return "thread " + std::to_string(thread) + " (" + t.name + ")";
    return "thread " + std::to_string(thread);
}

uint64_t ReplaySession::parseEvent(const std::string& text) const {
    uint64_t n = 0;
    if (!parseUnsigned(text, n)) fail("expected an event number, not '" + text + "'");
    if (n >= replayer_->eventCount())
        fail("event " + text + " is out of range: this trace has events 0 to " +
             std::to_string(replayer_->lastEvent()));
    return n;
}

int ReplaySession::parseCount(const std::string& args) const {
    if (args.empty()) return 1;
    int n = parseInt(args, "a repeat count");
    if (n < 1) fail("the repeat count must be at least 1");
    return n;
}

std::string ReplaySession::locationLine(const Frame& f) {
    const auto& c = code(f.codeId);
    // At an instruction without a line number, the last line the frame ran; before its first
    // line, the line it starts at (replayer::displayLine, as the GUI shows it).
    return sources_->fileName(c) + "(" + std::to_string(replayer::displayLine(f, c)) + ")" +
           c.name + "()";
}

std::string ReplaySession::sourceLine(const Frame& f) {
    const auto& c = code(f.codeId);
    const int32_t line = replayer::displayLine(f, c);
    if (line < 1) return "<no line number at this instruction>";
    auto text = sources_->line(c, line);
    std::string shown = text ? lstrip(*text) : std::string("<source not in the trace>");
    if (f.lineless() && f.shownLine() >= 1)
        shown += "  <no line number at this instruction: line " + std::to_string(f.shownLine()) +
                 " ran last>";
    return shown;
}

// "[event 1234/5677] --Return-- 42  (thread 1 (worker))"
std::string ReplaySession::eventLine(Granularity g) {
    const auto& st = nav_->state();
    std::string s = "[event " + std::to_string(nav_->position()) + "/" +
                    std::to_string(replayer_->lastEvent()) + "]";
    const Frame* ef = st.eventFrame();
    switch (st.kind) {
        case RecordKind::Call:
            s += " --Call--";
            break;
        case RecordKind::Resume:
            s += " --Resume--";
            break;
        case RecordKind::Return:
            s += " --Return-- " + render(st.value);
            break;
        case RecordKind::Yield:
            s += " --Yield-- " + render(st.value);
            break;
        case RecordKind::Unwind: {
            const auto* t = st.threadState(st.thread);
            s += " --Unwind--";
            if (t && t->exception) s += " " + render(t->exception->value);
            break;
        }
        case RecordKind::Exception: {
            const auto* t = st.threadState(st.thread);
            const bool raised = t && t->exception && t->exception->raisedAt == st.event;
            s += std::string(" --Exception-- ") + render(st.value) +
                 (raised ? " raised" : " propagated");
            break;
        }
        default:
            if (st.eventResumes()) s += " --Resume--";  // an OPCODE: put back without an event
            if (g == Granularity::Instruction && ef) {
                const auto& c = code(ef->codeId);
                int i = ef->lasti >= 0 ? c.instructionAt(static_cast<uint32_t>(ef->lasti)) : -1;
                if (i >= 0) {
                    const auto& in = c.instructions[static_cast<size_t>(i)];
                    s += " @" + std::to_string(in.offset) + " " + in.opname;
                    if (!in.argRepr.empty())
                        s += " (" + in.argRepr + ")";
                    else if (in.arg >= 0)
                        s += " " + std::to_string(in.arg);
                }
            }
            break;
    }
    if (replayer_->threadIds().size() > 1 || st.thread != nav_->focusThread()) {
        s += "  " + threadLabel(st.thread);
        if (st.thread != nav_->focusThread()) s += "; showing " + threadLabel(nav_->focusThread());
    }
    return s;
}

void ReplaySession::printStop() {
    out_ << eventLine(Granularity::Line) << "\n";
    const Frame* f = selectedFrame();
    if (!f) {
        out_ << "(" << threadLabel(nav_->focusThread()) << " has no Python frame at this event)\n";
        return;
    }
    out_ << "> " << locationLine(*f) << "\n-> " << sourceLine(*f) << "\n";
    showDisplays();
}

void ReplaySession::report(const NavResult& r, Granularity g, const std::string& notFound) {
    resetSelection();
    // The stop is on another thread (its breakpoint stopped a step of this one): the Navigator
    // follows it from now on; say so first, as gdb does.
    if (r.threadSwitched) out_ << "[Switching to " << threadLabel(nav_->state().thread) << "]\n";
    switch (r.reason) {
        case StopReason::NotFound:
            out_ << (notFound.empty() ? std::string("Not found.") : notFound) << "\n";
            return;
        case StopReason::AtEnd:
            if (!r.moved) {
                out_ << "Already at the end of the trace (event " << r.event << ").\n";
                return;
            }
            out_ << "No further stop: at the end of the trace.\n";
            break;
        case StopReason::AtStart:
            if (!r.moved) {
                out_ << "Already at the start of the trace (event " << r.event << ").\n";
                return;
            }
            out_ << "No earlier stop: at the start of the trace.\n";
            break;
        case StopReason::Breakpoint: {
            const int id = cliBreakpoint(r.breakpointId);
            auto it = breaks_.find(id);
            // A tbreak: the Navigator deleted it at this stop; say so, as pdb does.
            const bool deleted = it != breaks_.end() && it->second->temporary;
            out_ << (deleted ? "Deleted breakpoint " : "Breakpoint ") << id;
            if (it != breaks_.end()) {
                out_ << " at " << it->second->where;
                if (!it->second->lastError->empty())
                    out_ << " (its condition could not be evaluated: " << *it->second->lastError
                         << ")";
            }
            out_ << "\n";
            if (deleted) breaks_.erase(it);
            break;
        }
        default:
            break;
    }
    const auto& st = nav_->state();
    out_ << eventLine(g) << "\n";
    const Frame* f = selectedFrame();
    if (!f) {
        out_ << "(" << threadLabel(nav_->focusThread()) << " has no Python frame at this event)\n";
    } else {
        out_ << "> " << locationLine(*f) << "\n-> " << sourceLine(*f) << "\n";
    }
    // Both ends of the trace are worth saying even when the stop itself was a normal one.
    if ((r.reason == StopReason::Step || r.reason == StopReason::Target) && r.moved) {
        if (st.event == replayer_->lastEvent())
            out_ << "(this is the end of the trace)\n";
        else if (st.event == replayer_->firstEvent())
            out_ << "(this is the start of the trace)\n";
    }
    showDisplays();
}

int ReplaySession::cliBreakpoint(int navId) const {
    for (const auto& [id, b] : breaks_)
        if (b->navId == navId) return id;
    return navId;
}

// --- dispatch
// ----------------------------------------------------------------------------------------

int ReplaySession::runScript(const std::vector<std::string>& lines) {
    for (const auto& line : lines)
        for (const auto& cmd : splitCommands(line)) {
            if (!execute(cmd)) return kScriptFailed;
            if (quit_) return 0;
        }
    return 0;
}

std::vector<std::string> ReplaySession::splitCommands(std::string_view text) {
    std::vector<std::string> out;
    std::string cur;
    char quote = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quote) {
            cur += c;
            if (c == '\\' && i + 1 < text.size())
                cur += text[++i];
            else if (c == quote)
                quote = 0;
            continue;
        }
        if (c == '\'' || c == '"') quote = c;
        if (c == ';' || c == '\n') {
            std::string t = trim(cur);
            if (!t.empty()) out.push_back(t);
            cur.clear();
            continue;
        }
        cur += c;
    }
    std::string t = trim(cur);
    if (!t.empty()) out.push_back(t);
    return out;
}

bool ReplaySession::execute(std::string_view lineView) {
    const std::string line = trim(lineView);
    if (line.empty() || line[0] == '#') return true;
    size_t sp = 0;
    while (sp < line.size() && !std::isspace(static_cast<unsigned char>(line[sp]))) ++sp;
    const std::string word = line.substr(0, sp);
    const std::string args = trim(std::string_view(line).substr(sp));
    auto failed = [&](const std::string& msg) {
        out_.flush();
        err_ << "*** " << msg << "\n";
        err_.flush();
        return false;
    };
    const Command* cmd = findCommand(word);
    if (!cmd) return failed("unknown command '" + word + "' (type 'help' for the list)");
    try {
        cmd->run(*this, args);
        out_.flush();
        return true;
    } catch (const CommandFailure& e) {
        return failed(e.message);
    } catch (const ExprSyntaxError& e) {
        return failed("bad expression: " + std::string(e.what()));
    } catch (const EvalError& e) {
        return failed(e.what());
    } catch (const format::TraceFormatError& e) {
        return failed("damaged trace: " + std::string(e.what()));
    } catch (const std::out_of_range& e) {
        return failed(e.what());
    } catch (const std::exception& e) {
        return failed(std::string(cmd->names[0]) + " failed: " + e.what());
    }
}

// --- navigation commands
// -------------------------------------------------------------------------------

void ReplaySession::cmdStep(const std::string& args, Direction dir, Granularity g) {
    repeatStep(args, g, [&] { return nav_->stepInto(dir, g); });
}

// After `up`, next and finish act on the selected frame, as pdb's and gdb's do: `up; next` runs
// to that frame's next line. Each stop selects the innermost frame again.
uint32_t ReplaySession::selectedLevel() const {
    const auto* t = focusThreadState();
    if (!t || t->stack.empty()) return 0;
    return static_cast<uint32_t>(std::min(selected_, t->stack.size() - 1));
}

void ReplaySession::cmdNext(const std::string& args, Direction dir, Granularity g) {
    uint32_t up = selectedLevel();
    repeatStep(args, g, [&] {
        NavResult r = nav_->stepOver(dir, g, up);
        up = 0;  // a repeat steps on from the stop
        return r;
    });
}

void ReplaySession::repeatStep(const std::string& args, Granularity g,
                               const std::function<NavResult()>& step) {
    const int n = parseCount(args);
    NavResult r;
    bool moved = false;
    for (int i = 0; i < n; ++i) {
        r = step();
        moved = moved || r.moved;
        // A step that went to another thread is worth showing before any repeat.
        if (r.reason != StopReason::Step || r.threadSwitched) break;
    }
    // "s 5" that ran out of trace on its third step did move: say so, not "already at the end".
    r.moved = moved;
    report(r, g);
}

void ReplaySession::cmdFinish(const std::string& args, Direction dir) {
    if (!args.empty()) fail("finish takes no arguments");
    report(nav_->stepOut(dir, selectedLevel()));
}

void ReplaySession::cmdUntil(const std::string& args, Direction dir) {
    const char* cmd = dir == Direction::Forward ? "until" : "runtil";
    std::optional<int32_t> line;
    if (!args.empty()) {
        uint64_t v = 0;
        if (!parseUnsigned(args, v) || v == 0 || v > 100000000)
            fail(std::string("usage: ") + cmd + " [LINE] (a line number, not '" + args + "')");
        line = static_cast<int32_t>(v);
    }
    requireFrame();
    NavResult r;
    try {
        r = nav_->stepUntil(dir, line, selectedLevel());
    } catch (const std::invalid_argument& e) {
        fail(std::string(cmd) + ": " + e.what());
    }
    report(r);
}

void ReplaySession::cmdContinue(const std::string& args, Direction dir) {
    if (!args.empty()) fail("continue takes no arguments (set breakpoints with 'break')");
    // `catch uncaught` (the default) lets handled exceptions pass: the Navigator's raise filter
    // stops only at raises that are never handled.
    if (catch_ == CatchMode::Off) {
        nav_->setBreakOnRaise(false);
    } else {
        replayer::RaiseFilter filter;
        filter.handled = catch_ == CatchMode::All || catch_ == CatchMode::Own;
        filter.library = catch_ != CatchMode::Own;
        nav_->setRaiseFilter(filter);
    }
    NavResult r = nav_->continueRun(dir);
    if (r.reason == StopReason::Exception) {
        const auto& ex = replayer_->exceptions();
        auto it = std::lower_bound(
            ex.begin(), ex.end(), r.event,
            [](const replayer::ExceptionInfo& x, uint64_t e) { return x.raisedAt < e; });
        if (it != ex.end() && it->raisedAt == r.event) {
            const char* how = it->outcome == replayer::ExceptionInfo::Outcome::Uncaught ? "uncaught"
                              : it->outcome == replayer::ExceptionInfo::Outcome::InFlightAtEnd
                                  ? "in flight at the end"
                              : it->outcome == replayer::ExceptionInfo::Outcome::Handled
                                  ? "handled later"
                                  : "replaced later";
            out_ << "Exception #" << it->index << " raised (" << how << ")\n";
        }
    }
    report(r);
}

void ReplaySession::cmdGoto(const std::string& args) {
    auto w = words(args);
    if (w.size() != 1)
        fail("usage: goto N (an event number, " + std::to_string(replayer_->firstEvent()) + " to " +
             std::to_string(replayer_->lastEvent()) + ")");
    const uint64_t n = parseEvent(w[0]);
    NavResult r = nav_->goTo(n);
    if (!r.moved) {
        resetSelection();
        printStop();
        return;
    }
    report(r, Granularity::Instruction);
}

void ReplaySession::cmdStart(const std::string& args) {
    if (!args.empty()) fail("start takes no arguments");
    NavResult r = nav_->goToStart();
    out_ << "At the start of the trace.\n";
    resetSelection();
    (void)r;
    printStop();
}

void ReplaySession::cmdEnd(const std::string& args) {
    if (!args.empty()) fail("end takes no arguments");
    NavResult r = nav_->goToEnd();
    out_ << "At the end of the trace.\n";
    resetSelection();
    (void)r;
    printStop();
}

void ReplaySession::cmdWatch(const std::string& args, Direction dir) {
    auto w = words(args);
    if (w.size() != 1)
        fail(std::string("usage: ") + (dir == Direction::Forward ? "watch" : "rwatch") + " NAME");
    const std::string& name = w[0];
    const Frame& f = requireFrame();
    const auto& c = code(f.codeId);
    const auto& defs = replayer_->defs();
    std::optional<replayer::LocalKey> key;
    // A namespace frame's names are dict entries; a function's are slots.
    if (c.usesLocalsDict) {
        for (uint32_t i = 0; i < defs.strings.size(); ++i)
            if (defs.strings[i] == name) {
                key = replayer::LocalKey::name(i);
                break;
            }
    }
    if (!key)
        for (uint32_t i = 0; i < c.localNames.size(); ++i)
            if (c.localNames[i] == name) {
                key = replayer::LocalKey::slot(i);
                break;
            }
    if (!key) fail("'" + name + "' is not a local of " + c.name + "()");
    const uint64_t frameId = f.id;
    const std::string fname = c.name + "()";
    NavResult r = nav_->toLocalChange(dir, frameId, *key);
    if (r.reason == StopReason::Watch) printWatchChange(r.event, frameId, *key, name);
    report(r, Granularity::Line,
           dir == Direction::Forward
               ? "'" + name + "' does not change again in this call of " + fname + "."
               : "'" + name + "' did not change earlier in this call of " + fname + ".");
}

void ReplaySession::printWatchChange(uint64_t event, uint64_t frameId, replayer::LocalKey key,
                                     const std::string& name) {
    auto valueIn = [&](const replayer::ProgramState& st) -> std::string {
        const Frame* f = st.findFrame(frameId);
        if (!f) return "<no frame>";
        if (key.isName) {
            const auto* n = f->name(key.id);
            return n ? render(n->value) : "<unbound>";
        }
        const auto* l = f->slot(key.id);
        return l && l->bound() ? render(l->value) : "<unbound>";
    };
    const std::string now = valueIn(nav_->state());
    std::string before = "<unbound>";
    if (event > 0) {
        replayer::ProgramState prev = replayer_->stateAt(event - 1);
        if (prev.findFrame(frameId)) before = valueIn(prev);
    }
    out_ << "Watch '" << name << "': " << before << " -> " << now << "\n";
}

// --- displays
// ------------------------------------------------------------------------------------

// The value (or why there is none), rendered as `print` renders it.
std::string ReplaySession::displayValue(DisplayEntry& d, const Frame& f) {
    try {
        lookup_->setFrame(nav_->state(), f, nav_->focusThread());
        const ValueRef ref = lookup_->lookup(d.path);
        const auto& header = replayer_->reader().header();
        replayer::ValueRenderer r(
            *values_, replayer_->defs(),
            replayer::UnicodePrintable::forPythonVersion(header.pythonVersion), d.limits);
        return r.render(ref);
    } catch (const EvalError& e) {
        return std::string("** ") + e.what() + " **";  // pdb shows a failed display this way
    } catch (const format::TraceFormatError& e) {
        return std::string("** damaged trace: ") + e.what() + " **";
    }
}

// After a stop, as pdb: every display of the function the selected frame runs whose value
// changed since it was last shown ("display x: 2  [old: 1]").
void ReplaySession::showDisplays() {
    if (displays_.empty()) return;
    const Frame* f = selectedFrame();
    if (!f) return;
    for (auto& d : displays_) {
        if (d.codeId != f->codeId) continue;
        std::string now = displayValue(d, *f);
        if (d.shown && now == d.last) continue;
        out_ << "display " << d.text << ": " << now;
        if (d.shown) out_ << "  [old: " << d.last << "]";
        out_ << "\n";
        d.last = std::move(now);
        d.shown = true;
    }
}

void ReplaySession::cmdDisplay(const std::string& args) {
    if (args.empty()) {
        if (displays_.empty()) {
            out_ << "No display expressions.\n";
            return;
        }
        out_ << "Currently displaying:\n";
        for (const auto& d : displays_)
            out_ << d.id << ": " << d.text << "  (in " << code(d.codeId).qualname << "())\n";
        return;
    }
    DisplayEntry d;
    d.limits = printLimits_;
    const std::string rest = printOptions(args, d.limits);
    if (rest.empty()) fail("usage: display [-d DEPTH] [-w ITEMS] [-s CHARS] NAME[.attr][[index]]");
    d.path = ConditionExpr::parsePath(rest);
    d.text = trim(args);
    const Frame& f = requireFrame();
    d.codeId = f.codeId;
    d.id = nextDisplay_++;
    d.last = displayValue(d, f);
    d.shown = true;
    out_ << "display " << d.text << ": " << d.last << "\n";
    displays_.push_back(std::move(d));
}

void ReplaySession::cmdUndisplay(const std::string& args) {
    auto w = words(args);
    if (w.empty()) {
        out_ << "Deleted " << displays_.size() << " display" << (displays_.size() == 1 ? "" : "s")
             << ".\n";
        displays_.clear();
        return;
    }
    std::vector<int> ids;
    for (const auto& x : w) {
        const int id = parseInt(x, "a display number (see 'display')");
        if (std::none_of(displays_.begin(), displays_.end(),
                         [&](const DisplayEntry& d) { return d.id == id; }))
            fail("no display " + x + " (see 'display')");
        ids.push_back(id);
    }
    for (int id : ids) {
        auto it = std::find_if(displays_.begin(), displays_.end(),
                               [&](const DisplayEntry& d) { return d.id == id; });
        if (it == displays_.end()) continue;
        out_ << "Deleted display " << id << ": " << it->text << "\n";
        displays_.erase(it);
    }
}

// --- breakpoints
// ----------------------------------------------------------------------------------

void ReplaySession::installBreakpoint(BreakEntry& b) {
    replayer::Breakpoint bp;
    bp.file = b.file;
    bp.line = b.line;
    bp.function = b.function;
    bp.temporary = b.temporary;
    if (b.condition) bp.condition = conditions_->make(b.condition, b.lastError);
    b.navId = nav_->addBreakpoint(std::move(bp));
}

void ReplaySession::cmdBreak(const std::string& args, bool temporary) {
    const char* cmd = temporary ? "tbreak" : "break";
    if (args.empty()) {
        if (temporary) fail("usage: tbreak [FILE:]LINE|FUNCTION [if EXPR]");
        cmdInfo("breakpoints");
        return;
    }
    std::string spec = args, condText;
    // "FILE:LINE if EXPR": the condition starts at the first word "if".
    {
        // A pseudo-file as `where` shows it may hold a space: "<frozen posixpath>:76".
        const size_t close = args[0] == '<' ? args.find('>') : std::string::npos;
        size_t end = args.find_first_of(" \t", close == std::string::npos ? 0 : close);
        if (end == std::string::npos) end = args.size();
        spec = args.substr(0, end);
        std::string rest = trim(std::string_view(args).substr(end));
        if (!rest.empty()) {
            if (rest.compare(0, 2, "if") != 0 ||
                (rest.size() > 2 && !std::isspace(static_cast<unsigned char>(rest[2]))))
                fail(std::string("usage: ") + cmd + " [FILE:]LINE|FUNCTION [if EXPR]");
            condText = trim(std::string_view(rest).substr(2));
            if (condText.empty())
                fail(std::string("'if' needs a condition, e.g. '") + cmd +
                     " f.py:12 if total > 100'");
        }
    }
    std::string file;
    std::string what = spec;
    const auto colon = spec.rfind(':');
    if (colon != std::string::npos) {
        file = spec.substr(0, colon);
        what = spec.substr(colon + 1);
    }
    auto b = std::make_unique<BreakEntry>();
    b->temporary = temporary;
    b->id = nextBreak_;
    if (!condText.empty())
        b->condition = std::make_shared<ConditionExpr>(ConditionExpr::parse(condText));
    uint64_t line = 0;
    if (!what.empty() && std::isdigit(static_cast<unsigned char>(what[0]))) {
        if (!parseUnsigned(what, line) || line == 0 || line > 100000000)
            fail("expected [FILE:]LINE or [FILE:]FUNCTION, not '" + spec + "'");
        if (file.empty()) {
            const Frame* f = selectedFrame();
            if (!f) fail("no current file: use FILE:LINE");
            file = sources_->fileName(code(f->codeId));
        }
        // Check the location now, so a typo is reported here rather than as a silent non-stop.
        bool anyFile = false, anyLine = false;
        std::string shown;
        for (const auto& c : replayer_->defs().codes) {
            const std::string& path = sources_->fileName(c);
            if (!replayer::codeInFile(replayer_->defs(), c, file)) continue;
            anyFile = true;
            if (shown.empty()) shown = path;
            bool hit = c.firstLine == static_cast<int32_t>(line);
            for (const auto& in : c.instructions)
                hit = hit || in.line == static_cast<int32_t>(line);
            if (hit) {
                anyLine = true;
                shown = path;
            }
        }
        if (!anyFile) fail("no code from a file matching '" + file + "' ran in this trace");
        if (!anyLine)
            fail("no code at " + shown + ":" + std::to_string(line) + " ran in this trace");
        b->file = file;
        b->line = static_cast<int32_t>(line);
        b->where = shown + ":" + std::to_string(line);
        installBreakpoint(*b);
    } else {
        // A function: its name or qualified name, among the code objects that ran.
        const bool name = !what.empty() && std::all_of(what.begin(), what.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' ||
                   c == '<' || c == '>' || static_cast<unsigned char>(c) >= 0x80;
        });
        if (!name) fail("expected [FILE:]LINE or [FILE:]FUNCTION, not '" + spec + "'");
        b->file = file;
        b->function = what;
        try {
            installBreakpoint(*b);  // the Navigator resolves the name, or says it ran nowhere
        } catch (const std::invalid_argument& e) {
            fail(e.what());
        }
        const std::vector<uint32_t> codes = nav_->breakpointCodes(b->navId);
        // Every function it names, so a name shared by several is visible at once.
        std::string places;
        for (size_t i = 0; i < codes.size() && i < 3; ++i) {
            const auto& c = code(codes[i]);
            places += (i ? ", " : "") + sources_->fileName(c) + ":" + std::to_string(c.firstLine);
        }
        if (codes.size() > 3) places += ", and " + std::to_string(codes.size() - 3) + " more";
        b->where = what + "() (" + places + ")";
    }
    ++nextBreak_;
    out_ << (temporary ? "Temporary breakpoint " : "Breakpoint ") << b->id << " at " << b->where;
    if (b->condition) out_ << " if " << b->condition->text();
    out_ << "\n";
    breaks_.emplace(b->id, std::move(b));
}

void ReplaySession::cmdDelete(const std::string& args) {
    auto w = words(args);
    if (w.empty()) {
        nav_->clearBreakpoints();
        out_ << "Deleted " << breaks_.size() << " breakpoint" << (breaks_.size() == 1 ? "" : "s")
             << ".\n";
        breaks_.clear();
        return;
    }
    std::vector<int> ids;
    for (const auto& s : w) {
        const int id = parseInt(s, "a breakpoint number");
        if (!breaks_.count(id)) fail("no breakpoint " + s);
        ids.push_back(id);
    }
    for (int id : ids) {
        auto it = breaks_.find(id);
        if (it == breaks_.end()) continue;
        if (it->second->navId >= 0) nav_->removeBreakpoint(it->second->navId);
        breaks_.erase(it);
        out_ << "Deleted breakpoint " << id << "\n";
    }
}

void ReplaySession::cmdEnable(const std::string& args, bool enable) {
    auto w = words(args);
    if (w.empty()) fail(std::string("usage: ") + (enable ? "enable" : "disable") + " N...");
    std::vector<int> ids;
    for (const auto& s : w) {
        const int id = parseInt(s, "a breakpoint number");
        if (!breaks_.count(id)) fail("no breakpoint " + s);
        ids.push_back(id);
    }
    for (int id : ids) {
        BreakEntry& b = *breaks_.at(id);
        if (b.enabled != enable) {
            if (enable) {
                installBreakpoint(b);
            } else {
                nav_->removeBreakpoint(b.navId);
                b.navId = -1;
            }
            b.enabled = enable;
        }
        out_ << (enable ? "Enabled" : "Disabled") << " breakpoint " << id << "\n";
    }
}

void ReplaySession::cmdCondition(const std::string& args) {
    std::istringstream in(args);
    std::string idText;
    in >> idText;
    if (idText.empty()) fail("usage: condition N [EXPR]");
    const int id = parseInt(idText, "a breakpoint number");
    auto it = breaks_.find(id);
    if (it == breaks_.end()) fail("no breakpoint " + idText);
    std::string rest;
    std::getline(in, rest);
    rest = trim(rest);
    BreakEntry& b = *it->second;
    std::shared_ptr<ConditionExpr> cond;
    if (!rest.empty()) cond = std::make_shared<ConditionExpr>(ConditionExpr::parse(rest));
    if (b.navId >= 0) nav_->removeBreakpoint(b.navId);
    b.navId = -1;
    b.condition = cond;
    if (b.enabled) installBreakpoint(b);
    if (cond)
        out_ << "Breakpoint " << id << " stops only if " << cond->text() << "\n";
    else
        out_ << "Breakpoint " << id << " is now unconditional\n";
}

namespace {

struct CatchModeName {
    ReplaySession::CatchMode mode;
    const char* name;
    const char* stops;  // what continue stops at besides breakpoints
};

constexpr CatchModeName kCatchModes[] = {
    {ReplaySession::CatchMode::Off, "off", "breakpoints only"},
    {ReplaySession::CatchMode::Uncaught, "uncaught",
     "breakpoints and raises of exceptions that are never handled"},
    {ReplaySession::CatchMode::Own, "own",
     "breakpoints, raises of exceptions that are never handled, and raises of exceptions that "
     "reach the program's own code (not those that stay inside the standard library or "
     "installed packages)"},
    {ReplaySession::CatchMode::All, "all", "breakpoints and every exception raise"},
};

const CatchModeName& catchModeName(ReplaySession::CatchMode m) {
    for (const auto& c : kCatchModes)
        if (c.mode == m) return c;
    REEL_ASSERT(false, "unknown catch mode");
    return kCatchModes[0];
}

}  // namespace

void ReplaySession::cmdCatch(const std::string& args) {
    if (args.empty()) {
        const CatchModeName& c = catchModeName(catch_);
        out_ << "continue stops at " << c.stops << " (catch " << c.name << ")\n";
        return;
    }
    const CatchModeName* chosen = nullptr;
    for (const auto& c : kCatchModes)
        if (args == c.name) chosen = &c;
    if (chosen == nullptr) fail("usage: catch [off|uncaught|own|all]");
    catch_ = chosen->mode;
    cmdCatch("");
}

// --- stack
// -------------------------------------------------------------------------------------------

void ReplaySession::cmdWhere(const std::string& args) {
    if (!args.empty()) fail("where takes no arguments");
    const auto* t = focusThreadState();
    if (!t || t->stack.empty()) {
        out_ << "(" << threadLabel(nav_->focusThread()) << " has no Python frame at this event)\n";
        return;
    }
    const size_t sel = std::min(selected_, t->stack.size() - 1);
    for (size_t i = 0; i < t->stack.size(); ++i) {
        const Frame& f = t->stack[i];
        const bool isSel = i == t->stack.size() - 1 - sel;
        out_ << (isSel ? "> " : "  ") << locationLine(f) << "\n-> " << sourceLine(f) << "\n";
    }
}

void ReplaySession::cmdUpDown(const std::string& args, int direction) {
    const int n = parseCount(args);
    const auto* t = focusThreadState();
    if (!t || t->stack.empty())
        fail(threadLabel(nav_->focusThread()) + " has no Python frame at this event");
    const size_t depth = t->stack.size();
    size_t sel = std::min(selected_, depth - 1);
    if (direction > 0) {
        if (sel + 1 >= depth) fail("Oldest frame");
        sel = std::min(depth - 1, sel + static_cast<size_t>(n));
    } else {
        if (sel == 0) fail("Newest frame");
        sel = sel >= static_cast<size_t>(n) ? sel - static_cast<size_t>(n) : 0;
    }
    selected_ = sel;
    const Frame& f = t->stack[depth - 1 - sel];
    out_ << "> " << locationLine(f) << "\n-> " << sourceLine(f) << "\n";
}

// --- source and bytecode
// ------------------------------------------------------------------------------

void ReplaySession::listLines(const format::CodeObject& c, int32_t first, int32_t last,
                              int32_t current) {
    const int32_t count = sources_->lineCount(c);
    if (count == 0) fail("the trace holds no source for " + sources_->fileName(c));
    first = std::max(first, 1);
    last = std::min(last, count);
    if (first > last)
        fail("line " + std::to_string(first) + " is past the end of " + sources_->fileName(c) +
             " (" + std::to_string(count) + " lines)");
    std::set<int32_t> bps;
    for (const auto& [id, b] : breaks_)
        if (b->enabled && b->function.empty() &&
            replayer::codeInFile(replayer_->defs(), c, b->file))
            bps.insert(b->line);
    for (int32_t l = first; l <= last; ++l) {
        std::string num = std::to_string(l);
        while (num.size() < 3) num = " " + num;
        if (num.size() < 4) num += " ";
        num += bps.count(l) ? "B" : " ";
        num += l == current ? "->" : "  ";
        out_ << num << "\t" << *sources_->line(c, l) << "\n";
    }
    listCode_ = c.id;
    listNext_ = last + 1;
    listEvent_ = nav_->position();
}

void ReplaySession::cmdList(const std::string& args) {
    const Frame& f = requireFrame();
    const auto& c = code(f.codeId);
    const int32_t at = replayer::displayLine(f, c);
    const std::string a = trim(args);
    if (a.empty()) {
        // Continue the previous listing while nothing moved, as pdb does.
        if (listEvent_ == nav_->position() && listCode_ == f.codeId && listNext_ > 0) {
            listLines(c, listNext_, listNext_ + 10, at);
            return;
        }
        listLines(c, at - 5, at + 5, at);
        return;
    }
    if (a == ".") {
        listLines(c, at - 5, at + 5, at);
        return;
    }
    const auto comma = a.find(',');
    if (comma == std::string::npos) {
        const int l = parseInt(a, "a line number");
        // Otherwise the window's clamped first line would be named instead of the one asked for.
        const int32_t count = sources_->lineCount(c);
        if (count > 0 && (l < 1 || l > count))
            fail("there is no line " + std::to_string(l) + " in " + sources_->fileName(c) + " (" +
                 std::to_string(count) + " lines)");
        listLines(c, l - 5, l + 5, at);
        return;
    }
    const int first = parseInt(trim(a.substr(0, comma)), "a line number");
    int last = parseInt(trim(a.substr(comma + 1)), "a line number");
    if (last < first) last = first + last;  // pdb: "list 10,3" lists 3 lines from 10
    listLines(c, first, last, at);
}

void ReplaySession::cmdLongList(const std::string& args) {
    if (!args.empty()) fail("longlist takes no arguments");
    const Frame& f = requireFrame();
    const auto& c = code(f.codeId);
    int32_t last = c.firstLine;
    for (const auto& in : c.instructions) last = std::max(last, in.line);
    // A module's code spans the whole file.
    if (c.name == "<module>") last = std::max(last, sources_->lineCount(c));
    listLines(c, c.firstLine, last, replayer::displayLine(f, c));
}

void ReplaySession::cmdDis(const std::string& args) {
    if (!args.empty()) fail("dis takes no arguments");
    const Frame& f = requireFrame();
    const auto& c = code(f.codeId);
    if (c.instructions.empty()) fail("the trace holds no instructions for " + c.qualname + "()");
    std::set<int32_t> targets;
    for (const auto& in : c.instructions)
        if (in.jumpTarget >= 0) targets.insert(in.jumpTarget);
    out_ << "Disassembly of " << c.qualname << "() (" << sources_->fileName(c) << ":" << c.firstLine
         << ")";
    if (f.lasti < 0) out_ << ", before its first instruction";
    out_ << ":\n";
    int32_t prevLine = -2;
    for (const auto& in : c.instructions) {
        std::ostringstream row;
        if (in.line != prevLine && in.line >= 0) {
            if (prevLine != -2) out_ << "\n";
            row << std::setw(4) << in.line;
        } else {
            row << "    ";
        }
        prevLine = in.line >= 0 ? in.line : prevLine;
        row << (static_cast<int32_t>(in.offset) == f.lasti ? "  -->" : "     ");
        row << (targets.count(static_cast<int32_t>(in.offset)) ? " >>" : "   ");
        row << std::setw(5) << in.offset << " " << std::left << std::setw(24) << in.opname
            << std::right;
        if (in.arg >= 0) row << std::setw(4) << in.arg;
        if (!in.argRepr.empty()) row << " (" << in.argRepr << ")";
        std::string s = row.str();
        while (!s.empty() && s.back() == ' ') s.pop_back();
        out_ << s << "\n";
    }
}

// --- values
// -----------------------------------------------------------------------------------------

void ReplaySession::cmdPrint(const std::string& args) {
    replayer::RenderLimits limits = printLimits_;
    const std::string rest = printOptions(args, limits);
    if (rest.empty()) fail("usage: print [-d DEPTH] [-w ITEMS] [-s CHARS] NAME[.attr][[index]]");
    const ValuePath path = ConditionExpr::parsePath(rest);
    const Frame& f = requireFrame();
    lookup_->setFrame(nav_->state(), f, nav_->focusThread());
    const ValueRef ref = lookup_->lookup(path);
    const auto& header = replayer_->reader().header();
    replayer::ValueRenderer r(*values_, replayer_->defs(),
                              replayer::UnicodePrintable::forPythonVersion(header.pythonVersion),
                              limits);
    out_ << r.render(ref) << "\n";
}

void ReplaySession::cmdPrettyPrint(const std::string& args) {
    replayer::RenderLimits limits = printLimits_;
    bool sawDepth = false;
    const std::string rest = printOptions(args, limits, &sawDepth);
    if (!sawDepth) limits.depth = 2;
    if (rest.empty()) fail("usage: pp [-d LEVELS] [-w ITEMS] NAME[.attr][[index]]");
    const ValuePath path = ConditionExpr::parsePath(rest);
    const Frame& f = requireFrame();
    lookup_->setFrame(nav_->state(), f, nav_->focusThread());
    const ValueRef ref = lookup_->lookup(path);
    // One line per child, indented, `limits.depth` levels deep; each line is the child's
    // export rendering.
    std::function<void(const replayer::ValueNode&, uint32_t)> tree =
        [&](const replayer::ValueNode& n, uint32_t level) {
            if (level > limits.depth) return;
            auto kids = renderer_->children(n);
            const size_t shown = std::min<size_t>(kids.size(), limits.items);
            for (size_t i = 0; i < shown; ++i) {
                out_ << std::string(level * 2, ' ') << kids[i].label << ": "
                     << render(kids[i].node.ref) << "\n";
                if (kids[i].node.expandable) tree(kids[i].node, level + 1);
            }
            // Only items count against fullLength: an exception's or a subclass instance's
            // extra attributes are listed on top.
            size_t items = 0, itemsShown = 0;
            for (size_t i = 0; i < kids.size(); ++i)
                if (!kids[i].extraAttribute) {
                    ++items;
                    if (i < shown) ++itemsShown;
                }
            using K = replayer::ValueNode::Kind;
            const bool counted = n.kind == K::List || n.kind == K::Tuple || n.kind == K::Set ||
                                 n.kind == K::Frozenset || n.kind == K::Dict || n.kind == K::Object;
            const uint64_t total = std::max<uint64_t>(n.fullLength, items);
            if (total > itemsShown && counted)
                out_ << std::string(level * 2, ' ') << "… " << (total - itemsShown) << " more"
                     << (items < total ? " (not all recorded)" : "") << "\n";
        };
    out_ << render(ref) << "\n";
    tree(renderer_->node(ref), 1);
}

void ReplaySession::cmdLocals(const std::string& args) {
    bool all = false;
    if (args == "-a")
        all = true;
    else if (!args.empty())
        fail("usage: locals [-a]");
    const Frame& f = requireFrame();
    const auto& c = code(f.codeId);
    const auto& defs = replayer_->defs();
    const uint64_t now = nav_->position();
    size_t shown = 0;
    auto line = [&](const std::string& name, const replayer::Local* l, ValueRef v,
                    uint64_t changedAt) {
        out_ << (changedAt == now ? "* " : "  ") << name << " = "
             << (l && !l->bound() ? "<unbound>" : render(v)) << "\n";
        ++shown;
    };
    for (const auto& n : f.names) {
        const std::string& name = n.nameId < defs.strings.size() ? defs.strings[n.nameId] : "?";
        if (!all && isDunder(name)) continue;
        line(name, nullptr, n.value, n.changedAt);
    }
    for (size_t i = 0; i < f.slots.size() && i < c.localNames.size(); ++i) {
        const auto& l = f.slots[i];
        if (!l.bound() && !all) continue;
        if (!all && isDunder(c.localNames[i])) continue;
        line(c.localNames[i], &l, l.value, l.changedAt);
    }
    if (shown == 0) out_ << "(no local has a value in " << c.name << "() at this point)\n";
}

// --- exceptions, threads, output
// ----------------------------------------------------------------------

void ReplaySession::cmdExceptions(const std::string& args) {
    auto w = words(args);
    const bool all = !w.empty() && w[0] == "all";
    if (all) w.erase(w.begin());
    if (w.size() > 1) fail("usage: exceptions [all] [TEXT]");
    const std::string text = w.empty() ? std::string() : w[0];
    const auto& ex = replayer_->exceptions();
    if (ex.empty()) {
        out_ << "No exception was raised in this trace.\n";
        return;
    }
    const auto* t = nav_->state().threadState(nav_->focusThread());
    const uint64_t inFlight = t && t->exception ? t->exception->index : ~uint64_t{0};
    const bool manyThreads = replayer_->threadIds().size() > 1;
    // Library-only exceptions (importlib's KeyErrors, a codec's probe) are hundreds in an
    // import-heavy run; they are counted, not listed, unless asked for. One that was never
    // handled is always listed.
    uint64_t hidden = 0, listed = 0;
    for (const auto& x : ex) {
        const std::string raisedIn = where(x.raiseCodeId, x.raiseLine);
        std::string shown;
        if (!text.empty()) {
            shown = render(x.value);
            if (shown.find(text) == std::string::npos &&
                raisedIn.find(text) == std::string::npos)
                continue;
        }
        if (!all && !x.concernsProgram() && x.index != inFlight) {
            ++hidden;
            continue;
        }
        ++listed;
        if (shown.empty()) shown = render(x.value);
        out_ << (x.index == inFlight ? "> " : "  ") << "#" << x.index << " " << shown;
        if (manyThreads) out_ << "  " << threadLabel(x.thread);
        out_ << "\n      raised at event " << x.raisedAt << " in " << raisedIn << "\n";
        switch (x.outcome) {
            case replayer::ExceptionInfo::Outcome::Handled:
                out_ << "      handled at event " << x.endEvent << " in "
                     << where(x.endCodeId, x.endLine) << "\n";
                break;
            case replayer::ExceptionInfo::Outcome::Uncaught:
                out_ << "      uncaught: left the thread from " << where(x.endCodeId, x.endLine)
                     << " at event " << x.endEvent << "\n";
                break;
            case replayer::ExceptionInfo::Outcome::Replaced:
                out_ << "      replaced by another exception at event " << x.endEvent << " in "
                     << where(x.endCodeId, x.endLine) << "\n";
                break;
            case replayer::ExceptionInfo::Outcome::InFlightAtEnd:
                out_ << "      still propagating when the trace ends\n";
                break;
        }
    }
    if (listed == 0 && hidden == 0) {
        out_ << "No exception matches '" << text << "'.\n";
    } else if (hidden > 0) {
        const std::string them = hidden == 1 ? "it" : "them";
        if (listed == 0)
            out_ << "No exception " << (text.empty() ? "" : "matching '" + text + "' ")
                 << "reached the program's own code; " << hidden;
        else
            out_ << "And " << hidden << " more";
        out_ << (hidden == 1 ? " was" : " were")
             << " raised and handled inside library code (the standard library, frozen modules, "
                "installed packages): 'exceptions all"
             << (text.empty() ? "" : " " + text) << "' lists " << them << ".\n";
    }
}

void ReplaySession::cmdException(const std::string& args) {
    auto w = words(args);
    if (w.empty() || w.size() > 2 || (w.size() == 2 && w[1] != "end"))
        fail("usage: exception N [end] (N from 'exceptions')");
    const auto& ex = replayer_->exceptions();
    uint64_t n = 0;
    if (!parseUnsigned(w[0], n)) fail("expected an exception number, not '" + w[0] + "'");
    if (n >= ex.size())
        fail(ex.empty() ? std::string("no exception was raised in this trace")
                        : "no exception #" + w[0] + ": they are numbered 0 to " +
                              std::to_string(ex.size() - 1));
    const auto& x = ex[n];
    uint64_t target = x.raisedAt;
    if (w.size() == 2) {
        if (x.endEvent == replayer::kNoEvent)
            fail("exception #" + w[0] + " is still propagating when the trace ends");
        target = x.endEvent;
    }
    nav_->setFocusThread(std::nullopt);
    NavResult r = nav_->goTo(target);
    r.reason = StopReason::Exception;
    report(r);
}

void ReplaySession::cmdThreads(const std::string& args) {
    if (!args.empty()) fail("threads takes no arguments (use 'thread N' to switch)");
    const auto& st = nav_->state();
    for (uint32_t id : replayer_->threadIds()) {
        out_ << (id == nav_->focusThread() ? "* " : "  ") << threadLabel(id);
        const auto* t = st.threadState(id);
        if (!t)
            out_ << ": not started yet";
        else if (t->ended)
            out_ << ": finished";
        else if (t->stack.empty())
            out_ << ": no Python frame";
        else
            out_ << ": " << locationLine(t->stack.back());
        if (id == st.thread) out_ << "  (runs this event)";
        out_ << "\n";
    }
}

void ReplaySession::cmdThread(const std::string& args) {
    if (args.empty()) {
        out_ << "Following " << threadLabel(nav_->focusThread()) << "\n";
        return;
    }
    if (args == "auto") {
        nav_->setFocusThread(std::nullopt);
        resetSelection();
        out_ << "Following the thread of each event\n";
        printStop();
        return;
    }
    const int id = parseInt(args, "a thread number (see 'threads')");
    const auto& ids = replayer_->threadIds();
    if (std::find(ids.begin(), ids.end(), static_cast<uint32_t>(id)) == ids.end())
        fail("no thread " + args + " in this trace (see 'threads')");
    nav_->setFocusThread(static_cast<uint32_t>(id));
    resetSelection();
    out_ << "Following " << threadLabel(static_cast<uint32_t>(id)) << "\n";
    printStop();
}

void ReplaySession::cmdOutput(const std::string& args) {
    bool outStream = true, errStream = true;
    if (args == "stdout")
        errStream = false;
    else if (args == "stderr")
        outStream = false;
    else if (!args.empty())
        fail("usage: output [stdout|stderr]");
    const uint64_t pos = nav_->position();
    // Both streams: interleaved as they were written (as the terminal showed them), a header at
    // each switch when both have output. One stream: its text.
    std::vector<replayer::OutputChunk> chunks;
    if (outStream && errStream) {
        chunks = replayer_->outputChunks(pos);
    } else {
        const uint32_t stream = outStream ? 1 : 2;
        std::string text = replayer_->outputText(stream, pos);
        if (!text.empty()) chunks.push_back({pos, stream, std::move(text)});
    }
    if (chunks.empty()) {
        out_ << "(no output "
             << (outStream && errStream ? ""
                 : outStream            ? "on stdout "
                                        : "on stderr ")
             << "up to event " << pos << ")\n";
        return;
    }
    const bool both = std::any_of(chunks.begin(), chunks.end(),
                                  [&](const auto& c) { return c.stream != chunks[0].stream; });
    uint32_t shown = 0;
    bool lineStart = true;
    for (const auto& c : chunks) {
        if (both && c.stream != shown) {
            out_ << (lineStart ? "" : "\n")
                 << (c.stream == 1 ? "--- stdout ---\n" : "--- stderr ---\n");
            shown = c.stream;
        }
        out_ << c.text;
        if (!c.text.empty()) lineStart = c.text.back() == '\n';
    }
    if (!lineStart) out_ << "\n";
}

void ReplaySession::cmdInfo(const std::string& args) {
    if (args == "breakpoints" || args == "break" || args == "b") {
        if (breaks_.empty()) {
            out_ << "No breakpoints.\n";
            return;
        }
        out_ << "Num Enabled Where\n";
        for (const auto& [id, b] : breaks_) {
            std::string num = std::to_string(id);
            out_ << num << std::string(num.size() < 4 ? 4 - num.size() : 1, ' ')
                 << (b->enabled ? "yes     " : "no      ") << b->where;
            if (b->condition) out_ << " if " << b->condition->text();
            if (b->temporary) out_ << " (temporary)";
            out_ << "\n";
        }
        return;
    }
    if (args == "banner") {  // what the interactive prompt shows first
        printBanner();
        printStop();
        return;
    }
    if (args == "threads") return cmdThreads("");
    if (args == "exceptions") return cmdExceptions("");
    if (!args.empty()) fail("usage: info [breakpoints|threads|exceptions|banner]");
    auto& reader = replayer_->reader();
    const auto& h = reader.header();
    const auto& stats = replayer_->stats();
    out_ << "Trace:      " << reader.path().string() << "\n";
    std::string argv;
    for (const auto& a : h.argv) argv += (argv.empty() ? "" : " ") + a;
    out_ << "Program:    " << argv << "\n";
    out_ << "Python:     " << h.pythonImplementation << " " << h.pythonVersion << "\n";
    out_ << "Directory:  " << h.cwd << "\n";
    out_ << "Events:     " << replayer_->eventCount() - replayer_->firstEvent() << " ("
         << replayer_->firstEvent() << " to " << replayer_->lastEvent() << "), now at "
         << nav_->position() << "\n";
    out_ << "Threads:    " << replayer_->threadIds().size() << "\n";
    out_ << "Exceptions: " << replayer_->exceptions().size() << " raised, " << programExceptions()
         << " not confined to library code\n";
    out_ << "Output:     " << replayer_->outputSize(1, replayer_->lastEvent())
         << " bytes on stdout, " << replayer_->outputSize(2, replayer_->lastEvent())
         << " bytes on stderr\n";
    const auto& exit = reader.exitInfo();
    out_ << "Ended:      ";
    if (!exit) {
        out_ << "unknown (the recording did not finish";
        if (reader.recovery().recovered)
            out_ << "; recovered " << reader.recovery().chunksKept << " chunks";
        out_ << ")\n";
    } else {
        switch (exit->kind) {
            case format::ExitKind::Exited:
                out_ << "exited with status " << exit->status;
                break;
            case format::ExitKind::UncaughtException:
                out_ << "uncaught exception, status " << exit->status;
                break;
            case format::ExitKind::Signal:
                out_ << "killed by signal " << exit->status;
                break;
            case format::ExitKind::StoppedByApi:
                out_ << "recording stopped by the API";
                break;
            default:
                out_ << "unknown";
                break;
        }
        if (!exit->message.empty()) out_ << ": " << exit->message;
        out_ << "\n";
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f s", stats.seconds);
    out_ << "Index:      " << stats.checkpoints << " checkpoints every " << stats.interval
         << " events, built in " << buf << "\n";
    out_ << "Breakpoints: " << breaks_.size() << "; catch " << catchModeName(catch_).name
         << "\n";
}

// --- help, quit, banner, completion
// ------------------------------------------------------------------

void ReplaySession::cmdHelp(const std::string& args) {
    if (!args.empty()) {
        const Command* c = findCommand(args);
        if (!c) fail("no command '" + args + "' (type 'help' for the list)");
        out_ << "usage: " << c->usage << "\n" << c->summary << "\n";
        if (!c->details.empty()) out_ << c->details << "\n";
        if (c->names.size() > 1) {
            out_ << "aliases:";
            for (size_t i = 1; i < c->names.size(); ++i) out_ << " " << c->names[i];
            out_ << "\n";
        }
        return;
    }
    out_ << "Commands (help CMD for details; an empty line repeats the last command):\n";
    for (const auto& c : commands()) {
        std::string u = c.usage;
        if (u.size() < 30)
            u += std::string(30 - u.size(), ' ');
        else
            u += "  ";
        out_ << "  " << u << c.summary << "\n";
    }
}

void ReplaySession::cmdQuit(const std::string&) {
    quit_ = true;
}

uint64_t ReplaySession::programExceptions() const {
    const auto& ex = replayer_->exceptions();
    return static_cast<uint64_t>(std::count_if(
        ex.begin(), ex.end(), [](const replayer::ExceptionInfo& x) { return x.concernsProgram(); }));
}

void ReplaySession::printBanner() {
    auto& reader = replayer_->reader();
    const auto& h = reader.header();
    std::string program = h.argv.empty() ? reader.path().filename().string() : h.argv[0];
    out_ << "Replaying " << program << " (" << h.pythonImplementation << " " << h.pythonVersion
         << "): " << replayer_->eventCount() << " events, " << replayer_->threadIds().size()
         << " thread" << (replayer_->threadIds().size() == 1 ? "" : "s") << ", "
         << replayer_->exceptions().size() << " exception"
         << (replayer_->exceptions().size() == 1 ? "" : "s");
    if (const uint64_t own = programExceptions(); own != replayer_->exceptions().size())
        out_ << " (" << own << " not confined to library code)";
    out_ << ".\n";
    if (reader.recovery().recovered)
        out_ << "Note: the recording did not finish; replaying the " << reader.recovery().chunksKept
             << " chunks that were complete.\n";
    out_ << "Type 'help' for the commands; 'c' runs to the first breakpoint or uncaught "
            "exception.\n";
}

std::vector<std::string> ReplaySession::completions(std::string_view before,
                                                    std::string_view word) {
    std::vector<std::string> out;
    const std::string b = trim(before);
    auto add = [&](const std::string& s) {
        if (s.compare(0, word.size(), word) == 0 &&
            std::find(out.begin(), out.end(), s) == out.end())
            out.push_back(s);
    };
    // The part after the last ';' is the command being typed.
    const auto semi = b.rfind(';');
    const std::string cmdPart = trim(semi == std::string::npos ? b : b.substr(semi + 1));
    if (cmdPart.empty()) {
        for (const auto& c : commands())
            for (const auto& n : c.names) add(n);
        return out;
    }
    const std::string first = words(cmdPart)[0];
    if (first == "help" || first == "h") {
        for (const auto& c : commands()) add(c.names[0]);
        return out;
    }
    const Frame* f = selectedFrame();
    if (!f) return out;
    const auto& c = code(f->codeId);
    const auto& defs = replayer_->defs();
    for (const auto& n : f->names)
        if (n.nameId < defs.strings.size()) add(defs.strings[n.nameId]);
    for (size_t i = 0; i < f->slots.size() && i < c.localNames.size(); ++i)
        if (f->slots[i].bound()) add(c.localNames[i]);
    std::sort(out.begin(), out.end());
    return out;
}

// --- the table
// -----------------------------------------------------------------------------------------

// Handlers are lambdas in one table so `help` and dispatch cannot drift apart; the order here is
// the order of `help`.
const std::vector<ReplaySession::Command>& ReplaySession::commands() {
    using D = Direction;
    using G = Granularity;
    static const std::vector<ReplaySession::Command> t = {
        {{"step", "s"},
         "step [N]",
         "Step forward to the next line (into calls).",
         "Stops at the next event of the thread that starts a line, and at every call, return and "
         "exception;\nalso at a breakpoint another thread hits first (then follows that thread).",
         [](S& s, const std::string& a) { s.cmdStep(a, D::Forward, G::Line); }},
        {{"back", "rstep", "rs"},
         "back [N]",
         "Step backward to the previous line (into calls).",
         "The reverse of step: the previous stop step would have made. (b is break, as in pdb and "
         "gdb.)",
         [](S& s, const std::string& a) { s.cmdStep(a, D::Backward, G::Line); }},
        {{"next", "n"},
         "next [N]",
         "Step forward over calls.",
         "Like step, but does not stop inside functions called from this line. After 'up', "
         "steps in the\nselected frame (to its next line). In a generator or coroutine, an "
         "await or yield is no stop:\nnext goes on when the frame resumes, to its next line (as "
         "pdb); if it never resumes, next stops\nat its --Yield--. A breakpoint hit on the way, on "
         "any thread, stops it (a hit on another\nthread switches to that thread).",
         [](S& s, const std::string& a) { s.cmdNext(a, D::Forward, G::Line); }},
        {{"rnext", "rn"},
         "rnext [N]",
         "Step backward over calls.",
         "The reverse of next: in a generator or coroutine, back across an await or yield to the "
         "line that\nsuspended the frame.",
         [](S& s, const std::string& a) { s.cmdNext(a, D::Backward, G::Line); }},
        {{"finish", "fin", "return", "r"},
         "finish",
         "Run forward until this function returns (stops in the caller).",
         "After 'up', runs until the selected frame returns. A generator or coroutine runs until "
         "it really\nreturns, not until its next yield or await. A breakpoint hit on the way "
         "(any thread) stops it. pdb's return\n(r) stops at the --Return-- event, one step before.",
         [](S& s, const std::string& a) { s.cmdFinish(a, D::Forward); }},
        {{"rfinish", "rfin"},
         "rfinish",
         "Run backward to before this function was called (in the caller).",
         "A generator or coroutine: to before its first call, not its latest resume.",
         [](S& s, const std::string& a) { s.cmdFinish(a, D::Backward); }},
        {{"until", "unt"},
         "until [LINE]",
         "Run forward to a line after the current one in this frame (loops: past the end).",
         "As pdb: stops at the frame's first line greater than the current one (with LINE: at or "
         "after LINE,\nwhich must be after the current line), or when the frame returns. A "
         "generator or coroutine is\nfollowed across its awaits and yields. A breakpoint hit on "
         "the way (any thread) stops it. After\n'up', acts on the selected frame.",
         [](S& s, const std::string& a) { s.cmdUntil(a, D::Forward); }},
        {{"runtil", "runt"},
         "runtil [LINE]",
         "Run backward to a line before the current one in this frame.",
         "The reverse of until: stops at the frame's last line smaller than the current one (with "
         "LINE: at\nor before LINE, which must be before the current line), or at the frame's "
         "call. From the first line\nafter a loop: the loop's header; from there, the line "
         "before the loop.",
         [](S& s, const std::string& a) { s.cmdUntil(a, D::Backward); }},
        {{"continue", "c", "cont"},
         "continue",
         "Run forward to the next breakpoint (or exception, see catch).",
         "Stops at the end of the trace when nothing matches.",
         [](S& s, const std::string& a) { s.cmdContinue(a, D::Forward); }},
        {{"rcontinue", "rc"},
         "rcontinue",
         "Run backward to the previous breakpoint (or exception, see catch).",
         "Stops at the start of the trace when nothing matches.",
         [](S& s, const std::string& a) { s.cmdContinue(a, D::Backward); }},
        {{"stepi", "si"},
         "stepi [N]",
         "Step forward one bytecode instruction (any event).",
         "",
         [](S& s, const std::string& a) { s.cmdStep(a, D::Forward, G::Instruction); }},
        {{"backi", "bi"},
         "backi [N]",
         "Step backward one bytecode instruction.",
         "",
         [](S& s, const std::string& a) { s.cmdStep(a, D::Backward, G::Instruction); }},
        {{"nexti", "ni"},
         "nexti [N]",
         "Step forward one instruction, over calls.",
         "",
         [](S& s, const std::string& a) { s.cmdNext(a, D::Forward, G::Instruction); }},
        {{"rnexti", "rni"},
         "rnexti [N]",
         "Step backward one instruction, over calls.",
         "",
         [](S& s, const std::string& a) { s.cmdNext(a, D::Backward, G::Instruction); }},
        {{"goto", "g"},
         "goto N",
         "Go to event number N.",
         "",
         [](S& s, const std::string& a) { s.cmdGoto(a); }},
        {{"start"},
         "start",
         "Go to the first event of the trace.",
         "",
         [](S& s, const std::string& a) { s.cmdStart(a); }},
        {{"end"},
         "end",
         "Go to the last event of the trace.",
         "",
         [](S& s, const std::string& a) { s.cmdEnd(a); }},
        {{"break", "b", "br"},
         "break [FILE:]LINE|FUNCTION [if EXPR]",
         "Set a breakpoint (no argument: list them).",
         "FILE matches the end of a recorded path ('inventory.py', 'pkg/mod.py'). FUNCTION "
         "('reserve',\n'Inventory.reserve') stops at the first line of each call of every "
         "function of that name or\nqualified name that ran. EXPR is a condition on the "
         "frame's locals, e.g. 'total > 100',\n\"name == 'bolt'\", 'item.stock < 0 and qty > 5', "
         "'x in seen'; see docs/guide.md. A condition that cannot\nbe evaluated stops, with the "
         "reason.",
         [](S& s, const std::string& a) { s.cmdBreak(a, false); }},
        {{"tbreak"},
         "tbreak [FILE:]LINE|FUNCTION [if EXPR]",
         "Set a temporary breakpoint: deleted when it first stops a command.",
         "Arguments as for break.",
         [](S& s, const std::string& a) { s.cmdBreak(a, true); }},
        {{"delete", "clear"},
         "delete [N...]",
         "Delete breakpoints (no argument: all).",
         "",
         [](S& s, const std::string& a) { s.cmdDelete(a); }},
        {{"disable"},
         "disable N...",
         "Disable breakpoints.",
         "",
         [](S& s, const std::string& a) { s.cmdEnable(a, false); }},
        {{"enable"},
         "enable N...",
         "Enable breakpoints.",
         "",
         [](S& s, const std::string& a) { s.cmdEnable(a, true); }},
        {{"condition"},
         "condition N [EXPR]",
         "Set or remove the condition of breakpoint N.",
         "",
         [](S& s, const std::string& a) { s.cmdCondition(a); }},
        {{"catch"},
         "catch [off|uncaught|own|all]",
         "Which exception raises continue/rcontinue stop at.",
         "uncaught (default): raises of exceptions that are never handled; own: those, and every "
         "exception that reaches the program's own code (raised, passing through or handled "
         "there), not the ones that stay inside the standard library or installed packages; all: "
         "every raise; off: none.",
         [](S& s, const std::string& a) { s.cmdCatch(a); }},
        {{"watch"},
         "watch NAME",
         "Run forward to the next change of a local of the selected frame.",
         "Changes include in-place mutation the recorder saw (list.append, attribute stores, "
         "...).\n"
         "Stays put when the variable does not change again before the frame returns.",
         [](S& s, const std::string& a) { s.cmdWatch(a, D::Forward); }},
        {{"rwatch"},
         "rwatch NAME",
         "Run backward to the last change of a local of the selected frame.",
         "Stays put when it did not change since the frame was called.",
         [](S& s, const std::string& a) { s.cmdWatch(a, D::Backward); }},
        {{"display"},
         "display [EXPR]",
         "Show EXPR after each stop in this function when it changed (no argument: list).",
         "EXPR as for print (options too). As pdb: 'display x: NEW  [old: OLD]' after a stop "
         "where it changed.\nIt applies to the function it was set in, every call of it.",
         [](S& s, const std::string& a) { s.cmdDisplay(a); }},
        {{"undisplay"},
         "undisplay [N...]",
         "Delete displays (no argument: all).",
         "",
         [](S& s, const std::string& a) { s.cmdUndisplay(a); }},
        {{"where", "w", "bt", "backtrace"},
         "where",
         "Show the call stack (most recent last).",
         "",
         [](S& s, const std::string& a) { s.cmdWhere(a); }},
        {{"up", "u"},
         "up [N]",
         "Select an older frame (for list, print, locals, watch).",
         "",
         [](S& s, const std::string& a) { s.cmdUpDown(a, 1); }},
        {{"down", "d"},
         "down [N]",
         "Select a newer frame.",
         "",
         [](S& s, const std::string& a) { s.cmdUpDown(a, -1); }},
        {{"list", "l"},
         "list [LINE | FIRST,LAST | .]",
         "Show source around the current line (-> marks it).",
         "Without an argument, a second 'list' continues where the first stopped.",
         [](S& s, const std::string& a) { s.cmdList(a); }},
        {{"longlist", "ll"},
         "longlist",
         "Show the whole source of the selected function.",
         "",
         [](S& s, const std::string& a) { s.cmdLongList(a); }},
        {{"dis"},
         "dis",
         "Show the selected frame's bytecode (--> marks the current instruction).",
         "",
         [](S& s, const std::string& a) { s.cmdDis(a); }},
        {{"print", "p"},
         "print [-d N] [-w N] [-s N] NAME",
         "Show a value: a local, NAME.attr, NAME[0], NAME['key'].",
         "By default shows everything the recorder kept; -d depth, -w items per container, -s "
         "characters per\n"
         "string. $value is the value returned or yielded (or the exception) at this event, $exc "
         "the\n"
         "exception in flight.",
         [](S& s, const std::string& a) { s.cmdPrint(a); }},
        {{"pp"},
         "pp [-d LEVELS] NAME",
         "Show a value as a tree, one attribute or item per line.",
         "",
         [](S& s, const std::string& a) { s.cmdPrettyPrint(a); }},
        {{"locals"},
         "locals [-a]",
         "Show the selected frame's locals (* marks those changed at this event).",
         "-a also shows unbound locals and __dunder__ names.",
         [](S& s, const std::string& a) { s.cmdLocals(a); }},
        {{"exceptions"},
         "exceptions [all] [TEXT]",
         "List the exceptions: where each was raised and where it was handled.",
         "Exceptions raised and handled inside library code (the standard library, frozen "
         "modules, site-packages) are only counted unless 'all' is given. TEXT keeps those whose "
         "value or raise location contains it ('exceptions KeyError', 'exceptions app.py').",
         [](S& s, const std::string& a) { s.cmdExceptions(a); }},
        {{"exception", "ex"},
         "exception N [end]",
         "Go to where exception N was raised (end: handled / left).",
         "",
         [](S& s, const std::string& a) { s.cmdException(a); }},
        {{"threads"},
         "threads",
         "List the threads and where each one is.",
         "",
         [](S& s, const std::string& a) { s.cmdThreads(a); }},
        {{"thread"},
         "thread [N | auto]",
         "Follow thread N (step commands move along it); auto: the event's thread.",
         "",
         [](S& s, const std::string& a) { s.cmdThread(a); }},
        {{"output"},
         "output [stdout|stderr]",
         "Show what the program had written up to this event.",
         "",
         [](S& s, const std::string& a) { s.cmdOutput(a); }},
        {{"info"},
         "info [breakpoints|threads|exceptions|banner]",
         "Summarize the trace (or list breakpoints).",
         "banner: the opening lines of the prompt and the current stop again.",
         [](S& s, const std::string& a) { s.cmdInfo(a); }},
        {{"help", "h", "?"},
         "help [COMMAND]",
         "List the commands, or explain one.",
         "",
         [](S& s, const std::string& a) { s.cmdHelp(a); }},
        {{"quit", "q", "exit"},
         "quit",
         "Leave the debugger (Ctrl-D too).",
         "",
         [](S& s, const std::string& a) { s.cmdQuit(a); }},
    };
    return t;
}

}  // namespace reel::cli
