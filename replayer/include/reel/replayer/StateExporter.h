#pragma once
// The state export of the fidelity contract (issue 4, docs/values.md): one JSON line per event
// that sys.settrace with f_trace_opcodes would have delivered to a pure-Python tracer, for frames
// whose file lies inside the --only directory, byte-identical to tests/oracle/reel_oracle.py:
//   {"ev":"call","fn":F,"line":L}
//   {"ev":"opcode","fn":F,"line":L,"off":O,"locals":{NAME:RENDERED,...}}
//   {"ev":"exception","fn":F,"line":L,"exc":RENDERED}
//   {"ev":"return","fn":F,"line":L,"value":RENDERED}
// The exporter sees each event's ProgramState (from an EventCursor walking the trace in order)
// and needs nothing else: the per-event logic is separate from the walk so it can be tested on
// states built by hand.

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "reel/format/Definitions.h"
#include "reel/format/TraceReader.h"
#include "reel/replayer/LocalsView.h"
#include "reel/replayer/ProgramState.h"
#include "reel/replayer/ValueRenderer.h"

namespace reel::replayer {

struct ExportOptions {
    // --only DIR as given; a relative DIR resolves against the recording's working directory.
    // Empty: every frame with a real file (pseudo-files like <string> are always left out).
    std::string only;
    RenderLimits limits;
};

class StateExporter {
  public:
    // `defs`, `values` must outlive the exporter. `header` gives the recording's cwd and Python
    // version (which selects the f_locals rules and the Unicode table).
    StateExporter(const format::Definitions& defs, const format::HeaderInfo& header,
                  ValueSource& values, ExportOptions options);

    // Call for every event of the trace, in order, with the state at that event. Appends the
    // event's JSON line (with "\n") to `out` when the contract exports it; returns whether it did.
    bool onEvent(const ProgramState& state, std::string& out);

    // Whether frames running `codeId` are exported (file inside the --only directory).
    bool wanted(uint32_t codeId);

    ValueRenderer& renderer() { return renderer_; }
    const std::filesystem::path& onlyDir() const { return onlyDir_; }

  private:
    void appendHead(std::string& out, const char* ev, const format::CodeObject& code,
                    const Frame& f);

    const format::Definitions& defs_;
    std::filesystem::path cwd_;
    std::filesystem::path onlyDir_;  // canonical, empty when there is no filter
    ValueRenderer renderer_;
    LocalsView locals_;
    std::vector<int8_t> wanted_;  // per code id: -1 unknown, 0 no, 1 yes
};

// Walks every event of the trace with an EventCursor and writes the JSON Lines to `out`.
// Returns the number of lines written. Throws TraceFormatError for damage and std::system_error
// when writing fails.
uint64_t exportStates(format::TraceReader& reader, const ExportOptions& options, std::FILE* out);

}  // namespace reel::replayer
