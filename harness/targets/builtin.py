"""In-tree executors as targets: a registry name, run on a fresh backend per case.

Whatever the executor raises is a finding about the system under test, never a
crash of the harness: a watchdog stop is a ``hang``, anything else an
``exception`` named by its type.
"""

from __future__ import annotations

from txparity.executors.errors import ExecutorHang
from txparity.executors.execution import run_case
from txparity.executors.model import Case
from txparity.executors.registry import DEFAULT_WATCHDOG_S, ExecutorName, make_executor
from txparity.harness.targets.protocol import Answer, AnswerKind

__all__ = ["BuiltinTarget"]


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
        except Exception as error:
            # Every Exception, not only ExecutorError: an executor that breaks its own
            # invariants raises one of ours (InvariantViolation), but a bug in it is as
            # likely a KeyError or a RecursionError, and that is the finding too. Only
            # KeyboardInterrupt and SystemExit (BaseException) stop the harness.
            return Answer(AnswerKind.EXCEPTION, detail=f"{type(error).__name__}: {error}")
        return Answer.of_result(execution.result_json, execution.stats)

    def close(self) -> None:
        pass
