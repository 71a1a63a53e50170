#include "reel/replayer/FlightWriter.h"

#include <algorithm>
#include <array>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <unordered_set>

#include "CheckpointState.h"
#include "EventCopy.h"
#include "OutputTail.h"
#include "reel/format/EventStream.h"
#include "reel/format/TraceFormatError.h"
#include "reel/format/TraceReader.h"
#include "reel/format/ValueCodec.h"
#include "reel/format/WorkQueue.h"
#include "reel/replayer/StateMachine.h"

namespace reel::replayer {

namespace fs = std::filesystem;
using format::Batch;
using format::Record;
using format::TraceReader;
using format::TraceWriter;

namespace {

constexpr size_t kMaxValuesPerBatch = size_t{4} << 20;
constexpr size_t kMaxEventBytesPerBatch = size_t{8} << 20;
// Carried records with at most this many ids between them are written as one run (with the
// records in between), so a scattered set does not become thousands of tiny chunks.
constexpr uint64_t kGapFill = 16;

size_t batchBytes(const Batch& b) {
    size_t n = sizeof(Batch) + b.values.size() + b.tags.size() + b.args.size() + b.blobs.size();
    for (const auto& s : b.defs.sources) n += s.path.size() + s.text.size() + 64;
    for (const auto& c : b.defs.codes)
        n += c.bytecode.size() + c.instructions.size() * sizeof(format::Instruction) + 256;
    n += b.defs.types.size() * 128 + b.defs.threads.size() * 64;
    for (const auto& s : b.defs.strings) n += s.second.size() + 32;
    return n;
}

void stateRefs(const ProgramState& s, std::vector<ValueRef>& out) {
    auto frame = [&](const Frame& f) {
        if (f.object) out.push_back(*f.object);
        if (f.origin) out.push_back(*f.origin);
        if (f.handled) out.push_back(f.handled->value);
        for (const auto& l : f.slots) out.push_back(l.value);
        for (const auto& n : f.names) out.push_back(n.value);
    };
    out.push_back(s.value);
    for (const auto& t : s.threads) {
        if (t.exception) out.push_back(t.exception->value);
        for (const auto& x : t.setAside) out.push_back(x.value);
        for (const auto& f : t.stack) frame(f);
    }
    for (const auto& [id, f] : s.suspended) frame(f);
}

// One value record's bytes inside a decompressed values chunk of `reader`; false when the file
// does not hold `id`.
struct RawRecord {
    std::shared_ptr<const format::ValueChunk> chunk;
    size_t begin = 0, end = 0;
};
bool rawRecord(TraceReader& reader, uint64_t id, RawRecord& out) {
    try {
        out.chunk = reader.valueChunkFor(id);
    } catch (const std::out_of_range&) {
        return false;
    }
    const auto& c = *out.chunk;
    const size_t i = static_cast<size_t>(id - c.firstId);
    REEL_REQUIRE(id >= c.firstId && i < c.recordOffsets.size(), c.fileOffset,
                 "values chunk does not hold the value it was indexed for");
    out.begin = c.recordOffsets[i];
    out.end = i + 1 < c.recordOffsets.size() ? c.recordOffsets[i + 1] : c.data.size();
    return true;
}

// Appends records, ids ascending, as values batches: one per run of consecutive ids.
class ValueRuns {
  public:
    explicit ValueRuns(TraceWriter& w) : w_(w) {}
    void add(uint64_t id, const uint8_t* p, size_t n) {
        if (open_ && (id != next_ || cur_.values.size() + n > kMaxValuesPerBatch)) flush();
        if (!open_) {
            cur_ = Batch{};
            cur_.firstValueId = id;
            open_ = true;
        }
        cur_.values.insert(cur_.values.end(), p, p + n);
        ++cur_.valueCount;
        next_ = id + 1;
        ++count_;
    }
    void flush() {
        if (open_ && cur_.valueCount > 0) w_.append(std::move(cur_));
        open_ = false;
    }
    uint64_t count() const { return count_; }

