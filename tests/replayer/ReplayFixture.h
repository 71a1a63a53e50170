#pragma once
// Builds synthetic traces for the replayer tests and bench/bench_replayer.cpp (one builder for
// both): a small program model (code objects with a line per instruction, threads, values) whose
// events go through the real EventEncoder and TraceWriter, so they read back through TraceReader
// like a recorded trace. Batches are either kept until write() (tests: a .partial can be left
// behind) or streamed to a writer opened by stream() (the benchmark's 50M events).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "format/TraceFixture.h"
#include "reel/format/EventStream.h"
#include "reel/format/TraceWriter.h"
#include "reel/format/ValueCodec.h"
#include "reel/replayer/Replayer.h"

namespace reel::test {

class ProgramBuilder {
  public:
    // Events are cut into batches (chunks) of about this many events, so seeks and scans cross
    // chunk boundaries.
    explicit ProgramBuilder(uint32_t eventsPerBatch = 1000) : perBatch_(eventsPerBatch) {}

    // A code object whose instruction k sits at offset 2k on line lines[k].
    uint32_t code(const std::string& qualname, int32_t firstLine, const std::vector<int32_t>& lines,
                  const std::vector<std::string>& locals, bool dictLocals = false,
                  const std::string& file = "/work/prog.py") {
        CodeObject c;
        c.id = static_cast<uint32_t>(codes_.size());
        c.qualname = c.name = qualname;
        c.filename = file;
        for (uint32_t i = 0; i < sources_.size(); ++i)
            if (sources_[i] == file) c.sourceId = i;
        c.firstLine = firstLine;
        c.localNames = locals;
        c.localKinds.assign(locals.size(), 0x20);
        c.usesLocalsDict = dictLocals;
        for (size_t k = 0; k < lines.size(); ++k) {
            Instruction in;
            in.offset = static_cast<uint32_t>(2 * k);
            in.opcode = 1;
            in.opname = "NOP";
            in.line = lines[k];
            in.size = 2;
            c.instructions.push_back(in);
        }
        c.bytecode.assign(lines.size() * 2, 0);
        codes_.push_back(c);
        pending_.codes.push_back(c);
        return c.id;
    }
    // `nInstr` instructions, `perLine` of them per line, starting on the line after firstLine.
    uint32_t code(const std::string& qualname, int32_t firstLine, uint32_t nInstr, uint32_t perLine,
                  const std::vector<std::string>& locals, bool dictLocals = false,
                  const std::string& file = "/work/prog.py") {
        std::vector<int32_t> lines;
        for (uint32_t k = 0; k < nInstr; ++k)
            lines.push_back(firstLine + 1 + static_cast<int32_t>(k / perLine));
        return code(qualname, firstLine, lines, locals, dictLocals, file);
    }
    // Records the source text of `file`: code objects of that file defined after this show it.
    void source(const std::string& file, const std::string& text) {
        const uint32_t id = static_cast<uint32_t>(sources_.size());
        sources_.push_back(file);
        pending_.sources.push_back({id, file, text, true});
    }
    // Names instruction k of a code object (they are all "NOP" otherwise), before write().
    void opname(uint32_t code, size_t k, const std::string& name) {
        codes_[code].instructions[k].opname = name;
        for (auto& c : pending_.codes)
            if (c.id == code) c.instructions[k].opname = name;
    }
    // Sets a code object's co_flags (CO_COROUTINE 0x80, CO_GENERATOR 0x20...), before write().
    void flags(uint32_t code, uint32_t f) {
        codes_[code].flags = f;
        for (auto& c : pending_.codes)
            if (c.id == code) c.flags = f;
    }
    uint32_t string(const std::string& s) {
        uint32_t id = static_cast<uint32_t>(strings_++);
        pending_.strings.push_back({id, s});
        return id;
    }
    ValueRef value(const std::string& s) {
        encode::str(values_, s.size(), s);
        return ValueRef::record(nextValue_++);
    }
    ValueRef container(ValueKind kind, uint32_t typeId, uint64_t length, const ValueRef* items,
                       size_t n) {
        encode::container(values_, kind, typeId, length, items, n);
        return ValueRef::record(nextValue_++);
    }
    // A class (TypeRecord) and an exception instance of it with str args.
    uint32_t type(const std::string& qualname, const std::string& module = "builtins") {
        const uint32_t id = static_cast<uint32_t>(types_++);
        pending_.types.push_back(
            {id, qualname, module,
             module == "builtins" || module == "__main__" ? qualname : module + "." + qualname,
             BuiltinBase::Exception});
        return id;
    }
    ValueRef exceptionValue(uint32_t typeId, const std::string& arg) {
        const ValueRef a = value(arg);
        encode::exception(values_, 1000 + nextValue_, typeId, 1, &a, 1,
                          ValueRef::constant(Constant::None), ValueRef::constant(Constant::None),
                          nullptr, 0);
        return ValueRef::record(nextValue_++);
    }
    void threadRecord(uint32_t id, const std::string& name) {
        pending_.threads.push_back({id, 1000 + id, 2000 + id, name, id == 0});
    }

