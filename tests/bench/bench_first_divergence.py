"""Time to the first divergence from an external planted-bug executor.

Not a test: run it and read the figures.

    python -m tests.bench.bench_first_divergence [--runs 3] [--workers 2] [--bugs NAME ...]
        [--python PATH]

Each external executor is ``txparity run --jsonl -`` running one planted bug of
version 1 (a ``cmd:`` executor, started as a process of its own), on the ``seeded``
schedule so that a case's answer depends on the case alone. Per bug and per run
(campaign seed ``r`` for run ``r``), two ways to the first divergence:

- ``fuzz``: ``txparity fuzz --executor cmd:... --profile P --seed r`` in a fresh
  process, with a copy of the repository's ``corpus/`` as its corpus (so its opening
  replay runs as it would) and ``--shrink-candidates 1``; the figure is the time from
  starting the process to its first divergence: the process's wall time, less the
  campaign's own ``seconds``, plus its ``first_divergence_s`` (both from its JSON
  summary), so that start-up is counted;
- ``campaign``: that run's ``first_divergence_s`` alone, from the campaign's start
  (the command's imports done) to the first divergence a worker saw: the part that
  compares with ``loop``, which starts with everything imported;
- ``loop``: the plainest generate-run-compare loop, in this process: start the
  external executor, then draw case ``i`` of seed ``r``, run the reference, ask the
  executor, compare canonical bytes, until they differ.

It prints the median of each per bug and over all bugs, and the ratios to ``loop``,
from the same runs.

``--python`` names the interpreter of the install to measure (this one by default):
the ``fuzz`` process and every external executor run with it, and with their
bytecode cache (``tests.bench.children``). The header says what that install is.
In a development install (editable, with the ``test`` extra) the first divergence
costs more than in a ``pip install .``: the re-check of the reference on SQLite
that precedes it imports sqlite-utils, which imports numpy when it can.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.children import away_from_the_source, child_environment, describe_install
from txparity.executors.execution import run_case
from txparity.executors.mutants import MUTANTS
from txparity.executors.sequential import SequentialExecutor
from txparity.harness.campaign import CaseDrawer
from txparity.harness.targets import make_target
from txparity.harness.targets.protocol import AnswerKind

CORPUS = Path(__file__).parents[2] / "corpus"
MAX_CASES = 400


def external(python: str, mutant: str) -> str:
    command = [python, "-m", "txparity", "run", "--jsonl", "-",
               "--executor", f"{mutant}@memory/seeded"]  # fmt: skip
    return "cmd:" + shlex.join(command)


def fuzz(
    python: str, spec: str, profile: str, seed: int, workers: int
) -> tuple[float, float] | None:
    """From the process's start and from the campaign's start to the first divergence."""
    with tempfile.TemporaryDirectory(prefix="txparity-bench-") as scratch:
        corpus = Path(scratch) / "corpus"
        shutil.copytree(CORPUS, corpus)
        command = [python, "-m", "txparity", "fuzz", "--executor", spec,
                   "--profile", profile, "--seed", str(seed), "--cases", str(MAX_CASES),
                   "--workers", str(workers), "--shrink-candidates", "1",
                   "--reproduce-seeds", "1", "--corpus", str(corpus), "--json"]  # fmt: skip
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                              env=child_environment())  # fmt: skip
        wall = time.perf_counter() - started
    summary = json.loads(done.stdout.splitlines()[-1])
    first = summary["first_divergence_s"]
    return None if first is None else (wall - summary["seconds"] + first, first)


def loop(spec: str, profile: str, seed: int) -> float | None:
    started = time.perf_counter()
    target = make_target(spec, 60.0)
    try:
        drawer = CaseDrawer(profile, seed)
        for index in range(MAX_CASES):
            case = drawer.draw(index)
            if case is None:
                continue
            expected = run_case(SequentialExecutor(), case, "memory").result_json
            answer = target.answer(case)
            if answer.kind is not AnswerKind.RESULT or answer.result != expected:
                return time.perf_counter() - started
        return None
    finally:
        target.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--bugs", nargs="+", help="these planted bugs only (default: all of v1)")
    parser.add_argument("--python", default=sys.executable, help="the interpreter to measure")
    arguments = parser.parse_args()
    python = arguments.python
    bugs = sorted((name, m.profile) for name, m in MUTANTS.items() if m.profile != "v2")
    bugs = [(name, profile) for name, profile in bugs if name in (arguments.bugs or [name])]
    print(describe_install(python))
    with away_from_the_source():
        _measure(python, bugs, arguments.runs, arguments.workers)


def _measure(python: str, bugs: list[tuple[str, str]], runs: int, workers: int) -> None:
    every: tuple[list[float], list[float], list[float]] = ([], [], [])
    print(f"{'planted bug':26} {'profile':10} {'fuzz s':>7} {'campaign s':>10} {'loop s':>7}")
    for name, profile in bugs:
        spec = external(python, name)
        fuzzed = [fuzz(python, spec, profile, seed, workers) for seed in range(runs)]
        looped = [loop(spec, profile, seed) for seed in range(runs)]
        found = [f for f in fuzzed if f is not None]
        columns = (
            [f[0] for f in found],
            [f[1] for f in found],
            [s for s in looped if s is not None],
        )
        for column, values in zip(every, columns, strict=True):
            column += values
        missed = len(columns[0]) != runs or len(columns[2]) != runs
        note = f"  (found in {len(columns[0])} and {len(columns[2])} of {runs})" if missed else ""
        figures = " ".join(f"{_median(c):>{w}}" for c, w in zip(columns, (7, 10, 7), strict=True))
        print(f"{name:26} {profile:10} {figures}{note}")
    figures = " ".join(f"{_median(c):>{w}}" for c, w in zip(every, (7, 10, 7), strict=True))
    print(f"{'all':26} {'':10} {figures}")
    if all(every):
        loop_median = statistics.median(every[2])
        print(f"fuzz / loop {statistics.median(every[0]) / loop_median:.1f}x, "
              f"campaign / loop {statistics.median(every[1]) / loop_median:.1f}x")  # fmt: skip


def _median(values: list[float]) -> str:
    return f"{statistics.median(values):.2f}" if values else "-"


if __name__ == "__main__":
    main()
