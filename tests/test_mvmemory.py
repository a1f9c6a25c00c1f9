"""Block-STM's multi-version memory (``executors.blockstm.mvmemory.MVMemory``).

What a read returns (the highest lower writer's entry, an ESTIMATE, or nothing),
what ``record`` reports, how ESTIMATE markers replace an aborted incarnation's
writes, ``still_reads``, which validation is built on, and the ``visible_entry``
hook's contract.
"""

from __future__ import annotations

from collections.abc import Iterator

from txparity.executors.blockstm.mvmemory import (
    NOT_FOUND,
    Entry,
    Estimate,
    Found,
    MemoryKey,
    MVMemory,
    NotFound,
    ReadResult,
)
from txparity.executors.model import BalanceKey, NonceKey, StorageKey

K = StorageKey("c", 0)
K2 = StorageKey("c", 1)
N = NonceKey("a")


def test_mvmemory_read_of_an_unwritten_item_is_not_found() -> None:
    memory = MVMemory(3)
    assert memory.read(K, 0) == NotFound()
    assert memory.read(K, 2) == NotFound()
    assert memory.last_reads(1) == {}
    assert set(memory.written(1)) == set()


def test_mvmemory_read_sees_the_highest_lower_writer() -> None:
    memory = MVMemory(5)
    assert memory.record((0, 0), {}, {K: 5}) is True
    assert memory.record((2, 0), {}, {K: 7, N: 1}) is True
    assert memory.read(K, 0) == NotFound()  # a tx never reads its own or higher writes
    assert memory.read(K, 1) == Found((0, 0), 5)
    assert memory.read(K, 2) == Found((0, 0), 5)
    assert memory.read(K, 3) == Found((2, 0), 7)
    assert memory.read(K, 4) == Found((2, 0), 7)
    assert memory.read(N, 2) == NotFound()
    assert memory.read(N, 3) == Found((2, 0), 1)
    assert set(memory.written(2)) == {K, N}


def test_mvmemory_record_reports_only_new_items() -> None:
    memory = MVMemory(3)
    assert memory.record((1, 0), {}, {K: 1}) is True
    assert memory.record((1, 1), {}, {K: 2}) is False  # same item, new incarnation
    assert memory.read(K, 2) == Found((1, 1), 2)
    assert memory.record((1, 2), {}, {K: 3, K2: 3}) is True  # K2 is new
    assert memory.record((1, 3), {}, {K2: 4}) is False  # fewer items: nothing new
    assert memory.record((1, 4), {}, {}) is False
    assert memory.record((1, 5), {}, {K: 6}) is True  # K again, after it was dropped


def test_mvmemory_record_removes_what_an_older_incarnation_wrote() -> None:
    memory = MVMemory(4)
    memory.record((0, 0), {}, {K: 5})
    memory.record((1, 0), {}, {K: 9, K2: 1})
    assert memory.read(K, 3) == Found((1, 0), 9)
    memory.record((1, 1), {}, {K2: 2})  # incarnation 1 no longer writes K
    assert memory.read(K, 3) == Found((0, 0), 5)
    assert memory.read(K2, 3) == Found((1, 1), 2)
    assert set(memory.written(1)) == {K2}
    memory.record((0, 1), {}, {})
    assert memory.read(K, 3) == NotFound()


def test_mvmemory_estimates_replace_an_aborted_incarnation_writes() -> None:
    memory = MVMemory(4)
    memory.record((0, 0), {}, {K: 5})
    memory.record((1, 0), {}, {K: 9, K2: 1})
    memory.convert_writes_to_estimates(1)
    assert memory.read(K, 2) == Estimate(1)
    assert memory.read(K2, 3) == Estimate(1)
    assert memory.read(K, 1) == Found((0, 0), 5)  # below the aborted tx: unaffected
    assert set(memory.written(1)) == {K, K2}
    # The next incarnation's record replaces the markers (and drops K2).
    assert memory.record((1, 1), {}, {K: 10}) is False
    assert memory.read(K, 2) == Found((1, 1), 10)
    assert memory.read(K2, 3) == NotFound()


def test_mvmemory_keeps_each_transaction_last_read_set() -> None:
    memory = MVMemory(3)
    memory.record((2, 0), {K: None, N: (0, 0)}, {})
    assert memory.last_reads(2) == {K: None, N: (0, 0)}
    memory.record((2, 1), {K2: (1, 3)}, {})
    assert memory.last_reads(2) == {K2: (1, 3)}


def test_mvmemory_still_reads() -> None:
    memory = MVMemory(4)
    # Nothing written: a read of the pre-block state (None) still holds.
    assert memory.still_reads(K, 3, None) is True
    assert memory.still_reads(K, 3, (0, 0)) is False
    memory.record((0, 0), {}, {K: 5})
    assert memory.still_reads(K, 3, None) is False  # tx 0 wrote K since
    assert memory.still_reads(K, 3, (0, 0)) is True
    assert memory.still_reads(K, 0, None) is True  # tx 0's own write is not below it
    memory.record((0, 1), {}, {K: 6})
    assert memory.still_reads(K, 3, (0, 0)) is False  # same writer, newer incarnation
    assert memory.still_reads(K, 3, (0, 1)) is True
    memory.record((2, 0), {}, {K: 7})
    assert memory.still_reads(K, 3, (0, 1)) is False  # a closer writer appeared
    assert memory.still_reads(K, 2, (0, 1)) is True
    memory.convert_writes_to_estimates(2)
    assert memory.still_reads(K, 3, (2, 0)) is False  # an ESTIMATE never validates
    assert memory.still_reads(K, 2, (0, 1)) is True


def test_mvmemory_items_are_compared_by_value() -> None:
    memory = MVMemory(2)
    memory.record((0, 0), {}, {BalanceKey("a", "TOS"): 3})
    assert memory.read(BalanceKey("a", "TOS"), 1) == Found((0, 0), 3)
    assert memory.read(BalanceKey("a", "GOLD"), 1) == NotFound()


class _Recording(MVMemory):
    """Records the entries each read offers ``visible_entry``, then answers as the base."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.offered: list[list[Entry]] = []

    def visible_entry(self, key: MemoryKey, entries: Iterator[Entry]) -> ReadResult:
        offered = list(entries)
        self.offered.append(offered)
        return super().visible_entry(key, iter(offered))


def test_visible_entry_is_offered_the_entries_below_the_reader_highest_first() -> None:
    """The hook's contract: every entry of a lower writer, highest writer first,
    ESTIMATEs included; the base answers with the first, or NOT_FOUND."""
    memory = _Recording(4)
    memory.record((0, 0), {}, {K: 5})
    memory.record((1, 0), {}, {K: 6})
    memory.record((2, 0), {}, {K: 7})
    memory.convert_writes_to_estimates(1)
    assert memory.read(K, 3) == Found((2, 0), 7)
    assert memory.read(K, 2) == Estimate(1)
    assert memory.read(K, 0) == NOT_FOUND
    assert memory.offered == [
        [Found((2, 0), 7), Estimate(1), Found((0, 0), 5)],
        [Estimate(1), Found((0, 0), 5)],
        [],
    ]
