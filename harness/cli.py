"""The ``txparity`` command. Only it and ``console`` (its renderer) write to the terminal.

Exit status (``EXIT_STATUSES``, in ``--help``): 0 success, 1 a divergence (for the
commands that look for one), 2 bad input or usage, always with one clear line on
standard error; ``replay`` also exits 3 when nothing diverged but some file was not
replayed (unreadable, or needing an executor that was not named), so that no such
file passes unseen; 130 after a Ctrl-C, 141 when the reader of standard output has
gone (``| head``), quietly. The help shows ``DESCRIPTION``, never this text.

Each command turns its parsed arguments into values at its top (an ``Options``
value from ``harness.options``, which declares every shared option once, and the
few flags of its own) and passes those values on.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from txparity.executors.codec import canonical_json, decode_case, parse_json
from txparity.executors.errors import ExecutorError, InvalidCase
from txparity.executors.execution import Execution, Executor, run_case
from txparity.executors.model import Case
from txparity.executors.registry import ExecutorName, make_executor, parse_name
from txparity.executors.schedule import SCHEDULES, recording
from txparity.executors.state import BACKENDS
from txparity.harness.bench.command import BENCH_OPTIONS, add_bench_arguments
from txparity.harness.casefile import (
    MAX_FILE_BYTES,
    case_of_document,
    is_counterexample,
    open_file,
    read_case,
    read_file,
)
from txparity.harness.corpus import (
    CorpusError,
    Entry,
    check_writable,
    claimed,
    corpus_files,
    entry_from_document,
    replay_command,
    save_and_shrink,
)
from txparity.harness.differential import Runner
from txparity.harness.errors import HarnessError, InputError
from txparity.harness.interleaving import SEEDED_SCHEDULES, trace_text
from txparity.harness.options import (
    CASES,
    CORPUS,
    DIFFERENTIAL,
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
    WATCHDOG,
    WORKERS,
    Command,
    Option,
    OptionParser,
    Options,
    add_options,
    options_from,
)
from txparity.harness.output_file import check_output
from txparity.harness.replay import (
    NeedsExecutor,
    Replayed,
    Verdict,
    external_specs,
    named_reference,
    plan_replay,
    replay_file,
    shown,
)
from txparity.harness.shrink import ShrinkStop
from txparity.harness.targets import REFERENCE_SPEC
from txparity.harness.vector import vector_of, vector_text, write_vector

if TYPE_CHECKING:
    from txparity.harness.metrics import Metrics

__all__ = ["COMMAND_OPTIONS", "build_parser", "main"]

EXIT_OK = 0
EXIT_DIVERGENCE = 1
EXIT_USAGE = 2
EXIT_INCOMPLETE = 3  # replay: nothing diverged, but some file was not replayed
EXIT_INTERRUPTED = 130  # the shell's code for SIGINT: the campaign did not run to its end
EXIT_BROKEN_PIPE = 141  # the shell's code for SIGPIPE: the reader of standard output left

# The shared options each command takes, in the order its help lists them.
COMMAND_OPTIONS: Mapping[Command, tuple[Option[Any], ...]] = {
    Command.RUN: (WATCHDOG, METRICS),
    Command.CHECK: DIFFERENTIAL,
    Command.SHRINK: (*DIFFERENTIAL, SHRINK_CANDIDATES, SECONDS, CORPUS, REPRODUCE_SEEDS),
    Command.FUZZ: (*DIFFERENTIAL, PROFILE, FORMAT, SECONDS, CASES, SEED, CORPUS, WORKERS,
                   SHRINK_CANDIDATES, SHRINK_SECONDS, REPRODUCE_SEEDS, METRICS),
    Command.REPLAY: (EXECUTORS, REFERENCE, SEEDS),
    Command.VECTOR: (),
    Command.BENCH: BENCH_OPTIONS,
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


def build_parser() -> argparse.ArgumentParser:
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


_OWN_ARGUMENTS: Mapping[Command, Callable[[argparse.ArgumentParser], None]] = {
    Command.RUN: _run_arguments,
    Command.CHECK: _check_arguments,
    Command.SHRINK: _shrink_arguments,
    Command.FUZZ: _fuzz_arguments,
    Command.REPLAY: _replay_arguments,
    Command.VECTOR: _vector_arguments,
    Command.BENCH: add_bench_arguments,
}


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    try:
        if not arguments:
            return _usage()
        return _run(build_parser().parse_args(arguments))
    except KeyboardInterrupt:
        return _interrupted()
    except BrokenPipeError:
        return _reader_gone()


def _run(arguments: argparse.Namespace) -> int:
    logging.basicConfig(
        level=logging.INFO if getattr(arguments, "verbose", False) else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return _COMMANDS[Command(arguments.command)](arguments)
    except (ExecutorError, HarnessError) as error:
        return _fail(str(error))


def _usage() -> int:
    """``txparity`` alone: the help, which lists the commands, on standard error."""
    build_parser().print_help(sys.stderr)
    return _fail("a command is required")


def _interrupted() -> int:
    """Ctrl-C outside a campaign's own handling (a campaign ends with its summary):
    the shell's status for SIGINT, and no further Ctrl-C can turn the exit into a
    traceback or a death by signal."""
    _ignore_interrupts()
    print("txparity: interrupted", file=sys.stderr)
    return EXIT_INTERRUPTED


def _ignore_interrupts() -> None:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _reader_gone() -> int:
    """Whoever read standard output stopped (``| head``): end quietly, as Unix tools
    do, with the shell's status for SIGPIPE. Standard output now points at
    /dev/null, or Python would fail again flushing it at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return EXIT_BROKEN_PIPE


