#include "reel/replayer/EventCursor.h"

#include "ChunkCursor.h"

namespace reel::replayer {

class EventCursor::Impl {
  public:
    explicit Impl(format::TraceReader& reader) : sm(reader.defs()), cursor(reader) {}
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
