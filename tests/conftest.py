"""Shared fixtures: the scenario vectors, and Hypothesis profiles."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Hypothesis loads its own derandomized "ci" profile whenever CI is set; ours are
# chosen explicitly by TXPARITY_PROFILE (dev locally, ci under CI, nightly by hand).
settings.register_profile("dev", max_examples=30, deadline=None)
settings.register_profile(
    "ci", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "nightly", max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck)
)
settings.load_profile(os.environ.get("TXPARITY_PROFILE", "ci" if os.environ.get("CI") else "dev"))

VECTORS_DIR = Path(__file__).parent / "vectors"
VECTOR_PATHS = sorted(VECTORS_DIR.glob("*.json"))


def load_vector(path: Path) -> tuple[dict[str, object], str]:
    """A vector's case (as JSON) and its expected canonical result line."""
    document = json.loads(path.read_text())
    expected = json.dumps(document["expected"], sort_keys=True, separators=(",", ":"))
    return document["case"], expected


@pytest.fixture(params=VECTOR_PATHS, ids=[path.stem for path in VECTOR_PATHS])
def vector(request: pytest.FixtureRequest) -> tuple[dict[str, object], str]:
    return load_vector(request.param)
