"""A corpus entry: one saved counterexample, and reading one from untrusted data.

An ``Entry`` is what a corpus file holds (see ``harness.corpus`` for the files):
the case, the executors that diverged on it, its fingerprint, kind, expected and
actual results, its equivalence and reference, whether it was shrunk, and where
they apply, how a find on real threads was re-checked (``recheck``,
``harness.reproduce``) and why its shrink stopped (``shrink_stopped``).

The reference is the one the divergence was found against: an in-tree executor,
a ``cmd:`` command, or ``none`` for a split of executors compared with each other
(``harness.groups``), whose entry records every executor compared (two at least).
``expected`` is the reference's result (for a split, the largest group's); it is
null only where there is none: a ``reference`` entry (the reference failed, and is
the one executor it records), or a split whose largest group gave no result.

A corpus file is data that anyone who can add a file to a corpus (a pull request)
wrote, so ``entry_from_document`` trusts nothing in a decoded one:

- the whole document was read strictly (``codec.parse_json``: no key repeated in
  any object, no nesting deeper than ``MAX_JSON_DEPTH``), and it has no field but
  the known ones;
- every field is checked: the fingerprint is one (hex digits), the kind and
  equivalence are known, every executor spec names an in-tree executor or is a
  ``cmd:`` command line, at most ``MAX_ENTRY_EXECUTORS`` of them and
  ``MAX_SPEC_CHARS`` each, the detail is at most ``MAX_DETAIL_CHARS``, the
  expected and actual results have the shape of a result, a re-check record names
  a real-thread executor and a bounded count, and the case is a valid case of at
  most ``MAX_ENTRY_TRANSACTIONS`` transactions whose invokes may run at most
  ``MAX_ENTRY_GAS`` gas in all (every block a corpus file asks for is run on the
  reference and each executor, several times);
- what it may make txparity run is decided by ``harness.replay``: never a command
  it names.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from txparity.executors.codec import canonical_json, case_from_json, encode_case
from txparity.executors.errors import InvalidCase, UnknownExecutor
from txparity.executors.limits import MAX_GAS_LIMIT
from txparity.executors.model import Case, Invoke
from txparity.executors.registry import parse_name
from txparity.executors.shapes import FINGERPRINT_LENGTH
from txparity.harness.casefile import COUNTEREXAMPLE_FORMAT
from txparity.harness.differential import Divergence, DivergenceKind, Equivalence
from txparity.harness.errors import CorpusError
from txparity.harness.options import NO_REFERENCE, REPRODUCE_SEEDS_MOST, expand_specs
from txparity.harness.reproduce import REPLAYABLE_SCHEDULES, Recheck, found_on_threads
from txparity.harness.shrink import ShrinkStop
from txparity.harness.targets import REFERENCE_SPEC
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
    "EntryRefused",
    "entry_from_document",
    "entry_of",
    "is_external",
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


@dataclass(frozen=True, slots=True)
class Entry:
    case: Case
    executors: tuple[str, ...]
    fingerprint: str
    kind: DivergenceKind
    expected: str | None
    actual: str | None
    detail: str
    shrunk: bool
    equivalence: Equivalence = Equivalence.STRICT
    reference: str = REFERENCE_SPEC  # or NO_REFERENCE: every executor compared with each other
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
            "expected": None if self.expected is None else json.loads(self.expected),
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
        executors=divergence.executors,
        fingerprint=divergence.fingerprint,
        kind=divergence.kind,
        expected=divergence.expected,
        actual=divergence.actual,
        detail=_cut(divergence.detail, MAX_DETAIL_CHARS),
        shrunk=shrunk,
        equivalence=equivalence,
        reference=divergence.reference,
        recheck=recheck,
        shrink_stopped=shrink_stopped,
    )


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_external(spec: str) -> bool:
    """Whether ``spec`` names an external command (``cmd:...``)."""
    return spec.startswith(EXTERNAL_PREFIX)


class EntryRefused(CorpusError):
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
    text); ``EntryRefused`` names the first field that is not what it must be."""
    fields = _document_fields(document)
    actual = fields.get("actual")
    kind = _choice(DivergenceKind, fields["kind"], "kind")
    reference = _reference(fields.get("reference", REFERENCE_SPEC))
    executors = _executors(fields["executors"])
    if reference == NO_REFERENCE and len(executors) < 2:
        raise EntryRefused("executors", "an entry with no reference records two at least")
    no_result = kind is DivergenceKind.REFERENCE or reference == NO_REFERENCE
    return Entry(
        case=_case(fields["case"]),
        executors=executors,
        fingerprint=_fingerprint(fields["fingerprint"]),
        kind=kind,
        expected=_expected(fields["expected"], no_result),
        actual=None if actual is None else _result(actual, "actual"),
        detail=_text(fields.get("detail", ""), "detail", MAX_DETAIL_CHARS),
        shrunk=_flag(fields.get("shrunk", False), "shrunk"),
        equivalence=_choice(Equivalence, fields.get("equivalence", "strict"), "equivalence"),
        reference=reference,
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
        raise EntryRefused("recheck.found_on", "must be an in-tree parallel executor on threads")
    replays = _whole(value["replays"], "recheck.replays", _MAX_REPLAYS)
    return Recheck(found_on, replays, _flag(value["reproduced"], "recheck.reproduced"))


def _whole(value: object, field: str, most: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
        raise EntryRefused(field, f"must be a whole number from 0 to {most}")
    return value


def _document_fields(document: object) -> dict[str, object]:
    if not isinstance(document, dict) or document.get("format") != ENTRY_FORMAT:
        raise EntryRefused("format", f"not a counterexample (must be {ENTRY_FORMAT!r})")
    return _fields(document, "", _REQUIRED, _OPTIONAL)


def _fields(
    value: object, field: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> dict[str, object]:
    """An object with each key once, all of ``required`` and perhaps some ``optional``."""
    if not isinstance(value, dict):
        raise EntryRefused(field, "must be an object")
    # ``parse_json`` marks an object in which a key appeared twice.
    repeated = getattr(value, "repeated", "")
    if repeated:
        raise EntryRefused(_within(field, repeated), "key repeated in the document")
    for name in value:
        if name not in required and name not in optional:
            raise EntryRefused(_within(field, name), "unknown field")
    for name in required:
        if name not in value:
            raise EntryRefused(_within(field, name), "missing field")
    return value


def _within(field: str, name: str) -> str:
    return f"{field}.{name}" if field else name


def _case(value: object) -> Case:
    try:
        case = case_from_json(value)
    except InvalidCase as error:
        where = "case" if error.path == "case" else f"case.{error.path}"
        raise EntryRefused(where, error.message) from None
    if len(case.block.txs) > MAX_ENTRY_TRANSACTIONS:
        raise EntryRefused(
            "case.block.txs", f"a corpus case has at most {MAX_ENTRY_TRANSACTIONS} transactions"
        )
    gas = sum(
        tx.max_gas
        for tx in case.block.txs
        if isinstance(tx, Invoke) and tx.max_gas <= MAX_GAS_LIMIT  # more: malformed, never run
    )
    if gas > MAX_ENTRY_GAS:
        raise EntryRefused(
            "case.block.txs", f"a corpus case's invokes may run at most {MAX_ENTRY_GAS} gas in all"
        )
    return case


def _executors(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise EntryRefused("executors", "must be a list of executor specs")
    if not value:
        raise EntryRefused("executors", "is empty: the entry could never fail")
    if len(value) > MAX_ENTRY_EXECUTORS:
        raise EntryRefused("executors", f"at most {MAX_ENTRY_EXECUTORS} executor specs")
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
            raise EntryRefused(field, f"cannot parse the external command: {error}") from None
        if not words:
            raise EntryRefused(field, "empty external command after 'cmd:'")
        return text
    try:
        parse_name(text)
    except UnknownExecutor as error:
        raise EntryRefused(field, str(error)) from None
    return text


def _reference(value: object) -> str:
    """The reference an entry was found against: an executor spec, or ``none``."""
    if value == NO_REFERENCE:
        return NO_REFERENCE
    return _spec(value, "reference")


def _expected(value: object, may_be_null: bool) -> str | None:
    if value is None and may_be_null:
        return None
    if value is None:
        raise EntryRefused(
            "expected", "null only for a reference failure or an entry with no reference"
        )
    return _result(value, "expected")


def _fingerprint(value: object) -> str:
    if not isinstance(value, str) or _FINGERPRINT.fullmatch(value) is None:
        raise EntryRefused("fingerprint", f"must be {FINGERPRINT_LENGTH} lowercase hex digits")
    return value


def _choice(kind: type[E], value: object, field: str) -> E:
    names = ", ".join(repr(member.value) for member in kind)
    if not isinstance(value, str) or value not in {member.value for member in kind}:
        raise EntryRefused(field, f"must be one of {names}")
    return kind(value)


def _text(value: object, field: str, limit: int) -> str:
    if not isinstance(value, str):
        raise EntryRefused(field, "must be a string")
    if len(value) > limit:
        raise EntryRefused(field, f"longer than {limit} characters")
    return value


def _flag(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise EntryRefused(field, "must be true or false")
    return value


def _result(value: object, field: str) -> str:
    """A recorded result: a result line's shape (SPEC 7), in canonical form."""
    problem = shape_problem(value)
    if problem is None and isinstance(value, dict) and set(value) == {"error"}:
        problem = "an error answer, not a result"
    if problem is not None:
        raise EntryRefused(field, problem)
    return canonical_json(value)
