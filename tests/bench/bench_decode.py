"""``txparity run --jsonl`` against a plain executor from SPEC.md, start-up included.

Not a test: run it and read the figures.

    python -m tests.bench.bench_decode [--cases 400] [--runs 5] [--profile mixed]

Draws ``cases`` generated version 1 cases (campaign seed 0, as ``txparity fuzz --seed 0 --format 1``
would) into one JSON-lines file, then times, in alternation, ``runs`` times each:

- ``txparity run --jsonl - --executor sequential --backend memory`` over the file;
- ``tests/bench/plain_sequential.py`` (standard library only, no validation) over it.

Each time is one whole process, from its start to its exit. The answers of both are
compared line by line first: a figure from a wrong answer would mean nothing. It
prints the median of each and the speed of txparity relative to the plain
executor (``plain / txparity``: 1.0 is as fast, 0.5 half as fast), from the
same runs.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from txparity.executors.codec import canonical_json, encode_case

PLAIN = Path(__file__).with_name("plain_sequential.py")
TXPARITY_RUN = [sys.executable, "-m", "txparity", "run", "--jsonl", "-",
                "--executor", "sequential", "--backend", "memory"]  # fmt: skip


def case_lines(profile: str, count: int) -> bytes:
    from txparity.harness.campaign import CaseDrawer
    from txparity.harness.strategies import case_format

    # Version 1 only: the plain executor speaks nothing else.
    drawer = CaseDrawer(profile, 0, case_format("1"))
    lines = []
    index = 0
    while len(lines) < count:
        case = drawer.draw(index)
        index += 1
        if case is not None:
            lines.append(canonical_json(encode_case(case)) + "\n")
    return "".join(lines).encode()


def timed(command: list[str], cases: Path) -> tuple[float, bytes]:
    with cases.open("rb") as stream:
        started = time.perf_counter()
        done = subprocess.run(command, stdin=stream, capture_output=True, check=True)
        return time.perf_counter() - started, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=400)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", default="mixed")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="txparity-bench-") as scratch:
        cases = Path(scratch) / "cases.jsonl"
        cases.write_bytes(case_lines(arguments.profile, arguments.cases))
        plain_command = [sys.executable, str(PLAIN)]
        _, expected = timed(TXPARITY_RUN, cases)
        _, answered = timed(plain_command, cases)
        ours_lines, plain_lines = expected.splitlines(), answered.splitlines()
        if len(ours_lines) != arguments.cases or len(plain_lines) != arguments.cases:
            sys.exit("an executor did not answer every case: no figure")
        wrong = sum(a != b for a, b in zip(ours_lines, plain_lines, strict=True))
        if wrong:
            sys.exit(f"the plain executor answers {wrong} case(s) differently: no figure")
        ours, plain = [], []
        for _ in range(arguments.runs):
            ours.append(timed(TXPARITY_RUN, cases)[0])
            plain.append(timed(plain_command, cases)[0])
    ours_s, plain_s = statistics.median(ours), statistics.median(plain)
    print(f"{arguments.cases} cases ({arguments.profile}), median of {arguments.runs} runs")
    print(f"txparity run --jsonl  {ours_s:6.3f} s")
    print(f"plain executor        {plain_s:6.3f} s")
    print(f"speed relative to plain {plain_s / ours_s:.2f}x")


if __name__ == "__main__":
    main()
