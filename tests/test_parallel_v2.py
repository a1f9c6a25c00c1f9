"""The parallel executors on SPEC 10: version 2 blocks against the reference.

Properties first: blocks drawn by ``tests.v2_blocks`` (destroy, revive and read in
one block, clones of one contract, ``BALANCEOF`` of the miner and the miner sending
under ``each_tx``, gas limits cutting mid-block, logs in nested and reverted calls)
must give, on both executors, both backends, every schedule and several seeds,
exactly the sequential result; the strategy is checked to reach each new item and
to expose each version 2 planted bug. Then hand-made blocks that pin how each executor
keeps its parallelism (statistics) while staying exact: the miner's fees do not
serialize a block, the gas cut does not send a block to the sequential path, and
Block-STM keeps the logs of a transaction's last incarnation only.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from functools import partial

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from tests import builders
from tests.builders import Json, account, transfer
from tests.v2_blocks import seeded_v2_case, v2_cases
from txparity.executors.codec import decode_case
from txparity.executors.execution import Execution, ExecutionPath, run_case
from txparity.executors.model import Case, Deploy, FeePayment, Invoke, Status, Transfer
from txparity.executors.mutants import MUTANTS
from txparity.executors.registry import CORRECT_PARALLEL, make_executor
from txparity.executors.sequential import SequentialExecutor
from txparity.executors.state import BACKENDS
from txparity.harness.differential import Runner
from txparity.harness.options import Options

SCHEDULES = ("threads", "seeded", "pct")
SEEDED_SCHEDULES = ("seeded", "pct")

invoke = partial(builders.invoke, max_gas=100)

# Entry 0 adds 1 to slot 0 and logs the new value (gas 1+5+1+2+1+3+1+10 = 24);
# entry 1 logs the miner's TOS balance (gas 2+3 = 5).
COUNTER_CODE: Json = {
    "0": [
        ["PUSH", 0], ["SLOAD"], ["PUSH", 1], ["ADD"], ["DUP"], ["LOG"], ["PUSH", 0],
        ["SSTORE"],
    ],
    "1": [["BALANCEOF", "m"], ["LOG"]],
}  # fmt: skip


def v2_case(
    accounts: Json,
    txs: list[Json],
    *,
    contracts: Json | None = None,
    seed: int = 0,
    **block: object,
) -> Case:
    document = {
        "format": "txparity.case/2",
        "genesis": {"accounts": accounts, "contracts": contracts or {}},
        "block": {"miner": "m", "reward": 0, "txs": txs, **block},
        "config": {"network": "devnet", "threads": 4, "schedule_seed": seed},
    }
    return decode_case(json.dumps(document))


def with_seed(case: Case, seed: int) -> Case:
    return replace(case, config=replace(case.config, schedule_seed=seed))


def sequential(case: Case) -> Execution:
    return run_case(SequentialExecutor(), case, "memory")


def assert_agrees_with_sequential(case: Case, seeds: Sequence[int]) -> None:
    expected = sequential(case).result_json
    for name in CORRECT_PARALLEL:
        for backend in BACKENDS:
            for schedule in SCHEDULES:
                for seed in seeds:
                    execution = run_case(
                        make_executor(name, schedule), with_seed(case, seed), backend
                    )
                    assert execution.result_json == expected, f"{name}@{backend}/{schedule} {seed}"
                    assert execution.stats.path is ExecutionPath.PARALLEL


# ---------------------------------------------------------------- 1. properties


def property_examples(floor: int) -> int:
    """A fifth of the profile's examples, at least ``floor``, never above the profile
    (each example is 24 runs, as in ``test_parallel``)."""
    profile = settings.default.max_examples
    return min(profile, max(floor, profile // 5))


@settings(max_examples=property_examples(20))
@given(case=v2_cases(), other_seed=st.integers(0, 2**32))
def test_parallel_executors_agree_with_sequential_on_version_2_blocks(
    case: Case, other_seed: int
) -> None:
    seed = case.config.schedule_seed
    assert_agrees_with_sequential(case, [seed, other_seed if other_seed != seed else seed + 1])


SWEEP_SEEDS = range(40)


@pytest.mark.parametrize("seed", SWEEP_SEEDS)
def test_parallel_executors_agree_on_the_seeded_version_2_sweep(seed: int) -> None:
    """The same strategy from fixed seeds: the same 40 blocks on every run, each under
    three schedule seeds."""
    case = seeded_v2_case(seed)
    assert_agrees_with_sequential(case, [seed, seed + 1000, seed + 2000])


def test_the_stress_blocks_reach_every_version_2_item() -> None:
    """The sweep is not vacuous: over its blocks, the reference destroys, revives and
    then reads one address, clones, fails a clone, reads the miner's balance and
    lets the miner send under each_tx, cuts blocks mid-way, and logs in nested
    calls and in calls that revert."""
    seen: Counter[str] = Counter()
    for seed in SWEEP_SEEDS:
        case = seeded_v2_case(seed)
        seen.update(what_happens(case, sequential(case)))
    assert seen.keys() == {
        "revival then read",
        "clone",
        "create_failed",
        "miner read under each_tx",
        "miner sends under each_tx",
        "cut mid-block",
        "nested logs",
        "logs of a reverted run dropped",
    }, seen
    assert min(seen.values()) >= 2, seen


def what_happens(case: Case, reference: Execution) -> set[str]:
    """Which version 2 events the reference's receipts of ``case`` show."""
    events: set[str] = set()
    each_tx = case.block.fee_payment is FeePayment.EACH_TX
    destroyed = revived = False
    outcomes = list(zip(case.block.txs, reference.receipts, strict=True))
    for index, (tx, receipt) in enumerate(outcomes):
        applied = receipt.status is Status.APPLIED
        match tx:
            case Invoke(contract="a0.s1", entry=2) if applied:
                destroyed = True
            case Deploy() if applied and destroyed:
                revived = True
            case Invoke(contract="a0.s1", entry=1) if applied and revived:
                events.add("revival then read")
            case Invoke(contract="factory", entry=0) if applied:
                events.add("clone")
            case Invoke(contract="probe") | Invoke(contract="watch", entry=2) if (
                applied and each_tx
            ):
                events.add("miner read under each_tx")
            case Transfer(source="m") if applied and each_tx:
                events.add("miner sends under each_tx")
            case Invoke(contract="watch", entry=1) if receipt.status is Status.REVERTED:
                events.add("logs of a reverted run dropped")
        if isinstance(tx, Invoke) and any(log.address != tx.contract for log in receipt.logs):
            events.add("nested logs")
        reasons = [r.reason.value if r.reason else None for r in reference.receipts]
        if reasons[index] == "create_failed":
            events.add("create_failed")
        later = reasons[index + 1 :]
        if applied and later and all(r is not None for r in later) and "block_full" in later:
            events.add("cut mid-block")
    return events


