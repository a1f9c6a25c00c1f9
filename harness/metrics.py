"""The parallel path's metrics, written in the OpenMetrics text format.

The TOS chain's monitoring plan names six metrics of its parallel execution path;
txparity exposes them, and Block-STM's two counters, from the statistics each run
reports (``Stats``), labelled with the executor spec that ran:

=================================  =========  ==========================================
metric                             kind       observed, per block an executor ran
=================================  =========  ==========================================
``parallel_execution_enabled``     gauge 0/1  1 if its last block took the parallel path
``parallel_batches_count``         histogram  batches of a block run in batches
``parallel_batch_size``            histogram  transactions of each such batch
``parallel_execution_duration_ms`` histogram  milliseconds of a parallel-path block
``parallel_conflicts_detected``    counter    conflicts the executor found
``parallel_tasks_spawned``         counter    worker tasks it started
``parallel_incarnations``          counter    Block-STM incarnations
``parallel_aborts``                counter    Block-STM aborts
``txparity_blocks``                counter    every block, by ``path``
=================================  =========  ==========================================

The histograms observe only blocks that took the parallel path: a block below the
network's threshold runs sequentially and has no batches or parallel duration
(``txparity_blocks{path="sequential"}`` counts those). An executor that reports no
statistics (a ``cmd:`` executor) is counted in ``txparity_blocks`` under
``path="unreported"`` and nowhere else. OpenMetrics names a counter's sample
``<name>_total``, and ``prometheus_client`` adds a ``_created`` sample per series.

``Metrics`` accumulates over any number of runs (a whole ``bench`` or ``fuzz``) and
``write`` saves the text to a file (``harness.output_file``: a temporary name, then
renamed, so a reader never sees half of it).
"""

from __future__ import annotations

from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.openmetrics.exposition import generate_latest

from txparity.executors.execution import ExecutionPath, Stats
from txparity.harness.output_file import write_output

__all__ = ["BATCH_BUCKETS", "DURATION_BUCKETS_MS", "UNREPORTED", "Metrics"]

BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
DURATION_BUCKETS_MS = (0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
UNREPORTED = "unreported"  # the path label of a block whose executor reports no statistics
_EXECUTOR = ("executor",)


class Metrics:
    """The metrics of every run observed so far, in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        registry = self.registry
        self.enabled = Gauge(
            "parallel_execution_enabled",
            "1 if the executor's last block took the parallel path, else 0",
            _EXECUTOR, registry=registry,
        )  # fmt: skip
        self.batches = Histogram(
            "parallel_batches_count", "batches per block run in batches",
            _EXECUTOR, buckets=BATCH_BUCKETS, registry=registry,
        )  # fmt: skip
        self.batch_size = Histogram(
            "parallel_batch_size", "transactions per batch",
            _EXECUTOR, buckets=BATCH_BUCKETS, registry=registry,
        )  # fmt: skip
        self.duration_ms = Histogram(
            "parallel_execution_duration_ms", "milliseconds per parallel-path block",
            _EXECUTOR, buckets=DURATION_BUCKETS_MS, registry=registry,
        )  # fmt: skip
        self.conflicts = self._counter("parallel_conflicts_detected", "conflicts detected")
        self.tasks = self._counter("parallel_tasks_spawned", "worker tasks spawned")
        self.incarnations = self._counter("parallel_incarnations", "Block-STM incarnations")
        self.aborts = self._counter("parallel_aborts", "Block-STM aborts")
        self.blocks = Counter(
            "txparity_blocks", "blocks run, by the path they took",
            ("executor", "path"), registry=registry,
        )  # fmt: skip

    def _counter(self, name: str, text: str) -> Counter:
        return Counter(name, text, _EXECUTOR, registry=self.registry)

    def observe(self, executor: str, stats: Stats | None) -> None:
        """One block ``executor`` ran, with the statistics it reported (if any)."""
        if stats is None:
            self.blocks.labels(executor, UNREPORTED).inc()
            return
        self.blocks.labels(executor, stats.path.value).inc()
        parallel = stats.path is ExecutionPath.PARALLEL
        self.enabled.labels(executor).set(int(parallel))
        if not parallel:
            return
        if stats.batch_sizes:
            self.batches.labels(executor).observe(len(stats.batch_sizes))
            for size in stats.batch_sizes:
                self.batch_size.labels(executor).observe(size)
        self.duration_ms.labels(executor).observe(stats.duration_s * 1000)
        self.conflicts.labels(executor).inc(stats.conflicts)
        self.tasks.labels(executor).inc(stats.tasks)
        self.incarnations.labels(executor).inc(stats.incarnations)
        self.aborts.labels(executor).inc(stats.aborts)

    def text(self) -> str:
        """The OpenMetrics exposition, ending with ``# EOF``."""
        exposition: bytes = generate_latest(self.registry)  # type: ignore[no-untyped-call]
        return exposition.decode("utf-8")

    def write(self, path: Path) -> None:
        """Save ``text()`` to ``path`` (``harness.output_file``)."""
        write_output(path, self.text().encode("utf-8"))
