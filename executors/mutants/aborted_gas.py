"""``blockstm-aborted-gas``: the block gas limit counts aborted incarnations.

Mirrors the pitfall of a block gas limit under optimistic execution (Aptos' block
gas limit, which must count committed transactions only): gas added up as
incarnations finish rather than as transactions commit. This variant adds the gas
of every incarnation a transaction ran to the gas its commit counts, so a block
whose transactions were aborted and executed again reaches its limit early and
rejects as ``block_full`` transactions the reference includes.
"""

from __future__ import annotations

from txparity.executors.blockstm import BlockStmExecutor
from txparity.executors.blockstm.executor import Kept
from txparity.executors.mutants.planted import PlantedBug
from txparity.executors.rules import Outcome

__all__ = ["AbortedGasBlockStm"]


class AbortedGasBlockStm(PlantedBug, BlockStmExecutor):
    name = "blockstm-aborted-gas"
    profile = "v2"

    def keep(self, previous: Kept | None, latest: Outcome) -> Kept:
        kept = super().keep(previous, latest)
        if previous is None:
            return kept
        return Kept(kept.outcome, previous.gas + kept.gas)
