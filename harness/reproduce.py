"""Finds on real threads, re-checked on replayable schedules before they are saved.

On real threads under the GIL, a race shows rarely and never on demand: a case
saved as a real-thread run found it may replay as agreeing every time, and its
shrink, which keeps only candidates that still diverge, finds nothing to keep.
So a divergence found on the ``threads`` schedule of an in-tree executor is
replayed first, on the same case, on each replayable schedule (``seeded``, then
``pct``) with ``seeds`` consecutive schedule seeds from the case's own:

- the first run that shows the same fingerprint is what is saved: the executor on
  that schedule and the case with that seed, which replay and shrink reproduce
  every time; the entry records where it was found (``Recheck``);
- if none does, the divergence is saved as found, marked as not reproduced, and
  everything that shows the entry says so ("found once on real threads, not
  reproduced in N replays on seeded/pct schedules"), so that an agreeing replay of
  it is never taken for a fix.

A deadline, when given, ends the replays early; the record counts those made.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from txparity.executors.errors import UnknownExecutor
from txparity.executors.model import U64_LIMIT, Case
from txparity.executors.registry import ExecutorName, parse_name
from txparity.harness.differential import Divergence, Runner
from txparity.harness.targets.external import EXTERNAL_PREFIX

__all__ = ["REPLAYABLE_SCHEDULES", "Recheck", "found_on_threads", "reproduce"]

REPLAYABLE_SCHEDULES = ("seeded", "pct")
_THREADS = "threads"


@dataclass(frozen=True, slots=True)
class Recheck:
    """How a divergence found on real threads was replayed before it was saved."""

    found_on: str  # the real-thread executor spec that showed it
    replays: int  # runs on the replayable schedules
    reproduced: bool

    def describe(self) -> str:
        if self.reproduced:
            return f"found on real threads ({self.found_on}), reproduced on a replayable schedule"
        return (
            f"found once on real threads ({self.found_on}), not reproduced in "
            f"{self.replays} replays on {'/'.join(REPLAYABLE_SCHEDULES)} schedules"
        )

    def to_json(self) -> dict[str, object]:
        return {"found_on": self.found_on, "replays": self.replays, "reproduced": self.reproduced}


def found_on_threads(spec: str) -> ExecutorName | None:
    """The parsed name if ``spec`` is an in-tree parallel executor on real threads."""
    if spec.startswith(EXTERNAL_PREFIX):
        return None
    try:
        name = parse_name(spec)
    except UnknownExecutor:
        return None
    is_parallel = name.executor != "sequential"
    return name if is_parallel and name.schedule == _THREADS else None


def reproduce(
    divergence: Divergence, runner: Runner, seeds: int, deadline: float | None = None
) -> tuple[Divergence, Recheck | None]:
    """The divergence to save, and how it was re-checked (None: it was not found on
    real threads, and needs no re-check)."""
    name = found_on_threads(divergence.executor)
    if name is None or divergence.of_reference or divergence.split is not None:
        return divergence, None  # only a target compared with a reference is re-checked
    replays = 0
    for schedule in REPLAYABLE_SCHEDULES:
        spec = f"{name.executor}@{name.backend}/{schedule}"
        with Runner([spec], runner.options, runner.reference_spec) as replayable:
            for case in _seeded(divergence.case, seeds):
                if deadline is not None and time.monotonic() >= deadline:
                    return divergence, Recheck(divergence.executor, replays, False)
                replays += 1
                found = replayable.check(case, confirm=False, seeds=1).divergences
                same = [d for d in found if d.fingerprint == divergence.fingerprint]
                if same:
                    return same[0], Recheck(divergence.executor, replays, True)
    return divergence, Recheck(divergence.executor, replays, False)


def _seeded(case: Case, count: int) -> list[Case]:
    first = case.config.schedule_seed
    return [
        replace(case, config=replace(case.config, schedule_seed=(first + offset) % U64_LIMIT))
        for offset in range(count)
    ]
