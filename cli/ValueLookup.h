#pragma once
// Reads names and paths (`qty`, `item.stock`, `order.lines[0]`, `self.items['bolt']`) in one
// replayed frame, from the recorded snapshots: what `print` shows and what breakpoint conditions
// compare. Special names: `$value` (the value returned or yielded, or the exception, at a
// RETURN/YIELD/EXCEPTION event) and `$exc` (the exception in flight on the frame's thread).

#include <string>
#include <vector>

#include "ConditionExpr.h"
#include "reel/format/Definitions.h"
#include "reel/replayer/ProgramState.h"
#include "reel/replayer/ValueRenderer.h"
#include "reel/replayer/ValueSource.h"

namespace reel::cli {

class ValueLookup : public OperandSource {
  public:
    // All three must outlive the lookup. `renderer` gives the renderings `==` compares on
    // values that are neither numbers, strings nor None.
    ValueLookup(const format::Definitions& defs, replayer::ValueSource& values,
                replayer::ValueRenderer& renderer);

    // Where names resolve: `frame` (a frame of `state`) running on `thread`.
    void setFrame(const replayer::ProgramState& state, const replayer::Frame& frame,
                  uint32_t thread);

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
    replayer::FetchedValue fetchUnwrapped(format::ValueRef ref);
    format::ValueRef step(format::ValueRef ref, const ValuePath& path, size_t& i);

    const format::Definitions& defs_;
    replayer::ValueSource& values_;
    replayer::ValueRenderer& renderer_;
    const replayer::ProgramState* state_ = nullptr;
    const replayer::Frame* frame_ = nullptr;
    uint32_t thread_ = 0;
};

}  // namespace reel::cli
