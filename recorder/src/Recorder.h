#pragma once
// One recording session: the trace writer, the event encoder, value capture, the code table and
// the per-thread shadow stacks that turn raw frame state into LOCAL_SET/LOCAL_DEL/NAME_SET/
// NAME_DEL deltas. The hooks (SettraceHook.cpp on every version, MonitoringHook.cpp on 3.12+) call
// the on*() methods with the GIL held; failures throw, and the hook turns them into
// internalError(), which stops the session.

#include "Compat.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "CodeTable.h"
#include "OpcodeTable.h"
#include "SharedShape.h"
#include "ValueCapture.h"
#include "reel/format/EventStream.h"
#include "reel/format/TraceWriter.h"
#include "reel/replayer/FlightWriter.h"

namespace reel::recorder {

struct RecorderOptions {
    std::string path;
    CaptureLimits limits;
    PathFilter filter;
    uint32_t originDepth = 0;
    format::HeaderInfo header;
    bool durable = false;
    uint64_t mainThreadIdent = 0;
    // Privacy (issue 6): names matching `redact` record their value as Redacted; `noValues`
    // records every value as its type only. See ValueCapture::setPrivacy.
    std::string redact;
    bool noValues = false;
    // Flight recorder (`--last N`): keep only about the last N events (0: record everything).
    uint64_t flightLast = 0;
};

struct SlotShadow {
    PyObject* ptr = nullptr;  // borrowed, only compared: holding it would change lifetimes
    format::ValueRef ref;
    // What `ref` depended on, for ValueCapture::recapture; shared with the other slots (and
    // recentShapes_ entries) that hold the same object with the same snapshot. NULL: unknown.
    SharedShape shape;
    bool mayMutate = false;  // ValueCapture::mayMutate(ptr), computed when ptr was bound
};

struct NameShadow {
    PyObject* ptr = nullptr;
    format::ValueRef ref;
    ValueShape shape;
    bool mayMutate = false;
    uint32_t stringId = 0;
    uint64_t seen = 0;  // sweep epoch in which the name was last found in the dict
};

struct ShadowFrame {
    _PyInterpreterFrame* iframe = nullptr;
    CodeInfo* code = nullptr;
    uint64_t frameId = 0;
    uint64_t lastMutations = 0;
    uint64_t lastRound = 0;  // Recorder::deltaRound_ of this frame's latest deltas()
    uint64_t frameLocalsWrites = 0;  // Recorder::frameLocalsWrites_ at that deltas()
    // opflag bits of the instruction announced by this frame's latest opcode event (0 after any
    // other event): a 'return' right after YIELD_VALUE is a yield, after RETURN_* a return. f_lasti
    // alone cannot tell (3.13 reports a yield at the instruction after YIELD_VALUE).
    uint16_t lastOpFlags = 0;
    // The slots that instruction binds when that is all it does (CodeInfo::storeSlots), else
    // CodeInfo::kNoStore: reset wherever lastOpFlags is set.
    uint32_t lastStore = CodeInfo::kNoStore;
    // Where control went after this frame's latest recorded instruction (its next instruction,
    // or the target of an unconditional jump; UINT32_MAX when unknown: a new or adopted frame):
    // where the walk over implied instructions starts (Recorder::catchUp).
    uint32_t nextUnit = UINT32_MAX;
    // purity::Yielded of what it has yielded (resumedByReporter): the kind of every value so far
    // when they were all of one kind, else Other; kNotYielded before the first yield. A consumer
    // like min, sum or set() works on the earlier values too (compares, adds or hashes them).
    static constexpr uint8_t kNotYielded = 0xFF;
    uint8_t lastYielded = kNotYielded;
    // ThreadShadow::suspends when this activation (call or resumption) began.
    uint64_t suspendsAtEntry = 0;
    bool raiseMutates = false;  // its latest instruction's purity::Verdict::raiseMutates
    uint64_t lastDictVersion = 0;
    bool dictInit = false;
    uint64_t sweep = 0;
    std::vector<SlotShadow> slots;
    // Dict-locals frames (module, class body, exec): keyed by the name object (borrowed; the
    // dict keeps it alive while it is a key, and a vanished key is swept).
    std::unordered_map<PyObject*, NameShadow> names;
    // --redact: which fast slots of `code` have a matching name (redactMaskFor), cached per frame.
    const CodeInfo* redactCode = nullptr;
    const std::vector<uint8_t>* redactMask = nullptr;
};

struct ThreadShadow {
    uint32_t id = 0;
    uint64_t ident = 0;
    std::vector<ShadowFrame> stack;  // stack[0..depth) live; entries beyond keep their capacity
    size_t depth = 0;
    // Suspended generator/coroutine frames by interpreter frame address (stable inside the
    // generator object while it lives).
    using SuspendedMap = std::unordered_map<_PyInterpreterFrame*, ShadowFrame>;
    SuspendedMap suspended;
    uint64_t suspends = 0;  // generator and coroutine suspensions (yields) so far
};

class Recorder {
  public:
    Recorder(RecorderOptions options, const OpcodeTable& ops);
    ~Recorder();
    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;

