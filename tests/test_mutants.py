"""Each planted-bug variant (``executors.mutants``) against a minimal case that shows it.

For every mutant there is a hand-written block of four transactions, the fewest that
take the parallel path on devnet (SPEC 9), on which the mutant's canonical result
differs from the ``SequentialExecutor``'s while the correct executor it derives from
(``batched`` or ``blockstm``) agrees with the sequential one on the same case and
schedule. Each test asserts the exact part of the state the bug corrupts.

Bugs in conflict keys and merges show on every schedule, because a batch's
transactions all read the state as it stood when the batch began; those tests run
on each schedule. The fee race and the two Block-STM bugs need a particular
interleaving: their cases pin a ``schedule_seed`` of the ``seeded`` schedule found
by searching seeds 0 to 199 (the counts below are from that search).
"""

from __future__ import annotations

import copy
import inspect
import json
import sys

import pytest

from tests.builders import Json, account, invoke, transfer
from txparity.executors.batched import BatchedExecutor
from txparity.executors.blockstm import BlockStmExecutor
from txparity.executors.blockstm.mvmemory import MVMemory
from txparity.executors.codec import decode_case
from txparity.executors.execution import Execution, ExecutionPath, run_case
from txparity.executors.mutants import MUTANTS
from txparity.executors.registry import CORRECT_PARALLEL, EXECUTORS, make_executor, parse_name
from txparity.executors.schedule import SCHEDULES
from txparity.executors.sequential import SequentialExecutor
from txparity.harness.strategies import PROFILES

# Entry 0 increments storage slot 0: PUSH 0, SLOAD, PUSH 1, ADD, PUSH 0, SSTORE (gas 20).
COUNTER = {"0": [["PUSH", 0], ["SLOAD"], ["PUSH", 1], ["ADD"], ["PUSH", 0], ["SSTORE"]]}
# Entry 0 calls entry 0 of ``lib`` (gas 20 + the callee's).
CALLS_LIB = {"0": [["CALL", "lib", 0, 0]]}

# ---------------------------------------------------------------- case building


def contract(code: Json) -> Json:
    return {"code": code, "balances": {}, "storage": {}}


def make_case(accounts: Json, contracts: Json, txs: list[Json], seed: int = 0) -> Json:
    return {
        "format": "txparity.case/1",
        "genesis": {"accounts": accounts, "contracts": contracts},
        "block": {"miner": "m", "reward": 0, "txs": txs},
        "config": {"network": "devnet", "threads": 4, "schedule_seed": seed},
    }


def with_seed(case: Json, seed: int) -> Json:
    changed = copy.deepcopy(case)
    changed["config"]["schedule_seed"] = seed
    return changed


def run(name: str, schedule: str, case: Json) -> Execution:
    decoded = decode_case(json.dumps(case))
    if name == "sequential":
        return run_case(SequentialExecutor(), decoded, "memory")
    return run_case(make_executor(name, schedule), decoded, "memory")


def state(execution: Execution) -> Json:
    document: Json = json.loads(execution.result_json)
    result: Json = document["state"]
    return result


def check_exposes(mutant: str, base: str, schedule: str, case: Json) -> tuple[Json, Json]:
    """Assert the mutant diverges and its base agrees; return (reference, mutant) states."""
    reference = run("sequential", schedule, case)
    correct = run(base, schedule, case)
    broken = run(mutant, schedule, case)
    assert len(case["block"]["txs"]) == 4
    assert broken.stats.path is ExecutionPath.PARALLEL
    assert correct.stats.path is ExecutionPath.PARALLEL
    assert correct.result_json == reference.result_json
    assert broken.result_json != reference.result_json
    return state(reference), state(broken)


# ---------------------------------------------------------------- the cases

# Two senders invoke one counter contract twice each.
CONTRACT_BLIND = make_case(
    {"a": account(TOS=40), "b": account(TOS=40)},
    {"c": contract(COUNTER)},
    [
        invoke("a", 0, "c", max_gas=20),
        invoke("b", 0, "c", max_gas=20),
        invoke("a", 1, "c", max_gas=20),
        invoke("b", 1, "c", max_gas=20),
    ],
)

