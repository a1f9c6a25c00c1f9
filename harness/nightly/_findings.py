"""A findings directory: what one night's merge keeps, and what the issue writer reads.

    <findings>/
        corpus/<fingerprint>/<hash>.json   one entry per new fingerprint, the smallest
        findings.json                      the manifest: the run, the shards, each
                                           fingerprint and where it was found
        report.md                          the night's Markdown report

``corpus/`` has the layout of ``corpus/`` in the repository, so ``txparity replay``
runs it and a fingerprint's directory can be copied in once its bug is fixed. The
manifest is written by the merge only; reading it back checks its format and names
the file on any problem. Every file is written to a temporary name and renamed.
"""

from __future__ import annotations

import json
import os
import shlex
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from txparity.executors.codec import canonical_json
from txparity.harness.nightly._errors import NightlyError

__all__ = [
    "CORPUS_DIR",
    "FINDINGS_FORMAT",
    "MANIFEST",
    "REPORT",
    "FindingRecord",
    "Findings",
    "KnownRecord",
    "Replay",
    "RunInfo",
    "ShardRecord",
    "read_findings",
    "write_findings",
    "write_text",
]

FINDINGS_FORMAT = "txparity.nightly/1"
MANIFEST = "findings.json"
REPORT = "report.md"
CORPUS_DIR = "corpus"


class Replay(StrEnum):
    """What replaying a kept entry once more, on the merging machine, showed."""

    REPRODUCED = "reproduced"  # the same fingerprint again
    ELSEWHERE = "diverges_elsewhere"  # a divergence, with another fingerprint
    AGREES = "agrees"  # no divergence
    NOT_RUN = "not_run"  # not replayed: see the record's detail


@dataclass(frozen=True, slots=True)
class RunInfo:
    """The workflow run a night belongs to (all None outside GitHub Actions)."""

    repository: str | None = None  # owner/name
    run_id: str | None = None
    commit: str | None = None
    server_url: str = "https://github.com"

    @property
    def url(self) -> str | None:
        if self.repository is None or self.run_id is None:
            return None
        return f"{self.server_url}/{self.repository}/actions/runs/{self.run_id}"

    @staticmethod
    def from_environment(environment: Mapping[str, str]) -> RunInfo:
        """The run GitHub Actions describes in its environment variables."""
        return RunInfo(
            repository=environment.get("GITHUB_REPOSITORY") or None,
            run_id=environment.get("GITHUB_RUN_ID") or None,
            commit=environment.get("GITHUB_SHA") or None,
            server_url=environment.get("GITHUB_SERVER_URL") or "https://github.com",
        )

    def to_json(self) -> dict[str, object]:
        return {
            "repository": self.repository,
            "run_id": self.run_id,
            "commit": self.commit,
            "server_url": self.server_url,
        }

    @staticmethod
    def from_json(document: dict[str, Any]) -> RunInfo:
        return RunInfo(
            _optional_str(document["repository"]),
            _optional_str(document["run_id"]),
            _optional_str(document["commit"]),
            str(document["server_url"]),
        )


@dataclass(frozen=True, slots=True)
class ShardRecord:
    """One shard as the merge found it: its name, the command that does its work
    again (``txparity fuzz`` and its options, for a campaign), its exit status and
    its JSON summary (None when it left none), and what could not be read of it."""

    name: str
    command: tuple[str, ...] = ()
    status: int | None = None
    summary: dict[str, Any] | None = None
    problem: str | None = None

    def option(self, flag: str) -> str | None:
        """The value given to ``flag`` in the shard's command (the last one wins)."""
        value = None
        for index, word in enumerate(self.command[:-1]):
            if word == flag:
                value = self.command[index + 1]
        return value

    def figure(self, key: str) -> object:
        """A figure of the shard's summary, or None."""
        return None if self.summary is None else self.summary.get(key)

    def rerun_command(self) -> str:
        """The shard's work again. For a campaign, over the cases it checked: its
        cases depend only on its seed, so ``--cases`` replaces its clock."""
        if self.command[:2] != ("txparity", "fuzz"):
            return shlex.join(self.command)
        words = ["txparity", "fuzz"]
        dropped = {"--seconds": 2, "--cases": 2, "--corpus": 2, "--json": 1}
        index = 2
        while index < len(self.command):
            word = self.command[index]
            if word in dropped:
                index += dropped[word]
                continue
            words.append(word)
            index += 1
        cases = self.figure("cases")
        if isinstance(cases, int) and not isinstance(cases, bool) and cases > 0:
            words += ["--cases", str(cases)]
        return shlex.join(words)

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "command": list(self.command),
            "status": self.status,
            "summary": self.summary,
            "problem": self.problem,
        }

    @staticmethod
    def from_json(document: dict[str, Any]) -> ShardRecord:
        summary = document["summary"]
        return ShardRecord(
            name=str(document["name"]),
            command=tuple(str(word) for word in document["command"]),
            status=None if document["status"] is None else int(document["status"]),
            summary=None if summary is None else dict(summary),
            problem=_optional_str(document["problem"]),
        )


