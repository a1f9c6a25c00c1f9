"""``batched-racy-fees``: a fee counter updated with a read, then a write.

Mirrors replacing the TOS design's atomic fee counter with a plain shared integer:
two workers that read the total before either writes it lose one fee. Whether it
happens depends on the interleaving, so it shows on some seeded schedules and not
on others, and rarely on real threads.
"""

from __future__ import annotations

from txparity.executors.batched import BatchedExecutor, FeeCounter
from txparity.executors.schedule import Schedule

__all__ = ["RacyFeesBatched"]


class _RacyFeeCounter(FeeCounter):
    def add(self, amount: int, schedule: Schedule) -> None:
        total = self.total
        schedule.point("fee counter read")
        self.total = total + amount


class RacyFeesBatched(BatchedExecutor):
    name = "batched-racy-fees"

    def make_fee_counter(self) -> FeeCounter:
        return _RacyFeeCounter()