def _fail(message: str) -> int:
    print(f"txparity: error: {message}", file=sys.stderr)
    return EXIT_USAGE


# ---------------------------------------------------------------- run


def command_run(arguments: argparse.Namespace) -> int:
    options = options_from(arguments, Command.RUN)
    name = _executor_name(arguments.executor, arguments.backend, arguments.schedule)
    show_stats: bool = arguments.stats
    traced = _traced(arguments.trace, name, arguments.jsonl)
    observed = _RunMetrics(options.metrics, str(name))
    if arguments.jsonl:
        executor = make_executor(name.executor, name.schedule, options.watchdog_s)
        with observed:
            return _run_lines(arguments.case, executor, name.backend, show_stats, observed)
    case = read_case(read_file(arguments.case))
    executor = make_executor(name.executor, name.schedule, options.watchdog_s)
    with recording() if traced else contextlib.nullcontext():
        execution = run_case(executor, case, name.backend)
    print(execution.result_json, flush=True)
    _print_stats(execution, show_stats)
    if traced:
        print(trace_text(str(name), case, execution), file=sys.stderr)
    with observed:
        observed.observe(execution)
    return EXIT_OK


def _traced(asked: bool, name: ExecutorName, jsonl: bool) -> bool:
    """Whether to print the interleaving; ``InputError`` where there is none to print."""
    if not asked:
        return False
    if jsonl:
        raise InputError("--trace prints the interleaving of one case, not of --jsonl lines")
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


# ---------------------------------------------------------------- check, shrink, replay


@dataclass(frozen=True, slots=True)
class _Subject:
    """The case a command was given, and the corpus entry it came in, if it did."""

    name: str
    case: Case
    entry: Entry | None


def _read_subject(name: str) -> _Subject:
    """A bare case, a vector or a corpus file (every field of which is checked)."""
    document = parse_json(read_file(name))
    if not is_counterexample(document):
        return _Subject(name, case_of_document(document), None)
    try:
        entry = entry_from_document(document)
    except CorpusError as error:
        raise InputError(f"{name}: {error}") from None
    return _Subject(name, entry.case, entry)


