"""The sharded executor: the plan, the shard workers, the cross-shard handshake and
the in-order commit (see the package text for the algorithm).

Hooks: ``directory`` (where the block's addresses live), ``shard_order`` (the order
of a shard's queue) and ``portion`` (what a shard applies of a transaction's
outcome); each says what the base guarantees.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Set
from dataclasses import dataclass, field
from typing import cast

from txparity.executors.batched import balances_read, call_closure
from txparity.executors.errors import InvariantViolation
from txparity.executors.execution import BlockRun, ExecutionPath, Stats
from txparity.executors.model import (
    NATIVE_ASSET,
    BalanceKey,
    BlockContext,
    BurnedKey,
    Case,
    Code,
    Deploy,
    FeePayment,
    Invoke,
    Receipt,
    StateKey,
    StateValue,
    Transaction,
    WriteSet,
    addresses_of,
)
from txparity.executors.parallel import ParallelExecutor
from txparity.executors.rules import (
    BLOCK_FULL,
    Outcome,
    apply_transaction,
    fee_after_transaction,
    fee_at_block_end,
    is_block_full,
    reward_writes,
)
from txparity.executors.schedule import Schedule
from txparity.executors.sharded.directory import Directory
from txparity.executors.state import State
from txparity.executors.view import StateView

__all__ = ["ShardPlan", "ShardRun", "ShardedExecutor", "address_of"]


def address_of(key: StateKey) -> str:
    """The address whose item ``key`` is (every key but a burn total has one)."""
    if isinstance(key, BurnedKey):
        raise InvariantViolation("burn totals travel as deltas and are never read")
    return key.address


@dataclass(frozen=True, slots=True)
class ShardPlan:
    """Which shards each transaction involves, and each shard's queue."""

    directory: Directory
    addresses: tuple[frozenset[str], ...]  # every address each transaction may touch
    shards_of: tuple[frozenset[int], ...]
    queues: tuple[tuple[int, ...], ...]

    def is_cross(self, tx: int) -> bool:
        return len(self.shards_of[tx]) > 1

    def cross_shard(self) -> int:
        """How many transactions involve more than one shard."""
        return sum(1 for shards in self.shards_of if len(shards) > 1)

    def waves(self) -> tuple[int, ...]:
        """How many transactions finish at each step if every one takes one step and
        waits for the one before it in each of its shards' queues: the parallelism the
        plan keeps."""
        step: dict[int, int] = {}
        last = [0] * len(self.queues)
        for tx in self._in_dependency_order():
            step[tx] = 1 + max(last[shard] for shard in self.shards_of[tx])
            for shard in self.shards_of[tx]:
                last[shard] = step[tx]
        waves = [0] * max(step.values(), default=0)
        for finished in step.values():
            waves[finished - 1] += 1
        return tuple(waves)

    def _in_dependency_order(self) -> Iterator[int]:
        """Every transaction once all its predecessors in each of its queues are out."""
        position = [0] * len(self.queues)
        remaining = sum(len(queue) for queue in self.queues)
        emitted: set[int] = set()
        while remaining:
            progressed = False
            for shard, queue in enumerate(self.queues):
                while position[shard] < len(queue):
                    tx = queue[position[shard]]
                    heads = [self.queues[s][position[s]] if position[s] < len(self.queues[s])
                             else None for s in self.shards_of[tx]]  # fmt: skip
                    if tx not in emitted and any(head != tx for head in heads):
                        break
                    if tx not in emitted:
                        emitted.add(tx)
                        yield tx
                    position[shard] += 1
                    remaining -= 1
                    progressed = True
            if not progressed:
                raise InvariantViolation("sharded: the queues order two transactions both ways")


@dataclass(slots=True)
class _Crossing:
    """A cross-shard transaction's handshake: the shards that reached it, and whether
    it ran."""

    arrived: set[int] = field(default_factory=set)
    done: bool = False


