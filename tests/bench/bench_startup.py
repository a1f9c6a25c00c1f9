"""Start-up of ``txparity run``: what it imports, and how long until it reads a case.

Not a test: run it and read the figures. (``tests/test_cli_run.py`` holds the real
test that ``txparity run`` imports neither Hypothesis nor deepdiff.)

    python -m tests.bench.bench_startup [--runs 7]

Three figures, each the median of ``runs`` fresh processes:

- ``imports``: the time ``python -X importtime -m txparity run --jsonl -`` spends
  importing, from its own report (the sum of the top-level imports' cumulative
  times), with empty standard input, so that it stops right after reading;
- ``bare python``: the wall time of ``python -c pass``, the floor no command beats;
- ``txparity run``: the wall time of the same command, start to exit.

``run - bare`` is txparity's own share of the time from process start to reading
the first case. It also lists the heaviest top-level imports of the last run and
whether Hypothesis, deepdiff, sqlite_utils or multiprocessing were among them.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time

RUN = [sys.executable, "-X", "importtime", "-m", "txparity", "run", "--jsonl", "-"]
BARE = [sys.executable, "-c", "pass"]
WATCHED = ("hypothesis", "deepdiff", "sqlite_utils", "multiprocessing", "greenlet")
_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def imports(stderr: str) -> list[tuple[str, int, int]]:
    """(module, cumulative microseconds, nesting) for every line of -X importtime."""
    found = []
    for line in stderr.splitlines():
        match = _LINE.match(line)
        if match:
            found.append((match[4], int(match[2]), len(match[3]) // 2))
    return found


def timed(command: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed: {done.stderr[-2000:]}")
    return time.perf_counter() - started, done.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    arguments = parser.parse_args()
    bare, run, imported = [], [], []
    stderr = ""
    for _ in range(arguments.runs):
        bare.append(timed(BARE)[0])
        seconds, stderr = timed(RUN)
        run.append(seconds)
        imported.append(sum(us for _, us, depth in imports(stderr) if depth == 0) / 1e6)
    bare_s, run_s = statistics.median(bare), statistics.median(run)
    print(f"median of {arguments.runs} runs")
    print(f"imports (-X importtime)  {1000 * statistics.median(imported):7.1f} ms")
    print(f"bare python              {1000 * bare_s:7.1f} ms")
    print(f"txparity run --jsonl -   {1000 * run_s:7.1f} ms")
    print(f"run - bare               {1000 * (run_s - bare_s):7.1f} ms")
    top = sorted((m for m in imports(stderr) if m[2] == 0), key=lambda m: -m[1])[:8]
    print("heaviest top-level imports: " + ", ".join(f"{n} {us / 1000:.0f} ms" for n, us, _ in top))
    names = {name.split(".")[0] for name, _, _ in imports(stderr)}
    print("imported: " + ", ".join(f"{w} {'yes' if w in names else 'no'}" for w in WATCHED))


if __name__ == "__main__":
    main()
