# What CPython's test_configparser (MultilineValuesTestCase) does in each setUp: a ConfigParser of
# 100 sections x 10 multi-line options, written to a StringIO and read back. The work is in the
# standard library (record with REEL_COMPARE_ONLY=0). Every regular-expression call, module
# attribute (`sys.maxsize`), `enumerate(fp)` step and `if mo:` used to count as a mutation nobody
# names, so each frame walked the whole parser again at its next event: 1200x a plain run.
import configparser
import io
import sys
import time

SPAM = ("I'm having spam spam spam spam spam spam spam beaked beans spam "
        "spam spam and spam!").replace(" ", "\t\n")


def build(sections):
    cf = configparser.ConfigParser()
    for i in range(sections):
        s = "section{}".format(i)
        cf.add_section(s)
        for j in range(10):
            cf.set(s, "lovely_spam{}".format(j), SPAM)
    f = io.StringIO()
    cf.write(f)
    again = configparser.ConfigParser()
    again.read_string(f.getvalue())
    return again.get("section8", "lovely_spam4")


started = time.perf_counter()
build(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
sys.stderr.write("elapsed %.6f\n" % (time.perf_counter() - started))
