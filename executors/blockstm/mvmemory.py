"""Multi-version memory: for each state item, the value each transaction wrote.

Each item keeps one entry per transaction whose last incarnation wrote it: the
value with its version (``Found``), or an ESTIMATE (``Estimate``) once that
incarnation was aborted, until the next one records. ``read(key, tx)`` answers with
the entry of the highest transaction below ``tx`` that wrote ``key``, or with
nothing (read the pre-block state); which entry answers is the documented hook
``visible_entry``. One lock guards the tables; callers never hold it across an
interleaving point.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from txparity.executors.model import StateKey, StateValue

__all__ = [
    "NOT_FOUND",
    "Entry",
    "Estimate",
    "Found",
    "MVMemory",
    "NotFound",
    "ReadResult",
    "Version",
]

Version = tuple[int, int]  # (tx index, incarnation)


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
        self._entries: dict[StateKey, dict[int, Entry]] = {}
        self._writers: dict[StateKey, list[int]] = {}  # sorted tx indices per item
        self._last_written: list[frozenset[StateKey]] = [frozenset()] * size
        self._last_reads: list[Mapping[StateKey, Version | None]] = [{}] * size
        self._lock = threading.Lock()

    def read(self, key: StateKey, tx: int) -> ReadResult:
        """What ``tx`` reads of ``key``: see ``visible_entry``."""
        with self._lock:
            return self.visible_entry(self._entries_below(key, tx))

    def visible_entry(self, entries: Iterator[Entry]) -> ReadResult:
        """Hook: the answer to a read, given the item's entries written below the
        reader, highest writer first. The base answers with the first (a value, or an
        ESTIMATE the reader must wait on), NOT_FOUND if there is none; a variant may
        answer with another of ``entries``. Called under the memory's lock."""
        return next(entries, NOT_FOUND)

    def _entries_below(self, key: StateKey, tx: int) -> Iterator[Entry]:
        writers = self._writers.get(key, [])
        for position in range(bisect.bisect_left(writers, tx) - 1, -1, -1):
            yield self._entries[key][writers[position]]

    def record(
        self,
        version: Version,
        reads: Mapping[StateKey, Version | None],
        writes: Mapping[StateKey, StateValue],
    ) -> bool:
        """Store an incarnation's writes and reads; True if it wrote a new item."""
        tx = version[0]
        new_items = frozenset(writes)
        with self._lock:
            for key, value in writes.items():
                if tx not in self._entries.setdefault(key, {}):
                    bisect.insort(self._writers.setdefault(key, []), tx)
                self._entries[key][tx] = Found(version, value)
            previous = self._last_written[tx]
            for key in previous - new_items:
                self._remove(key, tx)
            self._last_written[tx] = new_items
            self._last_reads[tx] = reads
        return not new_items <= previous

    def _remove(self, key: StateKey, tx: int) -> None:
        del self._entries[key][tx]
        writers = self._writers[key]
        writers.pop(bisect.bisect_left(writers, tx))

    def convert_writes_to_estimates(self, tx: int) -> None:
        """Replace every entry of ``tx``'s last incarnation by an ESTIMATE of ``tx``."""
        with self._lock:
            for key in self._last_written[tx]:
                self._entries[key][tx] = Estimate(tx)

    def last_reads(self, tx: int) -> Mapping[StateKey, Version | None]:
        """The read set ``tx``'s last incarnation recorded: item -> version (None: storage)."""
        with self._lock:
            return self._last_reads[tx]

    def still_reads(self, key: StateKey, tx: int, version: Version | None) -> bool:
        """Whether ``tx`` reading ``key`` now would see the same version as before."""
        match self.read(key, tx):
            case Estimate():
                return False
            case NotFound():
                return version is None
            case Found(version=current):
                return current == version
        return False

    def written(self, tx: int) -> Iterable[StateKey]:
        """The items ``tx``'s last incarnation wrote."""
        with self._lock:
            return self._last_written[tx]
