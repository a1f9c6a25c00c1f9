"""The shards of a night: which campaigns run side by side, each on a runner of its own.

A night is ``count`` shards. Shard ``i`` takes the ``i``-th combination of case
profile and case format (profiles first, so that the first shards cover every
profile; a profile that cannot draw a format, such as ``v2`` in version 1, is left
out of it), cycling when there are more shards than combinations, and a seed of its
own derived from the night's base seed and ``i``. Two shards never share a seed,
and one night's seeds say nothing of the next night's, so every night draws new
cases, while a night is reproduced from its base seed alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from txparity.harness.errors import ProfileFormatMismatch
from txparity.harness.nightly._errors import NightlyError
from txparity.harness.strategies import PROFILES, CaseFormat, v2_share

__all__ = [
    "CASE_FORMATS",
    "DEFAULT_MINUTES",
    "DEFAULT_SHARDS",
    "MAX_MINUTES",
    "MAX_SHARDS",
    "Shard",
    "check_minutes",
    "job_timeout_minutes",
    "plan_shards",
    "shard_seed",
    "step_timeout_minutes",
]

# The case formats a night's campaigns draw, by the name a shard carries, with the
# ``--format`` each one is run with: each profile in version 1 only (SPEC sections 1
# to 9, what executors that speak only version 1 are held to) and in version 2 only.
CASE_FORMATS: Mapping[str, CaseFormat] = MappingProxyType(
    {"v1": CaseFormat.V1, "v2": CaseFormat.V2}
)

DEFAULT_SHARDS = 13  # every profile in each format it can draw, once
DEFAULT_MINUTES = 30
MAX_SHARDS = 100  # GitHub allows 256 jobs per matrix; far past what a night needs
MAX_MINUTES = 300  # a GitHub-hosted job is cancelled after 360 minutes

# Past the campaign's own minutes: the corpus replay and a last shrink finish inside
# them, so the step needs only a margin; the job adds the install and the uploads.
_STEP_MARGIN_MINUTES = 10
_JOB_MARGIN_MINUTES = 20


@dataclass(frozen=True, slots=True)
class Shard:
    """One campaign of the night."""

    index: int
    profile: str
    format: str
    seed: int

    @property
    def name(self) -> str:
        return f"{self.index:02d}-{self.profile}-{self.format}"

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "index": self.index,
            "profile": self.profile,
            "format": self.format,
            "case_format": CASE_FORMATS[self.format].value,
            "seed": self.seed,
        }


def shard_seed(base_seed: int, index: int) -> int:
    """Shard ``index``'s campaign seed: 32 bits of a hash of the base seed and the index."""
    digest = hashlib.sha256(f"txparity-night:{base_seed}:{index}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def plan_shards(count: int, base_seed: int) -> tuple[Shard, ...]:
    """The ``count`` shards of a night with ``base_seed`` (see the module text)."""
    if not 1 <= count <= MAX_SHARDS:
        raise NightlyError(f"shards: must be 1 to {MAX_SHARDS}: {count}")
    if base_seed < 0:
        raise NightlyError(f"base seed: must be at least 0: {base_seed}")
    combinations = [
        (profile, form) for form in CASE_FORMATS for profile in PROFILES if _draws(profile, form)
    ]
    shards = []
    for index in range(count):
        profile, form = combinations[index % len(combinations)]
        shards.append(Shard(index, profile, form, shard_seed(base_seed, index)))
    return tuple(shards)


def _draws(profile: str, form: str) -> bool:
    try:
        v2_share(profile, CASE_FORMATS[form])
    except ProfileFormatMismatch:
        return False
    return True


def check_minutes(minutes: int) -> int:
    """``minutes`` if a shard may fuzz that long, else ``NightlyError``."""
    if not 1 <= minutes <= MAX_MINUTES:
        raise NightlyError(f"minutes: must be 1 to {MAX_MINUTES}: {minutes}")
    return minutes


def step_timeout_minutes(minutes: int) -> int:
    """The limit of a shard's fuzzing step: the campaign's minutes and a margin."""
    return check_minutes(minutes) + _STEP_MARGIN_MINUTES


def job_timeout_minutes(minutes: int) -> int:
    """The limit of a shard's job: its fuzzing step, the install and the uploads."""
    return check_minutes(minutes) + _JOB_MARGIN_MINUTES
