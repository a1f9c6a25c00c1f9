"""The differential runner (``harness.differential``) and its reports (``harness.report``).

- ``compare`` on hand-made canonical result strings: which difference it finds,
  with the exact kind, detail, first transaction, paths and fingerprint signature.
- the fingerprint: it ignores addresses and indices but not the kind or the
  executor family (the paths it is built from are tested in ``test_shapes.py``).
- ``Runner.check`` on hand-written cases with planted-bug and correct executors:
  exactly one divergence (with the seed that showed it) or none, and exact run tallies.
- a divergence carries the statistics of the run that showed it, for reports
  (``test_report.py``).
"""

from __future__ import annotations

import hashlib
import json
import pickle
import shlex
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from tests import builders
from tests.builders import Json, account, transfer
from txparity.executors.codec import canonical_json, decode_case
from txparity.executors.execution import ExecutionPath, Stats
from txparity.executors.model import Case
from txparity.executors.parallel import case_id
from txparity.executors.shapes import fingerprint
from txparity.harness.differential import (
    Difference,
    Divergence,
    DivergenceKind,
    Equivalence,
    Runner,
    Tally,
    compare,
)
from txparity.harness.errors import HarnessError, ReferenceFailure
from txparity.harness.options import Options
from txparity.harness.targets import Answer, AnswerKind

SCRIPTS = Path(__file__).parent / "external_scripts"

# ---------------------------------------------------------------- results by hand


def receipt(status: str = "applied", reason: str | None = None, gas: int = 0) -> Json:
    return {"status": status, "reason": reason, "gas_used": gas}


def result(
    receipts: list[Json],
    accounts: Json | None = None,
    contracts: Json | None = None,
    burned: Json | None = None,
) -> str:
    """A canonical result line (SPEC 7)."""
    state = {"accounts": accounts or {}, "contracts": contracts or {}, "burned": burned or {}}
    return canonical_json({"format": "txparity.result/1", "state": state, "receipts": receipts})


def holder(tos: int | None = None, nonce: int = 0, **assets: int) -> Json:
    balances = {} if tos is None else {"TOS": tos}
    return {"balances": {**balances, **assets}, "nonce": nonce}


def stored(storage: Json, code: Json | None = None) -> Json:
    return {"balances": {}, "code": code or {}, "storage": storage}


FOUR_RECEIPTS = [
    receipt(),
    receipt("rejected", "bad_nonce"),
    receipt(gas=20),
    receipt("reverted", "out_of_gas", 7),
]
BASE_ACCOUNTS = {"a": holder(10, 1), "m": holder(4)}
BASE = result(FOUR_RECEIPTS, BASE_ACCOUNTS)


def answer(text: str) -> Answer:
    return Answer.of_result(text)


def strict(expected: str, actual: str) -> Difference | None:
    return compare(expected, answer(actual), Equivalence.STRICT)


# ---------------------------------------------------------------- compare: receipts


@pytest.mark.parametrize("equivalence", list(Equivalence))
def test_equal_results_agree(equivalence: Equivalence) -> None:
    assert compare(BASE, answer(BASE), equivalence) is None


def test_receipts_differing_in_gas_used_at_tx_2() -> None:
    changed = [*FOUR_RECEIPTS[:2], receipt(gas=25), receipt()]  # tx 3 differs too
    assert strict(BASE, result(changed, {"a": holder(3, 1)})) == Difference(
        kind=DivergenceKind.RECEIPTS,
        detail="tx 2: expected applied gas 20, actual applied gas 25",
        first_tx=2,
        paths=("receipts[2].gas_used",),
        signature="receipts[*].gas_used",
    )


def test_a_receipt_difference_names_status_before_reason_and_gas() -> None:
    changed = [receipt(), receipt(gas=3), *FOUR_RECEIPTS[2:]]
    assert strict(BASE, result(changed, BASE_ACCOUNTS)) == Difference(
        DivergenceKind.RECEIPTS,
        "tx 1: expected rejected/bad_nonce gas 0, actual applied gas 3",
        1,
        ("receipts[1].status",),
        "receipts[*].status",
    )


