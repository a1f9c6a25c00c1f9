"""One GitHub issue per new fingerprint: the bodies, and the ``gh`` command lines.

For each new fingerprint of a findings directory, the issue writer either opens an
issue or, when an open issue already has that fingerprint, comments on it. An issue
carries the label ``LABEL`` and, on its first line, the marker
``<!-- txparity-fingerprint: <fingerprint> -->`` (an HTML comment: GitHub does not
show it). The open issues with the label are listed once (``gh issue list``), and
the marker in each body says which fingerprint it is about; the lowest number wins
if two claim the same one.

An issue says what diverged, where and when it was found, what replaying it showed,
its report, the shrunk case inline (canonical JSON) and the one command that
replays it on any machine with txparity installed: ``txparity check`` reading the
case from a here-document. A case too large to show (over ``INLINE_CASE_CHARS``
characters) is shown truncated, with a note, and the command then downloads the
night's artifact and replays the saved file. A comment on an open issue names the
night and the shards; it repeats the reproducer only when the issue does not show
that case already.

Everything here is built from the findings directory alone, as values: the body
files are written under a directory of their own, and each ``gh`` call is an
argument list (``GhCommand``), shown quoted for a shell, run without one.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from txparity.executors.codec import canonical_json, encode_case
from txparity.harness.corpus import Entry, load_entry, replay_command
from txparity.harness.nightly._errors import NightlyError
from txparity.harness.nightly._findings import (
    CORPUS_DIR,
    FindingRecord,
    Findings,
    RunInfo,
    ShardRecord,
    write_text,
)
from txparity.harness.nightly._markdown import code, fenced
from txparity.harness.options import Equivalence

__all__ = [
    "ARTIFACT",
    "BODY_CHARS",
    "INLINE_CASE_CHARS",
    "LABEL",
    "GhCommand",
    "comment_body",
    "issue_body",
    "issue_title",
    "list_open_issues_command",
    "marker",
    "open_issues_by_fingerprint",
    "plan_issues",
    "query_open_issues",
    "replay_locally",
    "run_commands",
]

LABEL = "txparity-nightly"
LABEL_COLOR = "B60205"
LABEL_DESCRIPTION = "A divergence found by txparity's nightly fuzzing"
ARTIFACT = "txparity-nightly"  # the findings directory, as the nightly workflow uploads it
BODY_CHARS = 65_536  # GitHub refuses a longer issue or comment body
INLINE_CASE_CHARS = 16_000  # shown twice (the case, the command): well inside a body
REPORT_CHARS = 24_000
TITLE_CHARS = 200
SHARDS_NAMED = 10  # with the command that runs each again; the rest are counted
OPEN_ISSUES_LIMIT = 1000
CASE_DELIMITER = "TXPARITY_CASE"

_MARKER = re.compile(r"<!-- txparity-fingerprint: ([0-9a-f]+) -->")


@dataclass(frozen=True, slots=True)
class GhCommand:
    """One call of the GitHub CLI: its arguments, and the fingerprint it is for."""

    argv: tuple[str, ...]
    fingerprint: str | None = None

    def shown(self) -> str:
        return shlex.join(self.argv)


def marker(fingerprint: str) -> str:
    return f"<!-- txparity-fingerprint: {fingerprint} -->"


def _repo_flag(repository: str | None) -> list[str]:
    return [] if repository is None else ["--repo", repository]


def list_open_issues_command(repository: str | None, label: str = LABEL) -> GhCommand:
    """The query whose JSON answer ``open_issues_by_fingerprint`` reads."""
    return GhCommand(("gh", "issue", "list", *_repo_flag(repository), "--label", label,
                      "--state", "open", "--limit", str(OPEN_ISSUES_LIMIT),
                      "--json", "number,body"))  # fmt: skip


def open_issues_by_fingerprint(document: object) -> dict[str, tuple[int, str]]:
    """Fingerprint -> (number, body) of the open issue about it, from ``gh issue
    list --json number,body``; ``NightlyError`` if that is not what it is."""
    if not isinstance(document, list):
        raise NightlyError("open issues: expected a JSON list of {number, body}")
    found: dict[str, tuple[int, str]] = {}
    for issue in sorted(document, key=_issue_number):
        body = str(issue.get("body") or "")
        for fingerprint in _MARKER.findall(body):
            found.setdefault(fingerprint, (_issue_number(issue), body))
    return found


def _issue_number(issue: object) -> int:
    number = issue.get("number") if isinstance(issue, dict) else None
    if not isinstance(number, int) or isinstance(number, bool):
        raise NightlyError(f"open issues: an issue without a number: {issue!r}"[:200])
    return number


# ---------------------------------------------------------------- bodies


def issue_title(finding: FindingRecord) -> str:
    title = (
        f"Nightly fuzzing: {finding.kind} divergence in {', '.join(finding.executors)} "
        f"({finding.fingerprint})"
    )
    if len(title) <= TITLE_CHARS:
        return title
    tail = f"... ({finding.fingerprint})"
    return title[: TITLE_CHARS - len(tail)] + tail


def issue_body(
    finding: FindingRecord,
    entry: Entry,
    findings: Findings,
    findings_dir: Path,
    inline_chars: int = INLINE_CASE_CHARS,
) -> str:
    """The body of the issue that reports ``finding`` (whose kept entry is ``entry``)."""
    executors = ", ".join(code(spec) for spec in finding.executors)
    parts = [
        f"{marker(finding.fingerprint)}\n"
        f"txparity's nightly fuzzing found a divergence with a new fingerprint, "
        f"`{finding.fingerprint}`: **{finding.kind}** in {executors}.",
        _facts(finding, entry, findings),
        "## Report\n\n" + _capped(finding.report.rstrip(), REPORT_CHARS),
        _reproducer(finding, entry, findings.run, findings_dir, inline_chars),
        _keeping_it(finding, findings.run),
    ]
    return "\n\n".join(parts) + "\n"


def comment_body(
    finding: FindingRecord,
    entry: Entry,
    findings: Findings,
    findings_dir: Path,
    issue_text: str,
    inline_chars: int = INLINE_CASE_CHARS,
) -> str:
    """The comment on the open issue ``issue_text`` about ``finding``'s fingerprint."""
    night = _night(findings.run)
    parts = [
        f"{marker(finding.fingerprint)}\n"
        f"Found again by {night}: {_shard_list(finding, findings.shards)}; "
        f"{_copies(finding)}.\n\n"
        f"Replayed on the merging runner: {finding.replay_detail}.",
    ]
    hash_ = _case_hash(finding)
    if hash_ in issue_text:
        parts.append(f"Its smallest reproducer is case `{hash_}`, the one above.")
    else:
        parts.append(
            f"This night's smallest reproducer, case `{hash_}` "
            f"({finding.transactions} transaction(s)), is not the one above:"
        )
        parts.append(_reproducer(finding, entry, findings.run, findings_dir, inline_chars))
    return "\n\n".join(parts) + "\n"


