"""Reference tracer for Reel's state-export fidelity contract (issue 4, docs/values.md).

Usage:
    PYTHON tests/oracle/reel_oracle.py [--only DIR] [--out FILE] [--depth N] script.py [args...]

Runs script.py as ``__main__`` exactly like ``PYTHON script.py [args...]`` would (same sys.argv,
sys.path[0], stdout, stderr, exit status, uncaught-exception traceback, atexit handlers), under
``sys.settrace`` + ``threading.settrace`` with ``frame.f_trace_opcodes = True`` on every traced
frame, and writes one JSON object per trace event to FILE (default ``oracle.jsonl``; never the
program's stdout).

Only frames whose ``co_filename`` resolves (against the working directory, symlinks resolved)
to a file inside DIR (default: the script's directory) are reported; pseudo-files such as
``<string>`` or ``<frozen ...>`` and this file never match.

Exact serialization (the C++ exporter must produce byte-identical lines):
    line = json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\\n"
  written as UTF-8. Key order is fixed:
    {"ev":"call","fn":F,"line":L}
    {"ev":"opcode","fn":F,"line":L,"off":O,"locals":{NAME:RENDERED,...}}
    {"ev":"exception","fn":F,"line":L,"exc":RENDERED}
    {"ev":"return","fn":F,"line":L,"value":RENDERED}
  F is co_qualname, L is frame.f_lineno (JSON null when CPython reports None), O is
  frame.f_lasti.  No whitespace between JSON tokens; json.dumps escapes '"' and '\\' with a
  backslash, U+0008/09/0A/0C/0D as \\b \\t \\n \\f \\r, other characters below U+0020 as \\u00xx (lowercase
  hex), and writes everything else (U+007F, all non-ASCII) raw.  Rendered values never hold a
  lone surrogate (repr escapes them); should a namespace key do so, it is written with the
  "surrogatepass" handler.  Locals keys appear in the iteration order of frame.f_locals (see
  docs/values.md for that order per version), minus names that start and end with "__".  A
  non-str key (possible only in module/class namespaces) is written as its RENDERED form.
  Internal errors of the oracle are written as {"ev":"oracle-error",...} lines (never to the
  program's streams) so that tests fail loudly.

Limitations: events after this tracer's own atexit handler (interpreter teardown, __del__ during
finalization) are not reported; a program ending in os._exit() loses the buffered output.

Nothing here calls user code: see render() and docs/values.md for how each value is read.
"""

import sys

# Everything the tracer needs is bound now, before the program can monkeypatch modules.
import builtins as _builtins
import json as _json
import os as _os
import threading as _threading
import types as _types

_PY = sys.version_info[:2]

DEPTH = 3
ITEMS = 16
CHARS = 64
INTBITS = 200
ELLIPSIS = "\u2026"

# ---------------------------------------------------------------------------------------------
# Rendering (rules 1-8 of docs/values.md).  Every attribute read goes through a descriptor taken
# from a *builtin* type's own __dict__ (type.__dict__[...] is a mappingproxy over the C type's
# dict, so the lookup itself runs no user code), never through getattr() on a user object.
# ---------------------------------------------------------------------------------------------

_type_dict = type.__dict__["__dict__"].__get__        # cls -> mappingproxy of cls's own dict
_type_mro = type.__dict__["__mro__"].__get__          # cls -> tuple
_type_qualname = type.__dict__["__qualname__"].__get__
_type_module = type.__dict__["__module__"].__get__
_type_name = type.__dict__["__name__"].__get__
_exc_args = BaseException.__dict__["args"].__get__
_func_qualname = _types.FunctionType.__dict__["__qualname__"].__get__
_module_dict = _types.ModuleType.__dict__["__dict__"].__get__
_mappingproxy_get = _types.MappingProxyType.get
_dict_get = dict.get
_dict_items = dict.items
_dict_len = dict.__len__
_list_len = list.__len__
_tuple_len = tuple.__len__
_set_len = set.__len__
_frozenset_len = frozenset.__len__
_list_iter = list.__iter__
_tuple_iter = tuple.__iter__
_set_iter = set.__iter__
_frozenset_iter = frozenset.__iter__
_int_repr = int.__repr__
_int_bitlen = int.bit_length
_int_plain = int.__int__            # exact int copy of an int subclass instance
_float_repr = float.__repr__
_float_plain = float.__float__
_complex_repr = complex.__repr__
_str_repr = str.__repr__
_str_plain = str.__str__
_str_len = str.__len__
_bytes_repr = bytes.__repr__
_bytes_plain = bytes.__bytes__
_bytes_len = bytes.__len__
_bytearray_bytes = bytes            # bytes(exact bytearray) copies through the buffer protocol
_id = id
_isinstance = isinstance
_Member = _types.MemberDescriptorType
_FunctionType = _types.FunctionType
_ModuleType = _types.ModuleType
_FrameLocalsProxy = type((lambda: sys._getframe().f_locals)()) if _PY >= (3, 13) else None


