"""Block-STM ordered by a conflict prediction learned across blocks.

Block-STM runs every transaction optimistically and aborts the ones that read too
early; on a block whose transactions meet on a few hot items, most of its work is
aborted. This executor learns, across the blocks it runs (a campaign runs many
through one executor object), which state items tend to conflict, and uses it to
order the block before it starts.

Algorithm.

1. Prediction (``history.py``). Each transaction's *predicted writes* are the items
   its envelope names (its source's nonce and the balances it pays from, a
   transfer's destinations, a deploy's code item, an invoke's deposits) and, for an
   invoke, what the last run of the same ``(contract, entry)`` wrote. An item is
   *hot* when it was, in one of the last two blocks, read by a transaction from a
   write of an earlier transaction of that block.
2. Ordering. Before any worker starts, each transaction's hot predicted writes are
   put in multi-version memory as ESTIMATEs of that transaction
   (``MVMemory.seed_estimates``), as if an incarnation of it that wrote them had
   been aborted: a later transaction that reads one suspends on it, the way
   Block-STM orders a reader after a writer it has learned of, instead of reading
   the older value, running, and being aborted.
3. Execution, validation and commit are Block-STM's, unchanged.
4. Learning. After the block is committed, each transaction's last read set (which
   items it read from a write of an earlier transaction) and its write set update
   the history.

Invariants.
- A prediction never changes a result. A seeded ESTIMATE is replaced by the
  transaction's first real record (which removes the seeds it did not write), and
  nobody ever read a value of the phantom incarnation, so no validation depends on
  it: a wrong seed costs a reader a wait, a missing one an abort, as in Block-STM.
- Every read is still validated; the prediction decides only who waits for whom.
- The history changes only between blocks, on the executor's own thread: what the
  workers see of it (``PredictiveExecutor.prediction``) is fixed for the block.

What is shared, and how it is protected. During a block, what Block-STM shares (its
memory and scheduler, under their locks); the prediction is read-only. The history
belongs to the executor object and is touched only before and after a block, so a
target that runs one case at a time, as every harness target does, never races on
it. A result never depends on it; a seeded schedule's interleaving does, so the
same case replayed on a fresh executor gives the same result, not necessarily the
same trace.

Version 2 (SPEC 10) is Block-STM's, item by item: the prediction adds waits, never
reads or writes. ``FeeKey`` reads (``each_tx``) are not learned: they are Block-STM's
own deltas, never state.

Statistics are Block-STM's: fewer ``aborts`` and more ``suspensions`` than Block-STM
on the same blocks is what the prediction buys.

Hooks: ``seeded_writes`` (which predicted writes are seeded); a planted bug may also
override Block-STM's ``validate``.
"""

from txparity.executors.predictive.executor import BlockPrediction, PredictiveExecutor
from txparity.executors.predictive.history import ConflictHistory, Named, named_items

__all__ = ["BlockPrediction", "ConflictHistory", "Named", "PredictiveExecutor", "named_items"]