  private:
    TraceWriter& w_;
    Batch cur_;
    bool open_ = false;
    uint64_t next_ = 0, count_ = 0;
};

// The state just after event `target` of `r` (which holds it), with the output tails.
ProgramState replayTo(TraceReader& r, uint64_t target, OutputTail& tails) {
    StateMachine sm(r.defs());
    if (const auto& cp = r.checkpoint()) {
        uint64_t at = 0;
        for (const auto& c : r.chunks())
            if (c.kind == 5) at = c.offset;
        sm.setState(stateFromCheckpoint(*cp, r.defs(), at));
        tails.set(*cp);
    }
    for (size_t ci = 0; ci < r.eventChunkCount(); ++ci) {
        if (r.eventChunkInfo(ci).first > target) break;
        auto chunk = r.eventChunk(ci);
        const auto& c = *chunk;
        format::EventDecoder dec(c.tags.data(), c.tags.size(), c.args.data(), c.args.size(),
                                 c.blobs.data(), c.blobs.size(), c.firstEvent, c.eventCount,
                                 c.startThread, c.startNextFrameId, c.fileOffset);
        Record rec;
        while (dec.next(rec)) {
            if (rec.event > target) return sm.state();
            sm.apply(rec, dec.thread(), c.fileOffset);
            if (rec.kind == format::RecordKind::Output)
                tails.add(static_cast<uint32_t>(rec.a),
                          {reinterpret_cast<const char*>(rec.blob), rec.blobLen});
        }
    }
    return sm.state();
}

// The window of the last `o.lastEvents` events (0: all) of consecutive generation files `src`
// (opened, oldest first), written to `out`: from a checkpoint, with the original event numbers.
// `defs`: every definition (NULL: the newest file's); `moveWhole`: when the newest file is
// exactly the window, it is renamed to `out` rather than copied.
struct CutWindow {
    uint64_t first = 0, end = 0;  // events first..end-1
};
CutWindow cutGenerations(std::vector<std::unique_ptr<TraceReader>> src, const fs::path& out,
                         const format::NewDefs* defs, const format::ExitInfo& exit,
                         const FlightOptions& o, bool moveWhole) {
    const uint64_t lo = src.front()->firstEvent(), hi = src.back()->eventCount();
    const uint64_t first = o.lastEvents != 0 && hi - lo > o.lastEvents ? hi - o.lastEvents : lo;
    // The source holding `first`: the newest one starting at or before it.
    size_t i0 = 0;
    for (size_t i = 0; i < src.size(); ++i)
        if (src[i]->firstEvent() <= first && src[i]->eventCount() > src[i]->firstEvent())
            i0 = i;
    if (moveWhole && (hi == lo || (i0 + 1 == src.size() && first == src[i0]->firstEvent()))) {
        // The newest generation is exactly the window (or nothing was recorded).
        const fs::path keep = src.back()->path();
        src.clear();
        fs::rename(keep, out);
        return {first, hi};
    }

    TraceReader& start = *src[i0];
    std::optional<format::Checkpoint> cp;
    if (first > start.firstEvent()) {
        OutputTail tails(o.maxCarriedOutput);
        cp = checkpointFromState(replayTo(start, first - 1, tails));
        tails.store(*cp);
    } else if (start.checkpoint()) {
        cp = *start.checkpoint();
    }
    if (cp) {
        cp->originalEventCount = hi;
        cp->originalPath = out.filename().string();
    }
    TraceWriter::Options wo;
    wo.durable = o.durable;
    wo.requiredReaderMinor = std::max<uint16_t>(
        std::max(o.requiredReaderMinor, src.back()->header().requiredReaderMinor),
        format::kCheckpointReaderMinor);
    TraceWriter writer(out, src.back()->header(), wo);
    const int64_t startTimeNs = cp ? cp->timeNs : 0;
    Batch head;
    head.defs = defs != nullptr ? *defs : allDefinitions(src.back()->defs());
    head.checkpoint = std::move(cp);
    writer.append(std::move(head));

    // Values: every record of the generations the window spans (each holds what its own
    // events and checkpoint refer to), merged by id; a carried record is in both.
    {
        ValueRuns runs(writer);
        struct Cursor {
            TraceReader* r;
            std::vector<uint64_t> firsts;  // first id of each values chunk
            size_t chunk = 0;
            std::shared_ptr<const format::ValueChunk> data;
            size_t index = 0;
            bool valid() const { return data != nullptr; }
            uint64_t id() const { return data->firstId + index; }
            void load() {
                data.reset();
                index = 0;
                while (chunk < firsts.size() && !data) {
                    auto c = r->valueChunkFor(firsts[chunk]);
                    if (!c->recordOffsets.empty())
                        data = std::move(c);
                    else
                        ++chunk;
                }
            }
            void advance() {
                if (++index >= data->recordOffsets.size()) {
                    ++chunk;
                    load();
                }
            }
        };
        std::vector<Cursor> cursors;
        for (size_t i = i0; i < src.size(); ++i) {
            Cursor c;
            c.r = src[i].get();
            for (const auto& ch : c.r->chunks())
                if (ch.kind == 2 && ch.count > 0) c.firsts.push_back(ch.first);
            c.load();
            cursors.push_back(std::move(c));
        }
        for (;;) {
            Cursor* best = nullptr;
            for (auto& c : cursors)
                if (c.valid() && (!best || c.id() < best->id())) best = &c;
            if (!best) break;
            const uint64_t id = best->id();
            const auto& d = *best->data;
            const size_t b = d.recordOffsets[best->index];
            const size_t e = best->index + 1 < d.recordOffsets.size()
                                 ? d.recordOffsets[best->index + 1]
                                 : d.data.size();
            runs.add(id, d.data.data() + b, e - b);
            for (auto& c : cursors)
                if (c.valid() && c.id() == id) c.advance();
        }
        runs.flush();
    }

    // Events first..end, re-encoded (original numbering), with the records after the last
    // event (a final flush, THREAD_END).
    std::vector<TraceReader*> window;
    for (size_t i = i0; i < src.size(); ++i) window.push_back(src[i].get());
    EventCopyOptions co;
    co.first = first;
    co.trailing = true;
    co.startTimeNs = startTimeNs;
    co.eventsPerBatch = o.eventsPerChunk;
    co.maxBytesPerBatch = kMaxEventBytesPerBatch;
    const uint64_t nextEvent = copyEvents(window, writer, co);
    REEL_REQUIRE(nextEvent == hi, format::TraceFormatError::kNoOffset,
                 "flight recorder: the generations end before event " + std::to_string(hi));
    writer.close(exit);
    return {first, hi};
}

}  // namespace

JoinResult joinGenerations(std::vector<fs::path> files, const fs::path& out, uint64_t lastEvents,
                           bool durable) {
    if (files.empty()) throw std::invalid_argument("no generation files to join");
    std::vector<std::unique_ptr<TraceReader>> parts;
    format::HeaderInfo header;
    for (size_t i = 0; i < files.size(); ++i) {
        auto r = std::make_unique<TraceReader>(files[i]);
        const auto& h = r->header();
        if (h.capture.flightLast == 0)
            throw std::invalid_argument(files[i].string() +
                                        " is not a flight-recorder generation (recorded "
                                        "without --last)");
        if (i == 0) {
            header = h;
        } else if (h.pid != header.pid || h.startTimeNs != header.startTimeNs) {
            throw std::invalid_argument(files[i].string() + " is from another recording than " +
                                        files[0].string() + " (pid " + std::to_string(h.pid) +
                                        ", not " + std::to_string(header.pid) + ")");
        }
        parts.push_back(std::move(r));
    }
    // A generation killed before its first events chunk landed holds no events: nothing to add.
    std::erase_if(parts, [](const auto& p) { return p->eventCount() <= p->firstEvent(); });
    if (parts.empty())
        throw std::invalid_argument("the generation files hold no events (the recording was "
                                    "killed before its first events were written)");
    std::sort(parts.begin(), parts.end(), [](const auto& a, const auto& b) {
        return a->firstEvent() != b->firstEvent() ? a->firstEvent() < b->firstEvent()
                                                  : a->eventCount() < b->eventCount();
    });
    for (size_t i = 1; i < parts.size(); ++i)
        if (parts[i]->firstEvent() != parts[i - 1]->eventCount())
            throw std::invalid_argument(
                "not consecutive generations: " + parts[i - 1]->path().string() +
                " ends at event " + std::to_string(parts[i - 1]->eventCount()) + ", " +
                parts[i]->path().string() + " starts at event " +
                std::to_string(parts[i]->firstEvent()));
    FlightOptions o;
    o.lastEvents = lastEvents != 0 ? lastEvents : header.capture.flightLast;
    o.durable = durable;
    const format::ExitInfo exit = parts.back()->exitInfo().value_or(format::ExitInfo{});
    const CutWindow w = cutGenerations(std::move(parts), out, nullptr, exit, o, false);
    JoinResult res;
    res.firstEvent = w.first;
    res.lastEvent = w.end > 0 ? w.end - 1 : 0;
    res.recordedEvents = w.end;
    return res;
}

fs::path FlightWriter::generationPath(const fs::path& path, uint64_t generation) {
    fs::path p = path;
    p += ".flight" + std::to_string(generation);
    return p;
}

class FlightWriter::Impl {
  public:
    Impl(fs::path path, const format::HeaderInfo& header, FlightOptions options)
        : path_(std::move(path)),
          header_(header),
          options_(options),
          tails_(options.maxCarriedOutput) {
        if (options_.lastEvents < kMinFlightEvents)
            throw std::invalid_argument("the flight recorder keeps at least " +
                                        std::to_string(kMinFlightEvents) + " events");
        header_.capture.flightLast = options_.lastEvents;
        // Capacity up front: the machine's line tables point into defs_.codes (see addDefs).
        defs_.codes.reserve(4096);
        sm_ = std::make_unique<StateMachine>(defs_);
        cur_ = std::make_unique<TraceWriter>(generationPath(path_, 0), header_, writerOptions(0));
        work_ = std::make_unique<format::WorkQueue<Item>>(
            options_.maxQueuedBytes, "the flight recorder failed earlier",
            [this](Item& item) { process(item); });
    }

