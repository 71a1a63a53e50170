#include <catch2/catch.hpp>

#include <functional>
#include <random>

#include "reel/replayer/EventCursor.h"
#include "reel/replayer/Navigator.h"
#include "reel/replayer/Replayer.h"
#include "replayer/RandomProgram.h"
#include "replayer/ReplayFixture.h"

using namespace reel::test;
using namespace reel::replayer;
using reel::format::TraceReader;

namespace {

bool isExit(RecordKind k) {
    return k == RecordKind::Return || k == RecordKind::Yield || k == RecordKind::Unwind;
}

// Per-event facts computed straight from sequential states, independently of the navigator: the
// reference the navigation commands are checked against (linear scans of the definitions in
// docs/replayer.md).
struct Reference {
    std::vector<ProgramState> states;
    std::vector<uint8_t> stop;  // line-granularity stop
    // The frame comes back from a suspension here: a RESUME, or (REENTER) the first event of a
    // suspended frame that runs on without one.
    std::vector<uint8_t> resumed;

    explicit Reference(const std::filesystem::path& path) {
        TraceReader reader(path);
        EventCursor cur(reader);
        struct Last {
            bool goesOn;  // an OPCODE or RESUME since the frame's CALL
            int32_t line, lasti;
            bool yielded;  // its last event suspended it
        };
        std::map<uint64_t, Last> last;  // previous event of each frame
        const auto& codes = reader.defs().codes;
        auto isSend = [&](const Frame& f) {
            const int i = codes[f.codeId].instructionAt(static_cast<uint32_t>(f.lasti));
            return i >= 0 && codes[f.codeId].instructions[static_cast<size_t>(i)].opname == "SEND";
        };
        while (cur.next()) {
            const ProgramState& s = cur.state();
            const Frame* f = s.eventFrame();
            bool st = true;
            auto it = last.find(f->id);
            // After a RESUME the frame goes on from the yield's position (no line start for the
            // rest of the yield's line), as after an OPCODE; an EXCEPTION does not end the line.
            // A suspended frame seen again without a RESUME was reentered (REENTER): that event
            // is a stop, as a RESUME is, and the frame goes on from the yield's position too.
            const bool reentered =
                it != last.end() && it->second.yielded && s.kind != RecordKind::Resume;
            const bool goesOn = it != last.end() && (it->second.goesOn || reentered);
            if (s.kind == RecordKind::Opcode)
                st = f->line >= 0 && (!goesOn || reentered || f->line != it->second.line ||
                                      (f->lasti <= it->second.lasti && !isSend(*f)));
            const bool nowGoesOn = s.kind == RecordKind::Opcode || s.kind == RecordKind::Resume ||
                                   (s.kind == RecordKind::Exception && goesOn);
            resumed.push_back(s.kind == RecordKind::Resume || reentered);
            last[f->id] = {nowGoesOn, f->line, f->lasti, s.kind == RecordKind::Yield};
            states.push_back(s);
            stop.push_back(st);
        }
    }
    uint64_t lastEvent() const { return states.size() - 1; }
    uint32_t depth(uint64_t n, uint32_t t) const {
        const ThreadState* ts = states[n].threadState(t);
        return ts ? static_cast<uint32_t>(ts->stack.size()) : 0;
    }
    template <class P>
    std::optional<uint64_t> first(uint64_t p, P pred) const {
        for (uint64_t n = p + 1; n < states.size(); ++n)
            if (pred(n)) return n;
        return std::nullopt;
    }
    template <class P>
    std::optional<uint64_t> lastBefore(uint64_t p, P pred, uint64_t lowest = 0) const {
        for (uint64_t n = p; n-- > lowest;)
            if (pred(n)) return n;
        return std::nullopt;
    }
};

// Expected position of a step-like command (nothing found: to the end / start).
uint64_t stepTarget(const Reference& ref, Direction dir, uint64_t p,
                    std::optional<uint64_t> found) {
    if (found) return *found;
    return dir == Direction::Forward ? ref.lastEvent() : 0;
}

// The step commands (stepInto, stepOver, stepOut, stepUntil) as linear scans of their
// definitions in docs/replayer.md, with breakpoint hits (`hit(n)`: a breakpoint hits at event n,
// whatever its thread) stopping them on the way. The random programs' generator code has no
// CO_GENERATOR flag, so the StopIteration rule never applies here (it has its own test).
struct Expected {
    uint64_t event = 0;
    bool bp = false;  // stopped by a breakpoint hit
    bool notFound = false;
};
struct StepModel {
    const Reference& ref;
    std::function<bool(uint64_t)> hit = [](uint64_t) { return false; };

    const Frame* frameAt(uint64_t n, uint32_t t, uint32_t d) const {
        const ThreadState* ts = ref.states[n].threadState(t);
        return ts && d > 0 && d <= ts->stack.size() ? &ts->stack[d - 1] : nullptr;
    }
    uint64_t frameOf(uint64_t n) const {
        const Frame* f = ref.states[n].eventFrame();
        return f ? f->id : ~uint64_t{0};
    }
    std::optional<uint64_t> scan(bool fwd, uint64_t from, const std::function<bool(uint64_t)>& p,
                                 uint64_t lowest = 0) const {
        return fwd ? ref.first(from, p) : ref.lastBefore(from, p, lowest);
    }
    Expected end(bool fwd) const { return {fwd ? ref.lastEvent() : 0}; }
    // Where a frame followed across its suspension leaves and comes back, in the direction of
    // the search.
    bool leaves(uint64_t n, bool fwd) const {
        return fwd ? ref.states[n].kind == RecordKind::Yield : ref.resumed[n] != 0;
    }
    bool comesBack(uint64_t n, bool fwd) const { return leaves(n, !fwd); }
    bool entry(uint64_t n) const {
        return ref.states[n].kind == RecordKind::Call || ref.resumed[n] != 0;
    }

    // step: the next event on t that is a stop, or a breakpoint hit.
    Expected into(uint64_t p, bool fwd, bool instr) const {
        const uint32_t t = ref.states[p].thread;
        auto mine = [&](uint64_t n) {
            return ref.states[n].thread == t && (instr || ref.stop[n] != 0);
        };
        auto e = scan(fwd, p, [&](uint64_t n) { return mine(n) || hit(n); });
        if (!e) return end(fwd);
        return {*e, !mine(*e)};
    }

