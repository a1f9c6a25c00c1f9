"""``txparity bench``: executors measured on seeded workloads, parity on every block.

``workloads`` builds the blocks, ``measure`` runs and times them on the reference
and each executor and checks every answer, ``results`` turns the rows into the
``--json`` document and compares two, ``table`` and ``plot`` show them, and
``command`` is the command the command line runs. See docs/CONFIGURATION.md for
the options and docs/ARCHITECTURE.md for what the figures say.
"""

from __future__ import annotations

from txparity.harness.bench.measure import Parity, Plan, Row, Timing, measure
from txparity.harness.bench.workloads import WORKLOADS, Workload

__all__ = ["WORKLOADS", "Parity", "Plan", "Row", "Timing", "Workload", "measure"]
