#pragma once
// Private helpers shared by TraceWriter and TraceReader: little-endian field access, the binary
// chunk header of Container.h, and the checksums. Kept out of include/ because no front end needs
// them.

#include <xxhash.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "reel/format/Container.h"
#include "reel/format/TraceFormatError.h"

namespace reel::format::detail {

// Explicit byte order so a trace written on one machine reads on any other.
inline void storeLE(uint8_t* p, uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
inline uint64_t loadLE(const uint8_t* p, int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
    return v;
}

inline uint64_t hash64(const void* p, size_t n) {
    return XXH64(p, n, 0);
}
inline uint32_t hash32(const void* p, size_t n) {
    return XXH32(p, n, 0);
}

inline const char* chunkKindName(uint16_t kind) {
    switch (kind) {
        case 1:
            return "defs";
        case 2:
            return "values";
        case 3:
            return "events";
        case 4:
            return "footer";
        case 5:
            return "checkpoint";
        default:
            return "invalid";
    }
}

struct ChunkHeader {
    uint16_t kind = 0;
    uint16_t flags = 0;
    uint32_t compressedSize = 0;
    uint32_t uncompressedSize = 0;
    uint64_t first = 0;
    uint32_t count = 0;
    uint64_t payloadHash = 0;

    void encode(uint8_t* out) const {
        std::memset(out, 0, kChunkHeaderSize);
        std::memcpy(out, kChunkMagic.data(), 4);
        storeLE(out + 4, kind, 2);
        storeLE(out + 6, flags, 2);
        storeLE(out + 8, compressedSize, 4);
        storeLE(out + 12, uncompressedSize, 4);
        storeLE(out + 16, first, 8);
        storeLE(out + 24, count, 4);
        storeLE(out + 32, payloadHash, 8);
        storeLE(out + 40, hash32(out, 40), 4);
    }

    // Validates everything that can be checked without the payload, so a scanning reader can trust
    // the sizes before it reads or allocates anything for them.
    static ChunkHeader decode(const uint8_t* in, uint64_t fileOffset) {
        REEL_REQUIRE(std::memcmp(in, kChunkMagic.data(), 4) == 0, fileOffset, "bad chunk magic");
        REEL_REQUIRE(loadLE(in + 40, 4) == hash32(in, 40), fileOffset,
                     "chunk header checksum mismatch");
        ChunkHeader h;
        h.kind = static_cast<uint16_t>(loadLE(in + 4, 2));
        h.flags = static_cast<uint16_t>(loadLE(in + 6, 2));
        h.compressedSize = static_cast<uint32_t>(loadLE(in + 8, 4));
        h.uncompressedSize = static_cast<uint32_t>(loadLE(in + 12, 4));
        h.first = loadLE(in + 16, 8);
        h.count = static_cast<uint32_t>(loadLE(in + 24, 4));
        h.payloadHash = loadLE(in + 32, 8);
        REEL_REQUIRE(h.kind >= 1 && h.kind <= 5, fileOffset,
                     "unknown chunk kind " + std::to_string(h.kind));
        REEL_REQUIRE((h.flags & ~kChunkFlagLz4) == 0, fileOffset, "unknown chunk flags");
        REEL_REQUIRE(loadLE(in + 28, 4) == 0 && loadLE(in + 44, 4) == 0, fileOffset,
                     "reserved chunk header bytes are not zero");
        REEL_REQUIRE(h.uncompressedSize <= kMaxChunkPayload, fileOffset,
                     "chunk payload larger than the format allows");
        // Payloads are Cap'n Proto flat messages: whole words, at least the segment table.
        REEL_REQUIRE(h.uncompressedSize % 8 == 0 && h.uncompressedSize >= 8, fileOffset,
                     "chunk payload size is not a whole number of words");
        if (h.flags & kChunkFlagLz4) {
            // The writer stores raw whatever LZ4 does not shrink; LZ4 cannot expand more than
            // ~255x, so a larger claim is damage (and must not size an allocation).
            REEL_REQUIRE(h.compressedSize > 0 && h.compressedSize < h.uncompressedSize &&
                             uint64_t{h.uncompressedSize} <= uint64_t{h.compressedSize} * 255 + 64,
                         fileOffset, "implausible compressed chunk size");
        } else {
            REEL_REQUIRE(h.compressedSize == h.uncompressedSize, fileOffset,
                         "stored chunk sizes disagree");
        }
        if (h.kind == 5)  // checkpoint: `first` is the first event of the file
            REEL_REQUIRE(h.first > 0 && h.count == 0, fileOffset,
                         "checkpoint chunk without a first event, or with a count");
        else if (h.kind != 2 && h.kind != 3)
            REEL_REQUIRE(h.first == 0 && h.count == 0, fileOffset,
                         "first/count set on a chunk that carries no numbered records");
        return h;
    }
};

}  // namespace reel::format::detail
