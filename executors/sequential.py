"""The reference executor: SPEC section 5 (and 10.3), one transaction after another.

This is the oracle every other executor is compared with. It does nothing clever:
it credits the reward, then for each transaction checks the block's gas limit,
applies the write set the rules produce as soon as they produce it and, with
``each_tx``, pays the miner its fee right after; with ``block_end`` it pays the
miner at the end. Parallel executors reuse ``execute_sequentially`` for blocks
below their network's parallel threshold.
"""

from __future__ import annotations

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

__all__ = ["SequentialExecutor", "execute_sequentially"]


def execute_sequentially(state: State, case: Case) -> list[Receipt]:
    """Process ``case``'s block into ``state`` in order; return the receipts."""
    block, context = case.block, BlockContext.of(case)
    state.commit(reward_writes(state, block))
    receipts: list[Receipt] = []
    fees = 0
    block_gas = 0  # gas_used of the included transactions (a rejected one's is 0)
    for tx in block.txs:
        if is_block_full(context, block_gas):
            receipts.append(BLOCK_FULL.receipt)
            continue
        outcome = apply_transaction(state, tx, context)
        state.commit(outcome.write_set)
        if outcome.receipt.status is not Status.REJECTED:
            state.commit(fee_after_transaction(state, context, outcome.write_set.fee))
        receipts.append(outcome.receipt)
        fees += outcome.write_set.fee
        block_gas += outcome.receipt.gas_used
    state.commit(fee_at_block_end(state, context, fees))
    return receipts


class SequentialExecutor:
    """Executes every block in order on the calling thread."""

    name = "sequential"

    def execute(self, case: Case, state: State) -> BlockRun:
        receipts = execute_sequentially(state, case)
        stats = Stats(ExecutionPath.SEQUENTIAL, "reference executor", len(case.block.txs))
        return BlockRun(receipts, stats)
