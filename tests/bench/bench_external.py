"""Hostile external executors and answers: verdict, time, peak memory, leftovers.

Not a test: run it and read the table.

    python -m tests.bench.bench_external [--timeout 1]

Each row runs one case through ``make_target(spec).answer(case)`` in a fresh
process (``tests/external_scripts/_drive.py``) started in a session of its own.
``seconds`` is the wall time of that ``answer`` call; ``peak MiB`` is the driving
process's peak resident memory (``VmHWM``: ``ru_maxrss`` would include the parent's
memory at the fork); ``left`` is how many processes of the session (executors,
their children, watchers) are still alive, not zombies, once the driver has exited
and a SIGKILL has had up to ten seconds to land. Executors that never answer get
``--timeout`` seconds; every other row gets two minutes, so its time shows how
soon it is classified, not the limit.

Last, a harness holding a wrapper around a hanging executor is killed with SIGKILL:
the line says how long its executors took to die with it.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.test_external import (
    COUNTER,
    DRIVER,
    HOSTILE_ANSWERS,
    SCRIPTS,
    SIMPLE,
    UNREADABLE_ANSWERS,
    big_case,
)
from txparity.executors.codec import encode_case
from txparity.executors.model import Case

PATIENT_S = 120.0
SETTLE_S = 10.0


def script(name: str, *args: object) -> str:
    return "cmd:" + shlex.join([sys.executable, str(SCRIPTS / f"{name}.py"), *map(str, args)])


def executors(scratch: Path) -> list[tuple[str, str, Case, bool]]:
    """(row name, spec, case, whether it never answers)."""
    hang = shlex.join([sys.executable, str(SCRIPTS / "hang.py")])
    return [
        ("closes its stdout, runs on", script("closes_stdout", scratch / "r1"), SIMPLE, True),
        ("child keeps the pipes, exits 3", script("orphan_keeps_pipes", scratch / "r2"), SIMPLE,
         False),
        ("never reads a 400 KB case", script("never_reads", scratch / "r3"), big_case(), True),
        ("hangs behind a wrapper script", script("wrapper", scratch / "r4"), SIMPLE, True),
        ("hangs behind sh -c", "cmd:" + shlex.join(["sh", "-c", f"{hang}; exit 0"]), SIMPLE, True),
        ("hangs", script("hang"), SIMPLE, True),
        ("endless answer line (script)", script("endless_line"), SIMPLE, False),
        ("cat /dev/zero", "cmd:cat /dev/zero", SIMPLE, False),
        ("endless line on stderr", script("stderr_flood"), SIMPLE, True),
        ("exits before reading (true)", "cmd:true", SIMPLE, False),
        ("python nosuch.py", f"cmd:{shlex.quote(sys.executable)} nosuch.py", SIMPLE, False),
        ("exits before a 400 KB case", script("exits_at_once"), big_case(), False),
        ("reads, exits 3", script("crash"), SIMPLE, False),
        ("logs 250 KB per case", script("noisy"), COUNTER, False),
        ("correct", script("correct"), COUNTER, False),
    ]  # fmt: skip


def answers(scratch: Path) -> list[tuple[str, str, Case, bool]]:
    rows = []
    for name, line, _ in [*HOSTILE_ANSWERS, *UNREADABLE_ANSWERS]:
        path = scratch / f"answer-{name}"
        path.write_bytes(line + b"\n")
        rows.append((f"answer: {name}", script("says", path), SIMPLE, False))
    return rows


def run(spec: str, case: Case, timeout_s: float) -> dict[str, Any]:
    request = {"spec": spec, "timeout": timeout_s, "steps": [{"case": encode_case(case)}]}
    driver = subprocess.Popen(
        [sys.executable, str(DRIVER)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # the session id finds everything it started
    )
    out, err = driver.communicate(json.dumps(request).encode(), timeout=PATIENT_S * 3)
    lines = [json.loads(line) for line in out.splitlines()]
    if driver.returncode != 0 or not lines:
        raise RuntimeError(err.decode(errors="replace"))
    row = {**lines[0], "peak_kib": lines[-1]["maxrss_kib"]}
    row["left"] = _left_in_session(driver.pid)
    return row


def _left_in_session(session: int) -> int:
    deadline = time.monotonic() + SETTLE_S
    while (left := _alive_in_session(session)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return len(left)


def _alive_in_session(session: int) -> list[int]:
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[3]) == session and fields[0] not in ("Z", "X"):
            alive.append(int(entry.name))
    return alive


def harness_killed(scratch: Path) -> str:
    records = scratch / "killed"
    code = (
        "import sys; from txparity.harness.targets import make_target; "
        "target = make_target(sys.argv[1]); sys.stdin.read()"
    )
    harness = subprocess.Popen(
        [sys.executable, "-c", code, script("wrapper", records)],
        stdin=subprocess.PIPE,
        start_new_session=True,
    )
    while not records.exists() or len(records.read_text().splitlines()) < 2:
        time.sleep(0.01)  # the wrapper and the executor it wraps have both started
    before = len(_alive_in_session(harness.pid))
    killed = time.monotonic()
    harness.kill()
    harness.wait()
    left = _left_in_session(harness.pid)
    return (
        f"harness SIGKILLed: {before} process(es) in its session before (harness, wrapper, "
        f"executor, watcher), {left} left {time.monotonic() - killed:.2f} s later"
    )


def verdict(row: dict[str, Any]) -> str:
    if "input_error" in row:
        return "InputError"
    return str(row["kind"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=1.0, help="for executors that hang")
    arguments = parser.parse_args()
    scratch = Path(subprocess.check_output(["mktemp", "-d"], text=True).strip())
    print("| case | verdict | seconds | peak MiB | left | detail |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, spec, case, silent in [*executors(scratch), *answers(scratch)]:
        row = run(spec, case, arguments.timeout if silent else PATIENT_S)
        seconds = f"{row['seconds']:.2f}" if "seconds" in row else "-"
        detail = row.get("input_error") or row.get("detail") or ""
        detail = detail if len(detail) <= 90 else detail[:90] + "..."
        print(f"| {name} | {verdict(row)} | {seconds} | {row['peak_kib'] / 1024:.0f} "
              f"| {row['left']} | {detail.replace('|', '/')} |")  # fmt: skip
    print()
    print(harness_killed(scratch))


if __name__ == "__main__":
    main()
