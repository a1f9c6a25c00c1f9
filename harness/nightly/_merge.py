"""Merging the shards of a night into one findings directory.

Each shard leaves a directory:

    <shard>/
        shard.json     {"name", "command": what does its work again, "status"}
        summary.json   the campaign's --json summary line (cases, divergences, ...)
        corpus/        the corpus it fuzzed with: the committed corpus it started
                       from, and every fingerprint it saved

The merge reads every entry of every shard's corpus through the corpus reader, the
one that checks a file's format, and groups them by fingerprint. An entry that is a
copy of a committed file is the shard's starting point, not a finding, and is left
out. A fingerprint that the committed corpus has (a directory of that name, or a
readable entry with that fingerprint) is *known*: it is listed, with the shards
that saved it or name it in their summaries, and nothing more.
Every other fingerprint is *new*: of its entries, in every shard, the smallest (by
the shrinker's measure: transactions, then characters of canonical JSON, then the
sum of its integers; ties broken by the case's hash) is kept, replayed once on this
machine, and saved in the findings directory with a report.

The replay is a check, not a filter: a finding whose replay agrees (a schedule
that real threads decided, say) is kept, and its report says that one replay
agreed. Entries that name an external command are not replayed: the merge never
runs a command that a file names.

Nothing here fails on one bad file: an unreadable entry or shard file is listed in
the manifest and the report, and the rest is merged.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from txparity.executors.codec import encode_case
from txparity.executors.errors import ExecutorError
from txparity.harness.candidates import Size, size
from txparity.harness.corpus import (
    CorpusError,
    Entry,
    case_hash,
    corpus_files,
    load_entry,
    save_entry,
)
from txparity.harness.differential import Divergence
from txparity.harness.errors import HarnessError
from txparity.harness.nightly._errors import NightlyError
from txparity.harness.nightly._findings import (
    CORPUS_DIR,
    REPORT,
    FindingRecord,
    Findings,
    KnownRecord,
    Replay,
    RunInfo,
    ShardRecord,
    write_findings,
    write_text,
)
from txparity.harness.nightly._markdown import night_report
from txparity.harness.replay import NeedsExecutor, replay_entry
from txparity.harness.report import build_report
from txparity.harness.targets.external import EXTERNAL_PREFIX

__all__ = ["SHARD_FILE", "SUMMARY_FILE", "merge_shards", "recorded_divergence", "replay_once"]

SHARD_FILE = "shard.json"
SUMMARY_FILE = "summary.json"


@dataclass(frozen=True, slots=True)
class _Seen:
    """A readable entry of a shard's corpus."""

    shard: str
    path: Path
    entry: Entry
    size: Size
    hash: str

    @property
    def order(self) -> tuple[Size, str, str]:
        return self.size, self.hash, str(self.path)


@dataclass(frozen=True, slots=True)
class _Committed:
    """What the committed corpus holds: fingerprints, and its files by (fingerprint,
    file name), to tell a shard's starting copy from a finding."""

    fingerprints: frozenset[str]
    files: frozenset[tuple[str, str]]


def merge_shards(
    shard_directories: Sequence[Path],
    committed: Path | None,
    out: Path,
    run: RunInfo,
) -> Findings:
    """Merge the shards' corpora into the findings directory ``out`` (which must be
    empty or absent) against the ``committed`` corpus; return its manifest."""
    _check_out(out)
    known = _committed(committed)
    shards: list[ShardRecord] = []
    seen: list[_Seen] = []
    unreadable: list[str] = []
    for directory in shard_directories:
        record, entries, bad = _read_shard(directory)
        shards.append(record)
        seen += [s for s in entries if (s.entry.fingerprint, s.path.name) not in known.files]
        unreadable += bad
    groups: dict[str, list[_Seen]] = {}
    for each in seen:
        groups.setdefault(each.entry.fingerprint, []).append(each)
    new = [_keep(groups[fp], out) for fp in sorted(groups) if fp not in known.fingerprints]
    shards.sort(key=lambda shard: shard.name)
    old = _known(groups, shards, known)
    findings = Findings(run, tuple(shards), tuple(new), old, tuple(sorted(unreadable)))
    write_findings(findings, out)
    write_text(out / REPORT, night_report(findings))
    return findings


