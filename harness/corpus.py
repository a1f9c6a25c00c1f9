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
wrote, so reading one trusts nothing in it (``load_entry``):

- it is read only if it is a regular file of at most ``MAX_FILE_BYTES``
  (``harness.casefile``);
- the whole document is strict JSON: no key repeated in any object, no nesting
  deeper than ``MAX_JSON_DEPTH``; no field but the known ones;
- every field is checked: the fingerprint is one (hex digits), the kind and
  equivalence are known, every executor spec names an in-tree executor or is a
  ``cmd:`` command line, at most ``MAX_ENTRY_EXECUTORS`` of them and
  ``MAX_SPEC_CHARS`` each, the detail is at most ``MAX_DETAIL_CHARS``, the
  expected and actual results have the shape of a result, and the case is a valid
  case of at most ``MAX_ENTRY_TRANSACTIONS`` transactions whose invokes may run at
  most ``MAX_ENTRY_GAS`` gas in all (every block a corpus file asks for is run on
  the reference and each executor, several times);
- and what it may make txparity run is decided by ``harness.replay``: never a
  command it names.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import shlex
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from txparity.executors.codec import canonical_json, case_from_json, encode_case, parse_json
from txparity.executors.errors import InvalidCase, UnknownExecutor
from txparity.executors.limits import MAX_GAS_LIMIT
from txparity.executors.model import Case, Invoke
from txparity.executors.registry import parse_name
from txparity.executors.shapes import CASE_HASH_LENGTH, FINGERPRINT_LENGTH, case_digest
from txparity.harness.casefile import COUNTEREXAMPLE_FORMAT, UnreadableFile, read_file
from txparity.harness.claims import TEMPORARY_PREFIX, claim
from txparity.harness.differential import Divergence, DivergenceKind, Equivalence, Runner
from txparity.harness.errors import HarnessError, InputError
from txparity.harness.options import REPRODUCE_SEEDS_MOST, expand_specs
from txparity.harness.reproduce import REPLAYABLE_SCHEDULES, Recheck, found_on_threads, reproduce
from txparity.harness.shrink import ShrinkResult, ShrinkStop, shrink
from txparity.harness.targets import REFERENCE_SPEC, Target
from txparity.harness.targets.external import EXTERNAL_PREFIX
from txparity.harness.targets.result_shape import shape_problem

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
    "is_external",
    "load_entry",
    "replay_command",
    "save_and_shrink",
    "save_entry",
    "shrink_command",
]

