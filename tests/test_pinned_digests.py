"""Digests that name things on disk, pinned to literal values.

A fingerprint names a corpus directory and a case hash names a corpus file; the
short case id names a case in hang messages. Saved corpora and CI artifacts refer
to them, so they must never drift, whatever module computes them. Every value
below was computed once and written here by hand; a change to the canonical JSON,
the path grammar, the hash or the truncation fails this module.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.builders import account, deploy
from txparity.executors.codec import canonical_json, case_from_json, decode_case
from txparity.executors.model import Case
from txparity.executors.parallel import case_id
from txparity.harness.corpus import case_hash
from txparity.harness.differential import Difference, DivergenceKind, Equivalence, compare
from txparity.harness.targets import Answer

ROOT = Path(__file__).resolve().parent.parent


def case_of(relative: str) -> Case:
    document = json.loads((ROOT / relative).read_text(encoding="utf-8"))
    return case_from_json(document.get("case", document))


def non_ascii_case() -> Case:
    """A deploy of malformed code whose op names are not ASCII: hashed as UTF-8."""
    document = {
        "format": "txparity.case/1",
        "genesis": {"accounts": {"a": account(TOS=10)}, "contracts": {}},
        "block": {"miner": "m", "reward": 1, "txs": [deploy("a", 0, {"0": [["ÉTÉ", "ü"]]}, 1)]},
    }
    return decode_case(json.dumps(document))


@pytest.mark.parametrize(
    ("source", "short", "long"),
    [
        ("examples/cases/mixed_block.json", "218068eddc11", "218068eddc11dafe"),
        ("tests/vectors/call_chain.json", "156c5a545c5b", "156c5a545c5bbbc4"),
        ("tests/vectors/burn_tos_and_asset.json", "5bd1eedcea1a", "5bd1eedcea1aaf10"),
        ("corpus/d895b2ee0592ca61/2fb328c12a15c454.json", "2fb328c12a15", "2fb328c12a15c454"),
    ],
)
def test_case_id_and_case_hash_are_pinned(source: str, short: str, long: str) -> None:
    case = case_of(source)
    assert (case_id(case), case_hash(case)) == (short, long)


def test_case_hash_of_non_ascii_text_is_pinned() -> None:
    case = non_ascii_case()
    assert (case_id(case), case_hash(case)) == ("12cc456a5454", "12cc456a5454ca33")


def test_the_saved_corpus_entry_is_named_by_its_fingerprint_and_case_hash() -> None:
    """The directory is the fingerprint of a Block-STM hang; the file, the case hash."""
    path = ROOT / "corpus/d895b2ee0592ca61/2fb328c12a15c454.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    hang = Difference(DivergenceKind.HANG, document["detail"])
    assert hang.fingerprint("blockstm") == document["fingerprint"] == path.parent.name
    assert case_hash(case_from_json(document["case"])) == path.stem


def result(receipts: list[object], **state: object) -> str:
    parts = {"accounts": {}, "burned": {}, "contracts": {}} | state
    return canonical_json({"format": "txparity.result/1", "receipts": receipts, "state": parts})


def receipt(status: str = "applied", reason: str | None = None, gas: int = 0) -> object:
    return {"status": status, "reason": reason, "gas_used": gas}


def holder(tos: int, nonce: int = 0) -> object:
    return {"balances": {"TOS": tos}, "nonce": nonce}


def contract(slot_value: int) -> object:
    return {"balances": {}, "code": {"0": [["STOP"]]}, "storage": {"1": slot_value}}


# (expected result, actual result, first path, signature, batched and blockstm fingerprints)
DIFFERENCES = {
    "balance": (
        result([], accounts={"a.0": holder(4)}),
        result([], accounts={"a.0": holder(5)}),
        'state.accounts["a.0"].balances["TOS"]',
        "state.accounts[*].balances[*]",
        ("f707ca81dbe9294d", "7a5ffa5bb69174ab"),
    ),
    "nonce": (
        result([], accounts={"a": holder(4, 1)}),
        result([], accounts={"a": holder(4, 2)}),
        'state.accounts["a"].nonce',
        "state.accounts[*].nonce",
        ("b8257aea8d0a8bdd", "b3c6415dae78c0b3"),
    ),
    "storage": (
        result([], contracts={"c": contract(2)}),
        result([], contracts={"c": contract(3)}),
        'state.contracts["c"].storage["1"]',
        "state.contracts[*].storage[*]",
        ("a7efa8c436f01fba", "0406c8146490249c"),
    ),
    "burned": (
        result([], burned={"GOLD": 1}),
        result([], burned={"GOLD": 2}),
        'state.burned["GOLD"]',
        "state.burned[*]",
        ("e3130e1a536e2530", "fb1c11dd11e33484"),
    ),
    "gas": (
        result([receipt(gas=1)]),
        result([receipt(gas=2)]),
        "receipts[0].gas_used",
        "receipts[*].gas_used",
        ("724a25189371968c", "22ace01deca7c084"),
    ),
    "status": (
        result([receipt()]),
        result([receipt("rejected", "bad_nonce")]),
        "receipts[0].status",
        "receipts[*].status",
        ("38bb478bf4569ec1", "5b0a30e734e6586d"),
    ),
    "receipt count": (
        result([receipt()]),
        result([]),
        "receipts",
        "receipts",
        ("7fb942e20127d23e", "0930f04fc5b2c1c6"),
    ),
}


@pytest.mark.parametrize("name", sorted(DIFFERENCES))
def test_fingerprints_of_result_differences_are_pinned(name: str) -> None:
    expected, actual, path, signature, (batched, blockstm) = DIFFERENCES[name]
    difference = compare(expected, Answer.of_result(actual), Equivalence.STRICT)
    assert difference is not None
    assert (difference.paths[0], difference.signature) == (path, signature)
    assert (difference.fingerprint("batched"), difference.fingerprint("blockstm")) == (
        batched,
        blockstm,
    )


@pytest.mark.parametrize(
    ("kind", "signature", "blockstm", "sequential"),
    [
        (DivergenceKind.HANG, "", "d895b2ee0592ca61", "0ef83c5f0d2b5e12"),
        (DivergenceKind.EXCEPTION, "KeyError", "ad07d91e7f1de027", "6f8e9fcd0dc2eb4e"),
        (DivergenceKind.REFERENCE, "", "1d2a1fb3c609af7e", "fc9f257749304d94"),
    ],
)
def test_fingerprints_of_failed_answers_are_pinned(
    kind: DivergenceKind, signature: str, blockstm: str, sequential: str
) -> None:
    difference = Difference(kind, "any detail", signature=signature)
    assert (difference.fingerprint("blockstm"), difference.fingerprint("sequential")) == (
        blockstm,
        sequential,
    )