VERSION_2_BUGS = sorted(name for name, bug in MUTANTS.items() if bug.profile == "v2")
SEARCH = settings(
    max_examples=1000,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.parametrize("mutant", VERSION_2_BUGS)
def test_the_stress_blocks_expose_each_version_2_planted_bug(mutant: str) -> None:
    """The strategy stresses what the version 2 planted bugs get wrong: a derandomized
    search of at most 1000 blocks finds one on which each diverges from the
    reference on the seeded schedule, as the harness's runner sees it. (Each was
    found within the first 250 when this was written; the margin is for Hypothesis,
    whose draws also depend on the constants of the modules imported so far.)"""
    with Runner([f"{mutant}@memory/seeded"], Options(seeds=1)) as runner:
        found = find(
            v2_cases(),
            lambda case: bool(runner.check(case, confirm=False).divergences),
            settings=SEARCH,
        )
        assert runner.check(found).divergences


# ---------------------------------------------------------------- 2. each_tx fees


def independent_fee_payers(count: int, **block: object) -> Case:
    """``count`` transfers from distinct senders to distinct fresh receivers, fee 2."""
    accounts = {f"s{i}": account(TOS=100) for i in range(count)}
    txs = [transfer(f"s{i}", 0, f"r{i}", 5, fee=2) for i in range(count)]
    return v2_case(accounts, txs, **block)


@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize("fee_payment", ["block_end", "each_tx"])
def test_fees_paid_after_each_transaction_do_not_serialize_a_block(
    schedule: str, fee_payment: str
) -> None:
    """Eight independent fee payers: one batch, and no Block-STM abort on any seed,
    whether the miner is paid at the end or after each transaction."""
    for seed in range(4):
        case = with_seed(independent_fee_payers(8, fee_payment=fee_payment), seed)
        expected = sequential(case).result_json
        batched = run_case(make_executor("batched", schedule), case, "memory")
        assert batched.stats.batch_sizes == (8,)
        assert batched.result_json == expected
        blockstm = run_case(make_executor("blockstm", schedule), case, "memory")
        assert (blockstm.stats.incarnations, blockstm.stats.aborts) == (8, 0)
        assert blockstm.result_json == expected
    assert json.loads(expected)["state"]["accounts"]["m"] == {"balances": {"TOS": 16}, "nonce": 0}


def miner_reader_block(seed: int = 0) -> Case:
    """Three fee payers, the miner spending their fees, two more payers, then a
    contract logging the miner's balance (``each_tx``)."""
    accounts = {f"s{i}": account(TOS=100) for i in range(6)}
    txs = [
        transfer("s0", 0, "r0", 1, fee=3),
        transfer("s1", 0, "r1", 1, fee=3),
        transfer("s2", 0, "r2", 1, fee=3),
        transfer("m", 0, "r3", 9),  # needs all three fees: 9 TOS, reward 0
        transfer("s3", 0, "r4", 1, fee=1),
        invoke("s4", 0, "counter", entry=1, fee=1, max_gas=10),
    ]
    contracts = {"counter": {"code": COUNTER_CODE, "balances": {}, "storage": {}}}
    return v2_case(accounts, txs, contracts=contracts, seed=seed, fee_payment="each_tx")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("schedule", SCHEDULES)
def test_a_miner_reader_starts_a_batch_and_sees_every_earlier_fee(
    schedule: str, backend: str
) -> None:
    """Only the two transactions that touch the miner's balance close a batch: the
    miner's transfer (it needs the 9 TOS of fees paid before it) and the invoke
    that logs the miner's balance (1 fee after the miner spent the 9, plus 5 gas
    and 1 fee of its own, are not yet paid when it reads)."""
    case = miner_reader_block()
    reference = sequential(case)
    receipts = [receipt.to_json(case.version) for receipt in reference.receipts]
    assert receipts[3] == {"status": "applied", "reason": None, "gas_used": 0, "logs": []}
    assert receipts[5]["logs"] == [["counter", 1]]
    execution = run_case(make_executor("batched", schedule), case, backend)
    assert execution.stats.batch_sizes == (3, 2, 1)
    assert execution.stats.conflicts == 2
    assert execution.result_json == reference.result_json


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_blockstm_reads_the_miner_balance_through_every_fee_below(schedule: str) -> None:
    for seed in range(6):
        case = miner_reader_block(seed)
        execution = run_case(make_executor("blockstm", schedule), case, "sqlite")
        assert execution.result_json == sequential(case).result_json


# ---------------------------------------------------------------- 3. the gas limit


def counter_block(count: int, **block: object) -> Case:
    """``count`` senders each increment (and log) one counter once: 24 gas each."""
    accounts = {f"s{i}": account(TOS=1000) for i in range(count)}
    txs = [invoke(f"s{i}", 0, "counter", fee=1) for i in range(count)]
    contracts = {"counter": {"code": COUNTER_CODE, "balances": {}, "storage": {}}}
    return v2_case(accounts, txs, contracts=contracts, **block)


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_the_gas_cut_keeps_the_parallel_path_and_skips_the_batches_after_it(
    schedule: str,
) -> None:
    """Four counter increments (one batch each, they share the counter) interleaved
    with four independent transfers, limit 48: the second increment reaches it, so
    from the fifth transaction on everything is ``block_full``. Batched runs two
    batches and never the rest; both executors stay on the parallel path."""
    accounts = {f"s{i}": account(TOS=1000) for i in range(8)}
    txs: list[Json] = []
    for i in range(4):
        txs += [invoke(f"s{i}", 0, "counter", fee=1), transfer(f"s{i + 4}", 0, f"r{i}", 1, fee=1)]
    contracts = {"counter": {"code": COUNTER_CODE, "balances": {}, "storage": {}}}
    case = v2_case(accounts, txs, contracts=contracts, gas_limit=48, fee_payment="each_tx")
    reference = sequential(case)
    statuses = [(r.status.value, r.gas_used) for r in reference.receipts]
    assert statuses == [("applied", 24), ("applied", 0), ("applied", 24)] + [("rejected", 0)] * 5
    batched = run_case(make_executor("batched", schedule), case, "memory")
    assert batched.stats.path is ExecutionPath.PARALLEL
    assert batched.stats.batch_sizes == (2, 2)  # then (2,) and (2,) never run
    assert batched.stats.tasks == 4
    assert batched.result_json == reference.result_json
    blockstm = run_case(make_executor("blockstm", schedule), case, "memory")
    assert blockstm.stats.path is ExecutionPath.PARALLEL
    assert blockstm.result_json == reference.result_json
    assert json.loads(reference.result_json)["state"]["accounts"]["m"]["balances"] == {"TOS": 51}


@pytest.mark.parametrize("name", CORRECT_PARALLEL)
@pytest.mark.parametrize("limit", [0, 1, 24, 47, 48, 72, 95, 96, 1000])
def test_every_cut_of_a_contended_block_matches_the_reference(name: str, limit: int) -> None:
    """Each position of the cut (before, at and past each increment's gas) on a block
    where every transaction conflicts, seeded so Block-STM aborts and re-executes."""
    for seed in range(3):
        case = with_seed(counter_block(4, gas_limit=limit), seed)
        execution = run_case(make_executor(name, "seeded"), case, "memory")
        assert execution.result_json == sequential(case).result_json


# ---------------------------------------------------------------- 4. logs of the last incarnation


@pytest.mark.parametrize("schedule", SEEDED_SCHEDULES)
def test_blockstm_keeps_the_logs_of_the_last_incarnation_only(schedule: str) -> None:
    """Eight increments of one counter, each logging the value it wrote: the seeded
    schedules abort and re-execute, and every receipt still logs 1, 2, ... 8."""
    aborts = 0
    for seed in range(4):
        case = with_seed(counter_block(8), seed)
        execution = run_case(make_executor("blockstm", schedule), case, "memory")
        logs = [[log.to_json() for log in receipt.logs] for receipt in execution.receipts]
        assert logs == [[["counter", value]] for value in range(1, 9)]
        assert execution.result_json == sequential(case).result_json
        aborts += execution.stats.aborts
    assert aborts > 0
