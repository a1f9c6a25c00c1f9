"""The values every executor shares: cases, transactions, receipts, state items.

Everything here is a frozen, slotted dataclass or an enum. A transaction is one of
four kinds (a closed union dispatched with ``match``); a state item is one of six
keys, each naming the smallest piece of state a transaction can read or write, so
that write sets, conflict detection and multi-version memory all speak one language.

Mappings inside frozen values (balances, storage, code entries) are plain dicts that
nobody mutates after construction; values are compared, never hashed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar

from txparity.executors.limits import U64_LIMIT

__all__ = [
    "EMPTY_WRITE_SET",
    "NATIVE_ASSET",
    "U64_LIMIT",
    "Account",
    "BalanceKey",
    "Block",
    "Burn",
    "BurnedKey",
    "Case",
    "Code",
    "CodeKey",
    "Config",
    "Contract",
    "ContractBalanceKey",
    "Deploy",
    "Genesis",
    "Instruction",
    "Invoke",
    "MalformedCode",
    "Network",
    "NonceKey",
    "Op",
    "Output",
    "Program",
    "Receipt",
    "RejectReason",
    "RevertReason",
    "StateKey",
    "StateValue",
    "Status",
    "StorageKey",
    "Transaction",
    "Transfer",
    "WriteSet",
    "addresses_of",
]

NATIVE_ASSET = "TOS"


class Status(StrEnum):
    APPLIED = "applied"
    REVERTED = "reverted"
    REJECTED = "rejected"


class RejectReason(StrEnum):
    """Why validation refused a transaction (SPEC 5.1), in the order checks run."""

    MALFORMED = "malformed"
    UNKNOWN_SENDER = "unknown_sender"
    BAD_NONCE = "bad_nonce"
    SELF_TRANSFER = "self_transfer"
    NOT_AN_ACCOUNT = "not_an_account"
    NO_CONTRACT = "no_contract"
    NO_ENTRY = "no_entry"
    CONTRACT_EXISTS = "contract_exists"
    INSUFFICIENT_FUNDS = "insufficient_funds"


class RevertReason(StrEnum):
    """Why a contract run failed (SPEC 6)."""

    OUT_OF_GAS = "out_of_gas"
    STACK = "stack"
    OVERFLOW = "overflow"
    DIV_ZERO = "div_zero"
    BAD_ARG = "bad_arg"
    BAD_CALL = "bad_call"
    DEPTH = "depth"
    CONTRACT_FUNDS = "contract_funds"
    REVERT = "revert"


class Network(StrEnum):
    DEVNET = "devnet"
    TESTNET = "testnet"
    MAINNET = "mainnet"

    @property
    def parallel_threshold(self) -> int:
        """Blocks with fewer transactions than this take the sequential path (SPEC 9)."""
        return _THRESHOLDS[self]


_THRESHOLDS = {Network.DEVNET: 4, Network.TESTNET: 10, Network.MAINNET: 20}


class Op(StrEnum):
    """The ops of SPEC 6. Each has one row, with its cost, operand kinds and function,
    in ``executors.vm.INSTRUCTIONS``. New ops go at the end: generators draw ops by
    their position in this enum, so inserting one would change every drawn case."""

    PUSH = "PUSH"
    POP = "POP"
    DUP = "DUP"
    SWAP = "SWAP"
    ADD = "ADD"
    SUB = "SUB"
    MUL = "MUL"
    DIV = "DIV"
    MOD = "MOD"
    LT = "LT"
    EQ = "EQ"
    ISZERO = "ISZERO"
    ARG = "ARG"
    CALLER = "CALLER"
    SLOAD = "SLOAD"
    SSTORE = "SSTORE"
    BALANCE = "BALANCE"
    PAY = "PAY"
    JUMP = "JUMP"
    JUMPI = "JUMPI"
    CALL = "CALL"
    STOP = "STOP"
    REVERT = "REVERT"


# ---------------------------------------------------------------- contract code


@dataclass(frozen=True, slots=True)
class Instruction:
    """One VM instruction; ``operands`` match the op's row in SPEC 6 exactly."""

    op: Op
    operands: tuple[int | str, ...] = ()

    def to_json(self) -> list[object]:
        return [self.op.value, *self.operands]


Program = tuple[Instruction, ...]


@dataclass(frozen=True, slots=True)
class Code:
    """Well-formed contract code: entry id -> program."""

    entries: Mapping[int, Program]

    def to_json(self) -> dict[str, list[list[object]]]:
        return {
            str(entry): [instruction.to_json() for instruction in program]
            for entry, program in sorted(self.entries.items())
        }


@dataclass(frozen=True, slots=True)
class MalformedCode:
    """Deploy code that has the right shape but is not well-formed (SPEC 6).

    Kept as its canonical JSON text so that the case re-encodes exactly; deploying
    it is rejected as ``malformed``.
    """

    raw_json: str
    problem: str


# ---------------------------------------------------------------- genesis


