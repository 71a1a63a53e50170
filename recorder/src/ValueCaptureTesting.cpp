// Decodes what ValueCapture wrote (through the format library's decoder, as the replayer will)
// into plain Python data for tests. Not on any hot path: clarity over speed.
#include "ValueCaptureTesting.h"

#include <exception>
#include <string>
#include <vector>

#include "reel/format/TraceFormatError.h"
#include "reel/format/ValueCodec.h"

namespace reel::recorder {

namespace {

using format::Constant;
using format::ValueKind;
using format::ValueRecord;
using format::ValueRef;

// Owned reference; releases on scope exit.
class Ref {
  public:
    Ref() = default;
    explicit Ref(PyObject* p) : p_(p) {}
    Ref(const Ref&) = delete;
    Ref& operator=(const Ref&) = delete;
    ~Ref() { Py_XDECREF(p_); }
    PyObject* get() const { return p_; }
    PyObject* release() {
        PyObject* p = p_;
        p_ = nullptr;
        return p;
    }
    explicit operator bool() const { return p_ != nullptr; }

  private:
    PyObject* p_ = nullptr;
};

struct PyError {};  // a Python exception is set

PyObject* check(PyObject* p) {
    if (p == nullptr) throw PyError{};
    return p;
}

void setItem(PyObject* d, const char* key, PyObject* owned) {
    Ref v(check(owned));
    if (PyDict_SetItemString(d, key, v.get()) < 0) throw PyError{};
}

const char* constantName(Constant c) {
    switch (c) {
        case Constant::None:
            return "None";
        case Constant::True:
            return "True";
        case Constant::False:
            return "False";
        case Constant::Unbound:
            return "Unbound";
        case Constant::Ellipsis:
            return "Ellipsis";
        case Constant::NotImplemented:
            return "NotImplemented";
        case Constant::Redacted:
            return "Redacted";
        case Constant::NotCaptured:
            return "NotCaptured";
    }
    return "?";
}

const char* baseName(format::BuiltinBase b) {
    using B = format::BuiltinBase;
    switch (b) {
        case B::None:
            return "";
        case B::Int:
            return "int";
        case B::Float:
            return "float";
        case B::Str:
            return "str";
        case B::Bytes:
            return "bytes";
        case B::List:
            return "list";
        case B::Tuple:
            return "tuple";
        case B::Dict:
            return "dict";
        case B::Set:
            return "set";
        case B::Frozenset:
            return "frozenset";
        case B::Exception:
            return "BaseException";
        case B::Complex:
            return "complex";
        case B::Bytearray:
            return "bytearray";
    }
    return "?";
}

PyObject* utf8(std::string_view s) {
    return PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "surrogatepass");
}

class Decoder {
  public:
    Decoder(const format::Batch& batch) : batch_(batch) {}

    PyObject* run(ValueRef top) { return run(&top, 1, false); }

    // With `many`, "values" holds one node per ref instead of "value".
    PyObject* run(const ValueRef* tops, size_t nTops, bool many) {
        // Records first (they refer backwards), then the tree from the top ref.
        format::ByteCursor c(batch_.values.data(), batch_.values.size(), 0);
        for (uint32_t i = 0; i < batch_.valueCount; ++i) {
            records_.push_back(format::decodeValue(c, batch_.firstValueId + i));
            // Format 1.2 PATCH: its base comes earlier in the batch and is resolved already.
            if (records_.back().kind == format::ValueKind::Patch) {
                const uint64_t b = records_.back().base;
                if (b < batch_.firstValueId) {
                    PyErr_SetString(PyExc_RuntimeError, "value patch based outside the batch");
                    throw PyError{};
                }
                records_.back() =
                    format::applyPatch(records_[b - batch_.firstValueId], records_.back(), 0);
            }
        }
        if (!c.atEnd()) {
            PyErr_SetString(PyExc_RuntimeError, "value bytes left over after the last record");
            throw PyError{};
        }
        for (const auto& [id, text] : batch_.defs.strings) {
            if (strings_.size() <= id) strings_.resize(id + 1);
            strings_[id] = text;
        }
        Ref types(check(PyList_New(0)));
        for (const auto& t : batch_.defs.types) {
            Ref d(check(PyDict_New()));
            setItem(d.get(), "id", PyLong_FromUnsignedLong(t.id));
            setItem(d.get(), "qualname", utf8(t.qualname));
            setItem(d.get(), "module", utf8(t.module));
            setItem(d.get(), "display", utf8(t.displayName));
            setItem(d.get(), "base", PyUnicode_FromString(baseName(t.builtinBase)));
            if (typeDicts_.size() <= t.id) typeDicts_.resize(t.id + 1, nullptr);
            typeDicts_[t.id] = d.get();
            if (PyList_Append(types.get(), d.get()) < 0) throw PyError{};
        }
        nodes_.assign(records_.size(), nullptr);
        Ref result(check(PyDict_New()));
        if (many) {
            Ref values(check(PyList_New(0)));
            Ref raws(check(PyList_New(0)));
            for (size_t i = 0; i < nTops; ++i) {
                Ref n(node(tops[i]));
                if (PyList_Append(values.get(), n.get()) < 0) throw PyError{};
                Ref raw(check(PyLong_FromUnsignedLongLong(tops[i].raw)));
                if (PyList_Append(raws.get(), raw.get()) < 0) throw PyError{};
            }
            setItem(result.get(), "values", values.release());
            setItem(result.get(), "refs", raws.release());
        } else {
            setItem(result.get(), "value", node(tops[0]));
            setItem(result.get(), "ref", PyLong_FromUnsignedLongLong(tops[0].raw));
        }
        setItem(result.get(), "types", types.release());
        setItem(result.get(), "records", PyLong_FromSize_t(records_.size()));
        return result.release();
    }

