#pragma once
// Applies event-stream records (format/EventStream.h) to a ProgramState, one record at a time.
// The single implementation of the event semantics: the indexing pass, seeks, navigation scans
// and the sequential EventCursor all run records through it, so they cannot disagree.
//
// API stability: other modules build on this header. Additive changes only; any change is noted
// here.
//   session 34: added callStart().

#include <cstdint>
#include <memory>
#include <vector>

#include "reel/format/Definitions.h"
#include "reel/format/EventStream.h"
#include "reel/replayer/ProgramState.h"

namespace reel::replayer {

// f_lineno for every instruction offset of one code object, precomputed so a line costs one
// array read per OPCODE record (CodeObject::lineAt is a binary search).
class LineTable {
  public:
    explicit LineTable(const format::CodeObject& code);
    int32_t lineAt(int32_t lasti) const {
        if (lasti < 0) return firstLine_;
        size_t i = static_cast<size_t>(lasti) / 2;
        return i < lines_.size() ? lines_[i] : code_->lineAt(static_cast<uint32_t>(lasti));
    }

  private:
    const format::CodeObject* code_;
    std::vector<int32_t> lines_;  // by offset / 2
    int32_t firstLine_ = 0;
};

// Line tables of every code object of one trace, built on first use and shared by the machines
// replaying that trace (each seek or scan would otherwise rebuild them). Not thread-safe.
class LineTables {
  public:
    explicit LineTables(const format::Definitions& defs) : defs_(defs) {}
    const LineTable& get(uint32_t codeId) {
        if (codeId >= tables_.size()) tables_.resize(defs_.codes.size());
        auto& t = tables_[codeId];
        if (!t) t = std::make_unique<LineTable>(defs_.codes[codeId]);
        return *t;
    }

  private:
    const format::Definitions& defs_;
    std::vector<std::unique_ptr<LineTable>> tables_;
};

// What happened to an exception, reported to an ExceptionObserver during a replay.
struct ExceptionEvent {
    enum class What : uint8_t {
        Raised,      // a new propagation starts at this EXCEPTION event
        Propagated,  // the same exception reached the caller (EXCEPTION after UNWIND)
        Handled,     // HANDLED record, or the frame resumed running opcodes / returned normally
        Uncaught,    // UNWIND of the thread's outermost frame
        Replaced,    // a new exception was raised while this one was in flight (e.g. in finally)
        Reraised,    // a frame that caught it unwinds with nothing in flight (RERAISE)
    };
    What what{};
    uint64_t index = 0;  // ExceptionInFlight::index
    uint64_t event = 0;  // event the transition belongs to
    uint32_t thread = 0;
    uint64_t frameId = 0;
    uint32_t codeId = 0;
    int32_t line = 0;
    int32_t handlerOffset = -1;  // Handled via a HANDLED record
    ValueRef value;
};

class ExceptionObserver {
  public:
    virtual ~ExceptionObserver() = default;
    virtual void onException(const ExceptionEvent& e) = 0;
};

// A local changed by the records of one event.
struct LocalChange {
    uint64_t frameId = 0;
    LocalKey key;
    bool operator==(const LocalChange&) const = default;
};

class StateMachine {
  public:
    // `defs` must outlive the machine (the reader's Definitions).
    // `lines` may be shared between machines over the same trace (nullptr: a private one).
    explicit StateMachine(const format::Definitions& defs,
                          std::shared_ptr<LineTables> lines = nullptr);

    // Applies one record decoded while the decoder's current thread was `thread` (the decoder's
    // thread() after the record). Throws TraceFormatError (with `fileOffset`) when the record
    // contradicts the state: an OPCODE on an empty stack, an unknown code id, a RESUME of a frame
    // that is not suspended, a slot beyond the code's locals.
    void apply(const format::Record& r, uint32_t thread, uint64_t fileOffset);

    const ProgramState& state() const { return state_; }
    // Replaces the whole state (a checkpoint being restored).
    void setState(ProgramState s);
    void reset() { setState(ProgramState{}); }

    // Facts about the latest numbered event, for navigation scans.
    // Stack depth of the event's thread, counting a frame that is exiting at this event.
    uint32_t depth() const { return lastDepth_; }
    // The event is a line-granularity stop: any non-OPCODE event, or an OPCODE that starts a line
    // (first opcode of the frame since its CALL/RESUME/EXCEPTION, a different line than the
    // frame's previous opcode, or a jump back to an offset at or before it) or that is the first
    // event of a frame put back by REENTER, with line >= 0.
    bool lineStop() const { return lastLineStop_; }
    // The event is the first OPCODE of its frame since the frame's CALL (not a RESUME): where a
    // call's first line starts, which a function breakpoint stops at. The recorder's CALL sits at
    // the RESUME instruction, so this is the body's first instruction, not the def line.
    bool callStart() const { return lastCallStart_; }

    // Locals changed by the records belonging to the latest numbered event, in record order.
    // Only meaningful after the whole event was applied by apply() (empty after setState()).
    const std::vector<LocalChange>& changes() const { return changes_; }

    int32_t lineAt(uint32_t codeId, int32_t lasti);
    const format::Definitions& defs() const { return defs_; }

    // Receives exception transitions (used by the indexing pass to list exceptions).
    void setExceptionObserver(ExceptionObserver* o) { observer_ = o; }

  private:
    // The hot path (one OPCODE record per instruction) stays inline and remembers the last line
    // table: consecutive opcodes almost always run the same code object.
    const LineTable& lines(uint32_t codeId) {
        if (codeId != cachedCode_) {
            cachedTable_ = &lines_->get(codeId);
            cachedCode_ = codeId;
        }
        return *cachedTable_;
    }
    ThreadState& threadRef(uint32_t id, uint64_t fileOffset) {
        if (id < state_.threads.size() && state_.threads[id].seen) return state_.threads[id];
        return newThread(id, fileOffset);
    }
    ThreadState& newThread(uint32_t id, uint64_t fileOffset);
    Frame& topFrame(ThreadState& t, uint64_t fileOffset, const char* what) {
        if (t.stack.empty()) emptyStack(fileOffset, what);
        return t.stack.back();
    }
    [[noreturn]] static void emptyStack(uint64_t fileOffset, const char* what);
    bool sendLoopJump(uint32_t codeId, int32_t lasti) const;
    void finishPendingPop();
    void numbered(const format::Record& r, uint32_t thread, ThreadState& t);
    void notify(ExceptionEvent::What what, const ExceptionInFlight& x, uint64_t event,
                uint32_t thread, const Frame* f, int32_t handlerOffset = -1);
    void clearException(ThreadState& t, uint64_t event, uint32_t thread, const Frame* f,
                        int32_t handlerOffset);

    const format::Definitions& defs_;
    std::shared_ptr<LineTables> lines_;
    uint32_t cachedCode_ = ~0u;
    const LineTable* cachedTable_ = nullptr;
    ProgramState state_;
    bool pendingPop_ = false;
    bool eventDone_ = false;  // the latest record was numbered: the next one starts a new event
    std::vector<LocalChange> changes_;
    uint32_t lastDepth_ = 0;
    bool lastLineStop_ = false;
    bool lastCallStart_ = false;
    ExceptionObserver* observer_ = nullptr;
};

}  // namespace reel::replayer
