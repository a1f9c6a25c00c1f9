"""The benchmark as text: the table, what it means, and a comparison's findings.

Only the command line prints; this module decides what. A row whose executor got a
block wrong says ``DIVERGES`` in its parity column, and its figures stay (they are
what was measured) but are never the last word: the lines under the table name
every divergence and where it was saved.
"""

from __future__ import annotations

from typing import Any

from txparity.harness.bench.results import Comparison

__all__ = ["GIL_NOTE", "LEGEND", "busy_note", "comparison_lines", "divergence_lines", "table"]

GIL_NOTE = (
    "note: this Python's threads hold a global interpreter lock (the GIL): they "
    "interleave but never run Python code at once, so the in-tree parallel executors "
    "cannot gain from parallelism here and are not expected to beat the sequential "
    "reference; their figures are reported as measured."
)
LEGEND = (
    "timed: execute = the executor's own execution of the block (in-tree), end-to-end = "
    "the whole answer (cmd:); speedup = the reference's median latency over the row's, "
    "timed alike; batches, conflicts, incarn(ations), aborts: per block, - if not "
    "reported; p99: nearest rank over the runs."
)
_COLUMNS = (
    ("workload", "<", 14), ("size", ">", 5), ("executor", "<", 0), ("parity", "<", 8),
    ("timed", "<", 10), ("tx/s", ">", 9), ("p50 ms", ">", 9), ("p99 ms", ">", 9),
    ("speedup", ">", 7), ("batches", ">", 7), ("conflicts", ">", 9), ("incarn", ">", 7),
    ("aborts", ">", 7),
)  # fmt: skip
_EXECUTOR = 2  # its column is as wide as the widest executor named


def table(rows: list[dict[str, Any]]) -> str:
    """Every row of a result document, the reference first in each workload and size;
    the parity column next to the executor's name, before any of its figures."""
    named = [_executor(row) for row in rows]
    widths = [width for _, _, width in _COLUMNS]
    widths[_EXECUTOR] = max([len("executor"), *map(len, named)])
    header = " ".join(
        f"{name:{align}{width}}" for (name, align, _), width in zip(_COLUMNS, widths, strict=True)
    )
    lines = [header.rstrip(), "-" * len(header.rstrip())]
    for row in rows:
        cells = zip(_cells(row), _COLUMNS, widths, strict=True)
        lines.append(" ".join(f"{cell:{align}{width}}" for cell, (_, align, _), width in cells))
    return "\n".join(lines)


def _executor(row: dict[str, Any]) -> str:
    return str(row["executor"]) + (" (ref)" if row["reference"] else "")


def _cells(row: dict[str, Any]) -> list[str]:
    return [
        row["workload"], str(row["size"]), _executor(row), row["parity"], row["timed"],
        f"{row['tx_per_s']:,.0f}", f"{row['p50_ms']:.2f}", f"{row['p99_ms']:.2f}",
        "-" if row["speedup"] is None else f"{row['speedup']:.2f}x",
        _stat(row["batches"]), _stat(row["conflicts"]), _stat(row["incarnations"]),
        _stat(row["aborts"]),
    ]  # fmt: skip


def _stat(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def busy_note(machine: dict[str, Any]) -> str | None:
    """A note when the machine was busier than its cores while measuring."""
    load, cpus = machine.get("load_average"), machine.get("cpus")
    if load is None or not cpus or load <= cpus:
        return None
    return (
        f"note: the machine was busy (load average {load:g} on {cpus} cores): every figure "
        "is noisier than on an idle machine, and ratios near 1 say little."
    )


def divergence_lines(rows: list[dict[str, Any]]) -> list[str]:
    """One line per row that diverged: fingerprint and where it is saved."""
    return [
        f"DIVERGES: {row['executor']} on {row['workload']} size {row['size']}: "
        f"fingerprint {row['fingerprint']}, saved {row['saved']}"
        for row in rows
        if row["parity"] != "agrees"
    ]


def comparison_lines(comparison: Comparison, old: str, tolerance: float) -> list[str]:
    lines = [
        f"compared with {old}: {comparison.compared} row(s) in both, "
        f"{len(comparison.regressions)} figure(s) more than {tolerance:.0%} worse"
    ]
    if not comparison.same_machine:
        lines.append("note: the old run was on another machine or Python: the ratios "
                     "compare the machines as much as the code")  # fmt: skip
    lines += [f"WORSE: {regression.describe()}" for regression in comparison.regressions]
    lines += [f"not measured now: {row}" for row in comparison.only_old]
    lines += [f"new: {row}" for row in comparison.only_new]
    return lines
