"""Planted-bug variants of the parallel executors, for the harness's self-test.

Each module holds one variant with one realistic bug: a small ``PlantedBug``
subclass of a correct executor that overrides one documented hook, says which real
bug it mirrors, and names the generator profile whose cases show it (``v2`` for
the bugs of SPEC 10's items, which only version 2 cases can show). They are
selectable by name like any executor and are never among the defaults: they exist
so that the harness can prove it finds and shrinks them.
"""

from __future__ import annotations

from typing import cast

from txparity.executors.mutants.planted import PlantedBug
from txparity.executors.registry import PLANTED_BUGS, executor_class

__all__ = ["MUTANTS", "PlantedBug"]


def __getattr__(name: str) -> dict[str, type[PlantedBug]]:
    """``MUTANTS``: each planted bug's name (``registry.PLANTED_BUGS``, their one
    list) to its class, every variant's module imported when first asked for."""
    if name != "MUTANTS":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    mutants = {bug: cast(type[PlantedBug], executor_class(bug)) for bug in PLANTED_BUGS}
    globals()["MUTANTS"] = mutants
    return mutants
