"""How fast a campaign finds each version 2 planted bug, and how small it saves it.

Not a test: run it and read the table.

    python -m tests.bench.bench_v2_bugs [--seeds 5] [--cases 30] [--profile v2]
        [--corpus .txparity/q] [NAME ...]

For each planted bug of profile ``v2`` (or each NAME), and each seed ``0`` to
``seeds - 1``, one process runs

    txparity fuzz --executor NAME --profile v2 --seed S --corpus DIR/NAME-S
        --workers 1 --seconds N --json

(a corpus directory of its own, so that no run replays what another saved), and
the table shows the median over the seeds of the campaign's time to its first
divergence (``first_divergence_s`` of the JSON summary: from the campaign's start,
generation, checking and corpus replay included, the process's start-up not), the
seeds that found nothing within the time, and the median size (transactions) of
the first fingerprint's saved, shrunk case. Runs go one at a time.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
from collections import Counter
from pathlib import Path

from txparity.executors.mutants import MUTANTS


def fuzz(name: str, profile: str, seed: int, cases: int, corpus: Path) -> dict[str, object]:
    """One campaign's JSON summary."""
    command = [
        sys.executable, "-m", "txparity", "fuzz", "--executor", name, "--profile", profile,
        "--seed", str(seed), "--corpus", str(corpus), "--workers", "1",
        "--cases", str(cases), "--shrink-seconds", "3600", "--json",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    summary = json.loads(done.stdout.splitlines()[-1])
    assert isinstance(summary, dict), done.stderr
    return summary


def row(name: str, profile: str, seeds: int, cases: int, corpus: Path) -> str:
    firsts, sizes, stops, missed = [], [], Counter[str](), 0
    for seed in range(seeds):
        where = corpus / f"{name}-{seed}"
        shutil.rmtree(where, ignore_errors=True)
        summary = fuzz(name, profile, seed, cases, where)
        first = summary["first_divergence_s"]
        if not isinstance(first, float | int):
            missed += 1
            continue
        firsts.append(float(first))
        finds = summary["finds"]
        assert isinstance(finds, list) and finds
        sizes += [find["txs_saved"] for find in finds if isinstance(find["txs_saved"], int)]
        stops.update(str(find["shrink_stopped"]) for find in finds)
    first_s = f"{statistics.median(firsts):.2f}" if firsts else "-"
    size = f"{statistics.median(sizes):g}" if sizes else "-"
    stopped = ", ".join(f"{why} {count}" for why, count in sorted(stops.items()))
    return f"{name:<28}{first_s:>12}{missed:>8}{size:>8}   {sorted(sizes)} ({stopped})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--cases", type=int, default=30)
    parser.add_argument("--profile", default="v2")
    parser.add_argument("--corpus", type=Path, default=Path(".txparity/q"))
    arguments = parser.parse_args()
    names = arguments.names or sorted(n for n, bug in MUTANTS.items() if bug.profile == "v2")
    print(f"{'planted bug':<28}{'first s':>12}{'missed':>8}{'txs':>8}   shrunk sizes")
    for name in names:
        print(row(name, arguments.profile, arguments.seeds, arguments.cases, arguments.corpus),
              flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
