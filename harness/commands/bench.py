"""``txparity bench``: ``harness.bench.command`` runs it; this hands it the streams,
results to standard output, progress to standard error."""

from __future__ import annotations

import argparse
import sys

from txparity.harness.bench.command import run_bench
from txparity.harness.console import BenchDisplay
from txparity.harness.options import Command, options_from

__all__ = ["command"]


def command(arguments: argparse.Namespace) -> int:
    options = options_from(arguments, Command.BENCH)
    return run_bench(arguments, options, sys.stdout, sys.stderr,
                     BenchDisplay(sys.stderr).update)  # fmt: skip
