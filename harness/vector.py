"""Scenario vectors from cases: a fixed bug becomes a named test.

A scenario vector is ``{"case", "expected"}``: a case and the canonical result the
reference gives for it (the form of the project's ``tests/vectors/`` and of the
shared vectors, which the vector tests run on every backend). ``vector_of`` makes
one from any case, including one read out of a vector or a corpus file.

The expected result must be the reference's, and only that: the reference runs on
every backend, and if its results differ the case says nothing about anyone and no
vector is made (``VectorRefused``). ``write_vector`` writes a file whole (a
temporary file, then a rename), and never over an existing file unless asked.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from txparity.executors.model import Case
from txparity.executors.shapes import encode_case
from txparity.executors.state import BACKENDS
from txparity.harness.errors import InputError
from txparity.harness.targets import REFERENCE_SPEC, AnswerKind, make_target

__all__ = ["VectorRefused", "vector_of", "vector_text", "write_vector"]

_TEMPORARY_PREFIX = ".tmp-vector-"


class VectorRefused(InputError):
    """No vector can be made of this case, or written where asked."""


def vector_of(case: Case) -> dict[str, object]:
    """The vector of ``case``: the case, and the reference's result on it, the same on
    every backend."""
    name = REFERENCE_SPEC.partition("@")[0]
    results: dict[str, str] = {}
    for backend in BACKENDS:
        target = make_target(f"{name}@{backend}")
        try:
            answer = target.answer(case)
        finally:
            target.close()
        if answer.kind is not AnswerKind.RESULT or answer.result is None:
            raise VectorRefused(
                f"the reference {name}@{backend} gives no result ({answer.kind}): {answer.detail}"
            )
        results[backend] = answer.result
    if len(set(results.values())) != 1:
        raise VectorRefused(
            f"the reference gives different results on {', '.join(results)}: no expected result"
        )
    return {"case": encode_case(case), "expected": json.loads(results[BACKENDS[0]])}


def vector_text(vector: dict[str, object]) -> str:
    """A vector as its file holds it: indented JSON, fields in the codec's order."""
    return json.dumps(vector, indent=2, ensure_ascii=False) + "\n"


def write_vector(vector: dict[str, object], path: Path, replace: bool = False) -> None:
    """Write ``vector`` to ``path`` whole; an existing file only with ``replace``."""
    if path.exists() and not replace:
        raise VectorRefused(f"{path} exists (--force replaces it)")
    if path.is_dir():
        raise VectorRefused(f"{path} is a directory")
    directory = path.parent
    if not directory.is_dir():
        raise VectorRefused(f"no such directory: {directory}")
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=_TEMPORARY_PREFIX)
    except OSError as error:
        raise VectorRefused(f"cannot write in {directory}: {error.strerror}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(vector_text(vector))
        os.chmod(temporary, 0o644)  # mkstemp makes it private; a vector is shared
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise VectorRefused(f"cannot write {path}: {error.strerror or error}") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
