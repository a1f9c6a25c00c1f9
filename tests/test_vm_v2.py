"""Unit tests of the version 2 instructions (SPEC 10.4), run through the reference.

Every case is a ``txparity.case/2`` JSON dict decoded with ``decode_case`` and run by
the ``SequentialExecutor`` on the memory backend. Each test asserts the exact
receipts (status, reason, gas_used, logs) and the post-state it touches. Expected
gas is written by hand from the cost tables of SPEC 6 and 10.4:

    PUSH POP DUP ARG = 1    ADD BALANCE BALANCEOF = 2    LOG = 3    DESTROY = 5
    SLOAD = 5    SSTORE PAY = 10    CALL = 20    CLONE = 30    STOP REVERT = 0

Most programs show what an instruction pushed by ``LOG``-ging it, so the receipt
says it. Unless a test says otherwise: the source ``alice`` holds ``START`` TOS, the
fee is 0, the miner ``m`` gets a reward of 0, and the invoked contract is ``c``,
entry 0.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.builders import account, transfer
from txparity.executors.codec import decode_case
from txparity.executors.errors import InvariantViolation
from txparity.executors.execution import Execution, run_case
from txparity.executors.model import Version
from txparity.executors.rules import apply_transaction
from txparity.executors.sequential import SequentialExecutor
from txparity.executors.state import open_state

SOURCE = "alice"
START = 100_000
U64_MAX = 2**64 - 1
FILL: list[list[Any]] = [["PUSH", i] for i in range(64)]  # a full stack, 64 gas
LOG_TOP: list[list[Any]] = [["LOG"]]  # 3 gas


# ---------------------------------------------------------------- helpers


def contract(
    code: dict[str, list[list[Any]]],
    *,
    balances: dict[str, int] | None = None,
    storage: dict[str, int] | None = None,
    nonce: int | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "balances": balances or {}, "storage": storage or {}}
    if nonce is not None:
        body["nonce"] = nonce
    return body


def invoke_tx(
    target: str = "c",
    *,
    entry: int = 0,
    deposits: dict[str, int] | None = None,
    max_gas: int = 10_000,
    fee: int = 0,
    nonce: int = 0,
    source: str = SOURCE,
) -> dict[str, Any]:
    return {
        "kind": "invoke",
        "source": source,
        "nonce": nonce,
        "fee": fee,
        "contract": target,
        "entry": entry,
        "args": [],
        "deposits": deposits or {},
        "max_gas": max_gas,
    }


def case_json(
    contracts: dict[str, dict[str, Any]],
    txs: list[dict[str, Any]],
    *,
    accounts: dict[str, Any] | None = None,
    miner: str = "m",
) -> dict[str, Any]:
    return {
        "format": "txparity.case/2",
        "genesis": {
            "accounts": {SOURCE: account(TOS=START)} if accounts is None else accounts,
            "contracts": contracts,
        },
        "block": {"miner": miner, "reward": 0, "txs": txs},
    }


def run_block(
    contracts: dict[str, dict[str, Any]],
    txs: list[dict[str, Any]],
    *,
    accounts: dict[str, Any] | None = None,
    miner: str = "m",
) -> Execution:
    case = case_json(contracts, txs, accounts=accounts, miner=miner)
    return run_case(SequentialExecutor(), decode_case(json.dumps(case)), "memory")


def run_entry(
    program: list[list[Any]],
    *,
    others: dict[str, dict[str, Any]] | None = None,
    balances: dict[str, int] | None = None,
    storage: dict[str, int] | None = None,
    nonce: int | None = None,
    deposits: dict[str, int] | None = None,
    max_gas: int = 10_000,
    fee: int = 0,
) -> Execution:
    """Invoke ``program`` as entry 0 of contract ``c`` once."""
    contracts = {"c": contract({"0": program}, balances=balances, storage=storage, nonce=nonce)}
    contracts.update(others or {})
    tx = invoke_tx(deposits=deposits, max_gas=max_gas, fee=fee)
    return run_block(contracts, [tx])


def receipts(execution: Execution) -> list[dict[str, object]]:
    return [receipt.to_json(Version.V2) for receipt in execution.receipts]


def applied(gas: int, *logs: tuple[str, int]) -> dict[str, object]:
    return {"status": "applied", "reason": None, "gas_used": gas, "logs": [list(x) for x in logs]}


def reverted(reason: str, gas: int) -> dict[str, object]:
    return {"status": "reverted", "reason": reason, "gas_used": gas, "logs": []}


def rejected(reason: str) -> dict[str, object]:
    return {"status": "rejected", "reason": reason, "gas_used": 0, "logs": []}


def contracts_of(execution: Execution) -> dict[str, Any]:
    return execution.state["contracts"]


def alice(execution: Execution) -> dict[str, Any]:
    return execution.state["accounts"][SOURCE]  # type: ignore[no-any-return]


# ---------------------------------------------------------------- LOG


def test_log_appends_the_frames_contract_and_the_popped_value() -> None:
    execution = run_entry([["PUSH", 7], ["LOG"], ["PUSH", U64_MAX], ["LOG"], ["PUSH", 0], ["LOG"]])
    assert receipts(execution) == [applied(12, ("c", 7), ("c", U64_MAX), ("c", 0))]
    assert alice(execution) == {"balances": {"TOS": START - 12}, "nonce": 1}


def test_log_on_an_empty_stack_fails_with_stack() -> None:
    assert receipts(run_entry([["LOG"]])) == [reverted("stack", 3)]


def test_logs_keep_their_append_order_across_frames() -> None:
    others = {"d": contract({"0": [["PUSH", 2], ["LOG"], ["PUSH", 3]]})}
    program = [["PUSH", 1], ["LOG"], ["CALL", "d", 0, 0], ["LOG"]]
    # 1 + 3 + 20 + (1 + 3 + 1) + 3
    assert receipts(run_entry(program, others=others)) == [
        applied(32, ("c", 1), ("d", 2), ("c", 3))
    ]


@pytest.mark.parametrize(
    ("program", "max_gas", "expected"),
    [
        pytest.param([["PUSH", 1], ["LOG"], ["REVERT"]], 100, reverted("revert", 4), id="revert"),
        pytest.param(
            [["PUSH", 1], ["LOG"], ["PUSH", 2], ["LOG"]], 6, reverted("out_of_gas", 6), id="gas"
        ),
        pytest.param(
            [["PUSH", 1], ["LOG"], ["CALL", "d", 0, 0]], 100, reverted("div_zero", 32), id="callee"
        ),  # 1 + 3 + 20 + (1 + 3 + 1 + 1 + 2)
    ],
)
def test_the_logs_of_a_failed_run_are_dropped(
    program: list[list[Any]], max_gas: int, expected: dict[str, object]
) -> None:
    others = {"d": contract({"0": [["PUSH", 2], ["LOG"], ["PUSH", 1], ["PUSH", 0], ["DIV"]]})}
    execution = run_entry(program, others=others, max_gas=max_gas)
    assert receipts(execution) == [expected]
    gas = expected["gas_used"]
    assert isinstance(gas, int)
    assert alice(execution) == {"balances": {"TOS": START - gas}, "nonce": 1}


def test_logs_of_one_transaction_are_not_carried_into_the_next() -> None:
    contracts = {"c": contract({"0": [["PUSH", 5], ["LOG"]], "1": [["PUSH", 6]]})}
    execution = run_block(contracts, [invoke_tx(), invoke_tx(entry=1, nonce=1)])
    assert receipts(execution) == [applied(4, ("c", 5)), applied(1)]


# ---------------------------------------------------------------- BALANCEOF


def test_balanceof_an_account_sees_the_deposits_gone_and_the_fee_not_yet_charged() -> None:
    program = [["BALANCEOF", SOURCE], ["LOG"]]
    execution = run_entry(program, deposits={"TOS": 10}, fee=7)
    assert receipts(execution) == [applied(5, ("c", START - 10))]
    assert alice(execution) == {"balances": {"TOS": START - 10 - 7 - 5}, "nonce": 1}


def test_balanceof_a_contract_sees_only_its_tos() -> None:
    others = {"d": contract({}, balances={"TOS": 40, "GOLD": 5})}
    execution = run_entry([["BALANCEOF", "d"], ["LOG"]], others=others)
    assert receipts(execution) == [applied(5, ("c", 40))]


def test_balanceof_this_contract_includes_the_deposits() -> None:
    execution = run_entry([["BALANCEOF", "c"], ["LOG"]], balances={"TOS": 5}, deposits={"TOS": 10})
    assert receipts(execution) == [applied(5, ("c", 15))]


def test_balanceof_an_address_that_names_nothing_is_zero() -> None:
    assert receipts(run_entry([["BALANCEOF", "nobody.9"], ["LOG"]])) == [applied(5, ("c", 0))]


def test_balanceof_sees_this_runs_payments() -> None:
    program = [["PUSH", 20], ["PAY"], ["BALANCEOF", SOURCE], ["LOG"], ["BALANCEOF", "c"], ["LOG"]]
    execution = run_entry(program, balances={"TOS": 50})
    # PUSH 1 + PAY 10 + 2 * (BALANCEOF 2 + LOG 3)
    assert receipts(execution) == [applied(21, ("c", START + 20), ("c", 30))]


def test_balanceof_on_a_full_stack_fails_with_stack() -> None:
    assert receipts(run_entry([*FILL, ["BALANCEOF", SOURCE]])) == [reverted("stack", 66)]


def test_balanceof_a_marked_contract_sees_its_balance_until_the_run_ends() -> None:
    others = {"d": contract({"0": [["DESTROY"]]}, balances={"TOS": 40})}
    program = [["CALL", "d", 0, 0], ["POP"], ["BALANCEOF", "d"], ["LOG"]]
    execution = run_entry(program, others=others)
    # CALL 20 + DESTROY 5 + POP 1 + BALANCEOF 2 + LOG 3; then d's 40 TOS go to alice
    assert receipts(execution) == [applied(31, ("c", 40))]
    assert "d" not in contracts_of(execution)
    assert alice(execution) == {"balances": {"TOS": START + 40 - 31}, "nonce": 1}


def test_balanceof_an_account_at_a_destroyed_contracts_address() -> None:
    contracts = {
        "c": contract({"0": [["BALANCEOF", "d"], ["LOG"]]}),
        "d": contract({"0": [["DESTROY"]]}, balances={"TOS": 40}),
    }
    txs = [
        invoke_tx("c"),
        invoke_tx("d", nonce=1),
        invoke_tx("c", nonce=2),
        transfer(SOURCE, 3, "d", 3),
        invoke_tx("c", nonce=4),
    ]
    execution = run_block(contracts, txs)
    assert receipts(execution) == [
        applied(5, ("c", 40)),
        applied(5),
        applied(5, ("c", 0)),
        applied(0),
        applied(5, ("c", 3)),
    ]
    assert execution.state["accounts"]["d"] == {"balances": {"TOS": 3}, "nonce": 0}


# ---------------------------------------------------------------- DESTROY


def test_destroy_sweeps_every_asset_to_the_source_then_deletes_the_contract() -> None:
    accounts = {SOURCE: account(TOS=START, GOLD=3)}
    contracts = {
        "c": contract(
            {"0": [["DESTROY"]]},
            balances={"TOS": 30, "GOLD": 7, "X9": 1},
            storage={"1": 2},
            nonce=3,
        )
    }
    tx = invoke_tx(deposits={"TOS": 10, "GOLD": 3}, fee=2)
    execution = run_block(contracts, [tx], accounts=accounts)
    assert receipts(execution) == [applied(5)]
    assert contracts_of(execution) == {}
    # deposits out and back, the contract's own holdings in, fee and gas out
    assert alice(execution) == {
        "balances": {"TOS": START + 30 - 2 - 5, "GOLD": 3 + 7, "X9": 1},
        "nonce": 1,
    }
    assert execution.state["accounts"]["m"] == {"balances": {"TOS": 7}, "nonce": 0}


def test_a_marked_contract_keeps_running_writing_and_paying() -> None:
    program = [
        ["DESTROY"],
        ["PUSH", 8], ["PUSH", 1], ["SSTORE"],
        ["PUSH", 1], ["SLOAD"], ["LOG"],
        ["PUSH", 5], ["PAY"],
        ["BALANCE"], ["LOG"],
    ]  # fmt: skip
    execution = run_entry(program, balances={"TOS": 50})
    # 5 + (1 + 1 + 10) + (1 + 5 + 3) + (1 + 10) + (2 + 3)
    assert receipts(execution) == [applied(42, ("c", 8), ("c", 45))]
    assert contracts_of(execution) == {}
    assert alice(execution) == {"balances": {"TOS": START + 5 + 45 - 42}, "nonce": 1}


def test_a_marked_contract_can_still_be_called() -> None:
    others = {"d": contract({"0": [["DESTROY"], ["PUSH", 9]]})}
    program = [["CALL", "d", 0, 0], ["CALL", "d", 0, 0], ["ADD"], ["LOG"]]
    # 2 * (20 + 5 + 1) + 2 + 3
    assert receipts(run_entry(program, others=others)) == [applied(57, ("c", 18))]


def test_destroy_twice_marks_once() -> None:
    execution = run_entry([["DESTROY"], ["DESTROY"]], balances={"TOS": 4})
    assert receipts(execution) == [applied(10)]
    assert contracts_of(execution) == {}
    assert alice(execution) == {"balances": {"TOS": START + 4 - 10}, "nonce": 1}


@pytest.mark.parametrize(
    ("program", "max_gas", "expected"),
    [
        pytest.param([["DESTROY"], ["REVERT"]], 100, reverted("revert", 5), id="revert"),
        pytest.param([["DESTROY"]], 4, reverted("out_of_gas", 4), id="gas-on-destroy"),
        pytest.param([["DESTROY"], ["PUSH", 1]], 5, reverted("out_of_gas", 5), id="gas-after"),
    ],
)
def test_a_failed_run_destroys_nothing(
    program: list[list[Any]], max_gas: int, expected: dict[str, object]
) -> None:
    execution = run_entry(
        program, balances={"TOS": 30}, storage={"1": 2}, deposits={"TOS": 10}, max_gas=max_gas
    )
    assert receipts(execution) == [expected]
    assert contracts_of(execution) == {
        "c": {
            "balances": {"TOS": 30},
            "code": {"0": program},
            "nonce": 0,
            "storage": {"1": 2},
        }
    }


def test_every_marked_contract_is_destroyed_at_the_end_of_the_run() -> None:
    others = {
        "d": contract({"0": [["DESTROY"]]}, balances={"TOS": 4, "GOLD": 1}),
        "e": contract({"0": [["CALL", "d", 0, 0]]}, balances={"TOS": 2}),
    }
    program = [["CALL", "e", 0, 0], ["DESTROY"], ["BALANCEOF", "e"], ["LOG"]]
    execution = run_entry(program, others=others, balances={"TOS": 1})
    # CALL e 20 + CALL d 20 + DESTROY 5 + DESTROY 5 + BALANCEOF 2 + LOG 3
    assert receipts(execution) == [applied(55, ("c", 2))]
    assert set(contracts_of(execution)) == {"e"}
    assert alice(execution) == {"balances": {"TOS": START + 4 + 1 - 55, "GOLD": 1}, "nonce": 1}


def test_a_destroyed_contracts_address_names_nothing_afterwards() -> None:
    contracts = {"c": contract({"0": [["DESTROY"]]}, storage={"5": 5})}
    txs = [invoke_tx(), invoke_tx(nonce=1), transfer(SOURCE, 1, "c", 3)]
    execution = run_block(contracts, txs)
    assert receipts(execution) == [applied(5), rejected("no_contract"), applied(0)]
    assert contracts_of(execution) == {}
    assert execution.state["accounts"]["c"] == {"balances": {"TOS": 3}, "nonce": 0}


def test_a_call_to_a_contract_destroyed_by_an_earlier_transaction_is_bad_call() -> None:
    contracts = {
        "c": contract({"0": [["CALL", "d", 0, 0]]}),
        "d": contract({"0": [["DESTROY"]]}),
    }
    execution = run_block(contracts, [invoke_tx("d"), invoke_tx("c", nonce=1)])
    assert receipts(execution) == [applied(5), reverted("bad_call", 20)]


def test_destroy_without_the_blocks_context_is_refused() -> None:
    """Only the block's context knows which assets a destroy sweeps; the rules
    refuse to guess."""
    case = decode_case(json.dumps(case_json({"c": contract({"0": [["DESTROY"]]})}, [invoke_tx()])))
    state = open_state("memory", case.genesis)
    with pytest.raises(InvariantViolation, match="DESTROY ran without the block's context"):
        apply_transaction(state, case.block.txs[0])


# ---------------------------------------------------------------- CLONE


def test_clone_creates_a_copy_bumps_the_nonce_and_pushes_it() -> None:
    code = {"0": [["CLONE"], ["LOG"]], "1": [["PUSH", 1]]}
    contracts = {"c": contract(code, balances={"TOS": 9}, storage={"1": 5}, nonce=4)}
    execution = run_block(contracts, [invoke_tx()])
    assert receipts(execution) == [applied(33, ("c", 4))]
    assert contracts_of(execution) == {
        "c": {"balances": {"TOS": 9}, "code": code, "nonce": 5, "storage": {"1": 5}},
        "c.4": {"balances": {}, "code": code, "nonce": 0, "storage": {}},
    }


def test_a_clone_exists_from_that_instruction_on() -> None:
    code = {
        "0": [["CLONE"], ["CLONE"], ["ADD"], ["LOG"], ["CALL", "c.1", 1, 0], ["LOG"]],
        "1": [["BALANCEOF", "c.0"], ["PUSH", 4], ["ADD"]],
    }
    execution = run_block({"c": contract(code)}, [invoke_tx()])
    # 30 + 30 + 2 + 3 + 20 + (2 + 1 + 2) + 3
    assert receipts(execution) == [applied(93, ("c", 1), ("c", 4))]
    assert {address: body["nonce"] for address, body in contracts_of(execution).items()} == {
        "c": 2,
        "c.0": 0,
        "c.1": 0,
    }


def test_a_clone_made_by_a_callee_is_its_own() -> None:
    others = {"d": contract({"0": [["CLONE"]]}, nonce=7)}
    execution = run_entry([["CALL", "d", 0, 0], ["LOG"], ["CLONE"], ["LOG"]], others=others)
    assert receipts(execution) == [applied(86, ("c", 7), ("c", 0))]
    assert set(contracts_of(execution)) == {"c", "c.0", "d", "d.7"}


@pytest.mark.parametrize(
    ("name", "nonce", "created"),
    [
        pytest.param("k" * 61, 99, "k" * 61 + ".99", id="64-characters"),
        pytest.param("c", U64_MAX - 1, f"c.{U64_MAX - 1}", id="nonce-max-minus-1"),
    ],
)
def test_clone_at_the_limits_succeeds(name: str, nonce: int, created: str) -> None:
    contracts = {name: contract({"0": [["CLONE"], ["LOG"]]}, nonce=nonce)}
    execution = run_block(contracts, [invoke_tx(name)])
    assert receipts(execution) == [applied(33, (name, nonce))]
    assert contracts_of(execution)[name]["nonce"] == nonce + 1
    assert contracts_of(execution)[created]["nonce"] == 0


CREATE_FAILED_CASES = [
    pytest.param({"c": contract({"0": [["CLONE"]]}, nonce=U64_MAX)}, "m", 30, id="nonce-max"),
    pytest.param({"k" * 61: contract({"0": [["CLONE"]]}, nonce=100)}, "m", 30, id="65-characters"),
    pytest.param(
        {"c": contract({"0": [["CLONE"]]}), "c.0": contract({})}, "m", 30, id="genesis-contract"
    ),
    pytest.param({"c": contract({"0": [["CLONE"]]})}, "c.0", 30, id="the-miner"),
    pytest.param(
        {
            "c": contract({"0": [["CALL", "c.0", 0, 0], ["CLONE"]]}),
            "c.0": contract({"0": [["DESTROY"]]}),
        },
        "m",
        55,  # CALL 20 + DESTROY 5 + CLONE 30
        id="marked-contract",
    ),
]


@pytest.mark.parametrize(("contracts", "miner", "gas"), CREATE_FAILED_CASES)
def test_clone_fails_with_create_failed_and_changes_nothing(
    contracts: dict[str, Any], miner: str, gas: int
) -> None:
    target = next(iter(contracts))
    execution = run_block(contracts, [invoke_tx(target)], miner=miner)
    assert receipts(execution) == [reverted("create_failed", gas)]
    assert contracts_of(execution) == {
        address: {
            "balances": {},
            "code": body["code"],
            "nonce": body.get("nonce", 0),
            "storage": {},
        }
        for address, body in contracts.items()
    }


def test_clone_onto_a_genesis_account() -> None:
    accounts = {SOURCE: account(TOS=START), "c.0": account()}
    execution = run_block({"c": contract({"0": [["CLONE"]]})}, [invoke_tx()], accounts=accounts)
    assert receipts(execution) == [reverted("create_failed", 30)]
    assert set(contracts_of(execution)) == {"c"}


def test_clone_onto_an_account_created_earlier_in_the_block() -> None:
    txs = [transfer(SOURCE, 0, "c.0", 1), invoke_tx(nonce=1)]
    execution = run_block({"c": contract({"0": [["CLONE"]]})}, txs)
    assert receipts(execution) == [applied(0), reverted("create_failed", 30)]
    assert contracts_of(execution)["c"]["nonce"] == 0


def test_a_full_stack_with_a_free_address_fails_with_stack_and_creates_nothing() -> None:
    execution = run_entry([*FILL, ["CLONE"]])
    assert receipts(execution) == [reverted("stack", 94)]
    assert contracts_of(execution) == {
        "c": {"balances": {}, "code": {"0": [*FILL, ["CLONE"]]}, "nonce": 0, "storage": {}}
    }


def test_a_full_stack_with_a_taken_address_fails_with_create_failed() -> None:
    execution = run_entry([*FILL, ["CLONE"]], others={"c.0": contract({})})
    assert receipts(execution) == [reverted("create_failed", 94)]


def test_the_clone_after_nonce_max_minus_1_fails() -> None:
    contracts = {"c": contract({"0": [["CLONE"]]}, nonce=U64_MAX - 1)}
    execution = run_block(contracts, [invoke_tx(), invoke_tx(nonce=1)])
    assert receipts(execution) == [applied(30), reverted("create_failed", 30)]
    assert contracts_of(execution)["c"]["nonce"] == U64_MAX


def test_a_clone_survives_its_creators_destroy() -> None:
    code = {"0": [["CLONE"], ["POP"], ["DESTROY"]]}
    execution = run_block({"c": contract(code, balances={"TOS": 6}, nonce=2)}, [invoke_tx()])
    assert receipts(execution) == [applied(36)]
    assert contracts_of(execution) == {
        "c.2": {"balances": {}, "code": code, "nonce": 0, "storage": {}}
    }
    assert alice(execution)["balances"] == {"TOS": START + 6 - 36}


def test_a_clone_destroyed_in_its_run_leaves_nothing_but_the_creators_nonce() -> None:
    code = {"0": [["CLONE"], ["CALL", "c.0", 1, 1]], "1": [["DESTROY"]]}
    execution = run_block({"c": contract(code)}, [invoke_tx()])
    assert receipts(execution) == [applied(55)]  # 30 + 20 + 5
    assert contracts_of(execution) == {
        "c": {"balances": {}, "code": code, "nonce": 1, "storage": {}}
    }
