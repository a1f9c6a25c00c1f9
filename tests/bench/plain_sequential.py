"""A plain sequential executor of version 1 cases, from SPEC.md alone: the floor.

Not part of txparity and not a test: the yardstick of ``bench_decode``. It imports
nothing but the standard library, reads one case per line on standard input and
writes one canonical result per line (SPEC 8), as ``txparity run --jsonl`` does.

It trusts its input: it validates no case (a generated case is valid), knows no
version 2 and has no error path beyond what execution itself needs. That makes it
faster than any executor that must refuse bad input, so a ratio against it is a
conservative figure for txparity. ``bench_decode`` checks its answers against the
reference's, so a figure never comes from a wrong answer.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from typing import Any

U64 = 2**64
MAX_FRAMES = 4
MAX_STACK = 64
ADDRESS = re.compile(r"[a-z0-9_.]{1,64}")
DECIMAL = re.compile(r"0|[1-9][0-9]*")
# op -> (cost, operand kinds)
OPS: dict[str, tuple[int, tuple[str, ...]]] = {
    "PUSH": (1, ("u64",)), "POP": (1, ()), "DUP": (1, ()), "SWAP": (1, ()),
    "ADD": (2, ()), "SUB": (2, ()), "MUL": (2, ()), "DIV": (2, ()), "MOD": (2, ()),
    "LT": (1, ()), "EQ": (1, ()), "ISZERO": (1, ()), "ARG": (1, ("arg",)),
    "CALLER": (1, ()), "SLOAD": (5, ()), "SSTORE": (10, ()), "BALANCE": (2, ()),
    "PAY": (10, ()), "JUMP": (1, ("target",)), "JUMPI": (1, ("target",)),
    "CALL": (20, ("address", "u64", "count")), "STOP": (0, ()), "REVERT": (0, ()),
}  # fmt: skip


class Failed(Exception):
    """A contract run fails; the message is the receipt's reason."""


def well_formed(code: object) -> bool:
    if not isinstance(code, dict):
        return False
    for entry, program in code.items():
        if DECIMAL.fullmatch(entry) is None or int(entry) >= U64:
            return False
        if not isinstance(program, list) or len(program) > 256:
            return False
        if not all(_instruction_ok(item, len(program)) for item in program):
            return False
    return True


def _instruction_ok(item: object, length: int) -> bool:
    if not isinstance(item, list) or not item or item[0] not in OPS:
        return False
    kinds = OPS[item[0]][1]
    if len(item) - 1 != len(kinds):
        return False
    for operand, kind in zip(item[1:], kinds, strict=True):
        if kind == "address":
            if not isinstance(operand, str) or ADDRESS.fullmatch(operand) is None:
                return False
            continue
        if not isinstance(operand, int) or isinstance(operand, bool):
            return False
        top = {"u64": U64, "arg": 8, "target": length, "count": 9}[kind]
        if not 0 <= operand < top:
            return False
    return True


