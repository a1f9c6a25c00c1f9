"""The sharded executor: where addresses live, the plan, the parallelism it keeps,
that the number of shards never changes a result, and its three planted bugs.

Parity on every vector, property and profile is in ``test_parallel.py``,
``test_parallel_v2.py`` and ``test_properties.py``, which run every correct
executor. The cases here run on two shards (``threads: 2``); which shard an
address hashes to is asserted where a case depends on it. The planted bugs
corrupt what is applied or the order of a shard's queue, not an interleaving, so
they show on every schedule.
"""

from __future__ import annotations

import json
from dataclasses import replace
from functools import partial

import pytest

from tests.builders import Json, account, block_case, burn, contract, deploy, invoke, transfer
from tests.exposing import check_exposes, run
from tests.v2_blocks import seeded_v2_case
from txparity.executors.codec import decode_case
from txparity.executors.execution import ExecutionPath, run_case
from txparity.executors.model import Case
from txparity.executors.registry import make_executor
from txparity.executors.sequential import SequentialExecutor
from txparity.executors.sharded import Directory, ShardedExecutor, shard_of_name
from txparity.executors.state import BACKENDS

SCHEDULES = ("threads", "seeded", "pct")

# Entry 0 increments slot 0.
COUNTER = {"0": [["PUSH", 0], ["SLOAD"], ["PUSH", 1], ["ADD"], ["PUSH", 0], ["SSTORE"]]}
# Entry 0 clones itself.
FACTORY = {"0": [["CLONE"]]}

two_shard_case = partial(block_case, threads=2)


def test_the_addresses_of_the_cases_here_hash_to_these_shards() -> None:
    """SHA-256 of the name, so the same in every process and on every machine."""
    homes = {name: shard_of_name(name, 2) for name in ("a", "c", "e", "d", "g", "h", "vault")}
    assert homes == {"a": 0, "c": 0, "e": 0, "d": 1, "g": 1, "h": 1, "vault": 1}
    assert shard_of_name("c.0", 2) == 1


# ---------------------------------------------------------------- the directory


def directory_of(case: Json, shards: int = 2) -> Directory:
    return ShardedExecutor().directory(decode_case(json.dumps(case)), shards)


def test_a_contract_a_deploy_of_the_block_creates_lives_with_its_deployer() -> None:
    """``c.0`` hashes to shard 1, but ``c`` deploys it, in shard 0: before the deploy as
    after it, every transaction naming ``c.0`` meets the deploy in shard 0."""
    case = two_shard_case(
        {"c": account(), "e": account()}, {}, [transfer("e", 0, "c.0", 0), deploy("c", 0, {})]
    )
    assert directory_of(case).home("c.0") == 0 == directory_of(case).home("c")
    assert Directory.at_genesis(decode_case(json.dumps(case)), 2).home("c.0") == 1


def test_a_clone_lives_with_its_creator_however_deep() -> None:
    case = two_shard_case({"a": account()}, {"d": contract(FACTORY)}, [])
    case["format"] = "txparity.case/2"
    directory = directory_of(case, 16)
    assert {directory.home(address) for address in ("d", "d.0", "d.7", "d.3.1")} == {
        shard_of_name("d", 16)
    }
    # An account's dotted name is no clone: it lives where its name hashes.
    assert directory.home("a.3") == shard_of_name("a.3", 16)


# ---------------------------------------------------------------- the plan and its figures

# a and c live in shard 0, d and g in shard 1; a pays d (cross-shard), the others
# stay home.
MIXED = two_shard_case(
    {"a": account(TOS=10), "c": account(TOS=10), "d": account(), "g": account(TOS=10)},
    {},
    [transfer("a", 0, "d", 5), transfer("d", 0, "h", 3), burn("c", 0), burn("g", 0),
     transfer("c", 1, "e", 1), burn("g", 1)],
)  # fmt: skip


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("schedule", SCHEDULES)
def test_local_transactions_run_in_parallel_and_a_cross_shard_one_joins_its_shards(
    schedule: str, backend: str
) -> None:
    """Shard 0's queue is txs 0, 2, 4; shard 1's 0, 1, 3, 5. tx 0 waits for both shards;
    then each shard runs its own: the waves are tx 0, then txs 1 and 2, then 3 and 4,
    then 5."""
    execution = run("sharded", schedule, MIXED, backend)
    assert execution.result_json == run("sequential", schedule, MIXED).result_json
    stats = execution.stats
    assert stats.path is ExecutionPath.PARALLEL
    assert (stats.batch_sizes, stats.conflicts, stats.tasks) == ((), 1, 2)
    plan = ShardedExecutor().plan(decode_case(json.dumps(MIXED)))
    assert plan.waves() == (1, 2, 2, 1)
    assert plan.queues == ((0, 2, 4), (0, 1, 3, 5))
    assert [sorted(shards) for shards in plan.shards_of] == [[0, 1], [1], [0], [1], [0], [1]]


def with_threads(case: Case, threads: int) -> Case:
    return replace(case, config=replace(case.config, threads=threads))


