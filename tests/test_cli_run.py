"""``txparity run``: results on stdout, one-line errors with exit 2, the line protocol."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import VECTORS_DIR, load_vector

SIMPLE = VECTORS_DIR / "simple_transfer.json"


def txparity(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "txparity", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,  # a bound, never reached
    )


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_run_prints_the_expected_result_of_a_vector(backend: str) -> None:
    _, expected = load_vector(SIMPLE)
    done = txparity("run", str(SIMPLE), "--backend", backend)
    assert (done.returncode, done.stdout, done.stderr) == (0, expected + "\n", "")


def test_run_reads_standard_input() -> None:
    case, expected = load_vector(SIMPLE)
    done = txparity("run", "-", stdin=json.dumps(case))
    assert (done.returncode, done.stdout) == (0, expected + "\n")


def test_executor_name_may_carry_the_backend() -> None:
    _, expected = load_vector(SIMPLE)
    done = txparity("run", str(SIMPLE), "--executor", "sequential@sqlite")
    assert (done.returncode, done.stdout) == (0, expected + "\n")


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["run", "missing.json"], "", "cannot read missing.json: No such file or directory"),
        (["run", "-"], "{not json", "case: not valid JSON"),
        (["run", "-"], '{"format": "txparity.case/1"}', "genesis: missing field"),
        (["run", "-", "--executor", "nope"], "", "unknown executor 'nope'"),
        (["run", "-", "--executor", "sequential@disk"], "", "unknown backend 'disk'"),
        (["run", "-", "--backend", "tape"], "", "invalid choice: 'tape'"),
        (["frobnicate"], "", "invalid choice: 'frobnicate'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], stdin: str, message: str) -> None:
    done = txparity(*args, stdin=stdin)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("txparity: error: ")
    assert message in lines[0]


def test_invalid_bytes_are_refused_without_a_traceback(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\xff\xfe\x00garbage")
    done = txparity("run", str(garbage))
    assert done.returncode == 2
    assert done.stderr == "txparity: error: case: not UTF-8 text (byte 0)\n"


def test_jsonl_answers_each_line_in_order_and_skips_blank_lines() -> None:
    case, expected = load_vector(SIMPLE)
    empty_case, empty_expected = load_vector(VECTORS_DIR / "empty_block.json")
    lines = [json.dumps(case), "", "   ", "not json", json.dumps(empty_case), '{"format": 2}']
    done = txparity("run", "--jsonl", "-", stdin="\n".join(lines) + "\n")
    assert done.returncode == 0
    answers = done.stdout.splitlines()
    assert answers[0] == expected
    assert json.loads(answers[1])["error"].startswith("case: not valid JSON")
    assert answers[2] == empty_expected
    assert answers[3] == '{"error":"genesis: missing field"}'
    assert len(answers) == 4


def test_jsonl_answers_before_its_input_ends() -> None:
    """Each answer is flushed as soon as it is computed: the protocol is interactive."""
    case, expected = load_vector(SIMPLE)
    process = subprocess.Popen(
        [sys.executable, "-m", "txparity", "run", "--jsonl", "-", "--backend", "sqlite"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        for _ in range(3):
            process.stdin.write(json.dumps(case) + "\n")
            process.stdin.flush()
            assert process.stdout.readline() == expected + "\n"
    finally:
        process.stdin.close()
        assert process.wait(timeout=300) == 0


def test_stats_go_to_standard_error() -> None:
    done = txparity("run", str(SIMPLE), "--stats")
    assert done.returncode == 0
    label, _, payload = done.stderr.strip().partition(" ")
    stats = json.loads(payload)
    assert label == "stats:"
    assert (stats["executor"], stats["path"], stats["transactions"]) == (
        "sequential@memory",
        "sequential",
        1,
    )


def test_a_reader_that_leaves_early_ends_the_run_quietly(tmp_path: Path) -> None:
    """``txparity run --jsonl ... | head -1``: no traceback, the shell's SIGPIPE status."""
    case, expected = load_vector(SIMPLE)
    lines = tmp_path / "cases.jsonl"
    lines.write_text((json.dumps(case) + "\n") * 2000)  # far more than a pipe holds
    process = subprocess.Popen(
        [sys.executable, "-m", "txparity", "run", "--jsonl", str(lines)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline() == expected + "\n"
    process.stdout.close()
    assert process.wait(timeout=300) == 141
    assert process.stderr.read() == ""


# Printed by the child once it has run its case: the txparity modules it had
# imported by then, and which of the packages named first (a run may do without
# them) it had.
_IMPORTED = """
import json, runpy, sys
watched = set(sys.argv[1].split(","))
sys.argv = ["txparity", *sys.argv[2:]]
try:
    runpy.run_module("txparity", run_name="__main__")
except SystemExit as exit:
    loaded = {name.split(".")[0] for name in sys.modules}
    print(json.dumps({
        "exit": exit.code,
        "txparity": sorted(name for name in sys.modules if name.startswith("txparity.")),
        "others": sorted(loaded & watched),
    }), file=sys.stderr)
"""
# Packages ``txparity run`` may load only for the executor or backend it runs.
_OPTIONAL = ("hypothesis", "deepdiff", "sqlite_utils", "greenlet", "prometheus_client", "logging")
# What every ``txparity run`` of the reference in memory loads, and nothing more: not
# the campaign, the corpus, the comparison, the shrinker, the bench, the strategies'
# generators or any other executor.
_RUN_MODULES = {
    "txparity.executors",
    "txparity.executors.code",
    "txparity.executors.codec",
    "txparity.executors.errors",
    "txparity.executors.execution",
    "txparity.executors.limits",
    "txparity.executors.model",
    "txparity.executors.registry",
    "txparity.executors.rules",
    "txparity.executors.sequential",
    "txparity.executors.shapes",
    "txparity.executors.state",
    "txparity.executors.state.base",
    "txparity.executors.state.memory",
    "txparity.executors.view",
    "txparity.executors.vm",
    "txparity.executors.vm.instructions",
    "txparity.executors.vm.machine",
    "txparity.harness",
    "txparity.harness.casefile",
    "txparity.harness.cli",
    "txparity.harness.commands",
    "txparity.harness.commands.run",
    "txparity.harness.errors",
    "txparity.harness.options",
    "txparity.harness.specs",
    "txparity.harness.strategies",
    "txparity.harness.strategies._knobs",
}
_SQLITE = {"txparity.executors.state.sqlite"}
_PARALLEL = {"txparity.executors.parallel", "txparity.executors.schedule"}
_BLOCKSTM = {
    "txparity.executors.blockstm",
    "txparity.executors.blockstm.executor",
    "txparity.executors.blockstm.mvmemory",
    "txparity.executors.blockstm.scheduler",
}


@pytest.mark.parametrize(
    ("args", "modules", "others"),
    [
        (["--jsonl", "-"], _RUN_MODULES, []),
        (["-"], _RUN_MODULES, []),
        (["--jsonl", "-", "--backend", "sqlite"], _RUN_MODULES | _SQLITE, ["sqlite_utils"]),
        (["-", "--executor", "sequential@sqlite"], _RUN_MODULES | _SQLITE, ["sqlite_utils"]),
        (
            ["--jsonl", "-", "--executor", "blockstm"],
            _RUN_MODULES | _PARALLEL | _BLOCKSTM,
            ["greenlet", "logging"],
        ),
        (
            ["-", "--executor", "batched@sqlite/seeded"],
            _RUN_MODULES | _PARALLEL | _SQLITE | {"txparity.executors.batched"},
            ["greenlet", "logging", "sqlite_utils"],
        ),
    ],
    ids=["jsonl", "one-case", "jsonl-sqlite", "one-case-sqlite", "jsonl-blockstm", "batched"],
)
def test_run_imports_only_what_it_runs(
    args: list[str], modules: set[str], others: list[str]
) -> None:
    """``txparity run`` needs neither Hypothesis nor deepdiff nor the campaign, and a
    ``cmd:`` executor built on ``run --jsonl`` pays its start-up at every restart:
    the executor asked for is the only one loaded, the SQLite backend only when
    asked for. The case is answered, then ``sys.modules`` is read in the same
    process."""
    case, expected = load_vector(SIMPLE)
    done = subprocess.run(
        [sys.executable, "-c", _IMPORTED, ",".join(_OPTIONAL), "run", *args],
        input=json.dumps(case) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    *_, last = done.stderr.splitlines() or [""]
    imported = json.loads(last)
    assert (done.stdout, imported["exit"]) == (expected + "\n", 0), done.stderr
    assert set(imported["txparity"]) == modules
    assert imported["others"] == others
