"""Every scenario vector through the reference executor, on both backends."""

from __future__ import annotations

import json

import pytest

from tests.conftest import VECTOR_PATHS
from txparity.executors.codec import decode_case
from txparity.executors.execution import run_case
from txparity.executors.sequential import SequentialExecutor


def test_there_are_vectors() -> None:
    assert len(VECTOR_PATHS) == 35


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_sequential_gives_the_expected_result(
    vector: tuple[dict[str, object], str], backend: str
) -> None:
    case_json, expected = vector
    execution = run_case(SequentialExecutor(), decode_case(json.dumps(case_json)), backend)
    assert execution.result_json == expected
