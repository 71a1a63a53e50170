#pragma once
// The event stream: how an EventBatch's `tags`, `args` and `blobs` columns encode what happened.
//
// Each record is one tag byte in `tags`; its arguments are unsigned LEB128 varints read in order
// from `args`; OUTPUT records also take bytes from `blobs`. Records marked (numbered) are events:
// they get consecutive global event numbers, starting at EventBatch.firstEvent. Unnumbered records
// describe state changes and belong to the next numbered record (they are applied before it), so
// the state "at event N" includes every record up to and including event N.
//
// Decoder state carried across records (reset per batch from EventBatch.start):
//   thread       current Reel thread id (THREAD changes it)
//   nextFrameId  id the next CALL gives its new frame
//   prevOffset   byte offset of the previous OPCODE record in this batch (0 at batch start)
//   prevValueId  record id of the previous LOCAL_SET_DELTA in this batch (0 at batch start)
//   lastInt[16]  per slot number < 16: the small int of the latest LOCAL_SET / LOCAL_SET_INT of
//                that slot number holding a small int, in any frame (0 at batch start)
//
// Tags:
//   0x00-0x9F OPCODE (numbered)     offset = prevOffset + 2 * (tag - 0x20); the top frame of the
//                                   current thread is about to run the instruction at offset
//   0xA0 OPCODE_ABS (numbered)      args: offset/2
//   0xA1 CALL (numbered)            args: codeId, lasti. Pushes a new frame, id nextFrameId++,
//                                   running code codeId, on the current thread (settrace 'call')
//   0xA2 RESUME (numbered)          args: frameId, lasti. A suspended generator/coroutine frame
//                                   is pushed again (settrace 'call' on resume)
//   0xA3 RETURN (numbered)          args: valueRef returned, lasti. Pops the top frame
//   0xA4 YIELD (numbered)           args: valueRef yielded/awaited, lasti. Pops (suspends) the
//                                   top frame
//   0xA5 UNWIND (numbered)          args: lasti. Pops the top frame, which exits with the
//                                   exception in flight (settrace 'return' with None)
//   0xA6 EXCEPTION (numbered)       args: valueRef of the exception, lasti. It reached the top
//                                   frame (raised there or propagated into it) (settrace
//                                   'exception')
// `lasti` is the frame's f_lasti at that event, encoded as f_lasti/2 + 1 (0 for f_lasti < 0), so
// the replayer computes f_lineno exactly as CPython does (CodeObject::lineAt). Where the
// settrace view and the sys.monitoring view of an event differ, the recorder emits what
// sys.settrace with f_trace_opcodes would have delivered.
//   0xB0 LOCAL_SET                  args: slot, valueRef. Top frame's fast slot now holds value
//                                   (bound, rebound, or mutated in place: a new snapshot)
//   0xB1 LOCAL_DEL                  args: slot. Slot became unbound
//   0xB2 NAME_SET                   args: stringId, valueRef. For frames whose locals are a dict
//                                   (CodeObject.usesLocalsDict): name bound or its value changed
//   0xB3 NAME_DEL                   args: stringId
//   0xB4 THREAD                     args: threadId. Following records happen on that thread
//   0xB5 THREAD_END                 args: threadId. The thread finished; its stack is empty
//   0xB6 OUTPUT                     args: stream (1 stdout, 2 stderr), length; `length` bytes
//                                   from blobs: what the program wrote, at this point
//   0xB7 HANDLED                    args: handlerOffset/2. The exception in flight was caught by
//                                   the top frame's handler at that offset
//   0xB8 ASYNCGEN_HOOK              args: hook (0 firstiter, 1 finalizer), valueRef of the async
//                                   generator object
//   0xB9 TIME                       args: ns since recording started (monotonic clock),
//                                   emitted periodically
//   0xBA CORO_ORIGIN                args: frameId, valueRef of cr_origin (tuple of tuples)
//   0xBB FRAME_OBJECT               args: frameId, valueRef. Identity of the generator,
//                                   coroutine or async generator object that owns the top frame
//   0xBC LOCAL_SET_DELTA            (format 1.2, files with requiredReaderMinor >= 2) args: slot,
//                                   zigzag(id - prevValueId). LOCAL_SET of the value record `id`;
//                                   then prevValueId = id. Locals holding fresh snapshots point
//                                   at recent records: a small delta instead of a 3-4 byte id.
//   0xBD LOCAL_SET_INT              (format 1.2) args: slot (< 16), zigzag(v - lastInt[slot]).
//                                   LOCAL_SET of the small int v (a loop counter: delta 1, one
//                                   byte that repeats); then lastInt[slot] = v
//   0xBE REENTER                    (format 1.4, files with requiredReaderMinor >= 4) args:
//                                   frameId. A suspended generator/coroutine frame is pushed
//                                   again without an event: on 3.11 an exception thrown into a
//                                   frame that delegates (`yield from`, `await`) whose delegate
//                                   catches it and returns continues that frame past its RESUME,
//                                   and settrace reports no 'call'. Its next OPCODE gives where.
//
// Any other tag is damage (TraceFormatError).

