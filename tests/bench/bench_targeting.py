"""Targeting: how far ``target()`` pushes generation into contended blocks.

Not a test: run it and read the figures.

    python -m tests.bench.bench_targeting [--examples 500] [--profiles contended contracts]
    python -m tests.bench.bench_targeting --mutants [--budget 400]

The first form runs a derandomized property over ``examples`` cases of each profile
on Block-STM and the batched executor (memory, seeded schedule, one seed), as a
property test written with ``assert_agree`` does, once with Hypothesis' targeted
phase and once without, and prints Block-STM aborts per transaction and batch
conflicts per transaction over all the examples (total over total), over the last
half (where the targeted phase runs), and the best example's.

The second form is the quality tier's search (``tests/test_quality.py``) with and
without targeting: for each planted bug, the examples Hypothesis drew until the
first case on which the bug diverges.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis.errors import NoSuchExample

from txparity.executors.model import Case
from txparity.harness.differential import CheckResult, Runner
from txparity.harness.observations import ABORTS_PER_TX, CONFLICTS_PER_TX, observe
from txparity.harness.options import Options
from txparity.harness.strategies import cases

SPECS = ("blockstm@memory/seeded", "batched@memory/seeded")
WITH_TARGETING = (Phase.generate, Phase.target)
WITHOUT_TARGETING = (Phase.generate,)


@dataclass
class Seen:
    """Per example: transactions, Block-STM aborts and batch conflicts (per run)."""

    rows: list[tuple[int, float, float]] = field(default_factory=list)

    def add(self, case: Case, result: CheckResult) -> None:
        tallies = result.tallies.values()
        aborts = max((t.aborts / t.runs for t in tallies if t.runs), default=0.0)
        conflicts = max((t.conflicts / t.runs for t in tallies if t.runs), default=0.0)
        self.rows.append((len(case.block.txs), aborts, conflicts))

    def figures(self) -> dict[str, float]:
        half = self.rows[len(self.rows) // 2 :]
        return {
            "examples": len(self.rows),
            "aborts/tx": _ratio(self.rows, 1),
            "aborts/tx, 2nd half": _ratio(half, 1),
            "best aborts/tx": max((a / n for n, a, _ in self.rows if n), default=0.0),
            "conflicts/tx": _ratio(self.rows, 2),
            "conflicts/tx, 2nd half": _ratio(half, 2),
            "best conflicts/tx": max((c / n for n, _, c in self.rows if n), default=0.0),
        }


def _ratio(rows: list[tuple[int, float, float]], column: int) -> float:
    transactions = sum(row[0] for row in rows)
    return sum(row[column] for row in rows) / transactions if transactions else 0.0


def contention(profile: str, examples: int, phases: tuple[Phase, ...]) -> dict[str, float]:
    seen = Seen()
    with Runner(SPECS, Options(seeds=1)) as runner:

        @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                  phases=phases, suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
        @given(cases(profile))
        def checked(case: Case) -> None:
            result = runner.check(case, confirm=False)
            observe(case, result)
            seen.add(case, result)

        checked()
    return seen.figures()


def examples_to_first_failure(mutant: str, budget: int, phases: tuple[Phase, ...]) -> int | None:
    """The quality tier's search: examples drawn until the first diverging one."""
    from txparity.executors.mutants import MUTANTS

    drawn, first = 0, None
    with Runner([f"{mutant}@memory/seeded"], Options(seeds=1)) as runner:

        def diverges(case: Case) -> bool:
            nonlocal drawn, first
            drawn += 1
            result = runner.check(case, confirm=False)
            observe(case, result)
            if result.divergences and first is None:
                first = drawn
            return bool(result.divergences)

        search = settings(max_examples=budget, derandomize=True, database=None, deadline=None,
                          phases=phases, suppress_health_check=list(HealthCheck))  # fmt: skip
        try:
            find(cases(MUTANTS[mutant].profile), diverges, settings=search)
        except NoSuchExample:
            return None
    return first


def _table(title: str, rows: dict[str, dict[str, float]]) -> None:
    print(title)
    for name, figures in rows.items():
        shown = ", ".join(
            f"{key} {value:.4f}" if isinstance(value, float) else f"{key} {value}"
            for key, value in figures.items()
        )
        print(f"  {name:28} {shown}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=500)
    parser.add_argument("--profiles", nargs="+", default=["contended", "contracts"])
    parser.add_argument("--mutants", action="store_true")
    parser.add_argument("--budget", type=int, default=400)
    arguments = parser.parse_args()
    ways: dict[str, tuple[Phase, ...]] = {
        "with targeting": WITH_TARGETING,
        "without targeting": WITHOUT_TARGETING,
    }
    if arguments.mutants:
        _mutants(arguments.budget, ways)
        return
    print(f"targets: {ABORTS_PER_TX!r}, {CONFLICTS_PER_TX!r}")
    for profile in arguments.profiles:
        _table(
            f"profile {profile}, {arguments.examples} examples, {', '.join(SPECS)}",
            {way: contention(profile, arguments.examples, p) for way, p in ways.items()},
        )


def _mutants(budget: int, ways: dict[str, tuple[Phase, ...]]) -> None:
    from txparity.executors.mutants import MUTANTS
    from txparity.harness.strategies import PROFILES

    print(f"examples to the first failure (budget {budget}; - = not found)")
    for mutant in sorted(MUTANTS):
        if MUTANTS[mutant].profile not in PROFILES:
            continue
        counts = {
            way: examples_to_first_failure(mutant, budget, phases) for way, phases in ways.items()
        }
        shown = "  ".join(f"{way} {count if count else '-':>4}" for way, count in counts.items())
        print(f"  {mutant:32} {shown}", flush=True)


if __name__ == "__main__":
    main()
