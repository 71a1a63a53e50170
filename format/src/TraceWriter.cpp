#include "reel/format/TraceWriter.h"

#include <capnp/serialize.h>
#include <fcntl.h>
#include <lz4.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <system_error>

#include "ContainerIO.h"
#include "reel.capnp.h"
#include "reel/format/Container.h"
#include "reel/format/WorkQueue.h"

namespace reel::format {

using detail::ChunkHeader;
using detail::storeLE;

namespace {

[[noreturn]] void throwErrno(const std::string& what) {
    throw std::system_error(errno, std::generic_category(), what);
}

// Everything a recorder batch costs in memory while queued; drives back-pressure.
size_t batchBytes(const Batch& b) {
    size_t n = sizeof(Batch) + b.values.size() + b.tags.size() + b.args.size() + b.blobs.size();
    for (const auto& s : b.defs.sources) n += s.path.size() + s.text.size() + 64;
    for (const auto& c : b.defs.codes)
        n += c.bytecode.size() + c.instructions.size() * sizeof(Instruction) + 256;
    n += b.defs.types.size() * 128 + b.defs.threads.size() * 64;
    for (const auto& s : b.defs.strings) n += s.second.size() + 32;
    if (b.checkpoint)
        n += b.checkpoint->outputTail[0].size() + b.checkpoint->outputTail[1].size() +
             b.checkpoint->outputOrder.size() * 8 + 4096;
    return n;
}

capnp::Data::Reader dataOf(const std::vector<uint8_t>& v) {
    return capnp::Data::Reader(v.data(), v.size());
}

void fillText(capnp::List<capnp::Text>::Builder list, const std::vector<std::string>& items) {
    for (size_t i = 0; i < items.size(); ++i) list.set(i, items[i]);
}

void buildDefs(schema::Defs::Builder d, const NewDefs& defs) {
    auto sources = d.initSources(defs.sources.size());
    for (size_t i = 0; i < defs.sources.size(); ++i) {
        const auto& s = defs.sources[i];
        auto b = sources[i];
        b.setId(s.id);
        b.setPath(s.path);
        b.setText(s.text);
        b.setHasText(s.hasText);
    }
    auto codes = d.initCodes(defs.codes.size());
    for (size_t i = 0; i < defs.codes.size(); ++i) {
        const auto& c = defs.codes[i];
        auto b = codes[i];
        b.setId(c.id);
        b.setQualname(c.qualname);
        b.setName(c.name);
        b.setFilename(c.filename);
        b.setSourceId(c.sourceId);
        b.setFirstLine(c.firstLine);
        b.setFlags(c.flags);
        b.setArgCount(c.argCount);
        fillText(b.initLocalNames(c.localNames.size()), c.localNames);
        b.setLocalKinds(dataOf(c.localKinds));
        auto ins = b.initInstructions(c.instructions.size());
        for (size_t j = 0; j < c.instructions.size(); ++j) {
            const auto& in = c.instructions[j];
            auto ib = ins[j];
            ib.setOffset(in.offset);
            ib.setOpcode(in.opcode);
            ib.setOpname(in.opname);
            ib.setArg(in.arg);
            ib.setArgRepr(in.argRepr);
            ib.setLine(in.line);
            ib.setSize(in.size);
            ib.setJumpTarget(in.jumpTarget);
        }
        b.setUsesLocalsDict(c.usesLocalsDict);
        b.setBytecode(dataOf(c.bytecode));
    }
    auto types = d.initTypes(defs.types.size());
    for (size_t i = 0; i < defs.types.size(); ++i) {
        const auto& t = defs.types[i];
        auto b = types[i];
        b.setId(t.id);
        b.setQualname(t.qualname);
        b.setModule(t.module);
        b.setDisplayName(t.displayName);
        b.setBuiltinBase(static_cast<schema::BuiltinBase>(t.builtinBase));
    }
    auto strings = d.initStrings(defs.strings.size());
    for (size_t i = 0; i < defs.strings.size(); ++i) {
        strings[i].setId(defs.strings[i].first);
        strings[i].setText(defs.strings[i].second);
    }
    auto threads = d.initThreads(defs.threads.size());
    for (size_t i = 0; i < defs.threads.size(); ++i) {
        const auto& t = defs.threads[i];
        auto b = threads[i];
        b.setId(t.id);
        b.setIdent(t.ident);
        b.setNativeId(t.nativeId);
        b.setName(t.name);
        b.setIsMain(t.isMain);
    }
}

void buildHeader(schema::TraceHeader::Builder h, const HeaderInfo& info,
                 uint16_t requiredReaderMinor) {
    h.setFormatMajor(kFormatMajor);
    h.setFormatMinor(kFormatMinor);
    // 0 for recordings: nothing in them changes the meaning of data a 1.0 reader understands.
    // A slice (Checkpoint chunk) needs 1.1: a 1.0 reader would misplace its events.
    h.setRequiredReaderMinor(requiredReaderMinor);
    h.setRecorderVersion(info.recorderVersion);
    h.setPythonImplementation(info.pythonImplementation);
    h.setPythonVersion(info.pythonVersion);
    h.setPythonHexVersion(info.pythonHexVersion);
    h.setPlatform(info.platform);
    fillText(h.initArgv(info.argv.size()), info.argv);
    h.setCwd(info.cwd);
    h.setStartTimeNs(info.startTimeNs);
    h.setPid(info.pid);
    h.setExecutable(info.executable);
    h.setHook(info.hook);
    auto c = h.initCapture();
    c.setMaxDepth(info.capture.maxDepth);
    c.setMaxItems(info.capture.maxItems);
    c.setMaxStr(info.capture.maxStr);
    fillText(c.initOnly(info.capture.only.size()), info.capture.only);
    fillText(c.initExclude(info.capture.exclude.size()), info.capture.exclude);
    c.setOriginDepth(info.capture.originDepth);
    c.setRedact(info.capture.redact);
    c.setNoValues(info.capture.noValues);
    c.setFlightLast(info.capture.flightLast);
}

void buildException(schema::CheckpointException::Builder b, const CheckpointException& x) {
    b.setValue(x.value.raw);
    b.setFrameId(x.frameId);
    b.setRaisedAt(x.raisedAt);
    b.setLastEvent(x.lastEvent);
    b.setIndex(x.index);
    b.setUncaught(x.uncaught);
}

void buildFrame(schema::CheckpointFrame::Builder b, const CheckpointFrame& f) {
    b.setId(f.id);
    b.setCodeId(f.codeId);
    b.setLasti(f.lasti);
    b.setLine(f.line);
    b.setLastLine(f.lastLine);
    b.setCallEvent(f.callEvent);
    b.setActivationEvent(f.activationEvent);
    b.setExiting(f.exiting);
    b.setPrevWasOpcode(f.prevWasOpcode);
    b.setHasObject(f.object.has_value());
    if (f.object) b.setObject(f.object->raw);
    b.setHasOrigin(f.origin.has_value());
    if (f.origin) b.setOrigin(f.origin->raw);
    b.setHasHandled(f.handled.has_value());
    if (f.handled) buildException(b.initHandled(), *f.handled);
    auto slots = b.initSlots(f.slots.size());
    for (size_t i = 0; i < f.slots.size(); ++i) {
        slots[i].setValue(f.slots[i].value.raw);
        slots[i].setChangedAt(f.slots[i].changedAt);
    }
    auto names = b.initNames(f.names.size());
    for (size_t i = 0; i < f.names.size(); ++i) {
        names[i].setNameId(f.names[i].nameId);
        names[i].setValue(f.names[i].value.raw);
        names[i].setChangedAt(f.names[i].changedAt);
    }
}

void buildCheckpoint(schema::Checkpoint::Builder c, const Checkpoint& cp) {
    c.setFirstEvent(cp.firstEvent);
    c.setEventKind(cp.eventKind);
    c.setThread(cp.thread);
    c.setValue(cp.value.raw);
    c.setTimeNs(cp.timeNs);
    c.setStdoutBytes(cp.outputBytes[0]);
    c.setStderrBytes(cp.outputBytes[1]);
    c.setOutputRecords(cp.outputRecords);
    c.setExceptionCount(cp.exceptionCount);
    auto threads = c.initThreads(cp.threads.size());
    for (size_t i = 0; i < cp.threads.size(); ++i) {
        const auto& t = cp.threads[i];
        auto b = threads[i];
        b.setId(t.id);
        b.setEnded(t.ended);
        b.setLastEvent(t.lastEvent);
        b.setLastKind(t.lastKind);
        b.setHasException(t.exception.has_value());
        if (t.exception) buildException(b.initException(), *t.exception);
        auto aside = b.initSetAside(t.setAside.size());
        for (size_t j = 0; j < t.setAside.size(); ++j) buildException(aside[j], t.setAside[j]);
        auto stack = b.initStack(t.stack.size());
        for (size_t j = 0; j < t.stack.size(); ++j) buildFrame(stack[j], t.stack[j]);
    }
    auto susp = c.initSuspended(cp.suspended.size());
    for (size_t i = 0; i < cp.suspended.size(); ++i) buildFrame(susp[i], cp.suspended[i]);
    c.setStdoutTail(capnp::Data::Reader(reinterpret_cast<const uint8_t*>(cp.outputTail[0].data()),
                                        cp.outputTail[0].size()));
    c.setStderrTail(capnp::Data::Reader(reinterpret_cast<const uint8_t*>(cp.outputTail[1].data()),
                                        cp.outputTail[1].size()));
    c.setOriginalEventCount(cp.originalEventCount);
    c.setOriginalPath(cp.originalPath);
    auto order = c.initOutputOrder(static_cast<unsigned>(cp.outputOrder.size()));
    for (size_t i = 0; i < cp.outputOrder.size(); ++i) {
        const OutputRun& run = cp.outputOrder[i];
        REEL_ASSERT(run.stream == 1 || run.stream == 2, "output run of an unknown stream");
        order.set(static_cast<unsigned>(i), run.bytes * 2 + (run.stream - 1));
    }
}

struct IndexEntry {
    uint64_t offset;
    uint16_t kind;
    uint32_t compressedSize, uncompressedSize;
    uint64_t first;
    uint32_t count;
};

}  // namespace

class TraceWriter::Impl {
  public:
    Impl(std::filesystem::path path, const HeaderInfo& header, Options options)
        : path_(std::move(path)), partial_(path_), options_(options) {
        partial_ += ".partial";
        if (options_.lz4Acceleration < 1) options_.lz4Acceleration = 1;
        fd_ = ::open(partial_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd_ < 0) throwErrno("cannot create " + partial_.string());
        try {
            writePreamble(header);
        } catch (...) {
            ::close(fd_);
            fd_ = -1;
            throw;
        }
        work_ = std::make_unique<WorkQueue<Batch>>(
            options_.maxQueuedBytes, "TraceWriter failed earlier; trace is incomplete",
            [this](Batch& b) { writeBatch(b); });
    }

