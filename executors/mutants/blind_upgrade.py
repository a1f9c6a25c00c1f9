"""``rwlock-blind-upgrade``: a read lock upgraded to a write lock without re-checking.

Mirrors a lock manager that lets a transaction holding a shared lock on an item
take it exclusively when it finds it must write after all, without asking who else
read the item meanwhile: a later transaction that shared the item, and read it
before the write, keeps the value it read. In the read/write-lock executor, a run
that writes an item its speculative run only read (or never touched) does not cut
the round at the later readers that have already started, so their stale reads
commit.
"""

from __future__ import annotations

from txparity.executors.model import StateKey
from txparity.executors.mutants.planted import PlantedBug
from txparity.executors.rwlock import LockTable, RwLockExecutor

__all__ = ["BlindUpgradeRwLock"]


class BlindUpgradeRwLock(PlantedBug, RwLockExecutor):
    name = "rwlock-blind-upgrade"
    profile = "nonces"

    def stale_readers(self, table: LockTable, tx: int, key: StateKey) -> list[int]:
        return []
