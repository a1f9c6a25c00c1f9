"""The in-memory backend: one dictionary from state item to value."""

from __future__ import annotations

from collections.abc import Iterator

from txparity.executors.model import BurnedKey, StateKey, StateValue, Version, WriteSet
from txparity.executors.state.base import CanonicalState, canonical_state, is_absent
from txparity.executors.view import StateView

__all__ = ["MemoryState"]


class MemoryState:
    """State in a dict. Reads from many threads are safe while nothing commits."""

    name = "memory"

    def __init__(self) -> None:
        self._items: dict[StateKey, StateValue] = {}

    def read(self, key: StateKey) -> StateValue:
        return self._items.get(key, key.default)

    def commit(self, write_set: WriteSet) -> None:
        items = self._items
        for key, value in write_set.writes.items():
            if is_absent(key, value):
                items.pop(key, None)
            else:
                items[key] = value
        for asset, amount in write_set.burned.items():
            key = BurnedKey(asset)
            burned = self.read(key)
            assert isinstance(burned, int)
            items[key] = burned + amount

    def reader(self) -> StateView:
        return self

    def items(self) -> Iterator[tuple[StateKey, StateValue]]:
        """Every stored item (absent ones are not stored), as ``SqliteState.items``."""
        yield from self._items.items()

    def dump(self, version: Version = Version.V1) -> CanonicalState:
        return canonical_state(self._items.items(), version)

    def close(self) -> None:
        self._items.clear()
