"""The weighted tables a profile's draws use, built once per ``Knobs``.

Weights are in half percents (tables of about 200), so that each deliberate oddity,
weighted ``odd_pct``, comes up ``odd_pct / 2`` % of the time; each table's first
option is the plainest, where shrinking a draw ends up.
"""

from __future__ import annotations

import functools

from hypothesis import strategies as st

from txparity.executors.limits import MAX_ARGS, MAX_OUTPUTS
from txparity.harness.strategies._draw import Table, chance, draw_index
from txparity.harness.strategies._invalid import TOO_MANY_ARGS, TOO_MANY_OUTPUTS
from txparity.harness.strategies._knobs import Knobs
from txparity.harness.strategies._plans import DeployMode, Extras, Funding, Ref, RefKind
from txparity.harness.strategies._templates import TEMPLATES

__all__ = ["Tables", "tables_for"]


class Tables:
    """The tables a profile's draws use, built once per ``Knobs``."""

    def __init__(self, knobs: Knobs) -> None:
        self.hot = knobs.hot_pct
        self.network = Table(zip(knobs.networks, range(3), strict=True))
        self.kind = Table(zip(knobs.kinds, ("transfer", "burn", "deploy", "invoke"), strict=True))
        self._addresses(knobs)
        self._transactions(knobs)
        self._code(knobs)
        self.named = chance(5 * knobs.odd_pct)
        self.odd = chance(knobs.odd_pct)
        self.miner = chance(knobs.miner_in_pool_pct)

    def _addresses(self, knobs: Knobs) -> None:
        """Who sends, who receives, which contract is invoked, from which pool."""
        R, odd = RefKind, knobs.odd_pct  # short names keep the tables on a line
        self.sizes = {R.POOL: knobs.accounts[1], R.CONTRACT: max(1, knobs.contracts[1]),
                      R.NEW: 4, R.DEPLOYED: 4}  # fmt: skip
        self.sender = Table([(200, R.POOL), (2 * knobs.miner_sends_pct, R.MINER),
                             (odd, R.NEW), (odd, R.CONTRACT)])  # fmt: skip
        self.dest = Table([(120, R.POOL), (30, R.NEW), (16, R.MINER), (odd, R.SELF),
                           (odd, R.CONTRACT), (odd, R.DEPLOYED), (odd, R.AHEAD)])  # fmt: skip
        self.target = Table([(120, R.CONTRACT), (60, R.DEPLOYED), (odd, R.POOL),
                             (odd, R.MISSING)])  # fmt: skip

    def _transactions(self, knobs: Knobs) -> None:
        """Nonce offsets, transfer shapes, funding, entries, arguments, deposits."""
        F, X, odd = Funding, Extras, knobs.odd_pct
        # Nonce offsets (a field of about 40) are packed with fees (0 to 4, or 250).
        off = 40 * knobs.nonce_noise_pct // 100
        self.offset = Table([(40 - off, 0), (2 * off // 5, -1), (2 * off // 5, 1),
                             (off - 4 * off // 5, 2)])  # fmt: skip
        self.shape = Table([
            (120, (2, F.NORMAL)), (36, (4, F.NORMAL)), (24, (MAX_OUTPUTS, F.NORMAL)),
            (8, (2, F.EXACT)), (8, (2, F.SHORT)), (odd, (2, F.ZERO)), (odd, (0, F.NORMAL)),
            (odd, (TOO_MANY_OUTPUTS, F.NORMAL)),
        ])  # fmt: skip
        self.funding = Table([(180, F.NORMAL), (8, F.EXACT), (8, F.SHORT), (odd, F.ZERO)])
        self.entries = 200
        self.missing_entry = 200 - odd  # entry fields from here on name no entry
        self.args = Table([(50, 0), (60, 1), (50, 2), (20, 3),
                           *((6, count) for count in range(4, MAX_ARGS + 1)),
                           (odd, TOO_MANY_ARGS)])  # fmt: skip
        self.extras = Table([(170, X.NONE), (20, X.ONE_DEPOSIT), (10, X.TWO_DEPOSITS),
                             (odd, X.ZERO_DEPOSIT), (odd, X.GAS_OVER_LIMIT)])  # fmt: skip

    def _code(self, knobs: Knobs) -> None:
        """Templates or free code, and how a deploy goes wrong."""
        free, broken, odd = knobs.free_code_pct, knobs.malformed_code_pct, knobs.odd_pct
        self.template = Table(
            [((100 - free) // 10, t) for t in range(len(TEMPLATES))]
            + [(len(TEMPLATES) * free // 10, -1)]
        )
        self.deploy = Table([(100 - broken - 8 * odd, DeployMode.PLAIN),
                             (broken, DeployMode.BROKEN),
                             (8 * odd, DeployMode.CLASH)])  # fmt: skip

    def ref(self, draw: st.DrawFn, table: Table[RefKind]) -> Ref:
        kind = table.draw(draw)
        size = self.sizes.get(kind, 1)
        hot = self.hot if kind in (RefKind.POOL, RefKind.CONTRACT) else 0
        return Ref(kind, draw_index(draw, hot, size))


tables_for = functools.lru_cache(maxsize=64)(Tables)
