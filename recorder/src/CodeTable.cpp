#include "CodeTable.h"
#include "StrDict.h"
#include "ThreadingHook.h"

#include <fnmatch.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include <sys/stat.h>
#include <fstream>
#include <sstream>

namespace reel::recorder {

namespace {
// How an instruction names the fast locals it binds (CodeTable::storeForm_): STORE_FAST by its
// argument, 3.13's STORE_FAST_STORE_FAST two in its nibbles, STORE_FAST_LOAD_FAST the high one.
enum StoreForm : uint8_t { kStoreNone, kStoreOne, kStorePair, kStoreThenLoad };

Py_ssize_t codeExtraIndex() {
    // One index per process: CPython offers a limited number and never gives them back.
    static Py_ssize_t index = PyUnstable_Eval_RequestCodeExtraIndex(nullptr);
    return index;
}

uintptr_t nextSession() {
    static uintptr_t session = 0;
    return ++session;
}

bool readWholeFile(const std::string& path, std::string& out) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::ostringstream ss;
    ss << in.rdbuf();
    out = ss.str();
    return true;
}

// The text linecache holds for `filename`, for code with no file on disk: generated code that
// registers its source there so tracebacks can show it (attrs' and 3.13 dataclasses' methods,
// IPython cells, template engines). Found by scanning the dicts (StrDict.h); only a loaded entry
// (size, mtime, list of str, name) of exact builtin types is read; the lazy (loader,) entries
// would run the loader.
bool linecacheText(const std::string& filename, std::string& out) {
    PyObject* module = dictFindStr(PyImport_GetModuleDict(), "linecache");
    if (module == nullptr || !PyModule_CheckExact(module)) return false;
    PyObject* cache = dictFindStr(PyModule_GetDict(module), "cache");
    if (cache == nullptr || !PyDict_CheckExact(cache)) return false;
    PyObject* entry = dictFindStr(cache, filename);
    if (entry == nullptr || !PyTuple_CheckExact(entry) || PyTuple_GET_SIZE(entry) < 3) return false;
    PyObject* lines = PyTuple_GET_ITEM(entry, 2);
    if (!PyList_CheckExact(lines)) return false;
    std::string text;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(lines); ++i) {
        PyObject* line = PyList_GET_ITEM(lines, i);
        if (!PyUnicode_CheckExact(line)) return false;
        Py_ssize_t n = 0;
        const char* u = PyUnicode_AsUTF8AndSize(line, &n);
        if (u == nullptr) {
            PyErr_Clear();
            return false;
        }
        text.append(u, static_cast<size_t>(n));
    }
    out = std::move(text);
    return true;
}

// The text of a frozen standard-library module ("<frozen posixpath>", "<frozen
// importlib._bootstrap>"): 3.11+ freezes the modules the interpreter starts with, and runpy, whose
// code objects name no file, but the source they were frozen from is in the standard library's
// directory (sys._stdlib_dir), where the module's __file__ and inspect.getsource find it too.
// Only a dotted name of identifier characters is looked up, so a file name a program made up
// cannot point the recorder outside that directory.
bool frozenStdlibText(const std::string& filename, std::string& out) {
    constexpr std::string_view prefix = "<frozen ";
    if (filename.size() <= prefix.size() + 1 || filename.compare(0, prefix.size(), prefix) != 0 ||
        filename.back() != '>')
        return false;
    std::string name = filename.substr(prefix.size(), filename.size() - prefix.size() - 1);
    bool dotOk = false;  // no leading, trailing or doubled dot
    for (char& c : name) {
        if (c == '.') {
            if (!dotOk) return false;
            c = '/';
            dotOk = false;
        } else if (c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                   (c >= 'A' && c <= 'Z')) {
            dotOk = true;
        } else {
            return false;
        }
    }
    if (!dotOk) return false;
    PyObject* dir = PySys_GetObject("_stdlib_dir");  // borrowed; a sys dict lookup
    if (dir == nullptr || !PyUnicode_CheckExact(dir)) return false;
    const std::string base = utf8Of(dir);
    if (base.empty() || base[0] != '/') return false;
    return readWholeFile(base + "/" + name + ".py", out) ||
           readWholeFile(base + "/" + name + "/__init__.py", out);
}

bool startsWithDir(const std::string& path, const std::string& dir) {
    if (dir.empty()) return false;
    if (path.compare(0, dir.size(), dir) != 0) return false;
    return path.size() == dir.size() || dir.back() == '/' || path[dir.size()] == '/';
}

bool matches(const std::string& path, const std::string& pattern) {
    if (pattern.find_first_of("*?[") != std::string::npos)
        return ::fnmatch(pattern.c_str(), path.c_str(), 0) == 0;
    return path == pattern || startsWithDir(path, pattern);
}

