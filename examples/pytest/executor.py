#!/usr/bin/env python3
"""A small block executor for transfers and burns, speaking txparity's line protocol.

Written from docs/SPEC.md alone, as a project testing its own executor with txparity
would: it imports nothing from txparity. It reads one case per line on standard
input and writes one canonical result per line on standard output (SPEC section 8).
It executes SPEC sections 2 to 7 for blocks of transfers and burns without
contracts, and answers any other case with {"error": ...}.

With --planted-bug it pays the miner only the fee of the last transaction that
paid one, instead of the sum: an accumulator assigned where it should be added.
"""

from __future__ import annotations

import json
import sys
from typing import Any

Json = dict[str, Any]

NATIVE_ASSET = "TOS"
MAX_OUTPUTS = 16
U64_LIMIT = 2**64


class Unsupported(Exception):
    """A case this executor does not execute: contracts, or a later format."""


def execute(case: Json, planted_bug: bool) -> Json:
    """SPEC 5: the reward, each transaction in order, then the fees to the miner."""
    if case.get("format") != "txparity.case/1":
        raise Unsupported(f"format {case.get('format')!r} is not txparity.case/1")
    if case["genesis"]["contracts"]:
        raise Unsupported("contracts are not supported")
    accounts = {
        address: {"nonce": account["nonce"], "balances": dict(account["balances"])}
        for address, account in case["genesis"]["accounts"].items()
    }
    burned: dict[str, int] = {}
    block = case["block"]
    credit(accounts, block["miner"], NATIVE_ASSET, block["reward"])
    receipts, fees = [], 0
    for tx in block["txs"]:
        reason = rejection(accounts, tx)
        if reason is None:
            include(accounts, burned, tx)
            fees = tx["fee"] if planted_bug and tx["fee"] else fees + tx["fee"]
        receipts.append(
            {"status": "rejected" if reason else "applied", "reason": reason, "gas_used": 0}
        )
    credit(accounts, block["miner"], NATIVE_ASSET, fees)
    return {"format": "txparity.result/1", "state": state(accounts, burned), "receipts": receipts}


def rejection(accounts: dict[str, Json], tx: Json) -> str | None:
    """The first failing check of SPEC 5.1, in its order, or None."""
    if tx["kind"] not in ("transfer", "burn"):
        raise Unsupported(f"transactions of kind {tx['kind']!r} are not supported")
    outputs = tx.get("outputs", [])
    if tx["nonce"] >= U64_LIMIT - 1:
        return "malformed"
    if tx["kind"] == "transfer" and not (
        1 <= len(outputs) <= MAX_OUTPUTS and all(o["amount"] >= 1 for o in outputs)
    ):
        return "malformed"
    if tx["kind"] == "burn" and tx["amount"] < 1:
        return "malformed"
    sender = accounts.get(tx["source"])
    if sender is None:
        return "unknown_sender"
    if sender["nonce"] != tx["nonce"]:
        return "bad_nonce"
    if any(o["dest"] == tx["source"] for o in outputs):
        return "self_transfer"
    spend = {NATIVE_ASSET: tx["fee"]}
    for asset, amount in spent(tx):
        spend[asset] = spend.get(asset, 0) + amount
    if any(sender["balances"].get(asset, 0) < amount for asset, amount in spend.items()):
        return "insufficient_funds"
    return None


def spent(tx: Json) -> list[tuple[str, int]]:
    if tx["kind"] == "transfer":
        return [(o["asset"], o["amount"]) for o in tx["outputs"]]
    return [(tx["asset"], tx["amount"])]


def include(accounts: dict[str, Json], burned: dict[str, int], tx: Json) -> None:
    """SPEC 5.2: the nonce, the effect, then the fee."""
    source = tx["source"]
    accounts[source]["nonce"] += 1
    if tx["kind"] == "transfer":
        for output in tx["outputs"]:
            credit(accounts, source, output["asset"], -output["amount"])
            credit(accounts, output["dest"], output["asset"], output["amount"])
    else:
        credit(accounts, source, tx["asset"], -tx["amount"])
        burned[tx["asset"]] = burned.get(tx["asset"], 0) + tx["amount"]
    credit(accounts, source, NATIVE_ASSET, -tx["fee"])


def credit(accounts: dict[str, Json], address: str, asset: str, amount: int) -> None:
    """Add ``amount`` (negative to debit), creating the account if absent (SPEC 2)."""
    account = accounts.setdefault(address, {"nonce": 0, "balances": {}})
    account["balances"][asset] = account["balances"].get(asset, 0) + amount


def state(accounts: dict[str, Json], burned: dict[str, int]) -> Json:
    """SPEC 7: zero balances and burn totals left out."""
    return {
        "accounts": {
            address: {
                "nonce": account["nonce"],
                "balances": {a: v for a, v in account["balances"].items() if v},
            }
            for address, account in accounts.items()
        },
        "contracts": {},
        "burned": {asset: total for asset, total in burned.items() if total},
    }


def canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def main() -> None:
    planted_bug = "--planted-bug" in sys.argv[1:]
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            answer = canonical(execute(json.loads(line), planted_bug))
        except (Unsupported, KeyError, TypeError, ValueError) as error:
            answer = canonical({"error": f"{type(error).__name__}: {error}"})
        print(answer, flush=True)


if __name__ == "__main__":
    main()
