// `reel info FILE`: what a trace is (header), how big it is (chunks, events, sizes), and whether it
// is whole (recovered after a crash, or damaged). `--json` prints the same as one JSON document.

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>

#include "Commands.h"
#include "reel/format/TraceFormatError.h"
#include "reel/format/TraceReader.h"

namespace reel::cli {

namespace {

using nlohmann::json;
using namespace reel::format;

const char* exitKindName(ExitKind k) {
    switch (k) {
        case ExitKind::Exited:
            return "exited";
        case ExitKind::UncaughtException:
            return "uncaught exception";
        case ExitKind::Signal:
            return "signal";
        case ExitKind::StoppedByApi:
            return "stopped by API";
        default:
            return "unknown";
    }
}

std::string utcTime(int64_t ns) {
    std::time_t secs = static_cast<std::time_t>(ns / 1000000000);
    std::tm tm{};
    if (ns < 0 || !gmtime_r(&secs, &tm)) return std::to_string(ns) + " ns";
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    char ms[16];
    std::snprintf(ms, sizeof ms, ".%03d UTC", static_cast<int>((ns / 1000000) % 1000));
    return std::string(buf) + ms;
}

std::string joined(const std::vector<std::string>& v, const char* sep = " ") {
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
    return out;
}

// argv as the user would retype it: quote what the shell would split.
std::string shellWords(const std::vector<std::string>& v) {
    std::vector<std::string> q;
    for (const auto& a : v) {
        if (!a.empty() && a.find_first_of(" \t\n'\"\\$`*?") == std::string::npos) {
            q.push_back(a);
            continue;
        }
        std::string s = "'";
        for (char c : a) s += c == '\'' ? std::string("'\\''") : std::string(1, c);
        q.push_back(s + "'");
    }
    return joined(q);
}

std::string fixed(double v, int digits) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v);
    return buf;
}

// check: 0 none, 1 chunk checksums and structure, 2 also every record (as `reel verify`).
json describe(TraceReader& r, int check) {
    const auto& h = r.header();
    const auto& d = r.defs();
    json j;
    j["file"] = r.path().string();
    j["fileSize"] = r.fileSize();
    j["containerVersion"] =
        std::to_string(h.containerMajor) + "." + std::to_string(h.containerMinor);
    j["formatVersion"] = std::to_string(h.formatMajor) + "." + std::to_string(h.formatMinor);
    j["requiredReaderMinor"] = h.requiredReaderMinor;
    j["recorderVersion"] = h.recorderVersion;
    j["python"] = {{"implementation", h.pythonImplementation},
                   {"version", h.pythonVersion},
                   {"hexVersion", h.pythonHexVersion},
                   {"executable", h.executable}};
    j["platform"] = h.platform;
    j["argv"] = h.argv;
    j["cwd"] = h.cwd;
    j["pid"] = h.pid;
    j["startTimeNs"] = h.startTimeNs;
    j["startTime"] = utcTime(h.startTimeNs);
    j["hook"] = h.hook;
    j["capture"] = {{"maxDepth", h.capture.maxDepth}, {"maxItems", h.capture.maxItems},
                    {"maxStr", h.capture.maxStr},     {"only", h.capture.only},
                    {"exclude", h.capture.exclude},   {"originDepth", h.capture.originDepth},
                    {"redact", h.capture.redact},     {"noValues", h.capture.noValues},
                    {"flightLast", h.capture.flightLast}};

    uint64_t perKind[5] = {0, 0, 0, 0, 0};
    uint64_t stored = 0, uncompressed = 0;
    for (const auto& c : r.chunks()) {
        if (c.kind < 5) ++perKind[c.kind];
        stored += c.compressedSize;
        uncompressed += c.uncompressedSize;
    }
    j["chunks"] = {{"total", r.chunks().size()},
                   {"defs", perKind[1]},
                   {"values", perKind[2]},
                   {"events", perKind[3]}};
    j["events"] = r.eventCount() - r.firstEvent();
    if (const auto& cp = r.checkpoint())  // a slice (format 1.1): original event numbers
        j["slice"] = {{"firstEvent", r.firstEvent()},
                      {"lastEvent", r.eventCount() - 1},
                      {"originalEvents", cp->originalEventCount},
                      {"original", cp->originalPath}};
    // `reel record --last N`: a flight-recorder window of the run's last events.
    if (h.capture.flightLast > 0)
        j["flight"] = {{"lastEvents", h.capture.flightLast},
                       {"firstEvent", r.firstEvent()},
                       {"lastEvent", r.eventCount() > 0 ? r.eventCount() - 1 : 0},
                       // A window ending where the run ended: the checkpoint's count (when
                       // the generation started) can be below the file's last event.
                       {"recordedEvents",
                        std::max(r.eventCount(),
                                 r.checkpoint() ? r.checkpoint()->originalEventCount : 0)}};
    j["values"] = r.valueCount();
    j["codeObjects"] = d.codes.size();
    json sources = json::array();
    for (const auto& s : d.sources)
        sources.push_back({{"path", s.path}, {"hasText", s.hasText}, {"bytes", s.text.size()}});
    j["sourceFiles"] = sources;
    json threads = json::array();
    for (const auto& t : d.threads)
        threads.push_back({{"id", t.id}, {"name", t.name}, {"isMain", t.isMain}});
    j["threads"] = threads;
    j["payloadBytes"] = stored;  // chunk payloads as stored (footer excluded)
    j["uncompressedBytes"] = uncompressed;
    j["compressionRatio"] = stored ? double(uncompressed) / double(stored) : 0.0;
    const uint64_t nEvents = r.eventCount() - r.firstEvent();
    j["bytesPerEvent"] = nEvents ? double(r.fileSize()) / double(nEvents) : 0.0;

    const auto& rec = r.recovery();
    j["recovered"] = rec.recovered;
    if (rec.recovered)
        j["recovery"] = {{"reason", rec.reason},
                         {"chunksKept", rec.chunksKept},
                         {"bytesKept", rec.bytesKept},
                         {"bytesDiscarded", rec.bytesDiscarded}};
    if (r.exitInfo())
        j["exit"] = {{"kind", exitKindName(r.exitInfo()->kind)},
                     {"status", r.exitInfo()->status},
                     {"message", r.exitInfo()->message}};
    else
        j["exit"] = nullptr;

    if (check > 0) {
        auto problems = check > 1 ? r.verifyAll() : r.verifyChunks();
        // The missing footer is already reported as recovery; count only damage beyond it.
        if (rec.recovered && !problems.empty()) problems.erase(problems.begin());
        j["damaged"] = !problems.empty();
        j["problems"] = problems;
    }
    j["state"] = j.value("damaged", false) ? "damaged" : rec.recovered ? "recovered" : "complete";
    return j;
}

