"""Writing a file a command was asked for (``--json``, ``--plot``, ``--metrics``).

The bytes go to a temporary file in the same directory, which is then renamed over
the path: a reader (a dashboard, the nightly comparison) sees the old file or the
whole new one, never half of one, and a run killed while writing leaves the old
file as it was. A path that cannot be written is the user's to fix: ``InputError``,
one line.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from txparity.harness.errors import InputError

__all__ = ["check_output", "write_output"]


def write_output(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically; ``InputError`` if it cannot be."""
    directory = path.parent
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise InputError(f"cannot write {path}: {error.strerror or error}") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; these are for sharing
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise InputError(f"cannot write {path}: {error.strerror or error}") from None


def check_output(path: Path) -> None:
    """Raise ``InputError`` now if ``path`` could not be written later: a command
    that runs for minutes should not fail at its end over a mistyped directory."""
    directory = path.parent
    if path.is_dir():
        raise InputError(f"cannot write {path}: it is a directory")
    if not directory.is_dir():
        raise InputError(f"cannot write {path}: no such directory {directory}")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise InputError(f"cannot write {path}: directory {directory} is not writable")