#include <array>
#include <cstdint>
#include <vector>

#include "reel/format/Varint.h"
#include "reel/format/ValueRef.h"

namespace reel::format {

namespace tag {
inline constexpr uint8_t kOpcodeDeltaLast = 0x9F;
inline constexpr int kOpcodeDeltaBias = 0x20;
inline constexpr uint8_t kOpcodeAbs = 0xA0;
inline constexpr uint8_t kCall = 0xA1;
inline constexpr uint8_t kResume = 0xA2;
inline constexpr uint8_t kReturn = 0xA3;
inline constexpr uint8_t kYield = 0xA4;
inline constexpr uint8_t kUnwind = 0xA5;
inline constexpr uint8_t kException = 0xA6;
inline constexpr uint8_t kLocalSet = 0xB0;
inline constexpr uint8_t kLocalDel = 0xB1;
inline constexpr uint8_t kNameSet = 0xB2;
inline constexpr uint8_t kNameDel = 0xB3;
inline constexpr uint8_t kThread = 0xB4;
inline constexpr uint8_t kThreadEnd = 0xB5;
inline constexpr uint8_t kOutput = 0xB6;
inline constexpr uint8_t kHandled = 0xB7;
inline constexpr uint8_t kAsyncGenHook = 0xB8;
inline constexpr uint8_t kTime = 0xB9;
inline constexpr uint8_t kCoroOrigin = 0xBA;
inline constexpr uint8_t kFrameObject = 0xBB;
inline constexpr uint8_t kLocalSetDelta = 0xBC;
inline constexpr uint8_t kLocalSetInt = 0xBD;
inline constexpr uint8_t kReenter = 0xBE;
}  // namespace tag

// The first format minor that reads REENTER (TraceHeader.requiredReaderMinor of every recording
// since format 1.4).
inline constexpr uint16_t kReenterReaderMinor = 4;

// Slots numbered below this have a lastInt entry (LOCAL_SET_INT).
inline constexpr uint32_t kIntDeltaSlots = 16;

enum class RecordKind : uint8_t {
    Opcode, Call, Resume, Return, Yield, Unwind, Exception,  // numbered
    LocalSet, LocalDel, NameSet, NameDel, Thread, ThreadEnd, Output, Handled, AsyncGenHook, Time,
    CoroOrigin, FrameObject, Reenter
};

inline bool isNumbered(RecordKind k) { return k <= RecordKind::Exception; }

// Appends records to the three columns. Inline and allocation-free once the vectors have grown:
// it runs on the interpreter thread for every event.
class EventEncoder {
public:
    std::vector<uint8_t> tags, args, blobs;
    uint32_t eventCount = 0;
    // Format 1.2: LOCAL_SET of a value record as LOCAL_SET_DELTA. Only for writers whose file
    // says requiredReaderMinor >= kCompactValuesReaderMinor (ValueCodec.h).
    bool compactRefs = false;

    void reset() {
        tags.clear();
        args.clear();
        blobs.clear();
        eventCount = 0;
        prevOffset_ = 0;
        prevValueId_ = 0;
        lastInt_.fill(0);
    }

