"""The SPEC 8 loop shared by the example external executors in this directory.

``serve(answer)`` reads one case per non-blank line of standard input and writes
whatever lines ``answer(case_line, result)`` returns, flushed, where ``result`` is
the reference's canonical result (or ``None`` when the case is invalid, in which
case ``{"error": ...}`` is written instead). It returns at the end of the input.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

from txparity.executors.codec import canonical_json, decode_case
from txparity.executors.errors import InvalidCase
from txparity.executors.execution import run_case
from txparity.executors.sequential import SequentialExecutor

Answer = Callable[[bytes, str], list[str]]


def reference_result(line: bytes) -> str:
    """The canonical result of a case line, or an ``{"error": ...}`` line."""
    try:
        case = decode_case(line)
    except InvalidCase as error:
        return canonical_json({"error": str(error)})
    return run_case(SequentialExecutor(), case, "memory").result_json


def is_error(answer: str) -> bool:
    return set(json.loads(answer)) == {"error"}


def serve(answer: Answer) -> None:
    for line in sys.stdin.buffer:
        if not line.strip():
            continue
        result = reference_result(line)
        lines = [result] if is_error(result) else answer(line, result)
        # One write for all of a case's lines, so they reach the harness together.
        sys.stdout.write("".join(f"{text}\n" for text in lines))
        sys.stdout.flush()


def correct(line: bytes, result: str) -> list[str]:
    return [result]
