"""txparity: differential fuzzing and parity testing for parallel transaction executors.

The installed package has two parts, kept in the repository's top-level folders:
``txparity.executors`` (the systems under test and the one set of transaction
rules they share) and ``txparity.harness`` (finding, shrinking and keeping
divergences). Importing ``txparity`` itself loads neither.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

__all__ = ["__version__"]

try:
    __version__ = version("txparity")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"
