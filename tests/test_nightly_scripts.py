"""The nightly's ci/ scripts, run end to end on this machine with tiny budgets.

GitHub is the one thing that cannot run here: where a script calls the GitHub CLI,
``tests/stand_ins/gh`` plays it with files.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from txparity.harness.corpus import corpus_files, load_entry
from txparity.harness.nightly import Replay, RunInfo, merge_shards, read_findings

ROOT = Path(__file__).resolve().parent.parent
CI = ROOT / "ci"
STAND_INS = Path(__file__).resolve().parent / "stand_ins"
PLANTED = "batched-contract-blind@memory/seeded"


def environment(committed: Path, **extra: str) -> dict[str, str]:
    """This interpreter's tools first on PATH, the stand-in gh before any other, no
    GitHub Actions variables, the committed corpus ``committed``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "FAKE_GH_"))}
    env.pop("CI", None)  # Hypothesis would load its own ci profile: no example database
    env["PATH"] = os.pathsep.join([str(STAND_INS), str(Path(sys.executable).parent), env["PATH"]])
    env["TXPARITY_COMMITTED"] = str(committed)
    return env | extra


def script(
    name: str, *args: str, cwd: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(CI / name), *args], capture_output=True, text=True, cwd=cwd, env=env,
        timeout=900,
    )  # fmt: skip


@pytest.fixture
def empty(tmp_path: Path) -> Path:
    committed = tmp_path / "committed"
    committed.mkdir()
    return committed


# ---------------------------------------------------------------- the whole night


def test_the_whole_night_runs_on_one_machine(tmp_path: Path, empty: Path) -> None:
    out, state = tmp_path / "night", tmp_path / "state"
    env = environment(empty, TXPARITY_PROFILE="dev")
    done = script(
        "nightly.sh", str(out), "--shards", "2", "--base-seed", "3", "--state", str(state),
        "--properties", f"-n 0 {ROOT}/tests/test_properties.py -k mixed",
        "--atheris", "-runs=20", "--", "--cases", "30", "--workers", "1", "--executor", PLANTED,
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr[-3000:]
    shards = sorted(p.name for p in (out / "shards").iterdir())
    assert shards == ["00-mixed-v1", "01-contended-v1", "atheris", "properties"]
    saved = {load_entry(p).fingerprint for p in corpus_files(list(out.glob("shards/*/corpus")))}
    findings = read_findings(out / "findings")
    assert [f.fingerprint for f in findings.new] == sorted(saved)
    assert [s.status for s in findings.shards] == [1, 1, 0, 0]
    assert [s.name for s in findings.shards] == shards
    issued = [line for line in done.stdout.splitlines() if line.startswith("gh issue create ")]
    assert len(issued) == len(saved) > 0
    # What the night learned is kept for the next one.
    assert list((state / "txparity-atheris-corpus").iterdir())
    assert (state / "hypothesis-example-db").is_dir()
    assert not list(tmp_path.glob("crash-*")) and not (tmp_path / ".hypothesis").exists()


# ---------------------------------------------------------------- property tests


REMEMBER = """
import os
from hypothesis import given, strategies as st

@given(st.integers())
def test_below_a_thousand(x):
    with open(os.environ["SEEN_LOG"], "a") as log:
        log.write(f"{x}\\n")
    assert x < 1000
"""


def test_the_example_database_of_one_night_is_tried_first_the_next(
    tmp_path: Path, empty: Path
) -> None:
    (tmp_path / "test_remember.py").write_text(REMEMBER)
    first, second = tmp_path / "first.log", tmp_path / "second.log"
    one = script("nightly-properties.sh", str(tmp_path / "one"), "", "-n", "0", "test_remember.py",
                 cwd=tmp_path, env=environment(empty, SEEN_LOG=str(first)))  # fmt: skip
    assert one.returncode == 0, one.stdout[-3000:]
    assert json.loads((tmp_path / "one" / "shard.json").read_text())["status"] == 1
    assert json.loads((tmp_path / "one" / "summary.json").read_text()) == {
        "divergences": 1, "tests": 1,
    }  # fmt: skip
    state = tmp_path / "state"
    shutil.copytree(tmp_path / "one" / "hypothesis" / "examples", state / "hypothesis-example-db")
    env = environment(empty, SEEN_LOG=str(second))
    two = script("nightly-properties.sh", str(tmp_path / "two"), str(state), "-n", "0",
                 "test_remember.py", cwd=tmp_path, env=env)  # fmt: skip
    assert two.returncode == 0, two.stdout[-3000:]
    assert first.read_text().split()[0] != "1000"  # the first night searched
    assert second.read_text().split()[0] == "1000"  # the second began with its find
    assert not (tmp_path / ".hypothesis").exists()


# No shrink phase: the test is about where a failure goes, and Hypothesis' shrinking
# (every step of which assert_agree saves) would take minutes.
PLANTED_PROPERTY = f"""
from hypothesis import Phase, given, settings
from txparity.harness.differential import Runner
from txparity.harness.options import Options
from txparity.harness.pytest_plugin import assert_agree
from txparity.harness.strategies import cases

RUNNER = Runner(["{PLANTED}"], Options(seeds=1))

@settings(phases=[Phase.reuse, Phase.generate], deadline=None)
@given(cases("contracts"))
def test_planted_bug_agrees(case):
    assert_agree(case, RUNNER)
"""


def test_a_property_failure_is_a_finding_of_the_night(tmp_path: Path, empty: Path) -> None:
    (tmp_path / "test_planted.py").write_text(PLANTED_PROPERTY)
    out = tmp_path / "shards" / "properties"
    done = script("nightly-properties.sh", str(out), "", "-n", "0", "test_planted.py",
                  cwd=tmp_path, env=environment(empty))  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:]
    failures = {load_entry(p).fingerprint for p in corpus_files([out / "corpus"])}
    assert failures, "assert_agree saved the failing cases as corpus entries"
    findings = merge_shards([out], empty, tmp_path / "findings", RunInfo())
    assert [f.fingerprint for f in findings.new] == sorted(failures)
    assert all(f.shards == ("properties",) and f.replay is Replay.REPRODUCED for f in findings.new)
    assert (
        "env TXPARITY_PROFILE=nightly pytest -n 0 test_planted.py"
        in (tmp_path / "findings" / "report.md").read_text()
    )


