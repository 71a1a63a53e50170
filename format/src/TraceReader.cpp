#include "reel/format/TraceReader.h"

#include <capnp/serialize.h>
#include <fcntl.h>
#include <kj/exception.h>
#include <lz4.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <list>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <unordered_map>
#include <unordered_set>

#include "ContainerIO.h"
#include "reel.capnp.h"
#include "reel/format/Container.h"
#include "reel/format/EventStream.h"
#include "reel/format/ValueCodec.h"

namespace reel::format {

using detail::ChunkHeader;
using detail::loadLE;

namespace {

constexpr uint16_t kDefs = 1, kValues = 2, kEvents = 3, kFooter = 4, kCheckpoint = 5;

std::string version(uint32_t major, uint32_t minor) {
    return std::to_string(major) + "." + std::to_string(minor);
}

// Cap'n Proto reads lazily and throws kj::Exception on malformed pointers; this limits how much
// a hostile message can make it traverse (amplification through shared or zero-sized lists) and
// how deep it can nest. Our schema nests 4 levels; every list is read once.
capnp::ReaderOptions readerOptions(size_t words) {
    capnp::ReaderOptions o;
    o.traversalLimitInWords = uint64_t{words} * 2 + 1024;
    o.nestingLimit = 16;
    return o;
}

// Runs `f` (which reads a Cap'n Proto message) and turns capnp's exceptions into
// TraceFormatError against `offset`.
template <typename F>
auto parsing(uint64_t offset, const char* what, F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const kj::Exception& e) {
        throw TraceFormatError(std::string("malformed ") + what + ": " + e.getDescription().cStr(),
                               offset);
    }
}

// A flat message must fill its buffer exactly; trailing bytes mean the sizes were tampered with.
void requireExact(const capnp::FlatArrayMessageReader& r, kj::ArrayPtr<const capnp::word> words,
                  uint64_t offset, const char* what) {
    REEL_REQUIRE(r.getEnd() == words.end(), offset,
                 std::string(what) + " message does not fill its payload");
}

// A list of N structs occupies at least N * (the schema's struct size) words in a legitimate
// message (structs only grow across versions). Checking that before copying stops a hostile list
// of zero-sized elements from expanding into a huge number of C++ objects.
template <typename T, typename L>
void requireListFits(L list, size_t words, uint64_t at, const char* what) {
    constexpr uint64_t per = T::_capnpPrivate::dataWordSize + T::_capnpPrivate::pointerCount;
    REEL_REQUIRE(uint64_t{list.size()} * (per ? per : 1) <= words, at,
                 std::string(what) + " list larger than its message");
}

std::vector<uint8_t> copyData(capnp::Data::Reader d) {
    return {d.begin(), d.end()};
}
std::string copyText(capnp::Text::Reader t) {
    return {t.cStr(), t.size()};
}
std::vector<std::string> copyTexts(capnp::List<capnp::Text>::Reader l) {
    std::vector<std::string> out;
    out.reserve(l.size());
    for (auto t : l) out.push_back(copyText(t));
    return out;
}

}  // namespace

