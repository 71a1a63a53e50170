"""The `record` command line: parses options, runs the program as __main__ under the recorder and
reproduces what the interpreter itself would do at exit (status, traceback, KeyboardInterrupt,
atexit order), so a recorded run is indistinguishable from a plain one."""

# Only modules every interpreter has loaded at start (or builtin ones): a recorded run must not
# have modules a plain one lacks (docs/recorder.md, "Modules"). `signal` would import enum,
# `types` and `importlib.machinery` are more than this needs.
import _frozen_importlib_external
import _signal as signal
import atexit
import builtins
import io
import os
import sys
import zipimport

import reel
from reel import _output

# The real signal functions: the launcher's own calls must not go through the stand-ins it puts
# in `_signal` for the program (_hide_sigterm_handler).
_real_signal = signal.signal
_real_getsignal = signal.getsignal

USAGE = ("usage: python -m reel record [-o FILE] [--keep always|failure] [--only PATH]... "
         "[--exclude PATH]... [--max-depth N] [--max-items N] [--max-str N] [--origin-depth N] "
         "[--redact PATTERN] [--no-values] [--last N] "
         "(script.py | -m module | -c code) [args...]")


# --keep: "always" keeps every trace; "failure" only the trace of a run that failed (uncaught
# exception, non-zero exit status, death by a signal). See docs/guide.md.
KEEP_CHOICES = ("always", "failure")


# What `reel record` runs (reel/_record.py).
_RECORD_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_record.py")


class UsageError(Exception):
    pass


def _int_option(name, value, minimum, maximum):
    try:
        n = int(value)
    except ValueError:
        raise UsageError("%s needs an integer, got %r" % (name, value))
    if n < minimum:
        raise UsageError("%s must be at least %d" % (name, minimum))
    if n > maximum:
        raise UsageError("%s must be at most %d, not %d" % (name, maximum, n))
    return n


def parse(argv):
    if not argv or argv[0] != "record":
        raise UsageError("expected the 'record' command")
    opts = {"output": None, "only": [], "exclude": [], "max_depth": 4, "max_items": 64,
            "max_str": 256, "origin_depth": 0, "keep": "always", "redact": None,
            "no_values": False, "last": None}
    limits = {name: (key, reel.CAPTURE_LIMITS[key][0], reel.CAPTURE_LIMITS[key][1])
              for name, key in (("--max-depth", "max_depth"), ("--max-items", "max_items"),
                                ("--max-str", "max_str"), ("--origin-depth", "origin_depth"))}
    i = 1
    while i < len(argv):
        a = argv[i]
        name, eq, inline = a.partition("=")
        if a == "--no-values":
            opts["no_values"] = True
            i += 1
            continue
        takes = (name in ("-o", "--output", "--only", "--exclude", "--keep", "--redact",
                          "--last")
                 or name in limits)
        if takes:
            if eq:
                value = inline
                i += 1
            else:
                if i + 1 >= len(argv):
                    raise UsageError("%s needs a value" % name)
                value = argv[i + 1]
                i += 2
            if name in ("-o", "--output"):
                opts["output"] = value
            elif name == "--only":
                opts["only"].append(value)
            elif name == "--exclude":
                opts["exclude"].append(value)
            elif name == "--redact":
                opts["redact"] = value
            elif name == "--last":
                # Flight recorder: keep only the last N events (docs/guide.md).
                try:
                    opts["last"] = reel.parse_count(value, "--last")
                except ValueError as e:
                    raise UsageError(str(e)[len("reel: "):])
            elif name == "--keep":
                if value not in KEEP_CHOICES:
                    raise UsageError("--keep must be one of %s, got %r"
                                     % ("|".join(KEEP_CHOICES), value))
                opts["keep"] = value
            else:
                key, minimum, maximum = limits[name]
                opts[key] = _int_option(name, value, minimum, maximum)
            continue
        if a in ("-m", "-c"):
            if i + 1 >= len(argv):
                raise UsageError("%s needs an argument" % a)
            kind = "module" if a == "-m" else "command"
            return kind, argv[i + 1], argv[i + 2:], opts
        if a == "--":
            i += 1
            break
        if a.startswith("-") and a != "-":
            raise UsageError("unknown option %s" % a)
        break
    if i >= len(argv):
        raise UsageError("no program given")
    return "script", argv[i], argv[i + 1:], opts