    void thread(uint32_t t) {
        enc_.thread(t);
        thread_ = t;
    }
    uint64_t call(uint32_t code, int32_t lasti = -1) {
        enc_.call(code, lasti);
        uint64_t id = nextFrame_++;
        numbered();
        return id;
    }
    void resume(uint64_t frame, int32_t lasti) { enc_.resume(frame, lasti), numbered(); }
    void op(uint32_t offset) { enc_.opcode(offset), numbered(); }
    void ret(ValueRef v, int32_t lasti) { enc_.ret(v, lasti), numbered(); }
    void yield(ValueRef v, int32_t lasti) { enc_.yield(v, lasti), numbered(); }
    void unwind(int32_t lasti) { enc_.unwind(lasti), numbered(); }
    void exception(ValueRef v, int32_t lasti) { enc_.exception(v, lasti), numbered(); }
    void handled(uint32_t offset) { enc_.handled(offset); }
    void set(uint32_t slot, ValueRef v) { enc_.localSet(slot, v); }
    void del(uint32_t slot) { enc_.localDel(slot); }
    void nameSet(uint32_t name, ValueRef v) { enc_.nameSet(name, v); }
    void nameDel(uint32_t name) { enc_.nameDel(name); }
    void output(uint32_t stream, const std::string& s) { enc_.output(stream, s.data(), s.size()); }
    void time(int64_t ns) { enc_.time(ns); }
    void threadEnd(uint32_t t) { enc_.threadEnd(t); }
    void hook(uint32_t which, ValueRef gen) { enc_.asyncGenHook(which, gen); }
    void frameObject(uint64_t frame, ValueRef v) { enc_.frameObject(frame, v); }
    void reenter(uint64_t frame) { enc_.reenter(frame); }

    uint64_t events() const { return firstEvent_ + enc_.eventCount; }
    uint32_t currentThread() const { return thread_; }
    const std::vector<CodeObject>& codes() const { return codes_; }

    // From now on every batch goes straight to a writer on `path` (memory stays flat however
    // long the trace); finish() closes it. Call before the first event.
    void stream(const std::filesystem::path& path, const HeaderInfo& header,
                const TraceWriter::Options& options) {
        writer_ = std::make_unique<TraceWriter>(path, header, options);
    }
    void finish(const ExitInfo& exit = {ExitKind::Exited, 0, ""}) {
        flush(*writer_);
        writer_->close(exit);
        writer_.reset();
    }

    // Writes the trace; `close` false leaves a .partial file as a crashed recorder would.
    void write(const std::filesystem::path& path, bool close = true) {
        TraceWriter w(path, sampleHeader(), testOptions());
        for (auto& b : batches_) w.append(std::move(b));
        batches_.clear();
        flush(w);
        if (close)
            w.close({ExitKind::Exited, 0, ""});
        else
            w.flush();
    }

