"""``blockstm-kept-logs``: a receipt keeps the logs of aborted incarnations.

Mirrors Polygon Bor's parallel executor producing the same post-state with
different logs (bor PR 2268: the receipt hash differed): logs collected per
transaction across executions, so a transaction that was executed again kept its
earlier execution's logs before its own. Here what a transaction keeps after each
incarnation appends the new logs to the ones kept before, instead of replacing
them; state is untouched, only receipts differ, and only when a transaction that
logs is aborted and executed again.
"""

from __future__ import annotations

from dataclasses import replace

from txparity.executors.blockstm import BlockStmExecutor
from txparity.executors.blockstm.executor import Kept
from txparity.executors.mutants.planted import PlantedBug
from txparity.executors.rules import Outcome

__all__ = ["KeptLogsBlockStm"]


class KeptLogsBlockStm(PlantedBug, BlockStmExecutor):
    name = "blockstm-kept-logs"
    profile = "v2"

    def keep(self, previous: Kept | None, latest: Outcome) -> Kept:
        if previous is None:
            return super().keep(previous, latest)
        logs = previous.outcome.receipt.logs + latest.receipt.logs
        receipt = replace(latest.receipt, logs=logs)
        return Kept(Outcome(receipt, latest.write_set), latest.receipt.gas_used)
