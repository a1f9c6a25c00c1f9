"""Version 2 blocks that stress exactly what SPEC 10 adds, for the parallel executors.

``build_v2_case(integer)`` draws a valid ``txparity.case/2`` document from a source
of integers (Hypothesis's ``draw`` through ``v2_cases``, or a seeded RNG through
``seeded_v2_case``), so property tests and benchmarks share one workload. Every
choice shrinks towards the first option. The genesis is fixed and small, so that
transactions meet on the new items:

- ``a0.s1`` is a contract a deploy from ``a0`` with salt 1 can revive: entry 0
  stores and logs ``ARG 0`` at slot 0, entry 1 logs slot 0 and its TOS balance,
  entry 2 destroys it, entry 3 pays ``ARG 0`` back; destroy, revive and read meet
  in one block, with deposits and balances swept to the destroyer;
- ``factory`` clones itself (entry 0 logs the clone's nonce); entry 1 reads and
  calls its first two clones ``factory.0`` and ``factory.1``, which exist only once
  cloned; entry 3 destroys it, so a later clone may revive a destroyed clone's
  address; transfers may pay those addresses, before or after they are contracts;
- ``probe`` logs the miner's TOS balance (``BALANCEOF``) and reads nothing else;
  ``watch`` logs the balances of an account, ``a0.s1`` and ``factory.0``; its entry
  1 logs, calls ``a0.s1`` (which logs) and then reverts, so its logs must vanish;
  its entry 2 logs ``a0.s1``'s values through a nested call, then the miner's;
- the miner ``m`` is absent from genesis and its reward small: under ``each_tx`` it
  can send (and pass the funds check) only with the fees of earlier transactions;
- ``gas_limit`` is absent, or set where the reference's gas reaches it at about a
  drawn transaction, so that the cut falls mid-block.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from hypothesis import strategies as st

from tests.builders import Json, account
from txparity.executors.codec import decode_case
from txparity.executors.execution import Execution, run_case
from txparity.executors.model import Case, NonceKey
from txparity.executors.sequential import SequentialExecutor, execute_sequentially
from txparity.executors.state.base import genesis_write_set
from txparity.executors.state.memory import MemoryState

__all__ = ["CONTRACTS", "build_v2_case", "seeded_v2_case", "v2_cases"]

Integer = Callable[[int, int], int]
T = TypeVar("T")

REVIVABLE: Json = {
    "0": [["ARG", 0], ["DUP"], ["LOG"], ["PUSH", 0], ["SSTORE"]],
    "1": [["PUSH", 0], ["SLOAD"], ["LOG"], ["BALANCE"], ["LOG"]],
    "2": [["DESTROY"]],
    "3": [["ARG", 0], ["PAY"]],
}
FACTORY: Json = {
    "0": [["CLONE"], ["LOG"]],
    "1": [["BALANCE"], ["LOG"], ["ARG", 0], ["PAY"]],
    "2": [["PUSH", 7]],
    "3": [["DESTROY"], ["CLONE"], ["LOG"]],
}
USER: Json = {
    "0": [
        ["BALANCEOF", "factory.0"], ["LOG"], ["CALL", "factory.0", 2, 0], ["LOG"],
        ["CALL", "factory.1", 2, 0], ["LOG"],
    ],
    "1": [["CALL", "factory", 0, 0], ["CALL", "factory", 0, 0], ["ADD"], ["LOG"]],
}  # fmt: skip
PROBE: Json = {"0": [["BALANCEOF", "m"], ["LOG"]]}
WATCH: Json = {
    "0": [
        ["BALANCEOF", "a1"], ["LOG"], ["BALANCEOF", "a0.s1"], ["LOG"], ["BALANCEOF", "factory.0"],
        ["LOG"],
    ],
    "1": [["PUSH", 1], ["LOG"], ["CALL", "a0.s1", 1, 0], ["REVERT"]],
    "2": [["CALL", "a0.s1", 1, 0], ["BALANCEOF", "m"], ["LOG"]],
}  # fmt: skip
CONTRACTS: dict[str, Json] = {
    "a0.s1": REVIVABLE, "factory": FACTORY, "probe": PROBE, "watch": WATCH, "user": USER,
}  # fmt: skip
ENTRIES = {
    "a0.s1": 4, "factory": 4, "factory.0": 4, "factory.1": 4, "probe": 1, "watch": 3, "user": 2,
}  # fmt: skip
INVOKED = (
    "a0.s1", "factory", "watch", "a0.s1", "factory", "probe", "watch", "user", "factory.0",
    "factory.1",
)  # fmt: skip
ACCOUNTS = ("a1", "a2", "a3", "a4", "a5", "a6")
REVIVER = "a0"  # deploys a0.s1 again, and does nothing else
PROBER = "a7"  # invokes probe, and does nothing else: its reads of the miner meet no one
MINER = "m"


def build_v2_case(integer: Integer, *, threads: int | None = None) -> Json:
    """A valid version 2 case document from a source of integers (see the module)."""

    def pick(options: Sequence[T]) -> T:
        return options[integer(0, len(options) - 1)]

    def rarely(percent: int) -> bool:
        return integer(0, 99) >= 100 - percent

    accounts = {
        name: account(TOS=integer(0, 200) if rarely(20) else 1000)
        for name in (REVIVER, PROBER, *ACCOUNTS)
    }
    contracts = {
        name: {"code": code, "balances": {"TOS": 30} if name == "a0.s1" else {}, "storage": {}}
        for name, code in CONTRACTS.items()
    }
    block: Json = {"miner": MINER, "reward": pick([0, 5, 40]), "txs": []}
    if integer(0, 1):
        block["fee_payment"] = "each_tx"
    limited = integer(0, 1)
    document = {
        "format": "txparity.case/2",
        "genesis": {"accounts": accounts, "contracts": contracts},
        "block": block,
        "config": {
            "network": "devnet",
            "threads": threads if threads is not None else pick([4, 3, 2, 1]),
            "schedule_seed": integer(0, 2**32),
        },
    }
    while len(block["txs"]) < MIN_TXS or (len(block["txs"]) < MAX_TXS and integer(0, 5)):
        for step in pick(STEPS):
            block["txs"].append(_transaction(integer, pick, rarely, document, *step))
    if limited:
        block["gas_limit"] = _limit_near(document, integer(0, len(block["txs"]) - 1), integer)
    return document


def _limit_near(document: Json, cut: int, integer: Integer) -> int:
    """A gas limit the block reaches or crosses at about transaction ``cut``: the gas
    the reference's transactions up to it use, less up to 10, so that cuts fall
    mid-block, at a transaction, whatever the block's gas. (The nonces were drawn
    without a limit, which changes nothing before the cut.)"""
    receipts = _reference(document).receipts
    return max(0, sum(receipt.gas_used for receipt in receipts[: cut + 1]) - integer(0, 10))


MIN_TXS = 4  # devnet's parallel threshold
MAX_TXS = 16  # a block may end a scenario past it: at most 19 transactions
Step = tuple[str, str | None, int | None]  # kind, and the contract or dest and entry if fixed
STEPS: tuple[tuple[Step, ...], ...] = (
    *[(("invoke", None, None),)] * 3,
    (("transfer", None, None),),
    *[(("miner", None, None),)] * 2,
    (("revive", None, None),),
    (("burn", None, None),),
    # write, destroy, revive, read: one address over four consecutive transactions
    (
        ("invoke", "a0.s1", 0),
        ("invoke", "a0.s1", 2),
        ("revive", None, None),
        ("invoke", "a0.s1", 1),
    ),
    # an account at a clone's address first: the clone there fails (create_failed)
    (("transfer", "factory.0", None), ("invoke", "factory", 0)),
    (("transfer", "factory.1", None), ("invoke", "factory", 0), ("invoke", "factory", 0)),
    # a fee is paid, then the miner's balance is read; the miner spends, then is read
    (("transfer", None, None), ("invoke", "probe", 0)),
    (("miner", None, None), ("invoke", "probe", 0)),
    # clones made and called from another contract, their logs nested
    (("invoke", "user", 1), ("invoke", "user", 0)),
    # one creator's nonce read and written by every transaction: aborts, gas to cut
    (("invoke", "factory", 0),) * 3,
)
"""What one step of a block adds: mostly one transaction of a kind, sometimes a short
scenario of the new items that random order would rarely line up."""


def _transaction(
    integer: Integer,
    pick: Callable[[Sequence[Any]], Any],
    rarely: Callable[[int], bool],
    document: Json,
    kind: str,
    target: str | None,
    entry: int | None,
) -> Json:
    """One more transaction of ``kind`` for ``document``'s block (its contract or dest
    ``target`` and ``entry`` drawn unless given); its nonce is mostly the source's
    nonce after the transactions before it, as the reference leaves it."""
    contract = (target or pick(INVOKED)) if kind == "invoke" else None
    if contract == "probe":
        source = PROBER
    else:
        source = MINER if kind == "miner" else (REVIVER if kind == "revive" else pick(ACCOUNTS))
    body: Json
    if kind in ("transfer", "miner"):
        dest = target or pick(["a1", "a2", "n0", "factory.0", "factory.1", "a0.s1", MINER, "a3"])
        amount = integer(1, 10) if kind == "miner" else integer(1, 40)
        body = {"kind": "transfer", "outputs": [{"dest": dest, "asset": "TOS", "amount": amount}]}
    elif kind == "burn":
        body = {"kind": "burn", "asset": "TOS", "amount": integer(1, 20)}
    elif kind == "revive":
        body = {"kind": "deploy", "code": REVIVABLE, "salt": 1}
    else:
        assert contract is not None
        deposits = {"TOS": integer(1, 20)} if rarely(30) else {}
        body = {
            "kind": "invoke",
            "contract": contract,
            "entry": integer(0, ENTRIES[contract] - 1) if entry is None else entry,
            "args": [integer(0, 40)],
            "deposits": deposits,
            "max_gas": integer(0, 60) if rarely(20) else 200,
        }
    nonce = _nonce_after(document, source) + (1 if rarely(5) else 0)  # rarely a gap
    return {**body, "source": source, "nonce": nonce, "fee": integer(0, 5)}


def _nonce_after(document: Json, source: str) -> int:
    """``source``'s nonce once the reference has run ``document``'s block so far."""
    state = MemoryState()
    case = decode_case(json.dumps(document))
    state.commit(genesis_write_set(case.genesis))
    execute_sequentially(state, case)
    nonce = state.read(NonceKey(source))
    return nonce if isinstance(nonce, int) else 0


def _reference(document: Json) -> Execution:
    return run_case(SequentialExecutor(), decode_case(json.dumps(document)), "memory")


@st.composite
def v2_cases(draw: st.DrawFn) -> Case:
    """Decoded version 2 stress cases, drawn by Hypothesis."""
    document = build_v2_case(lambda low, high: draw(st.integers(low, high)))
    return decode_case(json.dumps(document))


def seeded_v2_case(seed: int, *, threads: int | None = None) -> Case:
    """The version 2 stress case of ``seed``: the same case in every process."""
    rng = random.Random(seed)
    return decode_case(json.dumps(build_v2_case(rng.randint, threads=threads)))
