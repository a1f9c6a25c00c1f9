"""Read/write locks on state items, announced by a speculative run.

The TOS chain's conflict batching keys a transaction by whole addresses, so sixteen
senders writing sixteen different slots of one contract make sixteen batches. This
executor locks state items instead (a storage slot, a balance in one asset, a
nonce), so that readers of an item share it and only a writer excludes, in block
order.

Algorithm. The block runs in *rounds*; a round starts at the first transaction not
yet committed (``first``), from the state as committed so far.

1. Prediction. Every transaction from ``first`` on is run speculatively against the
   round's starting state (the one rules function, through a view that records what
   it reads); what it read and wrote (``RwLockExecutor.footprint``) becomes its
   *requests*: ``WRITE`` on each item written, ``READ`` on each item only read, and,
   with ``each_tx`` fees, ``ADD`` on the miner's TOS balance (a fee credit: a
   commutative increment). These runs are independent and run on the schedule's
   workers.
2. Locks. ``LockTable`` queues the requests of each item in block order. A request
   that reads waits for every earlier request on its item that writes (``WRITE`` or
   ``ADD``); requests that only read share; a write never waits for an earlier read.
   A transaction runs once all its requests are granted, the lowest first.
3. Locked runs. A run reads each item as the latest earlier *finished* writer of the
   round left it (the round's starting state if none), plus, for the miner's
   balance under ``each_tx``, the fees of the transactions since that writer; its
   writes stay its own until it finishes, when they are published at once with its
   outcome. So a reader never sees a later transaction's write, and, whenever every
   run touches only what it announced, each reads exactly what the sequential order
   gives it.
4. Validation. A locked run may touch what its speculative run did not (an earlier
   transaction changed a nonce, a balance, a code item or a storage value its path
   depends on). A read outside its requests is announced when it happens
   (``read_unannounced``): the run waits (it is abandoned and runs again) until the
   earlier announced writers of the item have finished, and its request is then in
   the table. A write outside its requests (a read lock upgraded to a write, or a
   new item) is checked when the run finishes (``stale_readers``): every later
   transaction that has already started with a request reading that item may have
   read it too early, so the round is *cut* at the first of them.
5. Commit. Once every transaction below the cut has finished, their outcomes are
   committed in block order by one writer (each write set, then, with ``each_tx``,
   its fee), and the next round starts at the cut, predicting again from the new
   state. Transactions at or past the cut are discarded, whatever they did.

Invariants.
- A transaction below the cut read exactly what the sequential order gives it.
  Reads resolve to earlier writers only, so only an earlier writer can make a read
  wrong: an announced one is waited for; an unannounced one finds the reader in the
  table when it finishes (a read is announced before it happens, under the table's
  lock), and cuts the round at or below the reader.
- The cut only moves down, and never to the round's first transaction: that one's
  speculative run read the very state its locked run reads, so it announced exactly
  what it touches and can never be made stale. Every round commits at least one
  transaction; a wrong prediction costs a round, never a result.
- At most one run of a transaction is in flight; its outcome is published once.

What is shared, and how it is protected. Each round's ``LockTable`` (requests,
queues, each transaction's state and waits, published outcomes, the cut) is guarded
by its one lock, taken for every decision and never held across an interleaving
point; the prediction's queue and results by their own lock; the counters by
theirs (only ever taken inside the table's). The pre-round state is read through
the backend's reader, which any thread may read while nothing commits; only the
executor's own thread commits, between rounds.

Version 2 (SPEC 10), case by case, and why each is exact:

- ``DESTROY``, revival, ``CLONE``, ``BALANCEOF``. Everything they read or write is a
  state item (code items with their creation, contract nonces and balances, storage
  slots under each creation, account nonces and balances), so a speculative run
  announces them like any other; a revival makes the locked run read storage under
  a new creation, or a ``CLONE`` a different address, and those unannounced accesses
  are validated as in step 4.
- ``fee_payment: each_tx``. Every transaction holds ``ADD`` on the miner's TOS
  balance, and one that reads it holds ``WRITE``, so it waits for every earlier
  transaction and reads the balance with every earlier fee, while fee payers that
  never read it share the item like readers do. With ``block_end`` fees are summed
  at the end, as in every executor.
- ``gas_limit``. No transaction's result depends on a later one, so the cut is made
  as outcomes are committed: once the block's gas reaches the limit, every later
  transaction is ``BLOCK_FULL`` and no further round runs.
- Logs are part of each outcome, from the one locked run that stands.

Statistics: ``conflicts`` are the rounds cut short by a misprediction,
``incarnations`` the locked runs, ``aborts`` the runs discarded past a cut,
``suspensions`` the runs abandoned to wait for an unannounced read, and
``validations`` the unannounced reads and writes checked. The waves (the levels of
the graph of whom each committed transaction waited for, round after round) are
``RwLockExecutor.last_waves``, not ``batch_sizes``: waves are not contiguous in
block order, as batches are and as reports read them.
"""

from txparity.executors.rwlock.executor import RwLockExecutor
from txparity.executors.rwlock.locks import Access, LockTable, Mode, TxState

__all__ = ["Access", "LockTable", "Mode", "RwLockExecutor", "TxState"]
