"""``txparity run --jsonl`` against a plain executor from SPEC.md, start-up included.

Not a test: run it and read the figures.

    python -m tests.bench.bench_decode [--cases 400] [--runs 5] [--profile mixed] [--python PATH]

Draws ``cases`` generated version 1 cases (campaign seed 0, as ``txparity fuzz --seed 0 --format 1``
would) into one JSON-lines file, then times, in alternation, ``runs`` times each:

- ``txparity run --jsonl - --executor sequential --backend memory`` over the file;
- ``tests/bench/plain_sequential.py`` (standard library only, no validation) over it.

Each time is one whole process, from its start to its exit. Then, to see the
per-case work apart from start-up, it times inside this process, ``runs`` times
over all the lines, each phase of what ``run --jsonl`` does with a line: decoding
(``decode_case``), executing (a fresh memory state holding the genesis, and the
block), encoding (the canonical state and the result line), each pass with no
contract code parsed yet; the medians per phase, in milliseconds per case. The answers of both are
compared line by line first: a figure from a wrong answer would mean nothing. It
prints the median of each and the speed of txparity relative to the plain
executor (``plain / txparity``: 1.0 is as fast, 0.5 half as fast), from the
same runs.

``--python`` names the interpreter of the install whose processes are timed (this
one by default; see ``tests.bench.children``); the phases are always this process's.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.children import away_from_the_source, child_environment, describe_install
from txparity.executors.codec import canonical_json, decode_case, encode_case, encode_result

PLAIN = Path(__file__).with_name("plain_sequential.py")
RUN_ARGUMENTS = ["-m", "txparity", "run", "--jsonl", "-",
                 "--executor", "sequential", "--backend", "memory"]  # fmt: skip


def case_lines(profile: str, count: int) -> bytes:
    from txparity.harness.campaign import CaseDrawer
    from txparity.harness.strategies import case_format

    # Version 1 only: the plain executor speaks nothing else.
    drawer = CaseDrawer(profile, 0, case_format("1"))
    lines: list[str] = []
    index = 0
    while len(lines) < count:
        case = drawer.draw(index)
        index += 1
        if case is not None:
            lines.append(canonical_json(encode_case(case)) + "\n")
    return "".join(lines).encode()


PHASES = ("decode", "execute", "encode")


def phase_times(lines: list[bytes]) -> dict[str, float]:
    """Seconds spent in each phase of ``run --jsonl`` over ``lines``, in this process."""
    from txparity.executors import codec
    from txparity.executors.sequential import SequentialExecutor
    from txparity.executors.state import open_state

    # Every pass starts with no code parsed, as ``run --jsonl`` does.
    codec._parsed_code.cache_clear()
    executor = SequentialExecutor()
    totals = dict.fromkeys(PHASES, 0.0)
    for line in lines:
        started = time.perf_counter()
        case = decode_case(line)
        decoded = time.perf_counter()
        state = open_state("memory", case.genesis)
        receipts = executor.execute(case, state).receipts
        executed = time.perf_counter()
        encode_result(state.dump(case.version), receipts, case.version)
        encoded = time.perf_counter()
        state.close()
        totals["decode"] += decoded - started
        totals["execute"] += executed - decoded
        totals["encode"] += encoded - executed
    return totals


def timed(command: list[str], cases: Path) -> tuple[float, bytes]:
    with cases.open("rb") as stream:
        started = time.perf_counter()
        done = subprocess.run(
            command, stdin=stream, capture_output=True, check=True, env=child_environment()
        )
        return time.perf_counter() - started, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=400)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", default="mixed")
    parser.add_argument("--python", default=sys.executable, help="the interpreter to measure")
    arguments = parser.parse_args()
    txparity_run = [arguments.python, *RUN_ARGUMENTS]
    with tempfile.TemporaryDirectory(prefix="txparity-bench-") as scratch, away_from_the_source():
        cases = Path(scratch) / "cases.jsonl"
        cases.write_bytes(case_lines(arguments.profile, arguments.cases))
        plain_command = [arguments.python, str(PLAIN)]
        _, expected = timed(txparity_run, cases)  # also writes the bytecode cache
        _, answered = timed(plain_command, cases)
        ours_lines, plain_lines = expected.splitlines(), answered.splitlines()
        if len(ours_lines) != arguments.cases or len(plain_lines) != arguments.cases:
            sys.exit("an executor did not answer every case: no figure")
        wrong = sum(a != b for a, b in zip(ours_lines, plain_lines, strict=True))
        if wrong:
            sys.exit(f"the plain executor answers {wrong} case(s) differently: no figure")
        ours, plain = [], []
        for _ in range(arguments.runs):
            ours.append(timed(txparity_run, cases)[0])
            plain.append(timed(plain_command, cases)[0])
        lines = cases.read_bytes().splitlines()
        phases = [phase_times(lines) for _ in range(arguments.runs)]
    ours_s, plain_s = statistics.median(ours), statistics.median(plain)
    print(describe_install(arguments.python))
    print(f"{arguments.cases} cases ({arguments.profile}), median of {arguments.runs} runs")
    print(f"txparity run --jsonl  {ours_s:6.3f} s")
    print(f"plain executor        {plain_s:6.3f} s")
    print(f"speed relative to plain {plain_s / ours_s:.2f}x")
    print(f"in one process, ms per case (median of {arguments.runs} passes):")
    per_case = 1000 / arguments.cases
    medians = {name: statistics.median(run[name] for run in phases) for name in PHASES}
    for name in PHASES:
        print(f"  {name:8} {medians[name] * per_case:6.3f}")
    total = statistics.median(sum(run.values()) for run in phases)
    print(f"  {'total':8} {total * per_case:6.3f}")


if __name__ == "__main__":
    main()
