"""The replay that opens a campaign: the corpus checked again, and tidied.

Before a campaign generates any case, it replays every corpus file (with
``harness.replay``, so a file never chooses a command), within the campaign's
time limit:

- a file that still diverges counts as a divergence found now; if its shrink was
  cut short (``shrunk`` false: a kill; or stopped by ``time``), it is shrunk now,
  under its fingerprint's claim, and the result replaces it;
- a file that agrees, never reproduced, or cannot be read holds no open bug: it is
  *settled*, and a campaign that finds its fingerprint again saves the new case
  beside it (a regression, or another bug with the same fingerprint, such as
  another hang of the same executor);
- a file that records an external command the campaign was not given is listed as
  needing an executor, and not run;
- stale temporary files left by killed saves are removed, each directory under its
  claim (``harness.claims``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from txparity.harness.claims import TEMPORARY_PREFIX, remove_stale_temporaries
from txparity.harness.corpus import claimed, corpus_files, replay_command, save_and_shrink
from txparity.harness.differential import Runner
from txparity.harness.options import Options
from txparity.harness.replay import (
    Replayed,
    Verdict,
    external_specs,
    named_reference,
    plan_replay,
    replay_file,
)
from txparity.harness.shrink import ShrinkStop
from txparity.harness.summary import Find, FindStatus, Summary

__all__ = ["replay_corpus"]


def replay_corpus(
    options: Options,
    summary: Summary,
    found: Callable[[Find], None],
    stopping: Callable[[], bool],
    deadline: float | None,
) -> frozenset[Path]:
    """Replay the corpus into ``summary`` (see the module text); each file that still
    diverges goes to ``found``. Return the files that hold no open bug."""
    if not options.corpus.is_dir():
        return frozenset()
    _clean(options.corpus)
    named = external_specs(options.executors)
    settled: set[Path] = set()
    files = list(corpus_files([options.corpus]))
    for number, path in enumerate(files):
        if stopping():
            break
        if deadline is not None and time.monotonic() >= deadline:
            summary.replay_cut = len(files) - number  # --seconds holds
            break
        replayed = replay_file(path, options, named)
        match replayed.verdict:
            case Verdict.DIVERGES:
                summary.replayed += 1
                summary.replay_divergences += 1
                summary.replay_diverging.append(str(path))
                found(_finish_shrinking(replayed, options, named, deadline))
            case Verdict.AGREES:
                summary.replayed += 1
                settled.add(path)
            case Verdict.NEVER_REPRODUCED:
                summary.replayed += 1
                summary.never_reproduced.append(f"{path}: {replayed.detail}")
                settled.add(path)
            case Verdict.NEEDS_EXECUTOR:
                assert replayed.missing is not None
                advice = replayed.missing.advice("--executor", "--reference")
                summary.needs_executor.append(f"{path}: {replayed.detail}; {advice}")
            case Verdict.UNREADABLE:
                summary.skipped.append(replayed.detail)
                settled.add(path)
    return frozenset(settled)


def _clean(corpus: Path) -> None:
    """Remove what killed saves left in each fingerprint's directory (stale temporary
    files), under its claim, so that a save in progress elsewhere is left alone."""
    for directory in sorted(path for path in corpus.iterdir() if path.is_dir()):
        if not any(directory.glob(f"{TEMPORARY_PREFIX}*")):
            continue
        with claimed(corpus, directory.name) as held:
            if held:
                remove_stale_temporaries(directory)


def _finish_shrinking(replayed: Replayed, options: Options, named: Sequence[str],
                      deadline: float | None) -> Find:  # fmt: skip
    """A still-diverging corpus file, shrunk now if the run that saved it was killed
    while shrinking it (``shrunk`` false) or ran out of time; under its claim, so
    that a live campaign shrinking it already is left to it."""
    entry, path, first = replayed.entry, replayed.path, replayed.divergences[0]
    reference = named_reference(options)
    find = _replayed_find(replayed, named, reference)
    assert entry is not None
    unfinished = not entry.shrunk or entry.shrink_stopped is ShrinkStop.TIME
    in_place = path.parent.name == entry.fingerprint == first.fingerprint
    if not (unfinished and in_place):
        return find
    corpus = path.parent.parent
    with claimed(corpus, entry.fingerprint) as held:
        if not held or not path.exists():
            return find
        remove_stale_temporaries(path.parent)
        plan = plan_replay(entry, named, reference)
        checked = replace(options, equivalence=entry.equivalence, reference=plan.reference)
        with Runner(plan.executors, checked) as runner:
            kept = save_and_shrink(first, runner, corpus, options.shrink_seconds, deadline,
                                   recorded=entry, replacing=path)  # fmt: skip
    return replace(
        find, where=str(kept.path), replay=replay_command(kept.path, named, reference),
        txs_saved=len(kept.divergence.case.block.txs), shrink_stopped=kept.shrunk.stopped.value,
        note="its shrink, left unfinished, was finished now",
    )  # fmt: skip


def _replayed_find(replayed: Replayed, named: Sequence[str], reference: str | None) -> Find:
    first = replayed.divergences[0]
    return Find(
        fingerprint=first.fingerprint, kind=first.kind.value, executor=first.executor,
        first_item=first.first_item, detail=first.detail, status=FindStatus.REPLAYED,
        where=str(replayed.path), replay=replay_command(replayed.path, named, reference),
        txs_found=len(first.case.block.txs),
    )  # fmt: skip
