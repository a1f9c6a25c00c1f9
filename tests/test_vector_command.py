"""``txparity vector``: a scenario vector from any case, vector or corpus file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import VECTOR_PATHS, load_vector
from tests.test_mutants import RACY_FEES
from txparity.executors.codec import canonical_json, decode_case
from txparity.harness.corpus import entry_of, save_entry
from txparity.harness.differential import Equivalence, Runner
from txparity.harness.options import Options
from txparity.harness.vector import VectorRefused, vector_of, vector_text, write_vector


@pytest.mark.parametrize("path", VECTOR_PATHS[:12], ids=[p.stem for p in VECTOR_PATHS[:12]])
def test_the_vector_of_a_vector_is_that_vector(path: Path) -> None:
    case_json, expected = load_vector(path)
    made = vector_of(decode_case(canonical_json(case_json)))
    assert made["case"] == case_json
    assert canonical_json(made["expected"]) == expected


def test_a_written_vector_reads_back_as_a_vector(tmp_path: Path) -> None:
    case_json, expected = load_vector(VECTOR_PATHS[0])
    vector = vector_of(decode_case(canonical_json(case_json)))
    target = tmp_path / "fixed_bug.json"
    write_vector(vector, target)
    assert target.read_text() == vector_text(vector)
    assert load_vector(target) == (case_json, expected)
    assert [p.name for p in tmp_path.iterdir()] == ["fixed_bug.json"]  # no temporary left


def test_an_existing_file_is_replaced_only_when_asked(tmp_path: Path) -> None:
    case_json, _ = load_vector(VECTOR_PATHS[0])
    vector = vector_of(decode_case(canonical_json(case_json)))
    target = tmp_path / "kept.json"
    target.write_text("precious\n")
    with pytest.raises(VectorRefused, match=r"kept\.json exists \(--force replaces it\)$"):
        write_vector(vector, target)
    assert target.read_text() == "precious\n"
    write_vector(vector, target, replace=True)
    assert json.loads(target.read_text()) == vector


def test_a_missing_directory_is_refused(tmp_path: Path) -> None:
    case_json, _ = load_vector(VECTOR_PATHS[0])
    vector = vector_of(decode_case(canonical_json(case_json)))
    with pytest.raises(VectorRefused, match=r"^no such directory: .*absent$"):
        write_vector(vector, tmp_path / "absent" / "v.json")


# ---------------------------------------------------------------- txparity vector


def txparity(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "txparity", *args], capture_output=True, text=True, timeout=120
    )


def test_a_corpus_file_becomes_a_vector_the_vector_tests_run(tmp_path: Path) -> None:
    """The whole path of a fixed bug: its saved counterexample, made a vector."""
    case = decode_case(json.dumps(RACY_FEES))
    with Runner(["batched-racy-fees@memory/seeded"], Options(seeds=1)) as runner:
        [divergence] = runner.check(case).divergences
        reference = runner.reference_result(case)
    saved = save_entry(entry_of(divergence, False, Equivalence.STRICT), tmp_path / "corpus")
    target = tmp_path / "racy_fees_lost.json"
    done = txparity("vector", str(saved), "--output", str(target))
    assert (done.returncode, done.stdout, done.stderr) == (0, "", f"wrote {target}\n")
    case_json, expected = load_vector(target)
    assert decode_case(canonical_json(case_json)) == case
    assert expected == reference
    printed = txparity("vector", str(saved))
    assert (printed.returncode, printed.stdout) == (0, target.read_text())


def test_vector_refuses_to_overwrite_and_bad_input(tmp_path: Path) -> None:
    target = tmp_path / "taken.json"
    target.write_text("mine\n")
    done = txparity("vector", str(VECTOR_PATHS[0]), "-o", str(target))
    assert (done.returncode, done.stderr) == (
        2, f"txparity: error: {target} exists (--force replaces it)\n"
    )  # fmt: skip
    assert target.read_text() == "mine\n"
    assert txparity("vector", str(VECTOR_PATHS[0]), "-o", str(target), "--force").returncode == 0
    assert load_vector(target) == load_vector(VECTOR_PATHS[0])
    missing = txparity("vector", str(tmp_path / "nope.json"))
    assert missing.returncode == 2
    assert missing.stderr.startswith("txparity: error: cannot read ")
