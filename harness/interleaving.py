"""The interleaving of a seeded run: recorded, and shortened to what matters.

A seeded or PCT schedule decides every hand-over from the case's schedule seed, so
the run of a divergence can be repeated exactly, this time recording its trace
(``executors.schedule.recording``): which worker took which step of which
transaction incarnation, in order. ``traced_run`` repeats the run of an in-tree
executor on such a schedule; it says whether the repeat gave the recorded result
again (it must, unless the executor depends on something besides the seed).

A divergence is *schedule-dependent* when the same case agrees with the reference
on another schedule seed: then the order of the steps is the bug, and the report
shows it (``race_of`` looks among the next ``RACE_SEEDS`` seeds). A divergence
that every seed shows is not a race, and a trace would add nothing.

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
from dataclasses import dataclass, replace

from txparity.executors.errors import UnknownExecutor
from txparity.executors.execution import Execution, ExecutionPath, run_case
from txparity.executors.model import U64_LIMIT, Case
from txparity.executors.registry import ExecutorName, make_executor, parse_name
from txparity.executors.schedule import recording
from txparity.harness.differential import Divergence
from txparity.harness.targets.external import EXTERNAL_PREFIX

__all__ = [
    "LEGEND",
    "RACE_SEEDS",
    "SEEDED_SCHEDULES",
    "Race",
    "TracedRun",
    "race_of",
    "seeded_name",
    "shorten",
    "trace_text",
    "traced_run",
]

SEEDED_SCHEDULES = ("seeded", "pct")
RACE_SEEDS = 8  # other schedule seeds tried before a divergence is called no race
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


@dataclass(frozen=True, slots=True)
class Race:
    """A schedule-dependent divergence's run, traced, and a seed that agrees."""

    run: TracedRun
    agreeing_seed: int
    lines: tuple[str, ...]  # the trace, shortened

    def text(self) -> list[str]:
        run = self.run
        head = (
            f"interleaving of {run.executor}, schedule seed {run.seed} (schedule seed "
            f"{self.agreeing_seed} agrees): {len(self.lines)} of {len(run.trace)} line(s), "
            f"those touching the differing items ({LEGEND})"
        )
        return [head, *self.lines]


def race_of(
    divergence: Divergence, items: Collection[str], txs: Collection[int], watchdog_s: float
) -> Race | None:
    """The race behind ``divergence``, if it is one: its run traced again (when that
    reproduces it) and a later schedule seed on which the executor agrees."""
    name = seeded_name(divergence.executor)
    if name is None or divergence.actual is None:
        return None
    run = traced_run(name, divergence.case, watchdog_s)
    if not run.reproduces(divergence.actual):
        return None
    agreeing = _agreeing_seed(name, divergence, watchdog_s)
    if agreeing is None:
        return None
    return Race(run, agreeing, tuple(shorten(run.trace, items, txs)))


def _agreeing_seed(name: ExecutorName, divergence: Divergence, watchdog_s: float) -> int | None:
    executor = make_executor(name.executor, name.schedule, watchdog_s)
    case = divergence.case
    for offset in range(1, RACE_SEEDS + 1):
        seed = (case.config.schedule_seed + offset) % U64_LIMIT
        seeded = replace(case, config=replace(case.config, schedule_seed=seed))
        try:
            result = run_case(executor, seeded, name.backend).result_json
        except Exception:  # another finding on this seed: it does not agree
            continue
        if result == divergence.expected:
            return seed
    return None


def seeded_name(spec: str) -> ExecutorName | None:
    """The parsed name of an in-tree executor on a seeded schedule; None otherwise."""
    if spec.startswith(EXTERNAL_PREFIX):
        return None
    try:
        name = parse_name(spec)
    except UnknownExecutor:  # a divergence of no in-tree executor (the reference's own)
        return None
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
