# Tokenize Python source with the standard library, then summarize the tokens with `statistics`
# and `math`, as a small code-metrics script would. The work is in the standard library (record
# with REEL_COMPARE_ONLY=0): `TokenInfo._make` (a classmethod read from the class), len() and
# unpacking of the namedtuple, math.sqrt/exp and float.as_integer_ratio() used to count as
# mutations nobody names, so each frame walked its locals again. docs/performance.md, session 13.
import io
import math
import statistics
import sys
import time
import tokenize

SOURCE = '''
def area(shape, scale=1.0):
    """Area of a shape given as (kind, size)."""
    kind, size = shape
    if kind == "square":
        return (size * scale) ** 2
    if kind == "circle":
        return 3.14159 * (size * scale) ** 2
    raise ValueError(f"unknown shape {kind!r}")


totals = {}
for i, shape in enumerate([("square", 2), ("circle", 1.5)] * 3):
    totals[i] = area(shape, scale=i / 10)
'''


def token_lengths(text):
    lengths = []
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        kind, string, start, end, line = tok
        if len(tok) == 5 and string.strip():
            lengths.append(len(string))
    return lengths


def summarize(lengths):
    dist = statistics.NormalDist.from_samples(lengths)
    spread = [dist.pdf(x) for x in range(1, 20)]
    score = sum(math.sqrt(x) * math.exp(-x / 10) for x in lengths)
    return statistics.fmean(lengths), max(spread), score


def main(rounds):
    out = None
    for _ in range(rounds):
        out = summarize(token_lengths(SOURCE))
    return out


started = time.perf_counter()
main(int(sys.argv[1]) if len(sys.argv) > 1 else 150)
sys.stderr.write("elapsed %.6f\n" % (time.perf_counter() - started))