    ~Impl() { work_.reset(); }

    void append(Batch&& b, bool endsGeneration, std::vector<uint64_t> pinned) {
        if (closed_) throw std::logic_error("FlightWriter::append after close");
        const size_t bytes = batchBytes(b);
        work_->push(Item{std::move(b), endsGeneration, std::move(pinned)}, bytes);
    }

    void flush() {
        if (closed_) return;
        work_->waitIdle();
        cur_->flush();
    }

    // This worker first: it is the one that appends to the generation's writer (and so restarts
    // that writer's thread when it next appends).
    void pauseWorker() {
        if (closed_) return;
        work_->pause();
        work_->rethrowIfFailed();
        cur_->pauseWorker();
    }

    void close(const format::ExitInfo& exit) {
        if (closed_) return;
        work_->waitIdle();
        work_->stop();
        work_->rethrowIfFailed();
        closed_ = true;
        cur_->close(exit);
        cur_.reset();
        writeFinal(exit);
        std::error_code ec;
        for (uint64_t g = gen_ >= 2 ? gen_ - 2 : 0; g <= gen_; ++g) {
            fs::remove(generationPath(path_, g), ec);
            fs::path partial = generationPath(path_, g);
            partial += ".partial";
            fs::remove(partial, ec);
        }
    }

