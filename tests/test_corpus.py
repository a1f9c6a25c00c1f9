"""The corpus (``harness.corpus``) and the pytest plugin that replays it.

- ``save_entry`` / ``load_entry``: the exact file (canonical JSON and a newline,
  named by the case hash, in the fingerprint's directory), atomic and idempotent
  writes, and a ``CorpusError`` naming the file for anything that is not a
  counterexample.
- ``corpus_files``, ``save_and_shrink`` and ``replay_entry``.
- ``harness.pytest_plugin``, run by ``pytester`` in a subprocess on a temporary
  project: one item per corpus file, failing while the file still diverges.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from tests.builders import Json, invoke, transfer
from tests.conftest import SHRINK_TO_FIXED_POINT_S
from txparity.executors.codec import canonical_json, decode_case
from txparity.harness.candidates import size
from txparity.harness.corpus import (
    ENTRY_FORMAT,
    CorpusError,
    Entry,
    case_hash,
    corpus_files,
    entry_of,
    load_entry,
    replay_command,
    save_and_shrink,
    save_entry,
    shrink_command,
)
from txparity.harness.differential import Divergence, DivergenceKind, Equivalence, Runner
from txparity.harness.options import Options
from txparity.harness.pytest_plugin import assert_agree
from txparity.harness.replay import replay_entry
from txparity.harness.shrink import ShrinkStop

pytest_plugins = ["pytester"]


MUTANT = "batched-no-sender-debit@memory/seeded"
CORRECT = "batched@memory/seeded"


# a pays b 10 four times; the mutant never debits a.
CASE_JSON: Json = {
    "format": "txparity.case/1",
    "genesis": {"accounts": {"a": {"nonce": 0, "balances": {"TOS": 100}}}, "contracts": {}},
    "block": {"miner": "m", "reward": 0, "txs": [transfer("a", n, "b", 10) for n in range(4)]},
    "config": {"network": "devnet", "threads": 4, "schedule_seed": 7},
}
CASE = decode_case(json.dumps(CASE_JSON))
CASE_TEXT = canonical_json(CASE_JSON)
CASE_HASH = hashlib.sha256(CASE_TEXT.encode("utf-8")).hexdigest()[:16]
FINGERPRINT = "1addc2ca9191cb52"
RESULT_HEAD = '{"format":"txparity.result/1","receipts":[' + ",".join(
    ['{"gas_used":0,"reason":null,"status":"applied"}'] * 4
)
EXPECTED = (
    RESULT_HEAD + '],"state":{"accounts":{"a":{"balances":{"TOS":60},"nonce":4},'
    '"b":{"balances":{"TOS":40},"nonce":0},"m":{"balances":{},"nonce":0}},'
    '"burned":{},"contracts":{}}}'
)
ACTUAL = EXPECTED.replace('"TOS":60', '"TOS":100')
DETAIL = (
    '1 state item(s) differ, first state.accounts["a"].balances["TOS"]: expected 60, actual 100'
)


def divergence_on(spec: str = MUTANT, case_json: Json = CASE_JSON) -> Divergence:
    with Runner([spec]) as runner:
        [divergence] = runner.check(decode_case(json.dumps(case_json))).divergences
    return divergence


def mutant_entry(shrunk: bool = False) -> Entry:
    return entry_of(divergence_on(), shrunk, Equivalence.STRICT)


def correct_entry() -> Entry:
    """The same case, recorded against the correct executor, which agrees."""
    return Entry(
        case=CASE,
        executors=(CORRECT,),
        fingerprint=FINGERPRINT,
        kind=DivergenceKind.STATE,
        expected=EXPECTED,
        actual=ACTUAL,
        detail="fixed",
        shrunk=True,
    )


# ---------------------------------------------------------------- saving and loading


def test_entry_of_a_divergence() -> None:
    assert mutant_entry() == Entry(
        case=CASE,
        executors=(MUTANT,),
        fingerprint=FINGERPRINT,
        kind=DivergenceKind.STATE,
        expected=EXPECTED,
        actual=ACTUAL,
        detail=DETAIL,
        shrunk=False,
        equivalence=Equivalence.STRICT,
        reference="sequential@memory",
    )
    assert case_hash(CASE) == CASE_HASH


def test_save_writes_canonical_json_named_by_the_case_hash(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    path = save_entry(mutant_entry(), corpus)
    assert path == corpus / FINGERPRINT / f"{CASE_HASH}.json"
    document = {
        "format": "txparity.counterexample/1",
        "fingerprint": FINGERPRINT,
        "kind": "state",
        "executors": [MUTANT],
        "reference": "sequential@memory",
        "equivalence": "strict",
        "shrunk": False,
        "detail": DETAIL,
        "case": CASE_JSON,
        "expected": json.loads(EXPECTED),
        "actual": json.loads(ACTUAL),
    }
    text = path.read_text(encoding="utf-8")
    assert text == canonical_json(document) + "\n"
    assert text.startswith('{"actual":{"format":"txparity.result/1","receipts":[')
    assert f',"case":{CASE_TEXT},' in text
    assert text.endswith(',"reference":"sequential@memory","shrunk":false}\n')
    assert ENTRY_FORMAT == "txparity.counterexample/1"
    assert {p.name for p in tmp_path.rglob("*")} == {"corpus", FINGERPRINT, f"{CASE_HASH}.json"}


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    for entry in (mutant_entry(), mutant_entry(shrunk=True), correct_entry()):
        path = save_entry(entry, tmp_path)
        assert load_entry(path) == entry


def test_an_entry_without_an_actual_result_round_trips(tmp_path: Path) -> None:
    entry = Entry(
        case=CASE,
        executors=("cmd:./executor", MUTANT),
        fingerprint="0123456789abcdef",
        kind=DivergenceKind.HANG,
        expected=EXPECTED,
        actual=None,
        detail="no answer within 10 s",
        shrunk=True,
        equivalence=Equivalence.STATE,
    )
    path = save_entry(entry, tmp_path)
    assert '"actual":null' in path.read_text()
    assert '"equivalence":"state"' in path.read_text()
    assert load_entry(path) == entry


def test_saving_leaves_no_temporary_files_and_is_idempotent(tmp_path: Path) -> None:
    entry = mutant_entry()
    first = save_entry(entry, tmp_path)
    content = first.read_bytes()
    second = save_entry(entry, tmp_path)
    assert second == first
    assert second.read_bytes() == content
    assert [p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()] == [
        Path(FINGERPRINT, f"{CASE_HASH}.json")
    ]
    assert not [p for p in tmp_path.rglob(".tmp-*")]


def test_saving_the_shrunk_flag_overwrites_the_same_file(tmp_path: Path) -> None:
    path = save_entry(mutant_entry(), tmp_path)
    assert save_entry(mutant_entry(shrunk=True), tmp_path) == path
    assert load_entry(path).shrunk is True
    assert len(list(tmp_path.rglob("*.json"))) == 1


def test_a_save_the_file_system_refuses_is_a_corpus_error(tmp_path: Path) -> None:
    """A file where the fingerprint's directory goes: one error naming what was not
    saved, and no temporary file left behind."""
    entry = mutant_entry()
    (tmp_path / entry.fingerprint).write_text("in the way")
    with pytest.raises(CorpusError) as refusal:
        save_entry(entry, tmp_path)
    assert str(refusal.value) == (
        f"cannot save the counterexample of {entry.fingerprint} in {tmp_path}: File exists"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [entry.fingerprint]


def saved_document(tmp_path: Path) -> tuple[Path, Json]:
    path = save_entry(mutant_entry(), tmp_path)
    return path, json.loads(path.read_text())


def test_load_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "gone.json"
    with pytest.raises(CorpusError) as raised:
        load_entry(path)
    assert str(raised.value) == f"{path}: cannot read (No such file or directory)"


def test_load_a_corrupt_file(tmp_path: Path) -> None:
    path = save_entry(mutant_entry(), tmp_path)
    path.write_bytes(path.read_bytes()[:100])  # cut short, as by a crash
    with pytest.raises(CorpusError) as raised:
        load_entry(path)
    assert str(raised.value).startswith(f"{path}: not valid JSON (")


def test_load_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "binary.json"
    path.write_bytes(b"\xff\xfe{}")
    with pytest.raises(CorpusError) as raised:
        load_entry(path)
    assert str(raised.value) == f"{path}: not UTF-8 text (byte 0)"


NOT_A_COUNTEREXAMPLE = "format: not a counterexample (must be 'txparity.counterexample/1')"


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        (CASE_JSON, NOT_A_COUNTEREXAMPLE),
        ([1, 2], NOT_A_COUNTEREXAMPLE),
        ({"format": "txparity.counterexample/1"}, "fingerprint: missing field"),
    ],
    ids=["a bare case", "a list", "no fields"],
)
def test_load_json_that_is_not_a_counterexample(
    tmp_path: Path, document: object, problem: str
) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps(document))
    with pytest.raises(CorpusError) as raised:
        load_entry(path)
    assert str(raised.value) == f"{path}: {problem}"


KINDS = "'receipts', 'state', 'error', 'hang', 'crash', 'protocol', 'exception', 'reference'"


BAD_FIELDS = [
    ("executors", MUTANT, "executors: must be a list of executor specs"),
    ("executors", [1], "executors[0]: must be a string"),
    ("executors", [], "executors: is empty: the entry could never fail"),
    ("executors", [MUTANT] * 17, "executors: at most 16 executor specs"),
    ("executors", ["nope"], "executors[0]: unknown executor 'nope' (known: sequential, "),
    ("executors", ["batched@tape"], "executors[0]: unknown backend 'tape' (known: "),
    ("executors", ["x" * 4097], "executors[0]: longer than 4096 characters"),
    ("executors", ["cmd:  "], "executors[0]: empty external command after 'cmd:'"),
    ("executors", ["cmd:sh -c 'x"], "executors[0]: cannot parse the external command: "),
    ("reference", "nope@memory", "reference: unknown executor 'nope' (known: "),
    ("reference", 7, "reference: must be a string"),
    ("equivalence", "loose", "equivalence: must be one of 'strict', 'state'"),
    ("kind", "slow", f"kind: must be one of {KINDS}"),
    ("fingerprint", "../../etc", "fingerprint: must be 16 lowercase hex digits"),
    ("fingerprint", FINGERPRINT.upper(), "fingerprint: must be 16 lowercase hex digits"),
    ("shrunk", "false", "shrunk: must be true or false"),
    ("detail", "x" * 10_001, "detail: longer than 10000 characters"),
    ("detail", None, "detail: must be a string"),
    ("expected", {"error": "no"}, "expected: an error answer, not a result"),
    ("expected", [], "expected: answer: must be an object"),
    ("actual", {"format": "txparity.result/1"}, "actual: state: missing field"),
    ("surprise", 1, "surprise: unknown field"),
]


@pytest.mark.parametrize(("field", "value", "problem"), BAD_FIELDS)
def test_load_an_entry_with_a_bad_field(
    tmp_path: Path, field: str, value: object, problem: str
) -> None:
    """Every field of a corpus file is data someone else wrote: each is checked, and a
    bad one is refused by name before anything runs."""
    path, document = saved_document(tmp_path)
    document[field] = value
    path.write_text(json.dumps(document))
    with pytest.raises(CorpusError) as raised:
        load_entry(path)
    assert str(raised.value).startswith(f"{path}: {problem}")


def test_load_an_entry_whose_case_asks_for_too_much_work(tmp_path: Path) -> None:
    path, document = saved_document(tmp_path)
    many = document | {"case": CASE_JSON | {"block": CASE_JSON["block"] | {"txs": []}}}
    many["case"]["block"]["txs"] = [transfer("a", n, "b", 1) for n in range(1001)]
    path.write_text(json.dumps(many))
    with pytest.raises(CorpusError) as raised:
        load_entry(path)
    assert (
        str(raised.value) == f"{path}: case.block.txs: a corpus case has at most 1000 transactions"
    )
    gas = [invoke("a", n, "c", max_gas=1_000_000) for n in range(11)]
    over = [invoke("a", 11, "c", max_gas=1_000_001)]  # malformed: never run, not counted
    many["case"]["block"]["txs"] = gas[:10] + over
    path.write_text(json.dumps(many))
    assert len(load_entry(path).case.block.txs) == 11
    many["case"]["block"]["txs"] = gas
    path.write_text(json.dumps(many))
    with pytest.raises(CorpusError) as raised:
        load_entry(path)
    assert str(raised.value) == (
        f"{path}: case.block.txs: a corpus case's invokes may run at most 10000000 gas in all"
    )


def test_load_an_entry_that_repeats_a_key_outside_its_case(tmp_path: Path) -> None:
    """The whole document is read strictly, not only its case: a repeated key at the
    top (here the executors: the second would win in a lenient reader) or in the
    recorded results is refused."""
    path, _ = saved_document(tmp_path)
    text = path.read_text()
    path.write_text(text.replace('"executors":[', '"executors":["batched"],"executors":['))
    with pytest.raises(CorpusError) as raised:
        load_entry(path)
    assert str(raised.value) == f"{path}: executors: key repeated in the document"
    path.write_text(text.replace('"expected":{"format"', '"expected":{"receipts":[],"format"'))
    with pytest.raises(CorpusError) as raised:
        load_entry(path)
    assert str(raised.value) == f"{path}: expected: answer: key 'receipts' repeated in one object"


def test_load_an_entry_whose_case_is_invalid(tmp_path: Path) -> None:
    path, document = saved_document(tmp_path)
    document["case"]["genesis"]["accounts"]["a"]["nonce"] = -1
    path.write_text(json.dumps(document))
    with pytest.raises(CorpusError) as raised:
        load_entry(path)
    assert str(raised.value) == f'{path}: case.genesis.accounts["a"].nonce: must be >= 0'


def test_load_an_entry_whose_case_breaks_a_cross_rule(tmp_path: Path) -> None:
    path, document = saved_document(tmp_path)
    document["case"]["block"]["reward"] = 2**64 - 100
    path.write_text(json.dumps(document))
    with pytest.raises(CorpusError) as raised:
        load_entry(path)
    assert str(raised.value) == (
        f"{path}: case.genesis: total supply of TOS (with the reward) must be < 2**64"
    )


def test_load_an_entry_whose_case_is_not_an_object(tmp_path: Path) -> None:
    """BUG (harness/corpus.py, ``load_entry``): the decoder names a top-level problem
    ``case`` and ``load_entry`` prefixes every case error with ``case.``, so the
    message reads ``case.case: must be an object``."""
    path, document = saved_document(tmp_path)
    document["case"] = None
    path.write_text(json.dumps(document))
    with pytest.raises(CorpusError) as raised:
        load_entry(path)
    assert str(raised.value) == f"{path}: case: must be an object"


def test_load_an_entry_whose_case_repeats_a_key(tmp_path: Path) -> None:
    """BUG (harness/corpus.py, ``load_entry``): SPEC 3 makes a key repeated within
    one JSON object an invalid case, and ``txparity check`` on this very file
    refuses it (``read_case`` parses with ``parse_json``), but ``load_entry`` parses
    with plain ``json.loads``, which keeps the last value: ``txparity replay`` and
    the pytest plugin silently replay a case with ``reward`` 5."""
    path, _ = saved_document(tmp_path)
    text = path.read_text()
    assert text.count('"reward":0,') == 1
    path.write_text(text.replace('"reward":0,', '"reward":0,"reward":5,'))
    with pytest.raises(CorpusError) as raised:
        load_entry(path)
    assert str(raised.value) == f"{path}: case.block: key 'reward' repeated in one object"


# ---------------------------------------------------------------- listing


def test_corpus_files_sorted_without_temporary_files(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    names = ["fb/2.json", "fa/b.json", "fa/a.json", "fa/.tmp-x.json", "fa/notes.txt", "z.json"]
    for name in names:
        (corpus / name).parent.mkdir(parents=True, exist_ok=True)
        (corpus / name).write_text("{}")
    single = tmp_path / "single.json"
    explicit_temporary = corpus / "fa" / ".tmp-x.json"
    listed = list(corpus_files([single, corpus, explicit_temporary]))
    assert listed == [
        single,
        corpus / "fa" / "a.json",
        corpus / "fa" / "b.json",
        corpus / "fb" / "2.json",
        corpus / "z.json",
        explicit_temporary,  # a file named explicitly is taken as it is
    ]
    assert list(corpus_files([tmp_path / "empty"])) == [tmp_path / "empty"]
    assert list(corpus_files([])) == []


# ---------------------------------------------------------------- keeping and replaying

# carol pays bob with a fee in the first of several one-transaction batches; the
# lost-fees mutant pays the miner only the last batch's fees.
LOST_FEES_START: Json = {
    "format": "txparity.case/1",
    "genesis": {
        "accounts": {
            "alice": {"nonce": 0, "balances": {"TOS": 1000}},
            "carol": {"nonce": 0, "balances": {"TOS": 500, "GOLD": 9}},
        },
        "contracts": {},
    },
    "block": {
        "miner": "m",
        "reward": 40,
        "txs": [
            transfer("carol", 0, "bob", 30, fee=8),
            transfer("alice", 0, "bob", 20, fee=3),
            transfer("alice", 1, "carol", 10, fee=2),
            transfer("carol", 1, "alice", 5, fee=0),
            transfer("alice", 2, "dan", 7, fee=0),
            transfer("bob", 0, "dan", 1, fee=0),
        ],
    },
    "config": {"network": "devnet", "threads": 2, "schedule_seed": 1234},
}


def test_save_and_shrink_keeps_one_shrunk_file(tmp_path: Path) -> None:
    spec = "batched-lost-fees@memory/seeded"
    original = divergence_on(spec, LOST_FEES_START)
    corpus = tmp_path / "corpus"
    with Runner([spec]) as runner:
        kept = save_and_shrink(original, runner, corpus, seconds=SHRINK_TO_FIXED_POINT_S)
    assert kept.original_txs == 6
    assert kept.divergence.fingerprint == original.fingerprint
    assert kept.path == corpus / original.fingerprint / f"{case_hash(kept.divergence.case)}.json"
    assert [p for p in corpus.rglob("*") if p.is_file()] == [kept.path]
    entry = load_entry(kept.path)
    assert entry.shrunk is True
    assert entry == entry_of(
        kept.divergence, True, Equivalence.STRICT, shrink_stopped=ShrinkStop.FIXED_POINT
    )
    assert len(entry.case.block.txs) == 4
    shrunk_size = size(json.loads(canonical_json(json.loads(kept.path.read_text())["case"])))
    assert shrunk_size < size(LOST_FEES_START)
    assert kept.shrink_seconds >= 0


def test_save_and_shrink_of_a_minimal_case_marks_it_shrunk(tmp_path: Path) -> None:
    original = divergence_on()
    with Runner([MUTANT]) as runner:
        first = save_and_shrink(original, runner, tmp_path, seconds=SHRINK_TO_FIXED_POINT_S)
        again = save_and_shrink(first.divergence, runner, tmp_path, seconds=SHRINK_TO_FIXED_POINT_S)
    assert again.path == first.path
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [first.path]
    assert load_entry(first.path).shrunk is True


def test_replay_a_diverging_entry(tmp_path: Path) -> None:
    entry = load_entry(save_entry(mutant_entry(), tmp_path))
    [divergence] = replay_entry(entry)
    assert (divergence.executor, divergence.fingerprint, divergence.case) == (
        MUTANT,
        FINGERPRINT,
        CASE,
    )
    assert (divergence.expected, divergence.actual) == (EXPECTED, ACTUAL)
    assert len(replay_entry(entry, Options(seeds=3))) == 1


def test_replay_an_agreeing_entry() -> None:
    assert replay_entry(correct_entry()) == []
    assert replay_entry(correct_entry(), Options(seeds=3)) == []


# ---------------------------------------------------------------- the pytest plugin


def make_project(
    pytester: pytest.Pytester, corpus: str = "corpus", ini: str = 'txparity_corpus = ["corpus"]\n'
) -> Json:
    """A project with one still-diverging entry and one agreeing entry under
    ``corpus`` (which ``ini`` configures), and a diverging entry in two places
    outside it."""
    pytester.makepyprojecttoml(f"[tool.pytest.ini_options]\n{ini}")
    root = pytester.path
    paths = {
        "diverging": save_entry(mutant_entry(), root / corpus),
        "agreeing": save_entry(correct_entry(), root / corpus / "fixed"),
        "outside": save_entry(mutant_entry(), root / "elsewhere"),
    }
    (root / "stray.json").write_text(paths["diverging"].read_text())
    return paths


def check_outcome(result: pytest.RunResult, paths: Json) -> None:
    result.assert_outcomes(passed=1, failed=1)
    output = result.stdout.str()
    diverging = str(paths["diverging"])
    assert f"  replay: txparity replay {diverging}" in output
    assert f"  file: {diverging}" in output
    assert (
        f"{MUTANT} still diverges (state): 1 state item(s) differ, first "
        'state.accounts["a"].balances["TOS"]: expected 60, actual 100'
    ) in output
    assert f"replay[{FINGERPRINT}/{CASE_HASH}]" in output
    assert "stray" not in output
    assert "elsewhere" not in output
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_plugin_loaded_explicitly(pytester: pytest.Pytester) -> None:
    """``-p harness.pytest_plugin``; ``-p no:txparity`` first keeps the installed
    entry point from registering the same module a second time (pluggy refuses a
    plugin registered under two names)."""
    paths = make_project(pytester)
    result = pytester.runpytest_subprocess(
        "-p", "no:txparity", "-p", "txparity.harness.pytest_plugin", "-p", "no:cacheprovider"
    )
    check_outcome(result, paths)


def test_plugin_loaded_by_its_entry_point(pytester: pytest.Pytester) -> None:
    paths = make_project(pytester)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-v")
    check_outcome(result, paths)
    result.stdout.fnmatch_lines(
        [
            f"corpus/{FINGERPRINT}/{CASE_HASH}.json::replay[[]{FINGERPRINT}/{CASE_HASH}[]] FAILED*",
            f"corpus/fixed/{FINGERPRINT}/{CASE_HASH}.json::replay[[]{FINGERPRINT}/{CASE_HASH}[]] "
            "PASSED*",
        ],
        consecutive=False,
    )


def test_plugin_reads_the_corpus_option(pytester: pytest.Pytester) -> None:
    paths = make_project(pytester, corpus="saved", ini='txparity_corpus = ["saved"]\n')
    (pytester.path / "corpus").mkdir()
    (pytester.path / "corpus" / "ignored.json").write_text("{}")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    check_outcome(result, paths)
    assert "ignored" not in result.stdout.str()


def test_plugin_reports_an_unreadable_file(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml('[tool.pytest.ini_options]\ntxparity_corpus = ["corpus"]\n')
    broken = pytester.path / "corpus" / "broken.json"
    broken.parent.mkdir()
    broken.write_text("{not json")
    temporary = pytester.path / "corpus" / ".tmp-abc.json"
    temporary.write_text("{not json")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert f"unreadable counterexample: {broken}: not valid JSON (" in output
    assert f"  replay: txparity replay {broken}" in output
    assert ".tmp-abc" not in output


def test_plugin_is_inert_without_a_corpus(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml("[tool.pytest.ini_options]\n")
    (pytester.path / "data.json").write_text("{}")
    pytester.makepyfile(test_one="def test_one():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert os.path.exists(pytester.path / "data.json")


# ---------------------------------------------------------------- property-test failures


def test_replay_and_shrink_commands_quote_what_the_shell_would_split() -> None:
    path = Path("my corpus/1addc2ca9191cb52/x.json")
    assert replay_command(path) == "txparity replay 'my corpus/1addc2ca9191cb52/x.json'"
    assert shrink_command(path, ("cmd:node ex.js", MUTANT)) == (
        "txparity shrink 'my corpus/1addc2ca9191cb52/x.json' --executor 'cmd:node ex.js'"
        f" --executor {MUTANT}"
    )


def test_assert_agree_saves_the_counterexample_and_names_the_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TXPARITY_FAILURES", str(tmp_path))
    with Runner([MUTANT]) as runner, pytest.raises(AssertionError) as raised:
        assert_agree(CASE, runner)
    saved = tmp_path / FINGERPRINT / f"{CASE_HASH}.json"
    assert str(raised.value).splitlines() == [
        f"{MUTANT} diverges (state): {DETAIL}",
        f"  saved: {saved}",
        f"  replay: txparity replay {saved}",
        f"  shrink: txparity shrink {saved} --executor {MUTANT}",
    ]
    assert load_entry(saved) == mutant_entry()


def test_assert_agree_passes_quietly_when_the_executors_agree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TXPARITY_FAILURES", str(tmp_path))
    with Runner([CORRECT]) as runner:
        assert_agree(CASE, runner)
    assert list(tmp_path.iterdir()) == []
