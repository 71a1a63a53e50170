#include <signal.h>
#include <sys/resource.h>

#include <xxhash.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <random>

#include "format/TraceFixture.h"
#include "reel/format/Container.h"

using namespace reel::format;
using namespace reel::test;

namespace {

void requireSameHeader(const TraceHeaderInfo& got, const HeaderInfo& want) {
    CHECK(got.containerMajor == kContainerMajor);
    CHECK(got.containerMinor == kContainerMinor);
    CHECK(got.formatMajor == kFormatMajor);
    CHECK(got.formatMinor == kFormatMinor);
    CHECK(got.requiredReaderMinor == 0);
    CHECK(got.recorderVersion == want.recorderVersion);
    CHECK(got.pythonImplementation == want.pythonImplementation);
    CHECK(got.pythonVersion == want.pythonVersion);
    CHECK(got.pythonHexVersion == want.pythonHexVersion);
    CHECK(got.platform == want.platform);
    CHECK(got.argv == want.argv);
    CHECK(got.cwd == want.cwd);
    CHECK(got.startTimeNs == want.startTimeNs);
    CHECK(got.pid == want.pid);
    CHECK(got.executable == want.executable);
    CHECK(got.hook == want.hook);
    CHECK(got.capture.maxDepth == want.capture.maxDepth);
    CHECK(got.capture.maxItems == want.capture.maxItems);
    CHECK(got.capture.maxStr == want.capture.maxStr);
    CHECK(got.capture.only == want.capture.only);
    CHECK(got.capture.exclude == want.capture.exclude);
    CHECK(got.capture.originDepth == want.capture.originDepth);
    CHECK(got.capture.redact == want.capture.redact);
    CHECK(got.capture.noValues == want.capture.noValues);
}

// Every event of the trace, read sequentially, matches the generator.
void checkAllEvents(TraceReader& r, const TraceSpec& spec) {
    REQUIRE(r.eventCount() == uint64_t(spec.batches) * spec.eventsPerBatch);
    uint64_t n = 0;
    for (size_t i = 0; i < r.eventChunkCount(); ++i) {
        auto c = r.eventChunk(i);
        REQUIRE(c->firstEvent == n);
        for (uint64_t e = c->firstEvent; e < c->firstEvent + c->eventCount; e += 37) {
            std::string why;
            INFO("event " << e);
            REQUIRE(checkEvent(*c, e, spec.valuesPerBatch, why));
        }
        n += c->eventCount;
    }
    CHECK(n == r.eventCount());
}

void checkAllValues(TraceReader& r) {
    for (uint64_t id = 0; id < r.valueCount(); ++id) {
        auto c = r.valueChunkFor(id);
        INFO("value " << id);
        REQUIRE(checkValue(*c, id));
    }
}

size_t countKind(const TraceReader& r, uint16_t kind) {
    size_t n = 0;
    for (const auto& c : r.chunks()) n += c.kind == kind;
    return n;
}

// Replaces the header message's first data word field values (formatMajor/requiredReaderMinor
// live at fixed positions of the root struct's data section) and fixes the header checksum, to
// fake a file from a newer writer.
void patchHeaderField(std::vector<uint8_t>& bytes, size_t fieldByte, uint16_t value) {
    uint32_t h = bytes[12] | bytes[13] << 8 | bytes[14] << 16 | uint32_t(bytes[15]) << 24;
    // Flat message: segment table (8 bytes), root pointer (8 bytes), then the root struct's data.
    size_t at = kPreambleSize + 16 + fieldByte;
    bytes[at] = static_cast<uint8_t>(value);
    bytes[at + 1] = static_cast<uint8_t>(value >> 8);
    uint64_t hash = XXH64(bytes.data() + kPreambleSize, h, 0);
    for (int i = 0; i < 8; ++i) bytes[16 + i] = static_cast<uint8_t>(hash >> (8 * i));
}

}  // namespace

