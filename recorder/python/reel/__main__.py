"""`python -m reel record [options] (script.py | -m module | -c code) [args...]`

Runs the program as __main__ exactly as `python script.py` would (sys.argv, sys.path[0],
__file__, output, exit status, uncaught-exception traceback without Reel's frames,
KeyboardInterrupt, atexit handlers) while recording it into a .reel trace. It first replaces
itself by `python [the same options] reel/_record.py record ...` (what `reel record` runs), so
the program does not start with what runpy imported for `-m reel`.
"""

import sys

from . import _launcher

if __name__ == "__main__":
    _launcher.rerun_as_script(sys.argv[1:])
    sys.exit(_launcher.main(sys.argv[1:]))
