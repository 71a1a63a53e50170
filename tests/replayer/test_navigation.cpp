#include <catch2/catch.hpp>

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
bool isEntry(RecordKind k) {
    return k == RecordKind::Call || k == RecordKind::Resume;
}

// Per-event facts computed straight from sequential states, independently of the navigator: the
// reference the navigation commands are checked against (linear scans of the definitions in
// docs/replayer.md).
struct Reference {
    std::vector<ProgramState> states;
    std::vector<uint8_t> stop;  // line-granularity stop

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
            // A suspended frame seen again without a RESUME was reentered (REENTER): it goes on
            // from the yield's position too.
            const bool goesOn = it != last.end() &&
                                (it->second.goesOn ||
                                 (it->second.yielded && s.kind != RecordKind::Resume));
            if (s.kind == RecordKind::Opcode)
                st = f->line >= 0 && (!goesOn || f->line != it->second.line ||
                                      (f->lasti <= it->second.lasti && !isSend(*f)));
            const bool nowGoesOn = s.kind == RecordKind::Opcode || s.kind == RecordKind::Resume ||
                                   (s.kind == RecordKind::Exception && goesOn);
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
                uint32_t d = dT;
                if (d > 0 && (fwd ? isExit(sp.kind) : isEntry(sp.kind))) --d;
                auto over = scan([&](uint64_t n) {
                    return ref.states[n].thread == t && ref.depth(n, t) <= d &&
                           (instr || ref.stop[n]);
                });
                r = nav.stepOver(dir, g);
                CHECK(r.event == stepTarget(ref, dir, p, over));
                CHECK(nav.state() == ref.states[r.event]);

                // Over, in a frame selected k levels up (no exit/entry adjustment).
                if (dT > 1) {
                    const uint32_t k = 1 + static_cast<uint32_t>(p % (dT - 1));
                    INFO("frames up " << k);
                    nav.goTo(p);
                    auto overUp = scan([&](uint64_t n) {
                        return ref.states[n].thread == t && ref.depth(n, t) <= dT - k &&
                               (instr || ref.stop[n]);
                    });
                    r = nav.stepOver(dir, g, k);
                    CHECK(r.event == stepTarget(ref, dir, p, overUp));
                    CHECK(nav.state() == ref.states[r.event]);
                }
            }
            INFO("position " << p << (fwd ? " forward" : " backward"));
            auto scan = [&](auto pred) {
                return fwd ? ref.first(p, pred) : ref.lastBefore(p, pred);
            };
            nav.goTo(p);
            auto out =
                scan([&](uint64_t n) { return ref.states[n].thread == t && ref.depth(n, t) < dT; });
            NavResult r = nav.stepOut(dir);
            CHECK(r.event == stepTarget(ref, dir, p, out));
            CHECK(nav.state() == ref.states[r.event]);
            if (dT > 1) {
                const uint32_t k = 1 + static_cast<uint32_t>(p % (dT - 1));
                INFO("frames up " << k);
                nav.goTo(p);
                auto outUp = scan([&](uint64_t n) {
                    return ref.states[n].thread == t && ref.depth(n, t) < dT - k;
                });
                r = nav.stepOut(dir, k);
                CHECK(r.event == stepTarget(ref, dir, p, outUp));
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
            nav.goTo(p);
            auto b = ref.lastBefore(p, [&](uint64_t n) { return hit(n) || raised(n); });
            r = nav.continueRun(Direction::Backward);
            CHECK(r.event == (b ? *b : 0));
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
