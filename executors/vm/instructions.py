"""The instruction set (SPEC 6 and 10.4): one function per instruction, and the table.

Each function takes the frame and the instruction's operands, named as in SPEC 6's
table (``CALL c e n`` is ``call(frame, contract, entry, count)``), and does its steps
in the order the table lists them: pops (``stack``), then look-ups (``bad_arg``,
``bad_call``, ``depth``, ``create_failed``), then the callee or the creation, then
the push (``stack``). Its docstring says what it does and what it fails with. The
machine has already charged the cost and moved the program counter past the
instruction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from txparity.executors.limits import MAX_ADDRESS_LENGTH, MAX_FRAMES, U64_LIMIT
from txparity.executors.model import NATIVE_ASSET, Log, Op, RevertReason, Version, clone_address
from txparity.executors.vm.machine import Frame, Operand, OpRow, RunFailed, caller_word

__all__ = ["INSTRUCTIONS"]


# ---------------------------------------------------------------- stack


def push(frame: Frame, value: int) -> None:
    """``PUSH v``: push ``v``. Fails with ``stack`` on overflow."""
    frame.push(value)


def pop(frame: Frame) -> None:
    """``POP``: drop the top. Fails with ``stack`` if the stack is empty."""
    frame.pop()


def dup(frame: Frame) -> None:
    """``DUP``: copy the top. Fails with ``stack`` if the stack is empty or full."""
    top = frame.pop()
    frame.stack.append(top)
    frame.push(top)


def swap(frame: Frame) -> None:
    """``SWAP``: swap the top two. Fails with ``stack`` if there are fewer than two."""
    top, second = frame.pop(), frame.pop()
    frame.stack += [top, second]


# ---------------------------------------------------------------- arithmetic


def _arithmetic(frame: Frame, result_of: Callable[[int, int], int]) -> None:
    """Pop ``b`` (the top), then ``a``; push ``result_of(a, b)`` if it is a u64."""
    b, a = frame.pop(), frame.pop()
    result = result_of(a, b)
    if not 0 <= result < U64_LIMIT:
        raise RunFailed(RevertReason.OVERFLOW)
    frame.push(result)


def add(frame: Frame) -> None:
    """``ADD``: pop ``b``, then ``a``; push ``a + b``. Fails with ``stack``, or
    ``overflow`` if the sum is out of u64 range."""
    _arithmetic(frame, lambda a, b: a + b)


def sub(frame: Frame) -> None:
    """``SUB``: pop ``b``, then ``a``; push ``a - b``. Fails with ``stack``, or
    ``overflow`` if ``b > a``."""
    _arithmetic(frame, lambda a, b: a - b)


def mul(frame: Frame) -> None:
    """``MUL``: pop ``b``, then ``a``; push ``a * b``. Fails with ``stack``, or
    ``overflow`` if the product is out of u64 range."""
    _arithmetic(frame, lambda a, b: a * b)


def div(frame: Frame) -> None:
    """``DIV``: pop ``b``, then ``a``; push ``a // b``. Fails with ``stack``, or
    ``div_zero`` if ``b == 0``."""
    b, a = frame.pop(), frame.pop()
    if b == 0:
        raise RunFailed(RevertReason.DIV_ZERO)
    frame.push(a // b)


def mod(frame: Frame) -> None:
    """``MOD``: pop ``b``, then ``a``; push ``a % b``. Fails with ``stack``, or
    ``div_zero`` if ``b == 0``."""
    b, a = frame.pop(), frame.pop()
    if b == 0:
        raise RunFailed(RevertReason.DIV_ZERO)
    frame.push(a % b)


# ---------------------------------------------------------------- comparison


def lt(frame: Frame) -> None:
    """``LT``: pop ``b``, then ``a``; push 1 if ``a < b`` else 0. Fails with ``stack``."""
    b, a = frame.pop(), frame.pop()
    frame.push(1 if a < b else 0)


def eq(frame: Frame) -> None:
    """``EQ``: pop ``b``, then ``a``; push 1 if ``a == b`` else 0. Fails with ``stack``."""
    b, a = frame.pop(), frame.pop()
    frame.push(1 if a == b else 0)


def iszero(frame: Frame) -> None:
    """``ISZERO``: pop ``a``; push 1 if ``a == 0`` else 0. Fails with ``stack``."""
    frame.push(1 if frame.pop() == 0 else 0)


# ---------------------------------------------------------------- environment


def arg(frame: Frame, index: int) -> None:
    """``ARG i``: push the frame's argument ``i``. Fails with ``bad_arg`` if the frame
    has no argument ``i``, then ``stack`` on overflow."""
    if index >= len(frame.args):
        raise RunFailed(RevertReason.BAD_ARG)
    frame.push(frame.args[index])


def caller(frame: Frame) -> None:
    """``CALLER``: push the ``caller_word`` of the transaction's source (the same in
    every frame; worked out only when a frame asks, as few do). Fails with ``stack``
    on overflow."""
    frame.push(caller_word(frame.machine.source))


def balance(frame: Frame) -> None:
    """``BALANCE``: push this contract's TOS balance, the deposits and this run's
    payments included. Fails with ``stack`` on overflow."""
    frame.push(frame.scratch.contract_balance(frame.contract, NATIVE_ASSET))


# ---------------------------------------------------------------- storage


def sload(frame: Frame) -> None:
    """``SLOAD``: pop a key; push this contract's storage value there, this run's
    writes included. Fails with ``stack``."""
    key = frame.pop()
    frame.push(frame.scratch.storage(frame.contract, frame.creation, key))


def sstore(frame: Frame) -> None:
    """``SSTORE``: pop key ``b``, then value ``a``; set this contract's storage.
    Fails with ``stack``."""
    key, value = frame.pop(), frame.pop()
    frame.scratch.set_storage(frame.contract, frame.creation, key, value)


# ---------------------------------------------------------------- payments


def pay(frame: Frame) -> None:
    """``PAY``: pop an amount; move it in TOS from this contract to the transaction's
    source. Fails with ``stack``, then ``contract_funds`` if the contract holds less."""
    amount = frame.pop()
    scratch = frame.scratch
    if scratch.contract_balance(frame.contract, NATIVE_ASSET) < amount:
        raise RunFailed(RevertReason.CONTRACT_FUNDS)
    scratch.debit_contract(frame.contract, NATIVE_ASSET, amount)
    scratch.credit_account(frame.machine.source, NATIVE_ASSET, amount)


# ---------------------------------------------------------------- control flow


def jump(frame: Frame, target: int) -> None:
    """``JUMP t``: go to instruction ``t``. Never fails: the grammar checked ``t``."""
    frame.counter = target


def jumpi(frame: Frame, target: int) -> None:
    """``JUMPI t``: pop ``a``; go to instruction ``t`` if ``a != 0``. Fails with
    ``stack``."""
    if frame.pop() != 0:
        frame.counter = target


def stop(frame: Frame) -> None:
    """``STOP``: end the frame; its result is its top of stack, or 0. Never fails."""
    frame.running = False


def revert(frame: Frame) -> None:
    """``REVERT``: fail the whole run with ``revert``."""
    raise RunFailed(RevertReason.REVERT)


# ---------------------------------------------------------------- calls


def call(frame: Frame, contract: str, entry: int, count: int) -> None:
    """``CALL c e n``: pop ``n`` values as arguments (the last popped is argument 0),
    look up entry ``e`` of contract ``c``, run it in a new frame, push its result.

    Fails with ``stack`` (the pops), then ``bad_call`` if ``c`` is not a contract or
    has no entry ``e``, then ``depth`` if ``MAX_FRAMES`` frames are already running,
    then with whatever the callee fails with, then ``stack`` (the push).
    """
    args = tuple(reversed([frame.pop() for _ in range(count)]))
    deployed = frame.scratch.contract_code(contract)
    if deployed is None or entry not in deployed.code.entries:
        raise RunFailed(RevertReason.BAD_CALL)
    if frame.depth >= MAX_FRAMES:
        raise RunFailed(RevertReason.DEPTH)
    program = deployed.code.entries[entry]
    result = frame.machine.run_frame(contract, deployed.creation, program, args, frame.depth + 1)
    frame.push(result)


# ---------------------------------------------------------------- version 2 (SPEC 10.4)


def log(frame: Frame) -> None:
    """``LOG``: pop ``a``; append ``[c, a]`` to the run's logs, ``c`` this frame's
    contract. Fails with ``stack`` if the stack is empty. A failed run keeps no logs."""
    frame.machine.logs.append(Log(frame.contract, frame.pop()))


def balanceof(frame: Frame, address: str) -> None:
    """``BALANCEOF x``: push the TOS balance of ``x``, an account's or a contract's,
    this run's effects so far included; 0 if ``x`` names nothing (never used, or a
    destroyed contract's). Fails with ``stack`` on overflow."""
    scratch = frame.scratch
    if scratch.nonce(address) is not None:
        amount = scratch.balance(address, NATIVE_ASSET)
    elif scratch.code(address) is not None:
        amount = scratch.contract_balance(address, NATIVE_ASSET)
    else:
        amount = 0
    frame.push(amount)


