"""Fuzz campaigns: time- or count-bounded, on every core, never losing a finding.

A campaign first replays the corpus, then generates cases and checks each one
differentially. Case ``i`` of a campaign with seed ``S`` is drawn from the case
strategy with the bytes of ``Random(f"{S}:{i}")`` through Hypothesis's
``fuzz_one_input``, so a case depends only on the seed and its index: the same
``--seed`` and ``--cases`` give the same cases whatever the number of workers.
Worker ``w`` of ``n`` takes the indices ``w, w + n, w + 2n, ...``.

On a divergence whose fingerprint is new, the worker claims the fingerprint by
creating its corpus directory (an atomic ``mkdir``: exactly one worker wins, and
fingerprints already in the corpus from an earlier run are never redone), saves
the case as found, shrinks it within the shrink budget, and saves the result.
Workers report every event to the parent through a queue, ending with "done"; the
parent alone tallies (in one ``Tally`` per executor) and displays. A worker that
exits without saying it is done (killed, say) is counted as done and reported.

A generated case that the project's own decoder refuses is a harness bug, not an
executor's divergence, and is reported as such.

Ctrl-C stops a campaign in two steps. The first asks every worker to stop after
its current case (worker processes ignore SIGINT from the moment they start; the
parent sets a shared flag) and the campaign ends with its summary, marked
interrupted. A second Ctrl-C stops at once, killing the workers. Either way
nothing found is lost: a case is saved before it is shrunk, and every file is
written then renamed.

A campaign's settings are an ``Options`` value (``harness.options``).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import random
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import FrameType
from typing import Any, Protocol

from hypothesis import HealthCheck, given, settings

from txparity.executors.codec import canonical_json, case_from_json, encode_case
from txparity.executors.errors import InvalidCase
from txparity.executors.model import Case
from txparity.harness.corpus import (
    CorpusError,
    corpus_files,
    load_entry,
    replay_entry,
    save_and_shrink,
)
from txparity.harness.differential import Divergence, Runner, Tally
from txparity.harness.errors import HarnessError
from txparity.harness.options import Options
from txparity.harness.strategies import cases
from txparity.harness.targets import target_spec

__all__ = [
    "CampaignError",
    "CaseDrawer",
    "Progress",
    "Summary",
    "draw_case",
    "run_campaign",
]

_BUFFER_BYTES = 8192


@dataclass(slots=True)
class Summary:
    """What a campaign did; ``to_json`` is the ``--json`` line."""

    cases: int = 0
    seconds: float = 0.0
    divergences: int = 0
    fingerprints: set[str] = field(default_factory=set)
    saved: list[str] = field(default_factory=list)
    shrunk_txs: list[int] = field(default_factory=list)
    first_divergence_s: float | None = None
    replayed: int = 0
    replay_divergences: int = 0
    harness_bugs: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # unreadable corpus files
    executor_seconds: float = 0.0
    executors: dict[str, Tally] = field(default_factory=dict)
    interrupted: bool = False
    seed: int | None = None  # the campaign's

    @property
    def found_anything(self) -> bool:
        return bool(self.divergences or self.harness_bugs)

    def to_json(self) -> dict[str, object]:
        return {
            "cases": self.cases,
            "seconds": round(self.seconds, 3),
            "divergences": self.divergences,
            "fingerprints": len(self.fingerprints),
            "fingerprint_ids": sorted(self.fingerprints),
            "saved": sorted(self.saved),
            "shrunk_txs": self.shrunk_txs,
            "first_divergence_s": None
            if self.first_divergence_s is None
            else round(self.first_divergence_s, 3),
            "replayed": self.replayed,
            "harness_bugs": self.harness_bugs,
            "interrupted": self.interrupted,
        }


@dataclass(frozen=True, slots=True)
class Progress:
    summary: Summary
    elapsed: float
    remaining: float | None


class CampaignError(HarnessError):
    """A campaign that cannot run as asked: the system refused a worker process."""


# ---------------------------------------------------------------- generation


class CaseDrawer:
    """Draws case ``i`` of a campaign from the case strategy, deterministically."""

    def __init__(self, profile: str, seed: int) -> None:
        self.seed = seed
        self._drawn: list[Case] = []

        @settings(database=None, deadline=None, suppress_health_check=list(HealthCheck))
        @given(cases(profile))
        def generate(case: Case) -> None:
            self._drawn.append(case)

        self._generate: Any = generate

    def draw(self, index: int) -> Case | None:
        self._drawn.clear()
        data = random.Random(f"{self.seed}:{index}").randbytes(_BUFFER_BYTES)
        self._generate.hypothesis.fuzz_one_input(data)
        return self._drawn[0] if self._drawn else None


def draw_case(profile: str, seed: int, index: int) -> Case | None:
    """Case ``index`` of a campaign with ``seed`` (None if the bytes ran out)."""
    return CaseDrawer(profile, seed).draw(index)


def _generator_bug(case: Case) -> str | None:
    """Whether the project's own decoder refuses a generated case."""
    try:
        again = case_from_json(encode_case(case))
    except InvalidCase as error:
        return f"the generator produced an invalid case: {error}"
    if again != case:
        return "the generator produced a case that does not survive encoding"
    return None


