#include "SidecarIndex.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "StateCodec.h"
#include "reel/format/TraceFormatError.h"
#include "reel/format/Varint.h"

namespace reel::replayer {

using format::ByteCursor;
using format::putVarint;
using format::TraceFormatError;

namespace {

// The last byte is the sidecar's layout version (1: thread states carry set-aside exceptions;
// 2: decoder positions carry prevValueId and lastInt, format 1.2; 3: an exception swallowed
// outside the recorded code is no longer in flight in the stored states; 4: frames carry the
// exception their handler caught, for RERAISE; 5: the depth profile follows the executed lines;
// 6: frames carry the last line they ran; 7: exceptions say whether they reached the program's
// own code); a sidecar of another version is rebuilt.
constexpr char kMagic[8] = {'R', 'E', 'E', 'L', 'I', 'D', 'X', 7};
constexpr size_t kIdentityBytes = 64 * 1024;

// Identity of the trace file: its size and hashes of its first and last 64 KiB (the header, and
// the footer index with every chunk's offset and checksum). A rewritten or appended trace
// changes it.
struct Identity {
    uint64_t size = 0, head = 0, tail = 0;
    bool operator==(const Identity&) const = default;
};

Identity identityOf(const std::filesystem::path& trace) {
    Identity id;
    std::ifstream in(trace, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read trace");
    in.seekg(0, std::ios::end);
    id.size = static_cast<uint64_t>(in.tellg());
    std::vector<char> buf(static_cast<size_t>(std::min<uint64_t>(id.size, kIdentityBytes)));
    in.seekg(0);
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    id.head = XXH64(buf.data(), buf.size(), 1);
    in.seekg(static_cast<std::streamoff>(id.size - buf.size()));
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    id.tail = XXH64(buf.data(), buf.size(), 2);
    if (!in) throw std::runtime_error("cannot read trace");
    return id;
}

void putPos(std::vector<uint8_t>& o, const TracePosition& p) {
    putVarint(o, p.chunk);
    putVarint(o, p.chunkStart ? 1 : 0);
    putVarint(o, p.dec.tags);
    putVarint(o, p.dec.args);
    putVarint(o, p.dec.blobs);
    putVarint(o, p.dec.nextEvent);
    putVarint(o, p.dec.thread);
    putVarint(o, p.dec.nextFrameId);
    putVarint(o, p.dec.prevOffset);
    putVarint(o, p.dec.prevValueId);
    for (int64_t v : p.dec.lastInt) putVarint(o, format::zigzag(v));
}

// Every count is bounded by what the remaining bytes could hold, so a damaged count cannot make
// us allocate more than the file's size.
uint64_t count(ByteCursor& c, size_t minBytesEach) {
    return c.varintBounded(c.remaining() / std::max<size_t>(1, minBytesEach),
                           "sidecar count too large");
}
uint32_t u32(ByteCursor& c) {
    return static_cast<uint32_t>(c.varintBounded(0xFFFFFFFFu, "sidecar value too large"));
}
ValueRef ref(ByteCursor& c) {
    ValueRef v{c.varint()};
    REEL_REQUIRE(v.valid(), c.baseOffset(), "sidecar value ref invalid");
    return v;
}

}  // namespace

std::filesystem::path SidecarIndex::pathFor(const std::filesystem::path& trace) {
    return std::filesystem::path(trace.string() + ".idx");
}

bool SidecarIndex::save(Replayer::Impl& m) {
    try {
        std::vector<uint64_t> offsets;  // of each checkpoint's state, in block order
        const Identity id = identityOf(m.reader.path());
        std::vector<uint8_t> o(kMagic, kMagic + 8);
        putVarint(o, kMajor);
        putVarint(o, kMinor);
        putVarint(o, id.size);
        putVarint(o, id.head);
        putVarint(o, id.tail);
        putVarint(o, m.interval);
        putVarint(o, m.events);
        putVarint(o, m.blocks.size());
        for (const auto& b : m.blocks) {
            putVarint(o, b.eventCount);
            putVarint(o, b.raises);
            putVarint(o, b.threadsBegin);
            putVarint(o, b.threadsCount);
            putVarint(o, b.codesBegin);
            putVarint(o, b.codesCount);
            putVarint(o, b.checkpoint ? 1 : 0);
            if (b.checkpoint) {
                putPos(o, b.checkpoint->pos);
                putVarint(o, b.checkpoint->state.size());
                offsets.push_back(o.size());
                o.insert(o.end(), b.checkpoint->state.begin(), b.checkpoint->state.end());
            }
        }
        putVarint(o, m.threadPool.size());
        for (const auto& t : m.threadPool) {
            putVarint(o, t.thread);
            putVarint(o, t.minDepth);
            putVarint(o, t.maxDepth);
            putVarint(o, t.events);
        }
        putVarint(o, m.codePool.size());
        for (uint32_t c : m.codePool) putVarint(o, c);
        putVarint(o, m.exceptions.size());
        for (const auto& x : m.exceptions) {
            putVarint(o, x.value.raw);
            putVarint(o, x.thread);
            putVarint(o, x.raisedAt);
            putVarint(o, x.raiseFrameId);
            putVarint(o, x.raiseCodeId);
            putVarint(o, format::zigzag(x.raiseLine));
            putVarint(o, x.framesReached);
            putVarint(o, static_cast<uint64_t>(x.outcome));
            putVarint(o, x.endEvent + 1);
            putVarint(o, x.endFrameId);
            putVarint(o, x.endCodeId);
            putVarint(o, format::zigzag(x.endLine));
            putVarint(o, format::zigzag(x.handlerOffset));
            o.push_back(x.ownCode ? 1 : 0);
        }
        putVarint(o, m.hooks.size());
        for (const auto& h : m.hooks) {
            putVarint(o, h.event);
            putVarint(o, h.thread);
            putVarint(o, h.hook);
            putVarint(o, h.generator.raw);
        }
        for (const auto& v : m.outputs) {
            putVarint(o, v.size());
            for (const auto& r : v) {
                putVarint(o, r.event);
                putVarint(o, r.chunk);
                putVarint(o, r.blobPos);
                putVarint(o, r.len);
            }
        }
        putVarint(o, m.threadIds.size());
        for (uint32_t t : m.threadIds) putVarint(o, t);
        putVarint(o, m.executed.size());
        for (const auto& lines : m.executed) {
            uint64_t n = 0;
            for (bool b : lines) n += b;
            putVarint(o, n);
            for (size_t l = 0; l < lines.size(); ++l)
                if (lines[l]) putVarint(o, l);
        }
        putVarint(o, m.depthProfile.bucketSize);
        putVarint(o, m.depthProfile.minDepth.size());
        for (size_t b = 0; b < m.depthProfile.minDepth.size(); ++b) {
            putVarint(o, m.depthProfile.minDepth[b]);
            putVarint(o, m.depthProfile.maxDepth[b] - m.depthProfile.minDepth[b]);
        }
        const uint64_t sum = XXH64(o.data(), o.size(), 0);
        for (int k = 0; k < 8; ++k) o.push_back(static_cast<uint8_t>(sum >> (8 * k)));

        const auto path = pathFor(m.reader.path());
        const auto partial = std::filesystem::path(path.string() + ".partial");
        {
            std::ofstream out(partial, std::ios::binary | std::ios::trunc);
            out.write(reinterpret_cast<const char*>(o.data()),
                      static_cast<std::streamsize>(o.size()));
            if (!out) throw std::runtime_error("write failed");
        }
        std::filesystem::rename(partial, path);
        size_t k = 0;
        for (auto& b : m.blocks)
            if (b.checkpoint) {
                b.checkpoint->sidecarOffset = offsets[k++];
                b.checkpoint->sidecarSize = static_cast<uint32_t>(b.checkpoint->state.size());
            }
        m.sidecarBytes = o.size();
        return true;
    } catch (const std::exception&) {
        std::error_code ec;
        std::filesystem::remove(
            std::filesystem::path(pathFor(m.reader.path()).string() + ".partial"), ec);
        return false;
    }
}

bool SidecarIndex::load(Replayer::Impl& m) {
    const auto path = pathFor(m.reader.path());
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return false;
    try {
        std::ifstream in(path, std::ios::binary);
        std::vector<uint8_t> data{std::istreambuf_iterator<char>(in),
                                  std::istreambuf_iterator<char>()};
        if (data.size() < 16 || std::memcmp(data.data(), kMagic, 8) != 0) return false;
        uint64_t stored = 0;
        for (int k = 0; k < 8; ++k) stored |= uint64_t(data[data.size() - 8 + k]) << (8 * k);
        if (XXH64(data.data(), data.size() - 8, 0) != stored) return false;

        ByteCursor c(data.data() + 8, data.size() - 16, TraceFormatError::kNoOffset);
        if (c.varint() != kMajor) return false;
        (void)c.varint();  // minor: additions a reader of the same major can ignore
        Identity id;
        id.size = c.varint();
        id.head = c.varint();
        id.tail = c.varint();
        if (!(id == identityOf(m.reader.path()))) return false;
        if (c.varint() != m.interval) return false;
        const uint64_t events = c.varint();
        if (events != m.reader.eventCount()) return false;
        const uint64_t nBlocks = count(c, 7);
        if (nBlocks != (events + m.interval - 1) / m.interval) return false;

        std::vector<BlockData> blocks(static_cast<size_t>(nBlocks));
        for (size_t i = 0; i < blocks.size(); ++i) {
            BlockData& b = blocks[i];
            b.eventCount = u32(c);
            b.raises = u32(c);
            b.threadsBegin = u32(c);
            b.threadsCount = u32(c);
            b.codesBegin = u32(c);
            b.codesCount = u32(c);
            const uint64_t expect =
                std::min<uint64_t>(m.interval, events - uint64_t(i) * m.interval);
            if (b.eventCount != expect) return false;
            if (c.varintBounded(1, "bad flag")) {
                auto cp = std::make_unique<Checkpoint>();
                cp->pos.chunk = static_cast<size_t>(c.varint());
                cp->pos.chunkStart = c.varintBounded(1, "bad flag") != 0;
                cp->pos.dec.tags = static_cast<size_t>(c.varint());
                cp->pos.dec.args = static_cast<size_t>(c.varint());
                cp->pos.dec.blobs = static_cast<size_t>(c.varint());
                cp->pos.dec.nextEvent = c.varint();
                cp->pos.dec.thread = u32(c);
                cp->pos.dec.nextFrameId = c.varint();
                cp->pos.dec.prevOffset = u32(c);
                cp->pos.dec.prevValueId = c.varint();
                for (int64_t& v : cp->pos.dec.lastInt) v = format::unzigzag(c.varint());
                if (cp->pos.chunk > m.reader.eventChunkCount()) return false;
                const uint64_t len = count(c, 1);
                const uint8_t* p = c.bytes(static_cast<size_t>(len));
                cp->state.assign(p, p + len);
                cp->sidecarOffset = static_cast<uint64_t>(p - data.data());
                cp->sidecarSize = static_cast<uint32_t>(len);
                // Never trusted: the state must decode and sit just before the block.
                ProgramState s = StateCodec::decode(cp->state.data(), cp->state.size());
                if (s.event + 1 != uint64_t(i) * m.interval) return false;
                b.checkpoint = std::move(cp);
            }
        }
        if (blocks.empty() ? events != 0 : !blocks[0].checkpoint) return false;

        std::vector<ThreadSummary> threadPool(static_cast<size_t>(count(c, 4)));
        for (auto& t : threadPool) t = {u32(c), u32(c), u32(c), u32(c)};
        std::vector<uint32_t> codePool(static_cast<size_t>(count(c, 1)));
        for (auto& x : codePool) {
            x = u32(c);
            if (x >= m.reader.defs().codes.size()) return false;
        }
        for (const auto& b : blocks)
            if (uint64_t(b.threadsBegin) + b.threadsCount > threadPool.size() ||
                uint64_t(b.codesBegin) + b.codesCount > codePool.size())
                return false;

        std::vector<ExceptionInfo> exceptions(static_cast<size_t>(count(c, 14)));
        for (size_t i = 0; i < exceptions.size(); ++i) {
            ExceptionInfo& x = exceptions[i];
            x.index = i;
            x.value = ref(c);
            x.thread = u32(c);
            x.raisedAt = c.varint();
            x.raiseFrameId = c.varint();
            x.raiseCodeId = u32(c);
            x.raiseLine = static_cast<int32_t>(format::unzigzag(c.varint()));
            x.framesReached = u32(c);
            x.outcome = static_cast<ExceptionInfo::Outcome>(c.varintBounded(3, "bad outcome"));
            x.endEvent = c.varint() - 1;
            x.endFrameId = c.varint();
            x.endCodeId = u32(c);
            x.endLine = static_cast<int32_t>(format::unzigzag(c.varint()));
            x.handlerOffset = static_cast<int32_t>(format::unzigzag(c.varint()));
            x.ownCode = c.varintBounded(1, "bad ownCode") != 0;
            if (x.raisedAt >= events || (i && x.raisedAt < exceptions[i - 1].raisedAt))
                return false;
        }
        std::vector<AsyncGenHookCall> hooks(static_cast<size_t>(count(c, 4)));
        for (auto& h : hooks) {
            h.event = c.varint();
            h.thread = u32(c);
            h.hook = u32(c);
            h.generator = ref(c);
            if (h.event >= events) return false;
        }
        std::vector<OutputRef> outputs[2];
        for (auto& v : outputs) {
            v.resize(static_cast<size_t>(count(c, 4)));
            uint64_t total = 0, prevEvent = 0;
            for (auto& r : v) {
                r.event = c.varint();
                r.chunk = u32(c);
                r.blobPos = u32(c);
                r.len = u32(c);
                r.totalAfter = total += r.len;
                if (r.event >= events || r.event < prevEvent ||
                    r.chunk >= m.reader.eventChunkCount())
                    return false;
                prevEvent = r.event;
            }
        }
        std::vector<uint32_t> threadIds(static_cast<size_t>(count(c, 1)));
        for (auto& t : threadIds) t = u32(c);
        const uint64_t nCodes = count(c, 1);
        if (nCodes != m.reader.defs().codes.size()) return false;
        std::vector<std::vector<bool>> executed(static_cast<size_t>(nCodes));
        for (auto& lines : executed) {
            const uint64_t n = count(c, 1);
            for (uint64_t k = 0; k < n; ++k) {
                const uint64_t l = c.varintBounded(1 << 22, "line out of range");
                if (lines.size() <= l) lines.resize(static_cast<size_t>(l) + 1);
                lines[static_cast<size_t>(l)] = true;
            }
        }
        DepthProfile depth;
        depth.bucketSize = c.varint();
        if (depth.bucketSize != m.depthBucketSize(events)) return false;  // another resolution
        const uint64_t nBuckets = count(c, 2);
        if (nBuckets != (events + depth.bucketSize - 1) / depth.bucketSize) return false;
        depth.minDepth.resize(static_cast<size_t>(nBuckets));
        depth.maxDepth.resize(static_cast<size_t>(nBuckets));
        for (size_t b = 0; b < depth.minDepth.size(); ++b) {
            depth.minDepth[b] = u32(c);
            const uint64_t max = uint64_t(depth.minDepth[b]) + u32(c);
            if (max > 0xFFFFFFFFu) return false;
            depth.maxDepth[b] = static_cast<uint32_t>(max);
        }
        if (!c.atEnd()) return false;

        m.events = events;
        m.blocks = std::move(blocks);
        m.threadPool = std::move(threadPool);
        m.codePool = std::move(codePool);
        m.exceptions = std::move(exceptions);
        m.hooks = std::move(hooks);
        m.outputs[0] = std::move(outputs[0]);
        m.outputs[1] = std::move(outputs[1]);
        m.threadIds = std::move(threadIds);
        m.executed = std::move(executed);
        m.depthProfile = std::move(depth);
        m.sidecarBytes = data.size();
        return true;
    } catch (const std::exception&) {
        return false;  // TraceFormatError from a damaged sidecar, I/O errors: rebuild
    }
}

bool SidecarIndex::spill(Replayer::Impl& m) {
    if (m.sidecarBytes == 0) return false;
    const auto path = pathFor(m.reader.path());
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat st {};
    // Another process may have replaced the sidecar since we wrote or validated it: only a file
    // of the same size is taken (each state read is validated again anyway).
    if (::fstat(fd, &st) != 0 || static_cast<uint64_t>(st.st_size) != m.sidecarBytes) {
        ::close(fd);
        return false;
    }
    m.spilled = std::make_unique<SpilledCheckpoints>(fd, path);
    for (auto& b : m.blocks)
        if (b.checkpoint && b.checkpoint->sidecarSize) {
            // Block 0's (the empty state, or a slice's start) stays: it is the fallback of every
            // seek before the first other checkpoint and costs a few bytes.
            if (&b == &m.blocks.front()) continue;
            std::vector<uint8_t>().swap(b.checkpoint->state);
        }
    return true;
}

SpilledCheckpoints::~SpilledCheckpoints() {
    ::close(fd_);
}

ProgramState SpilledCheckpoints::state(const Checkpoint& cp, uint64_t blockFirst) {
    Entry* e = nullptr;
    for (auto& x : cache_)
        if (x.offset == cp.sidecarOffset) e = &x;
    if (!e) {
        if (cache_.size() < kCacheEntries) {
            e = &cache_.emplace_back();
        } else {
            e = &*std::min_element(cache_.begin(), cache_.end(),
                                   [](const Entry& a, const Entry& b) { return a.used < b.used; });
        }
        e->offset = cp.sidecarOffset;
        e->bytes.resize(cp.sidecarSize);
        size_t got = 0;
        while (got < e->bytes.size()) {
            const ssize_t r = ::pread(fd_, e->bytes.data() + got, e->bytes.size() - got,
                                      static_cast<off_t>(cp.sidecarOffset + got));
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) {
                e->offset = ~uint64_t{0};
                throw TraceFormatError("cannot read a checkpoint from the sidecar index " +
                                           path_.string() + " (truncated since it was opened?)",
                                       cp.sidecarOffset);
            }
            got += static_cast<size_t>(r);
        }
        ++reads_;
    }
    e->used = ++tick_;
    try {
        ProgramState s = StateCodec::decode(e->bytes.data(), e->bytes.size());
        if (s.event + 1 != blockFirst)
            throw TraceFormatError("checkpoint does not sit before its block", cp.sidecarOffset);
        return s;
    } catch (const TraceFormatError& err) {
        e->offset = ~uint64_t{0};
        throw TraceFormatError("the sidecar index " + path_.string() +
                                   " changed on disk since it was opened: " + err.what(),
                               cp.sidecarOffset);
    }
}

ProgramState Replayer::Impl::checkpointState(size_t b) {
    const Checkpoint& cp = *blocks[b].checkpoint;
    if (cp.onDisk() && spilled) return spilled->state(cp, blockFirst(b));
    return StateCodec::decode(cp.state.data(), cp.state.size());
}

}  // namespace reel::replayer
