"""Conflict batching: the TOS chain's parallel executor, with complete conflict keys.

Algorithm. Walk the block's transactions in order, keeping the set of keys locked
by the current batch. A transaction that finds one of the keys it checks locked
closes the batch (if it is not empty) and starts a new one; otherwise it joins the
batch and locks its keys. Batches are therefore greedy, contiguous and
order-preserving. Batches run one after another; inside a batch the transactions
run concurrently against the state as it stood when the batch began, then their
write sets are committed in block order by one writer.

Invariant. Two transactions in one batch touch disjoint state, so each one reads,
from the batch's starting state, exactly what it would read after its predecessors
in the block: the parallel result equals the sequential one. That holds only if
the keys cover every item a transaction may read or write:

- its source, and every transfer destination (their existence, nonce and balances);
- for an invoke, the contract and every contract reachable from it through ``CALL``
  operands, transitively, through the code that may exist at that point of the
  block (genesis contracts and every earlier deploy, rejected or not, and the
  copies ``CLONE`` makes: more keys is safe), and every ``BALANCEOF`` operand of
  that code;
- for a deploy, the new address: ``<source>.<nonce>``, or ``<source>.s<salt>``.

Keys are addresses: one address covers all of its items (its nonce, balances,
code, contract nonce, and its storage under every creation), and the addresses a
transaction names are ``model.addresses_of``, the ones reports show. An address is
both locked and checked. The miner's fee credit and the ``burned`` totals are
block-level accumulators, not keys: workers add each included transaction's fee to
the batch's total atomically and burns travel as deltas in the write sets, so they
never serialize the block. (The TOS chain keyed only sources and transfer
destinations, which made contract calls race; that is the planted bug
``batched-contract-blind``.)

Version 2 (SPEC 10), case by case, and why each is exact:

- ``DESTROY`` and revival. A run destroys only contracts it has a frame of, which
  are in its call closure, and sweeps their balances to its source: all keys. A
  revived contract is created by a deploy (its new address is a key) or a
  ``CLONE`` (below); its storage lives under its new creation, which every reader
  learns from the address's code item, so the address alone orders a destroy, a
  revival and every later read of the address.
- ``BALANCEOF``. Its operand's existence and TOS balance are read: the operand is a
  key, so a later transaction paying, debiting, creating or destroying that
  address is not in the same batch.
- ``CLONE``. It creates ``<c>.<n>`` with ``n`` the nonce ``c`` has when it runs, which
  the planner cannot know. So keys name clone spaces instead: an invoke whose
  closure holds a contract ``c`` whose code may ``CLONE`` *creates in* ``c``'s space
  (``c`` itself, its nonce included, is already a key); a transaction with a key of
  the form ``<c>.<n>`` (``model.clone_creator``: a transfer destination, an invoke's
  contract, a ``CALL`` or ``BALANCEOF`` operand, a deploy's unsalted address) *names
  in* ``c``'s space. A creator conflicts with creators and namers of its space, a
  namer only with creators: two transfers to ``a.1`` and ``a.2`` share a batch, as in
  version 1, where no code can ``CLONE``. These keys are one-sided: a creator locks
  ``creates:c.*`` and checks both, a namer locks ``names:c.*`` and checks
  ``creates:c.*`` (``BatchKeys``).
- ``fee_payment: each_tx``. Every included transaction credits the miner right
  after itself, and a transaction that reads the miner's TOS balance must see every
  earlier fee. Fees stay deltas: every transaction locks the pseudo-key
  ``FEES_KEY``, and only one whose keys hold the miner (it may read or write the
  miner's balance) checks it, so it closes a non-empty batch and is the first of
  the next, whose snapshot holds every earlier fee. Each batch's fee total is
  credited right after its write sets; that equals a credit after each transaction
  because no other transaction of the batch reads or writes the miner's TOS
  balance (it would hold the miner as a key and check ``FEES_KEY``).
- ``gas_limit``. No transaction's result depends on a later one, so the plan
  ignores gas and the cut is applied when committing, in block order: the block's
  gas is summed over the committed transactions; once ``is_block_full``, every
  later outcome becomes ``BLOCK_FULL``, its write set discarded and its fee taken
  back out of its batch's total, and later batches do not run at all (the
  statistics' batch sizes are those of the batches that ran; ``conflicts`` is the
  plan's, made for the whole block before any batch ran).
- Logs are part of each receipt, which the one run of each transaction produces.

Hooks. Planted bugs override ``conflict_keys``, ``waits_for_fees``, ``add_fee``,
``committed_write_set``, ``merge_fees`` or ``gas_before_batch``; each says what the
base guarantees.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from txparity.executors.execution import BlockRun, ExecutionPath, Stats
from txparity.executors.model import (
    BlockContext,
    Case,
    Code,
    Deploy,
    FeePayment,
    Invoke,
    Op,
    Receipt,
    Transaction,
    WriteSet,
    addresses_of,
    clone_creator,
)
from txparity.executors.parallel import ParallelExecutor, ScheduledView
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

__all__ = [
    "FEES_KEY",
    "BatchKeys",
    "BatchPlan",
    "BatchRun",
    "BatchedExecutor",
    "balances_read",
    "call_closure",
    "codes_at",
    "plan_batches",
]

FEES_KEY = "fees:each_tx"
"""Locked by every transaction of an ``each_tx`` block, checked by those that must
see every earlier fee. Pseudo-keys hold a ``:``, which no address does (SPEC 1), so
they never meet an address (``creates:``, ``names:`` too)."""


def created_in(creator: str) -> str:
    """The key of ``creator``'s clone space, as locked by a run that may ``CLONE`` there."""
    return f"creates:{creator}.*"


