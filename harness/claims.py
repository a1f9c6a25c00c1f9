"""Who saves a fingerprint: claims that a dead claimer cannot keep.

A process saves (and shrinks) a divergence into ``<corpus>/<fingerprint>/`` only
while it holds that fingerprint's claim: an exclusive ``flock`` on the file
``.claim`` in that directory, which records the holder's pid and start time for a
person looking. The kernel drops the lock when its holder dies, however it dies
(SIGKILL included), so a claim can never outlive its claimer: a campaign killed
between claiming a fingerprint and saving it leaves at most an empty directory and
an unlocked ``.claim``, and the next run that finds the fingerprint takes the claim
and saves it. Two live processes never hold one claim, so two campaigns on one
corpus never both save a fingerprint: the second waits for nothing, it is told the
claim is held and goes on.

Taking a claim::

    open .claim (create) --> lock it, without waiting --> held by a live process: not ours
                                   |
                                   v
           is .claim still the file we locked? -- no: its holder removed it as
                                   |               it let go; start again
                                   v yes
                                 ours (until we remove .claim, then unlock)

A holder removes ``.claim`` before it unlocks, so that a corpus is left clean; a
process that opened the file just before that finds, once it gets the lock, that
the name no longer leads to it, and starts again on the new one.

``remove_stale_temporaries`` deletes what a kill in the middle of a save left
behind (``.tmp-*`` files, see ``harness.corpus``): only those older than
``STALE_TEMPORARY_S``, since a save in progress renames its file within moments.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from txparity.harness.errors import InputError

__all__ = [
    "CLAIM_NAME",
    "STALE_TEMPORARY_S",
    "TEMPORARY_PREFIX",
    "check_writable",
    "claim",
    "remove_stale_temporaries",
]

CLAIM_NAME = ".claim"
TEMPORARY_PREFIX = ".tmp-"
STALE_TEMPORARY_S = 600.0  # a temporary file this old belongs to a save that died


@contextlib.contextmanager
def claim(directory: Path) -> Iterator[bool]:
    """Hold the claim on ``directory`` (made if needed) while active: True if this
    process holds it, False if a live process does. ``OSError`` if the directory
    cannot be made or the claim file written."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / CLAIM_NAME
    descriptor = _lock(path)
    if descriptor is None:
        yield False
        return
    try:
        _describe_holder(descriptor)
        yield True
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        os.close(descriptor)  # unlocks


def _lock(path: Path) -> int | None:
    """A descriptor of ``path`` locked by us, or None if a live process holds it."""
    while True:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            return None
        if _still_named(path, descriptor):
            return descriptor
        os.close(descriptor)  # its holder removed it as it let go: the claim is free again


def _still_named(path: Path, descriptor: int) -> bool:
    try:
        named = path.stat()
    except FileNotFoundError:
        return False
    opened = os.fstat(descriptor)
    return (named.st_dev, named.st_ino) == (opened.st_dev, opened.st_ino)


def _describe_holder(descriptor: int) -> None:
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, f"pid {os.getpid()} since {time.time():.0f}\n".encode(), 0)


def remove_stale_temporaries(directory: Path, now: float | None = None) -> list[Path]:
    """Remove the temporary files in ``directory`` older than ``STALE_TEMPORARY_S``;
    return them."""
    now = time.time() if now is None else now
    removed = []
    for path in sorted(directory.glob(f"{TEMPORARY_PREFIX}*")):
        with contextlib.suppress(FileNotFoundError):
            if now - path.stat().st_mtime > STALE_TEMPORARY_S:
                path.unlink()
                removed.append(path)
    return removed


def check_writable(corpus: Path) -> None:
    """Raise ``InputError`` now if files could not be saved under ``corpus``, rather
    than when a command first has something to save.

    Nothing is left behind: a probe file is made and removed in ``corpus``, or, if
    it does not exist yet, in its nearest existing ancestor (save_entry makes the
    directories between)."""
    existing = corpus.absolute()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    try:
        if not existing.is_dir():
            raise NotADirectoryError(20, f"{existing} is not a directory")
        with tempfile.NamedTemporaryFile(dir=existing, prefix=f"{TEMPORARY_PREFIX}probe-"):
            pass
    except OSError as error:
        reason = error.strerror or str(error)
        raise InputError(f"cannot write to corpus directory {corpus}: {reason}") from None
