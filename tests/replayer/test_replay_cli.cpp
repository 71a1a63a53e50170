// `reel replay` end to end: the real binary, driven with -c and through a pipe, on a synthetic
// trace of a small known program (two functions, a loop, a second thread, program output, an
// uncaught exception), checking what each command prints, its messages at both ends of the
// trace, and the exit status of scripts whose command fails.

#include <sys/wait.h>

#include <algorithm>

#include <catch2/catch.hpp>

#include "format/TraceFixture.h"
#include "reel/replayer/Replayer.h"
#include "reel/replayer/TraceSlicer.h"
#include "replayer/ReplayFixture.h"

using namespace reel::format;
using namespace reel::test;

namespace {

// The program the synthetic trace pretends to have recorded.
const char* kSource =
    "def add(a, b):\n"                                  // 1
    "    total = a + b\n"                               // 2
    "    return total\n"                                // 3
    "\n"                                                // 4
    "def main():\n"                                     // 5
    "    total, seen, item = 0, [], Item('bolt', 5)\n"  // 6
    "    for i in range(3):\n"                          // 7
    "        total = add(total, i * 10)\n"              // 8
    "    name = 'bolt'\n"                               // 9
    "    raise ValueError('boom')\n"                    // 10
    "\n"                                                // 11
    "main()\n"                                          // 12
    "\n"                                                // 13
    "def worker():\n"                                   // 14
    "    return 1\n";                                   // 15

enum Code : uint32_t { kModule = 0, kAdd = 1, kMain = 2, kWorker = 3 };
// main's slots
enum Slot : uint32_t { kTotal = 0, kI = 1, kName = 2, kSeen = 3, kItem = 4 };

Instruction instr(uint32_t offset, const char* opname, int32_t line, int32_t arg = -1,
                  const char* argRepr = "", int32_t jump = -1) {
    Instruction in;
    in.offset = offset;
    in.opname = opname;
    in.opcode = 1;
    in.line = line;
    in.arg = arg;
    in.argRepr = argRepr;
    in.jumpTarget = jump;
    return in;
}

CodeObject code(uint32_t id, const char* name, int32_t firstLine, std::vector<std::string> locals,
                std::vector<Instruction> ins, bool dictLocals = false) {
    CodeObject c;
    c.id = id;
    c.name = name;
    c.qualname = name;
    c.filename = "/src/prog.py";
    c.sourceId = 0;
    c.firstLine = firstLine;
    c.localNames = std::move(locals);
    c.localKinds.assign(c.localNames.size(), 0x20);
    c.instructions = std::move(ins);
    c.usesLocalsDict = dictLocals;
    c.bytecode.assign(c.instructions.size() * 2, 0);
    return c;
}

struct Program {
    std::vector<uint64_t> lineOf;  // not needed by the tests, kept for debugging
    uint64_t raiseEvent = 0;       // EXCEPTION in main
    uint64_t lastEvent = 0;
    uint64_t firstAddCall = 0;
    uint64_t workerCall = 0;
};

// Writes the trace of kSource's run; returns facts the tests check against.
Program writeProgram(const std::filesystem::path& path) {
    Batch b;
    b.defs.sources.push_back({0, "/src/prog.py", kSource, true});
    b.defs.codes.push_back(code(kModule, "<module>", 1, {},
                                {instr(0, "LOAD_CONST", 1), instr(2, "MAKE_FUNCTION", 5),
                                 instr(4, "CALL", 12, 0), instr(6, "RETURN_VALUE", 12)},
                                true));
    b.defs.codes.push_back(
        code(kAdd, "add", 1, {"a", "b", "total"},
             {instr(0, "LOAD_FAST", 2, 0, "a"), instr(2, "LOAD_FAST", 3, 2, "total"),
              instr(4, "RETURN_VALUE", 3)}));
    b.defs.codes.push_back(
        code(kMain, "main", 5, {"total", "i", "name", "seen", "item"},
             {instr(0, "LOAD_CONST", 6), instr(2, "STORE_FAST", 6, 0, "total"),
              instr(4, "FOR_ITER", 7, 4, "to 12", 12), instr(6, "LOAD_GLOBAL", 8, 0, "add"),
              instr(8, "STORE_FAST", 8, 0, "total"), instr(10, "JUMP_BACKWARD", 8, 4, "to 4", 4),
              instr(12, "STORE_FAST", 9, 2, "name"), instr(14, "RAISE_VARARGS", 10, 1)}));
    b.defs.codes.push_back(
        code(kWorker, "worker", 14, {},
             {instr(0, "LOAD_CONST", 15, 1, "1"), instr(2, "RETURN_VALUE", 15)}));
    b.defs.types.push_back({0, "ValueError", "builtins", "ValueError", BuiltinBase::Exception});
    b.defs.types.push_back({1, "Item", "__main__", "Item", BuiltinBase::None});
    b.defs.strings = {{0, "add"}, {1, "main"}, {2, "sku"}, {3, "stock"}};
    b.defs.threads.push_back({0, 140000, 4242, "MainThread", true});
    b.defs.threads.push_back({1, 140001, 4243, "worker-1", false});

    // Values: 0 'bolt', 1 'boom', 2 ValueError('boom'), 3 [], 4 [0], 5 [0, 10], 6 [0, 10, 30],
    // 7 <Item sku='bolt' stock=5>.
    std::vector<uint8_t>& v = b.values;
    encode::str(v, 4, "bolt");
    encode::str(v, 4, "boom");
    {
        ValueRef args[] = {ValueRef::record(1)};
        encode::exception(v, 900, 0, 1, args, 1, ValueRef::constant(Constant::None),
                          ValueRef::constant(Constant::None), nullptr, 0);
    }
    encode::container(v, ValueKind::List, 500, 0, nullptr, 0);
    {
        ValueRef l1[] = {ValueRef::smallInt(0)};
        encode::container(v, ValueKind::List, 500, 1, l1, 1);
        ValueRef l2[] = {ValueRef::smallInt(0), ValueRef::smallInt(10)};
        encode::container(v, ValueKind::List, 500, 2, l2, 2);
        ValueRef l3[] = {ValueRef::smallInt(0), ValueRef::smallInt(10), ValueRef::smallInt(30)};
        encode::container(v, ValueKind::List, 500, 3, l3, 3);
    }
    {
        uint32_t names[] = {2, 3};
        ValueRef refs[] = {ValueRef::record(0), ValueRef::smallInt(5)};
        encode::object(v, 700, 1, 2, names, refs, 2);
    }
    b.firstValueId = 0;
    b.valueCount = 8;

    Program p;
    EventEncoder e;
    uint64_t n = 0;  // next event number
    auto ev = [&] { return n++; };
    e.thread(0);
    e.call(kModule, -1), ev();
    e.opcode(0), ev();
    e.nameSet(0, ValueRef::smallInt(1));  // add = <function> (a stand-in value)
    e.opcode(2), ev();
    e.nameSet(1, ValueRef::smallInt(2));  // main
    e.opcode(4), ev();
    e.call(kMain, -1), ev();
    e.opcode(0), ev();
    e.opcode(2), ev();
    e.localSet(kTotal, ValueRef::smallInt(0));
    e.localSet(kSeen, ValueRef::record(3));
    e.localSet(kItem, ValueRef::record(7));
    e.opcode(4), ev();
    int64_t total = 0;
    for (int k = 0; k < 3; ++k) {
        e.localSet(kI, ValueRef::smallInt(k));
        e.opcode(6), ev();
        uint64_t c = ev();
        e.call(kAdd, -1);
        if (k == 0) p.firstAddCall = c;
        e.localSet(0, ValueRef::smallInt(total));
        e.localSet(1, ValueRef::smallInt(k * 10));
        e.opcode(0), ev();
        const int64_t sum = total + k * 10;
        e.localSet(2, ValueRef::smallInt(sum));
        e.opcode(2), ev();
        e.ret(ValueRef::smallInt(sum), 4), ev();
        total = sum;
        e.localSet(kTotal, ValueRef::smallInt(total));
        e.localSet(kSeen, ValueRef::record(4 + static_cast<uint64_t>(k)));
        e.opcode(8), ev();
        e.opcode(10), ev();
        if (k == 0) {  // the worker thread runs once, between two lines of main
            e.thread(1);
            p.workerCall = ev();
            e.call(kWorker, -1);
            e.opcode(0), ev();
            e.ret(ValueRef::smallInt(1), 2), ev();
            e.threadEnd(1);
            e.thread(0);
        }
        if (k == 1) {
            const std::string out = "hello from the loop\n";
            e.output(1, out.data(), out.size());
        }
        e.opcode(4), ev();
    }
    e.opcode(12), ev();
    e.localSet(kName, ValueRef::record(0));
    e.opcode(14), ev();
    p.raiseEvent = ev();
    e.exception(ValueRef::record(2), 14);
    e.unwind(14), ev();
    e.exception(ValueRef::record(2), 4), ev();
    p.lastEvent = ev();
    e.unwind(4);
    const std::string err = "Traceback (most recent call last):\nValueError: boom\n";
    e.output(2, err.data(), err.size());

    b.firstEvent = 0;
    b.eventCount = e.eventCount;
    REQUIRE(e.eventCount == n);
    b.tags = std::move(e.tags);
    b.args = std::move(e.args);
    b.blobs = std::move(e.blobs);
    b.startThread = 0;
    b.startNextFrameId = 0;
    HeaderInfo h = sampleHeader();
    h.argv = {"/src/prog.py"};
    h.capture = {};
    TraceWriter w(path, h, testOptions());
    w.append(std::move(b));
    w.close({ExitKind::UncaughtException, 1, "ValueError: boom"});
    return p;
}

std::string shellQuote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

struct Run {
    int status = -1;
    std::string out, err;
};

// Runs `reel replay TRACE ARGS`, stdin from `input` (a file, so it is not a terminal).
Run replay(const TempDir& dir, const std::filesystem::path& trace, const std::string& args,
           const std::string& input = "") {
    const std::string exe = std::string(REEL_BINARY_DIR) + "/reel";
    REQUIRE(std::filesystem::exists(exe));
    auto in = dir / "stdin", out = dir / "stdout", err = dir / "stderr";
    writeFile(in, reinterpret_cast<const uint8_t*>(input.data()), input.size());
    std::string cmd = shellQuote(exe) + " replay " + shellQuote(trace.string()) + " " + args +
                      " <" + shellQuote(in.string()) + " >" + shellQuote(out.string()) + " 2>" +
                      shellQuote(err.string());
    int rc = std::system(cmd.c_str());
    REQUIRE(WIFEXITED(rc));
    Run r;
    r.status = WEXITSTATUS(rc);
    auto o = readFile(out), e = readFile(err);
    r.out.assign(o.begin(), o.end());
    r.err.assign(e.begin(), e.end());
    return r;
}

Run cmds(const TempDir& dir, const std::filesystem::path& trace, const std::string& commands) {
    return replay(dir, trace, "-c " + shellQuote(commands));
}

bool has(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

// Lines of `s`.
std::vector<std::string> lines(const std::string& s) {
    std::vector<std::string> out;
    size_t b = 0;
    for (size_t i = 0; i < s.size(); ++i)
        if (s[i] == '\n') {
            out.push_back(s.substr(b, i - b));
            b = i + 1;
        }
    if (b < s.size()) out.push_back(s.substr(b));
    return out;
}

struct Fixture {
    TempDir dir;
    std::filesystem::path trace = dir / "prog.reel";
    Program prog = writeProgram(trace);
};

}  // namespace

TEST_CASE("replay: continue stops at the uncaught exception with a pdb-style location",
          "[cli][replay]") {
    Fixture f;
    Run r = cmds(f.dir, f.trace, "c");
    INFO(r.out << r.err);
    REQUIRE(r.status == 0);
    CHECK(has(r.out, "[event " + std::to_string(f.prog.raiseEvent) + "/" +
                         std::to_string(f.prog.lastEvent) +
                         "] --Exception-- ValueError('boom') raised"));
    CHECK(has(r.out, "\n> /src/prog.py(10)main()\n-> raise ValueError('boom')\n"));
    CHECK(has(r.out, "Exception #0 raised (uncaught)"));

    // where: outermost first, the selected (innermost) frame marked.
    r = cmds(f.dir, f.trace, "c; where");
    auto l = lines(r.out);
    REQUIRE(l.size() >= 4);
    CHECK(l[l.size() - 4] == "  /src/prog.py(12)<module>()");
    CHECK(l[l.size() - 3] == "-> main()");
    CHECK(l[l.size() - 2] == "> /src/prog.py(10)main()");
    CHECK(l[l.size() - 1] == "-> raise ValueError('boom')");
}

TEST_CASE("replay: back steps to the previous lines", "[cli][replay]") {
    Fixture f;
    Run r = cmds(f.dir, f.trace, "c; back; back");
    INFO(r.out << r.err);
    REQUIRE(r.status == 0);
    auto l = lines(r.out);
    // The exception stop, then the start of line 10, then line 9.
    REQUIRE(l.size() >= 3);
    CHECK(l[l.size() - 2] == "> /src/prog.py(9)main()");
    CHECK(l[l.size() - 1] == "-> name = 'bolt'");
    CHECK(has(r.out, "> /src/prog.py(10)main()\n-> raise ValueError('boom')\n[event"));
}

TEST_CASE("replay: print, pp and locals read recorded values", "[cli][replay]") {
    Fixture f;
    Run r = cmds(f.dir, f.trace,
                 "c; print name; print total; print seen; print seen[1]; print seen[-1]; "
                 "print item; print item.stock; print -d 1 item; print $value; print $exc");
    INFO(r.out << r.err);
    REQUIRE(r.status == 0);
    auto l = lines(r.out);
    REQUIRE(l.size() >= 10);
    const size_t b = l.size() - 10;
    CHECK(l[b + 0] == "'bolt'");
    CHECK(l[b + 1] == "30");
    CHECK(l[b + 2] == "[0, 10, 30]");
    CHECK(l[b + 3] == "10");
    CHECK(l[b + 4] == "30");
    CHECK(l[b + 5] == "<Item sku='bolt' stock=5>");
    CHECK(l[b + 6] == "5");
    CHECK(l[b + 7] == "<Item sku='bolt' stock=5>");
    CHECK(l[b + 8] == "ValueError('boom')");
    CHECK(l[b + 9] == "ValueError('boom')");

    r = cmds(f.dir, f.trace, "c; pp item");
    CHECK(has(r.out, "<Item sku='bolt' stock=5>\n  sku: 'bolt'\n  stock: 5\n"));

    r = cmds(f.dir, f.trace, "c; back; locals");
    CHECK(has(r.out, "  total = 30\n"));
    CHECK(has(r.out, "* name = 'bolt'\n"));  // set by the records of this very event
    CHECK(has(r.out, "  seen = [0, 10, 30]\n"));
    CHECK_FALSE(has(r.out, "<unbound>"));

    for (const char* bad : {"print nope", "print item.nope", "print seen[7]", "print seen['x']",
                            "print total.x", "print 3", "print", "print -q x"}) {
        r = cmds(f.dir, f.trace, std::string("c; ") + bad);
        INFO(bad);
        CHECK(r.status == 1);
        CHECK(r.err.rfind("*** ", 0) == 0);
        CHECK(lines(r.err).size() == 1);
    }
    r = cmds(f.dir, f.trace, "c; print nope");
    CHECK(r.err == "*** 'nope' is not a local of main()\n");
    r = cmds(f.dir, f.trace, "c; print seen[7]");
    CHECK(r.err == "*** index 7 is out of range: [0, 10, 30] has 3 items\n");
}

TEST_CASE("replay: breakpoints, conditions, enable/disable/delete", "[cli][replay]") {
    Fixture f;
    Run r = cmds(f.dir, f.trace, "break prog.py:2; c; print b; c; print b; c; print b; c");
    INFO(r.out << r.err);
    REQUIRE(r.status == 0);
    CHECK(has(r.out, "Breakpoint 1 at /src/prog.py:2\n"));
    CHECK(has(r.out, "Breakpoint 1 at /src/prog.py:2\n[event "));
    CHECK(has(r.out, "> /src/prog.py(2)add()\n-> total = a + b\n0\n"));
    CHECK(has(r.out, "\n10\n"));
    CHECK(has(r.out, "\n20\n"));
    CHECK(has(r.out, "Exception #0 raised (uncaught)"));

    // Conditions on numbers, strings, attributes, membership; reverse continue honours them too.
    r = cmds(f.dir, f.trace, "break prog.py:3 if total > 5; c; print total; c; print total; c");
    CHECK(r.status == 0);
    CHECK(has(r.out, "Breakpoint 1 at /src/prog.py:3 if total > 5\n"));
    CHECK(has(r.out, "-> return total\n10\n"));
    CHECK(has(r.out, "-> return total\n30\n"));
    r = cmds(f.dir, f.trace, "end; catch off; break 3 if total == 0; rc; print a; rc");
    CHECK(r.status == 0);
    CHECK(has(r.out, "-> return total\n0\n"));
    CHECK(has(r.out, "No earlier stop: at the start of the trace."));
    r = cmds(f.dir, f.trace,
             "break prog.py:10 if name == 'bolt' and item.stock >= 5; catch off; c; print name");
    CHECK(has(r.out, "Breakpoint 1 at /src/prog.py:10\n"));
    CHECK(has(r.out, "'bolt'\n"));
    r = cmds(f.dir, f.trace, "break prog.py:10 if name == \"nut\" or not 10 in seen; catch off; c");
    CHECK(r.status == 0);
    CHECK(has(r.out, "No further stop: at the end of the trace."));
    r = cmds(f.dir, f.trace, "break prog.py:8 if 10 in seen; c; print seen");
    CHECK(has(r.out, "[0, 10]\n"));
    r = cmds(f.dir, f.trace, "break prog.py:7 if 'ol' in item.sku and item.sku != 'x'; c; print i");
    CHECK(has(r.out, "Breakpoint 1"));

    // A condition that cannot be evaluated stops, and says why.
    r = cmds(f.dir, f.trace, "break prog.py:8 if nme == 1; c");
    CHECK(r.status == 0);
    CHECK(has(r.out, "its condition could not be evaluated: 'nme' is not a local of main()"));

    // disable / enable / delete keep the user's numbers.
    r = cmds(
        f.dir, f.trace,
        "break prog.py:2; break prog.py:3; disable 1; c; print a; enable 1; rc; delete 1; break");
    CHECK(r.status == 0);
    CHECK(has(r.out, "Disabled breakpoint 1\n"));
    CHECK(has(r.out, "Breakpoint 2 at /src/prog.py:3\n[event"));
    CHECK(has(r.out, "Breakpoint 1 at /src/prog.py:2\n[event"));
    CHECK(has(r.out, "Num Enabled Where\n2   yes     /src/prog.py:3\n"));
    r = cmds(f.dir, f.trace,
             "break prog.py:2; condition 1 b == 20; c; print b; condition 1; info breakpoints");
    CHECK(has(r.out, "Breakpoint 1 stops only if b == 20\n"));
    CHECK(has(r.out, "\n20\n"));
    CHECK(has(r.out, "1   yes     /src/prog.py:2\n"));

    // Bad breakpoints are refused at once.
    for (const char* bad :
         {"break nothere.py:3", "break prog.py:4", "break prog.py:x", "break prog.py:3 if",
          "break prog.py:3 if total >", "break prog.py:3 if total = 3", "break prog.py:3 when x",
          "break prog.py:3 if 'abc", "delete 9", "disable 9", "condition 9 x == 1"}) {
        r = cmds(f.dir, f.trace, bad);
        INFO(bad);
        CHECK(r.status == 1);
        CHECK(r.err.rfind("*** ", 0) == 0);
    }
    r = cmds(f.dir, f.trace, "break prog.py:4");
    CHECK(r.err == "*** no code at /src/prog.py:4 ran in this trace\n");
}

TEST_CASE("replay: next, finish and their reverses", "[cli][replay]") {
    Fixture f;
    // From main's line 8, next steps over add().
    Run r = cmds(f.dir, f.trace, "break prog.py:8; c; n; n");
    INFO(r.out << r.err);
    CHECK_FALSE(has(r.out, "add()"));
    CHECK(has(r.out, "> /src/prog.py(7)main()"));
    // step enters add; finish returns to main just after the call.
    r = cmds(f.dir, f.trace, "break prog.py:8; c; s; s; finish");
    CHECK(has(r.out, "--Call--  thread 0 (MainThread)\n> /src/prog.py(1)add()"));
    CHECK(has(r.out, "> /src/prog.py(2)add()\n-> total = a + b\n[event 13/"));
    auto l = lines(r.out);
    REQUIRE(l.size() >= 2);
    CHECK(l[l.size() - 2] == "> /src/prog.py(8)main()");
    // rfinish from add goes back to main before the call; from main, to the module.
    r = cmds(f.dir, f.trace, "break prog.py:2; c; rfinish; where; rfinish");
    CHECK(has(r.out, "  /src/prog.py(12)<module>()\n-> main()\n> /src/prog.py(8)main()\n"));
    l = lines(r.out);
    REQUIRE(l.size() >= 2);
    CHECK(l[l.size() - 2] == "> /src/prog.py(12)<module>()");
    // rnext from line 7 does not enter add either.
    r = cmds(f.dir, f.trace, "break prog.py:9; c; rn; rn");
    CHECK_FALSE(has(r.out, "add()"));
    // ...unless a breakpoint in add is hit on the way: next, rnext, finish, rfinish stop there.
    r = cmds(f.dir, f.trace, "break prog.py:8; c; break prog.py:3; n; print b; n 10; print b");
    INFO(r.out << r.err);
    REQUIRE(r.status == 0);
    CHECK(has(r.out, "Breakpoint 2 at /src/prog.py:3\n[event 11/"));
    CHECK(has(r.out, "> /src/prog.py(3)add()\n-> return total\n0\n"));
    CHECK(has(r.out, "> /src/prog.py(3)add()\n-> return total\n10\n"));  // n 10 stops early
    r = cmds(f.dir, f.trace, "break prog.py:9; c; break prog.py:3; rn; rn; print b");
    INFO(r.out << r.err);
    CHECK(has(r.out, "Breakpoint 2 at /src/prog.py:3\n"));
    CHECK(has(r.out, "-> return total\n20\n"));
    r = cmds(f.dir, f.trace, "break prog.py:2; c; delete; break prog.py:3; finish; print total");
    INFO(r.out << r.err);
    CHECK(has(r.out, "Breakpoint 2 at /src/prog.py:3\n"));
    CHECK(has(r.out, "-> return total\n0\n"));
}

TEST_CASE("replay: b is break, r is finish, back keeps rs and rstep", "[cli][replay]") {
    Fixture f;
    // `b 2` sets a breakpoint at line 2 of the current file (pdb, gdb), it does not step back.
    Run r = cmds(f.dir, f.trace, "s; s; s; b 2; c; print b; b");
    INFO(r.out << r.err);
    REQUIRE(r.status == 0);
    CHECK(has(r.out, "Breakpoint 1 at /src/prog.py:2\n"));
    CHECK(has(r.out, "> /src/prog.py(2)add()\n-> total = a + b\n0\n"));
    CHECK(has(r.out, "Num Enabled Where\n1   yes     /src/prog.py:2\n"));
    // r (pdb's return) finishes the function; rs and rstep step back as back does.
    r = cmds(f.dir, f.trace, "b prog.py:2; c; r; rs; rstep; back");
    REQUIRE(r.status == 0);
    auto l = lines(r.out);
    REQUIRE(l.size() >= 12);
    CHECK(l[l.size() - 11] == "> /src/prog.py(8)main()");  // r: back in main after the call
    CHECK(has(l[l.size() - 9], "--Return-- 0"));           // rs: add's RETURN
    CHECK(l[l.size() - 8] == "> /src/prog.py(3)add()");
    CHECK(l[l.size() - 5] == "> /src/prog.py(3)add()");  // rstep: the start of line 3
    CHECK(l[l.size() - 2] == "> /src/prog.py(2)add()");  // back: line 2
}

TEST_CASE("replay: until and runtil", "[cli][replay]") {
    Fixture f;
    // From the loop body (line 8, first iteration): until runs the remaining iterations.
    Run r = cmds(f.dir, f.trace, "b prog.py:8; c; delete; until; print total; print i");
    INFO(r.out << r.err);
    REQUIRE(r.status == 0);
    auto l = lines(r.out);
    REQUIRE(l.size() >= 4);
    CHECK(l[l.size() - 4] == "> /src/prog.py(9)main()");
    CHECK(l[l.size() - 2] == "30");
    CHECK(l[l.size() - 1] == "2");
    // runtil: line 9 -> the loop's last test (7) -> the line before the loop (6) -> main's call
    // -> from the call, the caller's line before the one that called main.
    r = cmds(f.dir, f.trace, "b prog.py:9; c; delete; runtil; print i; runtil; runtil; runtil");
    REQUIRE(r.status == 0);
    CHECK(has(r.out, "> /src/prog.py(7)main()\n-> for i in range(3):\n2\n"));
    CHECK(has(r.out, "> /src/prog.py(6)main()\n-> total, seen, item = 0, [], Item('bolt', 5)\n"));
    CHECK(has(r.out, "--Call--  thread 0 (MainThread)\n> /src/prog.py(5)main()\n"));
    CHECK(has(r.out,
              "--Call--  thread 0 (MainThread)\n> /src/prog.py(5)main()\n-> def main():\n"
              "[event 2/"));
    CHECK(lines(r.out).back() == "-> def main():");
    CHECK(has(r.out, "> /src/prog.py(5)<module>()\n"));
    // With a line: until LINE stops at LINE or after; in add, until reaches its return.
    r = cmds(f.dir, f.trace, "b prog.py:6; c; until 9");
    REQUIRE(r.status == 0);
    CHECK(has(r.out, "-> total, seen, item = 0, [], Item('bolt', 5)\n[event 35/"));
    CHECK(has(r.out, "> /src/prog.py(9)main()\n-> name = 'bolt'\n"));
    r = cmds(f.dir, f.trace, "b prog.py:2; c; unt; unt; print $value");
    REQUIRE(r.status == 0);
    l = lines(r.out);
    REQUIRE(l.size() >= 5);
    CHECK(l[l.size() - 6] == "> /src/prog.py(3)add()");
    CHECK(has(l[l.size() - 4], "--Return-- 0"));
    CHECK(l.back() == "0");
    r = cmds(f.dir, f.trace, "b prog.py:9; c; runt 6");
    CHECK(has(r.out, "> /src/prog.py(6)main()\n"));
    // Breakpoints on the way stop until.
    r = cmds(f.dir, f.trace, "b prog.py:8; c; b prog.py:3; until; print b");
    CHECK(has(r.out, "Breakpoint 2 at /src/prog.py:3\n"));
    CHECK(lines(r.out).back() == "0");
    // Bad lines.
    r = cmds(f.dir, f.trace, "b prog.py:8; c; until 8");
    CHECK(r.status == 1);
    CHECK(r.err == "*** until: line 8 is not after the current line (8)\n");
    r = cmds(f.dir, f.trace, "b prog.py:8; c; runtil 9");
    CHECK(r.status == 1);
    CHECK(r.err == "*** runtil: line 9 is not before the current line (8)\n");
    r = cmds(f.dir, f.trace, "b prog.py:8; c; until x");
    CHECK(r.status == 1);
    CHECK(r.err == "*** usage: until [LINE] (a line number, not 'x')\n");
}

TEST_CASE("replay: tbreak and function breakpoints", "[cli][replay]") {
    Fixture f;
    // tbreak: stops once, then it is gone.
    Run r = cmds(f.dir, f.trace, "tbreak prog.py:2; info breakpoints; c; print b; c; break");
    INFO(r.out << r.err);
    REQUIRE(r.status == 0);
    CHECK(has(r.out, "Temporary breakpoint 1 at /src/prog.py:2\n"));
    CHECK(has(r.out, "1   yes     /src/prog.py:2 (temporary)\n"));
    CHECK(has(r.out, "Deleted breakpoint 1 at /src/prog.py:2\n[event 10/"));
    CHECK(has(r.out, "-> total = a + b\n0\n"));
    CHECK(has(r.out, "Exception #0 raised (uncaught)"));  // the next c passes line 2 by
    CHECK(has(r.out, "No breakpoints.\n"));
    // A disabled tbreak does not stop; enabled again, it does, once.
    r = cmds(f.dir, f.trace, "tbreak prog.py:2 if b == 10; disable 1; enable 1; c; print b; c");
    REQUIRE(r.status == 0);
    CHECK(has(r.out, "Temporary breakpoint 1 at /src/prog.py:2 if b == 10\n"));
    CHECK(has(r.out, "-> total = a + b\n10\n"));
    CHECK(has(r.out, "Exception #0 raised (uncaught)"));

    // break FUNCTION: the first line of each call (the def line is not a stop), by name or
    // with a file.
    r = cmds(f.dir, f.trace, "break add; c; print b; c; print b; c; print b; c");
    REQUIRE(r.status == 0);
    CHECK(has(r.out, "Breakpoint 1 at add() (/src/prog.py:1)\n"));
    CHECK(has(r.out, "Breakpoint 1 at add() (/src/prog.py:1)\n[event 10/"));
    CHECK(has(r.out, "> /src/prog.py(2)add()\n-> total = a + b\n0\n"));
    CHECK(has(r.out, "-> total = a + b\n10\n"));
    CHECK(has(r.out, "-> total = a + b\n20\n"));
    CHECK(has(r.out, "Exception #0 raised (uncaught)"));
    r = cmds(f.dir, f.trace,
             "b prog.py:main; c; rc; tbreak worker; disable 1; c; info breakpoints");
    REQUIRE(r.status == 0);
    CHECK(has(r.out, "Breakpoint 1 at main() (/src/prog.py:5)\n[event 5/"));
    CHECK(has(r.out, "> /src/prog.py(6)main()\n"));
    CHECK(has(r.out, "Deleted breakpoint 2 at worker() (/src/prog.py:14)\n[event " +
                         std::to_string(f.prog.workerCall + 1) + "/"));
    CHECK(has(r.out, "> /src/prog.py(15)worker()\n"));
    CHECK(has(r.out, "Num Enabled Where\n1   no      main() (/src/prog.py:5)\n"));
    // The list marks line breakpoints only.
    r = cmds(f.dir, f.trace, "break add; break prog.py:3; b 2; s; s; s; s; s; s; s; list 1,3");
    CHECK(has(r.out, "  1    \tdef add(a, b):\n  2 B  \t    total = a + b\n  3 B  \t"));
    // Unknown functions and files, and malformed locations, are refused at once.
    r = cmds(f.dir, f.trace, "break nope");
    CHECK(r.status == 1);
    CHECK(r.err == "*** no function named 'nope' ran in this trace\n");
    r = cmds(f.dir, f.trace, "break other.py:add");
    CHECK(r.status == 1);
    CHECK(r.err == "*** no function named 'add' in a file matching 'other.py' ran in this trace\n");
    for (const char* bad : {"tbreak", "break a-b", "break prog.py:", "tbreak add if", "b 0"}) {
        r = cmds(f.dir, f.trace, bad);
        INFO(bad);
        CHECK(r.status == 1);
        CHECK(r.err.rfind("*** ", 0) == 0);
    }
}

TEST_CASE("replay: display shows a value after each stop where it changed", "[cli][replay]") {
    Fixture f;
    Run r = cmds(f.dir, f.trace, "b prog.py:8; c; delete; display total; n; n; n; display seen");
    INFO(r.out << r.err);
    REQUIRE(r.status == 0);
    CHECK(has(r.out, "display total: 0\n"));
    // 0 + 0: no change at the next two stops; the second iteration's add makes it 10.
    CHECK(has(r.out, "display total: 0\n[event 18/"));
    CHECK(has(r.out,
              "[event 26/40]  thread 0 (MainThread)\n> /src/prog.py(7)main()\n"
              "-> for i in range(3):\ndisplay total: 10  [old: 0]\n"));
    CHECK(lines(r.out).back() == "display seen: [0, 10]");
    CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 18);  // no other display line
    // Set in main (selected with up), it is not shown at stops in add (which has its own
    // `total`, 10 at line 3); back in main it is, as it changed meanwhile.
    r = cmds(f.dir, f.trace, "b prog.py:2; c; c; delete; up; display total; s; s; s");
    REQUIRE(r.status == 0);
    CHECK(has(r.out,
              "display total: 0\n[event 22/40]  thread 0 (MainThread)\n> "
              "/src/prog.py(3)add()\n-> return total\n[event 23/"));
    CHECK(has(r.out, "-> for i in range(3):\ndisplay total: 10  [old: 0]\n"));
    // Print's options; an expression that cannot be evaluated yet shows why, then its value.
    r = cmds(f.dir, f.trace, "b prog.py:6; c; display -w 1 seen; display name; n; n; display");
    REQUIRE(r.status == 0);
    CHECK(
        has(r.out, "display -w 1 seen: ** local 'seen' of main() has no value at this point **\n"));
    CHECK(has(r.out,
              "display -w 1 seen: []  [old: ** local 'seen' of main() has no value at this "
              "point **]\n"));
    CHECK(has(r.out, "Currently displaying:\n1: -w 1 seen  (in main())\n2: name  (in main())\n"));
    // undisplay N, undisplay (all); errors.
    r = cmds(f.dir, f.trace,
             "b prog.py:8; c; display total; display i; undisplay 1; n; n; n; "
             "undisplay; display");
    REQUIRE(r.status == 0);
    CHECK(has(r.out, "Deleted display 1: total\n"));
    CHECK(has(r.out, "display i: 1  [old: 0]\n"));
    CHECK_FALSE(has(r.out, "display total: 10"));
    CHECK(has(r.out, "Deleted 1 display.\nNo display expressions.\n"));
    for (const char* bad : {"display x y", "undisplay 3", "undisplay x", "display -q x"}) {
        r = cmds(f.dir, f.trace, std::string("b prog.py:8; c; ") + bad);
        INFO(bad);
        CHECK(r.status == 1);
        CHECK(r.err.rfind("*** ", 0) == 0);
    }
}

