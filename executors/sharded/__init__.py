"""Accounts partitioned into shards; cross-shard transactions by handshake.

Every address has a *home* among ``N`` shards, ``N`` being the case's
``config.threads`` (a parallel setting, never semantics: any ``N`` gives the same
result). ``Directory`` says where (a hash of the name; a contract a ``CLONE`` may
create lives with its creator, a contract a deploy of the block creates with its
deployer). Each shard has one worker and one *partition*: the writes of the
transactions it has applied, over the block's starting state.

Algorithm.

1. Plan. A transaction's shards are the homes of every address it may read or
   write (the batched executor's complete keys: the addresses it names, every
   contract its calls may reach with the code that may exist at its point of the
   block, and their ``BALANCEOF`` operands; a deploy runs in its deployer's shard).
   Each shard's queue is its transactions in block order.
2. Local transactions (one shard) run on their shard's worker, one after another,
   reading and writing that shard's partition only; shards run in parallel.
3. Cross-shard transactions (several shards) run under a *handshake*, a barrier
   that is the two-phase protocol collapsed into one step: each of its shards'
   workers, on reaching it in its queue, arrives and stops; the last to arrive runs
   it against the partitions of all its shards (each item read from the partition
   of its address's home) and applies each shard's portion of the outcome to that
   shard's partition, then releases the others. So every involved shard is
   "locked" by the transaction for exactly its run, in block order, and the
   transaction is atomic: all its portions are applied, or, when it fails, exactly
   what the rules kept of it (a reverted invoke's nonce and fee), in every shard.
4. Commit. Once every queue is done, one writer commits each transaction's applied
   writes in block order (and with ``each_tx`` its fee right after); past the
   block's gas limit, ``BLOCK_FULL``.

Invariants.
- A transaction reads each item from the partition of its home, which holds the
  writes of exactly the earlier transactions that touched that address: they are
  the earlier ones in that shard's queue, all applied before it (block order per
  queue, and a cross-shard transaction waits for every one of its shards). A
  later transaction never wrote it yet: it comes after in the same queue. So every
  read is what the sequential order gives.
- No two transactions touching one address ever run at once: they share its home's
  queue. Two workers never touch one partition at once: a partition is written by
  its worker, or by the worker running a cross-shard transaction of it while the
  shard's own worker waits at the handshake.
- Cross-shard transactions keep block order in every queue, so handshakes cannot
  deadlock: the lowest pending one has every shard's earlier work done.

What is shared, and how it is protected. Partitions: by the protocol above, never
two writers. ``ShardRun.lock`` guards the handshakes, the published outcomes and
the fee accumulator. The block's starting state is read through the backend's
reader, which any thread may read while nothing commits; only the executor's own
thread commits, after the workers are done.

Version 2 (SPEC 10), case by case, and why each is exact:

- ``DESTROY``, revival, ``CLONE``, ``BALANCEOF``. What a run destroys or sweeps is
  in its call closure and its source, what it clones lives with the cloning
  contract, what it reads with ``BALANCEOF`` is among its keys: all in its shards.
  A deploy reviving an address creates it in its deployer's shard, which is that
  address's home for the whole block.
- ``fee_payment: each_tx``. The miner's fee credits are a block-level accumulator,
  not a write: every transaction adds its fee to it. A transaction that may read or
  write the miner's TOS balance involves *every* shard, so it runs with every
  earlier transaction done, and the accumulated fees are folded into the miner's
  balance in its home partition first.
- ``gas_limit``. No transaction's result depends on a later one, so every
  transaction runs and the cut is applied at the commit, in block order.
- Logs are part of each outcome, from the one run of each transaction.

Statistics: ``conflicts`` are the cross-shard transactions, ``tasks`` the shards.
The parallelism kept is ``ShardPlan.waves()`` (how many transactions finish at each
step if each takes one step after its predecessors in each of its queues), not
``batch_sizes``: waves are not contiguous in block order, as batches are and as
reports read them.

Hooks. Planted bugs override ``directory``, ``shard_order`` or ``portion``; each
says what the base guarantees.
"""

from txparity.executors.sharded.directory import Directory, shard_of_name
from txparity.executors.sharded.executor import ShardedExecutor, ShardPlan, ShardRun

__all__ = ["Directory", "ShardPlan", "ShardRun", "ShardedExecutor", "shard_of_name"]
