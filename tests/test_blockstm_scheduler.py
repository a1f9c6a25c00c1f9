"""The Block-STM scheduler, stepped by hand and driven concurrently by fake workers.

The last part of this module steps the ``Scheduler`` by hand, one call at a time,
and asserts each status (``Executing(n)``...) and task it hands out. The first part
has several workers share one scheduler, on seeded schedules and on real threads,
the way the executor's workers do, but instead of running transactions they run a toy
block: transaction ``i`` reads the one item written by ``DEPENDS_ON[i]`` (or nothing)
and writes its own item, whose value is the incarnation that wrote it. A toy
multi-version memory keeps, per transaction, the incarnation it last wrote and
whether that write is an ESTIMATE. Every task handed out, every execution (with
the version it read) and every validation (with its verdict) is recorded, so the
tests assert what the scheduler guarantees:

- every transaction ends ``Executed``, and its final incarnation read the final write
  of the transaction it depends on (the sequential result);
- each transaction's incarnations were handed out as 0, 1, 2, ... once each;
- a validation of ``(tx, k)`` is handed out only after ``(tx, k)`` finished executing;
- each transaction's last validation passed, on its final incarnation, after its
  last execution.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import pytest

from txparity.executors.blockstm.scheduler import (
    Aborting,
    Executed,
    Executing,
    ExecutionStatus,
    ReadyToExecute,
    Scheduler,
    Task,
    TaskKind,
)
from txparity.executors.errors import InvariantViolation
from txparity.executors.schedule import (
    PctStrategy,
    RandomStrategy,
    Schedule,
    SeededSchedule,
    ThreadSchedule,
)

WATCHDOG_S = 30.0
WORKERS = 3
PCT_STEPS = 60  # about the points a run of the toy block reaches, so change points land in it
# tx 0 and 4 read nothing; the others read an earlier transaction's item, in chains
# (1 <- 2 <- 3) and fans (5, 6, 7 all read 4; 7 also lies past 6).
DEPENDS_ON: list[int | None] = [None, 0, 1, 2, None, 4, 4, 6]

Event = tuple[str, int, int, object]  # (what, tx, incarnation, detail)


@dataclass
class ToyBlock:
    """The toy transactions and their multi-version memory, guarded by one lock."""

    depends_on: list[int | None]
    written: dict[int, int] = field(default_factory=dict)
    estimates: set[int] = field(default_factory=set)
    seen: dict[int, int | None] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def read(self, tx: int) -> tuple[int | None, int | None]:
        """(blocking tx, version read): the source blocks while its item is an ESTIMATE."""
        source = self.depends_on[tx]
        with self.lock:
            if source is None:
                return None, None
            if source in self.estimates:
                return source, None
            return None, self.written.get(source)

    def still_valid(self, tx: int) -> bool:
        blocker, version = self.read(tx)
        return blocker is None and version == self.seen[tx]

    def record(self, tx: int, incarnation: int, version: int | None) -> bool:
        """Write ``tx``'s item; True when no earlier incarnation had written it (one
        that was suspended wrote nothing), which makes higher transactions revalidate."""
        with self.lock:
            new_item = tx not in self.written
            self.seen[tx] = version
            self.written[tx] = incarnation
            self.estimates.discard(tx)
            self.events.append(("executed", tx, incarnation, version))
        return new_item


class FakeWorker:
    """Algorithm 1's loop over a toy block, recording what it was handed."""

    def __init__(self, block: ToyBlock, scheduler: Scheduler, schedule: Schedule) -> None:
        self.block = block
        self.scheduler = scheduler
        self.schedule = schedule

    def __call__(self) -> None:
        task: Task | None = None
        while not self.scheduler.done():
            if task is not None and task.kind is TaskKind.EXECUTION:
                task = self.execute(*task.version)
            if task is not None and task.kind is TaskKind.VALIDATION:
                task = self.validate(*task.version)
            if task is None:
                task = self.next_task()

    def next_task(self) -> Task | None:
        self.schedule.point("next_task")
        task = self.scheduler.next_task()
        if task is not None:
            self.block.events.append(("handed", *task.version, task.kind))
        if task is not None or self.scheduler.done():
            self.schedule.notify()
        else:
            self.schedule.idle("idle")
        return task

    def execute(self, tx: int, incarnation: int) -> Task | None:
        while True:
            self.schedule.point(f"tx{tx} read")
            blocker, version = self.block.read(tx)
            if blocker is None:
                break
            self.block.events.append(("suspended", tx, incarnation, blocker))
            if self.scheduler.add_dependency(tx, blocker):
                self.schedule.notify()
                return None
        self.schedule.point(f"tx{tx} write")
        wrote_new_item = self.block.record(tx, incarnation, version)
        task = self.scheduler.finish_execution(tx, incarnation, wrote_new_item)
        self._note_handed(task)
        self.schedule.notify()
        return task

    def validate(self, tx: int, incarnation: int) -> Task | None:
        self.schedule.point(f"tx{tx} validate")
        valid = self.block.still_valid(tx)
        self.block.events.append(("validated", tx, incarnation, valid))
        aborted = not valid and self.scheduler.try_validation_abort(tx, incarnation)
        if aborted:
            with self.block.lock:
                self.block.estimates.add(tx)
        task = self.scheduler.finish_validation(tx, aborted)
        self._note_handed(task)
        self.schedule.notify()
        return task

    def _note_handed(self, task: Task | None) -> None:
        if task is not None:
            self.block.events.append(("handed", *task.version, task.kind))


