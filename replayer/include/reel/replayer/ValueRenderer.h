#pragma once
// Renders recorded values by the state-export contract (docs/values.md, issue 4 rules 1-8), and
// builds the structured, lazily expandable form the GUI's locals tree shows.
//
// The recorder captures deeper and wider than the contract's limits (depth 4, 64 items, 256
// characters by default); the renderer applies the contract limits itself, so a trace recorded
// with the defaults renders exactly as tests/oracle/reel_oracle.py renders the live value.
// Where exactness depends on what was captured (e.g. a recording made with smaller limits), the
// renderer shows what it has and marks the rest with "…".

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "reel/format/Definitions.h"
#include "reel/format/ValueRef.h"
#include "reel/replayer/UnicodePrintable.h"
#include "reel/replayer/ValueSource.h"

namespace reel::replayer {

// The contract's limits; DEPTH counts the top value as depth 1.
struct RenderLimits {
    uint32_t depth = 3;
    uint32_t items = 16;
    uint32_t chars = 64;
    uint32_t intBits = 200;
};

// One value as the locals tree shows it.
struct ValueNode {
    enum class Kind : uint8_t {
        None,
        Bool,
        Ellipsis,
        NotImplemented,
        Unbound,
        Redacted,
        NotCaptured,  // constants
        Int,
        Float,
        Complex,
        Str,
        Bytes,
        Bytearray,
        List,
        Tuple,
        Set,
        Frozenset,
        Dict,
        Object,
        Exception,
        Function,
        Class,
        Module,
        Opaque,
        Generator,
        Truncated,  // deeper than the recorder captured
        Cycle       // points back to a value on the path from the top
    };
    Kind kind = Kind::None;
    format::ValueRef ref;     // what to pass to children()
    std::string typeName;     // TYPE as the rules spell it ("int", "list", "mod.Pair", ...)
    std::string text;         // the RENDERED string of this value taken as a top value
    uint64_t identity = 0;    // recorder identity; 0 when not tracked (scalars)
    uint64_t fullLength = 0;  // elements / entries / attributes / args / chars / bytes it had
    bool subclass = false;    // instance of a strict subclass of the builtin `kind`
    bool expandable = false;  // children() is not empty
};

struct ValueChild {
    std::string label;  // "[0]", a dict key's rendering, an attribute name, "args[0]", ...
    ValueNode node;
    // An attribute of an exception or a builtin-subclass instance (format 1.3), not one of the
    // items its fullLength counts.
    bool extraAttribute = false;
};

class ValueRenderer {
  public:
    // `printable` must be the table of the Python version that recorded the values
    // (UnicodePrintable::forPythonVersion(header.pythonVersion)). `source` and `defs` must
    // outlive the renderer.
    ValueRenderer(ValueSource& source, const format::Definitions& defs,
                  const UnicodePrintable& printable, RenderLimits limits = {});

    // The RENDERED string of a top-level value (depth 1). Throws TraceFormatError on damaged
    // records or ids the definitions do not hold.
    std::string render(format::ValueRef ref);

    ValueNode node(format::ValueRef ref);
    // Every captured child (not limited to RenderLimits::items; fullLength says how many the live
    // value had). Empty for leaves.
    std::vector<ValueChild> children(const ValueNode& node);

    const RenderLimits& limits() const { return limits_; }
    // TYPE of a type record, for front ends.
    const std::string& typeName(uint32_t typeId) const;
    const std::string& stringAt(uint32_t stringId) const;

  private:
    void renderRef(std::string& out, format::ValueRef ref, uint32_t depth);
    void renderRecord(std::string& out, const FetchedValue& v, uint32_t depth);
    void renderContainer(std::string& out, const FetchedValue& v, uint32_t depth);
    void renderItems(std::string& out, const std::vector<format::ValueRef>& items,
                     uint64_t fullLength, uint32_t depth, bool pairs);
    // Rules 3/5/7 share the cycle-then-depth check of the oracle; true when it rendered already.
    bool cycleOrTooDeep(std::string& out, uint64_t identity, uint32_t depth);
    void renderInt(std::string& out, int64_t v);
    void appendMore(std::string& out, uint64_t remaining);
    FetchedValue fetch(uint64_t id) { return source_.fetch(id); }

    ValueSource& source_;
    const format::Definitions& defs_;
    const UnicodePrintable& printable_;
    RenderLimits limits_;
    std::vector<uint64_t> path_;  // identities of the containers being rendered, top first
    // Top-level renderings by record id: content-addressed records make the same id recur at
    // many events, and a top value's rendering depends on nothing but its id.
    std::unordered_map<uint64_t, std::string> cache_;
};

}  // namespace reel::replayer
