"""Parallel executors: throughput per schedule, and Block-STM's aborts per transaction.

Not a test: run it and read the figures.

    python -m tests.bench.bench_parallel [--runs 5] [--sizes 32 256] [--backend memory]

Workloads, each at 32 and 256 transactions on devnet with 4 worker threads:

- ``low``: every transaction is a transfer between its own pair of accounts;
- ``high``: every transaction touches one hot spot: half increment one counter
  contract, half pay one receiver, from eight senders with consecutive nonces.

For each executor and schedule it prints the median tx/s over ``runs`` runs (each
run executes the block on fresh state; set-up excluded), and for Block-STM the mean
incarnations and aborts per transaction. Ratios are computed within one process.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from txparity.executors.codec import decode_case
from txparity.executors.execution import Stats
from txparity.executors.model import Case
from txparity.executors.registry import make_executor
from txparity.executors.state import open_state

COUNTER = {"0": [["PUSH", 0], ["SLOAD"], ["PUSH", 1], ["ADD"], ["PUSH", 0], ["SSTORE"]]}


def low_contention(size: int) -> Case:
    accounts = {f"s{i}": {"nonce": 0, "balances": {"TOS": 1000}} for i in range(size)}
    txs = [
        {"kind": "transfer", "source": f"s{i}", "nonce": 0, "fee": 1,
         "outputs": [{"dest": f"r{i}", "asset": "TOS", "amount": 5}]}
        for i in range(size)
    ]  # fmt: skip
    return _case(accounts, {}, txs)


def high_contention(size: int) -> Case:
    senders = [f"s{i}" for i in range(8)]
    accounts = {s: {"nonce": 0, "balances": {"TOS": 10**9}} for s in senders}
    contracts = {"hot": {"code": COUNTER, "balances": {}, "storage": {}}}
    txs: list[dict[str, object]] = []
    for index in range(size):
        source = senders[index % len(senders)]
        head = {"source": source, "nonce": index // len(senders), "fee": 1}
        if index % 2:
            txs.append({"kind": "invoke", "contract": "hot", "entry": 0, "args": [],
                        "deposits": {}, "max_gas": 100, **head})  # fmt: skip
        else:
            outputs = [{"dest": "sink", "asset": "TOS", "amount": 3}]
            txs.append({"kind": "transfer", "outputs": outputs, **head})
    return _case(accounts, contracts, txs)


def _case(accounts: object, contracts: object, txs: list[dict[str, object]]) -> Case:
    return decode_case(json.dumps({
        "format": "txparity.case/1",
        "genesis": {"accounts": accounts, "contracts": contracts},
        "block": {"miner": "m", "reward": 10, "txs": txs},
        "config": {"network": "devnet", "threads": 4, "schedule_seed": 7},
    }))  # fmt: skip


def measure(case: Case, name: str, schedule: str, backend: str, runs: int) -> tuple[float, Stats]:
    figures = []
    stats = None
    for seed in range(runs):
        state = open_state(backend, case.genesis)
        executor = make_executor(name, schedule)
        seeded = Case(case.genesis, case.block, type(case.config)(case.config.network, 4, seed))
        started = time.perf_counter()
        stats = executor.execute(seeded, state).stats
        figures.append(len(case.block.txs) / (time.perf_counter() - started))
        state.close()
    assert stats is not None
    return statistics.median(figures), stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[32, 256])
    parser.add_argument("--backend", default="memory")
    arguments = parser.parse_args()
    print(f"{'workload':10} {'executor':10} {'schedule':8} {'tx/s':>9} {'vs threads':>10} "
          f"{'incarn/tx':>9} {'aborts/tx':>9}")  # fmt: skip
    for label, build in (("low", low_contention), ("high", high_contention)):
        for size in arguments.sizes:
            case = build(size)
            for name in ("sequential", "batched", "blockstm", "rwlock", "sharded", "predictive"):
                _report(f"{label}-{size}", case, name, arguments)


def _report(workload: str, case: Case, name: str, arguments: argparse.Namespace) -> None:
    schedules = ("threads",) if name == "sequential" else ("threads", "seeded", "pct")
    baseline = None
    for schedule in schedules:
        rate, stats = measure(case, name, schedule, arguments.backend, arguments.runs)
        baseline = baseline or rate
        count = len(case.block.txs)
        extra = ""
        if name in ("blockstm", "predictive"):
            extra = f"{stats.incarnations / count:9.2f} {stats.aborts / count:9.2f}"
        shown = "-" if name == "sequential" else schedule
        print(f"{workload:10} {name:10} {shown:8} {rate:9,.0f} {baseline / rate:9.2f}x {extra}")


if __name__ == "__main__":
    main()
