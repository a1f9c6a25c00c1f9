"""The ``txparity`` command. Only it and ``console`` (its renderer) write to the terminal.

Exit status: 0 success, 1 a divergence (for the commands that look for one),
2 bad input or usage, always with one clear line on standard error.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import random
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, NoReturn

from txparity.executors.codec import canonical_json, decode_case
from txparity.executors.errors import ExecutorError
from txparity.executors.execution import Execution, run_case
from txparity.executors.model import Case
from txparity.executors.parallel import DEFAULT_WATCHDOG_S
from txparity.executors.registry import ExecutorName, make_executor, parse_name
from txparity.executors.schedule import SCHEDULES
from txparity.executors.state import BACKENDS
from txparity.harness.campaign import CampaignConfig, run_campaign
from txparity.harness.casefile import read_case
from txparity.harness.console import ProgressDisplay, summary_table
from txparity.harness.corpus import (
    CorpusError,
    check_writable,
    corpus_files,
    load_entry,
    replay_command,
    replay_entry,
    save_and_shrink,
)
from txparity.harness.differential import Equivalence, Runner, default_specs
from txparity.harness.errors import HarnessError, InputError
from txparity.harness.report import build_report
from txparity.harness.strategies import PROFILES
from txparity.harness.targets import make_target

__all__ = ["main"]

EXIT_OK = 0
EXIT_DIVERGENCE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # the shell's code for SIGINT: the campaign did not run to its end


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
    run.add_argument("--watchdog", type=_seconds, default=DEFAULT_WATCHDOG_S, metavar="SECONDS")
    run.add_argument("--stats", action="store_true", help="print run statistics to stderr")
    run.add_argument(
        "--jsonl", action="store_true", help="one case per line in, one result per line out"
    )
    run.add_argument("-v", "--verbose", action="store_true", help="log executor decisions")

    check = commands.add_parser("check", help="run a case differentially and report")
    check.add_argument("case", help="a case file (or vector, or corpus file), or -")
    _add_differential_options(check)
    check.add_argument("--markdown", type=Path, metavar="FILE", help="also write a Markdown report")

    shrink = commands.add_parser("shrink", help="shrink a divergent case and save it")
    shrink.add_argument("case", help="a case file (or vector, or corpus file), or -")
    _add_differential_options(shrink)
    shrink.add_argument("--seconds", type=_seconds, default=60.0, help="time budget (default 60)")
    shrink.add_argument("--corpus", type=Path, default=Path("corpus"), help="default corpus/")

    fuzz = commands.add_parser("fuzz", help="run a fuzz campaign (the main job)")
    _add_differential_options(fuzz, default_seeds=1)
    fuzz.add_argument("--profile", default="mixed", help="case profile (default mixed)")
    fuzz.add_argument("--seconds", type=_seconds, default=None, help="time limit (default 60)")
    fuzz.add_argument("--cases", type=_positive_int, default=None, help="case limit")
    fuzz.add_argument("--seed", type=int, default=None, help="campaign seed (default random)")
    fuzz.add_argument("--corpus", type=Path, default=Path("corpus"), help="default corpus/")
    fuzz.add_argument(
        "--workers",
        type=_positive_int,
        default=os.cpu_count() or 1,
        help="worker processes (default: every core)",
    )
    fuzz.add_argument(
        "--shrink-seconds",
        type=_seconds_or_zero,
        default=30.0,
        metavar="SECONDS",
        help="shrink budget per new fingerprint (default 30)",
    )
    fuzz.add_argument("--json", action="store_true", help="end with a JSON summary line")

    replay = commands.add_parser("replay", help="re-run saved counterexamples")
    replay.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    replay.add_argument("--seeds", type=_positive_int, default=1, metavar="N")
    return parser


def _add_differential_options(parser: argparse.ArgumentParser, default_seeds: int = 3) -> None:
    parser.add_argument(
        "--executor",
        action="append",
        default=None,
        metavar="SPEC",
        help="NAME[@BACKEND][/SCHEDULE] or cmd:COMMAND; repeatable (default: every "
        "in-tree parallel executor on both backends and both schedules)",
    )
    parser.add_argument(
        "--seeds",
        type=_positive_int,
        default=default_seeds,
        metavar="N",
        help=f"schedule seeds per parallel executor (default {default_seeds})",
    )
    parser.add_argument("--equivalence", choices=[e.value for e in Equivalence], default="strict")
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=10.0,
        metavar="SECONDS",
        help="per-case limit for cmd: executors (default 10)",
    )
    parser.add_argument("--watchdog", type=_seconds, default=DEFAULT_WATCHDOG_S, metavar="SECONDS")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {value}")
    return value


def _seconds(text: str) -> float:
    value = _seconds_or_zero(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be more than 0 seconds")
    return value


def _seconds_or_zero(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a finite number of seconds >= 0: {text}")
    return value


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
        case "check":
            return command_check(arguments)
        case "shrink":
            return command_shrink(arguments)
        case "replay":
            return command_replay(arguments)
        case "fuzz":
            return command_fuzz(arguments)
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


# ---------------------------------------------------------------- check, shrink, replay


def _runner(arguments: argparse.Namespace) -> Runner:
    return Runner(
        arguments.executor or default_specs(),
        seeds=arguments.seeds,
        equivalence=Equivalence(arguments.equivalence),
        timeout_s=arguments.timeout,
        watchdog_s=arguments.watchdog,
    )


def command_check(arguments: argparse.Namespace) -> int:
    case = read_case(_read_input(arguments.case))
    with _runner(arguments) as runner:
        result = runner.check(case)
        targets = len(runner.targets)
    reports = [build_report(divergence) for divergence in result.divergences]
    for report in reports:
        print(report.text())
    if arguments.markdown is not None:
        _write_text(
            arguments.markdown, "\n".join(r.markdown() for r in reports) or "No divergence.\n"
        )
    if reports:
        return EXIT_DIVERGENCE
    print(f"agree: {targets} executor(s), {result.runs} run(s)")
    return EXIT_OK


def command_shrink(arguments: argparse.Namespace) -> int:
    case = read_case(_read_input(arguments.case))
    equivalence = Equivalence(arguments.equivalence)
    check_writable(arguments.corpus)
    with _runner(arguments) as runner:
        divergences = runner.check(case).divergences
        if not divergences:
            print("no divergence: nothing to shrink")
            return EXIT_OK
        kept = save_and_shrink(
            divergences[0], runner, arguments.corpus, arguments.seconds, equivalence
        )
    print(build_report(kept.divergence).text())
    shrunk = len(kept.divergence.case.block.txs)
    print(f"shrunk {kept.original_txs} -> {shrunk} transaction(s) in {kept.shrink_seconds:.1f} s")
    print(f"replay: {replay_command(kept.path)}")
    print(kept.path)
    return EXIT_DIVERGENCE


def command_replay(arguments: argparse.Namespace) -> int:
    for path in arguments.paths:
        if not path.exists():
            raise InputError(f"no such file or directory: {path}")
    diverging = agreeing = skipped = 0
    for path in corpus_files(arguments.paths):
        try:
            entry = load_entry(path)
        except CorpusError as error:
            print(f"SKIP {error}", file=sys.stderr)
            skipped += 1
            continue
        try:
            divergences = replay_entry(entry, arguments.seeds)
        except (ExecutorError, HarnessError) as error:
            print(f"SKIP {path}: cannot replay ({error})", file=sys.stderr)
            skipped += 1
            continue
        if divergences:
            diverging += 1
            print(f"DIVERGES {path}: {divergences[0].executor}: {divergences[0].detail}")
        else:
            agreeing += 1
            print(f"agrees   {path}")
    print(
        f"replayed {diverging + agreeing}: {diverging} still diverge, {agreeing} agree, "
        f"{skipped} unreadable"
    )
    return EXIT_DIVERGENCE if diverging else EXIT_OK


def _write_text(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot write {path}: {error.strerror}") from None


# ---------------------------------------------------------------- fuzz


def command_fuzz(arguments: argparse.Namespace) -> int:
    if arguments.profile not in PROFILES:
        raise InputError(f"unknown profile {arguments.profile!r} (known: {', '.join(PROFILES)})")
    seconds = arguments.seconds
    if seconds is None and arguments.cases is None:
        seconds = 60.0
    seed = arguments.seed if arguments.seed is not None else random.randrange(2**32)
    specs = tuple(arguments.executor or default_specs())
    for spec in specs:  # fail on a bad spec now, with one line, not in a worker
        make_target(spec, arguments.timeout, arguments.watchdog).close()
    check_writable(arguments.corpus)
    config = CampaignConfig(
        specs=specs,
        profile=arguments.profile,
        seconds=seconds,
        cases=arguments.cases,
        seed=seed,
        corpus=arguments.corpus,
        workers=arguments.workers,
        shrink_seconds=arguments.shrink_seconds,
        seeds=arguments.seeds,
        timeout_s=arguments.timeout,
        watchdog_s=arguments.watchdog,
        equivalence=Equivalence(arguments.equivalence),
    )
    print(
        f"fuzzing {len(specs)} executor(s), profile {config.profile}, seed {seed}, "
        f"{config.workers} worker(s); reproduce with --seed {seed}",
        file=sys.stderr,
    )
    display = ProgressDisplay(sys.stderr)
    summary = run_campaign(config, display.update)
    display.finish()
    print(summary_table(summary))
    if arguments.json:
        print(canonical_json(summary.to_json()))
    if summary.found_anything:
        return EXIT_DIVERGENCE
    return EXIT_INTERRUPTED if summary.interrupted else EXIT_OK