TEST_CASE("container round-trips many batches", "[format][container]") {
    TempDir dir;
    TraceSpec spec{40, 1500, 25};
    auto path = dir / "t.reel";
    writeTrace(path, spec);
    REQUIRE(std::filesystem::exists(path));
    REQUIRE_FALSE(std::filesystem::exists(dir / "t.reel.partial"));

    TraceReader r(path);
    requireSameHeader(r.header(), sampleHeader());
    CHECK_FALSE(r.recovery().recovered);
    REQUIRE(r.exitInfo().has_value());
    CHECK(r.exitInfo()->kind == ExitKind::UncaughtException);
    CHECK(r.exitInfo()->status == 1);
    CHECK(r.exitInfo()->message == "ValueError: bad");
    CHECK(r.fileSize() == std::filesystem::file_size(path));
    CHECK(countKind(r, 1) == 2);
    CHECK(countKind(r, 2) == size_t(spec.batches));
    CHECK(countKind(r, 3) == size_t(spec.batches));
    CHECK(r.eventChunkCount() == size_t(spec.batches));
    CHECK(r.valueCount() == uint64_t(spec.batches) * spec.valuesPerBatch);

    const auto& d = r.defs();
    REQUIRE(d.sources.size() == 1);
    CHECK(d.sources[0].path == "prog.py");
    CHECK(d.sources[0].hasText);
    CHECK(d.sources[0].text.find("total += i") != std::string::npos);
    REQUIRE(d.codes.size() == 2);
    CHECK(d.codes[1].qualname == "f1");
    CHECK(d.codes[1].localNames == std::vector<std::string>{"i", "total", "items"});
    CHECK(d.codes[1].localKinds == std::vector<uint8_t>{0x20, 0x20, 0x20});
    REQUIRE(d.codes[0].instructions.size() == 23);
    CHECK(d.codes[0].instructions[5].opname == "OP_5");
    CHECK(d.codes[0].instructions[5].argRepr == "arg5");
    CHECK(d.codes[0].bytecode.size() == 46);
    REQUIRE(d.types.size() == 1);
    CHECK(d.types[0].displayName == "Point");
    CHECK(d.strings == std::vector<std::string>{"x", "y"});
    REQUIRE(d.threads.size() == 2);
    CHECK(d.threads[0].isMain);
    CHECK(d.threads[1].name == "Thread-1 (worker)");

    auto c0 = r.eventChunk(0);
    CHECK(c0->startTimeNs == 0);
    CHECK(c0->endTimeNs == 999);
    checkAllEvents(r, spec);
    checkAllValues(r);
    CHECK(r.verifyAll().empty());
}

TEST_CASE("random access to any event", "[format][container]") {
    TempDir dir;
    TraceSpec spec{60, 777, 10};
    auto path = dir / "t.reel";
    writeTrace(path, spec);
    TraceReader::Options opt;
    opt.cacheChunks = 3;  // most look-ups miss: exercises reload and eviction
    TraceReader r(path, opt);
    std::mt19937_64 rng(42);
    std::vector<uint64_t> picks{0, 1, r.eventCount() - 1, 776, 777, 778};
    for (int i = 0; i < 3000; ++i) picks.push_back(rng() % r.eventCount());
    for (uint64_t n : picks) {
        size_t ci = r.findEventChunk(n);
        const auto& info = r.eventChunkInfo(ci);
        REQUIRE(n >= info.first);
        REQUIRE(n < info.first + info.count);
        auto c = r.eventChunk(ci);
        std::string why;
        INFO("event " << n << ": " << why);
        REQUIRE(checkEvent(*c, n, spec.valuesPerBatch, why));
    }
    for (int i = 0; i < 500; ++i) {
        uint64_t id = rng() % r.valueCount();
        REQUIRE(checkValue(*r.valueChunkFor(id), id));
    }
    CHECK_THROWS_AS(r.findEventChunk(r.eventCount()), std::out_of_range);
    CHECK_THROWS_AS(r.valueChunkFor(r.valueCount()), std::out_of_range);
}

