"""The predictive executor: Block-STM whose multi-version memory starts each block
with the writes its history predicts (see the package text).

Hook: ``seeded_writes`` (which predicted writes become ESTIMATEs before the block);
the validation hook ``validate`` is Block-STM's. ``prediction`` is the block's
``BlockPrediction``, made before the workers start and read-only while they run.
"""

from __future__ import annotations

from dataclasses import dataclass

from txparity.executors.blockstm import BlockStmExecutor
from txparity.executors.blockstm.mvmemory import FeeKey, MVMemory
from txparity.executors.model import Case, StateKey, Transaction
from txparity.executors.parallel import DEFAULT_WATCHDOG_S
from txparity.executors.predictive.history import ConflictHistory, Named, named_items
from txparity.executors.rules import Outcome

__all__ = ["BlockPrediction", "PredictiveExecutor"]


@dataclass(frozen=True, slots=True)
class BlockPrediction:
    """Per transaction of one block: its named items, its predicted writes, and the
    ones seeded as ESTIMATEs."""

    named: tuple[Named, ...]
    writes: tuple[frozenset[StateKey], ...]
    seeded: tuple[frozenset[StateKey], ...]

    def named_independent(self, tx: int) -> bool:
        """Whether no earlier transaction names a write of an item ``tx`` names."""
        touched = self.named[tx].touched
        return all(touched.isdisjoint(earlier.writes) for earlier in self.named[:tx])


EMPTY = BlockPrediction((), (), ())


class PredictiveExecutor(BlockStmExecutor):
    """Block-STM ordered by a learned conflict prediction (see the package text)."""

    name = "predictive"

    def __init__(self, schedule: str = "threads", watchdog_s: float = DEFAULT_WATCHDOG_S):
        super().__init__(schedule, watchdog_s)
        self.history = ConflictHistory()
        self.prediction = EMPTY

    def predict(self, txs: tuple[Transaction, ...]) -> BlockPrediction:
        """The block's prediction from the history as it stands."""
        writes = tuple(self.history.predicted_writes(tx) for tx in txs)
        return BlockPrediction(
            tuple(named_items(tx) for tx in txs),
            writes,
            tuple(self.seeded_writes(predicted) for predicted in writes),
        )

    def before_block(self, case: Case, memory: MVMemory) -> None:
        self.prediction = self.predict(case.block.txs)
        for tx, keys in enumerate(self.prediction.seeded):
            if keys:
                memory.seed_estimates(tx, keys)

    def after_block(self, case: Case, memory: MVMemory, outcomes: list[Outcome]) -> None:
        txs = case.block.txs
        dependencies = [
            key
            for tx in range(len(txs))
            for key, version in memory.last_reads(tx).items()
            if version is not None and not isinstance(key, FeeKey)
        ]
        writes = [frozenset(outcome.write_set.writes) for outcome in outcomes]
        self.history.learn(txs, writes, dependencies)

    # ------------------------------------------------------------ hooks

    def seeded_writes(self, predicted: frozenset[StateKey]) -> frozenset[StateKey]:
        """Hook: which of a transaction's predicted writes become ESTIMATEs before the
        block, so that a later reader waits for it instead of reading early and being
        aborted. The base seeds the hot ones (a seed on a cold item would only make
        readers wait for nothing); whatever is seeded, a wrong prediction costs a wait
        or an abort, never a result, since validation is Block-STM's."""
        return frozenset(key for key in predicted if self.history.is_hot(key))
