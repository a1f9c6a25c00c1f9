"""Fuzz campaigns: time- or count-bounded, on every core, never losing a finding.

A campaign replays the corpus (``harness.opening_replay``) and generates cases,
checking each one differentially. With one worker the replay comes first. With
several, the parent starts the worker processes first and replays while they
generate, so that the first generated case does not wait for the replay; a
worker waits for the replay's outcome only before it claims a fingerprint (below),
so a worker never saves what the replay found still open, nor races the replay's
own shrink. Case ``i`` of a campaign with seed ``S``
is drawn from the case strategy with the bytes of ``Random(f"{S}:{i}")`` through
Hypothesis's ``fuzz_one_input``, so a case depends only on the seed and its
index (with the profile and the format): the same ``--seed`` and ``--cases`` give
the same cases whatever the number of workers. Worker ``w`` of ``n`` takes the
indices ``w, w + n, w + 2n, ...``.

On a divergence whose fingerprint is new to it, a worker takes the fingerprint's
claim (``harness.claims``: one live process at a time, and never one that died),
and, unless a file in the corpus holds the fingerprint open already, saves the case
as found, shrinks it within the shrink budget, and saves the result. A corpus file
that the opening replay found agreeing holds nothing open: the bug it recorded is
fixed, so the same fingerprint found again (a regression, or another hang of the
same executor, since hangs of one executor share a fingerprint) is saved anew,
beside it. A corpus file that still diverges but whose shrink was cut short (a
kill, or the time cap) is shrunk by the replay.
Workers report every event to the parent through a queue, ending with "done"; the
parent alone tallies (in one ``Tally`` per executor) and displays. A worker that
exits without saying it is done (killed, say) is counted as done and reported; a
worker whose parent is gone ends at once.

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
import functools
import math
import multiprocessing
import multiprocessing.connection
import multiprocessing.context
import os
import queue
import random
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, Protocol

from hypothesis import HealthCheck, given, settings

from txparity.executors.codec import canonical_json, case_from_json, encode_case
from txparity.executors.errors import InvalidCase
from txparity.executors.model import Case
from txparity.harness.claims import TEMPORARY_PREFIX, remove_stale_temporaries
from txparity.harness.differential import Divergence, Runner, Tally
from txparity.harness.errors import CorpusError, HarnessError, InputError
from txparity.harness.options import Options
from txparity.harness.strategies import DEFAULT_FORMAT, CaseFormat, cases
from txparity.harness.summary import Find, FindStatus, Progress, Summary
from txparity.harness.targets import target_spec

# The corpus (with the entry format, the shrinker and the reproducer under it) and
# the opening replay are loaded when first needed: in the parent once the workers
# have forked, in a worker at its first divergence. A worker's first case waits
# for none of them.
if TYPE_CHECKING:
    from txparity.harness.corpus import Kept

__all__ = [
    "CampaignError",
    "CaseDrawer",
    "Find",
    "Progress",
    "Summary",
    "draw_case",
    "run_campaign",
]

_BUFFER_BYTES = 8192


class CampaignError(HarnessError):
    """A campaign that cannot run as asked: the system refused a worker process."""


# ---------------------------------------------------------------- generation


class CaseDrawer:
    """Draws case ``i`` of a campaign from the case strategy, deterministically."""

    def __init__(self, profile: str, seed: int, form: CaseFormat = DEFAULT_FORMAT) -> None:
        self.seed = seed
        self._drawn: list[Case] = []

        @settings(database=None, deadline=None, suppress_health_check=list(HealthCheck))
        @given(cases(profile, form))
        def generate(case: Case) -> None:
            self._drawn.append(case)

        self._generate: Any = generate

    def draw(self, index: int) -> Case | None:
        self._drawn.clear()
        data = random.Random(f"{self.seed}:{index}").randbytes(_BUFFER_BYTES)
        self._generate.hypothesis.fuzz_one_input(data)
        return self._drawn[0] if self._drawn else None


def draw_case(
    profile: str, seed: int, index: int, form: CaseFormat = DEFAULT_FORMAT
) -> Case | None:
    """Case ``index`` of a campaign with ``seed`` in format ``form`` (None if the bytes
    ran out)."""
    return CaseDrawer(profile, seed, form).draw(index)


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
    # its fingerprint, whether the reference is to blame, and when it was seen: a
    # time.monotonic() of the worker's, a clock the whole machine shares, since the
    # parent may read the event only after its replay
    DIVERGENCE = "divergence"
    FOUND = "found"  # a Find: a new fingerprint, saved or already in the corpus
    HARNESS_BUG = "harness_bug"
    WORKER_ERROR = "worker_error"  # a worker died of an exception
    INPUT_ERROR = "input_error"  # a worker stopped on bad input (a command that cannot start)
    STATUS = "status"  # what a worker is busy with, beyond checking cases ('' when done)
    STATS = "stats"  # each run's statistics of a case, sent only when --metrics is kept
    DONE = "done"  # the worker has finished


Event = tuple[EventKind, Any]
StopFlag = Callable[[], bool]


class _Flag(Protocol):
    """A stop flag: a ``threading.Event`` or one shared with worker processes."""

    def is_set(self) -> bool: ...

    def set(self) -> None: ...


class _Worker:
    """One worker's share of the campaign: cases ``w, w + n, ...`` until done, the
    deadline, or ``stopping()``; every event goes to ``emit``.

    ``settled`` gives the corpus files that the campaign's replay found agreeing (or
    could not read), waiting for the replay to end if it has not: they hold no open
    bug, so the fingerprint they are filed under is saved again when it is found
    again (a regression, or another bug with the same fingerprint, such as another
    hang of the same executor)."""

    def __init__(self, options: Options, number: int, deadline: float | None,
                 emit: Callable[[Event], None], stopping: StopFlag,
                 settled: Callable[[], frozenset[Path]]) -> None:  # fmt: skip
        self.options = options
        self.number = number
        self.deadline = deadline
        self.emit = emit
        self.stopping = stopping
        self.settled = settled
        self.handled: set[str] = set()  # fingerprints this worker saved or found taken

    def run(self) -> None:
        options = self.options
        assert options.seed is not None, "run_campaign chooses the seed before any worker starts"
        # The executors first: an external one starts up while the strategy is built.
        with Runner(options.executors, options) as runner:
            drawer = CaseDrawer(options.profile, options.seed, options.case_format)
            index = self.number
            while options.cases is None or index < options.cases:
                if self.stopping() or self._past_deadline():
                    break
                case = drawer.draw(index)
                index += options.workers
                if case is not None:
                    self._check(case, runner)

    def _past_deadline(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def _check(self, case: Case, runner: Runner) -> None:
        bug = _generator_bug(case)
        if bug is not None:
            self.emit((EventKind.HARNESS_BUG, f"{bug}: {canonical_json(encode_case(case))}"))
            return
        result = runner.check(case)
        self.emit((EventKind.CASE, (result.tallies, result.executor_seconds)))
        if self.options.metrics is not None:
            self.emit((EventKind.STATS, result.run_stats))
        for divergence in result.divergences:
            self.keep(divergence, runner)

    def keep(self, divergence: Divergence, runner: Runner) -> None:
        """Count the divergence; save and shrink it if its fingerprint is new."""
        fingerprint = divergence.fingerprint
        seen = time.monotonic()
        self.emit((EventKind.DIVERGENCE, (fingerprint, divergence.of_reference, seen)))
        if fingerprint in self.handled:
            return
        self.handled.add(fingerprint)
        directory = self.options.corpus / fingerprint
        from txparity.harness.corpus import claimed

        settled = self.settled()  # the replay has ended, and released its claims
        with claimed(self.options.corpus, fingerprint) as held:
            taken = directory if not held else _covering_entry(directory, settled)
            if taken is not None:
                self.emit((EventKind.FOUND, _find(divergence, FindStatus.IN_CORPUS, taken,
                                                  self.options)))  # fmt: skip
                return
            remove_stale_temporaries(directory)
            kept = self._save_and_shrink(divergence, runner)
        self.emit((EventKind.FOUND, _saved_find(divergence, kept, self.options)))

    def _save_and_shrink(self, divergence: Divergence, runner: Runner) -> Kept:
        from txparity.harness.corpus import save_and_shrink

        fingerprint = divergence.fingerprint
        self._doing(f"shrinking {fingerprint}")

        def kept_smaller(smaller: Divergence) -> None:
            self._doing(f"shrinking {fingerprint} ({len(smaller.case.block.txs)} txs)")

        # The time left bounds the re-check and the shrink: --seconds holds.
        options = self.options
        kept = save_and_shrink(
            divergence, runner, options.corpus, options.shrink_seconds, self.deadline, kept_smaller
        )
        self._doing("")
        return kept

    def _doing(self, what: str) -> None:
        self.emit((EventKind.STATUS, (self.number, what)))


def _covering_entry(directory: Path, settled: frozenset[Path]) -> Path | None:
    """A saved file that holds the fingerprint of ``directory`` open: any but those
    the replay settled."""
    for path in sorted(directory.glob("*.json")):
        if not path.name.startswith(TEMPORARY_PREFIX) and path not in settled:
            return path
    return None


def _find(divergence: Divergence, status: FindStatus, where: Path, options: Options) -> Find:
    from txparity.harness.corpus import replay_command

    return Find(
        fingerprint=divergence.fingerprint, kind=divergence.kind.value,
        executor=divergence.executor, first_item=divergence.first_item,
        detail=divergence.detail, status=status, where=str(where),
        replay=replay_command(where, options.executors, options.reference),
        txs_found=len(divergence.case.block.txs),
    )  # fmt: skip


def _saved_find(divergence: Divergence, kept: Kept, options: Options) -> Find:
    saved = kept.divergence
    return replace(
        _find(saved, FindStatus.SAVED, kept.path, options),
        txs_found=kept.original_txs,
        txs_saved=len(saved.case.block.txs),
        shrink_stopped=kept.shrunk.stopped.value,
        note="" if kept.recheck is None else kept.recheck.describe(),
    )


# Errors that stop a campaign as bad input would (exit status 2): an external
# command that cannot start, a corpus that can no longer be written.
_USER_ERRORS = (InputError, CorpusError)


def _process_main(options: Options, worker: int, deadline: float | None,
                  replayed: multiprocessing.Queue[frozenset[Path]],
                  events: multiprocessing.Queue[Event], stop: _Flag) -> None:  # fmt: skip
    """A worker process; ``deadline`` is a ``time.monotonic()`` value of the parent's,
    a clock every process of the machine shares, so that the time the worker took to
    start is counted too. The parent puts the replay's settled files on
    ``replayed`` once the replay has ended."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    _die_with_the_parent()
    _pin_to_a_core(worker)
    settled = functools.cache(replayed.get)  # read once, when first needed
    try:
        _Worker(options, worker, deadline, events.put, stop.is_set, settled).run()
    except _USER_ERRORS as error:  # the user's to fix, as it would be with one worker
        events.put((EventKind.INPUT_ERROR, str(error)))
    except BaseException as error:  # the parent reports it; a worker never dies silently
        events.put((EventKind.WORKER_ERROR, f"{type(error).__name__}: {error}"))
    finally:
        events.put((EventKind.DONE, worker))


