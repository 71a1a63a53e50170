"""What `reel record ARGS...` runs: `python .../reel/_record.py record ARGS...`
(cli/RecordCommand.cpp). A script rather than `python -m reel`, so the recorded program starts with
exactly the modules a plain `python script.py` has, plus Reel's own: runpy would import
importlib.util, warnings and more, and 3.13's `python -c` imports linecache."""

import sys

from reel._launcher import main
from reel._reel import _recursion_remaining

if __name__ == "__main__":
    # Measured here, at module level: where a plain run's module frame is (main() lends the
    # program the levels its own frames take).
    sys.exit(main(sys.argv[1:], _recursion_remaining()))
