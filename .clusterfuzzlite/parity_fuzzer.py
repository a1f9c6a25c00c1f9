"""ClusterFuzzLite's fuzz target: txparity's differential property under atheris.

ClusterFuzzLite compiles this file (``build.sh``) and runs it as a libFuzzer target,
on every pull request (code-change fuzzing) and on a schedule (batch fuzzing). It
is ``python -m txparity.harness.fuzz_atheris`` with the settings that fit there:

- only executors whose every run the case decides (``seeded`` schedules), so that a
  crashing input reproduces when ClusterFuzzLite runs it again to confirm it;
- no shrinking inside an input: libFuzzer minimizes a crashing input itself, and a
  shrink would count against its per-input time limit;
- counterexamples saved under the temporary directory, never in the source tree.

A divergence is an uncaught ``AssertionError`` naming the executor, the kind of
difference and the ``txparity replay`` command. The command line's own arguments
come after this target's settings: libFuzzer's flags, and txparity's options (one
given there overrides the setting here; an ``--executor`` adds to the list).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

# Every correct parallel executor on both backends, on the seeded schedule. Named
# here, not imported: the executors must be imported only once atheris instruments
# them, inside fuzz_atheris.main.
EXECUTORS = (
    "batched@memory/seeded",
    "batched@sqlite/seeded",
    "blockstm@memory/seeded",
    "blockstm@sqlite/seeded",
    "rwlock@memory/seeded",
    "rwlock@sqlite/seeded",
    "sharded@memory/seeded",
    "sharded@sqlite/seeded",
    "predictive@memory/seeded",
    "predictive@sqlite/seeded",
)


def arguments(given: list[str]) -> list[str]:
    """fuzz_atheris's arguments: this target's settings, then those ``given``."""
    corpus = Path(tempfile.gettempdir()) / "txparity-corpus"
    settings = ["--shrink-seconds", "0", "--corpus", str(corpus)]
    for spec in EXECUTORS:
        settings += ["--executor", spec]
    return settings + given


if __name__ == "__main__":
    from txparity.harness.fuzz_atheris import main

    main(arguments(sys.argv[1:]))
