"""``txparity replay``: re-run saved counterexamples, each as it was recorded."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from txparity.harness.commands import EXIT_DIVERGENCE, EXIT_INCOMPLETE, EXIT_OK
from txparity.harness.corpus import corpus_files
from txparity.harness.errors import InputError
from txparity.harness.options import Command, options_from
from txparity.harness.replay import (
    Replayed,
    Verdict,
    external_specs,
    named_reference,
    replay_file,
)

__all__ = ["command"]


def command(arguments: argparse.Namespace) -> int:
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
