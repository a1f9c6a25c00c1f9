"""The machine an instruction runs on: a run's gas, logs, marked contracts and
frames, a frame's stack and program counter, and the loop that steps a frame
through its program.

The loop knows no instruction: it looks each op up in the instruction set the run
was given (``OpRow`` per op), charges the row's cost, moves the program counter
past the instruction and calls the row's function. The table itself is in
``executors.vm.instructions``.

What a run collects for its end (SPEC 10.4), the logs and the contracts ``DESTROY``
marked, lives on the machine, never in the scratch: a failed run drops the machine
with its scratch, so it leaves neither behind. ``destroy_contract`` is what the end
of a successful run does to each marked contract.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum

from txparity.executors.limits import (
    MAX_ARG_INDEX,
    MAX_CALL_ARGS,
    MAX_STACK,
    U64_BITS,
    U64_LIMIT_TEXT,
)
from txparity.executors.model import Log, Op, Program, RevertReason, Version
from txparity.executors.view import Scratch

__all__ = [
    "Frame",
    "Machine",
    "OpRow",
    "Operand",
    "RunFailed",
    "caller_word",
    "destroy_contract",
]


class RunFailed(Exception):
    """The run fails with ``reason``; it never leaves the ``vm`` package."""

    def __init__(self, reason: RevertReason) -> None:
        super().__init__(reason.value)
        self.reason = reason


class Operand(Enum):
    """What one operand position accepts (SPEC 6); the value is how messages say it."""

    U64 = f"an integer below {U64_LIMIT_TEXT}"
    ARG_INDEX = f"an argument index from 0 to {MAX_ARG_INDEX}"
    TARGET = "a jump target inside the program"
    ADDRESS = "an address"
    CALL_ARGS = f"an argument count from 0 to {MAX_CALL_ARGS}"


@dataclass(frozen=True, slots=True)
class OpRow:
    """One row of SPEC 6's table: what an op costs, takes and does.

    ``run`` is called as ``run(frame, *operands)``, with operands of the kinds
    ``operands`` lists; ``since`` is the version whose table added the row (SPEC 6
    or 10.4): code of an earlier version's case may not use the op.
    """

    cost: int
    operands: tuple[Operand, ...]
    run: Callable[..., None]
    since: Version = Version.V1


def caller_word(source: str) -> int:
    """The value ``CALLER`` pushes: the first 8 bytes of SHA-256(source), big-endian."""
    import hashlib  # here: loading OpenSSL costs every start a few ms; only CALLER needs it

    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return int.from_bytes(digest[: U64_BITS // 8], "big")


class Machine:
    """What the frames of one run share: the scratch, the source, the gas, the
    instruction set, the creation of every contract the run creates, the logs in the
    order appended and the contracts ``DESTROY`` marked in the order of first
    marking."""

    __slots__ = (
        "creation", "gas_used", "instructions", "logs", "marked", "max_gas", "scratch",
        "source",
    )  # fmt: skip

    def __init__(
        self, scratch: Scratch, source: str, max_gas: int, creation: str,
        instructions: Mapping[Op, OpRow],
    ) -> None:  # fmt: skip
        self.scratch = scratch
        self.source = source
        self.max_gas = max_gas
        self.creation = creation
        self.gas_used = 0
        self.instructions = instructions
        self.logs: list[Log] = []
        self.marked: list[str] = []

    def charge(self, cost: int) -> None:
        """Spend ``cost`` gas; ``out_of_gas``, using all of ``max_gas``, if it is short."""
        if self.gas_used + cost > self.max_gas:
            self.gas_used = self.max_gas
            raise RunFailed(RevertReason.OUT_OF_GAS)
        self.gas_used += cost

    def run_frame(
        self, contract: str, creation: str, program: Program, args: tuple[int, ...], depth: int
    ) -> int:
        """Run one frame of ``contract`` (put there by ``creation``) to its end and
        return its result (top of stack, or 0)."""
        frame = Frame(self, contract, creation, args, depth)
        instructions, charge, end = self.instructions, self.charge, len(program)
        while frame.running and frame.counter < end:
            instruction = program[frame.counter]
            row = instructions[instruction.op]
            charge(row.cost)
            frame.counter += 1
            row.run(frame, *instruction.operands)
        return frame.stack[-1] if frame.stack else 0


class Frame:
    """One frame: the contract it belongs to and that contract's creation (whose
    storage it reads and writes), its arguments, depth, stack and counter."""

    __slots__ = (
        "args", "contract", "counter", "creation", "depth", "machine", "running", "scratch",
        "stack",
    )  # fmt: skip

    def __init__(
        self, machine: Machine, contract: str, creation: str, args: tuple[int, ...], depth: int
    ):
        self.machine = machine
        self.scratch = machine.scratch  # the run's, which every instruction on state uses
        self.contract = contract
        self.creation = creation
        self.args = args
        self.depth = depth
        self.stack: list[int] = []
        self.counter = 0  # the next instruction to run; a jump sets it
        self.running = True  # until STOP; running past the last instruction also stops

    def pop(self) -> int:
        """Take the top of the stack; ``stack`` if it is empty."""
        if not self.stack:
            raise RunFailed(RevertReason.STACK)
        return self.stack.pop()

    def push(self, value: int) -> None:
        """Put ``value`` on the stack; ``stack`` if it already holds ``MAX_STACK`` items."""
        if len(self.stack) >= MAX_STACK:
            raise RunFailed(RevertReason.STACK)
        self.stack.append(value)


def destroy_contract(
    scratch: Scratch, address: str, beneficiary: str, assets: tuple[str, ...]
) -> None:
    """The end of a contract marked by ``DESTROY`` (SPEC 10.4): every balance it
    holds, in each of ``assets`` (all a block's contracts can hold), moves to the
    ``beneficiary`` account (the transaction's source), then the contract is deleted."""
    for asset in assets:
        amount = scratch.contract_balance(address, asset)
        if amount:
            scratch.debit_contract(address, asset, amount)
            scratch.credit_account(beneficiary, asset, amount)
    scratch.delete_contract(address)
