#!/usr/bin/env python3
"""An external executor that answers every case with a line that is not JSON."""

import sys

if __name__ == "__main__":
    for line in sys.stdin:
        if line.strip():
            sys.stdout.write("hello world\n")
            sys.stdout.flush()
