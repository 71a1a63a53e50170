#include "reel/replayer/ChromeExport.h"

#include <algorithm>
#include <cerrno>
#include <functional>
#include <nlohmann/json.hpp>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "CheckpointState.h"
#include "ChunkCursor.h"
#include "reel/replayer/EventCursor.h"
#include "reel/replayer/StateMachine.h"
#include "reel/replayer/ValueSource.h"

namespace reel::replayer {

namespace {

using json = nlohmann::ordered_json;

// Microseconds for an event. Known times ("anchors") are the TIME records (periodic: the
// recorder writes one per batch hand-over) and each events chunk's start and end time; events
// between two anchors get times interpolated by event number, past the last one extrapolated at the
// trace's average rate. A trace with no usable anchors (a short run recorded in one batch) falls
// back to one microsecond per event, so the timeline still shows order and nesting.
class Clock {
  public:
    void anchor(uint64_t event, int64_t ns) {
        if (ns >= 0) anchors_.push_back({event, ns});
    }
    // Sorts the anchors and keeps a strictly increasing subsequence (times never go backward).
    void finish(uint64_t first) {
        std::sort(anchors_.begin(), anchors_.end(),
                  [](const Anchor& a, const Anchor& b) { return a.event < b.event; });
        std::vector<Anchor> keep;
        for (const auto& a : anchors_)
            if (keep.empty() || (a.event > keep.back().event && a.ns > keep.back().ns))
                keep.push_back(a);
        anchors_ = std::move(keep);
        if (anchors_.size() < 2) {
            synthetic_ = true;
            first_ = first;
            return;
        }
        const auto& a = anchors_.front();
        const auto& z = anchors_.back();
        nsPerEvent_ = static_cast<double>(z.ns - a.ns) / static_cast<double>(z.event - a.event);
    }
    bool synthetic() const { return synthetic_; }
    double us(uint64_t event) {
        if (synthetic_) return static_cast<double>(event - first_);
        while (i_ + 1 < anchors_.size() && anchors_[i_ + 1].event <= event) ++i_;
        while (i_ > 0 && anchors_[i_].event > event) --i_;
        const auto& a = anchors_[i_];
        double ns;
        if (event < a.event) {  // before the first anchor: extrapolate backward, not below 0
            ns = std::max(0.0, static_cast<double>(a.ns) -
                                   nsPerEvent_ * static_cast<double>(a.event - event));
        } else if (i_ + 1 < anchors_.size()) {
            const auto& b = anchors_[i_ + 1];
            ns = static_cast<double>(a.ns) + static_cast<double>(b.ns - a.ns) *
                                                 static_cast<double>(event - a.event) /
                                                 static_cast<double>(b.event - a.event);
        } else {
            ns = static_cast<double>(a.ns) + nsPerEvent_ * static_cast<double>(event - a.event);
        }
        return ns / 1000.0;
    }

