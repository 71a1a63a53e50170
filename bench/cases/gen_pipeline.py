# Generators feeding generators: a three-stage pipeline (read, parse, filter) consumed by a for
# loop, 200,000 items. Each item is a yield and a resumption in every stage.
import sys
import time


def numbers(n):
    for i in range(n):
        yield i


def pairs(source):
    for i in source:
        yield i, i * i


def wanted(source):
    for i, sq in source:
        if sq % 3:
            yield i


t = time.perf_counter()
total = 0
for i in wanted(pairs(numbers(200_000))):
    total += i
sys.stderr.write("elapsed %f\n" % (time.perf_counter() - t))
print(total)
