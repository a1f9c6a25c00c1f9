"""A pytest plugin: every counterexample in the corpus is a regression test.

Installed with txparity (entry point ``pytest11``), it collects each ``*.json``
file under the directories named by the ``txparity_corpus`` ini option (default
``corpus``, relative to the rootdir) as one test item, which replays the
counterexample on the executors it records and fails while any still diverges.
A failure names the file and the one command that replays it. Files elsewhere are
never touched, so the plugin is inert in projects without a corpus.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.corpus import CorpusError, load_entry, replay_entry

__all__ = ["CorpusFile", "CorpusItem"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "txparity_corpus",
        "directories (relative to the rootdir) whose JSON files are replayed as tests",
        type="linelist",
        default=["corpus"],
    )


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


class CorpusReplayFailure(Exception):
    """A saved counterexample still diverges, or cannot be read."""


class CorpusItem(pytest.Item):
    def runtest(self) -> None:
        try:
            entry = load_entry(self.path)
        except CorpusError as error:
            raise CorpusReplayFailure(f"unreadable counterexample: {error}") from None
        divergences = replay_entry(entry)
        if divergences:
            first = divergences[0]
            raise CorpusReplayFailure(
                f"{first.executor} still diverges ({first.kind}): {first.detail}"
            )

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: object = None,
    ) -> str:
        if isinstance(excinfo.value, CorpusReplayFailure):
            return f"{excinfo.value}\n  file: {self.path}\n  replay: txparity replay {self.path}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"corpus replay {self.path.name}"
