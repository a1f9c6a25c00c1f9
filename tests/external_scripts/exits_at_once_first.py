#!/usr/bin/env python3
"""Exits before reading anything on its first start ever, then answers correctly.

The marker file named by the only argument remembers, across restarts, that the
failed start already happened.
"""

import sys
from pathlib import Path

from _serve import correct, serve

if __name__ == "__main__":
    marker = Path(sys.argv[1])
    if not marker.exists():
        marker.write_text("failed once\n", encoding="utf-8")
        sys.stderr.write("exits_at_once_first.py: not today\n")
        sys.exit(2)
    serve(correct)
