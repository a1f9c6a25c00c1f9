"""External executors (SPEC 8): every way a ``cmd:`` target can answer, classified exactly.

Each script under ``tests/external_scripts`` is a tiny executor with one behaviour:
correct, wrong, an error line, a hang, a crash, garbage, a non-canonical but correct
line, or one line too many; and the hostile ones, which once hung the harness or
grew it without bound: a closed standard output, a child holding the pipes, input
never read, a wrapper, an endless line, an endless log. The runner must turn each
into exactly one verdict, keep going with a fresh process, leave no process behind
and never hang itself.

Tests that could hang if the harness regressed drive the target in a process of
their own (``_drive.py``) under a generous ``subprocess`` timeout, so a regression
fails instead of hanging the suite. A short per-case limit is only ever given for
a case the script never answers; a case that must be answered gets ``PATIENT_S``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import VECTORS_DIR, load_vector
from txparity.executors.codec import canonical_json, case_from_json, encode_case
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
from txparity.harness.report import build_report
from txparity.harness.targets import Answer, AnswerKind, ExternalTarget, make_target
from txparity.harness.targets.external import MAX_ANSWER_BYTES

SCRIPTS = Path(__file__).parent / "external_scripts"
DRIVER = SCRIPTS / "_drive.py"
PATIENT_S = 120.0  # a per-case limit no working script comes near, even on a loaded machine
HANG_S = 1.0  # only for cases the script never answers
GUARD_S = 600.0  # a driven harness that has not finished by then has hung
GONE_S = 60.0  # how long a SIGKILLed process group may take to vanish

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
    """Gone, or a zombie: killed processes whose parent died are never reaped here."""
    return _state(pid) in (None, "Z", "X")


def _state(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2 :].split()[0]


def live_members(group: int) -> list[int]:
    """The processes of ``group`` that are neither gone nor zombies."""
    members = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text() if entry.name.isdigit() else ""
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split() if stat else []
        if fields and int(fields[2]) == group and fields[0] not in ("Z", "X"):
            members.append(int(entry.name))
    return members


def group_vanishes(group: int) -> bool:
    """Whether ``group`` has no live member within ``GONE_S`` (SIGKILL is asynchronous)."""
    deadline = time.monotonic() + GONE_S
    while live_members(group):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def recorded(path: Path) -> list[tuple[int, int]]:
    """The ``(pid, pgid)`` lines scripts wrote with ``_record``."""
    if not path.exists():
        return []
    return [(int(pid), int(group)) for pid, group in map(str.split, path.read_text().splitlines())]


@pytest.fixture
def records(tmp_path: Path) -> Iterator[Path]:
    """A file for scripts to record themselves in; whatever they left is killed after."""
    path = tmp_path / "records"
    yield path
    ours = os.getpgid(0)
    for pid, group in recorded(path):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if group == ours:  # never the group the tests run in
                os.kill(pid, signal.SIGKILL)
            else:
                os.killpg(group, signal.SIGKILL)


needs_proc = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="finds processes through /proc"
)


Step = tuple[Case, float | None] | tuple[Case, float | None, tuple[Path, int]]


def drive(
    executor: str, steps: list[Step], timeout_s: float, **extra: object
) -> list[dict[str, Any]]:
    """Answers of a target run in a process of its own; a hung harness fails the test.

    A step is a case, a new per-case limit or None, and perhaps a handshake: a file
    and a number of lines the driver waits for before it sends the case.
    """
    request = {"spec": executor, "timeout": timeout_s, "steps": list(map(_step, steps)), **extra}
    done = subprocess.run(
        [sys.executable, str(DRIVER)],
        input=json.dumps(request).encode(),
        capture_output=True,
        timeout=GUARD_S,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return [json.loads(line) for line in done.stdout.splitlines()]


def _step(step: Step) -> dict[str, object]:
    case, limit, *handshake = step
    encoded: dict[str, object] = {"case": encode_case(case)}
    if limit is not None:
        encoded["timeout"] = limit
    for path, lines in handshake:
        encoded["await"] = [str(path), lines]
    return encoded


def await_lines(path: Path, count: int) -> None:
    """The readiness handshake of an in-process test: wait for a script's lines."""
    deadline = time.monotonic() + GUARD_S
    while len(path.read_text().splitlines() if path.exists() else []) < count:
        assert time.monotonic() < deadline, f"{path} never reached {count} line(s)"
        time.sleep(0.01)


