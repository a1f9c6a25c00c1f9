"""Targets: anything that answers a case, in-tree or external, behind one interface.

A target spec is what a user types after ``--executor``: a built-in name
(``NAME``, ``NAME@BACKEND``, ``NAME@BACKEND/SCHEDULE``) or ``cmd:<command line>``
for an external executor speaking SPEC section 8. Every target answers a case with
an ``Answer``: a canonical result, or what went wrong instead. An in-tree executor
that raises is a finding (``exception``, or ``hang`` for a watchdog stop), never a
crash of the harness.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from txparity.executors.codec import RESULT_FORMAT, canonical_json
from txparity.executors.errors import ExecutorError, ExecutorHang
from txparity.executors.execution import Stats, run_case
from txparity.executors.model import Case
from txparity.executors.parallel import DEFAULT_WATCHDOG_S
from txparity.executors.registry import ExecutorName, make_executor, parse_name

__all__ = [
    "REFERENCE_SPEC",
    "Answer",
    "AnswerKind",
    "BuiltinTarget",
    "Target",
    "answer_from_line",
    "make_target",
]

REFERENCE_SPEC = "sequential@memory"
DEFAULT_TIMEOUT_S = 10.0


class AnswerKind(StrEnum):
    RESULT = "result"
    ERROR = "error"  # the executor said it could not run the case
    HANG = "hang"  # no answer in time
    CRASH = "crash"  # the executor's process exited
    PROTOCOL = "protocol"  # an answer that is not a result or an error line
    EXCEPTION = "exception"  # an in-tree executor raised


@dataclass(frozen=True, slots=True)
class Answer:
    kind: AnswerKind
    result: str | None = None  # canonical result JSON, for RESULT
    detail: str = ""
    stats: Stats | None = None

    @staticmethod
    def of_result(result: str, stats: Stats | None = None) -> Answer:
        return Answer(AnswerKind.RESULT, result, "", stats)


class Target(Protocol):
    """Something that executes cases; ``family`` names it in fingerprints."""

    spec: str
    family: str
    seeded: bool  # whether the case's schedule seed changes how it runs

    def answer(self, case: Case) -> Answer: ...

    def close(self) -> None: ...


class BuiltinTarget:
    """An in-tree executor on a fresh backend per case."""

    def __init__(self, name: ExecutorName, watchdog_s: float = DEFAULT_WATCHDOG_S) -> None:
        self.name = name
        self.spec = str(name)
        self.family = name.executor
        self.seeded = name.executor != "sequential"
        self._executor = make_executor(name.executor, name.schedule, watchdog_s)

    def answer(self, case: Case) -> Answer:
        try:
            execution = run_case(self._executor, case, self.name.backend)
        except ExecutorHang as hang:
            return Answer(AnswerKind.HANG, detail=str(hang))
        except (ExecutorError, Exception) as error:  # the system under test broke
            return Answer(AnswerKind.EXCEPTION, detail=f"{type(error).__name__}: {error}")
        return Answer.of_result(execution.result_json, execution.stats)

    def close(self) -> None:
        pass


def make_target(
    spec: str, timeout_s: float = DEFAULT_TIMEOUT_S, watchdog_s: float = DEFAULT_WATCHDOG_S
) -> Target:
    """The target a spec names; raises ``UnknownExecutor`` or ``InputError``."""
    if spec.startswith("cmd:"):
        from txparity.harness.external import ExternalTarget

        return ExternalTarget(spec, timeout_s)
    return BuiltinTarget(parse_name(spec), watchdog_s)


def answer_from_line(line: bytes, unasked: bool = False) -> Answer:
    """Classify one line an external executor wrote (SPEC 8)."""
    quoted = _quote(line)
    if unasked:
        return Answer(AnswerKind.PROTOCOL, detail=f"an extra line after the last answer: {quoted}")
    try:
        value = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return Answer(AnswerKind.PROTOCOL, detail=f"not JSON: {quoted}")
    if isinstance(value, dict) and set(value) == {"error"}:
        return Answer(AnswerKind.ERROR, detail=str(value["error"]))
    if not (isinstance(value, dict) and value.get("format") == RESULT_FORMAT):
        return Answer(AnswerKind.PROTOCOL, detail=f"not a result or an error: {quoted}")
    if set(value) != {"format", "state", "receipts"}:
        return Answer(
            AnswerKind.PROTOCOL, detail=f"a result needs exactly format, state, receipts: {quoted}"
        )
    # Whitespace and key order are not part of an answer; everything else is.
    return Answer.of_result(canonical_json(value))


def _quote(line: bytes, limit: int = 200) -> str:
    text = line.decode("utf-8", errors="replace").rstrip("\n")
    return repr(text if len(text) <= limit else text[:limit] + "...")