# ---------------------------------------------------------------- a worker


class EventKind(StrEnum):
    """What a worker tells the parent."""

    CASE = "case"  # a case was checked: its tallies
    DIVERGENCE = "divergence"  # its fingerprint
    SAVED = "saved"  # a counterexample's path and shrunk size
    HARNESS_BUG = "harness_bug"
    WORKER_ERROR = "worker_error"  # a worker died of an exception
    DONE = "done"  # the worker has finished


Event = tuple[EventKind, Any]
StopFlag = Callable[[], bool]


class _Flag(Protocol):
    """A stop flag: a ``threading.Event`` or one shared with worker processes."""

    def is_set(self) -> bool: ...

    def set(self) -> None: ...


def _work(options: Options, worker: int, deadline: float | None,
          emit: Callable[[Event], None], stopping: StopFlag) -> None:  # fmt: skip
    """One worker's share of the campaign, until done or ``stopping()``; every event
    goes to ``emit``."""
    assert options.seed is not None, "run_campaign chooses the seed before any worker starts"
    drawer = CaseDrawer(options.profile, options.seed)
    index = worker
    with Runner(options.executors, options) as runner:
        while options.cases is None or index < options.cases:
            if stopping() or (deadline is not None and time.monotonic() >= deadline):
                break
            case = drawer.draw(index)
            index += options.workers
            if case is None:
                continue
            bug = _generator_bug(case)
            if bug is not None:
                emit((EventKind.HARNESS_BUG, f"{bug}: {canonical_json(encode_case(case))}"))
                continue
            result = runner.check(case)
            emit((EventKind.CASE, (result.tallies, result.executor_seconds)))
            for divergence in result.divergences:
                _keep(divergence, runner, options, deadline, emit)


def _keep(divergence: Divergence, runner: Runner, options: Options,
          deadline: float | None, emit: Callable[[Event], None]) -> None:  # fmt: skip
    emit((EventKind.DIVERGENCE, divergence.fingerprint))
    if not _claim(options.corpus, divergence.fingerprint):
        return
    budget = options.shrink_seconds
    if deadline is not None:
        budget = min(budget, max(1.0, deadline - time.monotonic()))
    kept = save_and_shrink(divergence, runner, options.corpus, budget)
    emit((EventKind.SAVED, (str(kept.path), len(kept.divergence.case.block.txs))))


def _claim(corpus: Path, fingerprint: str) -> bool:
    """Whether this worker is the first to find ``fingerprint`` (see the module text)."""
    try:
        corpus.mkdir(parents=True, exist_ok=True)
        os.mkdir(corpus / fingerprint)
    except FileExistsError:
        return False
    except OSError as error:
        raise CorpusError(f"cannot write to corpus directory {corpus}: {error.strerror}") from None
    return True


