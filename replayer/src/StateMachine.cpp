#include "reel/replayer/StateMachine.h"

#include <algorithm>
#include <utility>

#include "reel/format/TraceFormatError.h"

namespace reel::replayer {

using format::Record;
using format::TraceFormatError;

namespace {
// Thread ids index a vector; a damaged id must not allocate gigabytes.
constexpr uint32_t kMaxThreads = 1u << 16;
const ValueRef kNone = ValueRef::constant(Constant::None);
}  // namespace

StateMachine::StateMachine(const format::Definitions& defs, std::shared_ptr<LineTables> lines)
    : defs_(defs), lines_(lines ? std::move(lines) : std::make_shared<LineTables>(defs)) {}

void StateMachine::setState(ProgramState s) {
    state_ = std::move(s);
    // A state taken at an exit event still shows the exiting frame; it leaves with the next record.
    pendingPop_ = state_.event != kNoEvent &&
                  (state_.kind == RecordKind::Return || state_.kind == RecordKind::Yield ||
                   state_.kind == RecordKind::Unwind);
    const ThreadState* t = state_.event == kNoEvent ? nullptr : state_.threadState(state_.thread);
    lastDepth_ = t ? static_cast<uint32_t>(t->stack.size()) : 0;
    lastLineStop_ = false;
    lastCallStart_ = false;
    changes_.clear();
    eventDone_ = true;
}

// `await` and `yield from` run a send loop on one line: SEND, YIELD_VALUE, and after each resume
// a jump back to the SEND. CPython reports no line event for that jump (3.11's line tracing skips
// backward jumps to SEND by name; pdb shows none on 3.12/3.13 either), so it re-runs no line.
// Only asked for a backward jump within a line, which is rare: the name compare stays off the
// hot path.
bool StateMachine::sendLoopJump(uint32_t codeId, int32_t lasti) const {
    if (lasti < 0 || codeId >= defs_.codes.size()) return false;
    const auto& c = defs_.codes[codeId];
    const int i = c.instructionAt(static_cast<uint32_t>(lasti));
    return i >= 0 && c.instructions[static_cast<size_t>(i)].opname == "SEND";
}

int32_t StateMachine::lineAt(uint32_t codeId, int32_t lasti) {
    if (codeId >= defs_.codes.size()) return -1;
    return lines(codeId).lineAt(lasti);
}

ThreadState& StateMachine::newThread(uint32_t id, uint64_t fileOffset) {
    if (id >= state_.threads.size()) {
        REEL_REQUIRE(id < kMaxThreads, fileOffset, "thread id out of range");
        state_.threads.resize(id + 1);
        for (uint32_t i = 0; i < state_.threads.size(); ++i) state_.threads[i].id = i;
    }
    ThreadState& t = state_.threads[id];
    t.seen = true;
    return t;
}

void StateMachine::emptyStack(uint64_t fileOffset, const char* what) {
    throw TraceFormatError(what, fileOffset);
}

void StateMachine::finishPendingPop() {
    pendingPop_ = false;
    ThreadState& t = state_.threads[state_.thread];
    REEL_ASSERT(!t.stack.empty() && t.stack.back().exiting, "pending pop without an exiting frame");
    Frame f = std::move(t.stack.back());
    t.stack.pop_back();
    if (state_.kind == RecordKind::Yield) {
        f.exiting = false;
        f.prevWasOpcode = false;
        state_.suspended[f.id] = std::move(f);
    }
}

namespace {
constexpr size_t kMaxSetAside = 8;
}  // namespace

void StateMachine::notify(ExceptionEvent::What what, const ExceptionInFlight& x, uint64_t event,
                          uint32_t thread, const Frame* f, int32_t handlerOffset) {
    if (!observer_) return;
    ExceptionEvent e;
    e.what = what;
    e.index = x.index;
    e.event = event;
    e.thread = thread;
    e.frameId = f ? f->id : x.frameId;
    e.codeId = f ? f->codeId : 0;
    e.line = f ? f->line : 0;
    e.handlerOffset = handlerOffset;
    e.value = x.value;
    observer_->onException(e);
}

void StateMachine::clearException(ThreadState& t, uint64_t event, uint32_t thread, const Frame* f,
                                  int32_t handlerOffset) {
    notify(ExceptionEvent::What::Handled, *t.exception, event, thread, f, handlerOffset);
    t.exception.reset();
    if (!t.setAside.empty()) {
        t.exception = t.setAside.back();
        t.setAside.pop_back();
    }
}

void StateMachine::numbered(const Record& r, uint32_t thread, ThreadState& t) {
    state_.event = r.event;
    state_.kind = r.kind;
    state_.thread = thread;
    t.lastEvent = r.event;
    t.lastKind = r.kind;
    lastDepth_ = static_cast<uint32_t>(t.stack.size());
    if (r.kind != RecordKind::Opcode) lastCallStart_ = false;
    eventDone_ = true;
}

void StateMachine::apply(const Record& r, uint32_t thread, uint64_t fileOffset) {
    if (pendingPop_) finishPendingPop();
    if (eventDone_) {
        changes_.clear();
        eventDone_ = false;
    }
    switch (r.kind) {
        case RecordKind::Opcode: {
            ThreadState& t = threadRef(thread, fileOffset);
            Frame& f = topFrame(t, fileOffset, "OPCODE with no frame on the thread's stack");
            const int32_t line = lines(f.codeId).lineAt(r.lasti);
            // Only a CALL leaves prevWasOpcode false (a RESUME sets it, an EXCEPTION keeps it).
            lastCallStart_ = !f.prevWasOpcode;
            // The first event of a frame put back by REENTER is where it resumed: a stop, as a
            // RESUME event is (only a REENTER makes an OPCODE its frame's activation).
            lastLineStop_ = line >= 0 && (!f.prevWasOpcode || line != f.line ||
                                          (r.lasti <= f.lasti && !sendLoopJump(f.codeId, r.lasti)) ||
                                          f.activationEvent == r.event);
            f.lasti = r.lasti;
            f.line = line;
            if (line >= 1) f.lastLine = line;
            f.prevWasOpcode = true;
            // The frame the exception reached runs on: a handler caught it, and this is the
            // handler's first instruction (traces from recorders that wrote no HANDLED record
            // under legacy tracing).
            if (t.exception && !t.exception->uncaught) {
                if (t.exception->frameId == f.id) {
                    f.handled = *t.exception;
                    clearException(t, r.event, thread, &f, static_cast<int32_t>(r.lasti));
                } else if (std::none_of(t.stack.begin(), t.stack.end(), [&](const Frame& s) {
                               return s.id == t.exception->frameId;
                           })) {
                    // The frame it last reached is gone and the thread runs on without it
                    // entering this frame: code that is not recorded swallowed it (C code such
                    // as the iterator that stops at a __getitem__'s IndexError, hasattr(), or a
                    // frame left out by --only). No handler offset.
                    clearException(t, r.event, thread, &f, -1);
                }
            }
            state_.value = kNone;
            numbered(r, thread, t);
            return;
        }
        case RecordKind::Call: {
            ThreadState& t = threadRef(thread, fileOffset);
            REEL_REQUIRE(r.a < defs_.codes.size(), fileOffset, "CALL of an unknown code id");
            // A new outermost call on a thread whose previous exception escaped it: that story is
            // over.
            if (t.stack.empty()) {
                t.exception.reset();
                t.setAside.clear();
            }
            Frame f;
            f.id = r.b;
            f.codeId = static_cast<uint32_t>(r.a);
            f.lasti = r.lasti;
            f.line = lines(f.codeId).lineAt(r.lasti);
            f.lastLine = std::max(f.line, 0);
            f.callEvent = f.activationEvent = r.event;
            f.slots.resize(defs_.codes[r.a].localNames.size());
            t.stack.push_back(std::move(f));
            state_.value = kNone;
            lastLineStop_ = true;
            numbered(r, thread, t);
            return;
        }
        case RecordKind::Resume: {
            ThreadState& t = threadRef(thread, fileOffset);
            auto it = state_.suspended.find(r.a);
            REEL_REQUIRE(it != state_.suspended.end(), fileOffset,
                         "RESUME of a frame that is not suspended");
            if (t.stack.empty()) {
                t.exception.reset();
                t.setAside.clear();
            }
            Frame f = std::move(it->second);
            state_.suspended.erase(it);
            f.lasti = r.lasti;
            f.line = lines(f.codeId).lineAt(r.lasti);
            if (f.line >= 1) f.lastLine = f.line;
            f.activationEvent = r.event;
            // The frame goes on where it suspended (the yield's position): the rest of the yield's
            // line is not a new line, as no line event comes there in CPython (pdb stops at the
            // next line). A backward jump or another line still is one.
            f.prevWasOpcode = true;
            t.stack.push_back(std::move(f));
            state_.value = kNone;
            lastLineStop_ = true;
            numbered(r, thread, t);
            return;
        }
        case RecordKind::Reenter: {
            // Resumed without an event of its own (3.11, EventStream.h): the frame is back on the
            // stack for the next event, which is one of its own, and nothing stops here.
            ThreadState& t = threadRef(thread, fileOffset);
            auto it = state_.suspended.find(r.a);
            REEL_REQUIRE(it != state_.suspended.end(), fileOffset,
                         "REENTER of a frame that is not suspended");
            Frame f = std::move(it->second);
            state_.suspended.erase(it);
            f.activationEvent = r.event;
            // It goes on inside the line it suspended in: its next opcode is no line start (the
            // event itself is a stop all the same, as a RESUME's is).
            f.prevWasOpcode = true;
            t.stack.push_back(std::move(f));
            return;
        }
        case RecordKind::Return:
        case RecordKind::Yield:
        case RecordKind::Unwind: {
            ThreadState& t = threadRef(thread, fileOffset);
            Frame& f =
                topFrame(t, fileOffset, "RETURN/YIELD/UNWIND with no frame on the thread's stack");
            f.lasti = r.lasti;
            f.line = lines(f.codeId).lineAt(r.lasti);
            if (f.line >= 1) f.lastLine = f.line;
            f.exiting = true;
            // Unwinding with nothing in flight: RERAISE (end of a `finally` or `with` cleanup, a
            // bare `raise`) re-raised what this frame's handler caught; no event says so.
            if (r.kind == RecordKind::Unwind && f.handled &&
                (!t.exception || t.exception->uncaught)) {
                t.exception = *f.handled;
                t.exception->frameId = f.id;
                t.exception->lastEvent = r.event;
                f.handled.reset();
                notify(ExceptionEvent::What::Reraised, *t.exception, r.event, thread, &f);
            }
            if (t.exception && !t.exception->uncaught && t.exception->frameId == f.id) {
                if (r.kind == RecordKind::Unwind) {
                    if (t.stack.size() == 1) {
                        t.exception->uncaught = true;
                        notify(ExceptionEvent::What::Uncaught, *t.exception, r.event, thread, &f);
                    }
                } else {
                    // Returned or yielded normally after the exception reached it (generator
                    // close(): GeneratorExit, then return): the frame dealt with it.
                    clearException(t, r.event, thread, &f, -1);
                }
            }
            pendingPop_ = true;
            state_.value = r.kind == RecordKind::Unwind ? kNone : r.value;
            lastLineStop_ = true;
            numbered(r, thread, t);
            return;
        }
        case RecordKind::Exception: {
            ThreadState& t = threadRef(thread, fileOffset);
            Frame& f = topFrame(t, fileOffset, "EXCEPTION with no frame on the thread's stack");
            f.lasti = r.lasti;
            f.line = lines(f.codeId).lineAt(r.lasti);
            if (f.line >= 1) f.lastLine = f.line;
            // prevWasOpcode stays: an exception does not end the line. The StopIteration that a
            // finished `await`/`yield from` delivers is followed by the rest of the same line, with
            // no line event in CPython; a handler starts with PUSH_EXC_INFO, which has no line, so
            // the handler's first line still starts one.
            auto& x = t.exception;
            // A set-aside exception reaching a frame again: the nested one ended without an event
            // of its own (C code such as generator close() swallowed it).
            if (!t.setAside.empty() && t.setAside.back().value == r.value &&
                !(x && x->value == r.value)) {
                if (x) notify(ExceptionEvent::What::Handled, *x, r.event, thread, &f);
                x = t.setAside.back();
                t.setAside.pop_back();
            }
            const bool live = x && !x->uncaught;
            // Propagation: right after an UNWIND, a re-raise in the same frame, or the same
            // exception object reaching a frame that was already running when it was raised.
            const bool propagated =
                live && ((t.lastKind == RecordKind::Unwind && t.lastEvent != kNoEvent) ||
                         (x->value == r.value &&
                          (x->frameId == f.id || f.activationEvent < x->raisedAt)));
            // Raised in a generator/coroutine resumed after the live exception last moved (close()
            // during unwinding sends GeneratorExit): nested, not a replacement; the live one goes
            // on once the nested one ends. A plain call raising instead is taken as a replacement:
            // C code swallows exceptions without any event (e.g. re's parser catching IndexError).
            const bool resumed = f.activationEvent != f.callEvent;
            const bool nested =
                live && !propagated && resumed && f.activationEvent > x->lastEvent;
            if (propagated) {
                x->frameId = f.id;
                x->lastEvent = r.event;
                notify(ExceptionEvent::What::Propagated, *x, r.event, thread, &f);
            } else {
                if (nested) {
                    // Bounded: a set-aside exception whose propagation never resumes is dropped
                    // once a few newer ones wait.
                    if (t.setAside.size() == kMaxSetAside) t.setAside.erase(t.setAside.begin());
                    t.setAside.push_back(*x);
                }
                else if (live)
                    notify(ExceptionEvent::What::Replaced, *x, r.event, thread, &f);
                ExceptionInFlight nx;
                nx.value = r.value;
                nx.frameId = f.id;
                nx.raisedAt = nx.lastEvent = r.event;
                nx.index = state_.exceptionCount++;
                x = nx;
                notify(ExceptionEvent::What::Raised, *x, r.event, thread, &f);
            }
            state_.value = r.value;
            lastLineStop_ = true;
            numbered(r, thread, t);
            return;
        }
        case RecordKind::LocalSet:
        case RecordKind::LocalDel: {
            ThreadState& t = threadRef(thread, fileOffset);
            Frame& f =
                topFrame(t, fileOffset, "LOCAL_SET/LOCAL_DEL with no frame on the thread's stack");
            REEL_REQUIRE(r.a < f.slots.size(), fileOffset, "local slot beyond the code's locals");
            Local& l = f.slots[r.a];
            l.value = r.kind == RecordKind::LocalSet ? r.value : unboundRef();
            l.changedAt = r.event;
            changes_.push_back({f.id, LocalKey::slot(static_cast<uint32_t>(r.a))});
            return;
        }
        case RecordKind::NameSet:
        case RecordKind::NameDel: {
            ThreadState& t = threadRef(thread, fileOffset);
            Frame& f =
                topFrame(t, fileOffset, "NAME_SET/NAME_DEL with no frame on the thread's stack");
            const auto id = static_cast<uint32_t>(r.a);
            auto it = f.names.begin();
            while (it != f.names.end() && it->nameId != id) ++it;
            if (r.kind == RecordKind::NameSet) {
                if (it == f.names.end())
                    f.names.push_back({id, r.value, r.event});
                else
                    it->value = r.value, it->changedAt = r.event;
            } else if (it != f.names.end()) {
                // Deleting keeps dict order of the others; a later re-bind appends, like a dict.
                f.names.erase(it);
            } else {
                return;  // deleting a name that is not bound changes nothing
            }
            changes_.push_back({f.id, LocalKey::name(id)});
            return;
        }
        case RecordKind::Thread:
            threadRef(static_cast<uint32_t>(r.a), fileOffset);
            return;
        case RecordKind::ThreadEnd: {
            ThreadState& t = threadRef(static_cast<uint32_t>(r.a), fileOffset);
            t.ended = true;
            t.stack.clear();
            return;
        }
        case RecordKind::Output:
            state_.outputBytes[r.a - 1] += r.blobLen;
            ++state_.outputRecords;
            return;
        case RecordKind::Handled: {
            ThreadState& t = threadRef(thread, fileOffset);
            if (t.exception && !t.exception->uncaught) {
                if (!t.stack.empty() && t.stack.back().id == t.exception->frameId)
                    t.stack.back().handled = *t.exception;
                clearException(t, r.event, thread, t.top(), static_cast<int32_t>(r.offset));
            }
            return;
        }
        case RecordKind::Time:
            state_.timeNs = static_cast<int64_t>(r.a);
            return;
        case RecordKind::CoroOrigin:
        case RecordKind::FrameObject: {
            // Names the owner of a frame that is normally the running one; an id that is not alive
            // (the recorder raced a frame's end) has nothing to attach to.
            Frame* target = nullptr;
            if (thread < state_.threads.size() && !state_.threads[thread].stack.empty() &&
                state_.threads[thread].stack.back().id == r.a)
                target = &state_.threads[thread].stack.back();
            else
                target = const_cast<Frame*>(state_.findFrame(r.a));
            if (target)
                (r.kind == RecordKind::CoroOrigin ? target->origin : target->object) = r.value;
            return;
        }
        case RecordKind::AsyncGenHook:
            return;
    }
}

}  // namespace reel::replayer