def run_toy_block(schedule: Schedule) -> tuple[ToyBlock, Scheduler]:
    block = ToyBlock(list(DEPENDS_ON))
    scheduler = Scheduler(len(DEPENDS_ON))
    try:
        schedule.run([FakeWorker(block, scheduler, schedule) for _ in range(WORKERS)])
    finally:
        schedule.close()
    return block, scheduler


def statuses(scheduler: Scheduler) -> list[ExecutionStatus]:
    return [scheduler.status(tx) for tx in range(scheduler.size)]


def incarnations_of(scheduler: Scheduler) -> list[int]:
    return [status.incarnation for status in statuses(scheduler)]


def check_guarantees(block: ToyBlock, scheduler: Scheduler) -> None:
    """Every transaction ends ``Executed`` in the incarnation that wrote its item last."""
    assert scheduler.done()
    assert statuses(scheduler) == [Executed(block.written[tx]) for tx in range(scheduler.size)]
    assert scheduler.num_active_tasks == 0
    for tx, source in enumerate(block.depends_on):
        assert block.seen[tx] == (None if source is None else block.written[source])
        check_one_transaction(block.events, tx, block.written[tx])


def check_one_transaction(events: list[Event], tx: int, final: int) -> None:
    mine = [(index, event) for index, event in enumerate(events) if event[1] == tx]
    handed = [e[2] for _, e in mine if e[0] == "handed" and e[3] is TaskKind.EXECUTION]
    assert handed == list(range(final + 1))
    executed_at = {e[2]: index for index, e in mine if e[0] == "executed"}
    for index, event in mine:
        if event[0] == "handed" and event[3] is TaskKind.VALIDATION:
            assert executed_at[event[2]] < index
    validations = [(index, e) for index, e in mine if e[0] == "validated"]
    assert validations, f"tx {tx} was never validated"
    last_index, last_validation = validations[-1]
    assert last_validation[2:] == (final, True)
    assert last_index > executed_at[final]


def kinds_of(events: list[Event]) -> set[str]:
    return {event[0] for event in events}


