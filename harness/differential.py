"""The differential runner: one case, the reference and every target, compared.

For each case the reference (``sequential@memory``) runs once; each target runs
once, or, if its schedule seed matters, once per seed in ``seeds`` consecutive
seeds from the case's own, stopping at the first divergence. Canonical results are
compared as bytes; only a mismatch is analysed further.

A ``Divergence`` records the target, the exact case that shows it (with the
schedule seed that did), both answers, the first transaction whose receipt
differs (or, when receipts agree, the state items that differ), and a stable
fingerprint: the kind of difference, the target's family and the first differing
field path with its indices and map keys replaced by ``*``. Shrinking keeps a
candidate only when its fingerprint is unchanged, so it never slides onto another
bug.

Before a divergence is reported, the reference is checked against itself (twice
in memory, once on SQLite): if it disagrees with itself the finding is reported as
``reference`` nondeterminism, not blamed on the target.

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

from txparity.executors.execution import ExecutionPath, Stats
from txparity.executors.model import U64_LIMIT, Case
from txparity.executors.parallel import case_id
from txparity.executors.shapes import fingerprint, flatten_state, star_keys
from txparity.harness.errors import ReferenceFailure
from txparity.harness.options import DEFAULTS, Equivalence, Options
from txparity.harness.targets import REFERENCE_SPEC, Answer, AnswerKind, Target, make_target

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
    REFERENCE = "reference"


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
    kind: DivergenceKind
    executor: str
    family: str
    case: Case
    expected: str
    actual: str | None
    detail: str
    first_tx: int | None
    paths: tuple[str, ...]
    fingerprint: str
    # What the diverging run reported (in-tree targets only): its path, batches or
    # Block-STM figures, for reports. Not part of what the divergence is.
    stats: Stats | None = field(default=None, compare=False)

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

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            cases=self.cases + other.cases,
            runs=self.runs + other.runs,
            divergences=self.divergences + other.divergences,
            parallel=self.parallel + other.parallel,
            aborts=self.aborts + other.aborts,
        )

    @staticmethod
    def of_run(stats: Stats | None, diverged: bool) -> Tally:
        """One run of a target, with the statistics it reported (if any)."""
        return Tally(
            runs=1,
            divergences=int(diverged),
            parallel=int(stats is not None and stats.path is ExecutionPath.PARALLEL),
            aborts=0 if stats is None else stats.aborts,
        )


@dataclass(slots=True)
class CheckResult:
    """What checking one case found, and where the time went."""

    divergences: list[Divergence] = field(default_factory=list)
    tallies: dict[str, Tally] = field(default_factory=dict)  # each target's: cases 1
    executor_seconds: float = 0.0  # the reference's run and every target's
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


def _state_view(result: dict[str, Any]) -> dict[str, Any]:
    receipts = [{"status": receipt["status"]} for receipt in result.get("receipts", [])]
    return {"state": result.get("state"), "receipts": receipts}


_RECEIPT_FIELDS = ("status", "reason", "gas_used")


def _receipt_difference(
    want: dict[str, Any], got: dict[str, Any], fields: tuple[str, ...]
) -> Difference | None:
    """The first receipt differing in one of ``fields`` (the details show all)."""
    expected, actual = want.get("receipts", []), got.get("receipts", [])
    for index, (a, b) in enumerate(zip(expected, actual, strict=False)):
        name = next((f for f in fields if a.get(f) != b.get(f)), None)
        if name is not None:
            detail = f"tx {index}: expected {_receipt_text(a)}, actual {_receipt_text(b)}"
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


_REFERENCE_ON_SQLITE = "sequential@sqlite"


class Runner:
    """Checks cases against a set of targets; owns the targets' lifetimes."""

    def __init__(
        self, specs: Sequence[str], options: Options = DEFAULTS, reference: str = REFERENCE_SPEC
    ) -> None:
        """Targets for ``specs`` (a command passes ``options.executors``), checked with
        ``options``' schedule seeds, equivalence, timeout and watchdog, against
        ``reference`` (the in-tree sequential executor unless a replayed entry
        records another, see ``harness.replay``)."""
        self.options = options
        self.reference_spec = reference
        self.reference = make_target(reference, options.timeout_s, options.watchdog_s)
        self.targets: list[Target] = []
        try:
            for spec in specs:
                self.targets.append(make_target(spec, options.timeout_s, options.watchdog_s))
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        for target in self.targets:
            target.close()
        self.reference.close()

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def reference_result(self, case: Case) -> str:
        """The reference's result; ``ReferenceFailure`` if it has none for this case."""
        answer = self.reference.answer(case)
        if answer.kind is not AnswerKind.RESULT or answer.result is None:
            raise ReferenceFailure(
                f"the reference executor {self.reference_spec} failed on case {case_id(case)} "
                f"({answer.kind}): {answer.detail}"
            )
        return answer.result

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
        """
        outcome = CheckResult()
        started = time.perf_counter()
        expected = self.reference_result(case)
        outcome.executor_seconds += time.perf_counter() - started
        for target in [only] if only is not None else self.targets:
            divergence = self._check_target(case, expected, target, outcome, seeds)
            if divergence is not None:
                outcome.divergences.append(self._confirm(divergence) if confirm else divergence)
        return outcome

    def _check_target(
        self, case: Case, expected: str, target: Target, outcome: CheckResult, seeds: int | None
    ) -> Divergence | None:
        divergence = None
        tally = outcome.tallies.get(target.spec, Tally(cases=1))
        for seeded_case in self._seed_variants(case, target, seeds or self.options.seeds):
            started = time.perf_counter()
            answer = target.answer(seeded_case)
            outcome.executor_seconds += time.perf_counter() - started
            difference = compare(expected, answer, self.options.equivalence)
            tally += Tally.of_run(answer.stats, difference is not None)
            outcome.run_stats.append((target.spec, answer.stats))
            if difference is not None:
                divergence = _divergence(difference, target, seeded_case, expected, answer)
                break
        outcome.tallies[target.spec] = tally
        return divergence

    def _seed_variants(self, case: Case, target: Target, count: int) -> Iterator[Case]:
        """The case with ``count`` consecutive schedule seeds from its own, made one at a
        time: a divergence on the first ends the search."""
        if not target.seeded:
            yield case
            return
        first = case.config.schedule_seed
        for offset in range(max(1, count)):
            seed = (first + offset) % U64_LIMIT
            yield replace(case, config=replace(case.config, schedule_seed=seed))

    def _confirm(self, divergence: Divergence) -> Divergence:
        """Blame the target only if the reference agrees with itself on this case (and,
        for the in-tree reference, with itself on the other backend)."""
        case = divergence.case
        results = {self.reference_result(case), self.reference_result(case)}
        if self.reference_spec == REFERENCE_SPEC:
            sqlite = make_target(_REFERENCE_ON_SQLITE).answer(case)
            results.add(sqlite.result or sqlite.detail)
        if len(results) == 1:
            return divergence
        detail = "the reference executor disagrees with itself on this case"
        family = self.reference.family
        return replace(
            divergence, kind=DivergenceKind.REFERENCE, family=family, detail=detail,
            fingerprint=Difference(DivergenceKind.REFERENCE, detail).fingerprint(family),
        )  # fmt: skip


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