// Readable form of a constant without running Python code that could be user code: only exact
// builtin types are rendered with repr (their repr is C code that calls nothing user-defined).
std::string constRepr(PyObject* c, int depth = 0) {
    if (c == Py_None || PyBool_Check(c) || c == Py_Ellipsis || PyLong_CheckExact(c) ||
        PyFloat_CheckExact(c) || PyComplex_CheckExact(c) || PyUnicode_CheckExact(c) ||
        PyBytes_CheckExact(c)) {
        PyObject* r = PyObject_Repr(c);
        if (!r) {
            PyErr_Clear();
            return "?";
        }
        std::string s = utf8Of(r);
        Py_DECREF(r);
        if (s.size() > 200) s = s.substr(0, 200) + "...";
        return s;
    }
    if (PyTuple_CheckExact(c) && depth < 3) {
        std::string s = "(";
        Py_ssize_t n = PyTuple_GET_SIZE(c);
        for (Py_ssize_t i = 0; i < n; ++i) {
            if (i) s += ", ";
            s += constRepr(PyTuple_GET_ITEM(c, i), depth + 1);
        }
        if (n == 1) s += ",";
        return s + ")";
    }
    if (PyFrozenSet_CheckExact(c)) return "frozenset({...})";
    if (PyCode_Check(c)) {
        auto* co = reinterpret_cast<PyCodeObject*>(c);
        return "<code object " + utf8Of(co->co_name) + ">";
    }
    return std::string("<") + Py_TYPE(c)->tp_name + ">";
}

std::string tupleItem(PyObject* tuple, Py_ssize_t i) {
    if (!tuple || !PyTuple_Check(tuple) || i < 0 || i >= PyTuple_GET_SIZE(tuple)) return "";
    return utf8Of(PyTuple_GET_ITEM(tuple, i));
}

}  // namespace

std::string utf8Of(PyObject* s) {
    if (!s || !PyUnicode_Check(s)) return "";
    Py_ssize_t n = 0;
    const char* p = PyUnicode_AsUTF8AndSize(s, &n);
    if (!p) {
        PyErr_Clear();
        return "";
    }
    return std::string(p, static_cast<size_t>(n));
}

// The patterns are absolute and normalized (reel._abs_patterns): so is a file name compared with
// them. One reached through a sys.path entry with ".." (`sys.path.insert(0, os.path.join(here,
// ".."))`, a common idiom) is "/proj/scripts/../lib/m.py", which a prefix test puts under
// "/proj/scripts". Lexically, as os.path.abspath does; symlinks are left as they are.
static std::string normalPath(const std::string& name) {
    if (name.empty() || name[0] != '/') return name;
    if (name.find("/.") == std::string::npos && name.find("//") == std::string::npos) return name;
    return std::filesystem::path(name).lexically_normal().string();
}

bool PathFilter::accepts(const std::string& raw) const {
    const std::string filename = normalPath(raw);
    for (const auto& d : alwaysExclude)
        if (startsWithDir(filename, d)) return false;
    if (!only.empty()) {
        bool ok = false;
        for (const auto& p : only)
            if (matches(filename, p)) {
                ok = true;
                break;
            }
        if (!ok) return false;
    }
    for (const auto& p : exclude)
        if (matches(filename, p)) return false;
    return true;
}

CodeTable::CodeTable(const OpcodeTable& ops, PathFilter filter)
    : ops_(ops),
      filter_(std::move(filter)),
      extraIndex_(codeExtraIndex()),
      session_(nextSession()) {
    if (const char* p = std::getenv("REEL_IMPLIED_OPCODES"); p && *p == '0') impliedEvents_ = false;
    for (size_t op = 0; op < 256; ++op) {
        const std::string& nm = ops_.ops[op].name;
        noFallthrough_[op] = nm == "RETURN_VALUE" || nm == "RETURN_CONST" ||
                             nm == "RAISE_VARARGS" || nm == "RERAISE" || nm == "JUMP_FORWARD" ||
                             nm == "JUMP_BACKWARD" || nm == "JUMP_BACKWARD_NO_INTERRUPT" ||
                             nm == "JUMP" || nm == "JUMP_NO_INTERRUPT";
        truthJump_[op] = nm == "POP_JUMP_IF_TRUE" || nm == "POP_JUMP_IF_FALSE" ||
                         nm == "POP_JUMP_FORWARD_IF_TRUE" || nm == "POP_JUMP_FORWARD_IF_FALSE" ||
                         nm == "POP_JUMP_BACKWARD_IF_TRUE" || nm == "POP_JUMP_BACKWARD_IF_FALSE";
        // 3.13's COMPARE_OP leaves a bool only with its to-bool bit, and is then followed by no
        // TO_BOOL; 3.13's truth jumps need no help anyway.
        leavesBool_[op] = nm == "IS_OP" || nm == "CONTAINS_OP" || nm == "UNARY_NOT";
        storeForm_[op] = nm == "STORE_FAST"              ? kStoreOne
                         : nm == "STORE_FAST_STORE_FAST" ? kStorePair
                         : nm == "STORE_FAST_LOAD_FAST"  ? kStoreThenLoad
                                                         : kStoreNone;
    }
}

