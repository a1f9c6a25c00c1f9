"""The shapes the harness prints and hashes (``executors.shapes``).

- The path grammar: ``key_path``, ``map_path``, ``flatten_state`` and ``star_keys``
  give exact outputs.
- ``MAP_FIELDS`` is exactly the set of fields whose value is keyed by data, in a
  case document and in a result document, and both of its users (the decoder's
  error paths and the divergence report's paths) agree with ``flatten_state``.
- ``case_digest`` gives the short case id and the corpus file name from one hash.
  (Literal digests and fingerprints are pinned in ``test_pinned_digests.py``.)
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.builders import Json, account, burn, deploy, invoke, transfer
from txparity.executors.codec import decode_case
from txparity.executors.errors import InvalidCase
from txparity.executors.execution import run_case
from txparity.executors.parallel import case_id
from txparity.executors.sequential import SequentialExecutor
from txparity.executors.shapes import (
    CASE_HASH_LENGTH,
    CASE_ID_LENGTH,
    MAP_FIELDS,
    case_digest,
    encode_case,
    flatten_state,
    key_path,
    map_path,
    star_keys,
)
from txparity.harness.corpus import case_hash
from txparity.harness.report import _items
from txparity.harness.trace import trace_reference

# Objects whose keys are field names, wherever they appear.
RECORD_FIELDS = {"genesis", "block", "config", "state"}

COUNTER = {"0": [["PUSH", 0], ["SLOAD"], ["PUSH", 1], ["ADD"], ["PUSH", 0], ["SSTORE"]]}


def full_case_json() -> Json:
    """A case with every kind of map: accounts, contracts with code, balances and
    storage, an invoke with deposits, and a burn (which fills ``burned``)."""
    return {
        "format": "txparity.case/1",
        "genesis": {
            "accounts": {"a": account(TOS=1000, GOLD=50), "b": account(1, TOS=5)},
            "contracts": {"c": {"code": COUNTER, "balances": {"GOLD": 3}, "storage": {"0": 9}}},
        },
        "block": {
            "miner": "m",
            "reward": 50,
            "txs": [
                transfer("a", 0, "b", 10),
                burn("a", 1, "GOLD", 4),
                invoke("a", 2, "c", deposits={"GOLD": 2}, max_gas=100),
                deploy("a", 3, COUNTER),
            ],
        },
        "config": {"network": "devnet", "threads": 2, "schedule_seed": 0},
    }


def fields_holding_objects(value: object, in_map: bool = False) -> set[str]:
    """Every field (a key of an object that is not a map) whose value is an object."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            holds_map = not in_map and isinstance(item, dict) and key not in RECORD_FIELDS
            if not in_map and isinstance(item, dict):
                found.add(key)
            found |= fields_holding_objects(item, holds_map)
    elif isinstance(value, list):
        for item in value:
            found |= fields_holding_objects(item)
    return found


def full_result() -> dict[str, Any]:
    case = decode_case(json.dumps(full_case_json()))
    document: dict[str, Any] = json.loads(
        run_case(SequentialExecutor(), case, "memory").result_json
    )
    return document


# ---------------------------------------------------------------- the path grammar


def test_key_path_and_map_path_exact() -> None:
    assert key_path("", "block") == "block"
    assert key_path("block", "txs") == "block.txs"
    assert map_path("genesis.accounts", "a.0") == 'genesis.accounts["a.0"]'
    assert map_path(key_path("state", "burned"), "GOLD") == 'state.burned["GOLD"]'
    assert map_path("", "0") == '["0"]'


def holder(tos: int | None = None, nonce: int = 0, **assets: int) -> Json:
    balances = {} if tos is None else {"TOS": tos}
    return {"balances": {**balances, **assets}, "nonce": nonce}


