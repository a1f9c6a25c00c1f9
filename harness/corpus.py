"""The corpus: counterexamples saved as canonical JSON, replayable forever.

Layout: ``<corpus>/<fingerprint>/<hash>.json``, one directory per fingerprint and
one file per case, named by the SHA-256 of the case's canonical JSON. A file holds
the case (with the schedule seed that showed the divergence), the executor specs
that diverged, the fingerprint, kind, expected and actual results, and the format
version, so that replaying it needs nothing else.

Every file is written to a temporary name in its directory and renamed into place,
so a run killed at any moment leaves either the whole file or none of it.
"""

from __future__ import annotations

import json
import os
import shlex
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from txparity.executors.codec import canonical_json, case_from_json, encode_case, parse_json
from txparity.executors.errors import InvalidCase
from txparity.executors.model import Case
from txparity.executors.shapes import CASE_HASH_LENGTH, case_digest
from txparity.harness.casefile import COUNTEREXAMPLE_FORMAT
from txparity.harness.differential import Divergence, DivergenceKind, Equivalence, Runner
from txparity.harness.errors import HarnessError, InputError
from txparity.harness.options import Command, Options
from txparity.harness.shrink import ShrinkResult, shrink
from txparity.harness.targets import REFERENCE_SPEC

__all__ = [
    "ENTRY_FORMAT",
    "CorpusError",
    "Entry",
    "Kept",
    "case_hash",
    "check_writable",
    "corpus_files",
    "entry_of",
    "load_entry",
    "replay_command",
    "replay_entry",
    "save_and_shrink",
    "save_entry",
    "shrink_command",
]

ENTRY_FORMAT = COUNTEREXAMPLE_FORMAT


class CorpusError(HarnessError):
    """A corpus file that cannot be read as a counterexample, or be written."""


@dataclass(frozen=True, slots=True)
class Entry:
    case: Case
    executors: tuple[str, ...]
    fingerprint: str
    kind: DivergenceKind
    expected: str
    actual: str | None
    detail: str
    shrunk: bool
    equivalence: Equivalence = Equivalence.STRICT
    reference: str = REFERENCE_SPEC

    def to_json(self) -> dict[str, object]:
        return {
            "format": ENTRY_FORMAT,
            "fingerprint": self.fingerprint,
            "kind": self.kind.value,
            "executors": list(self.executors),
            "reference": self.reference,
            "equivalence": self.equivalence.value,
            "shrunk": self.shrunk,
            "detail": self.detail,
            "case": encode_case(self.case),
            "expected": json.loads(self.expected),
            "actual": None if self.actual is None else json.loads(self.actual),
        }


def entry_of(divergence: Divergence, shrunk: bool, equivalence: Equivalence) -> Entry:
    return Entry(
        case=divergence.case,
        executors=(divergence.executor,),
        fingerprint=divergence.fingerprint,
        kind=divergence.kind,
        expected=divergence.expected,
        actual=divergence.actual,
        detail=divergence.detail,
        shrunk=shrunk,
        equivalence=equivalence,
    )


def replay_command(path: Path) -> str:
    """The shell command that replays the counterexample saved at ``path``."""
    return shlex.join(["txparity", "replay", str(path)])


def shrink_command(path: Path, executors: tuple[str, ...]) -> str:
    """The shell command that shrinks it against ``executors`` (``cmd:`` specs quoted)."""
    words = ["txparity", "shrink", str(path)]
    for spec in executors:
        words += ["--executor", spec]
    return shlex.join(words)


def check_writable(corpus: Path) -> None:
    """Raise ``InputError`` now if files could not be saved under ``corpus``, rather
    than when a command first has something to save.

    Nothing is left behind: a probe file is made and removed in ``corpus``, or, if
    it does not exist yet, in its nearest existing ancestor (save_entry makes the
    directories between)."""
    existing = corpus.absolute()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    try:
        if not existing.is_dir():
            raise NotADirectoryError(20, f"{existing} is not a directory")
        with tempfile.NamedTemporaryFile(dir=existing, prefix=".tmp-probe-"):
            pass
    except OSError as error:
        reason = error.strerror or str(error)
        raise InputError(f"cannot write to corpus directory {corpus}: {reason}") from None


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


