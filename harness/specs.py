"""What a target spec is made of: the facts ``harness.options`` declares its
options with and ``harness.targets`` runs by, named once, in a module that costs
nothing to import.

A spec is an in-tree executor's name (``NAME[@BACKEND][/SCHEDULE]``, checked by
``executors.registry``) or ``cmd:`` and a command line, an external executor
speaking SPEC section 8. The options only declare and check specs, and every
command reads its options, ``txparity run`` too: so these live here rather than in
``harness.targets``, which loads the process machinery with them.
"""

from __future__ import annotations

__all__ = ["DEFAULT_TIMEOUT_S", "EXTERNAL_PREFIX", "REFERENCE_SPEC"]

EXTERNAL_PREFIX = "cmd:"  # an external executor: cmd:COMMAND
DEFAULT_TIMEOUT_S = 10.0  # the per-case limit on an external executor's answer
REFERENCE_SPEC = "sequential@memory"  # what every executor is compared with, unless told
