"""Multi-version memory: for each state item, the value each transaction wrote.

``read(key, tx)`` answers with the entry of the highest transaction below ``tx``
that wrote ``key``: a value and its version, an ESTIMATE (whose writer was aborted
and will write again), or nothing (read the pre-block state). One lock guards the
tables; callers never hold it across an interleaving point.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from txparity.executors.model import StateKey, StateValue

__all__ = ["Estimate", "Found", "MVMemory", "NotFound", "ReadResult", "Version"]

Version = tuple[int, int]  # (tx index, incarnation)


@dataclass(frozen=True, slots=True)
class Found:
    version: Version
    value: StateValue


@dataclass(frozen=True, slots=True)
class Estimate:
    blocking_tx: int


@dataclass(frozen=True, slots=True)
class NotFound:
    pass


ReadResult = Found | Estimate | NotFound
NOT_FOUND = NotFound()


class _Estimate:
    """The ESTIMATE marker stored in place of an aborted incarnation's write."""


ESTIMATE = _Estimate()
_Entry = tuple[int, StateValue] | _Estimate  # (incarnation, value) or ESTIMATE


class MVMemory:
    """Versions per item, the last written items and last read set per transaction."""

    def __init__(self, size: int) -> None:
        self._entries: dict[StateKey, dict[int, _Entry]] = {}
        self._writers: dict[StateKey, list[int]] = {}  # sorted tx indices per item
        self._last_written: list[frozenset[StateKey]] = [frozenset()] * size
        self._last_reads: list[Mapping[StateKey, Version | None]] = [{}] * size
        self._lock = threading.Lock()

    def read(self, key: StateKey, tx: int) -> ReadResult:
        with self._lock:
            writers = self._writers.get(key)
            if not writers:
                return NOT_FOUND
            position = bisect.bisect_left(writers, tx)
            return self._entry_below(key, writers, position)

    def _entry_below(self, key: StateKey, writers: list[int], position: int) -> ReadResult:
        """The entry of the highest writer before ``position`` (planted bugs skip some)."""
        if position == 0:
            return NOT_FOUND
        writer = writers[position - 1]
        entry = self._entries[key][writer]
        if isinstance(entry, _Estimate):
            return Estimate(writer)
        incarnation, value = entry
        return Found((writer, incarnation), value)

    def record(
        self,
        version: Version,
        reads: Mapping[StateKey, Version | None],
        writes: Mapping[StateKey, StateValue],
    ) -> bool:
        """Store an incarnation's writes and reads; True if it wrote a new item."""
        tx, incarnation = version
        new_items = frozenset(writes)
        with self._lock:
            for key, value in writes.items():
                if tx not in self._entries.setdefault(key, {}):
                    bisect.insort(self._writers.setdefault(key, []), tx)
                self._entries[key][tx] = (incarnation, value)
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
        with self._lock:
            for key in self._last_written[tx]:
                self._entries[key][tx] = ESTIMATE

    def last_reads(self, tx: int) -> Mapping[StateKey, Version | None]:
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
        with self._lock:
            return self._last_written[tx]
