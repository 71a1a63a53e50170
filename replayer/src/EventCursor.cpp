#include "reel/replayer/EventCursor.h"

#include "CheckpointState.h"

#include "ChunkCursor.h"

namespace reel::replayer {

class EventCursor::Impl {
  public:
    explicit Impl(format::TraceReader& reader) : sm(reader.defs()), cursor(reader) {
        // A slice starts from its checkpoint (the state before its first event).
        if (const auto& cp = reader.checkpoint()) {
            uint64_t at = 0;
            for (const auto& c : reader.chunks())
                if (c.kind == 5) at = c.offset;
            sm.setState(stateFromCheckpoint(*cp, reader.defs(), at));
        }
    }
    StateMachine sm;
    ChunkCursor cursor;
    bool ended = false;
};

EventCursor::EventCursor(format::TraceReader& reader) : impl_(std::make_unique<Impl>(reader)) {}
EventCursor::~EventCursor() = default;

bool EventCursor::next() {
    if (impl_->ended) return false;
    format::Record r;
    while (impl_->cursor.next(r)) {
        impl_->sm.apply(r, impl_->cursor.thread(), impl_->cursor.fileOffset());
        if (format::isNumbered(r.kind)) return true;
    }
    impl_->ended = true;
    return false;
}

bool EventCursor::lineStop() const {
    return impl_->sm.lineStop();
}
const ProgramState& EventCursor::state() const {
    return impl_->sm.state();
}
StateMachine& EventCursor::machine() {
    return impl_->sm;
}

}  // namespace reel::replayer
