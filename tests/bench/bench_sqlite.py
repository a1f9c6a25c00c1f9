"""The cost of a fresh SQLite state, against a plain ``sqlite3`` database.

Not a test: run it and read the figures.

    python -m tests.bench.bench_sqlite [--count 300] [--runs 5]

Each run opens and closes ``count`` databases each way, in alternation, and prints
the median per-database milliseconds over ``runs`` runs, with their ratio from the
same runs:

- ``SqliteState``: ``SqliteState()`` then ``close()`` (a temporary directory, a WAL
  file database, the seven tables, then removal);
- ``plain sqlite3``: the same by hand with the standard library: ``mkdtemp``,
  ``connect``, the same two pragmas (``synchronous`` first, so that switching to
  WAL needs no ``fsync``), the same seven tables in one ``executescript``,
  ``close``, ``rmtree``;
- ``with genesis``: ``open_state("sqlite", genesis)`` of the 32-transaction mixed
  block of ``bench_sequential`` (eight funded accounts and one contract), then
  ``close()``: what every SQLite run of a case pays before its first transaction.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tests.bench.bench_sequential import mixed_block_case
from txparity.executors.state import open_state
from txparity.executors.state.sqlite import SqliteState

SCHEMA = """
CREATE TABLE accounts (address TEXT NOT NULL, nonce INTEGER NOT NULL, PRIMARY KEY (address));
CREATE TABLE balances (address TEXT NOT NULL, asset TEXT NOT NULL, amount INTEGER NOT NULL,
    PRIMARY KEY (address, asset));
CREATE TABLE contracts (address TEXT NOT NULL, code TEXT NOT NULL, creation TEXT NOT NULL,
    PRIMARY KEY (address));
CREATE TABLE contract_balances (address TEXT NOT NULL, asset TEXT NOT NULL,
    amount INTEGER NOT NULL, PRIMARY KEY (address, asset));
CREATE TABLE contract_nonces (address TEXT NOT NULL, nonce INTEGER NOT NULL,
    PRIMARY KEY (address));
CREATE TABLE storage (address TEXT NOT NULL, creation TEXT NOT NULL, slot INTEGER NOT NULL,
    value INTEGER NOT NULL, PRIMARY KEY (address, creation, slot));
CREATE TABLE burned (asset TEXT NOT NULL, amount INTEGER NOT NULL, PRIMARY KEY (asset));
"""


def plain() -> None:
    directory = Path(tempfile.mkdtemp(prefix="txparity-"))
    connection = sqlite3.connect(directory / "state.db", check_same_thread=False)
    connection.execute("PRAGMA synchronous = OFF")  # first: WAL set-up then needs no fsync
    connection.execute("PRAGMA journal_mode = WAL")
    connection.executescript(SCHEMA)
    connection.close()
    shutil.rmtree(directory, ignore_errors=True)


def ours() -> None:
    SqliteState().close()


def with_genesis() -> None:
    open_state("sqlite", GENESIS).close()


GENESIS = mixed_block_case().genesis


def per_database_ms(make: Callable[[], None], count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        make()
    return 1000 * (time.perf_counter() - started) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args()
    figures: dict[str, list[float]] = {"SqliteState": [], "plain sqlite3": [], "with genesis": []}
    for _ in range(arguments.runs):
        figures["SqliteState"].append(per_database_ms(ours, arguments.count))
        figures["plain sqlite3"].append(per_database_ms(plain, arguments.count))
        figures["with genesis"].append(per_database_ms(with_genesis, arguments.count))
    medians = {name: statistics.median(values) for name, values in figures.items()}
    for name, value in medians.items():
        print(f"{name:14} {value:6.3f} ms per database")
    print(f"SqliteState / plain sqlite3  {medians['SqliteState'] / medians['plain sqlite3']:.2f}x")


if __name__ == "__main__":
    main()
