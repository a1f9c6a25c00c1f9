"""Parity properties: every correct parallel executor equals the reference.

Each property draws whole cases from a named profile and checks them on every
in-tree parallel executor, on both backends and both schedules. The number of
examples comes from the Hypothesis settings profile (``TXPARITY_PROFILE``: dev,
ci, nightly). A failure saves the counterexample and prints the command that
replays it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given

from txparity.executors.model import Case
from txparity.harness.differential import Runner
from txparity.harness.options import Options, default_specs
from txparity.harness.pytest_plugin import assert_agree
from txparity.harness.strategies import cases


@pytest.fixture(scope="module")
def runner() -> Iterator[Runner]:
    with Runner(default_specs(), Options(seeds=2)) as shared:
        yield shared


@given(cases("mixed"))
def test_mixed_blocks_agree(runner: Runner, case: Case) -> None:
    assert_agree(case, runner)


@given(cases("contended"))
def test_contended_blocks_agree(runner: Runner, case: Case) -> None:
    assert_agree(case, runner)


@given(cases("contracts"))
def test_contract_blocks_agree(runner: Runner, case: Case) -> None:
    assert_agree(case, runner)


@given(cases("nonces"))
def test_nonce_races_agree(runner: Runner, case: Case) -> None:
    assert_agree(case, runner)


@given(cases("wide"))
def test_wide_blocks_agree(runner: Runner, case: Case) -> None:
    assert_agree(case, runner)


@given(cases("v2"))
def test_version_2_blocks_agree(runner: Runner, case: Case) -> None:
    assert_agree(case, runner)
