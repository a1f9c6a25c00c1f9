"""The differential runner: one case, the reference and every target, compared.

For each case the reference (``options.reference``: ``sequential@memory`` unless
another in-tree or ``cmd:`` executor is named) runs once; each target runs once,
or, if its schedule seed matters, once per seed in ``seeds`` consecutive seeds from
the case's own, stopping at the first divergence. Canonical results are compared as
bytes; only a mismatch is analysed further.

A ``Divergence`` records the target, the exact case that shows it (with the
schedule seed that did), both answers, the first transaction whose receipt
differs (or, when receipts agree, the state items that differ), and a stable
fingerprint: the kind of difference, the target's family and the first differing
field path with its indices and map keys replaced by ``*``. Shrinking keeps a
candidate only when its fingerprint is unchanged, so it never slides onto another
bug.

Before a divergence is reported, the reference is checked against itself: run
twice more, and, for an in-tree reference, once on each other backend. If it
disagrees with itself the finding is reported as ``reference`` nondeterminism,
not blamed on the target.

A reference that gives no result (an error line, a hang, a crash, a protocol
error, an exception), on the first run or on the self-check, is a *reference
failure*: a ``reference`` divergence of the reference itself (its executor is the
reference, its fingerprint the reference's family and the kind of failure), never
of a target, which is then not run (there is nothing to compare it with).

With no reference (``--reference none``) every target is compared with every
other, and one divergence describes how they split into groups (``harness.groups``).

Equivalence profiles: ``strict`` compares the whole canonical result; ``state``
compares the post-state and the receipt statuses only.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from txparity.executors.codec import canonical_json
from txparity.executors.execution import ExecutionPath, Stats
from txparity.executors.model import U64_LIMIT, Case
from txparity.executors.parallel import case_id
from txparity.executors.registry import ExecutorName, parse_name
from txparity.executors.shapes import fingerprint, flatten_state, star_keys
from txparity.executors.state import BACKENDS
from txparity.harness.errors import InputError, ReferenceFailure
from txparity.harness.groups import Member, Split, split_answers
from txparity.harness.options import DEFAULTS, NO_REFERENCE, Equivalence, Options
from txparity.harness.targets import REFERENCE_SPEC, Answer, AnswerKind, Target, make_target
from txparity.harness.targets.builtin import BuiltinTarget
from txparity.harness.targets.external import EXTERNAL_PREFIX

__all__ = [
    "CheckResult",
    "Divergence",
    "DivergenceKind",
    "Equivalence",
    "Runner",
    "Tally",
    "compare",
]


class DivergenceKind(StrEnum):
    RECEIPTS = "receipts"
    STATE = "state"
    ERROR = "error"
    HANG = "hang"
    CRASH = "crash"
    PROTOCOL = "protocol"
    EXCEPTION = "exception"
    REFERENCE = "reference"  # the reference failed, or disagrees with itself


# The signature of a reference that disagrees with itself (a reference failure's
# is the kind of answer it gave instead of a result).
_NONDETERMINISTIC = ""


_KIND_OF_ANSWER = {
    AnswerKind.ERROR: DivergenceKind.ERROR,
    AnswerKind.HANG: DivergenceKind.HANG,
    AnswerKind.CRASH: DivergenceKind.CRASH,
    AnswerKind.PROTOCOL: DivergenceKind.PROTOCOL,
    AnswerKind.EXCEPTION: DivergenceKind.EXCEPTION,
}


@dataclass(frozen=True, slots=True)
class Difference:
    """How two answers differ, before it is attached to a case and a target."""

    kind: DivergenceKind
    detail: str
    first_tx: int | None = None
    paths: tuple[str, ...] = ()
    signature: str = ""  # the fingerprint's path part

    def fingerprint(self, family: str) -> str:
        """This difference's stable name when ``family`` shows it (``shapes.fingerprint``)."""
        return fingerprint(self.kind, family, self.signature)


