"""The Block-STM executor: the worker loop (the paper's Algorithm 1) and the view
through which an incarnation reads.

Each worker repeatedly takes a task from the scheduler and either executes an
incarnation (``try_execute``) or validates one (``needs_reexecution``). Executing
calls the one transaction-rules function with an ``IncarnationView``: the view
reads through multi-version memory, falls back to the pre-block state, records the
version of every item read, and stops the incarnation with ``_Suspend`` when it
meets an ESTIMATE. ``_Suspend`` is control flow private to this module, the only
exception that crosses the rules function: the rules are pure, so abandoning them
half-way loses nothing.

With ``each_tx``, a read of the miner's TOS balance is resolved lazily
(``IncarnationView``): the value the highest lower writer of that balance left (or
the pre-block one), plus ``FeeKey(k)`` for that writer and every transaction after
it up to the reader, each a versioned read. What an incarnation records is the
hook ``memory_writes``; what a transaction keeps of its incarnations for the commit
is the hook ``keep``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import cast

from txparity.executors.blockstm.mvmemory import (
    Estimate,
    FeeKey,
    Found,
    MemoryKey,
    MVMemory,
    NotFound,
    Version,
)
from txparity.executors.blockstm.scheduler import Scheduler, Task, TaskKind
from txparity.executors.errors import InvariantViolation
from txparity.executors.execution import BlockRun, ExecutionPath, Stats
from txparity.executors.model import (
    NATIVE_ASSET,
    BalanceKey,
    BlockContext,
    Case,
    FeePayment,
    Receipt,
    StateKey,
    StateValue,
    Transaction,
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
from txparity.executors.state import State
from txparity.executors.view import StateView

__all__ = ["BlockStmExecutor", "IncarnationView", "Kept", "miner_balance_key"]


class _Suspend(Exception):
    """An incarnation read an ESTIMATE written by ``blocking_tx``."""

    def __init__(self, blocking_tx: int) -> None:
        super().__init__(blocking_tx)
        self.blocking_tx = blocking_tx


class IncarnationView:
    """What one incarnation of tx ``tx`` reads: its read set, one value per item.

    ``storage`` is the pre-block state, ``context`` the block's. With ``each_tx``
    the miner's TOS balance is no plain item: every transaction credits it, so it
    is read as the highest lower writer's value (or the pre-block one) plus the
    fees (``FeeKey``) of that writer and of every transaction between it and this
    one, each recorded in the read set like any read.
    """

    __slots__ = (
        "_label", "_memory", "_miner_balance", "_schedule", "context", "reads", "storage", "tx",
        "values",
    )  # fmt: skip

    def __init__(
        self, tx: int, memory: MVMemory, storage: StateView, schedule: Schedule,
        context: BlockContext, incarnation: int = 0,
    ) -> None:  # fmt: skip
        self.tx = tx
        self._label = incarnation_label(tx, incarnation)
        self._memory = memory
        self.storage = storage
        self._schedule = schedule
        self.context = context
        self._miner_balance = miner_balance_key(context)
        self.reads: dict[MemoryKey, Version | None] = {}
        self.values: dict[StateKey, StateValue] = {}

    def read(self, key: StateKey) -> StateValue:
        if key in self.values:
            return self.values[key]
        if key == self._miner_balance:
            value: StateValue = self._read_miner_balance(key)
        else:
            value = self._read_item(key)
        self.values[key] = value
        return value

    def _read_item(self, key: MemoryKey) -> StateValue:
        """One versioned read: the highest lower writer's entry, else the pre-block state
        (a ``FeeKey`` is never state: absent, it is 0)."""
        self._schedule.point("{} read {}", self._label, key)
        match self._memory.read(key, self.tx):
            case Estimate(blocking_tx=blocking):
                raise _Suspend(blocking)
            case Found(version=version, value=value):
                self.reads[key] = version
                return value
            case NotFound():
                self.reads[key] = None
                return FeeKey.default if isinstance(key, FeeKey) else self.storage.read(key)
        raise InvariantViolation(f"multi-version memory answered {key} with nothing")

    def _read_miner_balance(self, key: StateKey) -> int:
        """``each_tx``: the last value of the miner's TOS balance written below this
        transaction, plus the fee of that writer and of each transaction after it."""
        written = cast(int, self._read_item(key))
        writer = self.reads[key]
        first = 0 if writer is None else writer[0]
        fees = (cast(int, self._read_item(FeeKey(tx))) for tx in range(first, self.tx))
        return written + sum(fees)


# How the trace names an incarnation: ``tx3.1`` is the second of transaction 3. A
# template, so that a schedule that records nothing never formats it.
INCARNATION = "tx{}.{}"


def incarnation_label(tx: int, incarnation: int) -> str:
    """The name of ``incarnation`` of ``tx`` in a trace (``INCARNATION``)."""
    return INCARNATION.format(tx, incarnation)


def miner_balance_key(context: BlockContext) -> BalanceKey | None:
    """The item every included transaction changes with ``each_tx``; None otherwise."""
    if context.fee_payment is FeePayment.EACH_TX:
        return BalanceKey(context.miner, NATIVE_ASSET)
    return None


@dataclass(frozen=True, slots=True)
class Kept:
    """What a transaction's incarnations leave for its in-order commit: an outcome, and
    the gas that commit adds to the block's gas (SPEC 10.3)."""

    outcome: Outcome
    gas: int


