# Covers: statistics without _statistics (exact fractions in _sum/_ss, groupby over sorted data,
# NormalDist with __slots__ and operator overloads, StatisticsError raised and caught), colorsys,
# and calendar's generators and Text/HTML formatting. tests/python/test_stdlib_fidelity.py copies
# these modules from the interpreter under test next to this file as py<name>.
import sys
import fractions, decimal, random, numbers, datetime, locale, itertools  # imported before blocking
sys.modules["_statistics"] = None
import pystatistics as S, pycolorsys, pycalendar

CALLS = []

# statistics
data = [2.5, 3.25, 5.5, 1.75, 3.25, 7.0, 3.25, 4.0]
F = fractions.Fraction
print(S.mean(data), S.median(data), S.median_low(data), S.median_high(data), S.mode(data))
print(S.variance(data), S.pstdev([1, 2, 3, 4]), S.fmean(data, weights=range(1, 9)), S.geometric_mean([1, 4, 16]))
print(S.harmonic_mean([40, 60], weights=[5, 30]), S.mean([F(1, 3), F(2, 3), F(5, 6)]), S.mean([decimal.Decimal("0.5"), decimal.Decimal("0.75")]))
print(S.multimode("aabbbccccdddd"), S.quantiles(range(1, 21), n=5), S.quantiles([1, 5, 9, 13], method="inclusive"))
print(S.median_grouped([52, 52, 53, 54, 54, 54, 55], interval=2), S.correlation([1, 2, 3, 4], [2, 4, 5, 9]))
print(S.covariance([1, 2, 3], [1, 3, 2]), S.linear_regression([1, 2, 3, 4], [3, 5, 7, 10]))
for bad in ([], [1]):
    try:
        S.variance(bad)
    except S.StatisticsError as e:
        print("StatisticsError", e)
try:
    S.mean(["a"])
except TypeError as e:
    print("TypeError", str(e)[:40])
nd = S.NormalDist(100, 15)
nd2 = (nd * 2 + 5) - S.NormalDist(10, 5)
print(nd, nd2, round(nd.cdf(130), 6), round(nd.inv_cdf(0.9), 6), [round(x, 4) for x in nd.quantiles(4)])
print(round(nd.overlap(S.NormalDist(110, 10)), 6), round(nd.zscore(70), 3), nd == S.NormalDist(100, 15), round(nd.pdf(100), 8))
print(S.NormalDist.from_samples([1, 2, 3, 6]))

# colorsys
for rgb in [(0.2, 0.4, 0.4), (1.0, 0.0, 0.0), (0.5, 0.5, 0.5)]:
    h = pycolorsys.rgb_to_hls(*rgb)
    v = pycolorsys.rgb_to_hsv(*rgb)
    y = pycolorsys.rgb_to_yiq(*rgb)
    print([round(c, 4) for c in h + v + y], [round(c, 4) for c in pycolorsys.hls_to_rgb(*h) + pycolorsys.hsv_to_rgb(*v) + pycolorsys.yiq_to_rgb(*y)])

# calendar
cal = pycalendar.TextCalendar(firstweekday=pycalendar.SUNDAY)
print(cal.formatmonth(2024, 2))
print(pycalendar.monthrange(2023, 2), pycalendar.isleap(2000), pycalendar.leapdays(1900, 2024), pycalendar.weekday(2024, 7, 4))
print([list(w) for w in pycalendar.Calendar().monthdays2calendar(2021, 3)][:2])
print(pycalendar.HTMLCalendar().formatmonth(2022, 1)[:120])
try:
    pycalendar.weekday(2024, 13, 1)
except (ValueError, pycalendar.IllegalMonthError) as e:
    print("illegal", type(e).__name__)
print(CALLS)
