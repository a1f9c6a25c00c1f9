"""Case JSON in (SPEC section 3); canonical JSON out is ``executors.shapes``.

``decode_case`` accepts bytes or text and either returns a ``Case`` or raises
``InvalidCase`` whose ``path`` names the offending field in the path grammar of
``executors.shapes``: ``block.txs[3].outputs[0].amount``,
``genesis.accounts["a.0"].nonce``. The encoders and ``canonical_json`` are
re-exported here, so that one module reads and writes the case format.

The case's ``format`` picks its grammar (SPEC 10): a version 1 case may have none
of the fields version 2 adds (each is an ``unknown field`` there, and the message
names the version that has it), and its code may use none of the ops version 2
adds (not well-formed: an invalid case in genesis, a ``malformed`` deploy).

Readings where SPEC.md leaves room:

- ``genesis.accounts``, ``genesis.contracts`` and every transaction field are
  required; only ``config`` and each of its keys may be omitted, and in a version 2
  case the fields SPEC 10.2 adds.
- A version 2 field given as ``null`` has the wrong type (an invalid case): absent
  is the only way to leave one out. ``"fee_payment": "block_end"`` is the same case
  as no ``fee_payment``. In a version 1 case a version 2 field is unknown even at
  its default value (``"nonce": 0``, ``"fee_payment": "block_end"``).
- ``NaN``, ``Infinity`` and numbers with a fraction or exponent are not integers.
- Inside a deploy's code object anything goes (that is well-formedness, not shape),
  except a key repeated within one JSON object, which makes the case invalid wherever
  it appears.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from itertools import repeat
from typing import TypeVar

from txparity.executors.code import (
    CodeNotWellFormed,
    is_canonical_decimal,
    later_version,
    parse_code,
)
from txparity.executors.errors import InvalidCase
from txparity.executors.limits import (
    ADDRESS_PATTERN,
    ADDRESS_TEXT,
    ASSET_PATTERN,
    ASSET_TEXT,
    MAX_JSON_DEPTH,
    U64_LIMIT,
    U64_LIMIT_TEXT,
)
from txparity.executors.model import (
    NATIVE_ASSET,
    Account,
    Block,
    Burn,
    Case,
    Code,
    Config,
    Contract,
    Deploy,
    FeePayment,
    Genesis,
    Invoke,
    MalformedCode,
    Network,
    Output,
    Transaction,
    Transfer,
    Version,
)
from txparity.executors.shapes import (
    CASE_FORMAT,
    CASE_FORMATS,
    MAP_FIELDS,
    RESULT_FORMAT,
    RESULT_FORMATS,
    canonical_json,
    encode_case,
    encode_result,
    encode_transaction,
    key_path,
    map_path,
)

__all__ = [
    "CASE_FORMAT",
    "CASE_FORMATS",
    "RESULT_FORMAT",
    "RESULT_FORMATS",
    "canonical_json",
    "case_from_json",
    "decode_case",
    "encode_case",
    "encode_result",
    "encode_transaction",
    "parse_json",
]

T = TypeVar("T")
T2 = TypeVar("T2")


# ---------------------------------------------------------------- JSON in


class _RepeatedKeys(dict[str, object]):
    """A decoded JSON object in which some key appeared more than once."""

    repeated: str = ""


def _marked(pairs: list[tuple[str, object]]) -> _RepeatedKeys:
    """The object of ``pairs``, marked with the first key it repeats (the last value
    of a repeated key is kept, as ``json`` does)."""
    result = _RepeatedKeys()
    for key, value in pairs:
        if key in result and not result.repeated:
            result.repeated = key
        result[key] = value
    return result


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


_TOO_DEEP = f"nested deeper than {MAX_JSON_DEPTH} levels"


def parse_json(data: bytes | str) -> object:
    """Parse strict JSON; an object that repeats a key is marked for
    ``_find_repeated_key`` (and for readers of other documents: its ``repeated``).

    Refused: text that is not UTF-8, not JSON, ``NaN`` or ``Infinity``, and JSON
    nested deeper than ``MAX_JSON_DEPTH``, which nothing valid needs and which would
    otherwise overflow the stack of whatever walks the value next."""
    return _read_json(data)[0]


def _read_json(data: bytes | str) -> tuple[object, bool]:
    """``parse_json``'s value, and whether some object in it repeated a key.

    Repeated keys are seen while parsing, one object at a time, so that a case with
    none (nearly every case) is not walked again to look for them."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as error:
        raise InvalidCase("case", f"not UTF-8 text (byte {error.start})") from None
    marked: list[_RepeatedKeys] = []

    def object_hook(pairs: list[tuple[str, object]]) -> dict[str, object]:
        result = dict(pairs)
        if len(result) == len(pairs):
            return result
        marked.append(_marked(pairs))
        return marked[-1]

    try:
        value = json.loads(text, object_pairs_hook=object_hook, parse_constant=_refuse_constant)
    except RecursionError:
        raise InvalidCase("case", f"not valid JSON ({_TOO_DEEP})") from None
    except ValueError as error:
        raise InvalidCase("case", f"not valid JSON ({error})") from None
    utf8 = data if isinstance(data, bytes) else text.encode("utf-8", "surrogatepass")
    if _nests_deeper(utf8, MAX_JSON_DEPTH):
        raise InvalidCase("case", f"not valid JSON ({_TOO_DEEP})")
    return value, bool(marked)


