"""``--metrics``: the OpenMetrics file parses with prometheus_client's own parser, and
its counts are the runs' statistics, for ``run``, ``run --jsonl`` and ``fuzz``."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from tests.conftest import VECTORS_DIR
from txparity.executors.execution import ExecutionPath, Stats
from txparity.harness.campaign import run_campaign
from txparity.harness.metrics import UNREPORTED, Metrics
from txparity.harness.options import Command, Options

MIXED = VECTORS_DIR / "parallel_mixed_block.json"
SIMPLE = VECTORS_DIR / "simple_transfer.json"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(text: str) -> Samples:
    """Every sample of the exposition, by name and labels; the parser refuses a file
    that is not OpenMetrics (and one without its closing ``# EOF``)."""
    assert text.endswith("# EOF\n")
    found: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(found: Samples, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


def txparity(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "txparity", *args],
        input=stdin, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def reported(stderr: str) -> list[dict[str, object]]:
    return [json.loads(line[len("stats: ") :]) for line in stderr.splitlines()]


def assert_matches(found: Samples, executor: str, stats: list[dict[str, object]]) -> None:
    """The file's figures for ``executor`` are the sums of its runs' ``stats``."""
    parallel = [s for s in stats if s["path"] == "parallel"]
    sizes = [size for s in parallel for size in s["batch_sizes"]]  # type: ignore[attr-defined]
    batched = [s for s in parallel if s["batches"]]
    one = {"executor": executor}
    assert value(found, "txparity_blocks_total", path="parallel", **one) == len(parallel)
    assert value(found, "txparity_blocks_total", path="sequential", **one) == len(stats) - len(
        parallel
    )
    assert value(found, "parallel_batches_count_count", **one) == len(batched)
    assert value(found, "parallel_batches_count_sum", **one) == sum(s["batches"] for s in batched)  # type: ignore[misc]
    assert value(found, "parallel_batch_size_count", **one) == len(sizes)
    assert value(found, "parallel_batch_size_sum", **one) == sum(sizes)
    for name, key in [
        ("parallel_conflicts_detected_total", "conflicts"),
        ("parallel_tasks_spawned_total", "tasks"),
        ("parallel_incarnations_total", "incarnations"),
        ("parallel_aborts_total", "aborts"),
    ]:
        assert value(found, name, **one) == sum(s[key] for s in parallel), name  # type: ignore[misc]
    assert value(found, "parallel_execution_duration_ms_count", **one) == len(parallel)
    milliseconds = sum(s["duration_s"] for s in parallel) * 1000  # type: ignore[misc]
    assert value(found, "parallel_execution_duration_ms_sum", **one) == pytest.approx(
        milliseconds, abs=0.01 * len(stats)
    )
    if parallel:
        assert value(found, "parallel_execution_enabled", **one) == int(
            stats[-1]["path"] == "parallel"
        )


@pytest.mark.parametrize("executor", ["batched@memory/seeded", "blockstm@sqlite/seeded"])
def test_run_writes_the_statistics_of_its_block(tmp_path: Path, executor: str) -> None:
    path = tmp_path / "run.prom"
    done = txparity("run", str(MIXED), "--executor", executor, "--stats", "--metrics", str(path))
    assert done.returncode == 0, done.stderr
    stats = reported(done.stderr)
    assert len(stats) == 1 and stats[0]["path"] == "parallel"
    found = samples(path.read_text())
    assert_matches(found, executor, stats)
    if executor.startswith("batched"):
        assert value(found, "parallel_batches_count_count", executor=executor) == 1
        assert stats[0]["batches"]
    else:
        incarnations = value(found, "parallel_incarnations_total", executor=executor)
        assert incarnations >= stats[0]["transactions"]  # type: ignore[operator]


def test_run_jsonl_adds_up_every_case(tmp_path: Path) -> None:
    path = tmp_path / "lines.prom"
    lines = "\n".join(
        json.dumps(json.loads(case.read_text())["case"]) for case in (MIXED, SIMPLE, MIXED)
    )
    done = txparity(
        "run", "-", "--jsonl", "--executor", "blockstm/seeded", "--stats", "--metrics", str(path),
        stdin=lines,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    stats = reported(done.stderr)
    assert [s["path"] for s in stats] == ["parallel", "sequential", "parallel"]
    assert_matches(samples(path.read_text()), "blockstm@memory/seeded", stats)


def test_a_metrics_file_that_cannot_be_written_is_refused_before_running(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "run.prom"
    done = txparity("run", str(SIMPLE), "--metrics", str(path))
    assert done.returncode == 2
    assert done.stderr == f"txparity: error: cannot write {path}: no such directory {path.parent}\n"
    assert done.stdout == ""


def test_an_executor_without_statistics_is_counted_as_unreported() -> None:
    metrics = Metrics()
    metrics.observe("cmd:node x.js", None)
    stats = Stats(ExecutionPath.PARALLEL, "", 4, batch_sizes=(3, 1), conflicts=2, tasks=2)
    metrics.observe("batched@memory/threads", stats)
    found = samples(metrics.text())
    assert value(found, "txparity_blocks_total", executor="cmd:node x.js", path=UNREPORTED) == 1
    assert value(found, "parallel_batch_size_sum", executor="batched@memory/threads") == 4
    named = {name for name, labels in found if ("executor", "cmd:node x.js") in labels}
    assert named == {"txparity_blocks_total", "txparity_blocks_created"}


@pytest.mark.parametrize("workers", [1, 2])
def test_fuzz_metrics_count_every_run_of_the_campaign(tmp_path: Path, workers: int) -> None:
    specs = ("batched@memory/seeded", "blockstm@memory/seeded")
    options = Options.for_command(
        Command.FUZZ, executors=specs, seconds=None, cases=12, seed=3, seeds=2,
        corpus=tmp_path / "corpus", workers=workers, metrics=tmp_path / "fuzz.prom",
    )  # fmt: skip
    summary = run_campaign(options)
    assert summary.metrics is not None and summary.cases == 12
    found = samples(summary.metrics.text())
    for spec in specs:
        tally = summary.executors[spec]
        runs = sum(
            value(found, "txparity_blocks_total", executor=spec, path=path)
            for path in ("parallel", "sequential", UNREPORTED)
        )
        assert (runs, tally.runs) == (tally.cases * 2, tally.cases * 2)
        assert value(found, "txparity_blocks_total", executor=spec, path="parallel") == (
            tally.parallel
        )
        assert value(found, "parallel_aborts_total", executor=spec) == tally.aborts
    assert summary.executors[specs[0]].parallel > 0


def test_fuzz_without_metrics_keeps_none(tmp_path: Path) -> None:
    options = Options.for_command(
        Command.FUZZ, executors=("batched@memory/seeded",), seconds=None, cases=2, seed=3,
        corpus=tmp_path / "corpus", workers=1,
    )  # fmt: skip
    assert run_campaign(replace(options)).metrics is None


def test_the_fuzz_command_writes_its_metrics_file(tmp_path: Path) -> None:
    path = tmp_path / "fuzz.prom"
    done = txparity(
        "fuzz", "--executor", "blockstm@memory/seeded", "--cases", "4", "--seed", "5",
        "--workers", "1", "--corpus", str(tmp_path / "corpus"), "--metrics", str(path),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    found = samples(path.read_text())
    spec = "blockstm@memory/seeded"
    assert (
        sum(
            value(found, "txparity_blocks_total", executor=spec, path=path)
            for path in ("parallel", "sequential")
        )
        == 4
    )
