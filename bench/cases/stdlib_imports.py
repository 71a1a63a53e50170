# An import-heavy start, as a CLI tool's or a test run's: module bodies, class bodies, regular
# expressions compiled at import (re's compiler), importlib's path finder. Recorded whole
# (REEL_COMPARE_ONLY=0 python3 bench/compare_recorders.py A B N bench/cases/stdlib_imports.py):
# its work is in the standard library. docs/performance.md, session 30.
import sys
import time

MODULES = [
    "argparse", "ast", "calendar", "configparser", "csv", "dataclasses", "difflib",
    "email.message", "email.parser", "email.policy", "fractions", "ftplib", "gettext",
    "html.parser", "http.client", "http.cookies", "imaplib", "inspect", "ipaddress",
    "logging.handlers", "mimetypes", "optparse", "pathlib", "pickletools", "poplib", "pprint",
    "shlex", "smtplib", "statistics", "string", "tarfile", "textwrap", "tokenize", "typing",
    "unittest", "urllib.request", "uuid", "xml.dom.minidom", "xml.etree.ElementTree", "zipfile",
]

started = time.perf_counter()
loaded = [__import__(name) for name in MODULES]
import re
patterns = [re.compile(p) for p in (r"(?P<key>[A-Za-z_][\w.-]*)\s*=\s*(?P<value>.*)",
                                    r"^\s*(#|;)", r"[\u0080-\uffff]+", r"\d{1,3}(\.\d{1,3}){3}")]
sys.stderr.write(f"elapsed {time.perf_counter() - started:.6f}\n")
print(len(loaded), len(patterns))
