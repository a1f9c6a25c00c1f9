"""Plans: what a case is drawn as, before the builder resolves it.

A plan is made of small integers and choices: pool sizes, then for each transaction
a sender, a nonce offset, a fee and a body whose addresses are indices into pools.
A plan names addresses by (kind, index); indices are taken modulo the pool they
index, so that any shrink of an index or of a pool stays meaningful.

A version 2 case's plan has a few more parts (SPEC 10), each with a default that
is what version 1 means, so that a version 1 plan simply leaves them out: a
genesis contract's nonce and a name a salted deploy can revive, a deploy's salt,
the block's fee payment and gas limit (``V2BlockPlan``), and stories, plans the
builder turns into a few transactions in a set order (``StoryPlan``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from txparity.executors.model import FeePayment, Op

__all__ = [
    "AccountPlan",
    "BodyPlan",
    "Breakage",
    "BreakageKind",
    "BurnPlan",
    "CodePlan",
    "ContractPlan",
    "DeployMode",
    "DeployPlan",
    "Extras",
    "Funding",
    "GasLimitMode",
    "GasLimitPlan",
    "InstructionPlan",
    "InvokePlan",
    "OutputPlan",
    "ProgramPlan",
    "Ref",
    "RefKind",
    "SaltMode",
    "SaltPlan",
    "Story",
    "StoryPlan",
    "TransferPlan",
    "TxPlan",
    "V2BlockPlan",
]


class RefKind(StrEnum):
    """Where an address comes from: a genesis account of the pool, the miner, an
    address absent from genesis, the sender itself, a genesis contract, the
    index-th latest contract created so far in the block (by a deploy, or in
    version 2 by ``CLONE``), where the sender's next deploy would go, or nothing at
    all; in version 2 also the index-th latest contract destroyed so far, and where
    a genesis contract's next ``CLONE`` would go."""

    POOL = "pool"
    MINER = "miner"
    NEW = "new"
    SELF = "self"
    CONTRACT = "contract"
    DEPLOYED = "deployed"
    AHEAD = "ahead"
    MISSING = "missing"
    DESTROYED = "destroyed"
    CLONE_AHEAD = "clone_ahead"


class Funding(StrEnum):
    """How a transfer or burn is funded; see ``_build._fund``."""

    NORMAL = "normal"
    EXACT = "exact"  # spends all of the source's TOS
    SHORT = "short"  # one TOS more than the source has
    ZERO = "zero"  # the first amount is 0


class Extras(StrEnum):
    """What an invoke carries besides its arguments."""

    NONE = "none"
    ONE_DEPOSIT = "one"
    TWO_DEPOSITS = "two"
    ZERO_DEPOSIT = "zero"
    GAS_OVER_LIMIT = "gas"


class DeployMode(StrEnum):
    PLAIN = "plain"
    BROKEN = "broken"  # code that is not well-formed
    CLASH = "clash"  # to an address already in use


class SaltMode(StrEnum):
    """How a version 2 deploy is salted (SPEC 10.3)."""

    FRESH = "fresh"  # "<source>.s<salt>" with the drawn sender and salt
    REVIVE = "revive"  # the salted address destroyed latest, by its account, with its code


class Story(StrEnum):
    """A short run of transactions on one address, in the order a version 2 parity
    bug needs them (``_stories.py``)."""

    REVIVAL = "revival"  # write, destroy, revive, read
    CLONES = "clones"  # clone twice from one factory, then the first clone clones
    DESTROYED = "destroyed"  # destroy, pay the address, invoke it
    MINER = "miner"  # fees paid, the miner's balance read, the miner spends it all


class GasLimitMode(StrEnum):
    """Where a version 2 block's gas limit falls."""

    CUT = "cut"  # where the block's gas reaches it at about a drawn transaction
    ZERO = "zero"  # 0: every transaction is rejected ``block_full``


class BreakageKind(StrEnum):
    ITEM = "item"  # a bad instruction
    ENTRY = "entry"  # a bad entry id
    LONG = "long"  # 257 instructions


@dataclass(frozen=True, slots=True)
class Ref:
    """An address to resolve (see ``RefKind``); ``index`` picks within the kind."""

    kind: RefKind
    index: int = 0


InstructionPlan = tuple[Op, tuple[int, ...]]  # JUMP targets and CALL contracts as raw indices
ProgramPlan = tuple[InstructionPlan, ...]


@dataclass(frozen=True, slots=True)
class Breakage:
    """How deploy code is made not well-formed; ``position`` and ``choice`` place
    and pick the bad instruction or entry id."""

    kind: BreakageKind
    position: int
    choice: int


@dataclass(frozen=True, slots=True)
class CodePlan:
    """A template (index into ``TEMPLATES``) or free code (``template == -1``)."""

    template: int
    free: tuple[tuple[int, ProgramPlan], ...]
    breakage: Breakage | None


@dataclass(frozen=True, slots=True)
class OutputPlan:
    dest: Ref
    asset: int
    amount: int


@dataclass(frozen=True, slots=True)
class TransferPlan:
    outputs: tuple[OutputPlan, ...]
    funding: Funding


@dataclass(frozen=True, slots=True)
class BurnPlan:
    asset: int
    amount: int
    funding: Funding


@dataclass(frozen=True, slots=True)
class SaltPlan:
    mode: SaltMode
    salt: int


@dataclass(frozen=True, slots=True)
class DeployPlan:
    code: CodePlan
    clash: bool  # sent by an account whose next deploy address is a genesis contract
    salt: SaltPlan | None = None  # version 2


@dataclass(frozen=True, slots=True)
class InvokePlan:
    target: Ref
    entry: int
    missing_entry: bool
    args: tuple[int, ...]
    deposits: tuple[tuple[int, int], ...]
    max_gas: int


@dataclass(frozen=True, slots=True)
class StoryPlan:
    """A story (version 2): ``target`` picks among the contracts it can be told on,
    ``value`` is what it stores, pays or salts with."""

    story: Story
    target: int
    value: int


BodyPlan = TransferPlan | BurnPlan | DeployPlan | InvokePlan | StoryPlan


@dataclass(frozen=True, slots=True)
class TxPlan:
    sender: Ref
    nonce_offset: int
    fee: int
    body: BodyPlan


@dataclass(frozen=True, slots=True)
class AccountPlan:
    nonce: int
    tos: int
    lacks: int  # 0: holds every asset; k: all but asset k (modulo the case's assets)
    others: int  # its balance of each asset other than TOS


@dataclass(frozen=True, slots=True)
class ContractPlan:
    clash: tuple[int, int] | None  # named "<account j>.<its nonce + k>" instead of "c<i>"
    code: CodePlan
    tos: int
    storage: tuple[tuple[int, int], ...]
    # Version 2: named "<account j>.s<k>", which a deploy from account j with salt k
    # revives once the contract is destroyed; and the contract's nonce.
    salted: tuple[int, int] | None = None
    nonce: int = 0


@dataclass(frozen=True, slots=True)
class GasLimitPlan:
    """A gas limit reached at the first transaction from ``position`` on that uses
    gas, ``slack`` (at most that transaction's gas less one) below the block's gas
    after it; or 0."""

    mode: GasLimitMode
    position: int
    slack: int


@dataclass(frozen=True, slots=True)
class V2BlockPlan:
    """What a version 2 block adds: when fees are paid, and its gas limit (None: no
    limit)."""

    fee_payment: FeePayment
    gas_limit: GasLimitPlan | None