    // next/until's loop: target on t or a breakpoint hit; a suspension of `fid` is followed.
    Expected follow(bool fwd, uint64_t cur, uint32_t t, uint32_t d, std::optional<uint64_t> fid,
                    bool followSuspension,
                    const std::function<bool(uint64_t, uint32_t, uint32_t)>& target) const {
        while (true) {
            auto mine = [&](uint64_t n) { return ref.states[n].thread == t && target(n, t, d); };
            auto e = scan(fwd, cur, [&](uint64_t n) { return mine(n) || hit(n); });
            if (!e) return end(fwd);
            if (!mine(*e)) return {*e, true};
            if (!followSuspension || !fid || !leaves(*e, fwd) || frameOf(*e) != *fid)
                return {*e};
            auto r = scan(fwd, *e, [&](uint64_t n) {
                return (comesBack(n, fwd) && frameOf(n) == *fid) || hit(n);
            });
            if (!r) return {*e};
            if (!(comesBack(*r, fwd) && frameOf(*r) == *fid)) return {*r, true};
            cur = *r;
            t = ref.states[*r].thread;
            d = ref.depth(*r, t);
        }
    }

    Expected over(uint64_t p, bool fwd, bool line, uint32_t k) const {
        const ProgramState& sp = ref.states[p];
        uint32_t t = sp.thread, d = ref.depth(p, t);
        bool atSuspension = false;
        if (k > 0 && d > 1)
            d -= std::min(k, d - 1);
        else if (d > 0 && (fwd ? isExit(sp.kind) : entry(p))) {
            if (line && leaves(p, fwd))
                atSuspension = true;
            else
                --d;
        }
        std::optional<uint64_t> fid;
        if (const Frame* f = frameAt(p, t, d)) fid = f->id;
        uint64_t cur = p;
        if (atSuspension) {
            auto r = scan(fwd, p, [&](uint64_t n) {
                return (comesBack(n, fwd) && frameOf(n) == *fid) || hit(n);
            });
            if (r && !(comesBack(*r, fwd) && frameOf(*r) == *fid)) return {*r, true};
            if (r) {
                cur = *r;
                t = ref.states[*r].thread;
                d = ref.depth(*r, t);
            } else {
                --d;
                fid.reset();
                if (const Frame* f = frameAt(p, t, d)) fid = f->id;
            }
        }
        return follow(fwd, cur, t, d, fid, line, [&](uint64_t n, uint32_t tt, uint32_t dd) {
            return ref.depth(n, tt) <= dd && (!line || ref.stop[n]);
        });
    }

    Expected out(uint64_t p, bool fwd, uint32_t k) const {
        uint32_t t = ref.states[p].thread, d = ref.depth(p, t);
        if (d > 1) d -= std::min(k, d - 1);
        const Frame* f = frameAt(p, t, d);
        auto mine = [&](uint64_t n) {
            return ref.states[n].thread == t && ref.depth(n, t) < d;
        };
        auto below = [&](uint64_t from) {
            return scan(fwd, from, [&](uint64_t n) { return mine(n) || hit(n); });
        };
        auto result = [&](std::optional<uint64_t> e) -> Expected {
            if (!e) return end(fwd);
            return {*e, !mine(*e)};
        };
        if (!fwd) {
            uint64_t cur = p;
            if (f && f->callEvent != f->activationEvent && f->callEvent < p) {
                auto b = scan(
                    false, p, [&](uint64_t n) { return hit(n); }, f->callEvent + 1);
                if (b) return {*b, true};
                cur = f->callEvent;
                t = ref.states[cur].thread;
                d = ref.depth(cur, t);
            }
            return result(below(cur));
        }
        auto e = below(p);
        if (!e || !f || !mine(*e) || !ref.states[*e].suspended.count(f->id))
            return result(e);
        const uint64_t fid = f->id;
        auto r = scan(true, *e, [&](uint64_t n) {
            const RecordKind kd = ref.states[n].kind;
            return ((kd == RecordKind::Return || kd == RecordKind::Unwind) && frameOf(n) == fid) ||
                   hit(n);
        });
        if (!r) return end(true);
        if (frameOf(*r) != fid || ref.states[*r].kind == RecordKind::Opcode) return {*r, true};
        t = ref.states[*r].thread;
        d = ref.depth(*r, t);
        return result(below(*r));
    }

    Expected until(uint64_t p, bool fwd, std::optional<int32_t> line, uint32_t k) const {
        const ProgramState& sp = ref.states[p];
        uint32_t t = sp.thread, d = ref.depth(p, t);
        bool atSuspension = false;
        if (k > 0 && d > 1)
            d -= std::min(k, d - 1);
        else if (d > 0 && (fwd ? isExit(sp.kind) : entry(p))) {
            if (leaves(p, fwd))
                atSuspension = true;
            else
                --d;
        }
        const Frame* f = frameAt(p, t, d);
        if (!f) return {p, false, true};
        const int32_t bound = line ? *line : fwd ? f->line + 1 : f->line - 1;
        uint64_t fid = f->id;
        uint64_t cur = p;
        if (atSuspension) {
            auto r = scan(fwd, p, [&](uint64_t n) {
                return (comesBack(n, fwd) && frameOf(n) == fid) || hit(n);
            });
            if (r && !(comesBack(*r, fwd) && frameOf(*r) == fid)) return {*r, true};
            if (r) {
                cur = *r;
                t = ref.states[*r].thread;
                d = ref.depth(*r, t);
            } else {
                const Frame* c = frameAt(p, t, --d);
                if (!c) return {p, false, true};
                fid = c->id;
            }
        }
        return follow(fwd, cur, t, d, fid, true, [&](uint64_t n, uint32_t, uint32_t) {
            const ProgramState& s = ref.states[n];
            if (frameOf(n) != fid) return false;
            if (fwd ? isExit(s.kind) : entry(n)) return true;
            if (s.kind != RecordKind::Opcode) return false;
            const int32_t l = s.eventFrame()->line;
            return ref.stop[n] != 0 && (fwd ? l >= bound : l <= bound);
        });
    }
};

}  // namespace