_NOT_A_BRACKET_OR_QUOTE = bytes(byte for byte in range(256) if byte not in b'[]{}"')
_BRACKETS_AS_ONE = bytes.maketrans(b"{}", b"[]")


def _nests_deeper(text: bytes, limit: int) -> bool:
    """Whether containers nest more than ``limit`` deep in ``text``, which is valid
    JSON in UTF-8. Read from the text rather than by walking the value, in a few
    passes over bytes.

    Strings (which may hold brackets) are taken out first. Once escaped backslashes
    and then escaped quotes are gone (in valid JSON a backslash always starts an
    escape, so pairing them from the left is how they were written), every quote left
    opens or closes a string. Keeping only quotes and brackets, a string without
    brackets is two adjacent quotes; if removing those leaves no quote, no string
    held a bracket (a bracket inside a string has an odd number of quotes before it,
    and removing adjacent pairs keeps that number odd). Otherwise the text is cut at
    its quotes and the pieces at even positions, outside strings, are kept.

    Objects and arrays count alike, and in valid JSON they are balanced: each pass
    that removes every adjacent ``[]`` takes away one level, so the depth is the
    number of passes that empty what is left."""
    if b"\\" in text:
        text = text.replace(b"\\\\", b"").replace(b'\\"', b"")
    quotes_and_brackets = text.translate(_BRACKETS_AS_ONE, _NOT_A_BRACKET_OR_QUOTE)
    brackets = quotes_and_brackets.replace(b'""', b"")
    if b'"' in brackets:
        brackets = b"".join(quotes_and_brackets.split(b'"')[::2])
    for _ in range(limit):
        if not brackets:
            return False
        brackets = brackets.replace(b"[]", b"")
    return bool(brackets)


def _find_repeated_key(value: object) -> None:
    """Refuse ``value`` if an object in it repeated a key, naming the first such
    object in document order; the path is built for that object only."""
    found = _steps_to_repeated(value, is_map=False)
    if found is None:
        return
    steps, marked = found
    path = ""
    for step, in_map in steps:
        if isinstance(step, int):
            path = f"{path}[{step}]"
        else:
            path = map_path(path, step) if in_map else key_path(path, step)
    raise InvalidCase(path or "case", f"key {marked.repeated!r} repeated in one object")


_Steps = list[tuple[str | int, bool]]  # (key or index, whether the key is data)


def _steps_to_repeated(value: object, is_map: bool) -> tuple[_Steps, _RepeatedKeys] | None:
    if isinstance(value, _RepeatedKeys):
        return [], value
    if isinstance(value, dict):
        for key, item in value.items():
            found = _steps_to_repeated(item, not is_map and key in MAP_FIELDS)
            if found is not None:
                return [(key, is_map), *found[0]], found[1]
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _steps_to_repeated(item, is_map=False)
            if found is not None:
                return [(index, False), *found[0]], found[1]
    return None


# ---------------------------------------------------------------- code, parsed once

_CODE_CACHE_SIZE = 4096


