"""``batched-receiver-blind``: conflict keys without transfer destinations.

Mirrors the classic account-model batching bug of locking only the accounts a
transaction debits: two transfers paying one receiver, or a receiver spending in
the same batch what it is being paid, race on the receiver's balance.
"""

from __future__ import annotations

from txparity.executors.batched import BatchedExecutor, CodeAt
from txparity.executors.model import Transaction, Transfer
from txparity.executors.mutants.planted import PlantedBug

__all__ = ["ReceiverBlindBatched"]


class ReceiverBlindBatched(PlantedBug, BatchedExecutor):
    name = "batched-receiver-blind"
    profile = "contended"

    def conflict_keys(self, tx: Transaction, code_at: CodeAt) -> frozenset[str]:
        if isinstance(tx, Transfer):
            return frozenset({tx.source})
        return super().conflict_keys(tx, code_at)