TEST_CASE("replay: watch and rwatch follow one local of the selected frame", "[cli][replay]") {
    Fixture f;
    Run r = cmds(f.dir, f.trace,
                 "break prog.py:7; c; watch total; watch total; watch total; watch total");
    INFO(r.out << r.err);
    REQUIRE(r.status == 0);
    CHECK(has(r.out, "Watch 'total': 0 -> 0\n"));
    CHECK(has(r.out, "Watch 'total': 0 -> 10\n"));
    CHECK(has(r.out, "Watch 'total': 10 -> 30\n"));
    CHECK(has(r.out, "'total' does not change again in this call of main()."));
    r = cmds(f.dir, f.trace, "c; rwatch seen; print seen; rwatch seen; print seen");
    CHECK(has(r.out, "Watch 'seen': [0, 10] -> [0, 10, 30]\n"));
    CHECK(has(r.out, "Watch 'seen': [0] -> [0, 10]\n"));
    // In a callee, `up` selects main: watch then follows main's local.
    r = cmds(f.dir, f.trace, "break prog.py:2; c; up; rwatch total");
    CHECK(has(r.out, "Watch 'total': <unbound> -> 0\n"));
    r = cmds(f.dir, f.trace, "c; watch nope");
    CHECK(r.status == 1);
    CHECK(r.err == "*** 'nope' is not a local of main()\n");
}