def _targets(subject: _Subject, arguments: argparse.Namespace, options: Options) -> Options:
    """The options to check ``subject`` with, its executors and reference among them.

    A corpus file is checked as it was found: on the executors it records (their
    schedules with it), under its equivalence, against its reference, unless the
    user names executors, a reference or an equivalence, which then win (and a note
    says what was overridden). A recorded external command runs only if the user
    names it (``harness.replay``)."""
    entry = subject.entry
    if entry is None:
        return options
    if arguments.equivalence is None:
        options = replace(options, equivalence=entry.equivalence)
    given = arguments.executors is not None
    given_reference: str | None = options.reference if arguments.reference is not None else None
    recorded = replace(
        entry,
        executors=options.executors if given else entry.executors,
        reference=entry.reference if given_reference is None else given_reference,
    )
    try:
        plan = plan_replay(recorded, options.executors if given else (), given_reference)
    except NeedsExecutor as missing:
        advice = missing.advice("--executor", "--reference")
        raise InputError(f"{subject.name} {missing.reason}; {advice}") from None
    if given and plan.executors != entry.executors:
        print(
            f"txparity: note: {subject.name} records the executor(s) "
            f"{', '.join(map(shown, entry.executors))}; running the --executor ones instead",
            file=sys.stderr,
        )
    if plan.reference != entry.reference:
        print(
            f"txparity: note: {subject.name} records the reference {shown(entry.reference)}; "
            "checking against the --reference one instead",
            file=sys.stderr,
        )
    return replace(options, executors=plan.executors, reference=plan.reference)


# Each command below imports what only it needs: ``txparity run``, restarted by every
# ``cmd:`` executor built on it, never loads Hypothesis, deepdiff or the campaign.


def command_check(arguments: argparse.Namespace) -> int:
    from txparity.harness.group_report import finding_markdown, finding_text

    markdown: Path | None = arguments.markdown
    subject = _read_subject(arguments.case)
    options = _targets(subject, arguments, options_from(arguments, Command.CHECK))
    with Runner(options.executors, options) as runner:
        result = runner.check(subject.case)
        targets = len(runner.targets)
    for divergence in result.divergences:
        print(finding_text(divergence))
    if markdown is not None:
        reports = [finding_markdown(divergence) for divergence in result.divergences]
        _write_text(markdown, "\n".join(reports) or "No divergence.\n")
    if result.divergences:
        return EXIT_DIVERGENCE
    if options.compares_all:
        print(f"agree: {targets} executor(s) with each other, {result.runs} run(s)")
    else:
        against = "" if options.reference == REFERENCE_SPEC else f", against {options.reference}"
        print(f"agree: {targets} executor(s), {result.runs} run(s){against}")
    entry = subject.entry
    if entry is not None and entry.recheck is not None and entry.never_reproduced:
        print(f"did not reproduce (it never did): {entry.recheck.describe()}")
    return EXIT_OK


def command_shrink(arguments: argparse.Namespace) -> int:
    from txparity.harness.console import shrink_stats_table
    from txparity.harness.group_report import finding_text

    show_stats: bool = arguments.stats
    subject = _read_subject(arguments.case)
    options = _targets(subject, arguments, options_from(arguments, Command.SHRINK))
    home = _home_corpus(subject)
    if home is not None and arguments.corpus is None:
        options = replace(options, corpus=home)  # a corpus file is shrunk where it is
    check_writable(options.corpus)
    with Runner(options.executors, options) as runner:
        divergences = runner.check(subject.case).divergences
        if not divergences:
            print(f"no divergence: {_why_nothing_to_shrink(subject, runner)}; nothing to shrink")
            return EXIT_OK
        first = divergences[0]
        with claimed(options.corpus, first.fingerprint) as held:
            if not held:
                raise InputError(
                    f"another txparity process is saving {first.fingerprint} in "
                    f"{options.corpus} now; try again once it is done"
                )
            replacing = Path(subject.name) if home == options.corpus else None
            kept = save_and_shrink(first, runner, options.corpus, options.seconds,
                                   recorded=subject.entry, replacing=replacing)  # fmt: skip
    print(finding_text(kept.divergence))
    shrunk = len(kept.divergence.case.block.txs)
    result = kept.shrunk
    print(
        f"shrunk {kept.original_txs} -> {shrunk} transaction(s) in {kept.shrink_seconds:.1f} s, "
        f"{result.candidates_tried} candidate(s) tried; stopped: {_STOPPED[result.stopped]}"
    )
    if kept.recheck is not None:
        print(kept.recheck.describe())
    if show_stats:
        print(shrink_stats_table(kept.shrunk))
    print(f"replay: {replay_command(kept.path, options.executors, options.reference)}")
    print(kept.path)
    return EXIT_DIVERGENCE