def named_in(creator: str) -> str:
    """The key of ``creator``'s clone space, as locked by a transaction naming an
    address of it."""
    return f"names:{creator}.*"


@dataclass(frozen=True, slots=True)
class BatchKeys:
    """What a transaction locks in its batch, and what it must not find locked there
    (it then starts a new batch). An address is in both; the pseudo-keys of clone
    spaces and fees are one-sided (see the module text)."""

    locks: frozenset[str]
    checks: frozenset[str]

    @staticmethod
    def of(addresses: frozenset[str]) -> BatchKeys:
        """Keys that are all addresses: each locked and checked."""
        return BatchKeys(addresses, addresses)


@dataclass(frozen=True, slots=True)
class BatchPlan:
    """Batches as lists of transaction indices, and how many conflicts closed one."""

    batches: tuple[tuple[int, ...], ...]
    conflicts: int


CodeAt = Mapping[str, list[Code]]


def codes_at(address: str, code_at: CodeAt) -> list[Code]:
    """Every code ``address`` may hold at this point of the block: its own (``code_at``
    lists genesis code and every earlier deploy's) and, if it has the form ``<c>.<n>``,
    every code of ``c`` that can ``CLONE``, since a clone is a copy of its creator."""
    codes = list(code_at.get(address, []))
    creator = clone_creator(address)
    if creator is not None:
        codes += [code for code in codes_at(creator, code_at) if can_clone(code)]
    return codes


def can_clone(code: Code) -> bool:
    """Whether a run of ``code`` may create a contract (``CLONE``)."""
    return any(
        instruction.op is Op.CLONE for program in code.entries.values() for instruction in program
    )


def call_closure(contract: str, code_at: CodeAt) -> frozenset[str]:
    """``contract`` and every address reachable from it through ``CALL`` operands,
    following every code each address may hold (``codes_at``)."""
    reached = {contract}
    frontier = [contract]
    while frontier:
        for code in codes_at(frontier.pop(), code_at):
            for callee in _operands(code, Op.CALL):
                if callee not in reached:
                    reached.add(callee)
                    frontier.append(callee)
    return frozenset(reached)


