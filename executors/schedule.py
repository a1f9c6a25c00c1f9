"""Schedules: who runs when, inside a parallel executor.

A parallel executor expresses its parallel phase as a list of worker functions and
hands them to ``Schedule.run``. Inside, workers call three things, and nothing else
about the schedule:

- ``point(label, *parts)``: an interleaving point. Executors place one at every
  state read, write, validation and commit step, always outside their own locks.
  The trace line's label is ``label.format(*parts)``, built only when a trace is
  recorded: points come by the thousand per block, and most runs record nothing.
- ``idle(label, *parts)``: this worker has nothing to do until another worker changes
  something; it returns after the next ``notify`` (or at once, spuriously).
- ``notify()``: this worker changed something another worker may be idle for.

The executor code is the same whatever the schedule; only the schedule differs:

``ThreadSchedule``
    A real pool of ``threads`` worker threads, as in production. ``point`` is free;
    interleavings are whatever the interpreter and the OS make them.

``SeededSchedule``
    The workers are greenlets on the calling thread, and exactly one runs at a time:
    at every ``point`` it hands control back, and a seeded strategy picks which
    worker runs next. Every interleaving decision therefore comes from
    ``schedule_seed``, and the same case and seed give the same interleaving and the
    same trace, byte for byte, in any process. (Greenlets rather than threads
    passing a baton: a hand-over costs under a microsecond instead of an OS context
    switch, which keeps a seeded run within a small factor of a threaded one.)

    Two strategies: ``RandomStrategy`` (uniform among the runnable workers) and
    ``PctStrategy`` (probabilistic concurrency testing, Burckhardt et al., ASPLOS'10:
    random worker priorities, always run the highest-priority runnable worker, and
    lower the running worker's priority at d - 1 random steps, which finds any bug
    of depth d with probability at least 1 / (n * k**(d-1))).

    A worker is *runnable* unless it has finished or is idle since the last
    ``notify``. When no worker is runnable and some have not finished, nobody can
    ever wake them: the run is deadlocked, and that is reported at once rather than
    at the watchdog.

The trace. A seeded schedule can record its interleaving: one line per ``point``
and ``idle``, ``"<step> w<worker> <label>"``, where ``step`` counts the hand-overs
of the run (so a step missing between two lines is a worker that finished without
reaching another point) and ``label`` is the executor's (``tx3.1 read ...``: the
second incarnation of transaction 3). Recording is optional and changes nothing
but the trace: the strategy draws the same choices either way. A schedule built
directly records unless told not to; the schedules the parallel executors build
record only inside ``recording()``, which is how ``txparity run --trace`` and
reports ask for it. A thread schedule records nothing: its interleaving is the
machine's and cannot be replayed.

Both bound a run with a watchdog: if the workers have not all finished within
``watchdog_s`` seconds, ``run`` abandons them (each raises ``Abandoned`` at its next
``point`` or ``idle``) and raises ``Stalled``. A worker that raises makes the others
abandon too, and ``run`` re-raises its exception. Executors never hold one of their
own locks across a ``point``: under a seeded schedule that would deadlock the one
running worker against a suspended one.
"""

from __future__ import annotations

import contextlib
import contextvars
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import Protocol

import greenlet

from txparity.executors.errors import ExecutorError, InvariantViolation
from txparity.executors.registry import SCHEDULES, check_schedule  # the names, checked cheaply

__all__ = [
    "PCT_DEPTH",
    "PCT_STEPS",
    "SCHEDULES",
    "Abandoned",
    "PctStrategy",
    "RandomStrategy",
    "Schedule",
    "SeededSchedule",
    "Stalled",
    "Strategy",
    "ThreadSchedule",
    "check_schedule",
    "make_schedule",
    "recording",
    "recording_requested",
]

PCT_DEPTH = 3  # PCT finds every bug of up to this depth with its stated probability
PCT_STEPS = 2000  # the steps PCT draws change points among, unless a run says otherwise
_IDLE_WAIT_S = 0.002  # a thread schedule's idle worker looks again after this long


_RECORDING = contextvars.ContextVar("txparity_recording", default=False)


@contextlib.contextmanager
def recording() -> Iterator[None]:
    """Inside, the seeded schedules that parallel executors build record their trace
    (``BlockRun.trace``, ``Execution.trace``); outside they record nothing."""
    token = _RECORDING.set(True)
    try:
        yield
    finally:
        _RECORDING.reset(token)