@pytest.mark.parametrize("strategy", ["random", "pct"])
def test_fake_workers_on_seeded_schedules_get_a_consistent_block(strategy: str) -> None:
    """Over 60 seeds every run keeps the guarantees; between them the seeds drive the
    scheduler through aborts (incarnations past 0) and dependency suspensions."""
    incarnations, suspended = 0, 0
    for seed in range(60):
        chosen = (
            RandomStrategy(seed)
            if strategy == "random"
            else PctStrategy(seed, WORKERS, steps=PCT_STEPS)
        )
        block, scheduler = run_toy_block(SeededSchedule(WORKERS, WATCHDOG_S, chosen))
        check_guarantees(block, scheduler)
        incarnations += sum(incarnations_of(scheduler))
        suspended += "suspended" in kinds_of(block.events)
    assert incarnations > 0
    assert suspended > 0


def test_fake_workers_on_one_seed_are_handed_the_same_tasks_every_time() -> None:
    runs = [run_toy_block(SeededSchedule(WORKERS, WATCHDOG_S, RandomStrategy(7))) for _ in range(3)]
    assert runs[0][0].events == runs[1][0].events == runs[2][0].events
    assert statuses(runs[0][1]) == statuses(runs[1][1])


def test_one_fake_worker_is_handed_execute_then_validate_in_block_order() -> None:
    """Alone, a worker never races: each tx reads its source's final write at once."""
    block, scheduler = run_toy_block_alone()
    handed = [(e[1], e[3]) for e in block.events if e[0] == "handed"]
    expected: list[tuple[int, object]] = []
    for tx in range(len(DEPENDS_ON)):
        expected += [(tx, TaskKind.EXECUTION), (tx, TaskKind.VALIDATION)]
    assert handed == expected
    assert statuses(scheduler) == [Executed(0)] * len(DEPENDS_ON)


def run_toy_block_alone() -> tuple[ToyBlock, Scheduler]:
    block = ToyBlock(list(DEPENDS_ON))
    scheduler = Scheduler(len(DEPENDS_ON))
    schedule = SeededSchedule(1, WATCHDOG_S, RandomStrategy(0))
    try:
        schedule.run([FakeWorker(block, scheduler, schedule)])
    finally:
        schedule.close()
    return block, scheduler


def test_fake_workers_on_real_threads_get_a_consistent_block() -> None:
    for _ in range(30):
        block, scheduler = run_toy_block(ThreadSchedule(WORKERS, WATCHDOG_S))
        check_guarantees(block, scheduler)


# ---------------------------------------------------------------- stepped by hand


def execution(tx: int, incarnation: int = 0) -> Task:
    return Task((tx, incarnation), TaskKind.EXECUTION)


def validation(tx: int, incarnation: int = 0) -> Task:
    return Task((tx, incarnation), TaskKind.VALIDATION)


def test_scheduler_single_thread_without_conflicts() -> None:
    """One thread takes every task: validation goes first whenever it lags, so the
    sequence alternates execute, validate; then the block is done."""
    scheduler = Scheduler(3)
    assert statuses(scheduler) == [ReadyToExecute(0)] * 3
    sequence: list[Task] = []
    while not scheduler.done():
        task = scheduler.next_task()
        if task is None:
            continue
        sequence.append(task)
        tx, incarnation = task.version
        if task.kind is TaskKind.EXECUTION:
            assert scheduler.status(tx) == Executing(incarnation)
            assert scheduler.finish_execution(tx, incarnation, wrote_new_item=True) is None
            assert scheduler.status(tx) == Executed(incarnation)
        else:
            assert scheduler.try_validation_abort(tx, incarnation + 1) is False
            assert scheduler.finish_validation(tx, aborted=False) is None
    assert sequence == [
        execution(0),
        validation(0),
        execution(1),
        validation(1),
        execution(2),
        validation(2),
    ]
    assert scheduler.done()
    assert scheduler.next_task() is None
    assert statuses(scheduler) == [Executed(0)] * 3
    assert scheduler.num_active_tasks == 0
    assert (scheduler.execution_idx, scheduler.validation_idx) == (3, 3)