def _process_main(options: Options, worker: int, deadline_s: float | None,
                  events: multiprocessing.Queue[Event], stop: _Flag) -> None:  # fmt: skip
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    deadline = None if deadline_s is None else time.monotonic() + deadline_s
    _pin_to_a_core(worker)
    try:
        _work(options, worker, deadline, events.put, stop.is_set)
    except BaseException as error:  # the parent reports it; a worker never dies silently
        events.put((EventKind.WORKER_ERROR, f"{type(error).__name__}: {error}"))
    finally:
        events.put((EventKind.DONE, worker))


def _pin_to_a_core(worker: int) -> None:
    """Keep each worker process, and all of its threads, on a core of its own.

    The real-thread schedules hand the GIL from thread to thread thousands of times
    a second; left to migrate, a woken thread of one worker lands on the core the
    other worker is using and waits there while its own core idles.
    """
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(cores) > 1:
        os.sched_setaffinity(0, {cores[worker % len(cores)]})


# ---------------------------------------------------------------- the parent


class _Collector:
    """The parent's view of the campaign: every worker's events, added up."""

    def __init__(self, options: Options, started: float) -> None:
        self.summary = Summary()
        self.started = started
        self.options = options
        self.summary.seed = options.seed
        for spec in options.executors:  # as the targets will report them
            self.summary.executors[target_spec(spec)] = Tally()

    def apply(self, event: Event) -> None:
        kind, payload = event
        summary = self.summary
        match kind:
            case EventKind.CASE:
                tallies, executor_seconds = payload
                summary.cases += 1
                summary.executor_seconds += executor_seconds
                for spec, tally in tallies.items():
                    summary.executors[spec] = summary.executors.get(spec, Tally()) + tally
            case EventKind.DIVERGENCE:
                summary.divergences += 1
                summary.fingerprints.add(payload)
                if summary.first_divergence_s is None:
                    summary.first_divergence_s = time.monotonic() - self.started
            case EventKind.SAVED:
                path, txs = payload
                summary.saved.append(path)
                summary.shrunk_txs.append(txs)
            case EventKind.HARNESS_BUG | EventKind.WORKER_ERROR:
                summary.harness_bugs.append(payload)


def run_campaign(
    options: Options,
    progress: Callable[[Progress], None] | None = None,
    every_s: float = 0.5,
) -> Summary:
    """Replay the corpus, then fuzz until the case count or the time is reached, or
    until interrupted (see the module text). Without a seed in ``options``, a random
    one is chosen (and is in the summary)."""
    options = options.with_seed()
    started = time.monotonic()
    collector = _Collector(options, started)
    stop = multiprocessing.get_context("spawn").Event()

    def report() -> None:
        collector.summary.interrupted = stop.is_set()
        if progress is not None:
            elapsed = time.monotonic() - started
            remaining = None if options.seconds is None else max(0.0, options.seconds - elapsed)
            progress(Progress(collector.summary, elapsed, remaining))

    try:
        with _first_interrupt_sets(stop):
            _replay_corpus(options, collector, stop.is_set)
            deadline_s = None if options.seconds is None else options.seconds - _since(started)
            if options.workers == 1:
                _work_here(options, deadline_s, collector, report, every_s, stop.is_set)
            else:
                _run_processes(options, deadline_s, collector, report, every_s, stop)
    except KeyboardInterrupt:
        stop.set()  # the second Ctrl-C
    collector.summary.seconds = _since(started)
    report()  # also marks the summary interrupted if it was
    return collector.summary


def _since(started: float) -> float:
    return time.monotonic() - started