# One sender pays b four times.
NO_SENDER_DEBIT = make_case(
    {"a": account(TOS=100)},
    {},
    [transfer("a", nonce, "b", 10) for nonce in range(4)],
)

# Two senders pay one receiver r twice each.
RECEIVER_BLIND = make_case(
    {"a": account(TOS=20), "b": account(TOS=20)},
    {},
    [transfer(source, nonce, "r", 10) for nonce in (0, 1) for source in ("a", "b")],
)

TWO_CALLERS = (("a", "c1"), ("b", "c2"))
# Two senders invoke two different contracts, both of which call the counter lib.
CALLEE_BLIND = make_case(
    {"a": account(TOS=80), "b": account(TOS=80)},
    {"c1": contract(CALLS_LIB), "c2": contract(CALLS_LIB), "lib": contract(COUNTER)},
    [
        invoke(source, nonce, target, max_gas=40)
        for nonce in (0, 1)
        for source, target in TWO_CALLERS
    ],
)

# One sender makes four transfers with a fee of 1 each: four one-tx batches.
LOST_FEES = make_case(
    {"a": account(TOS=100)},
    {},
    [transfer("a", nonce, "b", 10, fee=1) for nonce in range(4)],
)

# Four senders, four receivers, fee 1 each: one batch of four, one tx per worker.
RACY_FEES_SEED = 0
RACY_FEES_CLEAN_SEED = 1
RACY_FEES = make_case(
    {name: account(TOS=10) for name in "abde"},
    {},
    [transfer(name, 0, name + "r", 1, fee=1) for name in "abde"],
    seed=RACY_FEES_SEED,
)

# Four senders each increment one counter contract once.
COUNTER_BLOCK = make_case(
    {name: account(TOS=20) for name in "abde"},
    {"c": contract(COUNTER)},
    [invoke(name, 0, "c", max_gas=20) for name in "abde"],
)
NO_VALIDATION_SEED = 0
NO_VALIDATION = with_seed(COUNTER_BLOCK, NO_VALIDATION_SEED)
STALE_READ_SEED = 15
STALE_READ = with_seed(COUNTER_BLOCK, STALE_READ_SEED)

TESTED = {
    "batched-contract-blind",
    "batched-no-sender-debit",
    "batched-receiver-blind",
    "batched-callee-blind",
    "batched-lost-fees",
    "batched-racy-fees",
    "blockstm-no-validation",
    "blockstm-stale-read",
}


# ---------------------------------------------------------------- the registry


def test_every_mutant_has_a_test_here() -> None:
    assert set(MUTANTS) == TESTED


def overridden(variant: type) -> dict[str, str]:
    """Each method ``variant`` defines itself -> the docstring of what it overrides."""
    base = variant.__mro__[1:]
    return {
        name: next(inspect.getdoc(getattr(cls, name)) or "" for cls in base if hasattr(cls, name))
        for name, value in vars(variant).items()
        if inspect.isfunction(value)
    }


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_each_mutant_overrides_documented_hooks_and_says_what_it_mirrors(name: str) -> None:
    """A planted bug overrides only methods documented as hooks (its memory's, for a
    Block-STM variant that brings its own), names the real bug it mirrors, and names
    a generator profile that shows it."""
    variant = MUTANTS[name]
    hooks = overridden(variant)
    memory = type(variant().make_memory(1)) if issubclass(variant, BlockStmExecutor) else None
    if memory is not None and memory is not MVMemory:
        hooks |= overridden(memory)
    assert hooks
    assert all(doc.startswith("Hook: ") for doc in hooks.values()), hooks
    module_doc = inspect.getdoc(sys.modules[variant.__module__]) or ""
    assert module_doc.startswith(f"``{name}``: ")
    assert "Mirrors " in module_doc
    assert variant.profile in PROFILES


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_mutants_are_selectable_by_name_and_never_correct(name: str) -> None:
    assert name not in CORRECT_PARALLEL
    assert EXECUTORS[name] is MUTANTS[name]
    parsed = parse_name(name)
    assert (parsed.executor, parsed.backend, parsed.schedule) == (name, "memory", "threads")
    assert str(parse_name(f"{name}@memory/pct")) == f"{name}@memory/pct"
    executor = make_executor(name, "seeded")
    assert executor.name == name
    base = BatchedExecutor if name.startswith("batched-") else BlockStmExecutor
    assert isinstance(executor, base)
    assert base.name in CORRECT_PARALLEL


