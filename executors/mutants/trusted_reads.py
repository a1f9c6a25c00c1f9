"""``rwlock-trusted-reads``: a read set from a speculative run, trusted without
validation.

Mirrors taking the read set of a pre-execution against the block's starting state
as the transaction's true read set: when an earlier transaction changes what the
real run reads (a nonce now matches, a balance now suffices, a branch goes the
other way), the real run reads items nobody announced, and reads them at once,
without waiting for the earlier transactions that write them.
"""

from __future__ import annotations

from txparity.executors.model import StateKey
from txparity.executors.mutants.planted import PlantedBug
from txparity.executors.rwlock import LockTable, RwLockExecutor

__all__ = ["TrustedReadsRwLock"]


class TrustedReadsRwLock(PlantedBug, RwLockExecutor):
    name = "rwlock-trusted-reads"
    profile = "nonces"

    def read_unannounced(self, table: LockTable, tx: int, key: StateKey) -> bool:
        return True
