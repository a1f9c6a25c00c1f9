"""How fast the quality tier finds each planted bug of the roadmap executors, and how
small it shrinks it.

Not a test: run it and read the figures.

    python -m tests.bench.bench_roadmap_bugs [--budget 400] [--shrink-seconds 3600]
                                             [--show] [MUTANT ...]

For each planted bug (default: every ``rwlock-*``, ``sharded-*`` and ``predictive-*`` one), the
quality tier's search (``tests/test_quality.py``: a derandomized Hypothesis search
over the variant's profile, on the ``seeded`` schedule with one seed) runs until the
first case that diverges; the figures are the wall time and the number of cases
drawn to get there, then the harness's shrinker's result: its transactions and the
time it took. ``--show`` prints each shrunk case as JSON.
"""

from __future__ import annotations

import argparse
import time

from hypothesis import HealthCheck, Phase, find, settings

from txparity.executors.codec import encode_case
from txparity.executors.model import Case
from txparity.executors.mutants import MUTANTS
from txparity.harness.differential import Runner
from txparity.harness.options import Options
from txparity.harness.shrink import shrink
from txparity.harness.strategies import cases

ROADMAP_PREFIXES = ("rwlock-", "sharded-", "predictive-")


def measure(mutant: str, budget: int, shrink_seconds: float, show: bool) -> None:
    search = settings(
        max_examples=budget, derandomize=True, database=None, deadline=None,
        phases=[Phase.generate], suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    drawn = 0
    with Runner([f"{mutant}@memory/seeded"], Options(seeds=1)) as runner:

        def diverges(case: Case) -> bool:
            nonlocal drawn
            drawn += 1
            return bool(runner.check(case, confirm=False).divergences)

        started = time.perf_counter()
        found = find(cases(MUTANTS[mutant].profile), diverges, settings=search)
        first = time.perf_counter() - started
        divergence = runner.check(found).divergences[0]
        started = time.perf_counter()
        result = shrink(divergence, runner, runner.targets[0], shrink_seconds)
        shrinking = time.perf_counter() - started
    shrunk = result.divergence
    print(
        f"{mutant:22} {MUTANTS[mutant].profile:9} {first:7.2f}s {drawn:6} "
        f"{len(found.block.txs):5} -> {len(shrunk.case.block.txs):2} tx  {shrinking:6.2f}s  "
        f"{shrunk.kind}"
    )
    if show:
        print(encode_case(shrunk.case))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mutants", nargs="*")
    parser.add_argument("--budget", type=int, default=400)
    parser.add_argument("--shrink-seconds", type=float, default=3600.0)
    parser.add_argument("--show", action="store_true")
    arguments = parser.parse_args()
    names = arguments.mutants or sorted(m for m in MUTANTS if m.startswith(ROADMAP_PREFIXES))
    print(f"{'planted bug':22} {'profile':9} {'first':>8} {'cases':>6} {'found':>5}    shrunk"
          f"     {'shrink':>6}  kind")  # fmt: skip
    for name in names:
        measure(name, arguments.budget, arguments.shrink_seconds, arguments.show)


if __name__ == "__main__":
    main()
