"""Conflict batching: the TOS chain's parallel executor, with complete conflict keys.

Algorithm. Walk the block's transactions in order, keeping the set of keys locked
by the current batch. A transaction whose conflict keys intersect that set closes
the batch (if it is not empty) and starts a new one; otherwise it joins the batch
and locks its keys. Batches are therefore greedy, contiguous and order-preserving.
Batches run one after another; inside a batch the transactions run concurrently
against the state as it stood when the batch began, then their write sets are
committed in block order by one writer.

Invariant. Two transactions in one batch touch disjoint state, so each one reads,
from the batch's starting state, exactly what it would read after its predecessors
in the block: the parallel result equals the sequential one. That holds only if
the keys cover every item a transaction may read or write:

- its source, and every transfer destination (their existence, nonce and balances);
- for an invoke, the contract and every contract reachable from it through ``CALL``
  operands, transitively, through the code that exists at that point of the block
  (genesis contracts and every earlier deploy, rejected or not: more keys is safe);
- for a deploy, the new address ``<source>.<nonce>``.

Keys are addresses: one address covers all of its items, and the addresses a
transaction names are ``model.addresses_of``, the ones reports show. The miner's fee
credit and the ``burned`` totals are block-level accumulators, not keys: workers add
each included transaction's fee to the batch's total atomically and burns travel as
deltas in the write sets, so they never serialize the block. (The TOS chain keyed
only sources and transfer destinations, which made contract calls race; that is the
planted bug ``batched-contract-blind``.)

Hooks. Planted bugs override ``conflict_keys``, ``add_fee``,
``committed_write_set`` or ``merge_fees``; each says what the base guarantees.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass

from txparity.executors.execution import BlockRun, ExecutionPath, Stats
from txparity.executors.model import (
    BlockContext,
    Case,
    Code,
    Deploy,
    Invoke,
    Op,
    Receipt,
    Transaction,
    WriteSet,
    addresses_of,
)
from txparity.executors.parallel import ParallelExecutor, ScheduledView
from txparity.executors.rules import Outcome, apply_transaction, fee_at_block_end, reward_writes
from txparity.executors.schedule import Schedule
from txparity.executors.state import State
from txparity.executors.view import StateView

__all__ = ["BatchPlan", "BatchRun", "BatchedExecutor", "call_closure", "plan_batches"]


@dataclass(frozen=True, slots=True)
class BatchPlan:
    """Batches as lists of transaction indices, and how many conflicts closed one."""

    batches: tuple[tuple[int, ...], ...]
    conflicts: int


CodeAt = Mapping[str, list[Code]]


def call_closure(contract: str, code_at: CodeAt) -> frozenset[str]:
    """``contract`` and every address reachable from it through ``CALL`` operands.

    ``code_at`` lists every code an address may hold at this point of the block.
    """
    reached = {contract}
    frontier = [contract]
    while frontier:
        for callee in _callees(code_at.get(frontier.pop(), [])):
            if callee not in reached:
                reached.add(callee)
                frontier.append(callee)
    return frozenset(reached)


def _callees(codes: list[Code]) -> list[str]:
    return [
        str(instruction.operands[0])
        for code in codes
        for program in code.entries.values()
        for instruction in program
        if instruction.op is Op.CALL
    ]


def plan_batches(keys_per_tx: list[frozenset[str]]) -> BatchPlan:
    """Greedy, contiguous, order-preserving batches from each transaction's keys."""
    batches: list[tuple[int, ...]] = []
    current: list[int] = []
    locked: set[str] = set()
    conflicts = 0
    for index, keys in enumerate(keys_per_tx):
        if current and not locked.isdisjoint(keys):
            batches.append(tuple(current))
            current, locked = [], set()
            conflicts += 1
        current.append(index)
        locked |= keys
    if current:
        batches.append(tuple(current))
    return BatchPlan(tuple(batches), conflicts)


