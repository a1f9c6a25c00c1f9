"""``batched-batch-gas``: the block gas limit counted per batch.

Mirrors the dependency a block gas limit puts between every transaction and all
the earlier ones (Aptos' block gas limit): a limit checked against the gas of the
unit of parallel work at hand rather than of the whole block. This variant starts
every batch's count from 0, so a block whose gas reaches the limit across several
batches is never cut: the transactions past the limit are included instead of
rejected ``block_full``.
"""

from __future__ import annotations

from txparity.executors.batched import BatchedExecutor
from txparity.executors.mutants.planted import PlantedBug

__all__ = ["BatchGasBatched"]


class BatchGasBatched(PlantedBug, BatchedExecutor):
    name = "batched-batch-gas"
    profile = "v2"

    def gas_before_batch(self, block_gas: int) -> int:
        return 0