def destroy(frame: Frame) -> None:
    """``DESTROY``: mark this frame's contract to be destroyed at the end of the run,
    if the run succeeds, and go on. Never fails. Until then the contract still exists:
    it can be called, read, written, paid from and can clone."""
    marked = frame.machine.marked
    if frame.contract not in marked:
        marked.append(frame.contract)


def clone(frame: Frame) -> None:
    """``CLONE``: let ``c`` be this frame's contract and ``n`` its nonce; create the
    contract ``<c>.<n>`` with a copy of ``c``'s code, set ``c``'s nonce to ``n + 1``,
    push ``n``.

    Fails with ``create_failed`` if ``n`` is ``2**64 - 1``, or ``<c>.<n>`` is longer
    than ``MAX_ADDRESS_LENGTH`` or names an account or a contract (one marked by
    ``DESTROY`` or created in this run included); then with ``stack`` on overflow,
    which undoes the creation with the rest of the run.
    """
    scratch = frame.scratch
    creator = frame.contract
    nonce = scratch.contract_nonce(creator)
    address = clone_address(creator, nonce)
    if nonce == U64_LIMIT - 1 or len(address) > MAX_ADDRESS_LENGTH or scratch.names(address):
        raise RunFailed(RevertReason.CREATE_FAILED)
    code = scratch.code(creator)
    assert code is not None, "a frame's contract exists until its run ends"
    scratch.create_contract(address, code, frame.machine.creation)
    scratch.set_contract_nonce(creator, nonce + 1)
    frame.push(nonce)


