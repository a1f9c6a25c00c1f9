"""``blockstm-stale-clone-nonce``: ``CLONE`` derives its address from a stale nonce.

Mirrors contract creation from inside a contract in parallel executors, the new
address derived from the creator's nonce: a creator nonce kept outside the
multi-version memory and read as it was before the block. This memory answers
every read of a contract's nonce with the pre-block value, so the second ``CLONE``
of one creator in a block computes the address the first one already took and
fails with ``create_failed`` instead of creating ``<c>.1``. Validation reads
through the same memory, so it never notices.
"""

from __future__ import annotations

from collections.abc import Iterator

from txparity.executors.blockstm import BlockStmExecutor
from txparity.executors.blockstm.mvmemory import (
    NOT_FOUND,
    Entry,
    MemoryKey,
    MVMemory,
    ReadResult,
)
from txparity.executors.model import ContractNonceKey
from txparity.executors.mutants.planted import PlantedBug

__all__ = ["StaleCloneNonceBlockStm"]


class _PreBlockNonceMVMemory(MVMemory):
    def visible_entry(self, key: MemoryKey, entries: Iterator[Entry]) -> ReadResult:
        if isinstance(key, ContractNonceKey):
            return NOT_FOUND
        return super().visible_entry(key, entries)


class StaleCloneNonceBlockStm(PlantedBug, BlockStmExecutor):
    name = "blockstm-stale-clone-nonce"
    profile = "v2"

    def make_memory(self, size: int) -> MVMemory:
        return _PreBlockNonceMVMemory(size)