    // Inlined into the recorder's per-event path (an out-of-line call cost as much as the
    // append); the rare absolute form is not.
    [[gnu::always_inline]] void opcode(uint32_t offset) {
        int64_t delta = (static_cast<int64_t>(offset) - static_cast<int64_t>(prevOffset_)) / 2;
        if (!(offset & 1) && delta >= -tag::kOpcodeDeltaBias &&
            delta <= tag::kOpcodeDeltaLast - tag::kOpcodeDeltaBias) [[likely]] {
            tags.push_back(static_cast<uint8_t>(delta + tag::kOpcodeDeltaBias));
        } else {
            opcodeAbs(offset);
        }
        prevOffset_ = offset & ~1u;
        ++eventCount;
    }
    // OPCODE events of `n` consecutive one-unit instructions from `offset` (the recorder's
    // implied instructions, written when the instruction after them is recorded): the same
    // records as n opcode() calls. Runs are short (1-3 in the benchmarks' loops).
    void opcodeRun(uint32_t offset, uint32_t n) {
        if (n == 0) return;
        opcode(offset);
        for (uint32_t k = 1; k < n; ++k)
            tags.push_back(static_cast<uint8_t>(1 + tag::kOpcodeDeltaBias));
        prevOffset_ = offset + 2 * (n - 1);
        eventCount += n - 1;
    }
    // `lasti` is f_lasti in bytes (negative before the first instruction).
    void call(uint32_t codeId, int32_t lasti) { numbered2(tag::kCall, codeId, lasti); }
    void resume(uint64_t frameId, int32_t lasti) { numbered2(tag::kResume, frameId, lasti); }
    void ret(ValueRef v, int32_t lasti) { numbered2(tag::kReturn, v.raw, lasti); }
    void yield(ValueRef v, int32_t lasti) { numbered2(tag::kYield, v.raw, lasti); }
    void unwind(int32_t lasti) {
        tags.push_back(tag::kUnwind);
        putVarint(args, encodeLasti(lasti));
        ++eventCount;
    }
    void exception(ValueRef exc, int32_t lasti) { numbered2(tag::kException, exc.raw, lasti); }

    void localSet(uint32_t slot, ValueRef v) {
        if (compactRefs && v.kind() == ValueRef::Kind::Record) {
            const uint64_t id = v.recordId();
            rec2(tag::kLocalSetDelta, slot, zigzag(static_cast<int64_t>(id - prevValueId_)));
            prevValueId_ = id;
            return;
        }
        if (v.kind() == ValueRef::Kind::SmallInt && slot < kIntDeltaSlots) {
            const int64_t x = v.smallInt();
            // |x| < 2^60, so the difference cannot overflow.
            const uint64_t delta = zigzag(x - lastInt_[slot]);
            lastInt_[slot] = x;
            if (compactRefs && varintSize(delta) <= varintSize(v.raw)) {
                rec2(tag::kLocalSetInt, slot, delta);
                return;
            }
        }
        rec2(tag::kLocalSet, slot, v.raw);
    }
    void localDel(uint32_t slot) { rec1(tag::kLocalDel, slot); }
    void nameSet(uint32_t stringId, ValueRef v) { rec2(tag::kNameSet, stringId, v.raw); }
    void nameDel(uint32_t stringId) { rec1(tag::kNameDel, stringId); }
    void thread(uint32_t threadId) { rec1(tag::kThread, threadId); }
    void threadEnd(uint32_t threadId) { rec1(tag::kThreadEnd, threadId); }
    void output(uint32_t stream, const void* data, size_t len) {
        rec2(tag::kOutput, stream, len);
        auto p = static_cast<const uint8_t*>(data);
        blobs.insert(blobs.end(), p, p + len);
    }
    void handled(uint32_t handlerOffset) { rec1(tag::kHandled, handlerOffset / 2); }
    void asyncGenHook(uint32_t hook, ValueRef gen) { rec2(tag::kAsyncGenHook, hook, gen.raw); }
    void time(int64_t nsSinceStart) { rec1(tag::kTime, static_cast<uint64_t>(nsSinceStart)); }
    void coroOrigin(uint64_t frameId, ValueRef origin) { rec2(tag::kCoroOrigin, frameId, origin.raw); }
    void frameObject(uint64_t frameId, ValueRef obj) { rec2(tag::kFrameObject, frameId, obj.raw); }
    void reenter(uint64_t frameId) { rec1(tag::kReenter, frameId); }

    size_t bytes() const { return tags.size() + args.size() + blobs.size(); }

