"""Plans: what a case is drawn as, before the builder resolves it.

A plan is made of small integers and choices: pool sizes, then for each transaction
a sender, a nonce offset, a fee and a body whose addresses are indices into pools.
A plan names addresses by (kind, index); indices are taken modulo the pool they
index, so that any shrink of an index or of a pool stays meaningful.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from txparity.executors.model import Op

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
    "InstructionPlan",
    "InvokePlan",
    "OutputPlan",
    "ProgramPlan",
    "Ref",
    "RefKind",
    "TransferPlan",
    "TxPlan",
]


class RefKind(StrEnum):
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
class DeployPlan:
    code: CodePlan
    clash: bool  # sent by an account whose next deploy address is a genesis contract


@dataclass(frozen=True, slots=True)
class InvokePlan:
    target: Ref
    entry: int
    missing_entry: bool
    args: tuple[int, ...]
    deposits: tuple[tuple[int, int], ...]
    max_gas: int


BodyPlan = TransferPlan | BurnPlan | DeployPlan | InvokePlan


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
