"""The contract machine (SPEC 6).

A run executes one entry of one contract on behalf of a transaction. It owns a gas
counter shared by every frame and a scratch space (a child of the transaction's), so
that a failed run is undone by its caller dropping the scratch. Each frame has its own
stack (at most ``MAX_STACK`` items) and program counter and belongs to one contract; a
run has at most ``MAX_FRAMES`` frames.

Every instruction is charged before it runs, so a failing instruction's cost counts;
a charge that would pass ``max_gas`` fails the run with ``out_of_gas`` and uses all of
it. Running past the last instruction is ``STOP``. Inside an instruction the steps go
in the order SPEC 6 lists them: pops, then look-ups, then the callee, then the push,
so the first failing step names the failure.

SPEC 6's table is one table in code, ``INSTRUCTIONS`` (``instructions.py``): for each
op its cost, the kinds of its operands (which the code grammar, ``executors.code``,
checks) and the one function that runs it. The machine (``machine.py``) knows no
instruction; it is handed the table. Adding an instruction is one ``Op`` member (at
the end: generators draw ops by position), one function and one row, whose
``since`` names the SPEC version that added it.

Frames call each other recursively; a failure anywhere unwinds the whole run through
the ``RunFailed`` exception, which never leaves this package: ``run`` turns it into a
``RunOutcome``.

The end of a run (SPEC 10.4): if it succeeds, each contract ``DESTROY`` marked is
destroyed, in the order of first marking (its balances swept to the source, then
deleted), and the outcome carries the run's logs; if it fails, the caller drops the
scratch, and the outcome carries no logs.

Readings where SPEC 10.4 leaves room, chosen here:

- Logs are in the order appended, across frames: a callee's logs come between the
  caller's logs before and after the ``CALL``.
- ``BALANCEOF``'s operand is well-formed when it matches the address grammar;
  whether it names anything is read when it runs. It sees the run's effects so far:
  the source without its deposits and not yet charged its fee and gas, payments,
  and the balances of marked contracts.
- ``CLONE``: its cost is charged first (as every instruction's), then the
  ``create_failed`` checks, then the creation and the nonce bump, then the push. So
  a full stack with a free address fails with ``stack`` (the creation goes with the
  run), and with a taken one with ``create_failed``. "Names an account or a
  contract" includes accounts created earlier in the block (the miner's, even for a
  reward of 0) and contracts marked or created in this run: a marked contract's
  address cannot be taken again within the run. A clone at nonce ``2**64 - 2``
  succeeds and leaves ``2**64 - 1``, at which the next ``CLONE`` fails.
- A contract cloned and destroyed in one run leaves nothing but its creator's
  bumped nonce; a clone outlives its creator's destroy.
"""

from __future__ import annotations

from dataclasses import dataclass

from txparity.executors.errors import InvariantViolation
from txparity.executors.model import ContractCode, Invoke, Log, RevertReason, creation_of
from txparity.executors.view import Scratch
from txparity.executors.vm.instructions import INSTRUCTIONS
from txparity.executors.vm.machine import (
    Machine,
    Operand,
    OpRow,
    RunFailed,
    caller_word,
    destroy_contract,
)

__all__ = ["INSTRUCTIONS", "OpRow", "Operand", "RunOutcome", "caller_word", "run"]


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """How a run ended: ``failure`` is None when it succeeded; ``logs`` are a
    successful run's, in the order appended."""

    gas_used: int
    failure: RevertReason | None
    logs: tuple[Log, ...] = ()


def run(
    scratch: Scratch, tx: Invoke, deployed: ContractCode, assets: tuple[str, ...] | None
) -> RunOutcome:
    """Run ``tx``'s entry of its contract, whose code item is ``deployed``, with its
    arguments, source and ``max_gas``; the run's writes go to ``scratch``.

    ``assets`` are all the assets a contract of the block can hold (``BlockContext``),
    which a ``DESTROY`` sweeps; None only where no ``DESTROY`` can run (version 1).
    """
    machine = Machine(scratch, tx.source, tx.max_gas, creation_of(tx), INSTRUCTIONS)
    program = deployed.code.entries[tx.entry]
    try:
        machine.run_frame(tx.contract, deployed.creation, program, tx.args, depth=1)
    except RunFailed as failure:
        return RunOutcome(machine.gas_used, failure.reason)
    if machine.marked and assets is None:
        raise InvariantViolation("a DESTROY ran without the block's context to sweep assets")
    for address in machine.marked:
        destroy_contract(scratch, address, tx.source, assets or ())
    return RunOutcome(machine.gas_used, None, tuple(machine.logs))
