#include "reel/replayer/Replayer.h"

#include <algorithm>
#include <chrono>

#include "CheckpointState.h"
#include "ReplayerImpl.h"
#include "SidecarIndex.h"
#include "StateCodec.h"
#include "reel/replayer/CodeOrigin.h"
#include "reel/format/TraceFormatError.h"

namespace reel::replayer {

using format::Record;
using format::TraceFormatError;

namespace {

// Collects the exceptions list and the per-block raise counts while the index is built.
class ExceptionLog : public ExceptionObserver {
  public:
    // A slice starts with `firstIndex` exceptions raised before its first event (`base`): they
    // are not listed (their raise is not in the trace), and list_[i] has index firstIndex + i.
    ExceptionLog(std::vector<ExceptionInfo>& list, std::vector<BlockData>& blocks,
                 uint32_t interval, uint64_t base, uint64_t firstIndex, CodeOrigins origins)
        : list_(list),
          blocks_(blocks),
          interval_(interval),
          base_(base),
          firstIndex_(firstIndex),
          origins_(std::move(origins)) {}

    void onException(const ExceptionEvent& e) override {
        using W = ExceptionEvent::What;
        if (e.index < firstIndex_) return;  // raised before the slice
        if (e.what == W::Raised) {
            REEL_ASSERT(e.index == firstIndex_ + list_.size(), "exception indices are dense");
            ExceptionInfo x;
            x.index = e.index;
            x.value = e.value;
            x.thread = e.thread;
            x.raisedAt = e.event;
            x.raiseFrameId = x.endFrameId = e.frameId;
            x.raiseCodeId = x.endCodeId = e.codeId;
            x.raiseLine = x.endLine = e.line;
            x.ownCode = !origins_.isLibrary(e.codeId);
            list_.push_back(x);
            size_t b = static_cast<size_t>((e.event - base_) / interval_);
            if (b < blocks_.size()) ++blocks_[b].raises;
            return;
        }
        REEL_ASSERT(e.index - firstIndex_ < list_.size(), "transition of an unknown exception");
        ExceptionInfo& x = list_[e.index - firstIndex_];
        if (!x.ownCode && !origins_.isLibrary(e.codeId)) x.ownCode = true;
        if (e.what == W::Propagated) {
            ++x.framesReached;
            x.endFrameId = e.frameId;
            x.endCodeId = e.codeId;
            x.endLine = e.line;
            return;
        }
        if (e.what == W::Reraised) {
            // Its handler re-raised it: in flight again, from the frame that caught it.
            x.outcome = ExceptionInfo::Outcome::InFlightAtEnd;
            x.endEvent = kNoEvent;
            x.endFrameId = e.frameId;
            x.endCodeId = e.codeId;
            x.endLine = e.line;
            x.handlerOffset = -1;
            return;
        }
        x.outcome = e.what == W::Handled    ? ExceptionInfo::Outcome::Handled
                    : e.what == W::Uncaught ? ExceptionInfo::Outcome::Uncaught
                                            : ExceptionInfo::Outcome::Replaced;
        x.endEvent = e.event;
        x.endFrameId = e.frameId;
        x.endCodeId = e.codeId;
        x.endLine = e.line;
        x.handlerOffset = e.handlerOffset;
    }

