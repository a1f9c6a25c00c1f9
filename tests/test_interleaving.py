"""Seeing a race: the seeded schedule's recorded interleaving.

Recording is optional and changes nothing but the trace; equal seeds give equal
traces; Block-STM's lines name the incarnation that took each step.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from tests.builders import Json
from tests.conftest import VECTORS_DIR, load_vector
from tests.test_mutants import (
    LOST_FEES,
    RACY_FEES,
    RACY_FEES_CLEAN_SEED,
    RACY_FEES_SEED,
    STALE_READ,
    with_seed,
)
from txparity.executors.codec import canonical_json, decode_case, encode_case
from txparity.executors.execution import Execution, run_case
from txparity.executors.model import BalanceKey, Case, StorageKey
from txparity.executors.registry import make_executor, parse_name
from txparity.executors.schedule import recording, recording_requested
from txparity.harness.differential import Divergence, Runner
from txparity.harness.interleaving import (
    LEGEND,
    RACE_SEEDS,
    race_of,
    seeded_name,
    shorten,
    traced_run,
)
from txparity.harness.options import Options
from txparity.harness.report import build_report

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


# ---------------------------------------------------------------- a race, shortened

MINER_TOS = str(BalanceKey("m", "TOS"))
COUNTER_SLOT = str(StorageKey("c", 0))


def divergence_of(mutant: str, case_json: Json) -> Divergence:
    with Runner([f"{mutant}@memory/seeded"], Options(seeds=1)) as runner:
        found = runner.check(decode_case(json.dumps(case_json))).divergences
    assert len(found) == 1
    return found[0]


def test_the_racy_fee_counter_shows_two_workers_reading_before_either_wrote() -> None:
    divergence = divergence_of("batched-racy-fees", RACY_FEES)
    name = seeded_name(divergence.executor)
    assert name is not None
    run = traced_run(name, divergence.case, 10.0)
    assert run.reproduces(divergence.actual)
    assert (run.executor, run.seed) == ("batched-racy-fees@memory/seeded", RACY_FEES_SEED)
    lines = shorten(run.trace, {MINER_TOS}, range(4))
    assert [line.split(" ", 2)[1:] for line in lines] == [
        ["w2", "fee counter read"], ["w3", "fee counter read"],
        ["w2", "tx1 done"], ["w3", "tx0 done"],
        ["w0", "fee counter read"], ["w0", "tx3 done"],
        ["w1", "fee counter read"], ["w1", "tx2 done"],
    ]  # fmt: skip
    assert len(run.trace) > 4 * len(lines)  # the transfers' reads and the takes are gone


def test_a_stale_read_keeps_the_steps_of_the_counter_slot() -> None:
    divergence = divergence_of("blockstm-stale-read", STALE_READ)
    name = seeded_name(divergence.executor)
    assert name is not None
    run = traced_run(name, divergence.case, 10.0)
    assert run.reproduces(divergence.actual)
    lines = shorten(run.trace, {COUNTER_SLOT}, range(4))
    labels = [line.split(" ", 2)[2] for line in lines]
    assert f"tx2.0 read {COUNTER_SLOT}" in labels and f"tx2.1 read {COUNTER_SLOT}" in labels
    assert "tx2.0 abort" in labels
    assert not any(label in ("next_task", "idle") for label in labels)
    assert all(label.endswith(COUNTER_SLOT) or " read " not in label for label in labels)
    # Only the involved transactions' steps are kept when the item is another one.
    assert shorten(run.trace, {COUNTER_SLOT}, ()) == [
        line for line in lines if line.endswith(COUNTER_SLOT)
    ]


def test_only_in_tree_executors_on_a_seeded_schedule_have_a_trace() -> None:
    assert seeded_name("blockstm@sqlite/pct") == parse_name("blockstm@sqlite/pct")
    assert seeded_name("blockstm@memory/threads") is None
    assert seeded_name("cmd:python3 executor.py") is None
    assert seeded_name("no-such-executor@memory/seeded") is None


# ---------------------------------------------------------------- txparity run --trace


def txparity(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "txparity", *args], capture_output=True, text=True, timeout=120
    )


def test_run_prints_the_seeded_interleaving_and_the_same_result(tmp_path: Path) -> None:
    case_file = tmp_path / "case.json"
    case_file.write_text(canonical_json(encode_case(mixed_block(5))))
    args = ("run", str(case_file), "--executor", "blockstm", "--schedule", "seeded")
    traced = txparity(*args, "--trace")
    plain = txparity(*args)
    assert (traced.returncode, plain.returncode) == (0, 0)
    assert traced.stdout == plain.stdout and plain.stderr == ""
    with recording():
        execution = run_case(make_executor("blockstm", "seeded"), mixed_block(5), "memory")
    head, *lines = traced.stderr.splitlines()
    assert head == (
        f"interleaving of blockstm@memory/seeded, schedule seed 5, 4 worker(s), "
        f"{len(execution.trace)} line(s) ({LEGEND}):"
    )
    assert lines == [f"  {line}" for line in execution.trace]
    assert txparity(*args, "--trace").stderr == traced.stderr  # equal seeds, equal traces


def test_run_says_when_a_block_has_no_interleaving(tmp_path: Path) -> None:
    short = replace(
        mixed_block(), block=replace(mixed_block().block, txs=mixed_block().block.txs[:2])
    )
    case_file = tmp_path / "short.json"
    case_file.write_text(canonical_json(encode_case(short)))
    done = txparity("run", str(case_file), "--executor", "batched/pct", "--trace")
    assert done.returncode == 0
    assert done.stderr == (
        "no interleaving: the block took the sequential path "
        "(2 transactions, below the threshold of 4)\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--executor", "blockstm"], "--trace needs a seeded schedule (seeded or pct): the "
         "interleaving of threads is the machine's, and is not recorded"),
        (["--executor", "blockstm/seeded", "--jsonl"],
         "--trace prints the interleaving of one case, not of --jsonl lines"),
    ],
)  # fmt: skip
def test_run_trace_refuses_what_has_no_trace(args: list[str], message: str) -> None:
    done = txparity("run", str(MIXED_BLOCK), *args, "--trace")
    assert (done.returncode, done.stdout, done.stderr) == (2, "", f"txparity: error: {message}\n")


def test_a_race_is_shown_with_a_seed_that_agrees() -> None:
    divergence = divergence_of("batched-racy-fees", RACY_FEES)
    race = race_of(divergence, {MINER_TOS}, range(4), 10.0)
    assert race is not None
    assert race.agreeing_seed == RACY_FEES_CLEAN_SEED
    clean = with_seed(RACY_FEES, race.agreeing_seed)
    assert run(
        "batched-racy-fees", "seeded", decode_case(json.dumps(clean)), False
    ).result_json == (divergence.expected)
    assert race.lines == tuple(shorten(race.run.trace, {MINER_TOS}, range(4)))
    head, *lines = race.text()
    assert head == (
        f"interleaving of batched-racy-fees@memory/seeded, schedule seed {RACY_FEES_SEED} "
        f"(schedule seed {RACY_FEES_CLEAN_SEED} agrees): 8 of {len(race.run.trace)} line(s), "
        f"those touching the differing items ({LEGEND})"
    )
    assert lines == list(race.lines)


def test_a_divergence_every_seed_shows_is_no_race() -> None:
    divergence = divergence_of("batched-lost-fees", LOST_FEES)
    assert race_of(divergence, {MINER_TOS}, range(4), 10.0) is None
    for seed in range(1, RACE_SEEDS + 1):  # none of the seeds tried agrees
        seeded = with_seed(LOST_FEES, seed)
        result = run("batched-lost-fees", "seeded", decode_case(json.dumps(seeded)), False)
        assert result.result_json != divergence.expected


def test_no_race_without_a_seeded_schedule() -> None:
    with Runner(["batched-lost-fees@memory/threads"], Options(seeds=1)) as runner:
        [divergence] = runner.check(decode_case(json.dumps(LOST_FEES))).divergences
    assert race_of(divergence, {MINER_TOS}, range(4), 10.0) is None


# ---------------------------------------------------------------- in reports


def test_the_report_of_a_race_ends_with_its_shortened_interleaving() -> None:
    divergence = divergence_of("batched-racy-fees", RACY_FEES)
    report = build_report(divergence)
    race = race_of(divergence, {MINER_TOS}, range(4), 10.0)
    assert race is not None
    head, *lines = race.text()
    assert report.interleaving == (head, *lines)
    assert report.text().endswith("\n".join([f"  {head}:", *(f"    {line}" for line in lines)]))
    markdown = report.markdown()
    assert markdown.endswith("\n".join(["", "```", *lines, "```", ""]))
    assert f"\n{head[0].upper()}{head[1:]}:\n" in markdown


def test_the_report_of_a_divergence_every_seed_shows_has_no_interleaving() -> None:
    report = build_report(divergence_of("batched-lost-fees", LOST_FEES))
    assert report.interleaving == ()
    assert "interleaving" not in report.text() and "Interleaving" not in report.markdown()


def test_check_prints_the_race_of_a_planted_bug(tmp_path: Path) -> None:
    case_file = tmp_path / "racy.json"
    case_file.write_text(json.dumps(RACY_FEES))
    done = txparity("check", str(case_file), "--executor", "batched-racy-fees@memory/seeded",
                    "--seeds", "1")  # fmt: skip
    assert done.returncode == 1
    text = done.stdout
    assert (
        f"  interleaving of batched-racy-fees@memory/seeded, schedule seed {RACY_FEES_SEED} "
        f"(schedule seed {RACY_FEES_CLEAN_SEED} agrees): 8 of 44 line(s)"
    ) in text
    assert "    25 w2 fee counter read\n    28 w3 fee counter read\n    29 w2 tx1 done\n" in text