TEST_CASE("navigation commands match linear scans of their definitions", "[replayer][navigation]") {
    TempDir dir;
    const uint64_t seed = GENERATE(11, 12);
    ProgramBuilder pb(333);
    randomProgram(pb, {seed, 6000, 3});
    pb.write(dir / "n.reel");
    const Reference ref(dir / "n.reel");
    Replayer::Options opt;
    opt.checkpointInterval = GENERATE(16u, 128u);
    Replayer rep(dir / "n.reel", opt);
    Navigator nav(rep);

    const StepModel model{ref};

    std::mt19937_64 rng(seed);
    std::vector<uint64_t> positions{0, ref.lastEvent(), ref.lastEvent() - 1, 1};
    for (int i = 0; i < 150; ++i) positions.push_back(rng() % ref.states.size());

    for (uint64_t p : positions) {
        const ProgramState& sp = ref.states[p];
        const uint32_t t = sp.thread;
        const uint32_t dT = ref.depth(p, t);
        for (Direction dir : {Direction::Forward, Direction::Backward}) {
            const bool fwd = dir == Direction::Forward;
            for (Granularity g : {Granularity::Line, Granularity::Instruction}) {
                const bool instr = g == Granularity::Instruction;
                INFO("position " << p << (fwd ? " forward" : " backward")
                                 << (instr ? " instr" : " line"));
                auto scan = [&](auto pred) {
                    return fwd ? ref.first(p, pred) : ref.lastBefore(p, pred);
                };

                nav.goTo(p);
                auto into = scan([&](uint64_t n) {
                    return ref.states[n].thread == t && (instr || ref.stop[n]);
                });
                NavResult r = nav.stepInto(dir, g);
                CHECK(r.event == stepTarget(ref, dir, p, into));
                CHECK(nav.position() == r.event);
                CHECK(r.reason == (into  ? StopReason::Step
                                   : fwd ? StopReason::AtEnd
                                         : StopReason::AtStart));
                CHECK(nav.state() == ref.states[r.event]);

                nav.goTo(p);
                r = nav.stepOver(dir, g);
                CHECK(r.event == model.over(p, fwd, !instr, 0).event);
                CHECK(nav.state() == ref.states[r.event]);

                // Over, in a frame selected k levels up (no exit/entry adjustment).
                if (dT > 1) {
                    const uint32_t k = 1 + static_cast<uint32_t>(p % (dT - 1));
                    INFO("frames up " << k);
                    nav.goTo(p);
                    r = nav.stepOver(dir, g, k);
                    CHECK(r.event == model.over(p, fwd, !instr, k).event);
                    CHECK(nav.state() == ref.states[r.event]);
                }
            }
            INFO("position " << p << (fwd ? " forward" : " backward"));
            auto scan = [&](auto pred) {
                return fwd ? ref.first(p, pred) : ref.lastBefore(p, pred);
            };
            nav.goTo(p);
            NavResult r = nav.stepOut(dir);
            CHECK(r.event == model.out(p, fwd, 0).event);
            CHECK(nav.state() == ref.states[r.event]);
            if (dT > 1) {
                const uint32_t k = 1 + static_cast<uint32_t>(p % (dT - 1));
                INFO("frames up " << k);
                nav.goTo(p);
                r = nav.stepOut(dir, k);
                CHECK(r.event == model.out(p, fwd, k).event);
            }

            // until / runtil, without and with a line, in the innermost and a selected frame.
            for (uint32_t k : {0u, dT > 1 ? 1u : 0u}) {
                nav.goTo(p);
                const Expected u = model.until(p, fwd, std::nullopt, k);
                r = nav.stepUntil(dir, std::nullopt, k);
                INFO("until, frames up " << k);
                CHECK(r.event == u.event);
                CHECK((r.reason == StopReason::NotFound) == u.notFound);
                CHECK(nav.state() == ref.states[r.event]);
                const Frame* sel = dT > k ? &sp.threads[t].stack[dT - 1 - k] : nullptr;
                if (sel && !u.notFound &&
                    !(sp.thread == t && k == 0 && (fwd ? isExit(sp.kind) : model.entry(p)))) {
                    const int32_t line = sel->line + (fwd ? 2 : -2);
                    nav.goTo(p);
                    r = nav.stepUntil(dir, line, k);
                    CHECK(r.event == model.until(p, fwd, line, k).event);
                    nav.goTo(p);
                    CHECK_THROWS_AS(nav.stepUntil(dir, sel->line, k), std::invalid_argument);
                }
            }

            // Thread navigation.
            for (uint32_t other = 0; other < 3; ++other) {
                nav.goTo(p);
                auto te = scan([&](uint64_t n) { return ref.states[n].thread == other; });
                r = nav.toThreadEvent(dir, other);
                CHECK(r.event == (te ? *te : p));
                CHECK(r.reason == (te ? StopReason::Target : StopReason::NotFound));
            }
            nav.goTo(p);
            auto sw = scan([&](uint64_t n) { return ref.states[n].thread != t; });
            r = nav.toThreadSwitch(dir);
            CHECK(r.event == (sw ? *sw : p));

            // Exceptions.
            nav.goTo(p);
            auto ex = scan([&](uint64_t n) {
                const ProgramState& s = ref.states[n];
                return s.kind == RecordKind::Exception && s.threads[s.thread].exception &&
                       s.threads[s.thread].exception->raisedAt == n;
            });
            r = nav.toException(dir);
            CHECK(r.event == (ex ? *ex : p));

            // Watchpoints on each local of the focus thread's top frame.
            const Frame* top = sp.threads[t].top();
            if (top) {
                const uint64_t fid = top->id;
                std::vector<LocalKey> keys;
                for (uint32_t s = 0; s < top->slots.size(); ++s) keys.push_back(LocalKey::slot(s));
                for (uint32_t nm = 0; nm < 6; ++nm) keys.push_back(LocalKey::name(nm));
                for (const LocalKey& key : keys) {
                    INFO("watch frame " << fid << " key " << key.id << " name " << key.isName);
                    auto changedAt = [&](uint64_t n) {
                        const Frame* f = ref.states[n].findFrame(fid);
                        if (!f) return false;
                        if (!key.isName) return f->slots[key.id].changedAt == n;
                        const NamedLocal* nl = f->name(key.id);
                        // A deletion removes the entry; detect it as "was there before, gone now".
                        if (nl) return nl->changedAt == n;
                        const Frame* pf = n ? ref.states[n - 1].findFrame(fid) : nullptr;
                        return pf && pf->name(key.id) != nullptr;
                    };
                    std::optional<uint64_t> expect;
                    if (fwd) {
                        for (uint64_t n = p + 1; n < ref.states.size(); ++n) {
                            if (changedAt(n)) {
                                expect = n;
                                break;
                            }
                            const ProgramState& s = ref.states[n];
                            if ((s.kind == RecordKind::Return || s.kind == RecordKind::Unwind) &&
                                s.eventFrame()->id == fid)
                                break;
                        }
                    } else {
                        expect = ref.lastBefore(p, changedAt, top->callEvent);
                    }
                    nav.goTo(p);
                    r = nav.toLocalChange(dir, fid, key);
                    CHECK(r.event == (expect ? *expect : p));
                    CHECK(r.reason == (expect ? StopReason::Watch : StopReason::NotFound));
                }
                // Frame edges.
                for (size_t i = 0; i < sp.threads[t].stack.size(); ++i) {
                    const Frame& f = sp.threads[t].stack[i];
                    nav.goTo(p);
                    r = nav.toFrameCall(i);
                    CHECK(r.event == f.callEvent);
                    CHECK(ref.states[r.event].kind == RecordKind::Call);
                    nav.goTo(p);
                    r = nav.toFrameReturn(i);
                    std::optional<uint64_t> ret;
                    if (f.exiting)
                        ret = p;
                    else
                        ret = ref.first(p, [&](uint64_t n) {
                            return ref.states[n].thread == t && isExit(ref.states[n].kind) &&
                                   ref.states[n].eventFrame()->id == f.id;
                        });
                    CHECK(r.event == (ret ? *ret : p));
                }
            }
        }
    }

    // Breakpoints, with and without a condition, in both directions, plus break-on-raise.
    const auto& codes = rep.defs().codes;
    for (int k = 0; k < 6; ++k) {
        const auto& code = codes[rng() % codes.size()];
        const int32_t line = code.instructions[rng() % code.instructions.size()].line;
        if (line < 0) continue;
        nav.clearBreakpoints();
        Breakpoint bp{"prog.py", line, nullptr, true};
        const bool conditional = k % 2 == 1;
        if (conditional)
            bp.condition = [](const ProgramState&, const Frame& f) {
                return !f.slots.empty() && f.slots[0].bound() &&
                       f.slots[0].value.kind() == ValueRef::Kind::SmallInt &&
                       f.slots[0].value.smallInt() % 2 == 0;
            };
        const int id = nav.addBreakpoint(bp);
        const bool onRaise = k >= 4;
        nav.setBreakOnRaise(onRaise);
        auto hit = [&](uint64_t n) {
            const ProgramState& s = ref.states[n];
            const Frame* f = s.eventFrame();
            if (!ref.stop[n] || s.kind != RecordKind::Opcode || f->line != line) return false;
            if (!conditional) return true;
            return !f->slots.empty() && f->slots[0].bound() &&
                   f->slots[0].value.kind() == ValueRef::Kind::SmallInt &&
                   f->slots[0].value.smallInt() % 2 == 0;
        };
        auto raised = [&](uint64_t n) {
            const ProgramState& s = ref.states[n];
            return onRaise && s.kind == RecordKind::Exception &&
                   s.threads[s.thread].exception->raisedAt == n;
        };
        for (int i = 0; i < 20; ++i) {
            const uint64_t p = rng() % ref.states.size();
            INFO("breakpoint line " << line << " from " << p << " conditional " << conditional);
            nav.goTo(p);
            auto f = ref.first(p, [&](uint64_t n) { return hit(n) || raised(n); });
            NavResult r = nav.continueRun(Direction::Forward);
            CHECK(r.event == (f ? *f : ref.lastEvent()));
            if (f && hit(*f) && !raised(*f)) CHECK(r.breakpointId == id);
            CHECK(r.threadSwitched == (f && ref.states[*f].thread != ref.states[p].thread));
            nav.goTo(p);
            auto b = ref.lastBefore(p, [&](uint64_t n) { return hit(n) || raised(n); });
            r = nav.continueRun(Direction::Backward);
            CHECK(r.event == (b ? *b : 0));

            // Step commands stop at a hit on any thread on the way (all-stop, as gdb and rr).
            // Half of them start with the thread pinned (setFocusThread), which a hit on another
            // thread moves there; unpinned, the focus is the stop's thread anyway.
            StepModel withBp{ref, hit};
            const uint32_t t = ref.states[p].thread;
            const bool pinned = i % 2 == 0;
            auto checkStop = [&](const NavResult& res, const Expected& e) {
                CHECK(res.event == e.event);
                CHECK(nav.state() == ref.states[res.event]);
                if (e.bp) {
                    CHECK(res.reason == StopReason::Breakpoint);
                    CHECK(res.breakpointId == id);
                    const uint32_t ht = ref.states[e.event].thread;
                    CHECK(res.threadSwitched == (ht != t));
                    CHECK(nav.focusThread() == ht);
                } else if (res.reason == StopReason::Step) {
                    // On the thread followed to the end (a frame can resume on another one).
                    const uint32_t st = ref.states[e.event].thread;
                    CHECK(res.threadSwitched == (st != t));
                    CHECK(nav.focusThread() == st);
                } else {
                    CHECK_FALSE(res.threadSwitched);  // the ends of the trace switch nothing
                }
            };
            for (bool fwd : {true, false}) {
                const Direction dir = fwd ? Direction::Forward : Direction::Backward;
                INFO((fwd ? "forward" : "backward") << (pinned ? " pinned" : ""));
                auto from = [&] {
                    nav.goTo(p);
                    nav.setFocusThread(pinned ? std::optional<uint32_t>(t) : std::nullopt);
                };
                for (bool instr : {false, true}) {
                    INFO((instr ? "stepi" : "step"));
                    from();
                    const Granularity g = instr ? Granularity::Instruction : Granularity::Line;
                    checkStop(nav.stepInto(dir, g), withBp.into(p, fwd, instr));
                }
                from();
                checkStop(nav.stepOver(dir), withBp.over(p, fwd, true, 0));
                from();
                checkStop(nav.stepOut(dir), withBp.out(p, fwd, 0));
                from();
                checkStop(nav.stepUntil(dir), withBp.until(p, fwd, std::nullopt, 0));
            }
            nav.setFocusThread(std::nullopt);
        }
    }
}