def _facts(finding: FindingRecord, entry: Entry, findings: Findings) -> str:
    artifact = _in_artifact(finding, findings.run)
    return "\n".join([
        f"- night: {_night(findings.run)}",
        f"- found by: {_shard_list(finding, findings.shards)}",
        f"- smallest reproducer: {finding.transactions} transaction(s), case "
        f"`{_case_hash(finding)}` ({artifact}); {_copies(finding)}",
        f"- equivalence: `{entry.equivalence.value}`",
        f"- replayed on the merging runner: {finding.replay_detail}",
    ])  # fmt: skip


def _night(run: RunInfo) -> str:
    text = f"the nightly run [{run.run_id}]({run.url})" if run.url else "a local nightly run"
    return text + (f" at commit `{run.commit[:12]}`" if run.commit else "")


def _shard_list(finding: FindingRecord, shards: Sequence[ShardRecord]) -> str:
    by_name = {shard.name: shard for shard in shards}
    named = []
    for name in finding.shards[:SHARDS_NAMED]:
        shard = by_name.get(name)
        again = "" if shard is None else f" ({code(shard.rerun_command())})"
        named.append(f"shard {code(name)}{again}")
    more = len(finding.shards) - SHARDS_NAMED
    return ", ".join(named) + (f" and {more} more" if more > 0 else "")