# ---------------------------------------------------------------- schedule-independent


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_batched_contract_blind(schedule: str) -> None:
    """Bug: conflict keys ignore contracts, so a's and b's invokes of the counter c
    share a batch (batches [0, 1], [2, 3]) and each pair reads slot 0 from one
    snapshot: every batch loses an increment. The correct keys put c in every
    invoke's key set, one batch each."""
    reference, broken = check_exposes("batched-contract-blind", "batched", schedule, CONTRACT_BLIND)
    assert reference["contracts"]["c"]["storage"] == {"0": 4}
    assert broken["contracts"]["c"]["storage"] == {"0": 2}
    assert broken["accounts"] == reference["accounts"]
    plan = run("batched-contract-blind", schedule, CONTRACT_BLIND).stats.batch_sizes
    assert plan == (2, 2)


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_batched_no_sender_debit(schedule: str) -> None:
    """Bug: the merge of a transfer's write set adds the output amounts back to the
    sender. Any included transfer on the parallel path shows it: a pays b 4 x 10
    and keeps all 100 instead of 60; b is credited normally."""
    reference, broken = check_exposes(
        "batched-no-sender-debit", "batched", schedule, NO_SENDER_DEBIT
    )
    assert reference["accounts"]["a"] == {"balances": {"TOS": 60}, "nonce": 4}
    assert broken["accounts"]["a"] == {"balances": {"TOS": 100}, "nonce": 4}
    assert (
        broken["accounts"]["b"]
        == reference["accounts"]["b"]
        == {
            "balances": {"TOS": 40},
            "nonce": 0,
        }
    )


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_batched_receiver_blind(schedule: str) -> None:
    """Bug: a transfer is keyed by its source only, so a -> r and b -> r share a
    batch and both credit r from the same snapshot balance: r ends with 20, not
    40. The correct keys include r, which serializes all four transfers."""
    reference, broken = check_exposes("batched-receiver-blind", "batched", schedule, RECEIVER_BLIND)
    assert reference["accounts"]["r"] == {"balances": {"TOS": 40}, "nonce": 0}
    assert broken["accounts"]["r"] == {"balances": {"TOS": 20}, "nonce": 0}
    assert run("batched-receiver-blind", schedule, RECEIVER_BLIND).stats.batch_sizes == (2, 2)


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_batched_callee_blind(schedule: str) -> None:
    """Bug: an invoke is keyed by its own contract but not by what it reaches
    through CALL, so a's invoke of c1 and b's invoke of c2 share a batch although
    both increment lib's counter: one increment per batch is lost (2, not 4)."""
    reference, broken = check_exposes("batched-callee-blind", "batched", schedule, CALLEE_BLIND)
    assert reference["contracts"]["lib"]["storage"] == {"0": 4}
    assert broken["contracts"]["lib"]["storage"] == {"0": 2}
    assert run("batched-callee-blind", schedule, CALLEE_BLIND).stats.batch_sizes == (2, 2)


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_batched_lost_fees(schedule: str) -> None:
    """Bug: each batch's fee total replaces the block's instead of adding to it.
    Four transfers from one sender make four batches, so the miner is paid only
    the last batch's fee: 1 instead of 4 (the sender still pays all four)."""
    reference, broken = check_exposes("batched-lost-fees", "batched", schedule, LOST_FEES)
    assert reference["accounts"]["m"] == {"balances": {"TOS": 4}, "nonce": 0}
    assert broken["accounts"]["m"] == {"balances": {"TOS": 1}, "nonce": 0}
    assert broken["accounts"]["a"] == reference["accounts"]["a"]
    assert run("batched-lost-fees", schedule, LOST_FEES).stats.batch_sizes == (1, 1, 1, 1)