TEST_CASE("recovery of a truncated trace keeps every complete chunk", "[format][container]") {
    TempDir dir;
    TraceSpec spec{12, 400, 8};
    auto path = dir / "t.reel";
    writeTrace(path, spec);
    auto bytes = readFile(path);
    std::vector<ChunkInfo> chunks;
    {
        TraceReader r(path);
        chunks = r.chunks();
    }
    const uint64_t headerEnd = chunks.front().offset;
    // Cut at every chunk boundary, one byte either side, and a stride in between.
    std::vector<uint64_t> cuts;
    for (const auto& c : chunks)
        for (int64_t d : {-1, 0, 1, 47, 48, 49})
            cuts.push_back(static_cast<uint64_t>(static_cast<int64_t>(c.offset) + d));
    for (uint64_t at = headerEnd; at < bytes.size(); at += 61) cuts.push_back(at);
    for (uint64_t at = bytes.size() - 30; at < bytes.size(); ++at) cuts.push_back(at);

    auto cutPath = dir / "cut.reel";
    for (uint64_t cut : cuts) {
        if (cut < headerEnd || cut >= bytes.size()) continue;
        writeFile(cutPath, bytes.data(), cut);
        INFO("truncated at " << cut);
        TraceReader r(cutPath);
        const auto& rep = r.recovery();
        REQUIRE(rep.recovered);
        CHECK_FALSE(r.exitInfo().has_value());
        size_t complete = 0;
        uint64_t end = headerEnd;
        for (const auto& c : chunks)
            if (c.offset + kChunkHeaderSize + c.compressedSize <= cut) {
                ++complete;
                end = c.offset + kChunkHeaderSize + c.compressedSize;
            }
        CHECK(rep.chunksKept == complete);
        CHECK(r.chunks().size() == complete);
        CHECK(rep.bytesKept == end);
        CHECK(rep.bytesDiscarded == cut - end);
        CHECK(rep.fileSize == cut);
        CHECK_FALSE(rep.reason.empty());
        // Everything kept is readable and correct.
        for (size_t i = 0; i < r.eventChunkCount(); ++i) {
            auto c = r.eventChunk(i);
            std::string why;
            REQUIRE(checkEvent(*c, c->firstEvent + c->eventCount - 1, spec.valuesPerBatch, why));
        }
        checkAllValues(r);
        auto problems = r.verifyAll();
        REQUIRE(problems.size() == 1);  // only the missing footer
        CHECK(problems[0].find("recovered") != std::string::npos);
    }
    // Shorter than preamble + header: nothing to recover, a clear error.
    for (uint64_t cut : {uint64_t{0}, uint64_t{7}, uint64_t{kPreambleSize}, headerEnd - 1}) {
        writeFile(cutPath, bytes.data(), cut);
        CHECK_THROWS_AS(TraceReader(cutPath), TraceFormatError);
    }
}

TEST_CASE("a writer destroyed without close leaves a recoverable .partial", "[format][container]") {
    TempDir dir;
    TraceSpec spec{9, 500, 5};
    auto path = dir / "t.reel";
    {
        TraceWriter w(path, sampleHeader(), testOptions());
        CHECK(w.partialPath() == dir / "t.reel.partial");
        for (int b = 0; b < spec.batches; ++b) w.append(makeBatch(spec, b));
        // No flush, no close: the destructor must still write what was queued.
    }
    REQUIRE_FALSE(std::filesystem::exists(path));
    REQUIRE(std::filesystem::exists(dir / "t.reel.partial"));
    TraceReader r(dir / "t.reel.partial");
    CHECK(r.recovery().recovered);
    CHECK(r.recovery().bytesDiscarded == 0);
    CHECK(r.recovery().chunksKept == r.chunks().size());
    CHECK(r.chunks().size() == 1 + 2 * size_t(spec.batches) + 1);  // 2 defs chunks
    requireSameHeader(r.header(), sampleHeader());
    CHECK(r.defs().codes.size() == 2);
    checkAllEvents(r, spec);
    checkAllValues(r);
}

TEST_CASE("flush makes appended batches readable while the writer is open", "[format][container]") {
    TempDir dir;
    TraceSpec spec{4, 300, 5};
    TraceWriter w(dir / "t.reel", sampleHeader(), testOptions());
    w.append(makeBatch(spec, 0));
    w.append(makeBatch(spec, 1));
    w.flush();
    CHECK(w.bytesWritten() == std::filesystem::file_size(w.partialPath()));
    {
        TraceReader r(w.partialPath());
        CHECK(r.recovery().recovered);
        CHECK(r.eventCount() == 600);
    }
    w.append(makeBatch(spec, 2));
    w.append(makeBatch(spec, 3));
    w.close({ExitKind::Exited, 0, ""});
    w.close({ExitKind::Exited, 3, "ignored"});  // idempotent
    TraceReader r(dir / "t.reel");
    CHECK(r.eventCount() == 1200);
    CHECK(r.exitInfo()->kind == ExitKind::Exited);
    CHECK(r.exitInfo()->status == 0);
    CHECK_THROWS_AS(w.append(makeBatch(spec, 4)), std::logic_error);
}

TEST_CASE("back-pressure: a tiny queue still writes everything", "[format][container]") {
    TempDir dir;
    TraceSpec spec{80, 300, 4};
    auto opt = testOptions();
    opt.maxQueuedBytes = 1;  // every append waits for the previous batch to be written
    writeTrace(dir / "t.reel", spec, opt);
    TraceReader r(dir / "t.reel");
    CHECK_FALSE(r.recovery().recovered);
    checkAllEvents(r, spec);
    checkAllValues(r);
    CHECK(r.verifyAll().empty());
}

