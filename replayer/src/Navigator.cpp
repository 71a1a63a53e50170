#include "reel/replayer/Navigator.h"

#include <algorithm>
#include <map>
#include <stdexcept>

#include "ReplayerImpl.h"
#include "reel/replayer/FileMatch.h"
#include "reel/replayer/Replayer.h"
#include "reel/replayer/ValueSource.h"

namespace reel::replayer {

const char* toString(StopReason r) {
    switch (r) {
        case StopReason::Step:
            return "step";
        case StopReason::Breakpoint:
            return "breakpoint";
        case StopReason::Exception:
            return "exception";
        case StopReason::Watch:
            return "watch";
        case StopReason::FrameEdge:
            return "frame edge";
        case StopReason::Target:
            return "target";
        case StopReason::AtStart:
            return "at start";
        case StopReason::AtEnd:
            return "at end";
        case StopReason::NotFound:
            return "not found";
        case StopReason::Cancelled:
            return "cancelled";
    }
    return "?";
}

namespace {
bool isExit(RecordKind k) {
    return k == RecordKind::Return || k == RecordKind::Yield || k == RecordKind::Unwind;
}
// The event is where its frame's activation begins: a CALL, or a resumption.
bool enteredHere(const ProgramState& st) {
    return st.kind == RecordKind::Call || st.eventResumes();
}
// The frame a step command acts on, at depth d of thread t (nullptr at depth 0).
const Frame* frameAt(const ProgramState& st, uint32_t t, uint32_t d) {
    const ThreadState* ts = st.threadState(t);
    return ts && d > 0 && d <= ts->stack.size() ? &ts->stack[d - 1] : nullptr;
}
// Where the frame a step follows across its suspension leaves, and where it comes back, in the
// direction of the search.
bool suspendsHere(const ProgramState& st, bool fwd) {
    return fwd ? st.kind == RecordKind::Yield : st.eventResumes();
}
bool comesBackHere(const ProgramState& st, bool fwd) {
    return fwd ? st.eventResumes() : st.kind == RecordKind::Yield;
}
bool isReturn(RecordKind k) {
    return k == RecordKind::Return || k == RecordKind::Unwind;
}

// co_flags of code whose frames suspend and resume: CO_GENERATOR, CO_COROUTINE,
// CO_ITERABLE_COROUTINE, CO_ASYNC_GENERATOR.
constexpr uint32_t kSuspendableFlags = 0x20 | 0x80 | 0x100 | 0x200;

// Thrown by the cancel check inside a search; caught by the command, which restores the
// position. Never leaves the Navigator.
struct SearchCancelled {};
}  // namespace

class Navigator::Impl {
  public:
    explicit Impl(Replayer& r) : impl(r.impl()), live(impl) {
        impl.requireEvent(impl.base);  // a slice starts at its first event, not 0
        live.seek(impl.base);
    }

    Replayer::Impl& impl;
    Scanner live;
    std::optional<uint32_t> focus;
    std::map<int, Breakpoint> bps;
    std::map<int, std::vector<uint32_t>> bpCodes;  // code ids each breakpoint can hit (sorted)
    std::vector<uint32_t> allBpCodes;              // union over enabled breakpoints (sorted)
    int nextBp = 1;
    bool breakOnRaise = false;
    RaiseFilter raiseFilter;
    std::vector<std::string> raiseTypes;  // by exception index, filled on demand ("" = unknown)
    Navigator::CancelCheck cancel;
    uint32_t pollCounter = 0;

    // Polls the cancel check (every 1024 calls: a call costs about one event's replay).
    void poll() {
        if (cancel && (++pollCounter & 1023) == 0 && cancel()) throw SearchCancelled{};
    }
    void pollNow() {
        if (cancel && cancel()) throw SearchCancelled{};
    }
    // Runs a search command; a cancelled search leaves the position where it was.
    template <class F>
    NavResult guarded(F&& f) {
        const uint64_t orig = pos();
        try {
            return f();
        } catch (const SearchCancelled&) {
            live.seek(orig);
            return {orig, StopReason::Cancelled, false};
        }
    }

    // The exception's type names, "\n"-separated and framed ("\nValueError\nValueError\n
    // builtins.ValueError\n"), for RaiseFilter; "\n" when the type is unknown.
    const std::string& typeNames(size_t index) {
        if (raiseTypes.size() != impl.exceptions.size())
            raiseTypes.assign(impl.exceptions.size(), {});
        std::string& names = raiseTypes[index];
        if (names.empty()) {
            names = "\n";  // looked up; stays "\n" when the type is unknown
            const ValueRef v = impl.exceptions[index].value;
            if (v.kind() == ValueRef::Kind::Record) {
                try {
                    TraceValueSource values(impl.reader);
                    const auto rec = values.fetch(v.recordId()).record;
                    const auto& types = impl.reader.defs().types;
                    if (rec.typeId < types.size()) {
                        const auto& t = types[rec.typeId];
                        names += t.displayName + "\n" + t.qualname + "\n" + t.module + "." +
                                 t.qualname + "\n";
                    }
                } catch (const std::exception&) {
                    // A damaged value record: the type is unknown and matches no name.
                }
            }
        }
        return names;
    }
    bool typeMatches(size_t index) {
        const std::string& names = typeNames(index);
        for (const auto& want : raiseFilter.types)
            if (names.find("\n" + want + "\n") != std::string::npos) return true;
        return false;
    }
    bool raiseAccepted(size_t index) {
        const ExceptionInfo& x = impl.exceptions[index];
        const bool unhandled = x.outcome == ExceptionInfo::Outcome::Uncaught ||
                               x.outcome == ExceptionInfo::Outcome::InFlightAtEnd;
        if (!(unhandled ? raiseFilter.unhandled : raiseFilter.handled)) return false;
        if (!raiseFilter.library && !x.concernsProgram()) return false;
        return raiseFilter.types.empty() || typeMatches(index);
    }

