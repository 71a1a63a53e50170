#include "CheckpointState.h"

#include <algorithm>
#include <string>

#include "reel/format/TraceFormatError.h"

namespace reel::replayer {

using format::TraceFormatError;

namespace {

format::CheckpointException toCheckpoint(const ExceptionInFlight& x) {
    return {x.value, x.frameId, x.raisedAt, x.lastEvent, x.index, x.uncaught};
}

format::CheckpointFrame toCheckpoint(const Frame& f) {
    format::CheckpointFrame c;
    c.id = f.id;
    c.codeId = f.codeId;
    c.lasti = f.lasti;
    c.line = f.line;
    c.lastLine = f.lastLine;
    c.callEvent = f.callEvent;
    c.activationEvent = f.activationEvent;
    c.exiting = f.exiting;
    c.prevWasOpcode = f.prevWasOpcode;
    c.object = f.object;
    c.origin = f.origin;
    if (f.handled) c.handled = toCheckpoint(*f.handled);
    c.slots.reserve(f.slots.size());
    for (const auto& l : f.slots) c.slots.push_back({l.value, l.changedAt});
    c.names.reserve(f.names.size());
    for (const auto& n : f.names) c.names.push_back({n.nameId, n.value, n.changedAt});
    return c;
}

ExceptionInFlight fromCheckpoint(const format::CheckpointException& x) {
    ExceptionInFlight e;
    e.value = x.value;
    e.frameId = x.frameId;
    e.raisedAt = x.raisedAt;
    e.lastEvent = x.lastEvent;
    e.index = x.index;
    e.uncaught = x.uncaught;
    return e;
}

class Builder {
  public:
    Builder(const format::Definitions& defs, uint64_t at) : defs_(defs), at_(at) {}

    void ref(ValueRef v, const char* what) const {
        REEL_REQUIRE(v.valid(), at_, std::string("invalid value reference in checkpoint ") + what);
    }

    Frame frame(const format::CheckpointFrame& c) const {
        REEL_REQUIRE(c.codeId < defs_.codes.size(), at_,
                     "checkpoint frame runs undefined code object " + std::to_string(c.codeId));
        const auto& code = defs_.codes[c.codeId];
        // LOCAL_SET records index slots by the code's locals: a frame must have exactly those.
        REEL_REQUIRE(c.slots.size() == code.localNames.size(), at_,
                     "checkpoint frame " + std::to_string(c.id) + " has " +
                         std::to_string(c.slots.size()) + " slots, its code has " +
                         std::to_string(code.localNames.size()));
        REEL_REQUIRE(c.lasti >= -1, at_, "checkpoint frame lasti out of range");
        Frame f;
        f.id = c.id;
        f.codeId = c.codeId;
        f.lasti = c.lasti;
        f.line = c.line;
        // A checkpoint written before frames kept their last line has 0 there: the frame's line
        // is the best it can say (none at an instruction without one).
        f.lastLine = c.lastLine >= 1 ? c.lastLine : std::max(c.line, 0);
        f.callEvent = c.callEvent;
        f.activationEvent = c.activationEvent;
        f.exiting = c.exiting;
        f.prevWasOpcode = c.prevWasOpcode;
        if (c.object) ref(*c.object, "frame object"), f.object = c.object;
        if (c.origin) ref(*c.origin, "coroutine origin"), f.origin = c.origin;
        if (c.handled) ref(c.handled->value, "exception"), f.handled = fromCheckpoint(*c.handled);
        f.slots.reserve(c.slots.size());
        for (const auto& l : c.slots) {
            ref(l.value, "local");
            f.slots.push_back({l.value, l.changedAt});
        }
        f.names.reserve(c.names.size());
        for (const auto& n : c.names) {
            ref(n.value, "local");
            REEL_REQUIRE(n.nameId < defs_.strings.size(), at_,
                         "checkpoint local names undefined string " + std::to_string(n.nameId));
            f.names.push_back({n.nameId, n.value, n.changedAt});
        }
        return f;
    }