# ---------------------------------------------------------------- schedule-dependent


def test_batched_racy_fees() -> None:
    """Bug: the batch's fee counter is read, then written, with an interleaving point
    between. The four disjoint transfers form one batch on four workers; on seeded
    seed 0 one worker's read of the total is overwritten by another's write, so the
    miner gets 3 instead of 4 (136 of seeds 0-199 diverge)."""
    reference, broken = check_exposes("batched-racy-fees", "batched", "seeded", RACY_FEES)
    assert reference["accounts"]["m"] == {"balances": {"TOS": 4}, "nonce": 0}
    assert broken["accounts"]["m"] == {"balances": {"TOS": 3}, "nonce": 0}
    assert run("batched-racy-fees", "seeded", RACY_FEES).stats.batch_sizes == (4,)


def test_batched_racy_fees_depends_on_the_schedule() -> None:
    """The same block on seed 1 interleaves the reads and writes harmlessly."""
    clean = with_seed(RACY_FEES, RACY_FEES_CLEAN_SEED)
    assert run("batched-racy-fees", "seeded", clean).result_json == (
        run("sequential", "seeded", clean).result_json
    )


def test_blockstm_no_validation() -> None:
    """Bug: validation always passes. Four invokes increment one counter; on seeded
    seed 0, tx 1 reads slot 0 before tx 0 has recorded its write, so it reads the
    pre-block 0 and writes 1, and nothing ever re-checks that read: the counter
    ends at 3, not 4 (158 of seeds 0-199 diverge). The correct executor's
    validation aborts and re-executes tx 1."""
    reference, broken = check_exposes("blockstm-no-validation", "blockstm", "seeded", NO_VALIDATION)
    assert reference["contracts"]["c"]["storage"] == {"0": 4}
    assert broken["contracts"]["c"]["storage"] == {"0": 3}
    stats = run("blockstm-no-validation", "seeded", NO_VALIDATION).stats
    assert (stats.incarnations, stats.aborts) == (4, 0)
    # The correct executor's validation catches the stale reads and re-executes.
    assert run("blockstm", "seeded", NO_VALIDATION).stats.aborts == 3


def test_blockstm_stale_read() -> None:
    """Bug: multi-version memory reads past ESTIMATE markers to the next older
    version. On seeded seed 15, tx 2 fails validation and its write to slot 0
    becomes an ESTIMATE; tx 3 then reads slot 0 and, instead of waiting for tx 2,
    takes tx 1's older value. Its validation, run while tx 2 is still an ESTIMATE,
    skips the marker the same way and passes, and tx 2's re-execution writes no new
    item, so tx 3 is never checked again: the counter ends at 3, not 4 (12 of seeds
    0-199 diverge). The correct memory returns the ESTIMATE and tx 3 waits."""
    reference, broken = check_exposes("blockstm-stale-read", "blockstm", "seeded", STALE_READ)
    assert reference["contracts"]["c"]["storage"] == {"0": 4}
    assert broken["contracts"]["c"]["storage"] == {"0": 3}
    stats = run("blockstm-stale-read", "seeded", STALE_READ).stats
    assert (stats.incarnations, stats.aborts, stats.suspensions) == (5, 1, 0)
    # The correct memory answers tx 3's read with the ESTIMATE: tx 3 suspends on tx 2.
    assert run("blockstm", "seeded", STALE_READ).stats.suspensions == 1


@pytest.mark.parametrize(
    ("mutant", "case"),
    [
        ("batched-racy-fees", RACY_FEES),
        ("blockstm-no-validation", NO_VALIDATION),
        ("blockstm-stale-read", STALE_READ),
    ],
)
def test_seeded_divergence_replays_exactly(mutant: str, case: Json) -> None:
    """A pinned seed is a reproducer: the same case and seed give the same result
    and the same trace again."""
    first = run(mutant, "seeded", case)
    second = run(mutant, "seeded", case)
    assert first.result_json == second.result_json
    assert first.trace == second.trace
    assert first.trace
