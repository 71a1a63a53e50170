// libFuzzer entry point for TraceReader: any byte string, opened as a trace file and read in full
// (header, defs, every events chunk decoded, every value decoded, verifyAll), must either work or
// throw TraceFormatError. Anything else (a crash, a sanitizer report, another exception, a hang)
// is a bug. Build with -DREEL_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++; without it, the same entry
// point is driven over files by standalone_main.cpp.

#include <sys/mman.h>
#include <unistd.h>
#include <xxhash.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "reel/format/Container.h"
#include "reel/format/EventStream.h"
#include "reel/format/TraceFormatError.h"
#include "reel/format/TraceReader.h"
#include "reel/format/ValueCodec.h"

using namespace reel::format;

namespace {

// The reader takes a path; an in-memory file keeps fuzzing off the disk.
class MemFile {
  public:
    MemFile(const uint8_t* data, size_t size) {
        fd_ = memfd_create("reel-fuzz", MFD_CLOEXEC);
        if (fd_ < 0) {
            std::perror("memfd_create");
            std::abort();
        }
        size_t done = 0;
        while (done < size) {
            ssize_t w = ::write(fd_, data + done, size - done);
            if (w <= 0) {
                std::perror("write");
                std::abort();
            }
            done += static_cast<size_t>(w);
        }
        path_ = "/proc/self/fd/" + std::to_string(fd_);
    }
    ~MemFile() { ::close(fd_); }
    const std::string& path() const { return path_; }

  private:
    int fd_ = -1;
    std::string path_;
};

void readAll(TraceReader& r) {
    for (const auto& code : r.defs().codes)
        for (const auto& in : code.instructions) (void)code.lineAt(in.offset + 1);
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
    // A slice numbers its events from firstEvent(); a recovered one may have none of its own.
    if (r.eventCount() > r.firstEvent()) (void)r.eventChunk(r.findEventChunk(r.eventCount() - 1));
    // Chunk by chunk: a file with a checkpoint may skip value ids between values chunks.
    constexpr uint16_t kValuesChunk = 2;  // schema ChunkKind
    for (const auto& info : r.chunks()) {
        if (info.kind != kValuesChunk || info.count == 0) continue;
        auto c = r.valueChunkFor(info.first);
        for (size_t k = 0; k < c->recordOffsets.size(); ++k) {
            ByteCursor cur(c->data.data(), c->data.size(), c->fileOffset);
            cur.seek(c->recordOffsets[k]);
            (void)decodeValue(cur, c->firstId + k);
        }
    }
    (void)r.verifyAll();
}

uint64_t le(const uint8_t* p, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= uint64_t{p[i]} << (8 * i);
    return v;
}
void putLe(uint8_t* p, uint64_t v, int n) {
    for (int i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

// Random mutations almost never keep the xxHash checksums right, so on its own the fuzzer would
// mostly exercise the checksum checks. This rewrites every checksum the layout lets us find
// (header, each chunk's payload and header, trailer) so the mutated structure behind them -- Cap'n
// Proto messages, LZ4 blocks, event and value records, the footer index -- is reached too.
// Returns false when nothing changed.
bool fixChecksums(std::vector<uint8_t>& b) {
    const std::vector<uint8_t> before = b;
    const size_t n = b.size();
    if (n < kPreambleSize || std::memcmp(b.data(), kMagic.data(), 8) != 0) return false;
    const uint64_t h = le(&b[12], 4);
    if (h > n - kPreambleSize) return false;
    putLe(&b[16], XXH64(&b[kPreambleSize], h, 0), 8);
    uint64_t pos = kPreambleSize + h;
    while (pos + kChunkHeaderSize <= n && std::memcmp(&b[pos], kChunkMagic.data(), 4) == 0) {
        const uint64_t c = le(&b[pos + 8], 4);
        if (c > n - pos - kChunkHeaderSize) break;
        putLe(&b[pos + 32], XXH64(&b[pos + kChunkHeaderSize], c, 0), 8);
        putLe(&b[pos + 40], XXH32(&b[pos], 40, 0), 4);
        pos += kChunkHeaderSize + c;
    }
    if (n - pos == kTrailerSize) putLe(&b[pos + 8], XXH64(&b[pos], 8, 0), 8);
    return b != before;
}

void run(const uint8_t* data, size_t size) {
    MemFile file(data, size);
    try {
        TraceReader::Options opt;
        opt.cacheChunks = 2;
        TraceReader reader(file.path(), opt);
        readAll(reader);
    } catch (const TraceFormatError&) {
        // Expected for damaged input.
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    run(data, size);
    std::vector<uint8_t> fixed(data, data + size);
    if (fixChecksums(fixed)) run(fixed.data(), fixed.size());
    return 0;
}