def balances_read(contracts: frozenset[str], code_at: CodeAt) -> frozenset[str]:
    """Every ``BALANCEOF`` operand of every code the ``contracts`` may hold."""
    return frozenset(
        operand
        for contract in contracts
        for code in codes_at(contract, code_at)
        for operand in _operands(code, Op.BALANCEOF)
    )


def _operands(code: Code, op: Op) -> list[str]:
    """The address operand (the first) of every ``op`` instruction of ``code``."""
    return [
        str(instruction.operands[0])
        for program in code.entries.values()
        for instruction in program
        if instruction.op is op and instruction.operands
    ]


def plan_batches(keys_per_tx: Sequence[BatchKeys]) -> BatchPlan:
    """Greedy, contiguous, order-preserving batches from each transaction's keys."""
    batches: list[tuple[int, ...]] = []
    current: list[int] = []
    locked: set[str] = set()
    conflicts = 0
    for index, keys in enumerate(keys_per_tx):
        if current and not locked.isdisjoint(keys.checks):
            batches.append(tuple(current))
            current, locked = [], set()
            conflicts += 1
        current.append(index)
        locked |= keys.locks
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
            self.schedule.point("tx{} done", index)
            with self.lock:
                self.outcomes[index] = outcome

    def _take(self) -> int | None:
        self.schedule.point("take")
        with self.lock:
            return self.queue.pop() if self.queue else None


@dataclass(slots=True)
class _Tally:
    """What committing a block's batches has added up so far."""

    block_gas: int = 0  # gas_used of the committed transactions (SPEC 10.3)
    fees: int = 0  # the block's fee total, paid at its end with block_end
    tasks: int = 0
    ran: int = 0  # batches run; the ones after the block is full never are