namespace {
// How many units past its target a jump may land: FOR_ITER's exhausted path skips END_FOR
// (3.12) or END_FOR and POP_TOP (3.13); both are entry points (stackDepths, markImplied).
int landingSpan(const OpcodeInfo& oi) { return oi.name == "FOR_ITER" ? 2 : 0; }

// CodeInfo::storeSlots of an instruction that binds locals as `form` says, with argument `arg`.
uint32_t storeSlotsOf(uint8_t form, uint32_t arg, const std::vector<uint8_t>& kinds) {
    auto plain = [&](uint32_t slot) {
        return slot < kinds.size() && slot < 0xFFFF &&
               !(kinds[slot] & (compat::kFastCell | compat::kFastFree));
    };
    uint32_t first = arg, second = 0xFFFF;
    if (form == kStorePair) {
        first = arg >> 4;
        second = arg & 15;
    } else if (form == kStoreThenLoad) {
        first = arg >> 4;
    } else if (form != kStoreOne) {
        return CodeInfo::kNoStore;
    }
    if (!plain(first) || (second != 0xFFFF && !plain(second))) return CodeInfo::kNoStore;
    return first | (second << 16);
}
}  // namespace

int64_t CodeTable::jumpTarget(const OpcodeInfo& oi, size_t u, uint32_t arg) const {
    if (!(oi.flags & (opflag::kJrel | opflag::kJabs))) return -1;
    const int64_t next = static_cast<int64_t>(u) + 1 + oi.cacheEntries;
    const int64_t a = arg;
    return (oi.flags & opflag::kJabs) ? a : (oi.flags & opflag::kBackward) ? next - a : next + a;
}

CodeTable::~CodeTable() { Py_XDECREF(commandCode_); }

void CodeTable::setCommandSource(PyCodeObject* code, std::string text) {
    Py_XDECREF(commandCode_);
    commandCode_ = Py_NewRef(reinterpret_cast<PyObject*>(code));
    commandCodes_.clear();
    std::vector<PyCodeObject*> todo{code};
    while (!todo.empty()) {
        PyCodeObject* c = todo.back();
        todo.pop_back();
        if (!commandCodes_.insert(c).second) continue;
        PyObject* consts = c->co_consts;
        if (consts == nullptr || !PyTuple_Check(consts)) continue;
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(consts); ++i) {
            PyObject* k = PyTuple_GET_ITEM(consts, i);
            if (PyCode_Check(k)) todo.push_back(reinterpret_cast<PyCodeObject*>(k));
        }
    }
    commandSourceId_ = newSource(utf8Of(code->co_filename), std::move(text), true);
}

CodeInfo* CodeTable::insert(PyCodeObject* code) {
    if (extraIndex_ < 0 || infos_.size() >= 0xFFFFFFF0u) return nullptr;
    noteFirstSight(code);
    auto info = std::make_unique<CodeInfo>();
    std::string filename = utf8Of(code->co_filename);
    info->traced = filter_.accepts(filename);
    info->usesLocalsDict = !(code->co_flags & CO_OPTIMIZED);
    if (PyUnicode_Check(code->co_name)) {
        auto named = [&](const char* n) {
            return PyUnicode_CompareWithASCIIString(code->co_name, n) == 0;
        };
        if (named("__eq__") || named("__len__"))
            info->resultRead = CodeInfo::kReadTruth;
        else if (named("__repr__") || named("__str__") || named("__format__"))
            info->resultRead = CodeInfo::kReadStr;
    }
    if (info->traced) {
        format::CodeObject def;
        def.id = info->id = nextCodeId_++;
        def.qualname = utf8Of(code->co_qualname);
        def.name = utf8Of(code->co_name);
        def.filename = filename;
        def.sourceId = commandCodes_.count(code) ? commandSourceId_ : sourceFor(filename);
        def.firstLine = code->co_firstlineno;
        def.flags = static_cast<uint32_t>(code->co_flags);
        def.argCount = static_cast<uint16_t>(code->co_argcount);
        def.usesLocalsDict = info->usesLocalsDict;
        decode(code, *info, def);
        pendingCodes_.push_back(std::move(def));
    }
    infos_.push_back(std::move(info));
    uintptr_t tagged = (session_ << 32) | infos_.size();
    if (PyUnstable_Code_SetExtra(reinterpret_cast<PyObject*>(code), extraIndex_,
                                 reinterpret_cast<void*>(tagged)) < 0) {
        PyErr_Clear();
    }
    return infos_.back().get();
}

