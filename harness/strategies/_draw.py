"""Draw machinery: integer fields, packed fields, weighted tables, pool indices.

Generation and shrinking time grow with the number of choices Hypothesis records,
so each choice is one integer draw, and a few small ones are packed into one
(``draw_fields``, the first field the most significant, so that shrinking the draw
shrinks the fields in order). Hypothesis draws integers up to 256 about uniformly
and larger ones with a bias toward small values: weighted tables and packed draws
stay within 256; only magnitudes (balances, gas, the seed) go beyond. Every field
shrinks toward 0, which each table maps to its plainest option, and the ranges
depend on the knobs only, never on earlier draws, so that a shrink of one part of
a case leaves the draws of the others meaningful.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from typing import Generic, TypeVar

from hypothesis import strategies as st

from txparity.executors.limits import U64_LIMIT
from txparity.harness.strategies._knobs import EXTRA_ASSETS

__all__ = [
    "AMOUNTS",
    "ASSETS",
    "U64_MAX",
    "WORDS",
    "Table",
    "amount_of",
    "asset_of",
    "cached",
    "chance",
    "draw_asset_amount",
    "draw_field",
    "draw_fields",
    "draw_index",
    "ints",
    "lists",
]

T = TypeVar("T")
U64_MAX = U64_LIMIT - 1


cached = functools.lru_cache(maxsize=4096)  # strategies are built once per argument set


@cached
def ints(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(low, high)


@cached
def lists(elements: st.SearchStrategy[T], least: int, most: int) -> st.SearchStrategy[list[T]]:
    return st.lists(elements, min_size=least, max_size=most)


def draw_field(draw: st.DrawFn, radix: int) -> int:
    return draw(ints(0, radix - 1))


def draw_fields(draw: st.DrawFn, *radices: int) -> list[int]:
    """One draw, cut into fields ``0 <= field < radix``, the first most significant."""
    value = draw_field(draw, math.prod(radices))
    fields: list[int] = []
    for radix in reversed(radices):
        value, field = divmod(value, radix)
        fields.append(field)
    fields.reverse()
    return fields


class Table(Generic[T]):
    """Weighted options for one field; field value 0 is the first option, and so is
    the largest, which Hypothesis draws more often than the others: the rare options
    at the end of a table come up as often as their weight says."""

    __slots__ = ("options", "radix")

    def __init__(self, weighted: Iterable[tuple[int, T]]) -> None:
        self.options = [(weight, option) for weight, option in weighted if weight > 0]
        if len(self.options) > 1:
            self.options.append((1, self.options[0][1]))
        self.radix = sum(weight for weight, _ in self.options)

    def plain(self) -> list[tuple[int, T]]:
        """The weighted options as given, without the repeat of the first: to build
        a larger table from this one."""
        return self.options[:-1] if len(self.options) > 1 else list(self.options)

    def __getitem__(self, value: int) -> T:
        for weight, option in self.options:
            if value < weight:
                return option
            value -= weight
        raise IndexError(value)

    def draw(self, draw: st.DrawFn) -> T:
        return self[draw_field(draw, self.radix)]


def chance(percent: int) -> Table[bool]:
    """True ``percent`` % of the time; False at 0."""
    return Table([(100 - percent, False), (percent, True)])


def draw_index(draw: st.DrawFn, hot_pct: int, size: int) -> int:
    """An index into a pool of (at most) ``size``: 0, the hot one, at least ``hot_pct``
    % of the time: draws past the pool stand for it. The builder takes the index
    modulo the case's own pool."""
    if size <= 1:
        return 0
    index = draw_field(draw, size + size * hot_pct // (100 - hot_pct))
    return index if index < size else 0


# Stack words and arguments: small ones, and the ones arithmetic fails on.
_WORDS = (0, 1, 2, 3, 5, 7, 10, 42, 100, 1000, 2**32, 2**63, U64_MAX)
WORDS = st.sampled_from(_WORDS)
_BIG_AMOUNTS = (100, 300, 1000, 2000, 5000, 10_000)
AMOUNTS = 30 + len(_BIG_AMOUNTS)  # amount field: 1 to 30, then a few large ones
ASSETS = 2 * len(EXTRA_ASSETS) + 1  # asset field: TOS half the time, else an index


def amount_of(field: int) -> int:
    return field + 1 if field < 30 else _BIG_AMOUNTS[field - 30]


def asset_of(field: int) -> int:
    """0 (TOS) or k >= 1, the case's k-th other asset (modulo their count)."""
    return field if field <= len(EXTRA_ASSETS) else 0


def draw_asset_amount(draw: st.DrawFn) -> tuple[int, int]:
    asset, amount = draw_fields(draw, ASSETS, AMOUNTS)
    return asset_of(asset), amount_of(amount)
