#pragma once
// A synthetic but program-shaped trace for the GUI tests and bench_gui: what the recorder would
// write for the Python program in kProgramSource (calls, returns, locals of several kinds, an
// exception raised two frames deep and handled, printed output, TIME records), with the loop
// count as a parameter so the same program yields a few hundred events for the tests and tens of
// millions for the benchmark. Built with the format library's own writer and encoders, so the
// GUI tests do not depend on Python or on the recorder.
//
// The events follow CPython 3.12's bytecode for the program closely enough for every pane to
// have something true to show: line numbers come from each code object's instruction table,
// locals change where the STORE_* instructions are, the exception is an EXCEPTION + UNWIND in
// work() and an EXCEPTION + HANDLED in the module.

#include <cstdint>
#include <filesystem>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "format/TraceFixture.h"

namespace reel::test {

inline constexpr const char* kProgramFile = "/tmp/work/prog.py";
inline constexpr const char* kProgramSource =
    "import sys\n"                                    // 1
    "\n"                                              // 2
    "def add(a, b):\n"                                // 3
    "    s = a + b\n"                                 // 4
    "    return s\n"                                  // 5
    "\n"                                              // 6
    "def work(n):\n"                                  // 7
    "    total = 0\n"                                 // 8
    "    items = [\"start\", [1, 2]]\n"               // 9
    "    for i in range(n):\n"                        // 10
    "        total = add(total, i)\n"                 // 11
    "    if total > 5:\n"                             // 12
    "        raise ValueError(\"too big\", total)\n"  // 13
    "    return total\n"                              // 14
    "\n"                                              // 15
    "try:\n"                                          // 16
    "    work(4)\n"                                   // 17
    "except ValueError as e:\n"                       // 18
    "    print(\"caught\", e)\n"                      // 19
    "print(\"done\")\n";                              // 20

// Code ids.
inline constexpr uint32_t kModuleCode = 0, kAddCode = 1, kWorkCode = 2;
// String ids.
inline constexpr uint32_t kStrSys = 0, kStrAdd = 1, kStrWork = 2, kStrE = 3;

struct ProgramSpec {
    uint64_t iterations = 4;         // work(n)'s n: the loop runs n times
    uint32_t eventsPerBatch = 4096;  // the recorder's batch size
    bool closed = true;              // false: leave the .partial file (as after a crash)
    // A second thread ("worker", id 1) runs add(10, 20) while <module> is about to print "done":
    // two thread switches, for the thread selector and the timeline's switch markers.
    bool workerThread = false;
    // With workerThread: the worker's add() raises the ValueError at line 5 (EXCEPTION + UNWIND)
    // instead of returning, an exception that ends the worker while <module> waits on line 19.
    bool workerRaises = false;
    // Before print("done"): this many more ValueErrors raised in <module> at line 17 and handled
    // at once (EXCEPTION + HANDLED, then the handler's first instruction), for a crowded timeline.
    uint32_t extraRaises = 0;
    // A line on stderr ("warn\n") between the two stdout lines, for the interleaved output pane.
    bool stderrLine = false;
    // As CPython compiles the handler: its PUSH_EXC_INFO and the cleanup after `except ValueError
    // as e:` (POP_EXCEPT, `e = None`, `del e`) have no line number (-1).
    bool linelessCleanup = false;
};

// Instructions given as (line, opname, argRepr); offsets are 2 * index (no cache entries).
inline format::CodeObject programCode(
    uint32_t id, std::string qualname, int32_t firstLine, std::vector<std::string> locals,
    bool localsDict, const std::vector<std::tuple<int, const char*, const char*>>& ins) {
    format::CodeObject c;
    c.id = id;
    c.qualname = qualname;
    c.name = std::move(qualname);
    c.filename = kProgramFile;
    c.sourceId = 0;
    c.firstLine = firstLine;
    c.localNames = std::move(locals);
    c.localKinds.assign(c.localNames.size(), 0x20);
    c.usesLocalsDict = localsDict;
    uint16_t op = 1;
    for (const auto& [line, name, arg] : ins) {
        format::Instruction in;
        in.offset = static_cast<uint32_t>(c.instructions.size() * 2);
        in.opcode = op++;
        in.opname = name;
        in.arg = *arg ? 0 : -1;
        in.argRepr = arg;
        in.line = line;
        c.instructions.push_back(in);
    }
    c.bytecode.assign(c.instructions.size() * 2, 0);
    return c;
}

// The module's instructions without a line number under ProgramSpec::linelessCleanup.
inline constexpr uint32_t kPushExcInfo = 18, kPopExcept = 28, kCleanupEnd = 31;

inline std::vector<format::CodeObject> programCodes(bool linelessCleanup = false) {
    std::vector<format::CodeObject> codes;
    codes.push_back(programCode(kModuleCode, "<module>", 1, {}, true,
                                {{1, "IMPORT_NAME", "sys"},
                                 {1, "STORE_NAME", "sys"},
                                 {3, "LOAD_CONST", "<code add>"},
                                 {3, "MAKE_FUNCTION", ""},
                                 {3, "STORE_NAME", "add"},
                                 {7, "LOAD_CONST", "<code work>"},
                                 {7, "MAKE_FUNCTION", ""},
                                 {7, "STORE_NAME", "work"},
                                 {16, "NOP", ""},
                                 {17, "LOAD_NAME", "work"},
                                 {17, "LOAD_CONST", "4"},
                                 {17, "CALL", "1"},
                                 {17, "POP_TOP", ""},
                                 {20, "LOAD_NAME", "print"},
                                 {20, "LOAD_CONST", "'done'"},
                                 {20, "CALL", "1"},
                                 {20, "POP_TOP", ""},
                                 {20, "RETURN_CONST", "None"},
                                 {18, "PUSH_EXC_INFO", ""},
                                 {18, "LOAD_NAME", "ValueError"},
                                 {18, "CHECK_EXC_MATCH", ""},
                                 {18, "POP_JUMP_IF_FALSE", "to 64"},
                                 {18, "STORE_NAME", "e"},
                                 {19, "LOAD_NAME", "print"},
                                 {19, "LOAD_CONST", "'caught'"},
                                 {19, "LOAD_NAME", "e"},
                                 {19, "CALL", "2"},
                                 {19, "POP_TOP", ""},
                                 {19, "POP_EXCEPT", ""},
                                 {19, "LOAD_CONST", "None"},
                                 {19, "STORE_NAME", "e"},
                                 {19, "DELETE_NAME", "e"},
                                 {19, "JUMP_BACKWARD", "to 26"}}));
    codes.push_back(programCode(kAddCode, "add", 3, {"a", "b", "s"}, false,
                                {{3, "RESUME", "0"},
                                 {4, "LOAD_FAST", "a"},
                                 {4, "LOAD_FAST", "b"},
                                 {4, "BINARY_OP", "+"},
                                 {4, "STORE_FAST", "s"},
                                 {5, "LOAD_FAST", "s"},
                                 {5, "RETURN_VALUE", ""}}));
    codes.push_back(programCode(kWorkCode, "work", 7, {"n", "total", "items", "i"}, false,
                                {{7, "RESUME", "0"},
                                 {8, "LOAD_CONST", "0"},
                                 {8, "STORE_FAST", "total"},
                                 {9, "LOAD_CONST", "'start'"},
                                 {9, "LOAD_CONST", "1"},
                                 {9, "LOAD_CONST", "2"},
                                 {9, "BUILD_LIST", "2"},
                                 {9, "BUILD_LIST", "2"},
                                 {9, "STORE_FAST", "items"},
                                 {10, "LOAD_GLOBAL", "range"},
                                 {10, "LOAD_FAST", "n"},
                                 {10, "CALL", "1"},
                                 {10, "GET_ITER", ""},
                                 {10, "FOR_ITER", "to 42"},
                                 {10, "STORE_FAST", "i"},
                                 {11, "LOAD_GLOBAL", "add"},
                                 {11, "LOAD_FAST", "total"},
                                 {11, "LOAD_FAST", "i"},
                                 {11, "CALL", "2"},
                                 {11, "STORE_FAST", "total"},
                                 {11, "JUMP_BACKWARD", "to 26"},
                                 {10, "END_FOR", ""},
                                 {12, "LOAD_FAST", "total"},
                                 {12, "LOAD_CONST", "5"},
                                 {12, "COMPARE_OP", ">"},
                                 {12, "POP_JUMP_IF_FALSE", "to 62"},
                                 {13, "LOAD_GLOBAL", "ValueError"},
                                 {13, "LOAD_CONST", "'too big'"},
                                 {13, "LOAD_FAST", "total"},
                                 {13, "CALL", "2"},
                                 {13, "RAISE_VARARGS", "1"},
                                 {14, "LOAD_FAST", "total"},
                                 {14, "RETURN_VALUE", ""}}));
    if (linelessCleanup) {
        auto& module = codes[kModuleCode].instructions;
        module[kPushExcInfo].line = -1;
        for (uint32_t k = kPopExcept; k <= kCleanupEnd; ++k) module[k].line = -1;
    }
    return codes;
}

// Value record ids (all in the first batch).
inline constexpr uint64_t kValSys = 0, kValAdd = 1, kValWork = 2, kValStart = 3, kValInner = 4,
                          kValItems = 5, kValTooBig = 6, kValExc = 7, kValCount = 8;

inline uint64_t programTotal(uint64_t n) {
    return n * (n - (n ? 1 : 0)) / 2;
}

// Writes the whole program's trace to `path` (or path.partial when !spec.closed). Returns the
// number of events.
class ProgramTraceWriter {
  public:
    ProgramTraceWriter(const std::filesystem::path& path, ProgramSpec spec)
        : spec_(spec), writer_(path, header(), testOptions()) {
        pending_.defs.sources.push_back({0, kProgramFile, kProgramSource, true});
        pending_.defs.codes = programCodes(spec.linelessCleanup);
        pending_.defs.types.push_back(
            {0, "ValueError", "builtins", "ValueError", format::BuiltinBase::Exception});
        pending_.defs.strings = {
            {kStrSys, "sys"}, {kStrAdd, "add"}, {kStrWork, "work"}, {kStrE, "e"}};
        pending_.defs.threads.push_back({0, 140000, 4242, "MainThread", true});
        if (spec.workerThread) pending_.defs.threads.push_back({1, 140001, 4243, "worker", false});
        using format::ValueKind;
        auto& v = pending_.values;
        format::encode::module(v, 9001, kStrSys);
        format::encode::function(v, 9002, kStrAdd);
        format::encode::function(v, 9003, kStrWork);
        format::encode::str(v, 5, "start");
        ValueRef inner[2] = {ValueRef::smallInt(1), ValueRef::smallInt(2)};
        format::encode::container(v, ValueKind::List, 9004, 2, inner, 2);
        ValueRef items[2] = {ValueRef::record(kValStart), ValueRef::record(kValInner)};
        format::encode::container(v, ValueKind::List, 9005, 2, items, 2);
        format::encode::str(v, 7, "too big");
        ValueRef args[2] = {
            ValueRef::record(kValTooBig),
            ValueRef::smallInt(static_cast<int64_t>(programTotal(spec.iterations)))};
        const ValueRef none = ValueRef::constant(format::Constant::None);
        format::encode::exception(v, 9006, 0, 2, args, 2, none, none, nullptr, 0);
        pending_.firstValueId = 0;
        pending_.valueCount = kValCount;
        enc_.thread(0);
    }

