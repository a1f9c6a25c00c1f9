"""Measuring executors on the workloads, with parity on every block.

For each workload and size the block is built once (``workloads``); then, ``runs``
times, the reference answers it and so does every executor, one after the other,
each on fresh state. Every answer is compared with the reference's result
(``differential.compare``, under the chosen equivalence) before its time counts: a
block an executor got wrong marks its row ``DIVERGES`` and is saved to the corpus
as a fuzz campaign saves one (claimed by fingerprint, saved as found, shrunk within
the shrink budget); the reference must give the same result on every run, or the
benchmark stops, since nothing could be checked against it.

What is timed. An in-tree executor reports the time of its own execution of the
block (``Stats.duration_s``: no state set-up, no result encoding), and that is its
latency, as it would be in a node. A ``cmd:`` executor reports no statistics, so its
latency is the whole answer as the harness sees it (sending the case, its own state
set-up, execution, the result line back), and its speedup divides the reference's
whole answer by it: like with like, said in the ``timed`` column. Figures per row:
throughput (transactions over the median latency), the median and 99th percentile
latency (nearest rank over the runs), the speedup over the reference measured in the
same run (the reference's median over the row's), and the executor's statistics per
block (batches, conflicts, Block-STM incarnations and aborts; none from a ``cmd:``
executor).

Before measuring, every executor answers one small block untimed (a warm-up: an
external process starts, code paths are first imported), checked like any other.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from txparity.executors.execution import Stats
from txparity.executors.model import Case
from txparity.harness.bench.workloads import WORKLOADS
from txparity.harness.corpus import claimed, save_and_shrink
from txparity.harness.differential import Difference, Divergence, Runner, compare
from txparity.harness.errors import HarnessError
from txparity.harness.targets import Answer, AnswerKind, Target

__all__ = [
    "BenchError",
    "Parity",
    "Plan",
    "Row",
    "StepDone",
    "Timing",
    "measure",
    "percentile",
]

WARM_UP = ("conflict-free", 10)


class BenchError(HarnessError):
    """A benchmark that cannot go on: the reference gave no result, or two."""


class Timing(StrEnum):
    EXECUTE = "execute"  # the executor's own execution of the block (in-tree)
    END_TO_END = "end-to-end"  # the whole answer, as the harness sees it (cmd:)


class Parity(StrEnum):
    AGREES = "agrees"
    DIVERGES = "DIVERGES"


@dataclass(frozen=True, slots=True)
class Plan:
    """What to measure: the workloads by name, the block sizes, the runs of each."""

    workloads: tuple[str, ...]
    sizes: tuple[int, ...]
    runs: int
    seed: int = 0

    @property
    def steps(self) -> int:
        return len(self.workloads) * len(self.sizes)


@dataclass(slots=True)
class Row:
    """One executor on one workload and size: every run's latency, statistics and
    parity, and the figures made of them (``finish``)."""

    workload: str
    size: int
    executor: str
    reference: bool
    timing: Timing = Timing.EXECUTE
    latencies_s: list[float] = field(default_factory=list)
    wall_s: list[float] = field(default_factory=list)  # every answer's whole time
    stats: list[Stats] = field(default_factory=list)
    parity: Parity = Parity.AGREES
    fingerprint: str = ""
    saved: str = ""  # the corpus file, or the fingerprint's directory if already there
    speedup: float | None = None
    speedup_timed: Timing = Timing.EXECUTE  # both execution times, or both whole answers

    @property
    def median_s(self) -> float:
        return statistics.median(self.latencies_s)

    @property
    def tx_per_s(self) -> float:
        return self.size / self.median_s if self.median_s > 0 else math.inf

    def per_block(self, name: str) -> float | None:
        """The mean of a statistic per block, None if the executor reports none."""
        if not self.stats:
            return None
        if name == "batches":
            return statistics.fmean(len(stats.batch_sizes) for stats in self.stats)
        return statistics.fmean(getattr(stats, name) for stats in self.stats)


@dataclass(frozen=True, slots=True)
class StepDone:
    """Progress: ``done`` of ``total`` workload-and-size steps, the last one named."""

    done: int
    total: int
    workload: str
    size: int
    divergences: int


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile: the least value with ``fraction`` of them at or
    below it (with few runs, the 99th is the slowest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def measure(
    plan: Plan,
    runner: Runner,
    corpus: Path,
    progress: Callable[[StepDone], None] | None = None,
    observe: Callable[[str, Stats | None], None] | None = None,
) -> list[Row]:
    """Every row of ``plan``, the reference's first in each workload and size.
    ``observe`` hears each run's statistics (for ``--metrics``)."""
    session = _Session(runner, corpus, observe or (lambda spec, stats: None))
    session.warm_up()
    rows: list[Row] = []
    for step, (name, size) in enumerate((w, s) for w in plan.workloads for s in plan.sizes):
        case = WORKLOADS[name].build(size, plan.seed)
        rows += session.step(name, size, case, plan.runs)
        if progress is not None:
            progress(StepDone(step + 1, plan.steps, name, size, session.divergences))
    return rows


