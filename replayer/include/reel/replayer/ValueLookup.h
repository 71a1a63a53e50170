#pragma once
// Reads names and paths (`qty`, `item.stock`, `order.lines[0]`, `self.items['bolt']`) in one
// replayed frame, from the recorded snapshots: what `print` shows and what breakpoint conditions
// compare. Special names: `$value` (the value returned or yielded, or the exception, at a
// RETURN/YIELD/EXCEPTION event) and `$exc` (the exception in flight on the frame's thread).

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "reel/format/Definitions.h"
#include "reel/replayer/ConditionExpr.h"
#include "reel/replayer/ProgramState.h"
#include "reel/replayer/ValueRenderer.h"
#include "reel/replayer/ValueSource.h"

namespace reel::replayer {

class ValueLookup : public OperandSource {
  public:
    // All three must outlive the lookup. `renderer` gives the renderings `==` compares on
    // values that are neither numbers, strings nor None.
    ValueLookup(const format::Definitions& defs, ValueSource& values, ValueRenderer& renderer);

    // Where names resolve: `frame` (a frame of `state`) running on `thread`.
    void setFrame(const ProgramState& state, const Frame& frame, uint32_t thread);

    // The value a path designates. Throws EvalError (unknown or unbound name, missing attribute,
    // index out of range or not recorded) and TraceFormatError for damage.
    format::ValueRef lookup(const ValuePath& path);
    // The value of a local of the current frame, or nullptr when it has no such name; sets
    // *unbound when the name exists but holds no value.
    const format::ValueRef* local(const std::string& name, bool* unbound = nullptr);

    Operand resolve(const ValuePath& path) override;
    std::vector<Operand> elements(const ValuePath& path) override;
    Operand operand(format::ValueRef ref);

    // "reserve()" for messages.
    std::string frameName() const;

  private:
    FetchedValue fetchUnwrapped(format::ValueRef ref);
    FetchedValue unwrapped(FetchedValue v);
    format::ValueRef step(format::ValueRef ref, const ValuePath& path, size_t& i);

    const format::Definitions& defs_;
    ValueSource& values_;
    ValueRenderer& renderer_;
    const ProgramState* state_ = nullptr;
    const Frame* frame_ = nullptr;
    uint32_t thread_ = 0;
};

// The one evaluator of breakpoint hit conditions (`break F:L if EXPR` in the terminal, the GUI's
// conditional breakpoints): it turns a parsed ConditionExpr into a Breakpoint::condition that
// evaluates it in the frame that hits the breakpoint. A condition that cannot be evaluated there
// (unknown or unbound name, incomparable values, damage) counts as true, as in pdb: silently
// never stopping would hide a typo; the reason goes to `lastError` (cleared by every successful
// evaluation) so the front end can say why it stopped. The callables never throw (the Navigator
// requires it) and refer to this evaluator, which must outlive the breakpoints made with it.
class ConditionEvaluator {
  public:
    ConditionEvaluator(const format::Definitions& defs, ValueSource& values,
                       ValueRenderer& renderer)
        : lookup_(defs, values, renderer) {}

    using Condition = std::function<bool(const ProgramState&, const Frame&)>;
    Condition make(std::shared_ptr<const ConditionExpr> expr,
                   std::shared_ptr<std::string> lastError = nullptr);
    // Evaluates once (e.g. to show a condition's value in a breakpoint list): true/false, or
    // throws EvalError.
    bool evaluate(const ConditionExpr& expr, const ProgramState& state, const Frame& frame);

  private:
    ValueLookup lookup_;
};

}  // namespace reel::replayer