class TraceReader::Impl {
  public:
    Impl(const std::filesystem::path& path, Options options) : path_(path), options_(options) {
        fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0)
            throw std::system_error(errno, std::generic_category(), "cannot open " + path.string());
        try {
            struct stat st {};
            if (::fstat(fd_, &st) != 0)
                throw std::system_error(errno, std::generic_category(), "stat " + path.string());
            if (!S_ISREG(st.st_mode)) throw std::runtime_error(path.string() + " is not a file");
            fileSize_ = static_cast<uint64_t>(st.st_size);
            recovery_.fileSize = fileSize_;
            readHeader();
            readIndex();
            loadDefs();
            loadCheckpoint();
        } catch (...) {
            ::close(fd_);
            fd_ = -1;
            throw;
        }
    }
    ~Impl() {
        if (fd_ >= 0) ::close(fd_);
    }

    // ---- accessors ------------------------------------------------------------------------
    const std::filesystem::path& path() const { return path_; }
    const TraceHeaderInfo& header() const { return header_; }
    const Definitions& defs() const { return defs_; }
    const RecoveryReport& recovery() const { return recovery_; }
    const std::optional<ExitInfo>& exitInfo() const { return exit_; }
    uint64_t fileSize() const { return fileSize_; }
    const std::vector<ChunkInfo>& chunks() const { return chunks_; }
    uint64_t eventCount() const { return eventCount_; }
    uint64_t firstEvent() const { return firstEvent_; }
    const std::optional<Checkpoint>& checkpoint() const { return checkpoint_; }
    uint64_t valueCount() const { return valueCount_; }
    size_t eventChunkCount() const { return eventChunks_.size(); }
    const ChunkInfo& eventChunkInfo(size_t i) const { return chunks_.at(eventChunks_.at(i)); }

    size_t findEventChunk(uint64_t n) const {
        if (n >= eventCount_) throw std::out_of_range("event number past the end of the trace");
        if (n < firstEvent_)
            throw std::out_of_range("event number before the start of the trace (a slice)");
        // Last chunk whose first event is <= n and that holds at least one event (chunks holding
        // only trailing unnumbered records share `first` with their successor).
        size_t lo = 0, hi = eventChunks_.size();
        while (hi - lo > 1) {
            size_t mid = (lo + hi) / 2;
            if (chunks_[eventChunks_[mid]].first <= n)
                lo = mid;
            else
                hi = mid;
        }
        while (chunks_[eventChunks_[lo]].count == 0 ||
               n >= chunks_[eventChunks_[lo]].first + chunks_[eventChunks_[lo]].count)
            --lo;  // terminates: the index check guarantees coverage of [0, eventCount)
        return lo;
    }

    size_t findValueChunk(uint64_t id) const {
        if (id >= valueCount_) throw std::out_of_range("value id past the end of the trace");
        auto it = std::upper_bound(valueChunks_.begin(), valueChunks_.end(), id,
                                   [&](uint64_t v, size_t ci) { return v < chunks_[ci].first; });
        while (it != valueChunks_.begin()) {
            --it;
            const auto& c = chunks_[*it];
            if (c.count > 0 && id < c.first + c.count) return *it;
            // A chunk with records ending before `id`: the id falls in a gap (a file with a
            // checkpoint may skip ids: a flight-recorder generation carries only what it needs).
            if (c.count > 0) break;
        }
        throw std::out_of_range("value id not stored in the trace");
    }

    // Whether value `id` is stored (dense files: below valueCount()).
    bool hasValue(uint64_t id) const {
        if (!sparseValues_) return id < valueCount_;
        try {
            findValueChunk(id);
            return true;
        } catch (const std::out_of_range&) {
            return false;
        }
    }

    std::shared_ptr<const EventChunk> eventChunk(size_t i) {
        size_t ci = eventChunks_.at(i);
        if (auto hit = cacheGet(ci)) return std::static_pointer_cast<const EventChunk>(hit);
        auto chunk = loadEventChunk(ci);
        cachePut(ci, chunk);
        return chunk;
    }

    std::shared_ptr<const ValueChunk> valueChunkFor(uint64_t id) {
        size_t ci = findValueChunk(id);
        if (auto hit = cacheGet(ci)) return std::static_pointer_cast<const ValueChunk>(hit);
        auto chunk = loadValueChunk(ci);
        cachePut(ci, chunk);
        return chunk;
    }

    std::vector<std::string> verifyChunks(bool decodeRecords);
    void verifyCheckpoint(const Checkpoint& cp, uint64_t values, uint64_t at);

  private:
    // ---- raw I/O --------------------------------------------------------------------------
    void readAt(uint64_t offset, void* dst, size_t n) {
        REEL_REQUIRE(offset <= fileSize_ && n <= fileSize_ - offset, offset,
                     "read past the end of the file");
        auto p = static_cast<uint8_t*>(dst);
        while (n > 0) {
            ssize_t r = ::pread(fd_, p, n, static_cast<off_t>(offset));
            if (r < 0) {
                if (errno == EINTR) continue;
                throw std::system_error(errno, std::generic_category(), "read " + path_.string());
            }
            // The file shrank under us (a .partial still being written, or truncated).
            REEL_REQUIRE(r > 0, offset, "unexpected end of file");
            p += r;
            n -= static_cast<size_t>(r);
            offset += static_cast<uint64_t>(r);
        }
    }

    // Reads and validates the chunk header at `offset`; the chunk must lie within the file.
    ChunkHeader readChunkHeader(uint64_t offset) {
        REEL_REQUIRE(offset <= fileSize_ && fileSize_ - offset >= kChunkHeaderSize, offset,
                     "truncated chunk header");
        uint8_t raw[kChunkHeaderSize];
        readAt(offset, raw, sizeof raw);
        ChunkHeader h = ChunkHeader::decode(raw, offset);
        REEL_REQUIRE(fileSize_ - offset - kChunkHeaderSize >= h.compressedSize, offset,
                     "chunk payload runs past the end of the file");
        return h;
    }

    // Reads the payload of a validated chunk, verifies it, and returns the decompressed message
    // words. `checkHash` is forced on while recovering, where the checksum is what tells a
    // complete chunk from a torn one.
    kj::Array<capnp::word> readPayload(uint64_t offset, const ChunkHeader& h, bool checkHash) {
        const uint64_t at = offset + kChunkHeaderSize;
        auto words = kj::heapArray<capnp::word>(h.uncompressedSize / 8);
        if (!(h.flags & kChunkFlagLz4)) {
            readAt(at, words.begin(), h.compressedSize);
            if (checkHash)
                REEL_REQUIRE(detail::hash64(words.begin(), h.compressedSize) == h.payloadHash,
                             offset, "chunk payload checksum mismatch");
            return words;
        }
        std::vector<char> packed(h.compressedSize);
        readAt(at, packed.data(), packed.size());
        if (checkHash)
            REEL_REQUIRE(detail::hash64(packed.data(), packed.size()) == h.payloadHash, offset,
                         "chunk payload checksum mismatch");
        int n = LZ4_decompress_safe(packed.data(), reinterpret_cast<char*>(words.begin()),
                                    static_cast<int>(packed.size()),
                                    static_cast<int>(h.uncompressedSize));
        REEL_REQUIRE(n >= 0, offset, "chunk payload does not decompress");
        REEL_REQUIRE(static_cast<uint32_t>(n) == h.uncompressedSize, offset,
                     "chunk payload decompresses to " + std::to_string(n) + " bytes, header says " +
                         std::to_string(h.uncompressedSize));
        return words;
    }

    // Reads an indexed chunk, checking its header against the index entry.
    kj::Array<capnp::word> readChunk(const ChunkInfo& c, bool forceHash = false) {
        ChunkHeader h = readChunkHeader(c.offset);
        REEL_REQUIRE(h.kind == c.kind && h.compressedSize == c.compressedSize &&
                         h.uncompressedSize == c.uncompressedSize && h.first == c.first &&
                         h.count == c.count,
                     c.offset, "chunk header disagrees with the footer index");
        return readPayload(c.offset, h, forceHash || options_.verifyChecksums);
    }

    // ---- opening --------------------------------------------------------------------------
    void readHeader() {
        REEL_REQUIRE(fileSize_ > 0, 0, "empty file, not a Reel trace");
        uint8_t pre[kPreambleSize] = {};
        readAt(0, pre, std::min<uint64_t>(fileSize_, kPreambleSize));
        REEL_REQUIRE(fileSize_ >= kMagic.size() && std::memcmp(pre, kMagic.data(), 8) == 0, 0,
                     "not a Reel trace (bad magic number)");
        REEL_REQUIRE(fileSize_ >= kPreambleSize, 0, "file too short to be a Reel trace");
        header_.containerMajor = static_cast<uint16_t>(loadLE(pre + 8, 2));
        header_.containerMinor = static_cast<uint16_t>(loadLE(pre + 10, 2));
        REEL_REQUIRE(header_.containerMajor <= kContainerMajor, 8,
                     "trace container version " +
                         version(header_.containerMajor, header_.containerMinor) +
                         " is newer than this reader supports (" +
                         version(kContainerMajor, kContainerMinor) + "); upgrade Reel to read it");
        REEL_REQUIRE(header_.containerMajor >= 1, 8, "invalid container version 0");
        const uint32_t h = static_cast<uint32_t>(loadLE(pre + 12, 4));
        REEL_REQUIRE(h <= kMaxHeaderSize, 12, "header length larger than the format allows");
        REEL_REQUIRE(h >= 8 && h % 8 == 0, 12, "header length is not a whole number of words");
        REEL_REQUIRE(h <= fileSize_ - kPreambleSize, 12, "header runs past the end of the file");
        auto words = kj::heapArray<capnp::word>(h / 8);
        readAt(kPreambleSize, words.begin(), h);
        REEL_REQUIRE(detail::hash64(words.begin(), h) == loadLE(pre + 16, 8), 16,
                     "header checksum mismatch");
        headerEnd_ = kPreambleSize + h;
        parsing(kPreambleSize, "trace header", [&] {
            capnp::FlatArrayMessageReader msg(words, readerOptions(words.size()));
            requireExact(msg, words, kPreambleSize, "header");
            auto r = msg.getRoot<schema::TraceHeader>();
            auto& o = header_;
            o.formatMajor = r.getFormatMajor();
            o.formatMinor = r.getFormatMinor();
            o.requiredReaderMinor = r.getRequiredReaderMinor();
            o.recorderVersion = copyText(r.getRecorderVersion());
            o.pythonImplementation = copyText(r.getPythonImplementation());
            o.pythonVersion = copyText(r.getPythonVersion());
            o.pythonHexVersion = r.getPythonHexVersion();
            o.platform = copyText(r.getPlatform());
            o.argv = copyTexts(r.getArgv());
            o.cwd = copyText(r.getCwd());
            o.startTimeNs = r.getStartTimeNs();
            o.pid = r.getPid();
            o.executable = copyText(r.getExecutable());
            o.hook = copyText(r.getHook());
            auto c = r.getCapture();
            o.capture.maxDepth = c.getMaxDepth();
            o.capture.maxItems = c.getMaxItems();
            o.capture.maxStr = c.getMaxStr();
            o.capture.only = copyTexts(c.getOnly());
            o.capture.exclude = copyTexts(c.getExclude());
            o.capture.originDepth = c.getOriginDepth();
            o.capture.redact = copyText(c.getRedact());
            o.capture.noValues = c.getNoValues();
            o.capture.flightLast = c.getFlightLast();
        });
        const auto& o = header_;
        REEL_REQUIRE(o.formatMajor <= kFormatMajor, kPreambleSize,
                     "trace format version " + version(o.formatMajor, o.formatMinor) +
                         " is newer than this reader supports (" +
                         version(kFormatMajor, kFormatMinor) + "); upgrade Reel to read it");
        REEL_REQUIRE(o.formatMajor >= 1, kPreambleSize, "invalid trace format version 0");
        REEL_REQUIRE(
            o.formatMajor < kFormatMajor || o.requiredReaderMinor <= kFormatMinor, kPreambleSize,
            "trace format version " + version(o.formatMajor, o.formatMinor) +
                " needs a reader of version " + version(o.formatMajor, o.requiredReaderMinor) +
                " or newer; this reader supports " + version(kFormatMajor, kFormatMinor));
    }

    void readIndex() {
        std::string why;
        try {
            if (readFooter()) return;
            why =
                "no trailer: the writer did not close the file (killed, crashed or still "
                "running)";
        } catch (const TraceFormatError& e) {
            why = std::string("footer unusable: ") + e.what();
        }
        chunks_.clear();
        eventChunks_.clear();
        valueChunks_.clear();
        eventCount_ = valueCount_ = firstEvent_ = 0;
        sparseValues_ = false;
        checkpointChunk_.reset();
        exit_.reset();
        recover(why);
    }

    // Returns false when the file has no trailer at all; throws when it has a damaged one.
    bool readFooter() {
        if (fileSize_ < headerEnd_ + kTrailerSize) return false;
        uint8_t t[kTrailerSize];
        const uint64_t trailerAt = fileSize_ - kTrailerSize;
        readAt(trailerAt, t, sizeof t);
        if (std::memcmp(t + 16, kEndMagic.data(), 8) != 0) return false;
        REEL_REQUIRE(loadLE(t + 8, 8) == detail::hash64(t, 8), trailerAt,
                     "trailer checksum mismatch");
        const uint64_t footerAt = loadLE(t, 8);
        REEL_REQUIRE(footerAt >= headerEnd_ && footerAt <= trailerAt, trailerAt,
                     "trailer points outside the file");
        ChunkHeader h = readChunkHeader(footerAt);
        REEL_REQUIRE(h.kind == kFooter, footerAt, "trailer does not point at a footer chunk");
        REEL_REQUIRE(footerAt + kChunkHeaderSize + h.compressedSize == trailerAt, footerAt,
                     "footer does not end at the trailer");
        auto words = readPayload(footerAt, h, true);
        parsing(footerAt, "footer", [&] {
            capnp::FlatArrayMessageReader msg(words, readerOptions(words.size()));
            requireExact(msg, words, footerAt, "footer");
            auto f = msg.getRoot<schema::Footer>();
            auto refs = f.getChunks();
            requireListFits<schema::ChunkRef>(refs, words.size(), footerAt, "footer chunk");
            // Every chunk takes at least a header and one word of payload in the file.
            REEL_REQUIRE(refs.size() <= fileSize_ / (kChunkHeaderSize + 8), footerAt,
                         "footer lists more chunks than the file can hold");
            chunks_.reserve(refs.size());
            for (auto r : refs) {
                ChunkInfo c;
                c.offset = r.getOffset();
                c.kind = static_cast<uint16_t>(r.getKind());
                c.compressedSize = r.getCompressedSize();
                c.uncompressedSize = r.getUncompressedSize();
                c.first = r.getFirstEvent();
                c.count = r.getCount();
                chunks_.push_back(c);
            }
            const uint64_t events = f.getEventCount(), values = f.getValueCount();
            auto x = f.getExit();
            ExitInfo e;
            auto kind = static_cast<uint16_t>(x.getKind());
            e.kind = kind <= static_cast<uint16_t>(ExitKind::StoppedByApi)
                         ? static_cast<ExitKind>(kind)
                         : ExitKind::Unknown;  // a newer writer's exit kind
            e.status = x.getStatus();
            e.message = copyText(x.getMessage());
            exit_ = e;
            checkIndex(footerAt, footerAt);
            REEL_REQUIRE(events == eventCount_ && values == valueCount_, footerAt,
                         "footer totals disagree with its chunk index");
        });
        return true;
    }

    // The index must describe chunks that tile the file between the header and `end`, with
    // events and values numbered densely; builds the per-kind lists and totals.
    void checkIndex(uint64_t end, uint64_t reportAt) {
        uint64_t pos = headerEnd_;
        eventCount_ = valueCount_ = firstEvent_ = 0;
        sparseValues_ = false;
        for (size_t i = 0; i < chunks_.size(); ++i) {
            const auto& c = chunks_[i];
            const std::string which = "index entry " + std::to_string(i) + ": ";
            REEL_REQUIRE((c.kind >= kDefs && c.kind <= kEvents) || c.kind == kCheckpoint, reportAt,
                         which + "bad chunk kind");
            REEL_REQUIRE(c.offset == pos, reportAt, which + "chunk offsets are not contiguous");
            REEL_REQUIRE(
                c.compressedSize <= kMaxChunkPayload && c.uncompressedSize <= kMaxChunkPayload,
                reportAt, which + "chunk size larger than the format allows");
            REEL_REQUIRE(
                end - pos >= kChunkHeaderSize && end - pos - kChunkHeaderSize >= c.compressedSize,
                reportAt, which + "chunk runs past the end of the chunk area");
            pos += kChunkHeaderSize + c.compressedSize;
            if (c.kind == kEvents) {
                REEL_REQUIRE(c.first == eventCount_, reportAt,
                             which + "events chunks are not contiguous in event numbers");
                eventCount_ += c.count;
                eventChunks_.push_back(i);
            } else if (c.kind == kValues) {
                REEL_REQUIRE(valuesInSequence(c.first), reportAt,
                             which + "values chunks are not contiguous in value ids");
                noteValues(c.first, c.count);
                valueChunks_.push_back(i);
            } else if (c.kind == kCheckpoint) {
                noteCheckpoint(i, c.first, c.count, reportAt);
            } else {
                REEL_REQUIRE(c.first == 0 && c.count == 0, reportAt,
                             which + "defs chunk with an event range");
            }
        }
        REEL_REQUIRE(pos == end, reportAt, "chunks do not reach the footer");
    }

    // Scans chunks from the end of the header; keeps every complete, intact one up to the first
    // that is not.
    void recover(const std::string& why) {
        recovery_.recovered = true;
        uint64_t pos = headerEnd_;
        std::string stop;
        while (pos < fileSize_) {
            try {
                ChunkHeader h = readChunkHeader(pos);
                if (h.kind == kFooter) {
                    stop = "stopped at a footer chunk that has no valid trailer";
                    break;
                }
                // Decompressing proves the chunk complete; its message is parsed when used.
                readPayload(pos, h, true);
                if (h.kind == kCheckpoint) noteCheckpoint(chunks_.size(), h.first, h.count, pos);
                if (h.kind == kEvents)
                    REEL_REQUIRE(h.first == eventCount_, pos, "events chunk out of sequence");
                if (h.kind == kValues)
                    REEL_REQUIRE(valuesInSequence(h.first), pos, "values chunk out of sequence");
                ChunkInfo c{pos, h.kind, h.compressedSize, h.uncompressedSize, h.first, h.count};
                if (h.kind == kEvents) {
                    eventCount_ += h.count;
                    eventChunks_.push_back(chunks_.size());
                } else if (h.kind == kValues) {
                    noteValues(h.first, h.count);
                    valueChunks_.push_back(chunks_.size());
                }
                chunks_.push_back(c);
                pos += kChunkHeaderSize + h.compressedSize;
            } catch (const TraceFormatError& e) {
                stop = std::string("stopped at an incomplete or damaged chunk: ") + e.what();
                break;
            }
        }
        recovery_.reason = stop.empty() ? why : why + "; " + stop;
        recovery_.bytesKept = pos;
        recovery_.bytesDiscarded = fileSize_ - pos;
        recovery_.chunksKept = chunks_.size();
    }

    // A checkpoint chunk starts the event numbering at its first event; only one, before every
    // events chunk (the header's requiredReaderMinor already told older readers to refuse).
    void noteCheckpoint(size_t index, uint64_t first, uint32_t count, uint64_t reportAt) {
        REEL_REQUIRE(!checkpointChunk_ && eventChunks_.empty(), reportAt,
                     "checkpoint chunk after events, or more than one");
        REEL_REQUIRE(first > 0 && count == 0, reportAt, "checkpoint chunk without a first event");
        checkpointChunk_ = index;
        firstEvent_ = eventCount_ = first;
    }

    static CheckpointFrame readFrame(schema::CheckpointFrame::Reader r, size_t words, uint64_t at) {
        CheckpointFrame f;
        f.id = r.getId();
        f.codeId = r.getCodeId();
        f.lasti = r.getLasti();
        f.line = r.getLine();
        f.lastLine = r.getLastLine();
        f.callEvent = r.getCallEvent();
        f.activationEvent = r.getActivationEvent();
        f.exiting = r.getExiting();
        f.prevWasOpcode = r.getPrevWasOpcode();
        if (r.getHasObject()) f.object = ValueRef{r.getObject()};
        if (r.getHasOrigin()) f.origin = ValueRef{r.getOrigin()};
        if (r.getHasHandled()) f.handled = readException(r.getHandled());
        auto slots = r.getSlots();
        auto names = r.getNames();
        requireListFits<schema::CheckpointLocal>(slots, words, at, "checkpoint slot");
        requireListFits<schema::CheckpointName>(names, words, at, "checkpoint name");
        f.slots.reserve(slots.size());
        for (auto l : slots) f.slots.push_back({ValueRef{l.getValue()}, l.getChangedAt()});
        f.names.reserve(names.size());
        for (auto n : names)
            f.names.push_back({n.getNameId(), ValueRef{n.getValue()}, n.getChangedAt()});
        return f;
    }
    static CheckpointException readException(schema::CheckpointException::Reader r) {
        return {ValueRef{r.getValue()}, r.getFrameId(), r.getRaisedAt(),
                r.getLastEvent(),       r.getIndex(),   r.getUncaught()};
    }

    // Parses the checkpoint's message. Ids inside it (codes, values, strings) are checked by the
    // replayer when it builds its state, and by verifyAll().
    void loadCheckpoint() {
        if (!checkpointChunk_) return;
        const ChunkInfo& c = chunks_[*checkpointChunk_];
        auto words = readChunk(c);
        parsing(c.offset, "checkpoint chunk", [&] {
            capnp::FlatArrayMessageReader msg(words, readerOptions(words.size()));
            requireExact(msg, words, c.offset, "checkpoint");
            auto r = msg.getRoot<schema::Checkpoint>();
            Checkpoint cp;
            cp.firstEvent = r.getFirstEvent();
            REEL_REQUIRE(cp.firstEvent == c.first, c.offset,
                         "checkpoint disagrees with its chunk header");
            cp.eventKind = r.getEventKind();
            cp.thread = r.getThread();
            cp.value = ValueRef{r.getValue()};
            cp.timeNs = r.getTimeNs();
            cp.outputBytes = {r.getStdoutBytes(), r.getStderrBytes()};
            cp.outputRecords = r.getOutputRecords();
            cp.exceptionCount = r.getExceptionCount();
            const size_t n = words.size();
            auto threads = r.getThreads();
            auto susp = r.getSuspended();
            requireListFits<schema::CheckpointThread>(threads, n, c.offset, "checkpoint thread");
            requireListFits<schema::CheckpointFrame>(susp, n, c.offset, "checkpoint frame");
            for (auto t : threads) {
                CheckpointThread ct;
                ct.id = t.getId();
                ct.ended = t.getEnded();
                ct.lastEvent = t.getLastEvent();
                ct.lastKind = t.getLastKind();
                if (t.getHasException()) ct.exception = readException(t.getException());
                auto aside = t.getSetAside();
                auto stack = t.getStack();
                requireListFits<schema::CheckpointException>(aside, n, c.offset,
                                                             "checkpoint exception");
                requireListFits<schema::CheckpointFrame>(stack, n, c.offset, "checkpoint frame");
                for (auto x : aside) ct.setAside.push_back(readException(x));
                for (auto f : stack) ct.stack.push_back(readFrame(f, n, c.offset));
                cp.threads.push_back(std::move(ct));
            }
            for (auto f : susp) cp.suspended.push_back(readFrame(f, n, c.offset));
            auto out = r.getStdoutTail();
            auto err = r.getStderrTail();
            cp.outputTail[0].assign(reinterpret_cast<const char*>(out.begin()), out.size());
            cp.outputTail[1].assign(reinterpret_cast<const char*>(err.begin()), err.size());
            REEL_REQUIRE(cp.outputTail[0].size() <= cp.outputBytes[0] &&
                             cp.outputTail[1].size() <= cp.outputBytes[1],
                         c.offset, "checkpoint carries more output than was written");
            cp.originalEventCount = r.getOriginalEventCount();
            cp.originalPath = copyText(r.getOriginalPath());
            // The tails' write order: runs that add up to each tail exactly.
            std::array<uint64_t, 2> ordered{};
            for (uint64_t v : r.getOutputOrder()) {
                const OutputRun run{static_cast<uint32_t>(v & 1) + 1, v >> 1};
                REEL_REQUIRE(run.bytes > 0 && run.bytes <= cp.outputTail[run.stream - 1].size() -
                                                               ordered[run.stream - 1],
                             c.offset, "checkpoint output order does not match its output tails");
                ordered[run.stream - 1] += run.bytes;
                cp.outputOrder.push_back(run);
            }
            REEL_REQUIRE(cp.outputOrder.empty() || (ordered[0] == cp.outputTail[0].size() &&
                                                    ordered[1] == cp.outputTail[1].size()),
                         c.offset, "checkpoint output order does not match its output tails");
            checkpoint_ = std::move(cp);
        });
    }

    void loadDefs() {
        for (const auto& c : chunks_) {
            if (c.kind != kDefs) continue;
            auto words = readChunk(c);
            parsing(c.offset, "defs chunk", [&] {
                capnp::FlatArrayMessageReader msg(words, readerOptions(words.size()));
                requireExact(msg, words, c.offset, "defs");
                appendDefs(msg.getRoot<schema::Defs>(), words.size(), c.offset);
            });
        }
    }

    void appendDefs(schema::Defs::Reader d, size_t words, uint64_t at) {
        auto dense = [&](uint64_t id, size_t have, const char* what) {
            REEL_REQUIRE(id == have, at,
                         std::string(what) + " id " + std::to_string(id) +
                             " out of order (expected " + std::to_string(have) + ")");
        };
        auto sources = d.getSources();
        auto codes = d.getCodes();
        auto types = d.getTypes();
        auto strings = d.getStrings();
        auto threads = d.getThreads();
        requireListFits<schema::SourceFile>(sources, words, at, "source file");
        requireListFits<schema::CodeObject>(codes, words, at, "code object");
        requireListFits<schema::TypeRecord>(types, words, at, "type");
        requireListFits<schema::StringRecord>(strings, words, at, "string");
        requireListFits<schema::ThreadRecord>(threads, words, at, "thread");
        for (auto s : sources) {
            dense(s.getId(), defs_.sources.size(), "source file");
            SourceFile f;
            f.id = s.getId();
            f.path = copyText(s.getPath());
            f.text = copyText(s.getText());
            f.hasText = s.getHasText();
            defs_.sources.push_back(std::move(f));
        }
        for (auto c : codes) {
            dense(c.getId(), defs_.codes.size(), "code object");
            CodeObject o;
            o.id = c.getId();
            o.qualname = copyText(c.getQualname());
            o.name = copyText(c.getName());
            o.filename = copyText(c.getFilename());
            o.sourceId = c.getSourceId();
            o.firstLine = c.getFirstLine();
            o.flags = c.getFlags();
            o.argCount = c.getArgCount();
            o.localNames = copyTexts(c.getLocalNames());
            o.localKinds = copyData(c.getLocalKinds());
            auto ins = c.getInstructions();
            requireListFits<schema::Instruction>(ins, words, at, "instruction");
            o.instructions.reserve(ins.size());
            uint32_t prev = 0;
            for (auto i : ins) {
                Instruction x;
                x.offset = i.getOffset();
                // lineAt/instructionAt binary-search by offset.
                REEL_REQUIRE(o.instructions.empty() || x.offset > prev, at,
                             "instructions of code object " + std::to_string(o.id) +
                                 " are not in offset order");
                prev = x.offset;
                x.opcode = i.getOpcode();
                x.opname = copyText(i.getOpname());
                x.arg = i.getArg();
                x.argRepr = copyText(i.getArgRepr());
                x.line = i.getLine();
                x.size = i.getSize();
                x.jumpTarget = i.getJumpTarget();
                o.instructions.push_back(std::move(x));
            }
            o.usesLocalsDict = c.getUsesLocalsDict();
            o.bytecode = copyData(c.getBytecode());
            defs_.codes.push_back(std::move(o));
        }
        for (auto t : types) {
            dense(t.getId(), defs_.types.size(), "type");
            TypeRecord r;
            r.id = t.getId();
            r.qualname = copyText(t.getQualname());
            r.module = copyText(t.getModule());
            r.displayName = copyText(t.getDisplayName());
            auto b = static_cast<uint16_t>(t.getBuiltinBase());
            r.builtinBase = b <= static_cast<uint16_t>(BuiltinBase::Bytearray)
                                ? static_cast<BuiltinBase>(b)
                                : BuiltinBase::None;  // a newer writer's base: render as object
            defs_.types.push_back(std::move(r));
        }
        for (auto s : strings) {
            dense(s.getId(), defs_.strings.size(), "string");
            defs_.strings.push_back(copyText(s.getText()));
        }
        for (auto t : threads) {
            dense(t.getId(), defs_.threads.size(), "thread");
            ThreadRecord r;
            r.id = t.getId();
            r.ident = t.getIdent();
            r.nativeId = t.getNativeId();
            r.name = copyText(t.getName());
            r.isMain = t.getIsMain();
            defs_.threads.push_back(std::move(r));
        }
    }

    // ---- chunks ---------------------------------------------------------------------------
    std::shared_ptr<EventChunk> loadEventChunk(size_t ci, bool forceHash = false) {
        const ChunkInfo& c = chunks_[ci];
        auto words = readChunk(c, forceHash);
        auto out = std::make_shared<EventChunk>();
        parsing(c.offset, "events chunk", [&] {
            capnp::FlatArrayMessageReader msg(words, readerOptions(words.size()));
            requireExact(msg, words, c.offset, "events");
            auto e = msg.getRoot<schema::EventBatch>();
            out->fileOffset = c.offset;
            out->firstEvent = e.getFirstEvent();
            out->eventCount = e.getEventCount();
            REEL_REQUIRE(out->firstEvent == c.first && out->eventCount == c.count, c.offset,
                         "events batch disagrees with its chunk header");
            out->tags = copyData(e.getTags());
            out->args = copyData(e.getArgs());
            out->blobs = copyData(e.getBlobs());
            REEL_REQUIRE(out->eventCount <= out->tags.size(), c.offset,
                         "events batch claims more events than it has records");
            auto s = e.getStart();
            out->startThread = s.getThread();
            out->startNextFrameId = s.getNextFrameId();
            out->startTimeNs = e.getStartTimeNs();
            out->endTimeNs = e.getEndTimeNs();
        });
        return out;
    }

    std::shared_ptr<ValueChunk> loadValueChunk(size_t ci, bool forceHash = false) {
        const ChunkInfo& c = chunks_[ci];
        auto words = readChunk(c, forceHash);
        auto out = std::make_shared<ValueChunk>();
        parsing(c.offset, "values chunk", [&] {
            capnp::FlatArrayMessageReader msg(words, readerOptions(words.size()));
            requireExact(msg, words, c.offset, "values");
            auto v = msg.getRoot<schema::ValueBatch>();
            out->fileOffset = c.offset;
            out->firstId = v.getFirstId();
            const uint32_t count = v.getCount();
            REEL_REQUIRE(out->firstId == c.first && count == c.count, c.offset,
                         "values batch disagrees with its chunk header");
            out->data = copyData(v.getData());
            // Every record takes at least one byte: bounds the index before allocating it.
            REEL_REQUIRE(count <= out->data.size(), c.offset,
                         "values batch claims more records than it has bytes");
            out->recordOffsets.reserve(count);
            ByteCursor cur(out->data.data(), out->data.size(), c.offset);
            for (uint32_t i = 0; i < count; ++i) {
                out->recordOffsets.push_back(static_cast<uint32_t>(cur.position()));
                skipValue(cur);
            }
            REEL_REQUIRE(cur.atEnd(), c.offset, "values batch has trailing bytes");
        });
        return out;
    }

    // ---- LRU cache of decompressed chunks, keyed by index into chunks_ --------------------
    std::shared_ptr<const void> cacheGet(size_t ci) {
        auto it = cacheMap_.find(ci);
        if (it == cacheMap_.end()) return nullptr;
        lru_.splice(lru_.begin(), lru_, it->second);
        return it->second->second;
    }
    void cachePut(size_t ci, std::shared_ptr<const void> p) {
        if (options_.cacheChunks == 0) return;
        lru_.emplace_front(ci, std::move(p));
        cacheMap_[ci] = lru_.begin();
        while (lru_.size() > options_.cacheChunks) {
            cacheMap_.erase(lru_.back().first);
            lru_.pop_back();
        }
    }

    std::filesystem::path path_;
    Options options_;
    int fd_ = -1;
    uint64_t fileSize_ = 0;
    uint64_t headerEnd_ = 0;
    TraceHeaderInfo header_;
    Definitions defs_;
    RecoveryReport recovery_;
    std::optional<ExitInfo> exit_;
    std::vector<ChunkInfo> chunks_;
    std::vector<size_t> eventChunks_, valueChunks_;  // indices into chunks_
    uint64_t eventCount_ = 0, valueCount_ = 0;  // valueCount_: one past the highest value id
    // Format 1.1 files (requiredReaderMinor >= 1) may skip value ids between values chunks.
    // (A 1.0 reader refuses them through requiredReaderMinor.) sparseValues_: a gap was seen.
    bool sparseValues_ = false;
    bool valuesInSequence(uint64_t first) const {
        return first == valueCount_ ||
               (header_.requiredReaderMinor >= kCheckpointReaderMinor && first > valueCount_);
    }
    void noteValues(uint64_t first, uint32_t count) {
        if (first != valueCount_) sparseValues_ = true;
        valueCount_ = first + count;
    }
    uint64_t firstEvent_ = 0;                // a checkpoint's first event, else 0
    std::optional<size_t> checkpointChunk_;  // index into chunks_
    std::optional<Checkpoint> checkpoint_;
    std::list<std::pair<size_t, std::shared_ptr<const void>>> lru_;
    std::unordered_map<size_t, decltype(lru_)::iterator> cacheMap_;
};

