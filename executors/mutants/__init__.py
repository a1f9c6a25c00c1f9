"""Planted-bug variants of the parallel executors, for the harness's self-test.

Each module holds one variant with one realistic bug: a small ``PlantedBug``
subclass of a correct executor that overrides one documented hook, says which real
bug it mirrors, and names the generator profile whose cases show it. They are
selectable by name like any executor and are never among the defaults: they exist
so that the harness can prove it finds and shrinks them.
"""

from __future__ import annotations

from txparity.executors.mutants.callee_blind import CalleeBlindBatched
from txparity.executors.mutants.contract_blind import ContractBlindBatched
from txparity.executors.mutants.lost_fees import LostFeesBatched
from txparity.executors.mutants.no_sender_debit import NoSenderDebitBatched
from txparity.executors.mutants.no_validation import NoValidationBlockStm
from txparity.executors.mutants.planted import PlantedBug
from txparity.executors.mutants.racy_fees import RacyFeesBatched
from txparity.executors.mutants.receiver_blind import ReceiverBlindBatched
from txparity.executors.mutants.stale_read import StaleReadBlockStm

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
    )
}
