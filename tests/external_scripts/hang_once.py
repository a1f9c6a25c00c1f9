#!/usr/bin/env python3
"""Hangs on its first case ever, then answers correctly.

The marker file named by the only argument remembers, across restarts, that the
hang already happened.
"""

import sys
import time
from pathlib import Path

from _serve import correct, serve

if __name__ == "__main__":
    marker = Path(sys.argv[1])
    if not marker.exists():
        marker.write_text("hung\n", encoding="utf-8")
        sys.stdin.readline()
        while True:
            time.sleep(3600)
    serve(correct)
