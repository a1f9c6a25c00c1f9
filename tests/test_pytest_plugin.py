"""The pytest plugin in projects other than txparity: it collects only the corpus a
project configured, imports nothing heavy until it has work, and loads txparity's
Hypothesis profiles when asked. Every project here is a scratch project run in a
pytest subprocess, as the installed plugin sees it. (The corpus replay items
themselves are tested in ``test_corpus.py``.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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
