"""The Block-STM scheduler driven concurrently by fake workers that record their tasks.

``test_batching.py`` steps the ``Scheduler`` by hand, one call at a time. Here
several workers share one scheduler, on seeded schedules and on real threads, the
way the executor's workers do, but instead of running transactions they run a toy
block: transaction ``i`` reads the one item written by ``DEPENDS_ON[i]`` (or nothing)
and writes its own item, whose value is the incarnation that wrote it. A toy
multi-version memory keeps, per transaction, the incarnation it last wrote and
whether that write is an ESTIMATE. Every task handed out, every execution (with
the version it read) and every validation (with its verdict) is recorded, so the
tests assert what the scheduler guarantees:

- every transaction ends EXECUTED, and its final incarnation read the final write
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

from txparity.executors.blockstm.scheduler import Scheduler, Status, Task, TaskKind
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


def check_guarantees(block: ToyBlock, scheduler: Scheduler) -> None:
    size = len(block.depends_on)
    assert scheduler.done()
    assert scheduler.status == [Status.EXECUTED] * size
    assert scheduler.num_active_tasks == 0
    for tx, source in enumerate(block.depends_on):
        assert block.written[tx] == scheduler.incarnation[tx]
        assert block.seen[tx] == (None if source is None else block.written[source])
        check_one_transaction(block.events, tx, scheduler.incarnation[tx])


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
        incarnations += sum(scheduler.incarnation)
        suspended += "suspended" in kinds_of(block.events)
    assert incarnations > 0
    assert suspended > 0


def test_fake_workers_on_one_seed_are_handed_the_same_tasks_every_time() -> None:
    runs = [run_toy_block(SeededSchedule(WORKERS, WATCHDOG_S, RandomStrategy(7))) for _ in range(3)]
    assert runs[0][0].events == runs[1][0].events == runs[2][0].events
    assert runs[0][1].incarnation == runs[1][1].incarnation


def test_one_fake_worker_is_handed_execute_then_validate_in_block_order() -> None:
    """Alone, a worker never races: each tx reads its source's final write at once."""
    block, scheduler = run_toy_block_alone()
    handed = [(e[1], e[3]) for e in block.events if e[0] == "handed"]
    expected: list[tuple[int, object]] = []
    for tx in range(len(DEPENDS_ON)):
        expected += [(tx, TaskKind.EXECUTION), (tx, TaskKind.VALIDATION)]
    assert handed == expected
    assert scheduler.incarnation == [0] * len(DEPENDS_ON)


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
