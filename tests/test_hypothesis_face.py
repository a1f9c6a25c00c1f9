"""txparity as Hypothesis users meet it: the entry point that registers ``Case``,
the events and targets of checked cases, and the nightly profile's health checks."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.builders import Json, account, transfer
from txparity.executors.codec import canonical_json, decode_case, encode_case
from txparity.executors.execution import run_case
from txparity.executors.model import Case
from txparity.executors.registry import make_executor
from txparity.executors.shapes import CASE_FORMAT
from txparity.harness.differential import Runner
from txparity.harness.hypothesis_profiles import register_settings_profiles
from txparity.harness.observations import ABORTS_PER_TX, CONFLICTS_PER_TX, observations_of
from txparity.harness.options import Options
from txparity.harness.strategies import PROFILES, cases

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------- the entry point


def test_the_entry_point_is_installed() -> None:
    hooks = importlib.metadata.entry_points(group="hypothesis")
    assert [hook.value for hook in hooks if hook.name == "txparity"] == [
        "txparity.harness.hypothesis_setup:_hypothesis_setup_hook"
    ]


FROM_TYPE = settings(max_examples=200, derandomize=True, database=None, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow])  # fmt: skip


@FROM_TYPE
@given(st.from_type(Case))
def test_cases_drawn_by_type_are_valid(case: Case) -> None:
    """Valid as SPEC 3 says: the codec, which refuses every invalid case, reads the
    case's JSON back as the same case."""
    assert decode_case(canonical_json(encode_case(case))) == case


NO_PLUGINS_PROBE = """
import json, sys
from hypothesis import HealthCheck, given, settings, strategies as st
from txparity.executors.codec import canonical_json, decode_case, encode_case
from txparity.executors.errors import ExecutorError
from txparity.executors.model import Case
valid = []
@settings(max_examples=20, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(st.from_type(Case))
def draw(case):
    try:
        valid.append(decode_case(canonical_json(encode_case(case))) == case)
    except (ExecutorError, TypeError, ValueError, KeyError):
        valid.append(False)
draw()
print(json.dumps([len(valid), sum(valid)]))
"""