def big_case(accounts: int = 8000) -> Case:
    """A valid case far larger than a pipe's buffer (64 KiB)."""
    case = {
        "format": "txparity.case/1",
        "genesis": {
            "accounts": {
                f"account{i}": {"nonce": 0, "balances": {"TOS": i}} for i in range(accounts)
            },
            "contracts": {},
        },
        "block": {"miner": "m", "reward": 1, "txs": []},
    }
    return case_from_json(case)


def case_size(case: Case) -> int:
    return len(canonical_json(encode_case(case)).encode()) + 1


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


@needs_proc
def test_a_hang_is_reported_and_the_next_case_gets_a_fresh_process(records: Path) -> None:
    with Runner([spec("hang", records)], Options(timeout_s=HANG_S)) as runner:
        await_lines(records, 1)  # started: the limit is not spent on its start-up
        first = only_divergence(runner, SIMPLE)
        ((first_pid, first_group),) = recorded(records)
        assert first_pid == first_group  # it leads a group of its own
        assert process_gone(first_pid)  # killed and reaped, not left behind
        second = only_divergence(runner, COUNTER)
        (target,) = runner.targets
        assert getattr(target, "restarts", None) == 1  # a fresh process for the second
    for divergence in (first, second):
        assert divergence.kind is DivergenceKind.HANG
        assert divergence.detail == "no answer within 1 s"
        assert divergence.actual is None
    assert second.case == COUNTER
    # The second may have been killed before it could record itself, on a busy machine.
    started = recorded(records)
    assert len(set(started)) == len(started)
    assert all(pid == group and process_gone(pid) for pid, group in started)


def test_after_a_hang_a_restarted_executor_agrees_again(tmp_path: Path) -> None:
    marker = tmp_path / "hung-once"
    with Runner([spec("hang_once", marker)], Options(timeout_s=HANG_S)) as runner:
        await_lines(marker, 1)  # it has chosen to hang on its first case
        divergence = only_divergence(runner, SIMPLE)
        assert (divergence.kind, divergence.detail) == (
            DivergenceKind.HANG,
            "no answer within 1 s",
        )
        assert marker.exists()
        (target,) = runner.targets
        assert isinstance(target, ExternalTarget)
        target.timeout_s = PATIENT_S  # the rest is answered: no short limit for them
        assert agrees(runner, COUNTER)
        assert agrees(runner, SIMPLE)
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
    assert divergence.detail == (
        "not valid JSON (Expecting value: line 1 column 1 (char 0)): 'hello world'"
    )
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
        first[script] = fingerprint_of(executor, HANG_S if script == "hang" else PATIENT_S)
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


# ---------------------------------------------------------------- hostile executors


@needs_proc
def test_an_executor_that_closes_its_output_but_runs_on_is_a_crash(records: Path) -> None:
    """It can never answer again, yet never exits: the harness must not wait for it."""
    steps: list[Step] = [(SIMPLE, None, (records, 1))]  # its output is closed by then
    (answer,) = drive(spec("closes_stdout", records), steps, HANG_S)[:-1]
    assert answer["kind"] == "crash"
    assert answer["detail"] == (
        "the executor closed its standard output and was still running 1 s after the case was sent"
    )
    ((_, group),) = recorded(records)
    assert group_vanishes(group)


@needs_proc
def test_a_child_holding_the_pipes_does_not_hide_the_exit(records: Path) -> None:
    """The pipes stay open after the executor exits; the exit is still seen, at once."""
    (answer,) = drive(spec("orphan_keeps_pipes", records), [(SIMPLE, None)], PATIENT_S)[:-1]
    assert (answer["kind"], answer["detail"]) == (
        "crash",
        "the executor exited (status 3); "
        "stderr: orphan_keeps_pipes.py: exiting, my child keeps the pipes",
    )
    (executor, _), (child, _) = recorded(records)
    assert child != executor
    assert {group for _, group in recorded(records)} == {executor}
    assert group_vanishes(executor)


@needs_proc
def test_a_case_larger_than_the_pipe_never_read_is_a_hang(records: Path) -> None:
    """The write cannot complete; the harness stops at the limit, not in ``write``."""
    case = big_case()
    size = case_size(case)
    assert size > 4 * 65536
    steps: list[Step] = [(case, None, (records, 1)), (case, None)]
    answers = drive(spec("never_reads", records), steps, HANG_S)[:-1]
    detail = f"no answer within 1 s (the executor read 0 of the case's {size} bytes)"
    assert [(a["kind"], a["detail"]) for a in answers] == [("hang", detail)] * 2
    assert answers[1]["restarts"] == 1  # a fresh process for the second case
    groups = [group for _, group in recorded(records)]
    assert len(set(groups)) == len(groups) >= 1
    assert all(group_vanishes(group) for group in groups)


