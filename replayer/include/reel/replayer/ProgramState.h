#pragma once
// The reconstructed state of the recorded program at one event: every thread's call stack, each
// frame's position and locals, the exception in flight per thread, suspended generator and
// coroutine frames, output and time. Plain values: copyable, comparable (the property tests
// compare a seek against a sequential replay with operator==), no references into the trace.
//
// API stability: other modules build on this header. Additive changes only; any change is noted
// here.
//   session 34: added Frame::lastLine, shownLine(), lineless().

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "reel/format/EventStream.h"
#include "reel/format/ValueRef.h"

namespace reel::replayer {

using format::Constant;
using format::RecordKind;
using format::ValueRef;

inline constexpr uint64_t kNoEvent = ~uint64_t{0};
inline ValueRef unboundRef() {
    return ValueRef::constant(Constant::Unbound);
}

// One fast local (co_varnames/cellvars/freevars slot, indexed like localsplus).
struct Local {
    ValueRef value = unboundRef();  // Constant::Unbound when the slot has no value
    uint64_t changedAt = kNoEvent;  // event the last LOCAL_SET/LOCAL_DEL of the slot belongs to
    bool bound() const { return !(value == unboundRef()); }
    bool operator==(const Local&) const = default;
};

// One entry of a dict-locals frame's f_locals (module bodies, class bodies, exec/eval).
struct NamedLocal {
    uint32_t nameId = 0;  // Definitions::strings index
    ValueRef value;
    uint64_t changedAt = kNoEvent;
    bool operator==(const NamedLocal&) const = default;
};

// Identifies a local inside a frame for watchpoints: a slot, or a name for dict-locals frames.
struct LocalKey {
    bool isName = false;
    uint32_t id = 0;  // slot index, or string id when isName
    static LocalKey slot(uint32_t s) { return {false, s}; }
    static LocalKey name(uint32_t stringId) { return {true, stringId}; }
    bool operator==(const LocalKey&) const = default;
};

// The exception propagating on a thread (see docs/replayer.md, "Exceptions", for when it is set
// and cleared).
struct ExceptionInFlight {
    ValueRef value;
    uint64_t frameId = 0;    // the frame it reached most recently (latest EXCEPTION event)
    uint64_t raisedAt = 0;   // event of the EXCEPTION that started this propagation
    uint64_t lastEvent = 0;  // event of the latest EXCEPTION of this propagation
    uint64_t index = 0;      // position in Replayer::exceptions()
    bool uncaught = false;   // it unwound the thread's outermost frame
    bool operator==(const ExceptionInFlight&) const = default;
};

struct Frame {
    uint64_t id = 0;  // frame id (CALL order, trace-wide); a generator keeps it across resumes
    uint32_t codeId = 0;
    int32_t lasti = -1;  // f_lasti in bytes; -1 before the first instruction
    int32_t line = 0;    // f_lineno: CodeObject::lineAt(lasti), the code's firstLine when lasti < 0
    // The latest line >= 1 the frame was at (0: none yet). An instruction may have no line number
    // (line -1: an exception handler's PUSH_EXC_INFO, the cleanup after `except E as e:`, the
    // cleanup of `with`; line 0: a module's artificial start), and front ends then show the frame
    // at this line, marked as the last line it ran (shownLine(), lineless()).
    int32_t lastLine = 0;
    uint64_t callEvent = kNoEvent;        // the CALL that created the frame
    uint64_t activationEvent = kNoEvent;  // the latest CALL or RESUME of the frame
    std::vector<Local> slots;             // one per CodeObject::localNames entry
    std::vector<NamedLocal> names;        // dict-locals frames, in dict (insertion) order
    std::optional<ValueRef> object;       // FRAME_OBJECT: the generator/coroutine owning it
    std::optional<ValueRef> origin;       // CORO_ORIGIN: cr_origin
    // True at the frame's RETURN/YIELD/UNWIND event: like sys.settrace's 'return', the frame is
    // still on the stack at that event and is popped when the next record is applied.
    bool exiting = false;
    // The frame's previous event was an OPCODE (used to find line starts; see docs/replayer.md).
    bool prevWasOpcode = false;
    // The exception a handler of this frame caught most recently. A `finally` block, a `with`
    // block's cleanup and a bare `raise` in an `except` re-raise it with RERAISE, which has no
    // event: the frame just unwinds. That UNWIND (with nothing in flight) puts this exception back
    // in flight, so it goes on from where it was raised instead of looking handled here and newly
    // raised in the caller (docs/replayer.md, "Exceptions").
    std::optional<ExceptionInFlight> handled;

