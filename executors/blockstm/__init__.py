"""Block-STM: optimistic parallel execution with multi-version memory.

After Gelashvili et al., "Block-STM: Scaling Blockchain Execution by Turning
Ordering Curse to a Performance Blessing" (PPoPP'23), and the decomposition of its
reference implementation (a scheduler, multi-version memory, per-incarnation
inputs and outputs, and a view that routes reads).

Algorithm. Every transaction is executed optimistically, possibly many times; each
execution is an *incarnation*, and a *version* is (tx index, incarnation). Reads go
to the multi-version memory (``MVMemory``), which answers a read by tx ``i`` of item
``k`` with the value written by the highest tx ``j < i`` that wrote ``k``, or with
the pre-block state if none did. An incarnation records its read set (each item and
the version it saw) and its write set. A later *validation* re-reads the read set;
if any item would now come from a different version, the incarnation is aborted:
its writes become ESTIMATE markers, and it is scheduled to execute again. A read
that meets an ESTIMATE of tx ``j`` suspends the reader on ``j`` (a *dependency*);
it is resumed when ``j`` finishes executing. The collaborative scheduler hands
threads execution and validation tasks from two indices that sweep the block in
order and are pulled back when an abort or a newly written item makes lower
transactions need work again. When both indices have passed the block and no task
is running, every transaction's last incarnation is valid, and the write sets are
committed in block order by one writer.

Invariants.
- A transaction's incarnation number only grows; at most one incarnation of it
  runs at a time (only ``try_incarnate`` makes it ``Executing``, under its lock).
- An item's entries in ``MVMemory`` are those of each tx's *last* incarnation, or
  ESTIMATE for a tx that was aborted and has not executed again.
- A validated incarnation read exactly what it would read in sequential order,
  given the current entries of all lower transactions.
- Done means: ``execution_idx`` and ``validation_idx`` are both past the block, no
  task is active, and no index was pulled back while that was being checked.
- The miner's fee and the burn totals are deltas carried beside each write set and
  summed at commit; they are never items, so they do not serialize the block.

Transaction status (``ExecutionStatus``, a value that carries its incarnation)::

    ReadyToExecute(n) --try_incarnate--> Executing(n) --finish_execution--> Executed(n)
           ^                                  |                                  |
           |                           add_dependency                  try_validation_abort
           |                                  v                                  |
           +------ _set_ready_status ----- Aborting(n) <-------------------------+
                   (ReadyToExecute(n + 1))

Reads within one incarnation are cached: an incarnation sees one value per item,
so its own arithmetic is consistent even while other threads write; validation
decides whether those values were the right ones.
"""

from txparity.executors.blockstm.executor import BlockStmExecutor
from txparity.executors.blockstm.scheduler import ExecutionStatus

__all__ = ["BlockStmExecutor", "ExecutionStatus"]
