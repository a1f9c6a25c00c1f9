"""Shared fixtures: the scenario vectors, Hypothesis profiles, and the planted bugs as
parameters of the tests that search for them with their generator profile."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from txparity.executors.mutants import MUTANTS
from txparity.harness.hypothesis_profiles import load_settings_profile

# Hypothesis loads its own derandomized "ci" profile whenever CI is set; ours replace
# it, chosen by TXPARITY_PROFILE (default: ci under CI, dev elsewhere).
load_settings_profile()

# A shrink budget no shrink in these tests comes near: each runs to its fixed point
# (a round that keeps nothing), so a loaded machine makes it slower, never different.
# Only tests about the budget itself give a shrink less.
SHRINK_TO_FIXED_POINT_S = 3600.0

VECTORS_DIR = Path(__file__).parent / "vectors"
VECTOR_PATHS = sorted(VECTORS_DIR.glob("*.json"))


class CountedClock:
    """A clock that moves one second each time it is read: a time limit runs out
    after a set number of readings, on any machine, busy or not."""

    def __init__(self) -> None:
        self.readings = 0

    def monotonic(self) -> float:
        self.readings += 1
        return float(self.readings)


def load_vector(path: Path) -> tuple[dict[str, object], str]:
    """A vector's case (as JSON) and its expected canonical result line."""
    document = json.loads(path.read_text())
    expected = json.dumps(document["expected"], sort_keys=True, separators=(",", ":"))
    return document["case"], expected


@pytest.fixture(params=VECTOR_PATHS, ids=[path.stem for path in VECTOR_PATHS])
def vector(request: pytest.FixtureRequest) -> tuple[dict[str, object], str]:
    return load_vector(request.param)


def planted_bugs() -> list[str]:
    """Every planted bug's name, as a test parameter: each is searched for with the
    generator profile it names."""
    return sorted(MUTANTS)
