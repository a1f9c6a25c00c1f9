"""Contract code: the templates, free programs made concrete, and broken code.

Genesis contracts and deploys hold templates (a counter, caller-keyed storage, a
vault with deposits and PAY, a caller of the pool's library, a self-recursive call
past the depth limit, REVERT after SSTORE, loops that run out of gas, arithmetic
failures, a contract whose entries each fail in their own way), each with relay
entries 8 and 9 that bump a slot and the next contract's (a chain of
read-modify-writes across contracts), or freely generated well-formed programs. A
deploy's code is sometimes broken on purpose with one of the values of
``_invalid.py`` (``MalformedCode``).

Version 2 cases (SPEC 10.4) also hold three templates of their own: a contract
that stores, logs, reads, pays and destroys itself (the one a salted deploy
revives), a factory of clones whose clones clone in turn, and a probe of the
miner's and its neighbour's balances whose logs are nested in calls and undone by
a revert; their free programs use the version 2 ops, and their relays log each
value they bump, so that logs come from nested calls in every version 2 case.
Where code is realized (``Site``) says what a template may name: the contract
itself, the pool of genesis contracts, and the miner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from txparity.executors.code import CodeNotWellFormed, parse_code
from txparity.executors.codec import canonical_json
from txparity.executors.limits import ADDRESS_PATTERN
from txparity.executors.model import (
    Code,
    Instruction,
    MalformedCode,
    Op,
    Program,
    Version,
    clone_address,
)
from txparity.harness.strategies._invalid import BAD_ENTRY_IDS, BAD_ITEMS, TOO_LONG_PROGRAM
from txparity.harness.strategies._plans import Breakage, BreakageKind, CodePlan, ProgramPlan

__all__ = [
    "CLONE_ENTRY",
    "DESTROY_ENTRY",
    "FACTORY",
    "MINER_ENTRY",
    "MISSING_CONTRACT",
    "PROBE",
    "READ_ENTRY",
    "REVIVABLE",
    "STORE_ENTRY",
    "TEMPLATES",
    "V1_TEMPLATES",
    "Site",
    "Template",
    "break_code",
    "realize_code",
]

MISSING_CONTRACT = "nosuch"  # a valid address that never names anything


@dataclass(frozen=True, slots=True)
class Site:
    """Where code is realized: the contract's own address ``me``, the genesis
    contracts ``pool``, the block's ``miner`` and the case's version."""

    me: str
    pool: tuple[str, ...]
    miner: str
    version: Version

    @property
    def library(self) -> str:
        """The pool's first contract but this one (this one, alone in the pool)."""
        return next((contract for contract in self.pool if contract != self.me), self.me)

    @property
    def after(self) -> str:
        """The next contract of the pool after this one (the first, for a deployed one)."""
        position = self.pool.index(self.me) + 1 if self.me in self.pool else 0
        return self.pool[position % len(self.pool)] if self.pool else self.me


def _i(op: Op, *operands: int | str) -> Instruction:
    return Instruction(op, operands)


def _program(*items: Op | tuple[Op, int | str] | tuple[Op, str, int, int]) -> Program:
    return tuple(_i(item) if isinstance(item, Op) else _i(*item) for item in items)


P, A = Op.PUSH, Op.ARG
Template = Callable[[Site], dict[int, Program]]


def _counter(site: Site) -> dict[int, Program]:
    """Storage slot 0 += 1; read it."""
    bump = _program((P, 0), Op.SLOAD, (P, 1), Op.ADD, (P, 0), Op.SSTORE)
    return {0: bump, 1: _program((P, 0), Op.SLOAD)}


def _keyed(site: Site) -> dict[int, Program]:
    """Caller-keyed storage: slot CALLER += arg 0; read it."""
    add = _program(Op.CALLER, Op.SLOAD, (A, 0), Op.ADD, Op.CALLER, Op.SSTORE)
    return {0: add, 1: _program(Op.CALLER, Op.SLOAD)}