TEST_CASE("replay: every command has a defined answer at both ends of the trace", "[cli][replay]") {
    Fixture f;
    Run r = cmds(f.dir, f.trace, "back; rn; rfinish; rc; backi; rnexti");
    INFO(r.out << r.err);
    REQUIRE(r.status == 0);
    for (const auto& l : lines(r.out)) CHECK(l == "Already at the start of the trace (event 0).");
    r = cmds(f.dir, f.trace, "end; s; n; finish; c; si; ni");
    REQUIRE(r.status == 0);
    auto l = lines(r.out);
    REQUIRE(l.size() >= 6);
    for (size_t i = l.size() - 6; i < l.size(); ++i)
        CHECK(l[i] ==
              "Already at the end of the trace (event " + std::to_string(f.prog.lastEvent) + ").");
    r = cmds(f.dir, f.trace, "catch off; c");
    CHECK(has(r.out, "No further stop: at the end of the trace.\n[event " +
                         std::to_string(f.prog.lastEvent)));
    r = cmds(f.dir, f.trace, "end; rwatch nothing");
    CHECK(r.status == 1);
    r = cmds(f.dir, f.trace, "start; end; start");
    CHECK(has(r.out, "At the start of the trace.\n[event 0/"));
    CHECK(has(r.out, "At the end of the trace.\n[event " + std::to_string(f.prog.lastEvent)));
    r = cmds(f.dir, f.trace, "s 1000");
    CHECK(has(r.out, "No further stop: at the end of the trace."));
}

