# Covers attributes of builtin-subclass instances (format 1.3): an int, list, dict and str
# subclass and an IntEnum member, their attributes set, rebound and deleted directly, through a
# container that holds them and by a callee. The exported rendering shows the content only;
# `reel replay`'s `print`/`pp` read the attributes (test_replay_cli.py checks each `# at`).
import enum


class Tagged(int):
    pass


class Rows(list):
    pass


class Config(dict):
    pass


class Lang(str):
    __slots__ = ("lang",)


class Color(enum.IntEnum):
    RED = 1
    BLUE = 2


def relabel(t, rows):
    t.label = "from callee"
    rows.source = "callee"


def main():
    t = Tagged(5)
    t.label = "a"
    rows = Rows([1, 2])
    rows.source = "db"
    rows_attrs = rows.__dict__
    holder = {"rows": rows, "t": t}
    cfg = Config(debug=True)
    cfg.path = "/etc/app.conf"
    s = Lang("hello")
    s.lang = "en"
    c = Color.BLUE
    step = 1  # at A: t.label 'a', rows.source 'db', cfg.path, s.lang, c._name_
    t.label = "b"
    holder["rows"].source = "cache"
    step = 2  # at B: t.label 'b', rows.source 'cache'
    relabel(t, rows)
    step = 3  # at C: holder['t'].label 'from callee', rows.source 'callee'
    rows.append(3)
    cfg.path = "/tmp/x"
    s.lang = "fr"
    rows_attrs["source"] = "through __dict__"
    del t.label
    step = 4  # at D: no t.label, cfg.path '/tmp/x', s.lang 'fr', rows [1, 2, 3], rows.source
    print(step, t, rows, cfg, s, c, sorted(vars(rows)))


main()