class BatchRun:
    """One batch's parallel phase, shared by its workers.

    Workers take the next transaction index from ``queue`` until it is empty, run
    the rules against ``snapshot`` (the state as the batch began) and record each
    outcome; ``fees`` is the batch's fee total, which the executor's ``add_fee``
    updates. ``lock`` guards the queue, the outcomes and the fee total.
    """

    def __init__(
        self, executor: BatchedExecutor, txs: tuple[Transaction, ...], context: BlockContext,
        batch: tuple[int, ...], snapshot: StateView, schedule: Schedule,
    ) -> None:  # fmt: skip
        self.executor = executor
        self.txs = txs
        self.context = context
        self.batch = batch
        self.snapshot = snapshot
        self.schedule = schedule
        self.queue = list(reversed(batch))
        self.outcomes: dict[int, Outcome] = {}
        self.fees = 0
        self.lock = threading.Lock()

    def worker(self) -> None:
        """Run transactions from the queue until it is empty."""
        while (index := self._take()) is not None:
            view = ScheduledView(self.snapshot, self.schedule, f"tx{index}")
            outcome = apply_transaction(view, self.txs[index], self.context)
            self.executor.add_fee(self, outcome.write_set.fee)
            self.schedule.point(f"tx{index} done")
            with self.lock:
                self.outcomes[index] = outcome

    def _take(self) -> int | None:
        self.schedule.point("take")
        with self.lock:
            return self.queue.pop() if self.queue else None


class BatchedExecutor(ParallelExecutor):
    """Greedy conflict batches, each run concurrently on the schedule's workers."""

    name = "batched"

    # ------------------------------------------------------------ conflict keys

    def conflict_keys(self, tx: Transaction, code_at: CodeAt) -> frozenset[str]:
        """Hook: the addresses that keep ``tx`` out of a batch touching any of them. The
        base gives every address whose items ``tx`` may read or write (see the module
        text): those it names, and for an invoke every contract its calls reach; a
        variant may give fewer (and then batches may race)."""
        if isinstance(tx, Invoke):
            return addresses_of(tx) | call_closure(tx.contract, code_at)
        return addresses_of(tx)

    def keys_per_transaction(self, case: Case) -> list[frozenset[str]]:
        """Each transaction's keys, with code as it may exist at its point in the block."""
        code_at: dict[str, list[Code]] = {
            address: [contract.code] for address, contract in case.genesis.contracts.items()
        }
        keys: list[frozenset[str]] = []
        for tx in case.block.txs:
            keys.append(self.conflict_keys(tx, code_at))
            if isinstance(tx, Deploy) and isinstance(tx.code, Code):
                code_at.setdefault(tx.new_address, []).append(tx.code)
        return keys

    # ------------------------------------------------------------ execution

    def execute_parallel(self, case: Case, state: State, schedule: Schedule) -> BlockRun:
        block, context = case.block, BlockContext.of(case)
        state.commit(reward_writes(state, block))
        plan = plan_batches(self.keys_per_transaction(case))
        fees = 0
        receipts: list[Receipt] = []
        tasks = 0
        for batch in plan.batches:
            run = BatchRun(self, block.txs, context, batch, state.reader(), schedule)
            tasks += self.run_batch(run, case.config.threads)
            for index in batch:
                state.commit(self.committed_write_set(run, index))
                receipts.append(run.outcomes[index].receipt)
            fees = self.merge_fees(fees, run.fees)
        state.commit(fee_at_block_end(state, context, fees))
        stats = Stats(
            ExecutionPath.PARALLEL,
            self.parallel_reason(len(block.txs), case.config.network.parallel_threshold),
            len(block.txs),
            batch_sizes=tuple(len(batch) for batch in plan.batches),
            conflicts=plan.conflicts,
            tasks=tasks,
        )
        return BlockRun(receipts, stats, tuple(schedule.trace))

    def run_batch(self, run: BatchRun, threads: int) -> int:
        """Run ``run``'s transactions on up to ``threads`` workers; return how many."""
        count = min(threads, len(run.batch))
        run.schedule.run([run.worker] * count)
        return count

    # ------------------------------------------------------------ hooks

    def add_fee(self, run: BatchRun, amount: int) -> None:
        """Hook: add an included transaction's ``amount`` to ``run.fees``. The base adds
        atomically, so no fee is lost; a variant may change how, never what is added."""
        with run.lock:
            run.fees += amount

    def committed_write_set(self, run: BatchRun, index: int) -> WriteSet:
        """Hook: what is committed for transaction ``index`` of ``run``. The base commits
        exactly the write set the rules returned; a variant may alter it on the way."""
        return run.outcomes[index].write_set

    def merge_fees(self, block_total: int, batch_total: int) -> int:
        """Hook: the block's fee total after a batch. The base adds the batch's total;
        a variant may combine them otherwise."""
        return block_total + batch_total
