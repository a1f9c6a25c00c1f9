"""txparity: differential fuzzing and parity testing for parallel transaction executors.

The installed package has two parts, kept in the repository's top-level folders:
``txparity.executors`` (the systems under test and the one set of transaction
rules they share) and ``txparity.harness`` (finding, shrinking and keeping
divergences). Importing ``txparity`` itself loads neither.
"""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    """``__version__``, read from the installed metadata when first asked for:
    ``importlib.metadata`` costs more to import than the rest of ``txparity run``'s
    start-up, and most commands never ask."""
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("txparity")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"