    FlightStats stats() const {
        std::lock_guard lock(statsMu_);
        return stats_;
    }

  private:
    struct Item {
        Batch batch;
        bool endsGeneration = false;
        std::vector<uint64_t> pinned;
    };

    TraceWriter::Options writerOptions(uint64_t generation) const {
        TraceWriter::Options o;
        o.durable = options_.durable;
        o.maxQueuedBytes = options_.maxQueuedBytes;
        // Generations after the first start at a checkpoint and skip value ids.
        o.requiredReaderMinor = std::max<uint16_t>(
            options_.requiredReaderMinor, generation > 0 ? format::kCheckpointReaderMinor : 0);
        return o;
    }


    // Writer thread from here on (and close(), once the thread has stopped).

    void process(Item& item) {
        Batch& b = item.batch;
        addDefs(b.defs);
        bool endsNumbered = true;
        if (b.eventCount > 0 || !b.tags.empty()) {
            format::EventDecoder dec(b.tags.data(), b.tags.size(), b.args.data(), b.args.size(),
                                     b.blobs.data(), b.blobs.size(), b.firstEvent, b.eventCount,
                                     b.startThread, b.startNextFrameId, 0);
            Record r;
            while (dec.next(r)) {
                sm_->apply(r, dec.thread(), 0);
                if (r.kind == format::RecordKind::Output)
                    tails_.add(static_cast<uint32_t>(r.a),
                               {reinterpret_cast<const char*>(r.blob), r.blobLen});
                endsNumbered = format::isNumbered(r.kind);
            }
            dec.finish();
        }
        cur_->append(std::move(b));
        if (item.endsGeneration) {
            // The next generation's checkpoint is the state at this batch's last event: records
            // of the next event must all follow in later batches.
            if (!endsNumbered)
                throw std::logic_error(
                    "flight recorder: a generation must end right after a numbered event");
            rotate(item.pinned);
        }
    }

