"""Knobs and profiles: what shapes the cases a strategy draws.

A ``Knobs`` value fixes pool sizes, contention, block sizes, network and kind
weights, and how often the deliberately odd cases come up; ``PROFILES`` names the
six sets of knobs a campaign can be asked for, and ``profile_knobs`` is the one
place a profile name is looked up (an unknown name is ``UnknownProfile``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from txparity.harness.errors import KnobsError, UnknownProfile

__all__ = ["DEFAULT_PROFILE", "EXTRA_ASSETS", "PROFILES", "Knobs", "profile_knobs"]

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
                raise KnobsError(f"Knobs.{name} must be a range ({least} <= low <= high)")
        if self.extra_assets[1] > len(EXTRA_ASSETS):
            raise KnobsError(f"Knobs.extra_assets: at most {len(EXTRA_ASSETS)}")
        if min(self.networks) < 0 or sum(self.networks) <= 0:
            raise KnobsError("Knobs.networks: weights >= 0, not all 0")
        if min(self.kinds) < 0 or sum(self.kinds) <= 0:
            raise KnobsError("Knobs.kinds: weights >= 0, not all 0")
        percents = (self.hot_pct, self.nonce_noise_pct, self.miner_in_pool_pct,
                    self.miner_sends_pct, self.odd_pct, self.malformed_code_pct,
                    self.free_code_pct)  # fmt: skip
        if not all(0 <= p <= 99 for p in percents):
            raise KnobsError("Knobs: percentages must be from 0 to 99")


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
    # Transfers and burns only, no contracts: for an executor (or its adapter) that
    # has payments and nothing else; few accounts, so that they meet often.
    "payments": Knobs(
        accounts=(2, 8), contracts=(0, 0), hot_pct=40, kinds=(80, 20, 0, 0),
        miner_in_pool_pct=50, miner_sends_pct=15,
    ),
})  # fmt: skip


DEFAULT_PROFILE = "mixed"


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
