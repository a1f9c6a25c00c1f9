"""The decoder and encoders at the boundary between versions 1 and 2 (SPEC 10).

A version 1 case may have none of the fields version 2 adds (each is an ``unknown
field`` whose message names the version that has it, even at its default value),
and its code may use none of the ops version 2 adds (an invalid case in genesis, a
``malformed`` deploy). In a version 2 case each new field has its type and range,
with the field's path in the error. Both result formats are encoded canonically: a
version 2 receipt always has ``logs`` and a version 2 contract always its ``nonce``.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from txparity.executors.code import parse_code
from txparity.executors.codec import canonical_json, decode_case, encode_case, encode_result
from txparity.executors.errors import InvalidCase
from txparity.executors.execution import run_case
from txparity.executors.model import (
    Account,
    Block,
    Case,
    Config,
    Contract,
    Deploy,
    FeePayment,
    Genesis,
    Invoke,
    Log,
    MalformedCode,
    Network,
    Output,
    Receipt,
    RejectReason,
    RevertReason,
    Transfer,
    Version,
)
from txparity.executors.sequential import SequentialExecutor

U64_MAX = 2**64 - 1
IN_V1 = "(added by version 2; this case's format is 'txparity.case/1')"
V2_OPS = (["LOG"], ["BALANCEOF", "a"], ["DESTROY"], ["CLONE"])


def base_case(version: int = 2) -> dict[str, Any]:
    """A valid case: a contract, a transfer, a deploy and an invoke, no version 2 field."""
    return {
        "format": f"txparity.case/{version}",
        "genesis": {
            "accounts": {"a": {"nonce": 0, "balances": {"TOS": 100}}},
            "contracts": {"c": {"code": {"0": [["PUSH", 1]]}, "balances": {}, "storage": {}}},
        },
        "block": {
            "miner": "m",
            "reward": 5,
            "txs": [
                {
                    "kind": "transfer",
                    "source": "a",
                    "nonce": 0,
                    "fee": 1,
                    "outputs": [{"dest": "b", "asset": "TOS", "amount": 3}],
                },
                {"kind": "deploy", "source": "a", "nonce": 1, "fee": 0, "code": {"0": []}},
                {
                    "kind": "invoke",
                    "source": "a",
                    "nonce": 2,
                    "fee": 0,
                    "contract": "c",
                    "entry": 0,
                    "args": [],
                    "deposits": {},
                    "max_gas": 10,
                },
            ],
        },
    }


CONTRACT = ("genesis", "contracts", "c")
BLOCK = ("block",)
DEPLOY = ("block", "txs", 1)


def edited(case: dict[str, Any], *edits: tuple[tuple[str | int, ...], object]) -> str:
    """``case`` with each ``(path, value)`` set, as JSON text."""
    case = copy.deepcopy(case)
    for path, value in edits:
        *parents, last = path
        target: Any = case
        for step in parents:
            target = target[step]
        target[last] = value
    return json.dumps(case)


def refused(text: str) -> InvalidCase:
    with pytest.raises(InvalidCase) as caught:
        decode_case(text)
    return caught.value


# ---------------------------------------------------------------- version 1 refuses version 2


V2_FIELDS = [
    pytest.param(CONTRACT, "nonce", 0, 'genesis.contracts["c"].nonce', id="contract-nonce"),
    pytest.param(CONTRACT, "nonce", 5, 'genesis.contracts["c"].nonce', id="contract-nonce-5"),
    pytest.param(BLOCK, "fee_payment", "block_end", "block.fee_payment", id="block-end"),
    pytest.param(BLOCK, "fee_payment", "each_tx", "block.fee_payment", id="each-tx"),
    pytest.param(BLOCK, "gas_limit", 100, "block.gas_limit", id="gas-limit"),
    pytest.param(DEPLOY, "salt", 0, "block.txs[1].salt", id="salt"),
]


@pytest.mark.parametrize(("where", "name", "value", "path"), V2_FIELDS)
def test_a_version_2_field_is_unknown_in_a_version_1_case(
    where: tuple[str | int, ...], name: str, value: object, path: str
) -> None:
    error = refused(edited(base_case(1), ((*where, name), value)))
    assert error.path == path
    assert error.message == f"unknown field {IN_V1}"


@pytest.mark.parametrize(("where", "name", "value", "path"), V2_FIELDS)
def test_the_same_field_is_accepted_in_a_version_2_case(
    where: tuple[str | int, ...], name: str, value: object, path: str
) -> None:
    assert decode_case(edited(base_case(2), ((*where, name), value))).version is Version.V2


@pytest.mark.parametrize(
    ("where", "name", "path"),
    [
        pytest.param(("block", "txs", 0), "salt", "block.txs[0].salt", id="salt-on-transfer"),
        pytest.param(("block", "txs", 2), "salt", "block.txs[2].salt", id="salt-on-invoke"),
        pytest.param(("genesis", "accounts", "a"), "salt", 'genesis.accounts["a"].salt', id="acct"),
        pytest.param(DEPLOY, "gas_limit", "block.txs[1].gas_limit", id="gas-limit-on-deploy"),
        pytest.param(("block", "txs", 2), "nonce_", "block.txs[2].nonce_", id="typo"),
        pytest.param((), "fee_payment", "fee_payment", id="top-level"),
    ],
)
def test_a_version_2_field_elsewhere_is_a_plain_unknown_field(
    where: tuple[str | int, ...], name: str, path: str
) -> None:
    for version in (1, 2):
        error = refused(edited(base_case(version), ((*where, name), 1)))
        assert (error.path, error.message) == (path, "unknown field")


@pytest.mark.parametrize("instruction", V2_OPS, ids=lambda i: i[0])
def test_a_version_2_op_in_a_version_1_genesis_contract_is_an_invalid_case(
    instruction: list[object],
) -> None:
    code = {"0": [["PUSH", 1], instruction]}
    error = refused(edited(base_case(1), ((*CONTRACT, "code"), code)))
    assert error.path == 'genesis.contracts["c"].code["0"][1]'
    assert error.message == f"unknown op {instruction[0]!r} {IN_V1}"


@pytest.mark.parametrize("instruction", V2_OPS, ids=lambda i: i[0])
def test_a_version_2_op_in_a_version_1_deploy_is_malformed(instruction: list[object]) -> None:
    raw = {"3": [instruction]}
    case = decode_case(edited(base_case(1), ((*DEPLOY, "code"), raw)))
    deploy = case.block.txs[1]
    assert isinstance(deploy, Deploy)
    assert deploy.code == MalformedCode(
        canonical_json(raw), f'["3"][0]: unknown op {instruction[0]!r} {IN_V1}'
    )
    execution = run_case(SequentialExecutor(), case, "memory")
    assert execution.receipts[1] == Receipt.rejected(RejectReason.MALFORMED)


@pytest.mark.parametrize("instruction", V2_OPS, ids=lambda i: i[0])
def test_a_version_2_op_is_well_formed_in_a_version_2_case(instruction: list[object]) -> None:
    code = {"0": [["PUSH", 1], instruction]}
    case = decode_case(edited(base_case(2), ((*CONTRACT, "code"), code), ((*DEPLOY, "code"), code)))
    deploy = case.block.txs[1]
    assert isinstance(deploy, Deploy)
    assert deploy.code == case.genesis.contracts["c"].code == parse_code(code, Version.V2)


# ---------------------------------------------------------------- version 2: types and ranges

WRONG_VALUES = [
    pytest.param(None, "must be an integer", id="null"),
    pytest.param("1", "must be an integer", id="string"),
    pytest.param(True, "must be an integer", id="bool"),
    pytest.param(1.5, "must be an integer", id="fraction"),
    pytest.param([], "must be an integer", id="list"),
    pytest.param(-1, "must be >= 0", id="negative"),
    pytest.param(2**64, "must be < 2**64", id="too-big"),
]


@pytest.mark.parametrize(
    ("where", "name", "path"),
    [
        pytest.param(CONTRACT, "nonce", 'genesis.contracts["c"].nonce', id="contract-nonce"),
        pytest.param(BLOCK, "gas_limit", "block.gas_limit", id="gas-limit"),
        pytest.param(DEPLOY, "salt", "block.txs[1].salt", id="salt"),
    ],
)
@pytest.mark.parametrize(("value", "message"), WRONG_VALUES)
def test_a_version_2_integer_field_has_its_type_and_range(
    where: tuple[str | int, ...], name: str, path: str, value: object, message: str
) -> None:
    error = refused(edited(base_case(2), ((*where, name), value)))
    assert (error.path, error.message) == (path, message)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "must be a string"),
        (1, "must be a string"),
        (["each_tx"], "must be a string"),
        ("each", "must be one of block_end, each_tx"),
        ("EACH_TX", "must be one of block_end, each_tx"),
        ("", "must be one of block_end, each_tx"),
    ],
)
def test_fee_payment_is_one_of_its_names(value: object, message: str) -> None:
    error = refused(edited(base_case(2), (("block", "fee_payment"), value)))
    assert (error.path, error.message) == ("block.fee_payment", message)


def test_the_bounds_of_the_version_2_integers_are_valid() -> None:
    for value in (0, U64_MAX):
        case = decode_case(
            edited(
                base_case(2),
                ((*CONTRACT, "nonce"), value),
                (("block", "gas_limit"), value),
                ((*DEPLOY, "salt"), value),
            )
        )
        assert case.genesis.contracts["c"].nonce == value
        assert case.block.gas_limit == value
        deploy = case.block.txs[1]
        assert isinstance(deploy, Deploy)
        assert deploy.salt == value


@pytest.mark.parametrize(
    ("operand", "well_formed"),
    [("a", True), ("a.s1.0", True), ("z" * 64, True), ("z" * 65, False), ("Bad!", False),
     ("", False), (7, False), (None, False)],
)  # fmt: skip
def test_balanceof_takes_an_address_operand(operand: object, well_formed: bool) -> None:
    raw = {"0": [["BALANCEOF", operand]]}
    case = decode_case(edited(base_case(2), ((*DEPLOY, "code"), raw)))
    deploy = case.block.txs[1]
    assert isinstance(deploy, Deploy)
    assert isinstance(deploy.code, MalformedCode) is not well_formed
    if not well_formed:
        assert isinstance(deploy.code, MalformedCode)
        assert deploy.code.problem == '["0"][0][1]: BALANCEOF needs an address'


# ---------------------------------------------------------------- version 2 values


def test_a_version_2_case_decodes_to_exact_values() -> None:
    text = edited(
        base_case(2),
        ((*CONTRACT, "nonce"), 9),
        (("block", "fee_payment"), "each_tx"),
        (("block", "gas_limit"), 40),
        ((*DEPLOY, "salt"), 3),
    )
    assert decode_case(text) == Case(
        Genesis(
            {"a": Account(0, {"TOS": 100})},
            {"c": Contract(parse_code({"0": [["PUSH", 1]]}), {}, {}, 9)},
        ),
        Block(
            "m",
            5,
            (
                Transfer("a", 0, 1, (Output("b", "TOS", 3),)),
                Deploy("a", 1, 0, parse_code({"0": []}), 3),
                Invoke("a", 2, 0, "c", 0, (), {}, 10),
            ),
            FeePayment.EACH_TX,
            40,
        ),
        Config(Network.DEVNET, 4, 0),
        Version.V2,
    )


def test_absent_version_2_fields_take_their_defaults_and_block_end_is_the_default() -> None:
    omitted = decode_case(json.dumps(base_case(2)))
    assert omitted.version is Version.V2
    assert omitted.genesis.contracts["c"].nonce == 0
    assert (omitted.block.fee_payment, omitted.block.gas_limit) == (FeePayment.BLOCK_END, None)
    deploy = omitted.block.txs[1]
    assert isinstance(deploy, Deploy)
    assert (deploy.salt, deploy.new_address) == (None, "a.1")
    explicit = decode_case(
        edited(base_case(2), (("block", "fee_payment"), "block_end"), ((*CONTRACT, "nonce"), 0))
    )
    assert explicit == omitted


def test_a_version_1_case_and_its_version_2_relabelling_differ_only_in_version() -> None:
    one = decode_case(json.dumps(base_case(1)))
    two = decode_case(json.dumps(base_case(2)))
    assert one.version is Version.V1
    assert one != two
    assert (one.genesis, one.block, one.config) == (two.genesis, two.block, two.config)


# ---------------------------------------------------------------- encoders


def test_a_version_2_case_encodes_to_exact_canonical_text() -> None:
    case = decode_case(edited(base_case(2), (("block", "gas_limit"), 40), ((*DEPLOY, "salt"), 3)))
    assert canonical_json(encode_case(case)) == (
        '{"block":{"fee_payment":"block_end","gas_limit":40,"miner":"m","reward":5,"txs":['
        '{"fee":1,"kind":"transfer","nonce":0,"outputs":[{"amount":3,"asset":"TOS","dest":"b"}],'
        '"source":"a"},'
        '{"code":{"0":[]},"fee":0,"kind":"deploy","nonce":1,"salt":3,"source":"a"},'
        '{"args":[],"contract":"c","deposits":{},"entry":0,"fee":0,"kind":"invoke",'
        '"max_gas":10,"nonce":2,"source":"a"}]},'
        '"config":{"network":"devnet","schedule_seed":0,"threads":4},'
        '"format":"txparity.case/2",'
        '"genesis":{"accounts":{"a":{"balances":{"TOS":100},"nonce":0}},'
        '"contracts":{"c":{"balances":{},"code":{"0":[["PUSH",1]]},"nonce":0,"storage":{}}}}}'
    )


@pytest.mark.parametrize(
    "edits",
    [
        (),
        (((*CONTRACT, "nonce"), U64_MAX),),
        ((("block", "fee_payment"), "each_tx"), (("block", "gas_limit"), 0)),
        (((*DEPLOY, "salt"), 0),),
        (((*DEPLOY, "code"), {"0": [["LOG"]], "x": []}), ((*DEPLOY, "salt"), 7)),
        (((*CONTRACT, "code"), {"0": [["BALANCEOF", "a.s1"], ["CLONE"], ["DESTROY"]]}),),
    ],
    ids=["plain", "nonce", "fees-and-limit", "salt", "malformed-salted", "ops"],
)
def test_a_version_2_case_round_trips(
    edits: tuple[tuple[tuple[str | int, ...], object], ...],
) -> None:
    case = decode_case(edited(base_case(2), *edits))
    assert decode_case(canonical_json(encode_case(case))) == case


def test_a_version_1_result_has_no_logs_and_no_contract_nonces() -> None:
    state = {"accounts": {}, "burned": {}, "contracts": {}}
    receipt = Receipt.applied(4, (Log("c", 1),))
    assert encode_result(state, [receipt]) == (
        '{"format":"txparity.result/1","receipts":[{"gas_used":4,"reason":null,'
        '"status":"applied"}],"state":{"accounts":{},"burned":{},"contracts":{}}}'
    )


def test_a_version_2_result_line_is_exact() -> None:
    code = {"0": [["PUSH", 7], ["LOG"], ["CLONE"], ["LOG"]]}
    case_json = base_case(2)
    case_json["genesis"]["contracts"]["c"]["code"] = code
    case_json["block"]["txs"][2]["max_gas"] = 40
    case_json["block"]["gas_limit"] = 1
    case_json["block"]["txs"].append(case_json["block"]["txs"][0] | {"nonce": 3})
    execution = run_case(SequentialExecutor(), decode_case(json.dumps(case_json)), "sqlite")
    assert execution.result_json == (
        '{"format":"txparity.result/2","receipts":['
        '{"gas_used":0,"logs":[],"reason":null,"status":"applied"},'
        '{"gas_used":0,"logs":[],"reason":null,"status":"applied"},'
        '{"gas_used":37,"logs":[["c",7],["c",0]],"reason":null,"status":"applied"},'
        '{"gas_used":0,"logs":[],"reason":"block_full","status":"rejected"}],'
        '"state":{"accounts":{"a":{"balances":{"TOS":59},"nonce":3},'
        '"b":{"balances":{"TOS":3},"nonce":0},"m":{"balances":{"TOS":43},"nonce":0}},'
        '"burned":{},'
        '"contracts":{"a.1":{"balances":{},"code":{"0":[]},"nonce":0,"storage":{}},'
        '"c":{"balances":{},"code":{"0":[["PUSH",7],["LOG"],["CLONE"],["LOG"]]},"nonce":1,'
        '"storage":{}},'
        '"c.0":{"balances":{},"code":{"0":[["PUSH",7],["LOG"],["CLONE"],["LOG"]]},"nonce":0,'
        '"storage":{}}}}}'
    )


def test_the_new_reasons_are_version_2_reasons() -> None:
    assert RejectReason.BLOCK_FULL.since is Version.V2
    assert RevertReason.CREATE_FAILED.since is Version.V2
    assert {reason for reason in RejectReason if reason.since is Version.V2} == {
        RejectReason.BLOCK_FULL
    }
    assert {reason for reason in RevertReason if reason.since is Version.V2} == {
        RevertReason.CREATE_FAILED
    }
