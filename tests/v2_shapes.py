"""The version 2 shapes that break parallel executors, found in a case by running it.

``shapes_of(case)`` runs the case on the reference rules, one transaction after
another as the sequential executor does (``executors.rules``: the reward, the gas
limit, fees after each transaction or at the block's end), and watches every
contract run on the reference VM with an observer on each instruction: which frame
ran which op, at what depth, on what address or slot, whether a ``CLONE``
succeeded, and what a failed run had logged before it failed. The observed run is
checked against the receipt the rules gave (same gas, same failure), so what is
seen is what the reference did. It answers from receipts, state and those
observations only, never from what the generator meant to draw.

The shapes (``Shape``), each the trigger of planted bugs of ``executors.mutants``
and of the production bugs SPEC 10's table names:

- ``destroy_revive_touch``: a contract destroyed, then created again at the same
  address, then invoked, called, read with ``BALANCEOF`` or paid into by a later
  transaction of the block; ``revived_slot_read``, the narrower case of a slot the
  destroyed contract wrote in the block and the revived one reads;
- ``transfer_to_destroyed``: a transfer included while one of its destinations is
  the address of a contract destroyed earlier in the block (and names nothing);
- ``miner_balanceof``: under ``each_tx``, a run reads the miner's balance with
  ``BALANCEOF`` after fees were paid to it in the block; ``miner_spends_fees``:
  under ``each_tx``, the miner sends a transaction it could not pay without the
  fees paid to it earlier in the block;
- ``clone_chain``: a contract created by ``CLONE`` in the block clones in turn;
  ``two_clone_one_creator``: two transactions each clone from the same contract;
- ``logs_in_reverted_run``: a run that had logged, then failed; ``logs_in_nested_call``:
  an applied run that logged from a called frame;
- ``gas_cut_mid_block``: some transaction is rejected ``block_full`` while the first
  is not (the limit falls neither before the first transaction nor after the last).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType

from txparity.executors.model import (
    NATIVE_ASSET,
    BlockContext,
    Case,
    CodeKey,
    FeePayment,
    Invoke,
    Op,
    Status,
    Transaction,
    Transfer,
    Version,
    WriteSet,
    clone_address,
    creation_of,
)
from txparity.executors.rules import (
    apply_transaction,
    fee_after_transaction,
    is_block_full,
    maximum_spend,
    reward_writes,
    validate,
)
from txparity.executors.state.base import genesis_write_set
from txparity.executors.state.memory import MemoryState
from txparity.executors.view import Scratch
from txparity.executors.vm import INSTRUCTIONS
from txparity.executors.vm.machine import Frame, Machine, OpRow, RunFailed

__all__ = ["SHAPES", "Shape", "shapes_of"]


class Shape(StrEnum):
    DESTROY_REVIVE_TOUCH = "destroy_revive_touch"
    REVIVED_SLOT_READ = "revived_slot_read"
    TRANSFER_TO_DESTROYED = "transfer_to_destroyed"
    MINER_BALANCEOF = "miner_balanceof"
    MINER_SPENDS_FEES = "miner_spends_fees"
    CLONE_CHAIN = "clone_chain"
    TWO_CLONE_ONE_CREATOR = "two_clone_one_creator"
    LOGS_IN_REVERTED_RUN = "logs_in_reverted_run"
    LOGS_IN_NESTED_CALL = "logs_in_nested_call"
    GAS_CUT_MID_BLOCK = "gas_cut_mid_block"


SHAPES: Mapping[Shape, str] = MappingProxyType({
    Shape.DESTROY_REVIVE_TOUCH: "destroy, revive, then read or pay into the address",
    Shape.REVIVED_SLOT_READ: "  a revived contract reads a slot written before its destroy",
    Shape.TRANSFER_TO_DESTROYED: "a transfer to a destroyed address",
    Shape.MINER_BALANCEOF: "BALANCEOF of the miner after fees, under each_tx",
    Shape.MINER_SPENDS_FEES: "the miner spends fees paid to it mid-block",
    Shape.CLONE_CHAIN: "a clone clones (a clone chain)",
    Shape.TWO_CLONE_ONE_CREATOR: "two transactions clone from one contract",
    Shape.LOGS_IN_REVERTED_RUN: "logs in a reverted run",
    Shape.LOGS_IN_NESTED_CALL: "logs from a nested call",
    Shape.GAS_CUT_MID_BLOCK: "a gas limit cuts the block in the middle",
})  # fmt: skip
"""Each shape and how the table of ``tests/bench/bench_shapes.py`` names it."""


# ---------------------------------------------------------------- observing a run


@dataclass(frozen=True, slots=True)
class Step:
    """One instruction a run started: its op, the frame's contract and depth, its
    operands, the slot it loads or stores (``SLOAD``, ``SSTORE``), and, for ``CLONE``,
    the address it created (None when it failed)."""

    op: Op
    contract: str
    depth: int
    operands: tuple[int | str, ...]
    slot: int | None = None
    created: str | None = None


@dataclass(slots=True)
class Observed:
    """What one run did: its steps, the logs it had when it ended (a failed run's
    included), its gas and failure."""

    steps: list[Step] = field(default_factory=list)
    logged: int = 0
    gas_used: int = 0
    failed: bool = False


def _observing(observed: Observed) -> dict[Op, OpRow]:
    """The instruction table with each row's function recording a ``Step`` first."""

    def watch(op: Op, row: OpRow) -> Callable[..., None]:
        def run(frame: Frame, *operands: int | str) -> None:
            slot = frame.stack[-1] if op in (Op.SLOAD, Op.SSTORE) and frame.stack else None
            nonce = frame.scratch.contract_nonce(frame.contract) if op is Op.CLONE else 0
            position = len(observed.steps)
            observed.steps.append(Step(op, frame.contract, frame.depth, operands, slot))
            row.run(frame, *operands)
            if op is Op.CLONE:  # it did not fail: the clone exists
                created = clone_address(frame.contract, nonce)
                observed.steps[position] = replace(observed.steps[position], created=created)

        return run

    return {op: replace(row, run=watch(op, row)) for op, row in INSTRUCTIONS.items()}


