"""The nightly's merge and issues, on findings of real campaigns against a planted bug.

Two shards run ``ci/nightly-shard.sh`` (a ``txparity fuzz`` campaign each, counted
cases and a fixed seed) against ``batched-contract-blind``; with these seeds they
save three fingerprints between them, one of them in both shards. The merge must
keep one entry per new fingerprint, the smallest, and the issue writer must open
exactly one issue for each, none for a fingerprint the committed corpus has, and a
comment where an issue about it is open.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from txparity.executors.codec import canonical_json, encode_case
from txparity.harness.candidates import size
from txparity.harness.corpus import Entry, corpus_files, load_entry
from txparity.harness.nightly import (
    ARTIFACT,
    DEFAULT_SHARDS,
    LABEL,
    Findings,
    Replay,
    RunInfo,
    issue_title,
    marker,
    merge_shards,
    open_issues_by_fingerprint,
    plan_issues,
    plan_shards,
    read_findings,
)
from txparity.harness.nightly._issues import LABEL_COLOR, LABEL_DESCRIPTION
from txparity.harness.strategies import PROFILES

ROOT = Path(__file__).resolve().parent.parent
PLANTED = "batched-contract-blind@memory/seeded"
RUN = RunInfo(repository="chain/node", run_id="4242", commit="0123456789abcdef0123")


def script_environment(committed: Path) -> dict[str, str]:
    """The environment ci/ scripts run in: this interpreter's tools first on PATH."""
    environment = dict(os.environ)
    environment["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environment['PATH']}"
    environment["TXPARITY_COMMITTED"] = str(committed)
    for variable in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"):
        environment.pop(variable, None)
    return environment


def run_shard(out: Path, name: str, seed: int, committed: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        ["bash", str(ROOT / "ci" / "nightly-shard.sh"), str(out), name,
         "--executor", PLANTED, "--profile", "contracts", "--format", "1", "--seed", str(seed),
         "--cases", "40", "--workers", "1", "--shrink-seconds", "120"],
        capture_output=True, text=True, env=script_environment(committed), timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def saved(shard: Path) -> dict[str, list[Path]]:
    """The entries a shard saved (its corpus, less the committed copy), by fingerprint."""
    found: dict[str, list[Path]] = {}
    for path in corpus_files([shard / "corpus"]):
        found.setdefault(load_entry(path).fingerprint, []).append(path)
    return found


def smallest(paths: list[Path]) -> Entry:
    entries = [load_entry(path) for path in paths]
    return min(
        entries, key=lambda e: (size(encode_case(e.case)), canonical_json(encode_case(e.case)))
    )


@dataclass(frozen=True)
class Night:
    shards: Path  # a/ and b/
    empty: Path  # a committed corpus with nothing in it
    a: dict[str, list[Path]]
    b: dict[str, list[Path]]

    @property
    def shared(self) -> str:
        (fingerprint,) = sorted(set(self.a) & set(self.b))
        return fingerprint

    @property
    def only_a(self) -> str:
        return sorted(set(self.a) - set(self.b))[0]


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> Night:
    base = tmp_path_factory.mktemp("night")
    empty = base / "committed"
    empty.mkdir()
    run_shard(base / "shards" / "a", "a", 0, empty)
    run_shard(base / "shards" / "b", "b", 1, empty)
    found = Night(
        base / "shards", empty, saved(base / "shards" / "a"), saved(base / "shards" / "b")
    )
    # What makes the scenario: a fingerprint both shards saved (with different
    # cases), and one only shard a saved.
    assert len(set(found.a) & set(found.b)) == 1, (found.a, found.b)
    assert set(found.a) - set(found.b) and set(found.b) - set(found.a)
    assert found.a[found.shared][0].name != found.b[found.shared][0].name
    return found


def merged(night: Night, tmp_path: Path, committed: Path | None = None) -> tuple[Findings, Path]:
    out = tmp_path / "findings"
    shards = [night.shards / "a", night.shards / "b"]
    return merge_shards(shards, committed or night.empty, out, RUN), out


# ---------------------------------------------------------------- the merge


def test_the_merge_keeps_the_smallest_entry_of_each_new_fingerprint(
    night: Night, tmp_path: Path
) -> None:
    findings, out = merged(night, tmp_path)
    everything = {**night.a, **night.b}
    assert [f.fingerprint for f in findings.new] == sorted(everything)
    for finding in findings.new:
        fingerprint = finding.fingerprint
        paths = night.a.get(fingerprint, []) + night.b.get(fingerprint, [])
        kept = load_entry(out / finding.path)
        expected = smallest(paths)
        assert kept.case == expected.case
        assert finding.path == f"corpus/{fingerprint}/{Path(finding.path).name}"
        assert finding.copies == len(paths)
        assert finding.shards == tuple(n for n in ("a", "b") if fingerprint in getattr(night, n))
        assert finding.size == size(encode_case(kept.case))
        assert finding.transactions == len(kept.case.block.txs)
        # Seeded schedules replay exactly: the merging machine sees it again.
        assert finding.replay is Replay.REPRODUCED
        assert f"Divergence `{fingerprint}`" in finding.report
    shared = next(f for f in findings.new if f.fingerprint == night.shared)
    assert shared.shards == ("a", "b") and shared.copies == 2
    assert sorted(map(str, corpus_files([out / "corpus"]))) == sorted(
        str(out / f.path) for f in findings.new
    )
    assert findings.known == () and findings.unreadable == ()
    assert read_findings(out) == findings


def test_a_fingerprint_the_committed_corpus_has_is_known_not_new(
    night: Night, tmp_path: Path
) -> None:
    committed = tmp_path / "committed"
    kept = night.a[night.only_a][0]
    (committed / night.only_a).mkdir(parents=True)
    shutil.copy(kept, committed / night.only_a / kept.name)
    findings, out = merged(night, tmp_path, committed)
    assert night.only_a not in [f.fingerprint for f in findings.new]
    assert [(k.fingerprint, k.shards) for k in findings.known] == [(night.only_a, ("a",))]
    assert not (out / "corpus" / night.only_a).exists()
    commands = plan_issues(findings, out, tmp_path / "bodies", {}, RUN.repository)
    created = [c.fingerprint for c in commands if c.argv[1:3] == ("issue", "create")]
    assert created == sorted((set(night.a) | set(night.b)) - {night.only_a})


def test_shards_that_start_from_the_committed_corpus_do_not_save_it_again(
    night: Night, tmp_path: Path
) -> None:
    """The realistic night: the committed corpus has a fingerprint; a shard copies it,
    replays it, finds it again in its own cases, and saves only the others."""
    committed = tmp_path / "committed"
    kept = night.a[night.only_a][0]
    (committed / night.only_a).mkdir(parents=True)
    shutil.copy(kept, committed / night.only_a / kept.name)
    run_shard(tmp_path / "shards" / "a", "a", 0, committed)
    summary = json.loads((tmp_path / "shards" / "a" / "summary.json").read_text())
    assert summary["replayed"] == 1
    assert night.only_a in summary["fingerprint_ids"]
    findings = merge_shards([tmp_path / "shards" / "a"], committed, tmp_path / "out", RUN)
    assert [f.fingerprint for f in findings.new] == sorted(set(night.a) - {night.only_a})
    assert [(k.fingerprint, k.shards) for k in findings.known] == [(night.only_a, ("a",))]


def test_the_merge_is_deterministic(night: Night, tmp_path: Path) -> None:
    one = merge_shards([night.shards / "b", night.shards / "a"], night.empty, tmp_path / "1", RUN)
    two = merge_shards([night.shards / "a", night.shards / "b"], night.empty, tmp_path / "2", RUN)
    assert one == two
    assert (tmp_path / "1" / "findings.json").read_bytes() == (
        tmp_path / "2" / "findings.json"
    ).read_bytes()
    assert (tmp_path / "1" / "report.md").read_text() == (tmp_path / "2" / "report.md").read_text()


def test_an_unreadable_file_or_a_shard_that_did_not_finish_loses_nothing_else(
    night: Night, tmp_path: Path
) -> None:
    broken = tmp_path / "shards" / "c"
    (broken / "corpus" / "0123456789abcdef").mkdir(parents=True)
    (broken / "corpus" / "0123456789abcdef" / "feedfacefeedface.json").write_text("{not json")
    findings = merge_shards(
        [night.shards / "a", night.shards / "b", broken], night.empty, tmp_path / "out", RUN
    )
    assert len(findings.new) == len(set(night.a) | set(night.b))
    (line,) = findings.unreadable
    assert line.startswith("c: ") and "feedfacefeedface.json" in line
    shard_c = next(s for s in findings.shards if s.name == "c")
    assert shard_c.status is None
    assert shard_c.problem is not None and "shard.json: cannot read" in shard_c.problem
    report = (tmp_path / "out" / "report.md").read_text()
    assert "| c | none: it did not finish |" in report
    assert "## Files that could not be read" in report


def test_the_report_names_each_new_fingerprint_and_each_shard(night: Night, tmp_path: Path) -> None:
    findings, out = merged(night, tmp_path)
    report = (out / "report.md").read_text()
    count = len(findings.new)
    assert report.startswith(f"# txparity nightly: {count} new fingerprints\n")
    assert (
        "Run [4242](https://github.com/chain/node/actions/runs/4242) at commit `0123456789ab`"
        in report
    )
    for finding in findings.new:
        assert f"| `{finding.fingerprint}` | {finding.kind} |" in report
        assert f"- replay: `txparity replay {finding.path}`" in report
    for name, seed in (("a", 0), ("b", 1)):
        summary = json.loads((night.shards / name / "summary.json").read_text())
        assert (
            f"| {name} | 1 (diverged) | 40 | {summary['divergences']} | "
            f"{summary['fingerprints']} | `txparity fuzz --executor {PLANTED} --profile contracts "
            f"--format 1 --seed {seed} --workers 1 --shrink-seconds 120 --cases 40` |"
        ) in report


# ---------------------------------------------------------------- the issues


def test_one_issue_per_new_fingerprint_with_the_label_first(night: Night, tmp_path: Path) -> None:
    findings, out = merged(night, tmp_path)
    bodies = tmp_path / "bodies"
    commands = plan_issues(findings, out, bodies, {}, "chain/node")
    assert commands[0].argv == (
        "gh", "label", "create", LABEL, "--repo", "chain/node", "--color", LABEL_COLOR,
        "--description", LABEL_DESCRIPTION, "--force",
    )  # fmt: skip
    expected = [
        ("gh", "issue", "create", "--repo", "chain/node", "--title", issue_title(f),
         "--label", LABEL, "--body-file", str(bodies / f"{f.fingerprint}.md"))
        for f in findings.new
    ]  # fmt: skip
    assert [c.argv for c in commands[1:]] == expected
    assert len(commands) == 1 + len(set(night.a) | set(night.b))
    shown = commands[1].shown()
    assert shown.startswith("gh issue create --repo chain/node --title 'Nightly fuzzing: ")
    assert f"divergence in {PLANTED} ({findings.new[0].fingerprint})'" in shown


def test_an_open_issue_with_the_fingerprint_gets_a_comment_instead(
    night: Night, tmp_path: Path
) -> None:
    findings, out = merged(night, tmp_path)
    listed = [
        {"number": 12, "body": "unrelated"},
        {"number": 9, "body": f"older\n{marker(night.shared)}\n"},
        {"number": 30, "body": f"{marker(night.shared)} a duplicate opened by hand"},
    ]
    open_issues = open_issues_by_fingerprint(listed)
    assert open_issues == {night.shared: (9, f"older\n{marker(night.shared)}\n")}
    commands = plan_issues(findings, out, tmp_path / "bodies", open_issues, "chain/node")
    comments = [c for c in commands if c.argv[1:3] == ("issue", "comment")]
    assert [c.argv for c in comments] == [
        ("gh", "issue", "comment", "9", "--repo", "chain/node", "--body-file",
         str(tmp_path / "bodies" / f"{night.shared}-comment.md")),
    ]  # fmt: skip
    created = sorted(c.fingerprint for c in commands if c.argv[1:3] == ("issue", "create"))
    assert created == sorted((set(night.a) | set(night.b)) - {night.shared})
    comment = (tmp_path / "bodies" / f"{night.shared}-comment.md").read_text()
    assert comment.startswith(marker(night.shared) + "\nFound again by the nightly run [4242]")
    assert "shard `a`" in comment and "shard `b`" in comment
    # The issue does not show this night's case yet: the comment carries it.
    assert "## Replay locally" in comment


def test_a_comment_does_not_repeat_a_reproducer_the_issue_shows(
    night: Night, tmp_path: Path
) -> None:
    findings, out = merged(night, tmp_path)
    first = plan_issues(findings, out, tmp_path / "first", {}, None)
    body = (tmp_path / "first" / f"{night.shared}.md").read_text()
    assert all("--repo" not in c.argv for c in first)
    plan_issues(findings, out, tmp_path / "again", {night.shared: (5, body)}, None)
    comment = (tmp_path / "again" / f"{night.shared}-comment.md").read_text()
    kept = next(f for f in findings.new if f.fingerprint == night.shared)
    assert f"Its smallest reproducer is case `{Path(kept.path).stem}`, the one above." in comment
    assert "## Replay locally" not in comment


def test_the_issue_body_carries_the_report_the_case_and_a_replay_that_reproduces(
    night: Night, tmp_path: Path
) -> None:
    findings, out = merged(night, tmp_path)
    plan_issues(findings, out, tmp_path / "bodies", {}, "chain/node")
    finding = findings.new[0]
    entry = load_entry(out / finding.path)
    body = (tmp_path / "bodies" / f"{finding.fingerprint}.md").read_text()
    case = canonical_json(encode_case(entry.case))
    assert body.startswith(marker(finding.fingerprint) + "\n")
    assert finding.report.rstrip() in body
    assert f"## Shrunk case\n\n```json\n{case}\n```\n" in body
    assert "- replayed on the merging runner: reproduced: the same fingerprint on a replay" in body
    assert (
        f"gh run download 4242 --repo chain/node --name {ARTIFACT} --dir {ARTIFACT}-4242 "
        f"&& cp -r {ARTIFACT}-4242/corpus/{finding.fingerprint} corpus/"
    ) in body
    command = body.split("## Replay locally\n\n```sh\n", 1)[1].split("\n```", 1)[0]
    assert command == (
        f"txparity check - --executor {PLANTED} --seeds 1 <<'TXPARITY_CASE'\n{case}\nTXPARITY_CASE"
    )
    replayed = subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, cwd=tmp_path,
        env=script_environment(night.empty), timeout=300,
    )  # fmt: skip
    assert replayed.returncode == 1, replayed.stderr
    assert replayed.stdout.startswith(f"DIVERGENCE {finding.fingerprint} ({finding.kind})")


def test_a_case_too_large_to_show_is_truncated_and_replayed_from_the_artifact(
    night: Night, tmp_path: Path
) -> None:
    findings, out = merged(night, tmp_path)
    plan_issues(findings, out, tmp_path / "bodies", {}, "chain/node", inline_chars=100)
    finding = findings.new[0]
    case = canonical_json(encode_case(load_entry(out / finding.path).case))
    body = (tmp_path / "bodies" / f"{finding.fingerprint}.md").read_text()
    assert (
        f"```json\n{case[:100]}\n```\n\n_Truncated: the first 100 of {len(case)} characters."
        in body
    )
    assert case not in body
    assert (
        f"gh run download 4242 --repo chain/node --name {ARTIFACT} --dir {ARTIFACT}-4242 "
        f"&& txparity replay {ARTIFACT}-4242/{finding.path}\n"
    ) in body


def test_a_local_night_names_its_files_not_an_artifact(night: Night, tmp_path: Path) -> None:
    out = tmp_path / "findings"
    findings = merge_shards([night.shards / "a"], night.empty, out, RunInfo())
    plan_issues(findings, out, tmp_path / "bodies", {}, None, inline_chars=10)
    finding = findings.new[0]
    body = (tmp_path / "bodies" / f"{finding.fingerprint}.md").read_text()
    assert "- night: a local nightly run" in body
    assert f"`{finding.path}` in the findings directory" in body
    assert f"\ntxparity replay {out / finding.path}\n" in body


# ---------------------------------------------------------------- the command line


def nightly(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "txparity.harness.nightly", *args],
        capture_output=True, text=True, cwd=cwd, timeout=600,
    )  # fmt: skip