namespace {
// A readable program for the exact, hand-checked cases:
//   1 def f(a):          f: code 1, lines 2..3
//   2     b = a + 1
//   3     return b
//   5 x = f(1)           <module>: code 0
//   6 y = f(x)
//   7 print(y)
struct Small {
    TempDir dir;
    std::filesystem::path path = dir / "small.reel";
    Small() {
        ProgramBuilder pb(3);
        const uint32_t mod = pb.code("<module>", 1, {5, 5, 5, 6, 6, 6, 7, 7}, {}, true);
        const uint32_t f = pb.code("f", 1, {2, 2, 3, 3}, {"a", "b"});
        pb.thread(0);
        pb.call(mod);  // 0  call <module>
        pb.op(0);      // 1  line 5
        pb.op(2);      // 2  line 5 (CALL f)
        pb.call(f);    // 3  call f
        pb.set(0, ValueRef::smallInt(1));
        pb.op(0);  // 4  line 2
        pb.set(1, ValueRef::smallInt(2));
        pb.op(2);                          // 5  line 2 (store b)
        pb.op(4);                          // 6  line 3
        pb.ret(ValueRef::smallInt(2), 6);  // 7 return from f
        pb.op(4);                          // 8  line 5, back in <module> mid-line (store x)
        pb.op(6);                          // 9  line 6
        pb.op(8);                          // 10 line 6 (CALL f)
        pb.call(f);                        // 11 call f
        pb.set(0, ValueRef::smallInt(2));
        pb.op(0);                                        // 12 line 2
        pb.op(4);                                        // 13 line 3
        pb.ret(ValueRef::smallInt(3), 6);                // 14
        pb.op(10);                                       // 15 line 6 mid-line
        pb.op(12);                                       // 16 line 7
        pb.ret(ValueRef::constant(Constant::None), 14);  // 17
        pb.write(path);
    }
};
}  // namespace