@needs_proc
@pytest.mark.parametrize("how", ["script", "shell"])
def test_a_hang_behind_a_wrapper_kills_the_process_it_wraps(records: Path, how: str) -> None:
    """``sh -c '...; exit'`` and a script without ``exec`` each keep the real executor
    as their child: it must die with them."""
    if how == "script":
        executor = spec("wrapper", records)
    else:
        inner = shlex.join([sys.executable, str(SCRIPTS / "hang.py"), str(records)])
        executor = "cmd:" + shlex.join(["sh", "-c", f"{inner}; exit 0"])
    started = 2 if how == "script" else 1  # the hanging executor has started by then
    (answer,) = drive(executor, [(SIMPLE, None, (records, started))], HANG_S)[:-1]
    assert (answer["kind"], answer["detail"]) == ("hang", "no answer within 1 s")
    processes = recorded(records)
    assert len(processes) == started
    (group,) = {group for _, group in processes}
    assert all(pid != group for pid, _ in processes[-1:])  # the hanging one is not the leader
    assert group_vanishes(group)


@needs_proc
def test_an_endless_answer_line_is_a_protocol_divergence_at_the_limit() -> None:
    """Like ``cmd:cat /dev/zero``: reading stops at MAX_ANSWER_BYTES, memory stays bounded."""
    answers = drive(spec("endless_line"), [(SIMPLE, None)], PATIENT_S, memory_limit=2**30)
    (answer,), peak_kib = answers[:-1], answers[-1]["maxrss_kib"]
    assert (answer["kind"], answer["detail"]) == (
        "protocol",
        f"an answer line longer than {MAX_ANSWER_BYTES} bytes: {'0' * 200 + '...'!r}",
    )
    assert peak_kib * 1024 < 3 * MAX_ANSWER_BYTES  # the line once, perhaps twice, and Python


def test_an_endless_line_on_standard_error_costs_no_memory() -> None:
    answers = drive(spec("stderr_flood"), [(SIMPLE, None)], HANG_S, memory_limit=2**30)
    (answer,), peak_kib = answers[:-1], answers[-1]["maxrss_kib"]
    assert (answer["kind"], answer["detail"]) == ("hang", "no answer within 1 s")
    assert peak_kib * 1024 < MAX_ANSWER_BYTES  # a tail of the log, not the flood


def test_an_executor_that_logs_more_than_a_pipe_holds_still_agrees() -> None:
    with Runner([spec("noisy")], Options(timeout_s=PATIENT_S)) as runner:
        for case in (SIMPLE, COUNTER, EMPTY):
            assert agrees(runner, case)
        (target,) = runner.targets
        assert getattr(target, "restarts", None) == 0


@needs_proc
def test_an_executor_dies_with_a_harness_killed_by_sigkill(records: Path) -> None:
    """The watcher in the executor's group sees the harness's end of a pipe close."""
    harness = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from txparity.harness.targets import make_target; "
            "target = make_target(sys.argv[1]); sys.stdin.read()",
            spec("wrapper", records),
        ],
        stdin=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + GUARD_S
        while len(recorded(records)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)  # the handshake: the wrapper and its child both started
        assert len(recorded(records)) == 2
    finally:
        harness.kill()
        harness.wait()
    (group,) = {group for _, group in recorded(records)}
    assert group_vanishes(group)


# ---------------------------------------------------------------- hostile answers


def _with(change: Any) -> bytes:
    document = json.loads(SIMPLE_RESULT)
    change(document)
    return json.dumps(document).encode()


def _set(path: tuple[str | int, ...], value: object) -> Any:
    def change(document: Any) -> None:
        for step in path[:-1]:
            document = document[step]
        document[path[-1]] = value

    return change


def _drop(name: str) -> Any:
    return lambda document: document["state"].pop(name)


def int_limit_message(digits: int) -> str:
    """What this interpreter says of an integer too long to read (the words vary)."""
    try:
        int("9" * digits)
    except ValueError as error:
        return str(error)
    raise AssertionError(f"{digits} digits are within the limit")


