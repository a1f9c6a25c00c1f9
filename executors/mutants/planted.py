"""What every planted-bug variant declares besides its name."""

from __future__ import annotations

from typing import ClassVar

from txparity.executors.parallel import ParallelExecutor

__all__ = ["PlantedBug"]


class PlantedBug(ParallelExecutor):
    """A parallel executor with one planted bug, overriding one documented hook.

    ``profile`` names the generator profile (a key of ``harness.strategies.PROFILES``)
    whose cases show the bug; the variant's module docstring names the real bug it
    mirrors. Listed first among the bases: ``class X(PlantedBug, BatchedExecutor)``.
    """

    profile: ClassVar[str]
