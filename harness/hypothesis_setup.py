"""Hypothesis' entry point: what txparity registers when Hypothesis is imported.

Installed as ``[project.entry-points.hypothesis]``, so that in any environment
with txparity ``st.from_type(Case)`` (and so ``st.builds`` of anything taking a
``Case``, and ``hypothesis write`` of a function annotated with one) draws valid
cases from ``harness.strategies.cases()``, the ``mixed`` profile, instead of
building a ``Case`` field by field from its annotations, which gives cases no
executor accepts (a negative nonce, a block without transactions' senders).

The hook runs inside ``import hypothesis``: it imports only the model (for the
type) and registers a function, so the strategies are imported the first time a
test asks for a ``Case``, not by every import of Hypothesis.

``hypothesis write`` prints each argument's strategy as Python when its repr is
Python, and imports nothing for a strategy of a third-party package; so the
registered strategy's repr is deliberately not Python, and the test it writes
says ``st.from_type(Case)``, which resolves to the valid cases when it runs.
"""

from __future__ import annotations

from typing import Any

__all__ = ["_hypothesis_setup_hook"]


def _hypothesis_setup_hook() -> None:
    """Register valid cases as the strategy for ``Case``."""
    from hypothesis import strategies as st

    from txparity.executors.model import Case

    st.register_type_strategy(Case, _cases_for)


class _Registered:
    """Stands for "the strategy registered for ``Case``" in a strategy's repr."""

    def __repr__(self) -> str:
        return "<txparity's registered cases>"


def _cases_for(_: type[Any]) -> Any:
    from hypothesis import strategies as st

    from txparity.harness.strategies import cases

    @st.composite
    def registered_cases(draw: st.DrawFn, _: _Registered) -> Any:
        return draw(cases())

    return registered_cases(_Registered())