class _ParsedCode:
    """``parse_code`` of a code object, or the problem that makes it not well-formed,
    remembered by the object's canonical JSON and the version for the last
    ``size`` distinct ones (the oldest is forgotten first).

    Generated cases, a campaign's shrink candidates and the corpus use the same few
    contracts over and over; parsing is a pure function of the canonical text and
    the version, so each is parsed once. The first parse reads the decoded object
    itself; only code that is not well-formed is parsed again from the canonical
    text, so that what a message quotes never depends on the input's key order.
    Threads may decode at once: a miss is parsed and stored under a lock."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._parsed: dict[tuple[str, Version], Code | CodeNotWellFormed] = {}
        self._lock = threading.Lock()

    def __call__(
        self, text: str, raw: dict[str, list[object]], version: Version
    ) -> Code | CodeNotWellFormed:
        """The code whose canonical JSON is ``text``, decoded as ``raw``."""
        found = self._parsed.get((text, version))
        if found is not None:
            return found
        with self._lock:
            parsed = _parse(raw, version)
            if isinstance(parsed, CodeNotWellFormed):
                parsed = _parse(json.loads(text), version)
            if len(self._parsed) >= self._size:
                del self._parsed[next(iter(self._parsed))]
            self._parsed[text, version] = parsed
            return parsed

    def cache_clear(self) -> None:
        """Forget every parsed code (benchmarks start from none, as a new process)."""
        with self._lock:
            self._parsed.clear()


def _parse(raw: dict[str, list[object]], version: Version) -> Code | CodeNotWellFormed:
    try:
        return parse_code(raw, version)
    except CodeNotWellFormed as error:
        return error


_parsed_code = _ParsedCode(_CODE_CACHE_SIZE)


# ---------------------------------------------------------------- fields


@dataclass(frozen=True, slots=True)
class _Shape:
    """The keys an object of one kind has: all of ``required`` (named in this order
    when one is missing) and perhaps some of ``allowed``'s others. Sets, so that a
    well-formed object is checked in two comparisons of its keys."""

    required: tuple[str, ...]
    required_set: frozenset[str]
    allowed: frozenset[str]

    @staticmethod
    def of(required: tuple[str, ...], optional: tuple[str, ...] = ()) -> _Shape:
        return _Shape(required, frozenset(required), frozenset(required + optional))


# SPEC 3 and 4: the fields every version requires, per kind of object, in the order
# a missing one is named.
_COMMON = ("kind", "source", "nonce", "fee")
_REQUIRED_FIELDS: Mapping[str, tuple[str, ...]] = {
    "case": ("format", "genesis", "block"),
    "genesis": ("accounts", "contracts"),
    "account": ("nonce", "balances"),
    "contract": ("code", "balances", "storage"),
    "block": ("miner", "reward", "txs"),
    "transfer": (*_COMMON, "outputs"),
    "output": ("dest", "asset", "amount"),
    "burn": (*_COMMON, "asset", "amount"),
    "deploy": (*_COMMON, "code"),
    "invoke": (*_COMMON, "contract", "entry", "args", "deposits", "max_gas"),
    "config": (),
}
_TRANSACTION_KINDS = ("transfer", "burn", "deploy", "invoke")

# The optional fields of every version.
_OPTIONAL_FIELDS: Mapping[str, tuple[str, ...]] = {
    "case": ("config",),
    "config": ("network", "threads", "schedule_seed"),
}


# ---------------------------------------------------------------- versions

# SPEC 10.2: the optional fields each version adds, per kind of object.
_ADDED_FIELDS: Mapping[str, Mapping[Version, tuple[str, ...]]] = {
    "contract": {Version.V2: ("nonce",)},
    "block": {Version.V2: ("fee_payment", "gas_limit")},
    "deploy": {Version.V2: ("salt",)},
}
_VERSION_OF_FORMAT = {text: version for version, text in CASE_FORMATS.items()}


class _Grammar:
    """The fields a case of one version may have: each object kind's added fields up
    to that version are optional, and those of later versions unknown, with a
    message naming the version that has them. One grammar per version, worked out
    once (``_GRAMMARS``)."""

    def __init__(self, version: Version) -> None:
        self.version = version
        self.shapes = {
            kind: _Shape.of(
                _REQUIRED_FIELDS[kind],
                tuple(name for since, names in added.items() if since <= version for name in names),
            )
            for kind, added in _ADDED_FIELDS.items()
        }
        self.later = {
            kind: {
                name: since for since, names in added.items() if since > version for name in names
            }
            for kind, added in _ADDED_FIELDS.items()
        }

    def fields(self, value: object, path: str, kind: str) -> dict[str, object]:
        """``_fields`` with ``kind``'s added fields optional, or refused by version."""
        shape = self.shapes[kind]
        if isinstance(value, dict) and value.keys() == shape.required_set:
            return value
        if isinstance(value, dict) and not value.keys() <= shape.allowed:
            later = self.later[kind]
            for name in value:
                if name in later:
                    message = f"unknown field {later_version(later[name], self.version)}"
                    raise InvalidCase(key_path(path, name), message)
        return _fields(value, path, shape)