# ---------------------------------------------------------------- atheris


def test_atheris_keeps_its_corpus_between_nights(tmp_path: Path, empty: Path) -> None:
    env = environment(empty)
    one = script("nightly-atheris.sh", str(tmp_path / "one"), "", "-runs=20", "--executor",
                 "batched@memory/seeded", cwd=tmp_path, env=env)  # fmt: skip
    assert one.returncode == 0, one.stdout[-3000:]
    kept = sorted(p.name for p in (tmp_path / "one" / "atheris-corpus").iterdir())
    assert kept, "libFuzzer added inputs to its corpus"
    assert json.loads((tmp_path / "one" / "summary.json").read_text()) == {
        "cases": 20, "divergences": 0, "crash_files": [],
    }  # fmt: skip
    state = tmp_path / "state"
    shutil.copytree(tmp_path / "one" / "atheris-corpus", state / "txparity-atheris-corpus")
    two = script("nightly-atheris.sh", str(tmp_path / "two"), str(state), "-runs=5", "--executor",
                 "batched@memory/seeded", cwd=tmp_path, env=env)  # fmt: skip
    assert two.returncode == 0, two.stdout[-3000:]
    log = (tmp_path / "two" / "atheris.txt").read_text()
    assert f"INFO: {len(kept):8d} files found in {tmp_path / 'two' / 'atheris-corpus'}" in log


def test_atheris_writes_its_crash_files_outside_the_working_directory(
    tmp_path: Path, empty: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    out = tmp_path / "atheris"
    done = script("nightly-atheris.sh", str(out), "", "-runs=200", "--executor",
                  "batched-lost-fees@memory/seeded", "--shrink-seconds", "30",
                  cwd=work, env=environment(empty))  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:]
    assert json.loads((out / "shard.json").read_text())["status"] == 77  # libFuzzer: a crash
    crashes = sorted(p.name for p in (out / "crashes").iterdir())
    assert len(crashes) == 1 and crashes[0].startswith("crash-")
    assert list(work.iterdir()) == []
    summary = json.loads((out / "summary.json").read_text())
    assert summary["divergences"] == 1 and summary["crash_files"] == crashes
    (entry,) = [load_entry(p) for p in corpus_files([out / "corpus"])]
    assert entry.executors == ("batched-lost-fees@memory/seeded",) and entry.shrunk


