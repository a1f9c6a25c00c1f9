"""``blockstm-no-validation``: Block-STM that never re-checks read sets.

Mirrors dropping the validation phase as an "optimization" once early tests pass:
an incarnation that read a value a lower transaction later overwrote is committed
anyway, so conflicting transactions commit results computed on stale state.
"""

from __future__ import annotations

from txparity.executors.blockstm import BlockStmExecutor
from txparity.executors.blockstm.mvmemory import MVMemory
from txparity.executors.mutants.planted import PlantedBug
from txparity.executors.schedule import Schedule

__all__ = ["NoValidationBlockStm"]


class NoValidationBlockStm(PlantedBug, BlockStmExecutor):
    name = "blockstm-no-validation"
    profile = "contended"

    def validate(self, memory: MVMemory, tx: int, schedule: Schedule) -> bool:
        return True
