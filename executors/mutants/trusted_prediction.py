"""``predictive-trusted-prediction``: a predicted read set trusted without validation.

Mirrors a scheduler that takes its conflict predictor's word as a proof rather
than a hint: validation re-checks only the reads the predictor expected (the items
a transaction's envelope names) and trusts that nothing else it read can have
changed, and, the prediction being trusted, nothing is ordered by it either (no
ESTIMATE is seeded). What a run reaches beyond its envelope (a contract's storage,
a callee's, a balance read with ``BALANCEOF``) is never re-checked, so an early
read of it stands. What it trusts needs no history, so a case shows it on every
run, on a fresh object as on one that has run a campaign, as a finding must.
"""

from __future__ import annotations

from txparity.executors.blockstm.mvmemory import MVMemory
from txparity.executors.model import StateKey
from txparity.executors.mutants.planted import PlantedBug
from txparity.executors.predictive import PredictiveExecutor
from txparity.executors.schedule import Schedule

__all__ = ["TrustedPredictionPredictive"]


class TrustedPredictionPredictive(PlantedBug, PredictiveExecutor):
    name = "predictive-trusted-prediction"
    profile = "wide"

    def seeded_writes(self, predicted: frozenset[StateKey]) -> frozenset[StateKey]:
        return frozenset()

    def validate(self, memory: MVMemory, tx: int, schedule: Schedule) -> bool:
        expected = self.prediction.named[tx].touched
        for key, version in memory.last_reads(tx).items():
            if key in expected:
                schedule.point("tx{} revalidate {}", tx, key)
                if not memory.still_reads(key, tx, version):
                    return False
        return True
