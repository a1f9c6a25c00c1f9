"""The interleaving of a seeded run: recorded, and shortened to what matters.

A seeded or PCT schedule decides every hand-over from the case's schedule seed, so
the run of a divergence can be repeated exactly, this time recording its trace
(``executors.schedule.recording``): which worker took which step of which
transaction incarnation, in order. ``traced_run`` repeats the run of an in-tree
executor on such a schedule; it says whether the repeat gave the recorded result
again (it must, unless the executor depends on something besides the seed).

A whole trace runs to thousands of lines. ``shorten`` keeps the lines that touch
the differing items, and drops, in this order:

- the schedulers' bookkeeping (a Block-STM worker asking for a task or going
  idle, a batched worker taking the next transaction): no state in them;
- a read or a re-validation of an item that does not differ;
- any other step of a transaction that neither touches a differing item nor
  differs itself (its record, validation, abort; its end in a batch).

What is left is every step of the involved transactions that is not a read of
another item, every read of a differing item, and every line that names no
transaction (such as a planted fee counter's read), since nothing says it is
unrelated.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from txparity.executors.execution import Execution, ExecutionPath, run_case
from txparity.executors.model import Case
from txparity.executors.registry import ExecutorName, make_executor, parse_name
from txparity.executors.schedule import recording
from txparity.harness.targets.external import EXTERNAL_PREFIX

__all__ = [
    "LEGEND",
    "SEEDED_SCHEDULES",
    "TracedRun",
    "seeded_name",
    "shorten",
    "trace_text",
    "traced_run",
]

SEEDED_SCHEDULES = ("seeded", "pct")
# Labels of scheduler steps that touch no state (blockstm/executor.py, batched.py).
_BOOKKEEPING = frozenset({"next_task", "idle", "take"})
_LINE = re.compile(r"^\d+ w\d+ (?P<label>.*)$")
_TX = re.compile(r"^tx(?P<tx>\d+)(?:\.\d+)? (?P<action>.*)$")
_ITEM_ACTIONS = ("read ", "revalidate ")
LEGEND = "STEP wWORKER LABEL; txN.I is incarnation I of transaction N (Block-STM)"


@dataclass(frozen=True, slots=True)
class TracedRun:
    """A seeded run repeated with its trace recorded."""

    executor: str
    seed: int
    trace: tuple[str, ...]
    result: str | None  # None if the executor raised this time
    detail: str = ""  # what it raised

    def reproduces(self, actual: str | None) -> bool:
        return self.result is not None and self.result == actual


def seeded_name(spec: str) -> ExecutorName | None:
    """The parsed name of an in-tree executor on a seeded schedule; None otherwise."""
    if spec.startswith(EXTERNAL_PREFIX):
        return None
    name = parse_name(spec)
    return name if name.schedule in SEEDED_SCHEDULES else None


def traced_run(name: ExecutorName, case: Case, watchdog_s: float) -> TracedRun:
    """Run ``case`` on ``name`` (a seeded schedule) again, recording the trace."""
    executor = make_executor(name.executor, name.schedule, watchdog_s)
    seed = case.config.schedule_seed
    try:
        with recording():
            execution = run_case(executor, case, name.backend)
    except Exception as error:  # a finding, as for the target (targets/builtin.py)
        return TracedRun(str(name), seed, (), None, f"{type(error).__name__}: {error}")
    return TracedRun(str(name), seed, execution.trace, execution.result_json)


def shorten(trace: Sequence[str], items: Collection[str], txs: Collection[int]) -> list[str]:
    """The lines of ``trace`` that touch the differing ``items`` (as the executor's
    labels spell them) or belong to one of the involved transactions ``txs``."""
    return [line for line in trace if _kept(line, items, txs)]


def _kept(line: str, items: Collection[str], txs: Collection[int]) -> bool:
    matched = _LINE.match(line)
    label = matched.group("label") if matched else line
    if label in _BOOKKEEPING:
        return False
    step = _TX.match(label)
    if step is None:
        return True  # a line of no transaction: nothing says it is unrelated
    action = step.group("action")
    for verb in _ITEM_ACTIONS:
        if action.startswith(verb):
            return action.removeprefix(verb) in items
    return int(step.group("tx")) in txs


def trace_text(executor: str, case: Case, execution: Execution) -> str:
    """The whole interleaving of a seeded run, as ``txparity run --trace`` prints it."""
    stats = execution.stats
    if stats.path is not ExecutionPath.PARALLEL:
        return f"no interleaving: the block took the {stats.path} path ({stats.path_reason})"
    head = (
        f"interleaving of {executor}, schedule seed {case.config.schedule_seed}, "
        f"{case.config.threads} worker(s), {len(execution.trace)} line(s) ({LEGEND}):"
    )
    return "\n".join([head, *(f"  {line}" for line in execution.trace)])