    ~Impl() {
        work_.reset();  // writes what is queued
        if (fd_ >= 0) ::close(fd_);
    }

    void append(Batch&& batch) {
        if (closed_) throw std::logic_error("TraceWriter::append after close");
        checkBatch(batch);
        const size_t bytes = batchBytes(batch);
        work_->push(std::move(batch), bytes);
    }

    void pauseWorker() {
        work_->pause();
        work_->rethrowIfFailed();
    }

    void flush() {
        if (closed_) return;
        work_->waitIdle();
        if (options_.durable && ::fdatasync(fd_) != 0) throwErrno("fdatasync " + partial_.string());
    }

    void close(const ExitInfo& exit) {
        if (closed_) return;
        if (closeStarted_)
            throw std::runtime_error("TraceWriter::close failed earlier; " + partial_.string() +
                                     " is left for recovery");
        work_->waitIdle();
        closeStarted_ = true;
        work_->stop();
        // The background thread is gone: the footer is written from here, no lock needed.
        writeFooter(exit);
        uint8_t trailer[kTrailerSize];
        storeLE(trailer, footerOffset_, 8);
        storeLE(trailer + 8, detail::hash64(trailer, 8), 8);
        std::memcpy(trailer + 16, kEndMagic.data(), 8);
        writeAll(trailer, sizeof trailer);
        if (options_.durable && ::fdatasync(fd_) != 0) throwErrno("fdatasync " + partial_.string());
        if (::close(fd_) != 0) {
            fd_ = -1;
            throwErrno("close " + partial_.string());
        }
        fd_ = -1;
        std::filesystem::rename(partial_, path_);
        if (options_.durable) syncDirectory();
        closed_ = true;
    }

