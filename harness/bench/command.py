"""``txparity bench``: its arguments, and the command, which the command line runs.

The command line hands it the streams to write to (results on standard output, the
progress display and notes on standard error), so that it prints nothing of its
own accord. Everything a run will write to (the ``--json``, ``--plot`` and
``--metrics`` files, the corpus) and everything it reads (``--compare``) is checked
before the first block is measured: a benchmark never fails at its end over a
mistyped path.

Exit status: 0 when every executor agreed with the reference on every block and no
figure is worse than the ``--compare`` run's by more than the tolerance; 1 when an
executor diverged or a figure got worse; 2 for bad input.
"""

from __future__ import annotations

import argparse
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from txparity.executors.codec import canonical_json
from txparity.harness.bench.measure import Plan, StepDone, measure
from txparity.harness.bench.results import (
    DEFAULT_TOLERANCE,
    compare_documents,
    document,
    load_document,
)
from txparity.harness.bench.table import (
    GIL_NOTE,
    LEGEND,
    busy_note,
    comparison_lines,
    divergence_lines,
    table,
)
from txparity.harness.bench.workloads import WORKLOADS
from txparity.harness.corpus import MAX_ENTRY_TRANSACTIONS, check_writable
from txparity.harness.differential import Runner
from txparity.harness.errors import InputError
from txparity.harness.options import (
    NO_REFERENCE,
    Options,
    WholeNumber,
)
from txparity.harness.output_file import check_output, write_output

if TYPE_CHECKING:
    from txparity.harness.metrics import Metrics

__all__ = [
    "DEFAULT_RUNS",
    "DEFAULT_SIZES",
    "QUICK_RUNS",
    "QUICK_SIZES",
    "add_bench_arguments",
    "run_bench",
]

DEFAULT_SIZES = (10, 100, 1000)
DEFAULT_RUNS = 5
QUICK_SIZES = (10,)
QUICK_RUNS = 2
RUNS = WholeNumber(1, 1000)
# A block larger than a corpus file may hold could not be saved replayable.
SIZE = WholeNumber(1, MAX_ENTRY_TRANSACTIONS)
TOLERANCE_MOST = 10.0
NOTE_WIDTH = 100


def _sizes(text: str) -> tuple[int, ...]:
    sizes = tuple(SIZE.parse(part.strip()) for part in text.split(","))
    if len(set(sizes)) != len(sizes):
        raise argparse.ArgumentTypeError(f"a size given twice: {text}")
    return sizes