def _observe(view: Scratch, tx: Invoke) -> Observed:
    """Run ``tx``'s contract as the rules do (nonce bumped, deposits moved in), on a
    throw-away scratch, watching every instruction."""
    scratch = Scratch(view)
    scratch.set_nonce(tx.source, tx.nonce + 1)
    run_scratch = scratch.child()
    for asset, amount in tx.deposits.items():
        run_scratch.debit_account(tx.source, asset, amount)
        run_scratch.credit_contract(tx.contract, asset, amount)
    deployed = run_scratch.contract_code(tx.contract)
    assert deployed is not None
    observed = Observed()
    machine = Machine(run_scratch, tx.source, tx.max_gas, creation_of(tx), _observing(observed))
    try:
        machine.run_frame(tx.contract, deployed.creation, deployed.code.entries[tx.entry],
                          tx.args, depth=1)  # fmt: skip
    except RunFailed:
        observed.failed = True
    observed.logged = len(machine.logs)
    observed.gas_used = machine.gas_used
    return observed


# ---------------------------------------------------------------- the block


@dataclass(slots=True)
class _Walk:
    """What the walk over a block has seen so far (``index`` is the transaction's)."""

    miner: str
    each_tx: bool
    fees_paid: int = 0  # credited to the miner so far, under each_tx
    created: dict[str, int] = field(default_factory=dict)  # address -> tx of its latest creation
    destroyed: dict[str, int] = field(default_factory=dict)  # address -> tx of its latest destroy
    clones: set[str] = field(default_factory=set)  # addresses created by CLONE
    cloners: dict[str, int] = field(default_factory=dict)  # creator -> first tx that cloned
    written: dict[str, set[int]] = field(default_factory=dict)  # slots the live contract wrote
    stale: dict[str, set[int]] = field(default_factory=dict)  # slots a destroyed one wrote
    found: set[Shape] = field(default_factory=set)

    def revived(self, address: str, index: int) -> bool:
        """Destroyed, then created again, both before transaction ``index``."""
        destroyed = self.destroyed.get(address)
        created = self.created.get(address)
        return destroyed is not None and created is not None and destroyed < created < index