TEST_CASE("step into / over / out, forward and backward, on a small program",
          "[replayer][navigation]") {
    Small s;
    Replayer rep(s.path);
    Navigator nav(rep);
    REQUIRE(nav.position() == 0);
    CHECK(nav.atStart());

    // Backward at the start stays and says so.
    NavResult r = nav.stepInto(Direction::Backward);
    CHECK(r.event == 0);
    CHECK(r.reason == StopReason::AtStart);
    CHECK(!r.moved);

    CHECK(nav.stepInto(Direction::Forward).event == 1);  // line 5
    CHECK(nav.stepInto(Direction::Forward).event == 3);  // call f (event 2 is mid-line)
    CHECK(nav.stepInto(Direction::Forward).event == 4);  // line 2
    CHECK(nav.stepOver(Direction::Forward).event == 6);  // line 3
    CHECK(nav.stepOver(Direction::Forward).event == 7);  // return
    // From the return event, over goes to the caller's next line, not mid-line.
    CHECK(nav.stepOver(Direction::Forward).event == 9);
    // Over the line that calls f: next line.
    CHECK(nav.stepOver(Direction::Forward).event == 16);
    CHECK(nav.stepOver(Direction::Forward).event == 17);  // module return
    r = nav.stepOver(Direction::Forward);
    CHECK(r.event == 17);
    CHECK(r.reason == StopReason::AtEnd);
    CHECK(!r.moved);

    // Backward over from line 7 skips f's events on line 6.
    nav.goTo(16);
    CHECK(nav.stepOver(Direction::Backward).event == 9);
    CHECK(nav.stepOver(Direction::Backward).event == 1);
    CHECK(nav.stepOver(Direction::Backward).event == 0);  // module's call event
    r = nav.stepOver(Direction::Backward);
    CHECK(r.reason == StopReason::AtStart);

    // Back into from line 6 goes into f's return.
    nav.goTo(9);
    CHECK(nav.stepInto(Direction::Backward).event == 7);
    // Back over from f's first line reaches f's call event, then the caller's line.
    nav.goTo(12);
    CHECK(nav.stepOver(Direction::Backward).event == 11);
    CHECK(nav.stepOver(Direction::Backward).event == 9);

    // Out: forward lands in the caller just after the return; backward in the caller just
    // before the call.
    nav.goTo(5);
    CHECK(nav.stepOut(Direction::Forward).event == 8);
    nav.goTo(5);
    CHECK(nav.stepOut(Direction::Backward).event == 2);
    nav.goTo(9);
    r = nav.stepOut(Direction::Forward);  // out of the outermost frame: to the end
    CHECK(r.event == 17);
    CHECK(r.reason == StopReason::AtEnd);

    // Instruction granularity sees every event.
    nav.goTo(1);
    CHECK(nav.stepInto(Direction::Forward, Granularity::Instruction).event == 2);
    CHECK(nav.stepOver(Direction::Forward, Granularity::Instruction).event == 8);
    CHECK(nav.stepOver(Direction::Backward, Granularity::Instruction).event == 2);

    // Frame edges.
    nav.goTo(5);
    r = nav.toFrameReturn(1);
    CHECK(r.event == 7);
    CHECK(r.reason == StopReason::FrameEdge);
    CHECK(nav.toFrameCall(1).event == 3);
    CHECK(nav.toFrameCall(0).event == 0);
    CHECK_THROWS_AS(nav.toFrameCall(5), std::out_of_range);

    // Watchpoint on f's b (slot 1) in the first call.
    nav.goTo(4);
    const uint64_t firstF = nav.state().eventFrame()->id;
    r = nav.toLocalChange(Direction::Forward, firstF, LocalKey::slot(1));
    CHECK(r.event == 5);
    CHECK(r.reason == StopReason::Watch);
    r = nav.toLocalChange(Direction::Forward, firstF, LocalKey::slot(1));
    CHECK(r.reason == StopReason::NotFound);  // f returns without changing b again
    CHECK(r.event == 5);
    nav.goTo(6);
    CHECK(nav.toLocalChange(Direction::Backward, firstF, LocalKey::slot(0)).event == 4);

    // Breakpoints.
    int id = nav.addBreakpoint({"prog.py", 3, nullptr, true});
    nav.goToStart();
    r = nav.continueRun(Direction::Forward);
    CHECK(r.event == 6);
    CHECK(r.reason == StopReason::Breakpoint);
    CHECK(r.breakpointId == id);
    CHECK(nav.continueRun(Direction::Forward).event == 13);
    r = nav.continueRun(Direction::Forward);
    CHECK(r.event == 17);
    CHECK(r.reason == StopReason::AtEnd);
    CHECK(nav.continueRun(Direction::Backward).event == 13);
    CHECK(nav.continueRun(Direction::Backward).event == 6);
    r = nav.continueRun(Direction::Backward);
    CHECK(r.event == 0);
    CHECK(r.reason == StopReason::AtStart);
    // A condition on the frame's locals: only the call with a == 2.
    nav.clearBreakpoints();
    nav.addBreakpoint({"/work/prog.py", 3,
                       [](const ProgramState&, const Frame& f) {
                           return f.slots[0].value == ValueRef::smallInt(2);
                       },
                       true});
    nav.goToStart();
    CHECK(nav.continueRun(Direction::Forward).event == 13);
    // Files that do not match.
    nav.clearBreakpoints();
    nav.addBreakpoint({"og.py", 3, nullptr, true});
    nav.goToStart();
    CHECK(nav.continueRun(Direction::Forward).reason == StopReason::AtEnd);

    CHECK(rep.executedLines(0) == std::vector<int32_t>{5, 6, 7});
    CHECK(rep.executedLines(1) == std::vector<int32_t>{2, 3});
    CHECK(rep.executedLines(99).empty());

    CHECK_THROWS_AS(nav.goTo(18), std::out_of_range);
    CHECK(nav.goToEnd().event == 17);
    CHECK(nav.atEnd());
}