def test_a_receipt_difference_in_reason_only() -> None:
    changed = [*FOUR_RECEIPTS[:3], receipt("reverted", "stack", 7)]
    assert strict(BASE, result(changed, BASE_ACCOUNTS)) == Difference(
        DivergenceKind.RECEIPTS,
        "tx 3: expected reverted/out_of_gas gas 7, actual reverted/stack gas 7",
        3,
        ("receipts[3].reason",),
        "receipts[*].reason",
    )


def test_different_receipt_counts() -> None:
    fewer = result(FOUR_RECEIPTS[:2], BASE_ACCOUNTS)
    assert strict(BASE, fewer) == Difference(
        DivergenceKind.RECEIPTS, "expected 4 receipts, actual 2", 2, ("receipts",), "receipts"
    )
    more = result([*FOUR_RECEIPTS, receipt()], BASE_ACCOUNTS)
    assert strict(BASE, more) == Difference(
        DivergenceKind.RECEIPTS, "expected 4 receipts, actual 5", 4, ("receipts",), "receipts"
    )


# ---------------------------------------------------------------- compare: state


def test_only_the_state_differs() -> None:
    expected = result(
        FOUR_RECEIPTS,
        {"a": holder(10, 1, GOLD=5), "m": holder(4)},
        {"c": stored({"3": 9, "10": 1}, {"0": [["STOP"]]})},
        {"GOLD": 2},
    )
    actual = result(
        FOUR_RECEIPTS,
        {"a": holder(7, 1), "m": holder(4)},
        {"c": stored({"10": 1, "4": 9}, {"0": [["STOP"]]})},
        {"GOLD": 3},
    )
    assert strict(expected, actual) == Difference(
        kind=DivergenceKind.STATE,
        detail='5 state item(s) differ, first state.accounts["a"].balances["GOLD"]: '
        "expected 5, actual (absent)",
        first_tx=None,
        paths=(
            'state.accounts["a"].balances["GOLD"]',
            'state.accounts["a"].balances["TOS"]',
            'state.burned["GOLD"]',
            'state.contracts["c"].storage["3"]',
            'state.contracts["c"].storage["4"]',
        ),
        signature="state.accounts[*].balances[*]",
    )


def test_a_missing_account_is_its_own_path() -> None:
    expected = result(FOUR_RECEIPTS, {**BASE_ACCOUNTS, "b": holder(3)})
    assert strict(expected, BASE) == Difference(
        kind=DivergenceKind.STATE,
        detail='3 state item(s) differ, first state.accounts["b"]: expected exists, '
        "actual (absent)",
        first_tx=None,
        paths=(
            'state.accounts["b"]',
            'state.accounts["b"].balances["TOS"]',
            'state.accounts["b"].nonce',
        ),
        signature="state.accounts[*]",
    )


def test_contract_code_is_one_item() -> None:
    expected = result([], contracts={"c": stored({}, {"0": [["STOP"]]})})
    actual = result([], contracts={"c": stored({}, {"0": [["REVERT"]]})})
    difference = strict(expected, actual)
    assert difference is not None
    assert (difference.kind, difference.paths, difference.signature) == (
        DivergenceKind.STATE,
        ('state.contracts["c"].code',),
        "state.contracts[*].code",
    )


def test_results_that_differ_only_in_format() -> None:
    other = BASE.replace("txparity.result/1", "txparity.result/2")
    assert strict(BASE, other) == Difference(
        DivergenceKind.STATE, "results differ outside the state", None, ("format",), "format"
    )


def test_receipts_are_compared_before_the_state() -> None:
    changed = [receipt(gas=1), *FOUR_RECEIPTS[1:]]
    difference = strict(BASE, result(changed, {"z": holder(1)}))
    assert difference is not None
    assert (difference.kind, difference.first_tx) == (DivergenceKind.RECEIPTS, 0)


# ---------------------------------------------------------------- equivalence profiles


def test_state_equivalence_ignores_reasons_and_gas() -> None:
    changed = [
        receipt(gas=99),
        receipt("rejected", "unknown_sender"),
        receipt(),
        receipt("reverted"),
    ]
    actual = result(changed, BASE_ACCOUNTS)
    assert compare(BASE, answer(actual), Equivalence.STATE) is None
    assert strict(BASE, actual) is not None


