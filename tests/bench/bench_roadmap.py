"""The parallelism the roadmap's executors keep, against ``batched``.

Not a test: run it and read the figures.

    python -m tests.bench.bench_roadmap [--blocks 200] [--schedule seeded]

For each generator profile, the first ``blocks`` drawn blocks (a derandomized
Hypothesis draw, so the same blocks every run) that take the parallel path, each
run once on ``schedule`` (schedule seed: the block's own):

- ``batched``: batches per block, transactions per batch;
- ``rwlock``: waves per block (the levels of whom each transaction waited for),
  transactions per wave, rounds per block (a round ends at a misprediction) and runs
  discarded past a cut per transaction;
- ``sharded``: waves per block (each transaction one step after its predecessors in
  each of its shards' queues), transactions per wave, and the share of cross-shard
  transactions;

then the hand-made block the roadmap names: 16 senders each writing its own slot of
one contract. Figures are sums over the blocks before dividing.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field

from hypothesis import HealthCheck, Phase, given, settings

from txparity.executors.codec import decode_case
from txparity.executors.execution import Stats, run_case
from txparity.executors.model import Case
from txparity.executors.registry import make_executor
from txparity.executors.rwlock import RwLockExecutor
from txparity.executors.sharded import ShardedExecutor
from txparity.harness.strategies import PROFILES, cases

KEYED = {"0": [["CALLER"], ["SLOAD"], ["ARG", 0], ["ADD"], ["CALLER"], ["SSTORE"]]}


def draw_blocks(profile: str, count: int) -> list[Case]:
    """The first ``count`` blocks of ``profile`` that take the parallel path."""
    drawn: list[Case] = []

    @settings(
        max_examples=count * 20, derandomize=True, database=None, deadline=None,
        phases=[Phase.generate], suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    @given(cases(profile))
    def collect(case: Case) -> None:
        if len(drawn) < count and len(case.block.txs) >= case.config.network.parallel_threshold:
            drawn.append(case)

    collect()
    return drawn


@dataclass(slots=True)
class Sums:
    blocks: int = 0
    txs: int = 0
    groups: int = 0  # batches or waves
    rounds: int = 0
    discarded: int = 0
    cross: int = 0
    samples: list[int] = field(default_factory=list)

    def add(self, stats: Stats, groups: int) -> None:
        self.blocks += 1
        self.txs += stats.transactions
        self.groups += groups
        self.rounds += stats.conflicts + 1
        self.discarded += stats.aborts
        self.cross += stats.conflicts


def measure(blocks: list[Case], name: str, schedule: str) -> Sums:
    sums = Sums()
    for case in blocks:
        executor = make_executor(name, schedule)
        stats = run_case(executor, case, "memory").stats
        if isinstance(executor, RwLockExecutor):
            sums.add(stats, len(executor.last_waves))
        elif isinstance(executor, ShardedExecutor):
            sums.add(stats, len(executor.plan(case).waves()))
        else:
            sums.add(stats, len(stats.batch_sizes))
    return sums


def report(label: str, blocks: list[Case], schedule: str) -> None:
    batched = measure(blocks, "batched", schedule)
    rwlock = measure(blocks, "rwlock", schedule)
    sharded = measure(blocks, "sharded", schedule)
    per = batched.blocks or 1
    print(
        f"{label:10} {batched.blocks:4} {batched.txs / per:6.1f} | "
        f"{batched.groups / per:6.2f} {batched.txs / max(batched.groups, 1):6.2f} | "
        f"{rwlock.groups / per:6.2f} {rwlock.txs / max(rwlock.groups, 1):6.2f} "
        f"{rwlock.rounds / per:6.2f} {rwlock.discarded / max(rwlock.txs, 1):6.3f} | "
        f"{sharded.groups / per:6.2f} {sharded.txs / max(sharded.groups, 1):6.2f} "
        f"{100 * sharded.cross / max(sharded.txs, 1):5.1f}%"
    )


def keyed_block() -> Case:
    senders = [f"s{i}" for i in range(16)]
    return decode_case(json.dumps({
        "format": "txparity.case/1",
        "genesis": {
            "accounts": {s: {"nonce": 0, "balances": {"TOS": 100}} for s in senders},
            "contracts": {"k": {"code": KEYED, "balances": {}, "storage": {}}},
        },
        "block": {"miner": "m", "reward": 0, "txs": [
            {"kind": "invoke", "source": s, "nonce": 0, "fee": 0, "contract": "k", "entry": 0,
             "args": [1], "deposits": {}, "max_gas": 30} for s in senders
        ]},
        "config": {"network": "devnet", "threads": 4, "schedule_seed": 0},
    }))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=200)
    parser.add_argument("--schedule", default="seeded")
    arguments = parser.parse_args()
    print(f"{'':10} {'':4} {'':6} | {'batched':13} | {'rwlock':27} | {'sharded':20}")
    print(f"{'profile':10} {'blks':>4} {'tx/blk':>6} | {'bat/blk':>6} {'tx/bat':>6} | "
          f"{'wav/blk':>6} {'tx/wav':>6} {'rnd/blk':>6} {'disc/tx':>6} | "
          f"{'wav/blk':>6} {'tx/wav':>6} {'cross':>6}")  # fmt: skip
    for profile in PROFILES:
        report(profile, draw_blocks(profile, arguments.blocks), arguments.schedule)
    report("16-slots", [keyed_block()], arguments.schedule)


if __name__ == "__main__":
    main()