def _tolerance(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value <= TOLERANCE_MOST:
        raise argparse.ArgumentTypeError(f"must be from 0 to {TOLERANCE_MOST:g}: {text}")
    return value


def add_bench_arguments(parser: argparse.ArgumentParser) -> None:
    names = ", ".join(WORKLOADS)
    parser.add_argument(
        "--workload", dest="workloads", action="append", choices=list(WORKLOADS),
        metavar="NAME", help=f"a workload to measure, repeatable (default all: {names})",
    )  # fmt: skip
    parser.add_argument(
        "--sizes", type=_sizes, metavar="N,N,...",
        help=f"transactions per block, comma-separated (default "
        f"{','.join(map(str, DEFAULT_SIZES))}; {SIZE.describe()})",
    )  # fmt: skip
    parser.add_argument(
        "--runs", type=RUNS.parse, metavar="N",
        help=f"runs of every block on each executor (default {DEFAULT_RUNS}; {RUNS.describe()})",
    )  # fmt: skip
    parser.add_argument(
        "--quick", action="store_true",
        help=f"a check that takes seconds: sizes {','.join(map(str, QUICK_SIZES))} and "
        f"{QUICK_RUNS} runs, unless --sizes or --runs say otherwise",
    )  # fmt: skip
    parser.add_argument("--json", type=Path, metavar="FILE",
                        help="write every figure, the machine and the commit to FILE")  # fmt: skip
    parser.add_argument("--plot", type=Path, metavar="FILE.png",
                        help="draw speedup and throughput into a PNG (matplotlib)")  # fmt: skip
    parser.add_argument(
        "--compare", type=Path, metavar="OLD.json",
        help="flag every figure worse than this earlier --json result's; exit 1 if any",
    )  # fmt: skip
    parser.add_argument(
        "--tolerance", type=_tolerance, default=DEFAULT_TOLERANCE, metavar="FRACTION",
        help=f"how much worse a figure may be before --compare flags it "
        f"(default {DEFAULT_TOLERANCE:g}: {100 * DEFAULT_TOLERANCE:.0f} per cent)",
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Outputs:
    json: Path | None
    plot: Path | None
    compare: Path | None
    tolerance: float


def run_bench(
    arguments: argparse.Namespace, options: Options, out: IO[str], err: IO[str],
    display: Callable[[StepDone, float], None],
) -> int:  # fmt: skip
    """The ``bench`` command, with ``options`` from the command line; ``display``
    shows each step done and the seconds since the start."""
    plan = _plan(arguments, options)
    outputs = _Outputs(arguments.json, arguments.plot, arguments.compare, arguments.tolerance)
    reference = options.reference
    if reference == NO_REFERENCE:
        raise InputError(
            f"bench measures every executor against a reference: --reference {NO_REFERENCE} "
            "has none to check the blocks or divide the speedups by"
        )
    old = _check_before(outputs, options)
    metrics = _metrics(options)
    with Runner(options.executors, options, reference) as runner:
        print(
            f"bench: {len(plan.workloads)} workload(s) x sizes "
            f"{','.join(map(str, plan.sizes))} x {plan.runs} run(s), "
            f"{len(options.executors)} executor(s) against {reference}, seed {plan.seed}; "
            "every block is checked against the reference",
            file=err,
        )
        started = time.monotonic()
        rows = measure(
            plan, runner, options.corpus,
            lambda step: display(step, time.monotonic() - started),
            None if metrics is None else metrics.observe,
        )  # fmt: skip
    result = document(rows, plan, reference, options.executors, options.equivalence.value)
    return _report(result, old, outputs, options, metrics, out)


def _plan(arguments: argparse.Namespace, options: Options) -> Plan:
    quick: bool = arguments.quick
    sizes = arguments.sizes or (QUICK_SIZES if quick else DEFAULT_SIZES)
    runs = arguments.runs or (QUICK_RUNS if quick else DEFAULT_RUNS)
    workloads = tuple(dict.fromkeys(arguments.workloads or WORKLOADS))
    assert options.seed is not None, "bench's seed has a default"
    return Plan(workloads, tuple(sizes), runs, options.seed)


def _check_before(outputs: _Outputs, options: Options) -> dict[str, Any] | None:
    """Fail now, not after measuring: the paths to write, the file to compare with,
    the plotting library."""
    for path in (outputs.json, outputs.plot, options.metrics):
        if path is not None:
            check_output(path)
    check_writable(options.corpus)
    if outputs.plot is not None:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise InputError("--plot needs matplotlib: pip install 'txparity[bench]'") from None
    return None if outputs.compare is None else load_document(outputs.compare)


def _metrics(options: Options) -> Metrics | None:
    if options.metrics is None:
        return None
    from txparity.harness.metrics import Metrics  # prometheus_client: only if asked

    return Metrics()


def _report(
    result: dict[str, Any], old: dict[str, Any] | None, outputs: _Outputs, options: Options,
    metrics: Metrics | None, out: IO[str],
) -> int:  # fmt: skip
    rows: list[dict[str, Any]] = result["rows"]
    print(table(rows), file=out)
    print(textwrap.fill(LEGEND, NOTE_WIDTH), file=out)
    if result["machine"]["gil"]:
        print(textwrap.fill(GIL_NOTE, NOTE_WIDTH), file=out)
    busy = busy_note(result["machine"])
    if busy is not None:
        print(textwrap.fill(busy, NOTE_WIDTH), file=out)
    diverged = divergence_lines(rows)
    for line in diverged:
        print(line, file=out)
    if outputs.json is not None:
        write_output(outputs.json, (canonical_json(result) + "\n").encode("utf-8"))
        print(f"json: {outputs.json}", file=out)
    if outputs.plot is not None:
        from txparity.harness.bench.plot import plot

        plot(result, outputs.plot)
        print(f"plot: {outputs.plot}", file=out)
    if metrics is not None and options.metrics is not None:
        metrics.write(options.metrics)
        print(f"metrics: {options.metrics}", file=out)
    worse = 0
    if old is not None and outputs.compare is not None:
        comparison = compare_documents(old, result, outputs.tolerance)
        for line in comparison_lines(comparison, str(outputs.compare), outputs.tolerance):
            print(line, file=out)
        worse = len(comparison.regressions)
    return 1 if diverged or worse else 0
