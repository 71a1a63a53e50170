"""Value capture (recorder/src/ValueCapture.cpp), checked from Python.

Each test runs a snippet under the interpreter under test (REEL_TEST_PYTHON) that builds `value`,
captures it with reel._reel._capture_for_testing and prints the decoded records as JSON.  The
records are then checked field by field, and rendered with `render()` below, a transcription of
the state-export contract's rules (issue 4) over the records, so the tests also prove that the
records carry everything those rules need.
"""

import json
import re
import subprocess
import textwrap

import pytest

from conftest import PROGRAMS_DIR

DEPTH, ITEMS, CHARS, INTBITS = 3, 16, 64, 200

PRELUDE = r'''
import json, sys
import reel._reel as _R

def _capture(value, **limits):
    return _R._capture_for_testing(value, **limits)

class _Enc(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, (bytes, bytearray)):
            return {"__bytes__": o.hex()}
        return super().default(o)

def _emit(result, **extra):
    result = dict(result)
    result.update(extra)
    sys.stdout.write("@@RESULT@@" + json.dumps(result, cls=_Enc) + "\n")
'''


def _unbytes(node):
    if isinstance(node, dict):
        if set(node) == {"__bytes__"}:
            return bytes.fromhex(node["__bytes__"])
        return {k: _unbytes(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_unbytes(v) for v in node]
    return node


def run_snippet(python_exe, env, code):
    """Runs PRELUDE + code; returns (list of results, other stdout lines, stderr)."""
    proc = subprocess.run([python_exe, "-c", PRELUDE + textwrap.dedent(code)], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    out = proc.stdout.decode("utf-8", "surrogateescape")
    err = proc.stderr.decode("utf-8", "surrogateescape")
    assert proc.returncode == 0, err
    results, other = [], []
    for line in out.splitlines():
        if line.startswith("@@RESULT@@"):
            results.append(_unbytes(json.loads(line[len("@@RESULT@@"):])))
        else:
            other.append(line)
    return results, other, err


@pytest.fixture
def cap(python_exe, reel_env):
    """cap(setup_code, **limits) -> result for `value` defined by setup_code."""
    def run(setup, extra="{}", **limits):
        args = "".join(f", {k}={v!r}" for k, v in limits.items())
        code = textwrap.dedent(setup) + f"\n_emit(_capture(value{args}), **{extra})\n"
        results, other, err = run_snippet(python_exe, reel_env, code)
        assert len(results) == 1
        assert results[0]["failures"] == 0
        return results[0]
    return run


# ---------------------------------------------------------------------------------------------
# A renderer over decoded records: rules 1-8 of the state-export contract.

def _trunc_text(r, n):
    return f"…+{n}" if n > 0 else ""


def render(node, depth=1, path=(), depth_limit=DEPTH, items=ITEMS, chars=CHARS):
    kw = dict(depth_limit=depth_limit, items=items, chars=chars)
    kind = node["kind"]
    if kind == "const":
        # Ellipsis and NotImplemented are not in rule 1: rule 8 applies to them.
        return {"None": "None", "True": "True", "False": "False", "Ellipsis": "<ellipsis object>",
                "NotImplemented": "<NotImplementedType object>"}[node["value"]]
    if kind == "int":
        v = node["value"]
        return f"<int {abs(v).bit_length()} bits>" if abs(v).bit_length() > INTBITS else str(v)
    if kind == "bigint":
        if node["bits"] > INTBITS:
            return f"<int {node['bits']} bits>"
        return ("-" if node["negative"] else "") + node["digits"]
    if kind == "float":
        return repr(node["value"])
    if kind == "complex":
        return repr(complex(node["real"], node["imag"]))
    if kind == "str":
        shown = node["text"][:chars]
        return repr(shown) + _trunc_text(node, node["len"] - len(shown))
    if kind == "bytes":
        shown = node["data"][:chars]
        return repr(shown) + _trunc_text(node, node["len"] - len(shown))
    if kind == "bytearray":
        shown = node["data"][:chars]
        return "bytearray(" + repr(bytes(shown)) + _trunc_text(node, node["len"] - len(shown)) + ")"
    if kind == "cycle":
        return "<cycle>"
    if kind == "truncated":
        # The contract checks "already on the path" before depth; TRUNCATED keeps the identity.
        return "<cycle>" if node["identity"] in path else "…"
    if kind == "function":
        return f"<function {node['qualname']}>"
    if kind == "class":
        return f"<class {node['type']['display']}>"
    if kind == "module":
        return f"<module {node['name']}>"
    if kind in ("opaque", "generator"):
        return f"<{node['type']['display']} object>"
    if kind == "subclass":
        inner = node["inner"]
        t = node["type"]["display"]
        if inner["kind"] in ("list", "tuple", "dict", "set", "frozenset", "truncated", "cycle"):
            return t + render(inner, depth, path, **kw)
        return t + "(" + render(inner, depth, path, **kw) + ")"
    # Containers, objects, exceptions: cycle, then depth.
    if node["identity"] in path:
        return "<cycle>"
    if depth > depth_limit:
        return "…"
    sub = path + (node["identity"],)

    def parts(children, total):
        out = [render(c, depth + 1, sub, **kw) for c in children[:items]]
        more = total - min(len(children), items)
        if more > 0:
            out.append(f"…+{more}")
        return out

    if kind == "list":
        return "[" + ", ".join(parts(node["items"], node["len"])) + "]"
    if kind == "tuple":
        p = parts(node["items"], node["len"])
        return "(" + p[0] + ",)" if len(p) == 1 and node["len"] == 1 else "(" + ", ".join(p) + ")"
    if kind == "set":
        return "{" + ", ".join(parts(node["items"], node["len"])) + "}" if node["len"] else "set()"
    if kind == "frozenset":
        return ("frozenset({" + ", ".join(parts(node["items"], node["len"])) + "})"
                if node["len"] else "frozenset()")
    if kind == "dict":
        out = [render(k, depth + 1, sub, **kw) + ": " + render(v, depth + 1, sub, **kw)
               for k, v in node["items"][:items]]
        more = node["len"] - min(len(node["items"]), items)
        if more > 0:
            out.append(f"…+{more}")
        return "{" + ", ".join(out) + "}"
    if kind == "exception":
        return node["type"]["display"] + "(" + ", ".join(parts(node["args"], node["nargs"])) + ")"
    if kind == "object":
        out = [f"{name}={render(v, depth + 1, sub, **kw)}" for name, v in node["attrs"][:items]]
        more = node["total"] - min(len(node["attrs"]), items)
        if more > 0:
            out.append(f"…+{more}")
        t = node["type"]["display"]
        return f"<{t} " + " ".join(out) + ">" if out else f"<{t}>"
    raise AssertionError(f"unknown kind {kind}")


def rendered(cap, setup, **limits):
    return render(cap(setup, **limits)["value"])


# ---------------------------------------------------------------------------------------------
# Scalars


def test_small_and_large_ints(cap):
    r = cap("value = [0, -1, 2**60 - 1, 2**60, -(2**60), 2**63 - 1, -(2**63), 2**63, 2**64 + 5, -(10**40)]")
    items = r["value"]["items"]
    assert items[0] == {"kind": "int", "value": 0}
    assert items[1] == {"kind": "int", "value": -1}
    assert items[2] == {"kind": "int", "value": 2**60 - 1}       # inline ValueRef
    assert items[3]["kind"] == "int" and items[3]["value"] == 2**60 and "id" in items[3]
    assert items[4]["kind"] == "int" and items[4]["value"] == -(2**60)
    assert items[5]["value"] == 2**63 - 1
    assert items[6]["value"] == -(2**63)
    big = items[7]
    assert big["kind"] == "bigint" and big["digits"] == str(2**63) and big["bits"] == 64
    assert not big["negative"]
    assert items[8]["digits"] == str(2**64 + 5) and items[8]["bits"] == 65
    assert items[9]["negative"] and items[9]["digits"] == str(10**40)
    assert items[9]["bits"] == (10**40).bit_length()


def test_big_int_digits_match_str(cap):
    r = cap("""
        import random
        random.seed(7)
        value = [random.getrandbits(b) * random.choice((1, -1)) for b in (65, 100, 200, 201, 999, 3000, 9999)]
        value += [2**9999 - 1, 10**3000, -(2**10000) + 1]
    """, extra="{'expect': [str(abs(v)) for v in value], 'bits': [v.bit_length() for v in value]}",
        max_items=64)
    for node, digits, bits in zip(r["value"]["items"], r["expect"], r["bits"]):
        assert node["kind"] == "bigint"
        assert node["bits"] == bits
        assert node["digits"] == digits


def test_huge_int_keeps_only_bit_count(cap):
    r = cap("value = -(2**20000 + 12345)")
    v = r["value"]
    assert v["kind"] == "bigint" and v["bits"] == 20001 and v["digits"] == "" and v["negative"]
    assert render(v) == "<int 20001 bits>"


def test_floats_complex_constants(cap):
    r = cap("value = [1.5, -0.0, float('inf'), float('nan'), 1e300, 2+3j, None, True, False, ..., NotImplemented]")
    it = r["value"]["items"]
    assert it[0]["value"] == 1.5
    assert repr(it[1]["value"]) == "-0.0"
    assert it[2]["value"] == float("inf")
    assert it[3]["value"] != it[3]["value"]
    assert it[4]["value"] == 1e300
    assert (it[5]["real"], it[5]["imag"]) == (2.0, 3.0)
    assert [n["value"] for n in it[6:]] == ["None", "True", "False", "Ellipsis", "NotImplemented"]
    assert render(r["value"]) == ("[1.5, -0.0, inf, nan, 1e+300, (2+3j), None, True, False, <ellipsis object>, "
                                  "<NotImplementedType object>]")


def test_str_prefix_length_and_surrogates(cap):
    r = cap(r"""value = ['héllo', 'a' * 300 + '\ud800', '\udcff\U0001F600x', '']""", max_str=256)
    it = r["value"]["items"]
    assert it[0] == {"kind": "str", "id": it[0]["id"], "len": 5, "text": "héllo"}
    assert it[1]["len"] == 301 and it[1]["text"] == "a" * 256
    assert it[2]["len"] == 3 and it[2]["text"] == "\udcff\U0001F600x"
    assert it[3]["len"] == 0 and it[3]["text"] == ""
    r = cap(r"value = '\ud800' * 10 + 'z'", max_str=4)
    assert r["value"]["text"] == "\ud800" * 4 and r["value"]["len"] == 11
    assert render(r["value"]) == repr("\ud800" * 4) + "…+7"


def test_bytes_and_bytearray(cap):
    r = cap("value = [b'abc', bytes(range(256)) * 2, bytearray(b'xy'), bytearray(1000)]", max_str=100)
    it = r["value"]["items"]
    assert it[0]["data"] == b"abc" and it[0]["len"] == 3
    assert it[1]["data"] == bytes(range(100)) and it[1]["len"] == 512
    assert it[2]["kind"] == "bytearray" and it[2]["data"] == b"xy" and it[2]["identity"] > 0
    assert it[3]["len"] == 1000 and it[3]["data"] == bytes(100)
    assert render(it[2]) == "bytearray(b'xy')"


# ---------------------------------------------------------------------------------------------
# Containers


def test_containers_render(cap):
    assert rendered(cap, "value = [1, (2,), (), {'a': [3]}, {4}, set(), frozenset({5}), frozenset()]") == \
        "[1, (2,), (), {'a': [3]}, {4}, set(), frozenset({5}), frozenset()]"


def test_iteration_order(cap):
    r = cap("""
        value = [{'z': 1, 'a': 2, 'm': 3}, {5, 1, 9, 33, 17}, frozenset('hello')]
    """, extra="{'order': [list(value[0]), list(value[1]), list(value[2])]}")
    d, s, fs = r["value"]["items"]
    assert [k["text"] for k, v in d["items"]] == r["order"][0]
    assert [n["value"] for n in s["items"]] == r["order"][1]
    assert [n["text"] for n in fs["items"]] == r["order"][2]


def test_max_items_keeps_full_length(cap):
    r = cap("""
        value = [list(range(100)), dict.fromkeys(range(50)), set(range(70)), tuple(range(20))]
    """, max_items=10)
    lst, dct, st, tup = r["value"]["items"]
    assert lst["len"] == 100 and [n["value"] for n in lst["items"]] == list(range(10))
    assert dct["len"] == 50 and len(dct["items"]) == 10
    assert st["len"] == 70 and len(st["items"]) == 10
    assert tup["len"] == 20 and len(tup["items"]) == 10
    assert render(lst).endswith(", 9, …+90]")


def test_depth_truncation(cap):
    r = cap("value = [1, [2, [3, [4, [5]]]]]", max_depth=3)
    d1 = r["value"]
    d2 = d1["items"][1]
    d3 = d2["items"][1]
    d4 = d3["items"][1]
    assert d3["kind"] == "list"
    assert d3["items"][0] == {"kind": "int", "value": 3}
    assert d4["kind"] == "truncated" and d4["inner_kind"] == "list"
    assert d4["type"]["display"] == "list" and d4["identity"] > 0
    assert render(d1) == "[1, [2, [3, …]]]"
    # Scalars are captured at any depth, containers below max_depth are not.
    r = cap("value = [[1, 'x', (2,), {}]]", max_depth=1)
    inner = r["value"]["items"][0]
    assert inner["kind"] == "truncated"
    r = cap("value = [[1, 'x', (2,), {}]]", max_depth=2)
    inner = r["value"]["items"][0]
    assert inner["items"][0]["value"] == 1 and inner["items"][1]["text"] == "x"
    assert [n["kind"] for n in inner["items"][2:]] == ["truncated", "truncated"]


def test_cycles(cap):
    r = cap("""
        value = []
        value.append(value)
        d = {}
        d['self'] = d
        value.append(d)
    """)
    top = r["value"]
    assert top["items"][0] == {"kind": "cycle", "id": top["items"][0]["id"], "identity": top["identity"]}
    d = top["items"][1]
    assert d["items"][0][1]["kind"] == "cycle" and d["items"][0][1]["identity"] == d["identity"]
    assert render(top) == "[<cycle>, {'self': <cycle>}]"


def test_identity_and_aliasing(cap):
    r = cap("""
        a = [1]
        b = [1]
        value = [a, a, b, (a,), (a,)]
    """)
    it = r["value"]["items"]
    assert it[0]["identity"] == it[1]["identity"]
    assert it[0]["id"] == it[1]["id"]              # same object, same content: one record
    assert it[2]["identity"] != it[0]["identity"]   # equal but distinct
    assert it[2]["id"] != it[0]["id"]
    assert it[3]["identity"] != it[4]["identity"]   # two distinct tuples
    assert it[3]["items"][0]["identity"] == it[0]["identity"]
    assert len({n["identity"] for n in it}) == 4


def test_dedup_of_equal_content(cap):
    r = cap("""
        s1 = 'x' * 300
        s2 = ''.join(['x'] * 300)
        assert s1 is not s2
        f1 = 1.25
        f2 = float('1.25')
        value = [s1, s2, f1, f2, 2**70, 2**70 + 0, b'q' * 5, bytes([113] * 5)]
    """)
    it = r["value"]["items"]
    assert it[0]["id"] == it[1]["id"]
    assert it[2]["id"] == it[3]["id"]
    assert it[4]["id"] == it[5]["id"]
    assert it[6]["id"] == it[7]["id"]
    # 4 distinct scalars + the list
    assert r["records"] == 5


# ---------------------------------------------------------------------------------------------
# Subclasses of builtins


def test_builtin_subclasses(cap):
    r = cap("""
        import collections, enum
        class MyList(list): pass
        class MyDict(dict): pass
        class MyStr(str): pass
        class MyBytes(bytes): pass
        class MyFloat(float): pass
        class MySet(set): pass
        class MyFrozen(frozenset): pass
        class Color(enum.IntEnum):
            RED = 1
            GREEN = 2
        Pair = collections.namedtuple('Pair', 'a b')
        value = [MyList([1, 2]), MyDict(a=1), MyStr('hi'), MyBytes(b'x'), MyFloat(2.5), MySet([3]),
                 MyFrozen({1}), Color.GREEN, Pair(1, 'two'), collections.OrderedDict(k=1), 2**70]
    """)
    it = r["value"]["items"]
    assert all(n["kind"] == "subclass" for n in it[:10])
    assert it[0]["inner"]["kind"] == "list" and it[0]["type"]["base"] == "list"
    assert it[7]["type"]["base"] == "int" and it[7]["inner"] == {"kind": "int", "value": 2}
    assert it[8]["type"]["base"] == "tuple"
    assert it[9]["type"]["display"] == "collections.OrderedDict"
    assert [render(n) for n in it[:10]] == [
        "MyList[1, 2]", "MyDict{'a': 1}", "MyStr('hi')", "MyBytes(b'x')", "MyFloat(2.5)",
        "MySet{3}", "MyFrozenfrozenset({1})", "Color(2)", "Pair(1, 'two')", "collections.OrderedDict{'k': 1}"]


def test_builtin_subclass_attributes(cap):
    """Format 1.3: a builtin-subclass instance's own attributes (slots, then its dict) are in
    its SUBCLASS record's attribute section; the rendering (rule 4) stays the content's."""
    r = cap("""
        import collections, enum
        class Tagged(int): pass
        class Rows(list): pass
        class Lang(str):
            __slots__ = ('lang',)
        class Color(enum.IntEnum):
            RED = 1
        Pair = collections.namedtuple('Pair', 'a b')
        t = Tagged(5)
        t.label = 'x'
        t.me = t
        rows = Rows([1])
        rows.source = [2, 3]
        s = Lang('hi')
        s.lang = 'en'
        at4, at5 = Tagged(9), Tagged(11)
        at4.deep = [1]
        at5.deep = [1]
        value = [t, rows, s, Color.RED, Pair(1, 2), Tagged(7), [[at4]], [[[at5]]]]
    """)
    t, rows, s, red, pair, bare, nested, nested5 = r["value"]["items"]

    def attrs(node):
        return [(n, render(v)) for n, v in node.get("extra_attrs", [])]

    # The cycle through a scalar subclass ends at the depth limit (scalars have no identity in
    # the record to name in a CYCLE).
    assert [n for n, _ in attrs(t)] == ["label", "me"] and attrs(t)[0] == ("label", "'x'")
    assert render(t) == "Tagged(5)"
    assert attrs(rows) == [("source", "[2, 3]")] and render(rows) == "Rows[1]"
    assert attrs(s) == [("lang", "'en'")]
    assert ("_name_", "'RED'") in attrs(red) and render(red) == "Color(1)"
    # No instance dict (namedtuple) or an empty one: no section.
    assert "extra_attrs" not in pair and "extra_attrs" not in bare
    # Within the depth limit (4) only: at depth 4 the attributes' values are one level deeper
    # (a list there is TRUNCATED); at depth 5 a scalar subclass keeps its value and no section.
    deep = nested["items"][0]["items"][0]
    assert deep["kind"] == "subclass" and deep["inner"]["value"] == 9
    assert [n for n, _ in attrs(deep)] == ["deep"]
    assert deep["extra_attrs"][0][1]["kind"] == "truncated"
    deeper = nested5["items"][0]["items"][0]["items"][0]
    assert deeper["inner"]["value"] == 11 and "extra_attrs" not in deeper


def test_subclass_of_container_keeps_identity_and_cycles(cap):
    r = cap("""
        class L(list): pass
        value = L()
        value.append(value)
    """)
    v = r["value"]
    assert v["kind"] == "subclass"
    inner = v["inner"]
    assert inner["items"][0] == {"kind": "cycle", "id": inner["items"][0]["id"], "identity": inner["identity"]}
    assert render(v) == "L[<cycle>]"


# ---------------------------------------------------------------------------------------------
# Objects: __dict__, managed dicts, slots


def test_object_dict_insertion_order(cap):
    r = cap("""
        class P:
            def __init__(self):
                self.b = 1
                self.a = 2
                self.__private = 3
                self.__dunder__ = 4
        p = P()
        q = P()
        q.extra = 'e'
        del q.b
        q.b = 5
        value = [p, q]
    """, extra="{'orders': [[k for k in vars(o) if not k.startswith('__')] for o in value]}")
    p, q = r["value"]["items"]
    assert [n for n, _ in p["attrs"]] == r["orders"][0] == ["b", "a", "_P__private"]
    assert [n for n, _ in q["attrs"]] == r["orders"][1]
    assert p["total"] == 3
    assert render(p) == "<P b=1 a=2 _P__private=3>"


def test_object_managed_dict_variants(cap):
    # Each variant takes a different path on 3.11-3.13: inline values, a dict materialized by
    # vars(), a replaced __dict__, more attributes than the shared keys hold, per-instance order.
    r = cap("""
        class A:
            pass
        inline = A(); inline.x = 1; inline.y = 2
        materialized = A(); materialized.x = 1; vars(materialized); materialized.z = 3
        replaced = A(); replaced.__dict__ = {'r': 1, 's': 2}
        many = A()
        for i in range(40):
            setattr(many, f'a{i}', i)
        other_order = A(); other_order.y = 1; other_order.x = 2
        deleted = A(); deleted.x = 1; deleted.y = 2; del deleted.x
        nonstr = A(); nonstr.__dict__[5] = 'five'; nonstr.k = 1
        empty = A()
        value = [inline, materialized, replaced, many, other_order, deleted, nonstr, empty]
    """, extra="{'orders': [[k if isinstance(k, str) else repr(k) for k in vars(o) if not (isinstance(k, str) and k.startswith('__'))] for o in value]}",
        max_items=64)
    for node, order in zip(r["value"]["items"], r["orders"]):
        assert node["kind"] == "object"
        assert [n for n, _ in node["attrs"]] == order
        assert node["total"] == len(order)
    assert render(r["value"]["items"][7]) == "<A>"


def test_slots_mro_and_mangling(cap):
    r = cap("""
        class Base:
            __slots__ = ('__hidden', 'shared')
            def __init__(self):
                self.__hidden = 'h'
                self.shared = 's'
        class _Under(Base):
            __slots__ = ['__x', 'unset', '__dict__']
            def __init__(self):
                super().__init__()
                self.__x = 'x'
                self.dyn = 'd'
        class Single(Base):
            __slots__ = 'only'
        class _(Base):
            __slots__ = ('__kept',)
        o = _Under()
        s = Single(); s.only = 1
        u = _(); u._Base__hidden = None; u.__kept = 2
        value = [o, s, u]
    """)
    o, s, u = r["value"]["items"]
    assert [n for n, _ in o["attrs"]] == ["_Under__x", "_Base__hidden", "shared", "dyn"]
    assert o["total"] == 4
    assert [n for n, _ in s["attrs"]] == ["only", "_Base__hidden", "shared"]
    # A class named only by underscores mangles nothing; slot names starting with "__" are kept
    # (only instance-dict keys starting with "__" are left out).
    assert [n for n, _ in u["attrs"]] == ["__kept", "_Base__hidden", "shared"]
    assert u["attrs"][1][1] == {"kind": "const", "value": "None"}
    assert render(o) == "<_Under _Under__x='x' _Base__hidden='h' shared='s' dyn='d'>"


def test_slots_only_object_without_values_is_opaque(cap):
    r = cap("""
        class S:
            __slots__ = ('a',)
        class E:
            __slots__ = ()
        value = [S(), E(), object()]
    """)
    assert [render(n) for n in r["value"]["items"]] == ["<S object>", "<E object>", "<object object>"]


def test_object_items_limit_counts_all(cap):
    r = cap("""
        class Big:
            __slots__ = ('s1', 's2', '__dict__')
        value = Big()
        value.s1 = 1
        value.s2 = 2
        for i in range(30):
            setattr(value, f'v{i}', i)
    """, max_items=5)
    v = r["value"]
    assert v["total"] == 32 and [n for n, _ in v["attrs"]] == ["s1", "s2", "v0", "v1", "v2"]


def test_object_depth_and_cycle(cap):
    r = cap("""
        class Node:
            def __init__(self, nxt): self.nxt = nxt
        value = Node(Node(Node(Node(None))))
        loop = Node(None); loop.nxt = loop
        value = [value, loop]
    """, max_depth=3)
    chain, loop = r["value"]["items"]
    assert chain["attrs"][0][1]["attrs"][0][1]["kind"] == "truncated"
    assert chain["attrs"][0][1]["attrs"][0][1]["inner_kind"] == "object"
    assert loop["attrs"][0][1]["kind"] == "cycle"
    assert render(r["value"]) == "[<Node nxt=<Node nxt=…>>, <Node nxt=<cycle>>]"


# ---------------------------------------------------------------------------------------------
# Exceptions, functions, classes, modules, generators, types


def test_exceptions(cap):
    r = cap("""
        try:
            try:
                raise KeyError('k')
            except KeyError as e:
                raise ValueError('bad', 2) from e
        except ValueError as e:
            chained = e
        class MyErr(Exception):
            pass
        group = ExceptionGroup('many', [TypeError('t'), MyErr()])
        try:
            raise OSError(2, 'nope')
        except OSError as e:
            oserr = e
        value = [chained, group, oserr]
    """)
    chained, group, oserr = r["value"]["items"]
    assert chained["kind"] == "exception" and chained["type"]["display"] == "ValueError"
    assert chained["nargs"] == 2
    assert chained["cause"]["kind"] == "exception" and chained["cause"]["type"]["display"] == "KeyError"
    assert chained["context"]["id"] == chained["cause"]["id"]
    assert render(chained) == "ValueError('bad', 2)"
    assert group["type"]["display"] == "ExceptionGroup"
    assert [render(s) for s in group["subs"]] == ["TypeError('t')", "MyErr()"]
    assert render(group) == "ExceptionGroup('many', [TypeError('t'), MyErr()])"
    assert render(oserr) == "FileNotFoundError(2, 'nope')"


def test_exception_attributes(cap):
    """Format 1.3: what `e.attr` reads beyond args is in the exception's attribute section, and
    the exported rendering (rule 5) does not change."""
    r = cap("""
        class AppError(Exception):
            def __init__(self, msg, code):
                super().__init__(msg)
                self.code = code
                self.__private = 'mangled'
                self.__dunder__ = 'hidden'
        class Slotted(Exception):
            __slots__ = ('level',)
        app = AppError('bad', 7)
        app.add_note('first note')
        slotted = Slotted('s')
        slotted.level = 3
        try:
            open('/nonexistent/reel-test/file.txt')
        except OSError as e:
            oserr = e
        imp = ImportError('nope', name='mod', path='/x/mod.py')
        attr = AttributeError('no x', name='x', obj=object())
        plain = ValueError('plain')
        wide = AppError('w', 0)
        for i in range(30):
            setattr(wide, f'a{i}', i)
        value = [[app, slotted, oserr], [imp, attr, plain], wide]
    """, max_items=5)
    (app, slotted, oserr), (imp, attr, plain), wide = [
        n["items"] if n["kind"] == "list" else n for n in r["value"]["items"]]

    def attrs(node):
        return [(n, render(v)) for n, v in node.get("extra_attrs", [])]

    assert attrs(app) == [("code", "7"), ("_AppError__private", "'mangled'"),
                          ("__notes__", "['first note']")]
    assert app["attr_total"] == 3
    assert render(app) == "AppError('bad')"
    assert attrs(slotted) == [("level", "3")]
    assert attrs(oserr) == [("filename", "'/nonexistent/reel-test/file.txt'")]
    assert render(oserr) == "FileNotFoundError(2, 'No such file or directory')"
    assert attrs(imp) == [("name", "'mod'"), ("path", "'/x/mod.py'")]
    # The object an AttributeError names is left out: it can be any size.
    assert attrs(attr) == [("name", "'x'")]
    # No attributes, no section: the record is the format 1.0 one.
    assert "extra_attrs" not in plain and "attr_total" not in plain
    # A prefix of max_items is kept and all are counted, as for objects.
    assert wide["attr_total"] == 32
    assert [n for n, _ in wide["extra_attrs"]] == ["code", "_AppError__private", "a0", "a1", "a2"]


def test_exception_context_cycle(cap):
    r = cap("""
        a = ValueError('a')
        b = TypeError('b')
        a.__context__ = b
        b.__context__ = a
        value = a
    """)
    a = r["value"]
    b = a["context"]
    assert b["context"]["kind"] == "cycle" and b["context"]["identity"] == a["identity"]


def test_functions_classes_modules_generators(cap):
    r = cap("""
        import json, collections, types
        def outer():
            def inner(): pass
            return inner
        class K:
            def m(self): pass
        def gen(): yield 1
        async def coro(): pass
        async def agen(): yield 1
        c = coro()
        value = [outer(), lambda: 0, K, json, gen(), c, agen(), K().m, len, types.SimpleNamespace,
                 collections.OrderedDict, int]
        c.close()
    """)
    it = r["value"]["items"]
    assert [render(n) for n in it] == [
        "<function outer.<locals>.inner>", "<function <lambda>>", "<class K>", "<module json>",
        "<generator object>", "<coroutine object>", "<async_generator object>", "<method object>",
        "<builtin_function_or_method object>", "<class types.SimpleNamespace>",
        "<class collections.OrderedDict>", "<class int>"]
    assert it[4]["kind"] == "generator" and it[4]["qualname"] == "gen"
    assert it[5]["qualname"] == "coro" and it[6]["qualname"] == "agen"
    assert it[2]["type"]["module"] == "__main__" and it[2]["type"]["qualname"] == "K"
    assert all(n["identity"] > 0 for n in it)


def test_type_records(cap):
    r = cap("""
        import collections, decimal, types
        class Outer:
            class Inner(dict): pass
        value = [Outer.Inner(), decimal.Decimal(1), types.SimpleNamespace(a=1), collections.Counter()]
    """)
    it = r["value"]["items"]
    inner_t = it[0]["type"]
    assert inner_t == {"id": inner_t["id"], "qualname": "Outer.Inner", "module": "__main__",
                       "display": "Outer.Inner", "base": "dict"}
    assert it[1]["type"]["display"] == "decimal.Decimal"
    assert render(it[2]) == "<types.SimpleNamespace a=1>"
    assert it[3]["type"]["display"] == "collections.Counter" and it[3]["type"]["base"] == "dict"
    # One type record per type.
    assert len({t["id"] for t in r["types"]}) == len(r["types"])


# ---------------------------------------------------------------------------------------------
# Never running Python code


SIDE_EFFECTS = """
    calls = []
    armed = False
    def note(what):
        if armed:
            calls.append(what)
            print('CALLED', what)

    class Meta(type):
        def __getattribute__(cls, name):
            note('meta.__getattribute__ ' + name)
            return type.__getattribute__(cls, name)

    class Noisy(metaclass=Meta):
        __slots__ = ('s', '__dict__', '__weakref__')
        def __init__(self):
            object.__setattr__(self, 's', 1)
            self.__dict__['plain'] = 2
        def __repr__(self): note('__repr__'); return 'N'
        def __str__(self): note('__str__'); return 'N'
        def __eq__(self, other): note('__eq__'); return False
        def __hash__(self): note('__hash__'); return 1
        def __len__(self): note('__len__'); return 0
        def __iter__(self): note('__iter__'); return iter(())
        def __bool__(self): note('__bool__'); return True
        def __getattr__(self, name): note('__getattr__ ' + name); raise AttributeError(name)
        def __getattribute__(self, name):
            note('__getattribute__ ' + name)
            return object.__getattribute__(self, name)
        def __setattr__(self, name, v): note('__setattr__'); object.__setattr__(self, name, v)
        def __dir__(self): note('__dir__'); return []
        def __sizeof__(self): note('__sizeof__'); return 0
        def __reduce__(self): note('__reduce__'); return (Noisy, ())
        def __index__(self): note('__index__'); return 0
        @property
        def prop(self): note('prop'); return 1

    class NoisyList(list):
        def __len__(self): note('list.__len__'); return 0
        def __iter__(self): note('list.__iter__'); return iter(())
        def __getitem__(self, i): note('list.__getitem__'); return 0
        def __repr__(self): note('list.__repr__'); return ''

    class NoisyDict(dict):
        def __iter__(self): note('dict.__iter__'); return iter(())
        def keys(self): note('dict.keys'); return []
        def items(self): note('dict.items'); return []
        def __getitem__(self, k): note('dict.__getitem__'); return 0
        def __len__(self): note('dict.__len__'); return 0

    class NoisyStr(str):
        def __str__(self): note('str.__str__'); return ''
        def __len__(self): note('str.__len__'); return 0

    class NoisyInt(int):
        def __index__(self): note('int.__index__'); return 0
        def __int__(self): note('int.__int__'); return 0
        def __repr__(self): note('int.__repr__'); return ''

    class NoisyExc(Exception):
        @property
        def args(self): note('exc.args'); return ()
        def __str__(self): note('exc.__str__'); return ''

    class Key:
        def __hash__(self): note('Key.__hash__'); return 7
        def __eq__(self, o): note('Key.__eq__'); return o is self

    import types
    mod = types.ModuleType('noisymod')
    def _mod_getattr(name):
        note('module.__getattr__ ' + name)
        raise AttributeError(name)
    mod.__getattr__ = _mod_getattr

    n = Noisy()
    keys = [Key(), Key(), Key()]
    value = [n, NoisyList([n, 1]), NoisyDict({keys[0]: n, keys[1]: 2}), NoisyStr('s'),
             NoisyInt(3), NoisyExc('e'), {keys[2], n}, frozenset(keys), Noisy, mod, (n,)]
    armed = True
"""


def test_capture_runs_no_python_code(python_exe, reel_env):
    code = textwrap.dedent(SIDE_EFFECTS) + textwrap.dedent("""
        result = _capture(value, max_depth=4, max_items=64, max_str=256)
        armed = False
        seen = list(calls)
        _emit(result, calls=seen)
    """)
    results, other, err = run_snippet(python_exe, reel_env, code)
    assert other == [] and err == ""
    (r,) = results
    assert r["calls"] == []
    assert r["failures"] == 0
    it = r["value"]["items"]
    assert render(it[0]) == "<Noisy s=1 plain=2>"
    assert render(it[1]) == "NoisyList[<Noisy s=1 plain=2>, 1]"
    assert render(it[3]) == "NoisyStr('s')"
    assert render(it[4]) == "NoisyInt(3)"
    assert render(it[5]) == "NoisyExc('e')"
    assert render(it[8]) == "<class Noisy>"
    assert render(it[9]) == "<module noisymod>"


# ---------------------------------------------------------------------------------------------
# Budget: a huge graph is cut, the contract's view of it is not


def _live_render(v, depth=1):
    """Reference rendering of nested lists of ints (what the export contract prints)."""
    if isinstance(v, int):
        return str(v)
    if depth > DEPTH:
        return "…"
    parts = [_live_render(x, depth + 1) for x in v[:ITEMS]]
    if len(v) > ITEMS:
        parts.append(f"…+{len(v) - ITEMS}")
    return "[" + ", ".join(parts) + "]"


def test_node_budget_keeps_contract_view(cap):
    setup = "value = [[[[i + j + k for i in range(40)] for j in range(40)] for k in range(40)] for _ in range(40)]"
    r = cap(setup, max_depth=4, max_items=64)
    ns = {}
    exec(setup, ns)
    assert render(r["value"]) == _live_render(ns["value"])
    # The budget really cut something: 40**4 leaves would be 2.5M nodes.
    assert r["records"] < 200000


def test_wide_aliased_graph_finishes(cap):
    setup = """
leaf = list(range(64))
mid = [leaf] * 64
top = [mid] * 64
value = [top] * 64
"""
    r = cap(setup, max_depth=6, max_items=64)
    ns = {}
    exec(setup, ns)
    assert render(r["value"]) == _live_render(ns["value"])
    # Depth 4 (the contract's leaves) is complete for the first 16 items of each level.
    assert [n["value"] for n in r["value"]["items"][0]["items"][0]["items"][0]["items"][:16]] == list(range(16))


def test_inline_values_are_read_without_materializing_a_dict(cap, pyver):
    # The managed-dict words sit before the GC header: on 3.11 [values][dict][gc head][object],
    # on 3.12 one tagged word (values pointer | 1, or the dict), on 3.13 the dict pointer with the
    # values inline after the object header. Capturing must leave them as they were.
    r = cap("""
        import ctypes, sys
        def words(o):
            return (ctypes.c_void_p.from_address(id(o) - 32).value or 0,
                    ctypes.c_void_p.from_address(id(o) - 24).value or 0)
        class A:
            def __init__(self):
                self.first = 1
                self.second = [2]
        value = A()
        before = words(value)
    """, extra="{'before': before, 'after': words(value), 'order': list(vars(value))}")
    before, after = r["before"], r["after"]
    assert before == after
    values_word, dict_word = before
    if pyver == "3.11":
        assert values_word != 0 and dict_word == 0     # inline values, no dict yet
    elif pyver == "3.12":
        assert dict_word & 1 == 1                      # tagged values pointer
    else:
        assert dict_word == 0                          # no dict; values inline
    assert [n for n, _ in r["value"]["attrs"]] == r["order"] == ["first", "second"]
    assert render(r["value"]) == "<A first=1 second=[2]>"


# ---------------------------------------------------------------------------------------------
# One ValueCapture over several captures (reel._reel._capture_sequence_for_testing)


@pytest.fixture
def seq(python_exe, reel_env):
    """seq(code defining gen(), extra) -> result of capturing everything gen() yields."""
    def run(setup, extra="{}", **limits):
        args = "".join(f", {k}={v!r}" for k, v in limits.items())
        code = textwrap.dedent(setup) + textwrap.dedent(f"""
            if not hasattr(_R, '_capture_sequence_for_testing'):
                _emit({{'skip': True}})
            else:
                _emit(_R._capture_sequence_for_testing(gen(){args}), **{extra})
        """)
        results, other, err = run_snippet(python_exe, reel_env, code)
        assert len(results) == 1
        if results[0].get("skip"):
            pytest.skip("_capture_sequence_for_testing is not registered in reel._reel")
        assert results[0]["failures"] == 0
        return results[0]
    return run


def test_identity_stable_across_captures(seq):
    r = seq("""
        class K:
            pass
        class K2:
            pass
        def gen():
            a = [1]
            yield a
            yield a            # unchanged: the very same ref
            a.append(2)
            yield a            # same object, new content
            yield [1]          # equal to the first, another object
            k = K()
            yield k
            k.x = 1
            yield k
            k.__class__ = K2   # same object, other type: weakref-tracked, keeps its identity
            yield k
    """)
    v, refs = r["values"], r["refs"]
    assert refs[0] == refs[1]
    assert v[2]["identity"] == v[0]["identity"] and refs[2] != refs[0]
    assert v[3]["identity"] != v[0]["identity"]
    assert v[4]["identity"] == v[5]["identity"] == v[6]["identity"]
    assert v[6]["type"]["qualname"] == "K2"
    assert render(v[2]) == "[1, 2]" and render(v[5]) == "<K x=1>"


def test_address_reuse_gets_a_new_identity(seq):
    r = seq("""
        class K:
            pass
        addrs = []
        def gen():
            for i in range(30):
                k = K()
                addrs.append(id(k))
                yield k
                del k
    """, extra="{'addrs': addrs}")
    idents = [n["identity"] for n in r["values"]]
    # Each object died before the next was made, so CPython reused addresses...
    assert len(set(r["addrs"])) < len(r["addrs"])
    # ...but every object got its own identity.
    assert len(set(idents)) == len(idents)


def test_short_strings_at_reused_addresses(seq):
    # Short ASCII strings are answered from a cache by address (ValueCapture::strRef): a new
    # string at a freed one's address, same length, must still be captured with its own text.
    r = seq("""
        addrs = []
        def gen():
            for i in range(60):
                s = "".join(["key", chr(97 + i % 26), str(i % 7)])
                addrs.append(id(s))
                yield [s, s]
                del s
                yield 0  # the capture loop drops the list (and the string) before the next one
    """, extra="{'addrs': addrs}")
    assert len(set(r["addrs"])) < len(r["addrs"])  # addresses were reused...
    rendered = [render(v) for v in r["values"][::2]]
    # ...and every capture shows its own string.
    texts = ["key" + chr(97 + i % 26) + str(i % 7) for i in range(60)]
    assert rendered == [repr([t, t]) for t in texts]


def test_address_reuse_by_another_type(seq):
    r = seq("""
        addrs = []
        def gen():
            for i in range(20):
                x = [i]
                addrs.append(id(x))
                yield x
                del x
                x = {i: i}
                addrs.append(id(x))
                yield x
                del x
    """, extra="{'addrs': addrs}")
    idents = [n["identity"] for n in r["values"]]
    addrs = r["addrs"]
    for i in range(1, len(idents)):
        if addrs[i] == addrs[i - 1]:
            assert idents[i] != idents[i - 1]


def test_may_mutate(python_exe, reel_env):
    code = textwrap.dedent("""
        import json as some_module
        if not hasattr(_R, '_may_mutate_for_testing'):
            _emit({'skip': True})
        else:
            def f(): pass
            class C: pass
            class MyInt(int): pass
            # A class statement's class can be renamed (its rendering changes); builtin types
            # cannot.
            # C functions and descriptors render as `<TYPE object>` whatever their state.
            immutable = [1, 2**100, 1.5, 2j, 'x', b'x', None, True, ..., NotImplemented, int,
                         f.__code__, (1, 'a', None), (), frozenset({1, 'b'}), frozenset(),
                         (int, str), len, [].append, float.__repr__, str.join, dict.fromkeys,
                         type.__dict__['__name__'], (len, isinstance)]
            mutable = [[], {}, set(), bytearray(), (1, []), ((1,),), frozenset({(1,)}), C(), object(),
                       MyInt(3), iter([]), C, (C,), (len, []),
                       f, (f, 1),  # a function can be renamed (functools.update_wrapper)
                       some_module, (some_module, 1)]  # so can a module (`m.__name__ = ...`)
            _emit({'immutable': [_R._may_mutate_for_testing(v) for v in immutable],
                   'mutable': [_R._may_mutate_for_testing(v) for v in mutable]})
    """)
    (r,), other, err = run_snippet(python_exe, reel_env, code)
    if r.get("skip"):
        pytest.skip("_may_mutate_for_testing is not registered in reel._reel")
    assert r["immutable"] == [False] * len(r["immutable"])
    assert r["mutable"] == [True] * len(r["mutable"])


# ---------------------------------------------------------------------------------------------
# Against the reference renderer (tests/oracle/reel_oracle.py)

ORACLE_VALUES = r"""
import collections, dataclasses, enum, functools, re, types, decimal, weakref
class P:
    def __init__(self, **kw):
        self.__dict__.update(kw)
class S:
    __slots__ = ('a', '__b', '___c', 'd')
class D(S):
    __slots__ = {'e': 'doc'}
class Odd:
    __slots__ = iter(['x', 'y'])
class Many:
    pass
many = Many()
for i in range(20):
    setattr(many, f'f{i}', i)
s = D(); s.a = 1; s._S__b = 2; s._S___c = 3; s.e = [4]
odd = Odd(); odd.y = 'y'
@dataclasses.dataclass
class DC:
    x: int
    y: list
class Color(enum.Enum):
    RED = 1
class Level(enum.IntEnum):
    HIGH = 3
class MyComplex(complex): pass
class MyBA(bytearray): pass
class MyList(list): pass
class MyTuple(tuple): pass
class MyStr(str): pass
class Meta(type): pass
class WithMeta(metaclass=Meta): pass
Pair = collections.namedtuple('Pair', 'a b')
cyc = []; cyc.append(cyc)
node = P(v=1); node.next = P(v=2, next=node)
e1 = ValueError('bad', 2)
try:
    try:
        1 / 0
    except ZeroDivisionError as z:
        raise KeyError('k') from z
except KeyError as k:
    chained = k
eg = ExceptionGroup('eg', [ValueError(1), TypeError('t')])
selfexc = ValueError(); selfexc.args = (selfexc,)
nonstr = P(a=1); nonstr.__dict__[7] = 'seven'; nonstr.__dict__[None] = 0
def gen(): yield 1
def outer():
    def inner(): pass
    return inner
VALUES = [
    0, -5, 2**60, -(2**64), 2**200 - 1, 2**200, -(2**300), 0.1, -0.0, float('inf'), float('nan'),
    # Either side of one digit (30 bits, or 15), where capture() stops answering inline.
    2**30 - 1, 2**30, -(2**30 - 1), -(2**30), 2**15 - 1, 2**15, -(2**15), 1, -1,
    1e16, 1.5e-300, 2j, complex(1, -2), True, False, None, ..., NotImplemented,
    '', 'it\'s "quoted"', 'x' * 64, 'y' * 65, 'é\u20ac\U0001F600', '\ud800 lone', '\x00\t\n\x7f',
    b'', b'\x00\xff"\'', b'z' * 100, bytearray(b'ab'), bytearray(70), MyBA(b'q'),
    [], [1, [2, [3, [4, [5]]]]], (), (1,), (1, 2), {}, {'a': {'b': {'c': {'d': 1}}}}, set(), {3},
    frozenset(), frozenset({'f'}), list(range(40)), dict.fromkeys(range(20)), set(range(30)),
    cyc, {'self': cyc}, [cyc, cyc],
    MyList([1, MyList()]), MyTuple((1,)), Pair(1, 'two'), collections.OrderedDict(a=1),
    collections.defaultdict(list, k=[1]), collections.Counter('aab'), MyStr('m' * 70),
    Level.HIGH, Color.RED, MyComplex(1, 2), collections.deque([1, 2]),
    P(), P(a=1, b=[1, 2]), node, s, odd, many, DC(1, [2]), types.SimpleNamespace(z=1), nonstr,
    S(), object(), range(3), e1, chained, eg, selfexc, KeyError(), OSError(2, 'x'),
    outer(), outer, lambda: 1, P, S, int, WithMeta, Meta, types, re, collections,
    gen(), len, [].append, P().__init__, functools.partial(print, 1), re.compile('x'),
    decimal.Decimal('1.5'), property(), staticmethod(len), types.SimpleNamespace,
    types.ModuleType.__new__(types.ModuleType), weakref.ref(P), outer.__code__,
    (lambda x: lambda: x)(1).__closure__[0], sys._getframe(), BaseException.__new__(ValueError),
    Exception(Exception(Exception(Exception(1)))), [[[P(a=[1])]]], {'k': P(a={'b': 2})},
]
"""


def test_renders_like_the_oracle(python_exe, reel_env, source_dir):
    code = textwrap.dedent(ORACLE_VALUES) + textwrap.dedent(f"""
        import importlib.util
        spec = importlib.util.spec_from_file_location('reel_oracle', {str(source_dir / 'tests' / 'oracle' / 'reel_oracle.py')!r})
        oracle = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(oracle)
        captured = [_capture(v) for v in VALUES]
        # The oracle may materialize instance dicts: run it after capturing.
        expected = [oracle.render(v) for v in VALUES]
        _emit({{'captured': captured, 'expected': expected}})
    """)
    (r,), other, err = run_snippet(python_exe, reel_env, code)
    assert all(c["failures"] == 0 for c in r["captured"])
    got = [render(c["value"]) for c in r["captured"]]
    assert len(got) == len(r["expected"]) >= 100
    mismatches = [(i, g, e) for i, (g, e) in enumerate(zip(got, r["expected"])) if g != e]
    assert mismatches == []


def test_type_renamed_after_first_capture(seq):
    # namedtuple sets __module__ after creating the class; code can also assign __qualname__.
    r = seq("""
        class K:
            pass
        def gen():
            yield K()
            K.__module__ = 'pkg.mod'
            yield K()
            K.__qualname__ = 'Outer.K'
            yield K()
            yield K
    """)
    assert [render(v) for v in r["values"]] == ["<K>", "<pkg.mod.K>", "<pkg.mod.Outer.K>",
                                                 "<class pkg.mod.Outer.K>"]


def test_generators_get_no_weakref_and_distinct_functions_stay_apart(seq):
    # gen_dealloc clears weakrefs before running the generator's finally blocks, so a weakref
    # made while those run would dangle: generators are tracked by address, type and qualname.
    r = seq("""
        import weakref
        counts = []
        addrs = []
        def one():
            yield 1
        def two():
            yield 2
        def gen():
            for i in range(20):
                g = (one if i % 2 else two)()
                addrs.append(id(g))
                yield g
                counts.append(weakref.getweakrefcount(g))
                del g
    """, extra="{'counts': counts, 'addrs': addrs}")
    assert r["counts"] == [0] * 20
    idents = [n["identity"] for n in r["values"]]
    for i in range(1, len(idents)):
        if r["addrs"][i] == r["addrs"][i - 1]:
            assert idents[i] != idents[i - 1]


def test_weakref_only_for_safe_types(seq):
    r = seq("""
        import weakref
        counts = []
        class Plain:
            pass
        class WithDel:
            def __del__(self):
                pass
        def f():
            pass
        def gen():
            for o in (Plain(), WithDel(), f):
                before = weakref.getweakrefcount(o)
                yield o
                counts.append(weakref.getweakrefcount(o) - before)
    """, extra="{'counts': counts}")
    # One shared callback-less weakref each (subtype_dealloc clears it even after __del__).
    assert r["counts"] == [1, 1, 1]


def test_recording_generators_finalized_mid_iteration(python_exe, reel_env, tmp_path):
    # The recorder captures a generator when its frame runs (also from gen_dealloc's finalizer):
    # must neither crash nor change the program.
    prog = tmp_path / "prog.py"
    prog.write_text(textwrap.dedent("""
        import gc
        def gen(i):
            try:
                yield i
                yield i + 1
            finally:
                tail = [i]
        total = 0
        for i in range(2000):
            g = gen(i)
            total += next(g)
            del g
        agens = []
        async def agen():
            try:
                yield 1
            finally:
                pass
        gc.collect()
        print("total", total)
    """))
    proc = subprocess.run([python_exe, "-m", "reel", "record", "-o", str(tmp_path / "t.reel"), str(prog)],
                          env=reel_env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=300)
    if b"No module named reel" in proc.stderr:
        pytest.skip("the reel package is not built in this build directory")
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode() == f"total {sum(range(2000))}\n"


# ---------------------------------------------------------------------------------------------
# Cheap change detection (ValueCapture::recapture) and the bounded content-address table


def _recapture(python_exe, reel_env, setup):
    code = textwrap.dedent(setup) + textwrap.dedent("""
        _emit({'steps': _R._recapture_for_testing(gen())})
    """)
    (r,), other, err = run_snippet(python_exe, reel_env, code)
    return r["steps"]


def test_recapture_detects_every_change(python_exe, reel_env):
    # Each yield is one check of the same object; the comment says what changed before it.
    steps = _recapture(python_exe, reel_env, """
        class P:
            def __init__(self):
                self.x = 1.0
        class S:
            __slots__ = ('a', 'b')
        class R:
            pass
        def gen():
            p = P()
            s = S()
            s.a = 'aaaa'
            v = [1.0, [2.0, {'k': 'abcd'}], p, s]
            yield v                      # first capture
            yield v                      # nothing
            v[0] = v[0] + 1.0            # a float replaced...
            v[0] = v[0] + 1.0            # ...twice: the address of the first may come back
            yield v
            yield v                      # nothing
            v[1][0] = v[1][0] * 3        # nested float
            yield v
            v[1][1]['k'] = v[1][1]['k'][:-1] + 'x'   # same-length str in a nested dict
            yield v
            p.x = 7                      # attribute of an object in the list
            yield v
            p.y = None                   # attribute added (inline values / dict)
            yield v
            del p.x                      # attribute deleted
            yield v
            s.b = 2                      # slot set
            yield v
            P.__qualname__ = 'Q'         # class renamed
            yield v
            p.__class__ = R              # class swapped
            yield v
            yield v                      # nothing
            v.append(v)                  # a cycle
            yield v
            yield v                      # nothing
    """)
    # recapture's answer always equals a full capture's.
    assert all(s["same"] for s in steps), steps
    changed = [s["changed"] for s in steps[1:]]
    assert changed == [False, True, False, True, True, True, True, True, True, True, True, False,
                       True, False], changed
    # Unchanged graphs are answered by the shape without a capture.
    # (the first capture records the shape too).
    assert [s["hit"] for s in steps[1:]] == [not c for c in changed]


def test_recapture_detects_subclass_attribute_changes(python_exe, reel_env):
    # Format 1.3: a builtin-subclass instance's attributes are part of its shape.
    steps = _recapture(python_exe, reel_env, """
        class Tagged(int):
            pass
        class Rows(list):
            pass
        def gen():
            t = Tagged(3)
            rows = Rows([1])
            v = [t, rows]
            yield v                      # first capture
            yield v                      # nothing
            t.label = 'a'                # attribute added to an int subclass
            yield v
            t.label = 'b'                # rebound
            yield v
            yield v                      # nothing
            rows.meta = [1]              # attribute of a list subclass
            yield v
            rows.meta.append(2)          # changed in place
            yield v
            vars(rows)['meta'] = None    # through the instance dict
            yield v
            del t.label                  # deleted
            yield v
            yield v                      # nothing
    """)
    assert all(s["same"] for s in steps), steps
    changed = [s["changed"] for s in steps[1:]]
    assert changed == [False, True, True, False, True, True, True, True, False], changed
    assert [s["hit"] for s in steps[1:]] == [not c for c in changed]


def test_recapture_falls_back_for_graphs_it_does_not_model(python_exe, reel_env):
    steps = _recapture(python_exe, reel_env, """
        import sys
        def gen():
            e = ValueError('x')
            v = [e, sys, 2**300]
            yield v
            yield v
            e.args = ('y',)
            yield v
    """)
    assert all(s["same"] for s in steps), steps
    assert [s["hit"] for s in steps[1:]] == [False, False]
    assert [s["changed"] for s in steps[1:]] == [False, True]


def test_recapture_answers_big_graphs_by_their_shape(python_exe, reel_env):
    # 60 lists of 60 strs (about 11,000 shape words): a graph the capture visits whole has a
    # shape, so an unchanged check costs a walk, not a capture (configparser's parsers).
    # Past the node budget (64 x 64 lists of 10 strs, 40,960 strs) there is none, and every
    # check captures.
    steps = _recapture(python_exe, reel_env, """
        class Table:
            def __init__(self, n, cells):
                self.rows = [[["w%d_%d_%d" % (i, j, k) for k in range(cells)] for j in range(n)]
                             for i in range(n)]
        def gen():
            for t in (Table(60, 1), Table(64, 10)):
                yield t
                yield t                  # nothing
                t.rows[1][2][0] = "changed"  # within what the node budget keeps
                yield t
                yield t                  # nothing
    """)
    assert all(s["same"] for s in steps), steps
    assert [s["changed"] for s in steps] == [False, False, True, False, True, False, True, False]
    assert [s["hit"] for s in steps] == [False, True, False, True] + [False] * 4


def test_big_shapes_stay_within_their_memory_budget(python_exe, reel_env, tmp_path):
    # Every frame of a recursion through a method keeps the shape of its `self` (88 KB here):
    # 900 frames held 80 MiB before big shapes got a budget (ValueShape::bound, 32 MiB).
    prog = tmp_path / "prog.py"
    prog.write_text(textwrap.dedent("""
        import sys
        import reel._reel as _R
        class Parser:
            def __init__(self):
                self.table = [["w%d_%d" % (i, j) for j in range(60)] for i in range(60)]
                self.pos = 0
            def descend(self, n):
                self.pos += 1
                if n:
                    return self.descend(n - 1) + 1
                return 0
        sys.setrecursionlimit(5000)
        p = Parser()
        print(p.descend(900), p.pos)
        p.descend(900)
        now, peak = _R._shape_bytes_for_testing()
        print("peak MiB", peak >> 20)
    """))
    # Each `self.pos += 1` is a root patch of the shape all 900 frames share: written into a copy
    # (REEL_SHARED_IN_PLACE=0, as other patches of shared shapes still are), the copies need the
    # budget; written into the shared shape itself (the default), there are none.
    peaks = []
    for in_place in ("0", "1"):
        proc = subprocess.run(
            [python_exe, "-m", "reel", "record", "-o", str(tmp_path / "t.reel"), str(prog)],
            env=dict(reel_env, REEL_SHARED_IN_PLACE=in_place), cwd=tmp_path,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
        assert proc.returncode == 0, proc.stderr.decode()
        lines = proc.stdout.decode().splitlines()
        assert lines[0] == "900 901"
        peaks.append(int(lines[1].split()[-1]))
    assert 4 <= peaks[0] <= 36, peaks
    assert peaks[1] < 4, peaks


def test_dedup_table_is_bounded_and_re_emits_evicted_values(python_exe, reel_env):
    code = textwrap.dedent("""
        # Ints past 2**60 are records of their own (no immediate ref, no cache in front of the
        # table, unlike floats and short strings).
        def gen():
            for i in range(200):
                yield [i + 2**61]
            for i in range(200):
                yield [i + 2**61]
        big = _R._capture_sequence_for_testing(gen())
        small = _R._capture_sequence_for_testing(gen(), dedup_slots=16)
        _emit({'big': big['value_count'], 'small': small['value_count'],
               'values': [v['items'][0]['value'] for v in small['values']],
               'same_big': [a['id'] == b['id'] for a, b in zip(big['values'][:200], big['values'][200:])]})
    """)
    (r,), other, err = run_snippet(python_exe, reel_env, code)
    # 200 distinct lists of one distinct int: 400 records, shared by the second round...
    assert r["big"] == 400
    assert all(r["same_big"])
    # ...unless the table (two generations of 16 slots) forgot them: written again, same content.
    assert r["small"] == 800
    assert r["values"] == [i + 2**61 for i in range(200)] * 2


SHAPE_REPORT = re.compile(r"reel: shapes: (\d+) unchanged, (\d+) changed, (\d+) root patches")


@pytest.mark.parametrize("program,options", [
    ("root_attrs.py", []), ("root_attrs.py", ["--max-items", "16"]), ("asyncio_basic.py", []),
    ("purity_idioms.py", []), ("dataclasses_enums.py", [])])
def test_root_attribute_patches_equal_walks(program, options, python_exe, reel_env, tmp_path,
                                            export_states, run_oracle):
    # A store to an attribute of a local's own object (`self.pos += 1`) is answered by rewriting
    # that attribute's words and ref (ValueCapture::patchRootAttributes) instead of walking and
    # capturing the object again: the replayed state must be the one the walk gives
    # (REEL_ROOT_PATCH=0), and the patch must actually be taken. With --max-items 16 the export
    # shows every attribute a snapshot holds. (The programs' own frames only: importlib's and
    # asyncio's see addresses, which differ from run to run.)
    # A patch of a shape other frames hold too is written into that shape (they adopt the new
    # snapshot through Recorder::recentShapes_, or walk again); REEL_SHARED_IN_PLACE=0 writes it
    # into a copy, as before: both must give the walked state.
    path = PROGRAMS_DIR / program
    runs = []
    for patch, in_place in (("1", "1"), ("0", "1"), ("1", "0")):
        trace, stdout, m = _record_switched(
            python_exe, reel_env, tmp_path, path, options,
            {"REEL_ROOT_PATCH": patch, "REEL_SHARED_IN_PLACE": in_place}, SHAPE_REPORT,
            only=False)
        runs.append((trace, stdout, int(m.group(3))))
    assert runs[0][2] > 0 and runs[2][2] > 0, "no root attribute was patched"
    assert runs[1][2] == 0
    assert runs[0][1] == runs[1][1] == runs[2][1]
    states = export_states(runs[0][0])
    _same_lines(states, export_states(runs[1][0]), "patched", "walked")
    _same_lines(export_states(runs[2][0]), states, "patched into a copy", "patched in place")
    if options:
        # The snapshots hold no more than the export shows: it must be the oracle's.
        oracle = tmp_path / "oracle.jsonl"
        run_oracle(path, oracle, only=PROGRAMS_DIR)
        _same_lines(states, oracle.read_text(encoding="utf-8"), "export", "oracle")


DEDUP_REPORT = re.compile(
    r"reel: dedup: (\d+) records by identity, (\d+) earlier states, (\d+) evictions")


@pytest.mark.parametrize("program,options", [
    ("state_cycles.py", []), ("state_cycles.py", ["--max-items", "16"]), ("root_attrs.py", []),
    ("grown_lists.py", []), ("patched_shapes.py", []), ("mutation_reuse.py", [])])
def test_identity_dedup_equals_the_table(program, options, python_exe, reel_env, tmp_path,
                                         export_states, run_oracle, dump, info):
    # A record of an object captured again after a change is deduplicated against that object's
    # own latest records (its patch head and the states before it), not the dedup table: the
    # replayed state must be the one the table gives (REEL_IDENTITY_DEDUP=0), the shortcut must be
    # taken, and in state_cycles.py (toggles, a stack, more changing objects than head slots),
    # where no address is reused, it must find every earlier state the table finds: the same
    # records and the same event stream. (Only the programs' frames are recorded: the threading
    # module's, at exit, see thread ids that differ from run to run.)
    path = PROGRAMS_DIR / program
    runs = []
    for on in ("1", "0"):
        trace, stdout, m = _record_switched(python_exe, reel_env, tmp_path, path, options,
                                            {"REEL_IDENTITY_DEDUP": on}, DEDUP_REPORT)
        runs.append((trace, stdout, [int(g) for g in m.groups()]))
    assert runs[0][2][0] > 0, "no record was deduplicated by identity"
    assert runs[1][2] == [0, 0, 0]
    assert runs[0][1] == runs[1][1]
    states = export_states(runs[0][0])
    _same_lines(states, export_states(runs[1][0]), "by identity", "by table")
    if program == "state_cycles.py":
        by_identity, earlier, evictions = runs[0][2]
        assert earlier > 0 and evictions > 0, runs[0][2]
        assert info(runs[0][0])["values"] == info(runs[1][0])["values"]
        # Patches may name another base (the head moves back to an earlier state); what each
        # record stands for, and the events with every ref they hold, must be the same.
        records = [[r for r in dump(t, "--values", "--resolved") if r.get("kind") != "time"]
                   for t, _, _ in runs]
        assert len(records[0]) == len(records[1])
        assert records[0] == records[1]
    if options:
        oracle = tmp_path / "oracle.jsonl"
        run_oracle(path, oracle, only=PROGRAMS_DIR)
        _same_lines(states, oracle.read_text(encoding="utf-8"), "export", "oracle")


PATH_REPORT = re.compile(r"reel: shapes: .* (\d+) path patches")


@pytest.mark.parametrize("program,options", [
    ("path_records.py", []), ("path_records.py", ["--max-depth", "3"]),
    ("path_records.py", ["--max-items", "16"]), ("patched_shapes.py", []),
    ("shared_shapes.py", []), ("mutation_reuse.py", []), ("state_cycles.py", [])])
def test_path_records_equal_captures(program, options, python_exe, reel_env, reel_bin, tmp_path,
                                     export_states, run_oracle):
    # A scalar store into a list, tuple or dict of scalars is recorded by patching the records
    # on the path from it to each local's top (and, for another local of the frame with the same
    # previous snapshot, by reusing the patched record): the replayed state, at full depth, must
    # be what capturing again gives (REEL_PATH_RECORDS=0), and path_records.py must take the
    # shortcut. (It also holds the cases the shortcut must leave alone: a change past the depth
    # limit, a container stored where a scalar was, a cycle, keys added and removed.)
    path = PROGRAMS_DIR / program
    runs = []
    for on in ("1", "0"):
        trace, stdout, m = _record_switched(python_exe, reel_env, tmp_path, path, options,
                                            {"REEL_PATH_RECORDS": on}, PATH_REPORT)
        deep = subprocess.run(
            [str(reel_bin), "export", "--states", "--only", str(PROGRAMS_DIR), "--depth", "8",
             "--items", "128", "--chars", "400", str(trace)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
        assert deep.returncode == 0, deep.stderr.decode()[-2000:]
        runs.append((trace, stdout, int(m.group(1)), deep.stdout.decode()))
    if program == "path_records.py":
        assert runs[0][2] > 0, "no record was patched along a path"
    assert runs[1][2] == 0
    assert runs[0][1] == runs[1][1]
    _same_lines(runs[0][3], runs[1][3], "patched", "captured")
    if options:
        oracle = tmp_path / "oracle.jsonl"
        run_oracle(path, oracle, only=PROGRAMS_DIR)
        _same_lines(export_states(runs[0][0]), oracle.read_text(encoding="utf-8"), "export",
                    "oracle")


TWIN_REPORT = re.compile(r"reel: shapes: .* (\d+) path patches, (\d+) twin walks")


@pytest.mark.parametrize("program,options", [
    ("path_records.py", []), ("path_records.py", ["--max-depth", "3"]),
    ("shared_shapes.py", []), ("state_cycles.py", []), ("patched_shapes.py", [])])
def test_twin_walks_equal_walks(program, options, python_exe, reel_env, tmp_path, dump):
    # A container named by a change and reached twice from one local (a body held by two pairs,
    # `pair = [v, v]`) is walked once; its other occurrences repeat that walk's words. The words
    # decide every record and event, so the recording must be the one walking each occurrence
    # gives (REEL_TWIN_WALKS=0): the same value records and events as dumped, and the same
    # shapes, which the shortcuts after the walk read (a repeated node with another item
    # position than its own made patchRecords give up: the same records, more work). Records
    # are compared resolved: which earlier snapshot a patch names as its base follows the patch
    # heads, which the capture memo's hits skip, and whether an object's memo slot was taken by
    # another depends on addresses (a run in about seventy differed there with ASLR).
    path = PROGRAMS_DIR / program
    runs = []
    for on in ("1", "0"):
        trace, stdout, m = _record_switched(python_exe, reel_env, tmp_path, path, options,
                                            {"REEL_TWIN_WALKS": on}, TWIN_REPORT)
        runs.append((trace, stdout, int(m.group(2)), m.group(1)))
    if program == "path_records.py":
        assert runs[0][2] > 0, "no walk was repeated"
        # (Its path patches repeat from run to run; other counts depend on addresses, through
        # the capture memo.)
        assert runs[0][3] == runs[1][3], "path patches differ"
    assert runs[1][2] == 0
    assert runs[0][1] == runs[1][1]
    records = [[r for r in dump(t, "--values", "--resolved") if r.get("kind") != "time"]
               for t, *_ in runs]
    assert len(records[0]) == len(records[1])
    assert records[0] == records[1]


def _record_switched(python_exe, reel_env, tmp_path, path, options, switches, report,
                     only=True):
    """Records corpus program `path` (its frames only, unless not `only`) with the environment
    `switches` and REEL_SHAPE_STATS=1; returns the trace, the program's stdout and the match of
    `report` in the recorder's stderr."""
    trace = tmp_path / ("%s-%s.reel" % (path.stem, "".join(switches.values())))
    only_args = ["--only", str(PROGRAMS_DIR)] if only else []
    proc = subprocess.run(
        [python_exe, "-m", "reel", "record", *options, *only_args, "-o", str(trace), str(path)],
        cwd=path.parent, env=dict(reel_env, **switches, REEL_SHAPE_STATS="1"),
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    err = proc.stderr.decode()
    assert proc.returncode == 0 and trace.exists(), err[-2000:]
    m = report.search(err)
    assert m, "no report on stderr:\n" + err[-2000:]
    return trace, proc.stdout, m


def _same_lines(a, b, name_a, name_b):
    """Fails with the first differing line (pytest's own diff of two long texts takes minutes)."""
    if a == b:
        return
    la, lb = a.split("\n"), b.split("\n")
    i = next((k for k in range(min(len(la), len(lb))) if la[k] != lb[k]), min(len(la), len(lb)))
    pytest.fail("first difference at line %d:\n %s %s\n %s %s"
                % (i + 1, name_a, la[i] if i < len(la) else "<end>",
                   name_b, lb[i] if i < len(lb) else "<end>"), pytrace=False)
