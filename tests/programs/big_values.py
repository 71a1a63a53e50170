# Covers: big ints (over INTBITS; in a dict and a list that change), long strings and bytes (over CHARS), bytearray, floats, complex, unicode.
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

# Big ints inside containers that change: past 8 digits a shape holds a hash of the digits, and
# captures come from a cache keyed by the digits and the sign.
memo = {0: 0, 1: 1}
for k in range(2, 300):
    memo[k] = memo[k - 1] + memo[k - 2]
row = [big, -big, big + 1]
row[1] = -(big * 3)  # the same number of internal digits, other digits
row[2] = big * 3  # equal to -row[1] but for the sign
row[0] = -row[0]
mid = 2 ** 100  # shown with its digits (and sign) by the export contract
pair = [mid, 0]
pair[1] = -mid  # the same digits, the other sign
print(len(memo), memo[299] % 1000, row[1] + row[2], row[0] < 0, pair[0] + pair[1])
