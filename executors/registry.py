"""Executor names to executor objects; the only module that knows every executor.

A name is ``NAME``, ``NAME@BACKEND``, ``NAME/SCHEDULE`` or ``NAME@BACKEND/SCHEDULE``
(``blockstm@sqlite/pct``). The schedule only matters to parallel executors.
Planted-bug variants are selectable by name like any executor but are never among
the defaults.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from txparity.executors.batched import BatchedExecutor
from txparity.executors.blockstm import BlockStmExecutor
from txparity.executors.errors import require_known
from txparity.executors.execution import Executor
from txparity.executors.mutants import MUTANTS
from txparity.executors.parallel import DEFAULT_WATCHDOG_S
from txparity.executors.predictive import PredictiveExecutor
from txparity.executors.rwlock import RwLockExecutor
from txparity.executors.schedule import check_schedule
from txparity.executors.sequential import SequentialExecutor
from txparity.executors.sharded import ShardedExecutor
from txparity.executors.state import check_backend

__all__ = [
    "CORRECT_PARALLEL",
    "EXECUTORS",
    "MUTANTS",
    "ExecutorName",
    "make_executor",
    "parse_name",
]

Factory = Callable[[str, float], Executor]

EXECUTORS: dict[str, Factory] = {
    "sequential": lambda schedule, watchdog_s: SequentialExecutor(),
    "batched": BatchedExecutor,
    "blockstm": BlockStmExecutor,
    "rwlock": RwLockExecutor,
    "sharded": ShardedExecutor,
    "predictive": PredictiveExecutor,
}
EXECUTORS.update(MUTANTS)
CORRECT_PARALLEL = ("batched", "blockstm", "rwlock", "sharded", "predictive")


@dataclass(frozen=True, slots=True)
class ExecutorName:
    """A parsed executor name."""

    executor: str
    backend: str
    schedule: str

    def __str__(self) -> str:
        return f"{self.executor}@{self.backend}/{self.schedule}"


def parse_name(
    text: str, default_backend: str = "memory", default_schedule: str = "threads"
) -> ExecutorName:
    """Parse an executor name; raise ``UnknownExecutor`` naming the unknown part."""
    rest, _, schedule = text.partition("/")
    name, _, backend = rest.partition("@")
    backend, schedule = backend or default_backend, schedule or default_schedule
    return ExecutorName(check_executor(name), check_backend(backend), check_schedule(schedule))


def make_executor(
    name: str, schedule: str = "threads", watchdog_s: float = DEFAULT_WATCHDOG_S
) -> Executor:
    """A new executor object for a known name; ``UnknownExecutor`` for any other."""
    return EXECUTORS[check_executor(name)](schedule, watchdog_s)


def check_executor(name: str) -> str:
    """``name`` if it names an executor; else ``UnknownExecutor`` listing them."""
    return require_known("executor", name, list(EXECUTORS))
