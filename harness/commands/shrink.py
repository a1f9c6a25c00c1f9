"""``txparity shrink``: shrink a divergent case and save it in the corpus."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from txparity.harness.commands import EXIT_DIVERGENCE, EXIT_OK
from txparity.harness.commands.subject import Subject, read_subject, targets
from txparity.harness.console import shrink_stats_table
from txparity.harness.corpus import check_writable, claimed, replay_command, save_and_shrink
from txparity.harness.differential import Runner
from txparity.harness.errors import InputError
from txparity.harness.group_report import finding_text
from txparity.harness.options import Command, options_from
from txparity.harness.shrink import ShrinkStop

__all__ = ["command"]

_STOPPED = {
    ShrinkStop.FIXED_POINT: "no pass makes it smaller",
    ShrinkStop.CANDIDATES: "candidate budget spent (--shrink-candidates)",
    ShrinkStop.TIME: "time cap reached (--seconds)",
}


def command(arguments: argparse.Namespace) -> int:
    show_stats: bool = arguments.stats
    subject = read_subject(arguments.case)
    options = targets(subject, arguments, options_from(arguments, Command.SHRINK))
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


def _home_corpus(subject: Subject) -> Path | None:
    """The corpus a corpus file lies in (``<corpus>/<fingerprint>/<hash>.json``)."""
    entry, path = subject.entry, Path(subject.name)
    if entry is None or path.parent.name != entry.fingerprint:
        return None
    return path.parent.parent


def _why_nothing_to_shrink(subject: Subject, runner: Runner) -> str:
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