    uint64_t write() {
        using format::ValueRef;
        const uint64_t n = spec_.iterations;
        // <module>
        call(kModuleCode);
        op(0);
        op(1);
        enc_.nameSet(kStrSys, ValueRef::record(kValSys));
        op(2), op(3), op(4);
        enc_.nameSet(kStrAdd, ValueRef::record(kValAdd));
        op(5), op(6), op(7);
        enc_.nameSet(kStrWork, ValueRef::record(kValWork));
        op(8), op(9), op(10), op(11);
        // work(n)
        call(kWorkCode);
        enc_.localSet(0, ValueRef::smallInt(static_cast<int64_t>(n)));
        op(0), op(1), op(2);
        enc_.localSet(1, ValueRef::smallInt(0));
        for (int k = 3; k <= 8; ++k) op(k);
        enc_.localSet(2, ValueRef::record(kValItems));
        for (int k = 9; k <= 13; ++k) op(k);
        int64_t total = 0;
        for (uint64_t i = 0; i < n; ++i) {
            op(14);
            enc_.localSet(3, ValueRef::smallInt(static_cast<int64_t>(i)));
            op(15), op(16), op(17), op(18);
            // add(total, i)
            call(kAddCode);
            enc_.localSet(0, ValueRef::smallInt(total));
            enc_.localSet(1, ValueRef::smallInt(static_cast<int64_t>(i)));
            op(0), op(1), op(2), op(3), op(4);
            total += static_cast<int64_t>(i);
            enc_.localSet(2, ValueRef::smallInt(total));
            op(5), op(6);
            event([&] { enc_.ret(ValueRef::smallInt(total), 12); });
            op(19);
            enc_.localSet(1, ValueRef::smallInt(total));
            op(20);
            op(13);
            if (i % 64 == 63) enc_.time(static_cast<int64_t>(i) * 1000);
        }
        op(21);
        for (int k = 22; k <= 25; ++k) op(k);
        if (total > 5) {
            for (int k = 26; k <= 30; ++k) op(k);
            event([&] { enc_.exception(ValueRef::record(kValExc), 60); });
            event([&] { enc_.unwind(60); });
            // back in <module>: the exception reaches the CALL at offset 22, handled at 36
            event([&] { enc_.exception(ValueRef::record(kValExc), 22); });
            enc_.handled(36);
            for (int k = 18; k <= 22; ++k) op(k);
            enc_.nameSet(kStrE, ValueRef::record(kValExc));
            for (int k = 23; k <= 26; ++k) op(k);
            output("caught ('too big', " + std::to_string(total) + ")\n");
            for (int k = 27; k <= 30; ++k) op(k);
            enc_.nameSet(kStrE, ValueRef::constant(format::Constant::None));
            op(31);
            enc_.nameDel(kStrE);
            op(32);
        } else {
            op(31), op(32);
            event([&] { enc_.ret(ValueRef::smallInt(total), 64); });
            op(12);
        }
        if (spec_.workerThread) {
            switchThread(1);
            call(kAddCode);
            enc_.localSet(0, ValueRef::smallInt(10));
            enc_.localSet(1, ValueRef::smallInt(20));
            op(0), op(1), op(2), op(3), op(4);
            enc_.localSet(2, ValueRef::smallInt(30));
            op(5);
            if (spec_.workerRaises) {
                event([&] { enc_.exception(ValueRef::record(kValExc), 10); });
                event([&] { enc_.unwind(10); });
            } else {
                op(6);
                event([&] { enc_.ret(ValueRef::smallInt(30), 12); });
            }
            enc_.threadEnd(1);
            switchThread(0);
        }
        for (uint32_t k = 0; k < spec_.extraRaises; ++k) {
            event([&] { enc_.exception(ValueRef::record(kValExc), 22); });
            enc_.handled(36);
            op(18);
        }
        op(13), op(14);
        if (spec_.stderrLine) enc_.output(2, "warn\n", 5);
        op(15);
        output("done\n");
        op(16), op(17);
        event([&] { enc_.ret(ValueRef::constant(format::Constant::None), 34); });
        flush();
        if (spec_.closed)
            writer_.close({format::ExitKind::Exited, 0, ""});
        else
            writer_.flush();
        return events_;
    }

