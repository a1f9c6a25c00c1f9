"""How fast a campaign finds each version 2 planted bug, and how small it saves it.

Not a test: run it and read the table.

    python -m tests.bench.bench_v2_bugs [--seeds 5] [--seconds 15] [--cases 6]
        [--profile v2] [--corpus .txparity/q] [NAME ...]

For each planted bug of profile ``v2`` (or each NAME):

- time to first divergence: for each seed ``0`` to ``seeds - 1``, one process runs

      txparity fuzz --executor NAME --profile v2 --seed S --corpus DIR/NAME-S
          --workers 1 --seconds N --shrink-candidates 1 --json

  (a corpus directory of its own, so that no run replays what another saved; finds
  saved nearly unshrunk, so that the runs cost the same whatever they find), and the
  table shows the median over the seeds of ``first_divergence_s`` of the JSON
  summary (from the campaign's start: generation, checking and corpus replay
  included, the process's start-up not) and how many seeds found nothing;
- shrunk size: one more process, seed 0, with a count of cases and no time cap on
  shrinking (``--cases N --shrink-seconds 3600``), so that every shrink ends on its
  own, at a fixed point or the candidate budget, however busy the machine: the
  transactions of each fingerprint's saved case, and why its shrink stopped.

Runs go one at a time.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from txparity.executors.mutants import MUTANTS


def fuzz(name: str, profile: str, seed: int, corpus: Path, *limits: str) -> dict[str, object]:
    """One campaign's JSON summary, in a fresh corpus directory."""
    shutil.rmtree(corpus, ignore_errors=True)
    command = [
        sys.executable, "-m", "txparity", "fuzz", "--executor", name, "--profile", profile,
        "--seed", str(seed), "--corpus", str(corpus), "--workers", "1", *limits, "--json",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    summary = json.loads(done.stdout.splitlines()[-1])
    assert isinstance(summary, dict), done.stderr
    return summary


def first_divergence(name: str, arguments: argparse.Namespace) -> tuple[str, int]:
    """The median time to the first divergence over the seeds, and the seeds missed."""
    firsts, missed = [], 0
    for seed in range(arguments.seeds):
        corpus = arguments.corpus / f"{name}-{seed}"
        limits = ("--seconds", str(arguments.seconds), "--shrink-candidates", "1")
        first = fuzz(name, arguments.profile, seed, corpus, *limits)["first_divergence_s"]
        if isinstance(first, float | int):
            firsts.append(float(first))
        else:
            missed += 1
    return (f"{statistics.median(firsts):.2f}" if firsts else "-"), missed


def shrunk(name: str, arguments: argparse.Namespace) -> str:
    """Each fingerprint's saved size in seed 0's campaign of ``cases`` cases."""
    corpus = arguments.corpus / f"{name}-shrunk"
    limits = ("--cases", str(arguments.cases), "--shrink-seconds", "3600")
    finds = fuzz(name, arguments.profile, 0, corpus, *limits)["finds"]
    assert isinstance(finds, list)
    return ", ".join(f"{find['txs_saved']} ({find['shrink_stopped']})" for find in finds) or "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--cases", type=int, default=6)
    parser.add_argument("--profile", default="v2")
    parser.add_argument("--corpus", type=Path, default=Path(".txparity/q"))
    arguments = parser.parse_args()
    names = arguments.names or sorted(n for n, bug in MUTANTS.items() if bug.profile == "v2")
    print(f"{'planted bug':<28}{'first s':>10}{'missed':>8}   shrunk (seed 0): txs (stopped)")
    for name in names:
        first, missed = first_divergence(name, arguments)
        print(f"{name:<28}{first:>10}{missed:>8}   {shrunk(name, arguments)}", flush=True)


if __name__ == "__main__":
    main()
