"""``txparity check``, ``shrink``, ``replay`` and ``fuzz`` as a user runs them.

Exit status 0 when everything agrees, 1 for a divergence, 2 for bad input with exactly
one line on standard error; reports on standard output; counterexamples as canonical
JSON files in the corpus.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from tests import builders
from tests.builders import Json
from tests.conftest import VECTORS_DIR
from txparity.executors.codec import canonical_json, case_from_json
from txparity.harness.corpus import ENTRY_FORMAT, entry_of, load_entry, save_entry
from txparity.harness.differential import Equivalence, Runner
from txparity.harness.reproduce import Recheck

SIMPLE = VECTORS_DIR / "simple_transfer.json"
SCRIPTS = Path(__file__).parent / "external_scripts"
BLIND = "batched-contract-blind"
BLIND_SPEC = f"{BLIND}@memory/threads"
SEEDED_SPEC = f"{BLIND}@memory/seeded"
STORAGE_ITEM = 'state.contracts["counter"].storage["0"]'
# Who read and wrote the counter in the reference run, and where the batches raced.
RACE_ACCESSES = (
    "tx 0: read, wrote; tx 1: read, wrote; tx 2: read, wrote; tx 3: read, wrote; "
    "conflict inside batch 1: tx 0, tx 1; conflict inside batch 2: tx 2, tx 3"
)
COUNTER_CODE = [["PUSH", 0], ["SLOAD"], ["PUSH", 1], ["ADD"], ["PUSH", 0], ["SSTORE"]]


def txparity(*args: object, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "txparity", *(str(a) for a in args)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,  # a bound, never reached
    )


def external(script: str) -> str:
    return "cmd:" + shlex.join([sys.executable, str(SCRIPTS / f"{script}.py")])


def invoke(source: str, nonce: int) -> Json:
    """An invoke of the counter (gas 20 of 30), paying a fee of 1."""
    return builders.invoke(source, nonce, "counter", max_gas=30, fee=1)


# Two senders each invoke one counter twice: four transactions, so devnet runs them in
# parallel, and the contract-blind planted bug batches both senders' invokes together.
CONTRACT_RACE = {
    "format": "txparity.case/1",
    "genesis": {
        "accounts": {
            "a": {"nonce": 0, "balances": {"TOS": 100}},
            "b": {"nonce": 0, "balances": {"TOS": 100}},
        },
        "contracts": {
            "counter": {"code": {"0": COUNTER_CODE}, "balances": {}, "storage": {"0": 41}}
        },
    },
    "block": {
        "miner": "m",
        "reward": 50,
        "txs": [invoke("a", 0), invoke("b", 0), invoke("a", 1), invoke("b", 1)],
    },
    "config": {"network": "devnet", "threads": 4, "schedule_seed": 0},
}


@pytest.fixture
def race_case(tmp_path: Path) -> Path:
    path = tmp_path / "contract_race.json"
    path.write_text(json.dumps(CONTRACT_RACE), encoding="utf-8")
    return path


def a_diverging_entry(corpus: Path) -> Path:
    """Save the contract race, as found (not shrunk), in ``corpus``."""
    with Runner([BLIND]) as runner:
        (divergence,) = runner.check(case_from_json(CONTRACT_RACE)).divergences
    return save_entry(entry_of(divergence, False, Equivalence.STRICT), corpus)


def an_agreeing_entry(corpus: Path) -> Path:
    """The same counterexample, recorded against the correct batched executor."""
    with Runner([BLIND]) as runner:
        (divergence,) = runner.check(case_from_json(CONTRACT_RACE)).divergences
    entry = entry_of(divergence, False, Equivalence.STRICT)
    return save_entry(replace(entry, executors=("batched@memory/threads",)), corpus)


# ---------------------------------------------------------------- check


def test_check_agrees_on_a_vector_with_every_default_executor() -> None:
    done = txparity("check", SIMPLE)
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        "agree: 8 executor(s), 24 run(s)\n",
        "",
    )


def test_check_reports_the_planted_bug_and_exits_1(race_case: Path, tmp_path: Path) -> None:
    markdown = tmp_path / "report.md"
    done = txparity("check", race_case, "--executor", BLIND, "--markdown", markdown)
    assert done.returncode == 1, done.stderr
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert lines[0].startswith("DIVERGENCE ")
    assert lines[0].endswith(f" (state) in {BLIND_SPEC}")
    assert lines[1] == f"  1 state item(s) differ, first {STORAGE_ITEM}: expected 45, actual 43"
    assert "agree:" not in done.stdout
    report = markdown.read_text(encoding="utf-8")
    fingerprint = lines[0].split()[1]
    assert report.startswith(f"### Divergence `{fingerprint}` (state) in `{BLIND_SPEC}`\n")
    assert f"| `{STORAGE_ITEM}` | 45 | 43 | {RACE_ACCESSES} |" in report.splitlines()
    assert f"  {STORAGE_ITEM}: expected 45, actual 43" in lines


def test_check_writes_a_markdown_report_even_when_all_agree(tmp_path: Path) -> None:
    markdown = tmp_path / "report.md"
    done = txparity("check", SIMPLE, "--executor", BLIND, "--markdown", markdown)
    assert (done.returncode, done.stdout) == (0, "agree: 2 executor(s), 6 run(s)\n")
    assert markdown.read_text(encoding="utf-8") == "No divergence.\n"


def test_check_runs_an_external_executor() -> None:
    done = txparity("check", SIMPLE, "--executor", external("correct"))
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        "agree: 1 executor(s), 1 run(s)\n",
        "",
    )


def test_check_reports_an_external_crash_with_the_same_fingerprint_every_time() -> None:
    executor = external("crash")
    runs = [txparity("check", SIMPLE, "--executor", executor) for _ in range(2)]
    heads = [done.stdout.splitlines()[0] for done in runs]
    assert [done.returncode for done in runs] == [1, 1]
    assert heads[0] == heads[1]
    assert heads[0].startswith("DIVERGENCE ") and heads[0].endswith(f" (crash) in {executor}")
    assert runs[0].stdout.splitlines()[1] == (
        "  the executor exited (status 3); stderr: crash.py: giving up on purpose"
    )


def test_check_reports_a_hung_external_executor_within_its_timeout() -> None:
    done = txparity("check", SIMPLE, "--executor", external("hang"), "--timeout", "1")
    assert done.returncode == 1
    assert done.stdout.splitlines()[1] == "  no answer within 1 s"


def test_check_with_an_external_command_that_does_not_exist_is_bad_input() -> None:
    done = txparity("check", SIMPLE, "--executor", "cmd:/no/such/cmd")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "txparity: error: cannot start external executor '/no/such/cmd': "
        "No such file or directory\n"
    )


def test_check_of_a_corpus_file_runs_the_executors_it_records(tmp_path: Path) -> None:
    """A corpus file carries its executors, schedule and seed: check uses them, not
    the default executors (which agree on this case)."""
    path = a_diverging_entry(tmp_path / "corpus")
    done = txparity("check", path)
    assert (done.returncode, done.stderr) == (1, "")
    assert done.stdout.splitlines()[0].endswith(f" (state) in {BLIND_SPEC}")
    assert "agree:" not in done.stdout


def test_check_of_a_corpus_file_says_when_executors_override_the_recorded_ones(
    tmp_path: Path,
) -> None:
    path = a_diverging_entry(tmp_path / "corpus")
    done = txparity("check", path, "--executor", "batched@memory/threads")
    assert (done.returncode, done.stdout) == (0, "agree: 1 executor(s), 3 run(s)\n")
    assert done.stderr == (
        f"txparity: note: {path} records the executor(s) {BLIND_SPEC!r}; "
        "running the --executor ones instead\n"
    )


def test_shrink_of_a_corpus_file_shrinks_on_the_executors_it_records(tmp_path: Path) -> None:
    path = a_diverging_entry(tmp_path / "corpus")
    out = tmp_path / "shrunk"
    done = txparity("shrink", path, "--corpus", out, "--seconds", "60")
    assert done.returncode == 1, done.stderr
    saved = load_entry(Path(done.stdout.splitlines()[-1]))
    # Found on real threads, where it was recorded; saved as its seeded replay.
    assert saved.executors == (f"{BLIND}@memory/seeded",)
    assert saved.recheck == Recheck(BLIND_SPEC, 1, True)
    assert saved.shrunk is True


# ---------------------------------------------------------------- shrink


def test_shrink_saves_one_shrunk_canonical_counterexample(race_case: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    # To the fixed point (the budget is never reached), so the size below is exact.
    done = txparity(
        "shrink", race_case, "--executor", BLIND, "--corpus", corpus, "--seconds", "3600"
    )
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    fingerprint = lines[0].split()[1]
    saved = Path(lines[-1])
    assert saved.is_file()
    assert saved.parent == corpus / fingerprint
    assert [p.name for p in corpus.iterdir()] == [fingerprint]
    assert [p.name for p in saved.parent.iterdir()] == [saved.name]  # the unshrunk one is gone
    assert f"replay: txparity replay {saved}" in lines
    text = saved.read_text(encoding="utf-8")
    document = json.loads(text)
    assert text == canonical_json(document) + "\n"
    assert document["format"] == ENTRY_FORMAT == "txparity.counterexample/1"
    assert document["shrunk"] is True
    assert document["fingerprint"] == fingerprint
    assert document["kind"] == "state"
    # The bare name ran on threads, which found it first, and on seeded, which is
    # where it was saved: a replay on seeded showed it.
    assert document["executors"] == [SEEDED_SPEC]
    assert document["recheck"] == {"found_on": BLIND_SPEC, "replays": 1, "reproduced": True}
    assert len(document["case"]["block"]["txs"]) == 4  # devnet's parallel threshold
    assert load_entry(saved).fingerprint == fingerprint

    # The saved counterexample still diverges when replayed.
    replayed = txparity("replay", corpus)
    assert replayed.returncode == 1, replayed.stderr
    assert replayed.stdout.splitlines()[0].startswith(f"DIVERGES {saved}: {SEEDED_SPEC}: ")
    assert replayed.stdout.splitlines()[-1] == (
        "replayed 1: 1 still diverge, 0 agree, 0 need an executor, 0 unreadable"
    )


def test_shrink_that_cannot_save_is_one_error_line(race_case: Path, tmp_path: Path) -> None:
    with Runner([BLIND_SPEC]) as runner:
        (divergence,) = runner.check(case_from_json(CONTRACT_RACE)).divergences
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / divergence.fingerprint).write_text("in the way")
    done = txparity("shrink", race_case, "--executor", BLIND_SPEC, "--corpus", corpus)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"txparity: error: cannot save the counterexample of {divergence.fingerprint} in "
        f"{corpus}: File exists\n"
    )


def test_shrink_when_the_executors_agree_saves_nothing(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    done = txparity("shrink", SIMPLE, "--executor", BLIND, "--corpus", corpus, "--seconds", "5")
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        f"no divergence: every executor ({BLIND_SPEC}, {SEEDED_SPEC}) agrees with the "
        "reference on this case; nothing to shrink\n",
        "",
    )
    assert not corpus.exists()


# ---------------------------------------------------------------- replay


def test_replay_fails_while_a_counterexample_still_diverges(tmp_path: Path) -> None:
    path = a_diverging_entry(tmp_path / "corpus")
    done = txparity("replay", tmp_path / "corpus")
    assert (done.returncode, done.stderr) == (1, "")
    assert done.stdout.splitlines() == [
        f"DIVERGES {path}: {BLIND_SPEC}: 1 state item(s) differ, first {STORAGE_ITEM}: "
        "expected 45, actual 43",
        "replayed 1: 1 still diverge, 0 agree, 0 need an executor, 0 unreadable",
    ]


def test_replay_passes_once_the_recorded_executor_agrees(tmp_path: Path) -> None:
    path = an_agreeing_entry(tmp_path / "corpus")
    done = txparity("replay", tmp_path / "corpus")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == [
        f"agrees   {path}",
        "replayed 1: 0 still diverge, 1 agree, 0 need an executor, 0 unreadable",
    ]


def test_replay_accepts_a_file_as_well_as_a_directory(tmp_path: Path) -> None:
    path = an_agreeing_entry(tmp_path / "corpus")
    done = txparity("replay", path)
    assert (done.returncode, done.stdout.splitlines()[0]) == (0, f"agrees   {path}")


@pytest.mark.parametrize(("diverging", "status"), [(False, 3), (True, 1)])
def test_replay_skips_unreadable_files_and_goes_on(
    tmp_path: Path, diverging: bool, status: int
) -> None:
    corpus = tmp_path / "corpus"
    good = (a_diverging_entry if diverging else an_agreeing_entry)(corpus)
    broken = corpus / "0-broken.json"
    broken.write_text("{not json", encoding="utf-8")
    stranger = corpus / "1-stranger.json"
    stranger.write_text('{"format": "something/1"}', encoding="utf-8")
    done = txparity("replay", corpus)
    assert done.returncode == status
    skips = done.stderr.splitlines()
    assert len(skips) == 2, done.stderr
    assert skips[0].startswith(f"SKIP {broken}: ") and "JSON" in skips[0]
    assert skips[1].startswith(f"SKIP {stranger}: ") and "format" in skips[1]
    verdict = "DIVERGES" if diverging else "agrees  "
    assert done.stdout.splitlines()[0].startswith(f"{verdict} {good}")
    assert done.stdout.splitlines()[-1] == (
        f"replayed 1: {int(diverging)} still diverge, {int(not diverging)} agree, "
        "0 need an executor, 2 unreadable"
    )


def test_replay_ignores_the_temporary_files_of_an_interrupted_save(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    path = an_agreeing_entry(corpus)
    (path.parent / ".tmp-interrupted.json").write_text('{"format": "txp', encoding="utf-8")
    done = txparity("replay", corpus)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == [
        f"agrees   {path}",
        "replayed 1: 0 still diverge, 1 agree, 0 need an executor, 0 unreadable",
    ]


@pytest.mark.parametrize("executors", [["nope"], []], ids=["unknown-executor", "no-executor"])
def test_replay_skips_an_entry_it_cannot_replay_and_goes_on(
    tmp_path: Path, executors: list[str]
) -> None:
    """An entry whose executors cannot be run is unreadable like any corrupt file: it is
    named on a SKIP line, never passed as agreeing, and never stops the other entries."""
    corpus = tmp_path / "corpus"
    good = an_agreeing_entry(corpus)
    document = json.loads(good.read_text(encoding="utf-8"))
    document["executors"] = executors
    unusable = corpus / "0-unusable.json"
    unusable.write_text(json.dumps(document), encoding="utf-8")
    done = txparity("replay", corpus)
    skips = done.stderr.splitlines()
    assert len(skips) == 1, done.stderr
    assert skips[0].startswith(f"SKIP {unusable}: ")
    assert done.stdout.splitlines() == [
        f"agrees   {good}",
        "replayed 1: 0 still diverge, 1 agree, 0 need an executor, 1 unreadable",
    ]
    assert done.returncode == 3  # not everything was replayed: nothing passes unseen


def test_replay_of_a_missing_path_is_bad_input() -> None:
    done = txparity("replay", "/no/such/path")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "txparity: error: no such file or directory: /no/such/path\n"


# ---------------------------------------------------------------- bad input, every command


SIMPLE_ARG = str(SIMPLE)
CORPUS = ["--corpus", "{tmp}/corpus"]  # never written: every command below fails first
FUZZ = ["fuzz", "--cases", "1", "--workers", "1", *CORPUS]
MISSING = "cannot read missing.json: No such file or directory"
SEEDS_0 = "argument --seeds: must be at least 1: 0"
BAD_INPUT = [
    # a case file that is not there
    pytest.param(["run", "missing.json"], "", MISSING, id="run-missing-case"),
    pytest.param(["check", "missing.json"], "", MISSING, id="check-missing-case"),
    pytest.param(["shrink", "missing.json", *CORPUS], "", MISSING, id="shrink-missing-case"),
    pytest.param(
        ["replay", "missing.json"], "", "no such file or directory: missing.json",
        id="replay-missing-path",
    ),
    # a case that is not JSON, or not a case
    pytest.param(["run", "-"], "{not json", "case: not valid JSON", id="run-invalid-json"),
    pytest.param(["check", "-"], "{not json", "case: not valid JSON", id="check-invalid-json"),
    pytest.param(
        ["shrink", "-", *CORPUS], "{not json", "case: not valid JSON", id="shrink-invalid-json"
    ),
    pytest.param(
        ["check", "-"], '{"format": "txparity.case/1"}', "genesis: missing field",
        id="check-invalid-case",
    ),
    # an executor that does not exist or cannot start
    pytest.param(
        ["run", SIMPLE_ARG, "--executor", "nope"], "", "unknown executor 'nope'",
        id="run-unknown-executor",
    ),
    pytest.param(
        ["check", SIMPLE_ARG, "--executor", "nope"], "", "unknown executor 'nope'",
        id="check-unknown-executor",
    ),
    pytest.param(
        ["shrink", SIMPLE_ARG, "--executor", "nope", *CORPUS], "", "unknown executor 'nope'",
        id="shrink-unknown-executor",
    ),
    pytest.param(
        [*FUZZ, "--executor", "nope"], "", "unknown executor 'nope'", id="fuzz-unknown-executor"
    ),
    pytest.param(
        ["check", SIMPLE_ARG, "--executor", "batched@tape"], "", "unknown backend 'tape'",
        id="check-unknown-backend",
    ),
    pytest.param(
        [*FUZZ, "--executor", "cmd:/no/such/cmd"], "",
        "cannot start external executor '/no/such/cmd': No such file or directory",
        id="fuzz-missing-command",
    ),
    # a fuzz profile that does not exist
    pytest.param([*FUZZ, "--profile", "nope"], "", "unknown profile 'nope'", id="fuzz-profile"),
    # a seed count below 1, or not a number
    pytest.param(["check", SIMPLE_ARG, "--seeds", "0"], "", SEEDS_0, id="check-seeds-0"),
    pytest.param(
        ["shrink", SIMPLE_ARG, "--seeds", "0", *CORPUS], "", SEEDS_0, id="shrink-seeds-0"
    ),
    pytest.param([*FUZZ, "--seeds", "0"], "", SEEDS_0, id="fuzz-seeds-0"),
    pytest.param(["replay", SIMPLE_ARG, "--seeds", "0"], "", SEEDS_0, id="replay-seeds-0"),
    pytest.param(
        ["check", SIMPLE_ARG, "--seeds", "many"], "", "not a whole number: 'many'",
        id="check-seeds-many",
    ),
    # other usage errors
    pytest.param(
        ["fuzz", "--cases", "0", *CORPUS], "", "argument --cases: must be at least 1: 0",
        id="fuzz-cases-0",
    ),
    pytest.param(
        ["check"], "", "the following arguments are required: case", id="check-no-case"
    ),
    pytest.param(
        ["replay"], "", "the following arguments are required: PATH", id="replay-no-path"
    ),
    pytest.param(
        ["check", SIMPLE_ARG, "--equivalence", "loose"], "", "invalid choice: 'loose'",
        id="check-unknown-equivalence",
    ),
    # durations that are not a positive, finite number of seconds
    pytest.param([*FUZZ, "--seconds", "-1"], "", "argument --seconds: must be a finite number "
                 "of seconds >= 0: -1", id="fuzz-negative-seconds"),
    pytest.param([*FUZZ, "--seconds", "nan"], "", "argument --seconds: must be a finite number "
                 "of seconds >= 0: nan", id="fuzz-nan-seconds"),
    pytest.param([*FUZZ, "--seconds", "soon"], "", "argument --seconds: not a number of "
                 "seconds: 'soon'", id="fuzz-seconds-not-a-number"),
    pytest.param([*FUZZ, "--timeout", "0"], "", "argument --timeout: must be more than 0 "
                 "seconds", id="fuzz-timeout-0"),
    pytest.param([*FUZZ, "--shrink-seconds", "inf"], "", "argument --shrink-seconds: must be "
                 "a finite number of seconds >= 0: inf", id="fuzz-infinite-shrink"),
    pytest.param(["shrink", SIMPLE_ARG, "--seconds", "0", *CORPUS], "", "argument --seconds: "
                 "must be more than 0 seconds", id="shrink-seconds-0"),
    pytest.param(["run", SIMPLE_ARG, "--watchdog", "0"], "", "argument --watchdog: must be "
                 "more than 0 seconds", id="run-watchdog-0"),
    pytest.param(["check", SIMPLE_ARG, "--watchdog", "-5"], "", "argument --watchdog: must be "
                 "a finite number of seconds >= 0: -5", id="check-negative-watchdog"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "stdin", "message"), BAD_INPUT)
def test_bad_input_is_one_line_on_standard_error_and_exit_2(
    args: list[str], stdin: str, message: str, tmp_path: Path
) -> None:
    done = txparity(*(arg.format(tmp=tmp_path) for arg in args), stdin=stdin)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("txparity: error: ")
    assert message in lines[0]
    assert not (tmp_path / "corpus").exists()


@pytest.mark.parametrize("command", ["fuzz", "shrink"])
def test_a_corpus_that_cannot_be_written_is_bad_input_before_any_work(
    command: str, tmp_path: Path
) -> None:
    """A file stands where the corpus directory would go: refused at once, by name."""
    (tmp_path / "blocker").write_text("")
    corpus = tmp_path / "blocker" / "corpus"
    args = FUZZ[:-2] if command == "fuzz" else ["shrink", SIMPLE_ARG, "--executor", "batched"]
    done = txparity(*args, "--corpus", corpus)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stdout == ""
    assert done.stderr == (
        f"txparity: error: cannot write to corpus directory {corpus}: "
        f"{tmp_path / 'blocker'} is not a directory\n"
    )