    // Where front ends show the frame (one rule for the GUI and `reel replay`): its line, or at an
    // instruction without a line number the last line it ran, marked as such (lineless()); 0
    // when it has run no numbered line yet (a module at its first event).
    int32_t shownLine() const { return line >= 1 ? line : lastLine; }
    bool lineless() const { return line < 1; }

    // The local for `key`, or nullptr when the frame has no such slot / the name is not bound.
    const Local* slot(uint32_t s) const { return s < slots.size() ? &slots[s] : nullptr; }
    const NamedLocal* name(uint32_t stringId) const {
        for (const auto& n : names)
            if (n.nameId == stringId) return &n;
        return nullptr;
    }
    bool operator==(const Frame&) const = default;
};

struct ThreadState {
    uint32_t id = 0;
    bool seen = false;         // a THREAD record (or the first chunk's start thread) named it
    bool ended = false;        // THREAD_END seen
    std::vector<Frame> stack;  // outermost first; back() is the running frame
    std::optional<ExceptionInFlight> exception;
    // Exceptions set aside while a nested one is in flight: one raised in a frame entered during
    // their propagation (e.g. a generator closed with GeneratorExit while a ValueError unwinds the
    // frame that iterated it). The innermost set-aside one comes back when the nested one ends.
    std::vector<ExceptionInFlight> setAside;
    uint64_t lastEvent = kNoEvent;             // latest numbered event on this thread
    RecordKind lastKind = RecordKind::Opcode;  // kind of that event
    size_t depth() const { return stack.size(); }
    const Frame* top() const { return stack.empty() ? nullptr : &stack.back(); }
    bool operator==(const ThreadState&) const = default;
};

struct ProgramState {
    // The event this state is at: every record up to and including it has been applied.
    uint64_t event = kNoEvent;  // kNoEvent: before the first event (nothing applied)
    RecordKind kind = RecordKind::Opcode;
    uint32_t thread = 0;                                  // thread of `event`
    ValueRef value = ValueRef::constant(Constant::None);  // RETURN/YIELD value, EXCEPTION exception
    int64_t timeNs = 0;                     // latest TIME record: ns since TraceHeader.startTimeNs
    std::array<uint64_t, 2> outputBytes{};  // stdout, stderr bytes written so far
    uint64_t outputRecords = 0;             // OUTPUT records so far
    uint64_t exceptionCount = 0;            // exceptions raised so far (propagations started)
    std::vector<ThreadState> threads;       // indexed by thread id; unseen ids have seen=false
    std::map<uint64_t, Frame> suspended;    // yielded generator/coroutine frames, by frame id

    const ThreadState* threadState(uint32_t id) const {
        return id < threads.size() && threads[id].seen ? &threads[id] : nullptr;
    }
    // The frame the current event happened in (the top of its thread; at RETURN/YIELD/UNWIND the
    // exiting frame). nullptr before the first event.
    const Frame* eventFrame() const {
        if (event == kNoEvent) return nullptr;
        const ThreadState* t = threadState(thread);
        return t ? t->top() : nullptr;
    }
    // The event is where its generator or coroutine frame came back from a suspension: a
    // RESUME, or the first event of a frame put back without one (REENTER, 3.11; docs/format.md).
    bool eventResumes() const {
        if (kind == RecordKind::Resume) return true;
        if (kind == RecordKind::Call) return false;
        const Frame* f = eventFrame();
        return f && f->activationEvent == event;
    }
    // A frame by id: on any stack or suspended. nullptr when it is not alive.
    const Frame* findFrame(uint64_t frameId) const {
        for (const auto& t : threads)
            for (const auto& f : t.stack)
                if (f.id == frameId) return &f;
        auto it = suspended.find(frameId);
        return it == suspended.end() ? nullptr : &it->second;
    }
    bool operator==(const ProgramState&) const = default;
};

}  // namespace reel::replayer