_GRAMMARS = {version: _Grammar(version) for version in Version}
# The kinds of object whose fields are the same in every version.
_SHAPES = {
    kind: _Shape.of(required, _OPTIONAL_FIELDS.get(kind, ()))
    for kind, required in _REQUIRED_FIELDS.items()
    if kind not in _ADDED_FIELDS
}


def _version(value: object) -> Version:
    if not isinstance(value, str) or value not in _VERSION_OF_FORMAT:
        choices = " or ".join(repr(text) for text in CASE_FORMATS.values())
        raise InvalidCase("format", f"must be {choices}")
    return _VERSION_OF_FORMAT[value]


# ---------------------------------------------------------------- shape and range


def _fields(value: object, path: str, shape: _Shape) -> dict[str, object]:
    """An object with exactly the ``shape``'s required keys and perhaps some optional
    ones; the first unknown key in document order is named, else the first missing."""
    if not isinstance(value, dict):
        raise InvalidCase(path or "case", "must be an object")
    names = value.keys()
    if names == shape.required_set:  # nearly every object: one comparison
        return value
    if not names <= shape.allowed:
        unknown = next(name for name in value if name not in shape.allowed)
        raise InvalidCase(key_path(path, unknown), "unknown field")
    if not names >= shape.required_set:
        missing = next(name for name in shape.required if name not in value)
        raise InvalidCase(key_path(path, missing), "missing field")
    return value


def _optional(
    fields: dict[str, object], name: str, path: str, item: Callable[[object, str], T], absent: T2
) -> T | T2:
    """The optional field ``name`` read with ``item``, or ``absent`` if not given."""
    if name not in fields:
        return absent
    return item(fields[name], key_path(path, name))


# Each value check tests the common case (a plain, valid value) first, in one
# expression; anything else goes to the step-by-step check, which names what is wrong.


def _integer(value: object, path: str) -> int:
    """An integer in [0, 2**64) (SPEC 1)."""
    if type(value) is int and 0 <= value < U64_LIMIT:
        return value
    return _other_integer(value, path)


def _other_integer(value: object, path: str) -> int:
    """``_integer`` of anything but a plain int in range: an ``int`` subclass other
    than ``bool`` is an integer too."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidCase(path, "must be an integer")
    if value < 0:
        raise InvalidCase(path, "must be >= 0")
    if value >= U64_LIMIT:
        raise InvalidCase(path, f"must be < {U64_LIMIT_TEXT}")
    return value


def _other_string(value: object, path: str, pattern: re.Pattern[str], what: str) -> str:
    """A string ``pattern`` matches, step by step: ``what`` says what it must be."""
    if not isinstance(value, str):
        raise InvalidCase(path, "must be a string")
    if pattern.fullmatch(value) is None:
        raise InvalidCase(path, f"{value!r} is not {what}")
    return value


def _address(value: object, path: str) -> str:
    if type(value) is str and ADDRESS_PATTERN.fullmatch(value):
        return value
    return _other_string(value, path, ADDRESS_PATTERN, ADDRESS_TEXT)


def _asset(value: object, path: str) -> str:
    if type(value) is str and ASSET_PATTERN.fullmatch(value):
        return value
    return _other_string(value, path, ASSET_PATTERN, ASSET_TEXT)


def _list(value: object, path: str) -> list[object]:
    if not isinstance(value, list):
        raise InvalidCase(path, "must be a list")
    return value


def _items(values: list[object], path: str, item: Callable[[object, str], T]) -> tuple[T, ...]:
    """The items of the list at ``path``, each read with ``item``; as in
    ``_mapping``, an item's own path is built only to name a refusal."""
    try:
        return tuple(map(item, values, repeat(path)))
    except InvalidCase:
        for index, entry in enumerate(values):
            item(entry, f"{path}[{index}]")
        raise


