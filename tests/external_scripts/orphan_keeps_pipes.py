#!/usr/bin/env python3
"""Leaves a child behind that holds its pipes open, reads a case, and exits 3.

The pipes never reach end of file while the child lives: the harness must notice
the exit itself, and the child must die with the group. Records itself and the
child in the file named by argv[1].
"""

import subprocess
import sys

from _record import record

if __name__ == "__main__":
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
    record(sys.argv[1])
    record(sys.argv[1], child.pid)
    sys.stdin.readline()
    sys.stderr.write("orphan_keeps_pipes.py: exiting, my child keeps the pipes\n")
    sys.stderr.flush()
    sys.exit(3)