DEEP = b"[" * 100_000 + b"]" * 100_000
DEEP_IN_STATE = SIMPLE_RESULT.replace('"burned":{}', '"burned":' + "[" * 100_000 + "]" * 100_000)
BALANCE_A = ("state", "accounts", "a", "balances", "TOS")
RECURSION = "nested deeper than 200 levels"  # the decoder's MAX_JSON_DEPTH
CONTRACT_C = {"balances": {}, "code": {"0": [["PUSH", {"x": 1}]]}, "storage": {}}

HOSTILE_ANSWERS = [
    # (id, line, what the detail says before the quoted line)
    ("receipts-string", _with(_set(("receipts",), "applied")), "receipts: must be a list"),
    ("state-null", _with(_set(("state",), None)), "state: must be an object"),
    ("receipt-number", _with(_set(("receipts", 0), 5)), "receipts[0]: must be an object"),
    ("gas-string", _with(_set(("receipts", 0, "gas_used"), "0")),
     "receipts[0].gas_used: must be an integer"),
    ("gas-float", _with(_set(("receipts", 0, "gas_used"), 0.0)),
     "receipts[0].gas_used: must be an integer"),
    ("reason-number", _with(_set(("receipts", 0, "reason"), 5)),
     "receipts[0].reason: must be a string"),
    ("status-missing", _with(lambda d: d["receipts"][0].pop("status")),
     "receipts[0].status: missing field"),
    ("nonce-bool", _with(_set(("state", "accounts", "a", "nonce"), True)),
     'state.accounts["a"].nonce: must be an integer'),
    ("balance-negative", _with(_set(BALANCE_A, -1)),
     'state.accounts["a"].balances["TOS"]: must be >= 0'),
    ("balance-2**64", _with(_set(BALANCE_A, 2**64)),
     'state.accounts["a"].balances["TOS"]: must be < 2**64'),
    ("accounts-list", _with(_set(("state", "accounts"), [])), "state.accounts: must be an object"),
    ("burned-missing", _with(_drop("burned")), "state.burned: missing field"),
    ("extra-field", _with(_set(("extra",), 1)), "extra: unknown field"),
    ("format", _with(_set(("format",), "txparity.result/3")),
     "format: must be 'txparity.result/1' or 'txparity.result/2'"),
    ("v2-without-logs", _with(_set(("format",), "txparity.result/2")),
     "receipts[0].logs: missing field"),
    ("code-operand", _with(_set(("state", "contracts", "c"), CONTRACT_C)),
     'state.contracts["c"].code["0"][0][1]: must be an integer'),
    ("top-level-list", b"[1, 2]", "answer: must be an object"),
    ("error-object", b'{"error": {"why": 1}}', "error: must be a string"),
    ("repeated-key", SIMPLE_RESULT.replace('"nonce":1', '"nonce":1,"nonce":2').encode(),
     """state.accounts["a"]: key 'nonce' repeated in one object"""),
]  # fmt: skip

UNREADABLE_ANSWERS = [
    # (id, line, the strict reader's complaint)
    ("nan", SIMPLE_RESULT.replace("52", "NaN").encode(), "not valid JSON (NaN is not JSON)"),
    ("infinity", SIMPLE_RESULT.replace("52", "Infinity").encode(),
     "not valid JSON (Infinity is not JSON)"),
    ("minus-infinity", SIMPLE_RESULT.replace("52", "-Infinity").encode(),
     "not valid JSON (-Infinity is not JSON)"),
    ("deep", DEEP, f"not valid JSON ({RECURSION})"),
    ("deep-in-state", DEEP_IN_STATE.encode(), f"not valid JSON ({RECURSION})"),
    ("huge-integer", SIMPLE_RESULT.replace("52", "9" * 5000).encode(),
     f"not valid JSON ({int_limit_message(5000)})"),
    ("not-utf8", b'{"error": "\xff"}', "not UTF-8 text (byte 11)"),
    ("blank", b"", "not valid JSON (Expecting value: line 1 column 1 (char 0))"),
]  # fmt: skip


def quoted(line: bytes) -> str:
    text = line.decode("utf-8", errors="replace")
    return repr(text if len(text) <= 200 else text[:200] + "...")


def says(tmp_path: Path, line: bytes, name: str = "answer") -> str:
    answer = tmp_path / name
    answer.write_bytes(line + b"\n")
    return spec("says", answer)