    static uint64_t encodeLasti(int32_t lasti) { return lasti < 0 ? 0 : static_cast<uint64_t>(lasti) / 2 + 1; }

private:
    [[gnu::noinline]] void opcodeAbs(uint32_t offset) {
        tags.push_back(tag::kOpcodeAbs);
        putVarint(args, offset / 2);
    }
    void numbered2(uint8_t t, uint64_t a, int32_t lasti) {
        tags.push_back(t);
        putVarint(args, a);
        putVarint(args, encodeLasti(lasti));
        ++eventCount;
    }
    void rec1(uint8_t t, uint64_t a) {
        tags.push_back(t);
        putVarint(args, a);
    }
    void rec2(uint8_t t, uint64_t a, uint64_t b) {
        tags.push_back(t);
        putVarint(args, a);
        putVarint(args, b);
    }
    uint32_t prevOffset_ = 0;
    uint64_t prevValueId_ = 0;
    std::array<int64_t, kIntDeltaSlots> lastInt_{};
};

// One decoded record. Fields not used by a kind are 0.
struct Record {
    RecordKind kind{};
    uint64_t event = 0;   // global event number: this record's if numbered, else the next one's
    uint32_t offset = 0;  // Opcode: byte offset; Handled: handler byte offset
    int32_t lasti = -1;   // numbered records: f_lasti in bytes (Opcode: == offset)
    uint64_t a = 0;       // codeId, frameId, slot, stringId, threadId, stream, hook, ns
    uint64_t b = 0;       // Call: id of the new frame
    ValueRef value;       // Return, Yield, Exception, LocalSet, NameSet, AsyncGenHook, ...
    const uint8_t* blob = nullptr;  // Output bytes (points into the decoded chunk)
    uint32_t blobLen = 0;
};

// Where an EventDecoder stands inside its batch: enough to resume decoding there later without
// re-reading the batch from its start (the replayer's checkpoints keep one per checkpoint).
struct DecoderPosition {
    size_t tags = 0, args = 0, blobs = 0;  // read positions in the three columns
    uint64_t nextEvent = 0;
    uint32_t thread = 0;
    uint64_t nextFrameId = 0;
    uint32_t prevOffset = 0;
    uint64_t prevValueId = 0;
    std::array<int64_t, kIntDeltaSlots> lastInt{};
    bool operator==(const DecoderPosition&) const = default;
};

// Sequential decoder over one events chunk. Validates as it goes: unknown tags, truncated
// varints, out-of-range blob lengths and more numbered records than the batch claims throw
// TraceFormatError with the chunk's file offset.
class EventDecoder {
public:
    EventDecoder(const uint8_t* tags, size_t nTags, const uint8_t* args, size_t nArgs,
                 const uint8_t* blobs, size_t nBlobs, uint64_t firstEvent, uint32_t eventCount,
                 uint32_t startThread, uint64_t startNextFrameId, uint64_t fileOffset);

    // Decodes the next record into `r`; false at the end of the batch.
    bool next(Record& r);

    uint32_t thread() const { return thread_; }          // after the last decoded record
    uint64_t nextFrameId() const { return nextFrameId_; }  // after the last decoded record
    uint64_t nextEvent() const { return nextEvent_; }    // number the next numbered record gets
    size_t recordIndex() const { return tags_.position(); }
    // The position after the last decoded record, and a jump back to one taken earlier from a
    // decoder over the same batch. seek() validates the position against the batch (columns'
    // sizes, event range) and throws TraceFormatError when it cannot belong to it.
    DecoderPosition position() const;
    void seek(const DecoderPosition& pos);
    // Checks that the batch ended where it should (all args and blobs consumed, event count met).
    void finish() const;

private:
    ByteCursor tags_, args_, blobs_;
    uint64_t nextEvent_, firstEvent_, endEvent_;
    uint32_t thread_;
    uint64_t nextFrameId_;
    uint32_t prevOffset_ = 0;
    uint64_t prevValueId_ = 0;
    std::array<int64_t, kIntDeltaSlots> lastInt_{};
    uint64_t fileOffset_;
};

// Whether records of this kind carry Record::value (for the others it stays at its default,
// which reads as record 0): what a tool following value references must look at.
constexpr bool carriesValue(RecordKind k) {
    switch (k) {
        case RecordKind::Return:
        case RecordKind::Yield:
        case RecordKind::Exception:
        case RecordKind::LocalSet:
        case RecordKind::NameSet:
        case RecordKind::AsyncGenHook:
        case RecordKind::CoroOrigin:
        case RecordKind::FrameObject:
            return true;
        default:
            return false;
    }
}

// Appends `r` to `enc`: the inverse of EventDecoder::next (tools that rewrite a trace's events,
// such as the flight recorder's final window, re-encode decoded records with it).
void encodeRecord(EventEncoder& enc, const Record& r);

}  // namespace reel::format
