"""What an executor is, and what running one on a case gives back.

An executor takes a case and a fresh state holding its genesis, executes the block
into that state and returns the receipts and its statistics. It never prints and
never opens state itself: ``run_case`` opens a fresh backend, runs, dumps the
canonical result and closes the backend, whatever the executor.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Protocol

from txparity.executors.codec import encode_result
from txparity.executors.model import Case, Receipt
from txparity.executors.state import CanonicalState, State, open_state

__all__ = ["BlockRun", "Execution", "ExecutionPath", "Executor", "Stats", "run_case"]


class ExecutionPath(StrEnum):
    SEQUENTIAL = "sequential"
    PARALLEL = "parallel"


@dataclass(frozen=True, slots=True)
class Stats:
    """The monitoring figures of one run (zero where an executor has no such thing)."""

    path: ExecutionPath
    path_reason: str
    transactions: int
    batch_sizes: tuple[int, ...] = ()
    conflicts: int = 0
    tasks: int = 0
    incarnations: int = 0
    aborts: int = 0
    validations: int = 0
    suspensions: int = 0
    duration_s: float = 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path.value,
            "path_reason": self.path_reason,
            "transactions": self.transactions,
            "batches": len(self.batch_sizes),
            "batch_sizes": list(self.batch_sizes),
            "conflicts": self.conflicts,
            "tasks": self.tasks,
            "incarnations": self.incarnations,
            "aborts": self.aborts,
            "validations": self.validations,
            "suspensions": self.suspensions,
            "duration_s": round(self.duration_s, 6),
        }


@dataclass(frozen=True, slots=True)
class BlockRun:
    """What an executor returns: one receipt per transaction, and its statistics."""

    receipts: list[Receipt]
    stats: Stats
    trace: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Execution:
    """A finished run: the canonical result line, its parts, and the statistics."""

    executor: str
    backend: str
    result_json: str
    receipts: list[Receipt] = field(repr=False)
    state: CanonicalState = field(repr=False)
    stats: Stats
    trace: tuple[str, ...] = field(default=(), repr=False)


class Executor(Protocol):
    """Executes a case's block into ``state``, which holds the case's genesis."""

    name: str

    def execute(self, case: Case, state: State) -> BlockRun: ...


def run_case(executor: Executor, case: Case, backend: str) -> Execution:
    """Run ``case`` on ``executor`` over a fresh ``backend`` state."""
    state = open_state(backend, case.genesis)
    try:
        started = time.perf_counter()
        block_run = executor.execute(case, state)
        elapsed = time.perf_counter() - started
        dump = state.dump(case.version)
    finally:
        state.close()
    stats = _with_duration(block_run.stats, elapsed)
    result = encode_result(dump, block_run.receipts, case.version)
    return Execution(
        executor.name, backend, result, block_run.receipts, dump, stats, block_run.trace
    )


def _with_duration(stats: Stats, seconds: float) -> Stats:
    return replace(stats, duration_s=seconds)
