"""The reference executor: SPEC section 5, one transaction after another.

This is the oracle every other executor is compared with. It does nothing clever:
it credits the reward, applies each transaction's write set as soon as the rules
produce it, and pays the miner at the end. Parallel executors reuse
``execute_sequentially`` for blocks below their network's parallel threshold.
"""

from __future__ import annotations

from txparity.executors.execution import BlockRun, ExecutionPath, Stats
from txparity.executors.model import Block, Case, Receipt
from txparity.executors.rules import apply_transaction, fee_writes, reward_writes
from txparity.executors.state import State

__all__ = ["SequentialExecutor", "execute_sequentially"]


def execute_sequentially(state: State, block: Block) -> list[Receipt]:
    """Process ``block`` into ``state`` in order; return the receipts."""
    state.commit(reward_writes(state, block))
    receipts: list[Receipt] = []
    fees = 0
    for tx in block.txs:
        outcome = apply_transaction(state, tx)
        state.commit(outcome.write_set)
        receipts.append(outcome.receipt)
        fees += outcome.write_set.fee
    state.commit(fee_writes(state, block.miner, fees))
    return receipts


class SequentialExecutor:
    """Executes every block in order on the calling thread."""

    name = "sequential"

    def execute(self, case: Case, state: State) -> BlockRun:
        receipts = execute_sequentially(state, case.block)
        stats = Stats(ExecutionPath.SEQUENTIAL, "reference executor", len(case.block.txs))
        return BlockRun(receipts, stats)
