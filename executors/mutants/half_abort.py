"""``sharded-half-abort``: a failed cross-shard transaction applied in one shard only.

Mirrors a two-phase commit whose abort reaches the coordinator and not a
participant: an invoke whose deposits move from the sender's shard to the
contract's is prepared in both (the debit in one, the credit in the other); when
the run reverts, the sender's shard rolls its debit back, as the rules say, but the
contract's shard keeps the credit it prepared, so the deposit is created out of
nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from txparity.executors.model import (
    ContractBalanceKey,
    Invoke,
    StateKey,
    StateValue,
    Status,
)
from txparity.executors.mutants.planted import PlantedBug
from txparity.executors.rules import Outcome
from txparity.executors.sharded import ShardedExecutor, ShardRun

__all__ = ["HalfAbortSharded"]


class HalfAbortSharded(PlantedBug, ShardedExecutor):
    name = "sharded-half-abort"
    profile = "contracts"

    def portion(
        self, run: ShardRun, tx: int, outcome: Outcome, shard: int
    ) -> Mapping[StateKey, StateValue]:
        portion = dict(super().portion(run, tx, outcome, shard))
        invoke = run.txs[tx]
        if (
            isinstance(invoke, Invoke)
            and outcome.receipt.status is Status.REVERTED
            and run.home(invoke.contract) == shard != run.home(invoke.source)
        ):
            for asset, amount in invoke.deposits.items():
                key = ContractBalanceKey(invoke.contract, asset)
                portion[key] = cast(int, run.read(shard, key)) + amount
        return portion
