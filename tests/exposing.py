"""Showing a planted bug on a hand-written block: the bug diverges from the reference
while every correct parallel executor agrees with it, on the same schedule.

Shared by the tests of each parallel executor's planted bugs (test_mutants,
test_rwlock, test_sharded, test_predictive).
"""

from __future__ import annotations

import json

from tests.builders import Json
from txparity.executors.codec import decode_case
from txparity.executors.execution import Execution, ExecutionPath, run_case
from txparity.executors.registry import CORRECT_PARALLEL, make_executor
from txparity.executors.schedule import recording
from txparity.executors.sequential import SequentialExecutor

__all__ = ["check_exposes", "run"]


def run(name: str, schedule: str, case: Json, backend: str = "memory") -> Execution:
    """``case`` on a fresh executor named ``name`` (``sequential``: the reference),
    recording the interleaving, as a pinned seed must replay it exactly."""
    decoded = decode_case(json.dumps(case))
    if name == "sequential":
        return run_case(SequentialExecutor(), decoded, backend)
    with recording():
        return run_case(make_executor(name, schedule), decoded, backend)


def check_exposes(mutant: str, schedule: str, case: Json) -> tuple[Json, Json]:
    """Assert that the four-transaction ``case`` takes the parallel path, that every
    correct executor gives the reference's result and that ``mutant`` does not;
    return the (reference, mutant) result documents."""
    assert len(case["block"]["txs"]) == 4
    reference = run("sequential", schedule, case)
    for name in CORRECT_PARALLEL:
        correct = run(name, schedule, case)
        assert correct.stats.path is ExecutionPath.PARALLEL
        assert correct.result_json == reference.result_json, name
    broken = run(mutant, schedule, case)
    assert broken.stats.path is ExecutionPath.PARALLEL
    assert broken.result_json != reference.result_json
    return json.loads(reference.result_json), json.loads(broken.result_json)