    void addDefs(const format::NewDefs& d) {
        const bool moves = defs_.codes.size() + d.codes.size() > defs_.codes.capacity();
        for (const auto& s : d.sources) all_.sources.push_back(s), defs_.sources.push_back(s);
        for (const auto& c : d.codes) all_.codes.push_back(c), defs_.codes.push_back(c);
        for (const auto& t : d.types) all_.types.push_back(t), defs_.types.push_back(t);
        for (const auto& s : d.strings) {
            all_.strings.push_back(s);
            if (s.first >= defs_.strings.size()) defs_.strings.resize(s.first + 1);
            defs_.strings[s.first] = s.second;
        }
        for (const auto& t : d.threads) all_.threads.push_back(t), defs_.threads.push_back(t);
        if (moves) rebuildMachine();
    }

    // The machine's line tables keep pointers to code objects: after defs_.codes moved, a new
    // machine continues from the same state.
    void rebuildMachine() {
        ProgramState st = sm_->state();
        if (st.event != kNoEvent &&
            (st.kind == RecordKind::Return || st.kind == RecordKind::Yield ||
             st.kind == RecordKind::Unwind)) {
            // setState() takes an exit event's frame as still on the stack; if records after the
            // event already popped it, the kind no longer describes the state.
            const ThreadState* t = st.threadState(st.thread);
            if (!t || t->stack.empty() || !t->stack.back().exiting) st.kind = RecordKind::Opcode;
        }
        sm_ = std::make_unique<StateMachine>(defs_);
        if (st.event != kNoEvent) sm_->setState(std::move(st));
    }

