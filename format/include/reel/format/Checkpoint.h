#pragma once
// The Checkpoint chunk (format 1.1) as plain C++: the replayer state just before the first event
// of a trace that does not start at event 0 (a `reel slice`). Field by field as in reel.capnp
// `Checkpoint`; docs/format.md explains it. The format library only carries it: the replayer
// converts it to and from its ProgramState (replayer/src/CheckpointState.cpp).
//
// Event numbers use kNoEventNumber for "none"; values are ValueRefs.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "reel/format/ValueRef.h"

namespace reel::format {

inline constexpr uint64_t kNoEventNumber = ~uint64_t{0};
// The first format minor that understands Checkpoint chunks (TraceHeader.requiredReaderMinor of
// a file that has one).
inline constexpr uint16_t kCheckpointReaderMinor = 1;

struct CheckpointLocal {
    ValueRef value;
    uint64_t changedAt = kNoEventNumber;
};

struct CheckpointName {
    uint32_t nameId = 0;
    ValueRef value;
    uint64_t changedAt = kNoEventNumber;
};

struct CheckpointException {
    ValueRef value;
    uint64_t frameId = 0;
    uint64_t raisedAt = 0;
    uint64_t lastEvent = 0;
    uint64_t index = 0;
    bool uncaught = false;
};

struct CheckpointFrame {
    uint64_t id = 0;
    uint32_t codeId = 0;
    int32_t lasti = -1;
    int32_t line = 0;
    int32_t lastLine = 0;  // the latest line >= 1 the frame was at; 0: none (or not recorded)
    uint64_t callEvent = kNoEventNumber;
    uint64_t activationEvent = kNoEventNumber;
    bool exiting = false;
    bool prevWasOpcode = false;
    std::optional<ValueRef> object, origin;
    std::optional<CheckpointException> handled;  // the exception its handler caught last
    std::vector<CheckpointLocal> slots;
    std::vector<CheckpointName> names;
};

struct CheckpointThread {
    uint32_t id = 0;
    bool ended = false;
    uint64_t lastEvent = kNoEventNumber;
    uint8_t lastKind = 0;
    std::optional<CheckpointException> exception;
    std::vector<CheckpointException> setAside;
    std::vector<CheckpointFrame> stack;
};

// A run of consecutive bytes one stream (1 stdout, 2 stderr) wrote: the carried output tails' write
// order is a list of these.
struct OutputRun {
    uint32_t stream = 1;
    uint64_t bytes = 0;
    bool operator==(const OutputRun&) const = default;
};

struct Checkpoint {
    uint64_t firstEvent = 0;  // the file's first event; the state is at firstEvent - 1
    uint8_t eventKind = 0;    // RecordKind of event firstEvent - 1 (numbered kinds only)
    uint32_t thread = 0;
    ValueRef value = ValueRef::constant(Constant::None);
    int64_t timeNs = 0;
    std::array<uint64_t, 2> outputBytes{};  // stdout, stderr
    uint64_t outputRecords = 0;
    uint64_t exceptionCount = 0;
    std::vector<CheckpointThread> threads;  // seen threads only
    std::vector<CheckpointFrame> suspended;
    std::array<std::string, 2> outputTail;  // last bytes of stdout/stderr before firstEvent
    uint64_t originalEventCount = 0;
    std::string originalPath;
    // The tails' bytes in the order they were written, oldest first; each stream's runs add up
    // to its tail. Empty: unknown (a checkpoint written before the order was kept).
    std::vector<OutputRun> outputOrder;
};

}  // namespace reel::format