class Block:
    def __init__(self, case: dict[str, Any]) -> None:
        genesis = case["genesis"]
        self.accounts = {a: {"nonce": v["nonce"], "balances": dict(v["balances"])}
                         for a, v in genesis["accounts"].items()}  # fmt: skip
        self.contracts = {
            a: {"code": v["code"], "balances": dict(v["balances"]),
                "storage": {int(k): x for k, x in v["storage"].items()}}
            for a, v in genesis["contracts"].items()
        }  # fmt: skip
        self.burned: dict[str, int] = {}
        self.undo: list[tuple[dict[Any, int], Any, int]] = []

    def run(self, block: dict[str, Any]) -> list[dict[str, Any]]:
        miner = block["miner"]
        self.credit(miner, "TOS", block["reward"])
        receipts, fees = [], 0
        for tx in block["txs"]:
            reason = self.validate(tx)
            if reason is not None:
                receipts.append({"status": "rejected", "reason": reason, "gas_used": 0})
                continue
            source = self.accounts[tx["source"]]
            source["nonce"] += 1
            status, reason, gas = self.effect(tx)
            paid = tx["fee"] + gas
            source["balances"]["TOS"] -= paid
            fees += paid
            receipts.append({"status": status, "reason": reason, "gas_used": gas})
        self.credit(miner, "TOS", fees)
        return receipts

    def credit(self, address: str, asset: str, amount: int) -> None:
        account = self.accounts.setdefault(address, {"nonce": 0, "balances": {}})
        account["balances"][asset] = account["balances"].get(asset, 0) + amount

    def validate(self, tx: dict[str, Any]) -> str | None:
        kind, source = tx["kind"], tx["source"]
        if self.malformed(tx):
            return "malformed"
        if source not in self.accounts:
            return "unknown_sender"
        if tx["nonce"] != self.accounts[source]["nonce"]:
            return "bad_nonce"
        if kind == "transfer":
            if any(o["dest"] == source for o in tx["outputs"]):
                return "self_transfer"
            if any(o["dest"] in self.contracts for o in tx["outputs"]):
                return "not_an_account"
        if kind == "invoke":
            if tx["contract"] not in self.contracts:
                return "no_contract"
            if str(tx["entry"]) not in self.contracts[tx["contract"]]["code"]:
                return "no_entry"
        if kind == "deploy":
            address = f"{source}.{tx['nonce']}"
            if address in self.accounts or address in self.contracts:
                return "contract_exists"
        balances = self.accounts[source]["balances"]
        if any(balances.get(a, 0) < need for a, need in self.spending(tx).items()):
            return "insufficient_funds"
        return None

    def malformed(self, tx: dict[str, Any]) -> bool:
        if tx["nonce"] >= U64 - 1:
            return True
        match tx["kind"]:
            case "transfer":
                outputs = tx["outputs"]
                return not 1 <= len(outputs) <= 16 or any(o["amount"] < 1 for o in outputs)
            case "burn":
                return bool(tx["amount"] < 1)
            case "invoke":
                return (len(tx["args"]) > 8 or any(v < 1 for v in tx["deposits"].values())
                        or tx["max_gas"] > 1_000_000)  # fmt: skip
            case _:
                return not well_formed(tx["code"]) or len(f"{tx['source']}.{tx['nonce']}") > 64

    def spending(self, tx: dict[str, Any]) -> dict[str, int]:
        need = {"TOS": tx["fee"]}
        moved: list[tuple[str, int]] = []
        match tx["kind"]:
            case "transfer":
                moved = [(o["asset"], o["amount"]) for o in tx["outputs"]]
            case "burn":
                moved = [(tx["asset"], tx["amount"])]
            case "invoke":
                moved = [*tx["deposits"].items(), ("TOS", tx["max_gas"])]
        for asset, amount in moved:
            need[asset] = need.get(asset, 0) + amount
        return need

    def effect(self, tx: dict[str, Any]) -> tuple[str, str | None, int]:
        source = self.accounts[tx["source"]]["balances"]
        match tx["kind"]:
            case "transfer":
                for output in tx["outputs"]:
                    source[output["asset"]] -= output["amount"]
                    self.credit(output["dest"], output["asset"], output["amount"])
            case "burn":
                source[tx["asset"]] -= tx["amount"]
                self.burned[tx["asset"]] = self.burned.get(tx["asset"], 0) + tx["amount"]
            case "deploy":
                address = f"{tx['source']}.{tx['nonce']}"
                self.contracts[address] = {"code": tx["code"], "balances": {}, "storage": {}}
            case _:
                return self.invoke(tx)
        return "applied", None, 0

    def invoke(self, tx: dict[str, Any]) -> tuple[str, str | None, int]:
        self.undo = []
        source = self.accounts[tx["source"]]["balances"]
        target = self.contracts[tx["contract"]]["balances"]
        for asset, amount in tx["deposits"].items():
            self.add(source, asset, -amount)
            self.add(target, asset, amount)
        run = Run(self, tx)
        try:
            run.frame(tx["contract"], tx["entry"], list(tx["args"]), 1)
        except Failed as failure:
            for table, key, old in reversed(self.undo):
                table[key] = old
            return "reverted", str(failure), run.gas
        return "applied", None, run.gas

    def add(self, table: dict[Any, int], key: Any, amount: int) -> None:
        old = table.get(key, 0)
        self.undo.append((table, key, old))
        table[key] = old + amount

    def result(self, receipts: list[dict[str, Any]]) -> str:
        state = {
            "accounts": {a: {"balances": _nonzero(v["balances"]), "nonce": v["nonce"]}
                         for a, v in self.accounts.items()},
            "contracts": {
                a: {"balances": _nonzero(v["balances"]), "code": v["code"],
                    "storage": {str(k): x for k, x in v["storage"].items() if x}}
                for a, v in self.contracts.items()
            },
            "burned": _nonzero(self.burned),
        }  # fmt: skip
        document = {"format": "txparity.result/1", "state": state, "receipts": receipts}
        return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _nonzero(balances: dict[str, int]) -> dict[str, int]:
    return {asset: amount for asset, amount in balances.items() if amount}