TEST_CASE("replay: goto, stepi and dis work at instruction level", "[cli][replay]") {
    Fixture f;
    Run r = cmds(f.dir, f.trace, "goto 6; stepi; dis; backi; goto 6");
    INFO(r.out << r.err);
    REQUIRE(r.status == 0);
    CHECK(has(r.out, "[event 6/" + std::to_string(f.prog.lastEvent) +
                         "] @2 STORE_FAST (total)  thread 0 (MainThread)\n"));
    CHECK(has(r.out, "[event 7/" + std::to_string(f.prog.lastEvent) +
                         "] @4 FOR_ITER (to 12)  thread 0 (MainThread)\n"));
    CHECK(has(r.out, "Disassembly of main() (/src/prog.py:5):\n"));
    CHECK(has(r.out, "   7  --> >>    4 FOR_ITER"));
    CHECK(has(r.out, "   9      >>   12 STORE_FAST"));
    for (const char* bad : {"goto", "goto x", "goto -1", "goto 99999", "goto 1 2"}) {
        r = cmds(f.dir, f.trace, bad);
        INFO(bad);
        CHECK(r.status == 1);
    }
    r = cmds(f.dir, f.trace, "goto 99999");
    CHECK(r.err == "*** event 99999 is out of range: this trace has events 0 to " +
                       std::to_string(f.prog.lastEvent) + "\n");
}