class BatchedExecutor(ParallelExecutor):
    """Greedy conflict batches, each run concurrently on the schedule's workers."""

    name = "batched"

    # ------------------------------------------------------------ conflict keys

    def conflict_keys(self, tx: Transaction, code_at: CodeAt) -> frozenset[str]:
        """Hook: the addresses that keep ``tx`` out of a batch touching any of them. The
        base gives every address whose items ``tx`` may read or write (see the module
        text): those it names, and for an invoke every contract its calls reach and
        every address their code reads with ``BALANCEOF``; a variant may give fewer
        (and then batches may race)."""
        if isinstance(tx, Invoke):
            closure = call_closure(tx.contract, code_at)
            return addresses_of(tx) | closure | balances_read(closure, code_at)
        return addresses_of(tx)

    def waits_for_fees(self, addresses: frozenset[str], context: BlockContext) -> bool:
        """Hook: whether a transaction with these conflict keys must see the fees of every
        earlier transaction, and so starts a new batch (``FEES_KEY``). The base says so
        with ``each_tx`` when the miner is among them: the transaction may read or write
        the miner's TOS balance, which every earlier transaction's fee changed; a
        variant may say otherwise (and then such a transaction reads a stale balance)."""
        return context.fee_payment is FeePayment.EACH_TX and context.miner in addresses

    def batch_keys(
        self, tx: Transaction, addresses: frozenset[str], code_at: CodeAt, context: BlockContext
    ) -> BatchKeys:
        """``tx``'s addresses, plus the one-sided keys of clone spaces and fees."""
        locks, checks = set(addresses), set(addresses)
        if isinstance(tx, Invoke):
            for contract in call_closure(tx.contract, code_at):
                if any(can_clone(code) for code in codes_at(contract, code_at)):
                    locks.add(created_in(contract))
                    checks |= {created_in(contract), named_in(contract)}
        for address in addresses:
            if (creator := clone_creator(address)) is not None:
                locks.add(named_in(creator))
                checks.add(created_in(creator))
        if context.fee_payment is FeePayment.EACH_TX:
            locks.add(FEES_KEY)
            if self.waits_for_fees(addresses, context):
                checks.add(FEES_KEY)
        return BatchKeys(frozenset(locks), frozenset(checks))

    def keys_per_transaction(self, case: Case) -> list[frozenset[str]]:
        """Each transaction's conflict keys (addresses), with code as it may exist at
        its point in the block."""
        return [addresses for _, addresses, _ in self._walk(case)]

    def batch_keys_per_transaction(self, case: Case) -> list[BatchKeys]:
        """Each transaction's ``BatchKeys``: what the plan is made of."""
        context = BlockContext.of(case)
        return [
            self.batch_keys(tx, addresses, code_at, context)
            for tx, addresses, code_at in self._walk(case)
        ]

    def _walk(self, case: Case) -> Iterator[tuple[Transaction, frozenset[str], CodeAt]]:
        """Each transaction with its conflict keys and the code that may exist before it
        (the mapping grows as the walk goes on: use it before the next step)."""
        code_at: dict[str, list[Code]] = {
            address: [contract.code] for address, contract in case.genesis.contracts.items()
        }
        for tx in case.block.txs:
            yield tx, self.conflict_keys(tx, code_at), code_at
            if isinstance(tx, Deploy) and isinstance(tx.code, Code):
                code_at.setdefault(tx.new_address, []).append(tx.code)

    # ------------------------------------------------------------ execution

    def execute_parallel(self, case: Case, state: State, schedule: Schedule) -> BlockRun:
        block, context = case.block, BlockContext.of(case)
        state.commit(reward_writes(state, block))
        plan = plan_batches(self.batch_keys_per_transaction(case))
        tally = _Tally()
        receipts: list[Receipt] = []
        for batch in plan.batches:
            tally.block_gas = self.gas_before_batch(tally.block_gas)
            if is_block_full(context, tally.block_gas):
                receipts += [BLOCK_FULL.receipt] * len(batch)
                continue
            run = BatchRun(self, block.txs, context, batch, state.reader(), schedule)
            tally.tasks += self.run_batch(run, case.config.threads)
            tally.ran += 1
            batch_fees = self.commit_batch(run, state, tally, receipts)
            state.commit(fee_after_transaction(state, context, batch_fees))
            tally.fees = self.merge_fees(tally.fees, batch_fees)
        state.commit(fee_at_block_end(state, context, tally.fees))
        ran = plan.batches[: tally.ran]  # the rest found the block full
        stats = Stats(
            ExecutionPath.PARALLEL,
            self.parallel_reason(len(block.txs), case.config.network.parallel_threshold),
            len(block.txs),
            batch_sizes=tuple(len(batch) for batch in ran),
            conflicts=plan.conflicts,
            tasks=tally.tasks,
        )
        return BlockRun(receipts, stats, tuple(schedule.trace))

    def run_batch(self, run: BatchRun, threads: int) -> int:
        """Run ``run``'s transactions on up to ``threads`` workers; return how many."""
        count = min(threads, len(run.batch))
        run.schedule.run([run.worker] * count)
        return count

    def commit_batch(
        self, run: BatchRun, state: State, tally: _Tally, receipts: list[Receipt]
    ) -> int:
        """Commit ``run``'s write sets in block order and return the batch's fee total;
        past the block's gas limit an outcome becomes ``BLOCK_FULL``, its write set
        discarded and its fee taken back out of the total."""
        fees = run.fees
        for index in run.batch:
            outcome = run.outcomes[index]
            if is_block_full(run.context, tally.block_gas):
                receipts.append(BLOCK_FULL.receipt)
                fees -= outcome.write_set.fee
                continue
            state.commit(self.committed_write_set(run, index))
            receipts.append(outcome.receipt)
            tally.block_gas += outcome.receipt.gas_used
        return fees

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

    def gas_before_batch(self, block_gas: int) -> int:
        """Hook: the block's gas as a batch begins to commit, given the gas of the
        transactions committed before it. The base carries it over: SPEC 10.3's limit
        is the whole block's; a variant may count otherwise."""
        return block_gas