def _write_entry(entry: Entry, corpus: Path) -> Path:
    directory = corpus / entry.fingerprint
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{case_hash(entry.case)}.json"
    text = canonical_json(entry.to_json()) + "\n"
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".json")
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
        data = path.read_bytes()
    except OSError as error:
        raise CorpusError(f"{path}: cannot read ({error.strerror})") from None
    try:
        # The strict reader, so that a repeated key is refused here as everywhere.
        document = parse_json(data)
    except InvalidCase as error:
        raise CorpusError(f"{path}: {error.message}") from None
    try:
        return _entry_from_json(document)
    except InvalidCase as error:
        where = "case" if error.path == "case" else f"case.{error.path}"
        raise CorpusError(f"{path}: {where}: {error.message}") from None
    except (KeyError, TypeError, ValueError) as error:
        raise CorpusError(
            f"{path}: not a counterexample ({type(error).__name__}: {error})"
        ) from None


def _entry_from_json(document: object) -> Entry:
    if not isinstance(document, dict) or document.get("format") != ENTRY_FORMAT:
        raise ValueError(f"format must be {ENTRY_FORMAT!r}")
    executors = document["executors"]
    if not isinstance(executors, list) or not all(isinstance(e, str) for e in executors):
        raise TypeError("executors must be a list of executor specs")
    if not executors:
        raise ValueError("executors is empty: the entry could never fail")
    actual = document.get("actual")
    return Entry(
        case=case_from_json(document["case"]),
        executors=tuple(executors),
        fingerprint=str(document["fingerprint"]),
        kind=DivergenceKind(str(document["kind"])),
        expected=canonical_json(document["expected"]),
        actual=None if actual is None else canonical_json(actual),
        detail=str(document.get("detail", "")),
        shrunk=bool(document.get("shrunk", False)),
        equivalence=Equivalence(str(document.get("equivalence", "strict"))),
        reference=str(document.get("reference", REFERENCE_SPEC)),
    )


def corpus_files(paths: list[Path]) -> Iterator[Path]:
    """The ``.json`` files named, and those under the directories named, sorted."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.json") if not p.name.startswith(".tmp-"))
        else:
            yield path


# ---------------------------------------------------------------- keeping and replaying


@dataclass(frozen=True, slots=True)
class Kept:
    """A divergence saved in the corpus, shrunk as far as the budget allowed."""

    path: Path
    shrunk: ShrinkResult
    original_txs: int

    @property
    def divergence(self) -> Divergence:
        return self.shrunk.divergence

    @property
    def shrink_seconds(self) -> float:
        return self.shrunk.seconds


def save_and_shrink(
    divergence: Divergence, runner: Runner, corpus: Path, seconds: float | None
) -> Kept:
    """Save the divergence as found (under the runner's equivalence), shrink it for at
    most ``seconds``, save the result, drop the original.

    The unshrunk file is on disk before shrinking starts and is removed only after
    the shrunk one has been renamed into place, so a kill at any moment keeps one.
    """
    equivalence = runner.options.equivalence
    first = save_entry(entry_of(divergence, False, equivalence), corpus)
    target = next(t for t in runner.targets if t.spec == divergence.executor)
    result = shrink(divergence, runner, target, seconds)
    final = save_entry(entry_of(result.divergence, True, equivalence), corpus)
    if final != first:
        first.unlink(missing_ok=True)
    return Kept(final, result, len(divergence.case.block.txs))


def replay_entry(entry: Entry, options: Options | None = None) -> list[Divergence]:
    """Re-run a saved counterexample on the executors it records, under its own
    equivalence, with ``options`` (by default ``replay``'s) for the rest."""
    options = Options.for_command(Command.REPLAY) if options is None else options
    with Runner(entry.executors, replace(options, equivalence=entry.equivalence)) as runner:
        return runner.check(entry.case).divergences
