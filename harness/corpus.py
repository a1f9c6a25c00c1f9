"""The corpus: counterexamples saved as canonical JSON, replayable forever.

Layout: ``<corpus>/<fingerprint>/<hash>.json``, one directory per fingerprint and
one file per case, named by the SHA-256 of the case's canonical JSON. A file holds
the case (with the schedule seed that showed the divergence), the executor specs
that diverged, the fingerprint, kind, expected and actual results, and the format
version, so that replaying it needs nothing else; and, where they apply, how a
find on real threads was re-checked (``recheck``, ``harness.reproduce``) and why
its shrink stopped (``shrink_stopped``: ``shrunk`` false or a stop by ``time``
means a later run may shrink it further).

Every file is written to a temporary name in its directory and renamed into place,
so a run killed at any moment leaves either the whole file or none of it; who may
write a fingerprint's directory is decided by its claim (``harness.claims``).

A corpus file is data that anyone who can add a file to a corpus (a pull request)
wrote, so reading one trusts nothing in it: ``load_entry`` reads only a regular
file of at most ``MAX_FILE_BYTES`` (``harness.casefile``), strictly, and checks
every field (``harness.entry``); what it may make txparity run is decided by
``harness.replay``: never a command it names.
"""

from __future__ import annotations

import contextlib
import math
import os
import shlex
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from txparity.executors.codec import canonical_json, parse_json
from txparity.executors.errors import InvalidCase
from txparity.executors.model import Case
from txparity.executors.shapes import CASE_HASH_LENGTH, case_digest
from txparity.harness.casefile import UnreadableFile, read_file
from txparity.harness.claims import TEMPORARY_PREFIX, check_writable, claim
from txparity.harness.differential import Divergence, Runner
from txparity.harness.entry import (
    ENTRY_FORMAT,
    MAX_DETAIL_CHARS,
    MAX_ENTRY_EXECUTORS,
    MAX_ENTRY_GAS,
    MAX_ENTRY_TRANSACTIONS,
    MAX_SPEC_CHARS,
    CorpusError,
    Entry,
    EntryRefused,
    entry_from_document,
    entry_of,
    is_external,
)
from txparity.harness.reproduce import Recheck, reproduce
from txparity.harness.shrink import ShrinkResult, shrink
from txparity.harness.targets import Target

__all__ = [
    "ENTRY_FORMAT",
    "MAX_DETAIL_CHARS",
    "MAX_ENTRY_EXECUTORS",
    "MAX_ENTRY_GAS",
    "MAX_ENTRY_TRANSACTIONS",
    "MAX_SPEC_CHARS",
    "CorpusError",
    "Entry",
    "Kept",
    "case_hash",
    "check_writable",
    "claimed",
    "corpus_files",
    "entry_from_document",
    "entry_of",
    "entry_path",
    "executor_command",
    "is_external",
    "load_entry",
    "replay_command",
    "save_and_shrink",
    "save_entry",
    "shrink_command",
]


def replay_command(path: Path, executors: Sequence[str] = (), reference: str | None = None) -> str:
    """The shell command that replays the counterexample saved at ``path``, naming the
    external ``executors`` among those given, and the ``reference`` if it is an
    external one (a file never names them itself)."""
    words = ["txparity", "replay", str(path)]
    for spec in executors:
        if is_external(spec):
            words += ["--executor", spec]
    if reference is not None and is_external(reference):
        words += ["--reference", reference]
    return shlex.join(words)


def shrink_command(path: Path, executors: tuple[str, ...]) -> str:
    """The shell command that shrinks it against ``executors`` (``cmd:`` specs quoted)."""
    words = ["txparity", "shrink", str(path)]
    for spec in executors:
        words += ["--executor", spec]
    return shlex.join(words)


# Feeds the case of a saved file to an external executor on standard input, one line
# (SPEC 8), with nothing but the Python that runs txparity.
_CASE_LINE = 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["case"]))'


def executor_command(path: Path, spec: str) -> str:
    """The shell command that runs the case saved at ``path`` on the one executor
    ``spec``: ``txparity run`` for an in-tree executor (its backend and schedule
    named; the schedule seed is the case's), the command itself fed the case on
    standard input for a ``cmd:`` executor, as a campaign feeds it."""
    if is_external(spec):
        command = spec.split(":", 1)[1]
        return f"{shlex.join(['python3', '-c', _CASE_LINE, str(path)])} | {command}"
    return shlex.join(["txparity", "run", str(path), "--executor", spec, "--stats"])


@contextlib.contextmanager
def claimed(corpus: Path, fingerprint: str) -> Iterator[bool]:
    """``harness.claims.claim`` on the fingerprint's directory: True while this
    process holds it, False if a live process does; ``CorpusError`` if the corpus
    refuses the claim."""
    with contextlib.ExitStack() as stack:
        try:
            held = stack.enter_context(claim(corpus / fingerprint))
        except OSError as error:
            raise CorpusError(
                f"cannot save the counterexample of {fingerprint} in {corpus}: "
                f"{error.strerror or error}"
            ) from None
        yield held


def case_hash(case: Case) -> str:
    """The name of ``case``'s corpus file, without ``.json``."""
    return case_digest(case, CASE_HASH_LENGTH)


def save_entry(entry: Entry, corpus: Path) -> Path:
    """Write ``entry`` atomically; return its path (unchanged if already there).

    ``CorpusError`` if the file system refuses (the corpus became unwritable, the
    disk is full): the counterexample is then not saved, and the message says so."""
    try:
        return _write_entry(entry, corpus)
    except OSError as error:
        raise CorpusError(
            f"cannot save the counterexample of {entry.fingerprint} in {corpus}: "
            f"{error.strerror or error}"
        ) from None


