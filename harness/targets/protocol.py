"""What every target is: something that answers a case with an ``Answer``.

An answer is a canonical result, or what went wrong instead, as data: the
differential runner turns each kind into a verdict and never has to catch anything
from a target. The kinds are closed; each target module says which ones it gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from txparity.executors.execution import Stats
from txparity.executors.model import Case

__all__ = ["Answer", "AnswerKind", "Target"]


class AnswerKind(StrEnum):
    RESULT = "result"
    ERROR = "error"  # the executor said it could not run the case
    HANG = "hang"  # no answer in time
    CRASH = "crash"  # the executor's process exited (or closed its output for good)
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