uint32_t CodeTable::sourceFor(const std::string& filename) {
    auto it = sourceIds_.find(filename);
    if (it != sourceIds_.end()) return it->second;
    std::string text;
    // Pseudo-files ("<string>", "<frozen ...>") have no text on disk; generated code may have
    // put its text in linecache, and so may a loader for a file that is not on disk (a zip).
    bool hasText = false;
    if (!filename.empty() && filename[0] != '<') hasText = readWholeFile(filename, text);
    if (!hasText) hasText = frozenStdlibText(filename, text);
    // Not for "<string>": every exec of a string shares that name (3.13's `python -c` puts its
    // own text there), so no one text belongs to it.
    if (!hasText && !filename.empty() && filename != "<string>")
        hasText = linecacheText(filename, text);
    uint32_t id = newSource(filename, std::move(text), hasText);
    sourceIds_.emplace(filename, id);
    return id;
}

uint32_t CodeTable::newSource(const std::string& path, std::string text, bool hasText) {
    format::SourceFile sf;
    // Ids count every source made, including the command's, which has no entry by name.
    sf.id = nextSourceId_++;
    sf.path = path;
    sf.hasText = hasText;
    if (hasText) sf.text = std::move(text);
    pendingSources_.push_back(std::move(sf));
    return pendingSources_.back().id;
}

void CodeTable::decode(PyCodeObject* code, CodeInfo& info, format::CodeObject& def) {
    Py_ssize_t nlp = PyTuple_GET_SIZE(code->co_localsplusnames);
    info.nlocalsplus = static_cast<uint32_t>(nlp);
    const char* kinds = PyBytes_AS_STRING(code->co_localspluskinds);
    for (Py_ssize_t i = 0; i < nlp; ++i) {
        def.localNames.push_back(tupleItem(code->co_localsplusnames, i));
        def.localKinds.push_back(static_cast<uint8_t>(kinds[i]));
        info.kinds.push_back(static_cast<uint8_t>(kinds[i]));
    }

    // Unspecialized, uninstrumented bytecode: the live one has adaptive/instrumented opcodes.
    PyObject* bytes = PyCode_GetCode(code);
    if (!bytes) {
        PyErr_Clear();
        return;
    }
    const auto* bc = reinterpret_cast<const uint8_t*>(PyBytes_AS_STRING(bytes));
    size_t n = static_cast<size_t>(PyBytes_GET_SIZE(bytes));
    def.bytecode.assign(bc, bc + n);
    info.opFlags.assign(n / 2 + 1, 0);
    info.dynKind.assign(n / 2 + 1, 0);
    info.arg.assign(n / 2 + 1, 0);
    info.storeSlots.assign(n / 2 + 1, CodeInfo::kNoStore);

    PyObject* consts = code->co_consts;
    PyObject* names = code->co_names;
    uint32_t extended = 0;
    compat::LineCursor lines(code);
    for (size_t off = 0; off + 1 < n;) {
        uint8_t op = bc[off];
        const OpcodeInfo& oi = ops_.ops[op];
        uint32_t arg = extended | bc[off + 1];
        size_t size = 2 + 2 * static_cast<size_t>(oi.cacheEntries);
        info.opFlags[off / 2] = static_cast<uint16_t>(oi.flags);
        if (oi.flags & opflag::kExtendedArg) {
            extended = arg << 8;
            format::Instruction ins;
            ins.offset = static_cast<uint32_t>(off);
            ins.opcode = op;
            ins.opname = oi.name;
            ins.arg = static_cast<int32_t>(arg);
            ins.line = lines.lineAt(static_cast<int>(off));
            ins.size = static_cast<uint16_t>(size);
            def.instructions.push_back(std::move(ins));
            off += size;
            continue;
        }
        extended = 0;
        for (size_t k = 1; k <= oi.cacheEntries && off / 2 + k < info.opFlags.size(); ++k)
            info.opFlags[off / 2 + k] = static_cast<uint16_t>(opflag::kCacheUnit);
        info.dynKind[off / 2] = oi.dynKind;
        info.arg[off / 2] = arg;
        info.storeSlots[off / 2] = storeSlotsOf(storeForm_[op], arg, info.kinds);
        format::Instruction ins;
        ins.offset = static_cast<uint32_t>(off);
        ins.opcode = op;
        ins.opname = oi.name;
        ins.arg = (oi.flags & opflag::kHasArg) ? static_cast<int32_t>(arg) : -1;
        ins.line = lines.lineAt(static_cast<int>(off));
        ins.size = static_cast<uint16_t>(size);
        const std::string& nm = oi.name;
        if (oi.flags & opflag::kConst) {
            if (consts && arg < static_cast<uint32_t>(PyTuple_GET_SIZE(consts)))
                ins.argRepr = constRepr(PyTuple_GET_ITEM(consts, arg));
        } else if (oi.flags & opflag::kName) {
            uint32_t idx = arg;
            if (nm == "LOAD_GLOBAL" || (nm == "LOAD_ATTR" && ops_.minor >= 12))
                idx = arg >> 1;
            else if (nm == "LOAD_SUPER_ATTR")
                idx = arg >> 2;
            ins.argRepr = tupleItem(names, idx);
            if (nm == "LOAD_GLOBAL" && (arg & 1)) ins.argRepr = "NULL + " + ins.argRepr;
        } else if (oi.flags & (opflag::kLocal | opflag::kFree)) {
            if (nm == "LOAD_FAST_LOAD_FAST" || nm == "STORE_FAST_LOAD_FAST" ||
                nm == "STORE_FAST_STORE_FAST") {
                ins.argRepr = tupleItem(code->co_localsplusnames, arg >> 4) + ", " +
                              tupleItem(code->co_localsplusnames, arg & 15);
            } else {
                ins.argRepr = tupleItem(code->co_localsplusnames, arg);
            }
        } else if (oi.flags & opflag::kCompare) {
            uint32_t idx = ops_.minor >= 13 ? arg >> 5 : ops_.minor == 12 ? arg >> 4 : arg;
            if (idx < ops_.compareOps.size()) ins.argRepr = ops_.compareOps[idx];
        }
        if (oi.flags & (opflag::kJrel | opflag::kJabs)) {
            int64_t after = static_cast<int64_t>(off + size);
            int64_t target = (oi.flags & opflag::kJabs) ? 2 * static_cast<int64_t>(arg)
                             : (oi.flags & opflag::kBackward)
                                 ? after - 2 * static_cast<int64_t>(arg)
                                 : after + 2 * static_cast<int64_t>(arg);
            if (target >= 0 && target < static_cast<int64_t>(n)) {
                ins.jumpTarget = static_cast<int32_t>(target);
                if (ins.argRepr.empty()) ins.argRepr = "to " + std::to_string(target);
            }
        }
        def.instructions.push_back(std::move(ins));
        off += size;
    }
    // An EXTENDED_ARG prefix is reported in place of its instruction (3.11): give it the same
    // purity facts.
    for (size_t i = info.opFlags.size(); i-- > 0;) {
        if ((info.opFlags[i] & opflag::kExtendedArg) && i + 1 < info.dynKind.size()) {
            info.dynKind[i] = info.dynKind[i + 1];
            info.arg[i] = info.arg[i + 1];
        }
    }
    std::vector<uint8_t> leaders;
    stackDepths(code, bc, n, info, leaders);
    markImplied(bc, n, info, leaders);
    Py_DECREF(bytes);
}

