#pragma once
// Sequential walk over every event of a trace, in order, with the state maintained in place (no
// copy per event, no index needed): for exporters and other one-pass consumers.
//
//   reel::replayer::EventCursor cur(reader);
//   while (cur.next()) {
//       const Frame* f = cur.frame();   // the event's frame (the exiting one at
//       RETURN/YIELD/UNWIND)
//       ... cur.kind(), cur.thread(), f->codeId, f->lasti, f->line, f->slots / f->names,
//           cur.value() for RETURN/YIELD/EXCEPTION
//   }
//
// API stability: other modules build on this header. Additive changes only; any change is noted
// here.

#include <cstdint>
#include <memory>

#include "reel/format/TraceReader.h"
#include "reel/replayer/ProgramState.h"
#include "reel/replayer/StateMachine.h"

namespace reel::replayer {

class EventCursor {
  public:
    // The reader must outlive the cursor. Starts before the first event.
    explicit EventCursor(format::TraceReader& reader);
    ~EventCursor();
    EventCursor(const EventCursor&) = delete;
    EventCursor& operator=(const EventCursor&) = delete;

    // Advances to the next numbered event (applying the records before it); false at the end of
    // the trace. Throws TraceFormatError for damage.
    bool next();

    uint64_t event() const { return state().event; }
    RecordKind kind() const { return state().kind; }
    uint32_t thread() const { return state().thread; }
    ValueRef value() const { return state().value; }
    const Frame* frame() const { return state().eventFrame(); }
    // The event is a line start (see StateMachine::lineStop).
    bool lineStop() const;
    const ProgramState& state() const;
    StateMachine& machine();

  private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace reel::replayer