def test_merge_and_issues_from_the_command_line(night: Night, tmp_path: Path) -> None:
    out = tmp_path / "findings"
    outputs = tmp_path / "github-output"
    done = nightly("merge", str(out), str(night.shards / "a"), str(night.shards / "b"),
                   "--committed", str(night.empty), "--repo", "chain/node", "--run-id", "4242",
                   "--github-output", str(outputs))  # fmt: skip
    count = len(set(night.a) | set(night.b))
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines()[0] == (
        f"merged 2 shard(s): {count} new fingerprint(s), 0 known, 0 unreadable file(s)"
    )
    assert done.stdout.splitlines()[-1] == f"report: {out / 'report.md'}"
    assert outputs.read_text() == f"new={count}\nknown=0\n"
    listed = tmp_path / "open.json"
    listed.write_text(json.dumps([{"number": 3, "body": marker(night.shared)}]))
    issues = nightly("issues", str(out), "--open-issues", str(listed))
    assert issues.returncode == 0, issues.stderr
    lines = issues.stdout.splitlines()
    assert len(lines) == 1 + count
    assert lines[0].startswith(f"gh label create {LABEL} --repo chain/node --color ")
    assert (
        f"gh issue comment 3 --repo chain/node --body-file {out}/issues/{night.shared}-comment.md"
        in lines
    )
    assert (
        sum(line.startswith("gh issue create --repo chain/node --title ") for line in lines)
        == count - 1
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plan", "--shards", "0"], "argument --shards: must be at least 1: 0"),
        (["plan", "--minutes", "301"], "argument --minutes: must be at most 300: 301"),
        (["merge", "{tmp}/out", "{tmp}/nowhere"], "{tmp}/nowhere: not a shard directory"),
        (["merge", "{tmp}", "{tmp}"], "{tmp}: the findings directory must be empty or absent"),
        (["issues", "{tmp}"], "{tmp}/findings.json: cannot read (No such file or directory)"),
        (["issues", "{tmp}", "--open-issues", "{tmp}/bad.json"], "{tmp}/bad.json: not JSON"),
    ],
    ids=["shards", "minutes", "no-shard", "out-not-empty", "no-manifest", "bad-open-issues"],
)  # fmt: skip
def test_bad_input_is_one_error_line_and_exit_2(
    tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "bad.json").write_text("{")
    if "bad.json" in message:
        (tmp_path / "findings.json").write_text(
            json.dumps(Findings(RunInfo(), (), (), (), ()).to_json())
        )
    done = nightly(*(arg.format(tmp=tmp_path) for arg in args))
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"txparity: error: {message.format(tmp=tmp_path)}")
    assert "Traceback" not in done.stderr