def _copies(finding: FindingRecord) -> str:
    if finding.copies == 1:
        return "the only entry saved with this fingerprint"
    return f"the smallest of {finding.copies} entries saved with this fingerprint"


def _case_hash(finding: FindingRecord) -> str:
    return Path(finding.path).stem


def _in_artifact(finding: FindingRecord, run: RunInfo) -> str:
    if run.url is None:
        return f"{code(finding.path)} in the findings directory"
    return f"{code(finding.path)} in the run's `{ARTIFACT}` artifact"


def _capped(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n\n_(cut: the first {limit} of {len(text)} characters)_"


def _reproducer(finding: FindingRecord, entry: Entry, run: RunInfo, findings_dir: Path,
                inline_chars: int) -> str:  # fmt: skip
    case = canonical_json(encode_case(entry.case))
    shown = case if len(case) <= inline_chars else case[:inline_chars]
    note = ""
    if shown != case:
        note = (
            f"\n\n_Truncated: the first {inline_chars} of {len(case)} characters. The whole "
            f"case is {_in_artifact(finding, run)}._"
        )
    command = replay_locally(finding, entry, run, findings_dir, inline=shown == case)
    return (
        f"## Shrunk case\n\n{fenced(shown, 'json')}{note}\n\n"
        f"## Replay locally\n\n{fenced(command, 'sh')}"
    )


def replay_locally(finding: FindingRecord, entry: Entry, run: RunInfo, findings_dir: Path,
                   inline: bool = True) -> str:  # fmt: skip
    """The one shell command that replays ``finding``: ``txparity check`` on the case
    in a here-document, on the executors and under the equivalence the entry
    records, with its own schedule seed only; or, for a case too large to show, the
    download of the night's artifact and ``txparity replay`` of the saved file."""
    if not inline:
        return _replay_download(finding, run, findings_dir)
    words = ["txparity", "check", "-"]
    for spec in entry.executors:
        words += ["--executor", spec]
    words += ["--seeds", "1"]
    if entry.equivalence is not Equivalence.STRICT:
        words += ["--equivalence", entry.equivalence.value]
    case = canonical_json(encode_case(entry.case))
    return f"{shlex.join(words)} <<'{CASE_DELIMITER}'\n{case}\n{CASE_DELIMITER}"


def _replay_download(finding: FindingRecord, run: RunInfo, findings_dir: Path) -> str:
    if run.url is None or run.run_id is None:
        return replay_command(findings_dir / finding.path, finding.executors)
    directory = f"{ARTIFACT}-{run.run_id}"
    download = ["gh", "run", "download", run.run_id, *_repo_flag(run.repository),
                "--name", ARTIFACT, "--dir", directory]  # fmt: skip
    replay = replay_command(Path(directory) / finding.path, finding.executors)
    return f"{shlex.join(download)} && {replay}"


def _keeping_it(finding: FindingRecord, run: RunInfo) -> str:
    target = f"{CORPUS_DIR}/{finding.fingerprint}"
    if run.url is None or run.run_id is None:
        return (
            f"Once the bug is fixed, keep the case as a regression test: copy "
            f"{code(target)} from the findings directory into the repository's "
            f"`{CORPUS_DIR}/`."
        )
    directory = f"{ARTIFACT}-{run.run_id}"
    download = ["gh", "run", "download", run.run_id, *_repo_flag(run.repository),
                "--name", ARTIFACT, "--dir", directory]  # fmt: skip
    copy = ["cp", "-r", f"{directory}/{target}", f"{CORPUS_DIR}/"]
    return "Once the bug is fixed, keep the case as a regression test:\n\n" + fenced(
        f"{shlex.join(download)} && {shlex.join(copy)}", "sh"
    )


# ---------------------------------------------------------------- the plan


def plan_issues(
    findings: Findings,
    findings_dir: Path,
    bodies_dir: Path,
    open_issues: Mapping[str, tuple[int, str]],
    repository: str | None,
    label: str = LABEL,
    inline_chars: int = INLINE_CASE_CHARS,
) -> list[GhCommand]:
    """Write a body file per new fingerprint under ``bodies_dir`` and return the
    ``gh`` calls that open its issue, or comment on the open one: the label first
    (created or updated), if any issue is to be opened."""
    commands: list[GhCommand] = []
    for finding in findings.new:
        entry = load_entry(findings_dir / finding.path)
        if entry.fingerprint != finding.fingerprint:
            raise NightlyError(f"{findings_dir / finding.path}: not of {finding.fingerprint}")
        commands.append(_command_for(finding, entry, findings, findings_dir, bodies_dir,
                                     open_issues, repository, label, inline_chars))  # fmt: skip
    if any(command.argv[1:3] == ("issue", "create") for command in commands):
        commands.insert(0, GhCommand(("gh", "label", "create", label, *_repo_flag(repository),
                                      "--color", LABEL_COLOR, "--description",
                                      LABEL_DESCRIPTION, "--force")))  # fmt: skip
    return commands


def _command_for(finding: FindingRecord, entry: Entry, findings: Findings, findings_dir: Path,
                 bodies_dir: Path, open_issues: Mapping[str, tuple[int, str]],
                 repository: str | None, label: str, inline_chars: int) -> GhCommand:  # fmt: skip
    fingerprint = finding.fingerprint
    repo = _repo_flag(repository)
    if fingerprint in open_issues:
        number, text = open_issues[fingerprint]
        body = comment_body(finding, entry, findings, findings_dir, text, inline_chars)
        path = _body_file(bodies_dir / f"{fingerprint}-comment.md", body)
        return GhCommand(("gh", "issue", "comment", str(number), *repo,
                          "--body-file", str(path)), fingerprint)  # fmt: skip
    body = issue_body(finding, entry, findings, findings_dir, inline_chars)
    path = _body_file(bodies_dir / f"{fingerprint}.md", body)
    return GhCommand(("gh", "issue", "create", *repo, "--title", issue_title(finding),
                      "--label", label, "--body-file", str(path)), fingerprint)  # fmt: skip


def _body_file(path: Path, body: str) -> Path:
    if len(body) > BODY_CHARS:
        raise NightlyError(f"{path.name}: {len(body)} characters, over GitHub's {BODY_CHARS}")
    return write_text(path, body)


# ---------------------------------------------------------------- running them


def query_open_issues(repository: str | None, label: str = LABEL) -> dict[str, tuple[int, str]]:
    """The open issues with ``label``, by fingerprint, asked of GitHub."""
    answer = _run(list_open_issues_command(repository, label))
    if answer.returncode != 0:
        raise NightlyError(f"cannot list open issues: {_last_line(answer.stderr)}")
    try:
        return open_issues_by_fingerprint(json.loads(answer.stdout))
    except ValueError as error:
        raise NightlyError(f"cannot list open issues: not JSON ({error})") from None


def run_commands(commands: Sequence[GhCommand]) -> list[str]:
    """Run each command in order; one line for each that failed (none: all ran)."""
    failures = []
    for command in commands:
        done = _run(command)
        if done.returncode != 0:
            failures.append(
                f"{command.shown()[:300]}: exit {done.returncode}: {_last_line(done.stderr)}"
            )
    return failures


def _run(command: GhCommand) -> subprocess.CompletedProcess[str]:
    if command.argv[0] != "gh":
        raise NightlyError(f"not a gh command: {command.shown()}")
    try:
        return subprocess.run(
            command.argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False
        )
    except OSError as error:
        raise NightlyError(f"cannot run gh: {error.strerror or error}") from None


def _last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "(no message)"