  private:
    void numbered() {
        if (enc_.eventCount >= perBatch_) cut();
    }
    void cut() {
        Batch b;
        b.defs = std::move(pending_);
        pending_ = {};
        b.firstValueId = firstValue_;
        b.valueCount = static_cast<uint32_t>(nextValue_ - firstValue_);
        b.values = std::move(values_);
        values_.clear();
        firstValue_ = nextValue_;
        b.firstEvent = firstEvent_;
        b.eventCount = enc_.eventCount;
        b.tags = enc_.tags;
        b.args = enc_.args;
        b.blobs = enc_.blobs;
        b.startThread = batchThread_;
        b.startNextFrameId = batchFrame_;
        firstEvent_ += enc_.eventCount;
        batchThread_ = thread_;
        batchFrame_ = nextFrame_;
        enc_.reset();
        if (writer_)
            writer_->append(std::move(b));
        else
            batches_.push_back(std::move(b));
    }
    void flush(TraceWriter& w) {
        if (enc_.tags.size() || !pending_.empty() || !values_.empty()) cut();
        for (auto& b : batches_) w.append(std::move(b));
        batches_.clear();
    }

    uint32_t perBatch_;
    std::vector<CodeObject> codes_;
    size_t strings_ = 0, types_ = 0;
    NewDefs pending_;
    std::vector<std::string> sources_;  // paths, by source id
    std::vector<uint8_t> values_;
    uint64_t nextValue_ = 0, firstValue_ = 0;
    EventEncoder enc_;
    uint64_t firstEvent_ = 0;
    uint32_t thread_ = 0, batchThread_ = 0;
    uint64_t nextFrame_ = 0, batchFrame_ = 0;
    std::vector<Batch> batches_;
    std::unique_ptr<TraceWriter> writer_;
};

// Output as (stream, text) runs in write order: consecutive writes to one stream joined, the
// replayer's notes (OutputChunk::elidedBytes) left out. Two traces showing the same interleaved
// output have equal runs however their writes were cut into chunks.
using OutputRuns = std::vector<std::pair<uint32_t, std::string>>;
inline OutputRuns outputRuns(const std::vector<replayer::OutputChunk>& chunks) {
    OutputRuns out;
    for (const auto& c : chunks) {
        if (c.isNote()) continue;
        if (!out.empty() && out.back().first == c.stream)
            out.back().second += c.text;
        else
            out.emplace_back(c.stream, c.text);
    }
    return out;
}

// Three exceptions around library code (CodeOrigin.h): #0 raised and handled inside a library
// function (/usr/lib/python3.12/json/__init__.py), #1 raised there and handled by the program
// (/src/app.py), #2 raised by a program callback called from the library and handled there.
struct LibraryExceptionsTrace {
    uint64_t libOnly = 0, intoApp = 0, fromApp = 0;  // the events where each was raised

    explicit LibraryExceptionsTrace(const std::filesystem::path& path) {
        ProgramBuilder pb(50);
        const uint32_t app = pb.code("main", 1, {2, 3, 4, 5}, {"x"}, false, "/src/app.py");
        const uint32_t lib = pb.code("loads", 10, {11, 12, 13, 14}, {"s"}, false,
                                     "/usr/lib/python3.12/json/__init__.py");
        const uint32_t keyError = pb.type("KeyError");
        const uint32_t valueError = pb.type("ValueError");
        pb.threadRecord(0, "MainThread");
        pb.thread(0);
        pb.call(app);
        pb.op(0);
        pb.call(lib);
        pb.op(0);
        libOnly = pb.events();
        pb.exception(pb.exceptionValue(keyError, "k"), 0);
        pb.handled(4);
        pb.op(4);
        intoApp = pb.events();
        pb.exception(pb.exceptionValue(valueError, "bad"), 4);
        pb.unwind(4);
        pb.exception(pb.exceptionValue(valueError, "bad"), 2);
        pb.handled(4);
        pb.op(4);
        pb.call(lib);
        pb.op(0);
        pb.call(app);
        fromApp = pb.events();
        pb.exception(pb.exceptionValue(keyError, "cb"), 0);
        pb.unwind(0);
        pb.exception(pb.exceptionValue(keyError, "cb"), 2);
        pb.handled(6);
        pb.op(6);
        pb.ret(format::ValueRef::constant(format::Constant::None), 6);
        pb.op(6);
        pb.ret(format::ValueRef::constant(format::Constant::None), 6);
        pb.write(path);
    }
};

}  // namespace reel::test
