# Covers exceptions carrying attributes (format 1.3): set, rebound, deleted, mutated in place,
# changed by a callee, added as notes. The exported rendering shows args only; `reel replay`'s
# `print e.code` and `pp e` read the attributes (test_replay_cli.py checks them at each `# at`).


class AppError(Exception):
    def __init__(self, msg, code):
        super().__init__(msg)
        self.code = code


def bump(err):
    err.code += 10


def raise_it(n):
    raise AppError("failed", n)


def main():
    try:
        raise_it(1)
    except AppError as caught:
        e = caught
    step = 1  # at A: e.code == 1
    e.code = 2
    step = 2  # at B: e.code == 2
    bump(e)
    step = 3  # at C: e.code == 12
    e.items = [1]
    e.items.append(2)
    step = 4  # at D: e.items == [1, 2]
    del e.code
    e.add_note("noted")
    step = 5  # at E: no e.code; e.__notes__ == ['noted']
    try:
        open("/nonexistent/reel-corpus/missing.txt")
    except OSError as err:
        missing = err
    step = 6  # at F: missing.filename
    print(step, e.items, missing.filename)


main()
