"""The case decoder (SPEC 3) and the canonical encoder (SPEC 7).

Every invalid case must raise ``InvalidCase`` whose ``path`` names the offending
field the way a user writes it (``block.txs[0].outputs[0].amount``), with map keys
rendered as ``["key"]`` in JSON quoting. Well-formed but meaningless transactions
(a deploy of ill-formed code) must decode, and every decoded case must re-encode to
itself.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from txparity.executors.code import parse_code
from txparity.executors.codec import canonical_json, decode_case, encode_case
from txparity.executors.errors import InvalidCase
from txparity.executors.model import (
    Account,
    Block,
    Burn,
    Case,
    Config,
    Contract,
    Deploy,
    Genesis,
    Invoke,
    MalformedCode,
    Network,
    Output,
    Transfer,
)

VECTORS = sorted((Path(__file__).parent / "vectors").glob("*.json"))
U64_MAX = 2**64 - 1
RAW = "@@RAW@@"
DELETE = object()


def base_case() -> dict[str, Any]:
    """A valid case with one transaction of each kind: transfer, burn, deploy, invoke."""
    return {
        "format": "txparity.case/1",
        "genesis": {
            "accounts": {"a": {"nonce": 0, "balances": {"TOS": 100, "GOLD": 7}}},
            "contracts": {
                "c": {
                    "code": {"0": [["PUSH", 1], ["STOP"]]},
                    "balances": {"TOS": 5},
                    "storage": {"1": 2},
                }
            },
        },
        "block": {
            "miner": "m",
            "reward": 50,
            "txs": [
                {
                    "kind": "transfer",
                    "source": "a",
                    "nonce": 0,
                    "fee": 1,
                    "outputs": [{"dest": "b", "asset": "TOS", "amount": 3}],
                },
                {"kind": "burn", "source": "a", "nonce": 1, "fee": 1, "asset": "GOLD", "amount": 2},
                {"kind": "deploy", "source": "a", "nonce": 2, "fee": 0, "code": {"0": [["STOP"]]}},
                {
                    "kind": "invoke",
                    "source": "a",
                    "nonce": 3,
                    "fee": 0,
                    "contract": "c",
                    "entry": 0,
                    "args": [1, 2],
                    "deposits": {"TOS": 1},
                    "max_gas": 100,
                },
            ],
        },
        "config": {"network": "devnet", "threads": 4, "schedule_seed": 0},
    }


def edited(*edits: tuple[tuple[str | int, ...], object], raw: str = "") -> str:
    """``base_case()`` with each ``(path, value)`` set (or deleted with ``DELETE``).

    A value of ``RAW`` is replaced by the text ``raw`` after serialising, for what
    ``json.dumps`` cannot write (repeated keys, ``NaN``).
    """
    case = base_case()
    for path, value in edits:
        *parents, last = path
        target: Any = case
        for step in parents:
            target = target[step]
        if value is DELETE:
            del target[last]
        else:
            target[last] = value
    text = json.dumps(case)
    if raw:
        assert text.count(json.dumps(RAW)) == 1
        text = text.replace(json.dumps(RAW), raw)
    return text


def with_genesis_code(code: object) -> str:
    return edited((("genesis", "contracts", "c", "code"), code))


def with_storage(storage: object) -> str:
    return edited((("genesis", "contracts", "c", "storage"), storage))


def with_deploy_code(code: object) -> str:
    return edited((("block", "txs", 2, "code"), code))


TXS = ("block", "txs")
OUTPUT0 = ("block", "txs", 0, "outputs", 0)
BALANCE_A = ("genesis", "accounts", "a", "balances")


class Bad(NamedTuple):
    id: str
    data: str | bytes
    path: str
    message: str


BAD_CASES = [
    # ------------------------------------------------------------ not JSON at all
    Bad("non_utf8_bytes", b"\xff\xfe\x00garbage", "case", "not UTF-8"),
    Bad("invalid_utf8_inside_json", edited().encode()[:20] + b"\xc3\x28", "case", "not UTF-8"),
    Bad("truncated_json", edited()[:-7], "case", "not valid JSON"),
    Bad("empty_bytes", b"", "case", "not valid JSON"),
    Bad("empty_text", "", "case", "not valid JSON"),
    Bad("nan", edited(((*OUTPUT0, "amount"), RAW), raw="NaN"), "case", "not valid JSON"),
    Bad("infinity", edited((("block", "reward"), RAW), raw="Infinity"), "case", "not valid JSON"),
    # ------------------------------------------------------------ shape of the top
    Bad("top_level_list", "[]", "case", "must be an object"),
    Bad("top_level_number", "7", "case", "must be an object"),
    Bad(
        "wrong_format",
        edited((("format",), "txparity.case/3")),
        "format",
        "must be 'txparity.case/1' or 'txparity.case/2'",
    ),
    Bad(
        "result_format",
        edited((("format",), "txparity.result/2")),
        "format",
        "must be 'txparity.case/1' or 'txparity.case/2'",
    ),
    Bad("format_not_string", edited((("format",), 1)), "format", "must be 'txparity.case/1'"),
    Bad("missing_format", edited((("format",), DELETE)), "format", "missing field"),
    Bad("missing_genesis", edited((("genesis",), DELETE)), "genesis", "missing field"),
    Bad("missing_reward", edited((("block", "reward"), DELETE)), "block.reward", "missing field"),
    Bad(
        "missing_contracts",
        edited((("genesis", "contracts"), DELETE)),
        "genesis.contracts",
        "missing field",
    ),
    Bad(
        "missing_account_balances",
        edited((("genesis", "accounts", "a", "balances"), DELETE)),
        'genesis.accounts["a"].balances',
        "missing field",
    ),
    Bad(
        "missing_output_amount",
        edited(((*OUTPUT0, "amount"), DELETE)),
        "block.txs[0].outputs[0].amount",
        "missing field",
    ),
    Bad(
        "missing_invoke_max_gas",
        edited((("block", "txs", 3, "max_gas"), DELETE)),
        "block.txs[3].max_gas",
        "missing field",
    ),
    Bad("unknown_field_top", edited((("extra",), 1)), "extra", "unknown field"),
    Bad(
        "unknown_field_tx",
        edited((("block", "txs", 1, "memo"), "hi")),
        "block.txs[1].memo",
        "unknown field",
    ),
    Bad(
        "field_of_other_kind",
        edited((("block", "txs", 1, "outputs"), [])),
        "block.txs[1].outputs",
        "unknown field",
    ),
    Bad(
        "unknown_field_output",
        edited(((*OUTPUT0, "memo"), "hi")),
        "block.txs[0].outputs[0].memo",
        "unknown field",
    ),
    Bad("unknown_field_config", edited((("config", "speed"), 9)), "config.speed", "unknown field"),
    Bad(
        "unknown_field_genesis",
        edited((("genesis", "burned"), {})),
        "genesis.burned",
        "unknown field",
    ),
    Bad("config_not_object", edited((("config",), [])), "config", "must be an object"),
    Bad("genesis_not_object", edited((("genesis",), "g")), "genesis", "must be an object"),
    Bad("txs_not_list", edited((TXS, {})), "block.txs", "must be a list"),
    Bad("tx_not_object", edited(((*TXS, 0), 5)), "block.txs[0]", "must be an object"),
    Bad(
        "outputs_not_list",
        edited((("block", "txs", 0, "outputs"), {})),
        "block.txs[0].outputs",
        "must be a list",
    ),
    Bad(
        "args_not_list",
        edited((("block", "txs", 3, "args"), 1)),
        "block.txs[3].args",
        "must be a list",
    ),
    Bad(
        "deposits_not_object",
        edited((("block", "txs", 3, "deposits"), [])),
        "block.txs[3].deposits",
        "must be an object",
    ),
    # ------------------------------------------------------------ integers
    Bad(
        "true_amount",
        edited(((*OUTPUT0, "amount"), True)),
        "block.txs[0].outputs[0].amount",
        "must be an integer",
    ),
    Bad(
        "false_nonce",
        edited((("genesis", "accounts", "a", "nonce"), False)),
        'genesis.accounts["a"].nonce',
        "must be an integer",
    ),
    Bad(
        "true_threads",
        edited((("config", "threads"), True)),
        "config.threads",
        "must be an integer",
    ),
    Bad(
        "true_arg",
        edited((("block", "txs", 3, "args", 1), True)),
        "block.txs[3].args[1]",
        "must be an integer",
    ),
    Bad(
        "float_fee",
        edited((("block", "txs", 0, "fee"), 1.0)),
        "block.txs[0].fee",
        "must be an integer",
    ),
    Bad(
        "exponent_reward",
        edited((("block", "reward"), RAW), raw="1e2"),
        "block.reward",
        "must be an integer",
    ),
    Bad(
        "string_nonce",
        edited((("block", "txs", 1, "nonce"), "1")),
        "block.txs[1].nonce",
        "must be an integer",
    ),
    Bad(
        "null_entry",
        edited((("block", "txs", 3, "entry"), None)),
        "block.txs[3].entry",
        "must be an integer",
    ),
    Bad("negative_reward", edited((("block", "reward"), -1)), "block.reward", "must be >= 0"),
    Bad(
        "negative_balance",
        edited(((*BALANCE_A, "GOLD"), -5)),
        'genesis.accounts["a"].balances["GOLD"]',
        "must be >= 0",
    ),
    Bad(
        "two_pow_64_max_gas",
        edited((("block", "txs", 3, "max_gas"), 2**64)),
        "block.txs[3].max_gas",
        "must be < 2**64",
    ),
    Bad(
        "two_pow_64_arg",
        edited((("block", "txs", 3, "args", 0), 2**64)),
        "block.txs[3].args[0]",
        "must be < 2**64",
    ),
    Bad(
        "huge_burn_amount",
        edited((("block", "txs", 1, "amount"), 10**39 + 7)),
        "block.txs[1].amount",
        "must be < 2**64",
    ),
    Bad(
        "two_pow_64_seed",
        edited((("config", "schedule_seed"), 2**64)),
        "config.schedule_seed",
        "must be < 2**64",
    ),
    Bad(
        "two_pow_64_deposit",
        edited((("block", "txs", 3, "deposits", "TOS"), 2**64)),
        'block.txs[3].deposits["TOS"]',
        "must be < 2**64",
    ),
    Bad(
        "two_pow_64_storage_value",
        with_storage({"1": 2**64}),
        'genesis.contracts["c"].storage["1"]',
        "must be < 2**64",
    ),
    # ------------------------------------------------------------ addresses and assets
    Bad(
        "uppercase_dest",
        edited(((*OUTPUT0, "dest"), "Bob")),
        "block.txs[0].outputs[0].dest",
        "is not an address",
    ),
    Bad(
        "address_65_chars",
        edited((("block", "txs", 1, "source"), "a" * 65)),
        "block.txs[1].source",
        "is not an address",
    ),
    Bad("empty_miner", edited((("block", "miner"), "")), "block.miner", "is not an address"),
    Bad(
        "address_with_dash",
        edited((("block", "txs", 3, "contract"), "c-1")),
        "block.txs[3].contract",
        "is not an address",
    ),
    Bad("address_not_string", edited((("block", "miner"), 5)), "block.miner", "must be a string"),
    Bad(
        "uppercase_account_key",
        edited((("genesis", "accounts"), {"A": {"nonce": 0, "balances": {}}})),
        'genesis.accounts["A"]',
        "is not an address",
    ),
    Bad(
        "empty_contract_key",
        edited((("genesis", "contracts"), {"": base_case()["genesis"]["contracts"]["c"]})),
        'genesis.contracts[""]',
        "is not an address",
    ),
    Bad(
        "lowercase_asset",
        edited((("block", "txs", 1, "asset"), "tos")),
        "block.txs[1].asset",
        "is not an asset",
    ),
    Bad(
        "nine_char_asset",
        edited(((*OUTPUT0, "asset"), "ABCDEFGHI")),
        "block.txs[0].outputs[0].asset",
        "is not an asset",
    ),
    Bad(
        "digit_first_asset",
        edited((BALANCE_A, {"1TOS": 1})),
        'genesis.accounts["a"].balances["1TOS"]',
        "is not an asset",
    ),
    Bad(
        "empty_asset_deposit",
        edited((("block", "txs", 3, "deposits"), {"": 1})),
        'block.txs[3].deposits[""]',
        "is not an asset",
    ),
    # ------------------------------------------------------------ kinds
    Bad(
        "unknown_kind",
        edited(((*TXS, 0, "kind"), "mint")),
        "block.txs[0].kind",
        "unknown kind 'mint'",
    ),
    Bad("null_kind", edited(((*TXS, 1, "kind"), None)), "block.txs[1].kind", "unknown kind"),
    Bad("list_kind", edited(((*TXS, 1, "kind"), ["burn"])), "block.txs[1].kind", "unknown kind"),
    Bad("object_kind", edited(((*TXS, 1, "kind"), {})), "block.txs[1].kind", "unknown kind"),
    Bad("missing_kind", edited(((*TXS, 2, "kind"), DELETE)), "block.txs[2].kind", "missing field"),
    # ------------------------------------------------------------ repeated keys
    Bad(
        "repeated_top_level",
        '{"format": "txparity.case/1", ' + edited()[1:],
        "case",
        "key 'format' repeated",
    ),
    Bad(
        "repeated_in_tx",
        edited(
            ((*TXS, 1), RAW),
            raw='{"kind":"burn","source":"a","nonce":1,"fee":1,"asset":"GOLD","amount":2,"fee":1}',
        ),
        "block.txs[1]",
        "key 'fee' repeated",
    ),
    Bad(
        "repeated_in_output",
        edited((OUTPUT0, RAW), raw='{"dest":"b","asset":"TOS","amount":3,"amount":3}'),
        "block.txs[0].outputs[0]",
        "key 'amount' repeated",
    ),
    Bad(
        "repeated_in_deposits",
        edited((("block", "txs", 3, "deposits"), RAW), raw='{"TOS":1,"TOS":2}'),
        "block.txs[3].deposits",
        "key 'TOS' repeated",
    ),
    Bad(
        "repeated_in_deploy_code",
        with_deploy_code(RAW).replace(json.dumps(RAW), '{"0":[["STOP"]],"0":[]}'),
        "block.txs[2].code",
        "key '0' repeated",
    ),
    Bad(
        "repeated_in_config",
        edited((("config",), RAW), raw='{"threads":1,"threads":2}'),
        "config",
        "key 'threads' repeated",
    ),
    Bad(
        "repeated_in_genesis_account",
        edited((("genesis", "accounts", "a"), RAW), raw='{"nonce":0,"balances":{},"nonce":0}'),
        'genesis.accounts["a"]',
        "key 'nonce' repeated",
    ),
    Bad(
        "repeated_in_genesis_storage",
        edited((("genesis", "contracts", "c", "storage"), RAW), raw='{"1":2,"1":2}'),
        'genesis.contracts["c"].storage',
        "key '1' repeated",
    ),
    # ------------------------------------------------------------ code shape
    Bad(
        "genesis_code_list",
        with_genesis_code([["STOP"]]),
        'genesis.contracts["c"].code',
        "code must be an object of lists",
    ),
    Bad(
        "genesis_code_program_string",
        with_genesis_code({"0": "STOP"}),
        'genesis.contracts["c"].code["0"]',
        "code must be an object of lists",
    ),
    Bad(
        "deploy_code_string",
        with_deploy_code("STOP"),
        "block.txs[2].code",
        "code must be an object of lists",
    ),
    Bad(
        "deploy_code_null",
        with_deploy_code(None),
        "block.txs[2].code",
        "code must be an object of lists",
    ),
    Bad(
        "deploy_code_program_object",
        with_deploy_code({"0": [], "1": {"0": ["STOP"]}}),
        'block.txs[2].code["1"]',
        "code must be an object of lists",
    ),
    # ------------------------------------------------------------ genesis code well-formedness
    Bad(
        "genesis_code_unknown_op",
        with_genesis_code({"0": [["PUSH", 1], ["NOPE"]]}),
        'genesis.contracts["c"].code["0"][1]',
        "unknown op 'NOPE'",
    ),
    Bad(
        "genesis_code_jump_out_of_range",
        with_genesis_code({"0": [["JUMP", 1]]}),
        'genesis.contracts["c"].code["0"][0][1]',
        "JUMP needs a jump target",
    ),
    Bad(
        "genesis_code_entry_01",
        with_genesis_code({"01": [["STOP"]]}),
        'genesis.contracts["c"].code["01"]',
        "entry id must be a canonical decimal",
    ),
    Bad(
        "genesis_code_push_missing_operand",
        with_genesis_code({"0": [["PUSH"]]}),
        'genesis.contracts["c"].code["0"][0]',
        "PUSH takes 1 operand",
    ),
    # ------------------------------------------------------------ genesis storage keys
    Bad(
        "storage_key_leading_zero",
        with_storage({"01": 1}),
        'genesis.contracts["c"].storage["01"]',
        "canonical decimal",
    ),
    Bad(
        "storage_key_negative",
        with_storage({"-1": 1}),
        'genesis.contracts["c"].storage["-1"]',
        "canonical decimal",
    ),
    Bad(
        "storage_key_two_pow_64",
        with_storage({"18446744073709551616": 1}),
        'genesis.contracts["c"].storage["18446744073709551616"]',
        "canonical decimal",
    ),
    Bad(
        "storage_key_plus_sign",
        with_storage({"+1": 1}),
        'genesis.contracts["c"].storage["+1"]',
        "canonical decimal",
    ),
    Bad(
        "storage_key_empty",
        with_storage({"": 1}),
        'genesis.contracts["c"].storage[""]',
        "canonical decimal",
    ),
    # ------------------------------------------------------------ cross rules
    Bad(
        "account_and_contract",
        edited((("genesis", "accounts", "c"), {"nonce": 0, "balances": {}})),
        'genesis.contracts["c"]',
        "also a genesis account",
    ),
    Bad(
        "miner_is_contract",
        edited((("block", "miner"), "c")),
        "block.miner",
        "is a genesis contract",
    ),
    # ------------------------------------------------------------ config values
    Bad(
        "unknown_network",
        edited((("config", "network"), "regtest")),
        "config.network",
        "must be one of devnet, testnet, mainnet",
    ),
    Bad(
        "network_wrong_case",
        edited((("config", "network"), "Devnet")),
        "config.network",
        "must be one of",
    ),
    Bad(
        "network_not_string", edited((("config", "network"), 4)), "config.network", "must be one of"
    ),
    Bad("zero_threads", edited((("config", "threads"), 0)), "config.threads", "must be >= 1"),
    # ------------------------------------------------------------ total supply
    # base supply of TOS: account 100 + contract 5 + reward 50 = 155
    Bad(
        "tos_supply_two_pow_64",
        edited(((*BALANCE_A, "TOS"), 2**64 - 55)),
        "genesis",
        "total supply of TOS",
    ),
    Bad(
        "reward_tips_tos_supply",
        edited(((*BALANCE_A, "TOS"), 2**64 - 105), (("block", "reward"), 100)),
        "genesis",
        "total supply of TOS",
    ),
    Bad(
        "asset_supply_across_holders",
        edited(
            ((*BALANCE_A, "GOLD"), 2**63),
            (("genesis", "contracts", "c", "balances", "GOLD"), 2**63),
        ),
        "genesis",
        "total supply of GOLD",
    ),
    Bad(
        "asset_supply_three_accounts",
        edited(
            (("genesis", "accounts", "x"), {"nonce": 0, "balances": {"GOLD": U64_MAX - 7}}),
            (("genesis", "accounts", "y"), {"nonce": 0, "balances": {"GOLD": 1}}),
        ),
        "genesis",
        "total supply of GOLD",
    ),
]


@pytest.mark.parametrize("bad", BAD_CASES, ids=[bad.id for bad in BAD_CASES])
def test_invalid_case(bad: Bad) -> None:
    with pytest.raises(InvalidCase) as caught:
        decode_case(bad.data)
    assert caught.value.path == bad.path
    assert bad.message in caught.value.message
    assert str(caught.value) == f"{caught.value.path}: {caught.value.message}"


def test_bad_case_ids_are_distinct() -> None:
    assert len({bad.id for bad in BAD_CASES}) == len(BAD_CASES) >= 25


@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        # An entry whose key and value are both wrong: the value is named.
        (
            edited((("genesis", "accounts", "a", "balances"), {"gold": -1})),
            'genesis.accounts["a"].balances["gold"]',
            "must be >= 0",
        ),
        # The first refused entry or item in document order, with its own path.
        (
            with_storage({"1": 2, "01": 3, "x": -1}),
            'genesis.contracts["c"].storage["01"]',
            "storage key must be a canonical decimal below 2**64",
        ),
        (
            edited((("block", "txs", 3, "args"), [1, -1, "x"])),
            "block.txs[3].args[1]",
            "must be >= 0",
        ),
        (
            edited(
                (("block", "txs", 0, "outputs", 0, "amount"), -1), (("block", "txs", 1, "fee"), -1)
            ),
            "block.txs[0].outputs[0].amount",
            "must be >= 0",
        ),
    ],
)
def test_of_several_faults_the_first_is_named(data: str, path: str, message: str) -> None:
    with pytest.raises(InvalidCase) as caught:
        decode_case(data)
    assert (caught.value.path, caught.value.message) == (path, message)


# ---------------------------------------------------------------- valid cases


def test_base_case_decodes_to_exact_values() -> None:
    expected = Case(
        Genesis(
            {"a": Account(0, {"TOS": 100, "GOLD": 7})},
            {"c": Contract(parse_code({"0": [["PUSH", 1], ["STOP"]]}), {"TOS": 5}, {1: 2})},
        ),
        Block(
            "m",
            50,
            (
                Transfer("a", 0, 1, (Output("b", "TOS", 3),)),
                Burn("a", 1, 1, "GOLD", 2),
                Deploy("a", 2, 0, parse_code({"0": [["STOP"]]})),
                Invoke("a", 3, 0, "c", 0, (1, 2), {"TOS": 1}, 100),
            ),
        ),
        Config(Network.DEVNET, 4, 0),
    )
    assert decode_case(edited()) == expected
    assert decode_case(edited().encode()) == expected


def test_config_omitted_takes_defaults() -> None:
    case = decode_case(edited((("config",), DELETE)))
    assert case.config == Config(Network.DEVNET, 4, 0)
    assert case.config.network is Network.DEVNET


def test_empty_config_takes_defaults() -> None:
    assert decode_case(edited((("config",), {}))).config == Config(Network.DEVNET, 4, 0)


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"threads": 8}, Config(Network.DEVNET, 8, 0)),
        ({"network": "mainnet"}, Config(Network.MAINNET, 4, 0)),
        ({"schedule_seed": U64_MAX}, Config(Network.DEVNET, 4, U64_MAX)),
        ({"network": "testnet", "threads": 1}, Config(Network.TESTNET, 1, 0)),
    ],
)
def test_partial_config(config: dict[str, object], expected: Config) -> None:
    assert decode_case(edited((("config",), config))).config == expected


def test_valid_bounds() -> None:
    case = decode_case(
        edited(
            (("genesis", "accounts", "a", "nonce"), U64_MAX),
            (("block", "txs", 3, "max_gas"), U64_MAX),
            (("block", "txs", 3, "args"), [0, U64_MAX]),
            ((*BALANCE_A, "Z9999999"), 0),
            (("block", "miner"), "a" * 64),
            (("genesis", "contracts", "c", "storage"), {"0": 0, "18446744073709551615": U64_MAX}),
        )
    )
    assert case.genesis.accounts["a"].nonce == U64_MAX
    assert case.genesis.accounts["a"].balances["Z9999999"] == 0
    assert case.genesis.contracts["c"].storage == {0: 0, U64_MAX: U64_MAX}
    assert case.block.miner == "a" * 64
    tx = case.block.txs[3]
    assert isinstance(tx, Invoke)
    assert tx.max_gas == U64_MAX
    assert tx.args == (0, U64_MAX)


def test_address_characters_accepted() -> None:
    case = decode_case(edited(((*OUTPUT0, "dest"), "z_9.a.0")))
    tx = case.block.txs[0]
    assert isinstance(tx, Transfer)
    assert tx.outputs == (Output("z_9.a.0", "TOS", 3),)


def test_tos_supply_exactly_u64_max_is_valid() -> None:
    # account + contract 5 + reward 50 == 2**64 - 1
    case = decode_case(edited(((*BALANCE_A, "TOS"), U64_MAX - 55)))
    assert case.genesis.accounts["a"].balances["TOS"] == U64_MAX - 55


def test_asset_supply_exactly_u64_max_is_valid() -> None:
    case = decode_case(
        edited(
            ((*BALANCE_A, "GOLD"), 2**63),
            (("genesis", "contracts", "c", "balances", "GOLD"), 2**63 - 1),
        )
    )
    assert case.genesis.contracts["c"].balances == {"TOS": 5, "GOLD": 2**63 - 1}


def test_reward_counts_only_for_tos() -> None:
    # GOLD at the limit does not see the reward; TOS does.
    case = decode_case(edited(((*BALANCE_A, "GOLD"), U64_MAX), (("block", "reward"), 10**6)))
    assert case.block.reward == 10**6


def test_miner_may_be_genesis_account() -> None:
    assert decode_case(edited((("block", "miner"), "a"))).block.miner == "a"


# ---------------------------------------------------------------- deploy of ill-formed code

MALFORMED_DEPLOY_CODES = [
    {"0": [["PUSH"]]},
    {"0": [["PUSH", 1.5]]},
    {"01": []},
    {"0": [[]]},
    {"0": ["x"]},
    {"0": [["NOPE"]]},
    {"0": [["JUMP", 1]]},
    {"0": [["ARG", 8]]},
    {"0": [["PUSH", 2**64]]},
    {"0": [["PUSH", True]]},
    {"0": [["CALL", "Bad", 0, 0]]},
    {"0": [["CALL", "c", 0, 9]]},
    {"0": [["STOP"]] * 257},
    {"-1": [["STOP"]]},
    {"0": [{"op": "PUSH"}]},
    {"0": [["PUSH", 1, 2]]},
]


@pytest.mark.parametrize("code", MALFORMED_DEPLOY_CODES, ids=lambda c: json.dumps(c)[:40])
def test_deploy_of_ill_formed_code_decodes_and_round_trips(code: dict[str, object]) -> None:
    case = decode_case(with_deploy_code(code))
    tx = case.block.txs[2]
    assert isinstance(tx, Deploy)
    assert isinstance(tx.code, MalformedCode)
    assert tx.code.raw_json == canonical_json(code)
    encoded = encode_case(case)
    assert encoded["block"]["txs"][2]["code"] == code  # type: ignore[index]
    assert decode_case(canonical_json(encoded)) == case


def test_deploy_of_ill_formed_code_with_several_entries_round_trips() -> None:
    # The entries are out of canonical order, and each one is ill-formed in its own
    # way: re-encoding sorts them, and the decoded case must still be the same.
    for code in ({"1": [["NOPE"]], "0": [["PUSH"]]}, {"9": [["X"]], "10": [["Y"]]}):
        case = decode_case(with_deploy_code(code))
        assert decode_case(canonical_json(encode_case(case))) == case


def test_deploy_of_well_formed_code_is_code() -> None:
    code = {"10": [["ARG", 7], ["JUMPI", 0]], "9": [["CALL", "c", 10, 8], ["REVERT"]]}
    case = decode_case(with_deploy_code(code))
    tx = case.block.txs[2]
    assert isinstance(tx, Deploy)
    assert tx.code == parse_code(code)
    assert decode_case(canonical_json(encode_case(case))) == case


# ---------------------------------------------------------------- round trips


def round_trips(case: Case) -> None:
    text = canonical_json(encode_case(case))
    again = decode_case(text)
    assert again == case
    assert canonical_json(encode_case(again)) == text


@pytest.mark.parametrize(
    "text",
    [
        edited(),
        edited((("config",), DELETE)),
        edited((TXS, [])),
        edited((("genesis", "accounts"), {}), (("genesis", "contracts"), {})),
        with_storage({"9": 1, "10": 2, "0": 0, "18446744073709551615": U64_MAX}),
        with_genesis_code({"9": [], "10": [["PUSH", U64_MAX]], "0": [["CALL", "x.1", 9, 0]]}),
        with_deploy_code({}),
        with_deploy_code({"0": [["PUSH", 1.5]], "1": [[]]}),
    ],
    ids=[
        "base",
        "no_config",
        "no_txs",
        "empty_genesis",
        "storage",
        "genesis_code",
        "empty_deploy_code",
        "malformed_deploy_code",
    ],
)
def test_round_trip(text: str) -> None:
    round_trips(decode_case(text))


@pytest.mark.parametrize("vector_path", VECTORS, ids=[path.stem for path in VECTORS])
def test_vector_round_trip(vector_path: Path) -> None:
    document = json.loads(vector_path.read_text())
    assert set(document) == {"case", "expected"}
    case = decode_case(json.dumps(document["case"]))
    round_trips(case)
    assert decode_case(canonical_json(document["case"]).encode()) == case


def test_vectors_are_present() -> None:
    assert len(VECTORS) >= 1


# ---------------------------------------------------------------- canonical form


def test_canonical_json_sorts_keys_without_whitespace() -> None:
    value = {"b": 1, "a": [1, {"d": None, "c": "x"}], "10": True, "9": False}
    assert canonical_json(value) == '{"10":true,"9":false,"a":[1,{"c":"x","d":null}],"b":1}'


def test_canonical_json_is_utf8_text_not_escaped() -> None:
    assert canonical_json({"k": "é"}) == '{"k":"é"}'


def test_encoded_case_is_exact_canonical_text() -> None:
    text = json.dumps(
        {
            "format": "txparity.case/1",
            "genesis": {
                "accounts": {"a": {"nonce": 1, "balances": {"TOS": 3}}},
                "contracts": {
                    "k": {
                        "code": {"9": [["STOP"]], "10": [["PUSH", 5]]},
                        "balances": {},
                        "storage": {"9": 1, "10": 2},
                    }
                },
            },
            "block": {"miner": "m", "reward": 0, "txs": []},
        },
        indent=2,
    )
    assert canonical_json(encode_case(decode_case(text))) == (
        '{"block":{"miner":"m","reward":0,"txs":[]},'
        '"config":{"network":"devnet","schedule_seed":0,"threads":4},'
        '"format":"txparity.case/1",'
        '"genesis":{"accounts":{"a":{"balances":{"TOS":3},"nonce":1}},'
        '"contracts":{"k":{"balances":{},"code":{"10":[["PUSH",5]],"9":[["STOP"]]},'
        '"storage":{"10":2,"9":1}}}}}'
    )


def test_encoded_transactions_are_canonical() -> None:
    encoded = canonical_json(encode_case(decode_case(edited())))
    assert " " not in encoded
    assert "\n" not in encoded
    txs = json.loads(encoded)["block"]["txs"]
    assert txs == base_case()["block"]["txs"]
    assert '{"amount":2,"asset":"GOLD","fee":1,"kind":"burn","nonce":1,"source":"a"}' in encoded


def test_decode_does_not_depend_on_input_key_order() -> None:
    case = base_case()
    reordered = copy.deepcopy(case)
    reordered["block"]["txs"][3] = dict(reversed(list(case["block"]["txs"][3].items())))
    reordered = dict(reversed(list(reordered.items())))
    assert decode_case(json.dumps(reordered)) == decode_case(json.dumps(case))