    ~Decoder() {
        for (PyObject* n : nodes_) Py_XDECREF(n);
    }

  private:
    PyObject* type(uint32_t id) {
        if (id >= typeDicts_.size() || typeDicts_[id] == nullptr) {
            PyErr_Format(PyExc_RuntimeError, "undefined type id %u", id);
            throw PyError{};
        }
        Py_INCREF(typeDicts_[id]);
        return typeDicts_[id];
    }

    PyObject* string(uint32_t id) {
        if (id >= strings_.size()) {
            PyErr_Format(PyExc_RuntimeError, "undefined string id %u", id);
            throw PyError{};
        }
        return utf8(strings_[id]);
    }

    PyObject* list(const std::vector<ValueRef>& refs, size_t begin, size_t step) {
        Ref l(check(PyList_New(0)));
        for (size_t i = begin; i < refs.size(); i += step) {
            Ref n(node(refs[i]));
            if (PyList_Append(l.get(), n.get()) < 0) throw PyError{};
        }
        return l.release();
    }

    // [[name, node], ...] for parallel name ids and refs (OBJECT attributes, format 1.3
    // attribute sections).
    PyObject* namedList(const std::vector<uint32_t>& names, const std::vector<ValueRef>& refs) {
        Ref attrs(check(PyList_New(0)));
        for (size_t i = 0; i < refs.size() && i < names.size(); ++i) {
            Ref name(check(string(names[i])));
            Ref v(node(refs[i]));
            Ref p(check(PyList_New(2)));
            PyList_SET_ITEM(p.get(), 0, name.release());
            PyList_SET_ITEM(p.get(), 1, v.release());
            if (PyList_Append(attrs.get(), p.get()) < 0) throw PyError{};
        }
        return attrs.release();
    }