@pytest.mark.parametrize("seed", range(6))
def test_the_number_of_shards_never_changes_the_result(seed: int) -> None:
    """The version 2 stress blocks (destroy and revival, clones, the miner read under
    ``each_tx``, gas cuts) on 1 to 9 shards: one result, the reference's."""
    case = seeded_v2_case(seed)
    expected = run_case(SequentialExecutor(), case, "memory").result_json
    for shards in range(1, 10):
        execution = run_case(
            make_executor("sharded", "seeded"), with_threads(case, shards), "memory"
        )
        assert execution.result_json == expected, shards
        assert execution.stats.tasks == shards


def test_under_each_tx_a_reader_of_the_miner_waits_for_every_shard() -> None:
    """The miner's balance gets every earlier fee: a transaction that may read it (a
    payment from the miner) involves both shards, and reads it with the fees of the
    transactions of both shards before it folded in."""
    case = two_shard_case(
        {"a": account(TOS=10), "d": account(TOS=10)},
        {},
        [burn("a", 0, fee=2), burn("d", 0, fee=3), transfer("m", 0, "a", 5), burn("d", 1, fee=1)],
    )
    case["format"] = "txparity.case/2"
    case["block"]["fee_payment"] = "each_tx"
    execution = run("sharded", "seeded", case)
    reference = json.loads(run("sequential", "seeded", case).result_json)
    assert execution.result_json == json.dumps(reference, sort_keys=True, separators=(",", ":"))
    assert [receipt["reason"] for receipt in reference["receipts"]] == [None] * 4
    assert reference["state"]["accounts"]["m"]["balances"] == {"TOS": 1}
    plan = ShardedExecutor().plan(decode_case(json.dumps(case)))
    assert [sorted(shards) for shards in plan.shards_of][2] == [0, 1]
    assert plan.waves() == (2, 1, 1)


# ---------------------------------------------------------------- planted bugs


def reasons(document: Json) -> list[str | None]:
    return [receipt["reason"] for receipt in document["receipts"]]


# c (shard 0) deposits 4 TOS into ``vault`` (shard 1), whose entry 0 reverts.
HALF_ABORT = two_shard_case(
    {"c": account(TOS=10), "e": account(TOS=1), "g": account(TOS=1), "h": account(TOS=1)},
    {"vault": contract({"0": [["REVERT"]]})},
    [invoke("c", 0, "vault", deposits={"TOS": 4}, max_gas=5), burn("e", 0), burn("g", 0),
     burn("h", 0)],
)  # fmt: skip


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_sharded_half_abort(schedule: str) -> None:
    """Bug: the reverted invoke's deposit is rolled back in c's shard (c keeps its 4
    TOS) but kept in the vault's: 4 TOS out of nothing."""
    reference, broken = check_exposes("sharded-half-abort", schedule, HALF_ABORT)
    assert reasons(reference) == ["revert", None, None, None]
    assert reference["state"]["contracts"]["vault"]["balances"] == {}
    assert broken["state"]["contracts"]["vault"]["balances"] == {"TOS": 4}
    assert broken["state"]["accounts"] == reference["state"]["accounts"]


# a (shard 0) pays d (shard 1), which then pays h (shard 1) on its own.
CROSS_LAST = two_shard_case(
    {"a": account(TOS=10), "d": account(), "e": account(TOS=1), "g": account(TOS=1)},
    {},
    [transfer("a", 0, "d", 5), transfer("d", 0, "h", 3), burn("e", 0), burn("g", 0)],
)


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_sharded_cross_last(schedule: str) -> None:
    """Bug: shard 1 runs d's local payment before a's cross-shard one, which brings d
    the funds: d's payment is rejected."""
    reference, broken = check_exposes("sharded-cross-last", schedule, CROSS_LAST)
    assert reasons(reference) == [None] * 4
    assert reasons(broken) == [None, "insufficient_funds", None, None]
    order = make_executor("sharded-cross-last").plan(decode_case(json.dumps(CROSS_LAST)))
    assert order.queues == ((2, 0), (1, 3, 0))


# c (shard 0) deploys a counter at c.0, which hashes to shard 1; d (shard 1) invokes it.
STALE_MAP = two_shard_case(
    {"c": account(), "d": account(TOS=100), "e": account(TOS=1), "g": account(TOS=1)},
    {},
    [deploy("c", 0, COUNTER), invoke("d", 0, "c.0", max_gas=30), burn("e", 0), burn("g", 0)],
)


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_sharded_stale_map(schedule: str) -> None:
    """Bug: by the map of the block's start, c.0 is in shard 1, where d's invoke runs
    and finds no contract; the deploy created it in c's shard 0."""
    reference, broken = check_exposes("sharded-stale-map", schedule, STALE_MAP)
    assert reasons(reference) == [None] * 4
    assert reference["state"]["contracts"]["c.0"]["storage"] == {"0": 1}
    assert reasons(broken) == [None, "no_contract", None, None]
    assert broken["state"]["contracts"]["c.0"]["storage"] == {}
