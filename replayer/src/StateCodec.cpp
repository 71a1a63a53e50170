#include "StateCodec.h"

#include <algorithm>

#include "reel/format/Varint.h"

namespace reel::replayer {

using format::ByteCursor;
using format::putVarint;

namespace {

constexpr uint64_t kMaxCount = uint64_t{1} << 24;  // frames, slots, names, threads per state

void putException(std::vector<uint8_t>& out, const ExceptionInFlight& x) {
    putVarint(out, x.value.raw);
    putVarint(out, x.frameId);
    putVarint(out, x.raisedAt);
    putVarint(out, x.lastEvent);
    putVarint(out, x.index);
    putVarint(out, x.uncaught ? 1 : 0);
}

void putFrame(std::vector<uint8_t>& out, const Frame& f) {
    putVarint(out, f.id);
    putVarint(out, f.codeId);
    putVarint(out, static_cast<uint64_t>(static_cast<int64_t>(f.lasti) + 1));
    putVarint(out, format::zigzag(f.line));
    putVarint(out, format::zigzag(f.lastLine));
    putVarint(out, f.callEvent + 1);
    putVarint(out, f.activationEvent + 1);
    putVarint(out, (f.exiting ? 1u : 0u) | (f.prevWasOpcode ? 2u : 0u) | (f.object ? 4u : 0u) |
                       (f.origin ? 8u : 0u) | (f.handled ? 16u : 0u));
    if (f.object) putVarint(out, f.object->raw);
    if (f.origin) putVarint(out, f.origin->raw);
    if (f.handled) putException(out, *f.handled);
    putVarint(out, f.slots.size());
    for (const auto& l : f.slots) {
        putVarint(out, l.value.raw);
        putVarint(out, l.changedAt + 1);
    }
    putVarint(out, f.names.size());
    for (const auto& n : f.names) {
        putVarint(out, n.nameId);
        putVarint(out, n.value.raw);
        putVarint(out, n.changedAt + 1);
    }
}

ValueRef getRef(ByteCursor& c) {
    ValueRef v{c.varint()};
    REEL_REQUIRE(v.valid(), c.baseOffset(), "invalid value reference in checkpoint");
    return v;
}

ExceptionInFlight getException(ByteCursor& c) {
    ExceptionInFlight x;
    x.value = getRef(c);
    x.frameId = c.varint();
    x.raisedAt = c.varint();
    x.lastEvent = c.varint();
    x.index = c.varint();
    x.uncaught = c.varintBounded(1, "bad flag") != 0;
    return x;
}

Frame getFrame(ByteCursor& c) {
    Frame f;
    f.id = c.varint();
    f.codeId = static_cast<uint32_t>(c.varintBounded(0xFFFFFFFFu, "code id out of range"));
    f.lasti = static_cast<int32_t>(
        static_cast<int64_t>(c.varintBounded(0x80000000u, "lasti out of range")) - 1);
    f.line =
        static_cast<int32_t>(format::unzigzag(c.varintBounded(0xFFFFFFFFu, "line out of range")));
    f.lastLine =
        static_cast<int32_t>(format::unzigzag(c.varintBounded(0xFFFFFFFFu, "line out of range")));
    f.callEvent = c.varint() - 1;
    f.activationEvent = c.varint() - 1;
    uint64_t flags = c.varintBounded(31, "bad frame flags");
    f.exiting = flags & 1;
    f.prevWasOpcode = flags & 2;
    if (flags & 4) f.object = getRef(c);
    if (flags & 8) f.origin = getRef(c);
    if (flags & 16) f.handled = getException(c);
    f.slots.resize(c.varintBounded(std::min<uint64_t>(kMaxCount, c.remaining() / 2), "slot count"));
    for (auto& l : f.slots) {
        l.value = getRef(c);
        l.changedAt = c.varint() - 1;
    }
    f.names.resize(c.varintBounded(std::min<uint64_t>(kMaxCount, c.remaining() / 3), "name count"));
    for (auto& n : f.names) {
        n.nameId = static_cast<uint32_t>(c.varintBounded(0xFFFFFFFFu, "string id out of range"));
        n.value = getRef(c);
        n.changedAt = c.varint() - 1;
    }
    return f;
}

}  // namespace

void StateCodec::encode(const ProgramState& s, std::vector<uint8_t>& out) {
    putVarint(out, s.event + 1);
    putVarint(out, static_cast<uint64_t>(s.kind));
    putVarint(out, s.thread);
    putVarint(out, s.value.raw);
    putVarint(out, format::zigzag(s.timeNs));
    putVarint(out, s.outputBytes[0]);
    putVarint(out, s.outputBytes[1]);
    putVarint(out, s.outputRecords);
    putVarint(out, s.exceptionCount);
    putVarint(out, s.threads.size());
    for (const auto& t : s.threads) {
        putVarint(out, (t.seen ? 1u : 0u) | (t.ended ? 2u : 0u) | (t.exception ? 4u : 0u) |
                           (t.setAside.empty() ? 0u : 8u));
        putVarint(out, t.lastEvent + 1);
        putVarint(out, static_cast<uint64_t>(t.lastKind));
        if (t.exception) putException(out, *t.exception);
        if (!t.setAside.empty()) {
            putVarint(out, t.setAside.size());
            for (const auto& x : t.setAside) putException(out, x);
        }
        putVarint(out, t.stack.size());
        for (const auto& f : t.stack) putFrame(out, f);
    }
    putVarint(out, s.suspended.size());
    for (const auto& [id, f] : s.suspended) putFrame(out, f);
}

ProgramState StateCodec::decode(const uint8_t* data, size_t size) {
    ByteCursor c(data, size, format::TraceFormatError::kNoOffset);
    ProgramState s;
    s.event = c.varint() - 1;
    s.kind = static_cast<RecordKind>(
        c.varintBounded(static_cast<uint64_t>(RecordKind::Exception), "bad event kind"));
    s.thread = static_cast<uint32_t>(c.varintBounded(0xFFFFu, "thread id out of range"));
    s.value = getRef(c);
    s.timeNs = format::unzigzag(c.varint());
    s.outputBytes[0] = c.varint();
    s.outputBytes[1] = c.varint();
    s.outputRecords = c.varint();
    s.exceptionCount = c.varint();
    s.threads.resize(c.varintBounded(0x10000u, "thread count"));
    for (size_t i = 0; i < s.threads.size(); ++i) {
        auto& t = s.threads[i];
        t.id = static_cast<uint32_t>(i);
        uint64_t flags = c.varintBounded(15, "bad thread flags");
        t.seen = flags & 1;
        t.ended = flags & 2;
        t.lastEvent = c.varint() - 1;
        t.lastKind = static_cast<RecordKind>(
            c.varintBounded(static_cast<uint64_t>(RecordKind::Exception), "bad event kind"));
        if (flags & 4) t.exception = getException(c);
        if (flags & 8) {
            t.setAside.resize(c.varintBounded(std::min<uint64_t>(kMaxCount, c.remaining()),
                                              "set-aside exception count"));
            for (auto& x : t.setAside) x = getException(c);
        }
        t.stack.resize(
            c.varintBounded(std::min<uint64_t>(kMaxCount, c.remaining()), "frame count"));
        for (auto& f : t.stack) f = getFrame(c);
    }
    uint64_t nSusp =
        c.varintBounded(std::min<uint64_t>(kMaxCount, c.remaining()), "suspended count");
    for (uint64_t i = 0; i < nSusp; ++i) {
        Frame f = getFrame(c);
        uint64_t id = f.id;
        REEL_REQUIRE(s.suspended.emplace(id, std::move(f)).second, c.baseOffset(),
                     "duplicate suspended frame");
    }
    REEL_REQUIRE(c.atEnd(), c.baseOffset(), "trailing bytes in checkpoint");
    return s;
}

}  // namespace reel::replayer
