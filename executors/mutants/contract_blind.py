"""``batched-contract-blind``: conflict keys that ignore contracts.

Mirrors the TOS chain's P1 item: its conflict detector keyed a transaction by its
source and transfer destinations only, so two invokes of one contract from
different senders landed in one batch and raced on the contract's storage and
balance, and a deploy raced with transfers to its new address.
"""

from __future__ import annotations

from txparity.executors.batched import BatchedExecutor, CodeAt
from txparity.executors.model import Transaction, Transfer
from txparity.executors.mutants.planted import PlantedBug

__all__ = ["ContractBlindBatched"]


class ContractBlindBatched(PlantedBug, BatchedExecutor):
    name = "batched-contract-blind"
    profile = "contracts"

    def conflict_keys(self, tx: Transaction, code_at: CodeAt) -> frozenset[str]:
        keys = {tx.source}
        if isinstance(tx, Transfer):
            keys.update(output.dest for output in tx.outputs)
        return frozenset(keys)
