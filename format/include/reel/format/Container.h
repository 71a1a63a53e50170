#pragma once
// The .reel container, byte by byte. All integers are little-endian.
//
// Preamble, at offset 0 (24 bytes):
//    0  8  magic "REELTRC\x1a"
//    8  2  container major version (kContainerMajor). A reader refuses a newer major.
//   10  2  container minor version (kContainerMinor). Newer minors are readable.
//   12  4  H: length of the header message
//   16  8  xxh64 (seed 0) of the H header bytes
//   24  H  TraceHeader (reel.capnp) as an unpacked Cap'n Proto flat message, uncompressed, so
//          `reel info` and `file`-like tools can read it without LZ4.
//
// Then chunks, back to back. Each chunk is a 48-byte header followed by its payload:
//    0  4  magic "CHNK"
//    4  2  kind (schema ChunkKind: 1 defs, 2 values, 3 events, 4 footer, 5 checkpoint (format
//          1.1, only in files whose requiredReaderMinor is >= 1))
//    6  2  flags: bit 0 set = payload is an LZ4 block (else stored raw); other bits must be 0
//    8  4  C: payload length in the file
//   12  4  U: payload length once decompressed (== C when stored raw); at most kMaxChunkPayload
//   16  8  first: first event number (events, checkpoint) or first value id (values); 0 otherwise
//   24  4  count: events (events) or values (values) in the chunk; 0 otherwise
//   28  4  reserved, 0
//   32  8  xxh64 (seed 0) of the C payload bytes as stored
//   40  4  xxh32 (seed 0) of header bytes 0..39, so a scanning reader can trust C and U before it
//          reads the payload
//   44  4  reserved, 0
//   48  C  payload: the chunk's message (Defs, ValueBatch, EventBatch or Footer) as an unpacked
//          Cap'n Proto flat message, LZ4-compressed when flagged.
//
// A cleanly closed file ends with a footer chunk and a 24-byte trailer:
//    0  8  file offset of the footer chunk's header
//    8  8  xxh64 (seed 0) of bytes 0..7 of the trailer
//   16  8  magic "REELEND\x1a"
// A file without a valid trailer (writer killed, disk full, power cut) is recovered by scanning
// chunks from the end of the header until the first incomplete or damaged one.

#include <array>
#include <cstddef>
#include <cstdint>

namespace reel::format {

inline constexpr std::array<char, 8> kMagic{'R', 'E', 'E', 'L', 'T', 'R', 'C', '\x1a'};
inline constexpr std::array<char, 4> kChunkMagic{'C', 'H', 'N', 'K'};
inline constexpr std::array<char, 8> kEndMagic{'R', 'E', 'E', 'L', 'E', 'N', 'D', '\x1a'};

inline constexpr uint16_t kContainerMajor = 1;
inline constexpr uint16_t kContainerMinor = 0;
// Schema generation written into TraceHeader.formatMajor/formatMinor.
inline constexpr uint16_t kFormatMajor = 1;
// 1.1 (2026-11): Checkpoint chunks (kind 5) and traces whose events start after 0 (`reel slice`).
// Ordinary recordings still set requiredReaderMinor 0, so 1.0 readers keep reading them.
// 1.2 (2026-11): compact value records (RELATIVE kind flag, PATCH) and LOCAL_SET_DELTA events,
// in recordings that set requiredReaderMinor 2 (kCompactValuesReaderMinor, ValueCodec.h).
// 1.3 (2026-11): attribute sections on EXCEPTION (and SUBCLASS) value records (the ATTRS kind
// flag), in recordings that set requiredReaderMinor 3 (kValueAttrsReaderMinor, ValueCodec.h).
// 1.4 (2026-11): the REENTER event record (EventStream.h), in recordings that set
// requiredReaderMinor 4 (kReenterReaderMinor, EventStream.h).
inline constexpr uint16_t kFormatMinor = 4;

inline constexpr size_t kPreambleSize = 24;
inline constexpr size_t kChunkHeaderSize = 48;
inline constexpr size_t kTrailerSize = 24;
// Upper bound on any header message or decompressed chunk payload; larger claims are damage.
inline constexpr uint32_t kMaxHeaderSize = 16u << 20;
inline constexpr uint32_t kMaxChunkPayload = 256u << 20;

inline constexpr uint16_t kChunkFlagLz4 = 1;

}  // namespace reel::format
