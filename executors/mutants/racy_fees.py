"""``batched-racy-fees``: a fee counter updated with a read, then a write.

Mirrors replacing the TOS design's atomic fee counter with a plain shared integer:
two workers that read the total before either writes it lose one fee. Whether it
happens depends on the interleaving, so it shows on some seeded schedules and not
on others, and rarely on real threads.
"""

from __future__ import annotations

from txparity.executors.batched import BatchedExecutor, BatchRun
from txparity.executors.mutants.planted import PlantedBug

__all__ = ["RacyFeesBatched"]


class RacyFeesBatched(PlantedBug, BatchedExecutor):
    name = "batched-racy-fees"
    profile = "mixed"

    def add_fee(self, run: BatchRun, amount: int) -> None:
        total = run.fees
        run.schedule.point("fee counter read")
        run.fees = total + amount
