"""Every scenario vector through the reference executor, on both backends.

The version 1 vectors and the shared version 2 ones (``v2_*``) come from the
project's public set; ten more version 2 vectors were derived by hand for the
JavaScript executor (``examples/external``) and are kept unchanged. Every version 1
vector is also run relabelled as a version 2 case: version 2 only adds, so it must
give the same state and receipts, with empty logs and every contract at nonce 0.
"""

from __future__ import annotations

import json
from copy import deepcopy
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import VECTOR_PATHS, load_vector
from txparity.executors.codec import decode_case
from txparity.executors.execution import run_case
from txparity.executors.sequential import SequentialExecutor

V1_VECTORS = [path for path in VECTOR_PATHS if not path.stem.startswith("v2_")]
SHARED_V2_VECTORS = 14
HAND_DERIVED_V2_VECTORS = 10


def test_there_are_vectors() -> None:
    assert len(V1_VECTORS) == 35
    assert len(VECTOR_PATHS) == 35 + SHARED_V2_VECTORS + HAND_DERIVED_V2_VECTORS


def test_each_vector_is_of_the_version_its_name_says() -> None:
    for path in VECTOR_PATHS:
        case_json, expected = load_vector(path)
        version = 2 if path.stem.startswith("v2_") else 1
        assert case_json["format"] == f"txparity.case/{version}", path.stem
        assert json.loads(expected)["format"] == f"txparity.result/{version}", path.stem


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_sequential_gives_the_expected_result(
    vector: tuple[dict[str, object], str], backend: str
) -> None:
    case_json, expected = vector
    execution = run_case(SequentialExecutor(), decode_case(json.dumps(case_json)), backend)
    assert execution.result_json == expected


def as_version_2(expected: dict[str, Any]) -> dict[str, Any]:
    """A version 1 result as version 2 shows it: no logs, every contract at nonce 0."""
    result = deepcopy(expected)
    result["format"] = "txparity.result/2"
    for receipt in result["receipts"]:
        receipt["logs"] = []
    for contract in result["state"]["contracts"].values():
        contract["nonce"] = 0
    return result


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
@pytest.mark.parametrize("path", V1_VECTORS, ids=[path.stem for path in V1_VECTORS])
def test_a_version_1_vector_relabelled_version_2_means_the_same(path: Path, backend: str) -> None:
    case_json, expected = load_vector(path)
    relabelled = dict(case_json, format="txparity.case/2")
    execution = run_case(SequentialExecutor(), decode_case(json.dumps(relabelled)), backend)
    want = as_version_2(json.loads(expected))
    assert execution.result_json == json.dumps(want, sort_keys=True, separators=(",", ":"))
