"""``batched-no-sender-debit``: the parallel path never debits transfer senders.

Mirrors the bug in the TOS chain's last parallel branch: the adapter that turned a
parallel worker's result into state changes dropped the sender's output sums, so
a transfer credited its receivers and charged its fee but left the sender's
balance otherwise untouched. The sequential path, used below the threshold, was
right, which is why small-block tests never showed it.
"""

from __future__ import annotations

from txparity.executors.batched import BatchedExecutor, BatchRun
from txparity.executors.model import BalanceKey, StateKey, StateValue, Transfer, WriteSet
from txparity.executors.mutants.planted import PlantedBug

__all__ = ["NoSenderDebitBatched"]


class NoSenderDebitBatched(PlantedBug, BatchedExecutor):
    name = "batched-no-sender-debit"
    profile = "mixed"

    def committed_write_set(self, run: BatchRun, index: int) -> WriteSet:
        tx, write_set = run.txs[index], super().committed_write_set(run, index)
        if not isinstance(tx, Transfer) or not write_set.writes:
            return write_set
        writes: dict[StateKey, StateValue] = dict(write_set.writes)
        for output in tx.outputs:
            key = BalanceKey(tx.source, output.asset)
            balance = writes[key]
            assert isinstance(balance, int)
            writes[key] = balance + output.amount
        return WriteSet(writes, write_set.fee, write_set.burned)
