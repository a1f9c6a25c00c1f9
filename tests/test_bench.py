"""``txparity bench``: the quick run, the workloads, parity on every block, the
comparison with an old result, and bad input."""

from __future__ import annotations

import copy
import json
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from txparity.executors.model import FeePayment, Invoke, Status, Transfer, Version
from txparity.harness.bench.results import (
    BENCH_FORMAT,
    compare_documents,
    load_document,
)
from txparity.harness.bench.workloads import P2P_ACCOUNTS, WORKLOADS
from txparity.harness.corpus import load_entry
from txparity.harness.differential import Runner
from txparity.harness.errors import InputError
from txparity.harness.options import Options

SCRIPTS = Path(__file__).parent / "external_scripts"
IN_TREE = tuple(
    f"{name}@memory/threads" for name in ("batched", "blockstm", "rwlock", "sharded", "predictive")
)  # the default executors: every correct parallel one, on real threads
PAIR = ("--executor", IN_TREE[0], "--executor", IN_TREE[1])  # the comparisons' two executors
REFERENCE = "sequential@memory"
Json = dict[str, Any]
Done = subprocess.CompletedProcess[str]


def bench(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "txparity", "bench", "--corpus", str(tmp_path / "corpus"), *args],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )  # fmt: skip


@pytest.fixture(scope="module")
def quick(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], Path]:
    tmp_path = tmp_path_factory.mktemp("quick")
    done = bench(tmp_path, "--quick", "--json", "quick.json", "--plot", "quick.png",
                 "--metrics", "quick.prom")  # fmt: skip
    return done, tmp_path


