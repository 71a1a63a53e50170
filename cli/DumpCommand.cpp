// `reel dump FILE [--defs] [--values [--resolved]]`: every record of a trace as JSON Lines, for debugging the
// recorder and for its tests. Events carry what the decoder knows (event number, kind, thread,
// offset, lasti, slot/name, raw value refs) plus the top frame id, its code's qualname and the
// line of lasti, tracked here from CALL/RESUME/RETURN/YIELD/UNWIND.
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "Commands.h"
#include "reel/format/EventStream.h"
#include "reel/format/TraceReader.h"
#include "reel/format/ValueCodec.h"

namespace reel::cli {

namespace {

using format::RecordKind;
using nlohmann::json;

const char* kindName(RecordKind k) {
    switch (k) {
        case RecordKind::Opcode:
            return "opcode";
        case RecordKind::Call:
            return "call";
        case RecordKind::Resume:
            return "resume";
        case RecordKind::Return:
            return "return";
        case RecordKind::Yield:
            return "yield";
        case RecordKind::Unwind:
            return "unwind";
        case RecordKind::Exception:
            return "exception";
        case RecordKind::LocalSet:
            return "local_set";
        case RecordKind::LocalDel:
            return "local_del";
        case RecordKind::NameSet:
            return "name_set";
        case RecordKind::NameDel:
            return "name_del";
        case RecordKind::Thread:
            return "thread";
        case RecordKind::ThreadEnd:
            return "thread_end";
        case RecordKind::Output:
            return "output";
        case RecordKind::Handled:
            return "handled";
        case RecordKind::AsyncGenHook:
            return "asyncgen_hook";
        case RecordKind::Time:
            return "time";
        case RecordKind::CoroOrigin:
            return "coro_origin";
        case RecordKind::FrameObject:
            return "frame_object";
        case RecordKind::Reenter:
            return "reenter";
    }
    return "?";
}

// Raw rendering of a ValueRef: record ids as "#N", small ints as numbers, constants by name.
json refJson(format::ValueRef r) {
    switch (r.kind()) {
        case format::ValueRef::Kind::Record:
            return "#" + std::to_string(r.recordId());
        case format::ValueRef::Kind::SmallInt:
            return r.smallInt();
        case format::ValueRef::Kind::Constant: {
            static const char* names[] = {"None",     "True",           "False",    "Unbound",
                                          "Ellipsis", "NotImplemented", "Redacted", "NotCaptured"};
            auto c = static_cast<unsigned>(r.constant());
            return c < 8 ? names[c] : "?";
        }
    }
    return nullptr;
}

json refList(const std::vector<format::ValueRef>& v) {
    json a = json::array();
    for (auto r : v) a.push_back(refJson(r));
    return a;
}

std::string stringAt(const format::Definitions& d, uint64_t id) {
    return id < d.strings.size() ? d.strings[id] : "?" + std::to_string(id);
}

json valueJson(const format::ValueRecord& v, uint64_t id, const format::Definitions& d) {
    json j = {{"value", id}, {"kind", format::valueKindName(v.kind)}};
    if (v.identity) j["identity"] = v.identity;
    switch (v.kind) {
        case format::ValueKind::Int:
            j["int"] = v.intValue;
            break;
        case format::ValueKind::BigInt:
            j["negative"] = v.negative;
            j["bits"] = v.bits;
            j["digits"] = std::string(v.text);
            break;
        case format::ValueKind::Float:
            j["float"] = v.real;
            break;
        case format::ValueKind::Complex:
            j["real"] = v.real;
            j["imag"] = v.imag;
            break;
        case format::ValueKind::Str:
        case format::ValueKind::Bytes:
        case format::ValueKind::Bytearray:
            j["length"] = v.fullLength;
            j["text"] =
                json(std::string(v.text)).dump(-1, ' ', true, json::error_handler_t::replace);
            break;
        case format::ValueKind::List:
        case format::ValueKind::Tuple:
        case format::ValueKind::Set:
        case format::ValueKind::Frozenset:
        case format::ValueKind::Dict:
            j["length"] = v.fullLength;
            j["items"] = refList(v.items);
            break;
        case format::ValueKind::Object: {
            j["type"] = v.typeId;
            j["total"] = v.fullLength;
            json attrs = json::array();
            for (size_t i = 0; i < v.items.size() && i < v.names.size(); ++i)
                attrs.push_back({stringAt(d, v.names[i]), refJson(v.items[i])});
            j["attrs"] = attrs;
            break;
        }
        case format::ValueKind::Exception:
            j["type"] = v.typeId;
            j["args"] = refList(v.items);
            j["cause"] = refJson(v.cause);
            j["context"] = refJson(v.context);
            if (!v.subExceptions.empty()) j["exceptions"] = refList(v.subExceptions);
            break;
        case format::ValueKind::Function:
        case format::ValueKind::Module:
            j["name"] = stringAt(d, v.stringId);
            break;
        case format::ValueKind::Generator:
            j["type"] = v.typeId;
            j["name"] = stringAt(d, v.stringId);
            break;
        case format::ValueKind::Class:
        case format::ValueKind::Opaque:
            j["type"] = v.typeId;
            break;
        case format::ValueKind::Subclass:
            j["type"] = v.typeId;
            j["inner"] = refJson(v.inner);
            break;
        case format::ValueKind::Truncated:
            j["type"] = v.typeId;
            j["inner_kind"] = format::valueKindName(v.innerKind);
            break;
        case format::ValueKind::Patch: {
            // Shown as stored (format 1.2): the record it stands for is the base with these
            // items replaced.
            j["base"] = v.base;
            if (!v.patchSameLength) {
                j["length"] = v.fullLength;
                j["count"] = v.patchCount;
            }
            json changes = json::array();
            for (size_t i = 0; i < v.items.size(); ++i)
                changes.push_back({v.patchIndex[i], refJson(v.items[i])});
            j["changes"] = changes;
            break;
        }
        default:
            break;
    }
    if (v.attrTotal > 0) {
        // Format 1.3 attribute section of an exception or builtin-subclass instance.
        j["attr_total"] = v.attrTotal;
        json attrs = json::array();
        for (size_t i = 0; i < v.attrs.size() && i < v.attrNames.size(); ++i)
            attrs.push_back({stringAt(d, v.attrNames[i]), refJson(v.attrs[i])});
        j["attrs"] = attrs;
    }
    if (v.typeId < d.types.size() &&
        (v.kind == format::ValueKind::Object || v.kind == format::ValueKind::Exception ||
         v.kind == format::ValueKind::Opaque || v.kind == format::ValueKind::Subclass ||
         v.kind == format::ValueKind::Class || v.kind == format::ValueKind::Generator))
        j["type_name"] = d.types[v.typeId].displayName;
    return j;
}

void dumpDefs(const format::Definitions& d) {
    for (const auto& s : d.sources)
        std::cout << json{{"source", s.id},
                          {"path", s.path},
                          {"has_text", s.hasText},
                          {"bytes", s.text.size()}}
                         .dump(-1, ' ', false, json::error_handler_t::replace)
                  << "\n";
    for (const auto& c : d.codes) {
        json ins = json::array();
        for (const auto& i : c.instructions)
            ins.push_back({{"off", i.offset},
                           {"op", i.opname},
                           {"arg", i.arg},
                           {"repr", i.argRepr},
                           {"line", i.line},
                           {"size", i.size},
                           {"jump", i.jumpTarget}});
        std::cout << json{{"code", c.id},
                          {"qualname", c.qualname},
                          {"filename", c.filename},
                          {"source", c.sourceId},
                          {"first_line", c.firstLine},
                          {"flags", c.flags},
                          {"locals", c.localNames},
                          {"kinds", c.localKinds},
                          {"dict_locals", c.usesLocalsDict},
                          {"instructions", ins}}
                         .dump(-1, ' ', false, json::error_handler_t::replace)
                  << "\n";
    }
    for (const auto& t : d.types)
        std::cout << json{{"type", t.id},
                          {"qualname", t.qualname},
                          {"module", t.module},
                          {"display", t.displayName},
                          {"base", static_cast<int>(t.builtinBase)}}
                         .dump(-1, ' ', false, json::error_handler_t::replace)
                  << "\n";
    for (const auto& t : d.threads)
        std::cout << json{{"thread_def", t.id},
                          {"ident", t.ident},
                          {"native_id", t.nativeId},
                          {"name", t.name},
                          {"main", t.isMain}}
                         .dump()
                  << "\n";
}

// Record `id` as stored; `chunk` keeps the bytes its text views alive.
format::ValueRecord rawValue(format::TraceReader& reader, uint64_t id,
                             std::shared_ptr<const format::ValueChunk>& chunk) {
    chunk = reader.valueChunkFor(id);
    size_t idx = static_cast<size_t>(id - chunk->firstId);
    format::ByteCursor cur(chunk->data.data(), chunk->data.size(), chunk->fileOffset);
    cur.seek(chunk->recordOffsets.at(idx));
    return format::decodeValue(cur, id);
}

// `resolved`: a PATCH is printed as the record it stands for. Which earlier snapshot a patch
// names as its base is the recorder's choice (it can depend on addresses, through its caches);
// what the record stands for is not, so runs that must agree compare this form.
void dumpValues(format::TraceReader& reader, bool resolved) {
    const auto& d = reader.defs();
    for (uint64_t id = 0; id < reader.valueCount(); ++id) {
        std::shared_ptr<const format::ValueChunk> chunk, baseChunk;
        format::ValueRecord v = rawValue(reader, id, chunk);
        if (resolved)
            // (A base is a container or object record: no text views into its chunk.)
            v = format::resolvePatch(
                std::move(v), [&](uint64_t base) { return rawValue(reader, base, baseChunk); },
                chunk->fileOffset);
        std::cout << valueJson(v, id, d).dump(-1, ' ', false, json::error_handler_t::replace)
                  << "\n";
    }
}

void dumpEvents(format::TraceReader& reader) {
    const auto& d = reader.defs();
    struct Frame {
        uint64_t id;
        uint32_t code;
    };
    std::unordered_map<uint32_t, std::vector<Frame>> stacks;  // per thread
    std::unordered_map<uint64_t, uint32_t> frameCode;
    for (size_t ci = 0; ci < reader.eventChunkCount(); ++ci) {
        auto ch = reader.eventChunk(ci);
        format::EventDecoder dec(ch->tags.data(), ch->tags.size(), ch->args.data(), ch->args.size(),
                                 ch->blobs.data(), ch->blobs.size(), ch->firstEvent, ch->eventCount,
                                 ch->startThread, ch->startNextFrameId, ch->fileOffset);
        format::Record r;
        uint32_t thread = ch->startThread;
        while (dec.next(r)) {
            json j;
            bool numbered = format::isNumbered(r.kind);
            if (numbered) j["ev"] = r.event;
            j["kind"] = kindName(r.kind);
            if (r.kind == RecordKind::Thread) thread = static_cast<uint32_t>(r.a);
            j["thread"] = thread;
            auto& st = stacks[thread];
            if (r.kind == RecordKind::Call) {
                st.push_back({r.b, static_cast<uint32_t>(r.a)});
                frameCode[r.b] = static_cast<uint32_t>(r.a);
            } else if (r.kind == RecordKind::Resume || r.kind == RecordKind::Reenter) {
                auto it = frameCode.find(r.a);
                st.push_back({r.a, it == frameCode.end() ? UINT32_MAX : it->second});
            }
            if (!st.empty()) {
                const Frame& top = st.back();
                j["frame"] = top.id;
                j["code"] = top.code;
                if (top.code < d.codes.size()) {
                    const auto& code = d.codes[top.code];
                    j["fn"] = code.qualname;
                    if (numbered && r.lasti >= 0)
                        j["line"] = code.lineAt(static_cast<uint32_t>(r.lasti));
                }
            }
            if (numbered) j["lasti"] = r.lasti;
            switch (r.kind) {
                case RecordKind::Opcode:
                    j["off"] = r.offset;
                    break;
                case RecordKind::Return:
                case RecordKind::Yield:
                case RecordKind::Exception:
                    j["value"] = refJson(r.value);
                    break;
                case RecordKind::LocalSet:
                    j["slot"] = r.a;
                    j["value"] = refJson(r.value);
                    break;
                case RecordKind::LocalDel:
                    j["slot"] = r.a;
                    break;
                case RecordKind::NameSet:
                    j["name"] = stringAt(d, r.a);
                    j["value"] = refJson(r.value);
                    break;
                case RecordKind::NameDel:
                    j["name"] = stringAt(d, r.a);
                    break;
                case RecordKind::Output:
                    j["stream"] = r.a;
                    j["text"] = std::string(reinterpret_cast<const char*>(r.blob), r.blobLen);
                    break;
                case RecordKind::Handled:
                    j["handler"] = r.offset;
                    break;
                case RecordKind::AsyncGenHook:
                    j["hook"] = r.a;
                    j["value"] = refJson(r.value);
                    break;
                case RecordKind::Time:
                    j["ns"] = r.a;
                    break;
                case RecordKind::CoroOrigin:
                case RecordKind::FrameObject:
                    j["target_frame"] = r.a;
                    j["value"] = refJson(r.value);
                    break;
                case RecordKind::Reenter:
                    j["target_frame"] = r.a;
                    break;
                case RecordKind::Thread:
                case RecordKind::ThreadEnd:
                    j["thread_id"] = r.a;
                    break;
                default:
                    break;
            }
            if (r.kind == RecordKind::Return || r.kind == RecordKind::Yield ||
                r.kind == RecordKind::Unwind) {
                if (!st.empty()) st.pop_back();
            }
            std::cout << j.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
        }
        dec.finish();
    }
}

}  // namespace

void addDumpCommand(CLI::App& app) {
    auto* cmd =
        app.add_subcommand("dump", "Print every record of a trace as JSON Lines (debugging)");
    static std::string file;
    static bool defs = false, values = false, resolved = false;
    cmd->add_option("FILE", file, "trace file")->required();
    cmd->add_flag("--defs", defs, "also print code, source, type and thread definitions first");
    cmd->add_flag("--values", values, "also print every value record");
    cmd->add_flag("--resolved", resolved,
                  "with --values: print a patch record as the record it stands for");
    cmd->callback([] {
        std::unique_ptr<format::TraceReader> reader;
        try {
            reader = std::make_unique<format::TraceReader>(file);
        } catch (const std::system_error& e) {
            throw CommandError{e.what()};  // "cannot open FILE: why", as verify says it
        }
        if (reader->recovery().recovered)
            std::cerr << "reel: " << file << ": recovered (" << reader->recovery().reason << "), "
                      << reader->recovery().chunksKept << " complete chunks kept\n";
        if (defs) dumpDefs(reader->defs());
        if (values) dumpValues(*reader, resolved);
        dumpEvents(*reader);
        std::cout.flush();
    });
}

}  // namespace reel::cli
