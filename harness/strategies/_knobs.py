"""Knobs, profiles and case formats: what shapes the cases a strategy draws.

A ``Knobs`` value fixes pool sizes, contention, block sizes, network and kind
weights, how often the deliberately odd cases come up, and what share of the cases
are version 2 (SPEC 10) and how they use its features; ``PROFILES`` names the seven
sets of knobs a campaign can be asked for, and ``profile_knobs`` is the one place a
profile name is looked up (an unknown name is ``UnknownProfile``).

A ``CaseFormat`` says which versions a strategy draws: ``any`` (the default), each
profile's share of version 2 cases (``Knobs.v2_pct``) and version 1 for the rest;
``1``, version 1 only, for executors that speak only that, drawn byte for byte as
before version 2 existed; ``2``, version 2 only. ``v2_share`` is the one place a
profile and a format are matched (``ProfileFormatMismatch`` for a profile of
version 2 cases only asked for version 1).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from txparity.harness.errors import (
    KnobsError,
    ProfileFormatMismatch,
    UnknownFormat,
    UnknownProfile,
)

__all__ = [
    "DEFAULT_FORMAT",
    "DEFAULT_PROFILE",
    "EXTRA_ASSETS",
    "PROFILES",
    "CaseFormat",
    "Knobs",
    "case_format",
    "profile_knobs",
    "v2_share",
]

EXTRA_ASSETS = ("GOLD", "USD", "X9")
Range = tuple[int, int]


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
      amount, ``MAX_ARGS + 1`` args, ``max_gas`` over ``MAX_GAS_LIMIT``, a self
      transfer, a transfer to a contract, an unknown sender, a missing contract or
      entry, 0 or ``MAX_OUTPUTS + 1`` outputs, a deploy to an address in use (and a
      transfer that puts an account there). ``_invalid.py`` holds those values.
    - ``malformed_code_pct``: deploys of code that is not well-formed.
    - ``free_code_pct``: contracts with freely generated programs, not templates.

    Version 2 (SPEC 10); every knob below shapes version 2 cases only:

    - ``v2_pct``: the share of version 2 cases under the default format (``any``),
      from 0 to 100; 100 makes a profile of version 2 cases only.
    - ``each_tx_pct``: blocks whose fees are paid after each transaction.
    - ``gas_limit_pct``: blocks with a gas limit, set where the block's gas reaches
      it at a drawn transaction, so that most limits cut the block in the middle.
    - ``v2_code_pct``: contracts (genesis or deployed) holding one of the version 2
      templates (a contract a salted deploy revives, a factory of clones, a probe
      of balances and logs) rather than a version 1 one.
    - ``salt_pct``: deploys with a salt; half of them revive the salted contract
      destroyed latest in the block (sent by its account, with its code), and a
      genesis contract is named like a salted deploy's address as often.
    - ``story_pct``: transaction plans that are stories, a few transactions in the
      order a parity bug needs them (a contract written, destroyed, revived and
      read; two clones from one factory, then a clone of the clone; a contract
      destroyed, then paid and invoked; fees paid, the miner's balance read, then
      spent), which random transactions would rarely line up.
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
    v2_pct: int = 25
    each_tx_pct: int = 40
    gas_limit_pct: int = 30
    v2_code_pct: int = 50
    salt_pct: int = 30
    story_pct: int = 8

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
                raise KnobsError(f"Knobs.{name} must be a range ({least} <= low <= high)")
        if self.extra_assets[1] > len(EXTRA_ASSETS):
            raise KnobsError(f"Knobs.extra_assets: at most {len(EXTRA_ASSETS)}")
        if min(self.networks) < 0 or sum(self.networks) <= 0:
            raise KnobsError("Knobs.networks: weights >= 0, not all 0")
        if min(self.kinds) < 0 or sum(self.kinds) <= 0:
            raise KnobsError("Knobs.kinds: weights >= 0, not all 0")
        percents = (self.hot_pct, self.nonce_noise_pct, self.miner_in_pool_pct,
                    self.miner_sends_pct, self.odd_pct, self.malformed_code_pct,
                    self.free_code_pct, self.each_tx_pct, self.gas_limit_pct,
                    self.v2_code_pct, self.salt_pct, self.story_pct)  # fmt: skip
        if not all(0 <= p <= 99 for p in percents):
            raise KnobsError("Knobs: percentages must be from 0 to 99")
        if not 0 <= self.v2_pct <= 100:
            raise KnobsError("Knobs.v2_pct: a share from 0 to 100")


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
    # Mostly deploys and invokes of templates and free programs; more version 2
    # cases than elsewhere, since most of what version 2 adds is contract work.
    "contracts": Knobs(
        accounts=(3, 12), contracts=(2, 8), hot_pct=10, kinds=(8, 2, 25, 65),
        odd_pct=5, malformed_code_pct=20, free_code_pct=15, v2_pct=40,
    ),
    # A few senders with runs of nonces, replays, gaps, and a miner that spends
    # (in version 2, mostly the fees paid to it during the block).
    "nonces": Knobs(
        accounts=(2, 5), contracts=(0, 2), hot_pct=60, kinds=(70, 15, 5, 10),
        nonce_noise_pct=40, miner_in_pool_pct=60, miner_sends_pct=25, each_tx_pct=70,
    ),
    # Transfers and burns only, no contracts: for an executor (or its adapter) that
    # has payments and nothing else; few accounts, so that they meet often. Its
    # version 2 cases add fees paid after each transaction (a miner that spends
    # them) and gas limits, and no stories (they deploy and invoke).
    "payments": Knobs(
        accounts=(2, 8), contracts=(0, 0), hot_pct=40, kinds=(80, 20, 0, 0),
        miner_in_pool_pct=50, miner_sends_pct=15, story_pct=0,
    ),
    # Version 2 only, leaning on what it adds: few accounts and contracts, most of
    # them destroyed and revived, cloning, logging or reading balances; fees paid
    # after each transaction to a miner that spends them; gas limits that cut.
    "v2": Knobs(
        accounts=(2, 6), contracts=(2, 5), hot_pct=50, networks=(85, 10, 5),
        block_sizes=((2, 8), (6, 12), (14, 18)), kinds=(30, 5, 20, 45),
        miner_in_pool_pct=20, miner_sends_pct=20, malformed_code_pct=4, free_code_pct=10,
        v2_pct=100, each_tx_pct=60, gas_limit_pct=40, v2_code_pct=80, salt_pct=50,
        story_pct=30,
    ),
})  # fmt: skip


DEFAULT_PROFILE = "mixed"


class CaseFormat(StrEnum):
    """Which versions of cases a strategy draws (``--format``)."""

    ANY = "any"  # version 2 in the profile's share (Knobs.v2_pct), version 1 otherwise
    V1 = "1"  # version 1 only, drawn exactly as before version 2 existed
    V2 = "2"  # version 2 only


DEFAULT_FORMAT = CaseFormat.ANY


def profile_knobs(profile: str | Knobs) -> Knobs:
    """The knobs of a named profile (a key of ``PROFILES``), or ``profile`` itself.

    Every entry point that takes a profile name checks it here, so that an unknown
    name gets the same one-line error everywhere."""
    if isinstance(profile, Knobs):
        return profile
    try:
        return PROFILES[profile]
    except KeyError:
        raise UnknownProfile(
            f"unknown profile {profile!r} (known: {', '.join(PROFILES)})"
        ) from None


def case_format(value: CaseFormat | str) -> CaseFormat:
    """The format named ``value`` (``UnknownFormat`` for any other)."""
    try:
        return CaseFormat(value)
    except ValueError:
        known = ", ".join(f.value for f in CaseFormat)
        raise UnknownFormat(f"unknown case format {value!r} (known: {known})") from None


def v2_share(profile: str | Knobs, form: CaseFormat | str) -> int:
    """The percentage of version 2 cases the profile draws in the format: its own
    share under ``any``, 0 under ``1`` and 100 under ``2``.

    A profile of version 2 cases only (``v2_pct`` 100, such as ``v2``) cannot draw
    version 1 cases: asked for them it is ``ProfileFormatMismatch``, rather than a
    stream of cases without anything the profile is about."""
    knobs, chosen = profile_knobs(profile), case_format(form)
    if chosen is CaseFormat.V1 and knobs.v2_pct == 100:
        name = repr(profile) if isinstance(profile, str) else "of Knobs(v2_pct=100)"
        raise ProfileFormatMismatch(
            f"profile {name} draws version 2 cases only, not format 1 (version 1) cases"
        )
    return {CaseFormat.ANY: knobs.v2_pct, CaseFormat.V1: 0, CaseFormat.V2: 100}[chosen]
