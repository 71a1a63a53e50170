#include "reel/replayer/ValueLookup.h"

#include <cstdlib>
#include <stdexcept>

#include "reel/format/TraceFormatError.h"
#include "reel/replayer/PyRepr.h"

namespace reel::replayer {

using format::Constant;
using format::ValueKind;
using format::ValueRef;

ValueLookup::ValueLookup(const format::Definitions& defs, ValueSource& values,
                         ValueRenderer& renderer)
    : defs_(defs), values_(values), renderer_(renderer) {}

void ValueLookup::setFrame(const ProgramState& state, const Frame& frame, uint32_t thread) {
    state_ = &state;
    frame_ = &frame;
    thread_ = thread;
}

std::string ValueLookup::frameName() const {
    if (!frame_ || frame_->codeId >= defs_.codes.size()) return "this frame";
    return defs_.codes[frame_->codeId].name + "()";
}

const ValueRef* ValueLookup::local(const std::string& name, bool* unbound) {
    if (unbound) *unbound = false;
    if (!frame_ || frame_->codeId >= defs_.codes.size()) return nullptr;
    const auto& code = defs_.codes[frame_->codeId];
    // A namespace frame (module, class body, exec) shows its dict first, like f_locals.
    for (const auto& n : frame_->names)
        if (n.nameId < defs_.strings.size() && defs_.strings[n.nameId] == name) return &n.value;
    bool sawUnbound = false;
    for (size_t i = 0; i < code.localNames.size(); ++i) {
        if (code.localNames[i] != name) continue;
        const Local* l = frame_->slot(static_cast<uint32_t>(i));
        if (l && l->bound()) return &l->value;
        sawUnbound = true;
    }
    if (unbound) *unbound = sawUnbound;
    return nullptr;
}

FetchedValue ValueLookup::fetchUnwrapped(ValueRef ref) {
    return unwrapped(values_.fetch(ref.recordId()));
}

// A builtin-subclass instance's content record (which carries the identity of a container).
FetchedValue ValueLookup::unwrapped(FetchedValue v) {
    if (v.record.kind == ValueKind::Subclass && v.record.inner.kind() == ValueRef::Kind::Record)
        v = values_.fetch(v.record.inner.recordId());
    return v;
}

namespace {
// The value recorded under attribute `name`: `names` and `values` are parallel (an OBJECT's
// attributes, or a format 1.3 attribute section).
const ValueRef* namedValue(const format::Definitions& defs, const std::vector<uint32_t>& names,
                           const std::vector<ValueRef>& values, const std::string& name) {
    for (size_t k = 0; k < names.size() && k < values.size(); ++k)
        if (names[k] < defs.strings.size() && defs.strings[names[k]] == name) return &values[k];
    return nullptr;
}

// Why an attribute may be missing: the recorder keeps a prefix of them.
std::string keptNote(size_t kept, uint64_t total) {
    if (kept >= total) return "";
    return " (the recorder kept " + std::to_string(kept) + " of its " + std::to_string(total) +
           " attributes)";
}
}  // namespace

ValueRef ValueLookup::lookup(const ValuePath& path) {
    if (!frame_ || !state_) throw EvalError("no frame here to read '" + path.name + "' in");
    ValueRef ref;
    if (path.name == "$value") {
        using format::RecordKind;
        const auto k = state_->kind;
        if (state_->thread != thread_ ||
            !(k == RecordKind::Return || k == RecordKind::Yield || k == RecordKind::Exception))
            throw EvalError("$value is only defined at a return, yield or exception event");
        ref = state_->value;
    } else if (path.name == "$exc") {
        const ThreadState* t = state_->threadState(thread_);
        if (!t || !t->exception) throw EvalError("no exception is in flight on this thread here");
        ref = t->exception->value;
    } else {
        bool unbound = false;
        const ValueRef* v = local(path.name, &unbound);
        if (!v) {
            if (unbound)
                throw EvalError("local '" + path.name + "' of " + frameName() +
                                " has no value at this point");
            throw EvalError("'" + path.name + "' is not a local of " + frameName());
        }
        ref = *v;
    }
    for (size_t i = 0; i < path.steps.size(); ++i) ref = step(ref, path, i);
    return ref;
}

ValueRef ValueLookup::step(ValueRef ref, const ValuePath& path, size_t& i) {
    const ValuePath::Step& s = path.steps[i];
    const std::string here = renderer_.render(ref);
    if (ref.kind() != ValueRef::Kind::Record) {
        if (s.kind == ValuePath::Step::Kind::Attr)
            throw EvalError(here + " has no recorded attribute '" + s.attr + "'");
        throw EvalError(here + " cannot be indexed");
    }
    const FetchedValue outer = values_.fetch(ref.recordId());
    // Format 1.3 attributes (an exception's __dict__ and members, a builtin-subclass instance's
    // __dict__) are on the outer record.
    auto recordedAttr = [&](const format::ValueRecord& rec) {
        return namedValue(defs_, rec.attrNames, rec.attrs, s.attr);
    };
    auto attrsNote = [](const format::ValueRecord& rec) {
        return keptNote(rec.attrs.size(), rec.attrTotal);
    };
    if (s.kind == ValuePath::Step::Kind::Attr && outer.record.kind == ValueKind::Subclass) {
        if (const ValueRef* a = recordedAttr(outer.record)) return *a;
    }
    const FetchedValue fv = unwrapped(outer);
    const format::ValueRecord& r = fv.record;
    if (r.kind == ValueKind::Truncated)
        throw EvalError(here +
                        " was not recorded in detail (deeper than the recorder's --max-depth)");

    if (s.kind == ValuePath::Step::Kind::Attr) {
        if (r.kind == ValueKind::Object) {
            if (const ValueRef* a = namedValue(defs_, r.names, r.items, s.attr)) return *a;
            throw EvalError(here + " has no recorded attribute '" + s.attr + "'" +
                            keptNote(r.items.size(), r.fullLength));
        }
        if (r.kind == ValueKind::Exception) {
            if (const ValueRef* a = recordedAttr(r)) return *a;
            if (s.attr == "__cause__") return r.cause;
            if (s.attr == "__context__") return r.context;
            // `e.args[0]`, `g.exceptions[1]`: the index that follows picks the element.
            const bool args = s.attr == "args", subs = s.attr == "exceptions";
            if ((args || subs) && i + 1 < path.steps.size() &&
                path.steps[i + 1].kind == ValuePath::Step::Kind::Index &&
                path.steps[i + 1].key.kind == Literal::Kind::Int) {
                const auto& list = args ? r.items : r.subExceptions;
                const long long k = std::strtoll(path.steps[i + 1].key.digits.c_str(), nullptr, 10);
                const long long n = static_cast<long long>(list.size());
                const long long idx = k < 0 ? k + n : k;
                if (idx < 0 || idx >= n)
                    throw EvalError(here + "." + s.attr + " has no recorded item [" +
                                    std::to_string(k) + "]");
                ++i;
                return list[static_cast<size_t>(idx)];
            }
            throw EvalError(here + " has no recorded attribute '" + s.attr + "'" + attrsNote(r) +
                            " (besides its attributes: args[N], exceptions[N], __cause__ and "
                            "__context__)");
        }
        throw EvalError(here + " has no recorded attribute '" + s.attr + "'" +
                        attrsNote(outer.record));
    }

    // Index step.
    if (r.kind == ValueKind::List || r.kind == ValueKind::Tuple) {
        if (s.key.kind != Literal::Kind::Int)
            throw EvalError(std::string(r.kind == ValueKind::List ? "list" : "tuple") +
                            " indices must be integers");
        const long long k = std::strtoll(s.key.digits.c_str(), nullptr, 10);
        const long long full = static_cast<long long>(r.fullLength);
        const long long idx = k < 0 ? k + full : k;
        if (idx < 0 || idx >= full)
            throw EvalError("index " + std::to_string(k) + " is out of range: " + here + " has " +
                            std::to_string(full) + " items");
        if (static_cast<size_t>(idx) >= r.items.size())
            throw EvalError("item [" + std::to_string(k) +
                            "] was not recorded (the recorder kept " +
                            std::to_string(r.items.size()) + " of " + std::to_string(full) + ")");
        return r.items[static_cast<size_t>(idx)];
    }
    if (r.kind == ValueKind::Dict) {
        const Operand key = literalOperand(s.key);
        for (size_t k = 0; k + 1 < r.items.size(); k += 2)
            if (operandsEqual(key, operand(r.items[k]))) return r.items[k + 1];
        std::string why = r.items.size() / 2 < r.fullLength
                              ? " (the recorder kept " + std::to_string(r.items.size() / 2) +
                                    " of " + std::to_string(r.fullLength) + " entries)"
                              : "";
        throw EvalError("no key " + key.rendered + " in " + here + why);
    }
    throw EvalError(here + " cannot be indexed");
}

Operand ValueLookup::operand(ValueRef ref) {
    Operand v;
    switch (ref.kind()) {
        case ValueRef::Kind::SmallInt:
            v.kind = Operand::Kind::Int;
            v.digits = std::to_string(ref.smallInt());
            v.number = static_cast<double>(ref.smallInt());
            v.rendered = v.digits;
            return v;
        case ValueRef::Kind::Constant:
            switch (ref.constant()) {
                case Constant::None:
                    v.kind = Operand::Kind::None;
                    break;
                case Constant::True:
                case Constant::False:
                    v.kind = Operand::Kind::Bool;
                    v.boolValue = ref.constant() == Constant::True;
                    v.number = v.boolValue ? 1 : 0;
                    break;
                case Constant::Unbound:
                    throw EvalError("the value is unbound");
                case Constant::Redacted:
                    throw EvalError("the value was redacted when recording (--redact)");
                case Constant::NotCaptured:
                    throw EvalError("values were not recorded (--no-values)");
                default:
                    break;
            }
            v.rendered = renderer_.render(ref);
            return v;
        case ValueRef::Kind::Record:
            break;
    }
    v.rendered = renderer_.render(ref);
    FetchedValue fv = fetchUnwrapped(ref);
    const format::ValueRecord& r = fv.record;
    switch (r.kind) {
        case ValueKind::Int:
            v.kind = Operand::Kind::Int;
            v.digits = std::to_string(r.intValue);
            v.number = static_cast<double>(r.intValue);
            break;
        case ValueKind::BigInt:
            v.kind = Operand::Kind::Int;
            if (!r.text.empty()) {
                std::string mag(r.text);
                while (mag.size() > 1 && mag[0] == '0') mag.erase(0, 1);
                v.digits = (r.negative && mag != "0" ? "-" : "") + mag;
                v.number = std::strtod(v.digits.c_str(), nullptr);
            } else {
                // Too large to have been converted: only comparisons with floats could work, and
                // those would be meaningless at this size.
                throw EvalError("an int of " + std::to_string(r.bits) +
                                " bits was recorded without its digits");
            }
            break;
        case ValueKind::Float:
            v.kind = Operand::Kind::Float;
            v.number = r.real;
            break;
        case ValueKind::Str:
            v.kind = Operand::Kind::Str;
            v.text = std::string(r.text);
            try {
                const uint64_t got = pyrepr::utf8Length(r.text);
                v.fullLength = std::max<uint64_t>(r.fullLength, got);
                v.truncated = got < v.fullLength;
            } catch (const std::invalid_argument& e) {
                throw format::TraceFormatError(e.what(), fv.fileOffset);
            }
            break;
        case ValueKind::List:
        case ValueKind::Tuple:
        case ValueKind::Set:
        case ValueKind::Frozenset:
        case ValueKind::Dict:
            v.container = true;
            v.fullLength = r.fullLength;
            break;
        default:
            break;
    }
    return v;
}

Operand ValueLookup::resolve(const ValuePath& path) {
    return operand(lookup(path));
}

std::vector<Operand> ValueLookup::elements(const ValuePath& path) {
    const ValueRef ref = lookup(path);
    const std::string here = path.text;
    if (ref.kind() != ValueRef::Kind::Record)
        throw EvalError("'in " + here + "' needs a string or a container");
    FetchedValue fv = fetchUnwrapped(ref);
    const format::ValueRecord& r = fv.record;
    const bool dict = r.kind == ValueKind::Dict;
    if (!(dict || r.kind == ValueKind::List || r.kind == ValueKind::Tuple ||
          r.kind == ValueKind::Set || r.kind == ValueKind::Frozenset))
        throw EvalError("'in " + here + "' needs a string or a container, not " +
                        renderer_.render(ref));
    const size_t stride = dict ? 2 : 1;
    if (r.items.size() / stride < r.fullLength)
        throw EvalError("the recorder kept " + std::to_string(r.items.size() / stride) +
                        " of the " + std::to_string(r.fullLength) + " elements of " + here);
    std::vector<Operand> out;
    for (size_t k = 0; k < r.items.size(); k += stride) {
        try {
            out.push_back(operand(r.items[k]));
        } catch (const EvalError&) {
            // An element that cannot be compared (e.g. redacted) simply never matches.
        }
    }
    return out;
}

ConditionEvaluator::Condition ConditionEvaluator::make(std::shared_ptr<const ConditionExpr> expr,
                                                       std::shared_ptr<std::string> lastError) {
    return [this, expr = std::move(expr), lastError = std::move(lastError)](const ProgramState& st,
                                                                            const Frame& f) {
        if (lastError) lastError->clear();
        try {
            return evaluate(*expr, st, f);
        } catch (const std::exception& e) {
            if (lastError) *lastError = e.what();
            return true;
        }
    };
}

bool ConditionEvaluator::evaluate(const ConditionExpr& expr, const ProgramState& state,
                                  const Frame& frame) {
    lookup_.setFrame(state, frame, state.thread);
    return expr.evaluate(lookup_);
}

}  // namespace reel::replayer
