"""A thin txparity adapter for the payments ledger (``ledger.py``), one per engine.

    python3 adapter.py --engine sequential
    python3 adapter.py --engine parallel [--bug]

It speaks txparity's protocol for external executors (SPEC 8): one case per line
on standard input, one answer per line on standard output, in order; a blank line
gets no answer; standard error is free log. For each case it

1. maps the case onto the ledger's own types (accounts to wallets, transfers to
   payments, burns to burns, the miner to the block producer, the version 2 block
   fields to the ledger's fee timing and gas cap);
2. runs the engine the command line chose;
3. maps the ledger's post-state and outcomes onto txparity's canonical result
   (SPEC 7 and 10.5): balances and burn totals of 0 left out, the ledger's refusals
   renamed to SPEC's rejection reasons, ``gas_used`` 0, empty ``logs`` in version 2;
4. answers ``{"error": "unsupported: ..."}`` for what the ledger does not have
   (contracts, deploys, invokes), and ``{"error": ...}`` for anything that breaks,
   with the trace on standard error: it never exits while its input is open, since
   txparity counts an exit as a crash.

Fuzz it on cases it supports: ``--profile payments`` draws transfers and burns only.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from typing import Any

from ledger import (  # beside this file: Python puts a script's folder on its path
    Block,
    Burn,
    Ledger,
    Leg,
    Outcome,
    ParallelEngine,
    Payment,
    Refusal,
    SequentialEngine,
    Tx,
    Wallet,
)

Json = dict[str, Any]
VERSIONS = {"txparity.case/1": 1, "txparity.case/2": 2}
THRESHOLDS = {"devnet": 4, "testnet": 10, "mainnet": 20}  # SPEC 9
MOST_THREADS = 32
REASONS = {  # the ledger's refusals, as SPEC 5.1 and 10.3 name them
    Refusal.BLOCK_FULL: "block_full",
    Refusal.BAD_FORM: "malformed",
    Refusal.NO_WALLET: "unknown_sender",
    Refusal.WRONG_SEQ: "bad_nonce",
    Refusal.PAYS_ITSELF: "self_transfer",
    Refusal.BROKE: "insufficient_funds",
}


class Unsupported(Exception):
    """A case that uses what the ledger does not have."""


# ---------------------------------------------------------------- the case, as the ledger's types


def ledger_of(case: Json) -> Ledger:
    if case["genesis"]["contracts"]:
        raise Unsupported("genesis contracts: the ledger has no contracts")
    return Ledger({
        address: Wallet(account["nonce"], dict(account["balances"]))
        for address, account in case["genesis"]["accounts"].items()
    })  # fmt: skip


def block_of(case: Json) -> Block:
    block = case["block"]
    return Block(
        producer=block["miner"],
        subsidy=block["reward"],
        txs=tuple(transaction_of(tx, index) for index, tx in enumerate(block["txs"])),
        fees_each_tx=block.get("fee_payment") == "each_tx",
        gas_cap=block.get("gas_limit"),
    )


def transaction_of(tx: Json, index: int) -> Tx:
    if tx["kind"] == "transfer":
        legs = tuple(Leg(out["dest"], out["asset"], out["amount"]) for out in tx["outputs"])
        return Payment(tx["source"], tx["nonce"], tx["fee"], legs)
    if tx["kind"] == "burn":
        return Burn(tx["source"], tx["nonce"], tx["fee"], tx["asset"], tx["amount"])
    raise Unsupported(f"block.txs[{index}]: a {tx['kind']}: the ledger has no contracts")


def engine_of(case: Json, arguments: argparse.Namespace) -> SequentialEngine | ParallelEngine:
    if arguments.engine == "sequential":
        return SequentialEngine()
    config = case.get("config", {})
    return ParallelEngine(
        threads=min(config.get("threads", 4), MOST_THREADS),
        threshold=THRESHOLDS[config.get("network", "devnet")],
        every_leg=not arguments.bug,
    )


# ---------------------------------------------------------------- the ledger's answer, as a result


def result_of(ledger: Ledger, outcomes: list[Outcome], version: int) -> Json:
    accounts = {
        address: {"balances": nonzero(wallet.funds), "nonce": wallet.seq}
        for address, wallet in ledger.wallets.items()
    }
    state = {"accounts": accounts, "burned": nonzero(ledger.burned), "contracts": {}}
    return {
        "format": f"txparity.result/{version}",
        "receipts": [receipt_of(outcome, version) for outcome in outcomes],
        "state": state,
    }


def receipt_of(outcome: Outcome, version: int) -> Json:
    refused = outcome.refusal is not None
    receipt: Json = {
        "gas_used": 0,
        "reason": REASONS[outcome.refusal] if outcome.refusal is not None else None,
        "status": "rejected" if refused else "applied",
    }
    return receipt | ({"logs": []} if version == 2 else {})


def nonzero(amounts: Any) -> Json:
    return {asset: amount for asset, amount in amounts.items() if amount}


# ---------------------------------------------------------------- the protocol


def answer(line: bytes, arguments: argparse.Namespace) -> Json:
    try:
        case = json.loads(line, object_pairs_hook=refuse_repeats, parse_constant=refuse)
        version = VERSIONS.get(case.get("format"))
        if version is None:
            return {
                "error": f"format: not a case format this adapter knows: {case.get('format')!r}"
            }
        ledger, block = ledger_of(case), block_of(case)
        outcomes = engine_of(case, arguments).run(ledger, block)
        return result_of(ledger, outcomes, version)
    except Unsupported as unsupported:
        return {"error": f"unsupported: {unsupported}"}
    except Exception as error:  # never exit: an exit is a crash to txparity
        traceback.print_exc(file=sys.stderr)
        return {"error": f"{type(error).__name__}: {error}"}


def refuse_repeats(pairs: list[tuple[str, Any]]) -> Json:
    keys = [key for key, _ in pairs]
    if len(set(keys)) < len(keys):
        raise ValueError("a key repeated in one object")
    return dict(pairs)


def refuse(constant: str) -> Any:
    raise ValueError(f"{constant} is not a number")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("sequential", "parallel"), required=True)
    parser.add_argument(
        "--bug", action="store_true", help="plant the bug: keys from a payment's first leg only"
    )
    arguments = parser.parse_args()
    for line in sys.stdin.buffer:
        if line.strip():
            reply = answer(line, arguments)
            sys.stdout.write(json.dumps(reply, sort_keys=True, separators=(",", ":")) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
