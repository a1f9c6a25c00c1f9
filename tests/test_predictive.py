"""The predictive executor: what it predicts, what it learns across blocks, that
neither changes a result, the figures the prediction buys, and its planted bug.

Parity on every vector, property and profile is in ``test_parallel.py``,
``test_parallel_v2.py`` and ``test_properties.py``, which run every correct
executor on a fresh object per run; here one object also runs blocks in a row, as
a campaign's target does.
"""

from __future__ import annotations

import json

import pytest

from tests.builders import Json, account, block_case, burn, contract, deploy, invoke, transfer
from tests.v2_blocks import seeded_v2_case
from txparity.executors.blockstm.mvmemory import Estimate, Found, MVMemory, NotFound
from txparity.executors.codec import decode_case
from txparity.executors.errors import InvariantViolation
from txparity.executors.execution import Execution, ExecutionPath, run_case
from txparity.executors.model import (
    BalanceKey,
    CodeKey,
    ContractBalanceKey,
    Invoke,
    NonceKey,
    StorageKey,
)
from txparity.executors.predictive import ConflictHistory, PredictiveExecutor, named_items
from txparity.executors.predictive.history import MAX_ENTRIES
from txparity.executors.registry import CORRECT_PARALLEL, make_executor
from txparity.executors.sequential import SequentialExecutor

SCHEDULES = ("threads", "seeded", "pct")

# Entry 0 increments slot 0.
COUNTER = {"0": [["PUSH", 0], ["SLOAD"], ["PUSH", 1], ["ADD"], ["PUSH", 0], ["SSTORE"]]}
SLOT = StorageKey("k", 0, "")


# Four senders increment one counter.
COUNTER_BLOCK = block_case(
    {sender: account(TOS=100) for sender in "abcd"},
    {"k": contract(COUNTER)},
    [invoke(sender, 0, "k", max_gas=30) for sender in "abcd"],
)


def run_on(executor: PredictiveExecutor | None, schedule: str, case: Json) -> Execution:
    decoded = decode_case(json.dumps(case))
    if executor is None:
        return run_case(SequentialExecutor(), decoded, "memory")
    return run_case(executor, decoded, "memory")


# ---------------------------------------------------------------- prediction


def test_named_items_are_what_the_envelope_shows() -> None:
    case = decode_case(json.dumps(block_case(
        {"a": account(TOS=9)}, {"k": contract(COUNTER)},
        [transfer("a", 0, "b", 1, asset="GOLD"), burn("a", 1), deploy("a", 2, {}),
         invoke("a", 3, "k", deposits={"GOLD": 2})],
    )))  # fmt: skip
    own = {NonceKey("a"), BalanceKey("a", "TOS")}
    pay, burned, deployed, called = (named_items(tx) for tx in case.block.txs)
    gold = {BalanceKey("a", "GOLD")}
    assert pay.writes == own | gold | {BalanceKey("b", "GOLD"), NonceKey("b")}
    assert pay.reads - pay.writes == {CodeKey("b")}
    assert (burned.writes, burned.reads) == (own, own)
    assert deployed.writes == own | {CodeKey("a.2")}
    assert deployed.reads - deployed.writes == {NonceKey("a.2")}
    assert called.writes == own | gold | {ContractBalanceKey("k", "GOLD")}
    assert called.reads - called.writes == {CodeKey("k")}


def test_an_item_is_hot_in_the_two_blocks_after_each_block_it_conflicted_in() -> None:
    history = ConflictHistory()
    hot = []  # after learning block n: whether the slot is hot in block n + 1
    for conflicted in (True, True, True, False, False, False, True, False, False):
        history.learn([], [], [SLOT, SLOT, SLOT] if conflicted else [])
        hot.append(history.is_hot(SLOT))
    assert hot == [True, True, True, True, False, False, True, True, False]
    assert history.blocks == 9


def test_an_invoke_is_predicted_to_write_what_its_entry_wrote_last() -> None:
    history = ConflictHistory()
    call = Invoke("a", 0, 0, "k", 0, (), {}, 30)
    assert history.predicted_writes(call) == named_items(call).writes
    history.learn([call], [frozenset({SLOT, NonceKey("a")})], [])
    assert history.predicted_writes(call) == named_items(call).writes | {SLOT}
    assert history.entry_writes == {("k", 0): frozenset({SLOT})}