    // New reference to the node for `ref`.
    PyObject* node(ValueRef ref) {
        switch (ref.kind()) {
            case ValueRef::Kind::SmallInt: {
                Ref d(check(PyDict_New()));
                setItem(d.get(), "kind", PyUnicode_FromString("int"));
                setItem(d.get(), "value", PyLong_FromLongLong(ref.smallInt()));
                return d.release();
            }
            case ValueRef::Kind::Constant: {
                Ref d(check(PyDict_New()));
                setItem(d.get(), "kind", PyUnicode_FromString("const"));
                setItem(d.get(), "value", PyUnicode_FromString(constantName(ref.constant())));
                return d.release();
            }
            case ValueRef::Kind::Record:
                break;
        }
        uint64_t id = ref.recordId();
        if (id < batch_.firstValueId || id - batch_.firstValueId >= records_.size()) {
            PyErr_Format(PyExc_RuntimeError, "record id %llu out of range",
                         static_cast<unsigned long long>(id));
            throw PyError{};
        }
        size_t ix = static_cast<size_t>(id - batch_.firstValueId);
        if (nodes_[ix] != nullptr) {
            Py_INCREF(nodes_[ix]);
            return nodes_[ix];
        }
        const ValueRecord& r = records_[ix];
        Ref d(check(PyDict_New()));
        setItem(d.get(), "kind", PyUnicode_FromString(format::valueKindName(r.kind)));
        setItem(d.get(), "id", PyLong_FromUnsignedLongLong(id));
        auto identity = [&] {
            setItem(d.get(), "identity", PyLong_FromUnsignedLongLong(r.identity));
        };
        switch (r.kind) {
            case ValueKind::Int:
                setItem(d.get(), "value", PyLong_FromLongLong(r.intValue));
                break;
            case ValueKind::BigInt:
                setItem(d.get(), "negative", PyBool_FromLong(r.negative));
                setItem(d.get(), "bits", PyLong_FromUnsignedLongLong(r.bits));
                setItem(d.get(), "digits", utf8(r.text));
                break;
            case ValueKind::Float:
                setItem(d.get(), "value", PyFloat_FromDouble(r.real));
                break;
            case ValueKind::Complex:
                setItem(d.get(), "real", PyFloat_FromDouble(r.real));
                setItem(d.get(), "imag", PyFloat_FromDouble(r.imag));
                break;
            case ValueKind::Str:
                setItem(d.get(), "len", PyLong_FromUnsignedLongLong(r.fullLength));
                setItem(d.get(), "text", utf8(r.text));
                break;
            case ValueKind::Bytearray:
                identity();
                [[fallthrough]];
            case ValueKind::Bytes:
                setItem(d.get(), "len", PyLong_FromUnsignedLongLong(r.fullLength));
                setItem(d.get(), "data",
                        PyBytes_FromStringAndSize(r.text.data(),
                                                  static_cast<Py_ssize_t>(r.text.size())));
                break;
            case ValueKind::List:
            case ValueKind::Tuple:
            case ValueKind::Set:
            case ValueKind::Frozenset:
                identity();
                setItem(d.get(), "len", PyLong_FromUnsignedLongLong(r.fullLength));
                setItem(d.get(), "items", list(r.items, 0, 1));
                break;
            case ValueKind::Dict: {
                identity();
                setItem(d.get(), "len", PyLong_FromUnsignedLongLong(r.fullLength));
                Ref pairs(check(PyList_New(0)));
                for (size_t i = 0; i + 1 < r.items.size(); i += 2) {
                    Ref k(node(r.items[i]));
                    Ref v(node(r.items[i + 1]));
                    Ref p(check(PyList_New(2)));
                    PyList_SET_ITEM(p.get(), 0, k.release());
                    PyList_SET_ITEM(p.get(), 1, v.release());
                    if (PyList_Append(pairs.get(), p.get()) < 0) throw PyError{};
                }
                setItem(d.get(), "items", pairs.release());
                break;
            }
            case ValueKind::Object:
                identity();
                setItem(d.get(), "type", type(r.typeId));
                setItem(d.get(), "total", PyLong_FromUnsignedLongLong(r.fullLength));
                setItem(d.get(), "attrs", namedList(r.names, r.items));
                break;
            case ValueKind::Exception:
                identity();
                setItem(d.get(), "type", type(r.typeId));
                setItem(d.get(), "nargs", PyLong_FromUnsignedLongLong(r.fullLength));
                setItem(d.get(), "args", list(r.items, 0, 1));
                setItem(d.get(), "cause", node(r.cause));
                setItem(d.get(), "context", node(r.context));
                setItem(d.get(), "subs", list(r.subExceptions, 0, 1));
                break;
            case ValueKind::Function:
                identity();
                setItem(d.get(), "qualname", string(r.stringId));
                break;
            case ValueKind::Class:
            case ValueKind::Opaque:
                identity();
                setItem(d.get(), "type", type(r.typeId));
                break;
            case ValueKind::Module:
                identity();
                setItem(d.get(), "name", string(r.stringId));
                break;
            case ValueKind::Subclass:
                setItem(d.get(), "type", type(r.typeId));
                setItem(d.get(), "inner", node(r.inner));
                break;
            case ValueKind::Truncated:
                identity();
                setItem(d.get(), "type", type(r.typeId));
                setItem(d.get(), "inner_kind",
                        PyUnicode_FromString(format::valueKindName(r.innerKind)));
                break;
            case ValueKind::Cycle:
                identity();
                break;
            case ValueKind::Generator:
                identity();
                setItem(d.get(), "type", type(r.typeId));
                setItem(d.get(), "qualname", string(r.stringId));
                break;
            case ValueKind::Patch:
                break;  // resolved when the batch was decoded (run())
        }
        if (r.attrTotal > 0) {
            setItem(d.get(), "attr_total", PyLong_FromUnsignedLongLong(r.attrTotal));
            setItem(d.get(), "extra_attrs", namedList(r.attrNames, r.attrs));
        }
        nodes_[ix] = d.get();
        Py_INCREF(nodes_[ix]);
        return d.release();
    }

