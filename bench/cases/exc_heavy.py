# Exception-heavy code (EAFP lookups, custom errors with fields, an OSError per file probe):
# what recording exceptions with their attributes costs.
import os


class ParseError(Exception):
    def __init__(self, msg, line, col):
        super().__init__(msg)
        self.line = line
        self.col = col


def parse(token, line):
    if not token.isdigit():
        raise ParseError("not a number: " + token, line, 3)
    return int(token)


def main():
    table = {str(i): i for i in range(50)}
    total = errors = misses = 0
    for i in range(100_000):
        try:
            total += table[str(i % 80)]
        except KeyError:
            misses += 1
        try:
            total += parse("x" if i % 3 == 0 else str(i), i)
        except ParseError as e:
            errors += 1
            e.add_note(f"at token {i}")
        if i % 100 == 0:
            try:
                os.stat(f"/nonexistent/probe-{i}")
            except OSError as e:
                misses += e.errno > 0
    print(total, errors, misses)


if __name__ == "__main__":
    import sys
    import time

    started = time.perf_counter()
    main()
    sys.stderr.write(f"elapsed {time.perf_counter() - started:.6f}\n")
