"""Executor names: ``NAME`` or ``NAME@BACKEND`` to an executor and a backend.

Only this module knows every executor; the harness asks it by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from executors.errors import UnknownExecutor
from executors.execution import Executor
from executors.sequential import SequentialExecutor
from executors.state import BACKENDS

__all__ = ["EXECUTORS", "ExecutorName", "make_executor", "parse_name"]

EXECUTORS: dict[str, Callable[[], Executor]] = {
    "sequential": SequentialExecutor,
}


@dataclass(frozen=True, slots=True)
class ExecutorName:
    """A parsed ``NAME@BACKEND``."""

    executor: str
    backend: str

    def __str__(self) -> str:
        return f"{self.executor}@{self.backend}"


def parse_name(text: str, default_backend: str = "memory") -> ExecutorName:
    """Parse ``NAME`` or ``NAME@BACKEND``; raise ``UnknownExecutor`` for unknown parts."""
    name, _, backend = text.partition("@")
    backend = backend or default_backend
    if name not in EXECUTORS:
        known = ", ".join(sorted(EXECUTORS))
        raise UnknownExecutor(f"unknown executor {name!r} (known: {known})")
    if backend not in BACKENDS:
        raise UnknownExecutor(f"unknown backend {backend!r} (known: {', '.join(BACKENDS)})")
    return ExecutorName(name, backend)


def make_executor(name: str) -> Executor:
    """A new executor object for a known name."""
    if name not in EXECUTORS:
        raise UnknownExecutor(f"unknown executor {name!r}")
    return EXECUTORS[name]()
