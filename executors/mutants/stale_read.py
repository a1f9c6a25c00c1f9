"""``blockstm-stale-read``: multi-version memory that reads past ESTIMATE markers.

Mirrors a multi-version map that treats an aborted writer's ESTIMATE as absent and
returns the next older version: readers neither wait for the aborted transaction
nor fail validation because of it, so a dependent transaction commits on a value
its predecessor is about to overwrite.
"""

from __future__ import annotations

from txparity.executors.blockstm import BlockStmExecutor
from txparity.executors.blockstm.mvmemory import ESTIMATE, Found, MVMemory, NotFound, ReadResult
from txparity.executors.model import StateKey

__all__ = ["StaleReadBlockStm"]


class _StaleMVMemory(MVMemory):
    def _entry_below(self, key: StateKey, writers: list[int], position: int) -> ReadResult:
        for writer in reversed(writers[:position]):
            entry = self._entries[key][writer]
            if entry is not ESTIMATE:
                assert isinstance(entry, tuple)
                incarnation, value = entry
                return Found((writer, incarnation), value)
        return NotFound()


class StaleReadBlockStm(BlockStmExecutor):
    name = "blockstm-stale-read"

    def make_memory(self, size: int) -> MVMemory:
        return _StaleMVMemory(size)
