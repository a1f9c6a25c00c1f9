#!/usr/bin/env python3
"""Reads a case and answers with a line that never ends (like ``cat /dev/zero``).

The harness must stop reading at its line limit instead of growing without bound.
"""

import sys

if __name__ == "__main__":
    sys.stdin.readline()
    chunk = b"0" * (1 << 20)
    try:
        while True:
            sys.stdout.buffer.write(chunk)
    except BrokenPipeError:
        pass