@dataclass(frozen=True, slots=True)
class Divergence:
    """What a check found. ``expected`` is the reference's result (with no reference,
    the largest group's), None when there is none; ``executor`` is the target that
    diverged, or the reference for a ``reference`` divergence, or, with no
    reference, the first executor of the first group that differs from the largest
    (``split`` holds them all)."""

    kind: DivergenceKind
    executor: str
    family: str
    case: Case
    expected: str | None
    actual: str | None
    detail: str
    first_tx: int | None
    paths: tuple[str, ...]
    fingerprint: str
    reference: str = REFERENCE_SPEC  # what it was found against; NO_REFERENCE for a split
    split: Split | None = None
    # What the diverging run reported (in-tree targets only): its path, batches or
    # Block-STM figures, for reports. Not part of what the divergence is.
    stats: Stats | None = field(default=None, compare=False)

    @property
    def executors(self) -> tuple[str, ...]:
        """The executors a saved counterexample records: every executor compared for
        a split, else the one that diverged."""
        return self.split.executors if self.split is not None else (self.executor,)

    @property
    def of_reference(self) -> bool:
        """Whether the reference, not a target, is to blame (a reference failure or
        its nondeterminism)."""
        return self.kind is DivergenceKind.REFERENCE

    @property
    def first_item(self) -> str:
        """The first differing item: a receipt field, or the state item the detail
        names; '' for a kind without one (a hang, a crash, an error answer)."""
        if self.kind is DivergenceKind.STATE and self.paths:
            return _first_state_path(self.paths)
        if self.kind is DivergenceKind.RECEIPTS and self.paths:
            return self.paths[0]
        return ""


@dataclass(frozen=True, slots=True)
class Tally:
    """What checking cases on one target counted. Tallies add up: the runs of one
    case make the case's tally, the cases' tallies a campaign's, and they travel
    from worker processes to the parent as they are."""

    cases: int = 0
    runs: int = 0
    divergences: int = 0
    parallel: int = 0  # runs that took the parallel path
    aborts: int = 0  # Block-STM aborts over the runs
    incarnations: int = 0  # Block-STM incarnations over the runs
    batches: int = 0  # batches the batched executor ran, over the runs
    conflicts: int = 0  # batch conflicts (a transaction that opened a batch), over the runs

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            cases=self.cases + other.cases,
            runs=self.runs + other.runs,
            divergences=self.divergences + other.divergences,
            parallel=self.parallel + other.parallel,
            aborts=self.aborts + other.aborts,
            incarnations=self.incarnations + other.incarnations,
            batches=self.batches + other.batches,
            conflicts=self.conflicts + other.conflicts,
        )

    @staticmethod
    def of_run(stats: Stats | None, diverged: bool) -> Tally:
        """One run of a target, with the statistics it reported (if any)."""
        return Tally(
            runs=1,
            divergences=int(diverged),
            parallel=int(stats is not None and stats.path is ExecutionPath.PARALLEL),
            aborts=0 if stats is None else stats.aborts,
            incarnations=0 if stats is None else stats.incarnations,
            batches=0 if stats is None else len(stats.batch_sizes),
            conflicts=0 if stats is None else stats.conflicts,
        )


@dataclass(slots=True)
class CheckResult:
    """What checking one case found, and where the time went."""

    divergences: list[Divergence] = field(default_factory=list)
    tallies: dict[str, Tally] = field(default_factory=dict)  # each target's: cases 1
    executor_seconds: float = 0.0  # the reference's run and every target's
    expected: str | None = None  # the reference's result (None: no reference, or it failed)
    # Each target run's spec and the statistics it reported (None for a cmd: executor).
    run_stats: list[tuple[str, Stats | None]] = field(default_factory=list)

    @property
    def runs(self) -> int:
        return sum(tally.runs for tally in self.tallies.values())


# ---------------------------------------------------------------- comparing


def compare(expected: str, answer: Answer, equivalence: Equivalence) -> Difference | None:
    """None when ``answer`` agrees with the reference result ``expected``."""
    if answer.kind is not AnswerKind.RESULT:
        return _failed_answer(answer)
    assert answer.result is not None
    if answer.result == expected:
        return None
    want, got = json.loads(expected), json.loads(answer.result)
    fields = _RECEIPT_FIELDS if equivalence is Equivalence.STRICT else ("status",)
    if equivalence is Equivalence.STATE and _state_view(want) == _state_view(got):
        return None
    return _receipt_difference(want, got, fields) or _state_difference(want, got)


def _failed_answer(answer: Answer) -> Difference:
    kind = _KIND_OF_ANSWER[answer.kind]
    signature = answer.detail.split(":", 1)[0] if kind is DivergenceKind.EXCEPTION else ""
    return Difference(kind, answer.detail, signature=signature)