namespace {
// One entry of co_exceptiontable: a 6-bit-per-byte big-endian varint, bit 6 = more follows.
bool readExceptionVarint(const uint8_t*& p, const uint8_t* end, uint32_t& out) {
    if (p >= end) return false;
    uint8_t b = *p++;
    uint32_t v = b & 63;
    while (b & 64) {
        if (p >= end || v > (UINT32_MAX >> 6)) return false;
        b = *p++;
        v = (v << 6) | (b & 63);
    }
    out = v;
    return true;
}
}  // namespace

// The depth of the value stack before each instruction, by abstract interpretation of the
// unspecialized bytecode like CPython's own stack-depth checks (compile.c stackdepth(),
// frameobject.c mark_stacks()): from depth 0 at the first instruction and from each exception
// handler (its table depth, plus lasti, plus the exception), following fall-through and jumps with
// PyCompile_OpcodeStackEffectWithJump. Purity reads operands at these depths on 3.12/3.13, where
// the frame's saved stack pointer is not valid at INSTRUCTION events; a wrong depth would read a
// dead stack slot, so any inconsistency (depth out of [0, co_stacksize], two different depths
// reaching one instruction, an invalid jump) gives up on the whole code object (-1 everywhere).
void CodeTable::stackDepths(PyCodeObject* code, const uint8_t* bc, size_t n, CodeInfo& info,
                            std::vector<uint8_t>& leaders) {
    const size_t units = n / 2;
    leaders.assign(units + 1, 0);
    info.stackSize = code->co_stacksize;
    info.depth.assign(units + 1, -1);
    std::vector<uint8_t> isStart(units + 1, 0);
    std::vector<uint32_t> fullArg(units + 1, 0);
    uint32_t extended = 0;
    for (size_t off = 0; off + 1 < n;) {
        const OpcodeInfo& oi = ops_.ops[bc[off]];
        isStart[off / 2] = 1;
        uint32_t a = extended | bc[off + 1];
        fullArg[off / 2] = a;
        extended = (oi.flags & opflag::kExtendedArg) ? a << 8 : 0;
        off += 2 + 2 * static_cast<size_t>(oi.cacheEntries);
    }
    const int maxDepth = code->co_stacksize;
    std::vector<int16_t>& depth = info.depth;
    std::vector<uint32_t> work;
    bool ok = true;
    auto reach = [&](int64_t unit, int d) {
        if (!ok) return;
        if (unit < 0 || static_cast<size_t>(unit) >= units || !isStart[unit] || d < 0 ||
            d > maxDepth || d > INT16_MAX) {
            ok = false;
            return;
        }
        if (depth[unit] == -1) {
            depth[unit] = static_cast<int16_t>(d);
            work.push_back(static_cast<uint32_t>(unit));
        } else if (depth[unit] != d) {
            ok = false;
        }
    };
    reach(0, 0);
    leaders[0] = 1;
    if (PyObject* et = code->co_exceptiontable; et && PyBytes_Check(et)) {
        const auto* p = reinterpret_cast<const uint8_t*>(PyBytes_AS_STRING(et));
        const uint8_t* end = p + PyBytes_GET_SIZE(et);
        while (p < end && ok) {
            uint32_t start, size, target, dl;
            if (!readExceptionVarint(p, end, start) || !readExceptionVarint(p, end, size) ||
                !readExceptionVarint(p, end, target) || !readExceptionVarint(p, end, dl)) {
                ok = false;
                break;
            }
            (void)start;
            (void)size;
            if (target < units) leaders[target] = 1;
            reach(target, static_cast<int>(dl >> 1) + static_cast<int>(dl & 1) + 1);
        }
    }
    while (ok && !work.empty()) {
        uint32_t u = work.back();
        work.pop_back();
        const size_t off = static_cast<size_t>(u) * 2;
        const uint8_t op = bc[off];
        const OpcodeInfo& oi = ops_.ops[op];
        const int d = depth[u];
        const int64_t next = static_cast<int64_t>(u) + 1 + oi.cacheEntries;
        if (oi.flags & opflag::kExtendedArg) {
            reach(next, d);
            continue;
        }
        const int a = static_cast<int>(fullArg[u]);
        const int argIn = (oi.flags & opflag::kHasArg) ? a : 0;
        int fall = PyCompile_OpcodeStackEffectWithJump(op, argIn, 0);
        if (fall == PY_INVALID_STACK_EFFECT) {
            ok = false;
            break;
        }
        // On resumption the generator's frame continues after RETURN_GENERATOR with the sent
        // value pushed (3.11/3.12 report an effect of 0, 3.13 of 1).
        if (oi.name == "RETURN_GENERATOR") fall = 1;
        // 3.11's compiler books a call's pops on PRECALL (-oparg) and CALL (-1); the interpreter
        // pops nothing at PRECALL and everything at CALL.
        if (ops_.minor == 11 && oi.name == "PRECALL") fall = 0;
        if (ops_.minor == 11 && oi.name == "CALL") fall = -(a + 1);
        if (oi.flags & (opflag::kJrel | opflag::kJabs)) {
            int jump = PyCompile_OpcodeStackEffectWithJump(op, argIn, 1);
            if (jump == PY_INVALID_STACK_EFFECT) {
                ok = false;
                break;
            }
            const int64_t target = jumpTarget(oi, u, static_cast<uint32_t>(a));
            // FOR_ITER's exhausted path lands past where dis says: those are entry points too.
            const int extra = landingSpan(oi);
            for (int64_t t = target; t <= target + extra; ++t)
                if (t >= 0 && static_cast<size_t>(t) < units) leaders[t] = 1;
            reach(target, d + jump);
        }
        if (!noFallthrough_[op] && static_cast<size_t>(next) < units) reach(next, d + fall);
    }
    if (!ok) {
        std::fill(depth.begin(), depth.end(), static_cast<int16_t>(-1));
        return;
    }
    // EXTENDED_ARG prefixes already carry the depth of their instruction (stack effect 0).
}

