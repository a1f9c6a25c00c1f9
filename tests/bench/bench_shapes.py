"""How often each profile draws the version 2 shapes that break parallel executors.

Not a test: run it and read the table.

    python -m tests.bench.bench_shapes [--cases 1000] [--seed 0] [--format any]

For each profile, cases ``0`` to ``cases - 1`` of a campaign with ``seed`` (the
cases ``txparity fuzz --seed`` draws, in ``--format``), each run on the reference
and searched for the shapes of ``tests/v2_shapes.py`` (from the receipts, the state
and an observer on the reference VM, never from what the generator meant). Each
cell is the percentage of the profile's cases that show the shape at least once;
the first row is the share of version 2 cases, the last the cases per second of
drawing and searching.
"""

from __future__ import annotations

import argparse
import time

from tests.v2_shapes import SHAPES, shapes_of
from txparity.executors.model import Version
from txparity.harness.campaign import CaseDrawer
from txparity.harness.errors import InputError
from txparity.harness.strategies import PROFILES, CaseFormat, v2_share


def counts(profile: str, form: CaseFormat, seed: int, cases: int) -> tuple[dict[str, int], float]:
    """How many of the profile's cases show each shape, and cases per second."""
    found = {"version 2": 0, **{shape.value: 0 for shape in SHAPES}}
    drawer = CaseDrawer(profile, seed, form)
    started = time.perf_counter()
    for index in range(cases):
        case = drawer.draw(index)
        if case is None:
            continue
        found["version 2"] += case.version is Version.V2
        for shape in shapes_of(case):
            found[shape.value] += 1
    return found, cases / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--format", default=CaseFormat.ANY.value,
                        choices=[f.value for f in CaseFormat])  # fmt: skip
    arguments = parser.parse_args()
    form = CaseFormat(arguments.format)
    columns: dict[str, tuple[dict[str, int], float]] = {}
    for profile in PROFILES:
        try:
            v2_share(profile, form)
        except InputError:
            continue  # a profile that cannot draw this format
        columns[profile] = counts(profile, form, arguments.seed, arguments.cases)
    labels = {"version 2": "version 2 cases", **{s.value: text for s, text in SHAPES.items()}}
    width = max(map(len, labels.values()))
    print(f"% of {arguments.cases} cases, seed {arguments.seed}, --format {form.value}")
    print(f"{'':<{width}}" + "".join(f"{name:>11}" for name in columns))
    for key, label in labels.items():
        cells = "".join(
            f"{100 * found[key] / arguments.cases:>11.1f}" for found, _ in columns.values()
        )
        print(f"{label:<{width}}{cells}")
    print(f"{'cases/s':<{width}}" + "".join(f"{rate:>11.0f}" for _, rate in columns.values()))


if __name__ == "__main__":
    main()