def answered(executor: str) -> Divergence:
    with Runner([executor], Options(timeout_s=PATIENT_S)) as runner:
        divergence = only_divergence(runner, SIMPLE)
        (target,) = runner.targets
        assert getattr(target, "restarts", None) == 0  # a broken answer is still an answer
    build_report(divergence).text()  # reporting never raises either
    build_report(divergence).markdown()
    return divergence


@pytest.mark.parametrize(
    ("line", "problem"), [(line, problem) for _, line, problem in HOSTILE_ANSWERS],
    ids=[name for name, _, _ in HOSTILE_ANSWERS],
)  # fmt: skip
def test_an_answer_of_the_wrong_shape_is_a_protocol_divergence_quoting_it(
    tmp_path: Path, line: bytes, problem: str
) -> None:
    divergence = answered(says(tmp_path, line))
    assert divergence.kind is DivergenceKind.PROTOCOL
    assert divergence.detail == f"not a result ({problem}): {quoted(line)}"
    assert divergence.actual is None


@pytest.mark.parametrize(
    ("line", "complaint"), [(line, complaint) for _, line, complaint in UNREADABLE_ANSWERS],
    ids=[name for name, _, _ in UNREADABLE_ANSWERS],
)  # fmt: skip
def test_an_answer_the_strict_reader_refuses_is_a_protocol_divergence_quoting_it(
    tmp_path: Path, line: bytes, complaint: str
) -> None:
    divergence = answered(says(tmp_path, line))
    assert divergence.kind is DivergenceKind.PROTOCOL
    assert divergence.detail == f"{complaint}: {quoted(line)}"


LOGS, LOGS_RESULT = vector_case("v2_logs_across_call_frames")


def _v2_with(change: Any) -> bytes:
    document = json.loads(LOGS_RESULT)
    change(document)
    return json.dumps(document).encode()


def answered_v2(executor: str) -> list[Divergence]:
    with Runner([executor], Options(timeout_s=PATIENT_S)) as runner:
        return runner.check(LOGS).divergences


def test_a_version_2_result_with_logs_and_contract_nonces_is_accepted(tmp_path: Path) -> None:
    """The reference answers a version 2 case with a version 2 result; an external
    executor that answers the same, in any key order and spacing, agrees."""
    line = json.dumps(json.loads(LOGS_RESULT), indent=1).replace("\n", " ").encode()
    assert answered_v2(says(tmp_path, line)) == []


V2_HOSTILE = [
    ("logs-string", _v2_with(_set(("receipts", 0, "logs"), "none")),
     "receipts[0].logs: must be a list"),
    ("log-triple", _v2_with(_set(("receipts", 0, "logs", 0), ["outer", 1, 2])),
     "receipts[0].logs[0]: must be a list of an address and an integer"),
    ("log-float", _v2_with(_set(("receipts", 0, "logs", 0), ["outer", 1.0])),
     "receipts[0].logs[0][1]: must be an integer"),
    ("log-address-number", _v2_with(_set(("receipts", 0, "logs", 0), [7, 1])),
     "receipts[0].logs[0][0]: must be a string"),
    ("contract-without-nonce", _v2_with(lambda d: d["state"]["contracts"]["leaf"].pop("nonce")),
     'state.contracts["leaf"].nonce: missing field'),
    ("contract-nonce-negative", _v2_with(_set(("state", "contracts", "leaf", "nonce"), -1)),
     'state.contracts["leaf"].nonce: must be >= 0'),
    ("as-version-1", _v2_with(_set(("format",), "txparity.result/1")),
     'state.contracts["inner"].nonce: unknown field'),
]  # fmt: skip


@pytest.mark.parametrize(
    ("line", "problem"), [(line, problem) for _, line, problem in V2_HOSTILE],
    ids=[name for name, _, _ in V2_HOSTILE],
)  # fmt: skip
def test_a_version_2_answer_of_the_wrong_shape_is_a_protocol_divergence(
    tmp_path: Path, line: bytes, problem: str
) -> None:
    [divergence] = answered_v2(says(tmp_path, line))
    assert divergence.kind is DivergenceKind.PROTOCOL
    assert divergence.detail == f"not a result ({problem}): {quoted(line)}"


