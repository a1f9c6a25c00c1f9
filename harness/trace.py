"""A traced reference run: which step of a block read and wrote which state items.

Reports use it to name, for each differing item, the transactions that read or wrote
it. The reference executor (``execute_sequentially``, with the one set of rules)
runs the case once more over a ``RecordingState``: a memory state that notes every
item read through it and every item committed to it, under the step the executor
says is running (the reward, a transaction by its index, the fee of a transaction
credited right after it with ``each_tx``, the fees to the miner at the block's end).
Nothing of the rules is repeated here; what is recorded is what the rules did. A
block step that read and wrote nothing (the fees at the end with ``each_tx``, each
transaction's fee credit with ``block_end``) is left out of the trace.

What counts:

- a *read* is an item a step read from the state as the earlier steps left it.
  Everything a transaction reads goes through the state, whether its validation,
  its effect or a contract it reaches through ``CALL`` reads it; an item it reads
  back after writing it comes from its own scratch and is not a read again.
- a *write* is an item in the write set a step committed, changed or not (a credit
  of 0 still writes the balance), or a burn total the step added to. A rejected
  transaction writes nothing; a reverted invoke writes only its nonce and fee debit.
- a *fee* is what an included transaction owes the miner (``fee + gas_used``): it
  travels beside the writes and is credited in the step "fees to the miner"
  (``block_end``) or "fee of tx N to the miner" (``each_tx``), so it is recorded
  beside the transaction that owes it as well.
- a transaction the block's gas limit cuts (SPEC 10.3) is a step that read and
  wrote nothing: its receipt comes from the gas of the transactions before it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from txparity.executors.codec import encode_result
from txparity.executors.model import (
    NATIVE_ASSET,
    BalanceKey,
    BurnedKey,
    Case,
    CodeKey,
    ContractBalanceKey,
    ContractNonceKey,
    NonceKey,
    Receipt,
    StateKey,
    StateValue,
    StorageKey,
    Version,
    WriteSet,
)
from txparity.executors.sequential import Step, execute_sequentially
from txparity.executors.shapes import key_path, map_path
from txparity.executors.state import CanonicalState, State, open_state
from txparity.executors.view import StateView

__all__ = ["RecordingState", "StepTrace", "Trace", "item_path", "trace_reference"]


@dataclass(frozen=True, slots=True)
class StepTrace:
    """What one step of the block read, wrote, and owed the miner."""

    step: Step
    reads: frozenset[StateKey]
    writes: frozenset[StateKey]
    fee: int = 0

    def touches(self) -> frozenset[StateKey]:
        return self.reads | self.writes

    def conflicts_with(self, other: StepTrace) -> bool:
        """Whether one of the two writes an item the other reads or writes."""
        return not (self.writes.isdisjoint(other.touches()) and other.writes.isdisjoint(self.reads))


@dataclass(frozen=True, slots=True)
class Trace:
    """A reference run of a case, step by step in block order, and its result."""

    case: Case
    steps: tuple[StepTrace, ...]
    receipts: tuple[Receipt, ...]
    result: str  # the canonical result line

    @property
    def fee_item(self) -> StateKey:
        """The item fees are paid into: the miner's ``TOS`` balance."""
        return BalanceKey(self.case.block.miner, NATIVE_ASSET)

    def transactions(self) -> Iterator[StepTrace]:
        return (step for step in self.steps if isinstance(step.step, int))

    def of(self, step: Step) -> StepTrace:
        return next(each for each in self.steps if each.step == step)

    def last_writer(self, key: StateKey, before: Step) -> StepTrace | None:
        """The step, before ``before``, whose write of ``key`` a read at ``before`` saw."""
        writer = None
        for each in self.steps:
            if each.step == before:
                return writer
            if key in each.writes:
                writer = each
        raise ValueError(f"no step {before!r} in this block")


class RecordingState:
    """A state that records every item read through it and every item committed to
    it, under the step ``begin`` last named. A ``State`` like any other."""

    def __init__(self, state: State) -> None:
        self._state = state
        self._order: list[Step] = []
        self._reads: dict[Step, set[StateKey]] = {}
        self._writes: dict[Step, set[StateKey]] = {}
        self._fees: dict[Step, int] = {}

    def begin(self, step: Step) -> None:
        """Attribute what follows to ``step``."""
        self._order.append(step)
        self._reads[step], self._writes[step], self._fees[step] = set(), set(), 0

    def read(self, key: StateKey) -> StateValue:
        self._reads[self._current].add(key)
        return self._state.read(key)

    def commit(self, write_set: WriteSet) -> None:
        step = self._current
        self._writes[step].update(write_set.writes)
        self._writes[step].update(BurnedKey(asset) for asset in write_set.burned)
        self._fees[step] += write_set.fee
        self._state.commit(write_set)

    def reader(self) -> StateView:
        return self

    def dump(self, version: Version = Version.V1) -> CanonicalState:
        return self._state.dump(version)

    def close(self) -> None:
        self._state.close()

    def steps(self) -> tuple[StepTrace, ...]:
        """Every step in block order; a block step only when it read or wrote."""
        return tuple(
            StepTrace(step, frozenset(self._reads[step]), frozenset(self._writes[step]),
                      self._fees[step])
            for step in self._order
            if isinstance(step, int) or self._reads[step] or self._writes[step]
        )  # fmt: skip

    @property
    def _current(self) -> Step:
        if not self._order:
            raise RuntimeError("RecordingState: a read or commit before any step began")
        return self._order[-1]


def trace_reference(case: Case) -> Trace:
    """Run the reference on ``case`` over a recording memory state."""
    recording = RecordingState(open_state("memory", case.genesis))
    try:
        receipts = execute_sequentially(recording, case, recording.begin)
        result = encode_result(recording.dump(case.version), receipts, case.version)
    finally:
        recording.close()
    return Trace(case, recording.steps(), tuple(receipts), result)


def item_path(key: StateKey) -> str:
    """The field path (``executors.shapes`` grammar) of the result item ``key`` is."""
    match key:
        case NonceKey(address):
            return key_path(_holder("accounts", address), "nonce")
        case BalanceKey(address, asset):
            return map_path(key_path(_holder("accounts", address), "balances"), asset)
        case CodeKey(address):
            return key_path(_holder("contracts", address), "code")
        case ContractBalanceKey(address, asset):
            return map_path(key_path(_holder("contracts", address), "balances"), asset)
        case ContractNonceKey(address):
            return key_path(_holder("contracts", address), "nonce")
        case StorageKey(address, slot):
            return map_path(key_path(_holder("contracts", address), "storage"), str(slot))
        case BurnedKey(asset):
            return map_path("state.burned", asset)


def _holder(holders: str, address: str) -> str:
    return map_path(key_path("state", holders), address)
