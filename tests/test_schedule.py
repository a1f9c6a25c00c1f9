"""Unit tests of the schedules (``executors.schedule``) with fake workers.

The workers here are not executors: they are small functions that record what they
did, and when, in shared lists (``(worker, step)`` pairs, thread idents, which
worker saw ``Abandoned``), so each test can assert exactly how a schedule ran them.
Every seeded interleaving pinned below comes from ``random.Random(seed)``, whose
``randrange``, ``shuffle`` and ``sample`` are stable across Python versions.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from txparity.executors.errors import UnknownExecutor
from txparity.executors.schedule import (
    SCHEDULES,
    Abandoned,
    PctStrategy,
    RandomStrategy,
    Schedule,
    SeededSchedule,
    Stalled,
    ThreadSchedule,
    make_schedule,
)

WATCHDOG_S = 30.0  # generous: no test here should ever reach it unless it says so

Worker = Callable[[], None]


# ---------------------------------------------------------------- helpers


def seeded(threads: int, seed: int, watchdog_s: float = WATCHDOG_S) -> SeededSchedule:
    return SeededSchedule(threads, watchdog_s, RandomStrategy(seed))


def counting_workers(
    schedule: Schedule, count: int, points: int, log: list[tuple[int, int]]
) -> list[Worker]:
    """``count`` workers; each appends ``(worker, step)`` to ``log`` before each point."""

    def make(index: int) -> Worker:
        def worker() -> None:
            for step in range(points):
                log.append((index, step))
                schedule.point(f"p{step}")

        return worker

    return [make(index) for index in range(count)]


def interleaving(seed: int, count: int = 3, points: int = 10) -> tuple[str, list[str]]:
    """The order in which workers reached their points, as digits, and the trace."""
    schedule = seeded(count, seed)
    log: list[tuple[int, int]] = []
    try:
        schedule.run(counting_workers(schedule, count, points, log))
    finally:
        schedule.close()
    return "".join(str(index) for index, _ in log), list(schedule.trace)


def trace_rows(trace: list[str]) -> list[tuple[int, str, str]]:
    """Each trace line ``"<step> w<index> <label>"`` as (step, worker, label)."""
    rows = []
    for line in trace:
        step, worker, label = line.split(" ", 2)
        rows.append((int(step), worker, label))
    return rows


# ---------------------------------------------------------------- make_schedule


def test_make_schedule_builds_each_named_schedule() -> None:
    built = [make_schedule(kind, 2, 0, WATCHDOG_S) for kind in SCHEDULES]
    try:
        assert [type(schedule) for schedule in built] == [
            ThreadSchedule,
            SeededSchedule,
            SeededSchedule,
        ]
        assert [schedule.name for schedule in built] == ["threads", "seeded", "pct"]
    finally:
        for schedule in built:
            schedule.close()
    with pytest.raises(
        UnknownExecutor, match=r"^unknown schedule 'fifo' \(known: threads, seeded, pct\)$"
    ):
        make_schedule("fifo", 2, 0, WATCHDOG_S)


# ---------------------------------------------------------------- ThreadSchedule


def test_thread_schedule_runs_every_worker_to_completion_on_distinct_threads() -> None:
    """Each worker waits (with ``idle``) until all three have started, so the three
    are in flight at once and the pool must give them three distinct threads."""
    schedule = ThreadSchedule(3, WATCHDOG_S)
    idents: dict[int, int] = {}
    arrived: list[int] = []
    finished: list[int] = []
    lock = threading.Lock()

    def make(index: int) -> Worker:
        def worker() -> None:
            with lock:
                idents[index] = threading.get_ident()
                arrived.append(index)
            while len(arrived) < 3:
                schedule.idle("wait for the others")
            for step in range(5):
                schedule.point(f"p{step}")
            with lock:
                finished.append(index)

        return worker

    try:
        schedule.run([make(index) for index in range(3)])
    finally:
        schedule.close()
    assert sorted(finished) == [0, 1, 2]
    assert sorted(idents) == [0, 1, 2]
    assert len(set(idents.values())) == 3
    assert threading.get_ident() not in idents.values()
    assert schedule.trace == []


def test_thread_schedule_idle_returns_after_notify() -> None:
    schedule = ThreadSchedule(2, WATCHDOG_S)
    flag = threading.Event()
    done: list[str] = []

    def waiter() -> None:
        while not flag.is_set():
            schedule.idle("wait for flag")
        done.append("waiter")

    def setter() -> None:
        for step in range(3):
            schedule.point(f"setter {step}")
        flag.set()
        schedule.notify()
        done.append("setter")

    try:
        schedule.run([waiter, setter])
    finally:
        schedule.close()
    assert sorted(done) == ["setter", "waiter"]


def test_thread_schedule_watchdog_abandons_a_worker_that_never_ends() -> None:
    schedule = ThreadSchedule(2, 0.3)
    abandoned: list[int] = []

    def spinner() -> None:
        try:
            while True:
                schedule.point("spin")
        except Abandoned:
            abandoned.append(1)
            raise

    try:
        with pytest.raises(Stalled) as caught:
            schedule.run([spinner])
    finally:
        schedule.close()
    assert caught.value.seconds == 0.3
    assert caught.value.why == "workers did not finish within 0.3 s"
    assert abandoned == [1]


def test_thread_schedule_runs_several_times_and_closes_safely() -> None:
    schedule = ThreadSchedule(2, WATCHDOG_S)
    first: list[tuple[int, int]] = []
    second: list[tuple[int, int]] = []
    schedule.run(counting_workers(schedule, 2, 5, first))
    schedule.run(counting_workers(schedule, 2, 3, second))
    assert sorted(first) == [(w, s) for w in range(2) for s in range(5)]
    assert sorted(second) == [(w, s) for w in range(2) for s in range(3)]
    schedule.close()
    schedule.close()
    ThreadSchedule(2, WATCHDOG_S).close()


# ---------------------------------------------------------------- strategies


def test_random_strategy_choices_are_pinned_for_a_seed() -> None:
    def choices(runnable: list[int], current: int | None) -> list[int]:
        strategy = RandomStrategy(7)
        return [strategy.choose(runnable, current, step) for step in range(1, 13)]

    assert choices([0, 1, 2], None) == [1, 0, 1, 2, 0, 0, 2, 0, 1, 2, 0, 2]
    assert choices([0, 1, 2], None) == choices([0, 1, 2], None)
    # Only runnable workers are ever chosen; ``current`` does not bias the choice.
    assert choices([3, 5], 3) == [5, 3, 5, 3, 3, 3, 5, 3, 3, 3, 3, 5]
    assert RandomStrategy(7).name == "seeded"


def test_pct_strategy_picks_the_highest_priority_runnable_worker() -> None:
    # Seed 0, three workers: priorities w1 > w2 > w0, change points at steps 83 and 531.
    strategy = PctStrategy(0, 3)
    assert strategy.name == "pct"
    assert strategy.choose([0, 1, 2], None, 1) == 1
    assert strategy.choose([0, 2], None, 2) == 2
    assert strategy.choose([0], None, 3) == 0
    assert strategy.choose([0, 1], 0, 4) == 1
    assert strategy.choose([1, 2], 1, 5) == 1
    # A change point with no running worker (the first hand-over) changes nothing.
    assert strategy.choose([0, 1, 2], None, 83) == 1
    assert strategy.choose([0, 1, 2], 1, 84) == 1


def test_pct_change_points_lower_the_running_worker_below_all_others() -> None:
    strategy = PctStrategy(0, 3)
    current: int | None = None
    chosen: list[int] = []
    for step in range(1, 2001):
        current = strategy.choose([0, 1, 2], current, step)
        chosen.append(current)
    switches = [step for step in range(2, 2001) if chosen[step - 1] != chosen[step - 2]]
    assert switches == [83, 531]
    assert chosen[0] == 1 and chosen[82] == 2 and chosen[530] == 0
    # After the first change point w1 (was highest) sits below w0 (was lowest) ...
    assert strategy.choose([0, 1], None, 2001) == 0
    # ... and the second change point put w2 lower still.
    assert strategy.choose([1, 2], None, 2002) == 1


def test_pct_change_point_lowers_current_below_every_initial_priority() -> None:
    strategy = PctStrategy(0, 3)
    assert strategy.choose([0, 1, 2], 1, 82) == 1
    assert strategy.choose([0, 1, 2], 1, 83) == 2  # w1 lowered at its change point
    assert strategy.choose([0, 1], 2, 84) == 0  # w0, initially lowest, now beats w1


def test_pct_strategy_is_deterministic_per_seed_and_depth_one_never_changes() -> None:
    def sequence(seed: int, depth: int) -> list[int]:
        strategy = PctStrategy(seed, 3, depth=depth)
        current: int | None = None
        chosen = []
        for step in range(1, 2001):
            current = strategy.choose([0, 1, 2], current, step)
            chosen.append(current)
        return chosen

    assert sequence(4, 3) == sequence(4, 3)
    assert sequence(4, 3) == [0] * 211 + [1] * 1266 + [2] * 523
    assert sequence(4, 1) == [0] * 2000


# ---------------------------------------------------------------- SeededSchedule


def test_seeded_schedule_runs_exactly_one_worker_at_a_time() -> None:
    schedule = seeded(3, 11)
    inside = 0
    observed: list[int] = []
    idents: set[int] = set()
    lock = threading.Lock()

    def enter() -> None:
        nonlocal inside
        with lock:
            inside += 1
            observed.append(inside)

    def leave() -> None:
        nonlocal inside
        with lock:
            inside -= 1

    def worker() -> None:
        idents.add(threading.get_ident())
        for step in range(10):
            enter()
            time.sleep(0)  # give any other runnable thread its chance to overlap
            leave()
            schedule.point(f"p{step}")

    try:
        schedule.run([worker, worker, worker])
    finally:
        schedule.close()
    assert observed == [1] * 30
    assert inside == 0
    # The workers are greenlets on the calling thread (see the module text).
    assert idents == {threading.get_ident()}
    assert len(schedule.trace) == 30


def test_seeded_schedule_same_seed_same_interleaving_and_trace() -> None:
    first_order, first_trace = interleaving(1)
    second_order, second_trace = interleaving(1)
    assert first_order == second_order == "020101112100101120211202002222"
    assert first_trace == second_trace
    assert first_trace[:4] == ["1 w0 p0", "2 w2 p0", "3 w0 p1", "4 w1 p0"]
    # The trace lists the same points, in the same order, as the workers' own log.
    assert [worker for _, worker, _ in trace_rows(first_trace)] == [
        f"w{index}" for index in first_order
    ]
    # One step per hand-over: a hand-over after which a worker ran to its end made
    # no point, so its step is missing from the trace (three workers, three gaps).
    steps = [step for step, _, _ in trace_rows(first_trace)]
    assert steps == sorted(set(steps))
    assert len(set(range(1, 34)) - set(steps)) == 3


def test_seeded_schedule_different_seeds_different_interleavings() -> None:
    order_1, trace_1 = interleaving(1)
    order_2, trace_2 = interleaving(2)
    assert order_2 == "000102211202022012122121100110"
    assert order_1 != order_2
    assert trace_1 != trace_2
    # Every worker still reached each of its points once, in its own order.
    for order in (order_1, order_2):
        assert sorted(order) == sorted("012" * 10)


def test_pct_schedule_runs_the_highest_priority_worker_until_it_finishes() -> None:
    # Seed 0: w1 > w2 > w0 and no change point within the 31 hand-overs.
    schedule = make_schedule("pct", 3, 0, WATCHDOG_S)
    log: list[tuple[int, int]] = []
    try:
        schedule.run(counting_workers(schedule, 3, 10, log))
    finally:
        schedule.close()
    assert "".join(str(index) for index, _ in log) == "1" * 10 + "2" * 10 + "0" * 10


def waiter_and_setter(seed: int) -> tuple[list[str], list[str]]:
    """w0 idles until w1 sets a flag; w1 makes three points, sets it, notifies and
    makes one more point. Returns who finished, and the trace."""
    schedule = seeded(2, seed)
    flag: list[bool] = []
    done: list[str] = []

    def waiter() -> None:
        while not flag:
            schedule.idle("wait")
        done.append("waiter")

    def setter() -> None:
        for step in range(3):
            schedule.point(f"b{step}")
        flag.append(True)
        schedule.notify()
        schedule.point("b3")
        done.append("setter")

    try:
        schedule.run([waiter, setter])
    finally:
        schedule.close()
    return sorted(done), list(schedule.trace)


@pytest.mark.parametrize("seed", range(10))
def test_seeded_schedule_idle_worker_waits_for_notify(seed: int) -> None:
    """An idle worker is not runnable again before a ``notify``: had w0 been woken
    before w1 set the flag, it would have idled a second time."""
    done, trace = waiter_and_setter(seed)
    assert done == ["setter", "waiter"]
    rows = trace_rows(trace)
    assert [label for _, worker, label in rows if worker == "w0"] == ["wait"]
    assert [label for _, worker, label in rows if worker == "w1"] == ["b0", "b1", "b2", "b3"]


def test_seeded_schedule_idle_and_notify_pinned_trace() -> None:
    # Seed 1: the waiter idles first, then the setter runs alone to its last point.
    assert waiter_and_setter(1)[1] == ["1 w0 wait", "2 w1 b0", "3 w1 b1", "4 w1 b2", "5 w1 b3"]
    # Seed 9: the setter runs first and the waiter idles only once, before the flag.
    assert waiter_and_setter(9)[1] == ["1 w1 b0", "2 w1 b1", "3 w1 b2", "4 w0 wait", "5 w1 b3"]


def test_seeded_schedule_reports_deadlock_at_once() -> None:
    """Every worker idles and nobody notifies: Stalled with 0 seconds, not the
    watchdog's, and every worker is unwound with Abandoned."""
    schedule = seeded(3, 5, watchdog_s=600.0)
    abandoned: list[int] = []
    lock = threading.Lock()

    def make(index: int) -> Worker:
        def worker() -> None:
            try:
                while True:
                    schedule.idle("wait forever")
            except Abandoned:
                with lock:
                    abandoned.append(index)
                raise

        return worker

    try:
        with pytest.raises(Stalled) as caught:
            schedule.run([make(index) for index in range(3)])
    finally:
        schedule.close()
    assert caught.value.seconds == 0.0
    assert caught.value.why == "every unfinished worker is idle: deadlock"
    assert sorted(abandoned) == [0, 1, 2]
    assert [label for _, _, label in trace_rows(schedule.trace)] == ["wait forever"] * 3


