"""Reading a case from a file the user names.

A file may hold a bare case (SPEC 3), or a document that carries one in its ``case``
field and has no ``format`` of its own, such as a scenario vector
(``{"case", "expected"}``); corpus entries are read by ``harness.corpus``. Field
paths in errors are relative to the case in either form.
"""

from __future__ import annotations

from executors.codec import case_from_json, parse_json
from executors.model import Case

__all__ = ["read_case"]


def read_case(data: bytes | str) -> Case:
    """Decode a bare case or a document whose ``case`` field is one."""
    document = parse_json(data)
    if isinstance(document, dict) and "case" in document and "format" not in document:
        return case_from_json(document["case"])
    return case_from_json(document)
