"""Case JSON for hand-written tests: one builder per transaction kind, and accounts.

Every field a transaction must carry (SPEC section 3) is always written, so a test
states only what it is about. The native asset is ``TOS``; fees default to 0. A
test module whose cases share other defaults (a fee of 1 everywhere, a contract's
gas budget) binds them once with ``functools.partial``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Json = dict[str, Any]

__all__ = [
    "Json",
    "account",
    "block_case",
    "burn",
    "contract",
    "deploy",
    "invoke",
    "transfer",
    "transfer_outputs",
]


def account(nonce: int = 0, **balances: int) -> Json:
    """An account with ``nonce`` and the given balances, e.g. ``account(TOS=5)``."""
    return {"nonce": nonce, "balances": balances}


def transfer(
    source: str, nonce: int, dest: str, amount: int, *, asset: str = "TOS", fee: int = 0
) -> Json:
    """A transfer with one output."""
    return transfer_outputs(source, nonce, [(dest, asset, amount)], fee)


def transfer_outputs(
    source: str, nonce: int, outputs: Sequence[tuple[str, str, int]], fee: int = 0
) -> Json:
    """A transfer with each ``(dest, asset, amount)`` of ``outputs`` in order."""
    return {
        "kind": "transfer",
        "source": source,
        "nonce": nonce,
        "fee": fee,
        "outputs": [{"dest": d, "asset": a, "amount": amount} for d, a, amount in outputs],
    }


def burn(source: str, nonce: int, asset: str = "TOS", amount: int = 1, fee: int = 0) -> Json:
    return {
        "kind": "burn",
        "source": source,
        "nonce": nonce,
        "fee": fee,
        "asset": asset,
        "amount": amount,
    }


def deploy(source: str, nonce: int, code: object, fee: int = 0) -> Json:
    return {"kind": "deploy", "source": source, "nonce": nonce, "fee": fee, "code": code}


def invoke(
    source: str,
    nonce: int,
    contract: str,
    *,
    entry: int = 0,
    args: Sequence[int] = (),
    deposits: dict[str, int] | None = None,
    max_gas: int = 0,
    fee: int = 0,
) -> Json:
    return {
        "kind": "invoke",
        "source": source,
        "nonce": nonce,
        "fee": fee,
        "contract": contract,
        "entry": entry,
        "args": list(args),
        "deposits": deposits or {},
        "max_gas": max_gas,
    }


def contract(code: object, *, balances: Json | None = None, storage: Json | None = None) -> Json:
    """A genesis contract: ``code`` with empty balances and storage unless given."""
    return {"code": code, "balances": balances or {}, "storage": storage or {}}


def block_case(
    accounts: Json,
    contracts: Json,
    txs: Sequence[Json],
    *,
    seed: int = 0,
    threads: int = 4,
    **block: object,
) -> Json:
    """A devnet case mined by ``m`` with no reward: version 1, or version 2 when any
    version 2 ``block`` field (``fee_payment``, ``gas_limit``) or ``version=2`` is
    given. Four transactions are the fewest that take the parallel path (SPEC 9)."""
    version = block.pop("version", 2 if block else 1)
    return {
        "format": f"txparity.case/{version}",
        "genesis": {"accounts": accounts, "contracts": contracts},
        "block": {"miner": "m", "reward": 0, "txs": list(txs), **block},
        "config": {"network": "devnet", "threads": threads, "schedule_seed": seed},
    }
