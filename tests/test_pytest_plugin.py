"""The pytest plugin in projects other than txparity: it collects only the corpus a
project configured, imports nothing heavy until it has work, and loads txparity's
Hypothesis profiles when asked; ``assert_agree`` keeps one counterexample per
fingerprint, the smallest; and the worked example of ``examples/pytest`` passes on
its executor and fails, with one saved file, on its planted bug. Projects are
scratch projects run in a pytest subprocess, as the installed plugin sees them.
(The corpus replay items themselves are tested in ``test_corpus.py``.)
"""

from __future__ import annotations

import json
import re
import shutil
import threading
from pathlib import Path

import pytest

from tests.builders import account, transfer
from txparity.executors.codec import decode_case
from txparity.executors.model import Case
from txparity.harness.corpus import Entry, entry_of, load_entry
from txparity.harness.differential import Equivalence, Runner
from txparity.harness.pytest_plugin import assert_agree, keep_smallest
from txparity.harness.replay import replay_entry

pytest_plugins = ["pytester"]

# Recorded at the end of collection, and again at the end of the session, by a
# conftest: the heavy modules loaded by then.
HEAVY_PROBE = """
import json, sys

HEAVY = ("hypothesis", "deepdiff", "sqlite_utils", "greenlet", "txparity.executors",
         "txparity.harness.corpus", "txparity.harness.differential")


def loaded():
    return sorted(name for name in sys.modules if name.split(".")[0] in HEAVY
                  or any(name.startswith(prefix + ".") or name == prefix for prefix in HEAVY))


def pytest_collection_finish(session):
    with open("heavy.json", "w") as out:
        json.dump({"collected": loaded()}, out)
"""


def heavy_modules(pytester: pytest.Pytester) -> list[str]:
    data = json.loads((pytester.path / "heavy.json").read_text())
    assert isinstance(data["collected"], list)
    return data["collected"]


