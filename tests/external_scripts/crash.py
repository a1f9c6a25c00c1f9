#!/usr/bin/env python3
"""An external executor that reads a case, logs to standard error and exits 3."""

import sys

if __name__ == "__main__":
    sys.stdin.readline()
    sys.stderr.write("crash.py: giving up on purpose\n")
    sys.stderr.flush()
    sys.exit(3)
