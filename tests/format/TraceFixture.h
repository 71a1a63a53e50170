#pragma once
// Deterministic synthetic traces for the container tests: every event, record and value is a
// function of its number, so a test can check any event it reads at random without keeping a
// copy of what was written.

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "reel/format/EventStream.h"
#include "reel/format/TraceReader.h"
#include "reel/format/TraceWriter.h"
#include "reel/format/ValueCodec.h"

namespace reel::test {

using namespace reel::format;

// A fresh directory under the system temp dir, removed when the object goes away.
class TempDir {
  public:
    TempDir() {
        std::random_device rd;
        path_ = std::filesystem::temp_directory_path() /
                ("reel-test-" + std::to_string(rd()) + "-" + std::to_string(rd()));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

  private:
    std::filesystem::path path_;
};

inline std::vector<uint8_t> readFile(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
inline void writeFile(const std::filesystem::path& p, const uint8_t* data, size_t n) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(n));
}

struct TraceSpec {
    int batches = 20;
    uint32_t eventsPerBatch = 1000;
    uint32_t valuesPerBatch = 20;
};

inline HeaderInfo sampleHeader() {
    HeaderInfo h;
    h.recorderVersion = "0.1.0-test";
    h.pythonImplementation = "cpython";
    h.pythonVersion = "3.12.1";
    h.pythonHexVersion = 0x030C01F0;
    h.platform = "linux-x86_64";
    h.argv = {"prog.py", "--flag", "arg with spaces"};
    h.cwd = "/tmp/work";
    h.startTimeNs = 1764000000123456789;
    h.pid = 4242;
    h.executable = "/usr/bin/python3.12";
    h.hook = "sys.monitoring";
    h.capture.maxDepth = 3;
    h.capture.only = {"prog.py"};
    h.capture.exclude = {"*/site-packages/*"};
    h.capture.redact = "password|secret";
    return h;
}

inline CodeObject sampleCode(uint32_t id) {
    CodeObject c;
    c.id = id;
    c.qualname = id == 0 ? "<module>" : "f" + std::to_string(id);
    c.name = c.qualname;
    c.filename = "prog.py";
    c.sourceId = 0;
    c.firstLine = 1 + static_cast<int32_t>(id) * 10;
    c.argCount = static_cast<uint16_t>(id);
    c.localNames = {"i", "total", "items"};
    c.localKinds = {0x20, 0x20, 0x20};
    for (uint32_t k = 0; k < 23; ++k) {
        Instruction in;
        in.offset = k * 2;
        in.opcode = static_cast<uint16_t>(100 + k);
        in.opname = "OP_" + std::to_string(k);
        in.arg = static_cast<int32_t>(k);
        in.argRepr = "arg" + std::to_string(k);
        in.line = c.firstLine + static_cast<int32_t>(k / 4);
        in.size = 2;
        c.instructions.push_back(in);
    }
    c.bytecode.assign(46, 0x09);
    return c;
}

// --- the event stream: event n is a pure function of n ---------------------------------------
// n == 0: CALL code 0. Otherwise OPCODE at offset opOffset(n). Unnumbered records before event n:
// LOCAL_SET slot 1 = smallInt(n) when n % 5 == 0, LOCAL_SET slot 2 = record(refFor(n)) when
// n % 97 == 0, OUTPUT "line n\n" when n % 1013 == 0.
inline uint32_t opOffset(uint64_t n) {
    return static_cast<uint32_t>(2 * ((n * 7) % 23));
}
inline uint64_t refFor(uint64_t n, uint64_t valuesSoFar) {
    return (n / 10) % valuesSoFar;
}
inline std::string outputFor(uint64_t n) {
    return "line " + std::to_string(n) + "\n";
}

// Value id i: STR, INT or LIST [record(i-1), smallInt(i)].
inline void encodeValue(std::vector<uint8_t>& out, uint64_t i) {
    switch (i % 3) {
        case 0: {
            std::string s = "value " + std::to_string(i);
            encode::str(out, s.size(), s);
            break;
        }
        case 1:
            encode::intValue(out, static_cast<int64_t>(i) * 1000003);
            break;
        default: {
            ValueRef refs[2] = {ValueRef::record(i - 1),
                                ValueRef::smallInt(static_cast<int64_t>(i))};
            encode::container(out, ValueKind::List, 1000 + i, 2, refs, 2);
        }
    }
}

inline Batch makeBatch(const TraceSpec& spec, int b) {
    Batch batch;
    if (b == 0) {
        batch.defs.sources.push_back(
            {0, "prog.py", "total = 0\nfor i in range(10):\n    total += i\n", true});
        batch.defs.codes.push_back(sampleCode(0));
        batch.defs.types.push_back({0, "Point", "__main__", "Point", BuiltinBase::None});
        batch.defs.strings.push_back({0, "x"});
        batch.defs.threads.push_back({0, 140000, 4242, "MainThread", true});
    }
    if (b == 3) {  // later definitions arrive in later Defs chunks
        batch.defs.codes.push_back(sampleCode(1));
        batch.defs.strings.push_back({1, "y"});
        batch.defs.threads.push_back({1, 140001, 4243, "Thread-1 (worker)", false});
    }
    batch.firstValueId = uint64_t(b) * spec.valuesPerBatch;
    batch.valueCount = spec.valuesPerBatch;
    for (uint64_t i = batch.firstValueId; i < batch.firstValueId + spec.valuesPerBatch; ++i)
        encodeValue(batch.values, i);
    const uint64_t valuesSoFar = batch.firstValueId + spec.valuesPerBatch;

    EventEncoder enc;
    const uint64_t first = uint64_t(b) * spec.eventsPerBatch;
    if (b == 0) enc.thread(0);
    for (uint64_t n = first; n < first + spec.eventsPerBatch; ++n) {
        if (n % 5 == 0) enc.localSet(1, ValueRef::smallInt(static_cast<int64_t>(n)));
        if (n % 97 == 0) enc.localSet(2, ValueRef::record(refFor(n, valuesSoFar)));
        if (n % 1013 == 0) {
            std::string s = outputFor(n);
            enc.output(1, s.data(), s.size());
        }
        if (n == 0)
            enc.call(0, -1);
        else
            enc.opcode(opOffset(n));
    }
    batch.firstEvent = first;
    batch.eventCount = enc.eventCount;
    batch.tags = std::move(enc.tags);
    batch.args = std::move(enc.args);
    batch.blobs = std::move(enc.blobs);
    batch.startThread = 0;
    batch.startNextFrameId = b == 0 ? 0 : 1;
    batch.startTimeNs = int64_t(b) * 1000;
    batch.endTimeNs = int64_t(b) * 1000 + 999;
    return batch;
}

inline ExitInfo sampleExit() {
    return {ExitKind::UncaughtException, 1, "ValueError: bad"};
}

// Tests do not need fdatasync; it would only slow them down.
inline TraceWriter::Options testOptions() {
    TraceWriter::Options o;
    o.durable = false;
    return o;
}

// Writes a closed trace at `path`.
inline void writeTrace(const std::filesystem::path& path, const TraceSpec& spec,
                       TraceWriter::Options opt = testOptions()) {
    TraceWriter w(path, sampleHeader(), opt);
    for (int b = 0; b < spec.batches; ++b) w.append(makeBatch(spec, b));
    w.close(sampleExit());
}

// Checks the numbered event `n` (and the unnumbered records before it) in a decoded chunk
// against the generator. Returns false with `why` set on the first mismatch.
inline bool checkEvent(const EventChunk& c, uint64_t n, uint32_t valuesPerBatch, std::string& why) {
    EventDecoder dec(c.tags.data(), c.tags.size(), c.args.data(), c.args.size(), c.blobs.data(),
                     c.blobs.size(), c.firstEvent, c.eventCount, c.startThread, c.startNextFrameId,
                     c.fileOffset);
    Record r;
    bool sawSlot1 = false, sawSlot2 = false, sawOutput = false;
    const uint64_t batch = n / (c.eventCount ? c.eventCount : 1);
    const uint64_t valuesSoFar = (batch + 1) * valuesPerBatch;
    while (dec.next(r)) {
        if (r.event < n) continue;
        if (r.event > n) break;
        switch (r.kind) {
            case RecordKind::LocalSet:
                if (r.a == 1) sawSlot1 = r.value == ValueRef::smallInt(static_cast<int64_t>(n));
                if (r.a == 2) sawSlot2 = r.value == ValueRef::record(refFor(n, valuesSoFar));
                break;
            case RecordKind::Output:
                sawOutput =
                    std::string(reinterpret_cast<const char*>(r.blob), r.blobLen) == outputFor(n);
                break;
            case RecordKind::Call:
                if (n != 0 || r.a != 0 || r.b != 0) return why = "bad call", false;
                break;
            case RecordKind::Opcode:
                if (n == 0 || r.offset != opOffset(n)) return why = "bad opcode offset", false;
                break;
            default:
                break;
        }
        if (isNumbered(r.kind)) {
            if ((n % 5 == 0) != sawSlot1) return why = "slot 1 record", false;
            if ((n % 97 == 0) != sawSlot2) return why = "slot 2 record", false;
            if ((n % 1013 == 0) != sawOutput) return why = "output record", false;
            return true;
        }
    }
    why = "event not found in chunk";
    return false;
}

// Checks value `id` against the generator.
inline bool checkValue(const ValueChunk& c, uint64_t id) {
    ByteCursor cur(c.data.data(), c.data.size(), c.fileOffset);
    cur.seek(c.recordOffsets.at(id - c.firstId));
    ValueRecord v = decodeValue(cur, id);
    switch (id % 3) {
        case 0:
            return v.kind == ValueKind::Str && v.text == "value " + std::to_string(id);
        case 1:
            return v.kind == ValueKind::Int && v.intValue == static_cast<int64_t>(id) * 1000003;
        default:
            return v.kind == ValueKind::List && v.identity == 1000 + id && v.items.size() == 2 &&
                   v.items[0] == ValueRef::record(id - 1) &&
                   v.items[1] == ValueRef::smallInt(static_cast<int64_t>(id));
    }
}

// Reads everything a front end could read, decoding every record and value. Used by the
// corruption sweep and the fuzzer-like tests: it must either succeed or throw TraceFormatError.
inline void readEverything(TraceReader& r) {
    for (size_t i = 0; i < r.eventChunkCount(); ++i) {
        auto c = r.eventChunk(i);
        EventDecoder dec(c->tags.data(), c->tags.size(), c->args.data(), c->args.size(),
                         c->blobs.data(), c->blobs.size(), c->firstEvent, c->eventCount,
                         c->startThread, c->startNextFrameId, c->fileOffset);
        Record rec;
        while (dec.next(rec)) {
        }
        dec.finish();
    }
    for (uint64_t id = 0; id < r.valueCount();) {
        auto c = r.valueChunkFor(id);
        for (size_t k = 0; k < c->recordOffsets.size(); ++k) {
            ByteCursor cur(c->data.data(), c->data.size(), c->fileOffset);
            cur.seek(c->recordOffsets[k]);
            decodeValue(cur, c->firstId + k);
        }
        id = c->firstId + c->recordOffsets.size();
    }
    for (const auto& code : r.defs().codes)
        for (const auto& in : code.instructions) (void)code.lineAt(in.offset);
    (void)r.verifyAll();
}

}  // namespace reel::test
