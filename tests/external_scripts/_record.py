"""Where a hostile script leaves word of itself, so a test can find what it started.

``record(path)`` appends a line ``PID PGID`` for this process (or for ``pid``) to
the file at ``path``: the test waits for the lines it expects (a handshake that
needs no clock) and checks afterwards that every recorded process group is gone.
"""

from __future__ import annotations

import os


def record(path: str, pid: int | None = None) -> None:
    pid = os.getpid() if pid is None else pid
    with open(path, "a", encoding="utf-8") as log:
        log.write(f"{pid} {os.getpgid(pid)}\n")
