#!/usr/bin/env python3
"""Never reads its standard input and never answers.

A case larger than the pipe's buffer cannot be written to it in full: the harness
must not block in the write. Records itself in the file named by argv[1].
"""

import sys
import time

from _record import record

if __name__ == "__main__":
    record(sys.argv[1])
    while True:
        time.sleep(3600)
