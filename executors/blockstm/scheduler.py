"""The collaborative scheduler of Block-STM (the paper's Algorithms 4 and 5).

Threads ask ``next_task`` for work. Two indices sweep the block: ``execution_idx``
(the next transaction to try to execute) and ``validation_idx`` (the next to
validate); validation goes first whenever it lags behind execution. An abort or a
newly written item pulls an index back (``decrease_cnt`` counts that, so ``done``
cannot be concluded while it happens). ``num_active_tasks`` counts tasks handed out
and not yet finished.

Each transaction has an ``ExecutionStatus`` that carries the incarnation it is
about, as in the reference implementation (``Executing(n)``, ``Executed(n)``...):
one value, changed in one assignment, so a status and its incarnation can never be
read apart. The diagram is on ``ExecutionStatus``.

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

__all__ = [
    "Aborting",
    "Executed",
    "Executing",
    "ExecutionStatus",
    "ReadyToExecute",
    "Scheduler",
    "Task",
    "TaskKind",
]


@dataclass(frozen=True, slots=True)
class ReadyToExecute:
    """Waiting for a thread to execute incarnation ``incarnation``."""

    incarnation: int

    def __str__(self) -> str:
        return f"ready_to_execute({self.incarnation})"


@dataclass(frozen=True, slots=True)
class Executing:
    """Incarnation ``incarnation`` is running on one thread."""

    incarnation: int

    def __str__(self) -> str:
        return f"executing({self.incarnation})"


@dataclass(frozen=True, slots=True)
class Executed:
    """Incarnation ``incarnation`` has recorded its reads and writes."""

    incarnation: int

    def __str__(self) -> str:
        return f"executed({self.incarnation})"


@dataclass(frozen=True, slots=True)
class Aborting:
    """Incarnation ``incarnation`` was suspended on a dependency or failed validation."""

    incarnation: int

    def __str__(self) -> str:
        return f"aborting({self.incarnation})"


ExecutionStatus = ReadyToExecute | Executing | Executed | Aborting
"""A transaction's status: where it is in the diagram, and for which incarnation::

    ReadyToExecute(n) --try_incarnate--> Executing(n) --finish_execution--> Executed(n)
           ^                                  |                                  |
           |                           add_dependency                  try_validation_abort
           |                                  v                                  |
           +------ _set_ready_status ----- Aborting(n) <-------------------------+
                   (ReadyToExecute(n + 1))

