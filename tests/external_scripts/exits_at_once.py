#!/usr/bin/env python3
"""Exits with status 2 before reading anything, like ``python nosuch.py``."""

import sys

if __name__ == "__main__":
    sys.stderr.write("exits_at_once.py: cannot start here\n")
    sys.exit(2)