def test_a_result_of_the_right_shape_with_strange_values_is_compared(tmp_path: Path) -> None:
    """Unknown statuses and non-canonical zeros are values: differences with a path."""
    strange = _with(_set(("receipts", 0, "status"), "Applied"))
    status = answered(says(tmp_path, strange, "strange"))
    assert (status.kind, status.detail) == (
        DivergenceKind.RECEIPTS,
        "tx 0: expected applied gas 0, actual Applied gas 0",
    )
    with_zero = _with(_set(("state", "burned", "TOS"), 0))
    zero = answered(says(tmp_path, with_zero, "zero"))
    assert (zero.kind, zero.paths) == (DivergenceKind.STATE, ('state.burned["TOS"]',))


def test_an_error_answer_is_cut_to_a_readable_length(tmp_path: Path) -> None:
    words = "x" * 100_000
    divergence = answered(says(tmp_path, json.dumps({"error": words}).encode()))
    assert divergence.kind is DivergenceKind.ERROR
    assert divergence.detail == "x" * 1000 + "..."


# ---------------------------------------------------------------- commands that cannot start


def test_a_script_path_with_a_typo_is_an_input_error_with_the_interpreters_words() -> None:
    executor = "cmd:" + shlex.join([sys.executable, "/no/such/script.py"])
    (failure, _) = drive(executor, [(SIMPLE, None)] * 3, PATIENT_S)
    command = executor.removeprefix("cmd:")
    assert failure["input_error"] == (
        f"external executor {command!r} cannot start: it exited (status 2)"
        f" before reading any input, twice in a row: {sys.executable}: can't open file"
        " '/no/such/script.py': [Errno 2] No such file or directory"
    )


def test_a_command_that_exits_at_once_without_a_word_is_an_input_error() -> None:
    (failure, _) = drive("cmd:true", [(SIMPLE, None)], PATIENT_S)
    assert failure["input_error"] == (
        "external executor 'true' cannot start: it exited (status 0) before"
        " reading any input, twice in a row: (nothing on standard error)"
    )


def test_an_executor_gone_before_a_large_case_is_written_is_an_input_error() -> None:
    """The write meets a closed pipe (EPIPE) halfway: no traceback, the same verdict."""
    (failure, _) = drive(spec("exits_at_once"), [(big_case(), None)], PATIENT_S)
    assert failure["input_error"].endswith(
        "cannot start: it exited (status 2) before reading any input, twice in a row:"
        " exits_at_once.py: cannot start here"
    )


def test_a_start_that_fails_once_costs_a_restart_not_a_divergence(tmp_path: Path) -> None:
    marker = tmp_path / "failed-once"
    (answer, _) = drive(spec("exits_at_once_first", marker), [(SIMPLE, None)], PATIENT_S)
    assert (answer["kind"], answer["result"], answer["restarts"]) == ("result", SIMPLE_RESULT, 1)
    assert marker.exists()


def test_the_cli_exits_2_with_the_line_of_a_command_that_cannot_start(tmp_path: Path) -> None:
    executor = "cmd:" + shlex.join([sys.executable, str(SCRIPTS / "exits_at_once.py")])
    done = subprocess.run(
        [sys.executable, "-m", "txparity", "check", str(VECTORS_DIR / "simple_transfer.json"),
         "--executor", executor],
        capture_output=True, text=True, timeout=GUARD_S, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (2, "")
    command = executor.removeprefix("cmd:")
    assert done.stderr == (
        f"txparity: error: external executor {command!r} cannot start: it exited (status 2)"
        " before reading any input, twice in a row: exits_at_once.py: cannot start here\n"
    )


# ---------------------------------------------------------------- limits


@pytest.mark.parametrize("timeout_s", [86_400.0, 1e10, float("inf")])
def test_any_timeout_up_to_a_day_and_beyond_works(timeout_s: float) -> None:
    (answer, _) = drive(spec("correct"), [(SIMPLE, None)], timeout_s)
    assert (answer["kind"], answer["result"]) == ("result", SIMPLE_RESULT)


def test_an_in_tree_watchdog_of_a_day_works() -> None:
    target = make_target("blockstm@memory/threads", watchdog_s=86_400.0)
    assert target.answer(COUNTER).result == COUNTER_RESULT


@pytest.mark.parametrize("timeout_s", [0.0, -1.0, float("nan")])
def test_a_timeout_that_is_not_a_positive_number_is_an_input_error(timeout_s: float) -> None:
    with pytest.raises(InputError, match="the timeout must be a positive number of seconds"):
        make_target(spec("correct"), timeout_s)
