"""The ``txparity`` command; the only module that prints.

Exit status: 0 success, 1 a divergence (for the commands that look for one),
2 bad input or usage, always with one clear line on standard error.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, NoReturn

from executors.codec import canonical_json, decode_case
from executors.errors import ExecutorError
from executors.execution import Execution, run_case
from executors.model import Case
from executors.parallel import DEFAULT_WATCHDOG_S
from executors.registry import ExecutorName, make_executor, parse_name
from executors.schedule import SCHEDULES
from executors.state import BACKENDS
from harness.casefile import read_case
from harness.errors import HarnessError, InputError

__all__ = ["main"]

EXIT_OK = 0
EXIT_DIVERGENCE = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, not usage plus a line."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"txparity: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="txparity", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = commands.add_parser("run", help="execute a case and print its canonical result")
    run.add_argument("case", help="a case file, or - for standard input")
    run.add_argument("--executor", default="sequential", help="NAME or NAME@BACKEND")
    run.add_argument("--backend", choices=BACKENDS, default=None)
    run.add_argument("--schedule", choices=SCHEDULES, default=None)
    run.add_argument("--watchdog", type=float, default=DEFAULT_WATCHDOG_S, metavar="SECONDS")
    run.add_argument("--stats", action="store_true", help="print run statistics to stderr")
    run.add_argument(
        "--jsonl", action="store_true", help="one case per line in, one result per line out"
    )
    run.add_argument("-v", "--verbose", action="store_true", help="log executor decisions")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if getattr(arguments, "verbose", False) else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return _run_command(arguments)
    except (ExecutorError, HarnessError) as error:
        return _fail(str(error))
    except KeyboardInterrupt:
        return _fail("interrupted")


def _fail(message: str) -> int:
    print(f"txparity: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _run_command(arguments: argparse.Namespace) -> int:
    match arguments.command:
        case "run":
            return command_run(arguments)
    raise InputError(f"unknown command {arguments.command!r}")


# ---------------------------------------------------------------- run


def command_run(arguments: argparse.Namespace) -> int:
    name = _executor_name(arguments)
    if arguments.jsonl:
        return _run_lines(arguments, name)
    case = read_case(_read_input(arguments.case))
    executor = make_executor(name.executor, name.schedule, arguments.watchdog)
    execution = run_case(executor, case, name.backend)
    print(execution.result_json, flush=True)
    _print_stats(arguments, execution)
    return EXIT_OK


def _executor_name(arguments: argparse.Namespace) -> ExecutorName:
    """``--executor`` with ``--backend`` and ``--schedule`` filling what it leaves out."""
    name = parse_name(
        arguments.executor, arguments.backend or "memory", arguments.schedule or "threads"
    )
    for flag, given, parsed in (
        ("--backend", arguments.backend, name.backend),
        ("--schedule", arguments.schedule, name.schedule),
    ):
        if given and given != parsed:
            raise InputError(f"{flag} {given} contradicts --executor {arguments.executor}")
    return name


def _run_lines(arguments: argparse.Namespace, name: ExecutorName) -> int:
    """SPEC 8's protocol: a result or ``{"error": ...}`` per non-blank line, flushed."""
    executor = make_executor(name.executor, name.schedule, arguments.watchdog)
    with _open_input(arguments.case) as stream:
        for line in _lines(stream):
            try:
                case: Case = decode_case(line)
                execution = run_case(executor, case, name.backend)
            except ExecutorError as error:
                print(canonical_json({"error": str(error)}), flush=True)
                continue
            print(execution.result_json, flush=True)
            _print_stats(arguments, execution)
    return EXIT_OK


def _lines(stream: IO[bytes]) -> Iterator[bytes]:
    while line := stream.readline():
        if line.strip():
            yield line


def _print_stats(arguments: argparse.Namespace, execution: Execution) -> None:
    if arguments.stats:
        stats = {"executor": f"{execution.executor}@{execution.backend}"}
        print(f"stats: {json.dumps(stats | execution.stats.to_json())}", file=sys.stderr)


def _read_input(path: str) -> bytes:
    with _open_input(path) as stream:
        return stream.read()


def _open_input(path: str) -> IO[bytes]:
    if path == "-":
        return sys.stdin.buffer
    try:
        return Path(path).open("rb")
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror}") from None
