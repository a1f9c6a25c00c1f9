"""A pytest plugin: the counterexamples a project keeps are regression tests.

Installed with txparity (entry point ``pytest11``), it loads in every pytest session
of every environment txparity is installed in, so it stays out of the way until a
project asks for it:

- ``txparity_corpus`` (ini option: directories, relative to the rootdir) names the
  corpus. Each ``*.json`` file under them is collected as one test item, which
  replays the counterexample on the executors it records and fails while any still
  diverges; a failure names the file and the one command that replays it. Without
  the option nothing is collected: another project's ``corpus/`` folder is its own.
  (txparity's own ``pyproject.toml`` names ``corpus``.)
- ``--txparity-profile NAME`` or ``$TXPARITY_PROFILE`` loads one of txparity's
  Hypothesis settings profiles (``dev``, ``ci``, ``nightly``: see
  ``harness.hypothesis_profiles``) for the session; the flag wins. With neither,
  Hypothesis' settings are left alone.

Until it has something to do (a corpus file to replay, a profile to load, a
property test calling ``assert_agree``) it imports no executor code, nor
Hypothesis, deepdiff or sqlite-utils: a session that uses none of it pays only for
this module.

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
from typing import TYPE_CHECKING

import pytest

from txparity.harness.errors import HarnessError
from txparity.harness.hypothesis_profiles import PROFILE_NAMES, PROFILE_VARIABLE

if TYPE_CHECKING:
    from txparity.executors.model import Case
    from txparity.harness.corpus import Entry
    from txparity.harness.differential import Runner

__all__ = ["CorpusFile", "CorpusItem", "assert_agree", "failures_dir", "keep_smallest"]

CORPUS_INI = "txparity_corpus"
PROFILE_FLAG = "--txparity-profile"
_CORPUS_ROOTS = pytest.StashKey[tuple[Path, ...]]()
EXECUTOR_FLAG = "--txparity-executor"
EXECUTORS_INI = "txparity_executors"
_EXECUTORS_HELP = (
    "external executor (cmd:COMMAND) to replay the corpus entries recorded against an "
    "external executor on"
)


def failures_dir() -> Path:
    """Where property tests save the counterexamples they find."""
    return Path(os.environ.get("TXPARITY_FAILURES", ".txparity/failures"))


def assert_agree(case: Case, runner: Runner) -> None:
    """Fail, with a saved and replayable counterexample, if any target diverges.

    One file is kept per fingerprint: the smallest case seen, as the shrinker
    measures size. While Hypothesis shrinks, every failing example it tries comes
    here; each smaller one replaces the file, and the others are not saved."""
    from txparity.harness.corpus import entry_of, replay_command, shrink_command

    divergences = runner.check(case).divergences
    if not divergences:
        return
    first = divergences[0]
    entry = entry_of(first, False, runner.options.equivalence)
    path, saved = keep_smallest(entry, failures_dir())
    kept = "saved" if saved else "kept"
    reason = "" if saved else " (the smallest case of this fingerprint; this one is not saved)"
    raise AssertionError(
        f"{first.executor} diverges ({first.kind}): {first.detail}\n"
        f"  {kept}: {path}{reason}\n"
        f"  replay: {replay_command(path, entry.executors)}\n"
        f"  shrink: {shrink_command(path, entry.executors)}"
    )


def keep_smallest(entry: Entry, failures: Path) -> tuple[Path, bool]:
    """Keep ``entry`` under ``failures`` if it is the smallest case of its fingerprint
    there; return the path of the smallest, and whether it is ``entry``'s.

    Lock-free and safe across processes (xdist workers): a file is written whole
    (``save_entry``: write, then rename) and only then are the larger ones of the
    fingerprint removed, by whoever sees them beside a smaller one. Whatever the
    interleaving, the smallest is never removed and the last to prune leaves one.
    Files that cannot be read are left alone."""
    from txparity.harness.corpus import entry_path, save_entry

    own = entry_path(entry, failures)
    smallest = _smallest(own.parent)
    if smallest is not None and smallest[1] == own:  # the same case, again
        return own, True
    if smallest is not None and smallest[0] <= _size(entry.case):
        return smallest[1], False
    path = save_entry(entry, failures)
    smallest = _smallest(path.parent, prune=True)
    if smallest is None:  # every file, ours too, was removed or made unreadable meanwhile
        return path, False
    return smallest[1], smallest[1] == path


def _smallest(directory: Path, prune: bool = False) -> tuple[tuple[int, ...], Path] | None:
    """The smallest readable entry in ``directory`` with its size (ties: by name);
    with ``prune``, remove the other readable entries."""
    from txparity.harness.corpus import CorpusError, corpus_files, load_entry

    sized = []
    for path in corpus_files([directory]) if directory.is_dir() else ():
        try:
            sized.append((_size(load_entry(path).case), path))
        except CorpusError:  # unreadable, or removed meanwhile by another process
            continue
    sized.sort()
    for _, larger in sized[1:] if prune else ():
        larger.unlink(missing_ok=True)
    return sized[0] if sized else None


def _size(case: Case) -> tuple[int, ...]:
    from txparity.executors.shapes import encode_case
    from txparity.harness.candidates import size

    return size(encode_case(case))


# ---------------------------------------------------------------- configuration


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        CORPUS_INI,
        "directories (relative to the rootdir) whose JSON files txparity replays as tests; "
        "none by default",
        type="linelist",
        default=[],
    )
    parser.addini(EXECUTORS_INI, f"{_EXECUTORS_HELP}, one per line", type="linelist", default=[])
    group = parser.getgroup("txparity")
    group.addoption(
        EXECUTOR_FLAG, action="append", default=[], dest=EXECUTORS_INI, metavar="SPEC",
        help=f"{_EXECUTORS_HELP}; repeatable, added to the {EXECUTORS_INI} ini option",
    )  # fmt: skip
    group.addoption(
        PROFILE_FLAG,
        metavar="NAME",
        default=None,
        help=f"load txparity's Hypothesis settings profile NAME ({', '.join(PROFILE_NAMES)}); "
        f"default ${PROFILE_VARIABLE}, else Hypothesis' settings are left alone",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_CORPUS_ROOTS] = tuple(
        config.rootpath / name for name in config.getini(CORPUS_INI)
    )
    profile = config.getoption(PROFILE_FLAG) or os.environ.get(PROFILE_VARIABLE)
    if profile:
        _load_profile(profile)


def _load_profile(name: str) -> None:
    from hypothesis.errors import InvalidArgument

    from txparity.harness.hypothesis_profiles import load_settings_profile

    try:
        load_settings_profile(name)
    except InvalidArgument:
        raise pytest.UsageError(
            f"txparity: no Hypothesis settings profile {name!r} "
            f"(txparity's are {', '.join(PROFILE_NAMES)})"
        ) from None


def pytest_report_header(config: pytest.Config) -> str | None:
    profile = config.getoption(PROFILE_FLAG) or os.environ.get(PROFILE_VARIABLE)
    return f"txparity: Hypothesis profile {profile}" if profile else None


# ---------------------------------------------------------------- the corpus


def named_executors(config: pytest.Config) -> tuple[str, ...]:
    """The external executors the person running pytest named; a usage error for
    anything else, since in-tree executors are replayed as recorded."""
    from txparity.harness.replay import external_specs

    named = (*config.getini(EXECUTORS_INI), *config.getoption(EXECUTORS_INI))
    for spec in named:
        if spec not in external_specs(named):
            raise pytest.UsageError(
                f"{EXECUTOR_FLAG} and {EXECUTORS_INI} name external executors "
                f"(cmd:COMMAND), not {spec!r}"
            )
    return named


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> CorpusFile | None:
    roots = parent.config.stash.get(_CORPUS_ROOTS, ())
    if not roots or file_path.suffix != ".json" or file_path.name.startswith(".tmp-"):
        return None
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
        # Imported here: collecting a corpus must not load the executors.
        from txparity.harness.options import Command, Options
        from txparity.harness.replay import Verdict, replay_file

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
        from txparity.harness.corpus import replay_command

        if isinstance(excinfo.value, CorpusReplayFailure):
            return f"{excinfo.value}\n  file: {self.path}\n  replay: {replay_command(self.path)}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"corpus replay {self.path.name}"
