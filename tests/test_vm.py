"""Unit tests of the contract VM (SPEC section 6), run through the reference executor.

Every case is a JSON case dict decoded with ``decode_case`` and executed by the
``SequentialExecutor`` on the memory backend. Each test asserts the exact receipt
(status, reason, gas_used) and the post-state it touches. Expected gas is written
by hand from the SPEC 6 cost table:

    PUSH POP DUP SWAP LT EQ ISZERO ARG CALLER JUMP JUMPI = 1
    ADD SUB MUL DIV MOD BALANCE = 2    SLOAD = 5    SSTORE PAY = 10
    CALL = 20                          STOP REVERT = 0

Unless a test says otherwise: the source ``alice`` holds ``START`` TOS, the fee is
0, the miner ``m`` gets a reward of 0, and the invoked contract is ``c``, entry 0.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from txparity.executors.codec import decode_case
from txparity.executors.execution import Execution, run_case
from txparity.executors.sequential import SequentialExecutor

SOURCE = "alice"
START = 100_000
U64_MAX = 2**64 - 1
SENTINEL = 999  # a storage value no test program writes, to see overwrites and undos

# First 8 bytes of SHA-256(b"alice"), big-endian: 2bd806c97f0e00af...
CALLER_ALICE = 3159282601090220207

# The usual tail of a result program: store the top of stack at slot 0.
STORE0: list[list[Any]] = [["PUSH", 0], ["SSTORE"]]  # 1 + 10 = 11 gas

# 64 pushes: a full stack (64 gas).
FILL: list[list[Any]] = [["PUSH", i] for i in range(64)]


# ---------------------------------------------------------------- helpers


def contract(
    code: dict[str, list[list[Any]]],
    *,
    balances: dict[str, int] | None = None,
    storage: dict[str, int] | None = None,
) -> dict[str, Any]:
    return {"code": code, "balances": balances or {}, "storage": storage or {}}


def invoke_tx(
    target: str = "c",
    *,
    entry: int = 0,
    args: tuple[int, ...] | list[int] = (),
    deposits: dict[str, int] | None = None,
    max_gas: int = 10_000,
    fee: int = 0,
    nonce: int = 0,
) -> dict[str, Any]:
    return {
        "kind": "invoke",
        "source": SOURCE,
        "nonce": nonce,
        "fee": fee,
        "contract": target,
        "entry": entry,
        "args": list(args),
        "deposits": deposits or {},
        "max_gas": max_gas,
    }


def run_block(
    contracts: dict[str, dict[str, Any]],
    txs: list[dict[str, Any]],
    *,
    source_balances: dict[str, int] | None = None,
) -> Execution:
    """Run one block (miner ``m``, reward 0) over ``alice`` and ``contracts``."""
    balances = {"TOS": START} if source_balances is None else source_balances
    case = {
        "format": "txparity.case/1",
        "genesis": {
            "accounts": {SOURCE: {"nonce": 0, "balances": balances}},
            "contracts": contracts,
        },
        "block": {"miner": "m", "reward": 0, "txs": txs},
    }
    return run_case(SequentialExecutor(), decode_case(json.dumps(case)), "memory")


def run_entry(
    program: list[list[Any]],
    *,
    args: tuple[int, ...] | list[int] = (),
    max_gas: int = 10_000,
    deposits: dict[str, int] | None = None,
    balances: dict[str, int] | None = None,
    storage: dict[str, int] | None = None,
    others: dict[str, dict[str, Any]] | None = None,
    fee: int = 0,
) -> Execution:
    """Invoke ``program`` as entry 0 of contract ``c`` once."""
    contracts = {"c": contract({"0": program}, balances=balances, storage=storage)}
    contracts.update(others or {})
    tx = invoke_tx(args=args, max_gas=max_gas, deposits=deposits, fee=fee)
    return run_block(contracts, [tx])


def receipts(execution: Execution) -> list[dict[str, object]]:
    return [receipt.to_json() for receipt in execution.receipts]


def applied(gas: int) -> dict[str, object]:
    return {"status": "applied", "reason": None, "gas_used": gas}


def reverted(reason: str, gas: int) -> dict[str, object]:
    return {"status": "reverted", "reason": reason, "gas_used": gas}


def accounts_after(
    paid: int, *, alice: dict[str, int] | None = None, nonce: int = 1
) -> dict[str, Any]:
    """The accounts after one included invoke: ``paid`` = fee + gas_used to the miner."""
    alice_balances = {"TOS": START - paid} if alice is None else alice
    return {
        SOURCE: {"balances": {k: v for k, v in alice_balances.items() if v}, "nonce": nonce},
        "m": {"balances": {"TOS": paid} if paid else {}, "nonce": 0},
    }


def storage_of(execution: Execution, address: str = "c") -> dict[str, int]:
    return execution.state["contracts"][address]["storage"]  # type: ignore[no-any-return]


def balances_of(execution: Execution, address: str = "c") -> dict[str, int]:
    return execution.state["contracts"][address]["balances"]  # type: ignore[no-any-return]


# ---------------------------------------------------------------- CALLER's value


def test_caller_literal_is_sha256_prefix_of_source() -> None:
    digest = hashlib.sha256(SOURCE.encode("utf-8")).digest()
    assert int.from_bytes(digest[:8], "big") == CALLER_ALICE
    assert CALLER_ALICE == 0x2BD806C97F0E00AF


# ---------------------------------------------------------------- ops that push a result
#
# Each program ends with STORE0; contract c starts with storage {"0": SENTINEL}, so
# the stored result replaces it (a result of 0 deletes the slot, SPEC 2).

RESULT_CASES = [
    pytest.param([["PUSH", 42]], (), 42, 12, id="PUSH"),  # 1 + 11
    pytest.param([["PUSH", U64_MAX]], (), U64_MAX, 12, id="PUSH-max"),  # 1 + 11
    pytest.param([["PUSH", 0]], (), 0, 12, id="PUSH-zero"),  # 1 + 11
    pytest.param([["PUSH", 5], ["PUSH", 9], ["POP"]], (), 5, 14, id="POP"),  # 3 + 11
    pytest.param([["PUSH", 7], ["DUP"], ["ADD"]], (), 14, 15, id="DUP"),  # 1+1+2 + 11
    pytest.param(
        [["PUSH", 3], ["PUSH", 10], ["SWAP"], ["SUB"]], (), 7, 16, id="SWAP"
    ),  # 1+1+1+2 + 11; SWAP makes a=10, b=3
    pytest.param([["PUSH", 2], ["PUSH", 3], ["ADD"]], (), 5, 15, id="ADD"),  # 1+1+2 + 11
    pytest.param(
        [["PUSH", U64_MAX - 1], ["PUSH", 1], ["ADD"]], (), U64_MAX, 15, id="ADD-to-max"
    ),  # 1+1+2 + 11
    pytest.param([["PUSH", 10], ["PUSH", 3], ["SUB"]], (), 7, 15, id="SUB"),  # a - b
    pytest.param([["PUSH", 3], ["PUSH", 3], ["SUB"]], (), 0, 15, id="SUB-to-zero"),
    pytest.param([["PUSH", 6], ["PUSH", 7], ["MUL"]], (), 42, 15, id="MUL"),
    pytest.param(
        [["PUSH", 2**32], ["PUSH", 2**32 - 1], ["MUL"]], (), 2**64 - 2**32, 15, id="MUL-big"
    ),
    pytest.param([["PUSH", 17], ["PUSH", 5], ["DIV"]], (), 3, 15, id="DIV"),  # a // b
    pytest.param([["PUSH", 4], ["PUSH", 5], ["DIV"]], (), 0, 15, id="DIV-floor-zero"),
    pytest.param([["PUSH", 17], ["PUSH", 5], ["MOD"]], (), 2, 15, id="MOD"),  # a % b
    pytest.param([["PUSH", 3], ["PUSH", 5], ["LT"]], (), 1, 14, id="LT-true"),  # 1+1+1 + 11
    pytest.param([["PUSH", 5], ["PUSH", 3], ["LT"]], (), 0, 14, id="LT-false"),
    pytest.param([["PUSH", 5], ["PUSH", 5], ["LT"]], (), 0, 14, id="LT-equal"),
    pytest.param([["PUSH", 5], ["PUSH", 5], ["EQ"]], (), 1, 14, id="EQ-true"),
    pytest.param([["PUSH", 5], ["PUSH", 6], ["EQ"]], (), 0, 14, id="EQ-false"),
    pytest.param([["PUSH", 0], ["ISZERO"]], (), 1, 13, id="ISZERO-zero"),  # 1+1 + 11
    pytest.param([["PUSH", 7], ["ISZERO"]], (), 0, 13, id="ISZERO-nonzero"),
    pytest.param([["ARG", 0]], (11, 22), 11, 12, id="ARG-0"),  # 1 + 11
    pytest.param([["ARG", 1]], (11, 22), 22, 12, id="ARG-1"),
    pytest.param([["ARG", 7]], (1, 2, 3, 4, 5, 6, 7, 8), 8, 12, id="ARG-7"),
    pytest.param([["CALLER"]], (), CALLER_ALICE, 12, id="CALLER"),  # 1 + 11
    pytest.param([["PUSH", 0], ["SLOAD"]], (), SENTINEL, 17, id="SLOAD"),  # 1+5 + 11
    pytest.param([["PUSH", 3], ["SLOAD"]], (), 0, 17, id="SLOAD-absent"),
    pytest.param(
        [["JUMP", 3], ["PUSH", 1], ["REVERT"], ["PUSH", 9]], (), 9, 13, id="JUMP"
    ),  # JUMP 1 + PUSH 1 + 11
    pytest.param(
        [["PUSH", 1], ["JUMPI", 3], ["REVERT"], ["PUSH", 9]], (), 9, 14, id="JUMPI-taken"
    ),  # 1+1+1 + 11
    pytest.param(
        [["PUSH", U64_MAX], ["JUMPI", 3], ["REVERT"], ["PUSH", 9]],
        (),
        9,
        14,
        id="JUMPI-taken-max",
    ),
    pytest.param(
        [["PUSH", 0], ["JUMPI", 3], ["PUSH", 8]], (), 8, 14, id="JUMPI-not-taken"
    ),  # 1+1+1 + 11; falls through to PUSH 8
    pytest.param(
        [["PUSH", 4], ["PUSH", 1], ["JUMPI", 3]], (), 4, 14, id="JUMPI-pops-condition"
    ),  # 1+1+1 + 11; stack is [4] after the jump
    pytest.param(
        [
            ["ARG", 0],  # 0: n
            ["DUP"],  # 1: n n
            ["ISZERO"],  # 2: n n==0
            ["JUMPI", 7],  # 3: n
            ["PUSH", 1],  # 4
            ["SUB"],  # 5: n-1
            ["JUMP", 1],  # 6
            ["POP"],  # 7
            ["PUSH", 77],  # 8
        ],
        (3,),
        77,
        # ARG 1; 3 turns of DUP ISZERO JUMPI PUSH SUB JUMP = 3 * 7; last DUP ISZERO JUMPI 3;
        # POP 1 + PUSH 1; store 11: 1 + 21 + 3 + 2 + 11
        38,
        id="JUMP-loop",
    ),
]


@pytest.mark.parametrize(("prefix", "args", "value", "gas"), RESULT_CASES)
def test_op_result(prefix: list[list[Any]], args: tuple[int, ...], value: int, gas: int) -> None:
    program = prefix + STORE0
    execution = run_entry(program, args=args, storage={"0": SENTINEL})
    assert receipts(execution) == [applied(gas)]
    assert storage_of(execution) == ({"0": value} if value else {})
    assert balances_of(execution) == {}
    assert execution.state["accounts"] == accounts_after(gas)
    assert execution.state["burned"] == {}


def test_sstore_pops_key_then_value() -> None:
    program = [["PUSH", 11], ["PUSH", 0], ["SSTORE"], ["PUSH", 22], ["PUSH", 7], ["SSTORE"]]
    execution = run_entry(program)
    assert receipts(execution) == [applied(24)]  # 2 * (1 + 1 + 10)
    assert storage_of(execution) == {"0": 11, "7": 22}
    assert execution.state["accounts"] == accounts_after(24)


def test_sstore_large_key_and_value() -> None:
    program = [["PUSH", U64_MAX], ["PUSH", U64_MAX], ["SSTORE"]]
    execution = run_entry(program)
    assert receipts(execution) == [applied(12)]  # 1 + 1 + 10
    assert storage_of(execution) == {str(U64_MAX): U64_MAX}


def test_stack_of_exactly_64_items_is_allowed() -> None:
    execution = run_entry(FILL)
    assert receipts(execution) == [applied(64)]  # 64 * PUSH 1
    assert execution.state["accounts"] == accounts_after(64)


def test_pop_before_push_on_full_stack() -> None:
    # SLOAD and ADD pop before they push, so they succeed on a full stack.
    execution = run_entry([*FILL, ["SLOAD"], ["ADD"]])
    assert receipts(execution) == [applied(71)]  # 64 + SLOAD 5 + ADD 2


# ---------------------------------------------------------------- failures

FAILURE_CASES = [
    # stack underflow: the failing instruction's cost counts
    pytest.param([["POP"]], (), 10_000, "stack", 1, id="POP-empty"),
    pytest.param([["DUP"]], (), 10_000, "stack", 1, id="DUP-empty"),
    pytest.param([["PUSH", 1], ["SWAP"]], (), 10_000, "stack", 2, id="SWAP-one"),  # 1 + 1
    pytest.param([["SWAP"]], (), 10_000, "stack", 1, id="SWAP-empty"),
    pytest.param([["PUSH", 1], ["ADD"]], (), 10_000, "stack", 3, id="ADD-one"),  # 1 + 2
    pytest.param([["ADD"]], (), 10_000, "stack", 2, id="ADD-empty"),
    pytest.param([["PUSH", 1], ["SUB"]], (), 10_000, "stack", 3, id="SUB-one"),
    pytest.param([["PUSH", 1], ["MUL"]], (), 10_000, "stack", 3, id="MUL-one"),
    pytest.param([["PUSH", 1], ["DIV"]], (), 10_000, "stack", 3, id="DIV-one"),
    pytest.param([["PUSH", 1], ["MOD"]], (), 10_000, "stack", 3, id="MOD-one"),
    pytest.param([["PUSH", 1], ["LT"]], (), 10_000, "stack", 2, id="LT-one"),  # 1 + 1
    pytest.param([["PUSH", 1], ["EQ"]], (), 10_000, "stack", 2, id="EQ-one"),
    pytest.param([["ISZERO"]], (), 10_000, "stack", 1, id="ISZERO-empty"),
    pytest.param([["SLOAD"]], (), 10_000, "stack", 5, id="SLOAD-empty"),
    pytest.param([["SSTORE"]], (), 10_000, "stack", 10, id="SSTORE-empty"),
    pytest.param([["PUSH", 1], ["SSTORE"]], (), 10_000, "stack", 11, id="SSTORE-one"),
    pytest.param([["PAY"]], (), 10_000, "stack", 10, id="PAY-empty"),
    pytest.param([["JUMPI", 0]], (), 10_000, "stack", 1, id="JUMPI-empty"),
    pytest.param([["CALL", "c", 0, 1]], (), 10_000, "stack", 20, id="CALL-empty"),
    pytest.param(
        [["PUSH", 1], ["CALL", "c", 0, 2]], (), 10_000, "stack", 21, id="CALL-one-of-two"
    ),  # 1 + 20
    # stack overflow: FILL is 64 gas
    pytest.param([*FILL, ["PUSH", 0]], (), 10_000, "stack", 65, id="PUSH-full"),
    pytest.param([*FILL, ["DUP"]], (), 10_000, "stack", 65, id="DUP-full"),
    pytest.param([*FILL, ["ARG", 0]], (5,), 10_000, "stack", 65, id="ARG-full"),
    pytest.param([*FILL, ["CALLER"]], (), 10_000, "stack", 65, id="CALLER-full"),
    pytest.param([*FILL, ["BALANCE"]], (), 10_000, "stack", 66, id="BALANCE-full"),  # 64 + 2
    # overflow
    pytest.param(
        [["PUSH", U64_MAX], ["PUSH", 1], ["ADD"]], (), 10_000, "overflow", 4, id="ADD-past-max"
    ),  # 1 + 1 + 2
    pytest.param(
        [["PUSH", U64_MAX], ["PUSH", U64_MAX], ["ADD"]],
        (),
        10_000,
        "overflow",
        4,
        id="ADD-max-max",
    ),
    pytest.param(
        [["PUSH", 2**32], ["PUSH", 2**32], ["MUL"]], (), 10_000, "overflow", 4, id="MUL-past-max"
    ),
    pytest.param(
        [["PUSH", 3], ["PUSH", 4], ["SUB"]], (), 10_000, "overflow", 4, id="SUB-below-zero"
    ),
    pytest.param(
        [["PUSH", 0], ["PUSH", 1], ["SUB"]], (), 10_000, "overflow", 4, id="SUB-zero-minus-one"
    ),
    # div_zero
    pytest.param([["PUSH", 1], ["PUSH", 0], ["DIV"]], (), 10_000, "div_zero", 4, id="DIV-zero"),
    pytest.param([["PUSH", 0], ["PUSH", 0], ["DIV"]], (), 10_000, "div_zero", 4, id="DIV-0-0"),
    pytest.param([["PUSH", 1], ["PUSH", 0], ["MOD"]], (), 10_000, "div_zero", 4, id="MOD-zero"),
    # bad_arg
    pytest.param([["ARG", 0]], (), 10_000, "bad_arg", 1, id="ARG-none"),
    pytest.param([["ARG", 2]], (5, 6), 10_000, "bad_arg", 1, id="ARG-past-end"),
    pytest.param([["ARG", 7]], (1, 2, 3, 4, 5, 6, 7), 10_000, "bad_arg", 1, id="ARG-7-of-seven"),
    # bad_call
    pytest.param([["CALL", "nope", 0, 0]], (), 10_000, "bad_call", 20, id="CALL-missing-contract"),
    pytest.param([["CALL", "c", 5, 0]], (), 10_000, "bad_call", 20, id="CALL-missing-entry"),
    pytest.param([["CALL", "alice", 0, 0]], (), 10_000, "bad_call", 20, id="CALL-an-account"),
    # contract_funds (c holds nothing)
    pytest.param([["PUSH", 1], ["PAY"]], (), 10_000, "contract_funds", 11, id="PAY-short"),
    # revert
    pytest.param([["REVERT"]], (), 10_000, "revert", 0, id="REVERT"),
    pytest.param([["PUSH", 1], ["REVERT"]], (), 10_000, "revert", 1, id="REVERT-after-push"),
    pytest.param([["REVERT"]], (), 0, "revert", 0, id="REVERT-max-gas-0"),
    # out_of_gas: gas_used is max_gas
    pytest.param(
        [["PUSH", 1], ["PUSH", 2], ["ADD"]], (), 3, "out_of_gas", 3, id="OOG-on-ADD"
    ),  # 2 used, ADD 2 > 1 left
    pytest.param([["PUSH", 1]], (), 0, "out_of_gas", 0, id="OOG-max-gas-0"),
    pytest.param(
        [["PUSH", 1], ["PUSH", 1], ["SSTORE"]], (), 11, "out_of_gas", 11, id="OOG-on-SSTORE"
    ),  # 2 used, SSTORE 10 > 9 left
    pytest.param([["CALL", "c", 0, 0]], (), 19, "out_of_gas", 19, id="OOG-on-CALL"),
    pytest.param([["JUMP", 0]], (), 100, "out_of_gas", 100, id="OOG-loop"),
    pytest.param([["CALL", "c", 0, 0]], (), 10_000, "depth", 80, id="self-recursion"),
]


@pytest.mark.parametrize(("program", "args", "max_gas", "reason", "gas"), FAILURE_CASES)
def test_op_failure(
    program: list[list[Any]], args: tuple[int, ...], max_gas: int, reason: str, gas: int
) -> None:
    execution = run_entry(program, args=args, max_gas=max_gas, storage={"0": SENTINEL})
    assert receipts(execution) == [reverted(reason, gas)]
    assert storage_of(execution) == {"0": SENTINEL}
    assert balances_of(execution) == {}
    assert execution.state["accounts"] == accounts_after(gas)


# ---------------------------------------------------------------- gas accounting


def test_failing_instruction_cost_counts() -> None:
    execution = run_entry([["PUSH", 1], ["PUSH", 0], ["DIV"]])
    assert receipts(execution) == [reverted("div_zero", 4)]  # 1 + 1 + DIV 2, not 2


@pytest.mark.parametrize(
    ("max_gas", "expected"),
    [
        (4, applied(4)),  # PUSH 1 + PUSH 1 + ADD 2 = 4: exactly enough
        (3, reverted("out_of_gas", 3)),
        (2, reverted("out_of_gas", 2)),  # the ADD's charge 2 + 2 > 2
        (1, reverted("out_of_gas", 1)),  # the second PUSH's charge 1 + 1 > 1
    ],
)
def test_out_of_gas_uses_max_gas(max_gas: int, expected: dict[str, object]) -> None:
    execution = run_entry([["PUSH", 1], ["PUSH", 2], ["ADD"]], max_gas=max_gas)
    assert receipts(execution) == [expected]
    gas = expected["gas_used"]
    assert isinstance(gas, int)
    assert execution.state["accounts"] == accounts_after(gas)


@pytest.mark.parametrize(
    "program",
    [
        pytest.param([], id="empty"),
        pytest.param([["STOP"]], id="STOP"),  # STOP costs 0
        pytest.param([["STOP"], ["PUSH", 1]], id="STOP-then-unreached"),
        pytest.param([["STOP"], ["REVERT"]], id="STOP-before-REVERT"),
    ],
)
def test_max_gas_zero_succeeds_without_charged_instructions(program: list[list[Any]]) -> None:
    execution = run_entry(program, max_gas=0, storage={"0": SENTINEL})
    assert receipts(execution) == [applied(0)]
    assert storage_of(execution) == {"0": SENTINEL}
    assert execution.state["accounts"] == accounts_after(0)


def test_gas_counter_is_shared_by_frames() -> None:
    others = {"d": contract({"0": [["PUSH", 1], ["PUSH", 2]]})}
    program = [["CALL", "d", 0, 0]]
    enough = run_entry(program, max_gas=22, others=others)
    assert receipts(enough) == [applied(22)]  # CALL 20 + callee 1 + 1
    short = run_entry(program, max_gas=21, others=others)
    assert receipts(short) == [reverted("out_of_gas", 21)]  # callee's second PUSH: 22 > 21
    assert short.state["accounts"] == accounts_after(21)


def test_max_gas_is_per_transaction() -> None:
    program = [["PUSH", 1], ["PUSH", 1], ["ADD"]]  # 4 gas
    contracts = {"c": contract({"0": program})}
    txs = [invoke_tx(max_gas=4, nonce=0), invoke_tx(max_gas=4, nonce=1)]
    execution = run_block(contracts, txs)
    assert receipts(execution) == [applied(4), applied(4)]
    assert execution.state["accounts"] == accounts_after(8, nonce=2)


# ---------------------------------------------------------------- STOP and CALL results


@pytest.mark.parametrize(
    ("callee", "result", "callee_gas"),
    [
        pytest.param([["PUSH", 3], ["PUSH", 8], ["STOP"], ["PUSH", 99]], 8, 2, id="STOP-top"),
        pytest.param([["PUSH", 3], ["PUSH", 8]], 8, 2, id="past-end-is-STOP"),
        pytest.param([], 0, 0, id="empty-program-result-0"),
        pytest.param([["PUSH", 4], ["POP"]], 0, 2, id="empty-stack-result-0"),
        pytest.param([["PUSH", 4], ["POP"], ["STOP"]], 0, 2, id="STOP-empty-stack"),
        pytest.param([["STOP"], ["REVERT"]], 0, 0, id="STOP-ends-frame"),
    ],
)
def test_call_pushes_callee_result(callee: list[list[Any]], result: int, callee_gas: int) -> None:
    program = [["CALL", "d", 0, 0], *STORE0]
    others = {"d": contract({"0": callee})}
    execution = run_entry(program, storage={"0": SENTINEL}, others=others)
    gas = 20 + callee_gas + 11  # CALL + callee + store
    assert receipts(execution) == [applied(gas)]
    assert storage_of(execution) == ({"0": result} if result else {})
    assert storage_of(execution, "d") == {}
    assert execution.state["accounts"] == accounts_after(gas)


def test_call_result_lands_on_callers_stack() -> None:
    program = [["PUSH", 5], ["CALL", "d", 0, 0], ["ADD"], *STORE0]
    others = {"d": contract({"0": [["PUSH", 8]]})}
    execution = run_entry(program, others=others)
    assert receipts(execution) == [applied(35)]  # PUSH 1 + CALL 20 + callee 1 + ADD 2 + 11
    assert storage_of(execution) == {"0": 13}


def test_call_arg_order_last_popped_is_arg_zero() -> None:
    program = [
        ["PUSH", 10], ["PUSH", 20], ["PUSH", 30], ["PUSH", 40],
        ["CALL", "d", 0, 3],  # pops 40, 30, 20: args (20, 30, 40); 10 stays
        ["PUSH", 0], ["SSTORE"],  # the result at slot 0
        ["PUSH", 1], ["SSTORE"],  # what was left (10) at slot 1
    ]  # fmt: skip
    callee = [
        ["ARG", 0], ["PUSH", 0], ["SSTORE"],
        ["ARG", 1], ["PUSH", 1], ["SSTORE"],
        ["ARG", 2], ["PUSH", 2], ["SSTORE"],
        ["ARG", 0],  # result: arg 0
    ]  # fmt: skip
    execution = run_entry(program, others={"d": contract({"0": callee})})
    # caller: 4 PUSH + CALL 20 + 2 * (1 + 10) = 46; callee: 3 * (1 + 1 + 10) + 1 = 37
    assert receipts(execution) == [applied(83)]
    assert storage_of(execution, "d") == {"0": 20, "1": 30, "2": 40}
    assert storage_of(execution) == {"0": 20, "1": 10}


def test_callee_args_are_its_own() -> None:
    # The entry has arg 0 = 5, but the callee was called with no args.
    program = [["CALL", "d", 0, 0]]
    others = {"d": contract({"0": [["ARG", 0]]})}
    execution = run_entry(program, args=(5,), others=others)
    assert receipts(execution) == [reverted("bad_arg", 21)]  # CALL 20 + ARG 1


def test_call_to_other_entry_of_same_contract() -> None:
    code = {"0": [["CALL", "c", 3, 0], *STORE0], "3": [["PUSH", 31]]}
    execution = run_block({"c": contract(code)}, [invoke_tx()])
    assert receipts(execution) == [applied(32)]  # CALL 20 + PUSH 1 + 11
    assert storage_of(execution) == {"0": 31}


def test_call_result_push_overflows_after_callee_ran() -> None:
    # Pops (none), look-ups, the callee, then the push: the push fails with `stack`,
    # after the callee has run and been charged.
    program = [*FILL, ["CALL", "d", 0, 0]]
    others = {"d": contract({"0": [["PUSH", 5], ["PUSH", 0], ["SSTORE"]]})}
    execution = run_entry(program, others=others)
    assert receipts(execution) == [reverted("stack", 96)]  # 64 + CALL 20 + callee 12
    assert storage_of(execution, "d") == {}


# ---------------------------------------------------------------- frames and depth


def depth_chain(last: list[list[Any]]) -> dict[str, dict[str, Any]]:
    """d1 -> d2 -> d3 -> d4, each by ``CALL next 0 0``; d4 runs ``last``."""
    return {
        "d1": contract({"0": [["CALL", "d2", 0, 0], *STORE0]}, storage={"0": SENTINEL}),
        "d2": contract({"0": [["CALL", "d3", 0, 0]]}),
        "d3": contract({"0": [["CALL", "d4", 0, 0]]}),
        "d4": contract({"0": last}, storage={"0": SENTINEL}),
        "d5": contract({"0": [["PUSH", 5]]}),
    }


@pytest.mark.parametrize(
    ("last", "expected"),
    [
        pytest.param(
            [["PUSH", 7]], applied(72), id="four-frames-ok"
        ),  # 3 CALLs 60 + PUSH 1 + d1's store 11
        pytest.param(
            [["CALL", "d5", 0, 0]], reverted("depth", 80), id="fifth-frame-depth"
        ),  # 4 CALLs
        pytest.param(
            [["CALL", "nope", 0, 0]], reverted("bad_call", 80), id="missing-contract-at-depth-4"
        ),
        pytest.param(
            [["CALL", "d5", 9, 0]], reverted("bad_call", 80), id="missing-entry-at-depth-4"
        ),
        pytest.param([["CALL", "d5", 0, 1]], reverted("stack", 80), id="short-stack-at-depth-4"),
    ],
)
def test_depth(last: list[list[Any]], expected: dict[str, object]) -> None:
    execution = run_block(depth_chain(last), [invoke_tx("d1")])
    assert receipts(execution) == [expected]
    gas = expected["gas_used"]
    assert isinstance(gas, int)
    stored = {"0": 7} if expected["status"] == "applied" else {"0": SENTINEL}
    assert storage_of(execution, "d1") == stored
    assert storage_of(execution, "d4") == {"0": SENTINEL}
    assert execution.state["accounts"] == accounts_after(gas)


# ---------------------------------------------------------------- failure-step order


def test_call_pops_before_contract_lookup() -> None:
    execution = run_entry([["PUSH", 1], ["CALL", "nope", 0, 2]])
    assert receipts(execution) == [reverted("stack", 21)]  # PUSH 1 + CALL 20


def test_arg_lookup_before_push() -> None:
    execution = run_entry([*FILL, ["ARG", 0]])
    assert receipts(execution) == [reverted("bad_arg", 65)]  # 64 + ARG 1


def test_call_lookup_before_push() -> None:
    execution = run_entry([*FILL, ["CALL", "nope", 0, 0]])
    assert receipts(execution) == [reverted("bad_call", 84)]  # 64 + CALL 20


def test_div_zero_after_pops() -> None:
    execution = run_entry([["PUSH", 0], ["DIV"]])
    assert receipts(execution) == [reverted("stack", 3)]  # PUSH 1 + DIV 2


# ---------------------------------------------------------------- storage


def test_sload_sees_this_runs_writes() -> None:
    program = [
        ["PUSH", 33], ["PUSH", 1], ["SSTORE"],
        ["PUSH", 1], ["SLOAD"], ["PUSH", 2], ["SSTORE"],
    ]  # fmt: skip
    execution = run_entry(program, storage={"0": SENTINEL, "1": 5})
    assert receipts(execution) == [applied(29)]  # 12 + PUSH 1 + SLOAD 5 + 11
    assert storage_of(execution) == {"0": SENTINEL, "1": 33, "2": 33}


def test_sload_sees_writes_of_a_nested_frame_of_the_same_contract() -> None:
    code = {
        "0": [
            ["CALL", "c", 1, 0], ["POP"],
            ["PUSH", 4], ["SLOAD"], ["PUSH", 5], ["SSTORE"],
        ],
        "1": [["PUSH", 44], ["PUSH", 4], ["SSTORE"]],
    }  # fmt: skip
    execution = run_block({"c": contract(code)}, [invoke_tx()])
    # CALL 20 + callee 12 + POP 1 + PUSH 1 + SLOAD 5 + PUSH 1 + SSTORE 10
    assert receipts(execution) == [applied(50)]
    assert storage_of(execution) == {"4": 44, "5": 44}


def test_sload_sees_earlier_transaction_writes() -> None:
    code = {
        "0": [["PUSH", 6], ["PUSH", 0], ["SSTORE"]],
        "1": [["PUSH", 0], ["SLOAD"], ["PUSH", 1], ["SSTORE"]],
    }
    execution = run_block(
        {"c": contract(code)}, [invoke_tx(entry=0, nonce=0), invoke_tx(entry=1, nonce=1)]
    )
    assert receipts(execution) == [applied(12), applied(17)]  # 1+1+10; 1+5+1+10
    assert storage_of(execution) == {"0": 6, "1": 6}
    assert execution.state["accounts"] == accounts_after(29, nonce=2)


def test_storing_zero_deletes_the_slot() -> None:
    execution = run_entry([["PUSH", 0], ["PUSH", 3], ["SSTORE"]], storage={"3": 8, "4": 9})
    assert receipts(execution) == [applied(12)]
    assert storage_of(execution) == {"4": 9}


def test_callee_writes_its_own_contracts_storage() -> None:
    others = {"d": contract({"0": [["PUSH", 5], ["PUSH", 0], ["SSTORE"]]})}
    execution = run_entry([["CALL", "d", 0, 0]], storage={"0": SENTINEL}, others=others)
    assert receipts(execution) == [applied(32)]  # CALL 20 + 12
    assert storage_of(execution, "d") == {"0": 5}
    assert storage_of(execution, "c") == {"0": SENTINEL}


def test_callee_reads_its_own_contracts_storage() -> None:
    others = {"d": contract({"0": [["PUSH", 0], ["SLOAD"]]}, storage={"0": 123})}
    program = [["CALL", "d", 0, 0], ["PUSH", 1], ["SSTORE"]]
    execution = run_entry(program, storage={"0": SENTINEL}, others=others)
    assert receipts(execution) == [applied(37)]  # CALL 20 + PUSH 1 + SLOAD 5 + 1 + 10
    assert storage_of(execution) == {"0": SENTINEL, "1": 123}
    assert storage_of(execution, "d") == {"0": 123}


def test_caller_is_the_source_in_every_frame() -> None:
    others = {"d": contract({"0": [["CALLER"], ["PUSH", 0], ["SSTORE"]]})}
    program = [["CALL", "d", 0, 0], ["POP"], ["CALLER"], *STORE0]
    execution = run_entry(program, others=others)
    # CALL 20 + callee (1 + 1 + 10) + POP 1 + CALLER 1 + 11
    assert receipts(execution) == [applied(45)]
    assert storage_of(execution, "d") == {"0": CALLER_ALICE}
    assert storage_of(execution) == {"0": CALLER_ALICE}


# ---------------------------------------------------------------- BALANCE and PAY


def test_balance_includes_deposits() -> None:
    execution = run_entry(
        [["BALANCE"], *STORE0], deposits={"TOS": 5}, balances={"TOS": 40, "GOLD": 9}
    )
    assert receipts(execution) == [applied(13)]  # BALANCE 2 + 11
    assert storage_of(execution) == {"0": 45}
    assert balances_of(execution) == {"TOS": 45, "GOLD": 9}
    assert execution.state["accounts"] == accounts_after(13, alice={"TOS": START - 5 - 13})


def test_balance_ignores_other_assets() -> None:
    contracts = {"c": contract({"0": [["BALANCE"], *STORE0]}, balances={"GOLD": 9},
                               storage={"0": SENTINEL})}  # fmt: skip
    execution = run_block(
        contracts,
        [invoke_tx(deposits={"GOLD": 4})],
        source_balances={"TOS": START, "GOLD": 4},
    )
    assert receipts(execution) == [applied(13)]  # BALANCE 2 + 11
    assert storage_of(execution) == {}  # BALANCE pushed 0, which deletes slot 0
    assert balances_of(execution) == {"GOLD": 13}
    assert execution.state["accounts"] == accounts_after(13)


def test_callee_balance_is_its_own() -> None:
    others = {"d": contract({"0": [["BALANCE"]]}, balances={"TOS": 70})}
    program = [["CALL", "d", 0, 0], ["PUSH", 1], ["SSTORE"]]
    execution = run_entry(program, deposits={"TOS": 5}, balances={"TOS": 40}, others=others)
    assert receipts(execution) == [applied(33)]  # CALL 20 + BALANCE 2 + 1 + 10
    assert storage_of(execution) == {"1": 70}
    assert balances_of(execution) == {"TOS": 45}
    assert balances_of(execution, "d") == {"TOS": 70}


@pytest.mark.parametrize(
    ("amount", "contract_after"),
    [
        pytest.param(30, {"TOS": 20}, id="part"),
        pytest.param(50, {}, id="all"),
        pytest.param(0, {"TOS": 50}, id="zero"),
    ],
)
def test_pay_credits_the_source(amount: int, contract_after: dict[str, int]) -> None:
    execution = run_entry([["PUSH", amount], ["PAY"]], balances={"TOS": 50})
    assert receipts(execution) == [applied(11)]  # PUSH 1 + PAY 10
    assert balances_of(execution) == contract_after
    assert execution.state["accounts"] == accounts_after(11, alice={"TOS": START - 11 + amount})


def test_pay_one_over_balance_fails() -> None:
    execution = run_entry([["PUSH", 51], ["PAY"]], balances={"TOS": 50})
    assert receipts(execution) == [reverted("contract_funds", 11)]
    assert balances_of(execution) == {"TOS": 50}
    assert execution.state["accounts"] == accounts_after(11)


def test_pay_can_spend_deposits() -> None:
    execution = run_entry([["PUSH", 10], ["PAY"]], deposits={"TOS": 10})
    assert receipts(execution) == [applied(11)]
    assert balances_of(execution) == {}
    assert execution.state["accounts"] == accounts_after(11, alice={"TOS": START - 10 + 10 - 11})


def test_balance_sees_earlier_payments() -> None:
    program = [["PUSH", 30], ["PAY"], ["BALANCE"], *STORE0]
    execution = run_entry(program, balances={"TOS": 50})
    assert receipts(execution) == [applied(24)]  # 11 + BALANCE 2 + 11
    assert storage_of(execution) == {"0": 20}
    assert balances_of(execution) == {"TOS": 20}
    assert execution.state["accounts"] == accounts_after(24, alice={"TOS": START - 24 + 30})


def test_second_pay_past_balance_undoes_the_first() -> None:
    program = [["PUSH", 30], ["PAY"], ["PUSH", 30], ["PAY"]]
    execution = run_entry(program, balances={"TOS": 50})
    assert receipts(execution) == [reverted("contract_funds", 22)]  # 2 * (1 + 10)
    assert balances_of(execution) == {"TOS": 50}
    assert execution.state["accounts"] == accounts_after(22)


def test_callee_pays_from_its_own_balance_to_the_source() -> None:
    others = {"d": contract({"0": [["PUSH", 30], ["PAY"]]}, balances={"TOS": 70})}
    execution = run_entry([["CALL", "d", 0, 0]], balances={"TOS": 40}, others=others)
    assert receipts(execution) == [applied(31)]  # CALL 20 + PUSH 1 + PAY 10
    assert balances_of(execution) == {"TOS": 40}
    assert balances_of(execution, "d") == {"TOS": 40}
    assert execution.state["accounts"] == accounts_after(31, alice={"TOS": START - 31 + 30})


# ---------------------------------------------------------------- undo of a failed run

UNDO_PROGRAM = [
    ["PUSH", 11], ["PUSH", 0], ["SSTORE"],
    ["PUSH", 22], ["PUSH", 7], ["SSTORE"],
    ["PUSH", 5], ["PAY"],
]  # fmt: skip  # 12 + 12 + 11 = 35 gas


def undo_case(last: list[Any]) -> Execution:
    contracts = {
        "c": contract({"0": [*UNDO_PROGRAM, last]}, balances={"TOS": 50}, storage={"0": SENTINEL})
    }
    tx = invoke_tx(deposits={"TOS": 10, "GOLD": 3}, fee=4)
    return run_block(contracts, [tx], source_balances={"TOS": START, "GOLD": 3})


def test_applied_run_keeps_writes_payments_and_deposits() -> None:
    execution = undo_case(["STOP"])
    assert receipts(execution) == [applied(35)]
    assert storage_of(execution) == {"0": 11, "7": 22}
    assert balances_of(execution) == {"TOS": 50 + 10 - 5, "GOLD": 3}
    # alice: - deposit 10 + payment 5 - fee 4 - gas 35; GOLD all deposited
    assert execution.state["accounts"] == accounts_after(39, alice={"TOS": START - 10 + 5 - 39})


def test_reverted_run_undoes_writes_payments_and_deposits() -> None:
    execution = undo_case(["REVERT"])
    assert receipts(execution) == [reverted("revert", 35)]  # REVERT costs 0
    assert storage_of(execution) == {"0": SENTINEL}
    assert balances_of(execution) == {"TOS": 50}
    # nonce bump and fee 4 + gas 35 stay; deposits and the payment are undone
    assert execution.state["accounts"] == accounts_after(39, alice={"TOS": START - 39, "GOLD": 3})
    assert execution.state["burned"] == {}


def test_out_of_gas_run_is_undone() -> None:
    program = [["PUSH", 11], ["PUSH", 0], ["SSTORE"], ["JUMP", 3]]
    execution = run_entry(
        program, max_gas=50, deposits={"TOS": 10}, balances={"TOS": 1}, storage={"0": SENTINEL}
    )
    assert receipts(execution) == [reverted("out_of_gas", 50)]
    assert storage_of(execution) == {"0": SENTINEL}
    assert balances_of(execution) == {"TOS": 1}
    assert execution.state["accounts"] == accounts_after(50)


def test_callee_effects_undone_when_caller_fails_later() -> None:
    others = {
        "d": contract(
            {"0": [["PUSH", 5], ["PUSH", 0], ["SSTORE"], ["PUSH", 1], ["PAY"]]},
            balances={"TOS": 10},
        )
    }
    execution = run_entry([["CALL", "d", 0, 0], ["REVERT"]], others=others)
    assert receipts(execution) == [reverted("revert", 43)]  # CALL 20 + 12 + 11
    assert storage_of(execution, "d") == {}
    assert balances_of(execution, "d") == {"TOS": 10}
    assert execution.state["accounts"] == accounts_after(43)


def test_failing_callee_fails_the_whole_run() -> None:
    others = {"d": contract({"0": [["PUSH", 1], ["PUSH", 0], ["DIV"]]})}
    program = [["PUSH", 11], ["PUSH", 0], ["SSTORE"], ["CALL", "d", 0, 0], *STORE0]
    execution = run_entry(program, storage={"0": SENTINEL}, others=others)
    assert receipts(execution) == [reverted("div_zero", 36)]  # 12 + CALL 20 + callee 4
    assert storage_of(execution) == {"0": SENTINEL}
    assert execution.state["accounts"] == accounts_after(36)


def test_reverted_run_does_not_affect_next_transaction() -> None:
    code = {
        "0": [["PUSH", 11], ["PUSH", 0], ["SSTORE"], ["REVERT"]],
        "1": [["PUSH", 0], ["SLOAD"], ["PUSH", 1], ["SSTORE"]],
    }
    contracts = {"c": contract(code, storage={"0": SENTINEL})}
    execution = run_block(contracts, [invoke_tx(entry=0), invoke_tx(entry=1, nonce=1)])
    assert receipts(execution) == [reverted("revert", 12), applied(17)]  # 1+1+10; 1+5+1+10
    assert storage_of(execution) == {"0": SENTINEL, "1": SENTINEL}
    assert execution.state["accounts"] == accounts_after(29, nonce=2)
