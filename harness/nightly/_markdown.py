"""Markdown for people: the night's report, and the pieces issue bodies share.

Text that comes from a finding (a detail line, a case, a command) is put in code
spans and fenced blocks whose fence is longer than any run of backticks in it, and
table cells have their pipes escaped, so no finding can break the page around it.
"""

from __future__ import annotations

import re
from pathlib import Path

from txparity.harness.corpus import replay_command
from txparity.harness.nightly._findings import CORPUS_DIR, FindingRecord, Findings, ShardRecord

__all__ = ["cell", "code", "fenced", "night_report", "replay_saved_command"]

_BACKTICKS = re.compile("`+")


def fenced(text: str, language: str = "") -> str:
    """``text`` as a fenced code block that no backticks in it can close."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


def code(text: str) -> str:
    """``text`` as an inline code span that no backticks in it can close."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    ticks = "`" * (longest + 1)
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{padding}{text}{padding}{ticks}"


def cell(text: str) -> str:
    """``text`` fit for a table cell: one line, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def replay_saved_command(finding: FindingRecord) -> str:
    """The command that replays a finding's kept entry from the findings directory."""
    return replay_command(Path(finding.path), finding.executors)


# ---------------------------------------------------------------- the night's report


def night_report(findings: Findings) -> str:
    """The Markdown report of a night: new fingerprints with their reports, known
    ones, the shards, and whatever could not be read."""
    parts = [_head(findings)]
    if findings.new:
        parts.append(_new_table(findings.new))
        parts += [_finding_section(finding) for finding in findings.new]
    if findings.known:
        parts.append(_known_section(findings))
    parts.append(_shard_section(findings.shards))
    bugs = _harness_bugs(findings.shards)
    if bugs:
        parts.append("## Harness bugs\n\n" + "\n".join(f"- {cell(bug)}" for bug in bugs))
    if findings.unreadable:
        lines = "\n".join(f"- {cell(line)}" for line in findings.unreadable)
        parts.append(f"## Files that could not be read\n\n{lines}")
    return "\n\n".join(parts) + "\n"


def _head(findings: Findings) -> str:
    count = len(findings.new)
    title = f"# txparity nightly: {count} new fingerprint{'' if count == 1 else 's'}"
    run = findings.run
    where = f"Run [{run.run_id}]({run.url})" if run.url else "A local run"
    if run.commit:
        where += f" at commit `{run.commit[:12]}`"
    cases = sum(_number(shard.figure("cases")) for shard in findings.shards)
    divergences = sum(_number(shard.figure("divergences")) for shard in findings.shards)
    return (
        f"{title}\n\n{where}: {len(findings.shards)} shard(s), {cases} case(s), "
        f"{divergences} divergence(s)."
    )


def _number(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _new_table(new: tuple[FindingRecord, ...]) -> str:
    rows = [
        "## New fingerprints",
        "",
        f"Each is kept once, its smallest entry, under `{CORPUS_DIR}/` beside this report: "
        f"`txparity replay {CORPUS_DIR}/` replays them all.",
        "",
        "| fingerprint | kind | executor | transactions | found by | replay |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for f in new:
        rows.append(
            f"| `{f.fingerprint}` | {f.kind} | {cell(code(', '.join(f.executors)))} | "
            f"{f.transactions} | {cell(', '.join(f.shards))} | {f.replay.value} |"
        )
    return "\n".join(rows)


def _finding_section(finding: FindingRecord) -> str:
    copies = "" if finding.copies == 1 else f", the smallest of {finding.copies} entries"
    return (
        f"{finding.report.rstrip()}\n\n"
        f"- kept: {code(finding.path)} ({finding.transactions} transaction(s){copies})\n"
        f"- found by: {', '.join(code(name) for name in finding.shards)}\n"
        f"- replay here: {cell(finding.replay_detail)}\n"
        f"- replay: {code(replay_saved_command(finding))}"
    )


def _known_section(findings: Findings) -> str:
    lines = [
        "## Known fingerprints",
        "",
        "Found by the shards, and already in the committed corpus: no issue.",
        "",
    ]
    for known in findings.known:
        lines.append(f"- `{known.fingerprint}`: {', '.join(code(s) for s in known.shards)}")
    return "\n".join(lines)


def _shard_section(shards: tuple[ShardRecord, ...]) -> str:
    rows = [
        "## Shards",
        "",
        "| shard | exit | cases | divergences | fingerprints | its cases again |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for shard in shards:
        rows.append(
            f"| {cell(shard.name)} | {_exit(shard.status)} | {_figure(shard, 'cases')} | "
            f"{_figure(shard, 'divergences')} | {_figure(shard, 'fingerprints')} | "
            f"{cell(code(shard.rerun_command()))} |"
        )
    problems = [f"- {cell(shard.name)}: {cell(shard.problem)}" for shard in shards if shard.problem]
    if problems:
        rows += ["", "Shards with missing or unreadable files:", "", *problems]
    return "\n".join(rows)


def _exit(status: int | None) -> str:
    meaning = {0: "agreed", 1: "diverged", 2: "bad input", 130: "interrupted"}
    if status is None:
        return "none: it did not finish"
    return f"{status} ({meaning.get(status, 'failed')})"


def _figure(shard: ShardRecord, key: str) -> str:
    value = shard.figure(key)
    return "-" if value is None else cell(str(value))


def _harness_bugs(shards: tuple[ShardRecord, ...]) -> list[str]:
    bugs = []
    for shard in shards:
        reported = shard.figure("harness_bugs")
        if isinstance(reported, list):
            bugs += [f"{shard.name}: {bug}" for bug in reported]
    return bugs
