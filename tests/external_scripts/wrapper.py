#!/usr/bin/env python3
"""A wrapper without ``exec``: runs ``hang.py`` as its child and waits for it.

Killing only the wrapper would leave the real executor running. Both record
themselves in the file named by argv[1].
"""

import subprocess
import sys
from pathlib import Path

from _record import record

if __name__ == "__main__":
    record(sys.argv[1])
    hang = Path(__file__).with_name("hang.py")
    sys.exit(subprocess.call([sys.executable, str(hang), sys.argv[1]]))
