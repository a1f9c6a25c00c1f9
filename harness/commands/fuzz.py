"""``txparity fuzz``: a fuzz campaign, with its live display and closing summary."""

from __future__ import annotations

import argparse
import sys

from txparity.executors.codec import canonical_json
from txparity.harness.campaign import run_campaign
from txparity.harness.claims import check_writable
from txparity.harness.commands import (
    EXIT_DIVERGENCE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    fail,
    ignore_interrupts,
)
from txparity.harness.console import ProgressDisplay, summary_table
from txparity.harness.differential import Runner
from txparity.harness.options import Command, Options, options_from
from txparity.harness.output_file import check_output

__all__ = ["command"]


def command(arguments: argparse.Namespace) -> int:
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
        return fail(summary.input_error)
    if summary.found_anything:
        return EXIT_DIVERGENCE
    return EXIT_INTERRUPTED if summary.interrupted else EXIT_OK


def _finish_without_interrupts() -> None:
    """The user has stopped the campaign already: a further Ctrl-C while its summary
    is printed and the process exits would only lose the summary, or turn the exit
    status into SIGINT's."""
    ignore_interrupts()


def _start_each_target(options: Options) -> None:
    """Fail on a bad executor or reference now, with one line, rather than in a worker."""
    Runner(options.executors, options).close()
