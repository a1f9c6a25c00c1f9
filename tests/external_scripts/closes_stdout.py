#!/usr/bin/env python3
"""Reads a case, closes its standard output, and keeps running without a word.

Nothing more can ever come from it, yet it does not exit: the harness must not
wait for an exit that never comes. Records itself in the file named by argv[1].
"""

import os
import sys
import time

from _record import record

if __name__ == "__main__":
    record(sys.argv[1])
    sys.stdin.readline()
    os.close(sys.stdout.fileno())
    while True:
        time.sleep(3600)