    // Hook entry points (GIL held), in sys.settrace terms: both hooks translate their events to
    // these. `frame` is the interpreter frame the event is about (its f_lasti is read from it) and
    // `code` its CodeInfo, which must be traced. onReturn's `arg` is NULL for an unwind.
    void onCall(_PyInterpreterFrame* frame, CodeInfo* code);
    // Returns true when the instruction's event is implied (opflag::kImplied): nothing was
    // recorded, and the hook may stop reporting this instruction (sys.monitoring.DISABLE).
    bool onOpcode(_PyInterpreterFrame* frame, CodeInfo* code);
    // onOpcode when `frame` is the top of the thread's shadow stack (the usual case), whose
    // CodeInfo is then known without a co_extra lookup: kNotTop (nothing done) otherwise.
    enum AtTop : int { kNotTop = 0, kRecorded = 1, kImpliedEvent = 2 };
    AtTop onOpcodeAtTop(_PyInterpreterFrame* frame);
    void onReturn(_PyInterpreterFrame* frame, CodeInfo* code, PyObject* arg);
    void onException(_PyInterpreterFrame* frame, CodeInfo* code, PyObject* arg);
    // The exception in flight was caught by `frame`'s handler at `handlerOffset` (sys.monitoring
    // EXCEPTION_HANDLED; legacy tracing has no such event).
    void onHandled(_PyInterpreterFrame* frame, CodeInfo* code, int handlerOffset);
    void onOutput(int stream, const char* data, size_t len);
    // An async generator hook call (0 firstiter, 1 finalizer) for `agen`.
    void onAsyncGenHook(int hook, PyObject* agen);

    CodeTable& codes() { return codes_; }
    // Frames running when recording started that stay out of the trace (the launcher's own
    // frames under `python -m reel record`).
    void ignoreFrame(_PyInterpreterFrame* f) { ignored_.insert(f); }
    ValueCapture& values() { return *values_; }
    const RecorderOptions& options() const { return options_; }

    // Hands everything over to the writer and closes the file.
    void finish(const format::ExitInfo& exit);
    // Where the trace is being written until close() renames it (empty under --last: the flight
    // recorder keeps its window in memory).
    std::string partialPath() const { return writer_ ? writer_->partialPath().string() : ""; }
    // Hands over what is buffered (for os._exit and crash safety).
    void flush();
    // Before fork(): the writer threads end, and start again with the next hand-over, so that
    // the forking process has only the program's own threads (WorkQueue::pause).
    void pauseWriters();
    uint64_t eventCount() const { return firstEvent_ + enc_.eventCount; }
    uint64_t serial() const { return serial_; }
    // sys.monitoring: `fn` instruments a code object afresh, switching its INSTRUCTION events
    // back on where a callback answered DISABLE (guardStores). Legacy tracing reports every event
    // and needs none.
    void setReinstrument(void (*fn)(PyCodeObject*)) { reinstrument_ = fn; }
    // The thread with this trace id is finishing (ThreadEndWatch.h): THREAD_END, once.
    void onThreadEnd(uint32_t threadId);
    // The calling OS thread is the `threading.Thread` named `name`, about to be recorded (its
    // gate opens): its THREAD definition, written at its first event, carries that name.
    void nameThread(uint64_t ident, std::string name) { threadNames_[ident] = std::move(name); }

