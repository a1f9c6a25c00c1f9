"""The published JSON Schemas: the case, the result and the corpus entry, as files.

txparity publishes a JSON Schema (draft 2020-12) for each document another program
may write or read: the case (versions 1 and 2, SPEC 3 and 10.2), the canonical
result (versions 1 and 2, SPEC 7 and 10.5) and the corpus entry
(``txparity.counterexample/1``, ``harness.entry``). They ship in this package
(``load_schema``, ``schema_path``) and are published in the repository's
``docs/schemas``, a byte-for-byte copy of the package's files, so that an adapter in
any language can check what it reads and writes with a validator of its own.

The schemas are built here, from the facts they restate, and never edited by hand:
the limits and value grammars of ``executors.limits``, the instruction table of
``executors.vm`` (which ops each version has, and their operands), the statuses and
reasons of ``executors.model``, the executor names of ``executors.registry`` and
the bounds of ``harness.entry``. ``python -m txparity.harness.schemas`` writes the
package's files again, then copies them into ``docs/schemas``; a test checks that
both copies are what this module builds.

The Python decoder stays the judge: a schema says what it can, and each lists in
its ``description`` the rules of SPEC that JSON Schema cannot express (a key
repeated in one object, which a JSON parser has already collapsed; an integer
written with a fraction or an exponent, which JSON Schema's ``integer`` accepts;
the rules that relate one part of a document to another). A document a schema
refuses is refused by txparity too; one it accepts may still break such a rule.

Every definition lives in one table (``_definitions``), named with its version
where it has one (``case_v1``, ``code_v2``); each file holds the definitions its
document reaches, under ``$defs``, and refers to them locally, so that a file is
complete on its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from txparity.executors.limits import (
    ADDRESS_PATTERN,
    ASSET_PATTERN,
    MAX_ADDRESS_LENGTH,
    MAX_ARG_INDEX,
    MAX_CALL_ARGS,
    MAX_JSON_DEPTH,
    MAX_PROGRAM_LENGTH,
    U64_LIMIT,
)
from txparity.executors.model import (
    FeePayment,
    Network,
    RejectReason,
    RevertReason,
    Status,
    Version,
)
from txparity.executors.registry import EXECUTORS, SCHEDULES
from txparity.executors.shapes import CASE_FORMATS, FINGERPRINT_LENGTH, RESULT_FORMATS
from txparity.executors.state import BACKENDS
from txparity.executors.vm import INSTRUCTIONS, Operand
from txparity.harness.differential import DivergenceKind, Equivalence
from txparity.harness.entry import (
    ENTRY_FORMAT,
    MAX_DETAIL_CHARS,
    MAX_ENTRY_EXECUTORS,
    MAX_ENTRY_GAS,
    MAX_ENTRY_TRANSACTIONS,
    MAX_SPEC_CHARS,
)
from txparity.harness.options import NO_REFERENCE, REPRODUCE_SEEDS_MOST
from txparity.harness.reproduce import REPLAYABLE_SCHEDULES
from txparity.harness.shrink import ShrinkStop
from txparity.harness.targets.external import EXTERNAL_PREFIX

__all__ = [
    "DIALECT",
    "SCHEMAS",
    "build_schemas",
    "load_schema",
    "publish",
    "schema_path",
    "schema_text",
    "write_schemas",
]

Json = dict[str, Any]
DIALECT = "https://json-schema.org/draft/2020-12/schema"
_HERE = "txparity.harness.schemas"


# ---------------------------------------------------------------- values (SPEC 1)


def _ref(name: str) -> Json:
    return {"$ref": f"#/$defs/{name}"}


def _whole(pattern: str) -> str:
    """A Python pattern used with ``fullmatch``, as a JSON Schema pattern (a search)."""
    return f"^(?:{pattern})$"


def _decimal_below(limit: int) -> str:
    """A pattern for canonical decimals (no sign, no leading zero) below ``limit``:
    fewer digits than ``limit - 1``, or as many and no greater, digit by digit."""
    top = str(limit - 1)
    width = len(top)
    alternatives = ["0", f"[1-9][0-9]{{0,{width - 2}}}"]
    for position, digit in enumerate(top):
        least = 1 if position == 0 else 0
        if int(digit) > least:
            rest = width - position - 1
            tail = f"[0-9]{{{rest}}}" if rest else ""
            alternatives.append(f"{top[:position]}[{least}-{int(digit) - 1}]{tail}")
    alternatives.append(top)
    return "^(?:" + "|".join(alternatives) + ")$"


def _integer(least: int, most: int, description: str = "") -> Json:
    schema: Json = {"type": "integer", "minimum": least, "maximum": most}
    return schema | ({"description": description} if description else {})


def _object(required: Mapping[str, Json], optional: Mapping[str, Json] | None = None) -> Json:
    """An object with exactly the ``required`` fields and perhaps the ``optional`` ones."""
    return {
        "type": "object",
        "required": list(required),
        "properties": dict(required) | dict(optional or {}),
        "additionalProperties": False,
    }


def _map(key: str, value: Json) -> Json:
    """An object keyed by data (addresses, assets, slots, entry ids)."""
    return {"type": "object", "propertyNames": _ref(key), "additionalProperties": value}


def _values() -> dict[str, Json]:
    return {
        "u64": _integer(0, U64_LIMIT - 1, "an integer 0 <= x < 2**64, written as an integer"),
        "positive_u64": _integer(
            1,
            U64_LIMIT - 1,
            "a u64 that is not 0 (the canonical form "
            "omits zero balances, storage values and burn totals)",
        ),
        "address": {
            "type": "string",
            "pattern": _whole(ADDRESS_PATTERN.pattern),
            "description": f"1 to {MAX_ADDRESS_LENGTH} characters from a-z 0-9 _ .",
        },
        "asset": {
            "type": "string",
            "pattern": _whole(ASSET_PATTERN.pattern),
            "description": "1 to 8 characters from A-Z 0-9, a letter first; TOS is native",
        },
        "decimal": {
            "type": "string",
            "pattern": _decimal_below(U64_LIMIT),
            "description": "a canonical decimal (no sign, no leading zero) below 2**64: "
            "a storage slot or an entry id",
        },
    }


# ---------------------------------------------------------------- code (SPEC 6, 10.4)

_OPERANDS: Mapping[Operand, Json] = {
    Operand.U64: _ref("u64"),
    Operand.ARG_INDEX: _integer(0, MAX_ARG_INDEX),
    Operand.TARGET: _integer(
        0,
        MAX_PROGRAM_LENGTH - 1,
        "a jump target; it must be below its program's length, which no schema can say",
    ),
    Operand.ADDRESS: _ref("address"),
    Operand.CALL_ARGS: _integer(0, MAX_CALL_ARGS),
}


def _instruction(op: str, operands: tuple[Operand, ...]) -> Json:
    return {
        "type": "array",
        "prefixItems": [{"const": op}, *(_OPERANDS[kind] for kind in operands)],
        "items": False,
        "minItems": 1 + len(operands),
    }


def _code(version: Version) -> dict[str, Json]:
    ops = [op for op, row in INSTRUCTIONS.items() if row.since <= version]
    suffix = f"v{version.value}"
    return {
        f"instruction_{suffix}": {
            "oneOf": [_instruction(op.value, INSTRUCTIONS[op].operands) for op in ops],
            "description": f"[OP] or [OP, operand...]: one of the {len(ops)} ops of version "
            f"{version.value}, with exactly its operands",
        },
        f"code_{suffix}": _map(
            "decimal",
            {
                "type": "array",
                "maxItems": MAX_PROGRAM_LENGTH,
                "items": _ref(f"instruction_{suffix}"),
            },
        )
        | {"description": "well-formed code: entry id -> program (SPEC 6)"},
    }


# ---------------------------------------------------------------- the case (SPEC 3, 4, 10.2)


def _case(version: Version) -> dict[str, Json]:
    v = f"v{version.value}"
    two = version >= Version.V2
    u64 = _ref("u64")
    balances = _map("asset", u64)
    contract_extra = {"nonce": u64} if two else {}
    block_extra: Json = {"fee_payment": {"enum": [p.value for p in FeePayment]}, "gas_limit": u64}
    common = {"source": _ref("address"), "nonce": u64, "fee": u64}
    deploy_code = {
        "type": "object",
        "additionalProperties": {"type": "array"},
        "description": "an object of lists; whether it is well-formed is not a rule of the "
        "case: ill-formed code makes the deploy malformed (SPEC 5.1)",
    }
    kinds = {
        "transfer": {
            "outputs": {
                "type": "array",
                "items": _object({"dest": _ref("address"), "asset": _ref("asset"), "amount": u64}),
            }
        },
        "burn": {"asset": _ref("asset"), "amount": u64},
        "deploy": {"code": deploy_code},
        "invoke": {
            "contract": _ref("address"),
            "entry": u64,
            "args": {"type": "array", "items": u64},
            "deposits": balances,
            "max_gas": u64,
        },
    }
    salt = {"salt": u64} if two else {}
    return {
        f"transaction_{v}": {
            "oneOf": [
                _object(
                    {"kind": {"const": kind}, **common, **fields},
                    salt if kind == "deploy" else None,
                )
                for kind, fields in kinds.items()
            ]
        },
        f"case_{v}": _object(
            {
                "format": {"const": CASE_FORMATS[version]},
                "genesis": _object(
                    {
                        "accounts": _map("address", _object({"nonce": u64, "balances": balances})),
                        "contracts": _map(
                            "address",
                            _object(
                                {
                                    "code": _ref(f"code_{v}"),
                                    "balances": balances,
                                    "storage": _map("decimal", u64),
                                },
                                contract_extra,
                            ),
                        ),
                    }
                ),
                "block": _object(
                    {
                        "miner": _ref("address"),
                        "reward": u64,
                        "txs": {"type": "array", "items": _ref(f"transaction_{v}")},
                    },
                    block_extra if two else None,
                ),
            },
            {
                "config": _object(
                    {},
                    {
                        "network": {"enum": [n.value for n in Network]},
                        "threads": _integer(1, U64_LIMIT - 1),
                        "schedule_seed": u64,
                    },
                )
            },
        ),
    }


_CASE_RULES = (
    "Rules of SPEC 3 that this schema cannot express, which txparity's decoder also "
    "checks: (1) no key may be repeated within one JSON object (a parser has collapsed "
    "them before a schema sees the value); (2) an integer is written as one: a number "
    "with a fraction or an exponent (1.0, 1e2) is not an integer, though JSON Schema's "
    "'integer' accepts it; (3) an address is never both a genesis account and a genesis "
    "contract; (4) block.miner is not a genesis contract; (5) for each asset, the sum of "
    "every genesis balance of it (accounts and contracts), plus block.reward for TOS, is "
    "below 2**64; (6) a jump target (JUMP, JUMPI) is below the length of its program; "
    f"(7) JSON nests at most {MAX_JSON_DEPTH} levels deep (a deploy's code object may "
    "hold any lists). Rules of form that make a transaction 'malformed' (SPEC 5.1: an "
    "amount of 0, no outputs or more than 16, more than 8 args, max_gas over 1000000, "
    "ill-formed deploy code) are not rules of the case: such a case is valid, and its "
    "transaction is rejected."
)


# ---------------------------------------------------------------- the result (SPEC 7, 10.5)


def _reasons(kind: type[RejectReason] | type[RevertReason], version: Version) -> list[str]:
    return [reason.value for reason in kind if reason.since <= version]


def _result(version: Version) -> dict[str, Json]:
    v = f"v{version.value}"
    two = version >= Version.V2
    u64, positive = _ref("u64"), _ref("positive_u64")
    balances = _map("asset", positive)
    log = {"type": "array", "prefixItems": [_ref("address"), u64], "items": False, "minItems": 2}
    receipt_fields: Json = {
        "status": {"enum": [status.value for status in Status]},
        "reason": {
            "enum": [None, *_reasons(RejectReason, version), *_reasons(RevertReason, version)]
        },
        "gas_used": u64,
    }
    if two:
        receipt_fields["logs"] = {"type": "array", "items": log}
    no_logs: Json = {"logs": {"maxItems": 0}} if two else {}
    pairing = [
        _when(Status.APPLIED, {"reason": {"const": None}}),
        _when(Status.REJECTED, {"reason": {"enum": _reasons(RejectReason, version)}} | no_logs),
        _when(Status.REVERTED, {"reason": {"enum": _reasons(RevertReason, version)}} | no_logs),
    ]
    contract: Json = {
        "balances": balances,
        "code": _ref(f"code_{v}"),
        "storage": _map("decimal", positive),
    }
    if two:
        contract["nonce"] = u64
    return {
        f"receipt_{v}": _object(receipt_fields) | {"allOf": pairing},
        f"result_{v}": _object(
            {
                "format": {"const": RESULT_FORMATS[version]},
                "state": _object(
                    {
                        "accounts": _map("address", _object({"balances": balances, "nonce": u64})),
                        "contracts": _map("address", _object(contract)),
                        "burned": _map("asset", positive),
                    }
                ),
                "receipts": {"type": "array", "items": _ref(f"receipt_{v}")},
            }
        ),
    }


def _when(status: Status, then: Json) -> Json:
    return {"if": {"properties": {"status": {"const": status.value}}}, "then": {"properties": then}}


_RESULT_RULES = (
    "The canonical result (SPEC 7): zero balances, storage values and burn totals "
    "omitted, storage keys and entry ids canonical decimals, an applied receipt without "
    "a reason, a rejected or reverted one with a reason of its kind. Rules this schema "
    "cannot express: (1) the byte form (every object's keys sorted by code point, no "
    "insignificant whitespace, UTF-8), by which two results agree; txparity reads an "
    "external executor's answer in any key order and spacing, and compares the rest; "
    "(2) no key repeated within one object; (3) integers written as integers (no "
    "fraction, no exponent); (4) one receipt per transaction of the case, in order; (5) "
    "an address is an account or a contract, never both. An executor that cannot run a "
    'case answers {"error": "..."} instead of a result (SPEC 8).'
)


# ---------------------------------------------------------------- an answer as recorded


def _answer(version: Version) -> dict[str, Json]:
    """The skeleton of a result, as a corpus entry records what an executor answered
    (``harness.targets.result_shape``): exactly a result's fields, every integer a u64,
    but any strings, zeros and order, since a wrong value is a difference to report."""
    v = f"v{version.value}"
    two = version >= Version.V2
    u64, text = _ref("u64"), {"type": "string"}
    balances = {"type": "object", "additionalProperties": u64}
    instruction = {
        "type": "array",
        "minItems": 1,
        "prefixItems": [text],
        "items": {"anyOf": [text, u64]},
    }
    contract: Json = {
        "balances": balances,
        "code": {"type": "object", "additionalProperties": {"type": "array", "items": instruction}},
        "storage": balances,
    }
    receipt: Json = {"status": text, "reason": {"anyOf": [text, {"type": "null"}]}, "gas_used": u64}
    if two:
        contract["nonce"] = u64
        receipt["logs"] = {
            "type": "array",
            "items": {"type": "array", "prefixItems": [text, u64], "items": False, "minItems": 2},
        }
    account = _object({"balances": balances, "nonce": u64})
    return {
        f"answer_{v}": _object(
            {
                "format": {"const": RESULT_FORMATS[version]},
                "state": _object(
                    {
                        "accounts": {"type": "object", "additionalProperties": account},
                        "contracts": {"type": "object", "additionalProperties": _object(contract)},
                        "burned": balances,
                    }
                ),
                "receipts": {"type": "array", "items": _object(receipt)},
            }
        )
        | {
            "description": f"what an executor answered for a version {version.value} case, "
            "with a result's fields: recorded to be compared, not trusted"
        },
    }


# ---------------------------------------------------------------- the corpus entry


def _spec_patterns() -> Json:
    names = "|".join(sorted(EXECUTORS, key=lambda name: (-len(name), name)))
    backends, schedules = "|".join(BACKENDS), "|".join(SCHEDULES)
    return {
        "spec": {
            "type": "string",
            "maxLength": MAX_SPEC_CHARS,
            "anyOf": [
                {"pattern": f"^(?:{names})(?:@(?:{backends}))?(?:/(?:{schedules}))?$"},
                {"pattern": f"^{EXTERNAL_PREFIX}.*\\S"},
            ],
            "description": "an in-tree executor, NAME[@BACKEND][/SCHEDULE], or "
            "cmd:COMMAND LINE (never run because a file names it: harness/replay.py)",
        },
        "threads_spec": {
            "type": "string",
            "pattern": "^(?:"
            + "|".join(
                sorted(
                    (n for n in EXECUTORS if n != "sequential"), key=lambda name: (-len(name), name)
                )
            )
            + f")(?:@(?:{backends}))?(?:/threads)?$",
            "description": "an in-tree parallel executor on real threads",
        },
    }


def _entry() -> dict[str, Json]:
    result_or_null = {"oneOf": [_ref("answer_v1"), _ref("answer_v2"), {"type": "null"}]}
    fields = _object(
        {
            "format": {"const": ENTRY_FORMAT},
            "fingerprint": {"type": "string", "pattern": f"^[0-9a-f]{{{FINGERPRINT_LENGTH}}}$"},
            "kind": {"enum": [kind.value for kind in DivergenceKind]},
            "executors": {
                "type": "array",
                "items": _ref("spec"),
                "minItems": 1,
                "maxItems": MAX_ENTRY_EXECUTORS,
            },
            "case": {"oneOf": [_ref("case_v1"), _ref("case_v2")]},
            "expected": result_or_null,
        },
        {
            "reference": {"anyOf": [_ref("spec"), {"const": NO_REFERENCE}]},
            "equivalence": {"enum": [e.value for e in Equivalence]},
            "shrunk": {"type": "boolean"},
            "detail": {"type": "string", "maxLength": MAX_DETAIL_CHARS},
            "actual": result_or_null,
            "recheck": _object(
                {
                    "found_on": _ref("threads_spec"),
                    "replays": _integer(0, len(REPLAYABLE_SCHEDULES) * REPRODUCE_SEEDS_MOST),
                    "reproduced": {"type": "boolean"},
                }
            ),
            "shrink_stopped": {"enum": [stop.value for stop in ShrinkStop]},
        },
    )
    null_expected = {
        "if": {"properties": {"expected": {"type": "null"}}, "required": ["expected"]},
        "then": {
            "anyOf": [
                {"properties": {"kind": {"const": DivergenceKind.REFERENCE.value}}},
                {"properties": {"reference": {"const": NO_REFERENCE}}, "required": ["reference"]},
            ]
        },
    }
    no_reference = {
        "if": {"properties": {"reference": {"const": NO_REFERENCE}}, "required": ["reference"]},
        "then": {"properties": {"executors": {"minItems": 2}}},
    }
    return {"entry": fields | {"allOf": [null_expected, no_reference]}}


_ENTRY_RULES = (
    "A saved counterexample (harness/entry.py). 'reference' is what it was found "
    "against (absent: sequential@memory), or 'none' for executors compared with each "
    "other, then 'executors' lists all of them; 'expected' is null only for a "
    "'reference' entry (the reference failed) or one with no reference whose largest "
    "group gave no result. Rules this schema cannot express: (1) no key repeated "
    "within one object, anywhere in the file; (2) the case is a valid case (the rules "
    "the case schemas list) of at most "
    f"{MAX_ENTRY_TRANSACTIONS} transactions, whose invokes may run at most "
    f"{MAX_ENTRY_GAS} gas in all; (3) a cmd: spec is a command line a POSIX shell "
    "would split into one word at least. 'expected' and 'actual' are what executors "
    "answered: the schema checks their shape, not their values (addresses, statuses, "
    "zero balances), which are compared, not trusted."
)


# ---------------------------------------------------------------- the files


def _definitions() -> dict[str, Json]:
    table = _values() | _spec_patterns() | _entry()
    for version in Version:
        table |= _code(version) | _case(version) | _result(version) | _answer(version)
    return table


def _document(root: str, title: str, description: str) -> Json:
    table = _definitions()
    reached = sorted(_reached(root, table))
    return {
        "$schema": DIALECT,
        "title": title,
        "description": description,
        "$ref": f"#/$defs/{root}",
        "$defs": {name: table[name] for name in reached},
    }


def _reached(root: str, table: Mapping[str, Json]) -> set[str]:
    seen, pending = set(), [root]
    while pending:
        name = pending.pop()
        if name not in seen:
            seen.add(name)
            pending += list(_refs(table[name]))
    return seen


def _refs(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "$ref" and isinstance(item, str):
                yield item.removeprefix("#/$defs/")
            else:
                yield from _refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)


def build_schemas() -> dict[str, Json]:
    """Every published schema, by file name."""
    built: dict[str, Json] = {}
    for version in Version:
        n = version.value
        built[f"case.v{n}.schema.json"] = _document(
            f"case_v{n}",
            f"txparity case, version {n} ({CASE_FORMATS[version]})",
            f"A case (SPEC 3{', 10.2' if n > 1 else ''}). {_CASE_RULES}",
        )
        built[f"result.v{n}.schema.json"] = _document(
            f"result_v{n}",
            f"txparity result, version {n} ({RESULT_FORMATS[version]})",
            f"A result (SPEC 7{', 10.5' if n > 1 else ''}). {_RESULT_RULES}",
        )
    built["counterexample.v1.schema.json"] = _document(
        "entry", f"txparity corpus entry ({ENTRY_FORMAT})", _ENTRY_RULES
    )
    return built


SCHEMAS = tuple(sorted(build_schemas()))


def schema_text(schema: Json) -> str:
    """A schema file's text: indented, keys in the order built, a final newline."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def schema_path(name: str) -> Path:
    """Where the installed package keeps the schema file ``name``."""
    return Path(str(resources.files(_HERE).joinpath(name)))


def load_schema(name: str) -> Json:
    """The shipped schema ``name`` (one of ``SCHEMAS``)."""
    if name not in SCHEMAS:
        raise KeyError(f"no schema {name!r} (known: {', '.join(SCHEMAS)})")
    loaded: Json = json.loads(resources.files(_HERE).joinpath(name).read_text("utf-8"))
    return loaded


def write_schemas(directory: Path) -> list[Path]:
    """Write every schema into ``directory``; return the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in build_schemas().items():
        path = directory / name
        _write(path, schema_text(schema))
        written.append(path)
    return written


def publish(package: Path, directories: list[Path]) -> list[Path]:
    """Write every schema into the ``package`` directory, then copy those files, byte
    for byte, into each of ``directories`` (the repository's ``docs/schemas``)."""
    written = write_schemas(package)
    for directory in directories:
        directory.mkdir(parents=True, exist_ok=True)
        for source in written[: len(SCHEMAS)]:
            copy = directory / source.name
            _write(copy, source.read_text("utf-8"))
            written.append(copy)
    return written


def _write(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it over ``path``,
    so that a reader never meets half a schema."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
