"""A benchmark's result as a document (``--json``), and comparing two (``--compare``).

The document (format ``txparity.bench/1``) holds the machine (system, processor,
cores, Python and whether its threads hold a global lock), the txparity version and
the repository commit it ran from, the settings, and one object per row with every
figure and every run's latency, so that a later run can be compared with it, or its
figures recomputed.

Comparing flags every figure of a row present in both runs (same workload, size and
executor) that is worse than the old one by more than the tolerance: throughput and
speedup lower than ``old * (1 - tolerance)``, latencies higher than
``old * (1 + tolerance)``. Rows in only one of the runs are listed, never flagged.
Figures measured on another machine compare machines as much as code: the
comparison says so.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import txparity
from txparity.harness.bench.measure import Parity, Plan, Row, percentile
from txparity.harness.casefile import UnreadableFile, read_file
from txparity.harness.errors import InputError

__all__ = [
    "BENCH_FORMAT",
    "DEFAULT_TOLERANCE",
    "FIGURES",
    "Better",
    "Comparison",
    "Regression",
    "compare_documents",
    "document",
    "figures",
    "load_document",
    "machine",
]

BENCH_FORMAT = "txparity.bench/1"
DEFAULT_TOLERANCE = 0.20  # a figure more than 20% worse than the old run's is flagged
_ROW_KEY = ("workload", "size", "executor")


class Better(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


# Every compared figure of a row, and which way is better.
FIGURES: dict[str, Better] = {
    "tx_per_s": Better.HIGHER,
    "p50_ms": Better.LOWER,
    "p99_ms": Better.LOWER,
    "speedup": Better.HIGHER,
}


def machine() -> dict[str, object]:
    """What the figures were measured on."""
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    return {
        "system": platform.system(),
        "release": platform.release(),
        "machine": platform.machine(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "gil": gil,
        "load_average": _load_average(),
    }


def _load_average() -> float | None:
    """The one-minute load average when the run ended: a machine busier than its
    cores makes every figure noisier."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def _commit() -> dict[str, object]:
    """The commit of the repository txparity runs from, if it runs from one."""
    here = Path(__file__).resolve().parent

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], cwd=here, capture_output=True, text=True,
                                  timeout=30, start_new_session=True)  # fmt: skip
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    head = git("rev-parse", "HEAD")
    dirty = None if head is None else bool(git("status", "--porcelain", "--untracked-files=no"))
    return {"commit": head, "dirty": dirty}


def figures(row: Row) -> dict[str, object]:
    """A row as the document holds it."""
    milliseconds = [round(1000 * value, 4) for value in row.latencies_s]
    return {
        "workload": row.workload,
        "size": row.size,
        "executor": row.executor,
        "reference": row.reference,
        "timed": row.timing.value,
        "tx_per_s": round(row.tx_per_s, 1),
        "p50_ms": round(1000 * row.median_s, 4),
        "p99_ms": round(1000 * percentile(row.latencies_s, 0.99), 4),
        "speedup": None if row.speedup is None else round(row.speedup, 4),
        "speedup_timed": row.speedup_timed.value,
        "latencies_ms": milliseconds,
        "batches": _rounded(row.per_block("batches")),
        "conflicts": _rounded(row.per_block("conflicts")),
        "incarnations": _rounded(row.per_block("incarnations")),
        "aborts": _rounded(row.per_block("aborts")),
        "parity": row.parity.value,
        "fingerprint": row.fingerprint or None,
        "saved": row.saved or None,
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def document(
    rows: list[Row], plan: Plan, reference: str, executors: tuple[str, ...], equivalence: str
) -> dict[str, object]:
    return {
        "format": BENCH_FORMAT,
        "txparity": txparity.__version__,
        **_commit(),
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine(),
        "settings": {
            "workloads": list(plan.workloads),
            "sizes": list(plan.sizes),
            "runs": plan.runs,
            "seed": plan.seed,
            "reference": reference,
            "executors": list(executors),
            "equivalence": equivalence,
        },
        "divergences": sum(row.parity is Parity.DIVERGES for row in rows),
        "rows": [figures(row) for row in rows],
    }


def load_document(path: Path) -> dict[str, Any]:
    """A ``--json`` document written earlier; ``InputError`` naming what is wrong."""
    try:
        text = read_file(str(path))
    except UnreadableFile as error:
        raise InputError(f"cannot read {path}: {error.reason}") from None
    try:
        loaded = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"{path}: not valid JSON ({error})") from None
    problem = _document_problem(loaded)
    if problem is not None:
        raise InputError(f"{path}: not a txparity bench result: {problem}")
    return dict(loaded)