void printText(const json& j, std::ostream& out) {
    auto line = [&](const char* key, const std::string& value) {
        out << std::left << std::setw(15) << key << value << "\n";
    };
    const auto& cap = j["capture"];
    line("file:", j["file"].get<std::string>());
    line("state:", j["state"].get<std::string>());
    line("container:", j["containerVersion"].get<std::string>() + ", format " +
                           j["formatVersion"].get<std::string>());
    line("recorder:", "reel " + j["recorderVersion"].get<std::string>());
    const auto& py = j["python"];
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%08x", py["hexVersion"].get<uint32_t>());
    line("python:", py["implementation"].get<std::string>() + " " +
                        py["version"].get<std::string>() + " (" + hex + ") " +
                        py["executable"].get<std::string>());
    line("platform:", j["platform"].get<std::string>());
    line("argv:", shellWords(j["argv"].get<std::vector<std::string>>()));
    line("cwd:", j["cwd"].get<std::string>());
    line("pid:", std::to_string(j["pid"].get<uint32_t>()));
    line("started:", j["startTime"].get<std::string>());
    line("hook:", j["hook"].get<std::string>());
    std::string capture = "maxDepth=" + std::to_string(cap["maxDepth"].get<uint32_t>()) +
                          " maxItems=" + std::to_string(cap["maxItems"].get<uint32_t>()) +
                          " maxStr=" + std::to_string(cap["maxStr"].get<uint32_t>()) +
                          " originDepth=" + std::to_string(cap["originDepth"].get<uint32_t>());
    if (cap["noValues"].get<bool>()) capture += " no-values";
    auto only = cap["only"].get<std::vector<std::string>>();
    auto exclude = cap["exclude"].get<std::vector<std::string>>();
    // The pytest plugin excludes every standard-library entry (200-odd paths): the first few
    // say what kind of filter it is, --json lists them all.
    auto firstFew = [](std::vector<std::string> v) {
        constexpr size_t kShown = 6;
        if (v.size() <= kShown) return joined(v, ",");
        const size_t more = v.size() - kShown;
        v.resize(kShown);
        return joined(v, ",") + ",... (" + std::to_string(more) + " more: reel info --json)";
    };
    if (!only.empty()) capture += " only=" + firstFew(only);
    if (!exclude.empty()) capture += " exclude=" + firstFew(exclude);
    if (!cap["redact"].get<std::string>().empty())
        capture += " redact=" + cap["redact"].get<std::string>();
    line("capture:", capture);
    const auto& ch = j["chunks"];
    line("chunks:", std::to_string(ch["total"].get<uint64_t>()) + " (defs " +
                        std::to_string(ch["defs"].get<uint64_t>()) + ", values " +
                        std::to_string(ch["values"].get<uint64_t>()) + ", events " +
                        std::to_string(ch["events"].get<uint64_t>()) + ")");
    line("events:", std::to_string(j["events"].get<uint64_t>()));
    if (j.contains("slice")) {
        const auto& sl = j["slice"];
        line("slice:", "events " + std::to_string(sl["firstEvent"].get<uint64_t>()) + ".." +
                           std::to_string(sl["lastEvent"].get<uint64_t>()) + " of " +
                           sl["original"].get<std::string>() + " (" +
                           std::to_string(sl["originalEvents"].get<uint64_t>()) +
                           " events), starting from a checkpoint");
    }
    if (j.contains("flight")) {
        const auto& fl = j["flight"];
        line("flight:", "flight-recorder window (--last " +
                            std::to_string(fl["lastEvents"].get<uint64_t>()) + "): events " +
                            std::to_string(fl["firstEvent"].get<uint64_t>()) + ".." +
                            std::to_string(fl["lastEvent"].get<uint64_t>()) + " of " +
                            std::to_string(fl["recordedEvents"].get<uint64_t>()) + " recorded");
    }
    line("values:", std::to_string(j["values"].get<uint64_t>()));
    line("code objects:", std::to_string(j["codeObjects"].get<uint64_t>()));
    line("source files:", std::to_string(j["sourceFiles"].size()));
    for (const auto& s : j["sourceFiles"])
        line("", "  " + s["path"].get<std::string>() +
                     (s["hasText"].get<bool>() ? "" : " (source not available)"));
    std::vector<std::string> threads;
    for (const auto& t : j["threads"]) threads.push_back(t["name"].get<std::string>());
    line("threads:", std::to_string(threads.size()) +
                         (threads.empty() ? "" : " (" + joined(threads, ", ") + ")"));
    line("file size:", std::to_string(j["fileSize"].get<uint64_t>()) + " bytes");
    line("uncompressed:", std::to_string(j["uncompressedBytes"].get<uint64_t>()) +
                              " bytes (compression ratio " +
                              fixed(j["compressionRatio"].get<double>(), 2) + ")");
    line("bytes/event:", fixed(j["bytesPerEvent"].get<double>(), 3));
    if (j["recovered"].get<bool>()) {
        const auto& rec = j["recovery"];
        line("recovery:", "kept " + std::to_string(rec["chunksKept"].get<uint64_t>()) +
                              " chunks (" + std::to_string(rec["bytesKept"].get<uint64_t>()) +
                              " bytes), discarded " +
                              std::to_string(rec["bytesDiscarded"].get<uint64_t>()) + " bytes");
        line("", "  " + rec["reason"].get<std::string>());
    }
    if (j.contains("problems")) {
        const auto& p = j["problems"];
        if (!p.empty()) {
            line("damage:", std::to_string(p.size()) + " problem(s); `reel verify` lists them");
            for (const auto& s : p) line("", "  " + s.get<std::string>());
        }
    }
    if (j["exit"].is_null()) {
        line("exit:", "not recorded (the writer did not close the trace)");
    } else {
        const auto& e = j["exit"];
        std::string s =
            e["kind"].get<std::string>() + ", status " + std::to_string(e["status"].get<int32_t>());
        if (!e["message"].get<std::string>().empty()) s += ": " + e["message"].get<std::string>();
        line("exit:", s);
    }
}

}  // namespace

