"""What every parallel executor shares: the threshold decision, the schedule, the
watchdog, and the view that turns each state read into an interleaving point.

A parallel executor subclasses ``ParallelExecutor`` and implements
``execute_parallel``; blocks below the network's parallel threshold (SPEC 9) take
the sequential path, and the decision is logged at INFO in the form the TOS chain
used. The threshold is the only reason: blocks of every case version (SPEC 10
included) take the parallel path from it on.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import replace

from txparity.executors.errors import ExecutorHang
from txparity.executors.execution import BlockRun, ExecutionPath, Stats
from txparity.executors.model import Case, StateKey, StateValue
from txparity.executors.registry import DEFAULT_WATCHDOG_S
from txparity.executors.schedule import (
    Schedule,
    Stalled,
    check_schedule,
    make_schedule,
    recording_requested,
)
from txparity.executors.sequential import execute_sequentially
from txparity.executors.shapes import CASE_ID_LENGTH, case_digest
from txparity.executors.state import State
from txparity.executors.view import StateView

__all__ = ["DEFAULT_WATCHDOG_S", "MAX_THREADS", "ParallelExecutor", "ScheduledView", "case_id"]

# The most workers an in-tree parallel executor runs a block on. ``config.threads``
# is a parallel setting, never semantics (SPEC 9), so a case asking for more gets
# this many: ten million threads would exhaust the machine, and a hundred thousand
# would make a correct executor look hung.
MAX_THREADS = 64
# Interleaving points a transaction takes on average (reads, record, validation,
# scheduler steps); measured on the benchmark workloads, 9 to 14.
POINTS_PER_TRANSACTION = 12
log = logging.getLogger("txparity.executors")


def case_id(case: Case) -> str:
    """A short content hash of the case, for messages that must name it."""
    return case_digest(case, CASE_ID_LENGTH)


class ScheduledView:
    """A view whose every read is an interleaving point labelled with the reader."""

    __slots__ = ("_base", "_label", "_schedule")

    def __init__(self, base: StateView, schedule: Schedule, label: str) -> None:
        self._base = base
        self._schedule = schedule
        self._label = label

    def read(self, key: StateKey) -> StateValue:
        self._schedule.point("{} read {}", self._label, key)
        return self._base.read(key)


class ParallelExecutor(ABC):
    """Base of the batched and Block-STM executors and their planted-bug variants."""

    name = "parallel"

    def __init__(self, schedule: str = "threads", watchdog_s: float = DEFAULT_WATCHDOG_S):
        self.schedule = check_schedule(schedule)
        self.watchdog_s = watchdog_s

    def execute(self, case: Case, state: State) -> BlockRun:
        count, threshold = len(case.block.txs), case.config.network.parallel_threshold
        if count < threshold:
            log.info(
                "Sequential execution: block has %d transactions (threshold: %d)"
                " - below parallel threshold", count, threshold,
            )  # fmt: skip
            receipts = execute_sequentially(state, case)
            reason = f"{count} transactions, below the threshold of {threshold}"
            return BlockRun(receipts, Stats(ExecutionPath.SEQUENTIAL, reason, count))
        log.info(
            "Parallel execution ENABLED: block has %d transactions (threshold: %d)"
            " - using parallel path", count, threshold,
        )  # fmt: skip
        config = case.config
        threads = min(config.threads, MAX_THREADS)
        schedule = make_schedule(
            self.schedule, threads, config.schedule_seed, self.watchdog_s,
            expected_steps=POINTS_PER_TRANSACTION * count, record=recording_requested(),
        )  # fmt: skip
        clamped = case if threads == config.threads else _with_threads(case, threads)
        try:
            return self.execute_parallel(clamped, state, schedule)
        except Stalled as stall:
            raise ExecutorHang(
                f"{self.name}/{self.schedule}", case_id(case), config.schedule_seed, stall.why
            ) from None
        finally:
            schedule.close()

    @abstractmethod
    def execute_parallel(self, case: Case, state: State, schedule: Schedule) -> BlockRun:
        """Execute a block at or above the threshold, with workers on ``schedule``;
        ``case.config.threads`` is at most ``MAX_THREADS`` here."""

    @staticmethod
    def parallel_reason(count: int, threshold: int) -> str:
        return f"{count} transactions, at or above the threshold of {threshold}"


def _with_threads(case: Case, threads: int) -> Case:
    return replace(case, config=replace(case.config, threads=threads))
