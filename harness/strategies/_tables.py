"""The weighted tables a profile's draws use, built once per ``Knobs`` and version.

Weights are in half percents (tables of about 200), so that each deliberate oddity,
weighted ``odd_pct``, comes up ``odd_pct / 2`` % of the time; each table's first
option is the plainest, where shrinking a draw ends up.

A version 2 case draws from the same tables with options of its own appended
(addresses destroyed in the block, where a clone would go, the version 2
templates), and from a few tables of its own (fee payment, gas limit, salts); the
version 1 tables are exactly what they were before version 2, so that version 1
cases are drawn byte for byte as before.
"""

from __future__ import annotations

import functools

from hypothesis import strategies as st

from txparity.executors.limits import MAX_ARGS, MAX_OUTPUTS
from txparity.executors.model import FeePayment, Version
from txparity.harness.strategies._draw import Table, chance, draw_index
from txparity.harness.strategies._invalid import TOO_MANY_ARGS, TOO_MANY_OUTPUTS
from txparity.harness.strategies._knobs import Knobs
from txparity.harness.strategies._plans import (
    DeployMode,
    Extras,
    Funding,
    GasLimitMode,
    Ref,
    RefKind,
    SaltMode,
    Story,
)
from txparity.harness.strategies._templates import TEMPLATES, V1_TEMPLATES

__all__ = ["Tables", "tables_for"]


class Tables:
    """The tables a profile's draws use, built once per ``Knobs`` and version."""

    def __init__(self, knobs: Knobs, version: Version) -> None:
        self.version = version
        self.hot = knobs.hot_pct
        self.network = Table(zip(knobs.networks, range(3), strict=True))
        kinds = list(zip(knobs.kinds, ("transfer", "burn", "deploy", "invoke"), strict=True))
        if version >= Version.V2:  # stories: story_pct % of the transaction plans
            kinds.append((sum(knobs.kinds) * knobs.story_pct // (100 - knobs.story_pct), "story"))
        self.kind = Table(kinds)
        self._addresses(knobs)
        self._transactions(knobs)
        self._code(knobs)
        self.named = chance(5 * knobs.odd_pct)
        self.odd = chance(knobs.odd_pct)
        self.miner = chance(knobs.miner_in_pool_pct)
        if version >= Version.V2:
            self._version_2(knobs)

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
        if self.version >= Version.V2:
            self.sizes[R.DESTROYED] = 4
            self.dest = Table([*self.dest.plain(), (12, R.DESTROYED), (odd, R.CLONE_AHEAD)])
            self.target = Table([*self.target.plain(), (20, R.DESTROYED)])

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
        """Templates or free code, and how a deploy goes wrong. In version 2 the
        version 2 templates take ``v2_code_pct`` of the templates' share, each three
        times the weight of a version 1 one when the shares are even."""
        free, broken, odd = knobs.free_code_pct, knobs.malformed_code_pct, knobs.odd_pct
        first = len(V1_TEMPLATES)
        if self.version >= Version.V2:
            v2 = knobs.v2_code_pct
            weights = [(100 - free) * (100 - v2) // 1000] * first
            weights += [(100 - free) * v2 * 3 // 1000] * (len(TEMPLATES) - first)
        else:
            weights = [(100 - free) // 10] * first
        self.template = Table([*zip(weights, range(len(weights)), strict=True),
                               (first * free // 10, -1)])  # fmt: skip
        self.deploy = Table([(100 - broken - 8 * odd, DeployMode.PLAIN),
                             (broken, DeployMode.BROKEN),
                             (8 * odd, DeployMode.CLASH)])  # fmt: skip

    def _version_2(self, knobs: Knobs) -> None:
        """What only a version 2 case draws: its fee payment, gas limit, salts, the
        names and nonces of its genesis contracts, and a reward small enough that
        a miner who spends needs the fees of the block."""
        odd, limited, salted = knobs.odd_pct, knobs.gas_limit_pct, knobs.salt_pct
        self.fee_payment = Table([(100 - knobs.each_tx_pct, FeePayment.BLOCK_END),
                                  (knobs.each_tx_pct, FeePayment.EACH_TX)])  # fmt: skip
        self.gas_limit = Table([(200 - 2 * limited, None), (2 * limited, GasLimitMode.CUT),
                                (odd, GasLimitMode.ZERO)])  # fmt: skip
        self.salt = Table([(200 - 2 * salted, None), (salted, SaltMode.FRESH),
                           (salted, SaltMode.REVIVE)])  # fmt: skip
        self.salted_name = chance(salted)
        self.small_reward = chance(50)
        self.story = Table((1, story) for story in Story)

    def ref(self, draw: st.DrawFn, table: Table[RefKind]) -> Ref:
        kind = table.draw(draw)
        size = self.sizes.get(kind, 1)
        hot = self.hot if kind in (RefKind.POOL, RefKind.CONTRACT) else 0
        return Ref(kind, draw_index(draw, hot, size))


tables_for = functools.lru_cache(maxsize=64)(Tables)
"""``tables_for(knobs, version)``: the tables, built once per knobs and version."""
