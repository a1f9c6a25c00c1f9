"""The contract machine (SPEC 6).

A run executes one entry of one contract on behalf of a transaction. It owns a gas
counter shared by every frame and a scratch space (a child of the transaction's), so
that a failed run is undone by its caller dropping the scratch. Each frame has its own
stack (at most 64 items) and program counter and belongs to one contract; a run has at
most four frames.

Every instruction is charged before it runs, so a failing instruction's cost counts;
a charge that would pass ``max_gas`` fails the run with ``out_of_gas`` and uses all of
it. Inside an instruction the steps go in the order SPEC 6 lists them: pops, then
look-ups, then the callee, then the push, so the first failing step names the failure.

Frames call each other recursively; a failure anywhere unwinds the whole run through
the private ``_RunFailed`` exception, which never leaves this module: ``run`` turns it
into a ``RunOutcome``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from txparity.executors.code import COST
from txparity.executors.limits import MAX_FRAMES, MAX_STACK
from txparity.executors.model import NATIVE_ASSET, U64_LIMIT, Instruction, Op, Program, RevertReason
from txparity.executors.view import Scratch

__all__ = ["RunOutcome", "caller_word", "run"]


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """How a run ended: ``failure`` is None when it succeeded."""

    gas_used: int
    failure: RevertReason | None


class _RunFailed(Exception):
    def __init__(self, reason: RevertReason) -> None:
        super().__init__(reason.value)
        self.reason = reason


def caller_word(source: str) -> int:
    """The value ``CALLER`` pushes: the first 8 bytes of SHA-256(source), big-endian."""
    return int.from_bytes(hashlib.sha256(source.encode("utf-8")).digest()[:8], "big")


def run(
    scratch: Scratch, contract: str, program: Program, args: tuple[int, ...],
    source: str, max_gas: int,
) -> RunOutcome:  # fmt: skip
    """Run ``program`` of ``contract`` with ``args``; its writes go to ``scratch``."""
    machine = _Machine(scratch, source, max_gas)
    try:
        machine.run_frame(contract, program, args, depth=1)
    except _RunFailed as failure:
        return RunOutcome(machine.gas_used, failure.reason)
    return RunOutcome(machine.gas_used, None)


class _Machine:
    __slots__ = ("caller", "gas_used", "max_gas", "scratch", "source")

    def __init__(self, scratch: Scratch, source: str, max_gas: int) -> None:
        self.scratch = scratch
        self.source = source
        self.caller = caller_word(source)
        self.max_gas = max_gas
        self.gas_used = 0

    def charge(self, cost: int) -> None:
        if self.gas_used + cost > self.max_gas:
            self.gas_used = self.max_gas
            raise _RunFailed(RevertReason.OUT_OF_GAS)
        self.gas_used += cost

    def run_frame(self, contract: str, program: Program, args: tuple[int, ...], depth: int) -> int:
        """Run one frame to its end and return its result (top of stack, or 0)."""
        frame = _Frame(self, contract, args, depth)
        counter = 0
        while counter < len(program):
            instruction = program[counter]
            self.charge(COST[instruction.op])
            if instruction.op is Op.STOP:
                break
            counter = frame.step(instruction, counter + 1)
        return frame.stack[-1] if frame.stack else 0


class _Frame:
    """One frame: a stack, the contract it belongs to, its arguments and depth."""

    __slots__ = ("args", "contract", "depth", "machine", "stack")

    def __init__(self, machine: _Machine, contract: str, args: tuple[int, ...], depth: int):
        self.machine = machine
        self.contract = contract
        self.args = args
        self.depth = depth
        self.stack: list[int] = []

    def pop(self) -> int:
        if not self.stack:
            raise _RunFailed(RevertReason.STACK)
        return self.stack.pop()

    def push(self, value: int) -> None:
        if len(self.stack) >= MAX_STACK:
            raise _RunFailed(RevertReason.STACK)
        self.stack.append(value)

    def step(self, instruction: Instruction, next_counter: int) -> int:
        """Run one instruction (already paid for); return the next program counter."""
        operands = instruction.operands
        match instruction.op:
            case Op.JUMP:
                return int(operands[0])
            case Op.JUMPI:
                return int(operands[0]) if self.pop() != 0 else next_counter
            case Op.REVERT:
                raise _RunFailed(RevertReason.REVERT)
            case Op.PUSH:
                self.push(int(operands[0]))
            case Op.ARG:
                self.push(self.argument(int(operands[0])))
            case Op.CALL:
                address, entry, count = operands
                self.call(str(address), int(entry), int(count))
            case _:
                self.plain(instruction.op)
        return next_counter

    def plain(self, op: Op) -> None:
        """Instructions without operands that neither jump nor end the frame."""
        match op:
            case Op.POP:
                self.pop()
            case Op.DUP:
                top = self.pop()
                self.stack.append(top)
                self.push(top)
            case Op.SWAP:
                top, second = self.pop(), self.pop()
                self.stack += [top, second]
            case Op.ISZERO:
                self.push(1 if self.pop() == 0 else 0)
            case Op.CALLER:
                self.push(self.machine.caller)
            case Op.SLOAD:
                self.push(self.machine.scratch.storage(self.contract, self.pop()))
            case Op.SSTORE:
                self.store()
            case Op.BALANCE:
                self.push(self.machine.scratch.contract_balance(self.contract, NATIVE_ASSET))
            case Op.PAY:
                self.pay(self.pop())
            case _:
                self.binary(op)

    def binary(self, op: Op) -> None:
        """``ADD SUB MUL DIV MOD LT EQ``: pop ``b`` (top) then ``a``, push ``a op b``."""
        b = self.pop()
        a = self.pop()
        match op:
            case Op.ADD:
                result = a + b
            case Op.SUB:
                result = a - b
            case Op.MUL:
                result = a * b
            case Op.DIV | Op.MOD if b == 0:
                raise _RunFailed(RevertReason.DIV_ZERO)
            case Op.DIV:
                result = a // b
            case Op.MOD:
                result = a % b
            case Op.LT:
                result = 1 if a < b else 0
            case Op.EQ:
                result = 1 if a == b else 0
            case _:
                raise AssertionError(f"{op} is not an instruction of the VM table")
        if not 0 <= result < U64_LIMIT:
            raise _RunFailed(RevertReason.OVERFLOW)
        self.push(result)

    def argument(self, index: int) -> int:
        if index >= len(self.args):
            raise _RunFailed(RevertReason.BAD_ARG)
        return self.args[index]

    def store(self) -> None:
        key = self.pop()
        value = self.pop()
        self.machine.scratch.set_storage(self.contract, key, value)

    def pay(self, amount: int) -> None:
        """Move ``amount`` TOS from this contract to the transaction's source."""
        scratch = self.machine.scratch
        if scratch.contract_balance(self.contract, NATIVE_ASSET) < amount:
            raise _RunFailed(RevertReason.CONTRACT_FUNDS)
        scratch.debit_contract(self.contract, NATIVE_ASSET, amount)
        scratch.credit_account(self.machine.source, NATIVE_ASSET, amount)

    def call(self, address: str, entry: int, count: int) -> None:
        """``CALL c e n``: pops, look-ups, depth check, the callee, then the push."""
        popped = [self.pop() for _ in range(count)]
        args = tuple(reversed(popped))
        code = self.machine.scratch.code(address)
        if code is None or entry not in code.entries:
            raise _RunFailed(RevertReason.BAD_CALL)
        if self.depth >= MAX_FRAMES:
            raise _RunFailed(RevertReason.DEPTH)
        result = self.machine.run_frame(address, code.entries[entry], args, self.depth + 1)
        self.push(result)
