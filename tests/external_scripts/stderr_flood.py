#!/usr/bin/env python3
"""Reads a case, never answers, and writes one endless line to standard error.

The harness keeps only the tail of standard error: this must cost it no memory.
"""

import sys

if __name__ == "__main__":
    sys.stdin.readline()
    chunk = b"x" * (1 << 20)
    try:
        while True:
            sys.stderr.buffer.write(chunk)
    except BrokenPipeError:
        pass
