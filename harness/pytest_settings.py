"""The txparity settings of a pytest session, and the ``txparity_runner`` fixture.

Each setting is an ini option (``txparity_NAME``, the project's configuration) and
a flag (``--txparity-NAME``, this run's), the flag winning; a repeatable flag given
replaces the ini list. What a value may be, and its default, are those of the run
option of ``harness.options`` the setting fills (``--seeds``, ``--executor``, ...):
they are declared there once, and read here only when a value is given or used.
A value out of bounds is a usage error of the session, one line.

- ``executors``: the executors ``txparity_runner`` checks (default: every in-tree
  parallel executor on both backends and both schedules). The external ones
  (``cmd:``) among them also replay the corpus entries recorded against an
  external executor (a corpus file never chooses a command).
- ``reference``: the executor every other is compared with, in the fixture's
  checks and in the replay of corpus entries (which, recorded against an external
  reference, replay only on the one named: ``harness.replay``).
- ``seeds``: schedule seeds per parallel executor, for the fixture's checks.
- ``corpus``: directories (relative to the rootdir) whose JSON files are
  replayed as tests; none by default.

This module imports no executor code at import time (pytest loads the plugin in
every session): the declarations are imported when a setting is read.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pytest

if TYPE_CHECKING:
    from txparity.harness.differential import Runner
    from txparity.harness.options import Option

__all__ = [
    "CORPUS",
    "EXECUTORS",
    "REFERENCE",
    "SEEDS",
    "SETTINGS",
    "Setting",
    "add_settings",
    "check_settings",
    "corpus_roots",
    "named_executors",
    "named_reference",
    "replay_options",
    "runner_options",
    "txparity_runner",
]


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting: the ``Options`` field it fills, its flag and ini names, and help."""

    field: str
    flag: str
    ini: str
    metavar: str
    help: str
    repeatable: bool = False

    @property
    def dest(self) -> str:
        return self.ini

    def add(self, parser: pytest.Parser) -> None:
        kind: Literal["linelist", "string"] = "linelist" if self.repeatable else "string"
        again = "; repeatable, replacing the ini list" if self.repeatable else ""
        parser.addini(self.ini, f"{self.help} (txparity)", type=kind, default=None)
        parser.getgroup("txparity").addoption(
            self.flag, dest=self.dest, action="append" if self.repeatable else "store",
            default=None, metavar=self.metavar,
            help=f"{self.help}{again}; overrides the {self.ini} ini option",
        )  # fmt: skip

    def texts(self, config: pytest.Config) -> list[str] | None:
        """The texts given, from the flag or else the ini option; None if neither."""
        given = config.getoption(self.dest)
        if given is not None:
            return list(given) if self.repeatable else [given]
        configured = config.getini(self.ini)
        if configured in (None, "", []):
            return None
        return list(configured) if self.repeatable else [str(configured)]

    def values(self, config: pytest.Config) -> list[Any] | None:
        """The values given, each read as the run option's declaration reads it."""
        texts = self.texts(config)
        if texts is None:
            return None
        option = self.declaration()
        values = []
        for text in texts:
            try:
                values.append(option.parse(text))
            except argparse.ArgumentTypeError as error:  # out of the declared bounds
                raise pytest.UsageError(f"{self.flag} / {self.ini}: {error}") from None
        return values

    def declaration(self) -> Option[Any]:
        from txparity.harness import options

        return next(option for option in options.OPTIONS if option.name == self.field)


