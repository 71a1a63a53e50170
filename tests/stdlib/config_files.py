# Covers, on pure-Python standard-library code: configparser writing and reading back a config
# with multi-line values, comments, interpolation, converters and section proxies. On 3.13 its
# reader makes each line a str subclass (`super().__new__`, a cached_property that fills the
# instance dict, slices and str methods of the subclass, `any(map(line.startswith, prefixes))`)
# through `enumerate(map(functools.partial(Line, ...), fp))`, and re's compile cache is keyed by
# tuples: the purity rules of session 12 on code nobody wrote for Reel.
# tests/python/test_stdlib_fidelity.py copies the module from the interpreter under test next
# to this file as pyconfigparser.
import io
import pyconfigparser as cp

parser = cp.ConfigParser(converters={"words": lambda v: v.split()})
for i in range(3):
    name = f"section{i}"
    parser.add_section(name)
    parser.set(name, "path", f"/srv/%(name)s/{i}")
    parser.set(name, "name", f"app{i}")
    parser.set(name, "text", "first line\n\tsecond line\n\tthird")
out = io.StringIO()
parser.write(out)
text = "; leading comment\n[extra]\nkey = value # not a comment\nflag = yes\n\n" + out.getvalue()

again = cp.ConfigParser(inline_comment_prefixes=("#",), converters={"words": lambda v: v.split()})
again.read_string(text)
print(again.sections(), again.get("section1", "path"), again.getboolean("extra", "flag"))
print(again["section2"]["text"].splitlines(), again.getwords("section0", "text"))
print(again.get("extra", "key"), again.get("extra", "missing", fallback="dflt"))
try:
    again.read_string("[dup]\na = 1\n[dup]\n")
except cp.DuplicateSectionError as e:
    print(type(e).__name__, e.section, e.lineno)
raw = cp.RawConfigParser()
raw.read_string("[r]\npercent = 100%\n")
print(raw.get("r", "percent"), dict(again.items("section1")))