TEST_CASE("replay: list shows the embedded source with the current line and breakpoints",
          "[cli][replay]") {
    Fixture f;
    Run r = cmds(f.dir, f.trace, "break prog.py:8; c; list");
    INFO(r.out << r.err);
    REQUIRE(r.status == 0);
    CHECK(has(r.out,
              "  7    \t    for i in range(3):\n  8 B->\t        total = add(total, i * 10)\n"));
    CHECK(has(r.out, "  3    \t    return total\n"));
    CHECK(has(r.out, " 13    \t\n"));
    r = cmds(f.dir, f.trace, "break prog.py:8; c; list; list");
    CHECK(has(r.out, " 14    \tdef worker():\n 15    \t    return 1\n"));
    r = cmds(f.dir, f.trace, "break prog.py:8; c; list 1,3; ll");
    CHECK(has(r.out,
              "  1    \tdef add(a, b):\n  2    \t    total = a + b\n  3    \t    return total\n  5 "
              "   \tdef main():"));
    r = cmds(f.dir, f.trace, "break prog.py:8; c; list 99");
    CHECK(r.status == 1);
    CHECK(r.err == "*** there is no line 99 in /src/prog.py (15 lines)\n");
    r = cmds(f.dir, f.trace, "break prog.py:8; c; list 1,3; list 14,15; list");
    CHECK(r.status == 1);
    CHECK(r.err == "*** line 16 is past the end of /src/prog.py (15 lines)\n");
}