def type_name(t):
    """TYPE: __qualname__, prefixed with __module__ + '.' unless builtins/__main__."""
    try:
        qn = _type_qualname(t)
    except Exception:
        qn = "?"
    try:
        mod = _type_module(t)
    except Exception:
        mod = None
    if type(mod) is str and mod not in ("builtins", "__main__"):
        return mod + "." + qn
    return qn


def _str_rule(s):
    n = _str_len(s)
    if n <= CHARS:
        return _str_repr(s)
    return _str_repr(s[:CHARS]) + ELLIPSIS + "+" + _int_repr(n - CHARS)


def _bytes_rule(b):
    n = _bytes_len(b)
    if n <= CHARS:
        return _bytes_repr(b)
    return _bytes_repr(b[:CHARS]) + ELLIPSIS + "+" + _int_repr(n - CHARS)


def _int_rule(i):
    bits = _int_bitlen(i)
    if bits > INTBITS:
        return "<int " + _int_repr(bits) + " bits>"
    return _int_repr(i)


def _items(it, count, depth, path, pairs=False):
    """Render at most ITEMS entries of an iterator over a builtin container, then '…+K'."""
    out = []
    n = 0
    for x in it:
        if n == ITEMS:
            break
        if pairs:
            out.append(_render(x[0], depth, path) + ": " + _render(x[1], depth, path))
        else:
            out.append(_render(x, depth, path))
        n += 1
    if count > ITEMS:
        out.append(ELLIPSIS + "+" + _int_repr(count - ITEMS))
    return out


def _container(v, base, depth, path):
    """Rule 3 rendering of v's contents, read through base's C slots (v may be a subclass)."""
    if base is list:
        return "[" + ", ".join(_items(_list_iter(v), _list_len(v), depth + 1, path)) + "]"
    if base is tuple:
        n = _tuple_len(v)
        parts = _items(_tuple_iter(v), n, depth + 1, path)
        if n == 1:
            return "(" + parts[0] + ",)"
        return "(" + ", ".join(parts) + ")"
    if base is dict:
        return "{" + ", ".join(_items(_dict_items(v), _dict_len(v), depth + 1, path, True)) + "}"
    if base is set:
        n = _set_len(v)
        if n == 0:
            return "set()"
        return "{" + ", ".join(_items(_set_iter(v), n, depth + 1, path)) + "}"
    # frozenset
    n = _frozenset_len(v)
    if n == 0:
        return "frozenset()"
    return "frozenset({" + ", ".join(_items(_frozenset_iter(v), n, depth + 1, path)) + "})"


_CONTAINERS = (list, tuple, dict, set, frozenset)


def _has(seq, cls):
    """cls in seq by identity only: `in` would call a metaclass __eq__ (user code)."""
    for c in seq:
        if c is cls:
            return True
    return False
_SCALARS = ((int, _int_plain, _int_rule), (float, _float_plain, _float_repr),
            (str, _str_plain, _str_rule), (bytes, _bytes_plain, _bytes_rule))


def _make_get_instance_dict():
    """Instance-dict reader that never consults the type's attributes.

    `obj.__dict__` goes through the type's attribute lookup, where a class may define its own
    `__dict__` property (user code).  CPython's PyObject_GenericGetDict reads the dict slot the
    type reserved (tp_dictoffset, or the managed dict on 3.11+) and is part of the stable ABI;
    ctypes.pythonapi holds the GIL and turns a NULL return into the pending Python exception.
    Whether a type has such a slot at all is type.__dictoffset__ != 0.
    """
    import ctypes

    fn = ctypes.pythonapi.PyObject_GenericGetDict
    fn.restype = ctypes.py_object           # new reference: ctypes takes ownership
    # No argtypes: converting through py_object.from_param would run isinstance(), which reads
    # obj.__class__ through the object's own __getattribute__.  A py_object built explicitly
    # just stores the pointer, and ctypes passes its own instances through unchanged.
    box = ctypes.py_object

    def get(obj):
        return fn(box(obj), None)

    return get


