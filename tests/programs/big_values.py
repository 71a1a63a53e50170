# Covers: big ints (over INTBITS), long strings and bytes (over CHARS), bytearray, floats, complex, unicode.
big = 2 ** 300
neg_big = -(3 ** 200)
edge = 2 ** 200 - 1
over = 2 ** 200
text = "x" * 70 + "tail"
uni = "héllo wörld ✓ " * 6
quote = 'it\'s "quoted"\n\ttab'
blob = bytes(range(100))
ba = bytearray(b"abc") + bytearray(80)
f = 1 / 3
inf = float("inf")
nan_s = str(float("nan"))
z = complex(1.5, -2)
print(len(str(big)), edge.bit_length(), over.bit_length(), len(text), len(blob), len(ba), f, z, nan_s)
