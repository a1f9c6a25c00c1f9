"""The benchmark's workloads: deterministic case generators, one per access pattern.

A workload turns a block size and a seed into a case, always the same case for the
same three (``random.Random`` seeded with the workload's name, the size and the
seed): two runs of ``txparity bench``, on two machines or two nights, measure the
same blocks. Every block is on devnet (parallel threshold 4, so that every size
benchmarked takes the parallel path) with 4 worker threads, and its schedule seed
is the workload's seed.

The patterns, and the conflicts each leaves an executor:

- ``conflict-free``: transaction ``i`` moves TOS from sender ``s<i>`` to receiver
  ``r<i>``: distinct senders and distinct receivers, no two transactions share an
  account (the TOS chain's own benchmark called a block "conflict-free" whose
  transfers all went to one receiver, which serialises it);
- ``conflict-heavy``: distinct senders all pay one hot account;
- ``mixed``: as ``conflict-free``, but half of the transactions (drawn) pay the hot
  account instead;
- ``contract-heavy``: distinct senders all increment one hot contract's storage slot;
- ``p2p-<N>``: the Block-STM paper's grid, peer-to-peer transfers between ``N``
  accounts (2, 10, 100, 1,000, 10,000): each transaction a drawn sender (with its
  next nonce) pays a drawn other account;
- ``v2-each-tx`` (SPEC 10): ``mixed`` as a version 2 block paying each fee to the
  miner right after its transaction, with every tenth transaction sent by the
  miner itself, which must see every fee paid before it;
- ``v2-gas-limit`` (SPEC 10): distinct senders each increment one of eight counter
  contracts, in a version 2 block whose gas limit is half the gas its transactions
  use, so that the block is cut half-way.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from txparity.executors.codec import case_from_json
from txparity.executors.execution import run_case
from txparity.executors.model import Case, Version
from txparity.executors.sequential import SequentialExecutor

__all__ = ["P2P_ACCOUNTS", "WORKLOADS", "Workload", "workload_names"]

Json = dict[str, Any]
COUNTER = {"0": [["PUSH", 0], ["SLOAD"], ["PUSH", 1], ["ADD"], ["PUSH", 0], ["SSTORE"]]}
FUNDS = 10**12  # every account's TOS: enough for any block of any size here
MINER = "miner"
HOT = "hot"
MAX_GAS = 100  # an increment of the counter uses well under this
P2P_ACCOUNTS = (2, 10, 100, 1000, 10000)  # the Block-STM paper's grid
GAS_LIMIT_CONTRACTS = 8
MINER_SENDS_EVERY = 10


@dataclass(frozen=True, slots=True)
class Workload:
    """A named case generator: ``build(size, seed)`` is a block of ``size``
    transactions. ``accounts`` is the number of accounts of a ``p2p`` workload."""

    name: str
    summary: str
    build: Callable[[int, int], Case]
    accounts: int | None = None
    version: Version = Version.V1


def _draw(name: str, size: int, seed: int) -> random.Random:
    return random.Random(f"{name}:{size}:{seed}")


def _transfer(source: str, nonce: int, dest: str, amount: int, fee: int = 1) -> Json:
    return {"kind": "transfer", "source": source, "nonce": nonce, "fee": fee,
            "outputs": [{"dest": dest, "asset": "TOS", "amount": amount}]}  # fmt: skip


def _invoke(source: str, nonce: int, contract: str) -> Json:
    return {"kind": "invoke", "source": source, "nonce": nonce, "fee": 1, "contract": contract,
            "entry": 0, "args": [], "deposits": {}, "max_gas": MAX_GAS}  # fmt: skip


def _case(senders: list[str], txs: list[Json], seed: int, contracts: tuple[str, ...] = (),
          version: Version = Version.V1, block: Json | None = None) -> Case:  # fmt: skip
    accounts = {name: {"nonce": 0, "balances": {"TOS": FUNDS}} for name in senders}
    code = {name: {"code": COUNTER, "balances": {}, "storage": {}} for name in contracts}
    return case_from_json(
        {
            "format": f"txparity.case/{version.value}",
            "genesis": {"accounts": accounts, "contracts": code},
            "block": {"miner": MINER, "reward": 10, "txs": txs, **(block or {})},
            "config": {"network": "devnet", "threads": 4, "schedule_seed": seed},
        }
    )


def _senders(size: int) -> list[str]:
    return [f"s{index}" for index in range(size)]


def conflict_free(size: int, seed: int) -> Case:
    draw = _draw("conflict-free", size, seed)
    txs = [_transfer(f"s{i}", 0, f"r{i}", draw.randint(1, 100)) for i in range(size)]
    return _case(_senders(size), txs, seed)


def conflict_heavy(size: int, seed: int) -> Case:
    draw = _draw("conflict-heavy", size, seed)
    txs = [_transfer(f"s{i}", 0, HOT, draw.randint(1, 100)) for i in range(size)]
    return _case(_senders(size), txs, seed)


def mixed(size: int, seed: int) -> Case:
    return _case(_senders(size), _mixed_transfers("mixed", size, seed), seed)


def _mixed_transfers(name: str, size: int, seed: int) -> list[Json]:
    draw = _draw(name, size, seed)
    hot = set(draw.sample(range(size), size // 2))
    return [
        _transfer(f"s{i}", 0, HOT if i in hot else f"r{i}", draw.randint(1, 100))
        for i in range(size)
    ]


def contract_heavy(size: int, seed: int) -> Case:
    txs = [_invoke(f"s{i}", 0, HOT) for i in range(size)]
    return _case(_senders(size), txs, seed, contracts=(HOT,))


def peer_to_peer(accounts: int) -> Callable[[int, int], Case]:
    def build(size: int, seed: int) -> Case:
        draw = _draw(f"p2p-{accounts}", size, seed)
        names = [f"a{index}" for index in range(accounts)]
        nonces = dict.fromkeys(names, 0)
        txs = []
        for _ in range(size):
            source, dest = draw.sample(names, 2)
            txs.append(_transfer(source, nonces[source], dest, draw.randint(1, 100)))
            nonces[source] += 1
        return _case(names, txs, seed)

    return build


def each_tx_fees(size: int, seed: int) -> Case:
    txs = _mixed_transfers("v2-each-tx", size, seed)
    for nonce, index in enumerate(range(MINER_SENDS_EVERY - 1, size, MINER_SENDS_EVERY)):
        txs[index] = _transfer(MINER, nonce, f"x{index}", 1, fee=0)
    return _case(
        [*_senders(size), MINER], txs, seed, version=Version.V2, block={"fee_payment": "each_tx"}
    )


def gas_limited(size: int, seed: int) -> Case:
    contracts = tuple(f"c{index}" for index in range(GAS_LIMIT_CONTRACTS))
    txs = [_invoke(f"s{i}", 0, contracts[i % len(contracts)]) for i in range(size)]
    unlimited = _case(_senders(size), txs, seed, contracts=contracts, version=Version.V2)
    receipts = run_case(SequentialExecutor(), unlimited, "memory").receipts
    gas_limit = sum(receipt.gas_used for receipt in receipts) // 2
    return replace(unlimited, block=replace(unlimited.block, gas_limit=gas_limit))


WORKLOADS: dict[str, Workload] = {
    workload.name: workload
    for workload in [
        Workload("conflict-free", "distinct senders, distinct receivers", conflict_free),
        Workload("conflict-heavy", "distinct senders, one hot receiver", conflict_heavy),
        Workload("mixed", "half the transactions pay the hot account", mixed),
        Workload("contract-heavy", "one hot contract's storage", contract_heavy),
        *(
            Workload(
                f"p2p-{n}",
                f"peer-to-peer transfers among {n} accounts",
                peer_to_peer(n),
                accounts=n,
            )
            for n in P2P_ACCOUNTS
        ),
        Workload(
            "v2-each-tx",
            "mixed, fees paid after each transaction, the miner sends",
            each_tx_fees,
            version=Version.V2,
        ),
        Workload(
            "v2-gas-limit",
            "invokes of 8 counters, a gas limit cutting the block in half",
            gas_limited,
            version=Version.V2,
        ),
    ]
}


def workload_names() -> tuple[str, ...]:
    return tuple(WORKLOADS)
