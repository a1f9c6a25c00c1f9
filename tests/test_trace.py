"""The traced reference run (``harness.trace``): exactly what each step of a block read,
wrote and owed the miner, recorded through the state while the real reference runs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.builders import Json, account, burn, deploy, invoke, transfer
from tests.conftest import VECTOR_PATHS, VECTORS_DIR, load_vector
from txparity.executors.codec import case_from_json, decode_case
from txparity.executors.execution import run_case
from txparity.executors.model import (
    BalanceKey,
    BurnedKey,
    Case,
    CodeKey,
    ContractBalanceKey,
    ContractNonceKey,
    FeePayment,
    NonceKey,
    Receipt,
    Status,
    StorageKey,
    WriteSet,
)
from txparity.executors.sequential import BlockStep, FeeOf, SequentialExecutor, Step
from txparity.executors.state import open_state
from txparity.harness.trace import RecordingState, StepTrace, item_path, trace_reference

COUNTER = [["PUSH", 9], ["SLOAD"], ["PUSH", 1], ["ADD"], ["PUSH", 9], ["SSTORE"]]


def make_case(accounts: Json, contracts: Json, txs: list[Json], reward: int = 5) -> Case:
    document = {
        "format": "txparity.case/1",
        "genesis": {"accounts": accounts, "contracts": contracts},
        "block": {"miner": "m", "reward": reward, "txs": txs},
    }
    return decode_case(json.dumps(document))


def contract(code: Json, **balances: int) -> Json:
    return {"code": code, "balances": balances, "storage": {}}


def test_each_step_records_what_it_read_wrote_and_owes_the_miner() -> None:
    case = make_case(
        {"a": account(TOS=10, GOLD=3)},
        {},
        [transfer("a", 0, "b", 4, fee=1), burn("a", 1, "GOLD", 2), transfer("a", 7, "b", 1)],
    )
    a_tos, a_gold, m_tos = BalanceKey("a", "TOS"), BalanceKey("a", "GOLD"), BalanceKey("m", "TOS")
    a_nonce, b_nonce, b_tos = NonceKey("a"), NonceKey("b"), BalanceKey("b", "TOS")
    trace = trace_reference(case)
    assert trace.steps == (
        StepTrace(BlockStep.REWARD, frozenset({NonceKey("m"), m_tos}),
                  frozenset({NonceKey("m"), m_tos})),
        StepTrace(0, frozenset({a_nonce, a_tos, CodeKey("b"), b_nonce, b_tos}),
                  frozenset({a_nonce, a_tos, b_nonce, b_tos}), fee=1),
        StepTrace(1, frozenset({a_nonce, a_tos, a_gold}),
                  frozenset({a_nonce, a_tos, a_gold, BurnedKey("GOLD")})),
        # Rejected for its nonce: it read the nonce (after existence) and wrote nothing.
        StepTrace(2, frozenset({a_nonce}), frozenset()),
        StepTrace(BlockStep.FEES, frozenset({NonceKey("m"), m_tos}), frozenset({m_tos})),
    )  # fmt: skip
    assert [str(receipt.status) for receipt in trace.receipts] == ["applied", "applied", "rejected"]
    assert trace.fee_item == m_tos


def test_an_invoke_reads_and_writes_what_it_reaches_through_call() -> None:
    case = make_case(
        {"a": account(TOS=50)},
        {
            "counter": contract({"8": COUNTER}),
            "proxy": contract({"9": [["CALL", "counter", 8, 0]]}),
        },
        [invoke("a", 0, "proxy", entry=9, max_gas=40)],
    )
    step = trace_reference(case).of(0)
    assert {CodeKey("proxy"), CodeKey("counter"), StorageKey("counter", 9)} <= step.reads
    assert StorageKey("counter", 9) in step.writes
    assert step.fee == 40


def test_a_reverted_invoke_read_its_run_but_wrote_only_its_nonce_and_fee() -> None:
    reverts = [*COUNTER, ["REVERT"]]
    case = make_case(
        {"a": account(TOS=50)},
        {"c": contract({"0": reverts})},
        [invoke("a", 0, "c", max_gas=30, deposits={"TOS": 5})],
    )
    step = trace_reference(case).of(0)
    assert StorageKey("c", 9) in step.reads
    assert step.writes == {NonceKey("a"), BalanceKey("a", "TOS")}
    assert ContractBalanceKey("c", "TOS") not in step.writes  # the deposit was undone
    assert step.fee == 20


def test_a_deploy_writes_the_code_of_the_contract_it_creates() -> None:
    case = make_case({"a": account(TOS=1)}, {}, [deploy("a", 0, {"0": []})])
    step = trace_reference(case).of(0)
    assert step.reads == {NonceKey("a"), BalanceKey("a", "TOS"), NonceKey("a.0"), CodeKey("a.0")}
    assert step.writes == {NonceKey("a"), BalanceKey("a", "TOS"), CodeKey("a.0")}


def test_last_writer_is_the_write_a_read_saw() -> None:
    case = make_case(
        {"a": account(TOS=10)}, {}, [transfer("a", n, "b", 1) for n in range(3)], reward=0
    )
    trace = trace_reference(case)
    writer = trace.last_writer(NonceKey("a"), 2)
    assert writer is not None and writer.step == 1
    assert trace.last_writer(NonceKey("a"), 0) is None  # genesis
    reward = trace.last_writer(NonceKey("m"), BlockStep.FEES)
    assert reward is not None and reward.step is BlockStep.REWARD
    with pytest.raises(ValueError, match="no step 9"):
        trace.last_writer(NonceKey("a"), 9)


@pytest.mark.parametrize("path", VECTOR_PATHS, ids=[path.stem for path in VECTOR_PATHS])
def test_the_traced_run_is_the_reference_run(path: Path) -> None:
    case_json, expected = load_vector(path)
    case = case_from_json(case_json)
    trace = trace_reference(case)
    assert trace.result == expected
    assert trace.result == run_case(SequentialExecutor(), case, "memory").result_json
    assert [step.step for step in trace.steps] == block_steps(case, trace.receipts)


def block_steps(case: Case, receipts: Sequence[Receipt]) -> list[Step]:
    """The steps a trace keeps: the reward, each transaction, and the fee credits:
    one after each included transaction with ``each_tx``, one at the end with
    ``block_end`` (SPEC 10.3)."""
    each_tx = case.block.fee_payment is FeePayment.EACH_TX
    steps: list[Step] = [BlockStep.REWARD]
    for index, receipt in enumerate(receipts):
        steps.append(index)
        if each_tx and receipt.status is not Status.REJECTED:
            steps.append(FeeOf(index))
    return steps if each_tx else [*steps, BlockStep.FEES]


def test_each_tx_fees_are_a_step_after_each_included_transaction() -> None:
    """Under ``each_tx`` the miner is credited right after each transaction: the
    credit is a step of its own, reading and writing the miner's balance, and there
    are no fees at the block's end."""
    case_json, _ = load_vector(VECTORS_DIR / "v2_each_tx_miner_spends_fees.json")
    trace = trace_reference(case_from_json(case_json))
    fee = trace.of(FeeOf(1))
    assert (str(fee.step), fee.writes) == (
        "fee of tx 1 to the miner", frozenset({BalanceKey("m", "TOS")})
    )  # fmt: skip
    assert BalanceKey("m", "TOS") in fee.reads
    assert BlockStep.FEES not in [step.step for step in trace.steps]
    writer = trace.last_writer(BalanceKey("m", "TOS"), 2)
    assert writer is not None and writer.step == FeeOf(1)


