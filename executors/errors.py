"""Exceptions of the executors package.

Expected failures are data (a rejected or reverted transaction is a receipt). These
exceptions are for everything else: input that is not a case, names that mean
nothing, and executors that break their own invariants or stop making progress.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "ExecutorError",
    "ExecutorHang",
    "InvalidCase",
    "InvariantViolation",
    "UnknownExecutor",
    "require_known",
]


class ExecutorError(Exception):
    """Root of every error raised by the executors package."""


class InvalidCase(ExecutorError):
    """A case refused before execution (SPEC 3); ``path`` names the offending field."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


class UnknownExecutor(ExecutorError):
    """An executor, backend or schedule name that nothing here knows."""


def require_known(what: str, name: str, known: Sequence[str]) -> str:
    """``name`` if it is one of ``known``; else ``UnknownExecutor`` listing them.

    The one check of every name a user may give: executors, backends, schedules.
    """
    if name not in known:
        raise UnknownExecutor(f"unknown {what} {name!r} (known: {', '.join(known)})")
    return name


class InvariantViolation(ExecutorError):
    """An executor reached a state its own algorithm says is impossible."""


class ExecutorHang(ExecutorError):
    """A parallel run stopped making progress: its watchdog fired, or it deadlocked."""

    def __init__(self, executor: str, case_id: str, seed: int, why: str) -> None:
        super().__init__(f"{executor} hung on case {case_id} (schedule seed {seed}): {why}")
        self.executor = executor
        self.case_id = case_id
        self.seed = seed
        self.why = why