  private:
    ThreadShadow& thread();
    ThreadShadow& newThread();  // thread()'s first call in a thread (or session)
    void switchThread(ThreadShadow& ts);
    [[gnu::noinline]] void threadSwitched(ThreadShadow& ts);  // switchThread's rare path
    // The shadow of `frame`, or nullptr for an ignored frame (`leaving`: its last event).
    ShadowFrame* frameFor(ThreadShadow& ts, _PyInterpreterFrame* frame, CodeInfo* code,
                          bool leaving);
    ShadowFrame& push(ThreadShadow& ts);
    // false: the instruction's event is implied, nothing was done.
    bool opcodeIn(ThreadShadow& ts, ShadowFrame& sf, _PyInterpreterFrame* frame);
    // The frame's state check for its latest recorded instruction (checkLocals; deltas() with
    // `fullCheck`), then the events of the implied instructions it ran since, on its way to
    // instruction unit `i` (with `through`, `i` too, which is implied): the walk from
    // ShadowFrame::nextUnit that CodeTable::markImplied makes unambiguous. The check leaves out
    // the slots of implied stores on the way: each is bound right after its store's event
    // (storedSlots), as when the store is recorded. The caller then sets nextUnit past `i`.
    void catchUp(ShadowFrame& sf, size_t i, bool through, bool fullCheck = false);
    struct PendingRun {
        size_t from = 0, end = 0;  // the implied instructions' units [from, end)
        uint64_t stores = 0;       // the slots implied stores among them (and `i`) bind
    };
    // catchUp's walk: false when the frame's position is unknown or the walk does not reach `i`
    // (counted in implied_).
    bool walkPending(const ShadowFrame& sf, size_t i, bool through, PendingRun& run);
    // An implied instruction with flow::kConditional at its event: whether its event is implied
    // this time (else it is recorded). A store whose event is implied gets flow::kDisabled (the
    // hook switches it off).
    [[gnu::noinline]] bool impliedNow(ShadowFrame& sf, size_t i, _PyInterpreterFrame* frame);
    // At an implied store's event: whether something since the frame's latest recorded
    // instruction may have changed the value in one of its `slots` (a mutation counted while that
    // value can change in place, a write through f_locals): the store is then recorded, so that
    // the frame's check comes before the value is replaced.
    bool storeRisky(const ShadowFrame& sf, uint32_t slots) const;
    // Whether one of `slots` (CodeInfo::storeSlots) holds a value that can change in place.
    bool holdsChangeable(const ShadowFrame& sf, uint32_t slots) const;
    // 3.12+ sys.monitoring: code may run (`onlyMutable`: a mutation may be counted, nothing else)
    // while the frame is paused before implied stores whose events are switched off: those that
    // storeRisky could then find risky become recorded instructions, for good, and the code
    // object is instrumented afresh when one was switched off (reinstrument_).
    void guardStores(ShadowFrame& sf, bool onlyMutable);
    // The frame's check and the pending events up to and including implied unit `at`
    // (pendingAt's answer: an exception or return reported at it, a paused frame); the frame
    // continues after it. Returns its opflag bits.
    uint16_t writeThrough(ShadowFrame& sf, size_t at, bool fullCheck = false);
    // Something is about to be recorded while the frame `sf` may be paused at an implied
    // instruction that runs code (a backward jump's eval-breaker check: a signal handler, a
    // finalizer, another thread; a dropped reference's finalizer): its state check and pending
    // events come first, up to and including that instruction, as if it had been recorded.
    // With `guard`, code is about to run (a call, another thread): guardStores.
    void settlePaused(ShadowFrame& sf, bool guard = true);
    // The unit of the implied instruction at `lasti` whose event is not written yet, or SIZE_MAX.
    // `raised`: `lasti` is where an exception was reported.
    size_t pendingAt(const ShadowFrame& sf, int lasti, bool raised = false) const;
    // settlePaused for the top frame of the thread recorded last, when that is still the frame
    // the thread runs (a switch to another thread is about to be written).
    void settleThread(uint32_t id);
    // settlePaused for the calling thread's top frame when it is the frame running.
    void settleCurrent(ThreadShadow& ts);
    // After a call or resumption event: the frame continues after the instruction at its f_lasti.
    void enteredAt(ShadowFrame& sf, _PyInterpreterFrame* iframe);
    ThreadShadow::SuspendedMap::iterator resumable(ThreadShadow& ts, _PyInterpreterFrame* iframe,
                                                   const CodeInfo& code);
    ShadowFrame& reinstate(ThreadShadow& ts, ThreadShadow::SuspendedMap::iterator it,
                           _PyInterpreterFrame* iframe);
    // deltas(), unless the frame's latest instruction wrote no local and no mutation was counted
    // since its last check, or only bound locals (storedSlots).
    void checkLocals(ShadowFrame& sf);
    // Another thread held the GIL since the last check of any frame: it may have changed anything
    // without a mutation counted (a thread the recording leaves out: one started with
    // `_thread.start_new_thread` or by C code, while this one waited in `lock.acquire()`, judged
    // pure). Counted as a mutation that names nothing, so every frame's next check is complete.
    void noteOtherThreads();
    // A mutation that names no object: every frame's next check is complete (deltas()).
    void countUnnamedMutation() {
        ++mutations_;
        untargetedAt_ = mutations_;
    }
    // deltas() after a STORE_FAST (or 3.13's pair forms) with nothing else run since the frame's
    // last check: the stored `slots` (CodeInfo::storeSlots).
    void storedSlots(ShadowFrame& sf, uint32_t slots);
    // A slot found holding another object than at the frame's last check (`moved`), or checked by
    // value after a write through f_locals: its new snapshot, recorded if it differs.
    void rebindSlot(ShadowFrame& sf, uint32_t i, PyObject* v, bool cell, bool moved);
    void checkDepth(const CodeInfo& ci, size_t i, _PyInterpreterFrame* frame);
    static bool startsFresh(_PyInterpreterFrame* iframe, const CodeInfo& code);
    void pushNew(ThreadShadow& ts, _PyInterpreterFrame* frame, CodeInfo* code);
    void deltas(ShadowFrame& sf);
    // The snapshot of mutable `v` for a slot whose shape is `shape`: from recentShapes_ when `v`
    // was checked since the last non-pure instruction and is provably the same object (see the
    // definition), else by recapture (`prev` valid) or a shaped capture (`rebound`).
    format::ValueRef shapedRef(PyObject* v, format::ValueRef prev, bool rebound, bool cell,
                               const ShadowFrame& sf, SlotShadow& slot,
                               const ChangeSet* changes = nullptr);
    // The slot's shape to write a new one into: its own, or a fresh one when it is shared.
    static ValueShape& ownShape(SlotShadow& s);
    // Whether `cell` is among the objects logged since the check being made (deltas()).
    bool cellRebound(PyObject* cell, const ContainerBloom& changed) const;
    // `skipNames`: a tuple of names (a code's co_localsplusnames) whose keys are not reported.
    // `targeted`: every mutation since the frame's last check is in changeSet_ (deltas()).
    void dictDeltas(ShadowFrame& sf, PyObject* dict, bool mutated, bool targeted,
                    PyObject* skipNames = nullptr);
    const std::vector<uint8_t>& redactMaskFor(const ShadowFrame& sf);
    void maybeHandOver();
    // `mayEndGeneration`: the batch ends right after a numbered event, so a flight recording may
    // start its next generation after it.
    void handOver(bool mayEndGeneration = false);

