"""The SQLite backend: one table per kind of state item, dumped through sqlite-utils.

Every run gets a fresh database: by default a file in a new temporary directory
(WAL journal, removed on ``close``), or ``:memory:``. Tables:

    accounts(address, nonce)                 balances(address, asset, amount)
    contracts(address, code, creation)       contract_balances(address, asset, amount)
    contract_nonces(address, nonce)          storage(address, creation, slot, value)
    burned(asset, amount)

SQLite's INTEGER is a signed 64-bit number, so every u64 is stored as its signed
reinterpretation (``x - 2**64`` for ``x >= 2**63``): integers stay integers, every
value up to ``2**64 - 1`` round-trips, and no column needs text arithmetic. Code is
stored as its canonical JSON text, beside the creation that put it there.

Concurrency: one connection writes, and its writes stay in one open SQLite
transaction until ``reader()`` or ``dump()`` commits them (committing after every
transaction of a block halves throughput and nobody else looks in between).
``reader()`` gives parallel workers a view with one read-only connection per
thread on a file database (WAL lets them read a committed snapshot), or, for
``:memory:``, the writer's connection behind a lock, since an in-memory database
cannot be opened twice.
"""

from __future__ import annotations

import functools
import json
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from txparity.executors.code import parse_code
from txparity.executors.limits import U64_LIMIT
from txparity.executors.model import (
    BalanceKey,
    BurnedKey,
    Code,
    CodeKey,
    ContractBalanceKey,
    ContractCode,
    ContractNonceKey,
    NonceKey,
    StateKey,
    StateValue,
    StorageKey,
    Version,
    WriteSet,
)
from txparity.executors.shapes import canonical_json
from txparity.executors.state.base import CanonicalState, canonical_state, is_absent
from txparity.executors.view import StateView

__all__ = ["SqliteState", "from_sqlite_integer", "to_sqlite_integer"]

_SIGN_BIT = U64_LIMIT // 2


def to_sqlite_integer(value: int) -> int:
    """A u64 as the signed 64-bit integer with the same bits."""
    return value - U64_LIMIT if value >= _SIGN_BIT else value


def from_sqlite_integer(value: int) -> int:
    return value + U64_LIMIT if value < 0 else value


@functools.lru_cache(maxsize=4096)
def _code_from_text(text: str) -> Code:
    # Stored code was well-formed for its case: read it with the widest grammar.
    return parse_code(json.loads(text), max(Version))


Column = int | str


def _encode_integer(value: StateValue) -> tuple[Column, ...]:
    assert isinstance(value, int)
    return (to_sqlite_integer(value),)


def _decode_integer(value: Column) -> StateValue:
    assert isinstance(value, int)
    return from_sqlite_integer(value)


def _encode_code(value: StateValue) -> tuple[Column, ...]:
    assert isinstance(value, ContractCode)
    return canonical_json(value.code.to_json()), value.creation


def _decode_code(code: Column, creation: Column) -> StateValue:
    assert isinstance(code, str) and isinstance(creation, str)
    return ContractCode(_code_from_text(code), creation)


_U64 = (("amount", int),)


@dataclass(frozen=True, slots=True)
class _Table:
    """How one kind of state item maps onto one table, with its statements. Key
    columns are text unless listed in ``integer_keys`` (u64s, stored signed); an
    item's value is ``values``' columns, written by ``encode`` and read by ``decode``."""

    name: str
    keys: tuple[str, ...]
    make_key: Callable[..., StateKey]
    values: tuple[tuple[str, type], ...] = _U64
    encode: Callable[[StateValue], tuple[Column, ...]] = _encode_integer
    decode: Callable[..., StateValue] = _decode_integer
    integer_keys: frozenset[str] = frozenset()
    select_sql: str = field(init=False)
    upsert_sql: str = field(init=False)
    delete_sql: str = field(init=False)

    def __post_init__(self) -> None:
        where = " AND ".join(f"{column} = ?" for column in self.keys)
        value_names = [name for name, _ in self.values]
        columns = ", ".join((*self.keys, *value_names))
        marks = ", ".join("?" * (len(self.keys) + len(value_names)))
        updates = ", ".join(f"{name} = excluded.{name}" for name in value_names)
        upsert = (
            f"INSERT INTO {self.name} ({columns}) VALUES ({marks}) "
            f"ON CONFLICT ({', '.join(self.keys)}) DO UPDATE SET {updates}"
        )
        select = f"SELECT {', '.join(value_names)} FROM {self.name} WHERE {where}"
        object.__setattr__(self, "select_sql", select)
        object.__setattr__(self, "upsert_sql", upsert)
        object.__setattr__(self, "delete_sql", f"DELETE FROM {self.name} WHERE {where}")


def _integer_key(value: Column) -> int:
    assert isinstance(value, int)
    return from_sqlite_integer(value)