@dataclass(frozen=True, slots=True)
class FindingRecord:
    """A new fingerprint: where its kept entry is (relative to the findings
    directory), what it is, which shards saved it, how many entries they saved in
    all, what replaying the kept one showed, and its report (Markdown)."""

    fingerprint: str
    path: str
    kind: str
    executors: tuple[str, ...]
    transactions: int
    size: tuple[int, int, int]
    shards: tuple[str, ...]
    copies: int
    replay: Replay
    replay_detail: str
    report: str

    def to_json(self) -> dict[str, object]:
        return {
            "fingerprint": self.fingerprint,
            "path": self.path,
            "kind": self.kind,
            "executors": list(self.executors),
            "transactions": self.transactions,
            "size": list(self.size),
            "shards": list(self.shards),
            "copies": self.copies,
            "replay": self.replay.value,
            "replay_detail": self.replay_detail,
            "report": self.report,
        }

    @staticmethod
    def from_json(document: dict[str, Any]) -> FindingRecord:
        txs, chars, integers = (int(part) for part in document["size"])
        return FindingRecord(
            fingerprint=str(document["fingerprint"]),
            path=str(document["path"]),
            kind=str(document["kind"]),
            executors=tuple(str(spec) for spec in document["executors"]),
            transactions=int(document["transactions"]),
            size=(txs, chars, integers),
            shards=tuple(str(name) for name in document["shards"]),
            copies=int(document["copies"]),
            replay=Replay(document["replay"]),
            replay_detail=str(document["replay_detail"]),
            report=str(document["report"]),
        )


@dataclass(frozen=True, slots=True)
class KnownRecord:
    """A fingerprint the shards saved that the committed corpus already has."""

    fingerprint: str
    shards: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return {"fingerprint": self.fingerprint, "shards": list(self.shards)}

    @staticmethod
    def from_json(document: dict[str, Any]) -> KnownRecord:
        return KnownRecord(str(document["fingerprint"]), tuple(map(str, document["shards"])))


@dataclass(frozen=True, slots=True)
class Findings:
    """A night's merge: the manifest of a findings directory."""

    run: RunInfo
    shards: tuple[ShardRecord, ...]
    new: tuple[FindingRecord, ...]
    known: tuple[KnownRecord, ...]
    unreadable: tuple[str, ...]  # one line per file that could not be read

    def to_json(self) -> dict[str, object]:
        return {
            "format": FINDINGS_FORMAT,
            "run": self.run.to_json(),
            "shards": [shard.to_json() for shard in self.shards],
            "new": [finding.to_json() for finding in self.new],
            "known": [known.to_json() for known in self.known],
            "unreadable": list(self.unreadable),
        }

    @staticmethod
    def from_json(document: object) -> Findings:
        if not isinstance(document, dict) or document.get("format") != FINDINGS_FORMAT:
            raise ValueError(f"format must be {FINDINGS_FORMAT!r}")
        return Findings(
            run=RunInfo.from_json(document["run"]),
            shards=tuple(ShardRecord.from_json(shard) for shard in document["shards"]),
            new=tuple(FindingRecord.from_json(finding) for finding in document["new"]),
            known=tuple(KnownRecord.from_json(known) for known in document["known"]),
            unreadable=tuple(str(line) for line in document["unreadable"]),
        )


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)


def read_findings(directory: Path) -> Findings:
    """The manifest of the findings directory ``directory``; ``NightlyError`` naming
    the file if it is missing or is not one."""
    path = directory / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise NightlyError(f"{path}: cannot read ({error.strerror})") from None
    try:
        return Findings.from_json(json.loads(text))
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise NightlyError(
            f"{path}: not a findings manifest ({type(error).__name__}: {error})"
        ) from None


def write_findings(findings: Findings, directory: Path) -> Path:
    return write_text(directory / MANIFEST, canonical_json(findings.to_json()) + "\n")


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file renamed into place;
    ``NightlyError`` if the file system refuses."""
    try:
        return _write(path, text)
    except OSError as error:
        raise NightlyError(f"cannot write {path}: {error.strerror or error}") from None


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; findings are shared
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
