"""Replaying saved counterexamples, and what a corpus file may make txparity run.

A corpus file is data, and anyone who can add a file to a corpus (a pull request)
chooses what it says. CI runs ``txparity fuzz`` and ``pytest`` over the corpus, so
a file must never be able to choose a command. What an entry is replayed on:

- an in-tree executor it records (``NAME@BACKEND/SCHEDULE``) is replayed as
  recorded: it is code of this package, and the spec was checked when the file was
  read;
- an external executor it records (``cmd:COMMAND``) is never started. The entry is
  replayed on the external executors that the person running txparity names
  instead (``replay --executor``, ``fuzz --executor``, and for pytest
  ``--txparity-executor`` or the ``txparity_executors`` ini option: their own
  command line, or their own project's configuration). If they name none, the
  entry *needs an executor*: it is not run, not counted as agreeing, and every
  front end says which command it records and how to name one;
- its reference likewise: an in-tree reference is run as recorded, an external one
  only if the person running txparity named exactly that command (``--reference``;
  naming it among the executors, as the pytest plugin's ``--txparity-executor``
  does, names it too). A named reference command is never run in the place of a
  recorded executor: it stands for a recorded reference only;
- an entry about the reference itself (a ``reference`` entry, whose executor is its
  reference) needs its reference named, nothing more; an entry with no reference
  (``none``: executors compared with each other) is replayed the same way, with the
  named commands in the place of the recorded ones.

``plan_replay`` makes that decision and nothing else; ``replay_entry`` runs an
entry by it; ``replay_file`` reads and runs a file and gives its ``Verdict``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

from txparity.executors.errors import ExecutorError
from txparity.harness.corpus import CorpusError, Entry, is_external, load_entry
from txparity.harness.differential import Divergence, Runner
from txparity.harness.errors import HarnessError
from txparity.harness.options import Command, Options

__all__ = [
    "NeedsExecutor",
    "Plan",
    "Replayed",
    "Verdict",
    "external_specs",
    "named_reference",
    "plan_replay",
    "replay_entry",
    "replay_file",
    "shown",
]


class Verdict(StrEnum):
    """What replaying one corpus file found."""

    DIVERGES = "diverges"  # an executor still diverges
    AGREES = "agrees"  # every executor agrees now
    NEVER_REPRODUCED = "did not reproduce"  # agrees, as it did ever since it was found
    NEEDS_EXECUTOR = "needs an executor"  # records a command nobody named: not run
    UNREADABLE = "unreadable"  # not a counterexample, or one that cannot be run


class NeedsExecutor(HarnessError):
    """An entry that records external commands nobody named: it cannot be replayed
    as it is, and nothing it names was run."""

    def __init__(self, executors: Sequence[str], reference: str | None) -> None:
        self.executors = tuple(executors)
        self.reference = reference
        super().__init__(self.reason)

    @property
    def reason(self) -> str:
        parts = []
        if self.executors:
            parts.append(f"recorded against {_listed(self.executors)}")
        if self.reference is not None:
            parts.append(f"records the reference {shown(self.reference)}")
        return (
            f"needs an executor: {' and '.join(parts)}, an external command, not run "
            "(a file never chooses a command)"
        )

    def advice(self, flag: str, reference_flag: str | None = None) -> str:
        """How to name what is missing, with the front end's ``flag`` for executors
        and ``reference_flag`` (by default ``flag``) for the reference."""
        advice = []
        if self.executors:
            advice.append(f"name the executor to run it on with {flag} 'cmd:COMMAND'")
        if self.reference is not None:
            named_with = reference_flag or flag
            advice.append(f"name its reference yourself with {named_with} {shown(self.reference)}")
        return "; ".join(advice)


def shown(text: str) -> str:
    """``text`` quoted, with every character a terminal would act on escaped."""
    return repr(text)


def _listed(specs: Sequence[str]) -> str:
    return ", ".join(shown(spec) for spec in specs)


def external_specs(specs: Sequence[str]) -> tuple[str, ...]:
    """The external executors among ``specs``: the commands a user named."""
    return tuple(spec for spec in specs if is_external(spec))


def named_reference(options: Options) -> str | None:
    """The reference command the user named (``--reference cmd:...``), if they did."""
    return options.reference if is_external(options.reference) else None


@dataclass(frozen=True, slots=True)
class Plan:
    """What an entry is replayed on: its executors and its reference."""

    executors: tuple[str, ...]
    reference: str
    replaced: tuple[str, ...] = ()  # recorded external executors, replaced by named ones


def plan_replay(entry: Entry, named: Sequence[str], reference: str | None = None) -> Plan:
    """The executors and reference ``entry`` is replayed on, given the external
    executors the person running txparity ``named`` and the reference command they
    named (``reference``); ``NeedsExecutor`` if it records an external command that
    they did not name (see the module text)."""
    commands = external_specs(named)
    recorded_reference = entry.reference
    # The reference an entry about the reference records as its executor is named
    # with the reference, never replaced by another command.
    recorded = tuple(s for s in external_specs(entry.executors) if s != recorded_reference)
    substitutes = tuple(spec for spec in commands if spec != recorded_reference)
    executors_missing = bool(recorded) and not substitutes
    reference_named = recorded_reference in commands or recorded_reference == reference
    reference_missing = is_external(recorded_reference) and not reference_named
    if executors_missing or reference_missing:
        raise NeedsExecutor(
            recorded if executors_missing else (),
            recorded_reference if reference_missing else None,
        )
    executors = [s for s in entry.executors if not is_external(s) or s == recorded_reference]
    if recorded:
        executors += [spec for spec in substitutes if spec not in executors]
    return Plan(tuple(executors), recorded_reference, recorded)


def replay_entry(
    entry: Entry, options: Options | None = None, named: Sequence[str] = ()
) -> list[Divergence]:
    """Re-run a saved counterexample by ``plan_replay``, under its own equivalence
    and against its own reference, with ``options`` (by default ``replay``'s) for
    the rest; ``options.reference``, when a command, names the reference command."""
    options = Options.for_command(Command.REPLAY) if options is None else options
    plan = plan_replay(entry, named, named_reference(options))
    checked = replace(options, equivalence=entry.equivalence, reference=plan.reference)
    with Runner(plan.executors, checked) as runner:
        return runner.check(entry.case).divergences


@dataclass(frozen=True, slots=True)
class Replayed:
    """One corpus file replayed: its verdict, and what to say about it."""

    path: Path
    verdict: Verdict
    detail: str  # the divergence, the problem, or why it was not run
    entry: Entry | None = None
    divergences: tuple[Divergence, ...] = ()
    missing: NeedsExecutor | None = None


def replay_file(path: Path, options: Options, named: Sequence[str] = ()) -> Replayed:
    """Read ``path`` and replay it (see ``replay_entry``); never raises for what the
    file holds."""
    try:
        entry = load_entry(path)
    except CorpusError as error:
        return Replayed(path, Verdict.UNREADABLE, str(error))
    return replay_loaded(path, entry, options, named)


def replay_loaded(path: Path, entry: Entry, options: Options, named: Sequence[str]) -> Replayed:
    """Replay an entry already read from ``path``."""
    try:
        divergences = replay_entry(entry, options, named)
    except NeedsExecutor as missing:
        return Replayed(path, Verdict.NEEDS_EXECUTOR, missing.reason, entry, missing=missing)
    except (ExecutorError, HarnessError) as error:
        return Replayed(path, Verdict.UNREADABLE, f"{path}: cannot replay ({error})", entry)
    if divergences:
        first = divergences[0]
        # A split's or the reference's detail names its executors itself.
        blamed = first.split is None and not first.of_reference
        detail = f"{first.executor}: {first.detail}" if blamed else first.detail
        return Replayed(path, Verdict.DIVERGES, detail, entry, tuple(divergences))
    if entry.recheck is not None and entry.never_reproduced:
        # Agreeing says nothing of a fix when the divergence never showed again.
        detail = f"did not reproduce (it never did): {entry.recheck.describe()}"
        return Replayed(path, Verdict.NEVER_REPRODUCED, detail, entry)
    return Replayed(path, Verdict.AGREES, "", entry)