# ---------------------------------------------------------------- the table

INSTRUCTIONS: Mapping[Op, OpRow] = MappingProxyType({
    Op.PUSH: OpRow(1, (Operand.U64,), push),
    Op.POP: OpRow(1, (), pop),
    Op.DUP: OpRow(1, (), dup),
    Op.SWAP: OpRow(1, (), swap),
    Op.ADD: OpRow(2, (), add),
    Op.SUB: OpRow(2, (), sub),
    Op.MUL: OpRow(2, (), mul),
    Op.DIV: OpRow(2, (), div),
    Op.MOD: OpRow(2, (), mod),
    Op.LT: OpRow(1, (), lt),
    Op.EQ: OpRow(1, (), eq),
    Op.ISZERO: OpRow(1, (), iszero),
    Op.ARG: OpRow(1, (Operand.ARG_INDEX,), arg),
    Op.CALLER: OpRow(1, (), caller),
    Op.SLOAD: OpRow(5, (), sload),
    Op.SSTORE: OpRow(10, (), sstore),
    Op.BALANCE: OpRow(2, (), balance),
    Op.PAY: OpRow(10, (), pay),
    Op.JUMP: OpRow(1, (Operand.TARGET,), jump),
    Op.JUMPI: OpRow(1, (Operand.TARGET,), jumpi),
    Op.CALL: OpRow(20, (Operand.ADDRESS, Operand.U64, Operand.CALL_ARGS), call),
    Op.STOP: OpRow(0, (), stop),
    Op.REVERT: OpRow(0, (), revert),
    Op.LOG: OpRow(3, (), log, Version.V2),
    Op.BALANCEOF: OpRow(2, (Operand.ADDRESS,), balanceof, Version.V2),
    Op.DESTROY: OpRow(5, (), destroy, Version.V2),
    Op.CLONE: OpRow(30, (), clone, Version.V2),
})  # fmt: skip
"""SPEC 6's table and 10.4's, one row per op in ``Op`` order: cost, operand kinds,
function, and the version that added it."""
