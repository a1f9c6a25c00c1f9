"""The read/write-lock executor: prediction, the rounds, the worker loop and the view
through which a locked run reads (see the package text for the algorithm).

Hooks: ``footprint`` (the items a run's reads and writes need requests on),
``read_unannounced`` (what a read outside the announced requests does) and
``stale_readers`` (whom a write outside them makes stale); each says what the base
guarantees.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import cast

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
from txparity.executors.parallel import DEFAULT_WATCHDOG_S, ParallelExecutor, ScheduledView
from txparity.executors.rules import (
    BLOCK_FULL,
    Outcome,
    apply_transaction,
    fee_after_transaction,
    fee_at_block_end,
    is_block_full,
    reward_writes,
)
from txparity.executors.rwlock.locks import Access, LockTable, Mode, TxState
from txparity.executors.schedule import Schedule
from txparity.executors.state import State
from txparity.executors.view import StateView

__all__ = ["LockedView", "RecordingView", "RwLockExecutor", "miner_fee_key"]


def miner_fee_key(context: BlockContext) -> BalanceKey | None:
    """With ``each_tx``, the item every included transaction adds its fee to."""
    if context.fee_payment is FeePayment.EACH_TX:
        return BalanceKey(context.miner, NATIVE_ASSET)
    return None


class RecordingView:
    """A view over ``base`` that remembers every item read, in the order first read."""

    __slots__ = ("_base", "reads")

    def __init__(self, base: StateView) -> None:
        self._base = base
        self.reads: dict[StateKey, None] = {}

    def read(self, key: StateKey) -> StateValue:
        self.reads[key] = None
        return self._base.read(key)


class _Cut(Exception):
    """The running transaction is at or past the round's cut: its run is discarded."""


class _Wait(Exception):
    """The running transaction read an item an earlier transaction still writes."""


class LockedView:
    """What one run of transaction ``tx`` reads: each item once, as the latest earlier
    finished writer of the round left it (or as the round began), plus, for the
    miner's balance under ``each_tx``, the fees of the transactions since."""

    __slots__ = ("_round", "tx", "values")

    def __init__(self, run: _Round, tx: int) -> None:
        self._round = run
        self.tx = tx
        self.values: dict[StateKey, StateValue] = {}

    def read(self, key: StateKey) -> StateValue:
        if key in self.values:
            return self.values[key]
        run, tx = self._round, self.tx
        run.schedule.point("tx{} read {}", tx, key)
        table = run.table
        with table.lock:
            if tx >= table.cut:
                raise _Cut
            mode = table.mode(tx, key)
            if mode is None or not mode.reads:
                run.count("unannounced")
                if not run.executor.read_unannounced(table, tx, key):
                    raise _Wait
            writer = table.latest_writer(tx, key)
            written = None if writer is None else table.outcome(writer).write_set.writes[key]
            fees = run.fees_between(table.first if writer is None else writer, tx)
        value = run.storage.read(key) if writer is None else written
        if key == run.fee_key:
            value = cast(int, value) + fees
        self.values[key] = value
        return value


@dataclass(frozen=True, slots=True)
class RoundResult:
    """What one round leaves: the outcomes below its cut, in block order, and each
    one's level in the graph of whom it waited for (1: it waited for nobody of the
    round)."""

    outcomes: Mapping[int, Outcome]
    levels: Mapping[int, int]

    def waves(self, committed: int) -> tuple[int, ...]:
        """How many of the first ``committed`` outcomes are at each level: the waves in
        which they could all have run."""
        levels = list(self.levels.values())[:committed]
        waves = [0] * max(levels, default=0)
        for level in levels:
            waves[level - 1] += 1
        return tuple(waves)