_STOPPED = {
    ShrinkStop.FIXED_POINT: "no pass makes it smaller",
    ShrinkStop.CANDIDATES: "candidate budget spent (--shrink-candidates)",
    ShrinkStop.TIME: "time cap reached (--seconds)",
}


def _home_corpus(subject: _Subject) -> Path | None:
    """The corpus a corpus file lies in (``<corpus>/<fingerprint>/<hash>.json``)."""
    entry, path = subject.entry, Path(subject.name)
    if entry is None or path.parent.name != entry.fingerprint:
        return None
    return path.parent.parent


def _why_nothing_to_shrink(subject: _Subject, runner: Runner) -> str:
    entry = subject.entry
    specs = ", ".join(target.spec for target in runner.targets)
    if entry is None and runner.compares_all:
        return f"the executors ({specs}) agree with each other on this case"
    if entry is None:
        return f"every executor ({specs}) agrees with the reference on this case"
    if entry.recheck is not None and entry.never_reproduced:
        return f"{subject.name} did not reproduce (it never did): {entry.recheck.describe()}"
    return (
        f"{subject.name} agrees on {specs} now (fixed, or shown only by other schedule "
        f"seeds than the {runner.options.seeds} tried: see --seeds)"
    )


def command_replay(arguments: argparse.Namespace) -> int:
    options = options_from(arguments, Command.REPLAY)
    paths: list[Path] = arguments.paths
    named = options.executors
    given: list[str] = arguments.executors or []
    in_tree = [spec for spec in given if spec not in external_specs(given)]
    if in_tree:
        raise InputError(
            f"replay --executor names external executors (cmd:COMMAND), not {in_tree[0]!r}: "
            "the in-tree executors an entry records are replayed as recorded"
        )
    if arguments.reference is not None and named_reference(options) is None:
        raise InputError(
            f"replay --reference names an external reference (cmd:COMMAND), not "
            f"{options.reference!r}: the reference an entry records is replayed as recorded"
        )
    for path in paths:
        if not path.exists():
            raise InputError(f"no such file or directory: {path}")
    counts = dict.fromkeys(Verdict, 0)
    for path in corpus_files(paths):
        replayed = replay_file(path, options, named)
        counts[replayed.verdict] += 1
        _print_replayed(replayed)
    run = counts[Verdict.DIVERGES] + counts[Verdict.AGREES] + counts[Verdict.NEVER_REPRODUCED]
    never = counts[Verdict.NEVER_REPRODUCED]
    if not run + counts[Verdict.NEEDS_EXECUTOR]:  # nothing readable: as bad as a missing path
        skipped = counts[Verdict.UNREADABLE]
        found = f"{skipped} unreadable file(s)" if skipped else "no counterexample file"
        raise InputError(f"nothing to replay in {' '.join(map(str, paths))}: {found}")
    print(
        f"replayed {run}: {counts[Verdict.DIVERGES]} still diverge, "
        f"{counts[Verdict.AGREES]} agree, "
        + (f"{never} never reproduced, " if never else "")
        + f"{counts[Verdict.NEEDS_EXECUTOR]} need an executor, "
        f"{counts[Verdict.UNREADABLE]} unreadable"
    )
    if counts[Verdict.DIVERGES]:
        return EXIT_DIVERGENCE
    not_replayed = counts[Verdict.NEEDS_EXECUTOR] + counts[Verdict.UNREADABLE]
    return EXIT_INCOMPLETE if not_replayed else EXIT_OK


