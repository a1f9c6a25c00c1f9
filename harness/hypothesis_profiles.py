"""The Hypothesis settings profiles of property tests written with txparity.

``dev`` (30 examples, the default on a workstation), ``ci`` (100 examples, chosen
when ``$CI`` is set) and ``nightly`` (2000 examples, every health check off), with
``$TXPARITY_PROFILE`` choosing one explicitly. txparity's own suite calls
``load_settings_profile()`` from its ``conftest.py``; in any project, the pytest
plugin loads the profile named by ``--txparity-profile`` or ``$TXPARITY_PROFILE``.

Importing this module does not import Hypothesis (the pytest plugin reads the names
below in every session); registering or loading a profile does.
"""

from __future__ import annotations

import os

__all__ = [
    "PROFILE_NAMES",
    "PROFILE_VARIABLE",
    "chosen_profile",
    "load_settings_profile",
    "register_settings_profiles",
]

PROFILE_NAMES = ("dev", "ci", "nightly")
PROFILE_VARIABLE = "TXPARITY_PROFILE"


def register_settings_profiles() -> None:
    """Register the Hypothesis profiles ``dev``, ``ci`` and ``nightly``.

    Each has Hypothesis' ``default`` profile as its parent, never the active one:
    with ``CI`` set, Hypothesis activates its own derandomized ``ci`` profile, whose
    settings would otherwise leak into ours.
    """
    from hypothesis import HealthCheck, settings

    base = settings.get_profile("default")
    settings.register_profile("dev", base, max_examples=30, deadline=None)
    settings.register_profile(
        "ci", base, max_examples=100, deadline=None, print_blob=True,
        suppress_health_check=[HealthCheck.too_slow],
    )  # fmt: skip
    settings.register_profile(
        "nightly", base, max_examples=2000, deadline=None, print_blob=True,
        suppress_health_check=list(HealthCheck),
    )  # fmt: skip


def chosen_profile(name: str | None = None) -> str:
    """``name``, else ``$TXPARITY_PROFILE``, else ``ci`` when ``$CI`` is set and
    ``dev`` otherwise."""
    return name or os.environ.get(PROFILE_VARIABLE) or ("ci" if os.environ.get("CI") else "dev")


def load_settings_profile(name: str | None = None) -> str:
    """Register our profiles and load the ``chosen_profile``. Returns its name.

    Hypothesis' ``InvalidArgument`` if no profile of that name is registered."""
    from hypothesis import settings

    register_settings_profiles()
    chosen = chosen_profile(name)
    settings.load_profile(chosen)
    return chosen
