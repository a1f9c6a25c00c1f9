"""Planted-bug variants of the parallel executors, for the harness's self-test.

Each module holds one variant with one realistic bug: a small ``PlantedBug``
subclass of a correct executor that overrides one documented hook, says which real
bug it mirrors, and names the generator profile whose cases show it (``v2`` for
the bugs of SPEC 10's items, which only version 2 cases can show). They are
selectable by name like any executor and are never among the defaults: they exist
so that the harness can prove it finds and shrinks them.
"""

from __future__ import annotations

from txparity.executors.mutants.aborted_gas import AbortedGasBlockStm
from txparity.executors.mutants.absolute_fee import AbsoluteFeeBlockStm
from txparity.executors.mutants.batch_gas import BatchGasBatched
from txparity.executors.mutants.blind_upgrade import BlindUpgradeRwLock
from txparity.executors.mutants.callee_blind import CalleeBlindBatched
from txparity.executors.mutants.callee_slots import CalleeSlotsRwLock
from txparity.executors.mutants.contract_blind import ContractBlindBatched
from txparity.executors.mutants.cross_last import CrossLastSharded
from txparity.executors.mutants.destroy_blind import DestroyBlindBlockStm
from txparity.executors.mutants.half_abort import HalfAbortSharded
from txparity.executors.mutants.kept_logs import KeptLogsBlockStm
from txparity.executors.mutants.lost_fees import LostFeesBatched
from txparity.executors.mutants.no_sender_debit import NoSenderDebitBatched
from txparity.executors.mutants.no_validation import NoValidationBlockStm
from txparity.executors.mutants.planted import PlantedBug
from txparity.executors.mutants.racy_fees import RacyFeesBatched
from txparity.executors.mutants.receiver_blind import ReceiverBlindBatched
from txparity.executors.mutants.revived_storage import RevivedStorageBlockStm
from txparity.executors.mutants.stale_clone_nonce import StaleCloneNonceBlockStm
from txparity.executors.mutants.stale_map import StaleMapSharded
from txparity.executors.mutants.stale_miner import StaleMinerBatched
from txparity.executors.mutants.stale_read import StaleReadBlockStm
from txparity.executors.mutants.trusted_prediction import TrustedPredictionPredictive
from txparity.executors.mutants.trusted_reads import TrustedReadsRwLock

__all__ = ["MUTANTS", "PlantedBug"]

MUTANTS: dict[str, type[PlantedBug]] = {
    mutant.name: mutant
    for mutant in (
        ContractBlindBatched,
        NoSenderDebitBatched,
        ReceiverBlindBatched,
        CalleeBlindBatched,
        LostFeesBatched,
        RacyFeesBatched,
        NoValidationBlockStm,
        StaleReadBlockStm,
        # version 2 (SPEC 10)
        StaleMinerBatched,
        BatchGasBatched,
        RevivedStorageBlockStm,
        DestroyBlindBlockStm,
        KeptLogsBlockStm,
        AbsoluteFeeBlockStm,
        StaleCloneNonceBlockStm,
        AbortedGasBlockStm,
        # the roadmap's designs: read/write locks, shards, learned prediction
        BlindUpgradeRwLock,
        CalleeSlotsRwLock,
        TrustedReadsRwLock,
        HalfAbortSharded,
        CrossLastSharded,
        StaleMapSharded,
        TrustedPredictionPredictive,
    )
}