// Which instructions' opcode events are left implied (opflag::kImplied), and the control-flow
// facts the recorder needs to write them later (CodeInfo::flow, jumpTo). The recorder writes the
// events of implied instructions when it records the frame's next instruction b: it walks from
// the unit after the frame's previous recorded instruction along implied instructions, taking an
// implied jump when it lands on b and falling through otherwise, and writes what it passed when
// the walk reaches b (Recorder::catchUp). That walk is the path control took when:
// - nothing runs between an implied instruction and the next (no code, no other thread, no
//   exception but 3.11's LOAD_FAST of an unbound local, whose events the exception event writes);
// - an implied non-jump (no caches, no EXTENDED_ARG prefix, reachable, no entry point) is
//   followed by no entry point, so control enters and leaves it only by falling through; an
//   implied jump is no entry point either, and is not followed by an EXTENDED_ARG prefix;
// - a jump that may go either way is never ambiguous: the walk from its fall-through does not
//   reach where it lands through implied instructions (else the fall-through is recorded).
// Entry points are always recorded, so a walk never loops.
void CodeTable::markImplied(const uint8_t* bc, size_t n, CodeInfo& info,
                            const std::vector<uint8_t>& leaders) {
    const size_t units = n / 2;
    info.flow.assign(units + 1, 0);
    info.jumpTo.assign(units + 1, UINT32_MAX);
    auto isPrefix = [&](size_t u) { return u < units && (info.opFlags[u] & opflag::kExtendedArg); };
    auto implied = [&](size_t u) { return (info.opFlags[u] & opflag::kImplied) != 0; };
    size_t prev = SIZE_MAX;  // the previous instruction (not a prefix)
    for (size_t off = 0; off + 1 < n;) {
        const uint8_t op = bc[off];
        const OpcodeInfo& oi = ops_.ops[op];
        const size_t u = off / 2;
        const size_t size = 1 + static_cast<size_t>(oi.cacheEntries);
        uint32_t fl = static_cast<uint32_t>(size);
        if (leaders[u]) fl |= flow::kLeader;
        if (noFallthrough_[op] || (oi.flags & opflag::kReturn)) fl |= flow::kNoFall;
        if (!(oi.flags & opflag::kExtendedArg)) {
            if (int64_t t = jumpTarget(oi, u, info.arg[u]);
                t >= 0 && t < static_cast<int64_t>(units)) {
                size_t to = static_cast<size_t>(t);
                while (isPrefix(to)) ++to;
                info.jumpTo[u] = static_cast<uint32_t>(to);
                fl |= flow::kJumps;
            }
        }
        info.flow[u] = fl;
        const bool prefixed = u > 0 && (info.opFlags[u - 1] & opflag::kExtendedArg);
        bool ok = impliedEvents_ && (oi.flags & opflag::kImplied) && !prefixed &&
                  info.depth[u] >= 0 && !leaders[u];
        if (fl & flow::kJumps) {
            ok = ok && ((fl & flow::kNoFall) || (u + size < units && !isPrefix(u + size)));
            // Before 3.13 a truth test calls __bool__ unless the value is a bool: only right after
            // an instruction that leaves one (the jump is no entry point: reached from it alone).
            if (truthJump_[op] && ops_.minor < 13)
                ok = ok && prev != SIZE_MAX && leavesBool_[bc[2 * prev]];
        } else if (fl & flow::kNoFall) {
            // A return leaves the frame: its event is written at the return event, which
            // follows at once (Recorder::onReturn).
            ok = ok && oi.cacheEntries == 0;
        } else {
            // (LOAD_GLOBAL has inline cache entries: an exception event reported inside them is
            // mapped back to it, Recorder::pendingAt.)
            ok = ok && u + size < units && !leaders[u + size] && !isPrefix(u + size);
        }
        if (!ok) info.opFlags[u] &= static_cast<uint16_t>(~opflag::kImplied);
        if (!(oi.flags & opflag::kExtendedArg)) prev = u;
        off += 2 * size;
    }
    // No ambiguous jump: for each jump that may go either way, the walk from its fall-through
    // must not reach where it lands through implied instructions (up to landingSpan() past its
    // target). A fall-through that would is
    // recorded; that cannot make another jump ambiguous (it is no entry point, so nothing lands
    // there).
    for (size_t u = 0; u < units; u += info.flow[u] & flow::kSizeMask) {
        const uint32_t fl = info.flow[u];
        if ((fl & flow::kSizeMask) == 0) break;
        if (!(fl & flow::kJumps) || (fl & flow::kNoFall)) continue;
        const size_t from = u + (fl & flow::kSizeMask);
        if (from >= units || !implied(from)) continue;
        const size_t t = info.jumpTo[u];
        const size_t span = static_cast<size_t>(landingSpan(ops_.ops[bc[2 * u]]));
        auto lands = [&](size_t v) { return v >= t && v <= t + span; };
        bool ambiguous = false;
        size_t v = from;
        while (v < units && implied(v)) {
            const uint32_t f = info.flow[v];
            if (f & flow::kJumps) {
                if (lands(info.jumpTo[v])) ambiguous = true;
                if (ambiguous || (f & flow::kNoFall)) break;
            }
            if (f & flow::kNoFall) break;
            v += f & flow::kSizeMask;
        }
        if (ambiguous || (v < units && lands(v)))
            info.opFlags[from] &= static_cast<uint16_t>(~opflag::kImplied);
    }
    markConditional(info, units);
    // Where control arrives only through an implied instruction (for the recorder's check that
    // no implied event is ever lost), and the straight lines of implied instructions falling
    // through to an instruction: the walk's answer when it starts where they do, which the
    // recorder takes without walking (Recorder::opcodeIn, catchUp).
    for (size_t u = 0, p = SIZE_MAX; u < units; u += info.flow[u] & flow::kSizeMask) {
        if ((info.flow[u] & flow::kSizeMask) == 0) break;
        const bool fallsIn = p != SIZE_MAX && implied(p) && !(info.flow[p] & flow::kNoFall);
        if (fallsIn && !(info.flow[u] & flow::kLeader)) info.flow[u] |= flow::kFromImplied;
        if (fallsIn && !isPrefix(p)) {
            // (A line too long for its byte gets none: the walk takes it.)
            const uint32_t fp = info.flow[p];
            const uint32_t before = flow::runOf(fp);
            const uint32_t line = before + static_cast<uint32_t>(u - p);
            if (line <= 0xFF) {
                info.flow[u] |= line << flow::kRunShift;
                if (u - p == 1 && (before == 0 || (fp & flow::kRunOneUnit)))
                    info.flow[u] |= flow::kRunOneUnit;
                uint64_t stores = before != 0 && (fp & flow::kRunHasStore) ? info.lineStores[p] : 0;
                if (fp & flow::kImpliedStore) stores |= flow::slotBits(info.storeSlots[p]);
                if (stores != 0) {
                    if (info.lineStores.empty()) info.lineStores.assign(units + 1, 0);
                    info.lineStores[u] = stores;
                    info.flow[u] |= flow::kRunHasStore;
                }
            }
        }
        if (!(info.opFlags[u] & opflag::kExtendedArg)) p = u;
    }
}

