"""The Hypothesis settings profiles of the project's property tests.

``dev`` (30 examples, the default on a workstation), ``ci`` (100 examples, chosen
when ``$CI`` is set) and ``nightly`` (2000 examples), with
``$TXPARITY_PROFILE`` choosing one explicitly. Test suites call
``load_settings_profile()`` once, from their ``conftest.py``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

__all__ = ["load_settings_profile", "register_settings_profiles"]


def register_settings_profiles() -> None:
    """Register the Hypothesis profiles ``dev``, ``ci`` and ``nightly``.

    Each has Hypothesis' ``default`` profile as its parent, never the active one:
    with ``CI`` set, Hypothesis activates its own derandomized ``ci`` profile, whose
    settings would otherwise leak into ours.
    """
    base = settings.get_profile("default")
    settings.register_profile("dev", base, max_examples=30, deadline=None)
    settings.register_profile(
        "ci", base, max_examples=100, deadline=None, print_blob=True,
        suppress_health_check=[HealthCheck.too_slow],
    )  # fmt: skip
    # The nightly run keeps the health checks that catch a generator regression
    # (data_too_large, filter_too_much, large_base_example): a long run on a broken
    # generator finds nothing while looking busy. Only the fuzzing drivers (the
    # campaign, atheris), which feed raw bytes, turn every one off.
    settings.register_profile(
        "nightly", base, max_examples=2000, deadline=None, print_blob=True,
        suppress_health_check=[HealthCheck.too_slow],
    )  # fmt: skip


def load_settings_profile(name: str | None = None) -> str:
    """Register our profiles and load one: ``name``, else ``$TXPARITY_PROFILE``, else
    ``ci`` when ``$CI`` is set and ``dev`` otherwise. Returns the name loaded."""
    register_settings_profiles()
    env = os.environ.get("TXPARITY_PROFILE")
    chosen = name or env or ("ci" if os.environ.get("CI") else "dev")
    settings.load_profile(chosen)
    return chosen
