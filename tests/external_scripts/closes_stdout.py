#!/usr/bin/env python3
"""Closes its standard output, reads a case, and keeps running without a word.

Nothing can ever come from it, yet it does not exit: the harness must not wait for
an exit that never comes. Records itself in the file named by argv[1] once its
output is closed, so a test that waits for the record knows it is.
"""

import os
import sys
import time

from _record import record

if __name__ == "__main__":
    os.close(sys.stdout.fileno())
    record(sys.argv[1])
    sys.stdin.readline()
    while True:
        time.sleep(3600)