def shapes_of(case: Case) -> frozenset[Shape]:
    """The shapes ``case``'s block shows on the reference (none for version 1)."""
    if case.version < Version.V2:
        return frozenset()
    context = BlockContext.of(case)
    state = MemoryState()
    state.commit(genesis_write_set(case.genesis))
    state.commit(reward_writes(state, case.block))
    walk = _Walk(case.block.miner, case.block.fee_payment is FeePayment.EACH_TX)
    block_gas, first_full = 0, None
    for index, tx in enumerate(case.block.txs):
        if is_block_full(context, block_gas):
            first_full = index if first_full is None else first_full
            continue
        view = Scratch(state)
        valid = validate(Scratch(view), tx) is None
        if valid:
            _at_validation(walk, index, tx, view)
        observed = _observe(view, tx) if valid and isinstance(tx, Invoke) else None
        outcome = apply_transaction(state, tx, context)
        if observed is not None:
            receipt = outcome.receipt
            assert (observed.gas_used, observed.failed) == (
                receipt.gas_used, receipt.status is Status.REVERTED
            ), "the observed run is the reference's"  # fmt: skip
            _in_run(walk, index, observed)
        state.commit(outcome.write_set)
        if outcome.receipt.status is not Status.REJECTED:
            state.commit(fee_after_transaction(state, context, outcome.write_set.fee))
            walk.fees_paid += outcome.write_set.fee if walk.each_tx else 0
            _follow(walk, index, outcome.write_set)
        block_gas += outcome.receipt.gas_used
    if first_full is not None and first_full > 0:
        walk.found.add(Shape.GAS_CUT_MID_BLOCK)
    return frozenset(walk.found)


def _at_validation(walk: _Walk, index: int, tx: Transaction, view: Scratch) -> None:
    """Shapes of a transaction that passes validation: a transfer to a destroyed
    address, a miner who spends the fees, an invoke of a revived contract."""
    if isinstance(tx, Transfer) and any(
        output.dest in walk.destroyed and not view.names(output.dest) for output in tx.outputs
    ):
        walk.found.add(Shape.TRANSFER_TO_DESTROYED)
    if walk.each_tx and tx.source == walk.miner and walk.fees_paid:
        spend = maximum_spend(tx).get(NATIVE_ASSET, 0)
        if spend > view.balance(tx.source, NATIVE_ASSET) - walk.fees_paid:
            walk.found.add(Shape.MINER_SPENDS_FEES)
    if isinstance(tx, Invoke) and walk.revived(tx.contract, index):
        walk.found.add(Shape.DESTROY_REVIVE_TOUCH)


def _in_run(walk: _Walk, index: int, observed: Observed) -> None:
    """Shapes of a run: logs of a failed one; logs, clones, balances read and revived
    contracts touched in a successful one (a failed run leaves nothing behind)."""
    if observed.failed:
        if observed.logged:
            walk.found.add(Shape.LOGS_IN_REVERTED_RUN)
        return
    for step in observed.steps:
        _step(walk, index, step)


def _step(walk: _Walk, index: int, step: Step) -> None:
    match step.op:
        case Op.LOG if step.depth > 1:
            walk.found.add(Shape.LOGS_IN_NESTED_CALL)
        case Op.BALANCEOF if step.operands[0] == walk.miner and walk.each_tx and walk.fees_paid:
            walk.found.add(Shape.MINER_BALANCEOF)
        case Op.CLONE if step.created is not None:
            if step.contract in walk.clones:
                walk.found.add(Shape.CLONE_CHAIN)
            walk.clones.add(step.created)
            if walk.cloners.setdefault(step.contract, index) != index:
                walk.found.add(Shape.TWO_CLONE_ONE_CREATOR)
        case Op.SLOAD if step.slot in walk.stale.get(step.contract, ()):
            if walk.revived(step.contract, index):
                walk.found.add(Shape.REVIVED_SLOT_READ)
        case Op.SSTORE if step.slot is not None:
            walk.written.setdefault(step.contract, set()).add(step.slot)
    touched = step.operands[0] if step.op in (Op.CALL, Op.BALANCEOF) else step.contract
    if isinstance(touched, str) and walk.revived(touched, index):
        walk.found.add(Shape.DESTROY_REVIVE_TOUCH)


def _follow(walk: _Walk, index: int, write_set: WriteSet) -> None:
    """The contracts an included transaction created and destroyed; a destroyed
    contract's written slots become stale, a created one starts with none."""
    for key, value in write_set.writes.items():
        if not isinstance(key, CodeKey):
            continue
        if value is None:
            walk.destroyed[key.address] = index
            walk.stale[key.address] = walk.written.pop(key.address, set())
        else:
            walk.created[key.address] = index
            walk.written[key.address] = set()
