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
  summed at commit; they never serialize the block. (With ``each_tx`` each fee is
  also an item of its own, ``FeeKey(tx)``, read only by readers of the miner's
  balance: see below.)

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

Version 2 (SPEC 10), case by case, and why each is exact:

- ``DESTROY``, revival, ``CLONE``, ``BALANCEOF``. Everything they read or write is a
  state item: a contract's code item (with the creation its storage lives under),
  its nonce, its balances, its storage slots under each creation, and an account's
  nonce and balances. A destroy writes the code item absent, the nonce 0 and the
  swept balances; a revival or a clone writes a code item with a new creation,
  under which no slot was ever written, so the revived contract's slots read the
  pre-block 0 unless a lower transaction of the same creation wrote them. Items
  are versioned and validated like version 1's, so the argument above holds as it
  is: every incarnation that stands read what the sequential order gives it.
- Logs. They are part of an incarnation's receipt. A transaction keeps the outcome
  of its last incarnation only (the hook ``keep``), which is the incarnation whose
  reads were validated; an aborted or suspended incarnation leaves no log behind.
- ``fee_payment: each_tx``. Every included transaction credits the miner right after
  itself, so the miner's TOS balance changes with every transaction. It is not
  written by each; instead each incarnation records its fee as the item
  ``FeeKey(tx)`` (absent when it pays nothing), and a read of the miner's balance
  by transaction ``i`` is resolved lazily (as counters in the paper, aggregators in
  aptos and the beneficiary in pevm): the value of the highest lower writer ``j`` of
  the balance (or the pre-block one) plus ``FeeKey(k)`` for every ``k`` from ``j`` (or
  0) to ``i - 1``. That is the sequential value: after ``j``'s write comes ``j``'s
  fee, then each later transaction's fee, and none of them writes the balance.
  Each of those reads is versioned: an ESTIMATE suspends the reader, a fee that
  appears or changes below it fails its validation. Transactions that never read
  the miner's balance never read a fee, so fees do not serialize the block. The
  commit applies each write set, then its fee, in block order.
- ``gas_limit``. No transaction's result depends on a later one, so the block's
  gas is counted at the in-order commit from what each transaction kept (its last
  incarnation's ``gas_used``): once ``is_block_full``, every later outcome becomes
  ``BLOCK_FULL``, its write set and fee discarded. Incarnations past the cut are
  wasted work, never wrong results.
"""

from txparity.executors.blockstm.executor import BlockStmExecutor
from txparity.executors.blockstm.scheduler import ExecutionStatus

__all__ = ["BlockStmExecutor", "ExecutionStatus"]
