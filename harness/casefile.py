"""Reading a case from a file the user names.

A file may hold a bare case (SPEC 3), or a document that carries one in its ``case``
field: a scenario vector (``{"case", "expected"}``) or a corpus counterexample.
Field paths in errors are relative to the case in every form.
"""

from __future__ import annotations

from txparity.executors.codec import case_from_json, parse_json
from txparity.executors.model import Case

__all__ = ["COUNTEREXAMPLE_FORMAT", "read_case"]

COUNTEREXAMPLE_FORMAT = "txparity.counterexample/1"


def read_case(data: bytes | str) -> Case:
    """Decode a bare case or a document whose ``case`` field is one."""
    document = parse_json(data)
    if _is_wrapper(document):
        assert isinstance(document, dict)
        return case_from_json(document["case"])
    return case_from_json(document)


def _is_wrapper(document: object) -> bool:
    if not isinstance(document, dict) or "case" not in document:
        return False
    return document.get("format") in (None, COUNTEREXAMPLE_FORMAT)
