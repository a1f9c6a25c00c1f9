"""The executor gives the reference's result for every block it supports."""

from __future__ import annotations

from hypothesis import given, settings

from txparity.executors.model import Case
from txparity.harness.differential import Runner
from txparity.harness.pytest_plugin import assert_agree
from txparity.harness.strategies import Knobs, cases

# What the executor supports: transfers and burns (kind weights: transfer, burn,
# deploy, invoke), no contracts.
TRANSFERS_AND_BURNS = Knobs(contracts=(0, 0), kinds=(80, 20, 0, 0))


# No deadline: each example is a round trip to another process. The number of
# examples comes from the Hypothesis profile (--txparity-profile dev|ci|nightly).
@settings(deadline=None)
@given(cases(TRANSFERS_AND_BURNS))
def test_the_executor_agrees_with_the_reference(runner: Runner, case: Case) -> None:
    assert_agree(case, runner)