@pytest.mark.parametrize(("plugins", "valid"), [(True, 20), (False, 0)])
def test_the_entry_point_is_what_makes_drawn_cases_valid(plugins: bool, valid: int) -> None:
    """In a fresh interpreter, with Hypothesis' plugins loaded every case drawn by type
    is valid; without them (``HYPOTHESIS_NO_PLUGINS``) Hypothesis builds ``Case``
    from its fields, and none is."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(ROOT)}
    if not plugins:
        env["HYPOTHESIS_NO_PLUGINS"] = "1"
    done = subprocess.run(
        [sys.executable, "-c", NO_PLUGINS_PROBE], cwd=ROOT, env=env, capture_output=True,
        text=True, check=True,
    )  # fmt: skip
    assert done.stdout.split() == [f"[20,{valid}]"] or done.stdout.strip() == f"[20, {valid}]"


HYPOTHESIS_COMMAND = str(Path(sys.executable).parent / "hypothesis")


def test_hypothesis_write_writes_a_test_that_draws_valid_cases(tmp_path: Path) -> None:
    written = subprocess.run(
        [HYPOTHESIS_COMMAND, "write", "txparity.executors.shapes.encode_case"],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "@given(case=st.from_type(Case))" in written.stdout
    assert "from txparity.executors.model import Case" in written.stdout
    # The written test, with a check of each case it draws added: it passes.
    body = written.stdout.replace(
        "    txparity.executors.shapes.encode_case(case=case)",
        "    from txparity.executors.codec import canonical_json, decode_case\n"
        "    encoded = txparity.executors.shapes.encode_case(case=case)\n"
        "    assert decode_case(canonical_json(encoded)) == case",
    )
    assert "decode_case(canonical_json(encoded)) == case" in body
    (tmp_path / "test_written.py").write_text(body)
    # What is under test is what the written test draws, not how fast a busy machine
    # draws it: the timing checks are off, every other health check stays.
    (tmp_path / "conftest.py").write_text(
        "from hypothesis import HealthCheck, settings\n"
        "settings.register_profile('busy', deadline=None, "
        "suppress_health_check=[HealthCheck.too_slow])\n"
        "settings.load_profile('busy')\n"
    )
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_written.py"],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "1 passed" in ran.stdout


# ---------------------------------------------------------------- the nightly profile


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_the_generators_pass_the_nightly_health_checks(profile: str) -> None:
    """The nightly profile keeps the health checks that catch a generator regression,
    and every generator profile passes them (a failing one raises ``FailedHealthCheck``)."""
    register_settings_profiles()
    nightly = settings.get_profile("nightly")
    assert set(nightly.suppress_health_check) == {HealthCheck.too_slow}
    drawn: list[Case] = []

    @settings(nightly, max_examples=30, database=None, derandomize=True)
    @given(cases(profile))
    def draw(case: Case) -> None:
        drawn.append(case)

    draw()
    assert len(drawn) == 30


# ---------------------------------------------------------------- events and targets

SPECS = ("blockstm@memory/seeded", "batched@memory/seeded")


def chain_case(seed: int) -> Json:
    """Eight transfers, each spending what the one before paid in, and one replayed
    nonce: Block-STM re-runs the later ones, and the batches split at every link."""
    txs = [transfer(f"a{i}", 0, f"a{i + 1}", 5) for i in range(8)]
    txs.append(transfer("a0", 0, "a2", 1))  # a0's nonce is 1 by now: bad_nonce
    return {
        "format": CASE_FORMAT,
        "genesis": {"accounts": {f"a{i}": account(TOS=10) for i in range(9)}, "contracts": {}},
        "block": {"miner": "m", "reward": 0, "txs": txs},
        "config": {"network": "devnet", "threads": 4, "schedule_seed": seed},
    }


def test_observations_name_the_path_kinds_reasons_and_contention() -> None:
    case = decode_case(canonical_json(chain_case(seed=7)))
    stm = run_case(make_executor("blockstm", "seeded"), case, "memory").stats
    batched = run_case(make_executor("batched", "seeded"), case, "memory").stats
    with Runner(SPECS, Options(seeds=1)) as runner:
        seen = observations_of(case, runner.check(case))
    assert seen.events == (
        "path: parallel",
        "kind: transfer",
        "rejected: bad_nonce",
        f"Block-STM aborts per run: {bucket(stm.aborts)}",
        f"batches per run: {bucket(len(batched.batch_sizes))}",
        f"batch conflicts per run: {bucket(batched.conflicts)}",
    )
    # The last transfer (a0 to a2) joins the batch of the last link, a7 to a8.
    assert (batched.batch_sizes, batched.conflicts) == ((1, 1, 1, 1, 1, 1, 1, 2), 7)
    assert stm.aborts > 0
    assert seen.targets == {ABORTS_PER_TX: stm.aborts / 9, CONFLICTS_PER_TX: 7 / 9}


def bucket(count: int) -> str:
    return {0: "0", 1: "1", 2: "2-3", 3: "2-3"}.get(count, "4-9" if count < 10 else "10+")


def test_a_sequential_block_has_no_contention() -> None:
    json_case = chain_case(seed=0)
    json_case["block"]["txs"] = json_case["block"]["txs"][:3]
    case = decode_case(canonical_json(json_case))
    with Runner(SPECS, Options(seeds=2)) as runner:
        seen = observations_of(case, runner.check(case))
    assert seen.events == ("path: sequential", "kind: transfer")
    assert seen.targets == {ABORTS_PER_TX: 0.0, CONFLICTS_PER_TX: 0.0}


def test_aborts_are_averaged_over_the_seeds_tried() -> None:
    case = decode_case(canonical_json(chain_case(seed=11)))
    runs = [
        run_case(make_executor("blockstm", "seeded"), seeded, "memory").stats.aborts
        for seeded in (case, decode_case(canonical_json(chain_case(seed=12))))
    ]
    with Runner(SPECS[:1], Options(seeds=2)) as runner:
        seen = observations_of(case, runner.check(case))
    assert seen.targets[ABORTS_PER_TX] == sum(runs) / 2 / 9


PROPERTY_TEST = """
from hypothesis import given, settings
from txparity.harness.differential import Runner
from txparity.harness.options import Options
from txparity.harness.pytest_plugin import assert_agree
from txparity.harness.strategies import cases

RUNNER = Runner(["blockstm@memory/seeded", "batched@memory/seeded"], Options(seeds=1))

@settings(max_examples=15, derandomize=True, database=None, deadline=None)
@given(cases("contended"))
def test_contended(case):
    assert_agree(case, RUNNER)
"""


def test_statistics_show_the_events_and_targets(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_property=PROPERTY_TEST)
    result = pytester.runpytest_subprocess("--hypothesis-show-statistics", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    shown = result.stdout.str()
    for event in ("path: parallel", "kind: transfer", "Block-STM aborts per run: ",
                  "batches per run: ", "batch conflicts per run: ", "rejected: "):  # fmt: skip
        assert re.search(rf"\* [0-9.]+%, {event}", shown), event
    assert "Highest target scores:" in shown
    for label in (ABORTS_PER_TX, CONFLICTS_PER_TX):
        assert re.search(rf"[0-9.]+ +\(label='{label}'\)", shown), label