def test_a_transaction_the_gas_limit_cuts_reads_and_writes_nothing() -> None:
    case_json, _ = load_vector(VECTORS_DIR / "v2_gas_limit_cuts_block.json")
    trace = trace_reference(case_from_json(case_json))
    assert [step.step for step in trace.transactions()] == list(range(7))
    assert [trace.of(index).touches() for index in (4, 5, 6)] == [frozenset()] * 3


def test_a_clone_writes_its_creators_contract_nonce() -> None:
    case_json, _ = load_vector(VECTORS_DIR / "v2_clone_chain_in_one_block.json")
    trace = trace_reference(case_from_json(case_json))
    assert ContractNonceKey("f") in trace.of(0).writes
    assert item_path(ContractNonceKey("f")) == 'state.contracts["f"].nonce'


def test_a_recording_state_needs_a_step_before_it_is_used() -> None:
    recording = RecordingState(open_state("memory", make_case({}, {}, []).genesis))
    with pytest.raises(RuntimeError, match="before any step began"):
        recording.read(NonceKey("a"))
    with pytest.raises(RuntimeError, match="before any step began"):
        recording.commit(WriteSet({}))
    recording.close()


def test_item_paths_use_the_result_path_grammar() -> None:
    assert [
        item_path(key)
        for key in (
            NonceKey("a.0"),
            BalanceKey("nonce", "TOS"),
            CodeKey("c"),
            ContractBalanceKey("c", "GOLD"),
            StorageKey("c", 10),
            BurnedKey("TOS"),
        )
    ] == [
        'state.accounts["a.0"].nonce',
        'state.accounts["nonce"].balances["TOS"]',
        'state.contracts["c"].code',
        'state.contracts["c"].balances["GOLD"]',
        'state.contracts["c"].storage["10"]',
        'state.burned["TOS"]',
    ]
