#!/usr/bin/env python3
"""An external executor that reads a case and never answers.

With an argument, it first records its process id and group (``_record``) in that
file, so a test can tell one process from the next.
"""

import sys
import time

from _record import record

if __name__ == "__main__":
    if len(sys.argv) > 1:
        record(sys.argv[1])
    sys.stdin.readline()
    while True:
        time.sleep(3600)