def test_scheduler_is_not_done_while_a_task_is_active() -> None:
    scheduler = Scheduler(1)
    assert scheduler.next_task() == execution(0)
    assert scheduler.next_task() is None  # tx 0 is executing: nothing to validate
    assert not scheduler.done()
    assert scheduler.finish_execution(0, 0, wrote_new_item=True) is None
    # validation_idx passed tx 0 while it executed, so it was pulled back.
    assert scheduler.validation_idx == 0
    assert scheduler.next_task() == validation(0)
    assert scheduler.next_task() is None
    assert not scheduler.done()
    assert scheduler.finish_validation(0, aborted=False) is None
    assert scheduler.next_task() is None
    assert scheduler.done()


def test_finish_execution_returns_the_validation_task_when_no_new_item_was_written() -> None:
    scheduler = Scheduler(2)
    assert scheduler.next_task() == execution(0)
    assert scheduler.next_task() is None  # passes validation_idx over executing tx 0
    assert scheduler.validation_idx == 1
    assert scheduler.finish_execution(0, 0, wrote_new_item=False) == validation(0)
    assert scheduler.validation_idx == 1


def test_add_dependency_suspends_until_the_blocker_finishes_executing() -> None:
    scheduler = Scheduler(3)
    assert scheduler.next_task() == execution(0)
    assert scheduler.next_task() is None  # tx 0 is not executed yet: nothing to validate
    assert scheduler.next_task() == execution(1)
    # tx 1 read an ESTIMATE of tx 0, which is still executing: suspend tx 1.
    assert scheduler.add_dependency(1, 0) is True
    assert scheduler.status(1) == Aborting(0)
    assert scheduler.dependents[0] == {1}
    # tx 0 finishes: tx 1 is ready again, one incarnation later, and the execution
    # index is pulled back so that someone takes it.
    assert scheduler.finish_execution(0, 0, wrote_new_item=True) is None
    assert scheduler.status(1) == ReadyToExecute(1)
    assert scheduler.dependents[0] == set()
    assert scheduler.execution_idx == 1
    assert scheduler.next_task() == validation(0)
    assert scheduler.finish_validation(0, aborted=False) is None
    assert scheduler.next_task() == execution(1, 1)
    assert scheduler.status(1) == Executing(1)


def test_add_dependency_on_an_executed_transaction_returns_false() -> None:
    scheduler = Scheduler(3)
    assert scheduler.next_task() == execution(0)
    assert scheduler.finish_execution(0, 0, wrote_new_item=True) is None
    assert scheduler.next_task() == validation(0)
    assert scheduler.next_task() == execution(1)
    # tx 0 has executed meanwhile: no suspension, tx 1 just re-runs.
    assert scheduler.add_dependency(1, 0) is False
    assert scheduler.status(1) == Executing(0)
    assert scheduler.dependents[0] == set()


def test_add_dependency_on_an_aborting_transaction_suspends() -> None:
    scheduler = Scheduler(2)
    assert scheduler.next_task() == execution(0)
    assert scheduler.finish_execution(0, 0, wrote_new_item=True) is None
    assert scheduler.next_task() == validation(0)
    assert scheduler.try_validation_abort(0, 0) is True
    assert scheduler.status(0) == Aborting(0)
    assert scheduler.next_task() == execution(1)
    assert scheduler.add_dependency(1, 0) is True
    assert scheduler.status(1) == Aborting(0)