class _Session:
    """One benchmark's targets, and the fingerprints it has saved so far."""

    def __init__(
        self, runner: Runner, corpus: Path, observe: Callable[[str, Stats | None], None]
    ) -> None:
        self.runner = runner
        self.corpus = corpus
        self.observe = observe
        self.handled: dict[str, str] = {}  # fingerprint: where it is saved
        self.divergences = 0

    def warm_up(self) -> None:
        name, size = WARM_UP
        self.step(name, size, WORKLOADS[name].build(size, 0), runs=1, warm=True)

    def step(self, name: str, size: int, case: Case, runs: int, warm: bool = False) -> list[Row]:
        reference = Row(name, size, self.runner.reference_spec, reference=True)
        rows = [Row(name, size, target.spec, reference=False) for target in self.runner.targets]
        expected: str | None = None
        for _ in range(runs):
            expected = self._reference_run(case, reference, expected)
            for target, row in zip(self.runner.targets, rows, strict=True):
                self._target_run(case, target, row, expected, warm)
        for row in rows:
            _speedup(reference, row)
        reference.speedup, reference.speedup_timed = 1.0, reference.timing
        return [] if warm else [reference, *rows]

    def _reference_run(self, case: Case, row: Row, expected: str | None) -> str:
        assert self.runner.reference is not None, "bench refuses --reference none"
        answer, wall_s = _timed(self.runner.reference, case)
        if answer.kind is not AnswerKind.RESULT or answer.result is None:
            raise BenchError(
                f"the reference {row.executor} gave no result on {row.workload} "
                f"(size {row.size}): {answer.kind}: {answer.detail}"
            )
        if expected is not None and answer.result != expected:
            raise BenchError(
                f"the reference {row.executor} gave two different results on "
                f"{row.workload} (size {row.size}): nothing can be checked against it"
            )
        _record(row, answer, wall_s)
        return answer.result

    def _target_run(self, case: Case, target: Target, row: Row, expected: str, warm: bool) -> None:
        answer, wall_s = _timed(target, case)
        _record(row, answer, wall_s)
        if not warm:
            self.observe(target.spec, answer.stats)
        difference = compare(expected, answer, self.runner.options.equivalence)
        if difference is None:
            return
        self.divergences += 1
        divergence = _divergence(difference, target, case, expected, answer)
        if row.parity is Parity.AGREES:
            row.parity, row.fingerprint = Parity.DIVERGES, divergence.fingerprint
            row.saved = self._keep(divergence)

    def _keep(self, divergence: Divergence) -> str:
        """Save and shrink a new fingerprint, as a campaign would; where it is."""
        fingerprint = divergence.fingerprint
        if fingerprint in self.handled:
            return self.handled[fingerprint]
        directory = self.corpus / fingerprint
        with claimed(self.corpus, fingerprint) as held:
            if not held or any(directory.glob("*.json")):
                where = str(directory)  # saved before, or being saved by another process
            else:
                options = self.runner.options
                kept = save_and_shrink(divergence, self.runner, self.corpus,
                                       options.shrink_seconds)  # fmt: skip
                where = str(kept.path)
        self.handled[fingerprint] = where
        return where


def _timed(target: Target, case: Case) -> tuple[Answer, float]:
    started = time.perf_counter()
    answer = target.answer(case)
    return answer, time.perf_counter() - started


def _record(row: Row, answer: Answer, wall_s: float) -> None:
    row.wall_s.append(wall_s)
    if answer.stats is None:
        row.timing = Timing.END_TO_END
    else:
        row.stats.append(answer.stats)
    row.latencies_s.append(wall_s if answer.stats is None else answer.stats.duration_s)


def _speedup(reference: Row, row: Row) -> None:
    """The reference's median latency over the row's, timed alike: execution times
    if both report them, whole answers otherwise."""
    alike = row.timing is Timing.EXECUTE and reference.timing is Timing.EXECUTE
    row.speedup_timed = Timing.EXECUTE if alike else Timing.END_TO_END
    base = reference.latencies_s if alike else reference.wall_s
    own = statistics.median(row.latencies_s if alike else row.wall_s)
    row.speedup = statistics.median(base) / own if own > 0 else None


def _divergence(
    difference: Difference, target: Target, case: Case, expected: str, answer: Answer
) -> Divergence:
    return Divergence(
        kind=difference.kind, executor=target.spec, family=target.family, case=case,
        expected=expected, actual=answer.result, detail=difference.detail,
        first_tx=difference.first_tx, paths=difference.paths,
        fingerprint=difference.fingerprint(target.family),
    )  # fmt: skip