TEST_CASE("an await line is one line: no stop at the send loop's jump back or after StopIteration",
          "[replayer][navigation]") {
    // `r = await inner()` on line 3 of main: SEND, YIELD_VALUE, and after the resume a jump back
    // to the SEND; when inner returns, END_SEND and the StopIteration main receives, then the
    // rest of line 3. CPython (and pdb) report line 3 once.
    TempDir dir;
    ProgramBuilder pb(3);
    const uint32_t drv = pb.code("drive", 20, {21, 22}, {});
    const uint32_t main = pb.code("main", 1, {2, 3, 3, 3, 3, 3, 3, 4}, {});
    pb.opname(main, 2, "SEND");
    pb.opname(main, 3, "YIELD_VALUE");
    pb.opname(main, 4, "JUMP_BACKWARD_NO_INTERRUPT");
    pb.opname(main, 5, "END_SEND");
    const uint32_t inner = pb.code("inner", 10, {11, 12}, {});
    const ValueRef v = pb.value("x");
    const ValueRef stop = pb.value("StopIteration(5)");
    pb.thread(0);
    pb.call(drv);                                    // 0
    pb.op(0);                                        // 1 drive line 21
    const uint64_t fm = pb.call(main);               // 2
    pb.op(0);                                        // 3 main line 2
    pb.op(2);                                        // 4 line 3
    pb.op(4);                                        // 5 SEND
    const uint64_t fi = pb.call(inner);              // 6
    pb.op(0);                                        // 7 inner line 11
    pb.yield(v, 0);                                  // 8
    pb.op(6);                                        // 9 YIELD_VALUE
    pb.yield(v, 6);                                  // 10 main suspends
    pb.op(2);                                        // 11 drive line 22
    pb.resume(fm, 6);                                // 12
    pb.op(8);                                        // 13 JUMP_BACKWARD_NO_INTERRUPT
    pb.op(4);                                        // 14 SEND again: not a new line
    pb.resume(fi, 0);                                // 15
    pb.op(2);                                        // 16 inner line 12
    pb.ret(ValueRef::smallInt(5), 2);                // 17
    pb.op(10);                                       // 18 END_SEND
    pb.exception(stop, 10);                          // 19 StopIteration(5) in main
    pb.op(12);                                       // 20 rest of line 3: not a new line
    pb.op(14);                                       // 21 line 4
    pb.ret(ValueRef::constant(Constant::None), 14);  // 22
    pb.ret(ValueRef::constant(Constant::None), 2);   // 23
    pb.write(dir / "await.reel");

    Replayer rep(dir / "await.reel");
    Navigator nav(rep);
    const std::vector<uint64_t> stops = {1,  2,  3,  4,  6,  7,  8,  10, 11,
                                         12, 15, 16, 17, 19, 21, 22, 23};
    std::vector<uint64_t> got;
    for (NavResult r; (r = nav.stepInto(Direction::Forward)).reason == StopReason::Step;)
        got.push_back(r.event);
    CHECK(got == stops);
    std::vector<uint64_t> back;
    for (NavResult r; (r = nav.stepInto(Direction::Backward)).reason == StopReason::Step;)
        back.push_back(r.event);
    std::vector<uint64_t> want(stops.rbegin() + 1, stops.rend());
    want.push_back(0);  // drive's CALL
    CHECK(back == want);
    // A breakpoint on the await line hits once.
    nav.goToStart();
    nav.addBreakpoint({"prog.py", 3, {}});
    NavResult r = nav.continueRun(Direction::Forward);
    CHECK(r.reason == StopReason::Breakpoint);
    CHECK(r.event == 4);
    r = nav.continueRun(Direction::Forward);
    CHECK(r.reason == StopReason::AtEnd);
}

