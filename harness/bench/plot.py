"""The benchmark as a picture (``--plot FILE.png``), drawn with matplotlib.

Two panels, at the largest block size measured: the speedup over the reference
against the number of accounts of the peer-to-peer grid (``p2p-<N>``, a logarithmic
axis), one line per executor; and the throughput of every executor (the reference
too) on each workload, as grouped bars on a logarithmic axis. A row whose executor
diverged is drawn with a red cross, and its label says so: a wrong executor's
figure never looks like a good one.

matplotlib is imported here only, when a plot is asked for (it is the ``bench``
extra, and slow to import), and used without pyplot: a ``Figure`` drawn by the Agg
canvas, no global state, no display needed.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from txparity.harness.errors import InputError
from txparity.harness.output_file import write_output

__all__ = ["plot"]

_DIVERGED = {"marker": "x", "color": "red", "markersize": 12, "linestyle": "none"}


def plot(document: dict[str, Any], path: Path) -> None:
    """Draw ``document``'s figures into the PNG file ``path``."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise InputError("--plot needs matplotlib: pip install 'txparity[bench]'") from None
    rows = document["rows"]
    size = max(row["size"] for row in rows)
    largest = [row for row in rows if row["size"] == size]
    figure = Figure(figsize=(13, 6.5), layout="constrained")
    FigureCanvasAgg(figure)
    speedup, throughput = figure.subplots(1, 2, width_ratios=(2, 3))
    _speedup_panel(speedup, largest, size)
    _throughput_panel(throughput, largest, size)
    machine = document["machine"]
    figure.suptitle(
        f"txparity bench, {machine['python']} ({'GIL' if machine['gil'] else 'no GIL'}), "
        f"{machine['cpus']} cores, {document['settings']['runs']} run(s) per block"
    )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    write_output(path, buffer.getvalue())


def _speedup_panel(axes: Any, rows: list[dict[str, Any]], size: int) -> None:
    grid = [row for row in rows if row["workload"].startswith("p2p-") and not row["reference"]]
    axes.set_title(f"speedup over the reference, p2p grid, {size} transactions")
    axes.set_xlabel("accounts")
    axes.set_ylabel("speedup (x)")
    axes.axhline(1.0, color="grey", linewidth=0.8, linestyle="--", label="the reference")
    if not grid:
        axes.text(0.5, 0.5, "no p2p workload measured", ha="center", transform=axes.transAxes)
        return
    axes.set_xscale("log")
    for executor in dict.fromkeys(row["executor"] for row in grid):
        mine = sorted(
            (int(row["workload"].removeprefix("p2p-")), row)
            for row in grid
            if row["executor"] == executor and row["speedup"] is not None
        )
        diverged = [(n, row["speedup"]) for n, row in mine if row["parity"] != "agrees"]
        label = executor + (" (DIVERGES)" if diverged else "")
        axes.plot([n for n, _ in mine], [row["speedup"] for _, row in mine], marker="o",
                  label=label)  # fmt: skip
        for n, value in diverged:
            axes.plot([n], [value], **_DIVERGED)
    axes.legend(fontsize="small", loc="best")


def _throughput_panel(axes: Any, rows: list[dict[str, Any]], size: int) -> None:
    workloads = list(dict.fromkeys(row["workload"] for row in rows))
    executors = list(dict.fromkeys(row["executor"] for row in rows))
    width = 0.8 / len(executors)
    for offset, executor in enumerate(executors):
        mine = {row["workload"]: row for row in rows if row["executor"] == executor}
        places = [i + offset * width for i, name in enumerate(workloads) if name in mine]
        values = [mine[name]["tx_per_s"] for name in workloads if name in mine]
        diverged = any(row["parity"] != "agrees" for row in mine.values())
        axes.bar(places, values, width, label=executor + (" (DIVERGES)" if diverged else ""))
        for place, name in zip(places, (n for n in workloads if n in mine), strict=True):
            if mine[name]["parity"] != "agrees":
                axes.plot([place], [mine[name]["tx_per_s"]], **_DIVERGED)
    axes.set_title(f"throughput per workload, {size} transactions")
    axes.set_ylabel("transactions per second")
    axes.set_yscale("log")
    axes.set_xticks([i + 0.4 - width / 2 for i in range(len(workloads))], workloads,
                    rotation=35, ha="right", fontsize="small")  # fmt: skip
    axes.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.25), ncols=2)