Every transaction starts as ``ReadyToExecute(0)``; its incarnation only grows, and
only ``try_incarnate`` makes it ``Executing``, so at most one incarnation runs.
"""


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
        self._status: list[ExecutionStatus] = [ReadyToExecute(0)] * size
        self.dependents: list[set[int]] = [set() for _ in range(size)]

    def status(self, tx: int) -> ExecutionStatus:
        """``tx``'s current status (a snapshot: other threads may change it next)."""
        with self._statuses:
            return self._status[tx]

    # ------------------------------------------------------------ counters

    def done(self) -> bool:
        """Guarantees: once True, every transaction's last incarnation is executed and
        validated, no task is active, and it stays True."""
        return self.done_marker

    def _add_active(self, delta: int) -> None:
        with self._counters:
            self.num_active_tasks += delta

    def _next_execution_idx(self) -> int:
        """The paper's ``fetch_and_increment(execution_idx)``."""
        with self._counters:
            tx = self.execution_idx
            self.execution_idx += 1
            return tx

    def _next_validation_idx(self) -> int:
        """The paper's ``fetch_and_increment(validation_idx)``."""
        with self._counters:
            tx = self.validation_idx
            self.validation_idx += 1
            return tx

    def decrease_execution_idx(self, target: int) -> None:
        """Guarantees: ``execution_idx <= target`` and ``decrease_cnt`` has grown."""
        with self._counters:
            self.execution_idx = min(self.execution_idx, target)
            self.decrease_cnt += 1

    def decrease_validation_idx(self, target: int) -> None:
        """Guarantees: ``validation_idx <= target`` and ``decrease_cnt`` has grown."""
        with self._counters:
            self.validation_idx = min(self.validation_idx, target)
            self.decrease_cnt += 1

    def check_done(self) -> None:
        """Guarantees: ``done`` if both indices are past the block and no task is active,
        with no index pulled back meanwhile."""
        with self._counters:
            observed = self.decrease_cnt
            finished = min(self.execution_idx, self.validation_idx) >= self.size
            if finished and self.num_active_tasks == 0 and observed == self.decrease_cnt:
                self.done_marker = True

    # ------------------------------------------------------------ handing out tasks

    def try_incarnate(self, tx: int) -> Version | None:
        """Requires: the caller counts as one active task. Guarantees: ``tx`` moved from
        ``ReadyToExecute(n)`` to ``Executing(n)`` and ``(tx, n)`` returned, or None
        and the active task given back."""
        if tx < self.size:
            with self._statuses:
                match self._status[tx]:
                    case ReadyToExecute(incarnation=incarnation):
                        self._status[tx] = Executing(incarnation)
                        return (tx, incarnation)
        self._add_active(-1)
        return None

    def next_version_to_execute(self) -> Version | None:
        """Guarantees: a version now ``Executing`` and counted as an active task, or
        None (and ``done`` checked once the index is past the block)."""
        if self.execution_idx >= self.size:
            self.check_done()
            return None
        self._add_active(+1)
        return self.try_incarnate(self._next_execution_idx())

    def next_version_to_validate(self) -> Version | None:
        """Guarantees: a version now ``Executed`` and counted as an active task, or
        None (and ``done`` checked once the index is past the block)."""
        if self.validation_idx >= self.size:
            self.check_done()
            return None
        self._add_active(+1)
        tx = self._next_validation_idx()
        if tx < self.size:
            with self._statuses:
                match self._status[tx]:
                    case Executed(incarnation=incarnation):
                        return (tx, incarnation)
        self._add_active(-1)
        return None

    def next_task(self) -> Task | None:
        """Guarantees: a validation task when validation lags behind execution, else an
        execution task, counted as active; None when neither is available now."""
        if self.validation_idx < self.execution_idx:
            version = self.next_version_to_validate()
            return None if version is None else Task(version, TaskKind.VALIDATION)
        version = self.next_version_to_execute()
        return None if version is None else Task(version, TaskKind.EXECUTION)

    # ------------------------------------------------------------ dependencies

    def add_dependency(self, tx: int, blocking_tx: int) -> bool:
        """Requires: ``tx`` is ``Executing``. Guarantees: True and ``tx`` is
        ``Aborting`` until ``blocking_tx`` finishes executing (its task given back);
        False, changing nothing, if ``blocking_tx`` is already ``Executed``."""
        with self._dependencies:
            with self._statuses:
                if isinstance(self._status[blocking_tx], Executed):
                    return False
                incarnation = self._expect(tx, Executing)
                self._status[tx] = Aborting(incarnation)
            self.dependents[blocking_tx].add(tx)
        self._add_active(-1)
        return True

    def _set_ready_status(self, tx: int) -> None:
        """Requires: ``tx`` is ``Aborting(n)``. Guarantees: it is ``ReadyToExecute(n + 1)``."""
        with self._statuses:
            incarnation = self._expect(tx, Aborting)
            self._status[tx] = ReadyToExecute(incarnation + 1)

    def _resume_dependencies(self, dependents: set[int]) -> None:
        for tx in sorted(dependents):
            self._set_ready_status(tx)
        if dependents:
            self.decrease_execution_idx(min(dependents))

    # ------------------------------------------------------------ finishing tasks

    def finish_execution(self, tx: int, incarnation: int, wrote_new_item: bool) -> Task | None:
        """Requires: ``tx`` is ``Executing(incarnation)`` and its reads and writes are
        recorded. Guarantees: ``tx`` is ``Executed(incarnation)``, its dependents are
        ready again, and either its validation task is returned (when it can be
        validated at once) or the task is given back."""
        with self._statuses:
            self._expect(tx, Executing, incarnation)
            self._status[tx] = Executed(incarnation)
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
        """Guarantees: True for exactly one caller while ``tx`` is
        ``Executed(incarnation)``, which moves it to ``Aborting(incarnation)``."""
        with self._statuses:
            if self._status[tx] == Executed(incarnation):
                self._status[tx] = Aborting(incarnation)
                return True
        return False

    def finish_validation(self, tx: int, aborted: bool) -> Task | None:
        """Requires: ``aborted`` only if this validator's ``try_validation_abort``
        succeeded. Guarantees: an aborted ``tx`` is ready again with higher
        transactions revalidated, and its re-execution is returned when it can start
        at once; otherwise the task is given back."""
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

    def _expect(
        self,
        tx: int,
        kind: type[Executing] | type[Aborting],
        incarnation: int | None = None,
    ) -> int:
        """Under ``_statuses``: the diagram allows only this status here; its incarnation."""
        status = self._status[tx]
        wrong_incarnation = incarnation is not None and status.incarnation != incarnation
        if not isinstance(status, kind) or wrong_incarnation:
            expected = kind.__name__.lower() if incarnation is None else str(kind(incarnation))
            raise InvariantViolation(f"Block-STM: tx {tx} is {status}, expected {expected}")
        return status.incarnation
