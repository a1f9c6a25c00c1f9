"""What the predictive executor knows before a block runs, and what it learns after.

A transaction's *named* items are those its envelope alone shows it touches: its
source's nonce and the balances it pays from, a transfer's destinations, a burn's
asset, a deploy's new code item, an invoke's contract code and the contract
balances its deposits go to (``named_items``). What an invoke's code touches
beyond that (storage, callees, balances it reads) only a run shows: the history
keeps, per invoked ``(contract, entry)``, the items its last run in a block wrote.

``ConflictHistory`` learns, after each block, which items were *dependencies*: read
by a transaction from a write of an earlier transaction of the same block. Every
item's heat is halved (and dropped at 0), then each dependency of the block gets
``HEAT_PER_DEPENDENCY`` more, once however many read it; an item is hot from heat
``HOT`` on. So heat stays below ``2 * HEAT_PER_DEPENDENCY``, and an item is hot in
exactly the two blocks after each block it conflicted in: a hot spot that moves is
followed at once, and forgotten two blocks after it left.

The history is the executor's own, shared by nothing else; it is only read and
changed by the executor's own thread, before and after a block's workers run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from txparity.executors.model import (
    NATIVE_ASSET,
    BalanceKey,
    Burn,
    CodeKey,
    ContractBalanceKey,
    Deploy,
    Invoke,
    NonceKey,
    StateKey,
    Transaction,
    Transfer,
)

__all__ = ["HEAT_PER_DEPENDENCY", "HOT", "MAX_ENTRIES", "ConflictHistory", "Named", "named_items"]

HEAT_PER_DEPENDENCY = 4
HOT = 2
# The invoked entries whose last writes are kept: a campaign meets a few hundred;
# past this many, the one learned longest ago is forgotten first.
MAX_ENTRIES = 4096


@dataclass(frozen=True, slots=True)
class Named:
    """The items a transaction's envelope shows it reads and writes."""

    reads: frozenset[StateKey]
    writes: frozenset[StateKey]

    @property
    def touched(self) -> frozenset[StateKey]:
        return self.reads | self.writes


def named_items(tx: Transaction) -> Named:
    """The named items of ``tx`` (see the module text)."""
    source = tx.source
    writes: set[StateKey] = {NonceKey(source), BalanceKey(source, NATIVE_ASSET)}
    reads: set[StateKey] = set()
    match tx:
        case Transfer(outputs=outputs):
            for output in outputs:
                writes |= {BalanceKey(source, output.asset), BalanceKey(output.dest, output.asset),
                           NonceKey(output.dest)}  # fmt: skip
                reads.add(CodeKey(output.dest))
        case Burn(asset=asset):
            writes.add(BalanceKey(source, asset))
        case Deploy():
            writes.add(CodeKey(tx.new_address))
            reads.add(NonceKey(tx.new_address))
        case Invoke(contract=contract, deposits=deposits):
            reads.add(CodeKey(contract))
            for asset in deposits:
                writes |= {BalanceKey(source, asset), ContractBalanceKey(contract, asset)}
    return Named(frozenset(reads | writes), frozenset(writes))


def entry_of(tx: Transaction) -> tuple[str, int] | None:
    """The ``(contract, entry)`` an invoke runs; None for the other kinds."""
    return (tx.contract, tx.entry) if isinstance(tx, Invoke) else None


class ConflictHistory:
    """Heat per item and the last writes per invoked entry (see the module text)."""

    def __init__(self) -> None:
        self.heat: dict[StateKey, int] = {}
        self.entry_writes: dict[tuple[str, int], frozenset[StateKey]] = {}
        self.blocks = 0

    def is_hot(self, key: StateKey) -> bool:
        return self.heat.get(key, 0) >= HOT

    def predicted_writes(self, tx: Transaction) -> frozenset[StateKey]:
        """What ``tx`` is expected to write: its named writes, and for an invoke what
        its entry's last run wrote."""
        entry = entry_of(tx)
        learned = frozenset() if entry is None else self.entry_writes.get(entry, frozenset())
        return named_items(tx).writes | learned

    def learn(
        self, txs: Iterable[Transaction], writes: Iterable[frozenset[StateKey]],
        dependencies: Iterable[StateKey],
    ) -> None:  # fmt: skip
        """After a block: each transaction's writes, and the items read from a write of
        an earlier transaction of the block."""
        self.heat = {key: heat // 2 for key, heat in self.heat.items() if heat // 2}
        for key in set(dependencies):
            self.heat[key] = self.heat.get(key, 0) + HEAT_PER_DEPENDENCY
        for tx, written in zip(txs, writes, strict=True):
            entry = entry_of(tx)
            if entry is not None and written:
                self.entry_writes.pop(entry, None)  # re-inserted as the newest
                self.entry_writes[entry] = written - named_items(tx).writes
        while len(self.entry_writes) > MAX_ENTRIES:
            del self.entry_writes[next(iter(self.entry_writes))]
        self.blocks += 1