    const format::Batch& batch_;
    std::vector<ValueRecord> records_;
    std::vector<std::string> strings_;
    std::vector<PyObject*> typeDicts_;  // borrowed from the "types" list
    std::vector<PyObject*> nodes_;      // owned
};

}  // namespace

namespace {

// The testing entry points are called from Python: every failure becomes a Python exception
// (`what` names the entry point), none may escape as a C++ exception.
template <class Body>
PyObject* pythonBoundary(const char* what, Body&& body) {
    try {
        return body();
    } catch (const PyError&) {
        return nullptr;
    } catch (const format::TraceFormatError& e) {
        PyErr_Format(PyExc_RuntimeError, "value records do not decode: %s", e.what());
        return nullptr;
    } catch (const std::exception& e) {
        PyErr_Format(PyExc_RuntimeError, "%s failed: %s", what, e.what());
        return nullptr;
    } catch (...) {
        PyErr_Format(PyExc_RuntimeError, "%s failed", what);
        return nullptr;
    }
}

// Calls `fn(item)` (a borrowed reference) for each item of `iterable`; throws PyError when
// iterating raises.
template <class Fn>
void forEachItem(PyObject* iterable, Fn&& fn) {
    Ref it(check(PyObject_GetIter(iterable)));
    for (;;) {
        Ref next(PyIter_Next(it.get()));
        if (next.get() == nullptr) break;
        fn(next.get());
    }
    if (PyErr_Occurred()) throw PyError{};
}

// The decoder's result for what `capture` wrote, with the capture's counters added.
PyObject* withCounters(PyObject* decoded, const ValueCapture& capture) {
    Ref result(check(decoded));
    setItem(result.get(), "failures", PyLong_FromUnsignedLongLong(capture.failureCount()));
    setItem(result.get(), "value_count", PyLong_FromUnsignedLongLong(capture.valueCount()));
    return result.release();
}

}  // namespace

PyObject* reelCaptureForTesting(PyObject* obj, CaptureLimits limits) {
    return pythonBoundary("capture for testing", [&] {
        ValueCapture capture(limits);
        ValueRef ref = capture.capture(obj);
        format::Batch batch;
        capture.drainInto(batch);
        Decoder decoder(batch);
        return withCounters(decoder.run(ref), capture);
    });
}

PyObject* reelCaptureSequenceForTesting(PyObject* iterable, CaptureLimits limits) {
    return pythonBoundary("capture for testing", [&] {
        ValueCapture capture(limits);
        std::vector<ValueRef> refs;
        forEachItem(iterable, [&](PyObject* item) { refs.push_back(capture.capture(item)); });
        format::Batch batch;
        capture.drainInto(batch);
        Decoder decoder(batch);
        return withCounters(decoder.run(refs.data(), refs.size(), true), capture);
    });
}

PyObject* reelRecaptureForTesting(PyObject* iterable, CaptureLimits limits) {
    return pythonBoundary("recapture for testing", [&] {
        ValueCapture capture(limits);
        ValueShape shape;
        ValueRef prev;
        bool first = true;
        Ref out(check(PyList_New(0)));
        forEachItem(iterable, [&](PyObject* item) {
            uint64_t hits = capture.shapeHits();
            ValueRef r1 =
                first ? capture.captureShaped(item, shape) : capture.recapture(item, prev, shape);
            bool hit = capture.shapeHits() != hits;
            ValueRef r2 = capture.capture(item);
            Ref d(check(PyDict_New()));
            setItem(d.get(), "same", PyBool_FromLong(r1 == r2));
            setItem(d.get(), "hit", PyBool_FromLong(hit));
            setItem(d.get(), "changed", PyBool_FromLong(!first && r1 != prev));
            if (PyList_Append(out.get(), d.get()) < 0) throw PyError{};
            prev = r1;
            first = false;
        });
        return out.release();
    });
}

PyObject* reelMayMutateForTesting(PyObject* obj) {
    return PyBool_FromLong(ValueCapture::mayMutate(obj, CaptureLimits{}.maxItems));
}

}  // namespace reel::recorder