@dataclass(frozen=True, slots=True)
class Account:
    nonce: int
    balances: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class Contract:
    code: Code
    balances: Mapping[str, int]
    storage: Mapping[int, int]


@dataclass(frozen=True, slots=True)
class Genesis:
    accounts: Mapping[str, Account]
    contracts: Mapping[str, Contract]


# ---------------------------------------------------------------- transactions


@dataclass(frozen=True, slots=True)
class Output:
    dest: str
    asset: str
    amount: int


@dataclass(frozen=True, slots=True)
class Transfer:
    source: str
    nonce: int
    fee: int
    outputs: tuple[Output, ...]


@dataclass(frozen=True, slots=True)
class Burn:
    source: str
    nonce: int
    fee: int
    asset: str
    amount: int


@dataclass(frozen=True, slots=True)
class Deploy:
    source: str
    nonce: int
    fee: int
    code: Code | MalformedCode

    @property
    def new_address(self) -> str:
        """The address the deploy creates: ``<source>.<nonce>`` (SPEC 5.2)."""
        return f"{self.source}.{self.nonce}"


@dataclass(frozen=True, slots=True)
class Invoke:
    source: str
    nonce: int
    fee: int
    contract: str
    entry: int
    args: tuple[int, ...]
    deposits: Mapping[str, int]
    max_gas: int


Transaction = Transfer | Burn | Deploy | Invoke


def addresses_of(tx: Transaction) -> frozenset[str]:
    """The addresses a transaction names directly: its source, a transfer's
    destinations, an invoke's contract, a deploy's new address."""
    match tx:
        case Transfer(outputs=outputs):
            return frozenset({tx.source, *(output.dest for output in outputs)})
        case Invoke(contract=contract):
            return frozenset({tx.source, contract})
        case Deploy():
            return frozenset({tx.source, tx.new_address})
        case Burn():
            return frozenset({tx.source})


# ---------------------------------------------------------------- case


@dataclass(frozen=True, slots=True)
class Block:
    miner: str
    reward: int
    txs: tuple[Transaction, ...]


@dataclass(frozen=True, slots=True)
class Config:
    network: Network = Network.DEVNET
    threads: int = 4
    schedule_seed: int = 0


@dataclass(frozen=True, slots=True)
class Case:
    genesis: Genesis
    block: Block
    config: Config = field(default_factory=Config)


# ---------------------------------------------------------------- receipts


@dataclass(frozen=True, slots=True)
class Receipt:
    status: Status
    reason: RejectReason | RevertReason | None
    gas_used: int

    @staticmethod
    def rejected(reason: RejectReason) -> Receipt:
        return Receipt(Status.REJECTED, reason, 0)

    @staticmethod
    def applied(gas_used: int) -> Receipt:
        return Receipt(Status.APPLIED, None, gas_used)

    @staticmethod
    def reverted(reason: RevertReason, gas_used: int) -> Receipt:
        return Receipt(Status.REVERTED, reason, gas_used)

    def to_json(self) -> dict[str, object]:
        reason = None if self.reason is None else self.reason.value
        return {"status": self.status.value, "reason": reason, "gas_used": self.gas_used}


# ---------------------------------------------------------------- state items
#
# Each key names one item of state. Absent items read as their key's ``default``:
# an account or contract that does not exist reads as None, a balance or storage
# slot that was never written reads as 0 (SPEC 2: zero and absent are the same).


@dataclass(frozen=True, slots=True)
class NonceKey:
    """An account's nonce; an account exists exactly when this item is not None."""

    address: str
    default: ClassVar[None] = None


@dataclass(frozen=True, slots=True)
class BalanceKey:
    address: str
    asset: str
    default: ClassVar[int] = 0


@dataclass(frozen=True, slots=True)
class CodeKey:
    """A contract's code; a contract exists exactly when this item is not None."""

    address: str
    default: ClassVar[None] = None


@dataclass(frozen=True, slots=True)
class ContractBalanceKey:
    address: str
    asset: str
    default: ClassVar[int] = 0


@dataclass(frozen=True, slots=True)
class StorageKey:
    address: str
    slot: int
    default: ClassVar[int] = 0


@dataclass(frozen=True, slots=True)
class BurnedKey:
    """The block's running total of burned ``asset``: only ever added to."""

    asset: str
    default: ClassVar[int] = 0


StateKey = NonceKey | BalanceKey | CodeKey | ContractBalanceKey | StorageKey | BurnedKey
StateValue = int | Code | None


@dataclass(frozen=True, slots=True)
class WriteSet:
    """What one step of a block changes.

    ``writes`` maps each state item to its new value (0 or None for absent).
    ``fee`` is owed to the miner at the end of the block and ``burned`` is added to
    the block's burn totals: both are commutative deltas, so executors may sum them
    in any order instead of treating them as conflicting writes.
    """

    writes: Mapping[StateKey, StateValue]
    fee: int = 0
    burned: Mapping[str, int] = field(default_factory=dict)


EMPTY_WRITE_SET = WriteSet({})