def _document_problem(loaded: object) -> str | None:
    if not isinstance(loaded, dict) or loaded.get("format") != BENCH_FORMAT:
        return f"its format must be {BENCH_FORMAT!r}"
    rows = loaded.get("rows")
    if not isinstance(rows, list):
        return "rows: must be a list"
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            return f"rows[{index}]: must be an object"
        for key in _ROW_KEY:
            if key not in row:
                return f"rows[{index}].{key}: missing"
        for name in FIGURES:
            value = row.get(name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float)
            ):
                return f"rows[{index}].{name}: must be a number or null"
    return None


@dataclass(frozen=True, slots=True)
class Regression:
    """A figure worse than the old run's by more than the tolerance."""

    workload: str
    size: int
    executor: str
    figure: str
    old: float
    new: float

    def describe(self) -> str:
        change = (self.new - self.old) / self.old if self.old else float("inf")
        return (
            f"{self.workload} size {self.size} {self.executor}: {self.figure} "
            f"{self.old:g} -> {self.new:g} ({change:+.0%}, {FIGURES[self.figure]} is better)"
        )


@dataclass(frozen=True, slots=True)
class Comparison:
    regressions: tuple[Regression, ...]
    compared: int  # rows present in both runs
    only_old: tuple[str, ...]  # rows the new run did not measure
    only_new: tuple[str, ...]
    same_machine: bool


def compare_documents(old: dict[str, Any], new: dict[str, Any], tolerance: float) -> Comparison:
    """Every figure of ``new`` worse than ``old``'s by more than ``tolerance``."""
    before, after = _by_key(old), _by_key(new)
    regressions: list[Regression] = []
    for key in sorted(before.keys() & after.keys(), key=str):
        regressions += _worse(key, before[key], after[key], tolerance)
    return Comparison(
        tuple(regressions),
        len(before.keys() & after.keys()),
        tuple(_shown(key) for key in sorted(before.keys() - after.keys(), key=str)),
        tuple(_shown(key) for key in sorted(after.keys() - before.keys(), key=str)),
        _same_machine(old.get("machine"), new.get("machine")),
    )


Key = tuple[str, int, str]


def _by_key(loaded: dict[str, Any]) -> dict[Key, dict[str, Any]]:
    return {(row["workload"], row["size"], row["executor"]): row for row in loaded["rows"]}


def _worse(
    key: Key, old: dict[str, Any], new: dict[str, Any], tolerance: float
) -> list[Regression]:
    found = []
    for name, better in FIGURES.items():
        before, after = old.get(name), new.get(name)
        if before is None or after is None:
            continue
        if better is Better.HIGHER:
            worse = after < before * (1 - tolerance)
        else:
            worse = after > before * (1 + tolerance)
        if worse:
            found.append(Regression(*key, name, float(before), float(after)))
    return found


def _shown(key: Key) -> str:
    workload, size, executor = key
    return f"{workload} size {size} {executor}"


def _same_machine(old: object, new: object) -> bool:
    fields = ("system", "machine", "processor", "cpus", "python", "implementation")
    if not isinstance(old, dict) or not isinstance(new, dict):
        return False
    return all(old.get(name) == new.get(name) for name in fields)
