"""What a property test tells Hypothesis about each case it checked.

Two kinds of feedback, both computed from the case and what checking it found
(``CheckResult``), never by running anything again:

- *events* (``hypothesis.event``), which ``pytest --hypothesis-show-statistics``
  lists with the share of examples that showed each: the path the block took
  (parallel or sequential, by the network's threshold), each transaction kind in
  the block, each rejection and revert reason of the reference's receipts, and, for
  the parallel runs, Block-STM's aborts and the batched executor's batches and
  conflicts per run, in a few ranges.
- *targets* (``hypothesis.target``), which Hypothesis' targeted phase maximises:
  Block-STM aborts per transaction and batch conflicts per transaction. Both are
  the worst among the targets checked (the most contended run), so the search
  drifts towards the blocks where parallel executors have the most to get wrong.

A target is recognised by what it reports, not by its name: a run that counted
incarnations is a Block-STM run (every parallel Block-STM run counts at least one
per transaction), a run that counted batches a batched one. External executors
report no statistics and add nothing but the block's own events.

``observe`` records both, inside a Hypothesis test only (elsewhere it does
nothing). Hypothesis allows one observation per target label in an example: when
a test checks the same example twice, the first check's figures stand.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from txparity.executors.model import Case
from txparity.harness.differential import CheckResult, Tally

__all__ = [
    "ABORTS_PER_TX",
    "CONFLICTS_PER_TX",
    "Observations",
    "observations_of",
    "observe",
]

ABORTS_PER_TX = "Block-STM aborts per transaction"
CONFLICTS_PER_TX = "batch conflicts per transaction"

# The ranges a per-run count is shown in: statistics list each distinct event, so a
# count is grouped rather than shown exactly.
_RANGES = ((0, "0"), (1, "1"), (2, "2-3"), (4, "4-9"), (10, "10+"))


@dataclass(frozen=True, slots=True)
class Observations:
    """The events (``text``, each once) and target values (``label: value``) of one
    checked case."""

    events: tuple[str, ...]
    targets: dict[str, float]


def observations_of(case: Case, result: CheckResult) -> Observations:
    """What checking ``case`` showed, as events and target values."""
    events = [_path_event(case)]
    events += sorted({f"kind: {type(tx).__name__.lower()}" for tx in case.block.txs})
    events += _reason_events(result.expected)
    events += _run_events(result)
    return Observations(tuple(events), _target_values(case, result))


def observe(case: Case, result: CheckResult) -> None:
    """Record the observations of ``case`` with Hypothesis, inside a test only."""
    from hypothesis import event, target
    from hypothesis.control import currently_in_test_context
    from hypothesis.errors import InvalidArgument

    if not currently_in_test_context():
        return
    seen = observations_of(case, result)
    for text in seen.events:
        event(text)
    for label, value in seen.targets.items():
        try:
            target(value, label=label)
        except InvalidArgument:  # observed already in this example: the first stands
            continue


def _path_event(case: Case) -> str:
    parallel = len(case.block.txs) >= case.config.network.parallel_threshold
    return f"path: {'parallel' if parallel else 'sequential'}"


def _reason_events(expected: str | None) -> list[str]:
    """One event per status and reason among the reference's receipts."""
    if expected is None:
        return []
    receipts = json.loads(expected).get("receipts", [])
    return sorted(
        {f"{r['status']}: {r['reason']}" for r in receipts if r.get("reason") is not None}
    )


def _run_events(result: CheckResult) -> Iterator[str]:
    """Block-STM aborts, and batches and conflicts, per parallel run: the most any
    target showed."""
    stm = [t for t in result.tallies.values() if t.incarnations]
    batched = [t for t in result.tallies.values() if t.batches]
    if stm:
        yield f"Block-STM aborts per run: {_range(max(t.aborts / t.runs for t in stm))}"
    if batched:
        yield f"batches per run: {_range(max(t.batches / t.runs for t in batched))}"
        yield f"batch conflicts per run: {_range(max(t.conflicts / t.runs for t in batched))}"


def _range(value: float) -> str:
    count = round(value)
    return next(text for least, text in reversed(_RANGES) if count >= least)


def _target_values(case: Case, result: CheckResult) -> dict[str, float]:
    count = len(case.block.txs)
    tallies = list(result.tallies.values())
    if count == 0:
        return {ABORTS_PER_TX: 0.0, CONFLICTS_PER_TX: 0.0}
    return {
        ABORTS_PER_TX: max((_per_run(t, t.aborts) for t in tallies), default=0.0) / count,
        CONFLICTS_PER_TX: max((_per_run(t, t.conflicts) for t in tallies), default=0.0) / count,
    }


def _per_run(tally: Tally, total: int) -> float:
    return total / tally.runs if tally.runs else 0.0