def test_state_equivalence_still_compares_statuses() -> None:
    changed = [*FOUR_RECEIPTS[:3], receipt("applied", None, 7)]
    difference = compare(BASE, answer(result(changed, BASE_ACCOUNTS)), Equivalence.STATE)
    assert difference is not None
    assert (difference.kind, difference.first_tx, difference.paths, difference.signature) == (
        DivergenceKind.RECEIPTS,
        3,
        ("receipts[3].status",),
        "receipts[*].status",
    )


def test_state_equivalence_detail_shows_the_real_receipts() -> None:
    """BUG (harness/differential.py, ``compare``): under ``Equivalence.STATE`` the
    receipt difference is computed on ``_state_view`` copies that keep only the
    status, so the detail reads ``expected reverted gas None, actual applied gas
    None``: the reason and gas of both receipts are lost and ``None`` is shown as
    a gas amount. The detail should describe the receipts as they are, as it does
    under ``strict``."""
    changed = [*FOUR_RECEIPTS[:3], receipt("applied", None, 7)]
    difference = compare(BASE, answer(result(changed, BASE_ACCOUNTS)), Equivalence.STATE)
    assert difference is not None
    assert difference.detail == "tx 3: expected reverted/out_of_gas gas 7, actual applied gas 7"


def test_state_equivalence_still_compares_the_state() -> None:
    actual = result(FOUR_RECEIPTS, {"a": holder(10, 2), "m": holder(4)})
    difference = compare(BASE, answer(actual), Equivalence.STATE)
    assert difference is not None
    assert (difference.kind, difference.paths, difference.signature) == (
        DivergenceKind.STATE,
        ('state.accounts["a"].nonce',),
        "state.accounts[*].nonce",
    )


# ---------------------------------------------------------------- answers that are not results


@pytest.mark.parametrize(
    ("kind", "detail", "expected_kind", "signature"),
    [
        (AnswerKind.ERROR, "case invalid: genesis", DivergenceKind.ERROR, ""),
        (AnswerKind.HANG, "no answer within 10 s", DivergenceKind.HANG, ""),
        (AnswerKind.CRASH, "exited with status 3: boom", DivergenceKind.CRASH, ""),
        (AnswerKind.PROTOCOL, "not JSON: 'x'", DivergenceKind.PROTOCOL, ""),
        (AnswerKind.EXCEPTION, "KeyError: 'a': b", DivergenceKind.EXCEPTION, "KeyError"),
    ],
)
def test_failed_answers_map_to_their_kinds(
    kind: AnswerKind, detail: str, expected_kind: DivergenceKind, signature: str
) -> None:
    for equivalence in Equivalence:
        difference = compare(BASE, Answer(kind, detail=detail), equivalence)
        assert difference == Difference(expected_kind, detail, None, (), signature)


# ---------------------------------------------------------------- fingerprint


def fingerprint_of(expected: str, actual: str, family: str) -> str:
    difference = strict(expected, actual)
    assert difference is not None
    return difference.fingerprint(family)


def test_fingerprint_is_the_hash_of_kind_family_and_signature() -> None:
    text = "state|batched|state.accounts[*].balances[*]"
    want = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    balance_a = result([], {"a": holder(5)})
    assert fingerprint_of(result([], {"a": holder(4)}), balance_a, "batched") == want


def test_fingerprint_ignores_addresses_and_indices() -> None:
    # The balance of "a" differs, or the balance of "b" (another amount, another asset).
    of_a = fingerprint_of(result([], {"a": holder(4)}), result([], {"a": holder(5)}), "batched")
    of_b = fingerprint_of(
        result([], {"b": holder(1, GOLD=9)}), result([], {"b": holder(1, GOLD=2)}), "batched"
    )
    assert of_a == of_b
    # Gas of tx 0 or of tx 3; a missing account "x" or "y".
    gas_0 = fingerprint_of(result([receipt(gas=1)]), result([receipt(gas=2)]), "blockstm")
    gas_3 = fingerprint_of(
        result([receipt()] * 3 + [receipt(gas=5)]),
        result([receipt()] * 3 + [receipt()]),
        "blockstm",
    )
    assert gas_0 == gas_3
    missing_x = fingerprint_of(result([], {"x": holder()}), result([]), "batched")
    missing_y = fingerprint_of(result([], {"y": holder(8)}), result([]), "batched")
    assert missing_x == missing_y


