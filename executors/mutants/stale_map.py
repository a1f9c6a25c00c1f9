"""``sharded-stale-map``: the shard of a contract created in the block, from a stale map.

Mirrors a shard directory refreshed between blocks only: a contract deployed in
the block is created in its deployer's shard, but every later transaction of the
block is routed by the old map, which places the new address by its hash, so an
invoke of the new contract runs in a shard that has never heard of it.
"""

from __future__ import annotations

from txparity.executors.model import Case
from txparity.executors.mutants.planted import PlantedBug
from txparity.executors.sharded import Directory, ShardedExecutor

__all__ = ["StaleMapSharded"]


class StaleMapSharded(PlantedBug, ShardedExecutor):
    name = "sharded-stale-map"
    profile = "contracts"

    def directory(self, case: Case, shards: int) -> Directory:
        return Directory.at_genesis(case, shards)
