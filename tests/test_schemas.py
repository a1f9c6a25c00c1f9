"""The published JSON Schemas: built from the code's tables, shipped, published, and in
agreement with the decoders that stay the judge.

Each schema is checked in both directions: everything txparity accepts or writes (the
vectors, the corpus, generated cases of every profile, saved entries of every kind)
validates, and the invalid documents the decoder tests use fail, except those whose
rule the schema's description lists as beyond JSON Schema, which must then pass (so
that the list stays exact).
"""

from __future__ import annotations

import copy
import functools
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from tests import test_codec, test_codec_v2
from tests.conftest import VECTOR_PATHS, VECTORS_DIR, load_vector
from tests.test_corpus import BAD_FIELDS, mutant_entry
from txparity.executors.codec import canonical_json, case_from_json, encode_case
from txparity.executors.errors import InvalidCase
from txparity.harness.differential import DivergenceKind
from txparity.harness.entry import EntryRefused, entry_from_document
from txparity.harness.options import NO_REFERENCE
from txparity.harness.reproduce import Recheck
from txparity.harness.schemas import (
    DIALECT,
    SCHEMAS,
    build_schemas,
    load_schema,
    publish,
    schema_path,
    schema_text,
)
from txparity.harness.shrink import ShrinkStop
from txparity.harness.strategies import PROFILES, cases
from txparity.harness.targets.result_shape import shape_problem

Json = dict[str, Any]
REPOSITORY = Path(__file__).resolve().parents[1]
PUBLISHED = REPOSITORY / "docs" / "schemas"
ENTRY_SCHEMA = "counterexample.v1.schema.json"
VALIDATORS = {name: Draft202012Validator(load_schema(name)) for name in SCHEMAS}


def problems(name: str, document: object) -> list[str]:
    return [error.message for error in VALIDATORS[name].iter_errors(document)]


def case_schema_accepts(document: object) -> bool:
    """Whether a case schema (the one its format names, or either) accepts ``document``."""
    return not problems("case.v1.schema.json", document) or not problems(
        "case.v2.schema.json", document
    )


def version_of(document: Json) -> str:
    return str(document["format"]).rsplit("/", 1)[1]


# ---------------------------------------------------------------- built, shipped, published


def test_the_shipped_files_are_what_the_module_builds() -> None:
    built = build_schemas()
    assert sorted(built) == list(SCHEMAS) == [
        "case.v1.schema.json", "case.v2.schema.json", "counterexample.v1.schema.json",
        "result.v1.schema.json", "result.v2.schema.json",
    ]  # fmt: skip
    for name, schema in built.items():
        assert schema_path(name).read_text("utf-8") == schema_text(schema), name
    shipped = sorted(path.name for path in schema_path(SCHEMAS[0]).parent.glob("*.json"))
    assert shipped == list(SCHEMAS)


def test_the_published_copy_is_the_shipped_one_byte_for_byte() -> None:
    assert sorted(path.name for path in PUBLISHED.glob("*.json")) == list(SCHEMAS)
    for name in SCHEMAS:
        assert (PUBLISHED / name).read_bytes() == schema_path(name).read_bytes(), name


def test_publish_writes_the_package_then_copies_it(tmp_path: Path) -> None:
    package, published = tmp_path / "package", tmp_path / "docs" / "schemas"
    package.mkdir()
    written = publish(package, [published])
    assert [path.name for path in written] == [*build_schemas()] * 2
    for name in SCHEMAS:
        assert (published / name).read_bytes() == schema_path(name).read_bytes()
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == sorted(SCHEMAS * 2)