    const std::filesystem::path& path() const { return path_; }
    const std::filesystem::path& partialPath() const { return partial_; }
    uint64_t bytesWritten() const { return written_.load(std::memory_order_acquire); }

  private:
    // Catches recorder bugs on the caller's thread, where they can be reported, instead of
    // writing a file the reader would refuse.
    void checkBatch(const Batch& b) {
        auto expect = [](bool ok, const char* what) {
            if (!ok) throw std::invalid_argument(std::string("TraceWriter::append: ") + what);
        };
        const auto& d = b.defs;
        // Checked against copies and committed at the end, so a rejected batch changes nothing.
        uint32_t src = nextSource_, code = nextCode_, type = nextType_, str = nextString_,
                 thr = nextThread_;
        for (const auto& s : d.sources) expect(s.id == src++, "source ids must be dense");
        for (const auto& c : d.codes) expect(c.id == code++, "code ids must be dense");
        for (const auto& t : d.types) expect(t.id == type++, "type ids must be dense");
        for (const auto& s : d.strings) expect(s.first == str++, "string ids must be dense");
        for (const auto& t : d.threads) expect(t.id == thr++, "thread ids must be dense");
        const bool hasValues = b.valueCount || !b.values.empty();
        const bool hasEvents = b.eventCount || !b.tags.empty();
        uint64_t firstEvent = nextEvent_;
        if (b.checkpoint) {
            expect(!sawEvents_ && !sawCheckpoint_,
                   "a checkpoint must come before every events chunk, once");
            expect(b.checkpoint->firstEvent > 0, "a checkpoint's first event must be > 0");
            expect(options_.requiredReaderMinor >= kCheckpointReaderMinor,
                   "a checkpoint needs Options::requiredReaderMinor >= 1");
            firstEvent = b.checkpoint->firstEvent;
        }
        if (hasValues) {
            // Format 1.1 files may skip ids (a flight-recorder generation carries only the
            // records its checkpoint needs); ids still only grow.
            expect(b.firstValueId == nextValue_ ||
                       (options_.requiredReaderMinor >= kCheckpointReaderMinor &&
                        b.firstValueId > nextValue_),
                   "values must be numbered densely");
            expect(b.valueCount <= b.values.size(), "more values than value bytes");
        }
        if (hasEvents) {
            expect(b.firstEvent == firstEvent, "events must be numbered densely");
            expect(b.eventCount <= b.tags.size(), "more events than tags");
        }
        // Leave room for the message framing; a recorder flushes batches long before this.
        constexpr size_t kLimit = kMaxChunkPayload - (1u << 20);
        expect(b.values.size() < kLimit, "values batch too large for one chunk");
        expect(b.tags.size() + b.args.size() + b.blobs.size() < kLimit,
               "events batch too large for one chunk");
        nextSource_ = src;
        nextCode_ = code;
        nextType_ = type;
        nextString_ = str;
        nextThread_ = thr;
        if (hasValues) nextValue_ = b.firstValueId + b.valueCount;
        if (b.checkpoint) {
            sawCheckpoint_ = true;
            nextEvent_ = firstEvent;
        }
        if (hasEvents) {
            nextEvent_ += b.eventCount;
            sawEvents_ = true;
        }
    }

