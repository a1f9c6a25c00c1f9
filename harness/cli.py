"""The ``txparity`` command line: the parser, and the dispatch to each command's module
in ``harness.commands``, imported only when that command runs. The commands and
``console`` (their renderer) are the only code that writes to the terminal.

Exit status (``EXIT_STATUSES``, in ``--help``): 0 success, 1 a divergence (for the
commands that look for one), 2 bad input or usage, always with one clear line on
standard error; ``replay`` also exits 3 when nothing diverged but some file was not
replayed (unreadable, or needing an executor that was not named), so that no such
file passes unseen; 130 after a Ctrl-C, 141 when the reader of standard output has
gone (``| head``), quietly. The help shows ``DESCRIPTION``, never this text.

Each command turns its parsed arguments into values at its top (an ``Options``
value from ``harness.options``, which declares every shared option once, and the
few flags of its own) and passes those values on. The parser declares the options
of the command named only: declaring every command's would load what their
declarations read (the bench's workloads), and ``txparity run`` must start fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from txparity.executors.errors import ExecutorError
from txparity.executors.registry import SCHEDULES
from txparity.executors.state import BACKENDS
from txparity.harness.commands import (
    EXIT_BROKEN_PIPE,
    EXIT_INTERRUPTED,
    fail,
    ignore_interrupts,
)
from txparity.harness.errors import HarnessError
from txparity.harness.options import (
    CASES,
    CORPUS,
    DIFFERENTIAL,
    EQUIVALENCE,
    EXECUTORS,
    FORMAT,
    METRICS,
    PROFILE,
    REFERENCE,
    REPRODUCE_SEEDS,
    SECONDS,
    SEED,
    SEEDS,
    SHRINK_CANDIDATES,
    SHRINK_SECONDS,
    TIMEOUT,
    WATCHDOG,
    WORKERS,
    Command,
    Option,
    OptionParser,
    add_options,
)

__all__ = ["COMMAND_OPTIONS", "build_parser", "main"]

# The shared options each command takes, in the order its help lists them.
COMMAND_OPTIONS: Mapping[Command, tuple[Option[Any], ...]] = {
    Command.RUN: (WATCHDOG, METRICS),
    Command.CHECK: DIFFERENTIAL,
    Command.SHRINK: (*DIFFERENTIAL, SHRINK_CANDIDATES, SECONDS, CORPUS, REPRODUCE_SEEDS),
    Command.FUZZ: (*DIFFERENTIAL, PROFILE, FORMAT, SECONDS, CASES, SEED, CORPUS, WORKERS,
                   SHRINK_CANDIDATES, SHRINK_SECONDS, REPRODUCE_SEEDS, METRICS),
    Command.REPLAY: (EXECUTORS, REFERENCE, SEEDS),
    Command.VECTOR: (),
    Command.BENCH: (EXECUTORS, REFERENCE, EQUIVALENCE, TIMEOUT, WATCHDOG, SEED, CORPUS,
                    SHRINK_CANDIDATES, SHRINK_SECONDS, REPRODUCE_SEEDS, METRICS),
}  # fmt: skip


DESCRIPTION = """\
Differential fuzzing and parity testing for parallel blockchain transaction
executors: every block must give exactly the result of executing its
transactions one at a time."""
EXIT_STATUSES = """\
exit status:
  0    the executors agree (or nothing needed checking)
  1    a divergence (check, shrink, fuzz, replay, bench), or a harness bug in a
       campaign; bench: also a figure worse than --compare's
  2    bad input or usage, with one line on standard error
  3    replay: nothing diverged, but some file was not replayed (unreadable,
       or needing an executor that was not named)
  130  interrupted by Ctrl-C (fuzz: after its summary, when nothing diverged)
  141  the reader of standard output went away (as in txparity ... | head)