    void rotate(const std::vector<uint64_t>& pinned) {
        const ProgramState& s = sm_->state();
        format::Checkpoint cp = checkpointFromState(s);
        tails_.store(cp);
        cp.originalEventCount = s.event + 1;
        cp.originalPath = path_.filename().string();
        std::vector<ValueRef> refs;
        stateRefs(s, refs);
        for (uint64_t id : pinned) refs.push_back(ValueRef::record(id));

        format::ExitInfo rotated{
            format::ExitKind::Unknown, 0,
            "flight recorder generation " + std::to_string(gen_) + " (the run continued)"};
        cur_->close(rotated);
        cur_.reset();
        const fs::path closed = generationPath(path_, gen_);

        // The records the checkpoint needs, with everything they refer to, from the generation
        // just closed (which holds them: it carried them in, or its batches wrote them).
        TraceReader src(closed);
        std::vector<uint64_t> ids;
        std::unordered_set<uint64_t> seen;
        std::vector<ValueRef> todo;
        for (ValueRef r : refs)
            if (r.kind() == ValueRef::Kind::Record) todo.push_back(r);
        RawRecord raw;
        while (!todo.empty()) {
            const uint64_t id = todo.back().recordId();
            todo.pop_back();
            if (!seen.insert(id).second) continue;
            if (!rawRecord(src, id, raw))
                throw format::TraceFormatError("flight recorder: value " + std::to_string(id) +
                                               " needed by the state at event " +
                                               std::to_string(s.event) + " is not in generation " +
                                               std::to_string(gen_));
            ids.push_back(id);
            format::ByteCursor cur(raw.chunk->data.data(), raw.chunk->data.size(),
                                   raw.chunk->fileOffset);
            cur.seek(raw.begin);
            format::ValueRecord rec = format::decodeValue(cur, id);
            format::forEachRef(rec, [&](ValueRef c) {
                if (c.kind() == ValueRef::Kind::Record) todo.push_back(c);
            });
        }
        std::sort(ids.begin(), ids.end());

        ++gen_;
        cur_ = std::make_unique<TraceWriter>(generationPath(path_, gen_), header_,
                                             writerOptions(gen_));
        Batch head;
        head.defs = all_;
        head.checkpoint = std::move(cp);
        cur_->append(std::move(head));
        ValueRuns runs(*cur_);
        for (size_t i = 0; i < ids.size(); ++i) {
            const uint64_t id = ids[i];
            rawRecord(src, id, raw);
            runs.add(id, raw.chunk->data.data() + raw.begin, raw.end - raw.begin);
            // Close a small gap with the records in it, when the source has them all and every
            // record they refer to is in the file too (a gap record is not needed, but the file
            // must not refer to values it lacks).
            if (i + 1 < ids.size() && ids[i + 1] - id - 1 <= kGapFill && ids[i + 1] > id + 1) {
                std::vector<RawRecord> gap;
                for (uint64_t g = id + 1; g < ids[i + 1]; ++g) {
                    RawRecord r;
                    bool ok = rawRecord(src, g, r);
                    if (ok) {
                        format::ByteCursor cur(r.chunk->data.data(), r.chunk->data.size(),
                                               r.chunk->fileOffset);
                        cur.seek(r.begin);
                        format::forEachRef(format::decodeValue(cur, g), [&](ValueRef c) {
                            if (c.kind() == ValueRef::Kind::Record &&
                                !(c.recordId() > id && c.recordId() < g) &&
                                !seen.count(c.recordId()))
                                ok = false;
                        });
                    }
                    if (!ok) {
                        gap.clear();
                        break;
                    }
                    gap.push_back(std::move(r));
                }
                for (size_t k = 0; k < gap.size(); ++k)
                    runs.add(id + 1 + k, gap[k].chunk->data.data() + gap[k].begin,
                             gap[k].end - gap[k].begin);
            }
        }
        runs.flush();
        // At most two generations stay: the one just closed and the new one.
        if (gen_ >= 2) {
            std::error_code ec;
            fs::remove(generationPath(path_, gen_ - 2), ec);
        }
        std::lock_guard lock(statsMu_);
        ++stats_.generations;
        stats_.carriedValues += runs.count();
    }

    // ---- close: the final file -------------------------------------------------------------


    void writeFinal(const format::ExitInfo& exit) {
        std::vector<std::unique_ptr<TraceReader>> src;
        if (gen_ >= 1 && fs::exists(generationPath(path_, gen_ - 1)))
            src.push_back(std::make_unique<TraceReader>(generationPath(path_, gen_ - 1)));
        src.push_back(std::make_unique<TraceReader>(generationPath(path_, gen_)));
        const CutWindow w = cutGenerations(std::move(src), path_, &all_, exit, options_, true);
        std::lock_guard lock(statsMu_);
        stats_.firstEvent = w.first;
        stats_.lastEvent = w.end > 0 ? w.end - 1 : 0;
    }

    fs::path path_;
    format::HeaderInfo header_;
    FlightOptions options_;
    bool closed_ = false;

    // Writer thread.
    format::NewDefs all_;       // every definition so far (each generation starts with all)
    format::Definitions defs_;  // the same, for the state machine
    std::unique_ptr<StateMachine> sm_;
    OutputTail tails_;
    std::unique_ptr<TraceWriter> cur_;
    uint64_t gen_ = 0;

    mutable std::mutex statsMu_;
    FlightStats stats_;
    std::unique_ptr<format::WorkQueue<Item>> work_;  // last: its worker uses everything above
};

FlightWriter::FlightWriter(fs::path path, const format::HeaderInfo& header, FlightOptions options)
    : impl_(std::make_unique<Impl>(std::move(path), header, options)) {}
FlightWriter::~FlightWriter() = default;

void FlightWriter::append(Batch&& batch, bool endsGeneration, std::vector<uint64_t> pinned) {
    impl_->append(std::move(batch), endsGeneration, std::move(pinned));
}
void FlightWriter::flush() {
    impl_->flush();
}
void FlightWriter::pauseWorker() {
    impl_->pauseWorker();
}
void FlightWriter::close(const format::ExitInfo& exit) {
    impl_->close(exit);
}
FlightStats FlightWriter::stats() const {
    return impl_->stats();
}

}  // namespace reel::replayer