    void writeBatch(const Batch& b) {
        if (!b.defs.empty()) {
            capnp::MallocMessageBuilder msg;
            buildDefs(msg.initRoot<schema::Defs>(), b.defs);
            writeChunk(1, 0, 0, msg);
        }
        if (b.checkpoint) {
            capnp::MallocMessageBuilder msg;
            buildCheckpoint(msg.initRoot<schema::Checkpoint>(), *b.checkpoint);
            writeChunk(5, b.checkpoint->firstEvent, 0, msg);
        }
        if (b.valueCount || !b.values.empty()) {
            capnp::MallocMessageBuilder msg;
            auto v = msg.initRoot<schema::ValueBatch>();
            v.setFirstId(b.firstValueId);
            v.setCount(b.valueCount);
            v.setData(dataOf(b.values));
            writeChunk(2, b.firstValueId, b.valueCount, msg);
        }
        if (b.eventCount || !b.tags.empty()) {
            capnp::MallocMessageBuilder msg((b.tags.size() + b.args.size() + b.blobs.size()) / 8 +
                                            64);
            auto e = msg.initRoot<schema::EventBatch>();
            e.setFirstEvent(b.firstEvent);
            e.setEventCount(b.eventCount);
            e.setTags(dataOf(b.tags));
            e.setArgs(dataOf(b.args));
            e.setBlobs(dataOf(b.blobs));
            auto s = e.initStart();
            s.setThread(b.startThread);
            s.setNextFrameId(b.startNextFrameId);
            e.setStartTimeNs(b.startTimeNs);
            e.setEndTimeNs(b.endTimeNs);
            writeChunk(3, b.firstEvent, b.eventCount, msg);
        }
    }