    uint64_t pos() const { return live.event(); }
    uint64_t last() const { return impl.events - 1; }
    uint32_t focusThread() const { return focus ? *focus : live.state().thread; }
    uint64_t blockLast(size_t b) const {
        return impl.blockFirst(b) + impl.blocks[b].eventCount - 1;
    }

    // First event after the position, at most `limit`, for which pred holds (the live scanner
    // stops there). `skip(b)` says block b cannot hold a match. On failure the live scanner is
    // somewhere past the position: callers move it.
    template <class Pred, class Skip>
    std::optional<uint64_t> searchForward(uint64_t limit, Pred&& pred, Skip&& skip) {
        Scanner& s = live;
        bool positioned = true;
        for (size_t b = impl.blockOf(s.event()); b < impl.blocks.size(); ++b) {
            if (impl.blockFirst(b) > limit) break;
            poll();
            const uint64_t bl = blockLast(b);
            if (positioned && s.event() >= bl) continue;  // nothing left of this block
            if (skip(b)) {
                positioned = false;
                continue;
            }
            if (!positioned) s.restoreBlock(b);
            positioned = true;
            while (s.event() < bl && s.event() < limit) {
                s.advance();
                if (pred(s)) return s.event();
                poll();
            }
            if (s.event() >= limit) break;
        }
        return std::nullopt;
    }

    // Last event before the position, at least `lowest`, for which pred holds (the live scanner
    // is moved there). On failure the live scanner is somewhere before the position.
    template <class Pred, class Skip>
    std::optional<uint64_t> searchBackward(uint64_t lowest, Pred&& pred, Skip&& skip) {
        Scanner& s = live;
        const uint64_t cur = s.event();
        if (cur == impl.base || cur <= lowest) return std::nullopt;
        uint64_t upto = cur - 1;
        size_t b = impl.blockOf(upto);
        while (true) {
            poll();
            if (!skip(b)) {
                s.restoreBlock(b);
                std::optional<uint64_t> best;
                while (s.event() == kNoEvent || s.event() < upto) {
                    s.advance();
                    if (s.event() >= lowest && pred(s)) best = s.event();
                    poll();
                }
                if (best) {
                    s.seek(*best);
                    return best;
                }
            }
            if (b == 0 || impl.blockFirst(b) <= lowest) return std::nullopt;
            --b;
            upto = impl.blockFirst(b + 1) - 1;
        }
    }

    // A search that stays put when it finds nothing.
    template <class Pred, class Skip>
    NavResult find(Direction dir, StopReason reason, Pred&& pred, Skip&& skip,
                   uint64_t lowest = 0) {
        return guarded([&] { return findUnguarded(dir, reason, pred, skip, lowest); });
    }
    template <class Pred, class Skip>
    NavResult findUnguarded(Direction dir, StopReason reason, Pred&& pred, Skip&& skip,
                            uint64_t lowest) {
        const uint64_t orig = pos();
        std::optional<uint64_t> e = dir == Direction::Forward ? searchForward(last(), pred, skip)
                                                              : searchBackward(lowest, pred, skip);
        if (e) return {*e, reason, true};
        live.seek(orig);
        return {orig, StopReason::NotFound, false};
    }

    bool threadAbsent(size_t b, uint32_t t) const { return impl.blockThread(b, t) == nullptr; }

    bool suspendable(uint32_t codeId) const {
        const auto& codes = impl.reader.defs().codes;
        return codeId < codes.size() && (codes[codeId].flags & kSuspendableFlags) != 0;
    }
    // The StopIteration a generator or coroutine frame receives when the iterator its `await` /
    // `yield from` runs is exhausted (an awaited coroutine or future finished): CPython raises it
    // in the frame and the frame catches it on the same line. pdb's next/until/return skip it
    // (bdb's dispatch_exception); so do stepOver and stepUntil.
    bool internalStopIteration(const Scanner& s) {
        const ProgramState& st = s.state();
        if (st.kind != RecordKind::Exception) return false;
        const Frame* f = st.eventFrame();
        if (!f || !suspendable(f->codeId)) return false;
        const ThreadState* t = st.threadState(st.thread);
        if (!t || !t->exception || t->exception->raisedAt != st.event) return false;
        if (t->exception->index >= impl.exceptions.size()) return false;
        return typeNames(t->exception->index).find("\nbuiltins.StopIteration\n") !=
               std::string::npos;
    }

    // Breakpoints stop every step command that runs code (step, next, finish, until and their
    // reverses) on whichever thread hits them: the program runs all its threads while the
    // followed one steps, and an all-stop debugger (gdb, rr) stops the whole step there.
    int bpHitAny(const Scanner& s) { return allBpCodes.empty() ? 0 : breakpointHit(s); }
    bool noBpIn(size_t b) const {
        return allBpCodes.empty() || !impl.blockHasAnyCode(b, allBpCodes);
    }

