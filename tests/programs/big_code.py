# Covers: a code object of thousands of instructions over 400 lines (made with exec, as namedtuple
# makes __new__ for many fields), with loops whose line numbers go back: the line of every
# instruction comes from one walk of the line table (compat::LineCursor).
src = ["def big(xs):", "    total = 0"]
for i in range(400):
    src.append(f"    total += xs[{i % 7}] * {i}")
    if i % 100 == 0:
        src.append(f"    for k in range({i % 3 + 2}):")
        src.append(f"        total -= (k +")
        src.append(f"                  {i})")
        src.append(f"    while total > {i * 1000}:")
        src.append(f"        total //= 2")
src.append("    return total")
namespace = {}
# Compiled under this file's name so that the tests' --only filter keeps its events (its line
# numbers then run past this file's end, which nothing requires them not to).
exec(compile("\n".join(src), __file__, "exec"), namespace)
print(namespace["big"]([1, 2, 3, 4, 5, 6, 7]))
