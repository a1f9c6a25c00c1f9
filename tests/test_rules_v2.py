"""Unit tests of version 2 block processing (SPEC 10.3): the block gas limit, fees paid
after each transaction, deploys with a salt and the revival of a destroyed address.

Cases are ``txparity.case/2`` JSON dicts decoded with ``decode_case`` and run by the
``SequentialExecutor`` on the memory backend; every test asserts the exact receipts
and the post-state it is about. Unless a test says otherwise the accounts are
``GENESIS_ACCOUNTS``, the contracts ``GENESIS_CONTRACTS``, the miner ``m`` (absent
from genesis) and the reward 0.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests import builders
from tests.builders import Json, account, burn, deploy, transfer
from txparity.executors.codec import decode_case
from txparity.executors.execution import Execution, run_case
from txparity.executors.model import (
    GENESIS_CREATION,
    BalanceKey,
    BlockContext,
    CodeKey,
    FeePayment,
    NonceKey,
    Receipt,
    StateKey,
    StateValue,
    StorageKey,
    Version,
)
from txparity.executors.rules import apply_transaction, is_block_full
from txparity.executors.sequential import SequentialExecutor
from txparity.executors.state.base import genesis_write_set
from txparity.executors.state.memory import MemoryState
from txparity.executors.view import StateView

U64_MAX = 2**64 - 1

# counter: entry 0 adds 1 to slot 0 (PUSH SLOAD PUSH ADD PUSH SSTORE: 1+5+1+2+1+10 = 20
# gas); entry 1 does the same, then REVERTs (20 gas); entry 2 logs the miner's TOS
# balance (BALANCEOF 2 + LOG 3 = 5 gas).
INCREMENT = [["PUSH", 0], ["SLOAD"], ["PUSH", 1], ["ADD"], ["PUSH", 0], ["SSTORE"]]
COUNTER_CODE = {"0": INCREMENT, "1": [*INCREMENT, ["REVERT"]], "2": [["BALANCEOF", "m"], ["LOG"]]}

GENESIS_ACCOUNTS: dict[str, Any] = {"a": account(TOS=1000), "b": account(TOS=1000)}
GENESIS_CONTRACTS: dict[str, Any] = {
    "counter": {"code": COUNTER_CODE, "balances": {}, "storage": {}}
}

# A contract to deploy with a salt: entry 0 stores ARG 0 at slot 0 (1 + 1 + 10 = 12
# gas), entry 1 logs slot 0 and its TOS balance (1 + 5 + 3 + 2 + 3 = 14 gas), entry 2
# destroys it (5 gas).
REVIVABLE = {
    "0": [["ARG", 0], ["PUSH", 0], ["SSTORE"]],
    "1": [["PUSH", 0], ["SLOAD"], ["LOG"], ["BALANCE"], ["LOG"]],
    "2": [["DESTROY"]],
}


# ---------------------------------------------------------------- helpers


def invoke(source: str, nonce: int, contract: str = "counter", **fields: Any) -> Json:
    return builders.invoke(source, nonce, contract, **{"max_gas": 100, **fields})


def salted(source: str, nonce: int, salt: int, code: object = REVIVABLE, fee: int = 0) -> Json:
    return deploy(source, nonce, code, fee) | {"salt": salt}


def run_block(
    txs: list[Json],
    *,
    accounts: dict[str, Any] | None = None,
    contracts: dict[str, Any] | None = None,
    reward: int = 0,
    **block: object,
) -> Execution:
    case = {
        "format": "txparity.case/2",
        "genesis": {
            "accounts": GENESIS_ACCOUNTS if accounts is None else accounts,
            "contracts": GENESIS_CONTRACTS if contracts is None else contracts,
        },
        "block": {"miner": "m", "reward": reward, "txs": txs, **block},
    }
    return run_case(SequentialExecutor(), decode_case(json.dumps(case)), "memory")


def receipts(execution: Execution) -> list[dict[str, object]]:
    return [receipt.to_json(Version.V2) for receipt in execution.receipts]


def applied(gas: int = 0, *logs: tuple[str, int]) -> dict[str, object]:
    return {"status": "applied", "reason": None, "gas_used": gas, "logs": [list(x) for x in logs]}


def reverted(reason: str, gas: int) -> dict[str, object]:
    return {"status": "reverted", "reason": reason, "gas_used": gas, "logs": []}


def rejected(reason: str) -> dict[str, object]:
    return {"status": "rejected", "reason": reason, "gas_used": 0, "logs": []}


def accounts_of(execution: Execution) -> dict[str, Any]:
    return execution.state["accounts"]


def contracts_of(execution: Execution) -> dict[str, Any]:
    return execution.state["contracts"]


def tos(execution: Execution, address: str) -> int:
    return int(accounts_of(execution)[address]["balances"].get("TOS", 0))


# ---------------------------------------------------------------- the block gas limit


def test_gas_limit_zero_rejects_every_transaction_before_any_other_check() -> None:
    txs = [transfer("a", 0, "b", 1), transfer("a", 0, "a", 1), burn("zz", 9)]
    execution = run_block(txs, gas_limit=0, reward=5)
    assert receipts(execution) == [rejected("block_full")] * 3
    assert accounts_of(execution) == {
        "a": {"balances": {"TOS": 1000}, "nonce": 0},
        "b": {"balances": {"TOS": 1000}, "nonce": 0},
        "m": {"balances": {"TOS": 5}, "nonce": 0},
    }


def test_the_transaction_that_reaches_the_limit_is_included_and_the_next_is_full() -> None:
    txs = [invoke("a", 0, fee=1), invoke("b", 0, fee=1), transfer("a", 1, "b", 1, fee=1)]
    execution = run_block(txs, gas_limit=40)
    assert receipts(execution) == [applied(20), applied(20), rejected("block_full")]
    assert contracts_of(execution)["counter"]["storage"] == {"0": 2}
    assert accounts_of(execution)["a"] == {"balances": {"TOS": 979}, "nonce": 1}
    assert tos(execution, "m") == 42


def test_the_transaction_that_crosses_the_limit_is_included_in_full() -> None:
    """Only the gas so far is compared with the limit, never a transaction's
    ``max_gas`` with what is left of it."""
    txs = [invoke("a", 0), invoke("b", 0, max_gas=1000), invoke("a", 1)]
    execution = run_block(txs, gas_limit=25)
    assert receipts(execution) == [applied(20), applied(20), rejected("block_full")]
    assert tos(execution, "b") == 980


def test_rejected_transactions_add_no_gas_and_reverted_ones_add_theirs() -> None:
    txs = [
        invoke("a", 5),  # bad_nonce: no gas
        invoke("a", 0, entry=1),  # reverted: 20 gas
        transfer("b", 0, "c", 1),  # 0 gas
        invoke("b", 1),  # 20 gas, reaches 40
        transfer("a", 1, "c", 1),
    ]
    execution = run_block(txs, gas_limit=40)
    assert receipts(execution) == [
        rejected("bad_nonce"),
        reverted("revert", 20),
        applied(0),
        applied(20),
        rejected("block_full"),
    ]
    assert accounts_of(execution)["a"] == {"balances": {"TOS": 980}, "nonce": 1}


def test_gas_free_transactions_never_fill_a_block() -> None:
    txs = [transfer("a", nonce, "b", 1) for nonce in range(5)]
    execution = run_block(txs, gas_limit=1)
    assert receipts(execution) == [applied(0)] * 5


def test_without_a_gas_limit_nothing_is_full() -> None:
    txs = [invoke("a", nonce) for nonce in range(6)]
    assert receipts(run_block(txs)) == [applied(20)] * 6


@pytest.mark.parametrize(
    ("gas_limit", "block_gas", "full"),
    [(None, U64_MAX, False), (0, 0, True), (40, 39, False), (40, 40, True), (40, 41, True)],
)
def test_is_block_full(gas_limit: int | None, block_gas: int, full: bool) -> None:
    context = BlockContext(Version.V2, "m", FeePayment.BLOCK_END, gas_limit, ("TOS",))
    assert is_block_full(context, block_gas) is full


# ---------------------------------------------------------------- fee payment


def test_with_each_tx_later_transactions_read_the_miners_new_balance() -> None:
    txs = [
        transfer("a", 0, "b", 1, fee=10),
        invoke("b", 0, entry=2, fee=2, max_gas=5),
        invoke("a", 1, entry=2, max_gas=5),
    ]
    each_tx = run_block(txs, fee_payment="each_tx", reward=3)
    assert receipts(each_tx) == [
        applied(0),
        applied(5, ("counter", 13)),  # the reward and tx 0's fee, not tx 1's own
        applied(5, ("counter", 20)),  # and tx 1's fee + gas
    ]
    assert tos(each_tx, "m") == 25
    block_end = run_block(txs, fee_payment="block_end", reward=3)
    assert receipts(block_end) == [
        applied(0),
        applied(5, ("counter", 3)),
        applied(5, ("counter", 3)),
    ]
    assert block_end.state == each_tx.state


def test_with_each_tx_the_miner_can_spend_fees_paid_earlier_in_the_block() -> None:
    txs = [transfer("a", 0, "b", 1, fee=10), transfer("m", 0, "c", 10)]
    each_tx = run_block(txs, fee_payment="each_tx")
    assert receipts(each_tx) == [applied(0), applied(0)]
    assert accounts_of(each_tx)["m"] == {"balances": {}, "nonce": 1}
    assert accounts_of(each_tx)["c"] == {"balances": {"TOS": 10}, "nonce": 0}
    block_end = run_block(txs)
    assert receipts(block_end) == [applied(0), rejected("insufficient_funds")]
    assert accounts_of(block_end)["m"] == {"balances": {"TOS": 10}, "nonce": 0}


def test_with_each_tx_a_miner_that_sends_needs_the_whole_fee_and_gets_it_back() -> None:
    accounts = {"m": account(TOS=10)}
    txs = [
        invoke("m", 0, entry=2, fee=2, max_gas=9),  # 11 > 10: insufficient
        invoke("m", 0, entry=2, fee=2, max_gas=8),  # sees 10, pays 7, gets 7 back
        burn("m", 1, amount=10),
    ]
    execution = run_block(txs, accounts=accounts, fee_payment="each_tx")
    assert receipts(execution) == [
        rejected("insufficient_funds"),
        applied(5, ("counter", 10)),
        applied(0),
    ]
    assert accounts_of(execution)["m"] == {"balances": {}, "nonce": 2}
    assert execution.state["burned"] == {"TOS": 10}


def test_with_each_tx_reverted_transactions_pay_and_rejected_ones_do_not() -> None:
    txs = [invoke("a", 0, entry=1, fee=3), invoke("a", 0, fee=3), invoke("b", 0, entry=2)]
    execution = run_block(txs, fee_payment="each_tx")
    assert receipts(execution) == [
        reverted("revert", 20),
        rejected("bad_nonce"),
        applied(5, ("counter", 23)),
    ]
    assert tos(execution, "m") == 28


def test_explicit_block_end_is_the_default() -> None:
    txs = [transfer("a", 0, "b", 1, fee=10), invoke("b", 0, entry=2)]
    assert run_block(txs, fee_payment="block_end").result_json == run_block(txs).result_json


# ---------------------------------------------------------------- deploy with a salt


def test_a_salted_deploy_creates_source_dot_s_salt_and_bumps_the_nonce() -> None:
    txs = [salted("a", 0, 7), deploy("a", 1, REVIVABLE), salted("a", 2, 0), salted("a", 3, U64_MAX)]
    execution = run_block(txs, contracts={})
    assert receipts(execution) == [applied(0)] * 4
    fresh = {"balances": {}, "code": REVIVABLE, "nonce": 0, "storage": {}}
    assert contracts_of(execution) == {
        "a.s7": fresh,
        "a.1": fresh,
        "a.s0": fresh,
        f"a.s{U64_MAX}": fresh,
    }
    assert accounts_of(execution)["a"] == {"balances": {"TOS": 1000}, "nonce": 4}


def test_contract_exists_applies_to_the_salted_address() -> None:
    accounts = {**GENESIS_ACCOUNTS, "a.s2": account()}
    txs = [salted("a", 0, 1), salted("a", 1, 1), salted("a", 1, 2), salted("b", 0, 1)]
    execution = run_block(txs, accounts=accounts, contracts={})
    assert receipts(execution) == [
        applied(0),
        rejected("contract_exists"),
        rejected("contract_exists"),
        applied(0),
    ]
    assert accounts_of(execution)["a"]["nonce"] == 1
    assert set(contracts_of(execution)) == {"a.s1", "b.s1"}


def test_the_address_length_rule_applies_to_the_salted_address() -> None:
    source = "d" * 59  # "<d59>.s123" is 64 characters, "<d59>.s1234" 65
    accounts = {source: account(TOS=10)}
    txs = [salted(source, 0, 1234), salted(source, 0, 123)]
    execution = run_block(txs, accounts=accounts, contracts={})
    assert receipts(execution) == [rejected("malformed"), applied(0)]
    assert set(contracts_of(execution)) == {f"{source}.s123"}


def test_a_salted_deploy_still_needs_a_nonce_below_the_maximum() -> None:
    accounts = {"a": account(nonce=U64_MAX - 1, TOS=10)}
    txs = [salted("a", U64_MAX - 1, 1), salted("a", U64_MAX, 2)]
    execution = run_block(txs, accounts=accounts, contracts={})
    assert receipts(execution) == [applied(0), rejected("malformed")]
    assert accounts_of(execution)["a"]["nonce"] == U64_MAX
    assert set(contracts_of(execution)) == {"a.s1"}


def test_a_salted_deploy_revives_a_destroyed_contract_with_nothing_of_the_old_one() -> None:
    other_code = {"0": [["PUSH", 0], ["SLOAD"], ["LOG"]], "2": [["DESTROY"]]}
    txs = [
        salted("a", 0, 1),
        invoke("b", 0, "a.s1", args=[7], deposits={"TOS": 20}),
        invoke("b", 1, "a.s1", entry=1),
        invoke("b", 2, "a.s1", entry=2),
        invoke("b", 3, "a.s1", entry=1),
        salted("a", 1, 1, other_code),
        invoke("b", 3, "a.s1"),
        transfer("b", 4, "a.s1", 1),
    ]
    execution = run_block(txs, contracts={})
    assert receipts(execution) == [
        applied(0),
        applied(12),
        applied(14, ("a.s1", 7), ("a.s1", 20)),
        applied(5),
        rejected("no_contract"),
        applied(0),
        applied(9, ("a.s1", 0)),
        rejected("not_an_account"),
    ]
    assert contracts_of(execution) == {
        "a.s1": {"balances": {}, "code": other_code, "nonce": 0, "storage": {}}
    }
    # b: -20 deposit, +20 swept back at the destroy, gas 12 + 14 + 5 + 9
    assert accounts_of(execution)["b"] == {"balances": {"TOS": 1000 - 40}, "nonce": 4}


def test_a_transfer_to_a_destroyed_address_creates_an_account_that_blocks_revival() -> None:
    txs = [
        salted("a", 0, 1),
        invoke("b", 0, "a.s1", entry=2),
        transfer("b", 1, "a.s1", 3),
        salted("a", 1, 1),
        invoke("b", 2, "a.s1", entry=2),
    ]
    execution = run_block(txs, contracts={})
    assert receipts(execution) == [
        applied(0),
        applied(5),
        applied(0),
        rejected("contract_exists"),
        rejected("no_contract"),
    ]
    assert contracts_of(execution) == {}
    assert accounts_of(execution)["a.s1"] == {"balances": {"TOS": 3}, "nonce": 0}


def test_a_clone_revives_an_address_once_its_creator_is_revived() -> None:
    code = {
        "0": [["CLONE"], ["LOG"]],
        "1": [["PUSH", 5], ["PUSH", 0], ["SSTORE"]],
        "2": [["PUSH", 0], ["SLOAD"], ["LOG"]],
        "3": [["DESTROY"]],
    }
    txs = [
        salted("a", 0, 9, code),
        invoke("b", 0, "a.s9"),  # clones a.s9.0
        invoke("b", 1, "a.s9.0", entry=1),  # its slot 0 = 5
        invoke("b", 2, "a.s9.0", entry=3),
        invoke("b", 3, "a.s9", entry=3),
        salted("a", 1, 9, code),  # the creator again, at nonce 0
        invoke("b", 4, "a.s9"),  # clones a.s9.0 again
        invoke("b", 5, "a.s9.0", entry=2),
    ]
    execution = run_block(txs, contracts={})
    assert receipts(execution) == [
        applied(0),
        applied(33, ("a.s9", 0)),
        applied(12),
        applied(5),
        applied(5),
        applied(0),
        applied(33, ("a.s9", 0)),
        applied(9, ("a.s9.0", 0)),
    ]
    assert {address: body["nonce"] for address, body in contracts_of(execution).items()} == {
        "a.s9": 1,
        "a.s9.0": 0,
    }


# ---------------------------------------------------------------- version 1 reads the same


class RecordingView:
    """A view that records every read it answers, in order."""

    def __init__(self, base: StateView) -> None:
        self.base = base
        self.reads: list[StateKey] = []

    def read(self, key: StateKey) -> StateValue:
        self.reads.append(key)
        return self.base.read(key)


def test_a_version_1_invoke_reads_exactly_the_items_it_read_before_version_2() -> None:
    """Parallel executors interleave at every read: a read added to version 1 would
    change every seeded schedule's interleavings, and with them saved reproducers.
    Storage is read under the creation the code item names, which the run has read
    anyway, so no item is added."""
    case = decode_case(
        json.dumps(
            {
                "format": "txparity.case/1",
                "genesis": {"accounts": GENESIS_ACCOUNTS, "contracts": {"counter": {
                    "code": {"0": INCREMENT}, "balances": {}, "storage": {}}}},
                "block": {"miner": "m", "reward": 0, "txs": [invoke("a", 0)]},
            }
        )
    )  # fmt: skip
    state = MemoryState()
    state.commit(genesis_write_set(case.genesis))
    view = RecordingView(state)
    outcome = apply_transaction(view, case.block.txs[0], BlockContext.of(case))
    assert outcome.receipt == Receipt.applied(20)
    assert view.reads == [
        NonceKey("a"),  # unknown_sender
        NonceKey("a"),  # bad_nonce
        CodeKey("counter"),  # no_contract
        CodeKey("counter"),  # no_entry
        BalanceKey("a", "TOS"),  # insufficient_funds
        CodeKey("counter"),  # the run's code, and the creation its storage is under
        StorageKey("counter", 0, GENESIS_CREATION),  # SLOAD
        BalanceKey("a", "TOS"),  # the fee and gas debit
    ]
