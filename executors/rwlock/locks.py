"""The lock table of one round: per-item queues of requests in block order.

Every transaction of the round announces, before it runs, a request per state item
it will touch (``Mode``): ``READ``, ``WRITE`` (which may read first) or ``ADD`` (a
commutative increment that never reads: a fee credited to the miner with
``each_tx``). A request that reads is granted once every earlier request on its
item that writes has finished; requests that only read share, and a write never
waits for an earlier read, since a reader never sees a later transaction's write
(reads resolve to the latest *earlier* finished writer, ``latest_writer``). A
transaction is taken to run once all its requests are granted (``take``).

What the table knows of each transaction: its requests, the earlier transactions
it still waits for, its ``TxState``, and, once finished, its outcome, which holds
the writes later readers resolve to. Everything here is guarded by one lock,
``lock``, which callers take around every call and never hold across an
interleaving point.

The round may be cut: ``cut`` is the first transaction whose run cannot stand (it
read an item before an earlier transaction wrote it without announcing it). Every
transaction from the cut on is discarded and never taken again; the executor runs
them in the next round. The cut only moves down, and never below a transaction
that could not have read a stale value, so what finished below it stands.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum

from txparity.executors.errors import InvariantViolation
from txparity.executors.model import StateKey
from txparity.executors.rules import Outcome

__all__ = ["Access", "LockTable", "Mode", "TxState"]


class Mode(Enum):
    """What a request does with its item."""

    READ = "read"
    WRITE = "write"  # may read it first
    ADD = "add"  # a commutative increment that never reads: the miner's fee

    @property
    def reads(self) -> bool:
        return self is not Mode.ADD

    @property
    def writes(self) -> bool:
        return self is not Mode.READ

    def joined(self, other: Mode) -> Mode:
        """One request doing both: equal modes stay, any two different ones write."""
        return self if self is other else Mode.WRITE


@dataclass(frozen=True, slots=True)
class Access:
    """The items a run reads and writes."""

    reads: frozenset[StateKey]
    writes: frozenset[StateKey]

    def requests(self) -> dict[StateKey, Mode]:
        modes = dict.fromkeys(self.reads, Mode.READ)
        modes.update(dict.fromkeys(self.writes, Mode.WRITE))
        return modes


class TxState(Enum):
    PENDING = "pending"  # not running: waiting for its requests, or taken back to wait
    RUNNING = "running"
    FINISHED = "finished"  # its outcome is published


@dataclass(slots=True)
class _Entry:
    """What the table holds for one transaction of the round."""

    requests: dict[StateKey, Mode]
    waits: set[int] = field(default_factory=set)  # earlier unfinished writers it needs
    waited_on: set[int] = field(default_factory=set)  # every earlier tx it ever waited for
    state: TxState = TxState.PENDING
    outcome: Outcome | None = None


class LockTable:
    """The requests of the round's transactions ``first`` to ``first + len - 1``."""

    def __init__(self, first: int, requests: list[dict[StateKey, Mode]]) -> None:
        self.first = first
        self.end = first + len(requests)
        self.cut = self.end
        self.lock = threading.Lock()
        self._entries = {first + offset: _Entry(dict(asked)) for offset, asked in
                         enumerate(requests)}  # fmt: skip
        self._queues: dict[StateKey, list[int]] = {}
        self._writers: dict[StateKey, list[int]] = {}  # finished writers, sorted
        for tx, entry in self._entries.items():
            for key in entry.requests:
                self._queues.setdefault(key, []).append(tx)
        for key, queue in self._queues.items():
            self._link(key, queue)

    def _link(self, key: StateKey, queue: list[int]) -> None:
        """Each reader of ``key`` waits for every earlier writer of it."""
        writers: list[int] = []
        for tx in queue:
            entry = self._entries[tx]
            if entry.requests[key].reads:
                self._wait(tx, writers)
            if entry.requests[key].writes:
                writers.append(tx)

    def _wait(self, tx: int, earlier: Iterable[int]) -> None:
        entry = self._entries[tx]
        for other in earlier:
            if self._entries[other].state is not TxState.FINISHED:
                entry.waits.add(other)
            entry.waited_on.add(other)

    # ------------------------------------------------------------ reading the table

    def mode(self, tx: int, key: StateKey) -> Mode | None:
        """``tx``'s request on ``key``, if it announced one."""
        return self._entries[tx].requests.get(key)

    def state(self, tx: int) -> TxState:
        return self._entries[tx].state

    def requesters(self, key: StateKey) -> list[int]:
        """Every transaction with a request on ``key``, in block order."""
        return list(self._queues.get(key, ()))

    def outcome(self, tx: int) -> Outcome:
        outcome = self._entries[tx].outcome
        if outcome is None:
            raise InvariantViolation(f"rwlock: tx {tx} has no published outcome")
        return outcome

    def latest_writer(self, tx: int, key: StateKey) -> int | None:
        """The latest finished transaction below ``tx`` that wrote ``key``: the value
        ``tx`` reads of it (None: the round's starting state)."""
        writers = self._writers.get(key, [])
        position = bisect.bisect_left(writers, tx)
        return writers[position - 1] if position else None

    def waited_on(self, tx: int) -> frozenset[int]:
        """Every earlier transaction ``tx`` had to wait for, announced or not."""
        return frozenset(self._entries[tx].waited_on)

    def round_done(self) -> bool:
        """Every transaction below the cut has finished."""
        return all(
            self._entries[tx].state is TxState.FINISHED for tx in range(self.first, self.cut)
        )

    # ------------------------------------------------------------ changing it

    def take(self) -> int | None:
        """The lowest pending transaction below the cut whose requests are all granted,
        now running; None if there is none."""
        for tx in range(self.first, self.cut):
            entry = self._entries[tx]
            if entry.state is TxState.PENDING and not entry.waits:
                entry.state = TxState.RUNNING
                return tx
        return None

    def announce_read(self, tx: int, key: StateKey) -> bool:
        """``tx``, running, reads ``key`` without a request that reads it: add one (so a
        later check of an earlier writer sees it) and say whether it is granted. If an
        earlier writer of ``key`` has not finished, ``tx`` goes back to pending and
        waits for it."""
        entry = self._entries[tx]
        previous = entry.requests.get(key)
        entry.requests[key] = Mode.READ if previous is None else previous.joined(Mode.READ)
        queue = self._queues.setdefault(key, [])
        if tx not in queue:
            bisect.insort(queue, tx)
        self._wait(tx, [other for other in queue if other < tx and self._writes(other, key)])
        if entry.waits:
            entry.state = TxState.PENDING
            return False
        return True

    def _writes(self, tx: int, key: StateKey) -> bool:
        return self._entries[tx].requests[key].writes

    def lower_cut(self, tx: int) -> None:
        """Discard ``tx`` and everything after it."""
        if tx <= self.first:
            raise InvariantViolation(f"rwlock: the round's first tx {tx} cannot be cut")
        self.cut = min(self.cut, tx)

    def give_back(self, tx: int) -> None:
        """``tx`` stopped running without an outcome (it was cut): pending again."""
        self._entries[tx].state = TxState.PENDING

    def finish(self, tx: int, outcome: Outcome) -> None:
        """Publish ``tx``'s outcome: its writes are what later readers resolve to, and
        everyone waiting for it may go on."""
        entry = self._entries[tx]
        entry.outcome = outcome
        entry.state = TxState.FINISHED
        for key in outcome.write_set.writes:
            bisect.insort(self._writers.setdefault(key, []), tx)
        for other in range(tx + 1, self.end):
            self._entries[other].waits.discard(tx)

    def outcomes(self) -> Mapping[int, Outcome]:
        """The published outcomes of the transactions below the cut."""
        return {tx: self.outcome(tx) for tx in range(self.first, self.cut)}
