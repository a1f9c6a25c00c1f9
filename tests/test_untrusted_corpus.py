"""A corpus file is data: nothing it says can make txparity run a command.

An entry recording ``cmd:sh -c 'touch FILE; ...'`` goes through every front end
that reads corpus files (``replay``, ``fuzz``, ``check``, ``shrink`` and the pytest
plugin). FILE must never exist, and each says that the entry needs an executor.
The command is stealthy: were it run, it would answer like a correct executor,
so a front end that ran it would report the entry as agreeing.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from tests.test_corpus import CORRECT, mutant_entry
from txparity.harness.corpus import Entry, save_entry
from txparity.harness.replay import NeedsExecutor, Plan, plan_replay

pytest_plugins = ["pytester"]

CORRECT_COMMAND = shlex.join([sys.executable, "-m", "txparity", "run", "--jsonl", "-"])
NAMED = f"cmd:{CORRECT_COMMAND}"  # what a user names: txparity's own correct executor


def stealthy(marker: Path) -> str:
    """A command that leaves ``marker`` behind, then answers correctly."""
    return "cmd:sh -c " + shlex.quote(f"touch {marker}; exec {CORRECT_COMMAND}")


def hostile_entry(marker: Path, **changes: object) -> Entry:
    entry = replace(mutant_entry(), executors=(stealthy(marker),))
    return replace(entry, **changes)  # type: ignore[arg-type]


def txparity(*args: object, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "txparity", *map(str, args)],
        capture_output=True, text=True, timeout=300, cwd=cwd,
    )  # fmt: skip


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    return tmp_path / "ran"


@pytest.fixture
def hostile(tmp_path: Path, marker: Path) -> Path:
    return save_entry(hostile_entry(marker), tmp_path / "corpus")


# ---------------------------------------------------------------- the decision


def test_a_recorded_command_is_replaced_by_the_named_ones(marker: Path) -> None:
    entry = replace(hostile_entry(marker), executors=("batched@memory/seeded", stealthy(marker)))
    assert plan_replay(entry, (NAMED,)) == Plan(
        ("batched@memory/seeded", NAMED), "sequential@memory", (stealthy(marker),)
    )
    with pytest.raises(NeedsExecutor) as missing:
        plan_replay(entry, ())
    assert missing.value.executors == (stealthy(marker),)
    assert missing.value.reference is None
    assert str(missing.value) == (
        f"needs an executor: recorded against {stealthy(marker)!r}, an external command, "
        "not run (a file never chooses a command)"
    )


def test_an_in_tree_entry_needs_nothing_named() -> None:
    entry = replace(mutant_entry(), executors=(CORRECT,))
    assert plan_replay(entry, ()) == Plan((CORRECT,), "sequential@memory", ())


def test_a_recorded_external_reference_runs_only_if_named_exactly(marker: Path) -> None:
    entry = replace(mutant_entry(), executors=(CORRECT,), reference=stealthy(marker))
    for named in ((), (NAMED,)):
        with pytest.raises(NeedsExecutor) as missing:
            plan_replay(entry, named)
        assert (missing.value.executors, missing.value.reference) == ((), stealthy(marker))
    assert plan_replay(entry, (stealthy(marker),)) == Plan((CORRECT,), stealthy(marker), ())


# ---------------------------------------------------------------- every front end


def test_replay_does_not_run_it_and_says_it_needs_an_executor(
    hostile: Path, marker: Path, tmp_path: Path
) -> None:
    done = txparity("replay", tmp_path / "corpus")
    assert not marker.exists()
    assert (done.returncode, done.stderr) == (3, "")
    assert done.stdout.splitlines() == [
        f"NEEDS EXECUTOR {hostile}: needs an executor: recorded against "
        f"{stealthy(marker)!r}, an external command, not run (a file never chooses a "
        "command); name the executor to run it on with --executor 'cmd:COMMAND'",
        "replayed 0: 0 still diverge, 0 agree, 1 need an executor, 0 unreadable",
    ]


def test_replay_runs_it_on_the_executor_the_user_names(
    hostile: Path, marker: Path, tmp_path: Path
) -> None:
    done = txparity("replay", tmp_path / "corpus", "--executor", NAMED)
    assert not marker.exists()
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == [
        f"agrees   {hostile}",
        "replayed 1: 0 still diverge, 1 agree, 0 need an executor, 0 unreadable",
    ]


def test_replay_takes_only_external_executors(hostile: Path, tmp_path: Path) -> None:
    done = txparity("replay", tmp_path / "corpus", "--executor", "batched")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "txparity: error: replay --executor names external executors (cmd:COMMAND), not "
        "'batched': the in-tree executors an entry records are replayed as recorded\n"
    )


def test_a_recorded_external_reference_is_not_run_by_replay(marker: Path, tmp_path: Path) -> None:
    entry = replace(mutant_entry(), executors=(CORRECT,), reference=stealthy(marker))
    path = save_entry(entry, tmp_path / "corpus")
    done = txparity("replay", path, "--executor", NAMED)
    assert not marker.exists()
    assert done.returncode == 3
    assert done.stdout.splitlines()[0] == (
        f"NEEDS EXECUTOR {path}: needs an executor: records the reference "
        f"{stealthy(marker)!r}, an external command, not run (a file never chooses a "
        f"command); name its reference yourself with --reference {stealthy(marker)!r}"
    )


def test_a_recorded_external_reference_runs_when_named_with_reference(
    marker: Path, tmp_path: Path
) -> None:
    entry = replace(mutant_entry(), executors=(CORRECT,), reference=stealthy(marker))
    path = save_entry(entry, tmp_path / "corpus")
    done = txparity("replay", path, "--reference", stealthy(marker))
    assert marker.exists()
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines()[0] == f"agrees   {path}"


def test_replay_takes_only_an_external_reference(tmp_path: Path) -> None:
    path = save_entry(mutant_entry(), tmp_path / "corpus")
    done = txparity("replay", path, "--reference", "sequential@sqlite")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "txparity: error: replay --reference names an external reference (cmd:COMMAND), not "
        "'sequential@sqlite': the reference an entry records is replayed as recorded\n"
    )


def test_a_named_reference_never_stands_in_for_a_recorded_executor(marker: Path) -> None:
    """The command named as the reference answers for a recorded reference only: an
    entry recorded against an external executor still needs one named."""
    with pytest.raises(NeedsExecutor) as missing:
        plan_replay(hostile_entry(marker), (), NAMED)
    assert (missing.value.executors, missing.value.reference) == ((stealthy(marker),), None)


def test_a_fuzz_campaign_lists_it_and_does_not_run_it(
    hostile: Path, marker: Path, tmp_path: Path
) -> None:
    done = txparity(
        "fuzz", "--executor", CORRECT, "--cases", "2", "--seed", "0", "--workers", "1",
        "--json", "--corpus", tmp_path / "corpus",
    )  # fmt: skip
    assert not marker.exists()
    assert done.returncode == 0, done.stderr
    reason = (
        f"{hostile}: needs an executor: recorded against {stealthy(marker)!r}, an external "
        "command, not run (a file never chooses a command); name the executor to run it "
        "on with --executor 'cmd:COMMAND'"
    )
    assert f"not replayed: {reason}" in done.stdout.splitlines()
    summary = json.loads(done.stdout.splitlines()[-1])
    assert summary["replayed"] == 0
    assert summary["replay"]["needs_executor"] == [reason]


@pytest.mark.parametrize("command", ["check", "shrink"])
def test_check_and_shrink_refuse_it_without_an_executor(
    hostile: Path, marker: Path, tmp_path: Path, command: str
) -> None:
    done = txparity(command, hostile, "--corpus" if command == "shrink" else "--seeds",
                    tmp_path / "out" if command == "shrink" else 1)  # fmt: skip
    assert not marker.exists()
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"txparity: error: {hostile} needs an executor: recorded against "
        f"{stealthy(marker)!r}, an external command, not run (a file never chooses a "
        "command); name the executor to run it on with --executor 'cmd:COMMAND'\n"
    )


def test_check_runs_it_on_the_executor_the_user_names(hostile: Path, marker: Path) -> None:
    done = txparity("check", hostile, "--executor", NAMED)
    assert not marker.exists()
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith("agree: 1 executor(s), 1 run(s)\n")


def write_project(pytester: pytest.Pytester, marker: Path, ini: str = "") -> Path:
    pytester.makepyprojecttoml(f'[tool.pytest.ini_options]\ntxparity_corpus = ["corpus"]\n{ini}')
    return save_entry(hostile_entry(marker), pytester.path / "corpus")


def test_the_pytest_plugin_skips_it_with_the_way_to_name_an_executor(
    pytester: pytest.Pytester, marker: Path
) -> None:
    write_project(pytester, marker)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rs")
    assert not marker.exists()
    result.assert_outcomes(skipped=1)
    output = result.stdout.str()
    assert (
        f"needs an executor: recorded against {stealthy(marker)!r}, an external command, "
        "not run (a file never chooses a command); name the executor to run it on with "
        "--txparity-executor 'cmd:COMMAND' or the txparity_executors ini option"
    ) in " ".join(output.split())


@pytest.mark.parametrize("where", ["flag", "ini"])
def test_the_pytest_plugin_replays_it_on_the_executor_the_project_names(
    pytester: pytest.Pytester, marker: Path, where: str
) -> None:
    ini = f"txparity_executors = [{json.dumps(NAMED)}]\n" if where == "ini" else ""
    write_project(pytester, marker, ini)
    flag = ["--txparity-executor", NAMED] if where == "flag" else []
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *flag)
    assert not marker.exists()
    result.assert_outcomes(passed=1)


def test_the_pytest_plugin_refuses_an_in_tree_executor_flag(
    pytester: pytest.Pytester, marker: Path
) -> None:
    write_project(pytester, marker)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--txparity-executor", CORRECT)
    assert not marker.exists()
    assert (
        "--txparity-executor and txparity_executors name external executors (cmd:COMMAND), "
        f"not {CORRECT!r}"
    ) in result.stdout.str() + result.stderr.str()


def test_the_command_runs_and_agrees_only_when_its_user_names_it(
    hostile: Path, marker: Path
) -> None:
    """What every front end above was kept from: named by the user, the command runs
    (the marker appears) and answers like a correct executor."""
    done = txparity("replay", hostile, "--executor", stealthy(marker))
    assert marker.exists()
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[0] == f"agrees   {hostile}"
