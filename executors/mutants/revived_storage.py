"""``blockstm-revived-storage``: a revived contract reads the destroyed one's storage.

Mirrors Erigon's parallel executor on a contract destroyed and revived at one address
in one block, then read (it halted on Ethereum mainnet block 11,133,845, and once
past it silently lost a storage slot; erigon 23025): storage versions that do not
tell a contract's incarnations apart. This memory keeps a slot's versions under its
address and slot alone, whatever creation wrote them, so a read of a revived
contract's slot is answered with what the destroyed contract wrote there earlier in
the block. A slot not written in the block is still read from the state under the
right creation, which is why only a write, a destroy, a revival and a read in one
block show it.
"""

from __future__ import annotations

from txparity.executors.blockstm import BlockStmExecutor
from txparity.executors.blockstm.mvmemory import MemoryKey, MVMemory
from txparity.executors.model import StorageKey
from txparity.executors.mutants.planted import PlantedBug

__all__ = ["RevivedStorageBlockStm"]


class _AddressKeyedMVMemory(MVMemory):
    def item_of(self, key: MemoryKey) -> MemoryKey:
        if isinstance(key, StorageKey):
            return StorageKey(key.address, key.slot)
        return key


class RevivedStorageBlockStm(PlantedBug, BlockStmExecutor):
    name = "blockstm-revived-storage"
    profile = "v2"

    def make_memory(self, size: int) -> MVMemory:
        return _AddressKeyedMVMemory(size)
