"""The shape a result line must have before it is compared (SPEC 7 and 10.5).

An external executor's answer is untrusted input. Before the differential runner
compares it with the reference, it is checked to be exactly the skeleton of a
result, so that comparing and reporting can never raise and never meet a value of
a type they were not written for::

    {"format": "txparity.result/1",
     "state": {"accounts":  {ADDRESS: {"balances": {ASSET: U64}, "nonce": U64}},
               "contracts": {ADDRESS: {"balances": {ASSET: U64},
                                       "code": {ENTRY: [[OP, OPERAND...]...]},
                                       "storage": {SLOT: U64}}},
               "burned":    {ASSET: U64}},
     "receipts": [{"status": STRING, "reason": STRING or null, "gas_used": U64}]}

A version 2 result (``"txparity.result/2"``) has the same skeleton, plus a
``"nonce": U64`` in every contract and ``"logs": [[ADDRESS, U64]...]`` in every
receipt; its ``format`` picks which skeleton the rest must have.

Checked: every object has exactly its fields (a key repeated in one object is
refused, as in a case), every integer is a JSON integer (not a float, not a bool)
in ``[0, 2**64)``, every string is a string. Not checked: whether an address, an
asset, a status or a reason is one the SPEC knows, or whether the state is
canonical (a zero balance written out); those are values, and a wrong value is a
``state`` or ``receipts`` difference that names its path, not a broken answer.

The text is parsed by the strict reader the cases use (``codec.parse_json``): no
``NaN`` or ``Infinity``, no nesting deeper than the interpreter can follow. Since
the skeleton has a fixed depth, a value that passes is at most eight levels deep.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from txparity.executors.codec import RESULT_FORMATS
from txparity.executors.limits import U64_LIMIT
from txparity.executors.model import Version

__all__ = ["ROOT", "shape_problem"]

ROOT = "answer"  # how the whole line is named in a problem


class _Misshapen(Exception):
    """Raised inside this module only; ``shape_problem`` turns it into text."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path or ROOT}: {problem}")


def shape_problem(value: object) -> str | None:
    """The first way ``value`` is not a result or an error answer, or None.

    An error answer is ``{"error": STRING}``; anything else must be a result.
    """
    try:
        if isinstance(value, dict) and set(value) == {"error"}:
            _fields(value, "", ("error",))
            _string(value["error"], "error")
        else:
            _result(value)
    except _Misshapen as problem:
        return str(problem)
    return None


# The fields each version adds to a contract and to a receipt (SPEC 10.5).
_CONTRACT_FIELDS = {Version.V1: ("balances", "code", "storage"), Version.V2: ("nonce",)}
_RECEIPT_FIELDS = {Version.V1: ("status", "reason", "gas_used"), Version.V2: ("logs",)}
_VERSION_OF_FORMAT = {text: version for version, text in RESULT_FORMATS.items()}


def _up_to(added: dict[Version, tuple[str, ...]], version: Version) -> tuple[str, ...]:
    return tuple(name for since, names in added.items() if since <= version for name in names)


def _result(value: object) -> None:
    top = _fields(value, "", ("format", "state", "receipts"))
    version = _version(top["format"])
    state = _fields(top["state"], "state", ("accounts", "contracts", "burned"))
    _map(state["accounts"], "state.accounts", _account)
    _map(state["contracts"], "state.contracts", lambda item, path: _contract(item, path, version))
    _map(state["burned"], "state.burned", _u64)
    receipts = top["receipts"]
    if not isinstance(receipts, list):
        raise _Misshapen("receipts", "must be a list")
    for index, receipt in enumerate(receipts):
        _receipt(receipt, f"receipts[{index}]", version)


def _version(value: object) -> Version:
    if not isinstance(value, str) or value not in _VERSION_OF_FORMAT:
        choices = " or ".join(repr(text) for text in RESULT_FORMATS.values())
        raise _Misshapen("format", f"must be {choices}")
    return _VERSION_OF_FORMAT[value]


def _account(value: object, path: str) -> None:
    fields = _fields(value, path, ("balances", "nonce"))
    _map(fields["balances"], f"{path}.balances", _u64)
    _u64(fields["nonce"], f"{path}.nonce")


def _contract(value: object, path: str, version: Version) -> None:
    fields = _fields(value, path, _up_to(_CONTRACT_FIELDS, version))
    _map(fields["balances"], f"{path}.balances", _u64)
    _map(fields["code"], f"{path}.code", _program)
    _map(fields["storage"], f"{path}.storage", _u64)
    if "nonce" in fields:
        _u64(fields["nonce"], f"{path}.nonce")


def _program(value: object, path: str) -> None:
    if not isinstance(value, list):
        raise _Misshapen(path, "must be a list")
    for index, instruction in enumerate(value):
        _instruction(instruction, f"{path}[{index}]")


def _instruction(value: object, path: str) -> None:
    """``[OP, OPERAND...]``: an op's name, then strings or integers."""
    if not isinstance(value, list) or not value:
        raise _Misshapen(path, "must be a non-empty list")
    _string(value[0], f"{path}[0]")
    for index, operand in enumerate(value[1:], start=1):
        if not isinstance(operand, str):
            _u64(operand, f"{path}[{index}]")


def _receipt(value: object, path: str, version: Version) -> None:
    fields = _fields(value, path, _up_to(_RECEIPT_FIELDS, version))
    _string(fields["status"], f"{path}.status")
    if fields["reason"] is not None:
        _string(fields["reason"], f"{path}.reason")
    _u64(fields["gas_used"], f"{path}.gas_used")
    if "logs" in fields:
        _logs(fields["logs"], f"{path}.logs")


def _logs(value: object, path: str) -> None:
    """``[[ADDRESS, U64]...]``: the contract that logged, and the value."""
    if not isinstance(value, list):
        raise _Misshapen(path, "must be a list")
    for index, log in enumerate(value):
        where = f"{path}[{index}]"
        if not isinstance(log, list) or len(log) != 2:
            raise _Misshapen(where, "must be a list of an address and an integer")
        _string(log[0], f"{where}[0]")
        _u64(log[1], f"{where}[1]")


# ---------------------------------------------------------------- JSON types


def _fields(value: object, path: str, names: tuple[str, ...]) -> dict[str, object]:
    """An object with exactly the fields ``names``, each once."""
    checked = _object(value, path)
    for name in checked:
        if name not in names:
            raise _Misshapen(_key_path(path, name), "unknown field")
    for name in names:
        if name not in checked:
            raise _Misshapen(_key_path(path, name), "missing field")
    return checked


def _map(value: object, path: str, item: Callable[[object, str], None]) -> None:
    """An object keyed by data (addresses, assets, slots, entries), each item checked."""
    for key, entry in _object(value, path).items():
        item(entry, f"{path}[{json.dumps(key)}]")


def _object(value: object, path: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise _Misshapen(path, "must be an object")
    # ``parse_json`` records the first key an object repeated on the object itself.
    repeated = getattr(value, "repeated", "")
    if repeated:
        raise _Misshapen(path, f"key {repeated!r} repeated in one object")
    return value


def _u64(value: object, path: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Misshapen(path, "must be an integer")
    if value < 0:
        raise _Misshapen(path, "must be >= 0")
    if value >= U64_LIMIT:
        raise _Misshapen(path, "must be < 2**64")


def _string(value: object, path: str) -> None:
    if not isinstance(value, str):
        raise _Misshapen(path, "must be a string")


def _key_path(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
