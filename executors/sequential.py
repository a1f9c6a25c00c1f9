"""The reference executor: SPEC section 5 (and 10.3), one transaction after another.

This is the oracle every other executor is compared with. It does nothing clever:
it credits the reward, then for each transaction checks the block's gas limit,
applies the write set the rules produce as soon as they produce it and, with
``each_tx``, pays the miner its fee right after; with ``block_end`` it pays the
miner at the end. Parallel executors reuse ``execute_sequentially`` for blocks
below their network's parallel threshold.

A caller may pass ``on_step``, told which step of the block starts before it reads
anything: the reward, each transaction by its index (also one the gas limit cuts),
the credit of its fee right after it (``FeeOf``, every included transaction, though
only ``each_tx`` credits anything there), then the fees at the block's end. Reports
use it, with a state that records what is read and committed, to say which step
read or wrote each item; it observes and never changes what runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from txparity.executors.execution import BlockRun, ExecutionPath, Stats
from txparity.executors.model import BlockContext, Case, Receipt, Status
from txparity.executors.rules import (
    BLOCK_FULL,
    apply_transaction,
    fee_after_transaction,
    fee_at_block_end,
    is_block_full,
    reward_writes,
)
from txparity.executors.state import State

__all__ = ["BlockStep", "FeeOf", "SequentialExecutor", "Step", "execute_sequentially"]


class BlockStep(StrEnum):
    """The steps of a block around its transactions (SPEC 5, steps 1 and 3)."""

    REWARD = "reward"
    FEES = "fees to the miner"


@dataclass(frozen=True, slots=True)
class FeeOf:
    """The credit of one transaction's fee to the miner right after it (SPEC 10.3,
    ``each_tx``)."""

    index: int

    def __str__(self) -> str:
        return f"fee of tx {self.index} to the miner"


Step = int | BlockStep | FeeOf  # a transaction, by its index in the block, or a block step


def _unobserved(step: Step) -> None:
    pass


def execute_sequentially(
    state: State, case: Case, on_step: Callable[[Step], None] = _unobserved
) -> list[Receipt]:
    """Process ``case``'s block into ``state`` in order; return the receipts."""
    block, context = case.block, BlockContext.of(case)
    on_step(BlockStep.REWARD)
    state.commit(reward_writes(state, block))
    receipts: list[Receipt] = []
    fees = 0
    block_gas = 0  # gas_used of the included transactions (a rejected one's is 0)
    for index, tx in enumerate(block.txs):
        on_step(index)
        if is_block_full(context, block_gas):
            receipts.append(BLOCK_FULL.receipt)
            continue
        outcome = apply_transaction(state, tx, context)
        state.commit(outcome.write_set)
        if outcome.receipt.status is not Status.REJECTED:
            if on_step is not _unobserved:  # a step value only for whoever observes
                on_step(FeeOf(index))
            state.commit(fee_after_transaction(state, context, outcome.write_set.fee))
        receipts.append(outcome.receipt)
        fees += outcome.write_set.fee
        block_gas += outcome.receipt.gas_used
    on_step(BlockStep.FEES)
    state.commit(fee_at_block_end(state, context, fees))
    return receipts


class SequentialExecutor:
    """Executes every block in order on the calling thread."""

    name = "sequential"

    def execute(self, case: Case, state: State) -> BlockRun:
        receipts = execute_sequentially(state, case)
        stats = Stats(ExecutionPath.SEQUENTIAL, "reference executor", len(case.block.txs))
        return BlockRun(receipts, stats)