TEST_CASE("writer rejects batches that would make an unreadable file", "[format][container]") {
    TempDir dir;
    TraceWriter w(dir / "t.reel", sampleHeader(), testOptions());
    TraceSpec spec{3, 100, 3};
    Batch skip = makeBatch(spec, 1);  // events 100.., but nothing was written before
    CHECK_THROWS_AS(w.append(std::move(skip)), std::invalid_argument);
    Batch b0 = makeBatch(spec, 0);
    b0.defs.codes[0].id = 5;
    CHECK_THROWS_AS(w.append(std::move(b0)), std::invalid_argument);
    // A rejected batch changed nothing: the proper one still goes in.
    w.append(makeBatch(spec, 0));
    w.close({});
    TraceReader r(dir / "t.reel");
    CHECK(r.eventCount() == 100);
}

TEST_CASE("an I/O error on the writer thread is reported to the caller", "[format][container]") {
    TempDir dir;
    // Make write() fail with EFBIG past 64 KiB instead of killing the process.
    struct rlimit old {};
    REQUIRE(getrlimit(RLIMIT_FSIZE, &old) == 0);
    auto oldHandler = signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim = old;
    lim.rlim_cur = 64 * 1024;
    REQUIRE(setrlimit(RLIMIT_FSIZE, &lim) == 0);
    bool threw = false;
    try {
        TraceWriter w(dir / "t.reel", sampleHeader(), testOptions());
        TraceSpec spec{200, 2000, 10};
        for (int b = 0; b < spec.batches; ++b) w.append(makeBatch(spec, b));
        w.close({});
    } catch (const std::system_error& e) {
        threw = true;
        CHECK(std::string(e.what()).find("write") != std::string::npos);
    }
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, oldHandler);
    CHECK(threw);
    // Nothing was renamed: the partial file keeps what made it to disk, and it is recoverable.
    CHECK_FALSE(std::filesystem::exists(dir / "t.reel"));
    TraceReader r(dir / "t.reel.partial");
    CHECK(r.recovery().recovered);
    CHECK(r.eventCount() > 0);
}

TEST_CASE("newer container and format majors are refused naming both versions",
          "[format][container]") {
    TempDir dir;
    auto path = dir / "t.reel";
    writeTrace(path, {2, 50, 2});
    const auto good = readFile(path);
    auto bad = dir / "bad.reel";

    SECTION("container major") {
        auto bytes = good;
        bytes[8] = 2;
        writeFile(bad, bytes.data(), bytes.size());
        try {
            TraceReader r(bad);
            FAIL("newer container major accepted");
        } catch (const TraceFormatError& e) {
            std::string msg = e.what();
            CHECK(msg.find("2.0") != std::string::npos);
            CHECK(msg.find("1.0") != std::string::npos);
            CHECK(e.offset() == 8);
        }
    }
    SECTION("newer container minor is readable") {
        auto bytes = good;
        bytes[10] = 7;
        writeFile(bad, bytes.data(), bytes.size());
        TraceReader r(bad);
        CHECK(r.header().containerMinor == 7);
        CHECK(r.eventCount() == 100);
    }
    SECTION("format major") {
        auto bytes = good;
        REQUIRE(bytes[kPreambleSize + 16] == kFormatMajor);  // the layout patchHeaderField assumes
        patchHeaderField(bytes, 0, 3);
        writeFile(bad, bytes.data(), bytes.size());
        try {
            TraceReader r(bad);
            FAIL("newer format major accepted");
        } catch (const TraceFormatError& e) {
            std::string msg = e.what();
            // "trace format version 3.<minor> is newer than this reader supports (1.<minor>)"
            const std::string minor = "." + std::to_string(kFormatMinor);
            CHECK(msg.find("3" + minor) != std::string::npos);
            CHECK(msg.find("(1" + minor + ")") != std::string::npos);
        }
    }
    SECTION("required reader minor") {
        auto bytes = good;
        patchHeaderField(bytes, 2, kFormatMinor + 2);  // formatMinor
        patchHeaderField(bytes, 4, kFormatMinor + 1);  // requiredReaderMinor
        writeFile(bad, bytes.data(), bytes.size());
        try {
            TraceReader r(bad);
            FAIL("file needing a newer reader minor accepted");
        } catch (const TraceFormatError& e) {
            // "... needs a reader of version 1.<minor+1> or newer; this reader supports 1.<minor>"
            std::string msg = e.what();
            CHECK(msg.find("1." + std::to_string(kFormatMinor + 1) + " or newer") !=
                  std::string::npos);
            CHECK(msg.find("supports 1." + std::to_string(kFormatMinor)) != std::string::npos);
        }
    }
    SECTION("newer format minor that old readers can read") {
        auto bytes = good;
        patchHeaderField(bytes, 2, 9);
        writeFile(bad, bytes.data(), bytes.size());
        TraceReader r(bad);
        CHECK(r.header().formatMinor == 9);
    }
}