EXECUTORS = Setting(
    "executors", "--txparity-executor", "txparity_executors", "SPEC",
    "executor txparity_runner checks (NAME[@BACKEND][/SCHEDULE] or cmd:COMMAND; default "
    "every in-tree parallel executor); the cmd: ones also replay the corpus entries "
    "recorded against an external executor", repeatable=True,
)  # fmt: skip
REFERENCE = Setting(
    "reference", "--txparity-reference", "txparity_reference", "SPEC",
    "the executor every other is compared with (NAME[@BACKEND][/SCHEDULE], cmd:COMMAND or "
    "none; default as txparity check --reference), in txparity_runner's checks and the "
    "corpus replay",
)  # fmt: skip
SEEDS = Setting(
    "seeds", "--txparity-seeds", "txparity_seeds", "N",
    "schedule seeds per parallel executor in txparity_runner's checks (default as "
    "txparity check --seeds)",
)  # fmt: skip
CORPUS = Setting(
    "corpus", "--txparity-corpus", "txparity_corpus", "DIR",
    "directory (relative to the rootdir) whose JSON files are replayed as tests",
    repeatable=True,
)  # fmt: skip
SETTINGS = (EXECUTORS, REFERENCE, SEEDS, CORPUS)


def add_settings(parser: pytest.Parser) -> None:
    for setting in SETTINGS:
        setting.add(parser)


def corpus_roots(config: pytest.Config) -> tuple[Path, ...]:
    """The corpus directories, absolute; none unless the project or the run names one."""
    texts = CORPUS.texts(config) or []
    return tuple(config.rootpath / text for text in texts)


def named_executors(config: pytest.Config) -> tuple[str, ...]:
    """The executors named for this session (none: none named)."""
    return tuple(EXECUTORS.values(config) or ())


def runner_options(config: pytest.Config) -> Any:
    """The ``Options`` of ``txparity_runner``: those of ``txparity check``, with the
    settings given."""
    from txparity.harness.options import Command, OptionError, Options

    changes: dict[str, Any] = {}
    executors = EXECUTORS.values(config)
    if executors is not None:
        changes["executors"] = tuple(executors)
    seeds = SEEDS.values(config)
    if seeds is not None:
        changes["seeds"] = seeds[0]
    changes |= named_reference(config)
    try:
        return Options.for_command(Command.CHECK, **changes)
    except OptionError as error:
        raise pytest.UsageError(f"txparity: {error}") from None


def named_reference(config: pytest.Config) -> dict[str, str]:
    """``{"reference": SPEC}`` if the session names one, else nothing."""
    reference = REFERENCE.values(config)
    return {} if reference is None else {"reference": reference[0]}


def replay_options(config: pytest.Config) -> Any:
    """The ``Options`` corpus items replay with: those of ``txparity replay``, with
    the reference named."""
    from txparity.harness.options import Command, Options

    return Options.for_command(Command.REPLAY, **named_reference(config))


def check_settings(config: pytest.Config) -> None:
    """Refuse a bad setting at the start of the session, with one line, rather than in
    every test that uses it; reads nothing when no setting is given."""
    if any(setting.texts(config) is not None for setting in (EXECUTORS, REFERENCE, SEEDS)):
        options = runner_options(config)
        _check_specs(options.executors)


def _check_specs(specs: Sequence[str]) -> None:
    from txparity.executors.errors import ExecutorError
    from txparity.harness.errors import HarnessError
    from txparity.harness.targets import make_target
    from txparity.harness.targets.external import EXTERNAL_PREFIX

    for spec in specs:
        if spec.startswith(EXTERNAL_PREFIX):
            continue  # started by the fixture, which reports a command that cannot start
        try:
            make_target(spec).close()
        except (ExecutorError, HarnessError) as error:
            raise pytest.UsageError(f"{EXECUTORS.flag} / {EXECUTORS.ini}: {error}") from None


@pytest.fixture(scope="session")
def txparity_runner(pytestconfig: pytest.Config) -> Iterator[Runner]:
    """A ``Runner`` over the session's executors and seeds, started once per session
    (per worker process under xdist), so a ``cmd:`` executor starts once; closed,
    with its external processes, at the end."""
    from txparity.harness.differential import Runner

    options = runner_options(pytestconfig)
    with Runner(options.executors, options) as runner:
        yield runner
