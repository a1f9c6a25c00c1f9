"""Sequential throughput: transactions per second on a 32-transaction mixed block.

Not a test: run it and read the figures.

    python -m tests.bench.bench_sequential [--runs 7] [--repeat 200]

Each run executes the block ``repeat`` times on fresh state (state set-up and
teardown excluded from the timing) and reports tx/s; the median of ``runs`` runs is
printed per backend, with the SQLite/memory ratio measured in the same process.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from txparity.executors.codec import decode_case
from txparity.executors.model import Case
from txparity.executors.sequential import execute_sequentially
from txparity.executors.state import open_state

VAULT = {
    "0": [["CALLER"], ["SLOAD"], ["ARG", 0], ["ADD"], ["CALLER"], ["SSTORE"]],
    "1": [["PUSH", 0], ["SLOAD"], ["PUSH", 1], ["ADD"], ["PUSH", 0], ["SSTORE"]],
}


def mixed_block_case(size: int = 32) -> Case:
    """Transfers, a burn, deploys and invokes from eight senders, in a fixed mix."""
    senders = [f"s{i}" for i in range(8)]
    accounts = {s: {"nonce": 0, "balances": {"TOS": 1_000_000, "GOLD": 500}} for s in senders}
    nonces = dict.fromkeys(senders, 0)
    txs: list[dict[str, object]] = []
    for index in range(size):
        source = senders[index % len(senders)]
        head = {"source": source, "nonce": nonces[source], "fee": 3}
        nonces[source] += 1
        match index % 8:
            case 0 | 1 | 2:
                outputs = [{"dest": f"r{index % 5}", "asset": "TOS", "amount": 10 + index}]
                txs.append({"kind": "transfer", "outputs": outputs, **head})
            case 3:
                outputs = [{"dest": f"r{index % 3}", "asset": "GOLD", "amount": 2}] * 2
                txs.append({"kind": "transfer", "outputs": outputs, **head})
            case 4:
                txs.append({"kind": "burn", "asset": "GOLD", "amount": 1, **head})
            case 5:
                txs.append({"kind": "deploy", "code": {"0": [["PUSH", 1]]}, **head})
            case _:
                txs.append({
                    "kind": "invoke", "contract": "vault", "entry": index % 2, "args": [5],
                    "deposits": {"TOS": 5}, "max_gas": 100, **head,
                })  # fmt: skip
    genesis = {
        "accounts": accounts,
        "contracts": {"vault": {"code": VAULT, "balances": {}, "storage": {}}},
    }
    case = {
        "format": "txparity.case/1",
        "genesis": genesis,
        "block": {"miner": "m", "reward": 50, "txs": txs},
    }
    return decode_case(json.dumps(case))


def tx_per_second(case: Case, backend: str, repeat: int) -> float:
    elapsed = 0.0
    for _ in range(repeat):
        state = open_state(backend, case.genesis)
        started = time.perf_counter()
        execute_sequentially(state, case)
        elapsed += time.perf_counter() - started
        state.close()
    return repeat * len(case.block.txs) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=200)
    arguments = parser.parse_args()
    case = mixed_block_case()
    medians = {}
    for backend in ("memory", "sqlite"):
        figures = [tx_per_second(case, backend, arguments.repeat) for _ in range(arguments.runs)]
        medians[backend] = statistics.median(figures)
        print(f"{backend:7} median {medians[backend]:10,.0f} tx/s over {arguments.runs} runs")
    print(f"memory/sqlite ratio {medians['memory'] / medians['sqlite']:.2f}")


if __name__ == "__main__":
    main()