namespace {
// Two coroutines run by a driver (an event loop stand-in), each awaiting once, then a third that
// suspends and is never resumed:
//   1 async def work():        work: CO_COROUTINE, lines 2..5
//   2     total = 0            offset 0
//   3     await sleep()        offsets 2 (line start), 4 SEND, 6 YIELD_VALUE, 8 after the resume
//   4     out.append(total)    offset 10
//   5     return total         offset 12
//  30 def run():               run: lines 31..35, offsets 0..8
struct Coroutines {
    TempDir dir;
    std::filesystem::path path = dir / "coro.reel";
    uint64_t fa = 0, fb = 0, fc = 0;  // frame ids
    Coroutines() {
        ProgramBuilder pb(4);
        const uint32_t run = pb.code("run", 30, {31, 32, 33, 34, 35}, {});
        const uint32_t work = pb.code("work", 1, {2, 3, 3, 3, 3, 4, 5}, {"total"});
        pb.flags(work, 0x80);
        pb.opname(work, 2, "SEND");
        pb.opname(work, 3, "YIELD_VALUE");
        pb.opname(work, 4, "END_SEND");
        const ValueRef stop = pb.exceptionValue(pb.type("StopIteration"), "");
        const ValueRef none = ValueRef::constant(Constant::None);
        pb.thread(0);
        pb.call(run);                       // 0
        pb.op(0);                           // 1  run line 31
        fa = pb.call(work);                 // 2  A called
        pb.op(0);                           // 3  A line 2
        pb.op(2);                           // 4  A line 3
        pb.op(4);                           // 5  SEND
        pb.op(6);                           // 6  YIELD_VALUE
        pb.yield(none, 6);                  // 7  A suspends
        pb.op(2);                           // 8  run line 32
        fb = pb.call(work);                 // 9  B called
        pb.op(0);                           // 10 B line 2
        pb.op(2);                           // 11 B line 3
        pb.op(4);                           // 12
        pb.op(6);                           // 13
        pb.yield(none, 6);                  // 14 B suspends
        pb.op(4);                           // 15 run line 33
        pb.resume(fa, 6);                   // 16 A resumes
        pb.op(8);                           // 17 rest of line 3
        pb.exception(stop, 8);              // 18 the awaited iterator is exhausted
        pb.op(10);                          // 19 A line 4
        pb.op(12);                          // 20 A line 5
        pb.ret(ValueRef::smallInt(0), 12);  // 21 A returns
        pb.op(6);                           // 22 run line 34
        pb.resume(fb, 6);                   // 23 B resumes
        pb.op(8);                           // 24
        pb.exception(stop, 8);              // 25
        pb.op(10);                          // 26 B line 4
        pb.op(12);                          // 27 B line 5
        pb.ret(ValueRef::smallInt(0), 12);  // 28 B returns
        fc = pb.call(work);                 // 29 C called
        pb.op(0);                           // 30 C line 2
        pb.op(2);                           // 31 C line 3
        pb.op(6);                           // 32
        pb.yield(none, 6);                  // 33 C suspends for good
        pb.op(8);                           // 34 run line 35
        pb.ret(none, 8);                    // 35
        pb.write(path);
    }
};
}  // namespace

TEST_CASE("next, until and finish stay in a coroutine frame across its suspension",
          "[replayer][navigation]") {
    Coroutines c;
    Replayer rep(c.path);
    Navigator nav(rep);
    auto at = [&](uint64_t e) {
        nav.goTo(e);
        return &nav;
    };
    auto frameId = [&] { return nav.state().eventFrame()->id; };

    // Over the await: A's next line after it resumes, past B, the resume and the StopIteration.
    NavResult r = at(4)->stepOver(Direction::Forward);
    CHECK(r.event == 19);
    CHECK(r.reason == StopReason::Step);
    CHECK(frameId() == c.fa);
    CHECK(nav.stepOver(Direction::Forward).event == 20);
    CHECK(nav.stepOver(Direction::Forward).event == 21);  // A's RETURN
    CHECK(nav.stepOver(Direction::Forward).event == 22);  // then the driver
    // The mirror image: back over the suspension to the await line.
    CHECK(at(19)->stepOver(Direction::Backward).event == 4);
    CHECK(frameId() == c.fa);
    CHECK(nav.stepOver(Direction::Backward).event == 3);
    CHECK(nav.stepOver(Direction::Backward).event == 2);  // A's CALL
    // From the frame's own YIELD and RESUME events.
    CHECK(at(7)->stepOver(Direction::Forward).event == 19);
    CHECK(at(16)->stepOver(Direction::Backward).event == 4);
    // B, likewise, across A's run.
    CHECK(at(11)->stepOver(Direction::Forward).event == 26);
    CHECK(frameId() == c.fb);
    CHECK(at(26)->stepOver(Direction::Backward).event == 11);
    // step still shows every event, the StopIteration included.
    CHECK(at(17)->stepInto(Direction::Forward).event == 18);
    // Instruction steps are not followed: nexti sees the YIELD.
    CHECK(at(6)->stepOver(Direction::Forward, Granularity::Instruction).event == 7);

    // C never resumes: next stops at its suspension, as step would, and goes on in the driver.
    r = at(31)->stepOver(Direction::Forward);
    CHECK(r.event == 33);
    CHECK(r.reason == StopReason::Step);
    CHECK(nav.stepOver(Direction::Forward).event == 34);

    // finish runs until the frame really returns, then stops in its caller.
    r = at(3)->stepOut(Direction::Forward);
    CHECK(r.event == 22);
    CHECK(r.reason == StopReason::Step);
    CHECK(at(7)->stepOut(Direction::Forward).event == 22);   // from its YIELD too
    CHECK(at(10)->stepOut(Direction::Forward).event == 34);  // C (29) is no caller of B
    // A frame that never returns: to the end.
    r = at(31)->stepOut(Direction::Forward);
    CHECK(r.event == 35);
    CHECK(r.reason == StopReason::AtEnd);
    // rfinish goes back to before the first call, not to before the latest resume.
    CHECK(at(19)->stepOut(Direction::Backward).event == 1);
    CHECK(at(26)->stepOut(Direction::Backward).event == 8);

    // until: the next line greater than the current one in the frame, across the suspension.
    CHECK(at(3)->stepUntil(Direction::Forward).event == 4);
    CHECK(nav.stepUntil(Direction::Forward).event == 19);
    CHECK(frameId() == c.fa);
    CHECK(at(4)->stepUntil(Direction::Forward, 5).event == 20);
    CHECK(at(20)->stepUntil(Direction::Forward).event == 21);  // the frame returns
    CHECK(at(20)->stepUntil(Direction::Backward).event == 19);
    CHECK(nav.stepUntil(Direction::Backward).event == 4);
    CHECK(nav.stepUntil(Direction::Backward).event == 3);
    CHECK(nav.stepUntil(Direction::Backward).event == 2);      // the frame's CALL
    CHECK(at(31)->stepUntil(Direction::Forward).event == 33);  // C never resumes
    CHECK_THROWS_AS(at(4)->stepUntil(Direction::Forward, 3), std::invalid_argument);
    CHECK_THROWS_AS(at(4)->stepUntil(Direction::Backward, 4), std::invalid_argument);

    // A breakpoint hit while the frame is suspended stops next and finish (B's line 2).
    const int bp = nav.addBreakpoint({"prog.py", 2, {}});
    r = at(4)->stepOver(Direction::Forward);
    CHECK(r.event == 10);
    CHECK(r.reason == StopReason::Breakpoint);
    CHECK(r.breakpointId == bp);
    CHECK(at(4)->stepOut(Direction::Forward).event == 10);
    CHECK(at(4)->stepUntil(Direction::Forward).event == 10);
    r = at(19)->stepOver(Direction::Backward);  // the mirror: B's line 2 is on the way back
    CHECK(r.event == 10);
    CHECK(r.reason == StopReason::Breakpoint);
    r = at(26)->stepOut(Direction::Backward);  // B's own line 2 is on the way to its call
    CHECK(r.event == 10);
    CHECK(r.reason == StopReason::Breakpoint);
    // A step that lands on the breakpoint's line is a step.
    r = at(2)->stepOver(Direction::Forward);
    CHECK(r.event == 3);
    CHECK(r.reason == StopReason::Step);
    nav.removeBreakpoint(bp);
}