class ShardRun:
    """One block's parallel phase, shared by the shard workers.

    ``partitions[s]`` holds the writes of the transactions shard ``s`` has applied,
    over the block's starting state (``storage``); only shard ``s``'s worker touches
    it, or the worker running a cross-shard transaction of ``s`` while ``s`` waits.
    ``lock`` guards the handshakes, the outcomes and the fee accumulator.
    """

    def __init__(
        self, executor: ShardedExecutor, case: Case, plan: ShardPlan, storage: StateView,
        schedule: Schedule,
    ) -> None:  # fmt: skip
        self.executor = executor
        self.txs = case.block.txs
        self.context = BlockContext.of(case)
        self.plan = plan
        self.storage = storage
        self.schedule = schedule
        self.partitions: list[dict[StateKey, StateValue]] = [{} for _ in plan.queues]
        self.crossings = {tx: _Crossing() for tx in range(len(self.txs)) if plan.is_cross(tx)}
        self.applied: dict[int, tuple[Outcome, dict[StateKey, StateValue]]] = {}
        self.fee_key = (
            BalanceKey(self.context.miner, NATIVE_ASSET)
            if self.context.fee_payment is FeePayment.EACH_TX
            else None
        )
        self.unfolded_fees = 0  # each_tx: fees since the miner's balance was last folded
        self.lock = threading.Lock()

    # ------------------------------------------------------------ where items live

    def home(self, address: str) -> int:
        return self.plan.directory.home(address)

    def partition_of(self, key: StateKey, tx: int) -> int:
        """The shard whose partition holds ``key`` for transaction ``tx``: its address's
        home, except what a deploy creates, which it creates in its deployer's shard."""
        deploy = self.txs[tx]
        address = address_of(key)
        if isinstance(deploy, Deploy) and address == deploy.new_address:
            return self.home(deploy.source)
        return self.home(address)

    def read(self, shard: int, key: StateKey) -> StateValue:
        """``key`` as shard ``shard``'s partition holds it."""
        partition = self.partitions[shard]
        return partition[key] if key in partition else self.storage.read(key)

    # ------------------------------------------------------------ the workers

    def worker_of(self, shard: int) -> ShardWorker:
        return ShardWorker(self, shard)

    def execute(self, tx: int) -> None:
        """Run ``tx`` against its shards' partitions (all of them at ``tx``: they are its
        own, or waiting for it) and apply each shard's portion."""
        shards = self.plan.shards_of[tx]
        if self.fee_key is not None and self.context.miner in self.plan.addresses[tx]:
            self._fold_fees()
        view = _ShardView(self, tx, shards)
        outcome = apply_transaction(view, self.txs[tx], self.context)
        applied: dict[StateKey, StateValue] = {}
        for shard in sorted(shards):
            portion = self.executor.portion(self, tx, outcome, shard)
            self.partitions[shard].update(portion)
            applied.update(portion)
        stray = [
            key for key in outcome.write_set.writes if self.partition_of(key, tx) not in shards
        ]
        if stray:
            raise InvariantViolation(f"sharded: tx {tx} wrote {stray[0]} outside its shards")
        with self.lock:
            self.applied[tx] = (outcome, applied)
            self.unfolded_fees += outcome.write_set.fee

    def _fold_fees(self) -> None:
        """``each_tx``, before a transaction that reads the miner's balance, which waits
        for every earlier transaction: add the fees paid since the last fold to the
        balance in the miner's partition, so that it reads every earlier fee."""
        key = cast(BalanceKey, self.fee_key)
        shard = self.home(key.address)
        with self.lock:
            fees, self.unfolded_fees = self.unfolded_fees, 0
        self.partitions[shard][key] = cast(int, self.read(shard, key)) + fees

    def arrive(self, tx: int, shard: int) -> bool:
        """Shard ``shard`` reached cross-shard ``tx``: True if it is the last of its shards
        to arrive, and so runs it."""
        with self.lock:
            crossing = self.crossings[tx]
            crossing.arrived.add(shard)
            return crossing.arrived == set(self.plan.shards_of[tx])

    def ran(self, tx: int) -> bool:
        with self.lock:
            return self.crossings[tx].done

    def mark_ran(self, tx: int) -> None:
        with self.lock:
            self.crossings[tx].done = True


class _ShardView:
    """What transaction ``tx`` reads: each item from the partition of its shard that
    holds it; an item outside ``tx``'s shards is a planning error."""

    __slots__ = ("_run", "_shards", "_tx")

    def __init__(self, run: ShardRun, tx: int, shards: frozenset[int]) -> None:
        self._run = run
        self._tx = tx
        self._shards = shards

    def read(self, key: StateKey) -> StateValue:
        run, tx = self._run, self._tx
        run.schedule.point("tx{} read {}", tx, key)
        shard = run.partition_of(key, tx)
        if shard not in self._shards:
            raise InvariantViolation(f"sharded: tx {tx} read {key}, which lives outside its shards")
        return run.read(shard, key)


class ShardWorker:
    """Shard ``shard``'s worker: its queue, one transaction after another; at a
    cross-shard one, the handshake."""

    def __init__(self, run: ShardRun, shard: int) -> None:
        self.run = run
        self.shard = shard

    def __call__(self) -> None:
        run = self.run
        for tx in run.plan.queues[self.shard]:
            run.schedule.point("shard{} tx{}", self.shard, tx)
            if not run.plan.is_cross(tx):
                run.execute(tx)
            elif run.arrive(tx, self.shard):
                run.execute(tx)
                run.mark_ran(tx)
                run.schedule.notify()
            else:
                while not run.ran(tx):
                    run.schedule.idle("shard{} waits for tx{}", self.shard, tx)


@dataclass(slots=True)
class _Committed:
    receipts: list[Receipt] = field(default_factory=list)
    block_gas: int = 0
    fees: int = 0


