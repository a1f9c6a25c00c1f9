"""The reference executor: SPEC section 5, one transaction after another.

This is the oracle every other executor is compared with. It does nothing clever:
it credits the reward, applies each transaction's write set as soon as the rules
produce it, and pays the miner at the end. Parallel executors reuse
``execute_sequentially`` for blocks below their network's parallel threshold.

A caller may pass ``on_step``, told which step of the block starts before it reads
anything: the reward, each transaction by its index, then the fees. Reports use it,
with a state that records what is read and committed, to say which transaction read
or wrote each item; it observes and never changes what runs.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from txparity.executors.execution import BlockRun, ExecutionPath, Stats
from txparity.executors.model import Block, Case, Receipt
from txparity.executors.rules import apply_transaction, fee_writes, reward_writes
from txparity.executors.state import State

__all__ = ["BlockStep", "SequentialExecutor", "Step", "execute_sequentially"]


class BlockStep(StrEnum):
    """The steps of a block around its transactions (SPEC 5, steps 1 and 3)."""

    REWARD = "reward"
    FEES = "fees to the miner"


Step = int | BlockStep  # a transaction, by its index in the block, or a block step


def _unobserved(step: Step) -> None:
    pass


def execute_sequentially(
    state: State, block: Block, on_step: Callable[[Step], None] = _unobserved
) -> list[Receipt]:
    """Process ``block`` into ``state`` in order; return the receipts."""
    on_step(BlockStep.REWARD)
    state.commit(reward_writes(state, block))
    receipts: list[Receipt] = []
    fees = 0
    for index, tx in enumerate(block.txs):
        on_step(index)
        outcome = apply_transaction(state, tx)
        state.commit(outcome.write_set)
        receipts.append(outcome.receipt)
        fees += outcome.write_set.fee
    on_step(BlockStep.FEES)
    state.commit(fee_writes(state, block.miner, fees))
    return receipts


class SequentialExecutor:
    """Executes every block in order on the calling thread."""

    name = "sequential"

    def execute(self, case: Case, state: State) -> BlockRun:
        receipts = execute_sequentially(state, case.block)
        stats = Stats(ExecutionPath.SEQUENTIAL, "reference executor", len(case.block.txs))
        return BlockRun(receipts, stats)
