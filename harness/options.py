"""Run options: each declared once, with its default, help, type and bounds.

An ``Option`` is the one declaration of a setting that a user can give a run: its
flag, its help text, how its text is read, its bounds, and its default (with the
commands whose default differs, such as the single schedule seed of ``fuzz``, which
sees many cases, against the three of ``check``, which sees one). ``Options`` is the
one frozen value holding a run's settings; the runner, the campaign, the shrinker,
the command line and the atheris entry point all read them from it.

The command line and the atheris entry point build their arguments from these
declarations (``add_options``), and a command turns what it parsed into an
``Options`` value at its top (``options_from``), passing on values, never the
parsed arguments.

``DIFFERENTIAL`` groups the options of every command that compares executors
(``check``, ``shrink``, ``fuzz``, and any command that runs a ``Runner``): the
executors, the reference, the schedule seeds, the equivalence and the per-case
limits. The reference (``--reference``) is one spec like an executor's, or
``none``: no reference, every executor compared with every other
(``harness.groups``).

Every number has an upper bound as well as a lower one. Without them a 20-digit
``--workers`` or ``--seeds`` tries to start or build that many of something before
doing anything useful, and a ``--watchdog`` or ``--timeout`` past what a lock can
wait for (``threading.TIMEOUT_MAX``) overflows inside the executor under test,
where it looks like the executor's own failure. A value out of bounds is refused
up front: by the argument parser with one line and exit status 2, or, for a value
built in code, with ``OptionError``.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, Generic, NoReturn, TypeVar

from txparity.executors.errors import UnknownExecutor
from txparity.executors.limits import U64_LIMIT
from txparity.executors.registry import (
    CORRECT_PARALLEL,
    DEFAULT_WATCHDOG_S,
    REFERENCE_EXECUTOR,
    WHERE,
    parse_name,
)
from txparity.executors.state import BACKENDS
from txparity.harness.errors import InputError
from txparity.harness.specs import DEFAULT_TIMEOUT_S, EXTERNAL_PREFIX, REFERENCE_SPEC
from txparity.harness.strategies import (
    DEFAULT_FORMAT,
    DEFAULT_PROFILE,
    PROFILES,
    CaseFormat,
    case_format,
    v2_share,
)

__all__ = [
    "BENCH_EXECUTORS",
    "CASES",
    "CORPUS",
    "DEFAULTS",
    "DEFAULT_SCHEDULES",
    "DIFFERENTIAL",
    "EQUIVALENCE",
    "EXECUTORS",
    "FORMAT",
    "METRICS",
    "NO_REFERENCE",
    "OPTIONS",
    "PROFILE",
    "REFERENCE",
    "REPRODUCE_SEEDS",
    "REPRODUCE_SEEDS_MOST",
    "SECONDS",
    "SEED",
    "SEEDS",
    "SHRINK_CANDIDATES",
    "SHRINK_SECONDS",
    "TIMEOUT",
    "WATCHDOG",
    "WORKERS",
    "Command",
    "Duration",
    "Equivalence",
    "Option",
    "OptionError",
    "OptionParser",
    "Options",
    "WholeNumber",
    "add_options",
    "default_specs",
    "expand_specs",
    "options_from",
    "parse_reference",
    "reference_problem",
]

T = TypeVar("T")

DAY_S = 24 * 60 * 60
CORES = os.cpu_count() or 1
DEFAULT_SCHEDULES = ("threads", "seeded")
NO_REFERENCE = "none"  # --reference none: every executor compared with every other
REFERENCE_FLAG = "--reference"


class OptionError(InputError):
    """An option value out of its bounds, or of the wrong kind."""


class Command(StrEnum):
    """The commands of ``txparity``; the atheris entry point uses ``fuzz``'s defaults."""

    RUN = "run"
    CHECK = "check"
    SHRINK = "shrink"
    FUZZ = "fuzz"
    REPLAY = "replay"
    VECTOR = "vector"
    BENCH = "bench"


class Equivalence(StrEnum):
    """What must agree: ``strict``, the whole canonical result; ``state``, the
    post-state and the receipt statuses only."""

    STRICT = "strict"
    STATE = "state"


def default_specs() -> list[str]:
    """Every correct in-tree parallel executor on both backends and both schedules."""
    return [
        f"{name}@{backend}/{schedule}"
        for name in CORRECT_PARALLEL
        for backend in BACKENDS
        for schedule in DEFAULT_SCHEDULES
    ]


