"""Contract code: the templates, free programs made concrete, and broken code.

Genesis contracts and deploys hold templates (a counter, caller-keyed storage, a
vault with deposits and PAY, a caller of the pool's library, a self-recursive call
past the depth limit, REVERT after SSTORE, loops that run out of gas, arithmetic
failures, a contract whose entries each fail in their own way), each with relay
entries 8 and 9 that bump a slot and the next contract's (a chain of
read-modify-writes across contracts), or freely generated well-formed programs. A
deploy's code is sometimes broken on purpose with one of the values of
``_invalid.py`` (``MalformedCode``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from txparity.executors.code import CodeNotWellFormed, parse_code
from txparity.executors.codec import canonical_json
from txparity.executors.model import Code, Instruction, MalformedCode, Op, Program
from txparity.harness.strategies._invalid import BAD_ENTRY_IDS, BAD_ITEMS, TOO_LONG_PROGRAM
from txparity.harness.strategies._plans import Breakage, BreakageKind, CodePlan, ProgramPlan

__all__ = ["MISSING_CONTRACT", "TEMPLATES", "Template", "break_code", "realize_code"]

MISSING_CONTRACT = "nosuch"  # a valid address that never names anything


def _i(op: Op, *operands: int | str) -> Instruction:
    return Instruction(op, operands)


def _program(*items: Op | tuple[Op, int | str] | tuple[Op, str, int, int]) -> Program:
    return tuple(_i(item) if isinstance(item, Op) else _i(*item) for item in items)


P, A = Op.PUSH, Op.ARG
Template = Callable[[str, str], dict[int, Program]]  # (own address, library) -> code


def _counter(me: str, library: str) -> dict[int, Program]:
    """Storage slot 0 += 1; read it."""
    bump = _program((P, 0), Op.SLOAD, (P, 1), Op.ADD, (P, 0), Op.SSTORE)
    return {0: bump, 1: _program((P, 0), Op.SLOAD)}


def _keyed(me: str, library: str) -> dict[int, Program]:
    """Caller-keyed storage: slot CALLER += arg 0; read it."""
    add = _program(Op.CALLER, Op.SLOAD, (A, 0), Op.ADD, Op.CALLER, Op.SSTORE)
    return {0: add, 1: _program(Op.CALLER, Op.SLOAD)}


def _vault(me: str, library: str) -> dict[int, Program]:
    """Credit the caller arg 0 (with deposits); withdraw it with PAY; PAY arg 0
    unchecked; PAY one more than the balance (``contract_funds``); record BALANCE."""
    return {
        0: _program(Op.CALLER, Op.SLOAD, (A, 0), Op.ADD, Op.CALLER, Op.SSTORE),
        1: _program(Op.CALLER, Op.SLOAD, (A, 0), Op.SUB, Op.CALLER, Op.SSTORE, (A, 0), Op.PAY),
        2: _program((A, 0), Op.PAY),
        3: _program(Op.BALANCE, (P, 1), Op.ADD, Op.PAY),
        4: _program(Op.BALANCE, (P, 0), Op.SSTORE),
    }


def _chain(me: str, library: str) -> dict[int, Program]:
    """Call the pool's library (its first contract but this one): its relay entry 9,
    which bumps its slot 9 and the next contract's (A -> B -> C), or its entry 0; then
    store the result. Invokes of different contracts so share callees."""
    return {
        0: _program((Op.CALL, library, 9, 0), (P, 0), Op.SSTORE),
        1: _program((Op.CALL, library, 0, 0), (P, 1), Op.SSTORE),
    }


def _recurse(me: str, library: str) -> dict[int, Program]:
    """Call itself arg 0 times (``depth`` from 4 on), or forever."""
    countdown = _program(
        (A, 0), (Op.JUMPI, 3), Op.STOP, (A, 0), (P, 1), Op.SUB, (Op.CALL, me, 0, 1), Op.STOP
    )
    return {0: countdown, 1: _program((Op.CALL, me, 1, 0))}


def _reverter(me: str, library: str) -> dict[int, Program]:
    """SSTORE, then REVERT: always, or when arg 0 is not 0."""
    store = ((P, 7), (P, 1), Op.SSTORE)
    return {
        0: _program(*store, Op.REVERT),
        1: _program(*store, (A, 0), (Op.JUMPI, 6), Op.STOP, Op.REVERT),
    }


def _looper(me: str, library: str) -> dict[int, Program]:
    """An endless storage-bumping loop (JUMP back), and a loop of arg 0 rounds."""
    return {
        0: _program((P, 0), Op.SLOAD, (P, 1), Op.ADD, (P, 0), Op.SSTORE, (Op.JUMP, 0)),
        1: _program(
            (A, 0), Op.DUP, Op.ISZERO, (Op.JUMPI, 7), (P, 1), Op.SUB, (Op.JUMP, 1), Op.STOP
        ),
    }


def _arith(me: str, library: str) -> dict[int, Program]:
    """100 / arg 0 (``div_zero`` at 0), 1 % 0 and 0 - 1 (always fail), arg 0 * arg 1
    (``overflow`` if large), arg 0 - arg 1 (if arg 1 is larger), arg 0 + arg 1."""
    return {
        0: _program((P, 100), (A, 0), Op.DIV, (P, 3), Op.SSTORE),
        1: _program((P, 1), (P, 0), Op.MOD),
        2: _program((P, 0), (P, 1), Op.SUB),
        3: _program((A, 0), (A, 1), Op.MUL),
        4: _program((A, 0), (A, 1), Op.SUB),
        5: _program((A, 0), (A, 1), Op.ADD, (P, 4), Op.SSTORE),
    }


def _stacky(me: str, library: str) -> dict[int, Program]:
    """Failures of their own kinds: stack underflow and overflow, calls that cannot be
    made, a division by 0, a payment of more than the balance."""
    return {
        0: _program(Op.POP),
        1: _program((P, 1), (Op.JUMP, 0)),
        2: _program((Op.CALL, MISSING_CONTRACT, 0, 0)),
        3: _program((Op.CALL, me, 7, 0)),
        4: _program((P, 1), Op.SWAP),
        5: _program((P, 7), (P, 0), Op.DIV),
        6: _program(Op.BALANCE, (P, 1), Op.ADD, Op.PAY),
    }


TEMPLATES: tuple[Template, ...] = (
    _counter, _keyed, _vault, _chain, _recurse, _reverter, _looper, _arith, _stacky,
)  # fmt: skip


def _relay(after: str) -> dict[int, Program]:
    """The entries every template has: 9 bumps slot 9, then calls entry 8 of the next
    contract of the pool, which bumps its slot 9 too: read-modify-writes across
    contracts, which fail with ``bad_call`` where the next one is free code."""
    bump = ((P, 9), Op.SLOAD, (P, 1), Op.ADD, (P, 9), Op.SSTORE)
    return {8: _program(*bump), 9: _program(*bump, (Op.CALL, after, 8, 0))}


def _realize_program(plan: ProgramPlan, targets: Sequence[str]) -> Program:
    program: list[Instruction] = []
    for op, operands in plan:
        if op in (Op.JUMP, Op.JUMPI):
            program.append(_i(op, operands[0] % len(plan)))
        elif op is Op.CALL:
            contract, entry, count = operands
            program.append(_i(op, targets[contract % len(targets)], entry, count))
        else:
            program.append(_i(op, *operands))
    return tuple(program)


def realize_code(plan: CodePlan, me: str, pool: Sequence[str]) -> Code | MalformedCode:
    """The code a plan names for a contract at ``me``, with the genesis ``pool``."""
    position = pool.index(me) + 1 if me in pool else 0
    after = pool[position % len(pool)] if pool else me
    library = next((contract for contract in pool if contract != me), me)
    if plan.template >= 0:
        entries = TEMPLATES[plan.template](me, library)
        entries |= _relay(after)
    else:
        targets = [*pool, me]
        entries = {entry: _realize_program(program, targets) for entry, program in plan.free}
    code = Code(entries)
    return code if plan.breakage is None else break_code(code, plan.breakage)


def break_code(code: Code, breakage: Breakage) -> MalformedCode:
    """Code that is not well-formed, kept as canonical JSON with parse_code's problem."""
    raw: dict[str, list[object]] = {
        entry: list(program) for entry, program in code.to_json().items()
    }
    first = min(raw)
    match breakage.kind:
        case BreakageKind.ITEM:
            program = raw[first]
            program.insert(breakage.position % (len(program) + 1), BAD_ITEMS[breakage.choice])
        case BreakageKind.ENTRY:
            raw[BAD_ENTRY_IDS[breakage.choice % len(BAD_ENTRY_IDS)]] = raw.pop(first)
        case _:
            raw[first] = [["STOP"]] * TOO_LONG_PROGRAM
    try:
        parse_code(raw)
    except CodeNotWellFormed as error:
        return MalformedCode(canonical_json(raw), str(error))
    raise AssertionError(f"broken code is well-formed: {raw}")
