#!/usr/bin/env python3
"""An external executor that reads a case, records itself, and never answers.

It records its process id and group (``_record``) in the file named by its only
argument once it holds a case, so a test can wait until every copy is stuck in
one and check afterwards that each is gone.
"""

import sys
import time

from _record import record

if __name__ == "__main__":
    sys.stdin.readline()
    record(sys.argv[1])
    while True:
        time.sleep(3600)