# ---------------------------------------------------------------- GitHub, played


def test_restore_fetches_the_newest_unexpired_artifact_of_each_name(
    tmp_path: Path, empty: Path
) -> None:
    runs = tmp_path / "runs"
    for run, content in (("5", "old"), ("7", "newer"), ("9", "expired")):
        (runs / run / "hypothesis-example-db" / "key").mkdir(parents=True)
        (runs / run / "hypothesis-example-db" / "key" / "value").write_text(content)
    (runs / "9" / "expired").write_text("")
    log = tmp_path / "gh.log"
    env = environment(empty, FAKE_GH_RUNS=str(runs), FAKE_GH_LOG=str(log),
                      GITHUB_REPOSITORY="chain/node")  # fmt: skip
    state = tmp_path / "state"
    done = script("nightly-restore.sh", str(state), "hypothesis-example-db",
                  "txparity-atheris-corpus", cwd=tmp_path, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["hypothesis-example-db: 7", "txparity-atheris-corpus: none"]
    assert (state / "hypothesis-example-db" / "key" / "value").read_text() == "newer"
    assert list((state / "txparity-atheris-corpus").iterdir()) == []
    assert json.loads((state / "restored.json").read_text()) == {
        "hypothesis-example-db": "7", "txparity-atheris-corpus": None,
    }  # fmt: skip
    calls = [json.loads(line)["argv"] for line in log.read_text().splitlines()]
    assert [call[:2] for call in calls] == [
        ["api", "repos/chain/node/actions/artifacts?name=hypothesis-example-db&per_page=100"],
        ["run", "download"],
        ["api", "repos/chain/node/actions/artifacts?name=txparity-atheris-corpus&per_page=100"],
    ]
    database = str(state / "hypothesis-example-db")
    assert calls[1] == ["run", "download", "7", "--repo", "chain/node", "--name",
                        "hypothesis-example-db", "--dir", database]  # fmt: skip


def test_the_issues_are_filed_through_gh_after_asking_which_are_open(
    tmp_path: Path, empty: Path
) -> None:
    shard = tmp_path / "shards" / "a"
    ran = script("nightly-shard.sh", str(shard), "a", "--executor", PLANTED, "--profile",
                 "contracts", "--seed", "0", "--cases", "40", "--workers", "1",
                 cwd=tmp_path, env=environment(empty))  # fmt: skip
    assert ran.returncode == 0, ran.stderr[-3000:]
    findings = merge_shards([shard], empty, tmp_path / "findings", RunInfo("chain/node", "88"))
    assert len(findings.new) >= 2
    reported = findings.new[0].fingerprint
    issues = tmp_path / "open.json"
    issues.write_text(
        json.dumps([{"number": 41, "body": f"<!-- txparity-fingerprint: {reported} -->"}])
    )
    log = tmp_path / "gh.log"
    env = environment(empty, FAKE_GH_LOG=str(log), FAKE_GH_ISSUES=str(issues))
    done = script("nightly-issues.sh", str(tmp_path / "findings"), "--execute",
                  cwd=tmp_path, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert calls[0]["argv"] == ["issue", "list", "--repo", "chain/node", "--label",
                                "txparity-nightly", "--state", "open", "--limit", "1000",
                                "--json", "number,body"]  # fmt: skip
    printed = done.stdout.splitlines()
    assert [["gh", *c["argv"]] for c in calls[1:]] == [shlex.split(line) for line in printed]
    assert calls[1]["argv"][:2] == ["label", "create"]
    assert calls[2]["argv"][:3] == ["issue", "comment", "41"]
    assert [c["argv"][:2] for c in calls[3:]] == [["issue", "create"]] * (len(findings.new) - 1)
    assert all(c["body_bytes"] > 0 for c in calls[2:]), "every body was written before gh ran"

    # A gh call that fails is reported, one line, and the others still run.
    log.unlink()
    failing = script("nightly-issues.sh", str(tmp_path / "findings"), "--execute", cwd=tmp_path,
                     env=env | {"FAKE_GH_FAIL": "issue comment"})  # fmt: skip
    assert failing.returncode == 1
    (line,) = failing.stderr.splitlines()
    assert line.startswith("txparity: error: gh issue comment 41 --repo chain/node --body-file ")
    assert line.endswith(": exit 1: HTTP 403: Resource not accessible by integration")
    assert len(log.read_text().splitlines()) == len(calls)


def test_the_merge_script_writes_the_run_summary_and_the_outputs(
    tmp_path: Path, empty: Path
) -> None:
    shard = tmp_path / "shards" / "a"
    ran = script("nightly-shard.sh", str(shard), "a", "--executor", PLANTED, "--profile",
                 "contracts", "--seed", "1", "--cases", "40", "--workers", "1",
                 cwd=tmp_path, env=environment(empty))  # fmt: skip
    assert ran.returncode == 0, ran.stderr[-3000:]
    outputs, summary = tmp_path / "outputs", tmp_path / "summary.md"
    summary.write_text("earlier steps\n")
    env = environment(empty, GITHUB_OUTPUT=str(outputs), GITHUB_STEP_SUMMARY=str(summary),
                      GITHUB_REPOSITORY="chain/node", GITHUB_RUN_ID="5")  # fmt: skip
    done = script("nightly-merge.sh", str(tmp_path / "findings"), str(tmp_path / "shards"),
                  cwd=tmp_path, env=env)  # fmt: skip
    assert done.returncode == 1, done.stderr
    count = len(read_findings(tmp_path / "findings").new)
    assert count > 0 and outputs.read_text() == f"new={count}\nknown=0\n"
    report = (tmp_path / "findings" / "report.md").read_text()
    assert summary.read_text() == "earlier steps\n" + report
    assert "Run [5](https://github.com/chain/node/actions/runs/5)" in report

    nothing = script("nightly-merge.sh", str(tmp_path / "again"), str(tmp_path / "none"),
                     cwd=tmp_path, env=env)  # fmt: skip
    assert nothing.returncode == 2
    assert nothing.stderr.splitlines() == [f"no shard directories in {tmp_path / 'none'}"]


def test_a_shard_whose_campaign_cannot_run_fails_and_says_so(tmp_path: Path, empty: Path) -> None:
    out = tmp_path / "shard"
    done = script("nightly-shard.sh", str(out), "x", "--profile", "bogus",
                  cwd=tmp_path, env=environment(empty))  # fmt: skip
    assert done.returncode == 2
    assert "txparity: error: unknown profile 'bogus'" in done.stderr
    assert json.loads((out / "shard.json").read_text()) == {
        "command": ["txparity", "fuzz", "--profile", "bogus"], "name": "x", "status": 2,
    }  # fmt: skip


# ---------------------------------------------------------------- the benchmark

BENCH_OPTIONS = ("--workload", "mixed", "--sizes", "10", "--runs", "1")


def test_the_nightly_bench_keeps_its_result_and_compares_with_the_last(
    tmp_path: Path, empty: Path
) -> None:
    env = environment(empty)
    first, state = tmp_path / "first", tmp_path / "state"
    done = script("nightly-bench.sh", str(first), str(state), *BENCH_OPTIONS, cwd=tmp_path,
                  env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "nothing to compare with" in done.stderr
    for name in ("bench.json", "bench.png", "metrics.prom", "bench.txt"):
        assert (first / name).stat().st_size > 0, name
    assert (first / "bench.txt").read_text() == done.stdout
    # The next night finds it as the restore job leaves it; one figure doctored to be
    # out of reach, every other to be beaten.
    last = json.loads((first / "bench.json").read_text())
    for row in last["rows"]:
        row.update(tx_per_s=1e-9, p50_ms=1e12, p99_ms=1e12, speedup=0.0)
    last["rows"][0]["p50_ms"] = 1e-9
    (state / "txparity-bench").mkdir(parents=True)
    (state / "txparity-bench" / "bench.json").write_text(json.dumps(last))
    done = script("nightly-bench.sh", str(tmp_path / "second"), str(state), *BENCH_OPTIONS,
                  cwd=tmp_path, env=env)  # fmt: skip
    assert done.returncode == 1, done.stderr
    worse = [line for line in done.stdout.splitlines() if line.startswith("WORSE: ")]
    assert len(worse) == 1 and worse[0].startswith("WORSE: mixed size 10 sequential@memory: p50")
    assert (tmp_path / "second" / "bench.json").exists()
