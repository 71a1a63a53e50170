#pragma once
// A random but well-formed program trace: threads, calls, returns, generators suspended and
// resumed, exceptions raised, propagated through frames, handled or uncaught, dict-locals frames,
// output, time. Used by the property tests (seek == sequential replay, navigation == linear
// scans of the definitions).

#include <random>
#include <vector>

#include "replayer/ReplayFixture.h"

namespace reel::test {

struct RandomProgramOptions {
    uint64_t seed = 1;
    int steps = 4000;
    int threads = 3;
};

inline void randomProgram(ProgramBuilder& pb, const RandomProgramOptions& o) {
    std::mt19937_64 rng(o.seed);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
    auto chance = [&](int pct) { return pick(100) < pct; };

    std::vector<int32_t> modLines, fLines, gLines, genLines;
    for (int k = 0; k < 20; ++k) modLines.push_back(1 + k / 2);
    for (int k = 0; k < 30; ++k) fLines.push_back(k % 7 == 6 ? -1 : 20 + k / 3);
    for (int k = 0; k < 12; ++k) gLines.push_back(40 + k / 4);
    for (int k = 0; k < 16; ++k) genLines.push_back(50 + k / 2);
    const uint32_t cMod = pb.code("<module>", 1, modLines, {}, true);
    const uint32_t cF = pb.code("f", 19, fLines, {"a", "b", "i"});
    const uint32_t cG = pb.code("g", 39, gLines, {"x", "y"});
    const uint32_t cGen = pb.code("gen", 49, genLines, {"n", "acc"});
    const uint32_t codeSize[] = {20, 30, 12, 16};
    std::vector<uint32_t> names;
    for (int k = 0; k < 6; ++k) names.push_back(pb.string("name" + std::to_string(k)));
    std::vector<ValueRef> excs;
    for (int k = 0; k < 4; ++k)
        excs.push_back(pb.value("ValueError('e" + std::to_string(k) + "')"));
    for (int t = 0; t < o.threads; ++t)
        pb.threadRecord(t, t == 0 ? "MainThread" : "T" + std::to_string(t));

    struct F {
        uint64_t id;
        uint32_t code;
        uint32_t off = 0;
    };
    struct T {
        std::vector<F> stack;
        bool started = false, ended = false;
    };
    std::vector<T> ts(o.threads);
    std::vector<F> suspended;
    uint32_t cur = 0;
    pb.thread(0);
    int64_t now = 0;

    auto value = [&]() -> ValueRef {
        if (chance(70)) return ValueRef::smallInt(pick(1000) - 500);
        return pb.value("s" + std::to_string(pick(50)));
    };
    auto opcode = [&](F& f) {
        const uint32_t n = codeSize[f.code];
        uint32_t k = f.off / 2;
        if (chance(75))
            k = (k + 1) % n;  // straight line, wrapping = a loop's backward jump
        else
            k = static_cast<uint32_t>(pick(static_cast<int>(n)));
        f.off = 2 * k;
        pb.op(f.off);
    };
    auto push = [&](uint32_t code) {
        uint64_t id = pb.call(code, -1);
        ts[cur].stack.push_back({id, code, 0});
        const auto& c = pb.codes()[code];
        for (uint32_t s = 0; s < c.localNames.size(); ++s)
            if (chance(60)) pb.set(s, value());
    };

    for (int step = 0; step < o.steps; ++step) {
        T& t = ts[cur];
        if (t.stack.empty()) {
            if (!t.ended && (cur == 0 ? !t.started : chance(50))) {
                t.started = true;
                push(cur == 0 ? cMod : cF);
                continue;
            }
            // Switch to some thread that can run.
            uint32_t next = static_cast<uint32_t>(pick(o.threads));
            if (next != cur) pb.thread(next), cur = next;
            if (ts[cur].stack.empty() && ts[cur].ended && step > o.steps / 2) break;
            continue;
        }
        F& top = t.stack.back();
        const int a = pick(100);
        if (a < 45) {
            opcode(top);
        } else if (a < 55) {
            const auto& c = pb.codes()[top.code];
            if (c.usesLocalsDict) {
                if (chance(80))
                    pb.nameSet(names[pick(6)], value());
                else
                    pb.nameDel(names[pick(6)]);
            } else if (!c.localNames.empty()) {
                if (chance(85))
                    pb.set(static_cast<uint32_t>(pick(static_cast<int>(c.localNames.size()))),
                           value());
                else
                    pb.del(static_cast<uint32_t>(pick(static_cast<int>(c.localNames.size()))));
            }
            opcode(top);
        } else if (a < 63 && t.stack.size() < 12) {
            push(chance(50) ? cF : (chance(50) ? cG : cGen));
        } else if (a < 71 && t.stack.size() > 1) {
            // Return or, for a generator, yield.
            if (top.code == cGen && chance(70)) {
                pb.yield(value(), static_cast<int32_t>(top.off));
                suspended.push_back(top);
            } else {
                pb.ret(value(), static_cast<int32_t>(top.off));
            }
            t.stack.pop_back();
            opcode(t.stack.back());
        } else if (a < 75 && !suspended.empty() && t.stack.size() < 12) {
            size_t i = static_cast<size_t>(pick(static_cast<int>(suspended.size())));
            F g = suspended[i];
            suspended.erase(suspended.begin() + static_cast<long>(i));
            // A resumption with or without an event of its own (REENTER, 3.11's _gen_throw).
            if (chance(25))
                pb.reenter(g.id);
            else
                pb.resume(g.id, static_cast<int32_t>(g.off));
            t.stack.push_back(g);
            if (chance(50)) pb.set(1, value());
            opcode(t.stack.back());
        } else if (a < 80) {
            // An exception raised here, unwinding up to k frames, then handled (explicitly or by
            // running on), unless it leaves a non-main thread's last frame (uncaught).
            ValueRef e = excs[pick(4)];
            pb.exception(e, static_cast<int32_t>(top.off));
            int k = pick(4);
            bool uncaught = false;
            while (k-- > 0) {
                if (t.stack.size() == 1 && (cur == 0 || !chance(30))) break;
                pb.unwind(static_cast<int32_t>(t.stack.back().off));
                t.stack.pop_back();
                if (t.stack.empty()) {
                    uncaught = true;
                    break;
                }
                pb.exception(e, static_cast<int32_t>(t.stack.back().off));
            }
            if (uncaught) {
                pb.threadEnd(cur);
                t.ended = true;
                continue;
            }
            if (chance(60)) pb.handled(2 * static_cast<uint32_t>(pick(10)));
            opcode(t.stack.back());
        } else if (a < 84) {
            pb.output(chance(80) ? 1 : 2, "out" + std::to_string(step) + (chance(50) ? "\n" : ""));
            opcode(top);
        } else if (a < 86) {
            now += 1000 + pick(1000);
            pb.time(now);
            opcode(top);
        } else if (a < 95 && o.threads > 1) {
            uint32_t next = static_cast<uint32_t>(pick(o.threads));
            if (next != cur && !ts[next].ended) {
                pb.thread(next);
                cur = next;
                if (ts[cur].stack.empty())
                    push(cF), ts[cur].started = true;
                else
                    opcode(ts[cur].stack.back());
            }
        } else if (cur != 0 && t.stack.size() == 1) {
            pb.ret(ValueRef::constant(Constant::None), static_cast<int32_t>(top.off));
            t.stack.pop_back();
            pb.threadEnd(cur);
            t.ended = true;
        } else {
            opcode(top);
        }
    }
    // Records after the last event: a final flush of output.
    pb.output(1, "final flush\n");
}

}  // namespace reel::test
