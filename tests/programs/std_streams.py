# Covers: objects holding the standard streams. Under `reel record` sys.stdout/sys.stderr (and
# their .buffer) are Reel's forwarding stand-ins; snapshots must show the real streams, as a plain
# run (and the reference tracer) sees them, with the same identities.
import sys


class Logger:
    def __init__(self, stream):
        self.stream = stream
        self.lines = 0

    def log(self, text):
        self.stream.write(text + "\n")
        self.lines += 1


def main():
    out = sys.stdout
    err = sys.stderr
    raw = sys.stdout.buffer
    same = out is sys.__stdout__
    pair = (out, err)
    logger = Logger(out)
    logger.log("hello")
    holder = {"streams": [out, err, raw], "logger": logger}
    out.flush()
    raw.write(b"bytes\n")
    raw.flush()
    print("same", same, len(pair), holder["logger"].lines, file=err)


main()