# ---------------------------------------------------------------- the plan


def test_the_plan_covers_every_profile_in_each_format_with_seeds_of_their_own() -> None:
    shards = plan_shards(15, base_seed=7)
    version_1 = [p for p in PROFILES if p != "v2"]  # v2 draws version 2 cases only
    assert [s.name for s in shards[:6]] == [f"{i:02d}-{p}-v1" for i, p in enumerate(version_1)]
    assert [(s.profile, s.format) for s in shards] == [
        *((p, "v1") for p in version_1), *((p, "v2") for p in PROFILES), ("mixed", "v1"),
        ("contended", "v1"),
    ]  # fmt: skip
    assert [s.to_json()["case_format"] for s in shards[5:7]] == ["1", "2"]
    assert len({(s.profile, s.format) for s in shards}) == DEFAULT_SHARDS == 13
    assert len({s.seed for s in shards}) == 15
    assert plan_shards(15, base_seed=7) == shards
    assert {s.seed for s in plan_shards(15, base_seed=8)}.isdisjoint({s.seed for s in shards})


def test_the_plan_as_github_outputs() -> None:
    done = nightly("plan", "--shards", "3", "--minutes", "20", "--base-seed", "99")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    matrix = json.loads(lines[0].removeprefix("matrix="))
    assert matrix == {"include": [s.to_json() for s in plan_shards(3, 99)]}
    assert lines[1:] == ["seconds=1200", "step_timeout=30", "job_timeout=40", "base_seed=99"]


@pytest.fixture
def no_github(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for variable in ("GITHUB_REPOSITORY", "GITHUB_RUN_ID", "GITHUB_SHA", "GITHUB_SERVER_URL"):
        monkeypatch.delenv(variable, raising=False)
    yield


def test_the_run_comes_from_github_actions_environment(no_github: None) -> None:
    assert RunInfo.from_environment(os.environ) == RunInfo()
    run = RunInfo.from_environment(
        {"GITHUB_REPOSITORY": "a/b", "GITHUB_RUN_ID": "7", "GITHUB_SHA": "ff",
         "GITHUB_SERVER_URL": "https://example.test"}
    )  # fmt: skip
    assert run.url == "https://example.test/a/b/actions/runs/7"
