"""The pytest face, as a project meets it in scratch projects (pytester, a pytest
subprocess each): the ``txparity_runner`` fixture and the settings that configure
it, the markers, the corpus replay spread over xdist workers, and the commands a
failing replay item prints."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import Json
from tests.test_mutants import RACY_FEES, with_seed
from txparity.executors.codec import decode_case
from txparity.harness.corpus import entry_of, save_entry
from txparity.harness.differential import Equivalence, Runner
from txparity.harness.options import Options, default_specs

pytest_plugins = ["pytester"]

SCRIPTS = Path(__file__).resolve().parent / "external_scripts"
CORRECT = f"cmd:{sys.executable} {SCRIPTS / 'correct.py'}"
WRONG = f"cmd:{sys.executable} {SCRIPTS / 'wrong.py'}"

SHOW_RUNNER = """
import json


def test_show(txparity_runner):
    options = txparity_runner.options
    with open("runner.json", "w") as out:
        json.dump({"executors": list(options.executors), "seeds": options.seeds,
                   "targets": [t.spec for t in txparity_runner.targets],
                   "reference": txparity_runner.reference_spec}, out)
"""


def runner_seen(pytester: pytest.Pytester, ini: str, *args: str) -> dict[str, object]:
    pytester.makepyprojecttoml(f"[tool.pytest.ini_options]\n{ini}")
    pytester.makepyfile(test_show=SHOW_RUNNER)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)
    result.assert_outcomes(passed=1)
    seen = json.loads((pytester.path / "runner.json").read_text())
    assert isinstance(seen, dict)
    return seen


def test_the_runner_defaults_to_txparity_checks(pytester: pytest.Pytester) -> None:
    seen = runner_seen(pytester, "")
    assert seen == {
        "executors": default_specs(), "seeds": 3, "targets": default_specs(),
        "reference": "sequential@memory",
    }  # fmt: skip


def test_ini_options_configure_the_runner(pytester: pytest.Pytester) -> None:
    seen = runner_seen(
        pytester,
        'txparity_executors = ["blockstm@sqlite/pct", "batched"]\ntxparity_seeds = "5"\n'
        'txparity_reference = "sequential@sqlite"\n',
    )
    assert seen == {
        "executors": ["blockstm@sqlite/pct", "batched@memory/threads", "batched@memory/seeded"],
        "seeds": 5,
        "targets": ["blockstm@sqlite/pct", "batched@memory/threads", "batched@memory/seeded"],
        "reference": "sequential@sqlite",
    }


def test_flags_override_the_ini_options(pytester: pytest.Pytester) -> None:
    seen = runner_seen(
        pytester, 'txparity_executors = ["batched"]\ntxparity_seeds = "5"\n',
        "--txparity-executor", "blockstm@memory/seeded", "--txparity-seeds", "2",
        "--txparity-reference", "batched@memory/seeded",
    )  # fmt: skip
    assert seen == {
        "executors": ["blockstm@memory/seeded"], "seeds": 2,
        "targets": ["blockstm@memory/seeded"], "reference": "batched@memory/seeded",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--txparity-seeds", "0"], "--txparity-seeds / txparity_seeds: must be at least 1: 0"),
        (["--txparity-seeds", "x"], "--txparity-seeds / txparity_seeds: not a whole number: 'x'"),
        (["--txparity-executor", "blokstm"], "--txparity-executor / txparity_executors: "),
        (["--txparity-reference", "blokstm"], "--txparity-reference / txparity_reference: "),
    ],
)
def test_a_bad_setting_is_one_usage_error(
    pytester: pytest.Pytester, args: list[str], message: str
) -> None:
    pytester.makepyprojecttoml("[tool.pytest.ini_options]\n")
    pytester.makepyfile(test_show=SHOW_RUNNER)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.errlines if line.startswith("ERROR: ")]
    assert len(errors) == 1 and errors[0].startswith(f"ERROR: {message}"), result.errlines
    assert "Traceback" not in result.stderr.str()


SESSION_TESTS = """
import pytest
from hypothesis import given, settings
from txparity.executors.model import Case
from txparity.harness.pytest_plugin import assert_agree


@settings(max_examples=5, derandomize=True, database=None, deadline=None)
@given(case=...)
def test_property(txparity_runner, case: Case):
    assert_agree(case, txparity_runner)


@pytest.mark.parametrize("n", range(3))
def test_again(txparity_runner, n):
    assert txparity_runner.targets
