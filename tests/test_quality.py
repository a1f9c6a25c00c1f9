"""The quality tier: the harness must find every planted bug and shrink it.

For each planted-bug variant, a Hypothesis search over the generator profile the
variant names (its ``profile``) must find a case on which the variant diverges from
the reference within a fixed example budget, and the harness's shrinker must bring
it to at most the known minimum plus one transaction. The known minimum is 4
transactions for every variant: each bug lives on the parallel path, which devnet
takes from 4 transactions on, and 4 suffice for each (test_mutants.py holds a
4-transaction case per variant).

The search is derandomized and every run is on a seeded schedule, so the test is
exact. Shrinking is the harness's own rather than Hypothesis's: Hypothesis keeps
the schedule seed it drew while it deletes transactions, so a schedule-dependent
bug stalls its shrinker at about twice the minimum, while the harness re-checks
each candidate under several neighbouring seeds, to its fixed point.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, find, settings

from tests.conftest import SHRINK_TO_FIXED_POINT_S, planted_bugs
from txparity.executors.model import Case
from txparity.executors.mutants import MUTANTS
from txparity.harness.differential import Runner
from txparity.harness.options import Options
from txparity.harness.shrink import shrink
from txparity.harness.strategies import cases

KNOWN_MINIMUM_TXS = 4
BUDGET = 400

SEARCH = settings(
    max_examples=BUDGET,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.parametrize("mutant", planted_bugs())
def test_planted_bug_is_found_and_shrunk(mutant: str) -> None:
    with Runner([f"{mutant}@memory/seeded"], Options(seeds=1)) as runner:

        def diverges(case: Case) -> bool:
            return bool(runner.check(case, confirm=False).divergences)

        found = find(cases(MUTANTS[mutant].profile), diverges, settings=SEARCH)
        divergence = runner.check(found).divergences[0]
        result = shrink(divergence, runner, runner.targets[0], SHRINK_TO_FIXED_POINT_S)
    shrunk = result.divergence
    assert shrunk.fingerprint == divergence.fingerprint
    assert KNOWN_MINIMUM_TXS <= len(shrunk.case.block.txs) <= KNOWN_MINIMUM_TXS + 1