def _die_with_the_parent() -> None:
    """End this worker as soon as the parent process is gone, however it went.

    A parent killed by SIGKILL or SIGTERM cannot stop its workers, and they would go
    on fuzzing for nobody (keeping the resource tracker alive with them). The
    parent's sentinel, a pipe whose other end only the parent holds, becomes
    readable when it exits; a thread waits for that and ends the process at once.
    What the worker had saved is on disk; a shrink it leaves unfinished is finished
    by the next campaign (``shrunk`` is false in the file).
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(_ORPHANED)

    threading.Thread(target=watch, name="txparity-parent-watch", daemon=True).start()


_ORPHANED = 3  # a worker's exit status once its parent is gone


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
        self.doing: dict[int, str] = {}
        for spec in options.executors:  # as the targets will report them
            self.summary.executors[target_spec(spec)] = Tally()
        if options.metrics is not None:
            from txparity.harness.metrics import Metrics  # prometheus_client: only if asked

            self.summary.metrics = Metrics()

    def found_at_replay(self, find: Find) -> None:
        of_reference = find.kind == "reference"
        self.apply((EventKind.DIVERGENCE, (find.fingerprint, of_reference, time.monotonic())))
        self.apply((EventKind.FOUND, find))

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
                fingerprint, of_reference, seen = payload
                summary.fingerprints.add(fingerprint)
                if of_reference:
                    summary.reference_failures += 1
                    return
                summary.divergences += 1
                first = summary.first_divergence_s
                # Workers' events arrive in any order: the earliest seen is the first.
                earlier = math.inf if first is None else first
                summary.first_divergence_s = min(seen - self.started, earlier)
            case EventKind.FOUND:
                summary.add_find(payload)
                if payload.status is FindStatus.SAVED:
                    summary.saved.append(payload.where)
                    summary.shrunk_txs.append(payload.txs_saved)
            case EventKind.HARNESS_BUG | EventKind.WORKER_ERROR:
                summary.harness_bugs.append(payload)
            case EventKind.INPUT_ERROR:
                if summary.input_error is None:
                    summary.input_error = payload
            case EventKind.STATUS:
                worker, doing = payload
                self.doing[worker] = doing
            case EventKind.STATS:
                assert summary.metrics is not None, "sent only when metrics are kept"
                for spec, stats in payload:
                    summary.metrics.observe(spec, stats)


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
    stop = _worker_context().Event()

    def report() -> None:
        collector.summary.interrupted = stop.is_set()
        if progress is not None:
            elapsed = time.monotonic() - started
            remaining = None if options.seconds is None else max(0.0, options.seconds - elapsed)
            doing = tuple(what for _, what in sorted(collector.doing.items()) if what)
            progress(Progress(collector.summary, elapsed, remaining, doing))

    try:
        with _first_interrupt_sets(stop):
            deadline = None if options.seconds is None else started + options.seconds

            def replay() -> frozenset[Path]:
                from txparity.harness.opening_replay import replay_corpus

                return replay_corpus(options, collector.summary, collector.found_at_replay,
                                     stop.is_set, deadline)  # fmt: skip

            if options.workers == 1:
                settled = replay()
                _work_here(options, deadline, settled, collector, report, every_s, stop.is_set)
            else:
                _run_processes(options, deadline, replay, collector, report, every_s, stop)
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


def _work_here(options: Options, deadline: float | None, settled: frozenset[Path],
               collector: _Collector, report: Callable[[], None], every_s: float,
               stopping: StopFlag) -> None:  # fmt: skip
    """The whole campaign in this process (one worker): no queue, no spawn."""
    last = [time.monotonic()]

    def emit(event: Event) -> None:
        collector.apply(event)
        if time.monotonic() - last[0] >= every_s:
            last[0] = time.monotonic()
            report()

    try:
        _Worker(options, 0, deadline, emit, stopping, lambda: settled).run()
    except _USER_ERRORS as error:
        collector.apply((EventKind.INPUT_ERROR, str(error)))


def _run_processes(options: Options, deadline: float | None,
                   replay: Callable[[], frozenset[Path]], collector: _Collector,
                   report: Callable[[], None], every_s: float, stop: _Flag) -> None:  # fmt: skip
    """The workers, started first; then the replay, here, while they generate; then
    their events, tallied until every one is done."""
    context = _worker_context()
    events: multiprocessing.Queue[Event] = context.Queue()
    replayed: list[multiprocessing.Queue[frozenset[Path]]] = []
    for _ in range(options.workers):
        replayed.append(context.Queue())
        # A worker that never needs the replay's outcome never reads it: the parent
        # must not wait at exit for it to be read.
        replayed[-1].cancel_join_thread()
    processes = [
        context.Process(
            target=_process_main,
            args=(options, worker, deadline, replayed[worker], events, stop),
            daemon=True,
        )
        for worker in range(options.workers)
    ]
    told = False
    try:
        _start(processes, stop)
        settled = replay()
        _tell(replayed, settled)
        told = True
        _gather(events, processes, collector, report, every_s, stop)
    finally:
        if not told:  # the replay failed, or a second Ctrl-C cut it: the campaign ends,
            stop.set()  # and no worker waits on the replay; nothing settled, so nothing
            _tell(replayed, frozenset())  # is saved twice
        for process in processes:
            if process.pid is None:  # never started
                continue
            process.join(timeout=5)
            if process.is_alive():
                process.kill()


def _tell(replayed: Sequence[multiprocessing.Queue[frozenset[Path]]],
          settled: frozenset[Path]) -> None:  # fmt: skip
    for queue_of_worker in replayed:
        queue_of_worker.put(settled)


_Context = multiprocessing.context.ForkContext | multiprocessing.context.SpawnContext


def _worker_context() -> _Context:
    """How worker processes start: forked where the system can (Linux), spawned
    elsewhere.

    A spawned worker is a new interpreter that imports the campaign again (most
    of a second on a busy machine) before it draws its first case; a forked one
    has the parent's modules already and starts drawing at once. Forking is safe
    here: the parent forks from its main thread before it runs anything that
    starts a thread (the replay comes after; the targets ``fuzz`` checked first
    are closed, their threads joined), and the worker's first act is to ignore
    SIGINT, which it has done already by then (``_start``).
    """
    if sys.platform == "linux":
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


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
            report: Callable[[], None], every_s: float, stop: _Flag) -> None:  # fmt: skip
    """Tally the workers' events until every worker is done, or has died without
    saying so (killed, say), which is reported as a harness bug."""
    running = set(range(len(processes)))
    last = time.monotonic()
    while running:
        with contextlib.suppress(queue.Empty):
            _take(events.get(timeout=every_s), running, collector, stop)
        if time.monotonic() - last >= every_s:
            last = time.monotonic()
            _drop_the_dead(events, processes, running, collector, stop)
            report()


def _take(event: Event, running: set[int], collector: _Collector, stop: _Flag) -> None:
    if event[0] is EventKind.DONE:
        running.discard(event[1])
        return
    collector.apply(event)
    if event[0] is EventKind.INPUT_ERROR:
        stop.set()  # as one worker would stop on it, every worker does


def _drop_the_dead(events: multiprocessing.Queue[Event],
                   processes: Sequence[multiprocessing.process.BaseProcess], running: set[int],
                   collector: _Collector, stop: _Flag) -> None:  # fmt: skip
    """Count a worker that has exited without its DONE as done. A process writes all
    it put on the queue before it exits, so its last events are read first."""
    dead = [worker for worker in running if processes[worker].exitcode is not None]
    if not dead:
        return
    with contextlib.suppress(queue.Empty):
        while True:
            _take(events.get_nowait(), running, collector, stop)
    for worker in dead:
        if worker in running:
            running.discard(worker)
            status = processes[worker].exitcode
            collector.apply(
                (EventKind.WORKER_ERROR, f"worker {worker} exited (status {status}) unfinished")
            )