def entry_path(entry: Entry, corpus: Path) -> Path:
    """Where ``save_entry`` saves ``entry`` in ``corpus``."""
    return corpus / entry.fingerprint / f"{case_hash(entry.case)}.json"


def _write_entry(entry: Entry, corpus: Path) -> Path:
    path = entry_path(entry, corpus)
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    text = canonical_json(entry.to_json()) + "\n"
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=TEMPORARY_PREFIX, suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)  # mkstemp makes it private; corpus files are shared
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def load_entry(path: Path) -> Entry:
    """Read a corpus file; raise ``CorpusError`` naming the file and the problem."""
    try:
        data = read_file(path)
    except UnreadableFile as error:
        raise CorpusError(f"{path}: cannot read ({error.reason})") from None
    try:
        # The strict reader, so that a repeated key is refused here as everywhere.
        document = parse_json(data)
    except InvalidCase as error:
        raise CorpusError(f"{path}: {error.message}") from None
    try:
        return entry_from_document(document)
    except EntryRefused as refused:
        raise CorpusError(f"{path}: {refused}") from None


def corpus_files(paths: list[Path]) -> Iterator[Path]:
    """The ``.json`` files named, and those under the directories named, sorted."""
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*.json") if not p.name.startswith(TEMPORARY_PREFIX)
            )
        else:
            yield path


# ---------------------------------------------------------------- keeping and replaying


@dataclass(frozen=True, slots=True)
class Kept:
    """A divergence saved in the corpus, shrunk as far as the budget allowed."""

    path: Path
    shrunk: ShrinkResult
    original_txs: int
    recheck: Recheck | None = None

    @property
    def divergence(self) -> Divergence:
        return self.shrunk.divergence

    @property
    def shrink_seconds(self) -> float:
        return self.shrunk.seconds


def save_and_shrink(
    divergence: Divergence,
    runner: Runner,
    corpus: Path,
    seconds: float | None,
    deadline: float | None = None,
    on_keep: Callable[[Divergence], None] | None = None,
    recorded: Entry | None = None,
    replacing: Path | None = None,
) -> Kept:
    """Save the divergence (under the runner's equivalence), shrink it within the
    runner's candidate budget and for at most ``seconds``, save the result (with why
    its shrink stopped), drop the original.

    A divergence found on real threads is first replayed on the replayable
    schedules (``harness.reproduce``), and what is saved and shrunk is the replay
    that showed it, if one did. ``deadline`` (a ``time.monotonic`` value) bounds
    those replays and the shrink. ``on_keep`` hears of each smaller case kept.

    Shrinking a saved entry again (``recorded``, read from ``replacing``) keeps what
    it recorded of a real-thread find, and removes ``replacing`` once the result is
    saved, if the result has the entry's fingerprint.

    The unshrunk file is on disk before shrinking starts and is removed only after
    the shrunk one has been renamed into place, so a kill at any moment keeps one.
    """
    options = runner.options
    found, recheck = reproduce(divergence, runner, options.reproduce_seeds, deadline)
    if recheck is None and recorded is not None:
        recheck = recorded.recheck
    as_found = entry_of(found, False, options.equivalence, recheck)
    first = entry_path(as_found, corpus)
    # The same case may be saved already, recording another executor or a bug fixed
    # since: that file is someone's record, neither overwritten nor removed here.
    theirs = first.exists() and first != replacing
    if not theirs:
        save_entry(as_found, corpus)
    if deadline is not None:
        seconds = max(
            0.0, min(math.inf if seconds is None else seconds, deadline - time.monotonic())
        )
    with _shrinker(runner, found) as (shrinking, target):
        result = shrink(
            found, shrinking, target, seconds, on_keep, candidates=options.shrink_candidates
        )
    shrunk = entry_of(result.divergence, True, options.equivalence, recheck, result.stopped)
    final = entry_path(shrunk, corpus)
    if not (theirs and final == first):  # shrunk to nothing new: their file stays theirs
        save_entry(shrunk, corpus)
    _remove_superseded(final, set() if theirs else {first}, shrunk, recorded, replacing)
    return Kept(final, result, len(divergence.case.block.txs), recheck)


def _remove_superseded(
    final: Path,
    superseded: set[Path],
    shrunk: Entry,
    recorded: Entry | None,
    replacing: Path | None,
) -> None:
    """Remove the files the shrunk entry at ``final`` replaces: the unshrunk one,
    and the entry shrunk again, but never another bug's file."""
    if replacing is not None and recorded is not None:
        superseded |= {replacing} if recorded.fingerprint == shrunk.fingerprint else set()
    for path in superseded - {final}:
        path.unlink(missing_ok=True)


@contextlib.contextmanager
def _shrinker(runner: Runner, found: Divergence) -> Iterator[tuple[Runner, Target]]:
    """A runner with a target for what ``found`` blames: ``runner`` if it has one (a
    replay on another schedule may need a new one, closed afterwards). A reference
    divergence is shrunk on the reference itself, checked against itself."""
    if found.of_reference and runner.reference is not None:
        yield runner, runner.reference
        return
    target = next((t for t in runner.targets if t.spec == found.executor), None)
    if target is not None:
        yield runner, target
        return
    with Runner([found.executor], runner.options, runner.reference_spec) as own:
        yield own, own.targets[0]