class _Round:
    """One round's parallel phase, shared by its workers."""

    def __init__(
        self, executor: RwLockExecutor, txs: tuple[Transaction, ...], context: BlockContext,
        table: LockTable, storage: StateView, schedule: Schedule,
    ) -> None:  # fmt: skip
        self.executor = executor
        self.txs = txs
        self.context = context
        self.table = table
        self.storage = storage
        self.schedule = schedule
        self.fee_key = miner_fee_key(context)
        self.counts = dict.fromkeys(("runs", "waits", "unannounced"), 0)
        self._counts_lock = threading.Lock()

    def count(self, what: str) -> None:
        with self._counts_lock:
            self.counts[what] += 1

    def fees_between(self, low: int, high: int) -> int:
        """Under the table's lock: the fees of the finished transactions from ``low`` to
        ``high - 1`` (with ``each_tx``, every one of them has finished when a read
        needs this)."""
        if self.fee_key is None:
            return 0
        table = self.table
        return sum(
            table.outcome(tx).write_set.fee
            for tx in range(max(low, table.first), high)
            if table.state(tx) is TxState.FINISHED
        )

    def worker(self) -> None:
        """Take granted transactions and run them until the round is done."""
        while True:
            self.schedule.point("take")
            with self.table.lock:
                done = self.table.round_done()
                tx = None if done else self.table.take()
            if done:
                self.schedule.notify()
                return
            if tx is None:
                self.schedule.idle("idle")
                continue
            self.run(tx)

    def run(self, tx: int) -> None:
        self.count("runs")
        view = LockedView(self, tx)
        try:
            outcome = apply_transaction(view, self.txs[tx], self.context)
        except _Wait:
            self.count("waits")
            return
        except _Cut:
            self._discard(tx)
            return
        self.schedule.point("tx{} finish", tx)
        with self.table.lock:
            if tx >= self.table.cut:
                self.table.give_back(tx)
            else:
                self._check_writes(tx, view, outcome)
                self.table.finish(tx, outcome)
        self.schedule.notify()

    def _discard(self, tx: int) -> None:
        with self.table.lock:
            self.table.give_back(tx)
        self.schedule.notify()

    def _check_writes(self, tx: int, view: LockedView, outcome: Outcome) -> None:
        """Under the table's lock: every item ``tx`` wrote without a request to write it
        makes the later transactions that may have read it stale; cut the round at
        the first of them."""
        access = self.executor.footprint(self.txs[tx], view.values, outcome.write_set.writes)
        for key in access.writes:
            if self.table.mode(tx, key) is not Mode.WRITE:
                self.count("unannounced")
                stale = self.executor.stale_readers(self.table, tx, key)
                if stale:
                    self.table.lower_cut(min(stale))

    def result(self) -> RoundResult:
        outcomes = self.table.outcomes()
        levels: dict[int, int] = {}
        for tx in outcomes:
            earlier = [levels[j] for j in self.table.waited_on(tx) if j in levels]
            levels[tx] = 1 + max(earlier, default=0)
        return RoundResult(outcomes, levels)


class _Prediction:
    """The speculative runs of a round's transactions against its starting state,
    shared by the workers that run them."""

    def __init__(
        self, executor: RwLockExecutor, txs: tuple[Transaction, ...], context: BlockContext,
        first: int, storage: StateView, schedule: Schedule,
    ) -> None:  # fmt: skip
        self.executor = executor
        self.txs = txs
        self.context = context
        self.first = first
        self.storage = storage
        self.schedule = schedule
        self.queue = list(reversed(range(first, len(txs))))
        self.requests: dict[int, dict[StateKey, Mode]] = {}
        self.lock = threading.Lock()

    def worker(self) -> None:
        while (tx := self._take()) is not None:
            view = RecordingView(ScheduledView(self.storage, self.schedule, f"predict tx{tx}"))
            outcome = apply_transaction(view, self.txs[tx], self.context)
            access = self.executor.footprint(self.txs[tx], view.reads, outcome.write_set.writes)
            requests = access.requests()
            fee_key = miner_fee_key(self.context)
            if fee_key is not None:
                requests[fee_key] = requests.get(fee_key, Mode.ADD).joined(Mode.ADD)
            with self.lock:
                self.requests[tx] = requests

    def _take(self) -> int | None:
        self.schedule.point("predict take")
        with self.lock:
            return self.queue.pop() if self.queue else None

    def in_order(self) -> list[dict[StateKey, Mode]]:
        return [self.requests[tx] for tx in range(self.first, len(self.txs))]


@dataclass(slots=True)
class _Tally:
    block_gas: int = 0
    fees: int = 0
    rounds: int = 0
    tasks: int = 0
    waves: tuple[int, ...] = ()
    runs: int = 0
    discarded: int = 0
    waits: int = 0
    unannounced: int = 0


