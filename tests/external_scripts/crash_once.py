#!/usr/bin/env python3
"""Crashes on its first case ever, then answers correctly.

The marker file named by the only argument remembers, across restarts, that the
crash already happened.
"""

import sys
from pathlib import Path

from _serve import correct, serve

if __name__ == "__main__":
    marker = Path(sys.argv[1])
    if not marker.exists():
        marker.write_text("crashed\n", encoding="utf-8")
        sys.stdin.readline()
        sys.stderr.write("crash_once.py: first case, crashing\n")
        sys.stderr.flush()
        sys.exit(3)
    serve(correct)
