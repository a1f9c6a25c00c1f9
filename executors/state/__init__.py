"""State backends: ``memory`` and ``sqlite``, behind one small protocol."""

from __future__ import annotations

from executors.errors import UnknownExecutor
from executors.model import Genesis
from executors.state.base import CanonicalState, State, canonical_state, genesis_write_set
from executors.state.memory import MemoryState
from executors.state.sqlite import SqliteState

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