def test_fingerprint_separates_kinds_fields_and_families() -> None:
    balance = (result([], {"a": holder(4)}), result([], {"a": holder(5)}))
    fingerprints = {
        fingerprint_of(*balance, "batched"),
        fingerprint_of(*balance, "blockstm"),
        fingerprint_of(*balance, "batched-lost-fees"),
        fingerprint_of(result([], {"a": holder(4, 1)}), result([], {"a": holder(4, 2)}), "batched"),
        fingerprint_of(result([receipt(gas=1)]), result([receipt(gas=2)]), "batched"),
        fingerprint_of(result([receipt()]), result([receipt("rejected", "bad_nonce")]), "batched"),
        fingerprint_of(result([receipt()]), result([]), "batched"),
        Difference(DivergenceKind.HANG, "").fingerprint("batched"),
        Difference(DivergenceKind.CRASH, "").fingerprint("batched"),
        Difference(DivergenceKind.EXCEPTION, "", signature="KeyError").fingerprint("batched"),
        Difference(DivergenceKind.EXCEPTION, "", signature="ValueError").fingerprint("batched"),
    }
    assert len(fingerprints) == 11
    assert all(len(f) == 16 and int(f, 16) >= 0 for f in fingerprints)


def test_exceptions_share_a_fingerprint_per_exception_type() -> None:
    first = compare(BASE, Answer(AnswerKind.EXCEPTION, detail="KeyError: 'a'"), Equivalence.STRICT)
    second = compare(
        BASE, Answer(AnswerKind.EXCEPTION, detail="KeyError: 'zz'"), Equivalence.STRICT
    )
    assert first is not None and second is not None
    assert first.fingerprint("batched") == second.fingerprint("batched")


# ---------------------------------------------------------------- the runner

# Entry 0 increments storage slot 0 (gas 20).
COUNTER = {"0": [["PUSH", 0], ["SLOAD"], ["PUSH", 1], ["ADD"], ["PUSH", 0], ["SSTORE"]]}


def invoke(source: str, nonce: int, contract: str) -> Json:
    return builders.invoke(source, nonce, contract, max_gas=20)


def make_case(accounts: Json, contracts: Json, txs: list[Json], seed: int) -> Case:
    document = {
        "format": "txparity.case/1",
        "genesis": {"accounts": accounts, "contracts": contracts},
        "block": {"miner": "m", "reward": 0, "txs": txs},
        "config": {"network": "devnet", "threads": 4, "schedule_seed": seed},
    }
    return decode_case(json.dumps(document))


# a pays b 10 four times (one batch each): the mutant leaves a with all 100.
PAYS_FOUR_TIMES = make_case(
    {"a": account(TOS=100)}, {}, [transfer("a", n, "b", 10) for n in range(4)], 7
)
# a can afford two of the four payments: the mutant applies all four.
OVERSPENDS = make_case({"a": account(TOS=20)}, {}, [transfer("a", n, "b", 10) for n in range(4)], 7)
# a and b each increment the counter c twice: batches [0, 1], [2, 3] without contract keys.
COUNTS_TO_FOUR = make_case(
    {"a": account(TOS=40), "b": account(TOS=40)},
    {"c": {"code": COUNTER, "balances": {}, "storage": {}}},
    [invoke("a", 0, "c"), invoke("b", 0, "c"), invoke("a", 1, "c"), invoke("b", 1, "c")],
    5,
)
# Four senders pay four receivers a fee of 1 each, in one batch.
RACY = make_case(
    {name: account(TOS=10) for name in "abde"},
    {},
    [{**transfer(name, 0, name + "r", 1), "fee": 1} for name in "abde"],
    1,
)

