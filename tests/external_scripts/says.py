#!/usr/bin/env python3
"""Answers every case with the bytes of the file named by the only argument.

The file holds one answer line, newline included, exactly as it is to be written:
a test writes there whatever malformed answer it wants the harness to meet.
"""

import sys
from pathlib import Path

if __name__ == "__main__":
    answer = Path(sys.argv[1]).read_bytes()
    for line in sys.stdin.buffer:
        if line.strip():
            sys.stdout.buffer.write(answer)
            sys.stdout.buffer.flush()