_get_instance_dict = _make_get_instance_dict()
_type_dictoffset = type.__dict__["__dictoffset__"].__get__


def _mangle(name, clsname):
    if name[:2] == "__" and name[-2:] != "__" and "." not in name:
        stripped = clsname.lstrip("_")
        if stripped:
            return "_" + stripped + name
    return name


def _slot_names(cls):
    """Declared __slots__ of one class, in declaration order, private names mangled."""
    slots = _mappingproxy_get(_type_dict(cls), "__slots__")
    if slots is None:
        return ()
    t = type(slots)
    if t is str:
        names = (slots,)
    elif t is tuple:
        names = tuple(_tuple_iter(slots))
    elif t is list:
        names = tuple(_list_iter(slots))
    elif t is dict:
        names = tuple(k for k, _ in _dict_items(slots))
    else:
        # An arbitrary iterable would have to be iterated (user code); the member descriptors in
        # the class dict are a safe substitute.
        names = tuple(k for k, d in _dict_items(dict(_type_dict(cls))) if type(d) is _Member)
    try:
        clsname = _type_name(cls)
    except Exception:
        clsname = ""
    out = []
    for n in names:
        if type(n) is str and n not in ("__dict__", "__weakref__"):
            out.append(_mangle(n, clsname))
    return out


_MISSING = object()


def _object_attrs(v, t):
    """(has_storage, [(name, value)]) for rule 7: set slot members first, then __dict__.

    has_storage (rule 7 applies at all) is true when the object has an instance dict (even an
    empty one) or at least one slot member that is set; otherwise it is rule 8.
    """
    mro = _type_mro(t)
    attrs = []
    has_storage = False
    for cls in mro:
        if cls is object:
            continue
        for name in _slot_names(cls):
            d = _mappingproxy_get(_type_dict(cls), name)
            if type(d) is not _Member:
                continue
            try:
                val = d.__get__(v, t)
            except AttributeError:
                continue            # declared but not set: does not count as storage
            has_storage = True
            attrs.append((name, val))
    if _type_dictoffset(t) != 0:
        try:
            dct = _get_instance_dict(v)
        except Exception:
            dct = None
        if dct is not None and _has(_type_mro(type(dct)), dict):
            has_storage = True
            for k, val in _dict_items(dct):
                if type(k) is str and k[:2] == "__":
                    continue
                attrs.append((k, val))
    return has_storage, attrs