class Tally(Enum):
    """What a block run counts for its statistics."""

    INCARNATIONS = "incarnations"
    ABORTS = "aborts"
    VALIDATIONS = "validations"
    SUSPENSIONS = "suspensions"


class _Counters:
    """One count per ``Tally``, shared by the workers of a run."""

    def __init__(self) -> None:
        self._counts = dict.fromkeys(Tally, 0)
        self._lock = threading.Lock()

    def add(self, tally: Tally) -> None:
        with self._lock:
            self._counts[tally] += 1

    def __getitem__(self, tally: Tally) -> int:
        with self._lock:
            return self._counts[tally]


class _BlockRun:
    """One block's parallel phase: shared by every worker of the run."""

    def __init__(
        self, executor: BlockStmExecutor, txs: tuple[Transaction, ...], context: BlockContext,
        storage: StateView, schedule: Schedule,
    ) -> None:  # fmt: skip
        self.executor = executor
        self.txs = txs
        self.context = context
        self.storage = storage
        self.schedule = schedule
        self.memory = executor.make_memory(len(txs))
        self.scheduler = Scheduler(len(txs))
        self.kept: list[Kept | None] = [None] * len(txs)
        self.counters = _Counters()

    def worker(self) -> None:
        """Algorithm 1: take tasks until the scheduler says the block is done."""
        task: Task | None = None
        while not self.scheduler.done():
            if task is not None and task.kind is TaskKind.EXECUTION:
                task = self.try_execute(task.version)
            if task is not None and task.kind is TaskKind.VALIDATION:
                task = self.needs_reexecution(task.version)
            if task is None:
                task = self.next_task()

    def next_task(self) -> Task | None:
        """Ask for a task; with none to give, stay idle until another worker acts.

        Only taking a task or concluding ``done`` notifies: a worker that found
        nothing changed nothing another idle worker waits for, and notifying then
        would let two idle workers wake each other forever under PCT.
        """
        self.schedule.point("next_task")
        task = self.scheduler.next_task()
        if task is not None or self.scheduler.done():
            self.schedule.notify()
        else:
            self.schedule.idle("idle")
        return task

    def try_execute(self, version: Version) -> Task | None:
        tx, incarnation = version
        while True:
            self.counters.add(Tally.INCARNATIONS)
            view = IncarnationView(
                tx, self.memory, self.storage, self.schedule, self.context, incarnation
            )
            try:
                outcome = apply_transaction(view, self.txs[tx], self.context)
            except _Suspend as suspend:
                blocking = suspend.blocking_tx
                self.schedule.point(INCARNATION + " depends on tx{}", tx, incarnation, blocking)
                if self.scheduler.add_dependency(tx, suspend.blocking_tx):
                    self.counters.add(Tally.SUSPENSIONS)
                    self.schedule.notify()
                    return None
                continue  # the blocking transaction finished meanwhile: run again
            return self.finish(version, view, outcome)

    def finish(self, version: Version, view: IncarnationView, outcome: Outcome) -> Task | None:
        tx, incarnation = version
        self.schedule.point(INCARNATION + " record", tx, incarnation)
        self.kept[tx] = self.executor.keep(self.kept[tx], outcome)
        writes = self.executor.memory_writes(view, outcome)
        wrote_new_item = self.memory.record(version, view.reads, writes)
        self.schedule.point(INCARNATION + " finish execution", tx, incarnation)
        task = self.scheduler.finish_execution(tx, incarnation, wrote_new_item)
        self.schedule.notify()
        return task

    def needs_reexecution(self, version: Version) -> Task | None:
        tx, incarnation = version
        self.schedule.point(INCARNATION + " validate", tx, incarnation)
        self.counters.add(Tally.VALIDATIONS)
        valid = self.executor.validate(self.memory, tx, self.schedule)
        aborted = not valid and self.scheduler.try_validation_abort(tx, incarnation)
        if aborted:
            self.counters.add(Tally.ABORTS)
            self.memory.convert_writes_to_estimates(tx)
        step = "abort" if aborted else "finish validation"
        self.schedule.point(INCARNATION + " {}", tx, incarnation, step)
        task = self.scheduler.finish_validation(tx, aborted)
        self.schedule.notify()
        return task


