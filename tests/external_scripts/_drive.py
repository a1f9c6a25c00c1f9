#!/usr/bin/env python3
"""Drive one target through cases in a process of its own, for tests that must end.

A test runs this under ``subprocess.run(..., timeout=...)``: if the harness ever
hangs again, the test fails at that timeout instead of hanging the suite.

Standard input, one JSON object::

    {"spec": "cmd:...", "timeout": 1.0,
     "memory_limit": BYTES (optional: this process's address space, set first),
     "steps": [{"case": CASE, "timeout": SECONDS (optional, set before the case),
                "await": [PATH, LINES] (optional: first wait until the file at PATH
                                        has LINES lines, a readiness handshake)}]}

Standard output: a JSON line per step, ``{"kind", "detail", "result", "seconds",
"restarts"}``; an ``InputError`` writes ``{"input_error": MESSAGE}`` (with the
step's ``seconds``) and ends the steps. Last, ``{"maxrss_kib": N}``: this process's
peak resident memory, from ``VmHWM`` (``ru_maxrss`` would count the parent's memory
at the fork, too).
"""

import json
import resource
import sys
import time
from pathlib import Path

from txparity.executors.codec import case_from_json
from txparity.harness.errors import InputError
from txparity.harness.targets import make_target

AWAIT_S = 300.0  # a script not ready by then never will be; the test's checks say so


def peak_rss_kib() -> int:
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1])


def await_lines(path: str, count: int) -> None:
    """Wait until a script has written ``count`` lines to ``path`` (it is ready)."""
    deadline = time.monotonic() + AWAIT_S
    while time.monotonic() < deadline:
        if Path(path).exists() and len(Path(path).read_text().splitlines()) >= count:
            return
        time.sleep(0.01)


def emit(value: object) -> None:
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


def drive(request: dict) -> None:
    try:
        target = make_target(request["spec"], request["timeout"])
    except InputError as error:
        emit({"input_error": str(error)})
        return
    try:
        for step in request["steps"]:
            if "timeout" in step:
                target.timeout_s = step["timeout"]
            if "await" in step:
                await_lines(*step["await"])
            case = case_from_json(step["case"])
            started = time.monotonic()
            try:
                answer = target.answer(case)
            except InputError as error:
                emit({"input_error": str(error), "seconds": time.monotonic() - started})
                return
            emit(
                {
                    "kind": str(answer.kind),
                    "detail": answer.detail,
                    "result": answer.result,
                    "seconds": time.monotonic() - started,
                    "restarts": getattr(target, "restarts", None),
                }
            )
    finally:
        target.close()


if __name__ == "__main__":
    request = json.load(sys.stdin)
    if "memory_limit" in request:
        limit = request["memory_limit"]
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    drive(request)
    emit({"maxrss_kib": peak_rss_kib()})