def _exit_code_of(exc):
    """What the interpreter does with an uncaught SystemExit (Python/pythonrun.c)."""
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return int(code)
    try:
        sys.stderr.write(str(code) + "\n")
    except Exception:
        pass
    return 1


# The file names Reel's own code objects carry: the package directory as imported (relative when
# sys.path named it so) and absolute. Computed before recording starts: _strip_traceback runs
# while it records, and os.path's functions are Python code it would record as the program's.
_REEL_PREFIXES = tuple({os.path.dirname(reel.__file__) + os.sep, reel._REEL_DIR + os.sep})


def _strip_traceback(tb):
    """`tb` without the entries of Reel's own frames (only builtins run here: see
    _REEL_PREFIXES)."""
    entries = []
    while tb is not None:
        if not tb.tb_frame.f_code.co_filename.startswith(_REEL_PREFIXES):
            entries.append(tb)
        tb = tb.tb_next
    new = None
    for t in reversed(entries):
        new = type(t)(new, t.tb_frame, t.tb_lasti, t.tb_lineno)
    return new


def _strip_reel_frames(exc):
    """Drops the frames of Reel's own Python code from the tracebacks of an uncaught exception
    and of the exceptions chained to it (reel._ProcessEnd's wrappers: `os._exit("x")`), so it
    prints the traceback a plain run prints."""
    seen = set()
    todo = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if e.__traceback__ is not None:
            e.__traceback__ = _strip_traceback(e.__traceback__)
        todo.extend((e.__cause__, e.__context__))


def _flush_std():
    """Flushes sys.stdout and sys.stderr before the process kills itself with a signal, which
    skips the interpreter's own flush at exit; errors are ignored, the process is ending."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


def _std_flush_fails():
    """Flushes sys.stdout and sys.stderr as Py_FinalizeEx will next; True when one fails. Only
    the interpreter's own streams (or our stand-ins for them), whose flush is C code: a program's
    own stream object would see a call a plain run does not make. A flush that failed leaves its
    data buffered, so the interpreter's flush fails again and reports it as in a plain run."""
    failed = False
    for stream in (sys.stdout, sys.stderr):
        real = stream._stream if type(stream) is reel._reel.StreamForward else stream
        if type(real) is not io.TextIOWrapper or real.closed:
            continue
        try:
            stream.flush()
        except Exception:
            failed = True
    return failed


class _Session:
    def __init__(self, output, keep):
        self.output = output
        self.keep = keep
        self.exit_kind = reel.EXIT_EXITED
        self.status = 0
        self.message = ""
        self.keyboard_interrupt = False
        self.finished = False

    def _close(self):
        """Closes the trace with the exit recorded so far; --keep applies."""
        self.finished = True
        reel._stop_and_keep(self.output, self.keep, self.exit_kind, self.status, self.message)

    def finish(self):
        """Last atexit handler (registered first): closes the trace after the program's own."""
        if self.finished:
            return
        if not self.keyboard_interrupt and _std_flush_fails():
            # The interpreter flushes sys.stdout and sys.stderr right after the atexit handlers
            # and exits with 120 when that fails (a closed fd 1, a reader gone), whatever the status
            # was (an uncaught exception's too): the trace says so.
            self.status = 120
        self._close()
        if self.keyboard_interrupt:
            # Like the interpreter: after atexit, die of SIGINT so the parent sees it.
            _flush_std()
            _real_signal(signal.SIGINT, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGINT)

    def on_sigterm(self, signum, frame):
        self.exit_kind, self.status, self.message = reel.EXIT_SIGNAL, signum, "SIGTERM"
        self._close()
        _flush_std()
        _real_signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    def on_process_end(self, kind, status, message):
        """os._exit or an exec is ending the process without atexit (reel._ProcessEnd): close
        the trace with how, --keep applying as at any exit (an exec is kept)."""
        if not self.finished:
            self.exit_kind, self.status, self.message = kind, status, message
            self._close()