def _vault(site: Site) -> dict[int, Program]:
    """Credit the caller arg 0 (with deposits); withdraw it with PAY; PAY arg 0
    unchecked; PAY one more than the balance (``contract_funds``); record BALANCE."""
    return {
        0: _program(Op.CALLER, Op.SLOAD, (A, 0), Op.ADD, Op.CALLER, Op.SSTORE),
        1: _program(Op.CALLER, Op.SLOAD, (A, 0), Op.SUB, Op.CALLER, Op.SSTORE, (A, 0), Op.PAY),
        2: _program((A, 0), Op.PAY),
        3: _program(Op.BALANCE, (P, 1), Op.ADD, Op.PAY),
        4: _program(Op.BALANCE, (P, 0), Op.SSTORE),
    }


def _chain(site: Site) -> dict[int, Program]:
    """Call the pool's library (its first contract but this one): its relay entry 9,
    which bumps its slot 9 and the next contract's (A -> B -> C), or its entry 0; then
    store the result. Invokes of different contracts so share callees."""
    return {
        0: _program((Op.CALL, site.library, 9, 0), (P, 0), Op.SSTORE),
        1: _program((Op.CALL, site.library, 0, 0), (P, 1), Op.SSTORE),
    }


def _recurse(site: Site) -> dict[int, Program]:
    """Call itself arg 0 times (``depth`` from 4 on), or forever."""
    me = site.me
    countdown = _program(
        (A, 0), (Op.JUMPI, 3), Op.STOP, (A, 0), (P, 1), Op.SUB, (Op.CALL, me, 0, 1), Op.STOP
    )
    return {0: countdown, 1: _program((Op.CALL, me, 1, 0))}


def _reverter(site: Site) -> dict[int, Program]:
    """SSTORE, then REVERT: always, or when arg 0 is not 0."""
    store = ((P, 7), (P, 1), Op.SSTORE)
    return {
        0: _program(*store, Op.REVERT),
        1: _program(*store, (A, 0), (Op.JUMPI, 6), Op.STOP, Op.REVERT),
    }


def _looper(site: Site) -> dict[int, Program]:
    """An endless storage-bumping loop (JUMP back), and a loop of arg 0 rounds."""
    return {
        0: _program((P, 0), Op.SLOAD, (P, 1), Op.ADD, (P, 0), Op.SSTORE, (Op.JUMP, 0)),
        1: _program(
            (A, 0), Op.DUP, Op.ISZERO, (Op.JUMPI, 7), (P, 1), Op.SUB, (Op.JUMP, 1), Op.STOP
        ),
    }


def _arith(site: Site) -> dict[int, Program]:
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


def _stacky(site: Site) -> dict[int, Program]:
    """Failures of their own kinds: stack underflow and overflow, calls that cannot be
    made, a division by 0, a payment of more than the balance."""
    return {
        0: _program(Op.POP),
        1: _program((P, 1), (Op.JUMP, 0)),
        2: _program((Op.CALL, MISSING_CONTRACT, 0, 0)),
        3: _program((Op.CALL, site.me, 7, 0)),
        4: _program((P, 1), Op.SWAP),
        5: _program((P, 7), (P, 0), Op.DIV),
        6: _program(Op.BALANCE, (P, 1), Op.ADD, Op.PAY),
    }


# ---------------------------------------------------------------- version 2


def _revivable(site: Site) -> dict[int, Program]:
    """What a salted deploy revives: store arg 0 at slot 0 and log it; log slot 0 and
    the TOS balance (a revived contract's storage is empty); destroy itself; PAY arg
    0; read and log slot 0, then destroy itself."""
    return {
        0: _program((A, 0), Op.DUP, Op.LOG, (P, 0), Op.SSTORE),
        1: _program((P, 0), Op.SLOAD, Op.LOG, Op.BALANCE, Op.LOG),
        2: _program(Op.DESTROY),
        3: _program((A, 0), Op.PAY),
        4: _program((P, 0), Op.SLOAD, Op.LOG, Op.DESTROY),
    }


def _factory(site: Site) -> dict[int, Program]:
    """Clone itself and log the clone's nonce (two invokes clone from one creator);
    call entry 0 of its first clone, which clones in turn (a chain: ``me.0.0``;
    ``bad_call`` before the first clone exists); destroy itself, then clone (a
    contract marked for destruction still creates); log its balance and pay arg 0."""
    first = clone_address(site.me, 0)
    if not ADDRESS_PATTERN.fullmatch(first):  # a creator whose clones cannot be named
        first = MISSING_CONTRACT
    return {
        0: _program(Op.CLONE, Op.LOG),
        1: _program((Op.CALL, first, 0, 0), Op.LOG),
        2: _program(Op.DESTROY, Op.CLONE, Op.LOG),
        3: _program(Op.BALANCE, Op.LOG, (A, 0), Op.PAY),
    }