def answers_difference(largest: Answer, other: Answer, equivalence: Equivalence) -> Difference:
    """How ``other``'s answer differs from ``largest``'s, two answers that do not agree
    (``agreement_key``): as ``compare`` would say with ``largest`` as the reference,
    or, when only ``largest`` failed, its kind of failure."""
    if other.kind is not AnswerKind.RESULT:
        failed = _failed_answer(other)
        return replace(failed, detail=f"{other.kind}: {other.detail}")
    if largest.kind is not AnswerKind.RESULT:
        failed = _failed_answer(largest)
        return replace(failed, detail=f"a result, not {largest.kind}: {largest.detail}")
    assert largest.result is not None
    difference = compare(largest.result, other, equivalence)
    assert difference is not None, "answers in different groups differ"
    return difference


def agreement_key(answer: Answer, equivalence: Equivalence) -> str:
    """What two answers must share to agree: a result's canonical bytes (under
    ``state``, its post-state and receipt statuses), or a failure's kind."""
    if answer.kind is not AnswerKind.RESULT or answer.result is None:
        return f"failed:{answer.kind}"
    if equivalence is Equivalence.STATE:
        return "state:" + canonical_json(_state_view(json.loads(answer.result)))
    return "result:" + answer.result


def _state_view(result: dict[str, Any]) -> dict[str, Any]:
    receipts = [{"status": receipt["status"]} for receipt in result.get("receipts", [])]
    return {"state": result.get("state"), "receipts": receipts}


# A version 1 receipt has no ``logs``: absent on both sides, never a difference.
_RECEIPT_FIELDS = ("status", "reason", "gas_used", "logs")


def _receipt_difference(
    want: dict[str, Any], got: dict[str, Any], fields: tuple[str, ...]
) -> Difference | None:
    """The first receipt differing in one of ``fields`` (the details show all)."""
    expected, actual = want.get("receipts", []), got.get("receipts", [])
    for index, (a, b) in enumerate(zip(expected, actual, strict=False)):
        name = next((f for f in fields if a.get(f) != b.get(f)), None)
        if name is not None:
            shown = _receipt_text if name != "logs" else _receipt_logs_text
            detail = f"tx {index}: expected {shown(a)}, actual {shown(b)}"
            path = f"receipts[{index}].{name}"
            return Difference(
                DivergenceKind.RECEIPTS, detail, index, (path,), f"receipts[*].{name}"
            )
    if len(expected) != len(actual):
        detail = f"expected {len(expected)} receipts, actual {len(actual)}"
        return Difference(DivergenceKind.RECEIPTS, detail, min(len(expected), len(actual)),
                          ("receipts",), "receipts")  # fmt: skip
    return None


def _receipt_text(receipt: dict[str, Any]) -> str:
    reason = receipt.get("reason")
    status = receipt.get("status")
    return f"{status}" + (f"/{reason}" if reason else "") + f" gas {receipt.get('gas_used')}"


def _receipt_logs_text(receipt: dict[str, Any]) -> str:
    """A receipt with its logs (SPEC 10.5), for a difference in logs only."""
    logs = json.dumps(receipt.get("logs"), separators=(",", ":"))
    return f"{_receipt_text(receipt)} logs {logs}"


def _state_difference(want: dict[str, Any], got: dict[str, Any]) -> Difference:
    expected = flatten_state(want.get("state", {}))
    actual = flatten_state(got.get("state", {}))
    paths = sorted(
        path for path in expected.keys() | actual.keys() if expected.get(path) != actual.get(path)
    )
    if not paths:  # only the format field can be left
        return Difference(DivergenceKind.STATE, "results differ outside the state", None,
                          ("format",), "format")  # fmt: skip
    first = _first_state_path(paths)
    detail = (
        f"{len(paths)} state item(s) differ, first {first}: "
        f"expected {_shown(expected.get(first))}, actual {_shown(actual.get(first))}"
    )
    return Difference(DivergenceKind.STATE, detail, None, tuple(paths), star_keys(first))


def _first_state_path(paths: Sequence[str]) -> str:
    # The least path once keys are starred, so that which address happens to sort
    # first cannot change the fingerprint.
    return min(paths, key=lambda path: (star_keys(path), path))


def _shown(value: object) -> str:
    return "(absent)" if value is None else str(value)


# ---------------------------------------------------------------- running


