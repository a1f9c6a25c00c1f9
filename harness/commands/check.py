"""``txparity check``: run a case on the reference and each executor, and report."""

from __future__ import annotations

import argparse
from pathlib import Path

from txparity.harness.commands import EXIT_DIVERGENCE, EXIT_OK
from txparity.harness.commands.subject import read_subject, targets
from txparity.harness.differential import Runner
from txparity.harness.group_report import finding_markdown, finding_text
from txparity.harness.options import Command, options_from
from txparity.harness.output_file import write_output
from txparity.harness.specs import REFERENCE_SPEC

__all__ = ["command"]


def command(arguments: argparse.Namespace) -> int:
    markdown: Path | None = arguments.markdown
    subject = read_subject(arguments.case)
    options = targets(subject, arguments, options_from(arguments, Command.CHECK))
    with Runner(options.executors, options) as runner:
        result = runner.check(subject.case)
        checked = len(runner.targets)
    for divergence in result.divergences:
        print(finding_text(divergence))
    if markdown is not None:
        reports = [finding_markdown(divergence) for divergence in result.divergences]
        write_output(markdown, ("\n".join(reports) or "No divergence.\n").encode())
    if result.divergences:
        return EXIT_DIVERGENCE
    if options.compares_all:
        print(f"agree: {checked} executor(s) with each other, {result.runs} run(s)")
    else:
        against = "" if options.reference == REFERENCE_SPEC else f", against {options.reference}"
        print(f"agree: {checked} executor(s), {result.runs} run(s){against}")
    entry = subject.entry
    if entry is not None and entry.recheck is not None and entry.never_reproduced:
        print(f"did not reproduce (it never did): {entry.recheck.describe()}")
    return EXIT_OK