TEST_CASE("function and temporary breakpoints", "[replayer][navigation]") {
    Coroutines c;
    Replayer rep(c.path);
    Navigator nav(rep);
    // Stops at the first line of each call of work: A, B and C's line 2, never after a resume.
    Breakpoint fn;
    fn.function = "work";
    const int id = nav.addBreakpoint(fn);
    CHECK(nav.breakpointCodes(id) == std::vector<uint32_t>{1});
    std::vector<uint64_t> hits;
    for (NavResult r; (r = nav.continueRun(Direction::Forward)).reason == StopReason::Breakpoint;)
        hits.push_back(r.event);
    CHECK(hits == std::vector<uint64_t>{3, 10, 30});
    hits.clear();
    for (NavResult r; (r = nav.continueRun(Direction::Backward)).reason == StopReason::Breakpoint;)
        hits.push_back(r.event);
    CHECK(hits == std::vector<uint64_t>{30, 10, 3});
    nav.removeBreakpoint(id);
    // With a file; a function that did not run (or not in that file) is refused.
    fn.file = "prog.py";
    CHECK(nav.breakpointCodes(fn) == std::vector<uint32_t>{1});
    nav.removeBreakpoint(nav.addBreakpoint(fn));
    fn.file = "other.py";
    CHECK_THROWS_AS(nav.addBreakpoint(fn), std::invalid_argument);
    Breakpoint nope;
    nope.function = "wrok";
    CHECK_THROWS_WITH(nav.addBreakpoint(nope), "no function named 'wrok' ran in this trace");
    CHECK(nav.breakpointIds().empty());

    // A temporary breakpoint is deleted by the first stop at it, whatever the command.
    Breakpoint once{"prog.py", 4, {}};
    once.temporary = true;
    int t = nav.addBreakpoint(once);
    nav.goToStart();
    NavResult r = nav.continueRun(Direction::Forward);
    CHECK(r.event == 19);
    CHECK(r.reason == StopReason::Breakpoint);
    CHECK(r.breakpointId == t);
    CHECK(nav.breakpoint(t) == nullptr);
    CHECK(nav.continueRun(Direction::Forward).reason == StopReason::AtEnd);
    t = nav.addBreakpoint(once);
    nav.goTo(3);
    r = nav.stepOut(Direction::Forward);  // finish stops at it, in A after its resume
    CHECK(r.event == 19);
    CHECK(r.breakpointId == t);
    CHECK(nav.breakpointIds().empty());
}

TEST_CASE("per-thread stepping follows the focus thread", "[replayer][navigation]") {
    TempDir dir;
    ProgramBuilder pb(4);
    const uint32_t m = pb.code("main", 1, {1, 2, 3, 4}, {});
    const uint32_t w = pb.code("worker", 10, {11, 12, 13, 14}, {});
    pb.thread(0);
    pb.call(m);  // 0
    pb.op(0);    // 1 line 1
    pb.thread(1);
    pb.call(w);  // 2
    pb.op(0);    // 3 line 11
    pb.thread(0);
    pb.op(2);  // 4 line 2
    pb.thread(1);
    pb.op(2);  // 5 line 12
    pb.thread(0);
    pb.op(4);  // 6 line 3
    pb.write(dir / "t.reel");
    Replayer rep(dir / "t.reel");
    Navigator nav(rep);
    nav.goTo(1);
    CHECK(nav.stepInto(Direction::Forward).event == 4);  // thread 0's next line
    CHECK(nav.stepInto(Direction::Forward).event == 6);
    nav.setFocusThread(1u);
    CHECK(nav.focusThread() == 1);
    CHECK(nav.stepInto(Direction::Backward).event == 5);
    CHECK(nav.stepInto(Direction::Backward).event == 3);
    nav.setFocusThread(std::nullopt);
    nav.goTo(3);
    NavResult r = nav.toThreadSwitch(Direction::Forward);
    CHECK(r.event == 4);
    CHECK(nav.toThreadSwitch(Direction::Backward).event == 3);
    CHECK(nav.toThreadEvent(Direction::Forward, 1).event == 5);
}
