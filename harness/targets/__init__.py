"""Targets: anything that answers a case, in-tree or external, behind one interface.

A target spec is what a user types after ``--executor``: a built-in name
(``NAME``, ``NAME@BACKEND``, ``NAME@BACKEND/SCHEDULE``) or ``cmd:<command line>``
for an external executor speaking SPEC section 8. Every target answers a case with
an ``Answer`` (``protocol``): a canonical result, or what went wrong instead.

One module per kind of target: ``builtin`` (an in-tree executor) and ``external``
(a ``cmd:`` command, with the SPEC 8 line parser). ``external`` stands on two
modules of its own: ``process`` (a child in its own process group, with pipes that
never block past a deadline) and ``result_shape`` (what an answer line must look
like before it is compared). This package's face is the factory, ``make_target``.
"""

from __future__ import annotations

from txparity.executors.registry import DEFAULT_WATCHDOG_S, parse_name
from txparity.harness.specs import DEFAULT_TIMEOUT_S, EXTERNAL_PREFIX, REFERENCE_SPEC
from txparity.harness.targets.builtin import BuiltinTarget
from txparity.harness.targets.external import ExternalTarget
from txparity.harness.targets.protocol import Answer, AnswerKind, Target

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "REFERENCE_SPEC",
    "Answer",
    "AnswerKind",
    "BuiltinTarget",
    "ExternalTarget",
    "Target",
    "make_target",
    "target_spec",
]


def make_target(
    spec: str, timeout_s: float = DEFAULT_TIMEOUT_S, watchdog_s: float = DEFAULT_WATCHDOG_S
) -> Target:
    """The target a spec names; raises ``UnknownExecutor`` or ``InputError``."""
    if spec.startswith(EXTERNAL_PREFIX):
        return ExternalTarget(spec, timeout_s)
    return BuiltinTarget(parse_name(spec), watchdog_s)


def target_spec(spec: str) -> str:
    """The spec that the target ``spec`` names reports, and results are tallied
    under: ``batched`` is ``batched@memory/threads``; a ``cmd:`` spec is itself."""
    return spec if spec.startswith(EXTERNAL_PREFIX) else str(parse_name(spec))
