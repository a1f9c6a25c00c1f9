"""Contract code: the instruction table and the well-formedness rules (SPEC 6).

Code is a JSON object mapping entry ids to programs; a program is a list of
instructions ``[OP]`` or ``[OP, operand...]``. ``parse_code`` turns a decoded JSON
value of that shape into ``Code`` or raises ``CodeNotWellFormed`` naming the first
offending place, relative to the code object (``["0"][3]: JUMP target 9 ...``).

Whether ill-formed code makes a case invalid (genesis) or a transaction
``malformed`` (deploy) is the caller's decision, not this module's.
"""

from __future__ import annotations

import json
import re
from enum import Enum

from txparity.executors.limits import (
    ADDRESS_PATTERN,
    MAX_ARG_INDEX,
    MAX_CALL_ARGS,
    MAX_PROGRAM_LENGTH,
    U64_LIMIT,
)
from txparity.executors.model import Code, Instruction, Op, Program

__all__ = [
    "COST",
    "CodeNotWellFormed",
    "is_canonical_decimal",
    "parse_code",
]


COST: dict[Op, int] = {
    Op.PUSH: 1, Op.POP: 1, Op.DUP: 1, Op.SWAP: 1,
    Op.ADD: 2, Op.SUB: 2, Op.MUL: 2, Op.DIV: 2, Op.MOD: 2,
    Op.LT: 1, Op.EQ: 1, Op.ISZERO: 1, Op.ARG: 1, Op.CALLER: 1,
    Op.SLOAD: 5, Op.SSTORE: 10, Op.BALANCE: 2, Op.PAY: 10,
    Op.JUMP: 1, Op.JUMPI: 1, Op.CALL: 20, Op.STOP: 0, Op.REVERT: 0,
}  # fmt: skip


class _Operand(Enum):
    """What one operand position accepts."""

    U64 = "an integer below 2**64"
    ARG_INDEX = "an argument index from 0 to 7"
    TARGET = "a jump target inside the program"
    ADDRESS = "an address"
    CALL_ARGS = "an argument count from 0 to 8"


_OPERANDS: dict[Op, tuple[_Operand, ...]] = {
    Op.PUSH: (_Operand.U64,),
    Op.ARG: (_Operand.ARG_INDEX,),
    Op.JUMP: (_Operand.TARGET,),
    Op.JUMPI: (_Operand.TARGET,),
    Op.CALL: (_Operand.ADDRESS, _Operand.U64, _Operand.CALL_ARGS),
}

_CANONICAL_DECIMAL = re.compile(r"0|[1-9][0-9]*")


class CodeNotWellFormed(Exception):
    """Code of the right shape that breaks a rule of SPEC 6; ``path`` is inside the code."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def is_canonical_decimal(text: str) -> bool:
    """True for a decimal with no sign and no leading zeros, below 2**64."""
    return _CANONICAL_DECIMAL.fullmatch(text) is not None and int(text) < U64_LIMIT


def parse_code(raw: dict[str, list[object]]) -> Code:
    """Parse a code object whose values are lists; raise ``CodeNotWellFormed``."""
    entries: dict[int, Program] = {}
    # Sorted, so that the problem reported does not depend on the input's key order.
    for entry_id, program in sorted(raw.items()):
        path = f"[{json.dumps(entry_id)}]"
        if not is_canonical_decimal(entry_id):
            raise CodeNotWellFormed(path, "entry id must be a canonical decimal")
        entries[int(entry_id)] = _parse_program(program, path)
    return Code(entries)


def _parse_program(program: list[object], path: str) -> Program:
    if len(program) > MAX_PROGRAM_LENGTH:
        raise CodeNotWellFormed(path, f"more than {MAX_PROGRAM_LENGTH} instructions")
    return tuple(
        _parse_instruction(item, len(program), f"{path}[{index}]")
        for index, item in enumerate(program)
    )


def _parse_instruction(item: object, length: int, path: str) -> Instruction:
    if not isinstance(item, list) or not item:
        raise CodeNotWellFormed(path, "an instruction must be a non-empty list")
    name, *operands = item
    if not isinstance(name, str) or name not in Op.__members__:
        raise CodeNotWellFormed(path, f"unknown op {name!r}")
    op = Op(name)
    kinds = _OPERANDS.get(op, ())
    if len(operands) != len(kinds):
        raise CodeNotWellFormed(path, f"{op} takes {len(kinds)} operand(s)")
    for position, (operand, kind) in enumerate(zip(operands, kinds, strict=True)):
        if not _operand_fits(operand, kind, length):
            raise CodeNotWellFormed(f"{path}[{position + 1}]", f"{op} needs {kind.value}")
    return Instruction(op, tuple(operands))


def _operand_fits(operand: object, kind: _Operand, length: int) -> bool:
    if kind is _Operand.ADDRESS:
        return isinstance(operand, str) and ADDRESS_PATTERN.fullmatch(operand) is not None
    if not isinstance(operand, int) or isinstance(operand, bool):
        return False
    match kind:
        case _Operand.U64:
            return 0 <= operand < U64_LIMIT
        case _Operand.ARG_INDEX:
            return 0 <= operand <= MAX_ARG_INDEX
        case _Operand.TARGET:
            return 0 <= operand < length
        case _Operand.CALL_ARGS:
            return 0 <= operand <= MAX_CALL_ARGS
    return False
