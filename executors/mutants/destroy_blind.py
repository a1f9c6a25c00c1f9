"""``blockstm-destroy-blind``: a read across a destroy sees the contract as it was.

Mirrors Polygon Bor's Block-STM (v2) resolving balance reads across a self-destruct
wrongly (bor PRs 2270 and 2403): the destroy's deletions are no versions in the
multi-version memory. When a contract is destroyed, its code item and its swept
balances are written absent; this memory skips such entries, so a later
transaction's read falls through to the version before the destroy: ``BALANCEOF``
sees the pre-destroy balance, and an invoke finds the destroyed code still there.
"""

from __future__ import annotations

from collections.abc import Iterator

from txparity.executors.blockstm import BlockStmExecutor
from txparity.executors.blockstm.mvmemory import Entry, Found, MemoryKey, MVMemory, ReadResult
from txparity.executors.model import CodeKey, ContractBalanceKey
from txparity.executors.mutants.planted import PlantedBug

__all__ = ["DestroyBlindBlockStm"]


class _DeletionBlindMVMemory(MVMemory):
    def visible_entry(self, key: MemoryKey, entries: Iterator[Entry]) -> ReadResult:
        if isinstance(key, CodeKey | ContractBalanceKey):
            entries = (e for e in entries if not (isinstance(e, Found) and e.value == key.default))
        return super().visible_entry(key, entries)


class DestroyBlindBlockStm(PlantedBug, BlockStmExecutor):
    name = "blockstm-destroy-blind"
    profile = "v2"

    def make_memory(self, size: int) -> MVMemory:
        return _DeletionBlindMVMemory(size)
