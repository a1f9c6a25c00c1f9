#!/usr/bin/env python3
"""An external executor that reads a case and never answers.

With an argument, it first appends its process id to that file, so a test can tell
one process from the next.
"""

import os
import sys
import time

if __name__ == "__main__":
    if len(sys.argv) > 1:
        with open(sys.argv[1], "a", encoding="utf-8") as log:
            log.write(f"{os.getpid()}\n")
    sys.stdin.readline()
    while True:
        time.sleep(3600)