NO_SENDER_DEBIT = "batched-no-sender-debit@memory/seeded"
EXPECTED_PAYS_FOUR_TIMES = (
    '{"format":"txparity.result/1","receipts":['
    + ",".join(['{"gas_used":0,"reason":null,"status":"applied"}'] * 4)
    + '],"state":{"accounts":{"a":{"balances":{"TOS":60},"nonce":4},'
    '"b":{"balances":{"TOS":40},"nonce":0},"m":{"balances":{},"nonce":0}},'
    '"burned":{},"contracts":{}}}'
)


def test_check_finds_exactly_one_divergence_on_a_mutant() -> None:
    with Runner([NO_SENDER_DEBIT, "batched@memory/seeded"], Options(seeds=3)) as runner:
        outcome = runner.check(PAYS_FOUR_TIMES)
    assert len(outcome.divergences) == 1
    divergence = outcome.divergences[0]
    assert divergence == Divergence(
        kind=DivergenceKind.STATE,
        executor=NO_SENDER_DEBIT,
        family="batched-no-sender-debit",
        case=PAYS_FOUR_TIMES,
        expected=EXPECTED_PAYS_FOUR_TIMES,
        actual=EXPECTED_PAYS_FOUR_TIMES.replace('"TOS":60', '"TOS":100'),
        detail='1 state item(s) differ, first state.accounts["a"].balances["TOS"]: '
        "expected 60, actual 100",
        first_tx=None,
        paths=('state.accounts["a"].balances["TOS"]',),
        fingerprint="1addc2ca9191cb52",
    )
    assert divergence.case.config.schedule_seed == 7
    text = "state|batched-no-sender-debit|state.accounts[*].balances[*]"
    assert divergence.fingerprint == hashlib.sha256(text.encode()).hexdigest()[:16]
    # The mutant stops at its first divergent seed; the correct target runs all three.
    assert outcome.tallies == {
        NO_SENDER_DEBIT: Tally(cases=1, runs=1, parallel=1, aborts=0, divergences=1),
        "batched@memory/seeded": Tally(cases=1, runs=3, parallel=3, aborts=0, divergences=0),
    }
    assert outcome.runs == 4


def test_check_finds_nothing_on_correct_executors() -> None:
    specs = ["batched@memory/seeded", "sequential@sqlite", "batched@sqlite/threads"]
    with Runner(specs, Options(seeds=3)) as runner:
        outcome = runner.check(COUNTS_TO_FOUR)
    assert outcome.divergences == []
    assert outcome.tallies == {
        "batched@memory/seeded": Tally(cases=1, runs=3, parallel=3, aborts=0, divergences=0),
        "sequential@sqlite/threads": Tally(cases=1, runs=1, parallel=0, aborts=0, divergences=0),
        "batched@sqlite/threads": Tally(cases=1, runs=3, parallel=3, aborts=0, divergences=0),
    }
    assert outcome.runs == 7
    assert outcome.executor_seconds > 0


def test_a_reference_without_a_result_is_a_reference_failure_not_the_targets() -> None:
    """Nothing can be compared then, and no target is to blame: the check finds one
    ``reference`` divergence of the reference itself, carrying its answer, and runs
    no target. ``reference_result`` raises ``ReferenceFailure`` (a ``HarnessError``)."""
    says_error = "cmd:" + shlex.join([sys.executable, str(SCRIPTS / "error.py")])
    case = PAYS_FOUR_TIMES
    with Runner(["batched@memory/seeded"], reference=says_error) as runner:
        outcome = runner.check(case)
        with pytest.raises(ReferenceFailure) as failure:
            runner.reference_result(case)
    detail = (
        f"the reference executor {says_error} failed on case {case_id(case)} (error): unsupported"
    )
    assert outcome.divergences == [
        Divergence(
            kind=DivergenceKind.REFERENCE, executor=says_error, family=says_error, case=case,
            expected=None, actual=None, detail=detail, first_tx=None, paths=(),
            fingerprint=fingerprint("reference", says_error, "error"), reference=says_error,
        )
    ]  # fmt: skip
    assert outcome.tallies == {}  # the target never ran
    assert str(failure.value) == detail
    assert isinstance(failure.value, HarnessError)