def test_try_validation_abort_only_for_the_matching_executed_incarnation() -> None:
    scheduler = Scheduler(3)
    assert scheduler.next_task() == execution(0)
    assert scheduler.try_validation_abort(0, 0) is False  # still executing
    assert scheduler.finish_execution(0, 0, wrote_new_item=True) is None
    assert scheduler.next_task() == validation(0)
    assert scheduler.try_validation_abort(0, 1) is False  # no such incarnation yet
    assert scheduler.status(0) == Executed(0)
    assert scheduler.try_validation_abort(0, 0) is True
    assert scheduler.status(0) == Aborting(0)
    assert scheduler.try_validation_abort(0, 0) is False  # only once
    # The aborting validator re-executes tx 0 itself, as incarnation 1.
    assert scheduler.finish_validation(0, aborted=True) == execution(0, 1)
    assert scheduler.status(0) == Executing(1)
    assert scheduler.validation_idx == 1
    assert scheduler.try_validation_abort(0, 0) is False  # a stale validation
    # validation_idx is past tx 0 and it wrote no new item: validate it right away.
    assert scheduler.finish_execution(0, 1, wrote_new_item=False) == validation(0, 1)
    assert scheduler.try_validation_abort(0, 0) is False
    assert scheduler.try_validation_abort(0, 1) is True


def test_an_abort_pulls_validation_back_over_higher_transactions() -> None:
    scheduler = Scheduler(3)
    assert scheduler.next_task() == execution(0)
    assert scheduler.finish_execution(0, 0, wrote_new_item=True) is None
    assert scheduler.next_task() == validation(0)
    assert scheduler.finish_validation(0, aborted=False) is None
    assert scheduler.next_task() == execution(1)
    assert scheduler.finish_execution(1, 0, wrote_new_item=True) is None
    assert scheduler.next_task() == validation(1)  # held open below
    assert scheduler.next_task() == execution(2)
    assert scheduler.finish_execution(2, 0, wrote_new_item=True) is None
    assert scheduler.next_task() == validation(2)  # held open below
    assert scheduler.num_active_tasks == 2
    # tx 1's read set turns out stale: abort it; its validator re-executes it.
    assert scheduler.try_validation_abort(1, 0) is True
    assert scheduler.finish_validation(1, aborted=True) == execution(1, 1)
    assert scheduler.validation_idx == 2  # tx 2 must be validated again
    assert scheduler.finish_validation(2, aborted=False) is None
    assert not scheduler.done()
    assert scheduler.finish_execution(1, 1, wrote_new_item=False) == validation(1, 1)
    assert scheduler.finish_validation(1, aborted=False) is None
    assert scheduler.next_task() == validation(2)
    assert scheduler.finish_validation(2, aborted=False) is None
    assert scheduler.next_task() is None
    assert scheduler.done()
    assert statuses(scheduler) == [Executed(0), Executed(1), Executed(0)]


def test_illegal_transitions_raise_invariant_violation() -> None:
    scheduler = Scheduler(3)
    with pytest.raises(
        InvariantViolation, match=r"tx 0 is ready_to_execute\(0\), expected executing\(0\)$"
    ):
        scheduler.finish_execution(0, 0, wrote_new_item=True)
    assert scheduler.next_task() == execution(0)
    with pytest.raises(InvariantViolation, match=r"tx 0 is executing\(0\), expected aborting$"):
        scheduler.finish_validation(0, aborted=True)
    # Finishing an incarnation other than the one executing is refused too.
    with pytest.raises(
        InvariantViolation, match=r"tx 0 is executing\(0\), expected executing\(1\)$"
    ):
        scheduler.finish_execution(0, 1, wrote_new_item=True)
    assert scheduler.finish_execution(0, 0, wrote_new_item=True) is None
    with pytest.raises(
        InvariantViolation, match=r"tx 0 is executed\(0\), expected executing\(0\)$"
    ):
        scheduler.finish_execution(0, 0, wrote_new_item=True)
    # Only an executing transaction can be suspended (tx 2 is not executed either).
    with pytest.raises(
        InvariantViolation, match=r"tx 1 is ready_to_execute\(0\), expected executing$"
    ):
        scheduler.add_dependency(1, 2)
    assert statuses(scheduler) == [Executed(0), ReadyToExecute(0), ReadyToExecute(0)]
