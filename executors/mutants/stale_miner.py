"""``batched-stale-miner``: the miner's balance read from a stale snapshot under ``each_tx``.

Mirrors the fee-recipient bugs of parallel executors (Erigon's fee calculation,
pevm's beneficiary handling): every transaction credits the miner right after
itself, yet a transaction reading the miner's balance was scheduled as if that
balance were only written by the transactions that name the miner. This variant
never starts a new batch before a transaction that reads or writes the miner's
TOS balance, so that transaction reads the balance as its batch began, without
the fees of the transactions before it in the batch: the miner's spend fails its
funds check, or ``BALANCEOF`` of the miner reads too little.
"""

from __future__ import annotations

from txparity.executors.batched import BatchedExecutor
from txparity.executors.model import BlockContext
from txparity.executors.mutants.planted import PlantedBug

__all__ = ["StaleMinerBatched"]


class StaleMinerBatched(PlantedBug, BatchedExecutor):
    name = "batched-stale-miner"
    profile = "v2"

    def waits_for_fees(self, addresses: frozenset[str], context: BlockContext) -> bool:
        return False
