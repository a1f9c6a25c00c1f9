#!/usr/bin/env python3
"""A correct executor that logs far more than a pipe holds, before every answer.

It blocks on standard error until the harness reads it: the harness must drain
standard error while it waits for an answer, or both would wait forever.
"""

import sys

from _serve import serve


def noisily(line: bytes, result: str) -> list[str]:
    for number in range(4000):
        sys.stderr.write(f"noisy.py: log line {number} of 4000, padded {'.' * 40}\n")
    sys.stderr.write("noisy.py: answering\n")
    sys.stderr.flush()
    return [result]


if __name__ == "__main__":
    serve(noisily)