  private:
    using ValueRef = format::ValueRef;

    static format::HeaderInfo header() {
        format::HeaderInfo h = sampleHeader();
        h.argv = {"prog.py"};
        h.cwd = "/tmp/work";
        h.capture = {};
        return h;
    }
    template <class F>
    void event(F&& f) {
        f();
        ++events_;
        if (enc_.eventCount >= spec_.eventsPerBatch) flush();
    }
    void call(uint32_t code) {
        ++framesCreated_;  // counted before flush() so the next batch starts with the right id
        event([&] { enc_.call(code, -1); });
    }
    void op(int index) {
        event([&] { enc_.opcode(static_cast<uint32_t>(index) * 2); });
    }
    void switchThread(uint32_t t) {
        enc_.thread(t);
        thread_ = t;
    }
    void output(const std::string& s) { enc_.output(1, s.data(), s.size()); }
    void flush() {
        if (enc_.eventCount == 0) return;
        pending_.firstEvent = events_ - enc_.eventCount;
        pending_.eventCount = enc_.eventCount;
        pending_.tags = std::move(enc_.tags);
        pending_.args = std::move(enc_.args);
        pending_.blobs = std::move(enc_.blobs);
        pending_.startThread = thread_;
        pending_.startNextFrameId = batchStartFrameId_;
        pending_.startTimeNs = 0;
        pending_.endTimeNs = 0;
        writer_.append(std::move(pending_));
        pending_ = {};
        enc_.tags.clear(), enc_.args.clear(), enc_.blobs.clear();
        enc_.reset();
        batchStartFrameId_ = framesCreated_;
    }

    ProgramSpec spec_;
    format::TraceWriter writer_;
    format::Batch pending_;
    format::EventEncoder enc_;
    uint64_t events_ = 0;
    // Frame ids continue across batches: each batch says which id its first CALL gets.
    uint64_t framesCreated_ = 0, batchStartFrameId_ = 0;
    uint32_t thread_ = 0;  // the thread the next batch starts on
};

inline uint64_t writeProgramTrace(const std::filesystem::path& path, ProgramSpec spec = {}) {
    return ProgramTraceWriter(path, spec).write();
}

}  // namespace reel::test
