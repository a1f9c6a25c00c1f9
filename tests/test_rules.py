"""Unit tests of transaction validation and block processing (SPEC section 5).

Cases are JSON dicts decoded with ``decode_case`` and run by the ``SequentialExecutor``
on the memory backend; a few narrow checks call ``apply_transaction`` directly over a
``MemoryState``. Every test asserts the exact receipts and the exact post-state.

Unless a test says otherwise the genesis is ``GENESIS_ACCOUNTS`` and
``GENESIS_CONTRACTS``, the miner is ``m`` (absent from genesis) and the reward is 0.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests import builders
from tests.builders import Json, account, burn, deploy, transfer, transfer_outputs
from txparity.executors.codec import decode_case
from txparity.executors.execution import Execution, run_case
from txparity.executors.model import (
    NATIVE_ASSET,
    BalanceKey,
    NonceKey,
    Receipt,
    RejectReason,
)
from txparity.executors.rules import apply_transaction
from txparity.executors.sequential import SequentialExecutor
from txparity.executors.state.base import genesis_write_set
from txparity.executors.state.memory import MemoryState

U64_MAX = 2**64 - 1

# Contract c: entry 0 costs 2 gas (PUSH 1 + POP 1), entry 2 is empty, entry 5 reverts
# after one PUSH (1 gas).
C_CODE = {"0": [["PUSH", 1], ["POP"]], "2": [], "5": [["PUSH", 1], ["REVERT"]]}

GENESIS_ACCOUNTS: dict[str, Any] = {
    "alice": {"nonce": 0, "balances": {"TOS": 1000, "GOLD": 50}},
    "bob": {"nonce": 0, "balances": {"TOS": 5}},
}
GENESIS_CONTRACTS: dict[str, Any] = {
    "c": {"code": C_CODE, "balances": {}, "storage": {}},
}


# ---------------------------------------------------------------- helpers


def invoke(source: str, nonce: int, contract: str = "c", **fields: Any) -> Json:
    """An invoke, of contract ``c`` unless another is named."""
    return builders.invoke(source, nonce, contract, **fields)


def case_json(
    txs: list[dict[str, Any]],
    accounts: dict[str, Any] | None = None,
    contracts: dict[str, Any] | None = None,
    *,
    miner: str = "m",
    reward: int = 0,
) -> str:
    return json.dumps(
        {
            "format": "txparity.case/1",
            "genesis": {
                "accounts": GENESIS_ACCOUNTS if accounts is None else accounts,
                "contracts": GENESIS_CONTRACTS if contracts is None else contracts,
            },
            "block": {"miner": miner, "reward": reward, "txs": txs},
        }
    )


def run_block(
    txs: list[dict[str, Any]],
    accounts: dict[str, Any] | None = None,
    contracts: dict[str, Any] | None = None,
    *,
    miner: str = "m",
    reward: int = 0,
) -> Execution:
    case = decode_case(case_json(txs, accounts, contracts, miner=miner, reward=reward))
    return run_case(SequentialExecutor(), case, "memory")


def receipts(execution: Execution) -> list[dict[str, object]]:
    return [receipt.to_json() for receipt in execution.receipts]


def applied(gas: int = 0) -> dict[str, object]:
    return {"status": "applied", "reason": None, "gas_used": gas}


def reverted(reason: str, gas: int) -> dict[str, object]:
    return {"status": "reverted", "reason": reason, "gas_used": gas}


def rejected(reason: str) -> dict[str, object]:
    return {"status": "rejected", "reason": reason, "gas_used": 0}


def nonzero(mapping: dict[str, int]) -> dict[str, int]:
    return {key: value for key, value in mapping.items() if value}


def canonical(
    accounts: dict[str, Any] | None = None,
    contracts: dict[str, Any] | None = None,
    *,
    miner: str = "m",
    miner_tos: int = 0,
    burned: dict[str, int] | None = None,
) -> dict[str, Any]:
    """The canonical state holding these genesis-shaped accounts and contracts, plus
    the miner (created by the reward step) unless it is among the accounts."""
    accounts = GENESIS_ACCOUNTS if accounts is None else accounts
    contracts = GENESIS_CONTRACTS if contracts is None else contracts
    state_accounts = {
        address: {"balances": nonzero(account["balances"]), "nonce": account["nonce"]}
        for address, account in accounts.items()
    }
    state_accounts.setdefault(miner, {"balances": nonzero({"TOS": miner_tos}), "nonce": 0})
    state_contracts = {
        address: {
            "balances": nonzero(item["balances"]),
            "code": item["code"],
            "storage": nonzero(item["storage"]),
        }
        for address, item in contracts.items()
    }
    return {"accounts": state_accounts, "contracts": state_contracts, "burned": burned or {}}


def with_accounts(**changes: Any) -> dict[str, Any]:
    """GENESIS_ACCOUNTS with some accounts replaced (or added)."""
    return {**GENESIS_ACCOUNTS, **changes}


# ---------------------------------------------------------------- rejections (SPEC 5.1)

NONCE_MAX_ACCOUNTS = with_accounts(alice=account(U64_MAX, TOS=1000, GOLD=50))
ALICE_NONCE_3 = with_accounts(alice=account(3, TOS=1000, GOLD=50))
LONG_SOURCE = "a" * 62  # "<62 chars>.10" is 65 characters
LONG_ACCOUNTS = with_accounts(**{LONG_SOURCE: account(10, TOS=100)})

REJECTION_CASES = [
    # malformed: nonce must be < 2**64 - 1, for every kind (the account's nonce matches)
    pytest.param(NONCE_MAX_ACCOUNTS, transfer_outputs("alice", U64_MAX, [("bob", "TOS", 1)]),
                 "malformed", id="malformed-nonce-max-transfer"),
    pytest.param(NONCE_MAX_ACCOUNTS, burn("alice", U64_MAX, "TOS", 1),
                 "malformed", id="malformed-nonce-max-burn"),
    pytest.param(NONCE_MAX_ACCOUNTS, deploy("alice", U64_MAX, {"0": []}),
                 "malformed", id="malformed-nonce-max-deploy"),
    pytest.param(NONCE_MAX_ACCOUNTS, invoke("alice", U64_MAX),
                 "malformed", id="malformed-nonce-max-invoke"),
    # malformed: transfer outputs
    pytest.param(None, transfer_outputs("alice", 0, []), "malformed", id="malformed-0-outputs"),
    pytest.param(None, transfer_outputs("alice", 0, [("bob", "TOS", 1)] * 17),
                 "malformed", id="malformed-17-outputs"),
    pytest.param(None, transfer_outputs("alice", 0, [("bob", "TOS", 1), ("bob", "GOLD", 0)]),
                 "malformed", id="malformed-zero-amount"),
    # malformed: burn, invoke
    pytest.param(None, burn("alice", 0, "GOLD", 0), "malformed", id="malformed-zero-burn"),
    pytest.param(None, invoke("alice", 0, args=list(range(9))),
                 "malformed", id="malformed-9-args"),
    pytest.param(None, invoke("alice", 0, deposits={"TOS": 1, "GOLD": 0}),
                 "malformed", id="malformed-zero-deposit"),
    pytest.param(None, invoke("alice", 0, max_gas=1_000_001),
                 "malformed", id="malformed-max-gas-1000001"),
    # malformed: deploy address over 64 characters
    pytest.param(LONG_ACCOUNTS, deploy(LONG_SOURCE, 10, {"0": []}),
                 "malformed", id="malformed-deploy-address-65-chars"),
    # unknown_sender
    pytest.param(None, transfer_outputs("ghost", 0, [("bob", "TOS", 1)]),
                 "unknown_sender", id="unknown-sender-absent"),
    pytest.param(None, transfer_outputs("c", 0, [("bob", "TOS", 1)]),
                 "unknown_sender", id="unknown-sender-contract"),
    pytest.param(None, invoke("c", 0), "unknown_sender", id="unknown-sender-contract-invoke"),
    # bad_nonce
    pytest.param(None, transfer("alice", 1, "bob", 1), "bad_nonce", id="nonce-gap"),
    pytest.param(ALICE_NONCE_3, transfer_outputs("alice", 2, [("bob", "TOS", 1)]),
                 "bad_nonce", id="nonce-below"),
    pytest.param(ALICE_NONCE_3, burn("alice", 0, "TOS", 1), "bad_nonce", id="nonce-zero-replay"),
    # self_transfer
    pytest.param(None, transfer_outputs("alice", 0, [("alice", "TOS", 1)]),
                 "self_transfer", id="self-transfer"),
    pytest.param(None, transfer_outputs("alice", 0, [("bob", "TOS", 1), ("alice", "GOLD", 1)]),
                 "self_transfer", id="self-transfer-second-output"),
    # not_an_account
    pytest.param(None, transfer_outputs("alice", 0, [("c", "TOS", 1)]),
                 "not_an_account", id="not-an-account"),
    pytest.param(None, transfer_outputs("alice", 0, [("bob", "TOS", 1), ("c", "TOS", 1)]),
                 "not_an_account", id="not-an-account-second-output"),
    # no_contract
    pytest.param(None, invoke("alice", 0, "ghost"), "no_contract", id="no-contract-absent"),
    pytest.param(None, invoke("alice", 0, "bob"), "no_contract", id="no-contract-account"),
    # no_entry
    pytest.param(None, invoke("alice", 0, entry=1), "no_entry", id="no-entry"),
    pytest.param(None, invoke("alice", 0, entry=U64_MAX), "no_entry", id="no-entry-max"),
    # contract_exists
    pytest.param(None, deploy("alice", 0, {"0": []}), "contract_exists",
                 id="contract-exists-contract"),
    pytest.param(with_accounts(**{"alice.0": account(0)}), deploy("alice", 0, {"0": []}),
                 "contract_exists", id="contract-exists-account"),
]  # fmt: skip


def contracts_for(accounts: dict[str, Any] | None) -> dict[str, Any]:
    """The genesis contracts: with ``alice.0`` as a contract unless it is an account."""
    if accounts is not None and "alice.0" in accounts:
        return GENESIS_CONTRACTS
    return {**GENESIS_CONTRACTS, "alice.0": {"code": {"7": []}, "balances": {}, "storage": {}}}


@pytest.mark.parametrize(("accounts", "tx", "reason"), REJECTION_CASES)
def test_rejection(accounts: dict[str, Any] | None, tx: dict[str, Any], reason: str) -> None:
    contracts = contracts_for(accounts)
    execution = run_block([tx], accounts, contracts)
    assert receipts(execution) == [rejected(reason)]
    assert execution.state == canonical(accounts, contracts)


MALFORMED_CODE = [
    pytest.param({"0": [["NOPE"]]}, id="unknown-op"),
    pytest.param({"0": [["push", 1]]}, id="lower-case-op"),
    pytest.param({"0": [["PUSH"]]}, id="missing-operand"),
    pytest.param({"0": [["PUSH", 1, 2]]}, id="extra-operand"),
    pytest.param({"0": [["STOP", 0]]}, id="operand-on-STOP"),
    pytest.param({"0": [["ADD", 1]]}, id="operand-on-ADD"),
    pytest.param({"0": [["PUSH", 2**64]]}, id="PUSH-2**64"),
    pytest.param({"0": [["PUSH", -1]]}, id="PUSH-negative"),
    pytest.param({"0": [["PUSH", "1"]]}, id="PUSH-string"),
    pytest.param({"0": [["PUSH", True]]}, id="PUSH-bool"),
    pytest.param({"0": [["ARG", 8]]}, id="ARG-8"),
    pytest.param({"0": [["JUMP", 1]]}, id="JUMP-past-end"),
    pytest.param({"0": [["JUMPI", 5], ["STOP"]]}, id="JUMPI-past-end"),
    pytest.param({"0": [], "1": [["JUMP", 0], ["JUMP", 2]]}, id="JUMP-target-eq-length"),
    pytest.param({"0": [["CALL", "c", 0, 9]]}, id="CALL-9-args"),
    pytest.param({"0": [["CALL", "C", 0, 0]]}, id="CALL-bad-address"),
    pytest.param({"0": [["CALL", "a" * 65, 0, 0]]}, id="CALL-address-65-chars"),
    pytest.param({"0": [["CALL", "c", 2**64, 0]]}, id="CALL-entry-2**64"),
    pytest.param({"0": [["CALL", "c", 0]]}, id="CALL-missing-operand"),
    pytest.param({"01": []}, id="entry-leading-zero"),
    pytest.param({"-1": []}, id="entry-negative"),
    pytest.param({"18446744073709551616": []}, id="entry-2**64"),
    pytest.param({"x": []}, id="entry-not-decimal"),
    pytest.param({"0": [["STOP"]] * 257}, id="257-instructions"),
    pytest.param({"0": ["STOP"]}, id="instruction-not-a-list"),
    pytest.param({"0": [[]]}, id="empty-instruction"),
]


@pytest.mark.parametrize("code", MALFORMED_CODE)
def test_deploy_of_malformed_code_is_malformed(code: object) -> None:
    execution = run_block([deploy("alice", 0, code, fee=1)])
    assert receipts(execution) == [rejected("malformed")]
    assert execution.state == canonical()


def test_replayed_nonce_is_rejected() -> None:
    tx = transfer_outputs("alice", 0, [("bob", "TOS", 10)], fee=1)
    execution = run_block([tx, tx])
    assert receipts(execution) == [applied(), rejected("bad_nonce")]
    expected = with_accounts(alice=account(1, TOS=989, GOLD=50), bob=account(0, TOS=15))
    assert execution.state == canonical(expected, miner_tos=1)


def test_nonces_must_come_in_order() -> None:
    first = transfer_outputs("alice", 0, [("bob", "TOS", 10)])
    second = transfer_outputs("alice", 1, [("bob", "TOS", 20)])
    execution = run_block([second, first, second])
    assert receipts(execution) == [rejected("bad_nonce"), applied(), applied()]
    expected = with_accounts(alice=account(2, TOS=970, GOLD=50), bob=account(0, TOS=35))
    assert execution.state == canonical(expected)


def test_contract_exists_for_account_created_in_block() -> None:
    txs = [transfer_outputs("alice", 0, [("alice.1", "TOS", 3)]), deploy("alice", 1, {"0": []})]
    execution = run_block(txs)
    assert receipts(execution) == [applied(), rejected("contract_exists")]
    expected = with_accounts(alice=account(1, TOS=997, GOLD=50), **{"alice.1": account(0, TOS=3)})
    assert execution.state == canonical(expected)


def test_contract_exists_for_the_miner_account() -> None:
    # The reward step creates the miner "alice.0" before the deploy is validated.
    execution = run_block([deploy("alice", 0, {"0": []})], miner="alice.0", reward=0)
    assert receipts(execution) == [rejected("contract_exists")]
    expected = with_accounts(**{"alice.0": account(0)})
    assert execution.state == canonical(expected, miner="alice.0")


# ---------------------------------------------------------------- accepted edges of form


def test_nonce_just_below_max_is_accepted() -> None:
    accounts = with_accounts(alice=account(U64_MAX - 1, TOS=1000))
    execution = run_block([burn("alice", U64_MAX - 1, "TOS", 1)], accounts)
    assert receipts(execution) == [applied()]
    expected = with_accounts(alice=account(U64_MAX, TOS=999))
    assert execution.state == canonical(expected, burned={"TOS": 1})


def test_sixteen_outputs_are_accepted() -> None:
    outputs = [(f"r{i}", "TOS", i + 1) for i in range(16)]  # 1 + 2 + ... + 16 = 136
    execution = run_block([transfer_outputs("alice", 0, outputs)])
    assert receipts(execution) == [applied()]
    expected = with_accounts(
        alice=account(1, TOS=1000 - 136, GOLD=50),
        **{f"r{i}": account(0, TOS=i + 1) for i in range(16)},
    )
    assert execution.state == canonical(expected)


def test_outputs_move_in_order_and_may_repeat_dest() -> None:
    outputs = [("bob", "TOS", 10), ("carol", "GOLD", 7), ("bob", "TOS", 5), ("bob", "GOLD", 1)]
    execution = run_block([transfer_outputs("alice", 0, outputs, fee=2)])
    assert receipts(execution) == [applied()]
    expected = with_accounts(
        alice=account(1, TOS=1000 - 15 - 2, GOLD=50 - 8),
        bob=account(0, TOS=5 + 15, GOLD=1),
        carol=account(0, GOLD=7),
    )
    assert execution.state == canonical(expected, miner_tos=2)


def test_eight_args_and_max_gas_limit_are_accepted() -> None:
    accounts = with_accounts(alice=account(0, TOS=1_000_000))
    tx = invoke("alice", 0, args=list(range(8)), max_gas=1_000_000)
    execution = run_block([tx], accounts)
    assert receipts(execution) == [applied(2)]  # PUSH 1 + POP 1
    expected = with_accounts(alice=account(1, TOS=1_000_000 - 2))
    assert execution.state == canonical(expected, miner_tos=2)


def test_deploy_address_of_64_chars_is_accepted() -> None:
    source = "a" * 61  # "<61 chars>.10" is 64 characters
    accounts = with_accounts(**{source: account(10, TOS=5)})
    code = {"0": [["PUSH", 1]], "18446744073709551615": [["STOP"]] * 256}
    execution = run_block([deploy(source, 10, code, fee=5)], accounts)
    assert receipts(execution) == [applied()]
    new = f"{source}.10"
    assert len(new) == 64
    expected_accounts = with_accounts(**{source: account(11)})
    expected_contracts = {**GENESIS_CONTRACTS, new: {"code": code, "balances": {}, "storage": {}}}
    assert execution.state == canonical(expected_accounts, expected_contracts, miner_tos=5)


def test_deploy_creates_source_dot_nonce_and_can_be_invoked() -> None:
    accounts = with_accounts(alice=account(3, TOS=100))
    code = {"4": [["PUSH", 9], ["PUSH", 1], ["SSTORE"]]}
    txs = [deploy("alice", 3, code, fee=1), invoke("alice", 4, "alice.3", entry=4, max_gas=12)]
    execution = run_block(txs, accounts)
    assert receipts(execution) == [applied(), applied(12)]  # 1 + 1 + 10
    expected_accounts = with_accounts(alice=account(5, TOS=100 - 1 - 12))
    expected_contracts = {
        **GENESIS_CONTRACTS,
        "alice.3": {"code": code, "balances": {}, "storage": {"1": 9}},
    }
    assert execution.state == canonical(expected_accounts, expected_contracts, miner_tos=13)


def test_account_created_in_block_can_send() -> None:
    txs = [
        transfer_outputs("alice", 0, [("carol", "TOS", 10)]),
        transfer_outputs("carol", 0, [("bob", "TOS", 4)], fee=6),
    ]
    execution = run_block(txs)
    assert receipts(execution) == [applied(), applied()]
    expected = with_accounts(
        alice=account(1, TOS=990, GOLD=50), bob=account(0, TOS=9), carol=account(1)
    )
    assert execution.state == canonical(expected, miner_tos=6)


# ---------------------------------------------------------------- insufficient_funds

# (alice's balances one short, the transaction): each is rejected; with the missing
# unit added (EXACT_CASES below) the same transaction is applied.
SHORT_CASES = [
    pytest.param({"TOS": 6}, deploy("alice", 0, {"9": []}, fee=7), id="fee"),
    pytest.param({"TOS": 12}, transfer_outputs("alice", 0, [("bob", "TOS", 10)], fee=3),
                 id="transfer-TOS-plus-fee"),
    pytest.param({"TOS": 0, "GOLD": 9},
                 transfer_outputs("alice", 0, [("bob", "GOLD", 4), ("carol", "GOLD", 6)]),
                 id="transfer-GOLD-sum"),
    pytest.param({"TOS": 6, "GOLD": 4},
                 transfer_outputs("alice", 0, [("bob", "TOS", 5), ("bob", "GOLD", 5)], fee=1),
                 id="transfer-GOLD-short-TOS-ok"),
    pytest.param({"TOS": 5, "GOLD": 5},
                 transfer_outputs("alice", 0, [("bob", "TOS", 5), ("bob", "GOLD", 5)], fee=1),
                 id="transfer-TOS-short-GOLD-ok"),
    pytest.param({"TOS": 2, "GOLD": 7}, burn("alice", 0, "GOLD", 8, fee=2), id="burn-GOLD"),
    pytest.param({"TOS": 9}, burn("alice", 0, "TOS", 8, fee=2), id="burn-TOS-plus-fee"),
    pytest.param({"TOS": 0, "GOLD": 4}, invoke("alice", 0, deposits={"GOLD": 5}),
                 id="invoke-deposit-GOLD"),
    pytest.param({"TOS": 109},
                 invoke("alice", 0, deposits={"TOS": 9}, max_gas=100, fee=1),
                 id="invoke-fee-deposit-max-gas"),
    pytest.param({"TOS": 49}, invoke("alice", 0, max_gas=50), id="invoke-max-gas"),
    pytest.param({"TOS": 1000}, transfer_outputs("alice", 0, [("bob", "SILVER", 1)]),
                 id="asset-not-held"),
]  # fmt: skip


@pytest.mark.parametrize(("balances", "tx"), SHORT_CASES)
def test_insufficient_funds_one_short(balances: dict[str, int], tx: dict[str, Any]) -> None:
    accounts = with_accounts(alice={"nonce": 0, "balances": balances})
    execution = run_block([tx], accounts)
    assert receipts(execution) == [rejected("insufficient_funds")]
    assert execution.state == canonical(accounts)


C_CONTRACT = GENESIS_CONTRACTS["c"]

EXACT_CASES = [
    pytest.param(
        {"TOS": 7}, deploy("alice", 0, {"9": []}, fee=7), applied(),
        {"alice": account(1)},
        {"alice.0": {"code": {"9": []}, "balances": {}, "storage": {}}},
        7, {}, id="fee",
    ),
    pytest.param(
        {"TOS": 13}, transfer_outputs("alice", 0, [("bob", "TOS", 10)], fee=3), applied(),
        {"alice": account(1), "bob": account(0, TOS=15)}, {}, 3, {},
        id="transfer-TOS-plus-fee",
    ),
    pytest.param(
        {"GOLD": 10}, transfer_outputs("alice", 0, [("bob", "GOLD", 4), ("carol", "GOLD", 6)]),
        applied(),
        {"alice": account(1), "bob": account(0, TOS=5, GOLD=4), "carol": account(0, GOLD=6)},
        {}, 0, {}, id="transfer-GOLD-sum",
    ),
    pytest.param(
        {"TOS": 6, "GOLD": 5},
        transfer_outputs("alice", 0, [("bob", "TOS", 5), ("bob", "GOLD", 5)], fee=1), applied(),
        {"alice": account(1), "bob": account(0, TOS=10, GOLD=5)}, {}, 1, {},
        id="transfer-two-assets",
    ),
    pytest.param(
        {"TOS": 2, "GOLD": 8}, burn("alice", 0, "GOLD", 8, fee=2), applied(),
        {"alice": account(1)}, {}, 2, {"GOLD": 8}, id="burn-GOLD",
    ),
    pytest.param(
        {"TOS": 10}, burn("alice", 0, "TOS", 8, fee=2), applied(),
        {"alice": account(1)}, {}, 2, {"TOS": 8}, id="burn-TOS-plus-fee",
    ),
    pytest.param(
        {"GOLD": 5}, invoke("alice", 0, entry=2, deposits={"GOLD": 5}), applied(0),
        # entry 2 is empty: with max_gas 0 it succeeds using 0 gas
        {"alice": account(1)}, {"c": {**C_CONTRACT, "balances": {"GOLD": 5}}}, 0, {},
        id="invoke-deposit-GOLD",
    ),
    pytest.param(
        {"TOS": 110}, invoke("alice", 0, deposits={"TOS": 9}, max_gas=100, fee=1), applied(2),
        # 110 - deposit 9 - fee 1 - gas 2 (PUSH 1 + POP 1)
        {"alice": account(1, TOS=98)}, {"c": {**C_CONTRACT, "balances": {"TOS": 9}}}, 3, {},
        id="invoke-fee-deposit-max-gas",
    ),
    pytest.param(
        {"TOS": 50}, invoke("alice", 0, max_gas=50), applied(2),
        {"alice": account(1, TOS=48)}, {}, 2, {}, id="invoke-max-gas",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("balances", "tx", "receipt", "accounts_after", "contracts_after", "miner_tos", "burned"),
    EXACT_CASES,
)
def test_exact_balance_is_enough(
    balances: dict[str, int],
    tx: dict[str, Any],
    receipt: dict[str, object],
    accounts_after: dict[str, Any],
    contracts_after: dict[str, Any],
    miner_tos: int,
    burned: dict[str, int],
) -> None:
    accounts = with_accounts(alice={"nonce": 0, "balances": balances})
    execution = run_block([tx], accounts)
    assert receipts(execution) == [receipt]
    expected_accounts = with_accounts(**accounts_after)
    expected_contracts = {**GENESIS_CONTRACTS, **contracts_after}
    assert execution.state == canonical(
        expected_accounts, expected_contracts, miner_tos=miner_tos, burned=burned
    )


# ---------------------------------------------------------------- order of the checks

ORDER_CASES = [
    pytest.param(None, burn("ghost", 7, "GOLD", 0), "malformed",
                 id="malformed-before-unknown-sender"),
    pytest.param(None, transfer_outputs("alice", 9, []), "malformed",
                 id="malformed-before-bad-nonce"),
    pytest.param(None, invoke("alice", 0, "ghost", max_gas=1_000_001), "malformed",
                 id="malformed-before-no-contract"),
    pytest.param(None, transfer_outputs("ghost", 3, [("ghost", "TOS", 1)]), "unknown_sender",
                 id="unknown-sender-before-self-transfer"),
    pytest.param(None, invoke("c", 0, "ghost"), "unknown_sender",
                 id="unknown-sender-before-no-contract"),
    pytest.param(None, transfer_outputs("alice", 1, [("alice", "TOS", 1)]), "bad_nonce",
                 id="bad-nonce-before-self-transfer"),
    pytest.param(None, transfer_outputs("alice", 1, [("bob", "TOS", 10**6)]), "bad_nonce",
                 id="bad-nonce-before-insufficient-funds"),
    pytest.param(None, invoke("alice", 1, "ghost"), "bad_nonce",
                 id="bad-nonce-before-no-contract"),
    pytest.param(None, transfer_outputs("alice", 0, [("c", "TOS", 1), ("alice", "TOS", 1)]),
                 "self_transfer", id="self-transfer-output-1-before-not-an-account-output-0"),
    pytest.param(None, transfer_outputs("alice", 0, [("alice", "TOS", 10**6)]), "self_transfer",
                 id="self-transfer-before-insufficient-funds"),
    pytest.param(None, transfer_outputs("alice", 0, [("c", "TOS", 10**6)]), "not_an_account",
                 id="not-an-account-before-insufficient-funds"),
    pytest.param(None, invoke("alice", 0, "ghost", max_gas=10**6), "no_contract",
                 id="no-contract-before-insufficient-funds"),
    pytest.param(None, invoke("alice", 0, entry=9, max_gas=10**6), "no_entry",
                 id="no-entry-before-insufficient-funds"),
    pytest.param(None, deploy("alice", 0, {"0": []}, fee=10**6), "contract_exists",
                 id="contract-exists-before-insufficient-funds"),
]  # fmt: skip


@pytest.mark.parametrize(("accounts", "tx", "reason"), ORDER_CASES)
def test_first_failing_check_is_the_reason(
    accounts: dict[str, Any] | None, tx: dict[str, Any], reason: str
) -> None:
    contracts = contracts_for(accounts)
    execution = run_block([tx], accounts, contracts)
    assert receipts(execution) == [rejected(reason)]
    assert execution.state == canonical(accounts, contracts)


# ---------------------------------------------------------------- block steps (SPEC 5)


def test_reward_creates_miner_even_when_zero() -> None:
    execution = run_block([], reward=0)
    assert receipts(execution) == []
    assert execution.state["accounts"]["m"] == {"balances": {}, "nonce": 0}
    assert execution.state == canonical()


def test_reward_is_added_to_existing_miner() -> None:
    accounts = with_accounts(m=account(4, TOS=5, GOLD=1))
    execution = run_block([], accounts, reward=50)
    assert execution.state == canonical(with_accounts(m=account(4, TOS=55, GOLD=1)))


def test_miner_can_spend_reward_in_the_block() -> None:
    txs = [transfer_outputs("m", 0, [("carol", "TOS", 30)], fee=5)]
    execution = run_block(txs, reward=50)
    assert receipts(execution) == [applied()]
    # m: reward 50 - 30 - fee 5, then its own fee 5 back at the end
    expected = with_accounts(m=account(1, TOS=20), carol=account(0, TOS=30))
    assert execution.state == canonical(expected)


def test_miner_cannot_spend_more_than_reward() -> None:
    txs = [transfer_outputs("m", 0, [("carol", "TOS", 46)], fee=5)]  # 51 > 50
    execution = run_block(txs, reward=50)
    assert receipts(execution) == [rejected("insufficient_funds")]
    assert execution.state == canonical(miner_tos=50)


def test_fees_reach_the_miner_only_at_the_end() -> None:
    txs = [
        transfer_outputs("alice", 0, [("bob", "TOS", 100)], fee=10),
        transfer_outputs("m", 0, [("bob", "TOS", 5)]),  # m holds 0 TOS until the block ends
    ]
    execution = run_block(txs, reward=0)
    assert receipts(execution) == [applied(), rejected("insufficient_funds")]
    expected = with_accounts(alice=account(1, TOS=890, GOLD=50), bob=account(0, TOS=105))
    assert execution.state == canonical(expected, miner_tos=10)


def test_miner_gets_fee_plus_gas_of_included_transactions_only() -> None:
    txs = [
        invoke("alice", 0, max_gas=10, fee=3),  # applied, gas 2 (PUSH 1 + POP 1)
        invoke("alice", 1, entry=5, max_gas=10, deposits={"GOLD": 7}, fee=4),  # reverted, 1
        invoke("alice", 2, "ghost", fee=100),  # rejected: pays nothing
        invoke("alice", 2, entry=2, max_gas=0, fee=0),  # applied, empty entry, gas 0
        burn("alice", 3, "GOLD", 1, fee=6),  # applied, gas 0
    ]
    execution = run_block(txs, reward=50)
    assert receipts(execution) == [
        applied(2),
        reverted("revert", 1),
        rejected("no_contract"),
        applied(0),
        applied(0),
    ]
    # paid: (3 + 2) + (4 + 1) + 0 + 0 + 6 = 16
    expected = with_accounts(alice=account(4, TOS=1000 - 16, GOLD=49))
    assert execution.state == canonical(expected, miner_tos=50 + 16, burned={"GOLD": 1})


def test_burns_accumulate() -> None:
    txs = [
        burn("alice", 0, "GOLD", 3, fee=1),
        burn("alice", 1, "GOLD", 4, fee=1),
        burn("alice", 2, "TOS", 10),
        burn("bob", 0, "TOS", 5),
        burn("bob", 1, "TOS", 1),  # rejected: bob has nothing left
    ]
    execution = run_block(txs)
    assert receipts(execution) == [
        applied(),
        applied(),
        applied(),
        applied(),
        rejected("insufficient_funds"),
    ]
    expected = with_accounts(alice=account(3, TOS=1000 - 2 - 10, GOLD=43), bob=account(1))
    assert execution.state == canonical(expected, miner_tos=2, burned={"GOLD": 7, "TOS": 15})


# ---------------------------------------------------------------- apply_transaction directly


def genesis_state(txs: list[dict[str, Any]]) -> tuple[MemoryState, Any]:
    case = decode_case(case_json(txs))
    state = MemoryState()
    state.commit(genesis_write_set(case.genesis))
    return state, case.block.txs


def test_apply_transaction_rejection_writes_nothing() -> None:
    state, (tx,) = genesis_state([transfer_outputs("alice", 0, [("bob", "TOS", 10**6)], fee=9)])
    outcome = apply_transaction(state, tx)
    assert outcome.receipt == Receipt.rejected(RejectReason.INSUFFICIENT_FUNDS)
    assert dict(outcome.write_set.writes) == {}
    assert outcome.write_set.fee == 0
    assert dict(outcome.write_set.burned) == {}


def test_apply_transaction_included_burn_write_set() -> None:
    state, (tx,) = genesis_state([burn("alice", 0, "GOLD", 20, fee=9)])
    outcome = apply_transaction(state, tx)
    assert outcome.receipt == Receipt.applied(0)
    assert dict(outcome.write_set.writes) == {
        NonceKey("alice"): 1,
        BalanceKey("alice", "GOLD"): 30,
        BalanceKey("alice", NATIVE_ASSET): 991,
    }
    assert outcome.write_set.fee == 9
    assert dict(outcome.write_set.burned) == {"GOLD": 20}
    assert state.read(NonceKey("alice")) == 0  # the view is never written


def test_apply_transaction_reverted_invoke_keeps_nonce_and_payment() -> None:
    state, (tx,) = genesis_state([invoke("alice", 0, entry=5, deposits={"TOS": 50}, max_gas=3,
                                         fee=2)])  # fmt: skip
    outcome = apply_transaction(state, tx)
    assert outcome.receipt.to_json() == reverted("revert", 1)  # PUSH 1, REVERT 0
    assert dict(outcome.write_set.writes) == {
        NonceKey("alice"): 1,
        BalanceKey("alice", NATIVE_ASSET): 1000 - 2 - 1,
    }
    assert outcome.write_set.fee == 3
