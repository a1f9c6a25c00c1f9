"""``txparity vector``: a scenario vector from any case, vector or corpus file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import VECTOR_PATHS, load_vector
from txparity.executors.codec import canonical_json, decode_case
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