txparity COMMAND --help lists the options of a command."""
# What the campaign summary's columns and the live display mean.
FUZZ_EPILOG = """\
The live display (on a terminal) and the closing table count, per executor:
  cases     the cases checked on it
  runs      its runs: one per schedule seed tried (--seeds) on a seeded
            executor, one per case otherwise
  diverged  the runs whose result differed from the reference's
  parallel  the share of runs that took the parallel path (blocks below the
            network's parallel threshold run sequentially); - with no run
  aborts    Block-STM aborts over the runs (0 for other executors)
A cmd: executor reports no statistics: its parallel and aborts stay at 0.

Ctrl-C lets each worker finish its case and ends with the summary; a second
Ctrl-C stops at once. Every counterexample found is on disk either way."""
COMMAND_HELP: Mapping[Command, str] = {
    Command.RUN: "execute a case and print its canonical result",
    Command.CHECK: "run a case on the reference and each executor, and report",
    Command.SHRINK: "shrink a divergent case and save it in the corpus",
    Command.FUZZ: "run a fuzz campaign (the main job)",
    Command.REPLAY: "re-run saved counterexamples",
    Command.VECTOR: "write a scenario vector of a case, with the reference's result",
    Command.BENCH: "measure executors on seeded workloads, checking every block",
}
_EPILOGS: Mapping[Command, str] = {Command.FUZZ: FUZZ_EPILOG}


class _PrintVersion(argparse.Action):
    """``--version``: the installed version, read (through ``importlib.metadata``,
    slow to import) only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, argparse.SUPPRESS, nargs=0, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:  # fmt: skip
        from txparity import __version__

        print(f"{parser.prog} {__version__}")
        parser.exit()


def build_parser(declared: Collection[Command] = tuple(Command)) -> argparse.ArgumentParser:
    """The parser of every command; the options and arguments of the ``declared``
    ones only (the rest would be built for nothing: one command runs)."""
    parser = OptionParser(
        prog="txparity", description=DESCRIPTION, epilog=EXIT_STATUSES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument("--version", action=_PrintVersion, help="print the version and exit")
    commands = parser.add_subparsers(
        dest="command", required=True, parser_class=OptionParser, metavar="COMMAND",
        title="commands", help="one of these (txparity COMMAND --help lists its options)",
    )  # fmt: skip
    for command, text in COMMAND_HELP.items():
        subparser = commands.add_parser(
            command.value, help=text, description=text[0].upper() + text[1:] + ".",
            epilog=_EPILOGS.get(command), formatter_class=argparse.RawDescriptionHelpFormatter,
        )  # fmt: skip
        if command in declared:
            add_options(subparser, command, COMMAND_OPTIONS[command])
            _OWN_ARGUMENTS[command](subparser)
    return parser


def _run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "case", help="a case file (or vector, or corpus file), or - for standard input"
    )
    parser.add_argument(
        "--executor", default="sequential", metavar="NAME",
        help="NAME[@BACKEND][/SCHEDULE] of an in-tree executor (default sequential)",
    )  # fmt: skip
    parser.add_argument(
        "--backend", choices=BACKENDS, default=None,
        help="the state backend, if --executor names none (default memory)",
    )  # fmt: skip
    parser.add_argument(
        "--schedule", choices=SCHEDULES, default=None,
        help="how a parallel executor's workers run, if --executor names none "
        "(default threads)",
    )  # fmt: skip
    parser.add_argument("--stats", action="store_true", help="print run statistics to stderr")
    parser.add_argument(
        "--trace", action="store_true",
        help="print the interleaving to stderr: which worker took which step of which "
        "transaction (incarnation), in order; seeded and pct schedules only",
    )  # fmt: skip
    parser.add_argument(
        "--jsonl", action="store_true", help="one case per line in, one result per line out"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log executor decisions")


def _check_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("case", help="a case file (or vector, or corpus file), or -")
    parser.add_argument(
        "--markdown", type=Path, metavar="FILE", help="also write a Markdown report"
    )


def _shrink_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("case", help="a case file (or vector, or corpus file), or -")
    parser.add_argument(
        "--stats", action="store_true", help="print what each shrink pass proposed and kept"
    )


def _fuzz_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="end with a JSON summary line")


def _vector_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("case", help="a case file (or vector, or corpus file), or -")
    parser.add_argument(
        "-o", "--output", type=Path, metavar="FILE",
        help="write the vector to FILE (such as tests/vectors/NAME.json) instead of "
        "standard output",
    )  # fmt: skip
    parser.add_argument("--force", action="store_true", help="replace FILE if it exists")


def _replay_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="+", type=Path, metavar="PATH",
        help="a counterexample file, or a directory searched for them (such as corpus/)",
    )  # fmt: skip


def _bench_arguments(parser: argparse.ArgumentParser) -> None:
    from txparity.harness.bench.command import add_bench_arguments  # its workloads' names

    add_bench_arguments(parser)


_OWN_ARGUMENTS: Mapping[Command, Callable[[argparse.ArgumentParser], None]] = {
    Command.RUN: _run_arguments,
    Command.CHECK: _check_arguments,
    Command.SHRINK: _shrink_arguments,
    Command.FUZZ: _fuzz_arguments,
    Command.REPLAY: _replay_arguments,
    Command.VECTOR: _vector_arguments,
    Command.BENCH: _bench_arguments,
}


# Each command's module (``harness.commands``), imported only when it runs.
_COMMANDS: Mapping[Command, str] = {
    command: f"txparity.harness.commands.{command.value}" for command in Command
}


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    try:
        if not arguments:
            return _usage()
        return _run(build_parser(_commands_named(arguments)).parse_args(arguments))
    except KeyboardInterrupt:
        return _interrupted()
    except BrokenPipeError:
        return _reader_gone()


def _commands_named(arguments: Sequence[str]) -> tuple[Command, ...]:
    """The command the arguments name (the first that is not an option), or every
    command if that is none of them (the parser then says so)."""
    first = next((argument for argument in arguments if not argument.startswith("-")), None)
    named = [command for command in Command if command.value == first]
    return tuple(named) or tuple(Command)


def _run(arguments: argparse.Namespace) -> int:
    command = Command(arguments.command)
    if command is not Command.RUN:  # run sets logging up if its executor logs at all
        _log_to_stderr()
    try:
        run: Callable[[argparse.Namespace], int] = importlib.import_module(
            _COMMANDS[command]
        ).command
        return run(arguments)
    except (ExecutorError, HarnessError) as error:
        return fail(str(error))


def _log_to_stderr() -> None:
    import logging

    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )


def _usage() -> int:
    """``txparity`` alone: the help, which lists the commands, on standard error."""
    build_parser(declared=()).print_help(sys.stderr)
    return fail("a command is required")


def _interrupted() -> int:
    """Ctrl-C outside a campaign's own handling (a campaign ends with its summary):
    the shell's status for SIGINT, and no further Ctrl-C can turn the exit into a
    traceback or a death by signal."""
    ignore_interrupts()
    print("txparity: interrupted", file=sys.stderr)
    return EXIT_INTERRUPTED


def _reader_gone() -> int:
    """Whoever read standard output stopped (``| head``): end quietly, as Unix tools
    do, with the shell's status for SIGPIPE. Standard output now points at
    /dev/null, or Python would fail again flushing it at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return EXIT_BROKEN_PIPE