    void writeFooter(const ExitInfo& exit) {
        capnp::MallocMessageBuilder msg;
        auto f = msg.initRoot<schema::Footer>();
        auto refs = f.initChunks(index_.size());
        uint64_t events = 0, values = 0;
        for (size_t i = 0; i < index_.size(); ++i) {
            const auto& e = index_[i];
            auto r = refs[i];
            r.setOffset(e.offset);
            r.setKind(static_cast<schema::ChunkKind>(e.kind));
            r.setCompressedSize(e.compressedSize);
            r.setUncompressedSize(e.uncompressedSize);
            r.setFirstEvent(e.first);
            r.setCount(e.count);
            if (e.kind == 3) events += e.count;
            if (e.kind == 5) events = e.first;  // before any events chunk: numbering starts here
            if (e.kind == 2) values = e.first + e.count;  // one past the highest id
        }
        f.setEventCount(events);
        f.setValueCount(values);
        f.setEndTimeNs(std::chrono::duration_cast<std::chrono::nanoseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count());
        auto x = f.initExit();
        x.setKind(static_cast<schema::ExitKind>(exit.kind));
        x.setStatus(exit.status);
        x.setMessage(exit.message);
        footerOffset_ = offset_;
        writeChunk(4, 0, 0, msg, /*indexed=*/false);
    }

    void writeChunk(uint16_t kind, uint64_t first, uint32_t count, capnp::MessageBuilder& msg,
                    bool indexed = true) {
        kj::Array<capnp::word> flat = capnp::messageToFlatArray(msg);
        auto bytes = flat.asBytes();
        if (bytes.size() > kMaxChunkPayload)
            throw std::length_error("chunk payload exceeds the format's limit");
        const int u = static_cast<int>(bytes.size());
        const size_t bound = static_cast<size_t>(LZ4_compressBound(u));
        if (buf_.size() < kChunkHeaderSize + bound) buf_.resize(kChunkHeaderSize + bound);
        char* payload = reinterpret_cast<char*>(buf_.data()) + kChunkHeaderSize;
        int c = LZ4_compress_fast(reinterpret_cast<const char*>(bytes.begin()), payload, u,
                                  static_cast<int>(bound), options_.lz4Acceleration);
        ChunkHeader h;
        h.kind = kind;
        h.first = first;
        h.count = count;
        h.uncompressedSize = static_cast<uint32_t>(u);
        if (c > 0 && c < u) {
            h.flags = kChunkFlagLz4;
            h.compressedSize = static_cast<uint32_t>(c);
        } else {
            // Incompressible: stored raw, so the reader never decompresses a bigger blob.
            std::memcpy(payload, bytes.begin(), bytes.size());
            h.compressedSize = h.uncompressedSize;
        }
        h.payloadHash = detail::hash64(payload, h.compressedSize);
        h.encode(buf_.data());
        const uint64_t at = offset_;
        writeAll(buf_.data(), kChunkHeaderSize + h.compressedSize);
        if (indexed)
            index_.push_back({at, kind, h.compressedSize, h.uncompressedSize, first, count});
        // Don't keep a huge buffer around after one exceptional chunk.
        if (buf_.size() > (size_t{32} << 20)) std::vector<uint8_t>().swap(buf_);
    }

