"""`python -m reel record [options] (script.py | -m module | -c code) [args...]`

Runs the program as __main__ exactly as `python script.py` would (sys.argv, sys.path[0],
__file__, output, exit status, uncaught-exception traceback without Reel's frames,
KeyboardInterrupt, atexit handlers) while recording it into a .reel trace.
"""

import sys

from . import _launcher

if __name__ == "__main__":
    sys.exit(_launcher.main(sys.argv[1:]))