def _check_out(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise NightlyError(f"{out}: the findings directory must be empty or absent")


def _committed(corpus: Path | None) -> _Committed:
    if corpus is None or not corpus.is_dir():
        return _Committed(frozenset(), frozenset())
    fingerprints = {path.name for path in corpus.iterdir() if path.is_dir()}
    files = set()
    for path in corpus_files([corpus]):
        files.add((path.parent.name, path.name))
        try:
            fingerprints.add(load_entry(path).fingerprint)
        except CorpusError:
            continue  # the test suite reports it; its directory name still counts
    return _Committed(frozenset(fingerprints), frozenset(files))


def _shard_names(group: list[_Seen]) -> tuple[str, ...]:
    return tuple(sorted({each.shard for each in group}))


def _known(groups: dict[str, list[_Seen]], shards: list[ShardRecord],
           committed: _Committed) -> tuple[KnownRecord, ...]:  # fmt: skip
    """The committed fingerprints the shards ran into: saved anew (by a shard that did
    not start from the committed corpus), or named in a shard's summary (a campaign
    that starts from it finds them without saving them)."""
    seen: dict[str, set[str]] = {}
    for fingerprint, group in groups.items():
        if fingerprint in committed.fingerprints:
            seen.setdefault(fingerprint, set()).update(each.shard for each in group)
    for shard in shards:
        named = shard.figure("fingerprint_ids")
        for fingerprint in named if isinstance(named, list) else ():
            if fingerprint in committed.fingerprints:
                seen.setdefault(str(fingerprint), set()).add(shard.name)
    return tuple(KnownRecord(fp, tuple(sorted(names))) for fp, names in sorted(seen.items()))


# ---------------------------------------------------------------- reading a shard


def _read_shard(directory: Path) -> tuple[ShardRecord, list[_Seen], list[str]]:
    if not directory.is_dir():
        raise NightlyError(f"{directory}: not a shard directory")
    problems: list[str] = []
    meta = _json_object(directory / SHARD_FILE, problems)
    summary = _json_object(directory / SUMMARY_FILE, problems)
    name = str(meta.get("name", directory.name)) if meta else directory.name
    record = ShardRecord(
        name=name,
        command=tuple(str(word) for word in meta.get("command", ())) if meta else (),
        status=_status(meta),
        summary=summary,
        problem="; ".join(problems) or None,
    )
    entries, unreadable = _read_corpus(name, directory / CORPUS_DIR)
    return record, entries, unreadable


def _json_object(path: Path, problems: list[str]) -> dict[str, Any] | None:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        problems.append(f"{path.name}: cannot read ({error.strerror})")
        return None
    except ValueError as error:
        problems.append(f"{path.name}: not JSON ({error})")
        return None
    if not isinstance(document, dict):
        problems.append(f"{path.name}: not a JSON object")
        return None
    return document


def _status(meta: dict[str, Any] | None) -> int | None:
    status = None if meta is None else meta.get("status")
    return status if isinstance(status, int) and not isinstance(status, bool) else None


def _read_corpus(shard: str, corpus: Path) -> tuple[list[_Seen], list[str]]:
    if not corpus.is_dir():
        return [], []
    entries, unreadable = [], []
    for path in corpus_files([corpus]):
        try:
            entry = load_entry(path)
        except CorpusError as error:
            unreadable.append(f"{shard}: {error}")
            continue
        entries.append(_Seen(shard, path, entry, size(encode_case(entry.case)),
                             case_hash(entry.case)))  # fmt: skip
    return entries, unreadable


# ---------------------------------------------------------------- keeping a fingerprint


def _keep(group: list[_Seen], out: Path) -> FindingRecord:
    """The smallest entry of ``group``, saved in ``out``, replayed and reported."""
    smallest = min(group, key=lambda each: each.order)
    entry = smallest.entry
    saved = save_entry(entry, out / CORPUS_DIR)
    replay, detail, divergence = replay_once(entry)
    return FindingRecord(
        fingerprint=entry.fingerprint,
        path=saved.relative_to(out).as_posix(),
        kind=entry.kind.value,
        executors=entry.executors,
        transactions=len(entry.case.block.txs),
        size=smallest.size,
        shards=_shard_names(group),
        copies=len(group),
        replay=replay,
        replay_detail=detail,
        report=_report(divergence or recorded_divergence(entry)),
    )


def replay_once(entry: Entry) -> tuple[Replay, str, Divergence | None]:
    """Run ``entry`` once more, by the one rule that decides what a corpus file may
    run (``replay.replay_entry``, naming no command: a file never chooses one), under
    its equivalence: what it showed, in words, and the divergence to report (None:
    report what the entry records)."""
    try:
        found = replay_entry(entry)
    except NeedsExecutor as missing:
        return Replay.NOT_RUN, f"not replayed: {missing.reason}", None
    except (ExecutorError, HarnessError) as error:
        return Replay.NOT_RUN, f"not replayed: {error}", None
    same = [d for d in found if d.fingerprint == entry.fingerprint]
    if same:
        return Replay.REPRODUCED, "reproduced: the same fingerprint on a replay", same[0]
    if found:
        other = found[0]
        return (
            Replay.ELSEWHERE,
            (
                f"a replay diverged with another fingerprint, {other.fingerprint} "
                f"({other.kind}): {other.detail}"
            ),
            None,
        )
    return Replay.AGREES, "one replay agreed: the divergence did not show again here", None


def recorded_divergence(entry: Entry) -> Divergence:
    """The divergence an entry records (without the first differing transaction and
    paths, which only a run finds)."""
    spec = entry.executors[0]
    family = spec if spec.startswith(EXTERNAL_PREFIX) else spec.split("@")[0].split("/")[0]
    return Divergence(
        kind=entry.kind,
        executor=spec,
        family=family,
        case=entry.case,
        expected=entry.expected,
        actual=entry.actual,
        detail=entry.detail,
        first_tx=None,
        paths=(),
        fingerprint=entry.fingerprint,
    )


def _report(divergence: Divergence) -> str:
    try:
        return build_report(divergence).markdown()
    except (ExecutorError, HarnessError) as error:
        return (
            f"### Divergence `{divergence.fingerprint}` ({divergence.kind}) in "
            f"`{divergence.executor}`\n\n{divergence.detail}\n\n(no report: {error})\n"
        )
