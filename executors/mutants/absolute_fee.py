"""``blockstm-absolute-fee``: each fee recorded as the miner's absolute balance.

Mirrors the fee-recipient bugs of parallel executors (pevm's beneficiary handling,
Erigon's fee calculation): a fee credit merged as a new absolute balance instead of
added as a delta. Under ``each_tx`` this variant records, for later readers of the
miner's balance, the pre-block balance plus its own fee as the miner's new balance,
so the last fee-paying writer's value hides every fee before it: a transaction
that reads the miner's balance (the miner spending, ``BALANCEOF`` of the miner)
sees only one fee. The miner's committed balance is still summed right, so only
readers show it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from txparity.executors.blockstm import BlockStmExecutor
from txparity.executors.blockstm.executor import IncarnationView, miner_balance_key
from txparity.executors.blockstm.mvmemory import MemoryKey
from txparity.executors.model import StateValue
from txparity.executors.mutants.planted import PlantedBug
from txparity.executors.rules import Outcome

__all__ = ["AbsoluteFeeBlockStm"]


class AbsoluteFeeBlockStm(PlantedBug, BlockStmExecutor):
    name = "blockstm-absolute-fee"
    profile = "v2"

    def memory_writes(
        self, view: IncarnationView, outcome: Outcome
    ) -> Mapping[MemoryKey, StateValue]:
        writes: dict[MemoryKey, StateValue] = dict(outcome.write_set.writes.items())
        miner = miner_balance_key(view.context)
        fee = outcome.write_set.fee
        if miner is not None and fee:
            writes[miner] = cast(int, view.storage.read(miner)) + fee
        return writes
