#include "reel/replayer/StateExporter.h"

#include <cerrno>
#include <system_error>

#include "reel/format/TraceFormatError.h"
#include "reel/replayer/EventCursor.h"
#include "reel/replayer/PyJson.h"
#include "reel/replayer/UnicodePrintable.h"
#include "reel/replayer/ValueSource.h"

namespace reel::replayer {

namespace fs = std::filesystem;

namespace {

// os.path.realpath: symlinks resolved as far as the path exists, the rest normalized lexically.
fs::path realPath(const fs::path& p) {
    std::error_code ec;
    fs::path r = fs::weakly_canonical(p, ec);
    return ec ? p.lexically_normal() : r;
}

bool isPseudoFile(std::string_view name) {
    return name.empty() || (name.front() == '<' && name.back() == '>');
}

bool isDunder(std::string_view name) {
    return name.size() >= 4 && name.substr(0, 2) == "__" && name.substr(name.size() - 2) == "__";
}

int versionPart(const format::HeaderInfo& h, int which) {
    // pythonHexVersion is authoritative; the text is a fallback for headers without it.
    if (h.pythonHexVersion)
        return which == 0 ? static_cast<int>(h.pythonHexVersion >> 24)
                          : static_cast<int>((h.pythonHexVersion >> 16) & 0xFF);
    const auto& p = UnicodePrintable::forPythonVersion(h.pythonVersion);
    return which == 0 ? p.pythonMajor() : p.pythonMinor();
}

const UnicodePrintable& printableFor(const format::HeaderInfo& h) {
    if (h.pythonHexVersion)
        return UnicodePrintable::forPython(versionPart(h, 0), versionPart(h, 1));
    return UnicodePrintable::forPythonVersion(h.pythonVersion);
}

}  // namespace

StateExporter::StateExporter(const format::Definitions& defs, const format::HeaderInfo& header,
                             ValueSource& values, ExportOptions options)
    : defs_(defs),
      cwd_(header.cwd),
      renderer_(values, defs, printableFor(header), options.limits),
      locals_(defs, versionPart(header, 0), versionPart(header, 1)) {
    if (!options.only.empty()) {
        fs::path dir(options.only);
        if (dir.is_relative()) dir = cwd_ / dir;
        onlyDir_ = realPath(dir);
    }
}

bool StateExporter::wanted(uint32_t codeId) {
    if (codeId >= wanted_.size())
        wanted_.resize(defs_.codes.size() > codeId ? defs_.codes.size() : codeId + 1, -1);
    int8_t& w = wanted_[codeId];
    if (w < 0) {
        REEL_REQUIRE(
            codeId < defs_.codes.size(), format::TraceFormatError::kNoOffset,
            "event in code " + std::to_string(codeId) + ", which the trace does not define");
        const std::string& file = defs_.codes[codeId].filename;
        if (isPseudoFile(file)) {
            w = 0;
        } else if (onlyDir_.empty()) {
            w = 1;
        } else {
            fs::path p(file);
            if (p.is_relative()) p = cwd_ / p;
            const std::string path = realPath(p).string();
            std::string prefix = onlyDir_.string();
            if (prefix.empty() || prefix.back() != '/') prefix += '/';
            w = path.compare(0, prefix.size(), prefix) == 0 ? 1 : 0;
        }
    }
    return w == 1;
}

void StateExporter::appendHead(std::string& out, const char* ev, const format::CodeObject& code,
                               const Frame& f) {
    out += "{\"ev\":\"";
    out += ev;
    out += "\",\"fn\":";
    pyjson::appendString(out, code.qualname);
    out += ",\"line\":";
    if (f.line < 0)
        out += "null";  // frame.f_lineno is None for instructions without a line
    else
        pyjson::appendInt(out, f.line);
}

bool StateExporter::onEvent(const ProgramState& state, std::string& out) {
    const Frame* f = state.eventFrame();
    REEL_REQUIRE(f != nullptr, format::TraceFormatError::kNoOffset,
                 "event " + std::to_string(state.event) + " has no frame");
    const bool exported = wanted(f->codeId);
    const bool frameEnds = state.kind == RecordKind::Return || state.kind == RecordKind::Unwind;
    if (!exported) {
        if (frameEnds) locals_.frameExited(f->id);
        return false;
    }
    const format::CodeObject& code = defs_.codes[f->codeId];
    switch (state.kind) {
        case RecordKind::Call:
        case RecordKind::Resume:
            appendHead(out, "call", code, *f);
            out += "}\n";
            break;
        case RecordKind::Opcode: {
            appendHead(out, "opcode", code, *f);
            out += ",\"off\":";
            pyjson::appendInt(out, f->lasti);
            out += ",\"locals\":{";
            bool first = true;
            for (const auto& e : locals_.read(*f)) {
                if (isDunder(*e.name)) continue;
                if (!first) out += ',';
                first = false;
                pyjson::appendString(out, *e.name);
                out += ':';
                pyjson::appendString(out, renderer_.render(e.value));
            }
            out += "}}\n";
            break;
        }
        case RecordKind::Exception:
            appendHead(out, "exception", code, *f);
            out += ",\"exc\":";
            pyjson::appendString(out, renderer_.render(state.value));
            out += "}\n";
            break;
        case RecordKind::Return:
        case RecordKind::Yield:
            appendHead(out, "return", code, *f);
            out += ",\"value\":";
            pyjson::appendString(out, renderer_.render(state.value));
            out += "}\n";
            break;
        case RecordKind::Unwind:
            // sys.settrace reports an unwinding frame as a 'return' of None.
            appendHead(out, "return", code, *f);
            out += ",\"value\":\"None\"}\n";
            break;
        default:
            return false;
    }
    if (frameEnds) locals_.frameExited(f->id);
    return true;
}

uint64_t exportStates(format::TraceReader& reader, const ExportOptions& options, std::FILE* out) {
    TraceValueSource values(reader);
    StateExporter exporter(reader.defs(), reader.header(), values, options);
    EventCursor cursor(reader);
    std::string buf;
    uint64_t lines = 0;
    auto flush = [&] {
        if (!buf.empty() && std::fwrite(buf.data(), 1, buf.size(), out) != buf.size())
            throw std::system_error(errno, std::generic_category(), "writing the export");
        buf.clear();
    };
    while (cursor.next()) {
        if (exporter.onEvent(cursor.state(), buf)) ++lines;
        if (buf.size() > (1u << 20)) flush();
    }
    flush();
    if (std::fflush(out) != 0)
        throw std::system_error(errno, std::generic_category(), "writing the export");
    return lines;
}

}  // namespace reel::replayer
