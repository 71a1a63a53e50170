#include "reel/replayer/ValueRenderer.h"

#include <algorithm>
#include <bit>
#include <stdexcept>

#include "reel/format/TraceFormatError.h"
#include "reel/replayer/PyRepr.h"

namespace reel::replayer {

using format::Constant;
using format::ValueKind;
using format::ValueRef;

namespace {

constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // U+2026, as the contract spells "…"

// Caps the top-level cache so a long export does not grow without bound; refilling is cheap.
constexpr size_t kCacheLimit = 1 << 16;

uint64_t bitLength(int64_t v) {
    uint64_t m = v < 0 ? uint64_t{0} - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
    return static_cast<uint64_t>(std::bit_width(m));
}

bool isContainer(ValueKind k) {
    return k >= ValueKind::List && k <= ValueKind::Dict;
}

std::string_view builtinName(ValueKind k) {
    switch (k) {
        case ValueKind::Int:
        case ValueKind::BigInt:
            return "int";
        case ValueKind::Float:
            return "float";
        case ValueKind::Complex:
            return "complex";
        case ValueKind::Str:
            return "str";
        case ValueKind::Bytes:
            return "bytes";
        case ValueKind::Bytearray:
            return "bytearray";
        case ValueKind::List:
            return "list";
        case ValueKind::Tuple:
            return "tuple";
        case ValueKind::Set:
            return "set";
        case ValueKind::Frozenset:
            return "frozenset";
        case ValueKind::Dict:
            return "dict";
        case ValueKind::Function:
            return "function";
        case ValueKind::Class:
            return "type";
        case ValueKind::Module:
            return "module";
        default:
            return "";
    }
}

ValueNode::Kind nodeKind(ValueKind k) {
    switch (k) {
        case ValueKind::Int:
        case ValueKind::BigInt:
            return ValueNode::Kind::Int;
        case ValueKind::Float:
            return ValueNode::Kind::Float;
        case ValueKind::Complex:
            return ValueNode::Kind::Complex;
        case ValueKind::Str:
            return ValueNode::Kind::Str;
        case ValueKind::Bytes:
            return ValueNode::Kind::Bytes;
        case ValueKind::Bytearray:
            return ValueNode::Kind::Bytearray;
        case ValueKind::List:
            return ValueNode::Kind::List;
        case ValueKind::Tuple:
            return ValueNode::Kind::Tuple;
        case ValueKind::Set:
            return ValueNode::Kind::Set;
        case ValueKind::Frozenset:
            return ValueNode::Kind::Frozenset;
        case ValueKind::Dict:
            return ValueNode::Kind::Dict;
        case ValueKind::Object:
            return ValueNode::Kind::Object;
        case ValueKind::Exception:
            return ValueNode::Kind::Exception;
        case ValueKind::Function:
            return ValueNode::Kind::Function;
        case ValueKind::Class:
            return ValueNode::Kind::Class;
        case ValueKind::Module:
            return ValueNode::Kind::Module;
        case ValueKind::Opaque:
            return ValueNode::Kind::Opaque;
        case ValueKind::Generator:
            return ValueNode::Kind::Generator;
        case ValueKind::Truncated:
            return ValueNode::Kind::Truncated;
        case ValueKind::Cycle:
            return ValueNode::Kind::Cycle;
        case ValueKind::Subclass:
            break;  // resolved by the caller
        case ValueKind::Patch:
            break;  // never here: ValueSource::fetch resolves patches
    }
    return ValueNode::Kind::Opaque;
}

}  // namespace

ValueRenderer::ValueRenderer(ValueSource& source, const format::Definitions& defs,
                             const UnicodePrintable& printable, RenderLimits limits)
    : source_(source), defs_(defs), printable_(printable), limits_(limits) {}

const std::string& ValueRenderer::typeName(uint32_t typeId) const {
    REEL_REQUIRE(
        typeId < defs_.types.size(), format::TraceFormatError::kNoOffset,
        "value refers to type " + std::to_string(typeId) + ", which the trace does not define");
    return defs_.types[typeId].displayName;
}

const std::string& ValueRenderer::stringAt(uint32_t stringId) const {
    REEL_REQUIRE(
        stringId < defs_.strings.size(), format::TraceFormatError::kNoOffset,
        "value refers to string " + std::to_string(stringId) + ", which the trace does not define");
    return defs_.strings[stringId];
}

std::string ValueRenderer::render(ValueRef ref) {
    const bool cacheable = ref.kind() == ValueRef::Kind::Record;
    if (cacheable) {
        auto it = cache_.find(ref.recordId());
        if (it != cache_.end()) return it->second;
    }
    std::string out;
    path_.clear();
    renderRef(out, ref, 1);
    if (cacheable) {
        if (cache_.size() >= kCacheLimit) cache_.clear();
        cache_.emplace(ref.recordId(), out);
    }
    return out;
}

void ValueRenderer::appendMore(std::string& out, uint64_t remaining) {
    out += kEllipsis;
    out += '+';
    out += std::to_string(remaining);
}

void ValueRenderer::renderInt(std::string& out, int64_t v) {
    uint64_t bits = bitLength(v);
    if (bits > limits_.intBits)
        out += "<int " + std::to_string(bits) + " bits>";
    else
        out += std::to_string(v);
}

void ValueRenderer::renderRef(std::string& out, ValueRef ref, uint32_t depth) {
    switch (ref.kind()) {
        case ValueRef::Kind::SmallInt:
            renderInt(out, ref.smallInt());
            return;
        case ValueRef::Kind::Constant:
            switch (ref.constant()) {
                case Constant::None:
                    out += "None";
                    return;
                case Constant::True:
                    out += "True";
                    return;
                case Constant::False:
                    out += "False";
                    return;
                // Not named by rules 1-7, so rule 8 applies (as the oracle renders them).
                case Constant::Ellipsis:
                    out += "<ellipsis object>";
                    return;
                case Constant::NotImplemented:
                    out += "<NotImplementedType object>";
                    return;
                // Not Python values: markers for what the recording left out.
                case Constant::Unbound:
                    out += "<unbound>";
                    return;
                case Constant::Redacted:
                    out += "<redacted>";
                    return;
                case Constant::NotCaptured:
                    out += "<not captured>";
                    return;
            }
            REEL_REQUIRE(false, format::TraceFormatError::kNoOffset, "unknown value constant");
            return;
        case ValueRef::Kind::Record:
            renderRecord(out, fetch(ref.recordId()), depth);
            return;
    }
    REEL_REQUIRE(false, format::TraceFormatError::kNoOffset, "invalid value reference");
}

bool ValueRenderer::cycleOrTooDeep(std::string& out, uint64_t identity, uint32_t depth) {
    // Same order as the oracle: a container on the path is a cycle even below the depth limit.
    if (identity != 0 && std::find(path_.begin(), path_.end(), identity) != path_.end()) {
        out += "<cycle>";
        return true;
    }
    if (depth > limits_.depth) {
        out += kEllipsis;
        return true;
    }
    return false;
}

void ValueRenderer::renderItems(std::string& out, const std::vector<ValueRef>& items,
                                uint64_t fullLength, uint32_t depth, bool pairs) {
    const size_t step = pairs ? 2 : 1;
    const uint64_t captured = items.size() / step;
    const uint64_t shown = std::min<uint64_t>(captured, limits_.items);
    for (uint64_t i = 0; i < shown; ++i) {
        if (i) out += ", ";
        renderRef(out, items[i * step], depth);
        if (pairs) {
            out += ": ";
            renderRef(out, items[i * step + 1], depth);
        }
    }
    // fullLength, not the captured count, decides K: the recorder may have captured fewer items
    // than the live container held.
    if (fullLength > shown) {
        if (shown) out += ", ";
        appendMore(out, fullLength - shown);
    }
}

void ValueRenderer::renderContainer(std::string& out, const FetchedValue& v, uint32_t depth) {
    const auto& r = v.record;
    if (cycleOrTooDeep(out, r.identity, depth)) return;
    path_.push_back(r.identity);
    switch (r.kind) {
        case ValueKind::List:
            out += '[';
            renderItems(out, r.items, r.fullLength, depth + 1, false);
            out += ']';
            break;
        case ValueKind::Tuple:
            out += '(';
            renderItems(out, r.items, r.fullLength, depth + 1, false);
            if (r.fullLength == 1) out += ',';  // the oracle's "(a,)", whatever a renders as
            out += ')';
            break;
        case ValueKind::Dict:
            out += '{';
            renderItems(out, r.items, r.fullLength, depth + 1, true);
            out += '}';
            break;
        case ValueKind::Set:
            if (r.fullLength == 0) {
                out += "set()";
            } else {
                out += '{';
                renderItems(out, r.items, r.fullLength, depth + 1, false);
                out += '}';
            }
            break;
        case ValueKind::Frozenset:
            if (r.fullLength == 0) {
                out += "frozenset()";
            } else {
                out += "frozenset({";
                renderItems(out, r.items, r.fullLength, depth + 1, false);
                out += "})";
            }
            break;
        default:
            REEL_ASSERT(false, "renderContainer called for a non-container");
    }
    path_.pop_back();
}

void ValueRenderer::renderRecord(std::string& out, const FetchedValue& v, uint32_t depth) {
    const auto& r = v.record;
    switch (r.kind) {
        case ValueKind::Int:
            renderInt(out, r.intValue);
            return;
        case ValueKind::BigInt:
            // Digits are absent when the recorder found the number too large to convert cheaply;
            // such a number is far beyond any sensible INTBITS, so the bit count is all we need.
            if (r.bits > limits_.intBits || r.text.empty()) {
                out += "<int " + std::to_string(r.bits) + " bits>";
            } else {
                if (r.negative) out += '-';
                out += r.text;
            }
            return;
        case ValueKind::Float:
            out += pyrepr::floatRepr(r.real);
            return;
        case ValueKind::Complex:
            out += pyrepr::complexRepr(r.real, r.imag);
            return;
        case ValueKind::Str: {
            size_t shown = 0;
            try {
                out += pyrepr::strRepr(r.text, printable_, limits_.chars, &shown);
            } catch (const std::invalid_argument& e) {
                throw format::TraceFormatError(e.what(), v.fileOffset);
            }
            REEL_REQUIRE(shown <= r.fullLength, v.fileOffset,
                         "str record holds more characters than its length");
            if (r.fullLength > shown) appendMore(out, r.fullLength - shown);
            return;
        }
        case ValueKind::Bytes:
        case ValueKind::Bytearray: {
            REEL_REQUIRE(r.text.size() <= r.fullLength, v.fileOffset,
                         "bytes record holds more bytes than its length");
            if (r.kind == ValueKind::Bytearray) out += "bytearray(";
            out += pyrepr::bytesRepr(r.text, limits_.chars);
            uint64_t shown = std::min<uint64_t>(r.text.size(), limits_.chars);
            if (r.fullLength > shown) appendMore(out, r.fullLength - shown);
            if (r.kind == ValueKind::Bytearray) out += ')';
            return;
        }
        case ValueKind::List:
        case ValueKind::Tuple:
        case ValueKind::Set:
        case ValueKind::Frozenset:
        case ValueKind::Dict:
            renderContainer(out, v, depth);
            return;
        case ValueKind::Subclass: {
            // Rule 4. The inner record is the value's content as its builtin base (identity on
            // the inner record for containers).
            REEL_REQUIRE(r.inner.kind() == ValueRef::Kind::Record ||
                             r.inner.kind() == ValueRef::Kind::SmallInt,
                         v.fileOffset, "subclass record without content");
            const std::string& type = typeName(r.typeId);
            if (r.inner.kind() == ValueRef::Kind::SmallInt) {
                out += type + "(";
                renderInt(out, r.inner.smallInt());
                out += ')';
                return;
            }
            FetchedValue inner = fetch(r.inner.recordId());
            if (isContainer(inner.record.kind)) {
                // A too-deep or cyclic subclass instance renders as the bare marker, like any
                // container (the oracle checks before writing the type name).
                if (cycleOrTooDeep(out, inner.record.identity, depth)) return;
                out += type;
                renderContainer(out, inner, depth);
                return;
            }
            if (inner.record.kind == ValueKind::Truncated ||
                inner.record.kind == ValueKind::Cycle) {
                renderRecord(out, inner, depth);
                return;
            }
            out += type + "(";
            renderRecord(out, inner, depth);
            out += ')';
            return;
        }
        case ValueKind::Exception: {
            if (cycleOrTooDeep(out, r.identity, depth)) return;
            path_.push_back(r.identity);
            out += typeName(r.typeId);
            out += '(';
            renderItems(out, r.items, r.fullLength, depth + 1, false);
            out += ')';
            path_.pop_back();
            return;
        }
        case ValueKind::Object: {
            if (cycleOrTooDeep(out, r.identity, depth)) return;
            const std::string& type = typeName(r.typeId);
            if (r.fullLength == 0) {
                out += "<" + type + ">";
                return;
            }
            path_.push_back(r.identity);
            out += '<';
            out += type;
            const uint64_t shown = std::min<uint64_t>(r.items.size(), limits_.items);
            for (uint64_t i = 0; i < shown; ++i) {
                out += ' ';
                out += stringAt(r.names[i]);
                out += '=';
                renderRef(out, r.items[i], depth + 1);
            }
            if (r.fullLength > shown) {
                out += ' ';
                appendMore(out, r.fullLength - shown);
            }
            out += '>';
            path_.pop_back();
            return;
        }
        case ValueKind::Function:
            out += "<function " + stringAt(r.stringId) + ">";
            return;
        case ValueKind::Class:
            out += "<class " + typeName(r.typeId) + ">";
            return;
        case ValueKind::Module:
            out += "<module " + stringAt(r.stringId) + ">";
            return;
        case ValueKind::Opaque:
        case ValueKind::Generator:
            out += "<" + typeName(r.typeId) + " object>";
            return;
        case ValueKind::Truncated:
            // Beyond what the recorder captured. With the default capture depth (4) this only
            // occurs below the contract's DEPTH (3), where "…" is exactly right; the identity
            // check keeps a truncated back-reference a cycle, as the oracle would render it.
            if (!cycleOrTooDeep(out, r.identity, depth)) out += kEllipsis;
            return;
        case ValueKind::Cycle:
            out += "<cycle>";
            return;
        case ValueKind::Patch:
            break;  // ValueSource::fetch resolves patches; an unresolved one is damage
    }
    REEL_REQUIRE(false, v.fileOffset, "unknown value kind");
}

ValueNode ValueRenderer::node(ValueRef ref) {
    ValueNode n;
    n.ref = ref;
    n.text = render(ref);
    switch (ref.kind()) {
        case ValueRef::Kind::SmallInt:
            n.kind = ValueNode::Kind::Int;
            n.typeName = "int";
            return n;
        case ValueRef::Kind::Constant:
            switch (ref.constant()) {
                case Constant::None:
                    n.kind = ValueNode::Kind::None;
                    n.typeName = "NoneType";
                    break;
                case Constant::True:
                case Constant::False:
                    n.kind = ValueNode::Kind::Bool;
                    n.typeName = "bool";
                    break;
                case Constant::Ellipsis:
                    n.kind = ValueNode::Kind::Ellipsis;
                    n.typeName = "ellipsis";
                    break;
                case Constant::NotImplemented:
                    n.kind = ValueNode::Kind::NotImplemented;
                    n.typeName = "NotImplementedType";
                    break;
                case Constant::Unbound:
                    n.kind = ValueNode::Kind::Unbound;
                    break;
                case Constant::Redacted:
                    n.kind = ValueNode::Kind::Redacted;
                    break;
                case Constant::NotCaptured:
                    n.kind = ValueNode::Kind::NotCaptured;
                    break;
            }
            return n;
        case ValueRef::Kind::Record:
            break;
    }
    FetchedValue v = fetch(ref.recordId());
    const format::ValueRecord* r = &v.record;
    FetchedValue inner;
    // Attributes (format 1.3) sit on the outer record of a subclass instance.
    const bool hasAttrs = !r->attrs.empty();
    if (r->kind == ValueKind::Subclass) {
        n.subclass = true;
        n.typeName = typeName(r->typeId);
        if (r->inner.kind() != ValueRef::Kind::Record) {
            n.kind = ValueNode::Kind::Int;
            n.expandable = hasAttrs;
            return n;
        }
        inner = fetch(r->inner.recordId());
        r = &inner.record;
    }
    n.kind = nodeKind(r->kind);
    if (n.typeName.empty()) {
        switch (r->kind) {
            case ValueKind::Object:
            case ValueKind::Exception:
            case ValueKind::Opaque:
            case ValueKind::Generator:
            case ValueKind::Truncated:
                n.typeName = typeName(r->typeId);
                break;
            default:
                n.typeName = std::string(builtinName(r->kind));
                break;
        }
    }
    n.identity = r->identity;
    n.fullLength = r->fullLength;
    if (r->kind == ValueKind::Str) {
        try {
            n.fullLength = std::max<uint64_t>(r->fullLength, pyrepr::utf8Length(r->text));
        } catch (const std::invalid_argument& e) {
            throw format::TraceFormatError(e.what(), v.fileOffset);
        }
    }
    switch (r->kind) {
        case ValueKind::List:
        case ValueKind::Tuple:
        case ValueKind::Set:
        case ValueKind::Frozenset:
        case ValueKind::Dict:
        case ValueKind::Object:
            n.expandable = !r->items.empty();
            break;
        case ValueKind::Exception:
            n.expandable = !r->items.empty() || r->cause != ValueRef::constant(Constant::None) ||
                           r->context != ValueRef::constant(Constant::None) ||
                           !r->subExceptions.empty();
            break;
        default:
            break;
    }
    n.expandable = n.expandable || hasAttrs;
    return n;
}

std::vector<ValueChild> ValueRenderer::children(const ValueNode& parent) {
    std::vector<ValueChild> out;
    if (!parent.expandable || parent.ref.kind() != ValueRef::Kind::Record) return out;
    FetchedValue v = fetch(parent.ref.recordId());
    auto add = [&](std::string label, ValueRef ref) {
        out.push_back({std::move(label), node(ref)});
    };
    // A subclass instance's attributes come after its content, as `pp` of an object lists
    // them; an exception's come right after its args, before the chain.
    std::vector<std::pair<uint32_t, ValueRef>> attrs;
    for (size_t i = 0; i < v.record.attrs.size() && i < v.record.attrNames.size(); ++i)
        attrs.emplace_back(v.record.attrNames[i], v.record.attrs[i]);
    auto addAttrs = [&] {
        for (const auto& [name, ref] : attrs) {
            add(stringAt(name), ref);
            out.back().extraAttribute = true;
        }
    };
    if (v.record.kind == ValueKind::Subclass) {
        if (v.record.inner.kind() != ValueRef::Kind::Record) {
            addAttrs();
            return out;
        }
        v = fetch(v.record.inner.recordId());
    }
    const auto& r = v.record;
    switch (r.kind) {
        case ValueKind::List:
        case ValueKind::Tuple:
            for (size_t i = 0; i < r.items.size(); ++i)
                add("[" + std::to_string(i) + "]", r.items[i]);
            break;
        case ValueKind::Set:
        case ValueKind::Frozenset:
            // Sets have no index; the position in iteration order is the only stable label.
            for (size_t i = 0; i < r.items.size(); ++i)
                add("<" + std::to_string(i) + ">", r.items[i]);
            break;
        case ValueKind::Dict:
            for (size_t i = 0; i + 1 < r.items.size(); i += 2)
                add(render(r.items[i]), r.items[i + 1]);
            break;
        case ValueKind::Object:
            for (size_t i = 0; i < r.items.size(); ++i) add(stringAt(r.names[i]), r.items[i]);
            break;
        case ValueKind::Exception:
            for (size_t i = 0; i < r.items.size(); ++i)
                add("args[" + std::to_string(i) + "]", r.items[i]);
            addAttrs();
            attrs.clear();
            if (r.cause != ValueRef::constant(Constant::None)) add("__cause__", r.cause);
            if (r.context != ValueRef::constant(Constant::None)) add("__context__", r.context);
            for (size_t i = 0; i < r.subExceptions.size(); ++i)
                add("exceptions[" + std::to_string(i) + "]", r.subExceptions[i]);
            break;
        default:
            break;
    }
    addAttrs();
    return out;
}

}  // namespace reel::replayer
