#include "reel/format/EventStream.h"

namespace reel::format {

EventDecoder::EventDecoder(const uint8_t* tags, size_t nTags, const uint8_t* args, size_t nArgs,
                           const uint8_t* blobs, size_t nBlobs, uint64_t firstEvent,
                           uint32_t eventCount, uint32_t startThread, uint64_t startNextFrameId,
                           uint64_t fileOffset)
    : tags_(tags, nTags, fileOffset),
      args_(args, nArgs, fileOffset),
      blobs_(blobs, nBlobs, fileOffset),
      nextEvent_(firstEvent),
      firstEvent_(firstEvent),
      endEvent_(firstEvent + eventCount),
      thread_(startThread),
      nextFrameId_(startNextFrameId),
      fileOffset_(fileOffset) {}

namespace {
ValueRef readRef(ByteCursor& c) {
    ValueRef v{c.varint()};
    REEL_REQUIRE(v.valid(), c.baseOffset(), "invalid value reference in event stream");
    return v;
}
uint32_t readU32(ByteCursor& c, const char* what) {
    return static_cast<uint32_t>(c.varintBounded(0xFFFFFFFFu, what));
}
int32_t readLasti(ByteCursor& c) {
    uint64_t v = c.varintBounded(0x40000000u, "f_lasti out of range");
    return v == 0 ? -1 : static_cast<int32_t>((v - 1) * 2);
}
}  // namespace

bool EventDecoder::next(Record& r) {
    if (tags_.atEnd()) return false;
    uint8_t t = tags_.byte();
    // Field by field: assigning a temporary Record{} costs a store-forwarding stall per record,
    // which dominated the replayer's indexing pass.
    r.offset = 0;
    r.lasti = -1;
    r.a = r.b = 0;
    r.value = ValueRef{};
    r.blob = nullptr;
    r.blobLen = 0;
    auto numbered = [&](RecordKind k) {
        REEL_REQUIRE(nextEvent_ < endEvent_, fileOffset_, "more events in batch than its header says");
        r.kind = k;
        r.event = nextEvent_++;
    };
    if (t <= tag::kOpcodeDeltaLast) {
        int64_t off = static_cast<int64_t>(prevOffset_) + 2 * (static_cast<int64_t>(t) - tag::kOpcodeDeltaBias);
        REEL_REQUIRE(off >= 0 && off <= 0xFFFFFFFFll, fileOffset_, "opcode offset out of range");
        numbered(RecordKind::Opcode);
        r.offset = prevOffset_ = static_cast<uint32_t>(off);
        r.lasti = static_cast<int32_t>(r.offset);
        return true;
    }
    switch (t) {
        case tag::kOpcodeAbs: {
            uint64_t half = args_.varintBounded(0x7FFFFFFFu, "opcode offset out of range");
            numbered(RecordKind::Opcode);
            r.offset = prevOffset_ = static_cast<uint32_t>(half * 2);
            r.lasti = static_cast<int32_t>(r.offset);
            return true;
        }
        case tag::kCall:
            r.a = readU32(args_, "code id out of range");
            r.lasti = readLasti(args_);
            numbered(RecordKind::Call);
            r.b = nextFrameId_++;
            return true;
        case tag::kResume:
            r.a = args_.varint();
            REEL_REQUIRE(r.a < nextFrameId_, fileOffset_, "resume of a frame that was never called");
            r.lasti = readLasti(args_);
            numbered(RecordKind::Resume);
            return true;
        case tag::kReturn:
            r.value = readRef(args_);
            r.lasti = readLasti(args_);
            numbered(RecordKind::Return);
            return true;
        case tag::kYield:
            r.value = readRef(args_);
            r.lasti = readLasti(args_);
            numbered(RecordKind::Yield);
            return true;
        case tag::kUnwind:
            r.lasti = readLasti(args_);
            numbered(RecordKind::Unwind);
            return true;
        case tag::kException:
            r.value = readRef(args_);
            r.lasti = readLasti(args_);
            numbered(RecordKind::Exception);
            return true;
        default:
            break;
    }
    // Unnumbered records belong to the next event.
    r.event = nextEvent_;
    switch (t) {
        case tag::kLocalSet:
            r.kind = RecordKind::LocalSet;
            r.a = readU32(args_, "slot out of range");
            r.value = readRef(args_);
            // Mirrors EventEncoder::localSet: LOCAL_SET_INT deltas are against the latest small
            // int of the slot number, whichever record carried it.
            if (r.value.kind() == ValueRef::Kind::SmallInt && r.a < kIntDeltaSlots)
                lastInt_[r.a] = r.value.smallInt();
            return true;
        case tag::kLocalSetInt: {
            r.kind = RecordKind::LocalSet;
            r.a = readU32(args_, "slot out of range");
            REEL_REQUIRE(r.a < kIntDeltaSlots, fileOffset_, "LOCAL_SET_INT slot out of range");
            const uint64_t z = args_.varint();
            // Small ints and their differences stay far inside int64: larger is damage.
            REEL_REQUIRE(z < (uint64_t{1} << 63), fileOffset_, "LOCAL_SET_INT delta out of range");
            const int64_t x = lastInt_[r.a] + unzigzag(z);
            REEL_REQUIRE(ValueRef::fitsSmallInt(x), fileOffset_, "LOCAL_SET_INT value out of range");
            lastInt_[r.a] = x;
            r.value = ValueRef::smallInt(x);
            return true;
        }
        case tag::kLocalSetDelta: {
            r.kind = RecordKind::LocalSet;
            r.a = readU32(args_, "slot out of range");
            const int64_t d = unzigzag(args_.varint());
            const uint64_t id = prevValueId_ + static_cast<uint64_t>(d);
            // Both directions of wrap-around, and ids a ValueRef cannot hold, are damage.
            REEL_REQUIRE(d >= 0 ? id >= prevValueId_ : id < prevValueId_, fileOffset_,
                         "value reference delta points before the first record");
            REEL_REQUIRE(id < (uint64_t{1} << 62), fileOffset_, "value reference out of range");
            prevValueId_ = id;
            r.value = ValueRef::record(id);
            return true;
        }
        case tag::kLocalDel:
            r.kind = RecordKind::LocalDel;
            r.a = readU32(args_, "slot out of range");
            return true;
        case tag::kNameSet:
            r.kind = RecordKind::NameSet;
            r.a = readU32(args_, "string id out of range");
            r.value = readRef(args_);
            return true;
        case tag::kNameDel:
            r.kind = RecordKind::NameDel;
            r.a = readU32(args_, "string id out of range");
            return true;
        case tag::kThread:
            r.kind = RecordKind::Thread;
            r.a = thread_ = readU32(args_, "thread id out of range");
            return true;
        case tag::kThreadEnd:
            r.kind = RecordKind::ThreadEnd;
            r.a = readU32(args_, "thread id out of range");
            return true;
        case tag::kOutput: {
            r.kind = RecordKind::Output;
            r.a = args_.varintBounded(2, "bad output stream");
            REEL_REQUIRE(r.a >= 1, fileOffset_, "bad output stream");
            uint64_t len = args_.varintBounded(blobs_.remaining(), "output length past end of blobs");
            r.blob = blobs_.bytes(static_cast<size_t>(len));
            r.blobLen = static_cast<uint32_t>(len);
            return true;
        }
        case tag::kHandled:
            r.kind = RecordKind::Handled;
            r.offset = static_cast<uint32_t>(args_.varintBounded(0x7FFFFFFFu, "handler offset out of range") * 2);
            return true;
        case tag::kAsyncGenHook:
            r.kind = RecordKind::AsyncGenHook;
            r.a = args_.varintBounded(1, "bad asyncgen hook kind");
            r.value = readRef(args_);
            return true;
        case tag::kTime:
            r.kind = RecordKind::Time;
            r.a = args_.varint();
            return true;
        case tag::kCoroOrigin:
            r.kind = RecordKind::CoroOrigin;
            r.a = args_.varint();
            r.value = readRef(args_);
            return true;
        case tag::kFrameObject:
            r.kind = RecordKind::FrameObject;
            r.a = args_.varint();
            r.value = readRef(args_);
            return true;
        case tag::kReenter:
            r.kind = RecordKind::Reenter;
            r.a = args_.varint();
            REEL_REQUIRE(r.a < nextFrameId_, fileOffset_, "reenter of a frame that was never called");
            return true;
        default:
            throw TraceFormatError("unknown event tag " + std::to_string(t), fileOffset_);
    }
}

DecoderPosition EventDecoder::position() const {
    return {tags_.position(), args_.position(), blobs_.position(), nextEvent_, thread_,
            nextFrameId_, prevOffset_, prevValueId_, lastInt_};
}

void EventDecoder::seek(const DecoderPosition& pos) {
    REEL_REQUIRE(pos.nextEvent >= firstEvent_ && pos.nextEvent <= endEvent_, fileOffset_,
                 "decoder position outside its batch");
    tags_.seek(pos.tags);
    args_.seek(pos.args);
    blobs_.seek(pos.blobs);
    nextEvent_ = pos.nextEvent;
    thread_ = pos.thread;
    nextFrameId_ = pos.nextFrameId;
    prevOffset_ = pos.prevOffset;
    prevValueId_ = pos.prevValueId;
    lastInt_ = pos.lastInt;
}

void EventDecoder::finish() const {
    REEL_REQUIRE(tags_.atEnd(), fileOffset_, "events batch not fully decoded");
    REEL_REQUIRE(args_.atEnd(), fileOffset_, "events batch has trailing arguments");
    REEL_REQUIRE(blobs_.atEnd(), fileOffset_, "events batch has trailing output bytes");
    REEL_REQUIRE(nextEvent_ == endEvent_, fileOffset_, "events batch has fewer events than its header says");
}

void encodeRecord(EventEncoder& enc, const Record& r) {
    switch (r.kind) {
        case RecordKind::Opcode: enc.opcode(r.offset); break;
        case RecordKind::Call: enc.call(static_cast<uint32_t>(r.a), r.lasti); break;
        case RecordKind::Resume: enc.resume(r.a, r.lasti); break;
        case RecordKind::Return: enc.ret(r.value, r.lasti); break;
        case RecordKind::Yield: enc.yield(r.value, r.lasti); break;
        case RecordKind::Unwind: enc.unwind(r.lasti); break;
        case RecordKind::Exception: enc.exception(r.value, r.lasti); break;
        case RecordKind::LocalSet: enc.localSet(static_cast<uint32_t>(r.a), r.value); break;
        case RecordKind::LocalDel: enc.localDel(static_cast<uint32_t>(r.a)); break;
        case RecordKind::NameSet: enc.nameSet(static_cast<uint32_t>(r.a), r.value); break;
        case RecordKind::NameDel: enc.nameDel(static_cast<uint32_t>(r.a)); break;
        case RecordKind::Thread: enc.thread(static_cast<uint32_t>(r.a)); break;
        case RecordKind::ThreadEnd: enc.threadEnd(static_cast<uint32_t>(r.a)); break;
        case RecordKind::Output: enc.output(static_cast<uint32_t>(r.a), r.blob, r.blobLen); break;
        case RecordKind::Handled: enc.handled(r.offset); break;
        case RecordKind::AsyncGenHook:
            enc.asyncGenHook(static_cast<uint32_t>(r.a), r.value);
            break;
        case RecordKind::Time: enc.time(static_cast<int64_t>(r.a)); break;
        case RecordKind::CoroOrigin: enc.coroOrigin(r.a, r.value); break;
        case RecordKind::FrameObject: enc.frameObject(r.a, r.value); break;
        case RecordKind::Reenter: enc.reenter(r.a); break;
    }
}

}  // namespace reel::format