def test_tallies_add_up_field_by_field_and_survive_pickling() -> None:
    """One tally type from a run to a campaign: it is what workers send the parent."""
    one = Tally(cases=1, runs=3, divergences=1, parallel=2, aborts=7)
    other = Tally(cases=2, runs=5, divergences=0, parallel=5, aborts=1)
    assert one + other == Tally(cases=3, runs=8, divergences=1, parallel=7, aborts=8)
    assert one + Tally() == one
    assert pickle.loads(pickle.dumps({"spec": one})) == {"spec": one}
    parallel = Stats(ExecutionPath.PARALLEL, "at the threshold", 4, aborts=2)
    assert Tally.of_run(parallel, diverged=True) == Tally(
        runs=1, divergences=1, parallel=1, aborts=2
    )
    assert Tally.of_run(None, diverged=False) == Tally(runs=1)


def test_check_only_one_target() -> None:
    with Runner(["batched@memory/seeded", NO_SENDER_DEBIT], Options(seeds=3)) as runner:
        outcome = runner.check(PAYS_FOUR_TIMES, only=runner.targets[0])
    assert (outcome.divergences, list(outcome.tallies), outcome.runs) == (
        [],
        ["batched@memory/seeded"],
        3,
    )


def test_a_seed_dependent_divergence_carries_the_seed_that_showed_it() -> None:
    """The fee race is clean on seeds 1 and 2 and shows on seed 3 (of 1, 2, 3)."""
    with Runner(["batched-racy-fees@memory/seeded"], Options(seeds=3)) as runner:
        outcome = runner.check(RACY)
    [divergence] = outcome.divergences
    assert divergence.case.config.schedule_seed == 3
    assert RACY.config.schedule_seed == 1
    assert divergence.case.block == RACY.block
    assert divergence.detail == (
        '1 state item(s) differ, first state.accounts["m"].balances["TOS"]: expected 4, actual 3'
    )
    assert outcome.tallies == {
        "batched-racy-fees@memory/seeded": Tally(cases=1, runs=3, parallel=3, divergences=1)
    }
    with Runner(["batched-racy-fees@memory/seeded"], Options(seeds=2)) as runner:
        assert runner.check(RACY).divergences == []


def test_a_receipt_divergence_names_the_first_differing_tx() -> None:
    with Runner([NO_SENDER_DEBIT]) as runner:
        [divergence] = runner.check(OVERSPENDS).divergences
    assert (divergence.kind, divergence.first_tx, divergence.paths, divergence.detail) == (
        DivergenceKind.RECEIPTS,
        2,
        ("receipts[2].status",),
        "tx 2: expected rejected/insufficient_funds gas 0, actual applied gas 0",
    )
    assert divergence.fingerprint == "97d00d996d727a37"


def test_the_reference_self_check_keeps_the_divergence() -> None:
    """The reference is deterministic, so ``_confirm`` returns the divergence itself:
    same kind, family, detail and fingerprint (never ``reference``)."""
    with Runner([NO_SENDER_DEBIT]) as runner:
        [divergence] = runner.check(PAYS_FOUR_TIMES).divergences
        confirmed = runner._confirm(divergence)
    assert confirmed is divergence
    assert confirmed.kind is DivergenceKind.STATE
    assert confirmed.family == "batched-no-sender-debit"


def test_the_reference_result_is_the_sequential_one() -> None:
    with Runner([]) as runner:
        assert runner.reference_result(PAYS_FOUR_TIMES) == EXPECTED_PAYS_FOUR_TIMES
        assert runner.check(PAYS_FOUR_TIMES).divergences == []
        assert runner.check(PAYS_FOUR_TIMES).runs == 0


def test_a_divergence_carries_the_statistics_of_the_run_that_showed_it() -> None:
    with Runner(["batched-contract-blind@memory/seeded"]) as runner:
        [divergence] = runner.check(COUNTS_TO_FOUR).divergences
    assert divergence.stats is not None
    assert (divergence.stats.path, divergence.stats.batch_sizes) == (
        ExecutionPath.PARALLEL,
        (2, 2),
    )
    # They describe a run, not the divergence: equality ignores them.
    assert divergence == replace(divergence, stats=None)
