"""External executors (SPEC 8): every way a ``cmd:`` target can answer, classified exactly.

Each script under ``tests/external_scripts`` is a tiny executor with one behaviour:
correct, wrong, an error line, a hang, a crash, garbage, a non-canonical but correct
line, or one line too many. The runner must turn each into exactly one verdict, keep
going after a hang or a crash with a fresh process, and never hang itself.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import VECTORS_DIR, load_vector
from txparity.executors.codec import canonical_json, case_from_json
from txparity.executors.model import Case
from txparity.harness.differential import (
    Divergence,
    DivergenceKind,
    Equivalence,
    Runner,
    compare,
)
from txparity.harness.errors import InputError
from txparity.harness.options import Options
from txparity.harness.targets import Answer, AnswerKind, make_target

SCRIPTS = Path(__file__).parent / "external_scripts"
PATIENT_S = 30.0  # a per-case limit no working script comes near, even on a loaded machine
HANG_S = 1.0

MINER_TOS = 'state.accounts["m"].balances["TOS"]'


def vector_case(name: str) -> tuple[Case, str]:
    case, expected = load_vector(VECTORS_DIR / f"{name}.json")
    return case_from_json(case), expected


SIMPLE, SIMPLE_RESULT = vector_case("simple_transfer")
COUNTER, COUNTER_RESULT = vector_case("counter_invoked_twice")
EMPTY, EMPTY_RESULT = vector_case("empty_block")


def spec(script: str, *args: object) -> str:
    argv = [sys.executable, str(SCRIPTS / f"{script}.py"), *(str(a) for a in args)]
    return "cmd:" + shlex.join(argv)


def only_divergence(runner: Runner, case: Case) -> Divergence:
    divergences = runner.check(case).divergences
    assert len(divergences) == 1, divergences
    return divergences[0]


def agrees(runner: Runner, case: Case) -> bool:
    return runner.check(case).divergences == []


def process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


# ---------------------------------------------------------------- answers


def test_a_correct_executor_agrees_on_every_case_with_one_process() -> None:
    with Runner([spec("correct")], Options(timeout_s=PATIENT_S)) as runner:
        for case in (SIMPLE, COUNTER, EMPTY, SIMPLE):
            outcome = runner.check(case)
            assert outcome.divergences == []
            assert outcome.runs == 1  # an external target is not seeded: one run per case
        (target,) = runner.targets
        assert getattr(target, "restarts", None) == 0


def test_a_wrong_result_is_a_state_divergence_on_the_miners_balance() -> None:
    executor = spec("wrong")
    with Runner([executor], Options(timeout_s=PATIENT_S)) as runner:
        divergence = only_divergence(runner, SIMPLE)
    assert divergence.kind is DivergenceKind.STATE
    assert (divergence.executor, divergence.family) == (executor, executor)
    assert divergence.paths == (MINER_TOS,)
    assert divergence.detail == f"1 state item(s) differ, first {MINER_TOS}: expected 52, actual 53"
    assert divergence.first_tx is None
    assert divergence.case == SIMPLE
    assert divergence.expected == SIMPLE_RESULT
    wrong = json.loads(SIMPLE_RESULT)
    wrong["state"]["accounts"]["m"]["balances"]["TOS"] = 53
    assert divergence.actual == canonical_json(wrong)


def test_an_error_line_is_an_error_divergence_with_the_executors_words() -> None:
    with Runner([spec("error")], Options(timeout_s=PATIENT_S)) as runner:
        divergence = only_divergence(runner, SIMPLE)
        assert only_divergence(runner, COUNTER).kind is DivergenceKind.ERROR
        (target,) = runner.targets
        assert getattr(target, "restarts", None) == 0  # an error line is an answer
    assert divergence.kind is DivergenceKind.ERROR
    assert divergence.detail == "unsupported"
    assert (divergence.actual, divergence.paths, divergence.first_tx) == (None, (), None)


def test_a_hang_is_reported_and_the_next_case_gets_a_fresh_process(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    started = time.monotonic()
    with Runner([spec("hang", pids)], Options(timeout_s=HANG_S)) as runner:
        first = only_divergence(runner, SIMPLE)
        (first_pid,) = map(int, pids.read_text().split())
        assert process_gone(first_pid)  # killed and reaped, not left behind
        second = only_divergence(runner, COUNTER)
    for divergence in (first, second):
        assert divergence.kind is DivergenceKind.HANG
        assert divergence.detail == "no answer within 1 s"
        assert divergence.actual is None
    assert second.case == COUNTER
    started_pids = [int(pid) for pid in pids.read_text().split()]
    assert len(started_pids) == 2 and len(set(started_pids)) == 2
    assert all(process_gone(pid) for pid in started_pids)
    assert time.monotonic() - started < 30  # two 1 s limits, not an endless wait


def test_after_a_hang_a_restarted_executor_agrees_again(tmp_path: Path) -> None:
    marker = tmp_path / "hung-once"
    with Runner([spec("hang_once", marker)], Options(timeout_s=HANG_S)) as runner:
        divergence = only_divergence(runner, SIMPLE)
        assert (divergence.kind, divergence.detail) == (
            DivergenceKind.HANG,
            "no answer within 1 s",
        )
        assert marker.exists()
        assert agrees(runner, COUNTER)
        assert agrees(runner, SIMPLE)
        (target,) = runner.targets
        assert getattr(target, "restarts", None) == 1


def test_a_crash_reports_the_exit_status_and_the_standard_error() -> None:
    with Runner([spec("crash")], Options(timeout_s=PATIENT_S)) as runner:
        divergence = only_divergence(runner, SIMPLE)
    assert divergence.kind is DivergenceKind.CRASH
    assert "status 3" in divergence.detail
    assert "crash.py: giving up on purpose" in divergence.detail
    assert divergence.detail == (
        "the executor exited (status 3); stderr: crash.py: giving up on purpose"
    )
    assert divergence.actual is None


def test_every_crash_reports_only_the_standard_error_of_the_process_that_crashed() -> None:
    """A restarted process's crash must not be reported with its predecessors' log."""
    with Runner([spec("crash")], Options(timeout_s=PATIENT_S)) as runner:
        details = [only_divergence(runner, case).detail for case in (SIMPLE, COUNTER, EMPTY)]
    assert details == ["the executor exited (status 3); stderr: crash.py: giving up on purpose"] * 3


def test_after_a_crash_a_restarted_executor_agrees_again(tmp_path: Path) -> None:
    marker = tmp_path / "crashed-once"
    with Runner([spec("crash_once", marker)], Options(timeout_s=PATIENT_S)) as runner:
        divergence = only_divergence(runner, SIMPLE)
        assert divergence.kind is DivergenceKind.CRASH
        assert "status 3" in divergence.detail
        assert "crash_once.py: first case, crashing" in divergence.detail
        assert agrees(runner, COUNTER)
        assert agrees(runner, SIMPLE)
        (target,) = runner.targets
        assert getattr(target, "restarts", None) == 1


def test_a_line_that_is_not_json_is_a_protocol_divergence_quoting_it() -> None:
    with Runner([spec("garbage")], Options(timeout_s=PATIENT_S)) as runner:
        divergence = only_divergence(runner, SIMPLE)
    assert divergence.kind is DivergenceKind.PROTOCOL
    assert divergence.detail == "not JSON: 'hello world'"
    assert divergence.actual is None


def test_whitespace_and_key_order_of_an_answer_do_not_matter() -> None:
    with Runner([spec("noncanonical")], Options(timeout_s=PATIENT_S)) as runner:
        for case in (SIMPLE, COUNTER, EMPTY):
            assert agrees(runner, case)


def test_an_extra_answer_line_is_a_protocol_divergence_on_the_next_case() -> None:
    """Both lines of an answer reach the harness's pipe in one write, before it reads the
    first: the extra one is there to be seen when the next case is asked, every time."""
    with Runner([spec("extra_line")], Options(timeout_s=PATIENT_S)) as runner:
        assert agrees(runner, SIMPLE)
        divergence = only_divergence(runner, COUNTER)
        # The harness restarts the executor to get back in step: the round repeats.
        rounds = [
            ([d.kind for d in runner.check(SIMPLE).divergences],
             [d.kind for d in runner.check(COUNTER).divergences])
            for _ in range(20)
        ]  # fmt: skip
    assert divergence.kind is DivergenceKind.PROTOCOL
    assert divergence.case == COUNTER
    quoted = repr(SIMPLE_RESULT[:200] + "...")  # long lines are quoted up to 200 characters
    assert divergence.detail == f"an extra line after the last answer: {quoted}"
    assert rounds == [([], [DivergenceKind.PROTOCOL])] * 20


# ---------------------------------------------------------------- commands that cannot run


def test_a_command_that_does_not_exist_is_an_input_error_naming_it() -> None:
    with pytest.raises(InputError) as raised:
        make_target("cmd:/no/such/thing")
    assert "/no/such/thing" in str(raised.value)
    assert "No such file or directory" in str(raised.value)


def test_a_runner_with_a_command_that_does_not_exist_is_an_input_error() -> None:
    with pytest.raises(InputError, match="/no/such/thing"):
        Runner([spec("correct"), "cmd:/no/such/thing"], Options(timeout_s=PATIENT_S))


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("cmd:", "empty external command"),
        ("cmd:   ", "empty external command"),
        ("cmd:'unclosed", "cannot parse external command"),
        (f"cmd:{SCRIPTS}", "Permission denied"),
    ],
)
def test_a_command_that_cannot_start_is_an_input_error(command: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        make_target(command)


# ---------------------------------------------------------------- fingerprints


FINGERPRINTED = [
    ("wrong", DivergenceKind.STATE),
    ("error", DivergenceKind.ERROR),
    ("hang", DivergenceKind.HANG),
    ("crash", DivergenceKind.CRASH),
    ("garbage", DivergenceKind.PROTOCOL),
]


def fingerprint_of(executor: str, timeout_s: float) -> tuple[DivergenceKind, str]:
    with Runner([executor], Options(timeout_s=timeout_s)) as runner:
        divergence = only_divergence(runner, SIMPLE)
    return divergence.kind, divergence.fingerprint


def test_external_fingerprints_are_stable_and_differ_between_kinds() -> None:
    first, second = {}, {}
    for script, kind in FINGERPRINTED:
        executor = spec(script)
        first[script] = fingerprint_of(executor, HANG_S)
        # Another run, with another limit: the hang's detail changes, its fingerprint not.
        second[script] = fingerprint_of(executor, 0.5 if script == "hang" else PATIENT_S)
        assert first[script][0] is kind
    assert first == second
    fingerprints = [fingerprint for _, fingerprint in first.values()]
    assert len(set(fingerprints)) == len(fingerprints)
    assert first["hang"][1] != first["crash"][1]


def test_the_kind_alone_separates_fingerprints_of_one_executor() -> None:
    family = spec("correct")
    fingerprints = {
        kind: compare(SIMPLE_RESULT, Answer(kind, detail="x"), Equivalence.STRICT)
        for kind in (AnswerKind.HANG, AnswerKind.CRASH, AnswerKind.ERROR, AnswerKind.PROTOCOL)
    }
    prints = {kind: d.fingerprint(family) for kind, d in fingerprints.items() if d is not None}
    assert len(prints) == 4
    assert len(set(prints.values())) == 4
    # The detail (a timeout, a log) is not part of the fingerprint.
    other = compare(SIMPLE_RESULT, Answer(AnswerKind.HANG, detail="y"), Equivalence.STRICT)
    assert other is not None and other.fingerprint(family) == prints[AnswerKind.HANG]
