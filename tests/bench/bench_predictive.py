"""Aborts per transaction with and without the learned prediction.

Not a test: run it and read the figures.

    python -m tests.bench.bench_predictive [--blocks 200] [--schedule seeded]

Each workload is a sequence of blocks run in order through one executor object, so
that ``predictive`` learns from the blocks before each one, as in a campaign;
``blockstm`` runs the same blocks. Figures are per transaction, summed over the
sequence: incarnations, aborts (incarnations thrown away by validation) and
suspensions (reads that waited for an ESTIMATE, seeded or not); the last column is
the share of ``predictive``'s aborts against ``blockstm``'s. Every result is checked
against the reference.

Workloads:

- ``contended``: the first ``blocks`` blocks of the ``contended`` profile (a
  derandomized Hypothesis draw) that take the parallel path;
- ``moving``: ``blocks`` blocks of 32 transactions on 4 workers: 8 senders with
  running nonces each invoke the block's hot counter (one of 4, the hot one
  changes every 5 blocks) or pay a fresh account; the hot spot moves, and the
  history must follow it.
"""

from __future__ import annotations

import argparse
import json

from tests.bench.bench_roadmap import draw_blocks
from txparity.executors.codec import decode_case
from txparity.executors.execution import run_case
from txparity.executors.model import Case
from txparity.executors.registry import make_executor
from txparity.executors.sequential import SequentialExecutor

COUNTER = {"0": [["PUSH", 0], ["SLOAD"], ["PUSH", 1], ["ADD"], ["PUSH", 0], ["SSTORE"]]}
SENDERS = 8
COUNTERS = 4
BLOCK = 32
HOT_FOR = 5


def moving_block(number: int) -> Case:
    """Block ``number`` of the ``moving`` workload."""
    hot = f"c{number // HOT_FOR % COUNTERS}"
    senders = [f"s{i}" for i in range(SENDERS)]
    txs: list[dict[str, object]] = []
    for index in range(BLOCK):
        head = {"source": senders[index % SENDERS], "nonce": index // SENDERS, "fee": 1}
        if index % 4 != 3:
            txs.append({"kind": "invoke", "contract": hot, "entry": 0, "args": [],
                        "deposits": {}, "max_gas": 100, **head})  # fmt: skip
        else:
            outputs = [{"dest": f"r{number}x{index}", "asset": "TOS", "amount": 1}]
            txs.append({"kind": "transfer", "outputs": outputs, **head})
    return decode_case(json.dumps({
        "format": "txparity.case/1",
        "genesis": {
            "accounts": {s: {"nonce": 0, "balances": {"TOS": 10**6}} for s in senders},
            "contracts": {f"c{i}": {"code": COUNTER, "balances": {}, "storage": {}}
                          for i in range(COUNTERS)},
        },
        "block": {"miner": "m", "reward": 0, "txs": txs},
        "config": {"network": "devnet", "threads": 4, "schedule_seed": number},
    }))  # fmt: skip


def measure(blocks: list[Case], name: str, schedule: str) -> tuple[int, int, int, int]:
    """(transactions, incarnations, aborts, suspensions) over ``blocks``, run in order
    on one executor object."""
    executor = make_executor(name, schedule)
    totals = [0, 0, 0, 0]
    for case in blocks:
        execution = run_case(executor, case, "memory")
        expected = run_case(SequentialExecutor(), case, "memory").result_json
        if execution.result_json != expected:
            raise SystemExit(f"{name} disagrees with the reference")
        stats = execution.stats
        for position, figure in enumerate(
            (stats.transactions, stats.incarnations, stats.aborts, stats.suspensions)
        ):
            totals[position] += figure
    return totals[0], totals[1], totals[2], totals[3]


def report(label: str, blocks: list[Case], schedule: str) -> None:
    aborts: dict[str, int] = {}
    for name in ("blockstm", "predictive"):
        txs, incarnations, aborted, suspensions = measure(blocks, name, schedule)
        aborts[name] = aborted
        share = "" if name == "blockstm" else f"{aborted / max(aborts['blockstm'], 1):7.0%}"
        print(f"{label:10} {name:10} {len(blocks):6} {txs:6} {incarnations / txs:9.3f} "
              f"{aborted / txs:9.3f} {suspensions / txs:9.3f} {share}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=200)
    parser.add_argument("--schedule", default="seeded")
    arguments = parser.parse_args()
    print(f"{'workload':10} {'executor':10} {'blocks':>6} {'txs':>6} {'incarn/tx':>9} "
          f"{'aborts/tx':>9} {'susp/tx':>9} {'aborts':>7}")  # fmt: skip
    report("contended", draw_blocks("contended", arguments.blocks), arguments.schedule)
    report("moving", [moving_block(n) for n in range(arguments.blocks)], arguments.schedule)


if __name__ == "__main__":
    main()
