"""The nightly package's one error."""

from __future__ import annotations

from txparity.harness.errors import InputError

__all__ = ["NightlyError"]


class NightlyError(InputError):
    """A findings directory, a shard's files or an option that the nightly tools cannot
    use; the message names it and says why."""
