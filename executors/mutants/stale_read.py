"""``blockstm-stale-read``: multi-version memory that reads past ESTIMATE markers.

Mirrors a multi-version map that treats an aborted writer's ESTIMATE as absent and
returns the next older version: readers neither wait for the aborted transaction
nor fail validation because of it, so a dependent transaction commits on a value
its predecessor is about to overwrite.
"""

from __future__ import annotations

from collections.abc import Iterator

from txparity.executors.blockstm import BlockStmExecutor
from txparity.executors.blockstm.mvmemory import (
    NOT_FOUND,
    Entry,
    Found,
    MemoryKey,
    MVMemory,
    ReadResult,
)
from txparity.executors.mutants.planted import PlantedBug

__all__ = ["StaleReadBlockStm"]


class _StaleMVMemory(MVMemory):
    def visible_entry(self, key: MemoryKey, entries: Iterator[Entry]) -> ReadResult:
        return next((entry for entry in entries if isinstance(entry, Found)), NOT_FOUND)


class StaleReadBlockStm(PlantedBug, BlockStmExecutor):
    name = "blockstm-stale-read"
    profile = "contended"

    def make_memory(self, size: int) -> MVMemory:
        return _StaleMVMemory(size)