def test_the_command_checks_both_copies_and_writes_into_a_directory(tmp_path: Path) -> None:
    module = [sys.executable, "-m", "txparity.harness.schemas"]
    check = subprocess.run([*module, "--check"], capture_output=True, text=True, timeout=300)
    assert (check.returncode, check.stdout, check.stderr) == (0, "", "")
    wrote = subprocess.run([*module, str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert wrote.returncode == 0, wrote.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == list(SCHEMAS)
    for name in SCHEMAS:
        assert (tmp_path / name).read_bytes() == schema_path(name).read_bytes()


@pytest.mark.parametrize("name", SCHEMAS)
def test_each_is_a_complete_draft_2020_12_schema(name: str) -> None:
    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == DIALECT
    assert schema["$ref"].removeprefix("#/$defs/") in schema["$defs"]
    assert all(ref.startswith("#/$defs/") for ref in refs(schema))
    assert {ref.removeprefix("#/$defs/") for ref in refs(schema)} <= set(schema["$defs"])
    assert "cannot express" in schema["description"]


def refs(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "$ref":
                yield item
            else:
                yield from refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from refs(item)


def test_an_unknown_schema_is_named() -> None:
    with pytest.raises(KeyError) as raised:
        load_schema("case.v3.schema.json")
    assert raised.value.args[0].startswith("no schema 'case.v3.schema.json' (known: case.v1.")


# ---------------------------------------------------------------- what txparity accepts validates


@pytest.mark.parametrize("path", VECTOR_PATHS, ids=[path.stem for path in VECTOR_PATHS])
def test_every_vector_validates(path: Path) -> None:
    document = json.loads(path.read_text())
    version = version_of(document["case"])
    assert problems(f"case.v{version}.schema.json", document["case"]) == []
    assert problems(f"result.v{version}.schema.json", document["expected"]) == []
    other = "1" if version == "2" else "2"
    assert problems(f"case.v{other}.schema.json", document["case"]) != []


CORPUS_FILES = sorted((REPOSITORY / "corpus").rglob("*.json"))


def test_the_repository_has_a_corpus_to_validate() -> None:
    assert CORPUS_FILES


@pytest.mark.parametrize("path", CORPUS_FILES, ids=[path.stem for path in CORPUS_FILES])
def test_every_corpus_entry_validates(path: Path) -> None:
    assert problems(ENTRY_SCHEMA, json.loads(path.read_text())) == []


@pytest.mark.parametrize("profile", sorted(PROFILES))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_cases_of_every_profile_validate(profile: str, data: st.DataObject) -> None:
    document = encode_case(data.draw(cases(profile)))
    assert problems(f"case.v{version_of(document)}.schema.json", document) == []


@functools.cache
def entries() -> dict[str, Json]:
    """A saved entry of every kind: found against the default reference, against an
    external one that failed, with no reference, rechecked and shrunk, of version 2."""
    found = mutant_entry()
    external = "cmd:python3 -u my_executor.py --mode 'sequential'"
    case_v2, expected_v2 = load_vector(VECTORS_DIR / "v2_logs_across_call_frames.json")
    made = {
        "default reference": found,
        "reference failed": replace(
            found, kind=DivergenceKind.REFERENCE, reference=external,
            executors=(external,), expected=None, actual=None,
        ),
        "no reference": replace(
            found, reference=NO_REFERENCE, executors=("sequential@memory", *found.executors),
            expected=None,
        ),
        "rechecked and shrunk": replace(
            found, recheck=Recheck("batched@memory/threads", 12, False), shrunk=True,
            shrink_stopped=ShrinkStop.FIXED_POINT,
        ),
        "version 2": replace(found, case=case_from_json(case_v2), expected=expected_v2,
                             actual=expected_v2.replace('"gas_used":', '"gas_used":1')),
    }  # fmt: skip
    return {name: json.loads(canonical_json(entry.to_json())) for name, entry in made.items()}


ENTRY_KINDS = (
    "default reference", "reference failed", "no reference", "rechecked and shrunk", "version 2",
)  # fmt: skip


def test_every_kind_of_entry_is_made() -> None:
    assert tuple(entries()) == ENTRY_KINDS


@pytest.mark.parametrize("name", ENTRY_KINDS)
def test_every_kind_of_saved_entry_validates(name: str) -> None:
    document = entries()[name]
    entry_from_document(copy.deepcopy(document))  # the judge accepts it
    assert problems(ENTRY_SCHEMA, document) == []


# ---------------------------------------------------------------- what the decoder refuses fails

# The decoder's invalid cases whose rule a schema cannot express (each is one of the
# numbered rules in the case schemas' description); every other one must fail.
CASES_BEYOND_SCHEMA = {
    "repeated_top_level": "(1) a repeated key",
    "repeated_in_tx": "(1) a repeated key",
    "repeated_in_output": "(1) a repeated key",
    "repeated_in_deposits": "(1) a repeated key",
    "repeated_in_deploy_code": "(1) a repeated key",
    "repeated_in_config": "(1) a repeated key",
    "repeated_in_genesis_account": "(1) a repeated key",
    "repeated_in_genesis_storage": "(1) a repeated key",
    "float_fee": "(2) 1.0 is an integer to JSON Schema",
    "exponent_reward": "(2) 1e2 is an integer to JSON Schema",
    "account_and_contract": "(3) an account and a contract",
    "miner_is_contract": "(4) the miner is a contract",
    "tos_supply_two_pow_64": "(5) total supply",
    "reward_tips_tos_supply": "(5) total supply",
    "asset_supply_across_holders": "(5) total supply",
    "asset_supply_three_accounts": "(5) total supply",
    "genesis_code_jump_out_of_range": "(6) a jump target past its program",
}


def strict_document(data: str | bytes) -> object | None:
    """The JSON value of ``data``, or None if it is no JSON document a schema could be
    given (not UTF-8, not JSON, NaN or Infinity)."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return json.loads(text, parse_constant=refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


def refuse_constant(name: str) -> object:
    raise ValueError(name)


BAD_CASE_DOCUMENTS = {
    bad.id: document
    for bad in test_codec.BAD_CASES
    if (document := strict_document(bad.data)) is not None
}


def test_the_decoders_invalid_cases_that_are_json_are_many() -> None:
    assert len(BAD_CASE_DOCUMENTS) >= 80
    assert set(CASES_BEYOND_SCHEMA) <= set(BAD_CASE_DOCUMENTS)


@pytest.mark.parametrize("bad_id", sorted(BAD_CASE_DOCUMENTS))
def test_the_schema_refuses_what_the_decoder_refuses(bad_id: str) -> None:
    accepted = case_schema_accepts(BAD_CASE_DOCUMENTS[bad_id])
    assert accepted == (bad_id in CASES_BEYOND_SCHEMA), CASES_BEYOND_SCHEMA.get(bad_id, bad_id)


@pytest.mark.parametrize(("where", "name", "value", "path"), test_codec_v2.V2_FIELDS)
def test_a_version_2_field_fails_a_version_1_case(
    where: tuple[str | int, ...], name: str, value: object, path: str
) -> None:
    document = json.loads(test_codec_v2.edited(test_codec_v2.base_case(1), ((*where, name), value)))
    assert problems("case.v1.schema.json", document) != []
    as_v2 = document | {"format": "txparity.case/2"}
    assert problems("case.v2.schema.json", as_v2) == []
    case_from_json(as_v2)


@pytest.mark.parametrize("where", [test_codec_v2.CONTRACT, test_codec_v2.BLOCK])
@pytest.mark.parametrize(("value", "message"), test_codec_v2.WRONG_VALUES)
def test_a_version_2_integer_of_the_wrong_type_or_range_fails(
    where: tuple[str | int, ...], value: object, message: str
) -> None:
    name = "nonce" if where == test_codec_v2.CONTRACT else "gas_limit"
    text = test_codec_v2.edited(test_codec_v2.base_case(2), ((*where, name), value))
    with pytest.raises(InvalidCase) as refused:
        case_from_json(json.loads(text))
    assert refused.value.message == message
    assert problems("case.v2.schema.json", json.loads(text)) != []


@pytest.mark.parametrize(("field", "value", "problem"), BAD_FIELDS)
def test_the_entry_schema_refuses_what_the_corpus_refuses(
    field: str, value: object, problem: str
) -> None:
    document = copy.deepcopy(entries()["default reference"]) | {field: value}
    with pytest.raises(EntryRefused) as refused:
        entry_from_document(copy.deepcopy(document))
    assert str(refused.value).startswith(problem)
    beyond = field == "executors" and value == ["cmd:sh -c 'x"]  # (3) how a shell splits
    assert (problems(ENTRY_SCHEMA, document) == []) == beyond


def test_only_a_reference_failure_or_a_split_has_no_expected_result() -> None:
    document = entries()["default reference"] | {"expected": None}
    with pytest.raises(EntryRefused):
        entry_from_document(copy.deepcopy(document))
    assert problems(ENTRY_SCHEMA, document) != []
    alone = entries()["no reference"] | {"executors": ["sequential@memory"]}
    with pytest.raises(EntryRefused):
        entry_from_document(copy.deepcopy(alone))
    assert problems(ENTRY_SCHEMA, alone) != []


# ---------------------------------------------------------------- results


def vector_result(name: str) -> Json:
    return dict(json.loads(load_vector(VECTORS_DIR / name)[1]))


V1 = "simple_transfer.json"
V2 = "v2_logs_across_call_frames.json"


def edited_result(name: str, path: tuple[str | int, ...], value: object) -> Json:
    document = copy.deepcopy(vector_result(name))
    *parents, last = path
    target: Any = document
    for step in parents:
        target = target[step]
    target[last] = value
    return document


RECEIPT = ("receipts", 0)
A_BALANCES = ("state", "accounts", "a", "balances")

# Canonical results break a rule of SPEC 7 that a schema expresses, but keep a
# result's shape: an executor that answers one is wrong, not broken.
NOT_CANONICAL = {
    "zero balance": (V1, (*A_BALANCES, "TOS"), 0),
    "unknown status": (V1, (*RECEIPT, "status"), "ok"),
    "applied with a reason": (V1, (*RECEIPT, "reason"), "bad_nonce"),
    "rejected without a reason": (V1, (*RECEIPT, "status"), "rejected"),
    "a version 2 reason in version 1": (V1, (*RECEIPT, "reason"), "block_full"),
    "a bad address": (V1, ("state", "accounts", "A!"), {"balances": {}, "nonce": 0}),
    "a slot not canonical": (V2, ("state", "contracts", "inner", "storage"), {"01": 1}),
}
# Not even a result's shape: a protocol error from an external executor.
MISSHAPEN = {
    "a float": (V1, (*RECEIPT, "gas_used"), 1.5),
    "negative": (V1, (*RECEIPT, "gas_used"), -1),
    "too big": (V1, (*RECEIPT, "gas_used"), 2**64),
    "a bool": (V1, ("state", "accounts", "a", "nonce"), True),
    "logs in version 1": (V1, (*RECEIPT, "logs"), []),
    "no logs in version 2": (V2, RECEIPT, {"status": "applied", "reason": None, "gas_used": 1}),
    "an unknown field": (V1, ("state", "extra"), {}),
    "receipts not a list": (V1, ("receipts",), {}),
    "a log of three": (V2, (*RECEIPT, "logs", 0), ["inner", 1, 2]),
}


@pytest.mark.parametrize("name", sorted(NOT_CANONICAL))
def test_a_result_that_is_not_canonical_fails_the_result_schema_only(name: str) -> None:
    vector, path, value = NOT_CANONICAL[name]
    document = edited_result(vector, path, value)
    assert problems(f"result.v{version_of(document)}.schema.json", document) != []
    assert shape_problem(document) is None
    assert answer_problems(document) == []


@pytest.mark.parametrize("name", sorted(MISSHAPEN))
def test_a_misshapen_answer_fails_both_as_it_fails_the_reader(name: str) -> None:
    vector, path, value = MISSHAPEN[name]
    document = edited_result(vector, path, value)
    assert problems(f"result.v{version_of(document)}.schema.json", document) != []
    assert shape_problem(document) is not None
    assert answer_problems(document) != []


def answer_problems(answer: Json) -> list[str]:
    """What the entry schema says of ``answer`` recorded as an entry's actual result."""
    return problems(ENTRY_SCHEMA, entries()["default reference"] | {"actual": answer})


@pytest.mark.parametrize("path", VECTOR_PATHS, ids=[path.stem for path in VECTOR_PATHS])
def test_every_expected_result_is_an_answer_too(path: Path) -> None:
    assert answer_problems(json.loads(path.read_text())["expected"]) == []