class Run:
    """One contract run: the gas shared by its frames."""

    def __init__(self, block: Block, tx: dict[str, Any]) -> None:
        self.block, self.tx, self.gas, self.max_gas = block, tx, 0, tx["max_gas"]
        digest = hashlib.sha256(tx["source"].encode()).digest()
        self.caller = int.from_bytes(digest[:8], "big")

    def charge(self, cost: int) -> None:
        if self.gas + cost > self.max_gas:
            self.gas = self.max_gas
            raise Failed("out_of_gas")
        self.gas += cost

    def frame(self, address: str, entry: int, args: list[int], depth: int) -> int:
        contract = self.block.contracts[address]
        program = contract["code"][str(entry)]
        stack: list[int] = []
        pc = 0
        while pc < len(program):
            op, *operands = program[pc]
            pc += 1
            self.charge(OPS[op][0])
            if op == "STOP":
                break
            jump = self.step(op, operands, stack, contract, args, depth)
            if jump is not None:
                pc = jump
        return stack[-1] if stack else 0

    def step(self, op: str, operands: list[Any], stack: list[int], contract: dict[str, Any],
             args: list[int], depth: int) -> int | None:  # fmt: skip
        def pop() -> int:
            if not stack:
                raise Failed("stack")
            return stack.pop()

        def push(value: int) -> None:
            if len(stack) >= MAX_STACK:
                raise Failed("stack")
            stack.append(value)

        match op:
            case "PUSH":
                push(operands[0])
            case "POP":
                pop()
            case "DUP":
                value = pop()
                push(value)
                push(value)
            case "SWAP":
                b, a = pop(), pop()
                push(b)
                push(a)
            case "ADD" | "SUB" | "MUL":
                b, a = pop(), pop()
                value = a + b if op == "ADD" else a - b if op == "SUB" else a * b
                if not 0 <= value < U64:
                    raise Failed("overflow")
                push(value)
            case "DIV" | "MOD":
                b, a = pop(), pop()
                if b == 0:
                    raise Failed("div_zero")
                push(a // b if op == "DIV" else a % b)
            case "LT" | "EQ":
                b, a = pop(), pop()
                push(int(a < b if op == "LT" else a == b))
            case "ISZERO":
                push(int(pop() == 0))
            case "ARG":
                if operands[0] >= len(args):
                    raise Failed("bad_arg")
                push(args[operands[0]])
            case "CALLER":
                push(self.caller)
            case "SLOAD":
                push(contract["storage"].get(pop(), 0))
            case "SSTORE":
                key, value = pop(), pop()
                self.block.add(contract["storage"], key, value - contract["storage"].get(key, 0))
            case "BALANCE":
                push(contract["balances"].get("TOS", 0))
            case "PAY":
                amount = pop()
                if contract["balances"].get("TOS", 0) < amount:
                    raise Failed("contract_funds")
                self.block.add(contract["balances"], "TOS", -amount)
                self.block.add(self.block.accounts[self.tx["source"]]["balances"], "TOS", amount)
            case "JUMP":
                return int(operands[0])
            case "JUMPI":
                return int(operands[0]) if pop() != 0 else None
            case "CALL":
                callee, entry, count = operands
                popped = [pop() for _ in range(count)]
                code = self.block.contracts.get(callee, {}).get("code", {})
                if str(entry) not in code:
                    raise Failed("bad_call")
                if depth >= MAX_FRAMES:
                    raise Failed("depth")
                push(self.frame(callee, entry, popped[::-1], depth + 1))
            case "REVERT":
                raise Failed("revert")
        return None


def main() -> None:
    for line in sys.stdin.buffer:
        if not line.strip():
            continue
        case = json.loads(line)
        block = Block(case)
        receipts = block.run(case["block"])
        sys.stdout.write(block.result(receipts) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
