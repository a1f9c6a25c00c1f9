"""``batched-lost-fees``: a batch merge that loses the fee accumulator.

Mirrors a merge step that assigns each batch's fee counter to the block total
instead of adding it, so the miner is paid only the last batch's fees. Blocks that
fit in one batch, the common case in light traffic, are paid correctly.
"""

from __future__ import annotations

from txparity.executors.batched import BatchedExecutor
from txparity.executors.mutants.planted import PlantedBug

__all__ = ["LostFeesBatched"]


class LostFeesBatched(PlantedBug, BatchedExecutor):
    name = "batched-lost-fees"
    profile = "mixed"

    def merge_fees(self, block_total: int, batch_total: int) -> int:
        return batch_total
