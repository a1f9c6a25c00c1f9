"""The parallelism the executors keep on version 2 blocks.

Not a test: run it and read the figures.

    python -m tests.bench.bench_parallel_v2 [--runs 5] [--size 64] [--blocks 40]

For batched: batches per block and transactions per batch (of the batches that ran;
a block cut by its gas limit runs fewer). For Block-STM: incarnations and aborts per
transaction, on the ``seeded`` schedule with 4 workers (run ``r`` uses schedule
seed ``r``). Each figure is the median over ``runs`` runs; the ratio column divides
it by the first row of its workload, measured in the same process.

Workloads:

- ``market`` (deterministic, ``size`` transactions, no version 2 op): 8 senders
  with consecutive nonces pay fresh receivers or increment one of two counters,
  and every eighth transaction the miner sends 1 TOS; all pay a fee. It runs as a
  version 1 case, then relabelled version 2 with fees at the block's end or after
  each transaction (where the miner's transfers must see every earlier fee), each
  without a gas limit and with one at half the block's gas.
- ``stress``: the first ``blocks`` blocks of the version 2 stress strategy
  (``tests/v2_blocks.py``: destroy and revival, clones, reads of the miner, nested
  and reverted logs), each run with its fee payment and gas limit replaced by the
  four combinations; relabelling them version 1 is meaningless (they use version 2
  ops). Figures are summed over the blocks before dividing.
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections.abc import Callable, Sequence
from dataclasses import replace

from tests.v2_blocks import seeded_v2_case
from txparity.executors.batched import BatchedExecutor
from txparity.executors.codec import decode_case
from txparity.executors.execution import Stats, run_case
from txparity.executors.model import BlockContext, Case, FeePayment, Version
from txparity.executors.registry import make_executor
from txparity.executors.sequential import SequentialExecutor
from txparity.executors.state import open_state

COUNTER = {"0": [["PUSH", 0], ["SLOAD"], ["PUSH", 1], ["ADD"], ["PUSH", 0], ["SSTORE"]]}
SENDERS = 8
COUNTERS = 2
Variant = tuple[str, Callable[[Case], Case]]


def market(size: int) -> Case:
    """The deterministic ``market`` block, as a version 1 case."""
    senders = [f"s{i}" for i in range(SENDERS)]
    accounts = {s: {"nonce": 0, "balances": {"TOS": 10**6}} for s in senders}
    contracts = {f"c{i}": {"code": COUNTER, "balances": {}, "storage": {}} for i in range(COUNTERS)}
    txs: list[dict[str, object]] = []
    miner_nonce = 0
    for index in range(size):
        if index % 8 == 7:
            outputs = [{"dest": f"x{index}", "asset": "TOS", "amount": 1}]
            txs.append({"kind": "transfer", "source": "m", "nonce": miner_nonce, "fee": 0,
                        "outputs": outputs})  # fmt: skip
            miner_nonce += 1
            continue
        head = {"source": senders[index % SENDERS], "nonce": index // SENDERS, "fee": 1}
        if index % 3 == 0:
            contract = f"c{index % COUNTERS}"
            txs.append({"kind": "invoke", "contract": contract, "entry": 0, "args": [],
                        "deposits": {}, "max_gas": 100, **head})  # fmt: skip
        else:
            outputs = [{"dest": f"r{index}", "asset": "TOS", "amount": 3}]
            txs.append({"kind": "transfer", "outputs": outputs, **head})
    return decode_case(json.dumps({
        "format": "txparity.case/1",
        "genesis": {"accounts": accounts, "contracts": contracts},
        "block": {"miner": "m", "reward": 1, "txs": txs},
        "config": {"network": "devnet", "threads": 4, "schedule_seed": 0},
    }))  # fmt: skip


def as_v2(case: Case, fee_payment: FeePayment, limited: bool) -> Case:
    """``case`` as a version 2 case with ``fee_payment`` and, if ``limited``, a gas limit
    of half the gas its transactions use in the reference."""
    unlimited = replace(
        case,
        version=Version.V2,
        block=replace(case.block, fee_payment=fee_payment, gas_limit=None),
    )
    if not limited:
        return unlimited
    receipts = run_case(SequentialExecutor(), unlimited, "memory").receipts
    gas_limit = sum(receipt.gas_used for receipt in receipts) // 2
    return replace(unlimited, block=replace(unlimited.block, gas_limit=gas_limit))


V2_VARIANTS: tuple[Variant, ...] = tuple(
    (
        f"v2 {fee.value}{' + limit' if limited else ''}",
        lambda case, fee=fee, limited=limited: as_v2(case, fee, limited),
    )
    for fee in FeePayment
    for limited in (False, True)
)


class FeesAsWritesBatched(BatchedExecutor):
    """For comparison only: every transaction of an each_tx block treated as reading
    the miner's balance, as if each fee credit were a write every later one depends
    on."""

    def waits_for_fees(self, addresses: frozenset[str], context: BlockContext) -> bool:
        return context.fee_payment is FeePayment.EACH_TX


def stats_of(name: str, case: Case, seed: int) -> Stats:
    seeded = replace(case, config=replace(case.config, threads=4, schedule_seed=seed))
    return run_case(make_executor(name, "seeded"), seeded, "memory").stats


def figures(blocks: Sequence[Case], seed: int) -> dict[str, float]:
    """This run's figures over ``blocks``: sums over the blocks, then divided."""
    txs = sum(len(case.block.txs) for case in blocks)
    batched = [stats_of("batched", case, seed) for case in blocks]
    blockstm = [stats_of("blockstm", case, seed) for case in blocks]
    batches = sum(len(stats.batch_sizes) for stats in batched)
    ran = sum(sum(stats.batch_sizes) for stats in batched)
    return {
        "batches/block": batches / len(blocks),
        "txs/batch": ran / batches if batches else 0.0,
        "incarn/tx": sum(stats.incarnations for stats in blockstm) / txs,
        "aborts/tx": sum(stats.aborts for stats in blockstm) / txs,
    }


