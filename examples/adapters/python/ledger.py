"""A payments ledger: the executor a chain team already has, knowing nothing of txparity.

It has its own types (wallets with a sequence number, payments of several legs,
burns, a block producer paid a subsidy and the fees) and two engines built on one
set of rules, ``execute``: a pure function from a read-only view of the wallets and
a transaction to an outcome and the wallets it writes.

- ``SequentialEngine`` runs the transactions one after another and commits each
  one's writes before the next reads: the engine the team trusts.
- ``ParallelEngine`` cuts the block into waves of transactions that touch
  different wallets, runs each wave's transactions on real threads against the
  state the wave started from, then commits their writes in block order: the
  engine the team wants to ship.

Why the waves are exact: a transaction reads and writes only its sender's and its
receivers' wallets (its *keys*), and a wave never holds two transactions whose keys
meet, so no transaction of a wave reads what another of the same wave writes, and
committing them in block order gives the state the sequential engine reaches. The
producer is the one wallet written by every transaction (its fee), as an addition,
which commutes with the others; so a transaction that *reads* the producer's
wallet (the producer sends, or receives) starts a new wave when fees are paid after
each transaction, so that it sees every earlier fee.

``ParallelEngine(every_leg=False)`` is the planted bug: the wave's check takes a
payment's keys from its sender and its *first* leg only, as a scheduler that
derives a transaction's access list from its primary recipient would, and misses
the other legs of a batch payment. A payment whose second leg credits a wallet
that another payment of the same wave also writes then computes that wallet from
the wave's starting state, and one of the two writes is lost; or a later sender
in the wave spends from a balance that does not yet hold its credit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import Enum
from functools import partial

NATIVE = "TOS"  # the asset fees and the subsidy are paid in
MAX_LEGS = 16
SEQ_CEILING = 2**64 - 1  # a wallet's sequence number stays below it


@dataclass(frozen=True)
class Wallet:
    seq: int = 0
    funds: Mapping[str, int] = field(default_factory=dict)

    def with_funds(self, asset: str, change: int) -> Wallet:
        return Wallet(self.seq, {**self.funds, asset: self.funds.get(asset, 0) + change})


@dataclass(frozen=True)
class Leg:
    to: str
    asset: str
    amount: int


@dataclass(frozen=True)
class Payment:
    sender: str
    seq: int
    fee: int
    legs: tuple[Leg, ...]


@dataclass(frozen=True)
class Burn:
    sender: str
    seq: int
    fee: int
    asset: str
    amount: int


Tx = Payment | Burn


@dataclass(frozen=True)
class Block:
    producer: str
    subsidy: int
    txs: tuple[Tx, ...]
    fees_each_tx: bool = False  # pay the producer after each transaction, not at the end
    gas_cap: int | None = None  # payments use no gas: only a cap of 0 ever fills


class Refusal(Enum):
    """Why the ledger refuses a transaction (its own names, not txparity's)."""

    BLOCK_FULL = "block is full"
    BAD_FORM = "badly formed"
    NO_WALLET = "no such wallet"
    WRONG_SEQ = "wrong sequence number"
    PAYS_ITSELF = "pays itself"
    BROKE = "not enough funds"


@dataclass(frozen=True)
class Outcome:
    refusal: Refusal | None  # None: the transaction went through
    writes: Mapping[str, Wallet]
    burned: Mapping[str, int]
    fee: int


@dataclass
class Ledger:
    wallets: dict[str, Wallet]
    burned: dict[str, int] = field(default_factory=dict)


Read = Callable[[str], Wallet | None]


# ---------------------------------------------------------------- the rules


def execute(read: Read, tx: Tx, block: Block) -> Outcome:
    """What ``tx`` does to the wallets ``read`` shows: a refusal, or its writes."""
    refusal = _refusal(read, tx, block)
    if refusal is not None:
        return Outcome(refusal, {}, {}, 0)
    sender = read(tx.sender)
    assert sender is not None
    writes = {tx.sender: Wallet(sender.seq + 1, sender.funds)}
    burned: dict[str, int] = {}
    for asset, amount, to in _movements(tx):
        writes[tx.sender] = writes[tx.sender].with_funds(asset, -amount)
        if to is None:
            burned[asset] = burned.get(asset, 0) + amount
        else:
            receiver = writes.get(to) or read(to) or Wallet()
            writes[to] = receiver.with_funds(asset, amount)
    writes[tx.sender] = writes[tx.sender].with_funds(NATIVE, -tx.fee)
    return Outcome(None, writes, burned, tx.fee)


def _refusal(read: Read, tx: Tx, block: Block) -> Refusal | None:
    if block.gas_cap == 0:
        return Refusal.BLOCK_FULL
    if not _well_formed(tx):
        return Refusal.BAD_FORM
    sender = read(tx.sender)
    if sender is None:
        return Refusal.NO_WALLET
    if tx.seq != sender.seq:
        return Refusal.WRONG_SEQ
    if isinstance(tx, Payment) and any(leg.to == tx.sender for leg in tx.legs):
        return Refusal.PAYS_ITSELF
    for asset, needed in _spending(tx).items():
        if sender.funds.get(asset, 0) < needed:
            return Refusal.BROKE
    return None


def _well_formed(tx: Tx) -> bool:
    if tx.seq >= SEQ_CEILING:
        return False
    if isinstance(tx, Payment):
        return 1 <= len(tx.legs) <= MAX_LEGS and all(leg.amount >= 1 for leg in tx.legs)
    return tx.amount >= 1


def _movements(tx: Tx) -> Iterator[tuple[str, int, str | None]]:
    """(asset, amount, receiver) of each movement; a burn's receiver is None."""
    if isinstance(tx, Payment):
        for leg in tx.legs:
            yield leg.asset, leg.amount, leg.to
    else:
        yield tx.asset, tx.amount, None


def _spending(tx: Tx) -> dict[str, int]:
    spending = {NATIVE: tx.fee}
    for asset, amount, _ in _movements(tx):
        spending[asset] = spending.get(asset, 0) + amount
    return spending


def keys(tx: Tx, every_leg: bool = True) -> set[str]:
    """The wallets ``tx`` reads and writes (besides the producer's fee); with
    ``every_leg`` False, the planted bug's: a payment's first leg only."""
    touched = {tx.sender}
    if isinstance(tx, Payment):
        legs = tx.legs if every_leg else tx.legs[:1]
        touched |= {leg.to for leg in legs}
    return touched


# ---------------------------------------------------------------- committing


def _start(ledger: Ledger, block: Block) -> None:
    producer = ledger.wallets.get(block.producer, Wallet())
    ledger.wallets[block.producer] = producer.with_funds(NATIVE, block.subsidy)


def _commit(ledger: Ledger, outcome: Outcome, block: Block) -> int:
    """Commit one outcome; return the fee still owed to the producer."""
    ledger.wallets.update(outcome.writes)
    for asset, amount in outcome.burned.items():
        ledger.burned[asset] = ledger.burned.get(asset, 0) + amount
    if block.fees_each_tx:
        _pay_producer(ledger, block, outcome.fee)
        return 0
    return outcome.fee


def _pay_producer(ledger: Ledger, block: Block, fees: int) -> None:
    ledger.wallets[block.producer] = ledger.wallets[block.producer].with_funds(NATIVE, fees)


class SequentialEngine:
    def run(self, ledger: Ledger, block: Block) -> list[Outcome]:
        _start(ledger, block)
        outcomes, owed = [], 0
        for tx in block.txs:
            outcome = execute(ledger.wallets.get, tx, block)
            owed += _commit(ledger, outcome, block)
            outcomes.append(outcome)
        _pay_producer(ledger, block, owed)
        return outcomes


@dataclass
class ParallelEngine:
    threads: int
    threshold: int  # smaller blocks run on the sequential engine
    every_leg: bool = True  # False: the planted bug

    def run(self, ledger: Ledger, block: Block) -> list[Outcome]:
        if len(block.txs) < self.threshold:
            return SequentialEngine().run(ledger, block)
        _start(ledger, block)
        outcomes, owed = [], 0
        with ThreadPoolExecutor(max_workers=self.threads) as pool:
            for wave in self.waves(block):
                start = dict(ledger.wallets)  # every thread of the wave reads this
                run = partial(execute, start.get, block=block)
                for outcome in pool.map(run, wave):
                    owed += _commit(ledger, outcome, block)
                    outcomes.append(outcome)
        _pay_producer(ledger, block, owed)
        return outcomes

    def waves(self, block: Block) -> Iterator[list[Tx]]:
        """Contiguous runs of transactions whose keys do not meet, at most ``threads``
        long; one that reads the producer starts a run when fees are paid each time."""
        wave: list[Tx] = []
        taken: set[str] = set()
        for tx in block.txs:
            touched = keys(tx, self.every_leg)
            reads_producer = block.fees_each_tx and block.producer in keys(tx)
            if wave and (touched & taken or reads_producer or len(wave) == self.threads):
                yield wave
                wave, taken = [], set()
            wave.append(tx)
            taken |= touched
        if wave:
            yield wave