def _hide_sigterm_handler(handler):
    """Installs `handler` for SIGTERM, which the program must not see: in a plain run
    `signal.getsignal(SIGTERM)` is SIG_DFL, and code that chains to the previous handler when it
    is callable would call this one, which ends the process where a plain run carries on.
    `_signal.signal` and `_signal.getsignal` (through which `signal`'s functions go) become C
    stand-ins that show SIG_DFL in its place and keep it installed when the program restores the
    default (recorder/src/SignalTap.h)."""
    _real_signal(signal.SIGTERM, handler)
    signal.signal, signal.getsignal = reel._reel._make_signal_taps(
        _real_signal, _real_getsignal, handler, signal.SIGTERM, signal.SIG_DFL)


def _orig_argv(kind, target, args):
    """sys.orig_argv as `python [options] script args` (or -m module, -c code) has it: the
    interpreter's own options kept, `-m reel record [reel options]` replaced by the program
    (code that re-runs itself with `os.execv(sys.executable, sys.orig_argv)` reads it)."""
    orig = list(getattr(sys, "orig_argv", None) or ())
    for i in range(1, len(orig)):
        if orig[i] == "-mreel" or (orig[i] == "-m" and orig[i + 1:i + 2] == ["reel"]) \
                or os.path.abspath(orig[i]) == _RECORD_SCRIPT:
            program = {"script": [target], "module": ["-m", target]}.get(kind, ["-c", target])
            return orig[:i] + program + list(args)
    return None


def _script_argv(orig, tail):
    """`python [options] -m reel ARGS` as `python [options] .../reel/_record.py ARGS`, the command
    `reel record` runs; None when orig_argv cannot be read that way. `-m` may end a combined
    token (`-Bm reel`, `-Bmreel`): only options without an argument can come before it there."""
    n = len(tail)
    if n == 0 or len(orig) < n + 2 or orig[len(orig) - n:] != tail:
        return None
    head = orig[:len(orig) - n]
    last = head[-1]
    if last == "reel" and len(head) >= 3 and head[-2][:1] == "-" and head[-2][:2] != "--" \
            and head[-2].endswith("m"):
        opt, head = head[-2][:-1], head[:-2]
    elif last[:1] == "-" and last[:2] != "--" and last.endswith("mreel"):
        opt, head = last[:-len("mreel")], head[:-1]
    else:
        return None
    return head + ([opt] if opt != "-" else []) + [_RECORD_SCRIPT] + tail


def rerun_as_script(argv):
    """`python -m reel record ...`: replaces this process by `python [the same options]
    reel/_record.py record ...`, so that the program starts without what runpy imported for
    `-m reel` (importlib.util, warnings, types, ...): with exactly a plain run's modules, as under
    `reel record`. Returns only when that cannot be done (the caller then records in this
    process, with runpy's modules)."""
    orig = list(getattr(sys, "orig_argv", None) or ())
    new_argv = _script_argv(orig, list(argv)) if argv[:1] == ["record"] else None
    if new_argv is None or not sys.executable:
        return
    env = None
    parent = os.path.dirname(os.path.dirname(os.path.abspath(reel.__file__)))
    # `-m reel` found the package through sys.path[0] (the working directory), which a script
    # does not have: the new process finds it through PYTHONPATH, and the launcher gives the
    # program its own PYTHONPATH back (reel._restore_environment), as `reel record` does.
    if all(os.path.abspath(p or os.curdir) != parent for p in sys.path[1:]):
        if sys.flags.ignore_environment:
            return
        env = reel._environment_with_path(parent)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        if env is None:
            os.execv(sys.executable, new_argv)
        os.execve(sys.executable, new_argv, env)
    except OSError:
        return


def _set_path0(entry):
    """sys.path[0] as the interpreter sets it for the program. Under -P (PYTHONSAFEPATH) it adds
    nothing, for the program as for `-m reel` or `-c`, so sys.path[0] is not ours to replace."""
    if not sys.flags.safe_path:
        sys.path[0] = entry


