"""``batched-callee-blind``: an invoke keyed by its own contract, not its callees.

Mirrors a half-fixed contract-aware detector that adds the invoked contract but
not what it reaches through ``CALL``: two invokes of different contracts that both
call a shared library contract run in one batch and race on its storage.
"""

from __future__ import annotations

from txparity.executors.batched import BatchedExecutor, CodeAt
from txparity.executors.model import Invoke, Transaction
from txparity.executors.mutants.planted import PlantedBug

__all__ = ["CalleeBlindBatched"]


class CalleeBlindBatched(PlantedBug, BatchedExecutor):
    name = "batched-callee-blind"
    profile = "contracts"

    def conflict_keys(self, tx: Transaction, code_at: CodeAt) -> frozenset[str]:
        if isinstance(tx, Invoke):
            return frozenset({tx.source, tx.contract})
        return super().conflict_keys(tx, code_at)