"""


def test_a_cmd_executor_starts_once_per_session(pytester: pytest.Pytester) -> None:
    starts = pytester.path / "starts.txt"
    logged = f"echo started >> {shlex.quote(str(starts))}; exec {CORRECT.removeprefix('cmd:')}"
    spec = f"cmd:sh -c {shlex.quote(logged)}"
    pytester.makepyprojecttoml("[tool.pytest.ini_options]\n")
    pytester.makepyfile(test_session=SESSION_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--txparity-executor", spec)
    result.assert_outcomes(passed=4)
    assert starts.read_text() == "started\n"


# ---------------------------------------------------------------- corpus items


def save_racy_entry(corpus: Path) -> Path:
    """A saved counterexample of the racy fee counter, which still diverges."""
    case = decode_case(json.dumps(RACY_FEES))
    with Runner(["batched-racy-fees@memory/seeded"], Options(seeds=1)) as runner:
        [divergence] = runner.check(case).divergences
    return save_entry(entry_of(divergence, False, Equivalence.STRICT), corpus)


def save_external_entry(corpus: Path, case_json: Json) -> Path:
    case = decode_case(json.dumps(case_json))
    with Runner([WRONG], Options(seeds=1)) as runner:
        [divergence] = runner.check(case).divergences
    return save_entry(entry_of(divergence, False, Equivalence.STRICT), corpus)


def corpus_project(pytester: pytest.Pytester) -> Path:
    pytester.makepyprojecttoml('[tool.pytest.ini_options]\ntxparity_corpus = ["corpus"]\n')
    pytester.makepyfile(test_plain="def test_plain():\n    pass\n")
    return pytester.path / "corpus"


def test_markers_select_the_replay_items(pytester: pytest.Pytester) -> None:
    corpus = corpus_project(pytester)
    save_racy_entry(corpus)
    only = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-m", "txparity_replay")
    only.assert_outcomes(failed=1, deselected=1)
    others = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-m", "not txparity_replay")
    others.assert_outcomes(passed=1, deselected=1)
    listed = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--markers")
    listed.stdout.fnmatch_lines(
        ["@pytest.mark.txparity_replay:*", "@pytest.mark.txparity_quality:*"], consecutive=False
    )


def test_a_failing_replay_prints_the_command_of_each_executor(
    pytester: pytest.Pytester,
) -> None:
    corpus = corpus_project(pytester)
    path = save_racy_entry(corpus)
    shown = path.relative_to(pytester.path)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", str(shown))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*batched-racy-fees@memory/seeded still diverges (state)*",
        f"*file: {path}",
        f"*replay: txparity replay {path}",
        f"*reference: txparity run {path}",
        f"*batched-racy-fees@memory/seeded: txparity run {path} --executor "
        "batched-racy-fees@memory/seeded --stats",
    ])  # fmt: skip
    # Each printed command runs, and shows what the item says: a fee lost.
    reference = run_printed(f"txparity run {path}")
    diverging = run_printed(
        f"txparity run {path} --executor batched-racy-fees@memory/seeded --stats"
    )
    assert json.loads(reference)["state"]["accounts"]["m"]["balances"]["TOS"] == 4
    assert json.loads(diverging)["state"]["accounts"]["m"]["balances"]["TOS"] == 3


def run_printed(command: str) -> str:
    txparity = str(Path(sys.executable).parent / "txparity")
    done = subprocess.run(
        command.replace("txparity ", f"{txparity} ", 1), shell=True, capture_output=True,
        text=True, check=True,
    )  # fmt: skip
    return done.stdout


def test_an_external_executor_is_shown_fed_the_case(pytester: pytest.Pytester) -> None:
    corpus = corpus_project(pytester)
    path = save_external_entry(corpus, RACY_FEES)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--txparity-executor", WRONG, "corpus"
    )
    result.assert_outcomes(failed=1)
    # Under CI pytest repeats the whole message in its short summary: the same line twice.
    [line] = {line.strip() for line in result.outlines if line.strip().startswith(f"{WRONG}: ")}
    command = line.removeprefix(f"{WRONG}: ")
    assert command.endswith(f"| {WRONG.removeprefix('cmd:')}")
    answer = json.loads(run_printed(command))
    expected = json.loads(run_printed(f"txparity run {path}"))
    miner = expected["state"]["accounts"]["m"]["balances"]["TOS"]
    assert answer["state"]["accounts"]["m"]["balances"]["TOS"] == miner + 1


def test_the_corpus_is_replayed_on_every_xdist_worker(pytester: pytest.Pytester) -> None:
    corpus = corpus_project(pytester)
    save_racy_entry(corpus)
    for seed in (100, 101, 102):
        save_external_entry(corpus, with_seed(RACY_FEES, seed))
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-n", "2", "-v", "-m", "txparity_replay",
        "--txparity-executor", WRONG,
    )  # fmt: skip
    result.assert_outcomes(failed=4)  # test_plain is deselected on the workers
    workers = {word for line in result.outlines if "replay[" in line
               for word in line.split() if word in ("[gw0]", "[gw1]")}  # fmt: skip
    assert workers == {"[gw0]", "[gw1]"}