    void writePreamble(const HeaderInfo& info) {
        capnp::MallocMessageBuilder msg;
        buildHeader(msg.initRoot<schema::TraceHeader>(), info, options_.requiredReaderMinor);
        kj::Array<capnp::word> flat = capnp::messageToFlatArray(msg);
        auto bytes = flat.asBytes();
        if (bytes.size() > kMaxHeaderSize) throw std::length_error("trace header too large");
        std::vector<uint8_t> out(kPreambleSize + bytes.size());
        std::memcpy(out.data(), kMagic.data(), 8);
        storeLE(out.data() + 8, kContainerMajor, 2);
        storeLE(out.data() + 10, kContainerMinor, 2);
        storeLE(out.data() + 12, bytes.size(), 4);
        storeLE(out.data() + 16, detail::hash64(bytes.begin(), bytes.size()), 8);
        std::memcpy(out.data() + kPreambleSize, bytes.begin(), bytes.size());
        writeAll(out.data(), out.size());
    }

    void writeAll(const void* data, size_t n) {
        auto p = static_cast<const uint8_t*>(data);
        while (n > 0) {
            ssize_t w = ::write(fd_, p, n);
            if (w < 0) {
                if (errno == EINTR) continue;
                throwErrno("write " + partial_.string());
            }
            p += w;
            n -= static_cast<size_t>(w);
            offset_ += static_cast<uint64_t>(w);
        }
        written_.store(offset_, std::memory_order_release);
    }

    void syncDirectory() {
        auto dir = path_.parent_path();
        if (dir.empty()) dir = ".";
        int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0) return;  // the data itself is synced; the rename will reach disk eventually
        ::fsync(dfd);
        ::close(dfd);
    }

    std::filesystem::path path_, partial_;
    Options options_;
    int fd_ = -1;
    bool closed_ = false;
    bool closeStarted_ = false;

    // Caller-thread bookkeeping for checkBatch.
    uint32_t nextSource_ = 0, nextCode_ = 0, nextType_ = 0, nextString_ = 0, nextThread_ = 0;
    uint64_t nextValue_ = 0, nextEvent_ = 0;
    bool sawEvents_ = false, sawCheckpoint_ = false;

    // Owned by the background thread while it runs, by close() afterwards.
    uint64_t offset_ = 0;
    uint64_t footerOffset_ = 0;
    std::vector<IndexEntry> index_;
    std::vector<uint8_t> buf_;
    std::atomic<uint64_t> written_{0};

    std::unique_ptr<WorkQueue<Batch>> work_;  // last: its worker uses everything above
};

TraceWriter::TraceWriter(std::filesystem::path path, const HeaderInfo& header, Options options)
    : impl_(std::make_unique<Impl>(std::move(path), header, options)) {}
TraceWriter::TraceWriter(std::filesystem::path path, const HeaderInfo& header)
    : TraceWriter(std::move(path), header, Options{}) {}
TraceWriter::~TraceWriter() = default;

void TraceWriter::append(Batch&& batch) {
    impl_->append(std::move(batch));
}
void TraceWriter::flush() {
    impl_->flush();
}
void TraceWriter::pauseWorker() {
    impl_->pauseWorker();
}
void TraceWriter::close(const ExitInfo& exit) {
    impl_->close(exit);
}
const std::filesystem::path& TraceWriter::path() const {
    return impl_->path();
}
const std::filesystem::path& TraceWriter::partialPath() const {
    return impl_->partialPath();
}
uint64_t TraceWriter::bytesWritten() const {
    return impl_->bytesWritten();
}

}  // namespace reel::format
