"""Start-up of ``txparity run``: what it imports, and how long until it answers a case.

Not a test: run it and read the figures. (``tests/test_cli_run.py`` holds the real
tests of what ``txparity run`` imports.)

    python -m tests.bench.bench_startup [--runs 7] [--python PATH]

``--python`` names the interpreter whose txparity is measured (this one by default):
in a development install every Python start, the bare one too, loads the editable
install's import hook, which a regular install (``pip install .``) does not.

Each figure is the median of ``runs`` fresh processes, taken in alternation so that
a change of load on the machine touches every figure alike:

- ``bare python``: the wall time of ``python -c pass``, the floor no command beats;
- ``run --jsonl -``, first answer: from starting ``txparity run --jsonl -`` to
  reading its answer to one small case line (a handshake: the line is written at
  once, the answer read as soon as it comes), which is what a ``cmd:`` executor
  built on it waits for at every restart. Start to the first case read, plus
  decoding, running and printing that one case (well under a millisecond);
- ``run FILE``: the wall time of ``txparity run`` on the same case in a file,
  start to exit;
- ``imports``: the time ``python -X importtime -m txparity run --jsonl -`` spends
  importing, from its own report (the sum of the top-level imports' cumulative
  times, the interpreter's own start-up included), with empty standard input.

``first answer - bare`` is txparity's own share. It also lists the heaviest
top-level imports of the last run and whether Hypothesis, deepdiff, sqlite_utils,
multiprocessing or greenlet were among them.

The children run with their bytecode cache (``__pycache__``, written by a first,
unmeasured run), as an installed txparity does, even when this process was started
with ``PYTHONDONTWRITEBYTECODE``: without it every start compiles every module of
txparity from source again, and the figures say more about the compiler than about
what ``txparity run`` loads.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from tests.bench.children import away_from_the_source, child_environment, describe_install
from tests.conftest import VECTORS_DIR, load_vector

CASE = VECTORS_DIR / "simple_transfer.json"
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


def timed(command: list[str], env: Mapping[str, str]) -> tuple[float, str]:
    """The wall time of ``command`` from start to exit, and its standard error."""
    started = time.perf_counter()
    done = subprocess.run(
        command, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed: {done.stderr[-2000:]}")
    return seconds, done.stderr


def first_answer(python: str, line: str, expected: str, env: Mapping[str, str]) -> float:
    """From starting ``txparity run --jsonl -`` to reading its answer to ``line``."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [python, "-m", "txparity", "run", "--jsonl", "-"], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(line)
    process.stdin.flush()
    answer = process.stdout.readline()
    seconds = time.perf_counter() - started
    _, stderr = process.communicate()
    if answer != expected + "\n" or process.returncode != 0:
        sys.exit(f"txparity run --jsonl - answered {answer!r}, exit {process.returncode}: {stderr}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--python", default=sys.executable, help="the interpreter to measure")
    arguments = parser.parse_args()
    python = arguments.python
    env = child_environment()
    case, expected = load_vector(CASE)
    line = json.dumps(case) + "\n"
    figures: dict[str, list[float]] = {"bare": [], "answer": [], "file": [], "imports": []}
    stderr = ""
    with tempfile.TemporaryDirectory() as scratch, away_from_the_source():
        case_file = Path(scratch) / "case.json"
        case_file.write_text(line)
        run_file = [python, "-m", "txparity", "run", str(case_file)]
        importtime = [python, "-X", "importtime", "-m", "txparity", "run", "--jsonl", "-"]
        timed(run_file, env)  # writes the bytecode cache: not measured
        for _ in range(arguments.runs):
            figures["bare"].append(timed([python, "-c", "pass"], env)[0])
            figures["answer"].append(first_answer(python, line, expected, env))
            figures["file"].append(timed(run_file, env)[0])
            _, stderr = timed(importtime, env)
            top = sum(us for _, us, depth in imports(stderr) if depth == 0)
            figures["imports"].append(top / 1e6)
    median = {name: statistics.median(values) for name, values in figures.items()}
    print(describe_install(python))
    print(f"median of {arguments.runs} runs, load {os.getloadavg()[0]:.2f}")
    print(f"bare python                        {1000 * median['bare']:7.1f} ms")
    print(f"run --jsonl -, first answer        {1000 * median['answer']:7.1f} ms")
    print(f"run FILE, start to exit            {1000 * median['file']:7.1f} ms")
    print(f"imports (-X importtime)            {1000 * median['imports']:7.1f} ms")
    print(
        f"first answer - bare                {1000 * (median['answer'] - median['bare']):7.1f} ms"
    )
    print(f"first answer / bare                {median['answer'] / median['bare']:7.2f}")
    heaviest = sorted((m for m in imports(stderr) if m[2] == 0), key=lambda m: -m[1])[:8]
    shown = ", ".join(f"{n} {us / 1000:.0f} ms" for n, us, _ in heaviest)
    print("heaviest top-level imports: " + shown)
    names = {name.split(".")[0] for name, _, _ in imports(stderr)}
    print("imported: " + ", ".join(f"{w} {'yes' if w in names else 'no'}" for w in WATCHED))


if __name__ == "__main__":
    main()