def report(workload: str, variants: Sequence[tuple[str, list[Case]]], runs: int) -> None:
    first: dict[str, float] | None = None
    for label, blocks in variants:
        medians = {
            key: statistics.median(values)
            for key, values in _transpose([figures(blocks, seed) for seed in range(runs)]).items()
        }
        first = first or medians
        shown = "  ".join(
            f"{medians[key]:8.2f} ({_ratio(medians[key], first[key])})" for key in medians
        )
        print(f"{workload:8} {label:26} {shown}")


def _transpose(rows: list[dict[str, float]]) -> dict[str, list[float]]:
    return {key: [row[key] for row in rows] for key in rows[0]}


def _ratio(value: float, base: float) -> str:
    return f"{value / base:5.2f}x" if base else "    -"


def serialized_fees(base: Case) -> None:
    """The ``each_tx`` market row again, with every fee treated as a write every later
    transaction depends on (batched only): what keeping fees as deltas saves."""
    each_tx = as_v2(base, FeePayment.EACH_TX, False)
    state = open_state("memory", each_tx.genesis)
    try:
        batches = len(FeesAsWritesBatched("seeded").execute(each_tx, state).stats.batch_sizes)
    finally:
        state.close()
    v1_batches = len(stats_of("batched", base, 0).batch_sizes)
    per_batch = len(each_tx.block.txs) / batches
    print(f"{'':8} {'v2 each_tx, fees as writes':26} {batches:8.2f} "
          f"({_ratio(batches, v1_batches)}) {per_batch:8.2f} "
          f"({_ratio(per_batch, len(base.block.txs) / v1_batches)})  (batched only)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--blocks", type=int, default=40)
    arguments = parser.parse_args()
    header = "  ".join(
        f"{key:>17}" for key in ("batches/block", "txs/batch", "incarn/tx", "aborts/tx")
    )
    print(f"{'workload':8} {'variant':26} {header}")
    base = market(arguments.size)
    variants = [("v1", [base])] + [(label, [make(base)]) for label, make in V2_VARIANTS]
    report(f"market{arguments.size}", variants, arguments.runs)
    serialized_fees(base)
    stress = [seeded_v2_case(seed) for seed in range(arguments.blocks)]
    report(
        "stress",
        [(label, [make(case) for case in stress]) for label, make in V2_VARIANTS],
        arguments.runs,
    )


if __name__ == "__main__":
    main()