// References inside a checkpoint must name defined values, codes, threads and strings, like the
// records of an events chunk.
void TraceReader::Impl::verifyCheckpoint(const Checkpoint& cp, uint64_t values, uint64_t at) {
    auto ref = [&](ValueRef v) {
        REEL_REQUIRE(v.valid() && (v.kind() != ValueRef::Kind::Record ||
                                   (v.recordId() < values && hasValue(v.recordId()))),
                     at,
                     "checkpoint refers to an undefined value");
    };
    auto frame = [&](const CheckpointFrame& f) {
        REEL_REQUIRE(f.codeId < defs_.codes.size(), at,
                     "checkpoint frame runs undefined code object " + std::to_string(f.codeId));
        REEL_REQUIRE(f.slots.size() == defs_.codes[f.codeId].localNames.size(), at,
                     "checkpoint frame has the wrong number of slots");
        for (const auto& l : f.slots) ref(l.value);
        for (const auto& n : f.names) {
            ref(n.value);
            REEL_REQUIRE(n.nameId < defs_.strings.size(), at,
                         "checkpoint frame names an undefined string");
        }
        if (f.object) ref(*f.object);
        if (f.origin) ref(*f.origin);
        if (f.handled) ref(f.handled->value);
    };
    ref(cp.value);
    for (const auto& t : cp.threads) {
        REEL_REQUIRE(t.id < defs_.threads.size(), at,
                     "checkpoint names undefined thread " + std::to_string(t.id));
        if (t.exception) ref(t.exception->value);
        for (const auto& x : t.setAside) ref(x.value);
        for (const auto& f : t.stack) frame(f);
    }
    for (const auto& f : cp.suspended) frame(f);
}

