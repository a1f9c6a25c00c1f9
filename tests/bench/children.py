"""What the benchmarks that time fresh processes share: the environment those
processes get, and a line saying what install they measure.

Two things about an install move start-up figures by tens of milliseconds, and
neither is txparity's code:

- an editable install (``pip install -e``) adds an import hook that every Python
  start in that environment loads, the bare interpreter's too;
- sqlite-utils imports numpy with itself when numpy is importable. A campaign
  first imports sqlite-utils when it re-checks the reference on SQLite, on the way
  to its first divergence. numpy comes with the ``test`` extra (through matplotlib),
  not with ``pip install .``.

So each benchmark that starts processes takes ``--python`` (the interpreter of the
install to measure), prints ``describe_install`` of it with its figures, and starts
its processes from an empty directory (``away_from_the_source``).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from collections.abc import Iterator

__all__ = ["away_from_the_source", "child_environment", "describe_install"]

# Run by the measured interpreter: where txparity comes from, whether it is an
# editable install, whether numpy is importable (found, not imported).
_DESCRIBE = """
import importlib.metadata, importlib.util, json
distribution = importlib.metadata.distribution("txparity")
url = json.loads(distribution.read_text("direct_url.json") or "{}")
editable = url.get("dir_info", {}).get("editable", False)
print(distribution.version, "editable" if editable else "regular",
      "numpy" if importlib.util.find_spec("numpy") else "no-numpy")
"""


def child_environment() -> dict[str, str]:
    """This process's environment, with the bytecode cache allowed: an installed
    txparity runs from its cache, and without one every start compiles every module
    again, which measures the compiler rather than txparity."""
    return {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def describe_install(python: str) -> str:
    """One line on the install ``python`` runs, for a benchmark's header."""
    with away_from_the_source():  # where no source tree's metadata is found first
        done = subprocess.run(
            [python, "-c", _DESCRIBE], capture_output=True, text=True, env=child_environment()
        )
    if done.returncode != 0:
        return f"{python}: cannot tell its install ({done.stderr.strip().splitlines()[-1:]})"
    version, kind, numpy = done.stdout.split()
    numpy_note = (
        "numpy importable (sqlite-utils imports it with itself)" if numpy == "numpy" else "no numpy"
    )
    return f"{python}: txparity {version}, {kind} install, {numpy_note}"


@contextlib.contextmanager
def away_from_the_source() -> Iterator[None]:
    """The current directory an empty one while active: ``python -m txparity`` looks
    in the current directory first, so from the repository's root every child would
    import the source tree instead of the install that ``--python`` names."""
    with tempfile.TemporaryDirectory(prefix="txparity-bench-") as empty, contextlib.chdir(empty):
        yield
