"""Any executor as the reference, its own failures, and comparing with no reference.

- ``--reference SPEC``: an external reference agrees with an external executor, or
  finds it diverging; an in-tree reference other than the sequential one is checked
  against itself on the other backend.
- The reference's failures (an error line, a hang, a crash, a protocol error, on
  the first run or on the self-check) and its nondeterminism are ``reference``
  divergences of the reference itself: the executors under test are not run, not
  blamed, and what is saved records the reference as the one executor.
- ``--reference none``: three executors where one differs, grouped as "2 agree, 1
  differs", with the fingerprint the documentation defines, the same whatever the
  order the executors are given in, kept by shrinking.
- An entry found against an external reference records it, and is replayed against
  it only when the user names it.

Every external executor here is a real subprocess (``tests/external_scripts``). A
short per-case limit is only ever given to a reference that never answers.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import VECTORS_DIR, load_vector
from tests.test_corpus import CASE, CORRECT, MUTANT
from txparity.executors.codec import canonical_json, case_from_json, encode_case
from txparity.executors.parallel import case_id
from txparity.executors.shapes import fingerprint
from txparity.harness.candidates import size
from txparity.harness.cli import build_parser
from txparity.harness.corpus import (
    corpus_files,
    entry_from_document,
    entry_of,
    load_entry,
    save_entry,
)
from txparity.harness.differential import Divergence, DivergenceKind, Equivalence, Runner, Tally
from txparity.harness.entry import EntryRefused
from txparity.harness.errors import InputError
from txparity.harness.group_report import finding_text
from txparity.harness.groups import SPLIT
from txparity.harness.options import (
    NO_REFERENCE,
    Command,
    OptionError,
    Options,
    options_from,
    parse_reference,
)
from txparity.harness.replay import NeedsExecutor, replay_entry
from txparity.harness.shrink import shrink

SCRIPTS = Path(__file__).parent / "external_scripts"
PATIENT_S = 120.0  # no working script comes near it, even on a loaded machine
HANG_S = 1.0  # only for a reference that never answers
SIMPLE_PATH = VECTORS_DIR / "simple_transfer.json"
SIMPLE_JSON, SIMPLE_RESULT = load_vector(SIMPLE_PATH)
SIMPLE = case_from_json(SIMPLE_JSON)
MINER_TOS = 'state.accounts["m"].balances["TOS"]'
STARRED_BALANCE = "state.accounts[*].balances[*]"


def spec(script: str, *args: object) -> str:
    argv = [sys.executable, str(SCRIPTS / f"{script}.py"), *(str(a) for a in args)]
    return "cmd:" + shlex.join(argv)


CORRECT_CMD = spec("correct")
WRONG_CMD = spec("wrong")  # pays the miner one TOS too many


def patient(**changes: object) -> Options:
    return Options(timeout_s=PATIENT_S, **changes)  # type: ignore[arg-type]


def txparity(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "txparity", *map(str, args)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def miner_tos(result: str) -> int:
    value: int = json.loads(result)["state"]["accounts"]["m"]["balances"]["TOS"]
    return value


# ---------------------------------------------------------------- an external reference


def test_an_external_reference_agrees_with_an_external_executor() -> None:
    cases = [case_from_json(load_vector(path)[0]) for path in sorted(VECTORS_DIR.glob("*.json"))]
    with Runner([spec("noncanonical")], patient(), reference=CORRECT_CMD) as runner:
        assert runner.reference_spec == CORRECT_CMD
        for case in cases:
            outcome = runner.check(case)
            assert outcome.divergences == [], case_id(case)
            assert outcome.tallies == {spec("noncanonical"): Tally(cases=1, runs=1)}


def test_an_external_reference_finds_an_external_executor_diverging() -> None:
    with Runner([WRONG_CMD], patient(), reference=CORRECT_CMD) as runner:
        [divergence] = runner.check(SIMPLE).divergences
    assert (divergence.kind, divergence.executor, divergence.reference) == (
        DivergenceKind.STATE, WRONG_CMD, CORRECT_CMD,
    )  # fmt: skip
    assert divergence.paths == (MINER_TOS,)
    assert divergence.fingerprint == fingerprint("state", WRONG_CMD, STARRED_BALANCE)
    assert (divergence.expected, miner_tos(divergence.actual or "")) == (
        SIMPLE_RESULT, miner_tos(SIMPLE_RESULT) + 1,
    )  # fmt: skip
    entry = entry_of(divergence, False, Equivalence.STRICT)
    assert (entry.executors, entry.reference) == ((WRONG_CMD,), CORRECT_CMD)


def test_an_in_tree_reference_is_checked_on_its_other_backend_and_kept() -> None:
    reference = "batched@sqlite/seeded"
    with Runner([MUTANT], Options(seeds=1), reference=reference) as runner:
        [divergence] = runner.check(CASE).divergences
        twins = runner._twins()
    assert [twin.spec for twin in twins] == ["batched@memory/seeded"]
    assert (divergence.kind, divergence.reference) == (DivergenceKind.STATE, reference)
    assert entry_of(divergence, False, Equivalence.STRICT).reference == reference


# ---------------------------------------------------------------- the reference's failures


def reference_failure(script: str, timeout_s: float = PATIENT_S, *args: object) -> Divergence:
    reference = spec(script, *args)
    with Runner([CORRECT_CMD], Options(timeout_s=timeout_s), reference=reference) as runner:
        outcome = runner.check(SIMPLE)
    assert outcome.tallies == {}, "no executor under test runs without a reference result"
    [divergence] = outcome.divergences
    assert (divergence.kind, divergence.executor, divergence.family) == (
        DivergenceKind.REFERENCE, reference, reference,
    )  # fmt: skip
    assert (divergence.expected, divergence.actual, divergence.reference) == (None, None, reference)
    assert divergence.of_reference
    return divergence


def test_a_hanging_external_reference_is_the_references_failure() -> None:
    divergence = reference_failure("hang", HANG_S)
    reference = spec("hang")
    assert divergence.detail == (
        f"the reference executor {reference} failed on case {case_id(SIMPLE)} (hang): "
        "no answer within 1 s"
    )
    assert divergence.fingerprint == fingerprint("reference", reference, "hang")


def test_a_crashing_external_reference_is_the_references_failure() -> None:
    divergence = reference_failure("crash")
    reference = spec("crash")
    assert divergence.detail == (
        f"the reference executor {reference} failed on case {case_id(SIMPLE)} (crash): "
        "the executor exited (status 3); stderr: crash.py: giving up on purpose"
    )
    assert divergence.fingerprint == fingerprint("reference", reference, "crash")


@pytest.mark.parametrize(
    ("script", "kind"), [("error", "error"), ("garbage", "protocol")], ids=["error", "protocol"]
)
def test_an_error_or_a_garbled_answer_of_the_reference_is_its_failure(
    script: str, kind: str
) -> None:
    divergence = reference_failure(script)
    assert divergence.detail.startswith(
        f"the reference executor {spec(script)} failed on case {case_id(SIMPLE)} ({kind}): "
    )
    assert divergence.fingerprint == fingerprint("reference", spec(script), kind)


def test_a_reference_that_fails_on_its_self_check_is_the_references_failure() -> None:
    """It answers once, the executor under test diverges from that answer, and the
    reference's next run (the self-check) crashes: its failure, not the executor's."""
    reference = spec("answers_once")
    with Runner([WRONG_CMD], patient(), reference=reference) as runner:
        outcome = runner.check(SIMPLE)
    [divergence] = outcome.divergences
    assert (divergence.kind, divergence.executor) == (DivergenceKind.REFERENCE, reference)
    assert divergence.detail.startswith(
        f"the reference executor {reference} failed on case {case_id(SIMPLE)} (crash): "
    )
    assert divergence.fingerprint == fingerprint("reference", reference, "crash")
    assert outcome.tallies == {WRONG_CMD: Tally(cases=1, runs=1, divergences=1)}


def test_a_reference_that_disagrees_with_itself_is_blamed_not_the_executor() -> None:
    """drifts.py pays the miner one TOS more on each answer: 0, then 1, then 2."""
    reference = spec("drifts")
    with Runner([WRONG_CMD], patient(), reference=reference) as runner:
        [divergence] = runner.check(SIMPLE).divergences
    paid = miner_tos(SIMPLE_RESULT)
    assert (divergence.kind, divergence.executor) == (DivergenceKind.REFERENCE, reference)
    assert divergence.detail == (
        f"the reference executor {reference} disagrees with itself on this case: 1 state "
        f"item(s) differ, first {MINER_TOS}: expected {paid}, actual {paid + 1}"
    )
    assert divergence.fingerprint == fingerprint("reference", reference, "")
    assert (miner_tos(divergence.expected or ""), miner_tos(divergence.actual or "")) == (
        paid, paid + 1,
    )  # fmt: skip
    assert finding_text(divergence).splitlines() == [
        f"REFERENCE {divergence.fingerprint} in {reference} (no executor under test is blamed)",
        f"  {divergence.detail}",
        f"  {MINER_TOS}: one run {paid}, another {paid + 1}",
    ]


def test_a_reference_failure_is_saved_as_the_references_and_replayed_on_it(
    tmp_path: Path,
) -> None:
    reference = spec("crash")
    divergence = reference_failure("crash")
    entry = entry_of(divergence, False, Equivalence.STRICT)
    assert (entry.executors, entry.reference, entry.expected) == ((reference,), reference, None)
    path = save_entry(entry, tmp_path / "corpus")
    assert load_entry(path) == entry
    with pytest.raises(NeedsExecutor) as missing:
        replay_entry(entry)  # a file never chooses a command
    assert (missing.value.executors, missing.value.reference) == ((), reference)
    named = Options.for_command(Command.REPLAY, reference=reference, timeout_s=PATIENT_S)
    [again] = replay_entry(entry, named)
    assert (again.kind, again.executor, again.fingerprint) == (
        DivergenceKind.REFERENCE, reference, entry.fingerprint,
    )  # fmt: skip


def test_a_campaign_counts_reference_failures_apart_and_saves_them_as_the_references(
    tmp_path: Path,
) -> None:
    reference = spec("crash")
    corpus = tmp_path / "corpus"
    done = txparity(
        "fuzz", "--reference", reference, "--executor", CORRECT_CMD, "--cases", "2",
        "--seed", "0", "--workers", "1", "--shrink-candidates", "20", "--json",
        "--corpus", corpus, "--timeout", PATIENT_S,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    summary = json.loads(done.stdout.splitlines()[-1])
    assert (summary["cases"], summary["divergences"], summary["reference_failures"]) == (2, 0, 2)
    [find] = summary["finds"]
    assert (find["kind"], find["executor"]) == ("reference", reference)
    assert find["fingerprint"] == fingerprint("reference", reference, "crash")
    [saved] = list(corpus_files([corpus]))
    entry = load_entry(saved)
    assert (entry.kind, entry.executors, entry.reference) == (
        DivergenceKind.REFERENCE, (reference,), reference,
    )  # fmt: skip
    assert len(entry.case.block.txs) == find["txs_saved"] == 0  # it crashes on anything
    assert "the reference failed on 2 case(s), none counted against an executor" in done.stdout
    lines = done.stdout.splitlines()  # a long executor name has a line of its own
    figures = lines[lines.index(CORRECT_CMD) + 1].split()
    assert figures[:3] == ["0", "0", "0"]  # no case, no run, no divergence: never blamed


# ---------------------------------------------------------------- no reference


THREE = ["sequential@memory", CORRECT_CMD, WRONG_CMD]


def test_three_executors_where_one_differs_split_two_against_one() -> None:
    with Runner(THREE, patient(), reference=NO_REFERENCE) as runner:
        outcome = runner.check(SIMPLE)
    [divergence] = outcome.divergences
    split = divergence.split
    assert split is not None
    sequential = "sequential@memory/threads"
    assert split.summary == "2 agree, 1 differs"
    assert [group.executors for group in split.groups] == [(sequential, CORRECT_CMD), (WRONG_CMD,)]
    assert [group.families for group in split.groups] == [
        tuple(sorted(("sequential", CORRECT_CMD))), (WRONG_CMD,),
    ]  # fmt: skip
    assert (divergence.kind, divergence.executor, divergence.reference) == (
        DivergenceKind.STATE, WRONG_CMD, NO_REFERENCE,
    )  # fmt: skip
    assert (divergence.paths, divergence.expected) == ((MINER_TOS,), SIMPLE_RESULT)
    assert divergence.executors == (sequential, CORRECT_CMD, WRONG_CMD)
    # The fingerprint, exactly as documented (harness/groups.py).
    families = canonical_json([sorted(("sequential", CORRECT_CMD)), [WRONG_CMD]])
    assert divergence.fingerprint == fingerprint(
        SPLIT, families, canonical_json([["state", STARRED_BALANCE]])
    )
    paid = miner_tos(SIMPLE_RESULT)
    assert divergence.detail == (
        f"2 agree, 1 differs: {sequential}, {CORRECT_CMD}; against {WRONG_CMD}: 1 state "
        f"item(s) differ, first {MINER_TOS}: expected {paid}, actual {paid + 1}"
    )
    assert outcome.tallies == {
        sequential: Tally(cases=1, runs=1),
        CORRECT_CMD: Tally(cases=1, runs=1),
        WRONG_CMD: Tally(cases=1, runs=1, divergences=1),
    }


def test_the_fingerprint_of_a_split_does_not_depend_on_the_order_or_the_backend() -> None:
    found = set()
    for executors in (THREE, THREE[::-1], ["sequential@sqlite", WRONG_CMD, CORRECT_CMD]):
        with Runner(executors, patient(), reference=NO_REFERENCE) as runner:
            [divergence] = runner.check(SIMPLE).divergences
        found.add(divergence.fingerprint)
    assert len(found) == 1


def test_executors_that_all_refuse_a_case_leave_nothing_to_compare() -> None:
    with Runner([spec("error"), spec("error", "again")], patient(), NO_REFERENCE) as runner:
        assert runner.check(SIMPLE).divergences == []


def test_when_the_largest_group_fails_the_one_that_answers_differs() -> None:
    executors = [spec("error"), spec("error", "again"), CORRECT_CMD]
    with Runner(executors, patient(), reference=NO_REFERENCE) as runner:
        [divergence] = runner.check(SIMPLE).divergences
    assert divergence.split is not None
    assert divergence.split.summary == "2 agree, 1 differs"
    assert (divergence.kind, divergence.expected, divergence.actual) == (
        DivergenceKind.ERROR, None, SIMPLE_RESULT,
    )  # fmt: skip
    assert divergence.detail.endswith(f"against {CORRECT_CMD}: a result, not error: unsupported")


def test_a_split_of_in_tree_executors_shrinks_keeping_the_same_partition() -> None:
    executors = ["sequential@memory", CORRECT, MUTANT]
    with Runner(executors, Options(seeds=1), reference=NO_REFERENCE) as runner:
        [divergence] = runner.check(CASE).divergences
        target = next(t for t in runner.targets if t.spec == divergence.executor)
        result = shrink(divergence, runner, target, None, candidates=500)
    shrunk = result.divergence
    assert divergence.executor == MUTANT
    assert shrunk.fingerprint == divergence.fingerprint
    assert shrunk.split is not None and divergence.split is not None
    assert [g.families for g in shrunk.split.groups] == [
        g.families for g in divergence.split.groups
    ]
    assert result.kept > 0
    assert size(encode_case(shrunk.case)) < size(encode_case(divergence.case))


def test_a_split_entry_records_every_executor_and_no_reference(tmp_path: Path) -> None:
    executors = ["sequential@memory", CORRECT, MUTANT]
    with Runner(executors, Options(seeds=1), reference=NO_REFERENCE) as runner:
        [divergence] = runner.check(CASE).divergences
    entry = entry_of(divergence, False, Equivalence.STRICT)
    assert (entry.executors, entry.reference) == (divergence.executors, NO_REFERENCE)
    path = save_entry(entry, tmp_path / "corpus")
    assert load_entry(path) == entry
    [again] = replay_entry(entry)
    assert again.fingerprint == entry.fingerprint
    done = txparity("replay", path)
    assert done.returncode == 1
    assert done.stdout.splitlines()[0] == f"DIVERGES {path}: {again.detail}"


def test_no_reference_needs_two_executors() -> None:
    with pytest.raises(InputError) as refused:
        Runner([CORRECT], reference=NO_REFERENCE)
    assert str(refused.value) == (
        "--reference none compares the executors with each other: it needs two executors "
        "at least, not 1"
    )


def test_check_with_no_reference_prints_the_groups() -> None:
    done = txparity("check", SIMPLE_PATH, "--reference", "none", "--timeout", PATIENT_S,
                    *(word for executor in THREE for word in ("--executor", executor)))  # fmt: skip
    assert (done.returncode, done.stderr) == (1, "")
    with Runner(THREE, patient(), reference=NO_REFERENCE) as runner:
        [divergence] = runner.check(SIMPLE).divergences
    paid = miner_tos(SIMPLE_RESULT)
    assert done.stdout.splitlines() == [
        f"DIVERGENCE {divergence.fingerprint} (state) among 3 executors, no reference: "
        "2 agree, 1 differs",
        f"  group 1, 2 agree: sequential@memory/threads, {CORRECT_CMD}",
        f"  group 2, 1 differs: {WRONG_CMD}: 1 state item(s) differ, first {MINER_TOS}: "
        f"expected {paid}, actual {paid + 1}",
        "  (in each group's line, expected is group 1's answer, actual the group's)",
        f"  {MINER_TOS}: group 1 has {paid}, group 2 has {paid + 1}  [reward: read, wrote; "
        "tx 0: paid a fee of 2; fees to the miner: read, wrote]",
    ]


def test_check_with_no_reference_and_agreeing_executors_says_so() -> None:
    done = txparity("check", SIMPLE_PATH, "--reference", "none", "--executor", CORRECT_CMD,
                    "--executor", "sequential@sqlite", "--timeout", PATIENT_S)  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == "agree: 2 executor(s) with each other, 2 run(s)\n"


# ---------------------------------------------------------------- the option


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nope", "argument --reference: unknown executor 'nope' (known: "),
        ("cmd:", "argument --reference: empty external command after 'cmd:'"),
        ("sequential@disk", "argument --reference: unknown backend 'disk'"),
    ],
)
def test_a_bad_reference_is_one_error_line(value: str, message: str) -> None:
    done = txparity("check", SIMPLE_PATH, "--reference", value)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith(f"txparity: error: {message}")
    assert len(done.stderr.splitlines()) == 1


@pytest.mark.parametrize("value", ["none", "sequential@sqlite", "batched/pct", CORRECT_CMD])
def test_parse_reference_reads_what_the_option_reads(value: str) -> None:
    assert parse_reference(value) == value
    assert options_from(build_parser().parse_args(["check", "-", "--reference", value]),
                        Command.CHECK).reference == value  # fmt: skip


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nope", "--reference: unknown executor 'nope' (known: "),
        ("cmd:  ", "--reference: empty external command after 'cmd:'"),
        ("cmd:sh -c 'x", """--reference: cannot parse the external command "cmd:sh -c 'x": No"""),
    ],
)
def test_parse_reference_refuses_what_the_option_refuses(value: str, message: str) -> None:
    with pytest.raises(OptionError) as refused:
        parse_reference(value)
    assert str(refused.value).startswith(message)


def test_a_bad_reference_built_in_code_is_refused() -> None:
    with pytest.raises(OptionError, match="--reference: unknown executor 'nope'"):
        Options(reference="nope")


def test_check_with_an_external_reference_says_what_it_agreed_with() -> None:
    done = txparity("check", SIMPLE_PATH, "--reference", CORRECT_CMD, "--executor",
                    spec("noncanonical"), "--timeout", PATIENT_S)  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == f"agree: 1 executor(s), 1 run(s), against {CORRECT_CMD}\n"


# ---------------------------------------------------------------- replaying


def test_an_entry_found_against_an_external_reference_replays_against_it(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "corpus"
    shrunk = txparity("shrink", SIMPLE_PATH, "--reference", CORRECT_CMD, "--executor", WRONG_CMD,
                      "--corpus", corpus, "--timeout", PATIENT_S)  # fmt: skip
    assert shrunk.returncode == 1, shrunk.stderr
    path = Path(shrunk.stdout.splitlines()[-1])
    assert shrunk.stdout.splitlines()[-2] == (
        f"replay: txparity replay {path} --executor {shlex.quote(WRONG_CMD)} "
        f"--reference {shlex.quote(CORRECT_CMD)}"
    )
    entry = load_entry(path)
    assert (entry.executors, entry.reference) == ((WRONG_CMD,), CORRECT_CMD)

    unnamed = txparity("replay", path, "--executor", WRONG_CMD)
    assert unnamed.returncode == 3
    assert unnamed.stdout.splitlines()[0] == (
        f"NEEDS EXECUTOR {path}: needs an executor: records the reference {CORRECT_CMD!r}, an "
        "external command, not run (a file never chooses a command); name its reference "
        f"yourself with --reference {CORRECT_CMD!r}"
    )
    still = txparity("replay", path, "--executor", WRONG_CMD, "--reference", CORRECT_CMD)
    assert still.returncode == 1
    assert still.stdout.splitlines()[0].startswith(f"DIVERGES {path}: {WRONG_CMD}: 1 state item")
    fixed = txparity("replay", path, "--executor", spec("noncanonical"), "--reference", CORRECT_CMD)
    assert (fixed.returncode, fixed.stdout.splitlines()[0]) == (0, f"agrees   {path}")


def test_check_of_an_entry_says_when_the_reference_is_overridden(tmp_path: Path) -> None:
    entry = entry_of(reference_failure_free(), False, Equivalence.STRICT)
    path = save_entry(entry, tmp_path / "corpus")
    done = txparity("check", path, "--reference", "sequential@sqlite")
    assert done.returncode == 1
    assert done.stderr == (
        f"txparity: note: {path} records the reference 'sequential@memory'; checking against "
        "the --reference one instead\n"
    )


def reference_failure_free() -> Divergence:
    with Runner([MUTANT]) as runner:
        [divergence] = runner.check(CASE).divergences
    return divergence


# ---------------------------------------------------------------- reading entries


def document(**changes: object) -> dict[str, object]:
    entry = entry_of(reference_failure_free(), False, Equivalence.STRICT)
    return json.loads(canonical_json(entry.to_json())) | changes


def test_an_entry_with_no_reference_records_two_executors_at_least() -> None:
    with pytest.raises(EntryRefused) as refused:
        entry_from_document(document(reference="none"))
    assert str(refused.value) == "executors: an entry with no reference records two at least"


def test_only_a_reference_entry_or_a_split_may_have_no_expected_result() -> None:
    with pytest.raises(EntryRefused) as refused:
        entry_from_document(document(expected=None))
    assert str(refused.value) == (
        "expected: null only for a reference failure or an entry with no reference"
    )
    entry = entry_from_document(document(expected=None, kind="reference"))
    assert (entry.kind, entry.expected) == (DivergenceKind.REFERENCE, None)


def test_an_entry_of_a_version_2_case_with_version_2_results_is_read_back(
    tmp_path: Path,
) -> None:
    """Receipts with ``logs`` and contracts with ``nonce`` are a result's shape too."""
    case_json, expected = load_vector(VECTORS_DIR / "v2_logs_across_call_frames.json")
    actual = json.loads(expected)
    actual["receipts"][0]["logs"] = actual["receipts"][0]["logs"][:-1]
    entry = replace(
        entry_of(reference_failure_free(), False, Equivalence.STRICT),
        case=case_from_json(case_json), expected=expected, actual=canonical_json(actual),
    )  # fmt: skip
    assert load_entry(save_entry(entry, tmp_path / "corpus")) == entry
    broken = document(expected=json.loads(expected) | {"format": "txparity.result/1"})
    with pytest.raises(EntryRefused) as refused:
        entry_from_document(broken)
    assert str(refused.value) == 'expected: state.contracts["inner"].nonce: unknown field'