def _probe(site: Site) -> dict[int, Program]:
    """Read balances others change: log the miner's TOS balance (fees paid after each
    transaction change it); log the next contract's (0 once it is destroyed); log,
    call the next contract's logging relay, then REVERT (every log undone); call
    that relay, then log the miner's balance (logs of two frames, in order)."""
    return {
        0: _program((Op.BALANCEOF, site.miner), Op.LOG),
        1: _program((Op.BALANCEOF, site.after), Op.LOG),
        2: _program((P, 1), Op.LOG, (Op.CALL, site.after, 9, 0), Op.REVERT),
        3: _program((Op.CALL, site.after, 9, 0), (Op.BALANCEOF, site.miner), Op.LOG),
    }


V1_TEMPLATES: tuple[Template, ...] = (
    _counter, _keyed, _vault, _chain, _recurse, _reverter, _looper, _arith, _stacky,
)  # fmt: skip
TEMPLATES: tuple[Template, ...] = (*V1_TEMPLATES, _revivable, _factory, _probe)
"""Every template, by its index in a ``CodePlan``: version 1 cases hold the first
``len(V1_TEMPLATES)`` only."""

# The version 2 templates stories are told on (``_stories.py``), and their entries.
REVIVABLE, FACTORY, PROBE = (TEMPLATES.index(t) for t in (_revivable, _factory, _probe))
STORE_ENTRY, READ_ENTRY, DESTROY_ENTRY = 0, 1, 2  # of REVIVABLE; FACTORY's 2 destroys too
CLONE_ENTRY = 0  # of FACTORY
MINER_ENTRY = 0  # of PROBE


def _relay(after: str, version: Version) -> dict[int, Program]:
    """The entries every template has: 9 bumps slot 9, then calls entry 8 of the next
    contract of the pool, which bumps its slot 9 too: read-modify-writes across
    contracts, which fail with ``bad_call`` where the next one is free code. In
    version 2 each bump logs the new value."""
    logged = (Op.DUP, Op.LOG) if version >= Version.V2 else ()
    bump = _program((P, 9), Op.SLOAD, (P, 1), Op.ADD, *logged, (P, 9), Op.SSTORE)
    return {8: bump, 9: (*bump, _i(Op.CALL, after, 8, 0))}


def _realize_program(plan: ProgramPlan, site: Site) -> Program:
    """JUMP targets within the program; CALL contracts from the pool and the contract
    itself; BALANCEOF addresses from those and the miner."""
    targets = [*site.pool, site.me]
    program: list[Instruction] = []
    for op, operands in plan:
        if op in (Op.JUMP, Op.JUMPI):
            program.append(_i(op, operands[0] % len(plan)))
        elif op is Op.CALL:
            contract, entry, count = operands
            program.append(_i(op, targets[contract % len(targets)], entry, count))
        elif op is Op.BALANCEOF:
            watched = [*targets, site.miner]
            program.append(_i(op, watched[operands[0] % len(watched)]))
        else:
            program.append(_i(op, *operands))
    return tuple(program)


def realize_code(plan: CodePlan, site: Site) -> Code | MalformedCode:
    """The code a plan names for a contract at ``site``."""
    if plan.template >= 0:
        entries = TEMPLATES[plan.template](site)
        entries |= _relay(site.after, site.version)
    else:
        entries = {entry: _realize_program(program, site) for entry, program in plan.free}
    code = Code(entries)
    return code if plan.breakage is None else break_code(code, plan.breakage, site.version)


def break_code(code: Code, breakage: Breakage, version: Version) -> MalformedCode:
    """Code that is not well-formed in a ``version`` case, kept as canonical JSON with
    parse_code's problem."""
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
        parse_code(raw, version)
    except CodeNotWellFormed as error:
        return MalformedCode(canonical_json(raw), str(error))
    raise AssertionError(f"broken code is well-formed: {raw}")
