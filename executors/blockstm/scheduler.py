"""The collaborative scheduler of Block-STM (the paper's Algorithms 4 and 5).

Threads ask ``next_task`` for work. Two indices sweep the block: ``execution_idx``
(the next transaction to try to execute) and ``validation_idx`` (the next to
validate); validation goes first whenever it lags behind execution. An abort or a
newly written item pulls an index back (``decrease_cnt`` counts that, so ``done``
cannot be concluded while it happens). ``num_active_tasks`` counts tasks handed out
and not yet finished.

The paper's atomics are emulated with one lock for the counters, one for the
statuses and one for the dependency sets; they are only ever nested as
dependencies, then statuses, and never held across an interleaving point.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import StrEnum

from txparity.executors.blockstm.mvmemory import Version
from txparity.executors.errors import InvariantViolation

__all__ = ["Scheduler", "Status", "Task", "TaskKind"]


class Status(StrEnum):
    """A transaction's status; see the diagram in the package docstring."""

    READY_TO_EXECUTE = "ready_to_execute"
    EXECUTING = "executing"
    EXECUTED = "executed"
    ABORTING = "aborting"


class TaskKind(StrEnum):
    EXECUTION = "execution"
    VALIDATION = "validation"


@dataclass(frozen=True, slots=True)
class Task:
    version: Version
    kind: TaskKind


class Scheduler:
    """Hands out execution and validation tasks until the block is done."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.execution_idx = 0
        self.validation_idx = 0
        self.decrease_cnt = 0
        self.num_active_tasks = 0
        self.done_marker = False
        self._counters = threading.Lock()
        self._statuses = threading.Lock()
        self._dependencies = threading.Lock()
        self.status = [Status.READY_TO_EXECUTE] * size
        self.incarnation = [0] * size
        self.dependents: list[set[int]] = [set() for _ in range(size)]

    # ------------------------------------------------------------ counters

    def done(self) -> bool:
        return self.done_marker

    def _add_active(self, delta: int) -> None:
        with self._counters:
            self.num_active_tasks += delta

    def _fetch_and_increment(self, which: str) -> int:
        with self._counters:
            value: int = getattr(self, which)
            setattr(self, which, value + 1)
            return value

    def decrease_execution_idx(self, target: int) -> None:
        with self._counters:
            self.execution_idx = min(self.execution_idx, target)
            self.decrease_cnt += 1

    def decrease_validation_idx(self, target: int) -> None:
        with self._counters:
            self.validation_idx = min(self.validation_idx, target)
            self.decrease_cnt += 1

    def check_done(self) -> None:
        with self._counters:
            observed = self.decrease_cnt
            finished = min(self.execution_idx, self.validation_idx) >= self.size
            if finished and self.num_active_tasks == 0 and observed == self.decrease_cnt:
                self.done_marker = True

    # ------------------------------------------------------------ handing out tasks

    def try_incarnate(self, tx: int) -> Version | None:
        """Move ``tx`` from READY_TO_EXECUTE to EXECUTING, or give the task back."""
        if tx < self.size:
            with self._statuses:
                if self.status[tx] is Status.READY_TO_EXECUTE:
                    self.status[tx] = Status.EXECUTING
                    return (tx, self.incarnation[tx])
        self._add_active(-1)
        return None

    def next_version_to_execute(self) -> Version | None:
        if self.execution_idx >= self.size:
            self.check_done()
            return None
        self._add_active(+1)
        return self.try_incarnate(self._fetch_and_increment("execution_idx"))

    def next_version_to_validate(self) -> Version | None:
        if self.validation_idx >= self.size:
            self.check_done()
            return None
        self._add_active(+1)
        tx = self._fetch_and_increment("validation_idx")
        if tx < self.size:
            with self._statuses:
                if self.status[tx] is Status.EXECUTED:
                    return (tx, self.incarnation[tx])
        self._add_active(-1)
        return None

    def next_task(self) -> Task | None:
        if self.validation_idx < self.execution_idx:
            version = self.next_version_to_validate()
            return None if version is None else Task(version, TaskKind.VALIDATION)
        version = self.next_version_to_execute()
        return None if version is None else Task(version, TaskKind.EXECUTION)

    # ------------------------------------------------------------ dependencies

    def add_dependency(self, tx: int, blocking_tx: int) -> bool:
        """Suspend ``tx`` until ``blocking_tx`` executes; False if it already has."""
        with self._dependencies:
            with self._statuses:
                if self.status[blocking_tx] is Status.EXECUTED:
                    return False
                self._expect(tx, Status.EXECUTING)
                self.status[tx] = Status.ABORTING
            self.dependents[blocking_tx].add(tx)
        self._add_active(-1)
        return True

    def _set_ready_status(self, tx: int) -> None:
        with self._statuses:
            self._expect(tx, Status.ABORTING)
            self.incarnation[tx] += 1
            self.status[tx] = Status.READY_TO_EXECUTE

    def _resume_dependencies(self, dependents: set[int]) -> None:
        for tx in sorted(dependents):
            self._set_ready_status(tx)
        if dependents:
            self.decrease_execution_idx(min(dependents))

    # ------------------------------------------------------------ finishing tasks

    def finish_execution(self, tx: int, incarnation: int, wrote_new_item: bool) -> Task | None:
        with self._statuses:
            self._expect(tx, Status.EXECUTING)
            self.status[tx] = Status.EXECUTED
        with self._dependencies:
            dependents, self.dependents[tx] = self.dependents[tx], set()
        self._resume_dependencies(dependents)
        if self.validation_idx > tx:
            if not wrote_new_item:
                return Task((tx, incarnation), TaskKind.VALIDATION)
            self.decrease_validation_idx(tx)
        self._add_active(-1)
        return None

    def try_validation_abort(self, tx: int, incarnation: int) -> bool:
        with self._statuses:
            if self.incarnation[tx] == incarnation and self.status[tx] is Status.EXECUTED:
                self.status[tx] = Status.ABORTING
                return True
        return False

    def finish_validation(self, tx: int, aborted: bool) -> Task | None:
        if aborted:
            self._set_ready_status(tx)
            self.decrease_validation_idx(tx + 1)
            if self.execution_idx > tx:
                version = self.try_incarnate(tx)
                if version is not None:
                    return Task(version, TaskKind.EXECUTION)
                return None  # try_incarnate gave the task back
        self._add_active(-1)
        return None

    def _expect(self, tx: int, status: Status) -> None:
        """Under ``_statuses``: the status diagram allows only this status here."""
        if self.status[tx] is not status:
            raise InvariantViolation(f"Block-STM: tx {tx} is {self.status[tx]}, expected {status}")