  private:
    struct Anchor {
        uint64_t event;
        int64_t ns;
    };
    std::vector<Anchor> anchors_;
    size_t i_ = 0;
    double nsPerEvent_ = 0;
    bool synthetic_ = false;
    uint64_t first_ = 0;
};

std::string at(const format::CodeObject& code, int32_t line) {
    return code.filename + ":" + (line < 0 ? std::string("?") : std::to_string(line));
}

}  // namespace

ChromeExportStats exportChrome(format::TraceReader& reader, const ExportOptions& options,
                               std::FILE* out) {
    TraceValueSource values(reader);
    StateExporter filter(reader.defs(), reader.header(), values, options);
    ValueRenderer& renderer = filter.renderer();
    const auto& defs = reader.defs();
    const auto& header = reader.header();
    const bool filtered = !options.only.empty();
    const uint32_t pid = header.pid;

    // Pass 1: the times.
    Clock clock;
    uint64_t lastEvent = reader.firstEvent();
    {
        EventCursor cur(reader);
        int64_t prev = reader.checkpoint() ? reader.checkpoint()->timeNs : 0;
        while (cur.next()) {
            if (cur.state().timeNs != prev) clock.anchor(cur.event(), prev = cur.state().timeNs);
            lastEvent = cur.event();
        }
        for (size_t i = 0; i < reader.eventChunkCount(); ++i) {
            const auto& info = reader.eventChunkInfo(i);
            if (info.count == 0) continue;
            auto c = reader.eventChunk(i);
            clock.anchor(c->firstEvent, c->startTimeNs);
            clock.anchor(c->firstEvent + c->eventCount - 1, c->endTimeNs);
        }
        clock.finish(reader.firstEvent());
    }

    ChromeExportStats stats;
    // Streamed: one trace event per line, so memory stays flat however long the trace is.
    std::string buf;
    auto write = [&](bool force) {
        if (!force && buf.size() < (size_t{1} << 20)) return;
        if (std::fwrite(buf.data(), 1, buf.size(), out) != buf.size())
            throw std::system_error(errno, std::generic_category(), "writing the export");
        buf.clear();
    };
    {
        json head;
        head["displayTimeUnit"] = "ms";
        head["otherData"] = {{"reel_export", "chrome"},
                             {"python", header.pythonVersion},
                             {"argv", header.argv},
                             {"events", reader.eventCount() - reader.firstEvent()},
                             {"first_event", reader.firstEvent()},
                             {"timing", clock.synthetic() ? "event order: 1 us per event"
                                                          : "recorded, interpolated by event"}};
        std::string h = head.dump(-1, ' ', false, json::error_handler_t::replace);
        h.pop_back();  // the closing brace: traceEvents follows
        buf = h + ",\"traceEvents\":[\n";
    }
    bool firstEvent = true;
    struct Sink {
        std::string& buf;
        bool& first;
        std::function<void(bool)> flush;
        void push_back(const json& e) {
            if (!first) buf += ",\n";
            first = false;
            buf += e.dump(-1, ' ', false, json::error_handler_t::replace);
            flush(false);
        }
    } events{buf, firstEvent, write};
    {
        std::string proc;
        for (const auto& a : header.argv) proc += (proc.empty() ? "" : " ") + a;
        events.push_back({{"ph", "M"},
                          {"name", "process_name"},
                          {"pid", pid},
                          {"tid", 0},
                          {"args", {{"name", "python " + proc}}}});
        for (const auto& t : defs.threads)
            events.push_back(
                {{"ph", "M"},
                 {"name", "thread_name"},
                 {"pid", pid},
                 {"tid", t.id},
                 {"args", {{"name", t.name.empty() ? "thread " + std::to_string(t.id) : t.name}}}});
    }

    // Pass 2: records in order, with the state.
    StateMachine sm(defs);
    if (const auto& cp = reader.checkpoint()) {
        uint64_t off = 0;
        for (const auto& c : reader.chunks())
            if (c.kind == 5) off = c.offset;
        sm.setState(stateFromCheckpoint(*cp, defs, off));
    }
    ChunkCursor cursor(reader);
    // Per thread: frame ids with an open B, outermost first.
    std::unordered_map<uint32_t, std::vector<uint64_t>> open;
    auto instant = [&](const char* cat, std::string name, uint64_t event, uint32_t tid, json args) {
        events.push_back({{"ph", "i"},
                          {"s", "t"},
                          {"name", std::move(name)},
                          {"cat", cat},
                          {"ts", clock.us(std::min(event, lastEvent))},
                          {"pid", pid},
                          {"tid", tid},
                          {"args", std::move(args)}});
        ++stats.instants;
    };
    // Opens frame f's slice at `event`: its CALL or its resumption.
    auto begin = [&](const Frame& f, const char* cat, uint64_t event, uint32_t tid) {
        const format::CodeObject& code = defs.codes[f.codeId];
        events.push_back({{"ph", "B"},
                          {"name", code.qualname},
                          {"cat", cat},
                          {"ts", clock.us(event)},
                          {"pid", pid},
                          {"tid", tid},
                          {"args", {{"at", at(code, f.line)}, {"event", event}, {"frame", f.id}}}});
        open[tid].push_back(f.id);
        ++stats.calls;
    };
    format::Record r;
    while (cursor.next(r)) {
        const uint32_t th = cursor.thread();
        sm.apply(r, th, cursor.fileOffset());
        const ProgramState& st = sm.state();
        if (r.kind == format::RecordKind::Output) {
            const std::string text(reinterpret_cast<const char*>(r.blob), r.blobLen);
            instant("output", r.a == 1 ? "stdout" : "stderr", r.event, th, {{"text", text}});
            continue;
        }
        if (r.kind == format::RecordKind::Handled) {
            const ThreadState* t = st.threadState(th);
            const Frame* f = t ? t->top() : nullptr;
            if (f && (!filtered || filter.wanted(f->codeId)))
                instant("exception", "handled", r.event, th,
                        {{"at", at(defs.codes[f->codeId], f->line)},
                         {"handler_offset", r.offset},
                         {"event", r.event}});
            continue;
        }
        if (!format::isNumbered(r.kind)) continue;
        const Frame* f = st.eventFrame();
        if (!f) continue;
        const format::CodeObject& code = defs.codes[f->codeId];
        // A frame back from suspension without an event of its own (REENTER, 3.11): its slice
        // opens at its first event, which is handled as usual below.
        if (st.kind != RecordKind::Resume && st.eventResumes() &&
            (!filtered || filter.wanted(f->codeId)))
            begin(*f, "resume", st.event, st.thread);
        switch (st.kind) {
            case RecordKind::Call:
            case RecordKind::Resume: {
                if (filtered && !filter.wanted(f->codeId)) break;
                begin(*f, st.kind == RecordKind::Call ? "call" : "resume", st.event, st.thread);
                break;
            }
            case RecordKind::Return:
            case RecordKind::Yield:
            case RecordKind::Unwind: {
                auto& stack = open[st.thread];
                if (stack.empty() || stack.back() != f->id) break;  // opened before the trace
                stack.pop_back();
                const char* how = st.kind == RecordKind::Return  ? "return"
                                  : st.kind == RecordKind::Yield ? "yield"
                                                                 : "unwind";
                json args = {{"event", st.event}, {"how", how}};
                if (st.kind != RecordKind::Unwind) args["value"] = renderer.render(st.value);
                events.push_back({{"ph", "E"},
                                  {"ts", clock.us(st.event)},
                                  {"pid", pid},
                                  {"tid", st.thread},
                                  {"args", std::move(args)}});
                break;
            }
            case RecordKind::Exception: {
                if (filtered && !filter.wanted(f->codeId)) break;
                const ThreadState* t = st.threadState(st.thread);
                const bool raised = t && t->exception && t->exception->raisedAt == st.event;
                const std::string exc = renderer.render(st.value);
                instant("exception", (raised ? "raise " : "propagate ") + exc, st.event, st.thread,
                        {{"at", at(code, f->line)}, {"event", st.event}, {"exc", exc}});
                break;
            }
            default:
                break;
        }
    }
    // Close what is still running so every B has its E.
    const double end = clock.us(lastEvent);
    for (auto& [tid, stack] : open)
        while (!stack.empty()) {
            stack.pop_back();
            events.push_back({{"ph", "E"},
                              {"ts", end},
                              {"pid", pid},
                              {"tid", tid},
                              {"args", {{"unfinished", true}}}});
        }

    buf += "\n]}\n";
    write(true);
    if (std::fflush(out) != 0)
        throw std::system_error(errno, std::generic_category(), "writing the export");
    return stats;
}

}  // namespace reel::replayer
