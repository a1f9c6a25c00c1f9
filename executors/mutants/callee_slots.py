"""``rwlock-callee-slots``: a write set that misses the slots reached through ``CALL``.

Mirrors a read/write-set analysis that follows only the invoked contract's own
code: the storage its callees write is never announced as a write (nor checked as
one after the run), so two transactions that call one library both hold only a
read lock on its slot, run at once, and one increment is lost.
"""

from __future__ import annotations

from collections.abc import Collection

from txparity.executors.model import Invoke, StateKey, StorageKey, Transaction
from txparity.executors.mutants.planted import PlantedBug
from txparity.executors.rwlock import Access, RwLockExecutor

__all__ = ["CalleeSlotsRwLock"]


class CalleeSlotsRwLock(PlantedBug, RwLockExecutor):
    name = "rwlock-callee-slots"
    profile = "wide"

    def footprint(
        self, tx: Transaction, reads: Collection[StateKey], writes: Collection[StateKey]
    ) -> Access:
        def own(key: StateKey) -> bool:
            return (
                not isinstance(tx, Invoke)
                or not isinstance(key, StorageKey)
                or (key.address == tx.contract)
            )

        return Access(frozenset(reads), frozenset(key for key in writes if own(key)))
