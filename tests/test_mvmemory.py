"""Block-STM's multi-version memory (``executors.blockstm.mvmemory.MVMemory``).

What a read returns (the highest lower writer's entry, an ESTIMATE, or nothing),
what ``record`` reports, how ESTIMATE markers replace an aborted incarnation's
writes, ``still_reads``, which validation is built on, the ``visible_entry`` and
``item_of`` hooks' contracts, and how an incarnation reads the miner's balance when
fees are paid after each transaction (``FeeKey`` deltas).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from txparity.executors.blockstm import BlockStmExecutor
from txparity.executors.blockstm.executor import IncarnationView
from txparity.executors.blockstm.mvmemory import (
    NOT_FOUND,
    Entry,
    Estimate,
    FeeKey,
    Found,
    MemoryKey,
    MVMemory,
    NotFound,
    ReadResult,
)
from txparity.executors.model import (
    BalanceKey,
    BlockContext,
    FeePayment,
    NonceKey,
    Receipt,
    StorageKey,
    Version,
    WriteSet,
)
from txparity.executors.rules import Outcome
from txparity.executors.schedule import ThreadSchedule
from txparity.executors.state.memory import MemoryState

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


# ---------------------------------------------------------------- the miner's fees (each_tx)

MINER_TOS = BalanceKey("m", "TOS")


def incarnation(tx: int, memory: MVMemory, fee_payment: FeePayment) -> IncarnationView:
    """A view for ``tx`` over ``memory``, the pre-block state holding the miner's 10 TOS."""
    storage = MemoryState()
    storage.commit(WriteSet({NonceKey("m"): 0, MINER_TOS: 10}))
    context = BlockContext(Version.V2, "m", fee_payment, None, ("TOS",))
    return IncarnationView(tx, memory, storage, ThreadSchedule(1, 60.0), context)


def test_with_each_tx_the_miner_balance_adds_every_lower_fee_each_a_versioned_read() -> None:
    memory = MVMemory(5)
    memory.record((0, 0), {}, {FeeKey(0): 2})
    memory.record((1, 3), {}, {FeeKey(1): 3})  # tx 2 paid nothing: no item
    view = incarnation(3, memory, FeePayment.EACH_TX)
    assert view.read(MINER_TOS) == 15
    assert view.reads == {MINER_TOS: None, FeeKey(0): (0, 0), FeeKey(1): (1, 3), FeeKey(2): None}
    assert view.read(MINER_TOS) == 15  # one value per incarnation: no second read
    # A lower write of the balance itself (the miner sent) is where the sum starts:
    # that writer's own fee comes after its write, so it counts; lower fees do not.
    memory.record((1, 4), {}, {MINER_TOS: 4, FeeKey(1): 3})
    view = incarnation(3, memory, FeePayment.EACH_TX)
    assert view.read(MINER_TOS) == 7
    assert view.reads == {MINER_TOS: (1, 4), FeeKey(1): (1, 4), FeeKey(2): None}
    # Validation re-checks each delta read: a fee appearing below invalidates it.
    memory.record((2, 0), {}, {FeeKey(2): 1})
    assert not memory.still_reads(FeeKey(2), 3, None)


def test_with_each_tx_a_fee_estimate_below_suspends_the_reader() -> None:
    memory = MVMemory(3)
    memory.record((0, 0), {}, {FeeKey(0): 2})
    memory.convert_writes_to_estimates(0)
    view = incarnation(2, memory, FeePayment.EACH_TX)
    with pytest.raises(Exception) as raised:  # the executor's private _Suspend
        view.read(MINER_TOS)
    assert getattr(raised.value, "blocking_tx", None) == 0


def test_with_block_end_the_miner_balance_is_an_item_like_any_other() -> None:
    memory = MVMemory(3)
    memory.record((0, 0), {}, {FeeKey(0): 2})  # never written with block_end: ignored
    view = incarnation(2, memory, FeePayment.BLOCK_END)
    assert view.read(MINER_TOS) == 10
    assert view.reads == {MINER_TOS: None}


def test_memory_writes_record_a_fee_as_a_delta_item_only_with_each_tx() -> None:
    executor = BlockStmExecutor()
    outcome = Outcome(Receipt.applied(5), WriteSet({NonceKey("a"): 1}, fee=7))
    memory = MVMemory(3)
    assert executor.memory_writes(incarnation(1, memory, FeePayment.EACH_TX), outcome) == {
        NonceKey("a"): 1,
        FeeKey(1): 7,
    }
    assert executor.memory_writes(incarnation(1, memory, FeePayment.BLOCK_END), outcome) == {
        NonceKey("a"): 1
    }
    free = Outcome(Receipt.applied(0), WriteSet({NonceKey("a"): 1}))
    assert executor.memory_writes(incarnation(1, memory, FeePayment.EACH_TX), free) == {
        NonceKey("a"): 1
    }


class _ByAddress(MVMemory):
    """Keeps every storage slot under its address's genesis creation."""

    def item_of(self, key: MemoryKey) -> MemoryKey:
        return StorageKey(key.address, key.slot) if isinstance(key, StorageKey) else key


def test_item_of_decides_which_keys_share_versions() -> None:
    old, new = StorageKey("c", 0, "a:0"), StorageKey("c", 0, "a:1")
    memory = MVMemory(3)
    memory.record((0, 0), {}, {old: 5})
    assert memory.read(new, 2) == NotFound()  # the base: two creations, two items
    merged = _ByAddress(3)
    merged.record((0, 0), {}, {old: 5})
    assert merged.read(new, 2) == Found((0, 0), 5)
    assert set(merged.written(0)) == {StorageKey("c", 0)}