def _render(v, depth, path):
    if v is None:
        return "None"
    if v is True:
        return "True"
    if v is False:
        return "False"
    t = type(v)
    if t is int:
        return _int_rule(v)
    if t is float:
        return _float_repr(v)
    if t is complex:
        return _complex_repr(v)
    if t is str:
        return _str_rule(v)
    if t is bytes:
        return _bytes_rule(v)
    if t is bytearray:
        return "bytearray(" + _bytes_rule(_bytearray_bytes(v)) + ")"
    if t is list or t is tuple or t is dict or t is set or t is frozenset:
        key = _id(v)
        if key in path:
            return "<cycle>"
        if depth > DEPTH:
            return ELLIPSIS
        path.add(key)
        try:
            return _container(v, t, depth, path)
        finally:
            path.discard(key)
    mro = _type_mro(t)
    if mro is None:
        # A static type the interpreter has not readied yet (3.11's positions_iterator, from
        # code.co_positions()): its __mro__ reads None. Such a C type has no instance dict or
        # slots: rule 8.
        return "<" + type_name(t) + " object>"
    # Rule 5 comes before rule 4: no class can derive from both BaseException and a container.
    if _has(mro, BaseException):
        key = _id(v)
        if key in path:
            return "<cycle>"
        if depth > DEPTH:
            return ELLIPSIS
        path.add(key)
        try:
            args = _exc_args(v)
            if type(args) is tuple:
                parts = _items(_tuple_iter(args), _tuple_len(args), depth + 1, path)
            else:
                parts = [_render(args, depth + 1, path)]
            return type_name(t) + "(" + ", ".join(parts) + ")"
        finally:
            path.discard(key)
    for base in _CONTAINERS:
        if _has(mro, base):
            key = _id(v)
            if key in path:
                return "<cycle>"
            if depth > DEPTH:
                return ELLIPSIS
            path.add(key)
            try:
                return type_name(t) + _container(v, base, depth, path)
            finally:
                path.discard(key)
    for base, plain, rule in _SCALARS:
        if _has(mro, base):
            return type_name(t) + "(" + rule(plain(v)) + ")"
    if t is _FunctionType:
        return "<function " + _func_qualname(v) + ">"
    if _has(mro, type):
        return "<class " + type_name(v) + ">"
    if _has(mro, _ModuleType):
        md = _module_dict(v)
        name = _dict_get(md, "__name__") if type(md) is dict else None
        return "<module " + (name if type(name) is str else "?") + ">"
    has_storage, attrs = _object_attrs(v, t)
    if not has_storage:
        return "<" + type_name(t) + " object>"
    key = _id(v)
    if key in path:
        return "<cycle>"
    if depth > DEPTH:
        return ELLIPSIS
    if not attrs:
        return "<" + type_name(t) + ">"
    path.add(key)
    try:
        parts = []
        for name, val in attrs[:ITEMS]:
            label = name if type(name) is str else _render(name, depth + 1, path)
            parts.append(label + "=" + _render(val, depth + 1, path))
        if len(attrs) > ITEMS:
            parts.append(ELLIPSIS + "+" + _int_repr(len(attrs) - ITEMS))
        return "<" + type_name(t) + " " + " ".join(parts) + ">"
    finally:
        path.discard(key)


def render(value):
    """RENDERED string of value (a top-level value is at depth 1)."""
    return _render(value, 1, set())


def render_locals(mapping):
    """{name: RENDERED} for f_locals minus dunder names, in the mapping's iteration order."""
    out = {}
    t = type(mapping)
    if _has(_type_mro(t), dict):
        items = _dict_items(mapping)        # also a dict subclass from __prepare__: C iteration
    elif t is _FrameLocalsProxy:
        items = mapping.items()             # 3.13: C type reading the frame's slots
    else:
        # A class body whose namespace is a non-dict mapping from a metaclass __prepare__:
        # it cannot be read without running user code, so it is shown empty.
        items = ()
    for k, v in items:
        if type(k) is str:
            if k[:2] == "__" and k[-2:] == "__":
                continue
            out[k] = _render(v, 1, set())
        else:
            out[_render(k, 1, set())] = _render(v, 1, set())
    return out


# ---------------------------------------------------------------------------------------------
# 3.12 write-back guard.  On 3.12 reading frame.f_locals sets the frame's f_fast_as_locals flag;
# from then on the settrace trampoline (Python/sysmodule.c call_trampoline) runs
# PyFrame_LocalsToFast(frame, 1) after every trace call, copying the locals dict back into the
# fast slots.  Hidden fast locals of inlined comprehensions are never in that dict, so a live
# comprehension variable is overwritten with None (RuntimeWarning "assigning None to unbound
# local"), or in a module frame with the same-named global.  We clear the flag right after each
# read: the trampoline then neither refreshes nor writes back, exactly as for an untouched frame.
# The byte offset comes from PyFrameObject in 3.12's internal/pycore_frame.h and is verified at
# startup against f_trace_opcodes/f_trace_lines/f_back, the neighbouring fields.
# ---------------------------------------------------------------------------------------------

_clear_fast_as_locals = None


