"""Seeing a race: the seeded schedule's recorded interleaving.

Recording is optional and changes nothing but the trace; equal seeds give equal
traces; Block-STM's lines name the incarnation that took each step.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from tests.conftest import VECTORS_DIR, load_vector
from txparity.executors.codec import decode_case
from txparity.executors.execution import Execution, run_case
from txparity.executors.model import Case
from txparity.executors.registry import make_executor
from txparity.executors.schedule import recording, recording_requested

MIXED_BLOCK = VECTORS_DIR / "parallel_mixed_block.json"
LINE = re.compile(r"^(\d+) w(\d+) (.+)$")


def mixed_block(seed: int = 5) -> Case:
    case = decode_case(json.dumps(load_vector(MIXED_BLOCK)[0]))
    return replace(case, config=replace(case.config, schedule_seed=seed))


def run(name: str, schedule: str, case: Case, traced: bool) -> Execution:
    executor = make_executor(name, schedule)
    if not traced:
        return run_case(executor, case, "memory")
    with recording():
        return run_case(executor, case, "memory")


@pytest.mark.parametrize("schedule", ["seeded", "pct"])
@pytest.mark.parametrize("name", ["batched", "blockstm", "blockstm-stale-read"])
def test_recording_changes_nothing_but_the_trace(name: str, schedule: str) -> None:
    case = mixed_block()
    plain, traced = run(name, schedule, case, False), run(name, schedule, case, True)
    assert plain.trace == ()
    assert traced.trace
    assert traced.result_json == plain.result_json
    assert replace(traced.stats, duration_s=0.0) == replace(plain.stats, duration_s=0.0)


@pytest.mark.parametrize("schedule", ["seeded", "pct"])
def test_equal_seeds_give_equal_traces_and_other_seeds_others(schedule: str) -> None:
    first = run("blockstm", schedule, mixed_block(5), True).trace
    assert run("blockstm", schedule, mixed_block(5), True).trace == first
    others = {run("blockstm", schedule, mixed_block(seed), True).trace for seed in range(6, 10)}
    assert first not in others


def test_a_thread_schedule_records_nothing() -> None:
    assert run("blockstm", "threads", mixed_block(), True).trace == ()


def test_recording_is_scoped() -> None:
    assert not recording_requested()
    with recording():
        assert recording_requested()
        with recording():
            assert recording_requested()
        assert recording_requested()
    assert not recording_requested()


def test_block_stm_lines_name_worker_step_and_incarnation() -> None:
    case = mixed_block()
    trace = run("blockstm", "seeded", case, True).trace
    rows = [LINE.match(line) for line in trace]
    assert all(rows), [line for line, row in zip(trace, rows, strict=True) if not row]
    steps = [int(row.group(1)) for row in rows if row]
    assert steps == sorted(steps)
    workers = {int(row.group(2)) for row in rows if row}
    assert workers <= set(range(case.config.threads))
    labels = [row.group(3) for row in rows if row]
    # Every transaction's first incarnation records, and each incarnation that records
    # was executed: a transaction's incarnations are numbered from 0 without gaps.
    recorded = [label.split()[0] for label in labels if label.endswith(" record")]
    for tx in range(len(case.block.txs)):
        numbers = sorted({int(r.split(".")[1]) for r in recorded if r.split(".")[0] == f"tx{tx}"})
        assert numbers == list(range(len(numbers))) and numbers, tx
    executed = sum(1 for label in labels if label.endswith(" record"))
    aborts = sum(1 for label in labels if label.endswith(" abort"))
    stats = run("blockstm", "seeded", case, False).stats
    assert aborts == stats.aborts
    assert executed == stats.incarnations - stats.suspensions
    assert all(
        re.fullmatch(r"tx\d+\.\d+ (read .+|record|finish execution|validate|abort|"
                     r"finish validation|depends on tx\d+)|tx\d+ revalidate .+|next_task|idle",
                     label)
        for label in labels
    ), labels  # fmt: skip