def _mapping(
    value: object, path: str, key: Callable[[str, str], T], item: Callable[[object, str], T2]
) -> dict[T, T2]:
    """A map keyed by data, each key read with ``key`` and each value with ``item``.

    An entry's path is needed only to name a refusal, so entries are first read
    with the map's path; if one is refused, they are read again, in order, each with
    its own path, which refuses the same entry, now named (reading is pure). Of an
    entry whose key and value are both wrong, the value is named."""
    if not isinstance(value, dict):
        raise InvalidCase(path, "must be an object")
    try:
        return {key(name, path): item(entry, path) for name, entry in value.items()}
    except InvalidCase:
        for name, entry in value.items():
            where = map_path(path, name)
            item(entry, where)
            key(name, where)
        raise


def _balances(value: object, path: str) -> dict[str, int]:
    return _mapping(value, path, _asset, _integer)


def _storage_slot(name: str, path: str) -> int:
    if not is_canonical_decimal(name):
        raise InvalidCase(path, f"storage key must be a canonical decimal below {U64_LIMIT_TEXT}")
    return int(name)


def _code_object(value: object, path: str) -> dict[str, list[object]]:
    """The shape of code: an object whose values are lists (SPEC 3)."""
    if not isinstance(value, dict):
        raise InvalidCase(path, "code must be an object of lists")
    for name, program in value.items():
        if not isinstance(program, list):
            raise InvalidCase(map_path(path, name), "code must be an object of lists")
    return value


# ---------------------------------------------------------------- the case


def decode_case(data: bytes | str) -> Case:
    """Decode and validate a case (SPEC 3); raise ``InvalidCase`` naming the field."""
    value, repeated = _read_json(data)
    if repeated:
        _find_repeated_key(value)
    return _case(value)


def case_from_json(value: object) -> Case:
    """Validate an already parsed JSON value as a case."""
    _find_repeated_key(value)
    return _case(value)


def _case(value: object) -> Case:
    """A case from a JSON value in which no object repeats a key."""
    top = _fields(value, "", _SHAPES["case"])
    grammar = _GRAMMARS[_version(top["format"])]
    genesis = _genesis(top["genesis"], "genesis", grammar)
    block = _block(top["block"], "block", grammar)
    config = _config(top.get("config", {}), "config")
    case = Case(genesis, block, config, grammar.version)
    _check_cross_rules(case)
    return case


def _genesis(value: object, path: str, grammar: _Grammar) -> Genesis:
    fields = _fields(value, path, _SHAPES["genesis"])
    accounts = _mapping(fields["accounts"], f"{path}.accounts", _address, _account)
    contract = partial(_contract, grammar=grammar)
    contracts = _mapping(fields["contracts"], f"{path}.contracts", _address, contract)
    return Genesis(accounts, contracts)


def _account(value: object, path: str) -> Account:
    fields = _fields(value, path, _SHAPES["account"])
    return Account(
        _integer(fields["nonce"], f"{path}.nonce"),
        _balances(fields["balances"], f"{path}.balances"),
    )


def _contract(value: object, path: str, grammar: _Grammar) -> Contract:
    fields = grammar.fields(value, path, "contract")
    raw_code = _code_object(fields["code"], f"{path}.code")
    code = _parsed_code(canonical_json(raw_code), raw_code, grammar.version)
    if isinstance(code, CodeNotWellFormed):
        raise InvalidCase(f"{path}.code{code.path}", code.message)
    storage_path = f"{path}.storage"
    storage = _mapping(fields["storage"], storage_path, _storage_slot, _integer)
    balances = _balances(fields["balances"], f"{path}.balances")
    return Contract(code, balances, storage, _optional(fields, "nonce", path, _integer, 0))


def _block(value: object, path: str, grammar: _Grammar) -> Block:
    fields = grammar.fields(value, path, "block")
    txs_path = f"{path}.txs"
    txs = _list(fields["txs"], txs_path)
    return Block(
        _address(fields["miner"], f"{path}.miner"),
        _integer(fields["reward"], f"{path}.reward"),
        _items(txs, txs_path, partial(_transaction, grammar=grammar)),
        _optional(fields, "fee_payment", path, _fee_payment, FeePayment.BLOCK_END),
        _optional(fields, "gas_limit", path, _integer, None),
    )


_FEE_PAYMENTS = frozenset(payment.value for payment in FeePayment)


def _fee_payment(value: object, path: str) -> FeePayment:
    if not isinstance(value, str):
        raise InvalidCase(path, "must be a string")
    if value not in _FEE_PAYMENTS:
        raise InvalidCase(path, f"must be one of {', '.join(FeePayment)}")
    return FeePayment(value)


