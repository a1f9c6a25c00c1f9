"""The case ``check`` and ``shrink`` were given, and what to check it with.

A case file may be a bare case, a vector or a corpus file; a corpus file is checked
as it was found (``targets``), unless the user says otherwise.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, replace

from txparity.executors.codec import parse_json
from txparity.executors.model import Case
from txparity.harness.casefile import case_of_document, is_counterexample, read_file
from txparity.harness.corpus import CorpusError, Entry, entry_from_document
from txparity.harness.errors import InputError
from txparity.harness.options import Options
from txparity.harness.replay import NeedsExecutor, plan_replay, shown

__all__ = ["Subject", "read_subject", "targets"]


@dataclass(frozen=True, slots=True)
class Subject:
    """The case a command was given, and the corpus entry it came in, if it did."""

    name: str
    case: Case
    entry: Entry | None


def read_subject(name: str) -> Subject:
    """A bare case, a vector or a corpus file (every field of which is checked)."""
    document = parse_json(read_file(name))
    if not is_counterexample(document):
        return Subject(name, case_of_document(document), None)
    try:
        entry = entry_from_document(document)
    except CorpusError as error:
        raise InputError(f"{name}: {error}") from None
    return Subject(name, entry.case, entry)


def targets(subject: Subject, arguments: argparse.Namespace, options: Options) -> Options:
    """The options to check ``subject`` with, its executors and reference among them.

    A corpus file is checked as it was found: on the executors it records (their
    schedules with it), under its equivalence, against its reference, unless the
    user names executors, a reference or an equivalence, which then win (and a note
    says what was overridden). A recorded external command runs only if the user
    names it (``harness.replay``)."""
    entry = subject.entry
    if entry is None:
        return options
    if arguments.equivalence is None:
        options = replace(options, equivalence=entry.equivalence)
    given = arguments.executors is not None
    given_reference: str | None = options.reference if arguments.reference is not None else None
    recorded = replace(
        entry,
        executors=options.executors if given else entry.executors,
        reference=entry.reference if given_reference is None else given_reference,
    )
    try:
        plan = plan_replay(recorded, options.executors if given else (), given_reference)
    except NeedsExecutor as missing:
        advice = missing.advice("--executor", "--reference")
        raise InputError(f"{subject.name} {missing.reason}; {advice}") from None
    if given and plan.executors != entry.executors:
        print(
            f"txparity: note: {subject.name} records the executor(s) "
            f"{', '.join(map(shown, entry.executors))}; running the --executor ones instead",
            file=sys.stderr,
        )
    if plan.reference != entry.reference:
        print(
            f"txparity: note: {subject.name} records the reference {shown(entry.reference)}; "
            "checking against the --reference one instead",
            file=sys.stderr,
        )
    return replace(options, executors=plan.executors, reference=plan.reference)