def _compile(source, filename, from_file=False):
    """compile() of the program, or the error printed as the interpreter prints it when it
    cannot compile a script, stdin or a -c command: the error alone, no traceback (the
    launcher's frames are not the program's), exit status 1. `from_file`: the source was read
    from a script file, whose tokenizer words some errors its own way (_file_error)."""
    try:
        return compile(source, filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as e:
        error = (_file_error(filename, source) if from_file else None) or e
    error.__traceback__ = None
    sys.excepthook(type(error), error, None)
    raise SystemExit(1)


def _declares_coding(line):
    """Whether `line` is a PEP 263 encoding declaration (a comment naming `coding:` or
    `coding=`), as the tokenizer looks for one in the first two lines."""
    rest = line.lstrip(b" \t\f")
    return rest.startswith(b"#") and (b"coding:" in rest or b"coding=" in rest)


def _file_error(path, source):
    """The error the interpreter's tokenizer reports for a script file that compile() words its
    own way (compile gets bytes; `python script.py` reads the file): a NUL byte, or bytes that
    are not UTF-8 in a file with no encoding declaration. None for anything else."""
    nul = source.find(b"\0")
    if nul >= 0:
        start = source.rfind(b"\n", 0, nul) + 1
        text = source[start:nul].decode("utf-8", "replace")
        return SyntaxError("source code cannot contain null bytes",
                           (path, source.count(b"\n", 0, nul) + 1, None, text))
    if any(_declares_coding(line) for line in source.split(b"\n", 2)[:2]):
        return None
    try:
        source.decode("utf-8")
    except UnicodeDecodeError as u:
        return SyntaxError("Non-UTF-8 code starting with '\\x%02x' in file %s on line %d, but no "
                           "encoding declared; see https://peps.python.org/pep-0263/ for details"
                           % (source[u.start], path, source.count(b"\n", 0, u.start) + 1))
    return None


def _module_error(runpy, e):
    """Prints an error runpy._get_module_details raised for `-m module` as `python -m module`
    prints it: its traceback starts at runpy's _run_module_as_main (which called it), not at the
    launcher's frames. Exit status 1. Only Reel's frames are replaced; the rest is printed by the
    traceback module, as the interpreter's own display formats it."""
    import dis
    import traceback
    first = runpy._get_module_details.__code__
    tb = e.__traceback__
    while tb is not None and tb.tb_frame.f_code is not first:
        tb = tb.tb_next
    caller = runpy._run_module_as_main.__code__
    line = next((i.positions.lineno for i in dis.get_instructions(caller)
                 if i.argval == "_get_module_details"), caller.co_firstlineno)
    lines = ["Traceback (most recent call last):\n",
             '  File "%s", line %d, in %s\n' % (caller.co_filename, line, caller.co_name)]
    lines += traceback.format_tb(tb)
    lines += traceback.format_exception_only(type(e), e)
    sys.stderr.write("".join(lines))
    raise SystemExit(1)


def _runs_from_importer(path):
    """`python DIR` and `python APP.pyz` run the `__main__` module found there (a directory, or a
    zip file the zipimport path hook opens), not the path as a script."""
    if os.path.isdir(path):
        return True
    try:
        zipimport.zipimporter(path)
    except (zipimport.ZipImportError, OSError):
        return False
    return True


def _prepare(kind, target, args):
    """Returns (kind, code, globals) for the program and sets sys.argv / sys.path[0] (and
    sys.orig_argv) like the interpreter would for `python script.py`, `python DIR_OR_ZIP`,
    `python -` (the program on stdin), `python -m module` or `python -c code`. `kind` becomes
    "importer" for a directory or zip file (code is None: runpy finds it, as in a plain run)."""
    orig = _orig_argv(kind, target, args)
    if orig is not None:
        sys.orig_argv = orig
    g = {"__name__": "__main__", "__doc__": None, "__package__": None, "__spec__": None,
         "__annotations__": {}, "__builtins__": builtins}
    if kind == "script" and target == "-":
        code = _compile(sys.stdin.buffer.read(), "<stdin>")
        sys.argv[:] = ["-"] + args
        _set_path0("")
        g["__file__"] = "<stdin>"
        g["__cached__"] = None
        return kind, code, g
    if kind == "script" and _runs_from_importer(target):
        sys.argv[:] = [target] + args
        _set_path0(os.path.abspath(target))
        return "importer", None, g
    if kind == "script":
        path = os.path.abspath(target)
        try:
            with open(path, "rb") as f:
                source = f.read()
        except OSError as e:
            sys.stderr.write("%s: can't open file %r: [Errno %d] %s\n"
                             % (sys.executable, path, e.errno, e.strerror))
            raise SystemExit(2)
        code = _compile(source, path, from_file=True)
        sys.argv[:] = [target] + args
        _set_path0(os.path.dirname(os.path.realpath(path)))
        g["__file__"] = path
        g["__cached__"] = None
        g["__loader__"] = _frozen_importlib_external.SourceFileLoader("__main__", path)
    elif kind == "module":
        _set_path0(os.getcwd())  # `python -m reel` has it already; reel/_record.py has its dir
        import runpy
        sys.argv[:] = ["-m"] + args  # as the interpreter does while the module is located
        try:
            mod_name, spec, code = runpy._get_module_details(target)
        except ImportError as e:
            sys.stderr.write("%s: %s\n" % (sys.executable, e))
            raise SystemExit(1)
        except Exception as e:  # the module does not compile, its package raised
            _module_error(runpy, e)
        sys.argv[0] = spec.origin
        g.update(__file__=spec.origin, __cached__=spec.cached, __loader__=spec.loader,
                 __package__=spec.parent, __spec__=spec)
    else:
        code = _compile(target, "<string>")
        sys.argv[:] = ["-c"] + args
        _set_path0("")
        if sys.version_info >= (3, 13):
            # 3.13's `python -c` registers the command's source with linecache (pythonrun.c,
            # run_mod), which shows its lines in tracebacks and stack dumps.
            import linecache
            linecache._register_code("<string>", target, "<string>")
    return kind, code, g


def default_output(kind, target):
    if kind == "script":
        name = os.path.splitext(os.path.basename(os.path.normpath(target)))[0] or "program"
        if target == "-":
            name = "stdin"
    elif kind == "module":
        name = target.rsplit(".", 1)[-1]
    else:
        name = "command"
    return os.path.join(os.getcwd(), name + ".reel")


# Measures, as a module frame run by exec() from the launcher, the recursion levels left there
# (see _recursion_loan).
_PROBE = compile("left = _recursion_remaining()", "<reel recursion probe>", "exec")


def _recursion_loan(baseline, left, kind):
    """The recursion levels (Python frames, C levels) the launcher's own frames take from the
    program, to be lent to it while it runs, so that a RecursionError comes at the depth of a
    plain run (sys.getrecursionlimit() is unchanged). `baseline` is what a script's module frame
    has left (measured by reel/_record.py at its module level, which is where a plain run's
    module frame is), `left` what the probe's module frame has, run by exec() through
    _call_detached from main() as a script or `-c` is. With -m the program's module is reached
    through runpy in both runs, called from C in both."""
    if baseline is None:
        return None
    py, c = baseline[0] - left[0], baseline[1] - left[1]
    if kind in ("module", "importer"):
        # The probe's exec() is called from C (_call_detached), through the generic builtin call,
        # which takes a C level; `-m` calls runpy's function there instead, which does not, and
        # its own exec() is a plain run's too. 3.11 counts C levels with Python frames.
        if sys.version_info < (3, 12):
            py -= 1
        else:
            c -= 1
    return (py, c) if py > 0 or c > 0 else None


def main(argv, recursion_baseline=None):
    try:
        kind, target, args, opts = parse(argv)
    except UsageError as e:
        sys.stderr.write("reel: %s\n%s\n" % (e, USAGE))
        return 2
    reel._restore_environment()
    # Absolute: the program may change its working directory before --keep failure removes it.
    output = os.path.abspath(opts["output"] or default_output(kind, target))
    # Refused before the program runs: the trace would only fail to take its name at the end.
    shown = opts["output"] or os.path.basename(output)
    if os.path.isdir(output):
        sys.stderr.write("reel: the output %r is a directory; give a file name with -o FILE\n"
                         % shown)
        return 2
    if not os.path.isdir(os.path.dirname(output)):
        sys.stderr.write("reel: cannot write %r: there is no directory %r\n"
                         % (shown, os.path.dirname(output)))
        return 2
    kind, code, g = _prepare(kind, target, args)

    launcher_main = sys.modules["__main__"]  # keep our own module alive
    main_mod = type(sys)("__main__")
    main_mod.__dict__.update(g)
    g = main_mod.__dict__
    sys.modules["__main__"] = main_mod

    # Before recording starts (the probe is not the program's code).
    probe = {"_recursion_remaining": reel._reel._recursion_remaining}
    detached = reel._reel._call_detached
    (lambda: detached(exec, _PROBE, probe))()  # from main(), as `run` is called below

    session = _Session(output, opts["keep"])
    atexit.register(session.finish)  # first registered, so it runs after the program's handlers
    if _real_getsignal(signal.SIGTERM) == signal.SIG_DFL:
        _hide_sigterm_handler(session.on_sigterm)
    try:
        reel.start(output, only=opts["only"], exclude=opts["exclude"],
                   max_depth=opts["max_depth"], max_items=opts["max_items"],
                   max_str=opts["max_str"], origin_depth=opts["origin_depth"],
                   argv=list(sys.argv), redact=opts["redact"], no_values=opts["no_values"],
                   last=opts["last"],
                   output=False, _trace_running=False,  # installed below, for the whole run
                   _on_process_end=session.on_process_end, _collect=True)
    except (OSError, ValueError, RuntimeError) as e:
        message = str(e)
        sys.stderr.write("%s\n" % (message if message.startswith("reel: ") else "reel: " + message))
        return 2
    _output.install()
    if kind == "command":
        reel._reel._command_source(code, target)
    status = 0
    # `-m`: through runpy, as `python -m` runs it, so that the program's stack (recorded, and in
    # an uncaught exception's traceback) starts with runpy's two frames as it does there. runpy
    # finds the module again (its package is imported already) and runs it in sys.modules
    # ["__main__"], which is main_mod. Either way the call is detached: the launcher's frames are
    # not below the program's, so a stack walk (sys._getframe, inspect.stack, warnings'
    # stacklevel, logging's stack_info) ends where it ends in a plain run.
    if kind in ("module", "importer"):
        import runpy
        first = runpy._run_module_as_main.__code__
        if kind == "module":
            run = lambda: detached(runpy._run_module_as_main, target, True)
        else:  # the interpreter's pymain_run_module(L"__main__", 0)
            run = lambda: detached(runpy._run_module_as_main, "__main__", False)
    else:
        first = code
        run = lambda: detached(exec, code, g)
    loan = _recursion_loan(recursion_baseline, probe["left"], kind)
    try:
        if loan:
            reel._reel._shift_recursion(*loan)
        try:
            run()
        finally:
            if loan:
                reel._reel._shift_recursion(-loan[0], -loan[1])
    except SystemExit as e:
        status = _exit_code_of(e)
        session.status = status
    except BaseException as e:
        tb = e.__traceback__
        # Drop the launcher's frames: the traceback starts at the program's module frame (at
        # runpy's with -m).
        while tb is not None and tb.tb_frame.f_code is not first:
            tb = tb.tb_next
        e.__traceback__ = tb
        _strip_reel_frames(e)
        tb = e.__traceback__
        sys.last_type, sys.last_value, sys.last_traceback = type(e), e, tb
        if sys.version_info >= (3, 12):
            sys.last_exc = e
        try:
            sys.excepthook(type(e), e, tb)
        except BaseException:
            pass
        status = 1
        session.exit_kind = reel.EXIT_UNCAUGHT
        session.status = 1
        session.message = type(e).__qualname__  # str(e) could run program code
        if isinstance(e, KeyboardInterrupt):
            session.exit_kind = reel.EXIT_SIGNAL
            session.status = int(signal.SIGINT)
            session.keyboard_interrupt = True
        del e, tb
    del launcher_main
    return status
