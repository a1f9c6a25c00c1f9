"""Multi-version memory: for each item, the value each transaction wrote.

Each item keeps one entry per transaction whose last incarnation wrote it: the
value with its version (``Found``), or an ESTIMATE (``Estimate``) once that
incarnation was aborted, until the next one records. ``read(key, tx)`` answers with
the entry of the highest transaction below ``tx`` that wrote ``key``, or with
nothing (read the pre-block state); which entry answers is the documented hook
``visible_entry``, and under which item a key's versions are kept the hook
``item_of``. One lock guards the tables; callers never hold it across an
interleaving point.

The items are the state items (``model.StateKey``), of every version: a contract's
nonce, its code item (which names the creation its storage lives under) and the
storage slots of each creation are items like any other, so a destroy, a revival
and a ``CLONE`` are versioned writes that validation re-checks. One more kind of
item is Block-STM's own and never state: ``FeeKey(tx)``, the fee transaction ``tx``
pays the miner right after itself with ``each_tx`` (absent when it pays nothing),
which a read of the miner's TOS balance adds lazily (see the package text).
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import ClassVar

from txparity.executors.errors import InvariantViolation
from txparity.executors.model import StateKey, StateValue

__all__ = [
    "NOT_FOUND",
    "Entry",
    "Estimate",
    "FeeKey",
    "Found",
    "MVMemory",
    "MemoryKey",
    "NotFound",
    "ReadResult",
    "Version",
]

Version = tuple[int, int]  # (tx index, incarnation)


@dataclass(frozen=True, slots=True)
class FeeKey:
    """The fee transaction ``tx`` credits the miner right after itself (``each_tx``):
    an item of the multi-version memory only, written by ``tx`` alone, never state.
    Absent (0) when ``tx`` pays nothing or has not executed yet."""

    tx: int
    default: ClassVar[int] = 0


MemoryKey = StateKey | FeeKey


@dataclass(frozen=True, slots=True)
class Found:
    """``value``, written by the incarnation ``version``."""

    version: Version
    value: StateValue


@dataclass(frozen=True, slots=True)
class Estimate:
    """``blocking_tx`` was aborted and will write here again: wait for it."""

    blocking_tx: int


@dataclass(frozen=True, slots=True)
class NotFound:
    """No transaction below the reader wrote the item: read the pre-block state."""


ReadResult = Found | Estimate | NotFound
NOT_FOUND = NotFound()
Entry = Found | Estimate  # what one transaction's last incarnation left for one item


class MVMemory:
    """Versions per item, the last written items and last read set per transaction."""

    def __init__(self, size: int) -> None:
        self._entries: dict[MemoryKey, dict[int, Entry]] = {}
        self._writers: dict[MemoryKey, list[int]] = {}  # sorted tx indices per item
        self._last_written: list[frozenset[MemoryKey]] = [frozenset()] * size
        self._last_reads: list[Mapping[MemoryKey, Version | None]] = [{}] * size
        self._lock = threading.Lock()

    def read(self, key: MemoryKey, tx: int) -> ReadResult:
        """What ``tx`` reads of ``key``: see ``visible_entry``."""
        item = self.item_of(key)
        with self._lock:
            return self.visible_entry(key, self._entries_below(item, tx))

    def visible_entry(self, key: MemoryKey, entries: Iterator[Entry]) -> ReadResult:
        """Hook: the answer to a read of ``key``, given its item's entries written below
        the reader, highest writer first. The base answers with the first (a value, or
        an ESTIMATE the reader must wait on), NOT_FOUND if there is none; a variant may
        answer with another of ``entries``. Called under the memory's lock."""
        return next(entries, NOT_FOUND)

    def item_of(self, key: MemoryKey) -> MemoryKey:
        """Hook: the item under which the versions of ``key`` are kept. The base keeps
        every key apart (so the slots of two creations at one address are two items);
        a variant may map several keys to one item, whose versions then answer reads
        of each of them."""
        return key

    def _entries_below(self, key: MemoryKey, tx: int) -> Iterator[Entry]:
        writers = self._writers.get(key, [])
        for position in range(bisect.bisect_left(writers, tx) - 1, -1, -1):
            yield self._entries[key][writers[position]]

    def record(
        self,
        version: Version,
        reads: Mapping[MemoryKey, Version | None],
        writes: Mapping[MemoryKey, StateValue],
    ) -> bool:
        """Store an incarnation's writes and reads; True if it wrote a new item."""
        tx = version[0]
        items = {self.item_of(key): value for key, value in writes.items()}
        new_items = frozenset(items)
        with self._lock:
            for key, value in items.items():
                if tx not in self._entries.setdefault(key, {}):
                    bisect.insort(self._writers.setdefault(key, []), tx)
                self._entries[key][tx] = Found(version, value)
            previous = self._last_written[tx]
            for key in previous - new_items:
                self._remove(key, tx)
            self._last_written[tx] = new_items
            self._last_reads[tx] = reads
        return not new_items <= previous

    def _remove(self, key: MemoryKey, tx: int) -> None:
        del self._entries[key][tx]
        writers = self._writers[key]
        writers.pop(bisect.bisect_left(writers, tx))

    def seed_estimates(self, tx: int, keys: Iterable[MemoryKey]) -> None:
        """Before any incarnation of ``tx`` has run: an ESTIMATE of ``tx`` for each of
        ``keys``, its predicted writes, so that a higher transaction reading one waits
        for ``tx`` instead of reading an older value and being aborted later.

        It is as if an incarnation of ``tx`` that wrote ``keys`` had been aborted: its
        first real incarnation's ``record`` replaces the ESTIMATEs of what it writes
        and removes the others, and since nobody ever read a value of that phantom
        incarnation, no validation depends on it. A wrong prediction costs a wait or
        an abort, never a wrong read."""
        items = frozenset(self.item_of(key) for key in keys)
        with self._lock:
            if self._last_written[tx] or self._last_reads[tx]:
                raise InvariantViolation(f"estimates seeded for tx {tx} after it ran")
            for key in items:
                if tx not in self._entries.setdefault(key, {}):
                    bisect.insort(self._writers.setdefault(key, []), tx)
                self._entries[key][tx] = Estimate(tx)
            self._last_written[tx] = items

    def convert_writes_to_estimates(self, tx: int) -> None:
        """Replace every entry of ``tx``'s last incarnation by an ESTIMATE of ``tx``."""
        with self._lock:
            for key in self._last_written[tx]:
                self._entries[key][tx] = Estimate(tx)

    def last_reads(self, tx: int) -> Mapping[MemoryKey, Version | None]:
        """The read set ``tx``'s last incarnation recorded: item -> version (None: storage)."""
        with self._lock:
            return self._last_reads[tx]

    def still_reads(self, key: MemoryKey, tx: int, version: Version | None) -> bool:
        """Whether ``tx`` reading ``key`` now would see the same version as before."""
        match self.read(key, tx):
            case Estimate():
                return False
            case NotFound():
                return version is None
            case Found(version=current):
                return current == version
        return False

    def written(self, tx: int) -> Iterable[MemoryKey]:
        """The items ``tx``'s last incarnation wrote."""
        with self._lock:
            return self._last_written[tx]