class Runner:
    """Checks cases against a set of targets; owns the targets' lifetimes."""

    def __init__(
        self, specs: Sequence[str], options: Options = DEFAULTS, reference: str | None = None
    ) -> None:
        """Targets for ``specs`` (a command passes ``options.executors``), checked with
        ``options``' schedule seeds, equivalence, timeout and watchdog, against
        ``reference`` (by default ``options.reference``; a replayed entry passes the
        one it records, see ``harness.replay``). ``NO_REFERENCE`` compares the
        targets with each other, and needs two of them at least."""
        self.options = options
        self.reference_spec = options.reference if reference is None else reference
        if self.reference_spec == NO_REFERENCE and len(specs) < 2:
            raise InputError(
                f"--reference {NO_REFERENCE} compares the executors with each other: "
                f"it needs two executors at least, not {len(specs)}"
            )
        self.reference: Target | None = None
        self.targets: list[Target] = []
        try:
            if self.reference_spec != NO_REFERENCE:
                self.reference = self._make(self.reference_spec)
            for spec in specs:
                self.targets.append(self._make(spec))
        except BaseException:
            self.close()
            raise

    def _make(self, spec: str) -> Target:
        return make_target(spec, self.options.timeout_s, self.options.watchdog_s)

    def close(self) -> None:
        for target in self.targets:
            target.close()
        if self.reference is not None:
            self.reference.close()

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def compares_all(self) -> bool:
        """Whether there is no reference: the targets are compared with each other."""
        return self.reference is None

    def reference_result(self, case: Case) -> str:
        """The reference's result; ``ReferenceFailure`` if it has none for this case."""
        answer = self._reference().answer(case)
        if answer.kind is not AnswerKind.RESULT or answer.result is None:
            raise ReferenceFailure(_reference_failure_detail(self.reference_spec, case, answer))
        return answer.result

    def _reference(self) -> Target:
        if self.reference is None:
            raise InputError(f"--reference {NO_REFERENCE}: there is no reference result")
        return self.reference

    def check(
        self,
        case: Case,
        only: Target | None = None,
        confirm: bool = True,
        seeds: int | None = None,
    ) -> CheckResult:
        """Run ``case`` on the reference and the targets (or only ``only``).

        ``confirm`` re-checks the reference against itself before blaming a target;
        the shrinker turns it off, having confirmed the case it started from.
        ``seeds`` overrides how many schedule seeds a seeded target is tried with.
        With no reference, every target runs whatever ``only`` says: a split is a
        partition of them all.
        """
        if self.reference is None:
            return self._check_all(case, seeds)
        outcome = CheckResult()
        first = self._run(self.reference, case, outcome)
        if first.kind is not AnswerKind.RESULT or first.result is None:
            outcome.divergences.append(self._reference_failed(case, first))
            return outcome
        outcome.expected = first.result
        for target in [only] if only is not None else self.targets:
            divergence = self._check_target(case, first.result, target, outcome, seeds)
            if divergence is not None:
                outcome.divergences.append(self._confirm(divergence) if confirm else divergence)
        return outcome

    def _run(self, target: Target, case: Case, outcome: CheckResult) -> Answer:
        started = time.perf_counter()
        answer = target.answer(case)
        outcome.executor_seconds += time.perf_counter() - started
        return answer

    def _check_target(
        self, case: Case, expected: str, target: Target, outcome: CheckResult, seeds: int | None
    ) -> Divergence | None:
        divergence = None
        tally = outcome.tallies.get(target.spec, Tally(cases=1))
        count = seeds or self.options.seeds if target.seeded else 1
        for seeded_case in _with_seeds(case, count):
            answer = self._run(target, seeded_case, outcome)
            difference = compare(expected, answer, self.options.equivalence)
            tally += Tally.of_run(answer.stats, difference is not None)
            outcome.run_stats.append((target.spec, answer.stats))
            if difference is not None:
                divergence = _divergence(difference, target, seeded_case, expected, answer)
                divergence = replace(divergence, reference=self.reference_spec)
                break
        outcome.tallies[target.spec] = tally
        return divergence

    # ------------------------------------------------------------ the reference itself

    def _confirm(self, divergence: Divergence) -> Divergence:
        """Blame the target only if the reference agrees with itself on this case: on
        two more runs and, for an in-tree reference, on each other backend. A run of
        them that gives no result makes it a reference failure."""
        case, reference = divergence.case, self._reference()
        answers = [reference.answer(case), reference.answer(case)]
        answers += [twin.answer(case) for twin in self._twins()]
        for answer in answers:
            if answer.kind is not AnswerKind.RESULT:
                return self._reference_failed(case, answer)
        assert divergence.expected is not None
        other = next((a for a in answers if a.result != divergence.expected), None)
        if other is None:
            return divergence
        difference = compare(divergence.expected, other, Equivalence.STRICT)
        assert difference is not None
        detail = (
            f"the reference executor {self.reference_spec} disagrees with itself on this "
            f"case: {difference.detail}"
        )
        return self._of_reference(divergence.case, _NONDETERMINISTIC, detail,
                                  divergence.expected, other.result)  # fmt: skip

    def _twins(self) -> list[Target]:
        """The in-tree reference on each other backend (none for a ``cmd:`` one)."""
        if self.reference_spec.startswith(EXTERNAL_PREFIX):
            return []
        name = parse_name(self.reference_spec)
        return [
            BuiltinTarget(ExecutorName(name.executor, backend, name.schedule),
                          self.options.watchdog_s)
            for backend in BACKENDS if backend != name.backend
        ]  # fmt: skip

    def _reference_failed(self, case: Case, answer: Answer) -> Divergence:
        """The reference gave no result: its failure, never a target's."""
        detail = _reference_failure_detail(self.reference_spec, case, answer)
        return self._of_reference(case, str(answer.kind), detail, None, None)

    def _of_reference(
        self, case: Case, signature: str, detail: str, expected: str | None, actual: str | None
    ) -> Divergence:
        family = self._reference().family
        return Divergence(
            kind=DivergenceKind.REFERENCE, executor=self.reference_spec, family=family,
            case=case, expected=expected, actual=actual, detail=detail, first_tx=None,
            paths=(), fingerprint=fingerprint(DivergenceKind.REFERENCE, family, signature),
            reference=self.reference_spec,
        )  # fmt: skip

    # ------------------------------------------------------------ no reference

    def _check_all(self, case: Case, seeds: int | None) -> CheckResult:
        """Every target on the case; with seeded targets, on ``seeds`` consecutive
        schedule seeds, until a seed splits them (the others answer once)."""
        outcome = CheckResult()
        seeded = any(target.seeded for target in self.targets)
        once: dict[str, Answer] = {}
        for seeded_case in _with_seeds(case, seeds or self.options.seeds if seeded else 1):
            members = []
            for target in self.targets:
                answer = once.get(target.spec) if not target.seeded else None
                if answer is None:
                    answer = self._run(target, seeded_case, outcome)
                    outcome.tallies[target.spec] = outcome.tallies.get(
                        target.spec, Tally(cases=1)
                    ) + Tally.of_run(answer.stats, False)
                    if not target.seeded:
                        once[target.spec] = answer
                members.append(Member(target.spec, target.family, answer))
            split = self._split(members)
            if split is not None:
                outcome.divergences.append(self._split_divergence(seeded_case, split))
                for spec in split.executors:
                    if spec not in split.groups[0].executors:
                        outcome.tallies[spec] += Tally(divergences=1)
                break
        return outcome

    def _split(self, members: Sequence[Member]) -> Split | None:
        equivalence = self.options.equivalence
        return split_answers(
            members,
            lambda answer: agreement_key(answer, equivalence),
            lambda largest, other: answers_difference(largest, other, equivalence),
        )

    def _split_divergence(self, case: Case, split: Split) -> Divergence:
        main, other = split.groups[0], split.groups[1]
        difference = split.differences[0]
        return Divergence(
            kind=difference.kind, executor=other.executors[0], family=other.families[0],
            case=case, expected=main.answer.result, actual=other.answer.result,
            detail=split.detail, first_tx=difference.first_tx, paths=difference.paths,
            fingerprint=split.fingerprint, reference=NO_REFERENCE, split=split,
        )  # fmt: skip


def _with_seeds(case: Case, count: int) -> Iterator[Case]:
    """The case with ``count`` consecutive schedule seeds from its own, made one at a
    time: a divergence on the first ends the search."""
    first = case.config.schedule_seed
    for offset in range(max(1, count)):
        seed = (first + offset) % U64_LIMIT
        yield (
            case if offset == 0 else replace(case, config=replace(case.config, schedule_seed=seed))
        )


def _reference_failure_detail(spec: str, case: Case, answer: Answer) -> str:
    return (
        f"the reference executor {spec} failed on case {case_id(case)} "
        f"({answer.kind}): {answer.detail}"
    )


def _divergence(
    difference: Difference, target: Target, case: Case, expected: str, answer: Answer
) -> Divergence:
    return Divergence(
        kind=difference.kind,
        executor=target.spec,
        family=target.family,
        case=case,
        expected=expected,
        actual=answer.result,
        detail=difference.detail,
        first_tx=difference.first_tx,
        paths=difference.paths,
        fingerprint=difference.fingerprint(target.family),
        stats=answer.stats,
    )
