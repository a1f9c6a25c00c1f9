"""The harness: differential cases per second, and where the time goes.

Not a test: run it and read the figures.

    python -m tests.bench.bench_harness [--cases 200] [--profile mixed] [--runs 3]
    python -m tests.bench.bench_harness --mutants [--budget 400]

The first form checks ``cases`` generated cases against the default executor set
(every correct parallel executor on both backends and both schedules) and splits
the wall time into generation, executors (reference and targets) and the rest
(comparing, bookkeeping). The share outside the executors is the harness's
overhead. Medians over ``runs`` runs.

The second form times, for each planted bug, the Hypothesis search that finds it
and shrinks it (the quality tier's search), and reports the shrunk size.
"""

from __future__ import annotations

import argparse
import statistics
import time

from hypothesis import HealthCheck, Phase, find, settings
from hypothesis.errors import NoSuchExample

from txparity.harness.campaign import CaseDrawer
from txparity.harness.differential import Runner
from txparity.harness.options import Options, default_specs
from txparity.harness.shrink import shrink
from txparity.harness.strategies import PROFILES, cases


def overhead(profile: str, count: int, seed: int) -> dict[str, float]:
    generation = executors = 0.0
    started = time.perf_counter()
    drawer = CaseDrawer(profile, seed)
    with Runner(default_specs(), Options(seeds=1)) as runner:
        for index in range(count):
            drawn_at = time.perf_counter()
            case = drawer.draw(index)
            generation += time.perf_counter() - drawn_at
            if case is None:
                continue
            executors += runner.check(case).executor_seconds
    total = time.perf_counter() - started
    return {
        "cases_per_s": count / total,
        "generation": generation / total,
        "executors": executors / total,
        "outside": 1 - executors / total,
    }


def mutants(budget: int) -> None:
    """The quality tier's search and shrink, timed per planted bug."""
    from tests.conftest import SHRINK_TO_FIXED_POINT_S
    from tests.test_quality import _format
    from txparity.executors.mutants import MUTANTS

    search = settings(max_examples=budget, derandomize=True, database=None, deadline=None,
                      phases=[Phase.generate], suppress_health_check=list(HealthCheck))  # fmt: skip
    for mutant, profile in sorted((name, m.profile) for name, m in MUTANTS.items()):
        if profile not in PROFILES:
            print(f"{mutant:26} skipped: generator profile {profile!r} not in harness yet")
            continue
        with Runner([f"{mutant}@memory/seeded"], Options(seeds=1)) as runner:
            started = time.perf_counter()
            strategy = cases(profile, _format(profile))
            try:
                found = find(strategy, lambda c, r=runner: bool(r.check(c).divergences),
                             settings=search)  # fmt: skip
            except NoSuchExample:
                print(f"{mutant:26} not found in {budget} examples")
                continue
            divergence = runner.check(found).divergences[0]
            found_s = time.perf_counter() - started
            result = shrink(divergence, runner, runner.targets[0], SHRINK_TO_FIXED_POINT_S)
            total = time.perf_counter() - started
        print(f"{mutant:26} found in {found_s:5.1f} s ({len(found.block.txs):2} txs), "
              f"shrunk to {len(result.divergence.case.block.txs)} txs, "
              f"{total:5.1f} s in all")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--profile", default="mixed")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--mutants", action="store_true")
    parser.add_argument("--budget", type=int, default=400)
    arguments = parser.parse_args()
    if arguments.mutants:
        mutants(arguments.budget)
        return
    runs = [overhead(arguments.profile, arguments.cases, seed) for seed in range(arguments.runs)]
    for key in ("cases_per_s", "generation", "executors", "outside"):
        value = statistics.median(run[key] for run in runs)
        shown = f"{value:.1f}" if key == "cases_per_s" else f"{100 * value:.1f}%"
        print(f"{key:12} {shown}")


if __name__ == "__main__":
    main()