TEST_CASE("replay: exceptions, threads and output", "[cli][replay]") {
    Fixture f;
    Run r = cmds(f.dir, f.trace, "exceptions");
    INFO(r.out << r.err);
    REQUIRE(r.status == 0);
    CHECK(has(r.out, "  #0 ValueError('boom')  thread 0 (MainThread)\n      raised at event " +
                         std::to_string(f.prog.raiseEvent) + " in main() at /src/prog.py:10\n"));
    CHECK(has(r.out, "uncaught: left the thread from <module>() at /src/prog.py:12 at event " +
                         std::to_string(f.prog.lastEvent)));
    r = cmds(f.dir, f.trace, "exception 0; exceptions; exception 0 end");
    CHECK(has(r.out, "> /src/prog.py(10)main()"));
    CHECK(has(r.out, "> #0 ValueError('boom')"));
    CHECK(has(r.out, "[event " + std::to_string(f.prog.lastEvent) + "/"));
    r = cmds(f.dir, f.trace, "exception 1");
    CHECK(r.status == 1);
    CHECK(r.err == "*** no exception #1: they are numbered 0 to 0\n");

    r = cmds(f.dir, f.trace, "threads");
    CHECK(r.out ==
          "* thread 0 (MainThread): /src/prog.py(1)<module>()  (runs this event)\n"
          "  thread 1 (worker-1): not started yet\n");
    // Stepping on the main thread skips the worker's events; `thread 1` follows the worker.
    r = cmds(f.dir, f.trace, "goto " + std::to_string(f.prog.workerCall - 1) + "; s");
    CHECK_FALSE(has(r.out, "worker()"));
    r = cmds(f.dir, f.trace, "thread 1; s; where; threads; thread auto");
    CHECK(has(r.out, "Following thread 1 (worker-1)\n"));
    CHECK(has(r.out, "(thread 1 (worker-1) has no Python frame at this event)"));
    CHECK(has(r.out, "--Call--  thread 1 (worker-1)\n> /src/prog.py(14)worker()\n"));
    CHECK(has(r.out, "* thread 1 (worker-1): /src/prog.py(14)worker()  (runs this event)\n"));
    r = cmds(f.dir, f.trace, "thread 7");
    CHECK(r.status == 1);

    r = cmds(f.dir, f.trace, "output");
    CHECK(has(r.out, "(no output up to event 0)"));
    r = cmds(f.dir, f.trace, "c; output");
    CHECK(has(r.out, "hello from the loop\n"));
    CHECK_FALSE(has(r.out, "Traceback"));
    r = cmds(f.dir, f.trace, "end; output; output stderr");
    CHECK(has(r.out,
              "--- stdout ---\nhello from the loop\n--- stderr ---\nTraceback (most recent call "
              "last):\n"));
    CHECK(has(r.out, "\nTraceback (most recent call last):\nValueError: boom\n"));
}

