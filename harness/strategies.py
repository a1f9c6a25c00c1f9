"""Hypothesis strategies for whole cases: genesis, one block, and executor settings.

``cases(profile)`` generates ``executors.model.Case`` values that are always valid
(SPEC 3): they survive ``decode_case(canonical_json(encode_case(case)))`` unchanged.
Their transactions are not always valid: some are rejected or reverted on purpose,
so that every reason of SPEC 5.1 and 6 shows up.

How a case is made. Everything is first drawn as a *plan* of small integers: pool
sizes, then for each transaction a sender, a nonce offset, a fee and a body whose
addresses are indices into pools. A final builder pass turns the plan into a case.
It runs the reference rules (``executors.rules``) over the block as it goes, so that
each transaction gets its real nonce: the sender's nonce at that point of the block
(a running per-sender counter of included transactions) plus the drawn offset, 0
most of the time; -1 replays the last included nonce, +1 and +2 leave a gap, and +1
followed by 0 sends n+1 before n. The same pass resolves the fees that make a
transaction spend exactly its sender's balance or one more, the addresses
``<source>.<nonce>`` of contracts deployed earlier in the block (invoked, or paid by
mistake), and a deployed contract's own address in its code.

Contracts. Genesis contracts and deploys hold templates (a counter, caller-keyed
storage, a vault with deposits and PAY, a caller of the pool's library, a
self-recursive call past the depth limit, REVERT after SSTORE, loops that run out of
gas, arithmetic failures, a contract whose entries each fail in their own way), each
with relay entries 8 and 9 that bump a slot and the next contract's (a chain of
read-modify-writes across contracts), or freely generated well-formed programs; a
deploy's code is sometimes not well-formed (``MalformedCode``).

Shrinking. Because nonces, addresses and amounts are resolved from the plan,
deleting a transaction is one step that keeps the others as valid as they were;
merging two accounts is shrinking an index; amounts, fees, gas, pool sizes, threads
and the schedule seed shrink toward small values, and every weighted choice toward
its first, plainest option (a transfer, an existing receiver, the exact nonce,
devnet). Nothing is filtered or assumed.

Contention is a knob: a ``Knobs`` value fixes pool sizes, how often a transaction
touches the hot account or contract (index 0), block sizes around each network's
parallel threshold, network and kind weights, and how often the odd cases come up.
``PROFILES`` names five: ``mixed`` (the default), ``contended``, ``wide``,
``contracts`` and ``nonces``.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from types import MappingProxyType
from typing import Generic, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from txparity.executors.code import CodeNotWellFormed, ops_of, parse_code
from txparity.executors.codec import canonical_json
from txparity.executors.limits import ADDRESS_PATTERN
from txparity.executors.model import (
    NATIVE_ASSET,
    U64_LIMIT,
    Account,
    Block,
    Burn,
    Case,
    Code,
    Config,
    Contract,
    Deploy,
    Genesis,
    Instruction,
    Invoke,
    MalformedCode,
    Network,
    Op,
    Output,
    Program,
    Status,
    Transaction,
    Transfer,
    Version,
)
from txparity.executors.rules import apply_transaction, maximum_spend, reward_writes
from txparity.executors.state.base import genesis_write_set
from txparity.executors.state.memory import MemoryState
from txparity.executors.view import Scratch

__all__ = ["PROFILES", "Knobs", "cases", "load_settings_profile", "register_settings_profiles"]

T = TypeVar("T")
U64_MAX = U64_LIMIT - 1
EXTRA_ASSETS = ("GOLD", "USD", "X9")
NETWORKS = (Network.DEVNET, Network.TESTNET, Network.MAINNET)
MISSING_CONTRACT = "nosuch"  # a valid address that never names anything
LONG_ACCOUNT = "z" * 63  # its deploy address "<63 chars>.<nonce>" is too long: malformed
Range = tuple[int, int]


# ---------------------------------------------------------------- knobs


@dataclass(frozen=True, slots=True)
class Knobs:
    """What a profile sets. Ranges are inclusive; ``*_pct`` values are percentages.

    - ``accounts``, ``contracts``: genesis pool sizes (accounts ``a0``, ``a1``, ...;
      contracts ``c0``, ``c1``, ...); ``extra_assets``: how many assets besides TOS.
    - ``hot_pct``: how often a sender, receiver or invoked contract is the hot one
      (index 0) rather than any of the pool.
    - ``networks``: weights of devnet, testnet, mainnet. ``block_sizes``: for each
      network, the range a block's least size is drawn from; the block then grows
      (Hypothesis' list sizes), up to the largest top of the three. Each range
      straddles the network's threshold (4, 10, 20), so that most blocks, not all,
      take the parallel path.
    - ``threads``: the range of ``config.threads``.
    - ``kinds``: weights of transfer, burn, deploy, invoke.
    - ``nonce_noise_pct``: transactions whose nonce is off (replay, gap, n+1 first).
    - ``miner_in_pool_pct``: cases whose miner is a pool account (so also a sender);
      otherwise it is ``m``, absent from genesis. ``miner_sends_pct``: how often a
      transaction's sender is the miner, spending its reward.
    - ``odd_pct``: how often each choice that can go deliberately wrong does: a zero
      amount, 9 args, ``max_gas`` over 1000000, a self transfer, a transfer to a
      contract, an unknown sender, a missing contract or entry, 0 or 17 outputs, a
      deploy to an address in use (and a transfer that puts an account there).
    - ``malformed_code_pct``: deploys of code that is not well-formed.
    - ``free_code_pct``: contracts with freely generated programs, not templates.
    """

    accounts: Range = (2, 40)
    contracts: Range = (0, 6)
    extra_assets: Range = (1, 3)
    hot_pct: int = 30
    networks: tuple[int, int, int] = (70, 20, 10)
    block_sizes: tuple[Range, Range, Range] = ((1, 10), (8, 16), (17, 26))
    threads: Range = (1, 8)
    kinds: tuple[int, int, int, int] = (45, 10, 12, 33)
    nonce_noise_pct: int = 10
    miner_in_pool_pct: int = 40
    miner_sends_pct: int = 8
    odd_pct: int = 3
    malformed_code_pct: int = 15
    free_code_pct: int = 25

    def __post_init__(self) -> None:
        ranges = {
            "accounts": (self.accounts, 1),
            "contracts": (self.contracts, 0),
            "extra_assets": (self.extra_assets, 0),
            "threads": (self.threads, 1),
        }
        ranges |= {f"block_sizes[{i}]": (r, 0) for i, r in enumerate(self.block_sizes)}
        for name, ((low, high), least) in ranges.items():
            if not least <= low <= high:
                raise ValueError(f"Knobs.{name} must be a range ({least} <= low <= high)")
        if self.extra_assets[1] > len(EXTRA_ASSETS):
            raise ValueError(f"Knobs.extra_assets: at most {len(EXTRA_ASSETS)}")
        if min(self.networks) < 0 or sum(self.networks) <= 0:
            raise ValueError("Knobs.networks: weights >= 0, not all 0")
        if min(self.kinds) < 0 or sum(self.kinds) <= 0:
            raise ValueError("Knobs.kinds: weights >= 0, not all 0")
        percents = (self.hot_pct, self.nonce_noise_pct, self.miner_in_pool_pct,
                    self.miner_sends_pct, self.odd_pct, self.malformed_code_pct,
                    self.free_code_pct)  # fmt: skip
        if not all(0 <= p <= 99 for p in percents):
            raise ValueError("Knobs: percentages must be from 0 to 99")


PROFILES: Mapping[str, Knobs] = MappingProxyType({
    # A bit of everything, mostly on devnet.
    "mixed": Knobs(),
    # 2 to 4 accounts, 1 or 2 contracts, and most transactions touch the hot ones.
    "contended": Knobs(
        accounts=(2, 4), contracts=(1, 2), hot_pct=70,
        block_sizes=((2, 12), (8, 16), (17, 26)), kinds=(50, 10, 10, 30),
        miner_in_pool_pct=50,
    ),
    # Tens to hundreds of accounts, rarely the same twice: few conflicts.
    "wide": Knobs(
        accounts=(40, 300), contracts=(2, 16), hot_pct=3, networks=(50, 30, 20),
        block_sizes=((4, 16), (8, 24), (18, 32)),
    ),
    # Mostly deploys and invokes of templates and free programs.
    "contracts": Knobs(
        accounts=(3, 12), contracts=(2, 8), hot_pct=10, kinds=(8, 2, 25, 65),
        odd_pct=5, malformed_code_pct=20, free_code_pct=15,
    ),
    # A few senders with runs of nonces, replays, gaps, and a miner that spends.
    "nonces": Knobs(
        accounts=(2, 5), contracts=(0, 2), hot_pct=60, kinds=(70, 15, 5, 10),
        nonce_noise_pct=40, miner_in_pool_pct=60, miner_sends_pct=25,
    ),
})  # fmt: skip


def cases(profile: str | Knobs = "mixed") -> st.SearchStrategy[Case]:
    """Valid cases shaped by the named profile (a key of ``PROFILES``) or by ``Knobs``."""
    if isinstance(profile, Knobs):
        return _cases(profile)
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r} (known: {', '.join(PROFILES)})")
    return _cases(PROFILES[profile])


# ---------------------------------------------------------------- settings profiles


def register_settings_profiles() -> None:
    """Register the Hypothesis profiles ``dev``, ``ci`` and ``nightly``.

    Each has Hypothesis' ``default`` profile as its parent, never the active one:
    with ``CI`` set, Hypothesis activates its own derandomized ``ci`` profile, whose
    settings would otherwise leak into ours.
    """
    base = settings.get_profile("default")
    settings.register_profile("dev", base, max_examples=30, deadline=None)
    settings.register_profile(
        "ci", base, max_examples=100, deadline=None, print_blob=True,
        suppress_health_check=[HealthCheck.too_slow],
    )  # fmt: skip
    settings.register_profile(
        "nightly", base, max_examples=2000, deadline=None, print_blob=True,
        suppress_health_check=list(HealthCheck),
    )  # fmt: skip


def load_settings_profile(name: str | None = None) -> str:
    """Register our profiles and load one: ``name``, else ``$TXPARITY_PROFILE``, else
    ``ci`` when ``$CI`` is set and ``dev`` otherwise. Returns the name loaded."""
    register_settings_profiles()
    env = os.environ.get("TXPARITY_PROFILE")
    chosen = name or env or ("ci" if os.environ.get("CI") else "dev")
    settings.load_profile(chosen)
    return chosen


# ---------------------------------------------------------------- plans
#
# A plan names addresses by (kind, index); indices are taken modulo the pool they
# index, so that any shrink of an index or of a pool stays meaningful.


class _RefKind(StrEnum):
    """Where an address comes from: a genesis account of the pool, the miner, an
    address absent from genesis, the sender itself, a genesis contract, the
    index-th latest deploy included so far, where the sender's next deploy would
    go, or nothing at all."""

    POOL = "pool"
    MINER = "miner"
    NEW = "new"
    SELF = "self"
    CONTRACT = "contract"
    DEPLOYED = "deployed"
    AHEAD = "ahead"
    MISSING = "missing"


class _Funding(StrEnum):
    """How a transfer or burn is funded; see ``_fund``."""

    NORMAL = "normal"
    EXACT = "exact"  # spends all of the source's TOS
    SHORT = "short"  # one TOS more than the source has
    ZERO = "zero"  # the first amount is 0


class _Extras(StrEnum):
    """What an invoke carries besides its arguments."""

    NONE = "none"
    ONE_DEPOSIT = "one"
    TWO_DEPOSITS = "two"
    ZERO_DEPOSIT = "zero"
    GAS_OVER_LIMIT = "gas"


class _DeployMode(StrEnum):
    PLAIN = "plain"
    BROKEN = "broken"  # code that is not well-formed
    CLASH = "clash"  # to an address already in use


class _BreakageKind(StrEnum):
    ITEM = "item"  # a bad instruction
    ENTRY = "entry"  # a bad entry id
    LONG = "long"  # 257 instructions


@dataclass(frozen=True, slots=True)
class _Ref:
    """An address to resolve (see ``_RefKind``); ``index`` picks within the kind."""

    kind: _RefKind
    index: int = 0


_InstrPlan = tuple[Op, tuple[int, ...]]  # JUMP targets and CALL contracts as raw indices
_ProgramPlan = tuple[_InstrPlan, ...]


@dataclass(frozen=True, slots=True)
class _Breakage:
    """How deploy code is made not well-formed; ``position`` and ``choice`` place
    and pick the bad instruction or entry id."""

    kind: _BreakageKind
    position: int
    choice: int


@dataclass(frozen=True, slots=True)
class _CodePlan:
    """A template (index into ``_TEMPLATES``) or free code (``template == -1``)."""

    template: int
    free: tuple[tuple[int, _ProgramPlan], ...]
    breakage: _Breakage | None


@dataclass(frozen=True, slots=True)
class _OutputPlan:
    dest: _Ref
    asset: int
    amount: int


@dataclass(frozen=True, slots=True)
class _TransferPlan:
    outputs: tuple[_OutputPlan, ...]
    funding: _Funding


@dataclass(frozen=True, slots=True)
class _BurnPlan:
    asset: int
    amount: int
    funding: _Funding


@dataclass(frozen=True, slots=True)
class _DeployPlan:
    code: _CodePlan
    clash: bool  # sent by an account whose next deploy address is a genesis contract


@dataclass(frozen=True, slots=True)
class _InvokePlan:
    target: _Ref
    entry: int
    missing_entry: bool
    args: tuple[int, ...]
    deposits: tuple[tuple[int, int], ...]
    max_gas: int


_BodyPlan = _TransferPlan | _BurnPlan | _DeployPlan | _InvokePlan


@dataclass(frozen=True, slots=True)
class _TxPlan:
    sender: _Ref
    nonce_offset: int
    fee: int
    body: _BodyPlan


@dataclass(frozen=True, slots=True)
class _AccountPlan:
    nonce: int
    tos: int
    lacks: int  # 0: holds every asset; k: all but asset k (modulo the case's assets)
    others: int  # its balance of each asset other than TOS


@dataclass(frozen=True, slots=True)
class _ContractPlan:
    clash: tuple[int, int] | None  # named "<account j>.<its nonce + k>" instead of "c<i>"
    code: _CodePlan
    tos: int
    storage: tuple[tuple[int, int], ...]


# ---------------------------------------------------------------- drawing helpers
#
# Generation and shrinking time grow with the number of choices Hypothesis records,
# so each choice below is one integer draw, and a few small ones are packed into one
# (``_fields``, the first field the most significant, so that shrinking the draw
# shrinks the fields in order). Hypothesis draws integers up to 256 about uniformly
# and larger ones with a bias toward small values: weighted tables and packed draws
# stay within 256; only magnitudes (balances, gas, the seed) go beyond. Every field
# shrinks toward 0, which each table maps to its plainest option, and the ranges
# depend on the knobs only, never on earlier draws, so that a shrink of one part of
# a case leaves the draws of the others meaningful.


_cached = functools.lru_cache(maxsize=4096)  # strategies are built once per argument set


@_cached
def _ints(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(low, high)


@_cached
def _lists(elements: st.SearchStrategy[T], least: int, most: int) -> st.SearchStrategy[list[T]]:
    return st.lists(elements, min_size=least, max_size=most)


def _field(draw: st.DrawFn, radix: int) -> int:
    return draw(_ints(0, radix - 1))


def _fields(draw: st.DrawFn, *radices: int) -> list[int]:
    """One draw, cut into fields ``0 <= field < radix``, the first most significant."""
    value = _field(draw, math.prod(radices))
    fields: list[int] = []
    for radix in reversed(radices):
        value, field = divmod(value, radix)
        fields.append(field)
    fields.reverse()
    return fields


class _Table(Generic[T]):
    """Weighted options for one field; field value 0 is the first option, and so is
    the largest, which Hypothesis draws more often than the others: the rare options
    at the end of a table come up as often as their weight says."""

    __slots__ = ("options", "radix")

    def __init__(self, weighted: Iterable[tuple[int, T]]) -> None:
        self.options = [(weight, option) for weight, option in weighted if weight > 0]
        if len(self.options) > 1:
            self.options.append((1, self.options[0][1]))
        self.radix = sum(weight for weight, _ in self.options)

    def __getitem__(self, value: int) -> T:
        for weight, option in self.options:
            if value < weight:
                return option
            value -= weight
        raise IndexError(value)

    def draw(self, draw: st.DrawFn) -> T:
        return self[_field(draw, self.radix)]


def _chance(percent: int) -> _Table[bool]:
    """True ``percent`` % of the time; False at 0."""
    return _Table([(100 - percent, False), (percent, True)])


def _index(draw: st.DrawFn, hot_pct: int, size: int) -> int:
    """An index into a pool of (at most) ``size``: 0, the hot one, at least ``hot_pct``
    % of the time: draws past the pool stand for it. The builder takes the index
    modulo the case's own pool."""
    if size <= 1:
        return 0
    index = _field(draw, size + size * hot_pct // (100 - hot_pct))
    return index if index < size else 0


# Stack words and arguments: small ones, and the ones arithmetic fails on.
_WORDS = (0, 1, 2, 3, 5, 7, 10, 42, 100, 1000, 2**32, 2**63, U64_MAX)
WORDS = st.sampled_from(_WORDS)
_BIG_AMOUNTS = (100, 300, 1000, 2000, 5000, 10_000)
AMOUNTS = 30 + len(_BIG_AMOUNTS)  # amount field: 1 to 30, then a few large ones
ASSETS = 2 * len(EXTRA_ASSETS) + 1  # asset field: TOS half the time, else an index


def _amount(field: int) -> int:
    return field + 1 if field < 30 else _BIG_AMOUNTS[field - 30]


def _asset(field: int) -> int:
    """0 (TOS) or k >= 1, the case's k-th other asset (modulo their count)."""
    return field if field <= len(EXTRA_ASSETS) else 0


def _asset_amount(draw: st.DrawFn) -> tuple[int, int]:
    asset, amount = _fields(draw, ASSETS, AMOUNTS)
    return _asset(asset), _amount(amount)


class _Tables:
    """The tables a profile's draws use, built once per ``Knobs``."""

    def __init__(self, knobs: Knobs) -> None:
        R, F, X = _RefKind, _Funding, _Extras  # short names keep the tables on a line
        odd, noise = knobs.odd_pct, knobs.nonce_noise_pct
        self.hot = knobs.hot_pct
        self.sizes = {R.POOL: knobs.accounts[1], R.CONTRACT: max(1, knobs.contracts[1]),
                      R.NEW: 4, R.DEPLOYED: 4}  # fmt: skip
        self.network = _Table(zip(knobs.networks, range(3), strict=True))
        self.kind = _Table(zip(knobs.kinds, ("transfer", "burn", "deploy", "invoke"), strict=True))
        # Weights are in half percents (tables of about 200), so that each deliberate
        # oddity, weighted ``odd``, comes up odd_pct / 2 % of the time.
        self.sender = _Table([(200, R.POOL), (2 * knobs.miner_sends_pct, R.MINER),
                              (odd, R.NEW), (odd, R.CONTRACT)])  # fmt: skip
        # Nonce offsets (a field of about 40) are packed with fees (0 to 4, or 250).
        off = 40 * noise // 100
        self.offset = _Table([(40 - off, 0), (2 * off // 5, -1), (2 * off // 5, 1),
                              (off - 4 * off // 5, 2)])  # fmt: skip
        self.shape = _Table([
            (120, (2, F.NORMAL)), (36, (4, F.NORMAL)), (24, (16, F.NORMAL)), (8, (2, F.EXACT)),
            (8, (2, F.SHORT)), (odd, (2, F.ZERO)), (odd, (0, F.NORMAL)), (odd, (17, F.NORMAL)),
        ])  # fmt: skip
        self.funding = _Table([(180, F.NORMAL), (8, F.EXACT), (8, F.SHORT), (odd, F.ZERO)])
        self.dest = _Table([(120, R.POOL), (30, R.NEW), (16, R.MINER), (odd, R.SELF),
                            (odd, R.CONTRACT), (odd, R.DEPLOYED), (odd, R.AHEAD)])  # fmt: skip
        self.target = _Table([(120, R.CONTRACT), (60, R.DEPLOYED), (odd, R.POOL),
                              (odd, R.MISSING)])  # fmt: skip
        self.entries = 200
        self.missing_entry = 200 - odd  # entry fields from here on name no entry
        self.args = _Table([(50, 0), (60, 1), (50, 2), (20, 3), (6, 4), (6, 5), (6, 6),
                            (6, 7), (6, 8), (odd, 9)])  # fmt: skip
        self.extras = _Table([(170, X.NONE), (20, X.ONE_DEPOSIT), (10, X.TWO_DEPOSITS),
                              (odd, X.ZERO_DEPOSIT), (odd, X.GAS_OVER_LIMIT)])  # fmt: skip
        free = knobs.free_code_pct
        self.template = _Table(
            [((100 - free) // 10, t) for t in range(len(_TEMPLATES))]
            + [(len(_TEMPLATES) * free // 10, -1)]
        )
        broken = knobs.malformed_code_pct
        self.deploy = _Table([(100 - broken - 8 * odd, _DeployMode.PLAIN),
                              (broken, _DeployMode.BROKEN),
                              (8 * odd, _DeployMode.CLASH)])  # fmt: skip
        self.named = _chance(5 * odd)
        self.odd = _chance(odd)
        self.miner = _chance(knobs.miner_in_pool_pct)

    def ref(self, draw: st.DrawFn, table: _Table[_RefKind]) -> _Ref:
        kind = table.draw(draw)
        size = self.sizes.get(kind, 1)
        hot = self.hot if kind in (_RefKind.POOL, _RefKind.CONTRACT) else 0
        return _Ref(kind, _index(draw, hot, size))


_tables = functools.lru_cache(maxsize=64)(_Tables)


# ---------------------------------------------------------------- contract code

_OPS = ops_of(Version.V1)  # version 1 cases: the ops SPEC 6 has, in Op order


@st.composite
def _instruction(draw: st.DrawFn) -> _InstrPlan:
    op = _OPS[_field(draw, len(_OPS))]
    match op:
        case Op.PUSH:
            return op, (draw(WORDS),)
        case Op.ARG:
            return op, (_field(draw, 8),)
        case Op.JUMP | Op.JUMPI:
            return op, (_field(draw, 256),)
        case Op.CALL:
            contract, entry = _fields(draw, 16, 4)
            return op, (contract, entry, _field(draw, 9))
        case _:
            return op, ()


_ENTRY_IDS = st.sampled_from((0, 1, 2, 3, U64_MAX))
_FREE_CODE = st.lists(
    st.tuples(_ENTRY_IDS, st.lists(_instruction(), max_size=10).map(tuple)),
    min_size=1,
    max_size=3,
    unique_by=lambda entry: entry[0],
).map(tuple)

# Items that break an otherwise well-formed program (SPEC 6), and bad entry ids.
_BAD_ITEMS: tuple[object, ...] = (
    ["PUSH"], ["PUSH", 1, 2], ["PUSH", -1], ["PUSH", U64_LIMIT], ["PUSH", "1"],
    ["PUSH", True], ["ARG", 8], ["JUMP", 999], ["JUMPI", -1], ["NOPE"], [],
    ["STOP", 0], ["CALL", "c0", 0], ["CALL", "Bad!", 0, 0], ["CALL", "c0", 0, 9],
    1, "PUSH", None,
)  # fmt: skip
_BAD_ENTRY_IDS = ("01", "-1", "x", str(U64_LIMIT), "", " 1")
_BREAKAGES = (_BreakageKind.ITEM,) * 6 + (_BreakageKind.ENTRY,) * 3 + (_BreakageKind.LONG,)


def _code_plan(draw: st.DrawFn, t: _Tables, broken: bool) -> _CodePlan:
    """A template or free code; perhaps broken."""
    template = t.template.draw(draw)
    free = template < 0
    programs = draw(_FREE_CODE) if free else ()
    breakage = None
    if broken:
        kind, item = _fields(draw, len(_BREAKAGES), len(_BAD_ITEMS))
        breakage = _Breakage(_BREAKAGES[kind], _field(draw, 256), item)
    return _CodePlan(template, programs, breakage)


def _i(op: Op, *operands: int | str) -> Instruction:
    return Instruction(op, operands)


def _program(*items: Op | tuple[Op, int | str] | tuple[Op, str, int, int]) -> Program:
    return tuple(_i(item) if isinstance(item, Op) else _i(*item) for item in items)


P, A = Op.PUSH, Op.ARG
Template = Callable[[str, str], dict[int, Program]]  # (own address, library) -> code


def _counter(me: str, library: str) -> dict[int, Program]:
    """Storage slot 0 += 1; read it."""
    bump = _program((P, 0), Op.SLOAD, (P, 1), Op.ADD, (P, 0), Op.SSTORE)
    return {0: bump, 1: _program((P, 0), Op.SLOAD)}


def _keyed(me: str, library: str) -> dict[int, Program]:
    """Caller-keyed storage: slot CALLER += arg 0; read it."""
    add = _program(Op.CALLER, Op.SLOAD, (A, 0), Op.ADD, Op.CALLER, Op.SSTORE)
    return {0: add, 1: _program(Op.CALLER, Op.SLOAD)}


def _vault(me: str, library: str) -> dict[int, Program]:
    """Credit the caller arg 0 (with deposits); withdraw it with PAY; PAY arg 0
    unchecked; PAY one more than the balance (``contract_funds``); record BALANCE."""
    return {
        0: _program(Op.CALLER, Op.SLOAD, (A, 0), Op.ADD, Op.CALLER, Op.SSTORE),
        1: _program(Op.CALLER, Op.SLOAD, (A, 0), Op.SUB, Op.CALLER, Op.SSTORE, (A, 0), Op.PAY),
        2: _program((A, 0), Op.PAY),
        3: _program(Op.BALANCE, (P, 1), Op.ADD, Op.PAY),
        4: _program(Op.BALANCE, (P, 0), Op.SSTORE),
    }


def _chain(me: str, library: str) -> dict[int, Program]:
    """Call the pool's library (its first contract but this one): its relay entry 9,
    which bumps its slot 9 and the next contract's (A -> B -> C), or its entry 0; then
    store the result. Invokes of different contracts so share callees."""
    return {
        0: _program((Op.CALL, library, 9, 0), (P, 0), Op.SSTORE),
        1: _program((Op.CALL, library, 0, 0), (P, 1), Op.SSTORE),
    }


def _recurse(me: str, library: str) -> dict[int, Program]:
    """Call itself arg 0 times (``depth`` from 4 on), or forever."""
    countdown = _program(
        (A, 0), (Op.JUMPI, 3), Op.STOP, (A, 0), (P, 1), Op.SUB, (Op.CALL, me, 0, 1), Op.STOP
    )
    return {0: countdown, 1: _program((Op.CALL, me, 1, 0))}


def _reverter(me: str, library: str) -> dict[int, Program]:
    """SSTORE, then REVERT: always, or when arg 0 is not 0."""
    store = ((P, 7), (P, 1), Op.SSTORE)
    return {
        0: _program(*store, Op.REVERT),
        1: _program(*store, (A, 0), (Op.JUMPI, 6), Op.STOP, Op.REVERT),
    }


def _looper(me: str, library: str) -> dict[int, Program]:
    """An endless storage-bumping loop (JUMP back), and a loop of arg 0 rounds."""
    return {
        0: _program((P, 0), Op.SLOAD, (P, 1), Op.ADD, (P, 0), Op.SSTORE, (Op.JUMP, 0)),
        1: _program(
            (A, 0), Op.DUP, Op.ISZERO, (Op.JUMPI, 7), (P, 1), Op.SUB, (Op.JUMP, 1), Op.STOP
        ),
    }


def _arith(me: str, library: str) -> dict[int, Program]:
    """100 / arg 0 (``div_zero`` at 0), 1 % 0 and 0 - 1 (always fail), arg 0 * arg 1
    (``overflow`` if large), arg 0 - arg 1 (if arg 1 is larger), arg 0 + arg 1."""
    return {
        0: _program((P, 100), (A, 0), Op.DIV, (P, 3), Op.SSTORE),
        1: _program((P, 1), (P, 0), Op.MOD),
        2: _program((P, 0), (P, 1), Op.SUB),
        3: _program((A, 0), (A, 1), Op.MUL),
        4: _program((A, 0), (A, 1), Op.SUB),
        5: _program((A, 0), (A, 1), Op.ADD, (P, 4), Op.SSTORE),
    }


def _stacky(me: str, library: str) -> dict[int, Program]:
    """Failures of their own kinds: stack underflow and overflow, calls that cannot be
    made, a division by 0, a payment of more than the balance."""
    return {
        0: _program(Op.POP),
        1: _program((P, 1), (Op.JUMP, 0)),
        2: _program((Op.CALL, MISSING_CONTRACT, 0, 0)),
        3: _program((Op.CALL, me, 7, 0)),
        4: _program((P, 1), Op.SWAP),
        5: _program((P, 7), (P, 0), Op.DIV),
        6: _program(Op.BALANCE, (P, 1), Op.ADD, Op.PAY),
    }


_TEMPLATES: tuple[Template, ...] = (
    _counter, _keyed, _vault, _chain, _recurse, _reverter, _looper, _arith, _stacky,
)  # fmt: skip


def _relay(after: str) -> dict[int, Program]:
    """The entries every template has: 9 bumps slot 9, then calls entry 8 of the next
    contract of the pool, which bumps its slot 9 too: read-modify-writes across
    contracts, which fail with ``bad_call`` where the next one is free code."""
    bump = ((P, 9), Op.SLOAD, (P, 1), Op.ADD, (P, 9), Op.SSTORE)
    return {8: _program(*bump), 9: _program(*bump, (Op.CALL, after, 8, 0))}


def _realize_program(plan: _ProgramPlan, targets: Sequence[str]) -> Program:
    program: list[Instruction] = []
    for op, operands in plan:
        if op in (Op.JUMP, Op.JUMPI):
            program.append(_i(op, operands[0] % len(plan)))
        elif op is Op.CALL:
            contract, entry, count = operands
            program.append(_i(op, targets[contract % len(targets)], entry, count))
        else:
            program.append(_i(op, *operands))
    return tuple(program)


def _realize_code(plan: _CodePlan, me: str, pool: Sequence[str]) -> Code | MalformedCode:
    """The code a plan names for a contract at ``me``, with the genesis ``pool``."""
    position = pool.index(me) + 1 if me in pool else 0
    after = pool[position % len(pool)] if pool else me
    library = next((contract for contract in pool if contract != me), me)
    if plan.template >= 0:
        entries = _TEMPLATES[plan.template](me, library)
        entries |= _relay(after)
    else:
        targets = [*pool, me]
        entries = {entry: _realize_program(program, targets) for entry, program in plan.free}
    code = Code(entries)
    return code if plan.breakage is None else _break(code, plan.breakage)


def _break(code: Code, breakage: _Breakage) -> MalformedCode:
    """Code that is not well-formed, kept as canonical JSON with parse_code's problem."""
    raw: dict[str, list[object]] = {
        entry: list(program) for entry, program in code.to_json().items()
    }
    first = min(raw)
    match breakage.kind:
        case _BreakageKind.ITEM:
            program = raw[first]
            program.insert(breakage.position % (len(program) + 1), _BAD_ITEMS[breakage.choice])
        case _BreakageKind.ENTRY:
            raw[_BAD_ENTRY_IDS[breakage.choice % len(_BAD_ENTRY_IDS)]] = raw.pop(first)
        case _:
            raw[first] = [["STOP"]] * 257
    try:
        parse_code(raw)
    except CodeNotWellFormed as error:
        return MalformedCode(canonical_json(raw), str(error))
    raise AssertionError(f"broken code is well-formed: {raw}")


# ---------------------------------------------------------------- transaction plans


@_cached
@st.composite
def _output(draw: st.DrawFn, knobs: Knobs) -> _OutputPlan:
    t = _tables(knobs)
    return _OutputPlan(t.ref(draw, t.dest), *_asset_amount(draw))


def _invoke(draw: st.DrawFn, t: _Tables) -> _InvokePlan:
    target = t.ref(draw, t.target)
    entry = _field(draw, t.entries)
    args = tuple(draw(WORDS) for _ in range(t.args.draw(draw)))
    extras = t.extras.draw(draw)
    count = {_Extras.ONE_DEPOSIT: 1, _Extras.TWO_DEPOSITS: 2, _Extras.ZERO_DEPOSIT: 1}.get(
        extras, 0
    )
    deposits = [_asset_amount(draw) for _ in range(count)]
    if extras is _Extras.ZERO_DEPOSIT:
        deposits[0] = (deposits[0][0], 0)
    gas = _field(draw, 256)  # tiny budgets (up to 31) an eighth of the time, else to 2000
    gas = gas if gas < 32 else (gas - 31) * 2000 // 224
    max_gas = 1_000_000 + gas + 1 if extras is _Extras.GAS_OVER_LIMIT else gas
    return _InvokePlan(target, entry, entry >= t.missing_entry, args, tuple(deposits), max_gas)


@_cached
@st.composite
def _tx(draw: st.DrawFn, knobs: Knobs) -> _TxPlan:
    t = _tables(knobs)
    kind = t.kind.draw(draw)
    sender = t.ref(draw, t.sender)
    offset, fee = _fields(draw, t.offset.radix, 6)
    body: _BodyPlan
    match kind:
        case "transfer":
            most, funding = t.shape.draw(draw)
            least = 17 if most == 17 else min(most, 1)
            outputs = draw(_lists(_output(knobs), least, most))
            body = _TransferPlan(tuple(outputs), funding)
        case "burn":
            body = _BurnPlan(*_asset_amount(draw), t.funding.draw(draw))
        case "deploy":
            mode = t.deploy.draw(draw)
            code = _code_plan(draw, t, mode is _DeployMode.BROKEN)
            body = _DeployPlan(code, mode is _DeployMode.CLASH)
        case _:
            body = _invoke(draw, t)
    return _TxPlan(sender, t.offset[offset], fee if fee < 5 else 250, body)


# ---------------------------------------------------------------- genesis plans


@st.composite
def _account(draw: st.DrawFn) -> _AccountPlan:
    nonce = _field(draw, 100)  # mostly 0, sometimes small, rarely at the u64 limit
    if nonce >= 98:
        nonce = U64_MAX - (nonce == 98)
    elif nonce >= 85:
        nonce = nonce % 5 + 1
    else:
        nonce = 0
    lacks = _field(draw, 4 * len(EXTRA_ASSETS))  # 0 or past the assets: lacks none
    # Fields of 256 are drawn about uniformly: balances of about 0 to 1000000 TOS
    # and 0 to 10000 of each other asset, with few small ones.
    tos, others = _field(draw, 256) * 3_989, _field(draw, 256) * 41
    return _AccountPlan(nonce, tos, lacks if lacks <= len(EXTRA_ASSETS) else 0, others)


_STORAGE = st.lists(
    st.tuples(_ints(0, 9), _ints(0, 1000)), max_size=3, unique_by=lambda slot: slot[0]
)


@_cached
@st.composite
def _contract(draw: st.DrawFn, knobs: Knobs) -> _ContractPlan:
    t = _tables(knobs)
    named = None
    if t.named.draw(draw):
        named = (_index(draw, 50, knobs.accounts[1]), _field(draw, 4) // 3)
    code = _code_plan(draw, t, False)
    storage = tuple(draw(_STORAGE))
    return _ContractPlan(named, code, _field(draw, 3001), storage)


# ---------------------------------------------------------------- the case


@st.composite
def _cases(draw: st.DrawFn, knobs: Knobs) -> Case:
    t = _tables(knobs)
    network = t.network.draw(draw)
    # The least block size is a fraction of the network's range, and every network
    # has the same largest, so that a shrink of the network keeps the block.
    low, high = knobs.block_sizes[network]
    least = low + _field(draw, 101) * (high - low) // 100
    low_threads, high_threads = knobs.threads
    threads = low_threads + _field(draw, high_threads - low_threads + 1)
    config = Config(NETWORKS[network], threads, _field(draw, 2**32))
    low_extra, high_extra = knobs.extra_assets
    assets = (NATIVE_ASSET, *EXTRA_ASSETS[: low_extra + _field(draw, high_extra - low_extra + 1)])
    long_name = t.odd.draw(draw)
    miner = _index(draw, t.hot, knobs.accounts[1]) if t.miner.draw(draw) else None
    reward = _field(draw, 1001)
    accounts = draw(_lists(_account(), *knobs.accounts))
    contracts = draw(_lists(_contract(knobs), *knobs.contracts))
    txs = draw(_lists(_tx(knobs), least, max(h for _, h in knobs.block_sizes)))
    builder = _Builder(assets, accounts, long_name, contracts, miner, reward)
    return Case(builder.genesis, builder.block(txs), config)


class _Builder:
    """Turns plans into a genesis and a block, running the reference rules as it goes."""

    def __init__(
        self,
        assets: Sequence[str],
        accounts: Sequence[_AccountPlan],
        long_name: bool,
        contracts: Sequence[_ContractPlan],
        miner: int | None,
        reward: int,
    ) -> None:
        self.assets = assets
        names = [f"a{i}" for i in range(len(accounts))]
        if long_name:
            names[-1] = LONG_ACCOUNT
        self.accounts = names
        genesis_accounts = {
            name: Account(plan.nonce, self._balances(plan))
            for name, plan in zip(names, accounts, strict=True)
        }
        self.contracts = self._contract_names(contracts, genesis_accounts)
        self.codes: dict[str, Code] = {}
        genesis_contracts: dict[str, Contract] = {}
        for name, plan in zip(self.contracts, contracts, strict=True):
            code = _realize_code(plan.code, name, self.contracts)
            assert isinstance(code, Code), "genesis code is never broken"
            self.codes[name] = code
            genesis_contracts[name] = Contract(code, {NATIVE_ASSET: plan.tos}, dict(plan.storage))
        self.genesis = Genesis(genesis_accounts, genesis_contracts)
        self.miner = "m" if miner is None else names[miner % len(names)]
        self.reward = reward
        self.deployed: list[str] = []  # addresses of the deploys included so far

    def _balances(self, plan: _AccountPlan) -> dict[str, int]:
        balances = {asset: plan.others for asset in self.assets}
        balances[NATIVE_ASSET] = plan.tos
        if plan.lacks and len(self.assets) > 1:
            del balances[self.asset(plan.lacks)]
        return balances

    def _contract_names(
        self, contracts: Sequence[_ContractPlan], accounts: Mapping[str, Account]
    ) -> list[str]:
        """``c<i>``; for a clash, an address a deploy from account ``a<j>`` will want."""
        names: list[str] = []
        for i, plan in enumerate(contracts):
            name = f"c{i}"
            if plan.clash is not None:
                account = self.accounts[plan.clash[0] % len(self.accounts)]
                clash = f"{account}.{accounts[account].nonce + plan.clash[1]}"
                if ADDRESS_PATTERN.fullmatch(clash) and clash not in names:
                    name = clash
            names.append(name)
        return names

    def asset(self, index: int) -> str:
        """0: TOS; k >= 1: the k-th other asset, modulo their count."""
        others = len(self.assets) - 1
        return self.assets[1 + (index - 1) % others] if index and others else NATIVE_ASSET

    # ------------------------------------------------------------ the block

    def block(self, plans: Sequence[_TxPlan]) -> Block:
        state = MemoryState()
        state.commit(genesis_write_set(self.genesis))
        state.commit(reward_writes(state, Block(self.miner, self.reward, ())))
        txs: list[Transaction] = []
        for plan in plans:
            view = Scratch(state)
            source = self.sender(plan.sender)
            nonce = min(max((view.nonce(source) or 0) + plan.nonce_offset, 0), U64_MAX)
            if isinstance(plan.body, _DeployPlan) and plan.body.clash:
                source, nonce = self.clash(view, source, nonce)
            tx = self.transaction(plan, source, nonce, view)
            outcome = apply_transaction(state, tx)
            state.commit(outcome.write_set)
            if isinstance(tx, Deploy) and outcome.receipt.status is Status.APPLIED:
                self.deployed.append(tx.new_address)
            txs.append(tx)
        return Block(self.miner, self.reward, tuple(txs))

    def transaction(self, plan: _TxPlan, source: str, nonce: int, view: Scratch) -> Transaction:
        body = plan.body
        match body:
            case _TransferPlan():
                outputs = tuple(
                    Output(self.dest(o.dest, source, nonce), self.asset(o.asset), o.amount)
                    for o in body.outputs
                )
                return _fund(Transfer(source, nonce, plan.fee, outputs), body.funding, view)
            case _BurnPlan():
                burn = Burn(source, nonce, plan.fee, self.asset(body.asset), body.amount)
                return _fund(burn, body.funding, view)
            case _DeployPlan():
                address = f"{source}.{nonce}"
                valid = ADDRESS_PATTERN.fullmatch(address) is not None
                code = _realize_code(
                    body.code, address if valid else MISSING_CONTRACT, self.contracts
                )
                if isinstance(code, Code):
                    self.codes.setdefault(address, code)
                return Deploy(source, nonce, plan.fee, code)
            case _InvokePlan():
                contract = self.target(body.target)
                return Invoke(
                    source, nonce, plan.fee, contract, self.entry(contract, body), body.args,
                    {self.asset(a): amount for a, amount in body.deposits}, body.max_gas,
                )  # fmt: skip

    # ------------------------------------------------------------ addresses

    def clash(self, view: Scratch, source: str, nonce: int) -> tuple[str, int]:
        """A sender and nonce whose deploy address is in use (a genesis contract, or an
        account an earlier transfer created there), if there is one."""
        for account in [*self.accounts, self.miner]:
            current = view.nonce(account)
            address = f"{account}.{current}"
            if current is not None and (view.nonce(address), view.code(address)) != (None, None):
                return account, current
        return source, nonce

    def sender(self, ref: _Ref) -> str:
        match ref.kind:
            case _RefKind.POOL:
                return self.accounts[ref.index % len(self.accounts)]
            case _RefKind.MINER:
                return self.miner
            case _RefKind.CONTRACT if self.contracts:
                return self.contracts[ref.index % len(self.contracts)]
            case _:
                return f"n{ref.index}"

    def dest(self, ref: _Ref, source: str, nonce: int) -> str:
        match ref.kind:
            case _RefKind.POOL:
                dest = self.accounts[ref.index % len(self.accounts)]
                if dest == source:
                    dest = self.accounts[(ref.index + 1) % len(self.accounts)]
                return dest
            case _RefKind.MINER:
                return self.miner
            case _RefKind.SELF:
                return source
            case _RefKind.CONTRACT if self.contracts:
                return self.contracts[ref.index % len(self.contracts)]
            case _RefKind.DEPLOYED if self.deployed:
                return self.deployed[-1 - ref.index % len(self.deployed)]
            case _RefKind.AHEAD if ADDRESS_PATTERN.fullmatch(ahead := f"{source}.{nonce + 1}"):
                return ahead  # where the sender's next deploy would go
            case _:
                return f"n{ref.index}"

    def target(self, ref: _Ref) -> str:
        """The invoked address: a contract, a deployed one, an account or nothing."""
        match ref.kind:
            case _RefKind.POOL:
                return self.accounts[ref.index % len(self.accounts)]
            case _RefKind.MISSING:
                return MISSING_CONTRACT
        if self.deployed and (ref.kind is _RefKind.DEPLOYED or not self.contracts):
            return self.deployed[-1 - ref.index % len(self.deployed)]
        if self.contracts:
            return self.contracts[ref.index % len(self.contracts)]
        return MISSING_CONTRACT

    def entry(self, contract: str, plan: _InvokePlan) -> int:
        """An entry of the contract's code (a quarter of the time its relay entry 9,
        if it has one), or one it lacks; for a non-contract, the drawn field."""
        code = self.codes.get(contract)
        if code is None:
            return plan.entry
        if plan.missing_entry:
            return next(e for e in range(99, 99 + len(code.entries) + 1) if e not in code.entries)
        if plan.entry % 4 == 3 and 9 in code.entries:  # the relay: shared writes
            return 9
        entries = sorted(code.entries)
        return entries[plan.entry % len(entries)]


def _fund(tx: Transfer | Burn, funding: _Funding, view: Scratch) -> Transaction:
    """Apply a funding mode: a ``zero`` first amount, or the fee set so that the
    transaction spends ``exact``ly the source's TOS balance, or one more (``short``).

    The fee, not an amount, takes up the difference, so that the amounts a
    counterexample shrinks to are the ones drawn.
    """
    if funding is _Funding.ZERO:
        if isinstance(tx, Burn):
            return replace(tx, amount=0)
        if tx.outputs:
            return replace(tx, outputs=(replace(tx.outputs[0], amount=0), *tx.outputs[1:]))
        return tx
    if funding is _Funding.NORMAL:
        return tx
    fee = tx.fee + view.balance(tx.source, NATIVE_ASSET) - maximum_spend(tx)[NATIVE_ASSET]
    fee += funding is _Funding.SHORT
    return replace(tx, fee=fee) if 0 <= fee < U64_LIMIT else tx
