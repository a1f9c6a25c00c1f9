"""State backends: ``memory`` and ``sqlite``, behind one small protocol.

The SQLite backend (and sqlite-utils with it) is imported when a state of it is
first opened: a command that only runs in memory, ``txparity run`` above all, does
not pay for it at start-up.
"""

from __future__ import annotations

from collections.abc import Callable

from txparity.executors.errors import require_known
from txparity.executors.model import Genesis
from txparity.executors.state.base import CanonicalState, State, canonical_state, genesis_write_set
from txparity.executors.state.memory import MemoryState

__all__ = ["BACKENDS", "CanonicalState", "State", "canonical_state", "check_backend", "open_state"]


def _sqlite_state() -> State:
    from txparity.executors.state.sqlite import SqliteState

    return SqliteState()


_BACKENDS: dict[str, Callable[[], State]] = {"memory": MemoryState, "sqlite": _sqlite_state}
BACKENDS = tuple(_BACKENDS)


def check_backend(name: str) -> str:
    """``name`` if it names a backend; else ``UnknownExecutor`` listing them."""
    return require_known("backend", name, BACKENDS)


def open_state(backend: str, genesis: Genesis) -> State:
    """A fresh state of the named backend holding ``genesis``."""
    state = _BACKENDS[check_backend(backend)]()
    state.commit(genesis_write_set(genesis))
    return state