ENTRY_FORMAT = COUNTEREXAMPLE_FORMAT
# What one corpus file may hold (see the module text). A saved find has one
# executor, a detail of a few hundred characters and tens of transactions, each
# invoke with a budget of at most a few thousand gas.
MAX_ENTRY_EXECUTORS = 16
MAX_SPEC_CHARS = 4096
MAX_DETAIL_CHARS = 10_000
MAX_ENTRY_TRANSACTIONS = 1000
MAX_ENTRY_GAS = 10 * MAX_GAS_LIMIT
_FINGERPRINT = re.compile(f"[0-9a-f]{{{FINGERPRINT_LENGTH}}}")
E = TypeVar("E", bound=StrEnum)


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
    recheck: Recheck | None = None  # found on real threads: how it was replayed
    shrink_stopped: ShrinkStop | None = None  # why its shrink ended, once shrunk

    @property
    def never_reproduced(self) -> bool:
        """Whether it was found once on real threads and no replay showed it since."""
        return self.recheck is not None and not self.recheck.reproduced

    def to_json(self) -> dict[str, object]:
        optional: dict[str, object] = {}
        if self.recheck is not None:
            optional["recheck"] = self.recheck.to_json()
        if self.shrink_stopped is not None:
            optional["shrink_stopped"] = self.shrink_stopped.value
        return optional | {
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


def entry_of(
    divergence: Divergence,
    shrunk: bool,
    equivalence: Equivalence,
    recheck: Recheck | None = None,
    shrink_stopped: ShrinkStop | None = None,
) -> Entry:
    return Entry(
        case=divergence.case,
        executors=(divergence.executor,),
        fingerprint=divergence.fingerprint,
        kind=divergence.kind,
        expected=divergence.expected,
        actual=divergence.actual,
        detail=_cut(divergence.detail, MAX_DETAIL_CHARS),
        shrunk=shrunk,
        equivalence=equivalence,
        recheck=recheck,
        shrink_stopped=shrink_stopped,
    )


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_external(spec: str) -> bool:
    """Whether ``spec`` names an external command (``cmd:...``)."""
    return spec.startswith(EXTERNAL_PREFIX)


def replay_command(path: Path, executors: Sequence[str] = ()) -> str:
    """The shell command that replays the counterexample saved at ``path``, naming the
    external ``executors`` among those given (a file never names them itself)."""
    words = ["txparity", "replay", str(path)]
    for spec in executors:
        if is_external(spec):
            words += ["--executor", spec]
    return shlex.join(words)


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
        with tempfile.NamedTemporaryFile(dir=existing, prefix=f"{TEMPORARY_PREFIX}probe-"):
            pass
    except OSError as error:
        reason = error.strerror or str(error)
        raise InputError(f"cannot write to corpus directory {corpus}: {reason}") from None


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
        return _entry(document)
    except _Refused as refused:
        raise CorpusError(f"{path}: {refused.field}: {refused.problem}") from None


class _Refused(Exception):
    """A field of a corpus document that is not what it must be."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


_REQUIRED = ("format", "fingerprint", "kind", "executors", "case", "expected")
_OPTIONAL = (
    "reference", "equivalence", "shrunk", "detail", "actual", "recheck", "shrink_stopped",
)  # fmt: skip
_RECHECK_FIELDS = ("found_on", "replays", "reproduced")
_MAX_REPLAYS = len(REPLAYABLE_SCHEDULES) * REPRODUCE_SEEDS_MOST


def entry_from_document(document: object) -> Entry:
    """The entry a decoded corpus document holds, every field checked (see the module
    text); raise ``CorpusError`` naming the field."""
    try:
        return _entry(document)
    except _Refused as refused:
        raise CorpusError(f"{refused.field}: {refused.problem}") from None


def _entry(document: object) -> Entry:
    fields = _document_fields(document)
    actual = fields.get("actual")
    return Entry(
        case=_case(fields["case"]),
        executors=_executors(fields["executors"]),
        fingerprint=_fingerprint(fields["fingerprint"]),
        kind=_choice(DivergenceKind, fields["kind"], "kind"),
        expected=_result(fields["expected"], "expected"),
        actual=None if actual is None else _result(actual, "actual"),
        detail=_text(fields.get("detail", ""), "detail", MAX_DETAIL_CHARS),
        shrunk=_flag(fields.get("shrunk", False), "shrunk"),
        equivalence=_choice(Equivalence, fields.get("equivalence", "strict"), "equivalence"),
        reference=_spec(fields.get("reference", REFERENCE_SPEC), "reference"),
        recheck=None if "recheck" not in fields else _recheck(fields["recheck"]),
        shrink_stopped=None
        if "shrink_stopped" not in fields
        else _choice(ShrinkStop, fields["shrink_stopped"], "shrink_stopped"),
    )


def _recheck(value: object) -> Recheck:
    """Where a real-thread find was found, and how often it was replayed."""
    value = _fields(value, "recheck", _RECHECK_FIELDS)
    found_on = _spec(value["found_on"], "recheck.found_on")
    if found_on_threads(found_on) is None:
        raise _Refused("recheck.found_on", "must be an in-tree parallel executor on threads")
    replays = _whole(value["replays"], "recheck.replays", _MAX_REPLAYS)
    return Recheck(found_on, replays, _flag(value["reproduced"], "recheck.reproduced"))


def _whole(value: object, field: str, most: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
        raise _Refused(field, f"must be a whole number from 0 to {most}")
    return value


def _document_fields(document: object) -> dict[str, object]:
    if not isinstance(document, dict) or document.get("format") != ENTRY_FORMAT:
        raise _Refused("format", f"not a counterexample (must be {ENTRY_FORMAT!r})")
    return _fields(document, "", _REQUIRED, _OPTIONAL)


def _fields(
    value: object, field: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> dict[str, object]:
    """An object with each key once, all of ``required`` and perhaps some ``optional``."""
    if not isinstance(value, dict):
        raise _Refused(field, "must be an object")
    # ``parse_json`` marks an object in which a key appeared twice.
    repeated = getattr(value, "repeated", "")
    if repeated:
        raise _Refused(_within(field, repeated), "key repeated in the document")
    for name in value:
        if name not in required and name not in optional:
            raise _Refused(_within(field, name), "unknown field")
    for name in required:
        if name not in value:
            raise _Refused(_within(field, name), "missing field")
    return value


def _within(field: str, name: str) -> str:
    return f"{field}.{name}" if field else name


def _case(value: object) -> Case:
    try:
        case = case_from_json(value)
    except InvalidCase as error:
        where = "case" if error.path == "case" else f"case.{error.path}"
        raise _Refused(where, error.message) from None
    if len(case.block.txs) > MAX_ENTRY_TRANSACTIONS:
        raise _Refused(
            "case.block.txs", f"a corpus case has at most {MAX_ENTRY_TRANSACTIONS} transactions"
        )
    gas = sum(
        tx.max_gas
        for tx in case.block.txs
        if isinstance(tx, Invoke) and tx.max_gas <= MAX_GAS_LIMIT  # more: malformed, never run
    )
    if gas > MAX_ENTRY_GAS:
        raise _Refused(
            "case.block.txs", f"a corpus case's invokes may run at most {MAX_ENTRY_GAS} gas in all"
        )
    return case


def _executors(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise _Refused("executors", "must be a list of executor specs")
    if not value:
        raise _Refused("executors", "is empty: the entry could never fail")
    if len(value) > MAX_ENTRY_EXECUTORS:
        raise _Refused("executors", f"at most {MAX_ENTRY_EXECUTORS} executor specs")
    specs = [_spec(spec, f"executors[{index}]") for index, spec in enumerate(value)]
    return expand_specs(specs)  # a bare parallel name means what it means on the command line


def _spec(value: object, field: str) -> str:
    """An executor spec: an in-tree executor's name, or ``cmd:`` and a command line
    (checked for its form only: nothing here runs it)."""
    text = _text(value, field, MAX_SPEC_CHARS)
    if is_external(text):
        try:
            words = shlex.split(text.removeprefix(EXTERNAL_PREFIX))
        except ValueError as error:
            raise _Refused(field, f"cannot parse the external command: {error}") from None
        if not words:
            raise _Refused(field, "empty external command after 'cmd:'")
        return text
    try:
        parse_name(text)
    except UnknownExecutor as error:
        raise _Refused(field, str(error)) from None
    return text


def _fingerprint(value: object) -> str:
    if not isinstance(value, str) or _FINGERPRINT.fullmatch(value) is None:
        raise _Refused("fingerprint", f"must be {FINGERPRINT_LENGTH} lowercase hex digits")
    return value


def _choice(kind: type[E], value: object, field: str) -> E:
    names = ", ".join(repr(member.value) for member in kind)
    if not isinstance(value, str) or value not in {member.value for member in kind}:
        raise _Refused(field, f"must be one of {names}")
    return kind(value)


def _text(value: object, field: str, limit: int) -> str:
    if not isinstance(value, str):
        raise _Refused(field, "must be a string")
    if len(value) > limit:
        raise _Refused(field, f"longer than {limit} characters")
    return value


def _flag(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise _Refused(field, "must be true or false")
    return value


def _result(value: object, field: str) -> str:
    """A recorded result: a result line's shape (SPEC 7), in canonical form."""
    problem = shape_problem(value)
    if problem is None and isinstance(value, dict) and set(value) == {"error"}:
        problem = "an error answer, not a result"
    if problem is not None:
        raise _Refused(field, problem)
    return canonical_json(value)


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
    with _shrinker(runner, found.executor) as (shrinking, target):
        result = shrink(
            found, shrinking, target, seconds, on_keep, candidates=options.shrink_candidates
        )
    shrunk = entry_of(result.divergence, True, options.equivalence, recheck, result.stopped)
    final = entry_path(shrunk, corpus)
    if not (theirs and final == first):  # shrunk to nothing new: their file stays theirs
        save_entry(shrunk, corpus)
    superseded = set() if theirs else {first}
    if replacing is not None and recorded is not None:  # never another bug's file
        superseded |= {replacing} if recorded.fingerprint == shrunk.fingerprint else set()
    for path in superseded - {final}:
        path.unlink(missing_ok=True)
    return Kept(final, result, len(divergence.case.block.txs), recheck)


@contextlib.contextmanager
def _shrinker(runner: Runner, spec: str) -> Iterator[tuple[Runner, Target]]:
    """A runner with a target for ``spec``: ``runner`` if it has one (a replay on
    another schedule may need a new one, closed afterwards)."""
    target = next((t for t in runner.targets if t.spec == spec), None)
    if target is not None:
        yield runner, target
        return
    with Runner([spec], runner.options, runner.reference_spec) as own:
        yield own, own.targets[0]