class ShardedExecutor(ParallelExecutor):
    """Accounts partitioned into shards; cross-shard transactions by handshake (see the
    package text)."""

    name = "sharded"

    def plan(self, case: Case) -> ShardPlan:
        """The block's shards per transaction and queues per shard."""
        shards = case.config.threads
        directory = self.directory(case, shards)
        context = BlockContext.of(case)
        addresses = tuple(self.addresses_per_transaction(case))
        involved = tuple(
            self._shards(tx, keys, directory, context, shards)
            for tx, keys in zip(case.block.txs, addresses, strict=True)
        )
        queues = tuple(
            tuple(self.shard_order(
                shard,
                [tx for tx, its in enumerate(involved) if shard in its],
                frozenset(tx for tx, its in enumerate(involved) if len(its) > 1),
            ))
            for shard in range(shards)
        )  # fmt: skip
        return ShardPlan(directory, addresses, involved, queues)

    def _shards(
        self, tx: Transaction, addresses: frozenset[str], directory: Directory,
        context: BlockContext, shards: int,
    ) -> frozenset[int]:  # fmt: skip
        if context.fee_payment is FeePayment.EACH_TX and context.miner in addresses:
            return frozenset(range(shards))  # it reads the miner: every earlier fee
        if isinstance(tx, Deploy):  # it runs, and creates, in its deployer's shard
            addresses = addresses - {tx.new_address} | {tx.source}
        return frozenset(directory.home(address) for address in addresses)

    def addresses_per_transaction(self, case: Case) -> Iterator[frozenset[str]]:
        """Every address each transaction may read or write, with code as it may exist
        at its point in the block (the batched executor's complete keys)."""
        code_at: dict[str, list[Code]] = {
            address: [contract.code] for address, contract in case.genesis.contracts.items()
        }
        for tx in case.block.txs:
            if isinstance(tx, Invoke):
                closure = call_closure(tx.contract, code_at)
                yield addresses_of(tx) | closure | balances_read(closure, code_at)
            else:
                yield addresses_of(tx)
            if isinstance(tx, Deploy) and isinstance(tx.code, Code):
                code_at.setdefault(tx.new_address, []).append(tx.code)

    def execute_parallel(self, case: Case, state: State, schedule: Schedule) -> BlockRun:
        block, context = case.block, BlockContext.of(case)
        state.commit(reward_writes(state, block))
        plan = self.plan(case)
        run = ShardRun(self, case, plan, state.reader(), schedule)
        schedule.run([run.worker_of(shard) for shard in range(len(plan.queues))])
        committed = self._commit(run, state)
        state.commit(fee_at_block_end(state, context, committed.fees))
        stats = Stats(
            ExecutionPath.PARALLEL,
            self.parallel_reason(len(block.txs), case.config.network.parallel_threshold),
            len(block.txs),
            conflicts=plan.cross_shard(),
            tasks=len(plan.queues),
        )
        return BlockRun(committed.receipts, stats, tuple(schedule.trace))

    def _commit(self, run: ShardRun, state: State) -> _Committed:
        """Every transaction's applied writes in block order, then (``each_tx``) its
        fee; past the block's gas limit, ``BLOCK_FULL``."""
        context = run.context
        committed = _Committed()
        for tx in range(len(run.txs)):
            if is_block_full(context, committed.block_gas):
                committed.receipts.append(BLOCK_FULL.receipt)
                continue
            outcome, applied = run.applied[tx]
            write_set = outcome.write_set
            state.commit(WriteSet(applied, write_set.fee, write_set.burned))
            state.commit(fee_after_transaction(state, context, write_set.fee))
            committed.receipts.append(outcome.receipt)
            committed.fees += write_set.fee
            committed.block_gas += outcome.receipt.gas_used
        return committed

    # ------------------------------------------------------------ hooks

    def directory(self, case: Case, shards: int) -> Directory:
        """Hook: where the block's addresses live. The base refreshes the genesis
        placement with every address the block's deploys create, each in its
        deployer's shard, where the deploy creates it; a variant may plan with another
        map (and then a transaction may be queued in a shard that does not hold what it
        touches)."""
        deploys = (tx for tx in case.block.txs if isinstance(tx, Deploy))
        return Directory.at_genesis(case, shards).with_deploys(deploys)

    def shard_order(self, shard: int, queue: list[int], cross: Set[int]) -> list[int]:
        """Hook: the order in which shard ``shard`` runs ``queue`` (its transactions, in
        block order; ``cross`` holds the block's cross-shard ones). The base keeps block
        order, so that every transaction that shares a shard with another runs after it
        exactly when it comes after it in the block; a variant may reorder (any order
        that keeps the cross-shard ones in block order cannot deadlock)."""
        return queue

    def portion(
        self, run: ShardRun, tx: int, outcome: Outcome, shard: int
    ) -> Mapping[StateKey, StateValue]:
        """Hook: what shard ``shard`` applies to its partition of ``tx``'s outcome. The
        base applies exactly the outcome's writes to items its partition holds, so a
        transaction that failed applies in every shard what the rules kept (a
        reverted invoke its nonce and fee, a rejected one nothing); a variant may apply
        more."""
        return {
            key: value
            for key, value in outcome.write_set.writes.items()
            if run.partition_of(key, tx) == shard
        }