  private:
    std::vector<ExceptionInfo>& list_;
    std::vector<BlockData>& blocks_;
    uint32_t interval_;
    uint64_t base_, firstIndex_;
    CodeOrigins origins_;
};

// Lines past this are not tracked for coverage (a hostile line table must not allocate much).
constexpr int32_t kMaxCoverageLine = 1 << 22;

// What stands for the output a slice did not carry (`reel slice --max-output`), in outputText and
// as outputChunks' note: one wording for every front end.
std::string elidedNote(int k, uint64_t bytes) {
    return "[" + std::to_string(bytes) + " earlier bytes of " + (k == 0 ? "stdout" : "stderr") +
           " are not in this slice]\n";
}

std::vector<uint8_t> encodeState(const ProgramState& s) {
    std::vector<uint8_t> out;
    StateCodec::encode(s, out);
    return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

Replayer::Impl::Impl(const std::filesystem::path& trace, Options opts)
    : options(opts),
      reader(trace, opts.reader),
      interval(std::max<uint32_t>(16, opts.checkpointInterval)),
      base(reader.firstEvent()),
      lines(std::make_shared<LineTables>(reader.defs())) {}

std::string_view Replayer::Impl::outputBytes(uint32_t k, const OutputRef& o, HeldChunk& hold) {
    if (o.chunk == kCarriedOutput) {
        // Carried runs tile the tail: this one starts where the bytes before it end, past those
        // the slice did not carry.
        const auto& cp = *reader.checkpoint();
        const std::string& tail = cp.outputTail[k];
        const uint64_t at = o.totalAfter - o.len - (cp.outputBytes[k] - tail.size());
        REEL_ASSERT(at + o.len <= tail.size(), "carried output run outside its tail");
        return std::string_view(tail).substr(static_cast<size_t>(at), o.len);
    }
    if (!hold.data || hold.index != o.chunk) {
        hold.data = reader.eventChunk(o.chunk);
        hold.index = o.chunk;
    }
    const format::EventChunk& c = *hold.data;
    REEL_REQUIRE(uint64_t(o.blobPos) + o.len <= c.blobs.size(), c.fileOffset,
                 "output record outside its chunk");
    return {reinterpret_cast<const char*>(c.blobs.data()) + o.blobPos, o.len};
}

void Replayer::Impl::forEachOutput(uint64_t n, uint64_t maxBytesPerStream,
                                   const std::function<void(uint32_t, std::string_view)>& fn) {
    // Each stream from its first record holding one of its last maxBytesPerStream bytes, the
    // two merged by where the records are in the file (the order they were written).
    std::array<size_t, 2> i{}, end{};
    std::array<uint64_t, 2> from{};
    for (size_t k = 0; k < 2; ++k) {
        const auto& v = outputs[k];
        end[k] = static_cast<size_t>(
            std::upper_bound(v.begin(), v.end(), n,
                             [](uint64_t e, const OutputRef& o) { return e < o.event; }) -
            v.begin());
        const uint64_t total = end[k] ? v[end[k] - 1].totalAfter : 0;
        from[k] = total > maxBytesPerStream ? total - maxBytesPerStream : 0;
        i[k] = static_cast<size_t>(
            std::upper_bound(v.begin(), v.begin() + static_cast<ptrdiff_t>(end[k]), from[k],
                             [](uint64_t b, const OutputRef& o) { return b < o.totalAfter; }) -
            v.begin());
    }
    HeldChunk hold;
    while (i[0] < end[0] || i[1] < end[1]) {
        const size_t k = i[1] >= end[1] || (i[0] < end[0] && outputOrder(outputs[0][i[0]]) <
                                                                 outputOrder(outputs[1][i[1]]))
                             ? 0
                             : 1;
        const OutputRef& o = outputs[k][i[k]++];
        const uint64_t start = o.totalAfter - o.len;
        std::string_view text = outputBytes(static_cast<uint32_t>(k), o, hold);
        if (from[k] > start) text.remove_prefix(static_cast<size_t>(from[k] - start));
        if (!text.empty()) fn(static_cast<uint32_t>(k + 1), text);
    }
}

uint64_t Replayer::Impl::depthBucketSize(uint64_t eventCount) const {
    const uint64_t buckets = std::max<uint32_t>(1, options.depthBuckets);
    return std::clamp<uint64_t>((eventCount - base + buckets - 1) / buckets, 1, interval);
}

void Replayer::Impl::requireEvent(uint64_t n) const {
    if (n >= events || n < base)
        throw std::out_of_range(
            events == base
                ? "event " + std::to_string(n) + " is out of range: the trace has no events"
                : "event " + std::to_string(n) + " is out of range: the trace has events " +
                      std::to_string(base) + ".." + std::to_string(events - 1) +
                      (base ? " (it is a slice)" : ""));
}

ProgramState Replayer::Impl::initialState() const {
    const auto& cp = reader.checkpoint();
    if (!cp) return {};
    uint64_t at = 0;
    for (const auto& c : reader.chunks())
        if (c.kind == 5) at = c.offset;
    return stateFromCheckpoint(*cp, reader.defs(), at);
}

bool Replayer::Impl::blockHasAnyCode(size_t b, const std::vector<uint32_t>& sortedCodes) const {
    auto codes = blockCodes(b);
    auto i = codes.begin();
    auto j = sortedCodes.begin();
    while (i != codes.end() && j != sortedCodes.end()) {
        if (*i == *j) return true;
        if (*i < *j)
            ++i;
        else
            ++j;
    }
    return false;
}

void Replayer::Impl::buildIndex(const Progress& progress) {
    const auto t0 = std::chrono::steady_clock::now();
    events = reader.eventCount();
    const size_t nBlocks = static_cast<size_t>((events - base + interval - 1) / interval);
    blocks.clear();
    blocks.resize(nBlocks);
    exceptions.clear();
    hooks.clear();
    outputs[0].clear();
    outputs[1].clear();
    if (const auto& cp = reader.checkpoint()) {
        // Output written before a slice's first event: shown at every event of the slice, one
        // entry per run of its carried tails in the order they were written (blobPos is the
        // run's place in that order), stdout's tail then stderr's when the checkpoint does not
        // say. A stream whose tail is empty keeps an entry of no bytes for its byte count.
        std::vector<format::OutputRun> order = cp->outputOrder;
        if (order.empty())
            for (uint32_t s = 1; s <= 2; ++s)
                if (!cp->outputTail[s - 1].empty())
                    order.push_back({s, cp->outputTail[s - 1].size()});
        uint32_t seq = 0;
        std::array<uint64_t, 2> total{};
        for (size_t k = 0; k < 2; ++k) {
            total[k] = cp->outputBytes[k] - cp->outputTail[k].size();
            if (cp->outputBytes[k] > 0 && cp->outputTail[k].empty())
                outputs[k].push_back({base, kCarriedOutput, seq++, 0, total[k]});
        }
        for (const auto& run : order) {
            const size_t k = run.stream - 1;
            total[k] += run.bytes;
            outputs[k].push_back(
                {base, kCarriedOutput, seq++, static_cast<uint32_t>(run.bytes), total[k]});
        }
    }

    StateMachine sm(reader.defs(), lines);
    sm.setState(initialState());
    ExceptionLog log(exceptions, blocks, interval, base, sm.state().exceptionCount,
                     CodeOrigins(reader.defs()));
    sm.setExceptionObserver(&log);
    ChunkCursor cursor(reader);

    double bytesPerEvent =
        options.maxCheckpointBytesPerEvent > 0 ? options.maxCheckpointBytesPerEvent : 0.5;
    size_t checkpointBytes = 0;
    size_t lastCheckpointBlock = 0, lastCheckpointSize = 0;
    if (nBlocks) {
        auto cp = std::make_unique<Checkpoint>();
        cp->state = encodeState(sm.state());
        lastCheckpointSize = checkpointBytes = cp->state.size();
        blocks[0].checkpoint = std::move(cp);
    }

    // The depth profile: every numbered event lands in the bucket counted down here.
    depthProfile.firstEvent = base;
    depthProfile.bucketSize = depthBucketSize(events);
    const size_t nBuckets = static_cast<size_t>((events - base + depthProfile.bucketSize - 1) /
                                                depthProfile.bucketSize);
    depthProfile.minDepth.assign(nBuckets, ~0u);
    depthProfile.maxDepth.assign(nBuckets, 0);
    size_t bucket = 0;
    uint64_t bucketLeft = depthProfile.bucketSize;

    // Per-block summaries under construction. Stamps avoid searching the code list per frame
    // change.
    std::vector<uint32_t> codeStamp(reader.defs().codes.size(), ~0u);
    executed.assign(reader.defs().codes.size(), {});
    std::vector<uint8_t> threadSeen;
    std::vector<ThreadSummary> curThreads;
    std::vector<uint32_t> curCodes;
    size_t curBlock = 0;
    uint64_t blockEnd = std::min<uint64_t>(events, base + interval);  // one past the block's last
    uint32_t lastThread = ~0u;
    size_t tsIndex = 0;
    uint64_t lastTopId = ~uint64_t{0};

    auto closeBlock = [&] {
        BlockData& bd = blocks[curBlock];
        bd.eventCount = static_cast<uint32_t>(blockEnd - blockFirst(curBlock));
        bd.threadsBegin = static_cast<uint32_t>(threadPool.size());
        bd.threadsCount = static_cast<uint32_t>(curThreads.size());
        threadPool.insert(threadPool.end(), curThreads.begin(), curThreads.end());
        std::sort(curCodes.begin(), curCodes.end());
        bd.codesBegin = static_cast<uint32_t>(codePool.size());
        bd.codesCount = static_cast<uint32_t>(curCodes.size());
        codePool.insert(codePool.end(), curCodes.begin(), curCodes.end());
        curThreads.clear();
        curCodes.clear();
        lastThread = ~0u;
        lastTopId = ~uint64_t{0};
    };
    auto thin = [&] {
        // Keep every other checkpoint (block 0's always): seeks then replay up to twice as far.
        bool keep = true;
        checkpointBytes = 0;
        for (size_t b = 0; b < blocks.size(); ++b) {
            if (!blocks[b].checkpoint) continue;
            if (keep || b == 0)
                checkpointBytes += blocks[b].checkpoint->state.size();
            else
                blocks[b].checkpoint.reset();
            keep = !keep;
        }
        bytesPerEvent /= 2;
        ++stats.thinnings;
    };

    Record r;
    while (cursor.next(r)) {
        const uint32_t th = cursor.thread();
        sm.apply(r, th, cursor.fileOffset());
        if (!format::isNumbered(r.kind)) {
            if (r.kind == format::RecordKind::Output && events > base) {
                auto& v = outputs[r.a - 1];
                OutputRef o;
                o.event = std::min(r.event, events - 1);
                o.chunk = static_cast<uint32_t>(cursor.chunkIndex());
                o.blobPos = static_cast<uint32_t>(r.blob - cursor.chunkData()->blobs.data());
                o.len = r.blobLen;
                o.totalAfter = (v.empty() ? 0 : v.back().totalAfter) + r.blobLen;
                v.push_back(o);
            } else if (r.kind >= format::RecordKind::LocalSet &&
                       r.kind <= format::RecordKind::NameDel) {
                // The event this change belongs to may run in another frame (a CALL right after
                // the store): count the changed frame's code in the block so watchpoint scans
                // do not skip it.
                const Frame& f = sm.state().threads[th].stack.back();
                const size_t b = blockOf(std::min(r.event, events - 1));
                if (b == curBlock && codeStamp[f.codeId] != curBlock) {
                    codeStamp[f.codeId] = static_cast<uint32_t>(curBlock);
                    curCodes.push_back(f.codeId);
                }
            } else if (r.kind == format::RecordKind::AsyncGenHook) {
                hooks.push_back({std::min(r.event, events ? events - 1 : 0), th,
                                 static_cast<uint32_t>(r.a), r.value});
            }
            continue;
        }
        const uint32_t depth = sm.depth();
        if (th != lastThread) {
            lastThread = th;
            lastTopId = ~uint64_t{0};
            tsIndex = curThreads.size();
            for (size_t i = 0; i < curThreads.size(); ++i)
                if (curThreads[i].thread == th) tsIndex = i;
            if (tsIndex == curThreads.size()) curThreads.push_back({th, depth, depth, 0});
            if (th >= threadSeen.size()) threadSeen.resize(th + 1, 0);
            threadSeen[th] = 1;
        }
        ThreadSummary& ts = curThreads[tsIndex];
        ts.minDepth = std::min(ts.minDepth, depth);
        ts.maxDepth = std::max(ts.maxDepth, depth);
        ++ts.events;
        if (bucket < nBuckets) {
            depthProfile.minDepth[bucket] = std::min(depthProfile.minDepth[bucket], depth);
            depthProfile.maxDepth[bucket] = std::max(depthProfile.maxDepth[bucket], depth);
            if (--bucketLeft == 0) {
                ++bucket;
                bucketLeft = depthProfile.bucketSize;
            }
        }
        const Frame& top = sm.state().threads[th].stack.back();
        if (r.kind == format::RecordKind::Opcode && sm.lineStop() && top.line < kMaxCoverageLine) {
            auto& lines = executed[top.codeId];
            if (lines.size() <= static_cast<size_t>(top.line))
                lines.resize(static_cast<size_t>(top.line) + 1);
            lines[static_cast<size_t>(top.line)] = true;
        }
        if (top.id != lastTopId) {
            lastTopId = top.id;
            if (codeStamp[top.codeId] != curBlock) {
                codeStamp[top.codeId] = static_cast<uint32_t>(curBlock);
                curCodes.push_back(top.codeId);
            }
        }
        if (r.event + 1 == blockEnd) {
            closeBlock();
            if (blockEnd < events) {
                ++curBlock;
                blockEnd = std::min<uint64_t>(events, blockEnd + interval);
                const uint64_t since = blockFirst(curBlock) - blockFirst(lastCheckpointBlock);
                if (static_cast<double>(since) * bytesPerEvent >=
                    static_cast<double>(lastCheckpointSize)) {
                    auto cp = std::make_unique<Checkpoint>();
                    cp->state = encodeState(sm.state());
                    cp->pos = cursor.position();
                    lastCheckpointSize = cp->state.size();
                    checkpointBytes += lastCheckpointSize;
                    lastCheckpointBlock = curBlock;
                    blocks[curBlock].checkpoint = std::move(cp);
                    while (checkpointBytes > options.checkpointBudgetBytes && stats.thinnings < 40)
                        thin();
                }
            }
            if (progress && (curBlock & 63) == 0 && !progress(r.event + 1 - base, events - base))
                throw IndexingCancelled();
        }
    }
    REEL_REQUIRE(events == base || sm.state().event == events - 1, TraceFormatError::kNoOffset,
                 "the trace's events end before its declared event count");

    for (uint32_t i = 0; i < threadSeen.size(); ++i)
        if (threadSeen[i]) threadIds.push_back(i);
    for (auto& d : depthProfile.minDepth)
        if (d == ~0u) d = 0;
    computeStats();
    stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (progress) progress(events - base, events - base);
}

void Replayer::Impl::computeStats() {
    stats.events = events;
    stats.interval = interval;
    stats.blocks = blocks.size();
    stats.checkpoints = 0;
    stats.checkpointBytes = 0;
    stats.checkpointsOnDisk = 0;
    for (const auto& b : blocks)
        if (b.checkpoint) {
            ++stats.checkpoints;
            stats.checkpointBytes += b.checkpoint->state.size() + sizeof(Checkpoint);
            if (b.checkpoint->onDisk()) ++stats.checkpointsOnDisk;
        }
    stats.tableBytes =
        blocks.size() * sizeof(BlockData) + threadPool.size() * sizeof(ThreadSummary) +
        codePool.size() * sizeof(uint32_t) + exceptions.size() * sizeof(ExceptionInfo) +
        hooks.size() * sizeof(AsyncGenHookCall) +
        (outputs[0].size() + outputs[1].size()) * sizeof(OutputRef) +
        (depthProfile.minDepth.size() + depthProfile.maxDepth.size()) * sizeof(uint32_t);
    stats.bytesPerEvent =
        events ? static_cast<double>(stats.checkpointBytes + stats.tableBytes) / events : 0;
}

// ---------------------------------------------------------------------------------------------

Scanner::Scanner(Replayer::Impl& i) : impl(i), sm(i.reader.defs(), i.lines), cursor(i.reader) {}

void Scanner::restoreBlock(size_t b) {
    REEL_ASSERT(b < impl.blocks.size(), "block out of range");
    size_t cb = b;
    while (!impl.blocks[cb].checkpoint) --cb;  // block 0 always has one
    const Checkpoint& cp = *impl.blocks[cb].checkpoint;
    sm.setState(impl.checkpointState(cb));
    cursor.seek(cp.pos);
    const uint64_t first = impl.blockFirst(b);
    while (sm.state().event + 1 < first) advance();  // kNoEvent + 1 == 0
}

bool Scanner::advance() {
    const uint64_t e = sm.state().event;
    if (impl.events == impl.base || (e != kNoEvent && e + 1 >= impl.events)) return false;
    Record r;
    while (cursor.next(r)) {
        sm.apply(r, cursor.thread(), cursor.fileOffset());
        if (format::isNumbered(r.kind)) return true;
    }
    throw TraceFormatError("the trace's events end before its declared event count",
                           cursor.fileOffset());
}

void Scanner::seek(uint64_t n) {
    impl.requireEvent(n);
    const uint64_t cur = sm.state().event;
    if (cur != kNoEvent && cur == n) return;
    if (cur == kNoEvent || n < cur ||
        (impl.blockOf(n) != impl.blockOf(cur) && n - cur > impl.interval))
        restoreBlock(impl.blockOf(n));
    while (sm.state().event != n) advance();
}

// ---------------------------------------------------------------------------------------------

Replayer::Replayer(const std::filesystem::path& trace) : Replayer(trace, Options{}) {}

Replayer::Replayer(const std::filesystem::path& trace, Options options, Progress progress)
    : impl_(std::make_unique<Impl>(trace, options)) {
    if (options.sidecarFromEvents && impl_->reader.eventCount() >= options.sidecarFromEvents)
        options.sidecar = true;
    // A slice is small and its index would need the base too: always indexed in memory.
    if (impl_->base != 0) options.sidecar = false;
    impl_->options.sidecar = options.sidecar;
    if (options.sidecar) {
        const auto t0 = std::chrono::steady_clock::now();
        if (SidecarIndex::load(*impl_)) {
            if (options.checkpointsOnDisk) SidecarIndex::spill(*impl_);
            impl_->computeStats();
            impl_->stats.fromSidecar = true;
            impl_->stats.seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            if (progress) progress(impl_->events, impl_->events);
            return;
        }
    }
    impl_->buildIndex(progress);
    if (options.sidecar) {
        impl_->stats.sidecarWritten = SidecarIndex::save(*impl_);
        if (impl_->stats.sidecarWritten && options.checkpointsOnDisk && SidecarIndex::spill(*impl_))
            impl_->computeStats();
    }
}

Replayer::~Replayer() = default;

format::TraceReader& Replayer::reader() {
    return impl_->reader;
}
const format::Definitions& Replayer::defs() const {
    return impl_->reader.defs();
}
uint64_t Replayer::eventCount() const {
    return impl_->events;
}
uint64_t Replayer::firstEvent() const {
    return impl_->base;
}
uint64_t Replayer::lastEvent() const {
    if (impl_->events == impl_->base) throw std::out_of_range("the trace has no events");
    return impl_->events - 1;
}

ProgramState Replayer::stateAt(uint64_t n) {
    impl_->requireEvent(n);
    if (!impl_->seeker) impl_->seeker = std::make_unique<Scanner>(*impl_);
    impl_->seeker->seek(n);
    ProgramState s = impl_->seeker->state();
    if (n + 1 == impl_->events) {
        // Output recorded after the last event (a final flush) counts at the last event.
        for (int k = 0; k < 2; ++k)
            if (!impl_->outputs[k].empty()) s.outputBytes[k] = impl_->outputs[k].back().totalAfter;
    }
    return s;
}

int32_t Replayer::lineAt(uint32_t codeId, int32_t lasti) {
    if (codeId >= defs().codes.size()) return -1;
    return impl_->lines->get(codeId).lineAt(lasti);
}

uint64_t Replayer::outputSize(uint32_t stream, uint64_t n) const {
    impl_->requireEvent(n);
    if (stream < 1 || stream > 2)
        throw std::out_of_range("output stream must be 1 (stdout) or 2 (stderr)");
    const auto& v = impl_->outputs[stream - 1];
    auto end = std::upper_bound(v.begin(), v.end(), n,
                                [](uint64_t e, const OutputRef& o) { return e < o.event; });
    return end == v.begin() ? 0 : (end - 1)->totalAfter;
}

std::string Replayer::outputText(uint32_t stream, uint64_t n, size_t maxBytes) {
    const uint64_t total = outputSize(stream, n);
    const auto& v = impl_->outputs[stream - 1];
    auto end = std::upper_bound(v.begin(), v.end(), n,
                                [](uint64_t e, const OutputRef& o) { return e < o.event; });
    const uint64_t from = total > maxBytes ? total - maxBytes : 0;
    auto it = std::upper_bound(v.begin(), end, from,
                               [](uint64_t b, const OutputRef& o) { return b < o.totalAfter; });
    std::string out;
    out.reserve(static_cast<size_t>(total - from));
    HeldChunk hold;
    for (; it != end; ++it) {
        const uint64_t recStart = it->totalAfter - it->len;
        const uint64_t skip = from > recStart ? from - recStart : 0;
        // A slice's output from before its first event may be only the tail of it (only the
        // first record read can start after `from`).
        if (it->chunk == kCarriedOutput && from < recStart && out.empty())
            out += elidedNote(static_cast<int>(stream - 1), recStart - from);
        out += impl_->outputBytes(stream - 1, *it, hold).substr(static_cast<size_t>(skip));
    }
    return out;
}

std::vector<OutputChunk> Replayer::outputChunks(uint64_t n, size_t maxBytes) {
    impl_->requireEvent(n);
    // Walk both streams' records backwards from the last one at or before n, always taking the
    // later write: (chunk, position in the chunk's blobs) is the order the records were written.
    auto endOf = [&](const std::vector<OutputRef>& v) {
        return std::upper_bound(v.begin(), v.end(), n,
                                [](uint64_t e, const OutputRef& o) { return e < o.event; }) -
               v.begin();
    };
    const std::vector<OutputRef>* vs[2] = {&impl_->outputs[0], &impl_->outputs[1]};
    ptrdiff_t idx[2] = {endOf(*vs[0]), endOf(*vs[1])};
    std::vector<OutputChunk> out;
    size_t bytes = 0;
    bool cut = false;  // maxBytes ended the walk inside a write
    HeldChunk hold;
    while (bytes < maxBytes && (idx[0] > 0 || idx[1] > 0)) {
        int k;
        if (idx[0] == 0)
            k = 1;
        else if (idx[1] == 0)
            k = 0;
        else {
            const OutputRef& a = (*vs[0])[static_cast<size_t>(idx[0] - 1)];
            const OutputRef& b = (*vs[1])[static_cast<size_t>(idx[1] - 1)];
            k = outputOrder(a) > outputOrder(b) ? 0 : 1;
        }
        const OutputRef& o = (*vs[k])[static_cast<size_t>(--idx[k])];
        const std::string_view text = impl_->outputBytes(static_cast<uint32_t>(k), o, hold);
        const size_t take = std::min<size_t>(text.size(), maxBytes - bytes);
        cut = cut || take < text.size();
        if (take == 0) continue;  // a stream a slice carried nothing of: see the note below
        OutputChunk c;
        c.event = o.event;
        c.stream = static_cast<uint32_t>(k + 1);
        c.text = text.substr(text.size() - take);
        bytes += take;
        out.push_back(std::move(c));
    }
    if (idx[0] == 0 && idx[1] == 0 && !cut) {
        // Shown from the very beginning: say what a slice left out before its carried output.
        for (int k = 1; k >= 0; --k) {
            const auto& v = *vs[k];
            if (v.empty() || v.front().chunk != kCarriedOutput || v.front().event > n) continue;
            const uint64_t elided = v.front().totalAfter - v.front().len;
            if (elided == 0) continue;
            OutputChunk note;
            note.event = v.front().event;
            note.stream = static_cast<uint32_t>(k + 1);
            note.text = elidedNote(k, elided);
            note.elidedBytes = elided;
            out.push_back(std::move(note));
        }
    }
    std::reverse(out.begin(), out.end());
    return out;
}

std::vector<int32_t> Replayer::executedLines(uint32_t codeId) const {
    std::vector<int32_t> out;
    if (codeId >= impl_->executed.size()) return out;
    const auto& lines = impl_->executed[codeId];
    for (size_t l = 0; l < lines.size(); ++l)
        if (lines[l]) out.push_back(static_cast<int32_t>(l));
    return out;
}

const DepthProfile& Replayer::depthProfile() const {
    return impl_->depthProfile;
}

const std::vector<ExceptionInfo>& Replayer::exceptions() const {
    return impl_->exceptions;
}
const std::vector<AsyncGenHookCall>& Replayer::asyncGenHookCalls() const {
    return impl_->hooks;
}
size_t Replayer::blockCount() const {
    return impl_->blocks.size();
}

BlockSummary Replayer::block(size_t i) const {
    if (i >= impl_->blocks.size()) throw std::out_of_range("block index out of range");
    const BlockData& b = impl_->blocks[i];
    BlockSummary s;
    s.firstEvent = impl_->blockFirst(i);
    s.eventCount = b.eventCount;
    s.raises = b.raises;
    s.hasCheckpoint = b.checkpoint != nullptr;
    s.threads = impl_->blockThreads(i);
    s.codes = impl_->blockCodes(i);
    return s;
}

size_t Replayer::blockOf(uint64_t event) const {
    impl_->requireEvent(event);
    return impl_->blockOf(event);
}

const std::vector<uint32_t>& Replayer::threadIds() const {
    return impl_->threadIds;
}

std::vector<ThreadSpan> Replayer::threadSpans(uint64_t first, uint64_t last, size_t maxSpans) {
    impl_->requireEvent(first);
    impl_->requireEvent(last);
    std::vector<ThreadSpan> spans;
    if (first > last) return spans;
    auto add = [&](uint32_t th, uint64_t a, uint64_t z) {
        if (!spans.empty() && spans.back().thread == th && spans.back().last + 1 == a)
            spans.back().last = z;
        else
            spans.push_back({th, a, z});
    };
    Scanner s(*impl_);
    uint64_t e = first;
    while (e <= last && spans.size() <= maxSpans) {
        const size_t b = impl_->blockOf(e);
        const uint64_t blockLast = impl_->blockFirst(b) + impl_->blocks[b].eventCount - 1;
        const uint64_t stop = std::min(blockLast, last);
        auto threads = impl_->blockThreads(b);
        if (threads.size() == 1) {  // one thread ran the whole block: no need to decode it
            add(threads[0].thread, e, stop);
        } else {
            s.seek(e);
            add(s.state().thread, e, e);
            while (s.event() < stop && spans.size() <= maxSpans) {
                s.advance();
                add(s.state().thread, s.event(), s.event());
            }
        }
        e = stop + 1;
    }
    if (spans.size() > maxSpans) spans.resize(maxSpans);
    return spans;
}

const IndexStats& Replayer::stats() const {
    return impl_->stats;
}
const Replayer::Options& Replayer::options() const {
    return impl_->options;
}

}  // namespace reel::replayer