def test_seeded_schedule_watchdog_abandons_workers_that_never_end() -> None:
    schedule = seeded(2, 3, watchdog_s=0.3)
    abandoned: list[int] = []

    def make(index: int) -> Worker:
        def spinner() -> None:
            try:
                while True:
                    schedule.point("spin")
            except Abandoned:
                abandoned.append(index)
                raise

        return spinner

    try:
        with pytest.raises(Stalled) as caught:
            schedule.run([make(0), make(1)])
    finally:
        schedule.close()
    assert caught.value.seconds == 0.3
    assert caught.value.why == "workers did not finish within 0.3 s"
    assert sorted(abandoned) == [0, 1]


@pytest.mark.parametrize("kind", SCHEDULES)
def test_a_worker_exception_propagates_and_the_others_are_unwound(kind: str) -> None:
    schedule = make_schedule(kind, 3, 2, WATCHDOG_S)
    started: set[int] = set()
    abandoned: list[int] = []
    lock = threading.Lock()  # needed on real threads; harmless on greenlets

    def make_spinner(index: int) -> Worker:
        def spinner() -> None:
            with lock:
                started.add(index)
            try:
                while True:
                    schedule.point("spin")
            except Abandoned:
                with lock:
                    abandoned.append(index)
                raise

        return spinner

    def failing() -> None:
        while len(started) < 2:
            schedule.point("wait for the spinners")
        raise ValueError("boom")

    try:
        with pytest.raises(ValueError, match=r"^boom$"):
            schedule.run([make_spinner(0), make_spinner(1), failing])
    finally:
        schedule.close()
    assert sorted(abandoned) == [0, 1]


