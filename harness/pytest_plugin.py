"""A pytest plugin: every counterexample in the corpus is a regression test.

Installed with txparity (entry point ``pytest11``), it collects each ``*.json``
file under the directories named by the ``txparity_corpus`` ini option (default
``corpus``, relative to the rootdir) as one test item, which replays the
counterexample on the executors it records and fails while any still diverges.
A failure names the file and the one command that replays it. Files elsewhere are
never touched, so the plugin is inert in projects without a corpus.

A corpus file never chooses a command (``harness.replay``): an entry recorded
against an external executor (``cmd:...``) is replayed on the external executors
named by ``--txparity-executor SPEC`` (repeatable) and the ``txparity_executors``
ini option, the project's own configuration; without one it is skipped, and the
reason says which command it records and how to name an executor.

``assert_agree`` is the assertion for property tests: on a divergence it saves the
counterexample (under ``$TXPARITY_FAILURES``, default ``.txparity/failures``) and
fails with its path and the command that replays it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from txparity.executors.model import Case
from txparity.harness.corpus import entry_of, replay_command, save_entry, shrink_command
from txparity.harness.differential import Runner
from txparity.harness.errors import HarnessError
from txparity.harness.observations import observe
from txparity.harness.options import CORPUS, Command, Options
from txparity.harness.replay import Verdict, external_specs, replay_file

__all__ = ["CorpusFile", "CorpusItem", "assert_agree", "failures_dir"]


def failures_dir() -> Path:
    """Where property tests save the counterexamples they find."""
    return Path(os.environ.get("TXPARITY_FAILURES", ".txparity/failures"))


def assert_agree(case: Case, runner: Runner) -> None:
    """Fail, with a saved and replayable counterexample, if any target diverges."""
    result = runner.check(case)
    observe(case, result)
    divergences = result.divergences
    if not divergences:
        return
    first = divergences[0]
    entry = entry_of(first, False, runner.options.equivalence)
    path = save_entry(entry, failures_dir())
    raise AssertionError(
        f"{first.executor} diverges ({first.kind}): {first.detail}\n"
        f"  saved: {path}\n"
        f"  replay: {replay_command(path)}\n"
        f"  shrink: {shrink_command(path, entry.executors)}"
    )


EXECUTOR_FLAG = "--txparity-executor"
EXECUTORS_INI = "txparity_executors"
_EXECUTORS_HELP = (
    "external executor (cmd:COMMAND) to replay the corpus entries recorded against an "
    "external executor on"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "txparity_corpus",
        "directories (relative to the rootdir) whose JSON files are replayed as tests",
        type="linelist",
        default=[str(CORPUS.default)],
    )
    parser.addini(EXECUTORS_INI, f"{_EXECUTORS_HELP}, one per line", type="linelist", default=[])
    parser.addoption(
        EXECUTOR_FLAG, action="append", default=[], dest=EXECUTORS_INI, metavar="SPEC",
        help=f"{_EXECUTORS_HELP}; repeatable, added to the {EXECUTORS_INI} ini option",
    )  # fmt: skip


def named_executors(config: pytest.Config) -> tuple[str, ...]:
    """The external executors the person running pytest named; a usage error for
    anything else, since in-tree executors are replayed as recorded."""
    named = (*config.getini(EXECUTORS_INI), *config.getoption(EXECUTORS_INI))
    for spec in named:
        if spec not in external_specs(named):
            raise pytest.UsageError(
                f"{EXECUTOR_FLAG} and {EXECUTORS_INI} name external executors "
                f"(cmd:COMMAND), not {spec!r}"
            )
    return named


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> CorpusFile | None:
    if file_path.suffix != ".json" or file_path.name.startswith(".tmp-"):
        return None
    config = parent.config
    roots = [config.rootpath / name for name in config.getini("txparity_corpus")]
    if not any(file_path.is_relative_to(root) for root in roots):
        return None
    return CorpusFile.from_parent(parent, path=file_path)


class CorpusFile(pytest.File):
    def collect(self) -> Iterator[CorpusItem]:
        yield CorpusItem.from_parent(self, name=f"replay[{self.path.parent.name}/{self.path.stem}]")


class CorpusReplayFailure(HarnessError):
    """A saved counterexample still diverges, or cannot be read."""


class CorpusItem(pytest.Item):
    def runtest(self) -> None:
        named = named_executors(self.config)
        replayed = replay_file(self.path, Options.for_command(Command.REPLAY), named)
        match replayed.verdict:
            case Verdict.AGREES:
                return
            case Verdict.NEVER_REPRODUCED:  # agreeing proves no fix: it never diverged again
                pytest.skip(replayed.detail)
            case Verdict.DIVERGES:
                first = replayed.divergences[0]
                raise CorpusReplayFailure(
                    f"{first.executor} still diverges ({first.kind}): {first.detail}"
                )
            case Verdict.NEEDS_EXECUTOR:
                assert replayed.missing is not None
                advice = replayed.missing.advice(EXECUTOR_FLAG)
                pytest.skip(f"{replayed.detail}; {advice} or the {EXECUTORS_INI} ini option")
            case Verdict.UNREADABLE:
                if replayed.entry is not None:  # read, but naming what cannot run here
                    raise CorpusReplayFailure(replayed.detail)
                raise CorpusReplayFailure(f"unreadable counterexample: {replayed.detail}")

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: object = None,
    ) -> str:
        if isinstance(excinfo.value, CorpusReplayFailure):
            return f"{excinfo.value}\n  file: {self.path}\n  replay: {replay_command(self.path)}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"corpus replay {self.path.name}"