def _install_312_guard():
    global _clear_fast_as_locals
    if _PY != (3, 12):
        return True
    import ctypes

    ptr = ctypes.sizeof(ctypes.c_void_p)
    off_trace = 4 * ptr                 # PyObject_HEAD (refcnt, type), f_back, f_frame
    off_lines = off_trace + ptr + 4     # f_trace, int f_lineno
    off_opcodes = off_lines + 1
    off_fast = off_lines + 2
    frame = sys._getframe()
    base = _id(frame)

    def probe():
        pass

    try:
        old_trace, old_opcodes = frame.f_trace, frame.f_trace_opcodes
        frame.f_trace = probe
        ok = ctypes.c_void_p.from_address(base + off_trace).value == _id(probe)
        frame.f_trace = old_trace
        frame.f_trace_opcodes = True
        ok = ok and ctypes.c_char.from_address(base + off_opcodes).value == b"\x01"
        frame.f_trace_opcodes = False
        ok = ok and ctypes.c_char.from_address(base + off_opcodes).value == b"\x00"
        frame.f_trace_opcodes = old_opcodes
        frame.f_trace_lines = False
        ok = ok and ctypes.c_char.from_address(base + off_lines).value == b"\x00"
        frame.f_trace_lines = True
        ok = ok and ctypes.c_char.from_address(base + off_lines).value == b"\x01"
        frame.f_locals                  # must set the flag we are about to clear
        ok = ok and ctypes.c_char.from_address(base + off_fast).value == b"\x01"
        ctypes.memset(base + off_fast, 0, 1)
    except Exception:
        ok = False
    if not ok:
        return False
    memset = ctypes.memset

    def clear(frame):
        memset(_id(frame) + off_fast, 0, 1)

    _clear_fast_as_locals = clear
    return True


# ---------------------------------------------------------------------------------------------
# Tracer
# ---------------------------------------------------------------------------------------------

class Oracle:
    def __init__(self, only_dir, out):
        self.only = _os.path.realpath(only_dir)
        self.only_prefix = self.only.rstrip(_os.sep) + _os.sep
        self.out = out
        self.cwd = _os.getcwd()
        self.self_file = _os.path.realpath(__file__)
        self.wanted = {}            # co_filename -> bool
        self.active = True
        self._dumps = _json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        self._write_lock = _threading.Lock()

    def wants(self, filename):
        r = self.wanted.get(filename)
        if r is None:
            if type(filename) is not str or (filename[:1] == "<" and filename[-1:] == ">"):
                r = False
            else:
                path = _os.path.realpath(_os.path.join(self.cwd, filename))
                r = path != self.self_file and path.startswith(self.only_prefix)
            self.wanted[filename] = r
        return r

    def emit(self, obj):
        if self.active:
            line = self._dumps(obj) + "\n"
            # TextIOWrapper is not thread-safe: when a write flushes, the GIL is released in the
            # raw write, and another thread's write into the pending buffer corrupted the file
            # (a queue worker thread next to the main thread, 3.11).
            with self._write_lock:
                self.out.write(line)

    def global_trace(self, frame, event, arg):
        if event != "call" or not self.active:
            return None
        try:
            code = frame.f_code
            if not self.wants(code.co_filename):
                return None
            # 3.13 only honours f_trace_opcodes when f_trace is already set: set it first.
            frame.f_trace = self.local_trace
            frame.f_trace_opcodes = True
            self.emit({"ev": "call", "fn": code.co_qualname, "line": frame.f_lineno})
            return self.local_trace
        except Exception as e:
            self.internal_error(e)
            return None

    def local_trace(self, frame, event, arg):
        if not self.active:
            return None
        try:
            if event == "opcode":
                loc = frame.f_locals
                if _clear_fast_as_locals is not None:
                    _clear_fast_as_locals(frame)
                self.emit({"ev": "opcode", "fn": frame.f_code.co_qualname,
                           "line": frame.f_lineno, "off": frame.f_lasti,
                           "locals": render_locals(loc)})
            elif event == "exception":
                self.emit({"ev": "exception", "fn": frame.f_code.co_qualname,
                           "line": frame.f_lineno, "exc": render(arg[1])})
            elif event == "return":
                self.emit({"ev": "return", "fn": frame.f_code.co_qualname,
                           "line": frame.f_lineno, "value": render(arg)})
        except Exception as e:
            self.internal_error(e)
        return self.local_trace

    def internal_error(self, exc):
        # An exception escaping a trace function would disable tracing and surface in the
        # program; printing would change its stderr.  Record it in the output instead, where the
        # tests (which accept only the four event kinds) will flag it.
        try:
            self.emit({"ev": "oracle-error", "error": type(exc).__name__ + ": " + str(exc)})
        except Exception:
            pass

    def stop(self):
        sys.settrace(None)
        _threading.settrace(None)
        if self.active:
            self.active = False
            self.out.flush()
            self.out.close()


