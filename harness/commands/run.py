"""``txparity run``: execute a case, or one case per line (``--jsonl``, SPEC 8), and
print its canonical result.

A ``cmd:`` executor built on ``txparity run --jsonl`` pays this command's start-up
at every restart, so it imports only what running a case needs: the decoder, the
executor asked for (``executors.registry`` imports that one alone) and the state
backend; the interleaving (``--trace``), the metrics (``--metrics``) and logging
(``--verbose``, or an executor that logs) only when they are used.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING

from txparity.executors.codec import canonical_json, decode_case
from txparity.executors.errors import ExecutorError, InvalidCase
from txparity.executors.execution import Execution, Executor, run_case
from txparity.executors.registry import ExecutorName, make_executor, parse_name
from txparity.harness.casefile import MAX_FILE_BYTES, open_file, read_case, read_file
from txparity.harness.commands import EXIT_OK
from txparity.harness.errors import InputError
from txparity.harness.options import Command, options_from

if TYPE_CHECKING:
    from pathlib import Path

    from txparity.executors.model import Case
    from txparity.harness.metrics import Metrics

__all__ = ["command"]


def command(arguments: argparse.Namespace) -> int:
    options = options_from(arguments, Command.RUN)
    name = _executor_name(arguments.executor, arguments.backend, arguments.schedule)
    show_stats: bool = arguments.stats
    traced = _traced(arguments.trace, name, arguments.jsonl)
    observed = _RunMetrics(options.metrics, str(name))
    if arguments.jsonl:
        executor = _make_executor(name, options.watchdog_s, arguments.verbose)
        # What is loaded by now lives as long as the process: the collector need not
        # walk it again at every full collection over the lines to come.
        gc.freeze()
        with observed:
            return _run_lines(arguments.case, executor, name.backend, show_stats, observed)
    case = read_case(read_file(arguments.case))
    executor = _make_executor(name, options.watchdog_s, arguments.verbose)
    if traced:
        execution = _recorded_run(executor, case, name.backend)
    else:
        execution = run_case(executor, case, name.backend)
    print(execution.result_json, flush=True)
    _print_stats(execution, show_stats)
    if traced:
        from txparity.harness.interleaving import trace_text

        print(trace_text(str(name), case, execution), file=sys.stderr)
    with observed:
        observed.observe(execution)
    return EXIT_OK


def _make_executor(name: ExecutorName, watchdog_s: float, verbose: bool) -> Executor:
    """The executor ``name`` asks for, with its decisions logged to standard error
    (at INFO with ``--verbose``) if its modules log at all: the reference never
    does, and is not kept waiting for the logging package."""
    executor = make_executor(name.executor, name.schedule, watchdog_s)
    if verbose or "logging" in sys.modules:
        import logging

        logging.basicConfig(
            level=logging.INFO if verbose else logging.WARNING,
            format="%(levelname)s %(name)s: %(message)s",
            stream=sys.stderr,
        )
    return executor


def _recorded_run(executor: Executor, case: Case, backend: str) -> Execution:
    """The run, its interleaving recorded for ``--trace``."""
    from txparity.executors.schedule import recording

    with recording():
        return run_case(executor, case, backend)


def _traced(asked: bool, name: ExecutorName, jsonl: bool) -> bool:
    """Whether to print the interleaving; ``InputError`` where there is none to print."""
    if not asked:
        return False
    if jsonl:
        raise InputError("--trace prints the interleaving of one case, not of --jsonl lines")
    from txparity.harness.interleaving import SEEDED_SCHEDULES

    if name.schedule not in SEEDED_SCHEDULES:
        raise InputError(
            f"--trace needs a seeded schedule ({' or '.join(SEEDED_SCHEDULES)}): the "
            f"interleaving of {name.schedule} is the machine's, and is not recorded"
        )
    return True


class _RunMetrics:
    """``run --metrics FILE``: each execution's statistics, written to FILE when the
    block (or, with --jsonl, the input) is done, even if reading it failed half-way."""

    def __init__(self, path: Path | None, executor: str) -> None:
        self.path = path
        self.executor = executor
        self.metrics: Metrics | None = None
        if path is not None:
            from txparity.harness.metrics import Metrics  # prometheus_client: only if asked
            from txparity.harness.output_file import check_output

            check_output(path)
            self.metrics = Metrics()

    def observe(self, execution: Execution) -> None:
        if self.metrics is not None:
            self.metrics.observe(self.executor, execution.stats)

    def __enter__(self) -> _RunMetrics:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.metrics is not None and self.path is not None:
            self.metrics.write(self.path)


def _executor_name(executor: str, backend: str | None, schedule: str | None) -> ExecutorName:
    """``--executor`` with ``--backend`` and ``--schedule`` filling what it leaves out."""
    name = parse_name(executor, backend or "memory", schedule or "threads")
    for flag, given, parsed in (
        ("--backend", backend, name.backend),
        ("--schedule", schedule, name.schedule),
    ):
        if given and given != parsed:
            raise InputError(f"{flag} {given} contradicts --executor {executor}")
    return name


def _run_lines(
    path: str, executor: Executor, backend: str, show_stats: bool, observed: _RunMetrics
) -> int:
    """SPEC 8's protocol: a result or ``{"error": ...}`` per non-blank line, flushed."""
    with open_file(path) as stream:
        for line in _lines(stream):
            try:
                case: Case = decode_case(_within_limit(line))
                execution = run_case(executor, case, backend)
            except ExecutorError as error:
                print(canonical_json({"error": str(error)}), flush=True)
                continue
            print(execution.result_json, flush=True)
            _print_stats(execution, show_stats)
            observed.observe(execution)
    return EXIT_OK


def _lines(stream: IO[bytes]) -> Iterator[bytes]:
    """The non-blank lines, each cut after ``MAX_FILE_BYTES`` (see ``_within_limit``)."""
    while line := stream.readline(MAX_FILE_BYTES + 1):
        if len(line) > MAX_FILE_BYTES and not line.endswith(b"\n"):
            while (rest := stream.readline(MAX_FILE_BYTES)) and not rest.endswith(b"\n"):
                pass  # the rest of an over-long line: one answer for it, its error
        if line.strip():
            yield line


def _within_limit(line: bytes) -> bytes:
    if len(line) > MAX_FILE_BYTES:
        raise InvalidCase("case", f"a line longer than {MAX_FILE_BYTES} bytes")
    return line


def _print_stats(execution: Execution, show_stats: bool) -> None:
    if show_stats:
        stats = {"executor": f"{execution.executor}@{execution.backend}"}
        print(f"stats: {json.dumps(stats | execution.stats.to_json())}", file=sys.stderr)