  private:
    const format::Definitions& defs_;
    uint64_t at_;
};

constexpr uint32_t kMaxThreads = 0x10000;  // as the StateMachine allows

}  // namespace

ProgramState stateFromCheckpoint(const format::Checkpoint& cp, const format::Definitions& defs,
                                 uint64_t at) {
    Builder b(defs, at);
    REEL_REQUIRE(cp.firstEvent > 0, at, "checkpoint without a first event");
    REEL_REQUIRE(cp.eventKind <= static_cast<uint8_t>(RecordKind::Exception), at,
                 "checkpoint event kind is not a numbered event");
    REEL_REQUIRE(cp.thread < kMaxThreads, at, "checkpoint thread id out of range");
    b.ref(cp.value, "event value");
    ProgramState s;
    s.event = cp.firstEvent - 1;
    s.kind = static_cast<RecordKind>(cp.eventKind);
    s.thread = cp.thread;
    s.value = cp.value;
    s.timeNs = cp.timeNs;
    s.outputBytes = cp.outputBytes;
    s.outputRecords = cp.outputRecords;
    s.exceptionCount = cp.exceptionCount;
    for (const auto& ct : cp.threads) {
        REEL_REQUIRE(ct.id < kMaxThreads, at, "checkpoint thread id out of range");
        if (ct.id >= s.threads.size()) s.threads.resize(ct.id + 1);
        ThreadState& t = s.threads[ct.id];
        REEL_REQUIRE(!t.seen, at, "checkpoint lists thread " + std::to_string(ct.id) + " twice");
        for (uint32_t i = 0; i < s.threads.size(); ++i) s.threads[i].id = i;
        t.seen = true;
        t.ended = ct.ended;
        t.lastEvent = ct.lastEvent;
        REEL_REQUIRE(ct.lastKind <= static_cast<uint8_t>(RecordKind::Exception), at,
                     "checkpoint thread's last event kind is not a numbered event");
        t.lastKind = static_cast<RecordKind>(ct.lastKind);
        if (ct.exception) {
            b.ref(ct.exception->value, "exception");
            t.exception = fromCheckpoint(*ct.exception);
        }
        for (const auto& x : ct.setAside) {
            b.ref(x.value, "exception");
            t.setAside.push_back(fromCheckpoint(x));
        }
        t.stack.reserve(ct.stack.size());
        for (const auto& f : ct.stack) t.stack.push_back(b.frame(f));
    }
    for (uint32_t i = 0; i < s.threads.size(); ++i) s.threads[i].id = i;
    const ThreadState* cur = s.threadState(s.thread);
    REEL_REQUIRE(cur != nullptr, at, "checkpoint's current thread is not among its threads");
    // The state is at an event of that thread: its frame is on top (exiting at an exit event).
    REEL_REQUIRE(!cur->stack.empty() || cur->ended, at, "checkpoint's current thread has no frame");
    for (const auto& f : cp.suspended) {
        Frame fr = b.frame(f);
        const uint64_t id = fr.id;
        REEL_REQUIRE(s.suspended.emplace(id, std::move(fr)).second, at,
                     "checkpoint lists suspended frame " + std::to_string(id) + " twice");
    }
    return s;
}

format::Checkpoint checkpointFromState(const ProgramState& s) {
    format::Checkpoint cp;
    cp.firstEvent = s.event + 1;
    cp.eventKind = static_cast<uint8_t>(s.kind);
    cp.thread = s.thread;
    cp.value = s.value;
    cp.timeNs = s.timeNs;
    cp.outputBytes = s.outputBytes;
    cp.outputRecords = s.outputRecords;
    cp.exceptionCount = s.exceptionCount;
    for (const auto& t : s.threads) {
        if (!t.seen) continue;
        format::CheckpointThread ct;
        ct.id = t.id;
        ct.ended = t.ended;
        ct.lastEvent = t.lastEvent;
        ct.lastKind = static_cast<uint8_t>(t.lastKind);
        if (t.exception) ct.exception = toCheckpoint(*t.exception);
        for (const auto& x : t.setAside) ct.setAside.push_back(toCheckpoint(x));
        for (const auto& f : t.stack) ct.stack.push_back(toCheckpoint(f));
        cp.threads.push_back(std::move(ct));
    }
    for (const auto& [id, f] : s.suspended) cp.suspended.push_back(toCheckpoint(f));
    return cp;
}

}  // namespace reel::replayer
