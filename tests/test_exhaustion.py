"""Data and options that would exhaust the machine are refused, each with one line.

- Every reader takes only regular files (a symlink only to one) of at most
  ``MAX_FILE_BYTES``: a ``.json`` symlink to ``/dev/zero`` or a FIFO named
  ``.json`` neither fills the memory nor blocks ``replay``, ``fuzz``, ``check``,
  ``shrink``, ``run`` or the pytest plugin.
- JSON nested deeper than ``MAX_JSON_DEPTH`` is refused by the decoder, with its
  reason, not a ``RecursionError``.
- A case's ``threads`` is clamped to ``MAX_THREADS`` by the in-tree parallel
  executors.
- A closed standard input is one error line.
- A corpus entry naming an unknown executor is skipped, by name, and a campaign goes
  on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import VECTORS_DIR
from tests.test_corpus import correct_entry, mutant_entry
from txparity.executors.codec import decode_case
from txparity.executors.errors import InvalidCase
from txparity.executors.execution import run_case
from txparity.executors.limits import MAX_JSON_DEPTH
from txparity.executors.parallel import MAX_THREADS
from txparity.executors.registry import CORRECT_PARALLEL, make_executor
from txparity.harness.casefile import MAX_FILE_BYTES
from txparity.harness.corpus import save_entry

pytest_plugins = ["pytester"]

PARALLEL_BLOCK = VECTORS_DIR / "parallel_mixed_block.json"  # 8 transactions on devnet
TOO_DEEP = f"not valid JSON (nested deeper than {MAX_JSON_DEPTH} levels)"


def txparity(*args: object, stdin: int | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "txparity", *map(str, args)],
        capture_output=True, text=True, timeout=120, stdin=stdin,
    )  # fmt: skip


def hostile_files(directory: Path) -> dict[str, Path]:
    """A symlink to an endless device, a FIFO and a file one byte over the limit,
    each named like a corpus file."""
    directory.mkdir(parents=True, exist_ok=True)
    endless, fifo, huge = directory / "zero.json", directory / "fifo.json", directory / "huge.json"
    endless.symlink_to("/dev/zero")
    os.mkfifo(fifo)
    with huge.open("wb") as stream:
        stream.truncate(MAX_FILE_BYTES + 1)  # sparse: costs no disk
    return {"zero": endless, "fifo": fifo, "huge": huge}


REASONS = {
    "zero": "not a regular file (a character device)",
    "fifo": "not a regular file (a FIFO)",
    "huge": f"larger than {MAX_FILE_BYTES} bytes",
}


@pytest.mark.parametrize("command", ["run", "check", "shrink"])
@pytest.mark.parametrize("kind", sorted(REASONS))
def test_a_case_file_that_is_no_regular_file_is_refused(
    tmp_path: Path, command: str, kind: str
) -> None:
    path = hostile_files(tmp_path)[kind]
    extra = ["--corpus", tmp_path / "corpus"] if command == "shrink" else []
    done = txparity(command, path, *extra)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"txparity: error: cannot read {path}: {REASONS[kind]}\n"


def test_run_jsonl_refuses_a_fifo_too(tmp_path: Path) -> None:
    path = hostile_files(tmp_path)["fifo"]
    done = txparity("run", "--jsonl", path)
    assert (done.returncode, done.stderr) == (
        2,
        f"txparity: error: cannot read {path}: {REASONS['fifo']}\n",
    )


def test_replay_skips_each_and_goes_on(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    files = hostile_files(corpus / "f")
    good = save_entry(correct_entry(), corpus)
    done = txparity("replay", corpus)
    assert done.returncode == 3  # nothing diverged, but not everything was replayed
    assert done.stdout.splitlines() == [
        f"agrees   {good}",
        "replayed 1: 0 still diverge, 1 agree, 0 need an executor, 3 unreadable",
    ]
    assert sorted(done.stderr.splitlines()) == sorted(
        f"SKIP {files[kind]}: cannot read ({REASONS[kind]})" for kind in REASONS
    )


def test_a_campaign_lists_each_and_goes_on(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    files = hostile_files(corpus / "f")
    done = txparity("fuzz", "--executor", "batched@memory/seeded", "--cases", "2", "--seed", "0",
                    "--workers", "1", "--corpus", corpus, "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.splitlines()[-1])
    assert sorted(summary["replay"]["unreadable"]) == sorted(
        f"{files[kind]}: cannot read ({REASONS[kind]})" for kind in REASONS
    )
    assert summary["cases"] == 2


def test_the_pytest_plugin_reads_none_of_them(pytester: pytest.Pytester) -> None:
    """pytest collects regular files only, so the device and the FIFO are never
    items; the file over the limit is one, and fails unread."""
    pytester.makepyprojecttoml('[tool.pytest.ini_options]\ntxparity_corpus = ["corpus"]\n')
    files = hostile_files(pytester.path / "corpus")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=120)
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert f"unreadable counterexample: {files['huge']}: cannot read ({REASONS['huge']})" in output
    assert "zero.json" not in output and "fifo.json" not in output


# ---------------------------------------------------------------- nesting


def nested_code_case(depth: int, inner: str = "") -> str:
    """The parallel vector with a deploy whose code nests ``depth`` lists deep, the
    innermost holding the JSON text ``inner``."""
    case = json.loads(PARALLEL_BLOCK.read_text())["case"]
    code = "[" * depth + inner + "]" * depth
    deploy = {"kind": "deploy", "source": "alice", "nonce": 99, "fee": 0, "code": {"0": 0}}
    text = json.dumps(case | {"block": case["block"] | {"txs": [*case["block"]["txs"], deploy]}})
    return text.replace('"code": {"0": 0}', f'"code": {{"0": {code}}}')


def test_the_decoder_refuses_json_nested_too_deep() -> None:
    # The code's lists start at the sixth level: case, block, txs, deploy, code.
    assert len(decode_case(nested_code_case(MAX_JSON_DEPTH - 5)).block.txs) == 9
    for depth in (MAX_JSON_DEPTH - 4, 985, 100_000):
        with pytest.raises(InvalidCase) as refused:
            decode_case(nested_code_case(depth))
        assert (refused.value.path, refused.value.message) == ("case", TOO_DEEP)


@pytest.mark.parametrize(
    "text",
    ["[" * 300, "]" * 300, "\\" + "{" * 300, '"' + "]" * 300 + "\\", "\\\\" + '"[' * 150],
)
def test_brackets_inside_strings_do_not_nest(text: str) -> None:
    """Only brackets outside strings nest, however the strings escape quotes and
    backslashes around them."""
    inner = json.dumps(text)
    assert len(decode_case(nested_code_case(MAX_JSON_DEPTH - 5, inner)).block.txs) == 9
    with pytest.raises(InvalidCase) as refused:
        decode_case(nested_code_case(MAX_JSON_DEPTH - 4, inner))
    assert (refused.value.path, refused.value.message) == ("case", TOO_DEEP)


@pytest.mark.parametrize("command", ["run", "check", "shrink"])
def test_deep_contract_code_is_one_error_line(tmp_path: Path, command: str) -> None:
    path = tmp_path / "deep.json"
    path.write_text(nested_code_case(985))
    extra = ["--corpus", tmp_path / "corpus"] if command == "shrink" else []
    done = txparity(command, path, *extra)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"txparity: error: case: {TOO_DEEP}\n"


def test_replay_of_deep_json_skips_it_and_goes_on(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    good = save_entry(correct_entry(), corpus)
    deep = corpus / "0-deep.json"
    document = json.loads(good.read_text())
    text = json.dumps(document).replace('"detail": "fixed"', '"detail": ' + "[" * 985 + "]" * 985)
    deep.write_text(text)
    done = txparity("replay", corpus)
    assert done.stderr == f"SKIP {deep}: {TOO_DEEP}\n"
    assert done.stdout.splitlines() == [
        f"agrees   {good}",
        "replayed 1: 0 still diverge, 1 agree, 0 need an executor, 1 unreadable",
    ]


# ---------------------------------------------------------------- threads


@pytest.mark.parametrize("executor", CORRECT_PARALLEL)
@pytest.mark.parametrize("schedule", ["threads", "seeded"])
def test_a_case_asking_for_ten_million_threads_runs_on_the_most(
    executor: str, schedule: str
) -> None:
    document = json.loads(PARALLEL_BLOCK.read_text())
    expected = json.dumps(document["expected"], sort_keys=True, separators=(",", ":"))
    case = decode_case(json.dumps(document["case"] | {"config": {"threads": 10**7}}))
    execution = run_case(make_executor(executor, schedule), case, "memory")
    assert execution.result_json == expected
    if executor == "blockstm":
        assert execution.stats.tasks == MAX_THREADS


def test_check_of_ten_million_threads_agrees(tmp_path: Path) -> None:
    document = json.loads(PARALLEL_BLOCK.read_text())
    path = tmp_path / "threads.json"
    path.write_text(json.dumps(document["case"] | {"config": {"threads": 10**7}}))
    done = txparity("check", path)
    assert (done.returncode, done.stdout) == (0, "agree: 20 executor(s), 60 run(s)\n")


# ---------------------------------------------------------------- standard input


@pytest.mark.parametrize(
    "args", [["run", "-"], ["run", "--jsonl", "-"], ["check", "-"], ["shrink", "-"]]
)
def test_a_closed_standard_input_is_one_error_line(tmp_path: Path, args: list[str]) -> None:
    extra = ["--corpus", tmp_path / "corpus"] if args[0] == "shrink" else []
    done = subprocess.run(
        [sys.executable, "-m", "txparity", *args, *map(str, extra)],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
        preexec_fn=lambda: os.close(0),
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "txparity: error: cannot read standard input: it is closed\n"


# ---------------------------------------------------------------- unknown executors


def test_a_campaign_skips_an_entry_naming_an_unknown_executor(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    path = save_entry(mutant_entry(), corpus)
    document = json.loads(path.read_text())
    document["executors"] = ["warp-drive@memory/seeded"]
    path.write_text(json.dumps(document))
    done = txparity("fuzz", "--executor", "batched@memory/seeded", "--cases", "2", "--seed", "0",
                    "--workers", "1", "--corpus", corpus)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (
        f"skipped unreadable corpus file: {path}: executors[0]: unknown executor 'warp-drive'"
    ) in done.stdout
    assert "2 cases in" in done.stdout
