#include "reel/replayer/JsonExport.h"

#include <cerrno>
#include <nlohmann/json.hpp>
#include <system_error>
#include <unordered_map>

#include "reel/replayer/EventCursor.h"
#include "reel/replayer/Replayer.h"
#include "reel/replayer/ValueSource.h"

namespace reel::replayer {

namespace {

// ordered_json keeps keys in the documented order.
using json = nlohmann::ordered_json;

json lineOf(const Frame& f) {
    return f.line < 0 ? json(nullptr) : json(f.line);
}

const char* exitKind(format::ExitKind k) {
    switch (k) {
        case format::ExitKind::Exited:
            return "exited";
        case format::ExitKind::UncaughtException:
            return "uncaught exception";
        case format::ExitKind::Signal:
            return "signal";
        case format::ExitKind::StoppedByApi:
            return "stopped by API";
        default:
            return "unknown";
    }
}

}  // namespace

uint64_t exportJson(format::TraceReader& reader, const ExportOptions& options, std::FILE* out) {
    TraceValueSource values(reader);
    StateExporter filter(reader.defs(), reader.header(), values, options);
    ValueRenderer& renderer = filter.renderer();
    const auto& defs = reader.defs();
    const auto& header = reader.header();

    json doc;
    doc["reel_export"] = 1;
    doc["python"] = header.pythonVersion;
    doc["argv"] = header.argv;
    doc["cwd"] = header.cwd;
    doc["events"] = reader.eventCount() - reader.firstEvent();
    doc["first_event"] = reader.firstEvent();
    json calls = json::array();
    json exceptions = json::array();
    // Open activations by frame id: index into `calls` (a frame has one open activation at most).
    std::unordered_map<uint64_t, size_t> open;

    EventCursor cursor(reader);
    while (cursor.next()) {
        const ProgramState& st = cursor.state();
        const Frame* f = st.eventFrame();
        if (!f || !filter.wanted(f->codeId)) continue;
        const format::CodeObject& code = defs.codes[f->codeId];
        const ThreadState* t = st.threadState(st.thread);
        auto activation = [&](bool resume, bool reentered) {
            json c;
            c["event"] = st.event;
            c["thread"] = st.thread;
            c["frame"] = f->id;
            c["depth"] = t ? t->depth() : 0;
            c["fn"] = code.qualname;
            c["file"] = code.filename;
            c["line"] = lineOf(*f);
            c["resume"] = resume;
            c["reentered"] = reentered;
            c["end"] = nullptr;
            open[f->id] = calls.size();
            calls.push_back(std::move(c));
        };
        // A frame back from suspension without an event of its own (REENTER, 3.11): its
        // activation opens at its first event, which is listed as usual below.
        if (st.kind != RecordKind::Resume && st.eventResumes()) activation(true, true);
        switch (st.kind) {
            case RecordKind::Call:
            case RecordKind::Resume:
                activation(st.kind == RecordKind::Resume, false);
                break;
            case RecordKind::Return:
            case RecordKind::Yield:
            case RecordKind::Unwind: {
                auto it = open.find(f->id);
                if (it == open.end()) break;  // began before the recording started
                json end;
                end["event"] = st.event;
                end["kind"] = st.kind == RecordKind::Return  ? "return"
                              : st.kind == RecordKind::Yield ? "yield"
                                                             : "unwind";
                end["line"] = lineOf(*f);
                end["value"] =
                    st.kind == RecordKind::Unwind ? std::string("None") : renderer.render(st.value);
                calls[it->second]["end"] = std::move(end);
                open.erase(it);
                break;
            }
            case RecordKind::Exception: {
                json x;
                x["event"] = st.event;
                x["thread"] = st.thread;
                x["frame"] = f->id;
                x["fn"] = code.qualname;
                x["file"] = code.filename;
                x["line"] = lineOf(*f);
                x["exc"] = renderer.render(st.value);
                exceptions.push_back(std::move(x));
                break;
            }
            default:
                break;
        }
    }
    const uint64_t nCalls = calls.size();
    doc["calls"] = std::move(calls);
    doc["exceptions"] = std::move(exceptions);

    json output = {{"stdout", ""}, {"stderr", ""}};
    json raises = json::array();
    if (reader.eventCount() > reader.firstEvent()) {
        // The output index and the exception list are the Replayer's; it reads OUTPUT records on
        // demand.
        Replayer replayer(reader.path());
        const uint64_t last = replayer.lastEvent();
        output["stdout"] = replayer.outputText(1, last);
        output["stderr"] = replayer.outputText(2, last);
        auto where = [&](uint64_t event, uint64_t frame, uint32_t codeId, int32_t line) {
            const auto& code = defs.codes.at(codeId);
            return json{{"event", event},
                        {"frame", frame},
                        {"fn", code.qualname},
                        {"file", code.filename},
                        {"line", line < 0 ? json(nullptr) : json(line)}};
        };
        for (const ExceptionInfo& x : replayer.exceptions()) {
            if (!filter.wanted(x.raiseCodeId) && !filter.wanted(x.endCodeId)) continue;
            json j;
            j["index"] = x.index;
            j["thread"] = x.thread;
            j["exc"] = renderer.render(x.value);
            j["raised"] = where(x.raisedAt, x.raiseFrameId, x.raiseCodeId, x.raiseLine);
            j["frames_reached"] = x.framesReached;
            j["own_code"] = x.ownCode;  // CodeOrigin.h: reached the program's own code
            using O = ExceptionInfo::Outcome;
            j["outcome"] = x.outcome == O::Handled    ? "handled"
                           : x.outcome == O::Uncaught ? "uncaught"
                           : x.outcome == O::Replaced ? "replaced"
                                                      : "in flight at end";
            if (x.outcome == O::InFlightAtEnd) {
                j["ended"] = nullptr;
            } else {
                j["ended"] = where(x.endEvent, x.endFrameId, x.endCodeId, x.endLine);
                j["ended"]["handler_offset"] =
                    x.handlerOffset < 0 ? json(nullptr) : json(x.handlerOffset);
            }
            raises.push_back(std::move(j));
        }
    }
    doc["raises"] = std::move(raises);
    doc["output"] = std::move(output);
    if (const auto& exit = reader.exitInfo())
        doc["exit"] = {
            {"kind", exitKind(exit->kind)}, {"status", exit->status}, {"message", exit->message}};
    else
        doc["exit"] = nullptr;

    const std::string text = doc.dump(1, ' ', false, json::error_handler_t::replace) + "\n";
    if (std::fwrite(text.data(), 1, text.size(), out) != text.size() || std::fflush(out) != 0)
        throw std::system_error(errno, std::generic_category(), "writing the export");
    return nCalls;
}

}  // namespace reel::replayer