def recording_requested() -> bool:
    """Whether the caller is inside ``recording()``."""
    return _RECORDING.get()


Worker = Callable[[], None]


class Stalled(ExecutorError):
    """The workers did not finish: the watchdog fired, or they deadlocked."""

    def __init__(self, seconds: float, why: str) -> None:
        super().__init__(why)
        self.seconds = seconds
        self.why = why


class Abandoned(BaseException):
    """Raised inside a worker to unwind it once its run is given up.

    A BaseException so that no executor code catching ``Exception`` swallows it.
    """


class Schedule(Protocol):
    name: str
    trace: list[str]

    def run(self, workers: Sequence[Worker]) -> None: ...

    def point(self, label: str, *parts: object) -> None: ...

    def idle(self, label: str, *parts: object) -> None: ...

    def notify(self) -> None: ...

    def close(self) -> None: ...


# ---------------------------------------------------------------- real threads


class ThreadSchedule:
    """Workers on a real thread pool, interleaved however the machine does it."""

    name = "threads"

    def __init__(self, threads: int, watchdog_s: float) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="txparity")
        self._watchdog_s = watchdog_s
        self._changed = threading.Condition()
        self._abandoned = False
        self.trace: list[str] = []

    def run(self, workers: Sequence[Worker]) -> None:
        self._abandoned = False
        futures = [self._pool.submit(worker) for worker in workers]
        _, late = wait(futures, timeout=self._watchdog_s, return_when=FIRST_EXCEPTION)
        if late or any(future.exception() is not None for future in futures if future.done()):
            self._abandon()
        _drain(futures)
        if late:
            raise Stalled(self._watchdog_s, f"workers did not finish within {self._watchdog_s:g} s")

    def _abandon(self) -> None:
        with self._changed:
            self._abandoned = True
            self._changed.notify_all()

    def point(self, label: str, *parts: object) -> None:
        if self._abandoned:
            raise Abandoned

    def idle(self, label: str, *parts: object) -> None:
        with self._changed:
            if self._abandoned:
                raise Abandoned
            # The timeout covers a notify that lands between the caller's check and
            # this wait; it costs a spurious wake-up at worst.
            self._changed.wait(timeout=_IDLE_WAIT_S)

    def notify(self) -> None:
        with self._changed:
            self._changed.notify_all()

    def close(self) -> None:
        self._pool.shutdown(wait=not self._abandoned, cancel_futures=True)


_GRACE_S = 1.0


def _drain(futures: list[Future[None]]) -> None:
    """Give abandoned workers a moment to unwind; re-raise the first real failure."""
    wait(futures, timeout=_GRACE_S)
    for future in futures:
        if future.done() and not future.cancelled():
            error = future.exception()
            if error is not None and not isinstance(error, Abandoned):
                raise error


# ---------------------------------------------------------------- seeded


class Strategy(Protocol):
    """Picks the next worker to run among the runnable ones (sorted ids)."""

    name: str

    def choose(self, runnable: Sequence[int], current: int | None, step: int) -> int: ...


class RandomStrategy:
    """Uniform choice among runnable workers at every point."""

    name = "seeded"

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)

    def choose(self, runnable: Sequence[int], current: int | None, step: int) -> int:
        return runnable[self._random.randrange(len(runnable))]


class PctStrategy:
    """PCT: random priorities, d - 1 priority change points among the first k steps."""

    name = "pct"

    def __init__(
        self, seed: int, workers: int, depth: int = PCT_DEPTH, steps: int = PCT_STEPS
    ) -> None:
        chooser = random.Random(seed)
        ranks = list(range(depth, depth + workers))
        chooser.shuffle(ranks)
        self._priority = dict(enumerate(ranks))
        points = chooser.sample(range(1, steps + 1), depth - 1)
        # The i-th change point lowers the running worker to priority depth - 1 - i,
        # below every initial priority and below earlier change points.
        self._change_at = {step: depth - 1 - i for i, step in enumerate(sorted(points))}

    def choose(self, runnable: Sequence[int], current: int | None, step: int) -> int:
        if current is not None and step in self._change_at:
            self._priority[current] = self._change_at[step]
        return max(runnable, key=lambda worker: self._priority.get(worker, 0))