    // Where a step command is: the thread it follows and the depth of the frame it acts on.
    struct Walk {
        uint32_t t = 0;
        uint32_t d = 0;
    };
    struct Found {
        std::optional<uint64_t> event;
        int bp = 0;  // a breakpoint hit stopped the search there
    };
    // The first event after the position on w.t that `target` accepts, or where a breakpoint
    // hits on any thread (the target wins when both hold). `skip(b)`: block b holds no target.
    template <class Target, class Skip>
    Found forwardOn(const Walk& w, Target&& target, Skip&& skip) {
        int hit = 0;
        auto e = searchForward(
            last(),
            [&](const Scanner& s) {
                if (s.state().thread == w.t && target(s)) {
                    hit = 0;
                    return true;
                }
                return (hit = bpHitAny(s)) != 0;
            },
            [&](size_t b) { return skip(b) && noBpIn(b); });
        return {e, e ? hit : 0};
    }
    // The last such event before the position, at least `lowest` (the live scanner is there).
    template <class Target, class Skip>
    Found backwardOn(const Walk& w, Target&& target, Skip&& skip, uint64_t lowest) {
        auto onTarget = [&](const Scanner& s) { return s.state().thread == w.t && target(s); };
        auto accepts = [&](const Scanner& s) { return onTarget(s) || bpHitAny(s) != 0; };
        auto e = searchBackward(lowest, accepts, [&](size_t b) { return skip(b) && noBpIn(b); });
        if (!e) return {};
        // The scan evaluated everything after the match too; evaluate the stop again.
        if (onTarget(live)) return {e, 0};
        return {e, breakpointHit(live)};
    }

    // The next (previous) event at which frame `fid` has an event `edgeOk` accepts,
    // on any thread (a generator may be resumed by another thread), or a breakpoint hits (the
    // program runs on while the frame is suspended).
    template <class EdgeOk>
    Found frameEdge(Direction dir, uint64_t fid, uint32_t codeId, EdgeOk&& edgeOk) {
        const std::vector<uint32_t> codes{codeId};
        auto edge = [&](const Scanner& s) {
            const ProgramState& st = s.state();
            if (!edgeOk(st)) return false;
            const Frame* f = st.eventFrame();
            return f && f->id == fid;
        };
        auto skip = [&](size_t b) { return !impl.blockHasAnyCode(b, codes) && noBpIn(b); };
        if (dir == Direction::Forward) {
            int hit = 0;
            auto e = searchForward(
                last(),
                [&](const Scanner& s) {
                    if (edge(s)) {
                        hit = 0;
                        return true;
                    }
                    return (hit = bpHitAny(s)) != 0;
                },
                skip);
            return {e, e ? hit : 0};
        }
        auto e = searchBackward(
            impl.base, [&](const Scanner& s) { return edge(s) || bpHitAny(s) != 0; }, skip);
        if (!e) return {};
        if (edge(live)) return {e, 0};
        return {e, breakpointHit(live)};
    }
    // Where a step command that acts on a frame starts: the thread it follows, and the depth of
    // that frame (a frame selected `framesUp` above the innermost: its depth whatever the event
    // is, the event belongs to a frame it called). Otherwise, at an exit event going forward the
    // event's frame is already gone, and at an entry event going backward it is not there yet;
    // but at the frame's own suspension (YIELD forward, its resumption backward), with
    // `followSuspension`, it is the frame stepped in, and `atSuspension` says the step starts by
    // following it across.
    Walk start(bool fwd, uint32_t framesUp, bool followSuspension, bool& atSuspension) {
        Walk w{focusThread(), 0};
        const ProgramState& st = live.state();
        const ThreadState* ts = st.threadState(w.t);
        w.d = ts ? static_cast<uint32_t>(ts->depth()) : 0;
        atSuspension = false;
        if (framesUp > 0 && w.d > 1) {
            w.d -= std::min(framesUp, w.d - 1);
        } else if (w.d > 0 && st.thread == w.t && (fwd ? isExit(st.kind) : enteredHere(st))) {
            if (followSuspension && suspendsHere(st, fwd))
                atSuspension = true;
            else
                --w.d;
        }
        return w;
    }

    // A step that starts at its frame's own suspension (start(): atSuspension) follows the frame
    // to where it comes back, and goes on from there. A frame that never comes back (it was not
    // suspended before) leaves the position where it was and the step to its caller: w.d - 1,
    // `fid`/`fcode` that frame's, or no fid when there is none. A breakpoint hit on the way is
    // where the step stops.
    std::optional<NavResult> crossSuspension(Direction dir, uint64_t orig, Walk& w,
                                             std::optional<uint64_t>& fid, uint32_t& fcode) {
        const bool fwd = dir == Direction::Forward;
        Found r = frameEdge(dir, *fid, fcode,
                            [&](const ProgramState& x) { return comesBackHere(x, fwd); });
        if (r.bp) return NavResult{*r.event, StopReason::Breakpoint, true, r.bp};
        if (r.event) {
            follow(w);
            return std::nullopt;
        }
        live.seek(orig);
        --w.d;
        fid.reset();
        if (const Frame* f = frameAt(live.state(), w.t, w.d)) fid = f->id, fcode = f->codeId;
        return std::nullopt;
    }