def test_flatten_state_exact() -> None:
    """Every holder exists as its own item; empty balance maps add nothing; code is
    JSON text, a nonce an integer; storage keys and assets stay strings."""
    state = {
        "accounts": {"a": holder(3, 1), "e": holder()},
        "contracts": {"c": {"balances": {}, "code": {"0": [["STOP"]]}, "storage": {"10": 2}}},
        "burned": {"GOLD": 4},
    }
    assert list(flatten_state(state).items()) == [
        ('state.accounts["a"]', "exists"),
        ('state.accounts["a"].balances["TOS"]', 3),
        ('state.accounts["a"].nonce', 1),
        ('state.accounts["e"]', "exists"),
        ('state.accounts["e"].nonce', 0),
        ('state.contracts["c"]', "exists"),
        ('state.contracts["c"].code', '{"0": [["STOP"]]}'),
        ('state.contracts["c"].storage["10"]', 2),
        ('state.burned["GOLD"]', 4),
    ]
    assert flatten_state({}) == {}


@pytest.mark.parametrize(
    ("path", "starred"),
    [
        ('state.accounts["a"].balances["TOS"]', "state.accounts[*].balances[*]"),
        ('state.accounts["b"]', "state.accounts[*]"),
        ('state.contracts["c.0"].storage["18446744073709551615"]', "state.contracts[*].storage[*]"),
        ('state.contracts["c"].code', "state.contracts[*].code"),
        ('state.burned["GOLD"]', "state.burned[*]"),
        ("receipts[12].gas_used", "receipts[*].gas_used"),
        ("receipts", "receipts"),
        ("format", "format"),
        ("a[[1]][2]", "a[*][*]"),
        ("", ""),
    ],
)
def test_star_keys_exact(path: str, starred: str) -> None:
    assert star_keys(path) == starred


# ---------------------------------------------------------------- map fields


def test_map_fields_are_exactly_the_maps_of_a_case_and_of_a_result() -> None:
    case_maps = fields_holding_objects(encode_case(decode_case(json.dumps(full_case_json()))))
    result_maps = fields_holding_objects(full_result())
    assert case_maps - RECORD_FIELDS == MAP_FIELDS - {"burned"}
    assert result_maps - RECORD_FIELDS == MAP_FIELDS - {"deposits"}
    assert not MAP_FIELDS & RECORD_FIELDS


def test_decoder_paths_treat_a_map_key_named_like_a_field_as_a_key() -> None:
    """An account called ``balances`` is a key; its own ``balances`` is a field."""
    document = full_case_json()
    document["genesis"]["accounts"] = {"balances": account(TOS=1)}
    text = json.dumps(document).replace('"TOS": 1}', '"TOS": 1, "TOS": 2}')
    with pytest.raises(InvalidCase) as refused:
        decode_case(text)
    assert refused.value.path == 'genesis.accounts["balances"].balances'


def test_report_paths_are_the_flattened_state_paths() -> None:
    """Change every number in a full result: the report names each changed item with
    the same path ``flatten_state`` gives it (``burned`` included). Code is one item
    there, while the report shows the changed operands inside it."""
    expected = full_result()
    actual = json.loads(json.dumps(expected), parse_int=lambda text: int(text) + 1)
    case = decode_case(json.dumps(full_case_json()))
    reported = {item.path for item in _items(expected, actual, trace_reference(case))}
    numbers = {
        path for path, value in flatten_state(expected["state"]).items() if isinstance(value, int)
    }
    assert 'state.burned["GOLD"]' in numbers
    outside_code = {path for path in reported if ".code[" not in path}
    assert {path for path in outside_code if path.startswith("state.")} == numbers
    assert 'state.contracts["c"].code["0"][0][1]' in reported


# ---------------------------------------------------------------- digests


def test_the_case_id_and_the_case_hash_are_one_digest_cut_twice() -> None:
    case = decode_case(json.dumps(full_case_json()))
    long = case_digest(case, CASE_HASH_LENGTH)
    assert (len(long), CASE_ID_LENGTH) == (16, 12)
    assert case_hash(case) == long
    assert case_id(case) == long[:CASE_ID_LENGTH]