class SeededSchedule:
    """Workers as greenlets on the calling thread; a seeded strategy picks who runs.

    The calling greenlet is the controller: it switches to the chosen worker, which
    runs until its next ``point`` or ``idle`` switches back (or it finishes). So
    exactly one worker runs at a time and every hand-over is the strategy's choice.
    The watchdog is checked at every interleaving point; code between two points
    always terminates (executor loops contain points, contract runs are bounded by
    gas), so a stalled run is always caught.
    """

    def __init__(
        self, threads: int, watchdog_s: float, strategy: Strategy, record: bool = True
    ) -> None:
        self.name = strategy.name
        self._strategy = strategy
        self._record = record
        self._watchdog_s = watchdog_s
        self._step = 0
        self._epoch = 0
        self._current = 0
        self._idle_since: dict[int, int] = {}
        self._controller: greenlet.greenlet | None = None
        self.trace: list[str] = []

    def run(self, workers: Sequence[Worker]) -> None:
        self._controller = greenlet.getcurrent()
        self._idle_since = {}
        tasks = [greenlet.greenlet(worker) for worker in workers]
        deadline = time.monotonic() + self._watchdog_s
        current: int | None = None
        while True:
            runnable = self._runnable(tasks)
            if not runnable:
                if any(not task.dead for task in tasks):
                    _unwind(tasks)
                    raise Stalled(0.0, "every unfinished worker is idle: deadlock")
                return
            if time.monotonic() > deadline:
                _unwind(tasks)
                raise Stalled(
                    self._watchdog_s, f"workers did not finish within {self._watchdog_s:g} s"
                )
            current = self._switch_to(tasks, runnable, current)

    def _switch_to(
        self, tasks: list[greenlet.greenlet], runnable: list[int], current: int | None
    ) -> int:
        self._step += 1
        chosen = self._strategy.choose(runnable, current, self._step)
        self._idle_since.pop(chosen, None)
        self._current = chosen
        try:
            tasks[chosen].switch()
        except BaseException:
            _unwind(tasks)
            raise
        if tasks[chosen].dead:
            self._epoch += 1  # a finished worker may be what the idle ones wait for
        return chosen

    def _runnable(self, tasks: list[greenlet.greenlet]) -> list[int]:
        """Unfinished workers that are not idle since the last ``notify``."""
        return [
            index
            for index, task in enumerate(tasks)
            if not task.dead and self._idle_since.get(index) != self._epoch
        ]

    def point(self, label: str, *parts: object) -> None:
        if self._record:
            self._note(label, parts)
        self._yield()

    def idle(self, label: str, *parts: object) -> None:
        if self._record:
            self._note(label, parts)
        self._idle_since[self._current] = self._epoch
        self._yield()

    def _note(self, label: str, parts: tuple[object, ...]) -> None:
        self.trace.append(f"{self._step} w{self._current} {label.format(*parts)}")

    def _yield(self) -> None:
        assert self._controller is not None, "point() outside run()"
        self._controller.switch()

    def notify(self) -> None:
        self._epoch += 1

    def close(self) -> None:
        self._controller = None


def _unwind(tasks: list[greenlet.greenlet]) -> None:
    """Raise ``Abandoned`` inside every started, unfinished worker."""
    for task in tasks:
        if task and not task.dead:
            with contextlib.suppress(Abandoned):
                task.throw(Abandoned)


def make_schedule(
    kind: str,
    threads: int,
    seed: int,
    watchdog_s: float,
    expected_steps: int = PCT_STEPS,
    record: bool = True,
) -> Schedule:
    """The schedule named ``kind`` (one of ``SCHEDULES``) for one block run; a seeded
    one records its trace if ``record`` says so.

    ``expected_steps`` estimates the run's interleaving points: PCT draws its
    priority change points among them, and change points past the end of a run
    would never fire.
    """
    match check_schedule(kind):
        case "threads":
            return ThreadSchedule(threads, watchdog_s)
        case "seeded":
            return SeededSchedule(threads, watchdog_s, RandomStrategy(seed), record)
        case "pct":
            # PCT draws depth - 1 distinct change points, so it needs that many steps.
            strategy = PctStrategy(seed, threads, steps=max(PCT_DEPTH - 1, expected_steps))
            return SeededSchedule(threads, watchdog_s, strategy, record)
    raise InvariantViolation(f"SCHEDULES names {kind!r}, which make_schedule cannot build")