def _print_replayed(replayed: Replayed) -> None:
    path = replayed.path
    match replayed.verdict:
        case Verdict.DIVERGES:
            print(f"DIVERGES {path}: {replayed.detail}")
        case Verdict.AGREES:
            print(f"agrees   {path}")
        case Verdict.NEVER_REPRODUCED:
            print(f"NOT REPRODUCED {path}: {replayed.detail}")
        case Verdict.NEEDS_EXECUTOR:
            assert replayed.missing is not None
            advice = replayed.missing.advice("--executor", "--reference")
            print(f"NEEDS EXECUTOR {path}: {replayed.detail}; {advice}")
        case Verdict.UNREADABLE:
            print(f"SKIP {replayed.detail}", file=sys.stderr)


def _write_text(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot write {path}: {error.strerror}") from None


# ---------------------------------------------------------------- vector


def command_vector(arguments: argparse.Namespace) -> int:
    output: Path | None = arguments.output
    if output is not None and output.exists() and not arguments.force:
        raise InputError(f"{output} exists (--force replaces it)")
    case = read_case(read_file(arguments.case))
    vector = vector_of(case)
    if output is None:
        sys.stdout.write(vector_text(vector))
        return EXIT_OK
    write_vector(vector, output, replace=arguments.force)
    print(f"wrote {output}", file=sys.stderr)
    return EXIT_OK


# ---------------------------------------------------------------- fuzz


def command_fuzz(arguments: argparse.Namespace) -> int:
    from txparity.harness.campaign import run_campaign
    from txparity.harness.console import ProgressDisplay, summary_table

    options = options_from(arguments, Command.FUZZ).with_seed()
    json_summary: bool = arguments.json
    _start_each_target(options)
    check_writable(options.corpus)
    if options.metrics is not None:
        check_output(options.metrics)
    against = "with each other" if options.compares_all else f"against {options.reference}"
    print(
        f"fuzzing {len(options.executors)} executor(s) {against}, profile {options.profile}, "
        f"seed {options.seed}, {options.workers} worker(s); reproduce with --seed {options.seed}",
        file=sys.stderr,
    )
    display = ProgressDisplay(sys.stderr)
    summary = run_campaign(options, display.update)
    if summary.interrupted:
        _finish_without_interrupts()
    display.finish()
    if summary.metrics is not None and options.metrics is not None:
        summary.metrics.write(options.metrics)
    print(summary_table(summary))
    if json_summary:
        print(canonical_json(summary.to_json()))
    if summary.input_error is not None:  # what was found is on disk, and listed above
        return _fail(summary.input_error)
    if summary.found_anything:
        return EXIT_DIVERGENCE
    return EXIT_INTERRUPTED if summary.interrupted else EXIT_OK


def _finish_without_interrupts() -> None:
    """The user has stopped the campaign already: a further Ctrl-C while its summary
    is printed and the process exits would only lose the summary, or turn the exit
    status into SIGINT's."""
    _ignore_interrupts()


def _start_each_target(options: Options) -> None:
    """Fail on a bad executor or reference now, with one line, rather than in a worker."""
    Runner(options.executors, options).close()


# ---------------------------------------------------------------- bench


def command_bench(arguments: argparse.Namespace) -> int:
    """``harness.bench.command`` runs it; results to standard output, progress to
    standard error."""
    from txparity.harness.bench.command import run_bench
    from txparity.harness.console import BenchDisplay

    options = options_from(arguments, Command.BENCH)
    return run_bench(arguments, options, sys.stdout, sys.stderr,
                     BenchDisplay(sys.stderr).update)  # fmt: skip


_COMMANDS: Mapping[Command, Callable[[argparse.Namespace], int]] = {
    Command.RUN: command_run,
    Command.CHECK: command_check,
    Command.SHRINK: command_shrink,
    Command.FUZZ: command_fuzz,
    Command.REPLAY: command_replay,
    Command.VECTOR: command_vector,
    Command.BENCH: command_bench,
}