void addInfoCommand(CLI::App& app) {
    auto* cmd = app.add_subcommand("info", "Show a trace's header, size and integrity");
    struct Args {
        std::string file;
        bool json = false;
        bool quick = false;
        bool full = false;
    };
    auto args = std::make_shared<Args>();
    cmd->add_option("FILE", args->file, "trace file (.reel or .reel.partial)")->required();
    cmd->add_flag("--json", args->json, "print one JSON document instead of text");
    cmd->add_flag("--quick", args->quick,
                  "skip reading every chunk (no damage check beyond the index)");
    cmd->add_flag("--full", args->full,
                  "also decode every event and value record, as `reel verify` does");
    cmd->callback([args] {
        std::unique_ptr<TraceReader> reader;
        try {
            reader = std::make_unique<TraceReader>(args->file);
        } catch (const TraceFormatError& e) {
            throw CommandError{args->file + ": unreadable trace: " + e.what()};
        } catch (const std::system_error& e) {
            throw CommandError{e.what()};
        } catch (const std::exception& e) {
            throw CommandError{args->file + ": " + e.what()};
        }
        json j = describe(*reader, args->quick ? 0 : args->full ? 2 : 1);
        if (args->json)
            std::cout << j.dump(2) << "\n";
        else
            printText(j, std::cout);
    });
}

}  // namespace reel::cli