    RecorderOptions options_;
    const OpcodeTable& ops_;
    CodeTable codes_;
    std::unique_ptr<ValueCapture> values_;
    std::unique_ptr<format::TraceWriter> writer_;
    // --last N: replaces writer_. The next generation starts at the first hand-over at or after
    // event nextGeneration_.
    std::unique_ptr<replayer::FlightWriter> flight_;
    uint64_t nextGeneration_ = 0;
    // The latest exception refs: kept valid across a generation switch, so a re-raise of an
    // exception in flight there still gets the same ref (the replayer matches them by ref).
    static constexpr size_t kRecentExceptions = 64;
    std::vector<format::ValueRef> recentExceptions_;
    size_t recentExceptionCount_ = 0;
    format::EventEncoder enc_;

    std::vector<std::unique_ptr<ThreadShadow>> threads_;
    std::unordered_map<uint64_t, ThreadShadow*> threadsByIdent_;
    std::vector<format::ThreadRecord> pendingThreads_;
    std::unordered_map<uint64_t, std::string> threadNames_;  // nameThread's, until newThread
    uint32_t curThread_ = 0;
    bool anyThread_ = false;

    uint64_t nextFrameId_ = 0;
    uint64_t mutations_ = 0;  // bumped before every non-pure instruction runs
    // The latest snapshots of mutable objects with the mutation count they were taken at: while
    // the count has not moved, the object cannot have changed, so another frame holding it (a
    // caller's `self`, an argument just bound) reuses the answer instead of walking the graph
    // again. Direct-mapped by address; `batchFirst` (firstEvent_ then) drops entries across a
    // hand-over, after which refs may have to be written again (flight generations).
    struct RecentShape {
        PyObject* obj = nullptr;  // borrowed, compared only
        uint64_t at = 0;
        uint64_t round = 0;  // deltaRound_ when stored or last confirmed
        uint64_t batchFirst = 0;
        format::ValueRef ref;
        SharedShape shape;
    };
    static constexpr size_t kRecentShapes = 16;
    uint64_t deltaRound_ = 0;                  // bumped by every deltas() call
    const ShadowFrame* borrowFrom_ = nullptr;  // onCall: the caller, for its arguments' snapshots
    std::vector<RecentShape> recentShapes_ = std::vector<RecentShape>(kRecentShapes);
    // REEL_CHECK_STACK_DEPTH=1: compare the static stack-depth table with the saved stack pointer
    // at every opcode event (3.11); the counts go to stderr when the session ends.
    bool checkDepths_ = false;
    // REEL_PURITY_SITES=1: every instruction judged a mutation nobody names is counted by site
    // (code object, offset) and listed on stderr when the session ends, the most frequent first:
    // where a purity rule is missing (tests/python/test_purity.py checks that the idioms it
    // covers leave none). The code objects are kept alive, so an address names one site.
    struct UnnamedSite {
        uint64_t count = 0;
        // Unchanged shape walks between this site's mutations and the next unnamed one: what the
        // missing rule costs, roughly (walks after named changes in between count too).
        uint64_t walks = 0;
        std::string label;  // file, qualified name, offset
    };
    UnnamedSite* lastUnnamed_ = nullptr;
    uint64_t walksAtLastUnnamed_ = 0;
    std::map<std::pair<const void*, size_t>, UnnamedSite> unnamedSites_;
    bool countSites_ = false;
    void noteUnnamedSite(_PyInterpreterFrame* frame, size_t offset);
    // A/B switches for measurements (REEL_PURITY=static: only the static PURE flags;
    // REEL_SHARE_SHAPES=0: no recentShapes_ reuse). Both on by default.
    bool dynPurity_ = true;
    bool shareShapes_ = true;
    // Targeted mutations (Purity.h, judge): the objects changed by the latest kTargetLog
    // non-pure instructions, by mutation count, and the count of the latest one that named no
    // object. A frame whose previous check is after that count and within the log re-checks only
    // the locals whose last shape walk read one of the logged objects (ValueShape::mayHaveRead).
    // REEL_TARGETED=0 turns this off (every mutable local is re-checked after any mutation).
    struct MutationTargets {
        MutationChange a, b;  // objects borrowed, compared and hashed only; b.obj may be NULL
    };
    static constexpr uint64_t kTargetLog = 64;
    std::vector<MutationTargets> targetLog_ = std::vector<MutationTargets>(kTargetLog);
    uint64_t untargetedAt_ = 0;
    // noteOtherThreads: the interpreter's GIL hand-over count, and its value at the last check.
    const unsigned long* gilSwitches_ = nullptr;
    unsigned long seenGilSwitches_ = 0;
    // 3.13: instructions that may have written fast locals through a FrameLocalsProxy (Verdict).
    uint64_t frameLocalsWrites_ = 0;
    bool targeted_ = true;
    // Implied opcode events (catchUp): written, runs not written because the frame's position
    // before them is unknown (adopted mid-way), and runs reached some other way (a bug in
    // CodeTable::markImplied; REEL_IMPLIED_CHECK=1 prints all three at the end).
    // Implied stores: events recorded because storeRisky said so, and stores made recorded for
    // good by guardStores.
    struct ImpliedCounts {
        uint64_t written = 0, unknownStart = 0, strayRuns = 0;
        uint64_t storesRecorded = 0, storesDemoted = 0;
    } implied_;
    uint64_t deltaSkip_ = 0;  // slots deltas() leaves to pending implied stores (catchUp)
    void (*reinstrument_)(PyCodeObject*) = nullptr;
    bool impliedCheck_ = false;
    bool shapeStats_ = false;  // REEL_SHAPE_STATS=1: shape counters on stderr at the end
    int64_t handOverIntervalNs_ = 250'000'000;  // bounds what os._exit can lose
    // REEL_SKIP_UNWRITTEN=0: compare every slot at every event (opcodeIn), for A/B runs.
    bool skipUnwritten_ = true;
    std::vector<MutationChange> changes_;  // deltas(): the ChangeSet's items, capacity kept
    ChangeSet changeSet_;
    struct DepthChecks {
        uint64_t events = 0, compared = 0, unknown = 0;
        uint64_t pure[dyn::kLast + 1] = {}, impure[dyn::kLast + 1] = {};  // per dyn kind
    } depthChecks_;
    uint64_t firstEvent_ = 0;
    uint32_t batchStartThread_ = 0;
    uint64_t batchStartFrameId_ = 0;
    int64_t batchStartNs_ = 0;
    int64_t startNs_ = 0;
    uint32_t checkCountdown_ = 0;
    bool finished_ = false;
    bool redacting_ = false;  // values_->redacting(), fixed at start
    uint64_t serial_;
    std::unordered_set<_PyInterpreterFrame*> ignored_;
    std::unordered_map<const CodeInfo*, std::vector<uint8_t>> redactMasks_;
};

int64_t monotonicNs();

}  // namespace reel::recorder
