"""Reading the files a user names, and the case they hold.

Every file txparity reads (a case for ``run``, ``check`` or ``shrink``, a corpus
file for ``replay``, a campaign or the pytest plugin) goes through ``read_file``,
which reads only what can be read in full and quickly:

- a regular file, or a symlink to one: never a FIFO (reading one waits for a writer
  forever), a device (``/dev/zero`` never ends) or a directory;
- of at most ``MAX_FILE_BYTES``: a corpus file is a few kilobytes, a hand-made block
  of thousands of transactions a few megabytes;
- ``-`` is standard input, with the same limit, and a closed standard input is an
  error like a missing file.

A file may hold a bare case (SPEC 3), or a document that carries one in its ``case``
field: a scenario vector (``{"case", "expected"}``) or a corpus counterexample.
Field paths in errors are relative to the case in every form.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO

from txparity.executors.codec import case_from_json, parse_json
from txparity.executors.model import Case
from txparity.harness.errors import InputError

__all__ = [
    "COUNTEREXAMPLE_FORMAT",
    "MAX_FILE_BYTES",
    "STANDARD_INPUT",
    "UnreadableFile",
    "case_of_document",
    "is_counterexample",
    "open_file",
    "read_case",
    "read_file",
    "standard_input",
]

COUNTEREXAMPLE_FORMAT = "txparity.counterexample/1"
MAX_FILE_BYTES = 16 * 2**20  # the largest file, or standard input, txparity reads
STANDARD_INPUT = "-"


class UnreadableFile(InputError):
    """A file that cannot be read, or is not one txparity reads; ``reason`` says why."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"cannot read {name}: {reason}")
        self.name = name
        self.reason = reason


def read_file(name: str | Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of the regular file ``name`` (``-``: standard input), at most ``limit``."""
    if str(name) == STANDARD_INPUT:
        return _read_limited(standard_input(), STANDARD_INPUT, limit)
    with open_file(name) as stream:
        return _read_limited(stream, str(name), limit)


def open_file(name: str | Path) -> IO[bytes]:
    """The regular file ``name`` (``-``: standard input), open for reading;
    ``UnreadableFile`` for anything else."""
    if str(name) == STANDARD_INPUT:
        return standard_input()
    path = Path(name)
    _require_regular(path, os.stat)  # before opening: opening a device can act on it
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise UnreadableFile(str(path), error.strerror or str(error)) from None
    stream = os.fdopen(descriptor, "rb")
    try:
        # Again on what was opened: the name may have been replaced in between.
        _require_regular(path, lambda _: os.fstat(descriptor))
    except UnreadableFile:
        stream.close()
        raise
    return stream


def standard_input() -> IO[bytes]:
    """Standard input as bytes; ``UnreadableFile`` if the process was started without one."""
    if sys.stdin is None:  # started with standard input closed (``<&-``)
        raise UnreadableFile("standard input", "it is closed")
    return sys.stdin.buffer


def _require_regular(path: Path, status: Callable[[Path], os.stat_result]) -> None:
    try:
        mode = status(path).st_mode
    except OSError as error:
        raise UnreadableFile(str(path), error.strerror or str(error)) from None
    if not stat.S_ISREG(mode):
        raise UnreadableFile(str(path), f"not a regular file ({_kind(mode)})")


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a file"


def _read_limited(stream: IO[bytes], name: str, limit: int) -> bytes:
    try:
        data = stream.read(limit + 1)
    except (OSError, ValueError) as error:  # ValueError: a stream already closed
        raise UnreadableFile(name, getattr(error, "strerror", None) or str(error)) from None
    if data is None:  # a non-blocking stream with nothing in it yet
        raise UnreadableFile(name, "nothing to read")
    if len(data) > limit:
        raise UnreadableFile(name, f"larger than {limit} bytes")
    return data


def read_case(data: bytes | str) -> Case:
    """Decode a bare case or a document whose ``case`` field is one."""
    return case_of_document(parse_json(data))


def case_of_document(document: object) -> Case:
    """The case of a decoded bare case, vector or counterexample document."""
    if _is_wrapper(document):
        assert isinstance(document, dict)
        return case_from_json(document["case"])
    return case_from_json(document)


def is_counterexample(document: object) -> bool:
    """Whether a decoded document says it is a corpus counterexample."""
    return isinstance(document, dict) and document.get("format") == COUNTEREXAMPLE_FORMAT


def _is_wrapper(document: object) -> bool:
    if not isinstance(document, dict) or "case" not in document:
        return False
    return document.get("format") in (None, COUNTEREXAMPLE_FORMAT)