// The implied instructions whose events are implied only when the recorder decides so at their
// event (flow::kConditional): those judged per execution (LOAD_GLOBAL) and stores. A store is
// implied only where the recorded instruction that control comes from (through implied ones)
// binds no local but by STORE_FAST, and neither it nor another store on the way binds one of its
// slots: the frame's check at its next recorded instruction then leaves exactly the store's
// slots for after the store's event (Recorder::catchUp), as if the store had been recorded.
void CodeTable::markConditional(CodeInfo& info, size_t units) {
    auto implied = [&](size_t u) { return (info.opFlags[u] & opflag::kImplied) != 0; };
    std::vector<uint32_t> starts;  // instruction starts (no EXTENDED_ARG prefixes), in order
    for (size_t u = 0; u < units; u += info.flow[u] & flow::kSizeMask) {
        if ((info.flow[u] & flow::kSizeMask) == 0) break;
        if (!(info.opFlags[u] & opflag::kExtendedArg)) starts.push_back(static_cast<uint32_t>(u));
    }
    for (size_t k = 0; k < starts.size(); ++k) {
        const size_t u = starts[k];
        if (!implied(u)) continue;
        const uint32_t slots = info.storeSlots[u];
        const bool storeOp = (info.opFlags[u] & opflag::kNoLocalWrite) == 0;
        if (!conditionalImplied_ && (storeOp || info.dynKind[u] != dyn::kNone)) {
            info.opFlags[u] &= static_cast<uint16_t>(~opflag::kImplied);
            continue;
        }
        if (info.dynKind[u] != dyn::kNone) info.flow[u] |= flow::kConditional;
        if (!storeOp) continue;
        bool ok = slots != CodeInfo::kNoStore && (slots & 0xFFFF) < 64 &&
                  ((slots >> 16) == 0xFFFF || (slots >> 16) < 64);
        const uint64_t mine = ok ? flow::slotBits(slots) : 0;
        size_t j = k;
        while (ok && j > 0 && implied(starts[j - 1])) {
            const size_t p = starts[--j];
            if ((info.flow[p] & flow::kImpliedStore) && (flow::slotBits(info.storeSlots[p]) & mine)) ok = false;
        }
        if (ok && j > 0) {
            const size_t x = starts[j - 1];
            ok = info.storeSlots[x] != CodeInfo::kNoStore ? (flow::slotBits(info.storeSlots[x]) & mine) == 0
                                                           : (info.opFlags[x] & opflag::kNoLocalWrite) != 0;
        } else {
            ok = false;
        }
        if (ok)
            info.flow[u] |= flow::kConditional | flow::kImpliedStore;
        else
            info.opFlags[u] &= static_cast<uint16_t>(~opflag::kImplied);
    }
    // Backwards: whether the straight line of implied instructions from here holds a store.
    for (size_t k = starts.size(); k-- > 0;) {
        const size_t u = starts[k];
        if (!implied(u)) continue;
        const uint32_t f = info.flow[u];
        const bool ahead = (f & flow::kImpliedStore) ||
                           (!(f & flow::kNoFall) && k + 1 < starts.size() &&
                            (info.flow[starts[k + 1]] & flow::kStoreAhead));
        if (ahead) info.flow[u] |= flow::kStoreAhead;
    }
}

void CodeTable::drainInto(format::NewDefs& defs) {
    for (auto& s : pendingSources_) defs.sources.push_back(std::move(s));
    for (auto& c : pendingCodes_) defs.codes.push_back(std::move(c));
    pendingSources_.clear();
    pendingCodes_.clear();
}

}  // namespace reel::recorder
