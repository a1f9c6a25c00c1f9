"""The worked example of bringing your own executors (``examples/adapters/python``).

A payments ledger with a sequential engine and a parallel one built from the same
rules, each behind the same thin adapter, run as real subprocesses exactly as the
documentation's commands run them:

- on every scenario vector, each engine (the planted bug too) answers what the
  vector expects, or ``unsupported`` for what the ledger does not have, and its
  answers validate against the published result schema;
- fuzzing the parallel engine against the sequential one as ``--reference`` finds
  nothing, and finds the planted bug (``--bug``) at once, shrunk to four
  transactions, saved with its reference and replayed against it only when named;
- ``--reference none`` with the three of them splits two against one;
- the same ledger's adapter in Rust (``examples/adapters/rust``), built offline with
  cargo, answers every vector as the Python one does and agrees with it, as the
  reference, on generated payments.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from tests.conftest import VECTOR_PATHS
from txparity.executors.codec import canonical_json
from txparity.harness.corpus import corpus_files, load_entry
from txparity.harness.options import NO_REFERENCE
from txparity.harness.schemas import load_schema

ADAPTERS = Path(__file__).resolve().parents[1] / "examples" / "adapters"
ADAPTER = ADAPTERS / "python" / "adapter.py"
PATIENT_S = 120  # per case; no answer comes near it, even on a loaded machine


def adapter(*arguments: str) -> list[str]:
    return [sys.executable, str(ADAPTER), *arguments]


def spec(*arguments: str) -> str:
    return "cmd:" + shlex.join(adapter(*arguments))


SEQUENTIAL = spec("--engine", "sequential")
PARALLEL = spec("--engine", "parallel")
BUGGY = spec("--engine", "parallel", "--bug")


def txparity(*arguments: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "txparity", *map(str, arguments)],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip


def supported(case: dict[str, object]) -> bool:
    """Whether the ledger has everything ``case`` uses: no contracts, payments only."""
    genesis, block = case["genesis"], case["block"]
    assert isinstance(genesis, dict) and isinstance(block, dict)
    return not genesis["contracts"] and all(
        tx["kind"] in ("transfer", "burn") for tx in block["txs"]
    )


# ---------------------------------------------------------------- the vectors


VECTORS = [json.loads(path.read_text()) for path in VECTOR_PATHS]


@pytest.mark.parametrize(
    "engine", [["sequential"], ["parallel"], ["parallel", "--bug"]], ids=" ".join
)
def test_each_engine_answers_every_vector_it_supports_as_expected(engine: list[str]) -> None:
    """The planted bug too: no scenario vector has what it takes to show it."""
    answers_every_vector_as_expected(adapter("--engine", *engine))


def answers_every_vector_as_expected(command: list[str]) -> None:
    lines = "".join(json.dumps(vector["case"]) + "\n\n" for vector in VECTORS)  # blanks: no answer
    done = subprocess.run(command, input=lines, capture_output=True, text=True, timeout=600)
    assert (done.returncode, done.stderr) == (0, "")
    answers = done.stdout.splitlines()
    assert len(answers) == len(VECTORS)
    schemas = {n: Draft202012Validator(load_schema(f"result.v{n}.schema.json")) for n in "12"}
    kept = 0
    for path, vector, answer in zip(VECTOR_PATHS, VECTORS, answers, strict=True):
        if supported(vector["case"]):
            assert answer == canonical_json(vector["expected"]), path.name
            schemas[json.loads(answer)["format"][-1]].validate(json.loads(answer))
            kept += 1
        else:
            assert json.loads(answer)["error"].startswith("unsupported: "), path.name
    assert kept == 15  # version 1 ones: every version 2 vector holds a contract


# ---------------------------------------------------------------- fuzzing, shrinking, replaying


def fuzz(executor: str, corpus: Path, cases: int) -> subprocess.CompletedProcess[str]:
    return txparity(
        "fuzz", "--reference", SEQUENTIAL, "--executor", executor, "--profile", "payments",
        "--cases", cases, "--seed", 1, "--workers", 1, "--timeout", PATIENT_S,
        "--corpus", corpus,
    )  # fmt: skip


def test_the_parallel_engine_agrees_on_generated_payments(tmp_path: Path) -> None:
    done = fuzz(PARALLEL, tmp_path / "corpus", 150)
    assert done.returncode == 0, done.stdout
    assert "150 cases in " in done.stdout
    assert "; 0 divergence(s), 0 fingerprint(s)" in done.stdout
    assert not (tmp_path / "corpus").exists() or not list(corpus_files([tmp_path / "corpus"]))


def test_fuzzing_finds_the_planted_bug_shrinks_it_and_replays_it(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    done = fuzz(BUGGY, corpus, 60)
    assert done.returncode == 1, done.stderr
    saved = list(corpus_files([corpus]))
    assert saved
    for path in saved:
        entry = load_entry(path)
        assert (entry.executors, entry.reference, entry.shrunk) == ((BUGGY,), SEQUENTIAL, True)
        # The parallel path starts at 4 transactions on devnet; fewer run sequentially.
        assert len(entry.case.block.txs) == 4
    path = saved[0]
    assert f"txparity replay {path} --executor {shlex.quote(BUGGY)} " in done.stdout

    unnamed = txparity("replay", path)
    assert unnamed.returncode == 3
    assert unnamed.stdout.startswith(f"NEEDS EXECUTOR {path}: ")
    named = txparity("replay", path, "--executor", BUGGY, "--reference", SEQUENTIAL)
    assert named.returncode == 1
    assert named.stdout.startswith(f"DIVERGES {path}: {BUGGY}: ")
    fixed = txparity("replay", path, "--executor", PARALLEL, "--reference", SEQUENTIAL)
    assert (fixed.returncode, fixed.stdout.splitlines()[0]) == (0, f"agrees   {path}")

    three = ("--executor", SEQUENTIAL, "--executor", PARALLEL, "--executor", BUGGY)
    split = txparity("check", path, "--reference", NO_REFERENCE, "--timeout", PATIENT_S, *three)
    assert split.returncode == 1
    lines = split.stdout.splitlines()
    assert lines[0].endswith("among 3 executors, no reference: 2 agree, 1 differs")
    assert lines[1] == f"  group 1, 2 agree: {SEQUENTIAL}, {PARALLEL}"
    assert lines[2].startswith(f"  group 2, 1 differs: {BUGGY}: ")


# ---------------------------------------------------------------- the adapter in Rust


@pytest.fixture(scope="module")
def rust_adapter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("cargo") is None:
        pytest.skip("the Rust adapter needs cargo")
    target = tmp_path_factory.mktemp("target")
    built = subprocess.run(
        ["cargo", "build", "--release", "--offline", "--quiet",
         "--manifest-path", str(ADAPTERS / "rust" / "Cargo.toml")],
        env=os.environ | {"CARGO_TARGET_DIR": str(target)},
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    return target / "release" / "ledger-adapter"


def test_the_rust_adapter_answers_every_vector_it_supports_as_expected(rust_adapter: Path) -> None:
    answers_every_vector_as_expected([str(rust_adapter)])


def test_the_rust_adapter_agrees_with_the_python_one_on_generated_payments(
    rust_adapter: Path, tmp_path: Path
) -> None:
    done = fuzz("cmd:" + shlex.quote(str(rust_adapter)), tmp_path / "corpus", 100)
    assert done.returncode == 0, done.stdout
    assert "100 cases in " in done.stdout
    assert "; 0 divergence(s), 0 fingerprint(s)" in done.stdout