def test_without_the_option_another_projects_corpus_is_its_own(
    pytester: pytest.Pytester,
) -> None:
    """The plugin used to claim every ``corpus/`` folder and failed this seed file."""
    pytester.makepyprojecttoml("[tool.pytest.ini_options]\n")
    (pytester.path / "corpus").mkdir()
    (pytester.path / "corpus" / "seed1.json").write_text('{"seed": 1}')
    pytester.makepyfile(test_one="def test_one():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "corpus", "test_one.py")
    result.assert_outcomes(passed=1)
    assert "seed1" not in result.stdout.str()


def test_a_session_that_needs_nothing_imports_nothing_heavy(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml("[tool.pytest.ini_options]\n")
    pytester.makeconftest(HEAVY_PROBE)
    pytester.makepyfile(test_one="def test_one():\n    pass\n")
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
    assert heavy_modules(pytester) == []


def test_collecting_a_corpus_imports_nothing_heavy_either(pytester: pytest.Pytester) -> None:
    """Only replaying a counterexample needs the executors."""
    pytester.makepyprojecttoml('[tool.pytest.ini_options]\ntxparity_corpus = ["corpus"]\n')
    pytester.makeconftest(HEAVY_PROBE)
    (pytester.path / "corpus").mkdir()
    (pytester.path / "corpus" / "x.json").write_text("{}")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--co", "-q")
    result.stdout.fnmatch_lines(["corpus/x.json::replay[[]corpus/x[]]"])
    assert heavy_modules(pytester) == []


PROFILE_TEST = """
from hypothesis import settings


def test_profile():
    print("PROFILE", settings.get_current_profile_name(), settings().max_examples)
"""


def profile_of(pytester: pytest.Pytester, *args: str) -> str:
    pytester.makepyprojecttoml("[tool.pytest.ini_options]\n")
    pytester.makepyfile(test_profile=PROFILE_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-s", *args)
    result.assert_outcomes(passed=1)
    [line] = [line for line in result.outlines if "PROFILE " in line]
    return line[line.index("PROFILE ") :]


@pytest.fixture
def no_profile_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither CI (which makes Hypothesis load its own profile) nor our variable."""
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("TXPARITY_PROFILE", raising=False)


@pytest.mark.usefixtures("no_profile_settings")
def test_hypothesis_settings_are_left_alone_unless_a_profile_is_asked_for(
    pytester: pytest.Pytester,
) -> None:
    assert profile_of(pytester) == "PROFILE default 100"


@pytest.mark.usefixtures("no_profile_settings")
def test_the_profile_variable_loads_a_txparity_profile(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TXPARITY_PROFILE", "dev")
    assert profile_of(pytester) == "PROFILE dev 30"


@pytest.mark.usefixtures("no_profile_settings")
def test_the_profile_flag_wins_over_the_variable(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TXPARITY_PROFILE", "dev")
    assert profile_of(pytester, "--txparity-profile", "nightly") == "PROFILE nightly 2000"


@pytest.mark.usefixtures("no_profile_settings")
def test_an_unknown_profile_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml("[tool.pytest.ini_options]\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--txparity-profile", "fast")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*txparity: no Hypothesis settings profile 'fast' (txparity's are dev, ci, nightly)"]
    )


def test_the_header_names_the_profile(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml("[tool.pytest.ini_options]\n")
    pytester.makepyfile(test_one="def test_one():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--txparity-profile", "ci")
    result.stdout.fnmatch_lines(["txparity: Hypothesis profile ci"])


def test_txparity_configures_its_own_corpus() -> None:
    pyproject = (Path(__file__).parent.parent / "pyproject.toml").read_text()
    assert 'txparity_corpus = ["corpus"]' in pyproject.splitlines()


# ---------------------------------------------------------------- assert_agree

NO_SENDER_DEBIT = "batched-no-sender-debit@memory/seeded"


def pays(times: int) -> Case:
    """``a`` pays ``b`` 10, ``times`` times: the planted bug never debits ``a``, with
    the same fingerprint whatever ``times`` (4 and more: devnet's threshold)."""
    document = {
        "format": "txparity.case/1",
        "genesis": {"accounts": {"a": account(TOS=100)}, "contracts": {}},
        "block": {"miner": "m", "reward": 0, "txs": [transfer("a", n, "b", 10)
                                                     for n in range(times)]},
    }  # fmt: skip
    return decode_case(json.dumps(document))


def failure(runner: Runner, case: Case) -> list[str]:
    with pytest.raises(AssertionError) as raised:
        assert_agree(case, runner)
    return str(raised.value).splitlines()


def saved_files(failures: Path) -> list[Path]:
    return sorted(path for path in failures.rglob("*") if path.is_file())


def test_assert_agree_keeps_the_smallest_case_of_a_fingerprint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TXPARITY_FAILURES", str(tmp_path))
    with Runner([NO_SENDER_DEBIT]) as runner:
        five = failure(runner, pays(5))
        [first] = saved_files(tmp_path)
        assert five[1] == f"  saved: {first}"
        six = failure(runner, pays(6))  # larger: the five stays
        assert six[1] == (
            f"  kept: {first} (the smallest case of this fingerprint; this one is not saved)"
        )
        assert six[2] == f"  replay: txparity replay {first}"
        four = failure(runner, pays(4))  # smaller: it replaces the five
        [smallest] = saved_files(tmp_path)
        again = failure(runner, pays(4))  # as Hypothesis replays its last example
    assert four[1] == again[1] == f"  saved: {smallest}"
    assert smallest != first and smallest.parent == first.parent
    assert load_entry(smallest).case == pays(4)


def test_concurrent_savers_leave_exactly_the_smallest(tmp_path: Path) -> None:
    """Threads saving cases of one fingerprint at the same moment, in every order:
    one file is left, the smallest, whatever the interleaving."""
    with Runner([NO_SENDER_DEBIT]) as runner:
        entries = [
            entry_of(runner.check(pays(times)).divergences[0], False, Equivalence.STRICT)
            for times in (7, 4, 6, 5, 8)
        ]
    for round_number in range(5):
        failures = tmp_path / str(round_number)
        start = threading.Barrier(len(entries))

        def save(entry: Entry, failures: Path = failures, start: threading.Barrier = start) -> None:
            start.wait()
            keep_smallest(entry, failures)

        threads = [threading.Thread(target=save, args=(entry,)) for entry in entries]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        [kept] = saved_files(failures)
        assert load_entry(kept).case == pays(4)


# ---------------------------------------------------------------- the worked example

EXAMPLE = Path(__file__).parent.parent / "examples" / "pytest"


def run_example(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """``examples/pytest`` as a project of its own, run by pytest with a fixed seed."""
    for name in ("pyproject.toml", "conftest.py", "executor.py", "test_executor.py"):
        shutil.copy(EXAMPLE / name, pytester.path / name)
    return pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--txparity-profile", "dev", "--hypothesis-seed=0", *args
    )


def test_the_worked_example_passes_on_the_correct_executor(pytester: pytest.Pytester) -> None:
    run_example(pytester).assert_outcomes(passed=1)
    assert not (pytester.path / ".txparity").exists()


def test_the_worked_example_fails_on_the_planted_bug_with_one_saved_file(
    pytester: pytest.Pytester,
) -> None:
    result = run_example(pytester, "--planted-bug")
    result.assert_outcomes(failed=1)
    [saved] = saved_files(pytester.path / ".txparity" / "failures")
    where = saved.relative_to(pytester.path)
    result.stdout.re_match_lines([rf"E +(saved|kept): {re.escape(str(where))}\b.*"])
    entry = load_entry(saved)
    assert entry.executors[0].endswith("executor.py --planted-bug")
    assert entry.detail.startswith("1 state item(s) differ")
    # the file reproduces the failure, on the executor named (a file chooses no command)
    assert replay_entry(entry, named=entry.executors) != []
    # Copied to the corpus, it replays on the executor the project names, fixed now.
    corpus = pytester.path / "corpus" / entry.fingerprint
    corpus.mkdir(parents=True)
    shutil.copy(saved, corpus / saved.name)
    again = pytester.runpytest_subprocess("-p", "no:cacheprovider", "corpus")
    again.assert_outcomes(passed=1)
    again.stdout.fnmatch_lines([f"corpus/{entry.fingerprint}/{saved.name} .*"])