TEST_CASE("replay: output shows both streams in the order they were written, also in a slice",
          "[cli][replay]") {
    TempDir dir;
    ProgramBuilder pb(3);
    const uint32_t c = pb.code("<module>", 1, {1, 2, 3, 4}, {}, true);
    pb.threadRecord(0, "MainThread");
    pb.call(c);
    pb.output(1, "a\n");
    pb.op(0);
    pb.output(2, "E1\n");
    pb.op(2);
    pb.output(1, "b\n");
    pb.output(1, "p");  // a partial line: the next header still starts a line
    pb.op(4);
    pb.output(2, "E2\n");
    pb.op(6);
    pb.op(0);
    pb.op(2);
    pb.ret(ValueRef::constant(Constant::None), 6);
    pb.write(dir / "orig.reel");
    const std::string both =
        "--- stdout ---\na\n--- stderr ---\nE1\n--- stdout ---\nb\np\n--- stderr ---\nE2\n";

    Run r = cmds(dir, dir / "orig.reel", "goto 4; output; output stdout; output stderr");
    INFO(r.out << r.err);
    CHECK(r.status == 0);
    CHECK(has(r.out, both + "a\nb\np\nE1\nE2\n"));
    r = cmds(dir, dir / "orig.reel", "goto 1; output");
    CHECK(has(r.out, "trace>\na\n"));  // one stream so far: no header
    CHECK_FALSE(has(r.out, "--- stdout ---"));

    // A slice starting after all of it carries it in the same order.
    reel::replayer::Replayer orig(dir / "orig.reel");
    reel::replayer::SliceOptions o;
    o.from = 5;
    o.durable = false;
    reel::replayer::sliceTrace(orig, dir / "slice.reel", o);
    r = cmds(dir, dir / "slice.reel", "output");
    INFO(r.out << r.err);
    CHECK(r.status == 0);
    CHECK(has(r.out, both));
    // Carried in part: the notes come first, then the carried bytes in order.
    o.maxCarriedOutput = 3;
    reel::replayer::sliceTrace(orig, dir / "cut.reel", o);
    r = cmds(dir, dir / "cut.reel", "output");
    INFO(r.out << r.err);
    CHECK(has(r.out,
              "--- stdout ---\n[2 earlier bytes of stdout are not in this slice]\n"
              "--- stderr ---\n[3 earlier bytes of stderr are not in this slice]\n"
              "--- stdout ---\nb\np\n--- stderr ---\nE2\n"));
}

