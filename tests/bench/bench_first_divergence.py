"""Time to the first divergence from an external planted-bug executor.

Not a test: run it and read the figures.

    python -m tests.bench.bench_first_divergence [--runs 3] [--workers 2] [--bugs NAME ...]

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
- ``loop``: the plainest generate-run-compare loop, in this process: start the
  external executor, then draw case ``i`` of seed ``r``, run the reference, ask the
  executor, compare canonical bytes, until they differ.

It prints the median of each per bug and over all bugs, and their ratio, from the
same runs.
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

from txparity.executors.execution import run_case
from txparity.executors.mutants import MUTANTS
from txparity.executors.sequential import SequentialExecutor
from txparity.harness.campaign import CaseDrawer
from txparity.harness.targets import make_target
from txparity.harness.targets.protocol import AnswerKind

CORPUS = Path(__file__).parents[2] / "corpus"
MAX_CASES = 400


def external(mutant: str) -> str:
    command = [sys.executable, "-m", "txparity", "run", "--jsonl", "-",
               "--executor", f"{mutant}@memory/seeded"]  # fmt: skip
    return "cmd:" + shlex.join(command)


def fuzz(spec: str, profile: str, seed: int, workers: int) -> float | None:
    with tempfile.TemporaryDirectory(prefix="txparity-bench-") as scratch:
        corpus = Path(scratch) / "corpus"
        shutil.copytree(CORPUS, corpus)
        command = [sys.executable, "-m", "txparity", "fuzz", "--executor", spec,
                   "--profile", profile, "--seed", str(seed), "--cases", str(MAX_CASES),
                   "--workers", str(workers), "--shrink-candidates", "1",
                   "--reproduce-seeds", "1", "--corpus", str(corpus), "--json"]  # fmt: skip
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        wall = time.perf_counter() - started
    summary = json.loads(done.stdout.splitlines()[-1])
    first = summary["first_divergence_s"]
    return None if first is None else wall - summary["seconds"] + first


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
    arguments = parser.parse_args()
    bugs = sorted((name, m.profile) for name, m in MUTANTS.items() if m.profile != "v2")
    bugs = [(name, profile) for name, profile in bugs if name in (arguments.bugs or [name])]
    every_fuzz, every_loop = [], []
    print(f"{'planted bug':26} {'profile':10} {'fuzz s':>7} {'loop s':>7}")
    for name, profile in bugs:
        spec = external(name)
        fuzzed = [fuzz(spec, profile, seed, arguments.workers) for seed in range(arguments.runs)]
        looped = [loop(spec, profile, seed) for seed in range(arguments.runs)]
        found_f = [s for s in fuzzed if s is not None]
        found_l = [s for s in looped if s is not None]
        every_fuzz += found_f
        every_loop += found_l
        missed = len(found_f) != arguments.runs or len(found_l) != arguments.runs
        runs = arguments.runs
        note = f"  (found in {len(found_f)} and {len(found_l)} of {runs})" if missed else ""
        print(f"{name:26} {profile:10} {_median(found_f):>7} {_median(found_l):>7}{note}")
    print(f"{'all':26} {'':10} {_median(every_fuzz):>7} {_median(every_loop):>7}")
    if every_fuzz and every_loop:
        ratio = statistics.median(every_fuzz) / statistics.median(every_loop)
        print(f"fuzz / loop {ratio:.1f}x")


def _median(values: list[float]) -> str:
    return f"{statistics.median(values):.2f}" if values else "-"


if __name__ == "__main__":
    main()
