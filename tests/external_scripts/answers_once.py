#!/usr/bin/env python3
"""Answers its first case correctly, then reads the next one and exits 3: a flaky
executor that gives one result and fails on the run after it."""

import sys

from _serve import reference_result

if __name__ == "__main__":
    sys.stdout.write(reference_result(sys.stdin.buffer.readline()) + "\n")
    sys.stdout.flush()
    sys.stdin.buffer.readline()
    sys.stderr.write("answers_once.py: one answer is all it gives\n")
    sys.stderr.flush()
    sys.exit(3)