std::vector<std::string> TraceReader::Impl::verifyChunks(bool decodeRecords) {
    std::vector<std::string> problems;
    constexpr size_t kMaxProblems = 1000;
    auto report = [&](std::string line) {
        if (problems.size() < kMaxProblems)
            problems.push_back(std::move(line));
        else if (problems.size() == kMaxProblems)
            problems.push_back("... further problems not listed");
    };
    if (recovery_.recovered)
        report("footer: " + recovery_.reason + "; recovered " +
               std::to_string(recovery_.chunksKept) + " chunks (" +
               std::to_string(recovery_.bytesKept) + " bytes), discarded " +
               std::to_string(recovery_.bytesDiscarded) + " bytes at the end");
    // Ids events may refer to: values are numbered densely across the file and defs are loaded
    // up front, so a reference beyond them is damage.
    const uint64_t values = valueCount_;
    std::unordered_set<size_t> damagedChunks;  // indices of chunks reported as damaged
    for (size_t ci = 0; ci < chunks_.size(); ++ci) {
        const ChunkInfo& c = chunks_[ci];
        const std::string where = "chunk " + std::to_string(ci) + " (" +
                                  detail::chunkKindName(c.kind) + ", at byte offset " +
                                  std::to_string(c.offset) + "): ";
        try {
            if (c.kind == kDefs || c.kind == kCheckpoint) {
                // Parsed at open; re-read here to check the payload checksum too.
                readChunk(c, true);
                if (c.kind == kCheckpoint && decodeRecords && checkpoint_)
                    verifyCheckpoint(*checkpoint_, values, c.offset);
            } else if (c.kind == kEvents) {
                auto e = loadEventChunk(ci, true);
                if (!decodeRecords) continue;
                EventDecoder dec(e->tags.data(), e->tags.size(), e->args.data(), e->args.size(),
                                 e->blobs.data(), e->blobs.size(), e->firstEvent, e->eventCount,
                                 e->startThread, e->startNextFrameId, c.offset);
                Record r;
                auto refOk = [&](ValueRef v) {
                    REEL_REQUIRE(v.kind() != ValueRef::Kind::Record || hasValue(v.recordId()),
                                 c.offset,
                                 "event " + std::to_string(r.event) +
                                     " refers to undefined value " + std::to_string(v.recordId()));
                };
                while (dec.next(r)) {
                    if (carriesValue(r.kind)) refOk(r.value);
                    if (r.kind == RecordKind::Call)
                        REEL_REQUIRE(r.a < defs_.codes.size(), c.offset,
                                     "event " + std::to_string(r.event) +
                                         " calls undefined code object " + std::to_string(r.a));
                    if (r.kind == RecordKind::Thread || r.kind == RecordKind::ThreadEnd)
                        REEL_REQUIRE(r.a < defs_.threads.size(), c.offset,
                                     "record before event " + std::to_string(r.event) +
                                         " names undefined thread " + std::to_string(r.a));
                    if (r.kind == RecordKind::NameSet || r.kind == RecordKind::NameDel)
                        REEL_REQUIRE(r.a < defs_.strings.size(), c.offset,
                                     "record before event " + std::to_string(r.event) +
                                         " names undefined string " + std::to_string(r.a));
                }
                dec.finish();
            } else if (c.kind == kValues) {
                // Indexing the records (skipValue) already checks their framing.
                auto v = loadValueChunk(ci, true);
                if (!decodeRecords) continue;
                // (id + 1, resolved record) of recent containers and objects, for patches.
                std::vector<std::pair<uint64_t, ValueRecord>> resolvedCache(4096);
                // A patch based on a value in a chunk already reported as damaged cannot be
                // resolved; this chunk is not damaged for that. Such patches are counted and
                // reported once, and the rest of the chunk is still checked.
                struct BaseDamaged {
                    size_t chunk;
                };
                uint64_t unresolved = 0, firstUnresolved = 0;
                std::optional<size_t> unresolvedFrom;
                for (size_t i = 0; i < v->recordOffsets.size(); ++i) {
                    ByteCursor cur(v->data.data(), v->data.size(), c.offset);
                    cur.seek(v->recordOffsets[i]);
                    ValueRecord rec = decodeValue(cur, v->firstId + i);
                    if (rec.kind == ValueKind::Patch) {
                        // Format 1.2: check that the chain resolves (base present, indices in
                        // range); the result's own fields were checked with its base. Bases
                        // are usually recent records resolved just before: a small cache of
                        // resolved containers keeps this one step instead of a chain.
                        auto raw = [&](uint64_t id) {
                            const auto& hit = resolvedCache[id % resolvedCache.size()];
                            if (hit.first == id + 1) return hit.second;
                            size_t baseChunk = ci;
                            std::shared_ptr<const ValueChunk> vc;
                            try {
                                baseChunk = findValueChunk(id);
                                if (damagedChunks.count(baseChunk)) throw BaseDamaged{baseChunk};
                                vc = valueChunkFor(id);
                            } catch (const std::out_of_range&) {
                                throw TraceFormatError("value patch based on value " +
                                                           std::to_string(id) +
                                                           ", which the trace does not contain",
                                                       c.offset);
                            } catch (const TraceFormatError&) {
                                if (baseChunk == ci) throw;
                                damagedChunks.insert(baseChunk);
                                throw BaseDamaged{baseChunk};
                            }
                            ByteCursor bc(vc->data.data(), vc->data.size(), vc->fileOffset);
                            bc.seek(vc->recordOffsets.at(id - vc->firstId));
                            return decodeValue(bc, id);
                        };
                        try {
                            rec = resolvePatch(std::move(rec), raw, c.offset);
                        } catch (const BaseDamaged& b) {
                            if (unresolved++ == 0) {
                                firstUnresolved = v->firstId + i;
                                unresolvedFrom = b.chunk;
                            }
                            continue;
                        }
                    }
                    if (isPatchableKind(rec.kind)) {
                        auto& slot = resolvedCache[(v->firstId + i) % resolvedCache.size()];
                        slot.first = v->firstId + i + 1;
                        slot.second = rec;
                    }
                    const bool typed =
                        rec.kind == ValueKind::Object || rec.kind == ValueKind::Exception ||
                        rec.kind == ValueKind::Class || rec.kind == ValueKind::Opaque ||
                        rec.kind == ValueKind::Subclass || rec.kind == ValueKind::Truncated ||
                        rec.kind == ValueKind::Generator;
                    if (typed)
                        REEL_REQUIRE(rec.typeId < defs_.types.size(), c.offset,
                                     "value " + std::to_string(v->firstId + i) +
                                         " has undefined type " + std::to_string(rec.typeId));
                    const bool named = rec.kind == ValueKind::Function ||
                                       rec.kind == ValueKind::Module ||
                                       rec.kind == ValueKind::Generator;
                    bool namesOk = !named || rec.stringId < defs_.strings.size();
                    for (uint32_t n : rec.names) namesOk = namesOk && n < defs_.strings.size();
                    for (uint32_t n : rec.attrNames)
                        namesOk = namesOk && n < defs_.strings.size();
                    REEL_REQUIRE(
                        namesOk, c.offset,
                        "value " + std::to_string(v->firstId + i) + " names an undefined string");
                }
                if (unresolved > 0)
                    report(where + "intact, but " + std::to_string(unresolved) + " value" +
                           (unresolved == 1 ? "" : "s") + " (first: value " +
                           std::to_string(firstUnresolved) + ") patch values of damaged chunk " +
                           std::to_string(*unresolvedFrom) + " (at byte offset " +
                           std::to_string(chunks_[*unresolvedFrom].offset) +
                           ") and cannot be read");
            }
        } catch (const TraceFormatError& e) {
            damagedChunks.insert(ci);
            report(where + e.what());
        } catch (const std::exception& e) {
            damagedChunks.insert(ci);
            report(where + "cannot read: " + e.what());
        }
    }
    return problems;
}