def _transaction(value: object, path: str, grammar: _Grammar) -> Transaction:
    if not isinstance(value, dict):
        raise InvalidCase(path, "must be an object")
    kind = value.get("kind")
    if not isinstance(kind, str) or kind not in _TRANSACTION_KINDS:
        if "kind" not in value:
            raise InvalidCase(f"{path}.kind", "missing field")
        raise InvalidCase(f"{path}.kind", f"unknown kind {kind!r}")
    if kind == "deploy":
        fields = grammar.fields(value, path, "deploy")
    else:
        fields = _fields(value, path, _SHAPES[kind])
    source = _address(fields["source"], f"{path}.source")
    nonce = _integer(fields["nonce"], f"{path}.nonce")
    fee = _integer(fields["fee"], f"{path}.fee")
    match kind:
        case "transfer":
            outputs_path = f"{path}.outputs"
            outputs = _list(fields["outputs"], outputs_path)
            return Transfer(source, nonce, fee, _items(outputs, outputs_path, _output))
        case "burn":
            asset = _asset(fields["asset"], f"{path}.asset")
            return Burn(source, nonce, fee, asset, _integer(fields["amount"], f"{path}.amount"))
        case "deploy":
            code = _deploy_code(fields["code"], f"{path}.code", grammar.version)
            salt = _optional(fields, "salt", path, _integer, None)
            return Deploy(source, nonce, fee, code, salt)
        case _:
            return _invoke(fields, path, source, nonce, fee)


def _output(value: object, path: str) -> Output:
    fields = _fields(value, path, _SHAPES["output"])
    return Output(
        _address(fields["dest"], f"{path}.dest"),
        _asset(fields["asset"], f"{path}.asset"),
        _integer(fields["amount"], f"{path}.amount"),
    )


def _deploy_code(value: object, path: str, version: Version) -> Code | MalformedCode:
    raw_code = _code_object(value, path)
    text = canonical_json(raw_code)
    code = _parsed_code(text, raw_code, version)
    if isinstance(code, CodeNotWellFormed):
        return MalformedCode(text, str(code))
    return code


def _invoke(fields: dict[str, object], path: str, source: str, nonce: int, fee: int) -> Invoke:
    args_path = f"{path}.args"
    args = _list(fields["args"], args_path)
    return Invoke(
        source,
        nonce,
        fee,
        _address(fields["contract"], f"{path}.contract"),
        _integer(fields["entry"], f"{path}.entry"),
        _items(args, args_path, _integer),
        _balances(fields["deposits"], f"{path}.deposits"),
        _integer(fields["max_gas"], f"{path}.max_gas"),
    )


_NETWORKS = {network.value: network for network in Network}
_DEFAULT_CONFIG = Config()


def _config(value: object, path: str) -> Config:
    fields = _fields(value, path, _SHAPES["config"])
    defaults = _DEFAULT_CONFIG
    network = fields.get("network", defaults.network.value)
    if not isinstance(network, str) or network not in _NETWORKS:
        raise InvalidCase(f"{path}.network", f"must be one of {', '.join(Network)}")
    threads = _integer(fields.get("threads", defaults.threads), f"{path}.threads")
    if threads < 1:
        raise InvalidCase(f"{path}.threads", "must be >= 1")
    seed = _integer(fields.get("schedule_seed", defaults.schedule_seed), f"{path}.schedule_seed")
    return Config(_NETWORKS[network], threads, seed)


def _check_cross_rules(case: Case) -> None:
    """The rules of SPEC 3 that relate one part of the case to another."""
    genesis = case.genesis
    for address in genesis.accounts:
        if address in genesis.contracts:
            raise InvalidCase(
                map_path("genesis.contracts", address), "address is also a genesis account"
            )
    if case.block.miner in genesis.contracts:
        raise InvalidCase("block.miner", "is a genesis contract")
    totals: dict[str, int] = {NATIVE_ASSET: case.block.reward}
    holdings = [a.balances for a in genesis.accounts.values()]
    holdings += [c.balances for c in genesis.contracts.values()]
    for balances in holdings:
        for asset, amount in balances.items():
            totals[asset] = totals.get(asset, 0) + amount
    for asset, total in sorted(totals.items()):
        if total >= U64_LIMIT:
            raise InvalidCase(
                "genesis", f"total supply of {asset} (with the reward) must be < {U64_LIMIT_TEXT}"
            )
