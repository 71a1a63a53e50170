#pragma once
// The small expression language of every front end: breakpoint conditions (`break F:L if EXPR`
// in `reel replay`, conditional breakpoints in the GUI) and the value paths `print` takes. It
// lives in the replayer library so both front ends share one parser and one evaluator
// (ConditionEvaluator in ValueLookup.h). No Python exists at replay time, so expressions never run
// program code: they read recorded values only.
//
//   expr       := or
//   or         := and ('or' and)*
//   and        := not ('and' not)*
//   not        := 'not' not | primary
//   primary    := '(' expr ')' | operand [cmp operand]
//   cmp        := '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not' 'in'
//   operand    := path | NUMBER | STRING | 'None' | 'True' | 'False'
//   path       := NAME ('.' NAME | '[' (INT | STRING) ']')*      (NAME may start with '$')
//
// Semantics (docs/guide.md, "Conditions"): a path reads a local of the frame (then attributes,
// items and dict entries of its recorded snapshot); numbers (int, float, bool) compare
// numerically, strings by content, None with None; `==` on anything else compares renderings;
// `in` tests substrings of a str or membership in a list/tuple/set/dict; a lone operand is its
// Python truth value. A name that is not bound, or a comparison Python would reject, is an
// EvalError.

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace reel::replayer {

// Bad expression text; the message says what and where.
class ExprSyntaxError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// An expression that cannot be evaluated at this event (unknown or unbound name, missing
// attribute, incomparable values).
class EvalError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// A literal as written in an expression.
struct Literal {
    enum class Kind : uint8_t { None, Bool, Int, Float, Str };
    Kind kind = Kind::None;
    bool boolValue = false;
    std::string digits;  // Int: optional '-' then decimal digits without leading zeros
    double number = 0;   // Int (approximate) and Float
    std::string text;    // Str: the content, UTF-8
};

// `name.attr[0]['key']`.
struct ValuePath {
    struct Step {
        enum class Kind : uint8_t { Attr, Index };
        Kind kind = Kind::Attr;
        std::string attr;  // Attr
        Literal key;       // Index: Int or Str
    };
    std::string name;
    std::vector<Step> steps;
    std::string text;  // as written, for messages
};

// A value an expression compares, as the evaluator sees it.
struct Operand {
    enum class Kind : uint8_t { None, Bool, Int, Float, Str, Other };
    Kind kind = Kind::Other;
    bool boolValue = false;
    std::string digits;       // Int: exact decimal (empty when the int was too big to be recorded)
    double number = 0;        // Int, Float, Bool
    std::string text;         // Str: content (possibly a captured prefix)
    uint64_t fullLength = 0;  // Str: code points in the live string; containers: elements
    bool truncated = false;   // Str: only a prefix was captured
    std::string rendered;     // the rendering (for == on other kinds and for messages)
    bool container = false;   // list/tuple/set/frozenset/dict (truth value from fullLength)
};

// Supplies values for paths; implemented over a replayed frame (ValueLookup.h).
class OperandSource {
  public:
    virtual ~OperandSource() = default;
    // Throws EvalError when the path cannot be read here.
    virtual Operand resolve(const ValuePath& path) = 0;
    // Elements of a container operand (dict: its keys) for `in`; throws EvalError when the
    // path is not a container or not fully captured.
    virtual std::vector<Operand> elements(const ValuePath& path) = 0;
};

class ConditionExpr {
  public:
    // Throws ExprSyntaxError.
    static ConditionExpr parse(std::string_view text);
    static ValuePath parsePath(std::string_view text);

    // Throws EvalError.
    bool evaluate(OperandSource& source) const;

    const std::string& text() const { return text_; }
    // The names the expression reads (for messages and completion).
    std::vector<std::string> names() const;

    struct Node;

  private:
    std::string text_;
    std::shared_ptr<const Node> root_;
};

// Python's `a == b` / ordering on two operands; throws EvalError for orderings Python rejects.
bool operandsEqual(const Operand& a, const Operand& b);
int compareOperands(const Operand& a, const Operand& b, const char* op);
Operand literalOperand(const Literal& lit);
bool truthValue(const Operand& v);

}  // namespace reel::replayer