def test_seeded_schedule_runs_several_times_with_a_growing_deterministic_trace() -> None:
    """As the batched executor does per batch: one schedule, one run per batch."""

    def two_runs(seed: int) -> tuple[list[str], list[str], list[tuple[int, int]]]:
        schedule = seeded(3, seed)
        log: list[tuple[int, int]] = []
        try:
            schedule.run(counting_workers(schedule, 3, 4, log))
            after_first = list(schedule.trace)
            schedule.run(counting_workers(schedule, 2, 3, log))
            after_second = list(schedule.trace)
            schedule.run([])  # no workers: nothing happens
            assert schedule.trace == after_second
        finally:
            schedule.close()
            schedule.close()
        return after_first, after_second, log

    first, second, log = two_runs(9)
    assert len(first) == 12
    assert len(second) == 18
    assert second[:12] == first
    # Step numbers keep counting across runs: the second run starts after the first.
    steps = [step for step, _, _ in trace_rows(second)]
    assert steps == sorted(steps)
    assert min(steps[12:]) > max(steps[:12])
    assert sorted(log[:12]) == [(w, s) for w in range(3) for s in range(4)]
    assert sorted(log[12:]) == [(w, s) for w in range(2) for s in range(3)]
    assert two_runs(9) == (first, second, log)


def test_close_is_safe_before_any_run_and_twice() -> None:
    for kind in SCHEDULES:
        schedule = make_schedule(kind, 2, 0, WATCHDOG_S)
        schedule.close()
        schedule.close()