    // A step command that follows its frame to another thread (a generator resumed elsewhere)
    // makes that thread the focus when the front end had chosen one.
    void follow(Walk& w) {
        w.t = live.state().thread;
        w.d = live.sm.depth();
        if (focus) focus = w.t;
    }

    // next / until: the first (last) event `target` accepts. With `follow` (line granularity),
    // a suspension of frame `fid` is not a stop: forward, its YIELD sends the search on from the
    // frame's next RESUME (the frame's depth there is the new w.d), and a frame that never
    // resumes stops at that YIELD, as pdb's step would; backward, its RESUME sends the search on
    // from the frame's previous YIELD, and without one (a slice that starts while it is
    // suspended) stops at the RESUME. Breakpoints hit on the way stop (Breakpoint).
    // A step command at the end (start) of the trace already, going forward (backward): it stays
    // and says so.
    std::optional<NavResult> atEdge(bool fwd) const {
        const uint64_t orig = pos();
        if (orig != (fwd ? last() : impl.base)) return std::nullopt;
        return NavResult{orig, fwd ? StopReason::AtEnd : StopReason::AtStart, false};
    }
    // A step command that found no stop: to the end (start) of the trace.
    NavResult toEdge(bool fwd, uint64_t orig) {
        const uint64_t end = fwd ? last() : impl.base;
        live.seek(end);
        return {end, fwd ? StopReason::AtEnd : StopReason::AtStart, end != orig};
    }

    template <class Target, class Skip>
    NavResult followFrame(Direction dir, uint64_t orig, Walk& w, std::optional<uint64_t> fid,
                          uint32_t fcode, bool followSuspension, Target&& target, Skip&& skip) {
        const bool fwd = dir == Direction::Forward;
        while (true) {
            Found e = fwd ? forwardOn(w, target, skip) : backwardOn(w, target, skip, impl.base);
            if (!e.event) return toEdge(fwd, orig);
            if (e.bp) return {*e.event, StopReason::Breakpoint, true, e.bp};
            const ProgramState& st = live.state();
            const Frame* ef = st.eventFrame();
            if (!followSuspension || !fid || !suspendsHere(st, fwd) || !ef || ef->id != *fid)
                return {*e.event, StopReason::Step, true};
            const uint64_t at = *e.event;
            Found r = frameEdge(dir, *fid, fcode,
                                [&](const ProgramState& x) { return comesBackHere(x, fwd); });
            if (r.bp) return {*r.event, StopReason::Breakpoint, true, r.bp};
            if (!r.event) {
                live.seek(at);
                return {at, StopReason::Step, true};
            }
            follow(w);
        }
    }

    // Runs a command that runs the program (a step, continue): see settle().
    template <class F>
    NavResult command(F&& f) {
        const uint32_t from = focusThread();
        return settle(guarded(std::forward<F>(f)), from);
    }
    // Removes a temporary breakpoint a command stopped at. A stop on another thread than the one
    // the command followed (`from`: a breakpoint or raise there, or the frame it followed resumed
    // there) makes that thread the followed one, as gdb's "[Switching to thread N]": the next
    // step goes on where the user now looks.
    NavResult settle(NavResult r, uint32_t from) {
        if (r.reason == StopReason::Breakpoint) {
            auto it = bps.find(r.breakpointId);
            if (it != bps.end() && it->second.temporary) {
                bps.erase(it);
                bpCodes.erase(r.breakpointId);
                rebuildBpCodes();
            }
        }
        const bool stop = r.reason == StopReason::Step || r.reason == StopReason::Breakpoint ||
                          r.reason == StopReason::Exception;
        if (r.moved && stop && live.state().thread != from) {
            r.threadSwitched = true;
            if (focus) focus = live.state().thread;
        }
        return r;
    }

    void rebuildBpCodes() {
        allBpCodes.clear();
        for (const auto& [id, bp] : bps)
            if (bp.enabled)
                allBpCodes.insert(allBpCodes.end(), bpCodes[id].begin(), bpCodes[id].end());
        std::sort(allBpCodes.begin(), allBpCodes.end());
        allBpCodes.erase(std::unique(allBpCodes.begin(), allBpCodes.end()), allBpCodes.end());
    }

