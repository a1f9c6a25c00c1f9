"""Executor names to executor objects; the only module that knows every executor.

A name is ``NAME``, ``NAME@BACKEND``, ``NAME/SCHEDULE`` or ``NAME@BACKEND/SCHEDULE``
(``blockstm@sqlite/pct``). The schedule only matters to parallel executors.
Planted-bug variants are selectable by name like any executor but are never among
the defaults.

Knowing the names costs nothing: ``WHERE`` maps each name to the module and class
that implement it, as text, and a module is imported only when an executor of it
is made or its class is asked for (``EXECUTORS[name]``). ``txparity run``, which
restarts with every ``cmd:`` executor built on it, loads the one executor it runs,
not all of them with every planted bug. The schedule names live here too, so that
checking a name never loads the schedules' machinery (threads, greenlets).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from txparity.executors.errors import require_known
from txparity.executors.state import check_backend

if TYPE_CHECKING:
    from txparity.executors.execution import Executor

__all__ = [
    "CORRECT_PARALLEL",
    "DEFAULT_WATCHDOG_S",
    "EXECUTORS",
    "PLANTED_BUGS",
    "REFERENCE_EXECUTOR",
    "SCHEDULES",
    "WHERE",
    "ExecutorName",
    "check_executor",
    "check_schedule",
    "executor_class",
    "make_executor",
    "parse_name",
]

SCHEDULES = ("threads", "seeded", "pct")  # built by ``executors.schedule.make_schedule``
DEFAULT_WATCHDOG_S = 10.0  # the per-case limit on a parallel executor's workers

REFERENCE_EXECUTOR = "sequential"  # SPEC 5 as code; it takes no schedule or watchdog
_EXECUTORS = "txparity.executors"
_MUTANTS = f"{_EXECUTORS}.mutants"
# Each name -> "module:class" of what implements it, in the order errors list them.
_PARALLEL: Mapping[str, str] = {
    "batched": f"{_EXECUTORS}.batched:BatchedExecutor",
    "blockstm": f"{_EXECUTORS}.blockstm:BlockStmExecutor",
    "rwlock": f"{_EXECUTORS}.rwlock:RwLockExecutor",
    "sharded": f"{_EXECUTORS}.sharded:ShardedExecutor",
    "predictive": f"{_EXECUTORS}.predictive:PredictiveExecutor",
}
# Each planted bug's name is also its class's ``name`` (a test holds them equal).
_PLANTED: Mapping[str, str] = {
    "batched-contract-blind": f"{_MUTANTS}.contract_blind:ContractBlindBatched",
    "batched-no-sender-debit": f"{_MUTANTS}.no_sender_debit:NoSenderDebitBatched",
    "batched-receiver-blind": f"{_MUTANTS}.receiver_blind:ReceiverBlindBatched",
    "batched-callee-blind": f"{_MUTANTS}.callee_blind:CalleeBlindBatched",
    "batched-lost-fees": f"{_MUTANTS}.lost_fees:LostFeesBatched",
    "batched-racy-fees": f"{_MUTANTS}.racy_fees:RacyFeesBatched",
    "blockstm-no-validation": f"{_MUTANTS}.no_validation:NoValidationBlockStm",
    "blockstm-stale-read": f"{_MUTANTS}.stale_read:StaleReadBlockStm",
    # version 2 (SPEC 10)
    "batched-stale-miner": f"{_MUTANTS}.stale_miner:StaleMinerBatched",
    "batched-batch-gas": f"{_MUTANTS}.batch_gas:BatchGasBatched",
    "blockstm-revived-storage": f"{_MUTANTS}.revived_storage:RevivedStorageBlockStm",
    "blockstm-destroy-blind": f"{_MUTANTS}.destroy_blind:DestroyBlindBlockStm",
    "blockstm-kept-logs": f"{_MUTANTS}.kept_logs:KeptLogsBlockStm",
    "blockstm-absolute-fee": f"{_MUTANTS}.absolute_fee:AbsoluteFeeBlockStm",
    "blockstm-stale-clone-nonce": f"{_MUTANTS}.stale_clone_nonce:StaleCloneNonceBlockStm",
    "blockstm-aborted-gas": f"{_MUTANTS}.aborted_gas:AbortedGasBlockStm",
    # the roadmap's designs: read/write locks, shards, learned prediction
    "rwlock-blind-upgrade": f"{_MUTANTS}.blind_upgrade:BlindUpgradeRwLock",
    "rwlock-callee-slots": f"{_MUTANTS}.callee_slots:CalleeSlotsRwLock",
    "rwlock-trusted-reads": f"{_MUTANTS}.trusted_reads:TrustedReadsRwLock",
    "sharded-half-abort": f"{_MUTANTS}.half_abort:HalfAbortSharded",
    "sharded-cross-last": f"{_MUTANTS}.cross_last:CrossLastSharded",
    "sharded-stale-map": f"{_MUTANTS}.stale_map:StaleMapSharded",
    "predictive-trusted-prediction": f"{_MUTANTS}.trusted_prediction:TrustedPredictionPredictive",
}
WHERE: Mapping[str, str] = {
    REFERENCE_EXECUTOR: f"{_EXECUTORS}.sequential:SequentialExecutor",
    **_PARALLEL,
    **_PLANTED,
}
CORRECT_PARALLEL = tuple(_PARALLEL)
PLANTED_BUGS = tuple(_PLANTED)  # never among the defaults


def executor_class(name: str) -> type[Executor]:
    """The class of the executor ``name``, its module imported now if it was not
    yet; ``UnknownExecutor`` for an unknown name."""
    module, _, attribute = WHERE[check_executor(name)].partition(":")
    found: type[Executor] = getattr(importlib.import_module(module), attribute)
    return found


class _Classes(Mapping[str, "type[Executor]"]):
    """Every executor's name, in ``WHERE``'s order, to its class, each imported when
    first looked up."""

    def __getitem__(self, name: str) -> type[Executor]:
        if name not in WHERE:
            raise KeyError(name)
        return executor_class(name)

    def __contains__(self, name: object) -> bool:
        return name in WHERE  # without importing anything

    def __iter__(self) -> Iterator[str]:
        return iter(WHERE)

    def __len__(self) -> int:
        return len(WHERE)


EXECUTORS: Mapping[str, type[Executor]] = _Classes()


@dataclass(frozen=True, slots=True)
class ExecutorName:
    """A parsed executor name."""

    executor: str
    backend: str
    schedule: str

    def __str__(self) -> str:
        return f"{self.executor}@{self.backend}/{self.schedule}"


def parse_name(
    text: str, default_backend: str = "memory", default_schedule: str = "threads"
) -> ExecutorName:
    """Parse an executor name; raise ``UnknownExecutor`` naming the unknown part."""
    rest, _, schedule = text.partition("/")
    name, _, backend = rest.partition("@")
    backend, schedule = backend or default_backend, schedule or default_schedule
    return ExecutorName(check_executor(name), check_backend(backend), check_schedule(schedule))


def make_executor(
    name: str, schedule: str = "threads", watchdog_s: float = DEFAULT_WATCHDOG_S
) -> Executor:
    """A new executor object for a known name; ``UnknownExecutor`` for any other.
    The schedule and the watchdog only matter to a parallel executor."""
    made: Callable[..., Executor] = executor_class(name)
    return made() if name == REFERENCE_EXECUTOR else made(schedule, watchdog_s)


def check_executor(name: str) -> str:
    """``name`` if it names an executor; else ``UnknownExecutor`` listing them."""
    return require_known("executor", name, list(WHERE))


def check_schedule(name: str) -> str:
    """``name`` if it names a schedule; else ``UnknownExecutor`` listing them."""
    return require_known("schedule", name, SCHEDULES)