TEST_CASE("replay: an instruction without a line shows the last line the frame ran",
          "[cli][replay]") {
    TempDir dir;
    ProgramBuilder pb(4);
    // f(): offset 0 line 2, 2 line 3, 4 no line (a handler's PUSH_EXC_INFO), 6 line 4.
    pb.source("/src/prog.py",
              "def f():\n    try:\n        raise E\n    except E:\n        pass\n"
              "\n\n\nf()\n");
    const uint32_t mod = pb.code("<module>", 0, {0, 9}, {}, true, "/src/prog.py");
    const uint32_t f = pb.code("f", 1, {2, 3, -1, 4}, {}, false, "/src/prog.py");
    pb.threadRecord(0, "MainThread");
    pb.call(mod);  // 0
    pb.op(2);      // 1
    pb.call(f);    // 2
    pb.op(0);      // 3
    pb.op(2);      // 4
    pb.op(4);      // 5: no line
    pb.op(6);      // 6
    pb.ret(ValueRef::constant(Constant::None), 6);
    pb.write(dir / "t.reel");

    Run r = cmds(dir, dir / "t.reel", "goto 5; where; list");
    INFO(r.out << r.err);
    CHECK(r.status == 0);
    CHECK(has(r.out,
              "> /src/prog.py(3)f()\n-> raise E  <no line number at this instruction: "
              "line 3 ran last>\n"));
    CHECK(has(r.out, "  /src/prog.py(9)<module>()\n-> f()\n"));  // the caller at its own line
    CHECK(has(r.out, "  3  ->\t        raise E\n"));             // list centres on it
    CHECK_FALSE(has(r.out, "(-1)"));
    CHECK_FALSE(has(r.out, "(0)f()"));
    // A numbered instruction: its own line, no note.
    r = cmds(dir, dir / "t.reel", "goto 6");
    CHECK(has(r.out, "> /src/prog.py(4)f()\n-> except E:\n"));
    // Before any numbered line (the module's start, line 0): the line it is about to start at,
    // as pdb shows a program that has not started, with no note (it has run nothing yet).
    r = cmds(dir, dir / "t.reel", "goto 0; list");
    INFO(r.out << r.err);
    CHECK(has(r.out, "> /src/prog.py(9)<module>()\n-> f()\n"));
    CHECK(has(r.out, "  9  ->\tf()\n"));
    CHECK_FALSE(has(r.out, "(0)<module>"));
    CHECK_FALSE(has(r.out, "ran last"));
}

TEST_CASE("replay: help, info, unknown commands and scripts that fail", "[cli][replay]") {
    Fixture f;
    Run r = cmds(f.dir, f.trace, "help");
    INFO(r.out << r.err);
    REQUIRE(r.status == 0);
    for (const char* c :
         {"step",     "back",      "next",       "rnext",   "finish", "rfinish", "until", "runtil",
          "continue", "rcontinue", "break",      "tbreak",  "delete", "disable", "watch", "rwatch",
          "display",  "undisplay", "goto",       "where",   "up",     "down",    "list",  "dis",
          "print",    "locals",    "exceptions", "threads", "thread", "output",  "stepi", "backi",
          "start",    "end",       "info",       "help",    "quit"})
        CHECK(has(r.out, std::string("\n  ") + c));
    r = cmds(f.dir, f.trace, "help break");
    CHECK(has(r.out, "usage: break [FILE:]LINE|FUNCTION [if EXPR]\n"));
    CHECK(has(r.out, "aliases: b br\n"));  // b is break, as in pdb and gdb
    r = cmds(f.dir, f.trace, "help back");
    CHECK(has(r.out, "aliases: rstep rs\n"));
    r = cmds(f.dir, f.trace, "help r");
    CHECK(has(r.out, "usage: finish\n"));
    r = cmds(f.dir, f.trace, "help nope");
    CHECK(r.status == 1);

    r = cmds(f.dir, f.trace, "info");
    CHECK(has(r.out, "Events:     " + std::to_string(f.prog.lastEvent + 1) + " (0 to " +
                         std::to_string(f.prog.lastEvent) + "), now at 0\n"));
    CHECK(has(r.out, "Ended:      uncaught exception, status 1: ValueError: boom\n"));

    // The first failing command stops the script: what follows does not run.
    r = cmds(f.dir, f.trace, "s; frobnicate; s");
    CHECK(r.status == 1);
    CHECK(r.err == "*** unknown command 'frobnicate' (type 'help' for the list)\n");
    CHECK(lines(r.out).size() == 3);  // the one step that ran
    // quit ends the script early, successfully.
    r = cmds(f.dir, f.trace, "s; quit; frobnicate");
    CHECK(r.status == 0);
    // Semicolons inside quotes belong to the expression; several -c options run in order.
    r = cmds(f.dir, f.trace, "break prog.py:10 if name == 'a;b'; info breakpoints");
    CHECK(has(r.out, "if name == 'a;b'\n"));
    r = replay(f.dir, f.trace, "-c 'goto 4' -c where");
    CHECK(r.status == 0);
    CHECK(has(r.out, "-> main()\n> /src/prog.py(5)main()\n-> def main():\n"));
}

TEST_CASE("replay: commands piped on stdin run like a script, without a prompt", "[cli][replay]") {
    Fixture f;
    Run r = replay(f.dir, f.trace, "", "c\n\n# a comment\nprint total\nwhere\n");
    INFO(r.out << r.err);
    REQUIRE(r.status == 0);
    CHECK_FALSE(has(r.out, "(reel)"));
    CHECK(has(r.out, "> /src/prog.py(10)main()\n-> raise ValueError('boom')\n30\n"));
    r = replay(f.dir, f.trace, "", "s\ngoto 12345\ns\n");
    CHECK(r.status == 1);
    CHECK(has(r.err, "*** event 12345 is out of range"));
    r = replay(f.dir, f.trace, "", "");
    CHECK(r.status == 0);
    CHECK(r.out.empty());
}

TEST_CASE("replay: unreadable traces give one line and status 2", "[cli][replay]") {
    TempDir dir;
    auto bad = dir / "bad.reel";
    const std::string junk = "this is not a trace at all, just some text that is long enough\n";
    writeFile(bad, reinterpret_cast<const uint8_t*>(junk.data()), junk.size());
    for (const auto& p : {bad, dir / "missing.reel"}) {
        Run r = replay(dir, p, "-c where");
        INFO(r.err);
        CHECK(r.status == 2);
        CHECK(r.err.rfind("reel: ", 0) == 0);
        CHECK(lines(r.err).size() == 1);
        CHECK(r.out.empty());
    }
    // A trace cut short: whatever was recovered replays, or the error is one line.
    Fixture f;
    auto data = readFile(f.trace);
    auto cut = dir / "cut.reel";
    writeFile(cut, data.data(), data.size() * 2 / 3);
    Run r = replay(dir, cut, "-c 'end; where'");
    INFO(r.out << r.err);
    CHECK((r.status == 0 || r.status == 1 || r.status == 2));
    if (r.status == 2) CHECK(lines(r.err).size() == 1);
}