def test_the_quick_bench_measures_every_workload_and_every_block_agrees(
    quick: tuple[Done, Path],
) -> None:
    done, tmp_path = quick
    assert done.returncode == 0, done.stderr
    result = load_document(tmp_path / "quick.json")
    assert result["settings"] | {"seed": 0} == {
        "workloads": list(WORKLOADS), "sizes": [10], "runs": 2, "seed": 0,
        "reference": REFERENCE, "executors": list(IN_TREE), "equivalence": "strict",
    }  # fmt: skip
    rows = result["rows"]
    assert [(row["workload"], row["executor"]) for row in rows] == [
        (name, executor) for name in WORKLOADS for executor in (REFERENCE, *IN_TREE)
    ]
    assert {row["parity"] for row in rows} == {"agrees"} and result["divergences"] == 0
    for row in rows:
        assert row["size"] == 10 and len(row["latencies_ms"]) == 2 and row["timed"] == "execute"
        assert row["tx_per_s"] > 0 and row["p50_ms"] <= row["p99_ms"]
    assert {row["speedup"] for row in rows if row["reference"]} == {1.0}
    assert result["machine"]["gil"] is True and result["format"] == BENCH_FORMAT
    assert (tmp_path / "quick.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (tmp_path / "corpus").exists()  # nothing diverged, nothing saved


def test_the_quick_bench_prints_its_table_progress_and_the_gil_note(
    quick: tuple[Done, Path],
) -> None:
    done, _ = quick
    table = done.stdout.splitlines()
    assert table[0].split()[:4] == ["workload", "size", "executor", "parity"]
    for name in WORKLOADS:
        assert sum(line.startswith(f"{name} ") for line in table) == 1 + len(IN_TREE)
    assert "global interpreter lock" in done.stdout and "json: quick.json" in table
    progress = [line for line in done.stderr.splitlines() if line.startswith("bench: ")]
    assert len(progress) == 1 + len(WORKLOADS)  # the plan, then one line per step
    assert progress[-1].startswith(f"bench: {len(WORKLOADS)}/{len(WORKLOADS)} v2-gas-limit")


def test_the_quick_bench_metrics_count_every_measured_block(
    quick: tuple[Done, Path],
) -> None:
    _, tmp_path = quick
    text = (tmp_path / "quick.prom").read_text()
    blocks: dict[tuple[str, str], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "txparity_blocks_total":
                blocks[sample.labels["executor"], sample.labels["path"]] = sample.value
    rows = load_document(tmp_path / "quick.json")["rows"]
    for executor in IN_TREE:
        batches = sum(row["batches"] * 2 for row in rows if row["executor"] == executor)
        assert blocks == blocks | {(executor, "parallel"): 2 * len(WORKLOADS)}
        assert _sample(text, "parallel_batches_count_sum", executor) == batches


def _sample(text: str, name: str, executor: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels.get("executor") == executor:
                return sample.value
    return 0.0


# ---------------------------------------------------------------- workloads


@pytest.mark.parametrize("name", list(WORKLOADS))
def test_a_workload_builds_the_same_block_from_the_same_seed(name: str) -> None:
    build = WORKLOADS[name].build
    assert build(20, 3) == build(20, 3)
    assert len(build(20, 3).block.txs) == 20
    if name not in ("conflict-free", "contract-heavy", "conflict-heavy", "v2-gas-limit"):
        assert build(20, 3) != build(20, 4)  # drawn: another seed, another block


def test_conflict_free_has_distinct_senders_and_distinct_receivers() -> None:
    txs = WORKLOADS["conflict-free"].build(100, 0).block.txs
    touched = [(tx.source, tx.outputs[0].dest) for tx in txs if isinstance(tx, Transfer)]
    accounts = [account for pair in touched for account in pair]
    assert len(touched) == 100 and len(set(accounts)) == 200


def test_conflict_heavy_and_mixed_pay_the_hot_account() -> None:
    heavy = WORKLOADS["conflict-heavy"].build(100, 0).block.txs
    mixed = WORKLOADS["mixed"].build(100, 0).block.txs
    assert {tx.outputs[0].dest for tx in heavy if isinstance(tx, Transfer)} == {"hot"}
    assert sum(tx.outputs[0].dest == "hot" for tx in mixed if isinstance(tx, Transfer)) == 50
    assert len({tx.source for tx in mixed}) == 100


def test_contract_heavy_invokes_one_contract() -> None:
    txs = WORKLOADS["contract-heavy"].build(50, 0).block.txs
    assert {tx.contract for tx in txs if isinstance(tx, Invoke)} == {"hot"}
    assert len({tx.source for tx in txs}) == 50


@pytest.mark.parametrize("accounts", P2P_ACCOUNTS)
def test_the_p2p_grid_moves_funds_among_its_accounts_only(accounts: int) -> None:
    case = WORKLOADS[f"p2p-{accounts}"].build(200, 0)
    assert len(case.genesis.accounts) == accounts
    for tx in case.block.txs:
        assert isinstance(tx, Transfer) and tx.source != tx.outputs[0].dest
        assert {tx.source, tx.outputs[0].dest} <= set(case.genesis.accounts)


def test_the_version_2_workloads_pay_fees_each_tx_and_cut_the_block() -> None:
    from txparity.executors.execution import run_case
    from txparity.executors.sequential import SequentialExecutor

    each_tx = WORKLOADS["v2-each-tx"].build(100, 0)
    assert (each_tx.version, each_tx.block.fee_payment) == (Version.V2, FeePayment.EACH_TX)
    assert sum(tx.source == each_tx.block.miner for tx in each_tx.block.txs) == 10
    limited = WORKLOADS["v2-gas-limit"].build(100, 0)
    receipts = run_case(SequentialExecutor(), limited, "memory").receipts
    applied = [receipt.status for receipt in receipts].count(Status.APPLIED)
    assert limited.block.gas_limit is not None and 0 < applied < 100
    assert [r.status for r in run_case(SequentialExecutor(), each_tx, "memory").receipts] == [
        Status.APPLIED
    ] * 100


# ---------------------------------------------------------------- parity


def test_a_wrong_executor_is_marked_and_its_block_saved_replayable(tmp_path: Path) -> None:
    mutant = "batched-lost-fees@memory/seeded"
    done = bench(tmp_path, "--executor", mutant, "--workload", "p2p-10", "--sizes", "10",
                 "--runs", "2", "--json", "out.json", "--shrink-seconds", "30")  # fmt: skip
    assert done.returncode == 1, done.stderr
    rows = load_document(tmp_path / "out.json")["rows"]
    assert [(row["executor"], row["parity"]) for row in rows] == [
        (REFERENCE, "agrees"), (mutant, "DIVERGES"),
    ]  # fmt: skip
    saved = Path(tmp_path / rows[1]["saved"])
    assert saved.parent.name == rows[1]["fingerprint"]
    assert f"DIVERGES: {mutant} on p2p-10 size 10" in done.stdout
    entry = load_entry(saved)
    assert entry.executors == (mutant,) and entry.shrunk
    with Runner(entry.executors, Options(seeds=1)) as runner:
        assert runner.check(entry.case).divergences[0].fingerprint == entry.fingerprint


def test_an_external_executor_is_timed_end_to_end(tmp_path: Path) -> None:
    spec = "cmd:" + shlex.join([sys.executable, str(SCRIPTS / "correct.py")])
    done = bench(tmp_path, "--executor", spec, "--workload", "mixed", "--sizes", "10,20",
                 "--runs", "1", "--json", "out.json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = load_document(tmp_path / "out.json")["rows"]
    external = [row for row in rows if row["executor"] == spec]
    assert [row["size"] for row in external] == [10, 20]
    for row in external:
        assert (row["timed"], row["speedup_timed"], row["parity"]) == (
            "end-to-end", "end-to-end", "agrees",
        )  # fmt: skip
        assert row["batches"] is None and row["aborts"] is None


# ---------------------------------------------------------------- comparing


def _document(tmp_path: Path) -> Json:
    done = bench(tmp_path, *PAIR, "--workload", "conflict-free", "--workload", "mixed",
                 "--sizes", "10", "--runs", "1", "--json", "old.json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    return load_document(tmp_path / "old.json")


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> Json:
    return _document(tmp_path_factory.mktemp("measured"))


def test_compare_flags_each_doctored_figure_and_nothing_else(measured: Json) -> None:
    old = copy.deepcopy(measured)
    old["rows"][1]["tx_per_s"] *= 2  # the new run has half the old throughput
    old["rows"][4]["p99_ms"] /= 1.5  # and a 99th percentile 50% slower
    old["rows"][5]["speedup"] *= 1.19  # within the tolerance
    comparison = compare_documents(old, measured, 0.2)
    flagged = [(r.workload, r.executor, r.figure) for r in comparison.regressions]
    assert flagged == [
        ("conflict-free", IN_TREE[0], "tx_per_s"),
        ("mixed", IN_TREE[0], "p99_ms"),
    ]
    assert (comparison.compared, comparison.same_machine) == (6, True)
    assert compare_documents(measured, measured, 0.0).regressions == ()
    assert [r.figure for r in compare_documents(old, measured, 0.6).regressions] == []


def test_compare_lists_rows_measured_in_one_run_only(measured: Json) -> None:
    old = copy.deepcopy(measured)
    old["rows"] = old["rows"][:3]
    old["machine"]["cpus"] = 64
    comparison = compare_documents(old, measured, 0.2)
    assert comparison.only_new == tuple(
        f"mixed size 10 {executor}" for executor in (IN_TREE[0], IN_TREE[1], REFERENCE)
    )
    assert (comparison.only_old, comparison.same_machine) == ((), False)


def test_the_command_exits_1_on_a_figure_worse_than_the_old_runs(tmp_path: Path) -> None:
    old = _document(tmp_path)
    for row in old["rows"]:  # every old figure unbeatable but for one
        row.update(tx_per_s=1e-9, p50_ms=1e12, p99_ms=1e12, speedup=0.0)
    old["rows"][2]["tx_per_s"] = 1e12
    (tmp_path / "doctored.json").write_text(json.dumps(old))
    done = bench(tmp_path, *PAIR, "--workload", "conflict-free", "--workload", "mixed",
                 "--sizes", "10", "--runs", "1", "--compare", "doctored.json")  # fmt: skip
    assert done.returncode == 1, done.stderr
    worse = [line for line in done.stdout.splitlines() if line.startswith("WORSE: ")]
    assert len(worse) == 1
    assert worse[0].startswith(f"WORSE: conflict-free size 10 {IN_TREE[1]}: tx_per_s 1e+12 -> ")
    assert "6 row(s) in both, 1 figure(s) more than 20% worse" in done.stdout


def test_the_command_exits_0_when_nothing_got_worse(tmp_path: Path) -> None:
    old = _document(tmp_path)
    for row in old["rows"]:
        row.update(tx_per_s=1e-9, p50_ms=1e12, p99_ms=1e12, speedup=0.0)
    (tmp_path / "doctored.json").write_text(json.dumps(old))
    done = bench(tmp_path, *PAIR, "--workload", "conflict-free", "--workload", "mixed",
                 "--sizes", "10", "--runs", "1", "--compare", "doctored.json",
                 "--tolerance", "0")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "0 figure(s) more than 0% worse" in done.stdout


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sizes", "0"], "argument --sizes: must be at least 1: 0"),
        (["--sizes", "10,2000"], "argument --sizes: must be at most 1000: 2000"),
        (["--sizes", "10,10"], "argument --sizes: a size given twice: 10,10"),
        (["--runs", "0"], "argument --runs: must be at least 1: 0"),
        (["--workload", "nope"], "argument --workload: invalid choice: 'nope'"),
        (["--tolerance", "-1"], "argument --tolerance: must be from 0 to 10: -1"),
        (["--compare", "missing.json"], "cannot read missing.json: No such file or directory"),
        (
            ["--json", "no/such/dir.json"],
            "cannot write no/such/dir.json: no such directory no/such",
        ),
        (["--executor", "nosuch"], "unknown executor 'nosuch'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2_before_measuring(
    tmp_path: Path, args: list[str], message: str
) -> None:
    done = bench(tmp_path, "--workload", "mixed", "--sizes", "10", "--runs", "1", *args)
    assert done.returncode == 2
    assert done.stderr.startswith(f"txparity: error: {message}")
    assert len(done.stderr.splitlines()) == 1 and done.stdout == ""


def test_the_help_lists_every_workload_and_the_defaults(tmp_path: Path) -> None:
    done = bench(tmp_path, "--help")
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split()).replace("- ", "-")  # argparse wraps at hyphens
    assert f"default all: {', '.join(WORKLOADS)}" in text
    assert "(default 10,100,1000; 1 to 1000)" in text and "(default 0.2: 20 per cent)" in text


def test_compare_refuses_a_file_that_is_no_bench_result(tmp_path: Path) -> None:
    (tmp_path / "case.json").write_text('{"format": "txparity.case/1"}')
    with pytest.raises(InputError, match="not a txparity bench result: its format must be"):
        load_document(tmp_path / "case.json")
    (tmp_path / "rows.json").write_text(json.dumps({"format": BENCH_FORMAT, "rows": [{}]}))
    with pytest.raises(InputError, match=r"rows\[0\]\.workload: missing"):
        load_document(tmp_path / "rows.json")


# ---------------------------------------------------------------- the reference


def test_an_external_reference_checks_every_block_and_is_timed_end_to_end(
    tmp_path: Path,
) -> None:
    spec = "cmd:" + shlex.join([sys.executable, str(SCRIPTS / "correct.py")])
    done = bench(tmp_path, "--reference", spec, "--executor", "batched@memory/seeded",
                 "--workload", "mixed", "--sizes", "10", "--runs", "2",
                 "--json", "out.json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = load_document(tmp_path / "out.json")
    assert result["settings"]["reference"] == spec
    assert [(r["executor"], r["reference"], r["timed"], r["speedup_timed"], r["parity"])
            for r in result["rows"]] == [
        (spec, True, "end-to-end", "end-to-end", "agrees"),
        ("batched@memory/seeded", False, "execute", "end-to-end", "agrees"),
    ]  # fmt: skip
    assert f"against {spec}" in done.stderr


def test_bench_refuses_to_run_without_a_reference(tmp_path: Path) -> None:
    done = bench(tmp_path, "--reference", "none", "--workload", "mixed", "--sizes", "10")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == (
        "txparity: error: bench measures every executor against a reference: --reference "
        "none has none to check the blocks or divide the speedups by\n"
    )
