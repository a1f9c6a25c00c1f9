#!/usr/bin/env python3
"""An external executor that cannot run anything: an error line for every case."""

import sys

if __name__ == "__main__":
    for line in sys.stdin:
        if line.strip():
            sys.stdout.write('{"error":"unsupported"}\n')
            sys.stdout.flush()
