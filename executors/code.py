"""Contract code: the well-formedness rules (SPEC 6).

Code is a JSON object mapping entry ids to programs; a program is a list of
instructions ``[OP]`` or ``[OP, operand...]``. ``parse_code`` turns a decoded JSON
value of that shape into ``Code`` or raises ``CodeNotWellFormed`` naming the first
offending place, relative to the code object (``["0"][3]: JUMP target 9 ...``).

Which ops exist, what operands each takes and which version added it are read from
the VM's instruction table (``executors.vm.INSTRUCTIONS``), so the grammar and the
machine cannot disagree. Code is parsed for a case version: an op a later version
added is not well-formed in an earlier version's code (SPEC 10), and the message
says so.

Whether ill-formed code makes a case invalid (genesis) or a transaction
``malformed`` (deploy) is the caller's decision, not this module's.
"""

from __future__ import annotations

from dataclasses import dataclass

from txparity.executors.errors import ExecutorError
from txparity.executors.limits import (
    ADDRESS_PATTERN,
    CANONICAL_DECIMAL_PATTERN,
    MAX_ARG_INDEX,
    MAX_CALL_ARGS,
    MAX_PROGRAM_LENGTH,
    U64_LIMIT,
)
from txparity.executors.model import Code, Instruction, Op, Program, Version
from txparity.executors.shapes import CASE_FORMATS, map_path
from txparity.executors.vm import INSTRUCTIONS, Operand

__all__ = [
    "CodeNotWellFormed",
    "is_canonical_decimal",
    "later_version",
    "ops_of",
    "parse_code",
]


class CodeNotWellFormed(ExecutorError):
    """Code of the right shape that breaks a rule of SPEC 6; ``path`` is inside the code."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def is_canonical_decimal(text: str) -> bool:
    """True for a decimal with no sign and no leading zeros, below ``U64_LIMIT``."""
    return CANONICAL_DECIMAL_PATTERN.fullmatch(text) is not None and int(text) < U64_LIMIT


def later_version(since: Version, version: Version) -> str:
    """Why a field or an op that ``since`` added is unknown in a ``version`` case."""
    return f"(added by version {since.value}; this case's format is {CASE_FORMATS[version]!r})"


def ops_of(version: Version) -> tuple[Op, ...]:
    """The ops code of a ``version`` case may use, in ``Op`` order."""
    return tuple(op for op in Op if INSTRUCTIONS[op].since <= version)


def parse_code(raw: dict[str, list[object]], version: Version = Version.V1) -> Code:
    """Parse a code object whose values are lists, for a case of ``version``; raise
    ``CodeNotWellFormed``."""
    entries: dict[int, Program] = {}
    # Sorted, so that the problem reported does not depend on the input's key order.
    for entry_id, program in sorted(raw.items()):
        path = map_path("", entry_id)
        if not is_canonical_decimal(entry_id):
            raise CodeNotWellFormed(path, "entry id must be a canonical decimal")
        entries[int(entry_id)] = _parse_program(program, path, version)
    return Code(entries)


def _parse_program(program: list[object], path: str, version: Version) -> Program:
    length = len(program)
    if length > MAX_PROGRAM_LENGTH:
        raise CodeNotWellFormed(path, f"more than {MAX_PROGRAM_LENGTH} instructions")
    try:
        return tuple([_parse_instruction(item, length, version) for item in program])
    except CodeNotWellFormed:
        # Spelled out only for a message: most programs are well-formed.
        for index, item in enumerate(program):
            try:
                _parse_instruction(item, length, version)
            except CodeNotWellFormed as problem:
                where = f"{path}[{index}]{problem.path}"
                raise CodeNotWellFormed(where, problem.message) from None
        raise


@dataclass(frozen=True, slots=True)
class _Form:
    """How an op is written: the op, the version that added it, the kinds of its
    operands, and for an op without operands its one instruction, which every
    program shares (instructions are values)."""

    op: Op
    since: Version
    operands: tuple[Operand, ...]
    bare: Instruction | None

    @staticmethod
    def of(op: Op) -> _Form:
        row = INSTRUCTIONS[op]
        return _Form(op, row.since, row.operands, None if row.operands else Instruction(op))


_FORMS: dict[str, _Form] = {op.name: _Form.of(op) for op in Op}


def _parse_instruction(item: object, length: int, version: Version) -> Instruction:
    """One instruction of a program of ``length``; a problem's path is relative to it."""
    if not isinstance(item, list) or not item:
        raise CodeNotWellFormed("", "an instruction must be a non-empty list")
    name = item[0]
    form = _FORMS.get(name) if isinstance(name, str) else None
    if form is None:
        raise CodeNotWellFormed("", f"unknown op {name!r}")
    if form.since > version:
        raise CodeNotWellFormed("", f"unknown op {name!r} {later_version(form.since, version)}")
    if form.bare is not None and len(item) == 1:
        return form.bare
    op, kinds, operands = form.op, form.operands, item[1:]
    if len(operands) != len(kinds):
        raise CodeNotWellFormed("", f"{op} takes {len(kinds)} operand(s)")
    for position, kind in enumerate(kinds):
        if not _operand_fits(operands[position], kind, length):
            raise CodeNotWellFormed(f"[{position + 1}]", f"{op} needs {kind.value}")
    return Instruction(op, tuple(operands))


def _operand_fits(operand: object, kind: Operand, length: int) -> bool:
    if kind is Operand.ADDRESS:
        return isinstance(operand, str) and ADDRESS_PATTERN.fullmatch(operand) is not None
    if not isinstance(operand, int) or isinstance(operand, bool):
        return False
    match kind:
        case Operand.U64:
            return 0 <= operand < U64_LIMIT
        case Operand.ARG_INDEX:
            return 0 <= operand <= MAX_ARG_INDEX
        case Operand.TARGET:
            return 0 <= operand < length
        case Operand.CALL_ARGS:
            return 0 <= operand <= MAX_CALL_ARGS
    return False