_TABLES: dict[type, _Table] = {
    NonceKey: _Table("accounts", ("address",), NonceKey, (("nonce", int),)),
    BalanceKey: _Table("balances", ("address", "asset"), BalanceKey),
    CodeKey: _Table(
        "contracts", ("address",), CodeKey, (("code", str), ("creation", str)),
        _encode_code, _decode_code,
    ),
    ContractBalanceKey: _Table("contract_balances", ("address", "asset"), ContractBalanceKey),
    ContractNonceKey: _Table("contract_nonces", ("address",), ContractNonceKey, (("nonce", int),)),
    StorageKey: _Table(
        "storage", ("address", "creation", "slot"),
        lambda address, creation, slot: StorageKey(address, _integer_key(slot), creation),
        (("value", int),),
        integer_keys=frozenset({"slot"}),
    ),
    BurnedKey: _Table("burned", ("asset",), BurnedKey),
}  # fmt: skip


def _create_table_sql(table: _Table) -> str:
    """The table of ``table``: every column NOT NULL, the key columns its primary key."""
    key_types = [(column, int if column in table.integer_keys else str) for column in table.keys]
    columns = [
        f"{name} {'INTEGER' if kind is int else 'TEXT'} NOT NULL"
        for name, kind in (*key_types, *table.values)
    ]
    primary_key = f"PRIMARY KEY ({', '.join(table.keys)})"
    return f"CREATE TABLE {table.name} ({', '.join(columns)}, {primary_key})"


# Written once, run by each new database in one call: creating the tables one by
# one through sqlite-utils's ``create`` cost several times what the rest of a fresh
# database does (``tests/bench/bench_sqlite.py``).
_SCHEMA = ";\n".join(_create_table_sql(table) for table in _TABLES.values())


def _key_params(key: StateKey) -> tuple[Column, ...]:
    match key:
        case NonceKey(address) | CodeKey(address) | ContractNonceKey(address):
            return (address,)
        case BalanceKey(address, asset) | ContractBalanceKey(address, asset):
            return (address, asset)
        case StorageKey(address, slot, creation):
            return (address, creation, to_sqlite_integer(slot))
        case BurnedKey(asset):
            return (asset,)


def _select(connection: sqlite3.Connection, key: StateKey) -> StateValue:
    table = _TABLES[type(key)]
    row = connection.execute(table.select_sql, _key_params(key)).fetchone()
    return key.default if row is None else table.decode(*row)


class SqliteState:
    """State in a fresh SQLite database (a temporary file, or ``:memory:``)."""

    name = "sqlite"

    def __init__(self, path: str | None = None) -> None:
        self._directory: Path | None = None
        if path is None:
            self._directory = Path(tempfile.mkdtemp(prefix="txparity-"))
            path = str(self._directory / "state.db")
        self.path = path
        self._connection = sqlite3.connect(path, check_same_thread=False)
        self.db = sqlite_utils.Database(self._connection)
        # Durability first: with synchronous still FULL, switching to WAL waits for
        # an fsync, which cost most of a fresh database's time.
        self._connection.execute("PRAGMA synchronous = OFF")
        if path != ":memory:":
            self._connection.execute("PRAGMA journal_mode = WAL")
        self._connection.executescript(_SCHEMA)
        self._reader: _LockedReader | _ThreadReaders | None = None

    def read(self, key: StateKey) -> StateValue:
        return _select(self._connection, key)

    def commit(self, write_set: WriteSet) -> None:
        connection = self._connection
        for key, value in write_set.writes.items():
            table = _TABLES[type(key)]
            if is_absent(key, value):
                connection.execute(table.delete_sql, _key_params(key))
            else:
                connection.execute(table.upsert_sql, (*_key_params(key), *table.encode(value)))
        for asset, amount in write_set.burned.items():
            total = self.read(BurnedKey(asset))
            assert isinstance(total, int)
            table = _TABLES[BurnedKey]
            connection.execute(table.upsert_sql, (asset, to_sqlite_integer(total + amount)))

    def reader(self) -> StateView:
        self._connection.commit()
        if self._reader is None:
            if self.path == ":memory:":
                self._reader = _LockedReader(self._connection)
            else:
                self._reader = _ThreadReaders(self.path)
        return self._reader

    def items(self) -> Iterator[tuple[StateKey, StateValue]]:
        for table in _TABLES.values():
            for row in self.db.table(table.name).rows:
                key = table.make_key(*(row[column] for column in table.keys))
                yield key, table.decode(*(row[column] for column, _ in table.values))

    def dump(self, version: Version = Version.V1) -> CanonicalState:
        self._connection.commit()
        return canonical_state(self.items(), version)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
        self._connection.close()
        if self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)


class _LockedReader:
    """Reads through the one connection of an in-memory database, one at a time."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self._lock = threading.Lock()

    def read(self, key: StateKey) -> StateValue:
        with self._lock:
            return _select(self._connection, key)

    def close(self) -> None:
        pass


class _ThreadReaders:
    """One read-only connection per reading thread, on a WAL file database."""

    def __init__(self, path: str) -> None:
        self._uri = f"{Path(path).absolute().as_uri()}?mode=ro"
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self._uri, uri=True, check_same_thread=False)
            self._local.connection = connection
            with self._lock:
                self._opened.append(connection)
        return connection

    def read(self, key: StateKey) -> StateValue:
        return _select(self._connection(), key)

    def close(self) -> None:
        with self._lock:
            for connection in self._opened:
                connection.close()
            self._opened.clear()