def expand_specs(specs: Sequence[str]) -> tuple[str, ...]:
    """The specs as they run, each once: an in-tree parallel executor named without
    a schedule (``batched``, ``blockstm@sqlite``) runs on each of
    ``DEFAULT_SCHEDULES``, as the default campaign does: real threads, and the
    seeded schedule, which finds the races that real threads under the GIL almost
    never show, and replays them. A schedule named (``/threads``) is kept as is."""
    expanded: list[str] = []
    for spec in specs:
        expanded += [one for one in _expand(spec) if one not in expanded]
    return tuple(expanded)


def _expand(spec: str) -> tuple[str, ...]:
    if spec.startswith(EXTERNAL_PREFIX) or "/" in spec:
        return (spec,)
    name, _, backend = spec.partition("@")
    if name not in WHERE or name == REFERENCE_EXECUTOR:
        return (spec,)  # the reference, or a name the registry will refuse later
    return tuple(f"{name}@{backend or BACKENDS[0]}/{schedule}" for schedule in DEFAULT_SCHEDULES)


# ---------------------------------------------------------------- kinds and bounds


def _shown(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _seconds(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:g}"  # 60, not 60.0


@dataclass(frozen=True, slots=True)
class WholeNumber:
    """A whole number from ``least`` to ``most``."""

    least: int
    most: int

    def parse(self, text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {_shown(text)}") from None
        problem = self.problem(value)
        if problem is not None:
            raise argparse.ArgumentTypeError(problem)
        return value

    def problem(self, value: object) -> str | None:
        """What is wrong with ``value``, or None."""
        if not isinstance(value, int) or isinstance(value, bool):
            return f"not a whole number: {value!r}"
        if value < self.least:
            return f"must be at least {self.least}: {value}"
        if value > self.most:
            return f"must be at most {self.most}: {value}"
        return None

    def describe(self) -> str:
        return f"{self.least} to {self.most}"


@dataclass(frozen=True, slots=True)
class Duration:
    """A finite number of seconds, more than 0 (or 0 too, with ``zero``), at most
    ``most``."""

    most: float
    zero: bool = False

    def parse(self, text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number of seconds: {_shown(text)}") from None
        problem = self._problem(value, text)
        if problem is not None:
            raise argparse.ArgumentTypeError(problem)
        return value

    def problem(self, value: object) -> str | None:
        """What is wrong with ``value``, or None."""
        if not isinstance(value, int | float) or isinstance(value, bool):
            return f"not a number of seconds: {value!r}"
        return self._problem(float(value), f"{value:g}")

    def _problem(self, value: float, text: str) -> str | None:
        if not math.isfinite(value) or value < 0:
            return f"must be a finite number of seconds >= 0: {text}"
        if value == 0 and not self.zero:
            return "must be more than 0 seconds"
        if value > self.most:
            return f"must be at most {_seconds(self.most)} seconds: {text}"
        return None

    def describe(self) -> str:
        return f"{0 if self.zero else 'over 0'} to {_seconds(self.most)} s"


Bounds = WholeNumber | Duration


# ---------------------------------------------------------------- declarations


@dataclass(frozen=True, slots=True)
class Option(Generic[T]):
    """One setting: the ``Options`` field it fills, its flag, and how it is read.

    ``default`` is every command's default but those in ``defaults``; ``shown`` is
    how help text names a default that is computed (every core, a random seed).
    ``None`` as a default means "no limit" or "chosen at the start of the run".
    """

    name: str
    flag: str
    help: str
    default: T
    bounds: Bounds | None = None
    read: Callable[[str], Any] = str  # how the text of an option without bounds is read
    metavar: str | None = None
    choices: tuple[str, ...] = ()
    repeatable: bool = False
    defaults: Mapping[Command, T] = field(default_factory=dict)
    shown: str | None = None
    unlimited: bool = False  # whether None (no limit) is a value, as when it is the default
    helps: Mapping[Command, str] = field(default_factory=dict)  # where the help differs
    showns: Mapping[Command, str] = field(default_factory=dict)  # where ``shown`` differs
    check: Callable[[object], str | None] | None = None  # what is wrong with a value, or None

    def parse(self, text: str) -> Any:
        """The value of the text given on the command line (``ArgumentTypeError`` if
        it is out of bounds)."""
        return self.read(text) if self.bounds is None else self.bounds.parse(text)

    def default_for(self, command: Command) -> T:
        return self.defaults.get(command, self.default)

    def help_for(self, command: Command) -> str:
        default = self.default_for(command)
        computed = self.showns.get(command) or (
            self.shown if command not in self.defaults else None
        )
        shown = computed or ("none" if default in (None, ()) else f"{default}")
        if isinstance(default, float) and computed is None:
            shown = _seconds(default)
        bounds = "" if self.bounds is None else f"; {self.bounds.describe()}"
        return f"{self.helps.get(command, self.help)} (default {shown}{bounds})"

    def problem(self, value: object) -> str | None:
        """What is wrong with a value of this option, or None."""
        if value is None and (self.unlimited or self.default is None):
            return None
        if self.bounds is not None:
            return self.bounds.problem(value)
        if self.check is not None:
            return self.check(value)
        if self.choices and value not in self.choices:
            return f"invalid choice: {value!r} (choose from {', '.join(self.choices)})"
        if self.repeatable and (isinstance(value, str) or not isinstance(value, Sequence)):
            return f"a sequence of values, not {value!r}"
        return None


E = TypeVar("E", bound=StrEnum)


def _enum_choice(kind: type[E]) -> Callable[[str], E]:
    """How argparse reads an option whose values are the members of ``kind``: its
    error lists them, as argparse's own ``choices`` does."""

    def read(text: str) -> E:
        try:
            return kind(text)
        except ValueError:
            choices = ", ".join(repr(member.value) for member in kind)
            raise argparse.ArgumentTypeError(
                f"invalid choice: {_shown(text)} (choose from {choices})"
            ) from None

    return read


def reference_problem(value: object) -> str | None:
    """What is wrong with a reference spec, or None: it is ``none``, ``cmd:`` and a
    command line (checked for its form only: nothing here runs it), or an in-tree
    executor's name."""
    if not isinstance(value, str):
        return f"not an executor spec: {value!r}"
    if value == NO_REFERENCE:
        return None
    if value.startswith(EXTERNAL_PREFIX):
        import shlex  # here: only a cmd: spec is split

        try:
            words = shlex.split(value.removeprefix(EXTERNAL_PREFIX))
        except ValueError as error:
            return f"cannot parse the external command {_shown(value)}: {error}"
        return None if words else "empty external command after 'cmd:'"
    try:
        parse_name(value)
    except UnknownExecutor as error:
        return str(error)
    return None


def parse_reference(text: str) -> str:
    """The reference spec ``text`` names, or ``OptionError``: the one reading of
    ``--reference`` for every command that compares executors (check, shrink,
    replay, fuzz, and any command added later), and for code that takes one."""
    problem = reference_problem(text)
    if problem is not None:
        raise OptionError(f"{REFERENCE_FLAG}: {problem}")
    return text


def _reference(text: str) -> str:
    """``parse_reference`` as argparse reads an option: its error names the flag."""
    try:
        return parse_reference(text)
    except OptionError as error:
        raise argparse.ArgumentTypeError(str(error).removeprefix(f"{REFERENCE_FLAG}: ")) from None


# What ``bench`` measures unless told: each in-tree parallel executor as a node runs
# it, on real threads over the in-memory state.
BENCH_EXECUTORS = tuple(f"{name}@{BACKENDS[0]}/threads" for name in CORRECT_PARALLEL)
EXECUTORS: Option[tuple[str, ...]] = Option(
    "executors", "--executor", "NAME[@BACKEND][/SCHEDULE] or cmd:COMMAND; a parallel NAME "
    "without /SCHEDULE runs on both threads and seeded; repeatable",
    tuple(default_specs()), metavar="SPEC", repeatable=True,
    shown="every in-tree parallel executor on both backends and both schedules",
    defaults={Command.REPLAY: (), Command.BENCH: BENCH_EXECUTORS},
    showns={Command.BENCH: ", ".join(BENCH_EXECUTORS)},
    helps={Command.REPLAY: "cmd:COMMAND, an external executor to replay the entries recorded "
           "against an external executor on (a file never chooses a command); repeatable"},
)  # fmt: skip
_RECORDED_REFERENCE = f"{REFERENCE_SPEC}, or the one a corpus file records"
REFERENCE: Option[str] = Option(
    "reference", REFERENCE_FLAG, "the executor every other is compared with: "
    f"NAME[@BACKEND][/SCHEDULE] or cmd:COMMAND; {NO_REFERENCE}: no reference, every executor "
    "is compared with every other and their results are grouped",
    REFERENCE_SPEC, read=_reference, metavar="SPEC", check=reference_problem,
    showns={Command.CHECK: _RECORDED_REFERENCE, Command.SHRINK: _RECORDED_REFERENCE,
            Command.REPLAY: "the one each entry records"},
    helps={Command.REPLAY: "cmd:COMMAND, the external reference to replay the entries "
           "recorded against it with (a file never chooses a command)"},
)  # fmt: skip
SEEDS: Option[int] = Option(
    "seeds", "--seeds", "schedule seeds per parallel executor", 3, WholeNumber(1, 1000),
    metavar="N", defaults={Command.FUZZ: 1, Command.REPLAY: 1, Command.BENCH: 1},
)  # fmt: skip
REPRODUCE_SEEDS_MOST = 1000
REPRODUCE_SEEDS: Option[int] = Option(
    "reproduce_seeds", "--reproduce-seeds", "schedule seeds a divergence found on real "
    "threads is replayed with, on seeded and on pct, before it is saved", 16,
    WholeNumber(1, REPRODUCE_SEEDS_MOST), metavar="N",
)  # fmt: skip
EQUIVALENCE: Option[Equivalence] = Option(
    "equivalence", "--equivalence", "what must agree: the whole result, or the post-state "
    "and the receipt statuses", Equivalence.STRICT, read=_enum_choice(Equivalence),
    choices=tuple(e.value for e in Equivalence),
)  # fmt: skip
TIMEOUT: Option[float] = Option(
    "timeout_s", "--timeout", "per-case limit for cmd: executors", DEFAULT_TIMEOUT_S,
    Duration(DAY_S),
    metavar="SECONDS",
)  # fmt: skip
WATCHDOG: Option[float] = Option(
    "watchdog_s", "--watchdog", "per-case limit for the workers of in-tree parallel executors",
    DEFAULT_WATCHDOG_S, Duration(DAY_S), metavar="SECONDS",
)  # fmt: skip
PROFILE: Option[str] = Option(
    "profile", "--profile", f"case profile: {', '.join(PROFILES)}", DEFAULT_PROFILE,
    metavar="NAME",
)  # fmt: skip


FORMAT: Option[CaseFormat] = Option(
    "case_format", "--format", "case versions: any (each profile's share of version 2, "
    "the rest version 1; v2 is version 2 only), 1 (version 1 only, the cases a seed drew "
    "before version 2, for executors that speak only version 1), 2 (version 2 only)",
    DEFAULT_FORMAT, read=_enum_choice(CaseFormat), choices=tuple(f.value for f in CaseFormat),
)  # fmt: skip
CORPUS: Option[Path] = Option(
    "corpus", "--corpus", "directory of saved counterexamples", Path("corpus"), read=Path,
    metavar="DIR",
)  # fmt: skip
SHRINK_CANDIDATES: Option[int] = Option(
    "shrink_candidates", "--shrink-candidates", "shrink budget per divergence: candidates "
    "tried on its executor (a count, so that a seed's campaign saves the same files on a "
    "busy machine)", 1000, WholeNumber(1, 10**6), metavar="N",
)  # fmt: skip
SHRINK_SECONDS: Option[float] = Option(
    "shrink_seconds", "--shrink-seconds", "time cap on shrinking each new fingerprint, "
    "for executors too slow for the candidate budget (the campaign's own time limit "
    "caps it too)", 120.0, Duration(DAY_S, zero=True), metavar="SECONDS",
)  # fmt: skip
WORKERS: Option[int] = Option(
    "workers", "--workers", "worker processes", CORES, WholeNumber(1, max(64, 2 * CORES)),
    metavar="N", shown="every core",
)  # fmt: skip
CASES: Option[int | None] = Option(
    "cases", "--cases", "how many cases to check", None, WholeNumber(1, 10**9), metavar="N",
    shown="no limit",
)  # fmt: skip
SECONDS: Option[float | None] = Option(
    "seconds", "--seconds", "how long the command may run; a fuzz campaign given only "
    "--cases has no time limit", 60.0, Duration(30 * DAY_S), metavar="SECONDS", unlimited=True,
)  # fmt: skip
SEED: Option[int | None] = Option(
    "seed", "--seed", "campaign seed", None, WholeNumber(0, U64_LIMIT - 1), metavar="N",
    shown="random", defaults={Command.BENCH: 0},
    helps={Command.BENCH: "workload seed: the same seed builds the same blocks"},
)  # fmt: skip
METRICS: Option[Path | None] = Option(
    "metrics", "--metrics", "write the parallel path's metrics over every run to FILE, in "
    "the OpenMetrics text format", None, read=Path, metavar="FILE",
)  # fmt: skip

OPTIONS: tuple[Option[Any], ...] = (
    EXECUTORS, REFERENCE, SEEDS, EQUIVALENCE, TIMEOUT, WATCHDOG, PROFILE, CORPUS, SHRINK_SECONDS,
    WORKERS, CASES, SECONDS, SEED, REPRODUCE_SEEDS, SHRINK_CANDIDATES, FORMAT, METRICS,
)  # fmt: skip
_BY_NAME = {option.name: option for option in OPTIONS}
# The options of every command that compares executors, in the order help lists them.
DIFFERENTIAL: tuple[Option[Any], ...] = (
    EXECUTORS,
    REFERENCE,
    SEEDS,
    EQUIVALENCE,
    TIMEOUT,
    WATCHDOG,
)


# ---------------------------------------------------------------- the value


@dataclass(frozen=True, slots=True)
class Options:
    """A run's settings. ``Options()`` has every option's default;
    ``Options.for_command(command)`` has that command's. Every value is checked
    against its declaration: a bad one raises ``OptionError``, an unknown profile
    ``UnknownProfile``, a profile the format cannot draw ``ProfileFormatMismatch``."""

    executors: tuple[str, ...] = EXECUTORS.default
    reference: str = REFERENCE.default
    seeds: int = SEEDS.default
    equivalence: Equivalence = EQUIVALENCE.default
    timeout_s: float = TIMEOUT.default
    watchdog_s: float = WATCHDOG.default
    profile: str = PROFILE.default
    corpus: Path = CORPUS.default
    shrink_seconds: float = SHRINK_SECONDS.default
    workers: int = WORKERS.default
    cases: int | None = CASES.default
    seconds: float | None = SECONDS.default
    seed: int | None = SEED.default
    reproduce_seeds: int = REPRODUCE_SEEDS.default
    shrink_candidates: int = SHRINK_CANDIDATES.default
    case_format: CaseFormat = FORMAT.default
    metrics: Path | None = METRICS.default

    def __post_init__(self) -> None:
        for each in fields(self):
            option = _BY_NAME[each.name]
            problem = option.problem(getattr(self, each.name))
            if problem is not None:
                raise OptionError(f"{option.flag}: {problem}")
        v2_share(self.profile, self.case_format)
        object.__setattr__(self, "case_format", case_format(self.case_format))
        # Values built in code may come as a list, a string or a str path.
        object.__setattr__(self, "executors", expand_specs(self.executors))
        object.__setattr__(self, "corpus", Path(self.corpus))
        object.__setattr__(self, "equivalence", Equivalence(self.equivalence))

    @property
    def compares_all(self) -> bool:
        """Whether there is no reference: every executor compared with every other."""
        return self.reference == NO_REFERENCE

    @staticmethod
    def for_command(command: Command, **changes: Any) -> Options:
        """The defaults of ``command``, with ``changes``."""
        differing = {o.name: o.default_for(command) for o in OPTIONS if command in o.defaults}
        return replace(DEFAULTS, **(differing | changes))

    def with_seed(self) -> Options:
        """These options with a campaign seed: the one given, or a random one (which
        a campaign prints, so that it can be reproduced)."""
        if self.seed is not None:
            return self
        import random  # here: only a campaign draws its seed

        return replace(self, seed=random.randrange(2**32))


DEFAULTS = Options()


# ---------------------------------------------------------------- the argument parser


class OptionParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, not usage plus a line."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"txparity: error: {message}\n")


def add_options(
    parser: argparse.ArgumentParser, command: Command, options: Sequence[Option[Any]]
) -> None:
    """Add ``options`` to ``parser``, with ``command``'s defaults in their help.

    Every argument's parsed default is None, so that ``options_from`` can tell a
    value given from one left out."""
    for option in options:
        action = "append" if option.repeatable else "store"
        parser.add_argument(
            option.flag, dest=option.name, action=action, default=None, type=option.parse,
            metavar=option.metavar, choices=option.choices or None,
            help=option.help_for(command),
        )  # fmt: skip


def options_from(arguments: argparse.Namespace, command: Command) -> Options:
    """The ``Options`` a command was given: its defaults, with what it parsed.

    A fuzz campaign given ``--cases`` but not ``--seconds`` has no time limit."""
    given = {
        option.name: getattr(arguments, option.name)
        for option in OPTIONS
        if getattr(arguments, option.name, None) is not None
    }
    if command is Command.FUZZ and "cases" in given and "seconds" not in given:
        given["seconds"] = None
    return Options.for_command(command, **given)