def _usage(msg):
    sys.stderr.write("reel_oracle: " + msg + "\n"
                     "usage: reel_oracle.py [--only DIR] [--out FILE] script.py [args...]\n")
    raise SystemExit(2)


def _parse(argv):
    global DEPTH
    only = None
    out = "oracle.jsonl"
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--only", "--out", "--depth"):
            if i + 1 >= len(argv):
                _usage(a + " needs a value")
            if a == "--only":
                only = argv[i + 1]
            elif a == "--depth":
                # Deeper than the contract's 3 (up to the recorder's --max-depth) checks what the
                # recorder captured below it too: `reel export --states --depth N` must agree.
                if not argv[i + 1].isdigit() or int(argv[i + 1]) < 1:
                    _usage("--depth needs a positive integer")
                DEPTH = int(argv[i + 1])
            else:
                out = argv[i + 1]
            i += 2
        elif a.startswith("--only="):
            only = a[len("--only="):]
            i += 1
        elif a.startswith("--out="):
            out = a[len("--out="):]
            i += 1
        elif a == "--":
            i += 1
            break
        elif a.startswith("-") and a != "-":
            _usage("unknown option " + a)
        else:
            break
    if i >= len(argv):
        _usage("no script given")
    return only, out, argv[i], argv[i + 1:]


def _exit_code_of(exc):
    """What the interpreter does with an uncaught SystemExit (Python/pythonrun.c)."""
    code = exc.code
    if code is None:
        return 0
    if type(code) is int or _isinstance(code, int):
        return int(code)
    try:
        sys.stderr.write(str(code) + "\n")
    except Exception:
        pass
    return 1


def main():
    only, out_path, script, args = _parse(sys.argv[1:])
    script_path = _os.path.abspath(script)
    try:
        with open(script_path, "rb") as f:
            source = f.read()
    except OSError as e:
        sys.stderr.write("reel_oracle: can't open file %r: %s\n" % (script, e))
        raise SystemExit(2)
    if only is None:
        only = _os.path.dirname(script_path)
    if not _install_312_guard():
        sys.stderr.write("reel_oracle: cannot verify the 3.12 frame layout\n")
        raise SystemExit(3)
    out = open(out_path, "w", encoding="utf-8", errors="surrogatepass", newline="\n")
    code = compile(source, script_path, "exec", dont_inherit=True)
    # Like `python script.py`: argv, sys.path[0] = the script's directory (symlinks resolved).
    sys.argv[:] = [script] + args
    sys.path[0] = _os.path.dirname(_os.path.realpath(script_path))
    from importlib.machinery import SourceFileLoader
    main_mod = _types.ModuleType("__main__")
    g = main_mod.__dict__
    # The insertion order of a plain run's __main__ (visible to a program holding globals()).
    g["__annotations__"] = {}
    g["__builtins__"] = _builtins
    g["__file__"] = script_path
    g["__cached__"] = None
    g["__loader__"] = SourceFileLoader("__main__", script_path)
    tracer = Oracle(only, out)
    tracer.own_module = sys.modules["__main__"]     # keep this file's module alive
    sys.modules["__main__"] = main_mod
    import atexit
    # Registered before the program's own handlers, so it runs after all of them (LIFO).
    atexit.register(tracer.stop)
    status = 0
    _threading.settrace(tracer.global_trace)
    sys.settrace(tracer.global_trace)
    # Tracing stays on to the end, as it would for a tracer installed before the program started:
    # a sys.excepthook, non-daemon thread joins and atexit handlers defined in DIR are reported.
    # This function's own frame is never traced (settrace only affects frames created later) and
    # the helpers it calls live in this file, which is never reported.
    try:
        exec(code, g)
    except SystemExit as e:
        status = _exit_code_of(e)
    except BaseException as e:
        tb = e.__traceback__
        # Drop our own frame(s) so the traceback starts at the script's module frame.
        while tb is not None and tb.tb_frame.f_code is not code:
            tb = tb.tb_next
        e.__traceback__ = tb
        sys.last_type, sys.last_value, sys.last_traceback = type(e), e, tb
        if _PY >= (3, 12):
            sys.last_exc = e
        try:
            sys.excepthook(type(e), e, tb)
        except BaseException:
            pass
        status = 1
        del tb
    return status


if __name__ == "__main__":
    sys.exit(main())