def test_the_entries_kept_are_bounded_and_the_oldest_is_forgotten_first() -> None:
    history = ConflictHistory()
    calls = [Invoke("a", 0, 0, f"k{i}", 0, (), {}, 30) for i in range(MAX_ENTRIES + 1)]
    history.learn(calls, [frozenset({SLOT})] * len(calls), [])
    assert len(history.entry_writes) == MAX_ENTRIES
    assert ("k0", 0) not in history.entry_writes


def test_a_seeded_estimate_makes_readers_wait_until_the_first_record() -> None:
    memory = MVMemory(3)
    memory.seed_estimates(0, [SLOT, NonceKey("z")])
    assert memory.read(SLOT, 1) == Estimate(0)
    assert memory.read(SLOT, 0) == NotFound()
    # The first incarnation writes the slot only: the other seed is gone, and since
    # it wrote nothing new compared with the seeds, nobody above needs revalidating.
    assert memory.record((0, 0), {}, {SLOT: 5}) is False
    assert memory.read(SLOT, 2) == Found((0, 0), 5)
    assert memory.read(NonceKey("z"), 2) == NotFound()
    with pytest.raises(InvariantViolation):
        memory.seed_estimates(0, [SLOT])


# ---------------------------------------------------------------- learning


@pytest.mark.parametrize(
    ("schedule", "first", "later"),
    [("seeded", (7, 3, 0), (6, 0, 2)), ("pct", (6, 2, 0), (5, 0, 1))],
)
def test_a_counter_conflicts_once_and_is_ordered_from_the_next_block_on(
    schedule: str, first: tuple[int, int, int], later: tuple[int, int, int]
) -> None:
    """The first block aborts like Block-STM (same counts); from the second on the
    slot is hot, every increment's predicted write is seeded, and the later ones
    wait for it instead of being aborted: (incarnations, aborts, suspensions)."""
    executor = PredictiveExecutor(schedule)
    expected = run_on(None, schedule, COUNTER_BLOCK).result_json
    blockstm = run_case(make_executor("blockstm", schedule),
                        decode_case(json.dumps(COUNTER_BLOCK)), "memory").stats  # fmt: skip
    counts = []
    for _ in range(3):
        execution = run_on(executor, schedule, COUNTER_BLOCK)
        assert execution.result_json == expected
        stats = execution.stats
        counts.append((stats.incarnations, stats.aborts, stats.suspensions))
    assert counts == [first, later, later]
    assert (blockstm.incarnations, blockstm.aborts, blockstm.suspensions) == first
    assert executor.prediction.seeded == (frozenset({SLOT}),) * 4


def test_blocks_in_a_row_give_every_block_its_reference_result() -> None:
    """One object through the version 2 stress blocks and back, on each schedule: the
    history it gathers changes how the blocks run, never their results."""
    cases = [seeded_v2_case(seed) for seed in range(8)]
    expected = [run_case(SequentialExecutor(), case, "memory").result_json for case in cases]
    for schedule in SCHEDULES:
        executor = PredictiveExecutor(schedule)
        for case, result in 2 * list(zip(cases, expected, strict=True)):
            execution = run_case(executor, case, "sqlite")
            assert execution.result_json == result
            assert execution.stats.path is ExecutionPath.PARALLEL
        assert executor.history.blocks == 16


# ---------------------------------------------------------------- the planted bug


def test_predictive_trusted_prediction() -> None:
    """Bug: no increment names an item another one writes, so each is trusted and
    never validated; on seeded seed 0 one reads the counter before the one below it
    wrote it: it ends at 3, not 4 (158 of seeds 0-199 diverge). The bug needs no
    history: a fresh object shows it, as a replay does."""
    reference = run_on(None, "seeded", COUNTER_BLOCK)
    for name in CORRECT_PARALLEL:
        correct = run_case(make_executor(name, "seeded"),
                           decode_case(json.dumps(COUNTER_BLOCK)), "memory")  # fmt: skip
        assert correct.result_json == reference.result_json, name
    mutant = make_executor("predictive-trusted-prediction", "seeded")
    broken = run_case(mutant, decode_case(json.dumps(COUNTER_BLOCK)), "memory")
    storage = json.loads(broken.result_json)["state"]["contracts"]["k"]["storage"]
    assert json.loads(reference.result_json)["state"]["contracts"]["k"]["storage"] == {"0": 4}
    assert storage == {"0": 3}
    assert broken.stats.aborts == 0
    # The same object again, its history now holding the slot as hot: the same
    # result, since what it trusts needs no history.
    again = run_case(mutant, decode_case(json.dumps(COUNTER_BLOCK)), "memory")
    assert mutant.history.is_hot(SLOT)
    assert again.result_json == broken.result_json