TraceReader::TraceReader(const std::filesystem::path& path) : TraceReader(path, Options{}) {}
TraceReader::TraceReader(const std::filesystem::path& path, Options options)
    : impl_(std::make_unique<Impl>(path, options)) {}
TraceReader::~TraceReader() = default;

const std::filesystem::path& TraceReader::path() const {
    return impl_->path();
}
const TraceHeaderInfo& TraceReader::header() const {
    return impl_->header();
}
const Definitions& TraceReader::defs() const {
    return impl_->defs();
}
const RecoveryReport& TraceReader::recovery() const {
    return impl_->recovery();
}
const std::optional<ExitInfo>& TraceReader::exitInfo() const {
    return impl_->exitInfo();
}
uint64_t TraceReader::fileSize() const {
    return impl_->fileSize();
}
const std::vector<ChunkInfo>& TraceReader::chunks() const {
    return impl_->chunks();
}
uint64_t TraceReader::eventCount() const {
    return impl_->eventCount();
}
uint64_t TraceReader::firstEvent() const {
    return impl_->firstEvent();
}
const std::optional<Checkpoint>& TraceReader::checkpoint() const {
    return impl_->checkpoint();
}
uint64_t TraceReader::valueCount() const {
    return impl_->valueCount();
}
size_t TraceReader::eventChunkCount() const {
    return impl_->eventChunkCount();
}
const ChunkInfo& TraceReader::eventChunkInfo(size_t i) const {
    return impl_->eventChunkInfo(i);
}
size_t TraceReader::findEventChunk(uint64_t n) const {
    return impl_->findEventChunk(n);
}
std::shared_ptr<const EventChunk> TraceReader::eventChunk(size_t i) {
    return impl_->eventChunk(i);
}
std::shared_ptr<const ValueChunk> TraceReader::valueChunkFor(uint64_t id) {
    return impl_->valueChunkFor(id);
}
std::vector<std::string> TraceReader::verifyChunks() {
    return impl_->verifyChunks(false);
}
std::vector<std::string> TraceReader::verifyAll() {
    return impl_->verifyChunks(true);
}

}  // namespace reel::format