class RwLockExecutor(ParallelExecutor):
    """Read/write locks on state items, announced by a speculative run (see the package
    text)."""

    name = "rwlock"

    def __init__(self, schedule: str = "threads", watchdog_s: float = DEFAULT_WATCHDOG_S):
        super().__init__(schedule, watchdog_s)
        # The waves of the block this object ran last, for benchmarks and tests: never
        # in ``Stats.batch_sizes``, which reports read as contiguous batches in block
        # order, and waves are not.
        self.last_waves: tuple[int, ...] = ()

    def execute_parallel(self, case: Case, state: State, schedule: Schedule) -> BlockRun:
        block, context = case.block, BlockContext.of(case)
        state.commit(reward_writes(state, block))
        tally = _Tally()
        receipts: list[Receipt] = []
        count = len(block.txs)
        while len(receipts) < count:
            if is_block_full(context, tally.block_gas):
                receipts += [BLOCK_FULL.receipt] * (count - len(receipts))
                break
            result = self.run_round(case, context, len(receipts), state.reader(), schedule, tally)
            self._commit(result, context, state, tally, receipts)
        state.commit(fee_at_block_end(state, context, tally.fees))
        self.last_waves = tally.waves
        stats = Stats(
            ExecutionPath.PARALLEL,
            self.parallel_reason(count, case.config.network.parallel_threshold),
            count,
            conflicts=tally.rounds - 1,
            tasks=tally.tasks,
            incarnations=tally.runs,
            aborts=tally.discarded,
            validations=tally.unannounced,
            suspensions=tally.waits,
        )
        return BlockRun(receipts, stats, tuple(schedule.trace))

    def run_round(
        self, case: Case, context: BlockContext, first: int, storage: StateView,
        schedule: Schedule, tally: _Tally,
    ) -> RoundResult:  # fmt: skip
        """Predict the requests of the transactions from ``first`` on, then run them
        under their locks until every one below the round's cut has finished."""
        txs = case.block.txs
        workers = min(case.config.threads, len(txs) - first)
        prediction = _Prediction(self, txs, context, first, storage, schedule)
        schedule.run([prediction.worker] * workers)
        table = LockTable(first, prediction.in_order())
        run = _Round(self, txs, context, table, storage, schedule)
        schedule.run([run.worker] * workers)
        result = run.result()
        tally.rounds += 1
        tally.tasks += workers
        tally.runs += run.counts["runs"]
        # Every run that neither stands nor stopped to wait was discarded past the cut,
        # in flight or finished.
        tally.discarded += run.counts["runs"] - run.counts["waits"] - len(result.outcomes)
        tally.waits += run.counts["waits"]
        tally.unannounced += run.counts["unannounced"]
        return result

    def _commit(
        self, result: RoundResult, context: BlockContext, state: State, tally: _Tally,
        receipts: list[Receipt],
    ) -> None:  # fmt: skip
        """The round's outcomes below its cut, in block order, each write set then (with
        ``each_tx``) its fee; past the block's gas limit, ``BLOCK_FULL``."""
        if not result.outcomes:
            raise InvariantViolation("rwlock: a round finished no transaction")
        committed = 0
        for outcome in result.outcomes.values():
            if is_block_full(context, tally.block_gas):
                break
            write_set = outcome.write_set
            state.commit(write_set)
            state.commit(fee_after_transaction(state, context, write_set.fee))
            receipts.append(outcome.receipt)
            tally.fees += write_set.fee
            tally.block_gas += outcome.receipt.gas_used
            committed += 1
        tally.waves += result.waves(committed)

    # ------------------------------------------------------------ hooks

    def footprint(
        self,
        tx: Transaction,
        reads: Collection[StateKey],
        writes: Collection[StateKey],
    ) -> Access:
        """Hook: the items a run of ``tx`` that read ``reads`` and wrote ``writes`` needs
        requests on. It makes the requests a speculative run announces, and, after a
        locked run, tells which of its writes were not announced. The base gives every
        item read and every item written; a variant may leave some out (then neither
        the announcement nor the check after the run sees them)."""
        return Access(frozenset(reads), frozenset(writes))

    def read_unannounced(self, table: LockTable, tx: int, key: StateKey) -> bool:
        """Hook: a running ``tx`` reads ``key``, which its requests do not cover (its
        speculative run did not read it): True to read it now, False to wait (``tx``
        runs again once the earlier writers of ``key`` have finished). Called under the
        table's lock. The base announces the read first, so that an earlier
        transaction that writes ``key`` unannounced sees it when it finishes, and waits
        for every earlier announced writer of ``key``; a variant may read without
        announcing (and then a stale read can stand)."""
        return table.announce_read(tx, key)

    def stale_readers(self, table: LockTable, tx: int, key: StateKey) -> list[int]:
        """Hook: the later transactions that a write of ``key`` by ``tx``, which ``tx``
        did not announce as a write, makes stale: every one below the cut that has
        started (running or finished) with a request that reads ``key``, since it may
        have read ``key`` before ``tx`` wrote it. Called under the table's lock as
        ``tx`` finishes; the round is cut at the first of them. The base lists them
        all; a variant may overlook some (and then a stale read commits)."""
        return [
            other
            for other in table.requesters(key)
            if tx < other < table.cut
            and table.state(other) is not TxState.PENDING
            and cast(Mode, table.mode(other, key)).reads
        ]
