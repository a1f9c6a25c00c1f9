"""``sharded-cross-last``: a cross-shard transaction ordered after a later local one.

Mirrors a shard that runs its local transactions as they come and parks each
cross-shard one until its other shards are ready: meanwhile the local
transactions after it in the block run first, so one that depends on the
cross-shard one (a payment it brings in, a nonce it uses up) reads the state
before it.
"""

from __future__ import annotations

from collections.abc import Set

from txparity.executors.mutants.planted import PlantedBug
from txparity.executors.sharded import ShardedExecutor

__all__ = ["CrossLastSharded"]


class CrossLastSharded(PlantedBug, ShardedExecutor):
    name = "sharded-cross-last"
    profile = "mixed"

    def shard_order(self, shard: int, queue: list[int], cross: Set[int]) -> list[int]:
        order = list(queue)
        for position in range(len(order) - 1):
            if order[position] in cross and order[position + 1] not in cross:
                order[position], order[position + 1] = order[position + 1], order[position]
        return order