class BlockStmExecutor(ParallelExecutor):
    """Optimistic execution with validation, after Block-STM (see the package text)."""

    name = "blockstm"

    def make_memory(self, size: int) -> MVMemory:
        """Hook: the multi-version memory of a block of ``size`` transactions. The base
        gives ``MVMemory``; a variant may give a subclass that overrides its hooks."""
        return MVMemory(size)

    def validate(self, memory: MVMemory, tx: int, schedule: Schedule) -> bool:
        """Hook: whether ``tx``'s last incarnation may stand. The base re-reads its read
        set and says False if any item's version changed; a variant may check less."""
        for key, version in memory.last_reads(tx).items():
            schedule.point("tx{} revalidate {}", tx, key)
            if not memory.still_reads(key, tx, version):
                return False
        return True

    def execute_parallel(self, case: Case, state: State, schedule: Schedule) -> BlockRun:
        block, context = case.block, BlockContext.of(case)
        state.commit(reward_writes(state, block))
        run = _BlockRun(self, block.txs, context, state.reader(), schedule)
        self.before_block(case, run.memory)
        schedule.run([run.worker] * case.config.threads)
        receipts = self.commit_in_order(run, state)
        self.after_block(case, run.memory, [kept.outcome for kept in run.kept if kept is not None])
        counters = run.counters
        stats = Stats(
            ExecutionPath.PARALLEL,
            self.parallel_reason(len(block.txs), case.config.network.parallel_threshold),
            len(block.txs),
            tasks=case.config.threads,
            incarnations=counters[Tally.INCARNATIONS],
            aborts=counters[Tally.ABORTS],
            validations=counters[Tally.VALIDATIONS],
            suspensions=counters[Tally.SUSPENSIONS],
        )
        return BlockRun(receipts, stats, tuple(schedule.trace))

    def commit_in_order(self, run: _BlockRun, state: State) -> list[Receipt]:
        """The single writer: each transaction's kept write set, in block order, and its
        fee right after it with ``each_tx``; past the block's gas limit (counted from
        what each transaction kept) ``BLOCK_FULL``; then with ``block_end`` the fee
        deltas summed for the miner."""
        context = run.context
        receipts: list[Receipt] = []
        fees = 0
        block_gas = 0
        for tx, kept in enumerate(run.kept):
            if kept is None:
                raise InvariantViolation(f"Block-STM finished with tx {tx} never executed")
            if is_block_full(context, block_gas):
                receipts.append(BLOCK_FULL.receipt)
                continue
            write_set = kept.outcome.write_set
            state.commit(write_set)
            state.commit(fee_after_transaction(state, context, write_set.fee))
            receipts.append(kept.outcome.receipt)
            fees += write_set.fee
            block_gas += kept.gas
        state.commit(fee_at_block_end(state, context, fees))
        return receipts

    # ------------------------------------------------------------ extension points

    def before_block(self, case: Case, memory: MVMemory) -> None:
        """What an executor built on this one does with the block's fresh memory before
        any worker starts (the predictive executor seeds its predicted writes). The
        base does nothing. Not a hook for planted bugs: it runs on no schedule."""

    def after_block(self, case: Case, memory: MVMemory, outcomes: list[Outcome]) -> None:
        """What an executor built on this one learns once the block is committed, from
        the memory (each transaction's last read set and writes) and each transaction's
        kept outcome. The base does nothing."""

    # ------------------------------------------------------------ hooks

    def keep(self, previous: Kept | None, latest: Outcome) -> Kept:
        """Hook: what a transaction keeps for its commit once an incarnation of it has
        executed, given what it kept before (None for its first). The base keeps the
        latest outcome alone, and its ``gas_used`` for the block's gas: an aborted
        incarnation leaves neither logs nor gas behind; a variant may keep more."""
        return Kept(latest, latest.receipt.gas_used)

    def memory_writes(
        self, view: IncarnationView, outcome: Outcome
    ) -> Mapping[MemoryKey, StateValue]:
        """Hook: what the incarnation that read through ``view`` records in multi-version
        memory. The base records its write set's items and, with ``each_tx``, its fee
        as ``FeeKey(view.tx)`` (none when it is 0): a delta that reads of the miner's
        balance add lazily, so fees never conflict; a variant may record otherwise."""
        writes: dict[MemoryKey, StateValue] = {
            key: value for key, value in outcome.write_set.writes.items()
        }
        fee = outcome.write_set.fee
        if view.context.fee_payment is FeePayment.EACH_TX and fee:
            writes[FeeKey(view.tx)] = fee
        return writes