TEST_CASE("missing and foreign files give clear errors", "[format][container]") {
    TempDir dir;
    CHECK_THROWS_AS(TraceReader(dir / "nope.reel"), std::system_error);
    std::string junk = "#!/usr/bin/env python3\nprint('hello')\n";
    writeFile(dir / "x.py", reinterpret_cast<const uint8_t*>(junk.data()), junk.size());
    try {
        TraceReader r(dir / "x.py");
        FAIL("accepted a Python file");
    } catch (const TraceFormatError& e) {
        CHECK(std::string(e.what()).find("not a Reel trace") != std::string::npos);
        CHECK(e.offset() == 0);
    }
}

TEST_CASE("CodeObject instruction and line look-ups", "[format][defs]") {
    CodeObject c;
    // Offsets 0, 2, 4 (with 4 bytes of cache: size 6), 10.
    c.instructions = {{0, 1, "A", -1, "", 1, 2, -1},
                      {2, 2, "B", -1, "", 2, 2, -1},
                      {4, 3, "C", -1, "", 3, 6, -1},
                      {10, 4, "D", -1, "", -1, 2, -1}};
    CHECK(c.instructionAt(0) == 0);
    CHECK(c.instructionAt(4) == 2);
    CHECK(c.instructionAt(10) == 3);
    CHECK(c.instructionAt(6) == -1);  // inside C's cache entries
    CHECK(c.instructionAt(12) == -1);
    CHECK(c.lineAt(0) == 1);
    CHECK(c.lineAt(2) == 2);
    CHECK(c.lineAt(4) == 3);
    CHECK(c.lineAt(6) == 3);
    CHECK(c.lineAt(8) == 3);
    CHECK(c.lineAt(10) == -1);  // D has no line
    CHECK(c.lineAt(12) == -1);  // past the end
    CodeObject empty;
    CHECK(empty.lineAt(0) == -1);
    CHECK(empty.instructionAt(0) == -1);
}

TEST_CASE("verifyAll checks references between records", "[format][container]") {
    TempDir dir;
    auto opt = testOptions();
    SECTION("a trace without any value records is sound") {
        TraceWriter w(dir / "t.reel", sampleHeader(), opt);
        Batch b;
        b.defs.codes.push_back(sampleCode(0));
        b.defs.threads.push_back({0, 1, 1, "MainThread", true});
        EventEncoder enc;
        enc.thread(0);
        enc.call(0, -1);
        for (int i = 0; i < 100; ++i) {
            enc.opcode(2 * (i % 5));
            enc.localSet(0, ValueRef::smallInt(i));
        }
        enc.ret(ValueRef::constant(Constant::None), 8);
        b.eventCount = enc.eventCount;
        b.tags = enc.tags;
        b.args = enc.args;
        w.append(std::move(b));
        w.close({});
        TraceReader r(dir / "t.reel");
        CHECK(r.valueCount() == 0);
        CHECK(r.verifyAll().empty());
    }
    SECTION("dangling references are reported, with the chunk and event") {
        TraceWriter w(dir / "t.reel", sampleHeader(), opt);
        Batch b;
        b.defs.codes.push_back(sampleCode(0));
        b.defs.threads.push_back({0, 1, 1, "MainThread", true});
        EventEncoder enc;
        enc.thread(0);
        enc.call(0, -1);
        enc.opcode(0);
        enc.localSet(0, ValueRef::record(5));  // no value 5 in the file
        enc.opcode(2);
        enc.call(9, -1);  // no code object 9
        enc.thread(3);    // no thread 3
        b.eventCount = enc.eventCount;
        b.tags = enc.tags;
        b.args = enc.args;
        w.append(std::move(b));
        w.close({});
        TraceReader r(dir / "t.reel");
        auto problems = r.verifyAll();
        // Decoding stops at the first problem in a chunk.
        REQUIRE(problems.size() == 1);
        CHECK(problems[0].find("chunk 1 (events, at byte offset ") == 0);
        CHECK(problems[0].find("event 2 refers to undefined value 5") != std::string::npos);
    }
}
