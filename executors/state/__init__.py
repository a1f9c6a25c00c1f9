"""State backends: ``memory`` and ``sqlite``, behind one small protocol."""

from __future__ import annotations

from txparity.executors.errors import UnknownExecutor
from txparity.executors.model import Genesis
from txparity.executors.state.base import CanonicalState, State, canonical_state, genesis_write_set
from txparity.executors.state.memory import MemoryState
from txparity.executors.state.sqlite import SqliteState

__all__ = ["BACKENDS", "CanonicalState", "State", "canonical_state", "open_state"]

BACKENDS = ("memory", "sqlite")


def open_state(backend: str, genesis: Genesis) -> State:
    """A fresh state of the named backend holding ``genesis``."""
    state: State
    match backend:
        case "memory":
            state = MemoryState()
        case "sqlite":
            state = SqliteState()
        case _:
            raise UnknownExecutor(f"unknown backend {backend!r} (known: {', '.join(BACKENDS)})")
    state.commit(genesis_write_set(genesis))
    return state
