# Covers: for/while loops, break/continue/else, range, enumerate, zip, nested loops.
total = 0
for i in range(5):
    if i == 3:
        continue
    total += i
else:
    total *= 2
n = 0
while True:
    n += 1
    if n > 4:
        break
pairs = []
for a, b in zip("abc", range(3)):
    for k in range(2):
        pairs.append((a, b, k))
for idx, ch in enumerate("xy"):
    pairs.append((idx, ch))
print(total, n, pairs)