@contextlib.contextmanager
def _first_interrupt_sets(stop: _Flag) -> Iterator[None]:
    """While active, a first SIGINT sets ``stop`` instead of raising; a second raises
    ``KeyboardInterrupt`` as usual. Inert off the main thread, where Python delivers
    no signals anyway."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_interrupt(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _work_here(options: Options, deadline_s: float | None, collector: _Collector,
               report: Callable[[], None], every_s: float, stopping: StopFlag) -> None:  # fmt: skip
    """The whole campaign in this process (one worker): no queue, no spawn."""
    deadline = None if deadline_s is None else time.monotonic() + deadline_s
    last = [time.monotonic()]

    def emit(event: Event) -> None:
        collector.apply(event)
        if time.monotonic() - last[0] >= every_s:
            last[0] = time.monotonic()
            report()

    _work(options, 0, deadline, emit, stopping)


def _run_processes(options: Options, deadline_s: float | None, collector: _Collector,
                   report: Callable[[], None], every_s: float, stop: _Flag) -> None:  # fmt: skip
    context = multiprocessing.get_context("spawn")
    events: multiprocessing.Queue[Event] = context.Queue()
    processes = [
        context.Process(
            target=_process_main, args=(options, worker, deadline_s, events, stop), daemon=True
        )
        for worker in range(options.workers)
    ]
    try:
        _start(processes, stop)
        _gather(events, processes, collector, report, every_s)
    finally:
        for process in processes:
            if process.pid is None:  # never started
                continue
            process.join(timeout=5)
            if process.is_alive():
                process.kill()


def _start(processes: Sequence[multiprocessing.process.BaseProcess], stop: _Flag) -> None:
    """Start every worker; if the system refuses one, stop those already started.

    Each starts with SIGINT ignored, a disposition a child keeps across ``exec``, so
    that its Python never installs a KeyboardInterrupt handler: a Ctrl-C that comes
    while a worker is still importing cannot kill it before ``_process_main`` runs.
    """
    with _interrupts_ignored():
        for number, process in enumerate(processes):
            try:
                process.start()
            except OSError as error:
                stop.set()
                raise CampaignError(
                    f"cannot start worker process {number + 1} of {len(processes)}: "
                    f"{error.strerror or error}"
                ) from None


@contextlib.contextmanager
def _interrupts_ignored() -> Iterator[None]:
    """SIGINT ignored while active (on the main thread; elsewhere it changes nothing)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _gather(events: multiprocessing.Queue[Event],
            processes: Sequence[multiprocessing.process.BaseProcess], collector: _Collector,
            report: Callable[[], None], every_s: float) -> None:  # fmt: skip
    """Tally the workers' events until every worker is done, or has died without
    saying so (killed, say), which is reported as a harness bug."""
    running = set(range(len(processes)))
    last = time.monotonic()
    while running:
        with contextlib.suppress(queue.Empty):
            _take(events.get(timeout=every_s), running, collector)
        if time.monotonic() - last >= every_s:
            last = time.monotonic()
            _drop_the_dead(events, processes, running, collector)
            report()


def _take(event: Event, running: set[int], collector: _Collector) -> None:
    if event[0] is EventKind.DONE:
        running.discard(event[1])
    else:
        collector.apply(event)


def _drop_the_dead(events: multiprocessing.Queue[Event],
                   processes: Sequence[multiprocessing.process.BaseProcess], running: set[int],
                   collector: _Collector) -> None:  # fmt: skip
    """Count a worker that has exited without its DONE as done. A process writes all
    it put on the queue before it exits, so its last events are read first."""
    dead = [worker for worker in running if processes[worker].exitcode is not None]
    if not dead:
        return
    with contextlib.suppress(queue.Empty):
        while True:
            _take(events.get_nowait(), running, collector)
    for worker in dead:
        if worker in running:
            running.discard(worker)
            status = processes[worker].exitcode
            collector.apply(
                (EventKind.WORKER_ERROR, f"worker {worker} exited (status {status}) unfinished")
            )


def _replay_corpus(options: Options, collector: _Collector, stopping: StopFlag) -> None:
    """Replay every readable corpus file; one that still diverges counts as a
    divergence found now (unreadable files are listed, never fatal)."""
    if not options.corpus.is_dir():
        return
    summary = collector.summary
    for path in corpus_files([options.corpus]):
        if stopping():
            return
        try:
            entry = load_entry(path)
        except CorpusError as error:
            summary.skipped.append(str(error))
            continue
        summary.replayed += 1
        if replay_entry(entry):
            summary.replay_divergences += 1
            collector.apply((EventKind.DIVERGENCE, entry.fingerprint))