    // The breakpoint hit at the scanner's event, or 0; with `only`, that breakpoint's hit
    // (enabled or not).
    int breakpointHit(const Scanner& s, int only = 0) {
        // Like pdb: breakpoints fire where a line starts running, not at calls, returns or
        // exceptions that report the same line.
        if (!s.sm.lineStop() || s.state().kind != RecordKind::Opcode) return 0;
        const Frame* f = s.state().eventFrame();
        if (!f) return 0;
        if (!only && !std::binary_search(allBpCodes.begin(), allBpCodes.end(), f->codeId)) return 0;
        for (const auto& [id, bp] : bps) {
            if (only ? id != only : !bp.enabled) continue;
            if (bp.function.empty() ? bp.line != f->line : !s.sm.callStart()) continue;
            const auto& codes = bpCodes[id];
            if (!std::binary_search(codes.begin(), codes.end(), f->codeId)) continue;
            if (bp.condition && !bp.condition(s.state(), *f)) continue;
            return id;
        }
        return 0;
    }
};

Navigator::Navigator(Replayer& replayer) : impl_(std::make_unique<Impl>(replayer)) {}
Navigator::~Navigator() = default;

uint64_t Navigator::position() const {
    return impl_->pos();
}
const ProgramState& Navigator::state() const {
    return impl_->live.state();
}
bool Navigator::atStart() const {
    return impl_->pos() == impl_->impl.base;
}
bool Navigator::atEnd() const {
    return impl_->pos() == impl_->last();
}
void Navigator::setFocusThread(std::optional<uint32_t> thread) {
    impl_->focus = thread;
}
uint32_t Navigator::focusThread() const {
    return impl_->focusThread();
}

NavResult Navigator::goTo(uint64_t n) {
    impl_->impl.requireEvent(n);
    const uint64_t orig = impl_->pos();
    impl_->live.seek(n);
    return {n, StopReason::Target, n != orig};
}
NavResult Navigator::goToStart() {
    NavResult r = goTo(impl_->impl.base);
    r.reason = StopReason::AtStart;
    return r;
}
NavResult Navigator::goToEnd() {
    NavResult r = goTo(impl_->last());
    r.reason = StopReason::AtEnd;
    return r;
}

NavResult Navigator::stepInto(Direction dir, Granularity g) {
    Impl& m = *impl_;
    return m.command([&]() -> NavResult {
        const bool fwd = dir == Direction::Forward;
        const uint64_t orig = m.pos();
        if (auto stay = m.atEdge(fwd)) return *stay;
        const bool instr = g == Granularity::Instruction;
        const Impl::Walk w{m.focusThread(), 0};
        auto target = [&](const Scanner& s) { return instr || s.sm.lineStop(); };
        auto skip = [&](size_t b) { return m.threadAbsent(b, w.t); };
        Impl::Found e = fwd ? m.forwardOn(w, target, skip)
                            : m.backwardOn(w, target, skip, m.impl.base);
        if (!e.event) return m.toEdge(fwd, orig);
        if (e.bp) return {*e.event, StopReason::Breakpoint, true, e.bp};
        return {*e.event, StopReason::Step, true};
    });
}

NavResult Navigator::stepOver(Direction dir, Granularity g, uint32_t framesUp) {
    Impl& m = *impl_;
    return m.command([&]() -> NavResult {
        const bool fwd = dir == Direction::Forward;
        const uint64_t orig = m.pos();
        if (auto stay = m.atEdge(fwd)) return *stay;
        const bool line = g == Granularity::Line;
        bool atSuspension = false;
        Impl::Walk w = m.start(fwd, framesUp, line, atSuspension);
        std::optional<uint64_t> fid;
        uint32_t fcode = 0;
        if (const Frame* f = frameAt(m.live.state(), w.t, w.d)) fid = f->id, fcode = f->codeId;
        if (atSuspension)
            if (auto stop = m.crossSuspension(dir, orig, w, fid, fcode)) return *stop;
        auto target = [&](const Scanner& s) {
            return s.sm.depth() <= w.d &&
                   (!line || (s.sm.lineStop() && !m.internalStopIteration(s)));
        };
        auto skip = [&](size_t b) {
            const ThreadSummary* x = m.impl.blockThread(b, w.t);
            return !x || x->minDepth > w.d;
        };
        return m.followFrame(dir, orig, w, fid, fcode, line, target, skip);
    });
}

NavResult Navigator::stepOut(Direction dir, uint32_t framesUp) {
    Impl& m = *impl_;
    return m.command([&]() -> NavResult {
        const bool fwd = dir == Direction::Forward;
        const uint64_t orig = m.pos();
        if (auto stay = m.atEdge(fwd)) return *stay;
        Impl::Walk w{m.focusThread(), 0};
        const ThreadState* ts = m.live.state().threadState(w.t);
        w.d = ts ? static_cast<uint32_t>(ts->depth()) : 0;
        if (w.d > 1) w.d -= std::min(framesUp, w.d - 1);  // the selected frame's depth
        std::optional<uint64_t> fid;
        uint32_t fcode = 0;
        uint64_t callEvent = kNoEvent, activation = kNoEvent;
        if (const Frame* f = frameAt(m.live.state(), w.t, w.d)) {
            fid = f->id;
            fcode = f->codeId;
            callEvent = f->callEvent;
            activation = f->activationEvent;
        }
        auto target = [&](const Scanner& s) { return s.sm.depth() < w.d; };
        auto skip = [&](size_t b) {
            const ThreadSummary* x = m.impl.blockThread(b, w.t);
            return !x || x->minDepth >= w.d;
        };
        if (!fwd) {
            // A generator or coroutine frame resumed since its first call: back to before that
            // call, the mirror of running until it really returns.
            if (fid && callEvent != activation && callEvent != kNoEvent &&
                callEvent >= m.impl.base && callEvent < orig) {
                if (!m.allBpCodes.empty()) {
                    Impl::Found b = m.backwardOn(
                        w, [](const Scanner&) { return false; }, [](size_t) { return true; },
                        callEvent + 1);
                    if (b.event) return {*b.event, StopReason::Breakpoint, true, b.bp};
                }
                m.live.seek(callEvent);
                m.follow(w);
            }
            Impl::Found e = m.backwardOn(w, target, skip, m.impl.base);
            if (!e.event) return m.toEdge(fwd, orig);
            if (e.bp) return {*e.event, StopReason::Breakpoint, true, e.bp};
            return {*e.event, StopReason::Step, true};
        }
        Impl::Found e = m.forwardOn(w, target, skip);
        if (!e.event) return m.toEdge(fwd, orig);
        if (e.bp) return {*e.event, StopReason::Breakpoint, true, e.bp};
        if (!fid || !m.live.state().suspended.count(*fid))
            return {*e.event, StopReason::Step, true};
        // The frame suspended (a generator yielded, a coroutine awaits): finish runs on until
        // it really returns or unwinds, then to its caller there.
        Impl::Found r = m.frameEdge(dir, *fid, fcode,
                                    [](const ProgramState& x) { return isReturn(x.kind); });
        if (!r.event) return m.toEdge(fwd, orig);
        if (r.bp) return {*r.event, StopReason::Breakpoint, true, r.bp};
        m.follow(w);
        e = m.forwardOn(w, target, skip);
        if (!e.event) return m.toEdge(fwd, orig);
        if (e.bp) return {*e.event, StopReason::Breakpoint, true, e.bp};
        return {*e.event, StopReason::Step, true};
    });
}

NavResult Navigator::stepUntil(Direction dir, std::optional<int32_t> line, uint32_t framesUp) {
    Impl& m = *impl_;
    const bool fwd = dir == Direction::Forward;
    const uint64_t orig = m.pos();
    bool atSuspension = false;
    Impl::Walk w = m.start(fwd, framesUp, true, atSuspension);
    const Frame* f = frameAt(m.live.state(), w.t, w.d);
    if (!f) return {orig, StopReason::NotFound, false};
    const int32_t cur = f->line;
    if (line && (fwd ? *line <= cur : *line >= cur))
        throw std::invalid_argument("line " + std::to_string(*line) + " is not " +
                                    (fwd ? "after" : "before") + " the current line (" +
                                    std::to_string(cur) + ")");
    const int32_t bound = line ? *line : fwd ? cur + 1 : cur - 1;
    std::optional<uint64_t> fid = f->id;
    uint32_t fcode = f->codeId;
    return m.command([&]() -> NavResult {
        if (auto stay = m.atEdge(fwd)) return *stay;
        if (atSuspension) {
            if (auto stop = m.crossSuspension(dir, orig, w, fid, fcode)) return *stop;
            // A frame that never resumes: its caller's, with the same bound.
            if (!fid) return {orig, StopReason::NotFound, false};
        }
        auto target = [&](const Scanner& s) {
            const ProgramState& x = s.state();
            const Frame* ef = x.eventFrame();
            if (!ef || ef->id != *fid) return false;
            // The frame's own edges: it returns (or suspends, followed) going forward; its call
            // (or resume, followed) going backward.
            if (fwd ? isExit(x.kind) : enteredHere(x)) return true;
            return x.kind == RecordKind::Opcode && s.sm.lineStop() &&
                   (fwd ? ef->line >= bound : ef->line <= bound);
        };
        const std::vector<uint32_t> codes{fcode};
        auto skip = [&](size_t b) {
            return m.threadAbsent(b, w.t) || !m.impl.blockHasAnyCode(b, codes);
        };
        return m.followFrame(dir, orig, w, fid, fcode, true, target, skip);
    });
}

int Navigator::addBreakpoint(Breakpoint bp) {
    std::vector<uint32_t> codes = breakpointCodes(bp);
    if (!bp.function.empty() && codes.empty())
        throw std::invalid_argument(
            "no function named '" + bp.function + "'" +
            (bp.file.empty() ? "" : " in a file matching '" + bp.file + "'") +
            " ran in this trace");
    const int id = impl_->nextBp++;
    impl_->bpCodes[id] = std::move(codes);
    impl_->bps.emplace(id, std::move(bp));
    impl_->rebuildBpCodes();
    return id;
}

std::vector<uint32_t> Navigator::breakpointCodes(const Breakpoint& bp) const {
    std::vector<uint32_t> codes;
    const auto& defs = impl_->impl.reader.defs();
    for (const auto& c : defs.codes) {
        const bool file = (bp.file.empty() && !bp.function.empty()) ||
                          codeInFile(defs, c, bp.file);
        if (!file) continue;
        if (!bp.function.empty()) {
            if (c.name == bp.function || c.qualname == bp.function) codes.push_back(c.id);
            continue;
        }
        bool line = c.firstLine == bp.line;  // CALL events report the first line
        for (const auto& in : c.instructions) line = line || in.line == bp.line;
        if (line) codes.push_back(c.id);
    }
    std::sort(codes.begin(), codes.end());
    return codes;
}

std::vector<uint32_t> Navigator::breakpointCodes(int id) const {
    auto it = impl_->bpCodes.find(id);
    return it == impl_->bpCodes.end() ? std::vector<uint32_t>{} : it->second;
}

bool Navigator::removeBreakpoint(int id) {
    impl_->bpCodes.erase(id);
    bool removed = impl_->bps.erase(id) > 0;
    impl_->rebuildBpCodes();
    return removed;
}

void Navigator::clearBreakpoints() {
    impl_->bps.clear();
    impl_->bpCodes.clear();
    impl_->rebuildBpCodes();
}

const Breakpoint* Navigator::breakpoint(int id) const {
    auto it = impl_->bps.find(id);
    return it == impl_->bps.end() ? nullptr : &it->second;
}

std::vector<int> Navigator::breakpointIds() const {
    std::vector<int> ids;
    for (const auto& [id, bp] : impl_->bps) ids.push_back(id);
    return ids;
}

bool Navigator::setBreakpointEnabled(int id, bool enabled) {
    auto it = impl_->bps.find(id);
    if (it == impl_->bps.end()) return false;
    it->second.enabled = enabled;
    impl_->rebuildBpCodes();
    return true;
}

void Navigator::setBreakOnRaise(bool on) {
    impl_->breakOnRaise = on;
}
bool Navigator::breakOnRaise() const {
    return impl_->breakOnRaise;
}
void Navigator::setRaiseFilter(RaiseFilter filter) {
    impl_->raiseFilter = std::move(filter);
    impl_->breakOnRaise = true;
}
const RaiseFilter& Navigator::raiseFilter() const {
    return impl_->raiseFilter;
}
void Navigator::setCancelCheck(CancelCheck check) {
    impl_->cancel = std::move(check);
}

NavResult Navigator::continueRun(Direction dir) {
    return impl_->command([&] { return continueUnguarded(dir); });
}

NavResult Navigator::continueUnguarded(Direction dir) {
    Impl& m = *impl_;
    const uint64_t orig = m.pos();
    const auto& ex = m.impl.exceptions;
    int hit = 0;
    auto pred = [&](const Scanner& s) { return (hit = m.breakpointHit(s)) != 0; };
    auto skip = [&](size_t b) { return !m.impl.blockHasAnyCode(b, m.allBpCodes); };
    const bool anyBp = !m.allBpCodes.empty();
    if (dir == Direction::Forward) {
        if (orig == m.last()) return {orig, StopReason::AtEnd, false};
        std::optional<uint64_t> raise;
        if (m.breakOnRaise) {
            auto it =
                std::upper_bound(ex.begin(), ex.end(), orig,
                                 [](uint64_t e, const ExceptionInfo& x) { return e < x.raisedAt; });
            for (; it != ex.end() && !raise; ++it) {
                if (m.raiseAccepted(static_cast<size_t>(it - ex.begin()))) raise = it->raisedAt;
                m.poll();
            }
        }
        const uint64_t limit = raise ? *raise - 1 : m.last();
        if (anyBp && limit > orig)
            if (auto e = m.searchForward(limit, pred, skip))
                return {*e, StopReason::Breakpoint, true, hit};
        if (raise) {
            m.live.seek(*raise);
            return {*raise, StopReason::Exception, true};
        }
        m.live.seek(m.last());
        return {m.last(), StopReason::AtEnd, true};
    }
    if (orig == m.impl.base) return {orig, StopReason::AtStart, false};
    std::optional<uint64_t> raise;
    if (m.breakOnRaise) {
        auto it =
            std::lower_bound(ex.begin(), ex.end(), orig,
                             [](const ExceptionInfo& x, uint64_t e) { return x.raisedAt < e; });
        while (it != ex.begin() && !raise) {
            --it;
            if (m.raiseAccepted(static_cast<size_t>(it - ex.begin()))) raise = it->raisedAt;
            m.poll();
        }
    }
    const uint64_t lowest = raise ? *raise + 1 : 0;
    if (anyBp && lowest < orig)
        if (auto e = m.searchBackward(lowest, pred, skip)) {
            // The backward scan leaves `hit` at its last evaluation; re-evaluate at the stop.
            return {*e, StopReason::Breakpoint, true, m.breakpointHit(m.live)};
        }
    if (raise) {
        m.live.seek(*raise);
        return {*raise, StopReason::Exception, true};
    }
    m.live.seek(m.impl.base);
    return {m.impl.base, StopReason::AtStart, true};
}

NavResult Navigator::runTo(Direction dir, Breakpoint location) {
    if (breakpointCodes(location).empty())
        throw std::invalid_argument(
            location.function.empty()
                ? "no code at " + location.file + ":" + std::to_string(location.line) +
                      " ran in this trace"
                : "no function named '" + location.function + "' ran in this trace");
    location.temporary = true;
    location.enabled = true;
    const int id = addBreakpoint(std::move(location));
    // Gone whatever happens: reached (continueRun deleted it), not reached, cancelled, damage.
    struct Remove {
        Navigator& nav;
        int id;
        ~Remove() { nav.removeBreakpoint(id); }
    } remove{*this, id};
    NavResult r = continueRun(dir);
    if (r.reason == StopReason::Breakpoint && r.breakpointId == id) {
        r.reason = StopReason::Target;
        r.breakpointId = -1;
    }
    return r;
}

NavResult Navigator::toBreakpointHit(Direction dir, int id) {
    Impl& m = *impl_;
    if (!m.bps.count(id)) throw std::out_of_range("no breakpoint " + std::to_string(id));
    const std::vector<uint32_t>& codes = m.bpCodes[id];
    const uint32_t from = m.focusThread();
    NavResult r = m.find(
        dir, StopReason::Breakpoint, [&](const Scanner& s) { return m.breakpointHit(s, id) != 0; },
        [&](size_t b) { return !m.impl.blockHasAnyCode(b, codes); });
    if (r.reason == StopReason::Breakpoint) r.breakpointId = id;
    return m.settle(r, from);
}

NavResult Navigator::toException(Direction dir, bool library) {
    Impl& m = *impl_;
    const uint64_t orig = m.pos();
    const auto& ex = m.impl.exceptions;
    auto wanted = [&](const ExceptionInfo& x) { return library || x.concernsProgram(); };
    std::optional<uint64_t> target;
    if (dir == Direction::Forward) {
        auto it =
            std::upper_bound(ex.begin(), ex.end(), orig,
                             [](uint64_t e, const ExceptionInfo& x) { return e < x.raisedAt; });
        it = std::find_if(it, ex.end(), wanted);
        if (it != ex.end()) target = it->raisedAt;
    } else {
        auto it =
            std::lower_bound(ex.begin(), ex.end(), orig,
                             [](const ExceptionInfo& x, uint64_t e) { return x.raisedAt < e; });
        auto back = std::find_if(std::make_reverse_iterator(it), ex.rend(), wanted);
        if (back != ex.rend()) target = back->raisedAt;
    }
    if (!target) return {orig, StopReason::NotFound, false};
    m.live.seek(*target);
    return {*target, StopReason::Exception, true};
}

NavResult Navigator::toLocalChange(Direction dir, uint64_t frameId, LocalKey key) {
    Impl& m = *impl_;
    const Frame* f = m.live.state().findFrame(frameId);
    std::vector<uint32_t> codes;
    if (f) codes.push_back(f->codeId);
    const uint64_t lowest = f && f->callEvent != kNoEvent ? f->callEvent : 0;
    bool frameEnded = false;
    auto pred = [&](const Scanner& s) {
        for (const auto& c : s.sm.changes())
            if (c.frameId == frameId && c.key == key) return true;
        // A frame that returned or unwound never changes again: stop there.
        const ProgramState& st = s.state();
        if (dir == Direction::Forward &&
            (st.kind == RecordKind::Return || st.kind == RecordKind::Unwind)) {
            const Frame* ef = st.eventFrame();
            if (ef && ef->id == frameId) return frameEnded = true;
        }
        return false;
    };
    // Without the frame's code (it is not alive here) no block can be ruled out.
    auto skip = [&](size_t b) { return f && !m.impl.blockHasAnyCode(b, codes); };
    const uint64_t orig = m.pos();
    NavResult r = m.find(dir, StopReason::Watch, pred, skip, lowest);
    if (frameEnded && r.moved) {
        m.live.seek(orig);
        return {orig, StopReason::NotFound, false};
    }
    return r;
}

NavResult Navigator::toFrameCall(size_t stackIndex) {
    const uint32_t t = impl_->focusThread();
    const ThreadState* ts = impl_->live.state().threadState(t);
    if (!ts || stackIndex >= ts->stack.size())
        throw std::out_of_range("stack index " + std::to_string(stackIndex) +
                                " is out of range: thread " + std::to_string(t) + " has " +
                                std::to_string(ts ? ts->stack.size() : 0) + " frames");
    const uint64_t e = ts->stack[stackIndex].callEvent;
    NavResult r = goTo(e);
    r.reason = StopReason::FrameEdge;
    return r;
}

NavResult Navigator::toFrameReturn(size_t stackIndex) {
    Impl& m = *impl_;
    const uint32_t t = m.focusThread();
    const ProgramState& st = m.live.state();
    const ThreadState* ts = st.threadState(t);
    if (!ts || stackIndex >= ts->stack.size())
        throw std::out_of_range("stack index " + std::to_string(stackIndex) +
                                " is out of range: thread " + std::to_string(t) + " has " +
                                std::to_string(ts ? ts->stack.size() : 0) + " frames");
    const uint64_t frameId = ts->stack[stackIndex].id;
    if (ts->stack[stackIndex].exiting) return {m.pos(), StopReason::FrameEdge, false};
    const uint32_t depth = static_cast<uint32_t>(stackIndex + 1);
    NavResult r = m.find(
        Direction::Forward, StopReason::FrameEdge,
        [&](const Scanner& s) {
            const ProgramState& x = s.state();
            if (x.thread != t || s.sm.depth() != depth || !isExit(x.kind)) return false;
            const Frame* ef = x.eventFrame();
            return ef && ef->id == frameId;
        },
        [&](size_t b) {
            const ThreadSummary* x = m.impl.blockThread(b, t);
            return !x || x->minDepth > depth || x->maxDepth < depth;
        });
    return r;
}

NavResult Navigator::toThreadEvent(Direction dir, uint32_t thread) {
    return impl_->find(
        dir, StopReason::Target, [&](const Scanner& s) { return s.state().thread == thread; },
        [&](size_t b) { return impl_->threadAbsent(b, thread); });
}

NavResult Navigator::toThreadSwitch(Direction dir) {
    const uint32_t cur = impl_->live.state().thread;
    return impl_->find(
        dir, StopReason::Target, [&](const Scanner& s) { return s.state().thread != cur; },
        [&](size_t b) {
            auto threads = impl_->impl.blockThreads(b);
            return threads.size() == 1 && threads[0].thread == cur;
        });
}

}  // namespace reel::replayer
