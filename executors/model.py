"""The values every executor shares: cases, transactions, receipts, state items.

Everything here is a frozen, slotted dataclass or an enum, but for the state keys,
immutable tuples for the speed of the dictionaries they index (see there). A
transaction is one of four kinds (a closed union dispatched with ``match``); a state
item is one of seven keys, each naming the smallest piece of state a transaction can
read or write, so that write sets, conflict detection and multi-version memory all
speak one language.

A case has a ``Version`` (SPEC 10): version 2 adds fields whose defaults are what
version 1 means (no contract nonce, no salt, fees paid at the block's end, no gas
limit, no logs), so a version 1 case is simply a value that uses none of them.

Mappings inside frozen values (balances, storage, code entries) are plain dicts that
nobody mutates after construction; values are compared, never hashed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import ClassVar, cast

from txparity.executors.limits import CANONICAL_DECIMAL_PATTERN, U64_LIMIT

__all__ = [
    "EMPTY_WRITE_SET",
    "GENESIS_CREATION",
    "NATIVE_ASSET",
    "U64_LIMIT",
    "Account",
    "BalanceKey",
    "Block",
    "BlockContext",
    "Burn",
    "BurnedKey",
    "Case",
    "Code",
    "CodeKey",
    "Config",
    "Contract",
    "ContractBalanceKey",
    "ContractCode",
    "ContractNonceKey",
    "Deploy",
    "FeePayment",
    "Genesis",
    "Instruction",
    "Invoke",
    "Log",
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
    "Version",
    "WriteSet",
    "addresses_of",
    "clone_address",
    "clone_creator",
    "creation_of",
]

NATIVE_ASSET = "TOS"


class Version(IntEnum):
    """The version of a case, and of the result that answers it (SPEC 10)."""

    V1 = 1
    V2 = 2


class Status(StrEnum):
    APPLIED = "applied"
    REVERTED = "reverted"
    REJECTED = "rejected"


class RejectReason(StrEnum):
    """Why a transaction was refused (SPEC 5.1, 10.3), in the order checks run:
    ``block_full`` comes before every check of validation."""

    BLOCK_FULL = "block_full"
    MALFORMED = "malformed"
    UNKNOWN_SENDER = "unknown_sender"
    BAD_NONCE = "bad_nonce"
    SELF_TRANSFER = "self_transfer"
    NOT_AN_ACCOUNT = "not_an_account"
    NO_CONTRACT = "no_contract"
    NO_ENTRY = "no_entry"
    CONTRACT_EXISTS = "contract_exists"
    INSUFFICIENT_FUNDS = "insufficient_funds"

    @property
    def since(self) -> Version:
        """The version that added this reason: a version 1 case never shows a later one."""
        return Version.V2 if self is RejectReason.BLOCK_FULL else Version.V1


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
    CREATE_FAILED = "create_failed"

    @property
    def since(self) -> Version:
        """The version that added this reason: a version 1 case never shows a later one."""
        return Version.V2 if self is RevertReason.CREATE_FAILED else Version.V1


class Network(StrEnum):
    DEVNET = "devnet"
    TESTNET = "testnet"
    MAINNET = "mainnet"

    @property
    def parallel_threshold(self) -> int:
        """Blocks with fewer transactions than this take the sequential path (SPEC 9)."""
        return _THRESHOLDS[self]


_THRESHOLDS = {Network.DEVNET: 4, Network.TESTNET: 10, Network.MAINNET: 20}


class FeePayment(StrEnum):
    """When the miner is paid the fees of included transactions (SPEC 5 step 3, 10.3)."""

    BLOCK_END = "block_end"  # all at once after the last transaction (version 1's only way)
    EACH_TX = "each_tx"  # each transaction's right after its debit


class Op(StrEnum):
    """The ops of SPEC 6 and 10.4. Each has one row, with its cost, operand kinds,
    function and the version that added it, in ``executors.vm.INSTRUCTIONS``. New ops
    go at the end: generators draw ops by their position in this enum, so inserting
    one would change every drawn case (and a version's generators draw only the ops
    of that version: ``executors.code.ops_of``)."""

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
    # SPEC 10.4
    LOG = "LOG"
    BALANCEOF = "BALANCEOF"
    DESTROY = "DESTROY"
    CLONE = "CLONE"


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
        # ``str`` of a ``StrEnum`` member is its value, as a plain ``str``, and much
        # cheaper than ``.value``; every result shows its contracts' code.
        return {
            str(entry): [[str(instruction.op), *instruction.operands] for instruction in program]
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


GENESIS_CREATION = ""
"""The creation of every genesis contract (``ContractCode``)."""


@dataclass(frozen=True, slots=True)
class ContractCode:
    """What a contract's code item holds: its code, and the creation that put the
    contract at its address, under which its storage lives (see the state items)."""

    code: Code
    creation: str


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
    nonce: int = 0  # SPEC 10.1: the contracts it has created with CLONE


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
    salt: int | None = None  # SPEC 10.3; None: no salt

    @property
    def new_address(self) -> str:
        """The address the deploy creates: ``<source>.<nonce>`` (SPEC 5.2), or with a
        salt ``s``, ``<source>.s<s>`` (SPEC 10.3), which a later deploy can revive."""
        if self.salt is None:
            return f"{self.source}.{self.nonce}"
        return f"{self.source}.s{self.salt}"


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


def clone_address(creator: str, nonce: int) -> str:
    """The address ``CLONE`` creates: ``<c>.<n>``, ``n`` the creator's nonce (SPEC 10.4)."""
    return f"{creator}.{nonce}"


def clone_creator(address: str) -> str | None:
    """The contract ``c`` whose ``CLONE`` would create ``address``, when ``address`` has
    the form ``<c>.<n>`` (``n`` a canonical decimal): the inverse of ``clone_address``,
    so an address has at most one possible creator. None for any other address. (A
    deploy's unsalted address ``<source>.<nonce>`` has that form too: a contract
    named like the deploy's source could clone there.)"""
    creator, dot, suffix = address.rpartition(".")
    if dot and creator and CANONICAL_DECIMAL_PATTERN.fullmatch(suffix):
        return creator
    return None


def creation_of(tx: Transaction) -> str:
    """The creation of every contract ``tx`` creates (by deploy or ``CLONE``):
    ``<source>:<nonce>``. No two included transactions of a block share a source and
    a nonce, and one transaction never creates the same address twice, so an address
    and a creation name one contract, however often the address is revived."""
    return f"{tx.source}:{tx.nonce}"


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
    fee_payment: FeePayment = FeePayment.BLOCK_END  # SPEC 10.3
    gas_limit: int | None = None  # SPEC 10.3; None: the block has no gas limit


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
    version: Version = Version.V1


@dataclass(frozen=True, slots=True)
class BlockContext:
    """What the rules of a block know besides the state: one value per case.

    ``assets`` is every asset anything can hold during the block: value is only moved,
    burned or paid to the miner, never minted except the ``TOS`` reward, so it is
    ``TOS`` plus the assets of the genesis balances. A ``DESTROY`` sweeps a contract's
    balance in each of them, point reads only, so that no executor ever needs to list
    what an address holds.
    """

    version: Version
    miner: str
    fee_payment: FeePayment
    gas_limit: int | None
    assets: tuple[str, ...]  # sorted

    @staticmethod
    def of(case: Case) -> BlockContext:
        genesis = case.genesis
        holdings = [account.balances for account in genesis.accounts.values()]
        holdings += [contract.balances for contract in genesis.contracts.values()]
        assets = {NATIVE_ASSET}.union(*holdings)
        block = case.block
        return BlockContext(
            case.version, block.miner, block.fee_payment, block.gas_limit, tuple(sorted(assets))
        )


# ---------------------------------------------------------------- receipts


@dataclass(frozen=True, slots=True)
class Log:
    """One ``LOG``: the contract of the frame that logged, and the value (SPEC 10.4)."""

    address: str
    value: int

    def to_json(self) -> list[object]:
        return [self.address, self.value]


@dataclass(frozen=True, slots=True)
class Receipt:
    """A transaction's receipt. ``logs`` is empty except for an applied invoke that
    logged (SPEC 10.5); a version 1 receipt does not show it."""

    status: Status
    reason: RejectReason | RevertReason | None
    gas_used: int
    logs: tuple[Log, ...] = ()

    @staticmethod
    def rejected(reason: RejectReason) -> Receipt:
        return _REJECTED[reason]

    @staticmethod
    def applied(gas_used: int, logs: tuple[Log, ...] = ()) -> Receipt:
        return Receipt(Status.APPLIED, None, gas_used, logs)

    @staticmethod
    def reverted(reason: RevertReason, gas_used: int) -> Receipt:
        return Receipt(Status.REVERTED, reason, gas_used)

    def to_json(self, version: Version = Version.V1) -> dict[str, object]:
        """SPEC 7's receipt; from version 2 on (SPEC 10.5) with its ``logs``."""
        reason = None if self.reason is None else str(self.reason)
        shown: dict[str, object] = {
            "status": str(self.status),
            "reason": reason,
            "gas_used": self.gas_used,
        }
        if version >= Version.V2:
            shown["logs"] = [log.to_json() for log in self.logs]
        return shown


# A rejected transaction's receipt says nothing but its reason: one value per reason.
_REJECTED = {reason: Receipt(Status.REJECTED, reason, 0) for reason in RejectReason}


# ---------------------------------------------------------------- state items
#
# Each key names one item of state. Absent items read as their key's ``default``:
# an account or contract that does not exist reads as None, a balance or storage
# slot that was never written reads as 0 (SPEC 2: zero and absent are the same).
#
# Deleting a contract (SPEC 10.4) must not list its storage: slots are unbounded,
# and a range read would break the point reads that Block-STM validates. So storage
# is keyed by the contract's *creation* as well as its address. The code item's value
# (``ContractCode``) names the creation that put the contract there: a genesis
# contract's is ``GENESIS_CREATION``, a created one's the transaction that created it
# (``creation_of``). Every frame reads the code item before it runs anyway, so it
# knows under which creation to read and write storage; a contract revived at the
# address has a new creation, under which every slot reads 0, and the old storage is
# out of reach. No read is added to what a version 1 transaction reads.


# Keys are looked up in dictionaries at every read and write of every executor,
# the hottest path of a run, so they are not dataclasses: a frozen dataclass hashes
# and compares through generated Python code, twice per read. Each key is instead an
# immutable tuple ``(kind, *fields)``, hashed and compared by the interpreter itself;
# the kind, first, keeps two kinds with the same fields apart (an account's balance
# is never a contract's). Each key still names its fields (``key.address``), matches
# class patterns (``case BalanceKey(address, asset)``) and shows as
# ``BalanceKey(address='a', asset='TOS')``.


_new_item = tuple.__new__  # looked up once, as ``collections.namedtuple`` does


class _Item(tuple[object, ...]):
    """The identity of one state item: ``(kind, *fields)``."""

    __slots__ = ()
    __match_args__: ClassVar[tuple[str, ...]]

    def __repr__(self) -> str:
        shown = (
            f"{name}={value!r}" for name, value in zip(self.__match_args__, self[1:], strict=True)
        )
        return f"{type(self).__name__}({', '.join(shown)})"

    def __getnewargs__(self) -> tuple[object, ...]:
        return self[1:]


class _AtAddress(_Item):
    """An item of the account or contract at ``address``, the key's first field."""

    __slots__ = ()

    @property
    def address(self) -> str:
        return cast(str, self[1])


class _AssetAtAddress(_AtAddress):
    """An amount of ``asset`` held at ``address``: the key's first two fields."""

    __slots__ = ()

    @property
    def asset(self) -> str:
        return cast(str, self[2])


class NonceKey(_AtAddress):
    """An account's nonce; an account exists exactly when this item is not None."""

    __slots__ = ()
    __match_args__ = ("address",)
    default: ClassVar[None] = None

    def __new__(cls, address: str) -> NonceKey:
        return _new_item(cls, ("nonce", address))


class BalanceKey(_AssetAtAddress):
    __slots__ = ()
    __match_args__ = ("address", "asset")
    default: ClassVar[int] = 0

    def __new__(cls, address: str, asset: str) -> BalanceKey:
        return _new_item(cls, ("balance", address, asset))


class CodeKey(_AtAddress):
    """A contract's code and creation (``ContractCode``); a contract exists exactly
    when this item is not None."""

    __slots__ = ()
    __match_args__ = ("address",)
    default: ClassVar[None] = None

    def __new__(cls, address: str) -> CodeKey:
        return _new_item(cls, ("code", address))


class ContractBalanceKey(_AssetAtAddress):
    __slots__ = ()
    __match_args__ = ("address", "asset")
    default: ClassVar[int] = 0

    def __new__(cls, address: str, asset: str) -> ContractBalanceKey:
        return _new_item(cls, ("contract_balance", address, asset))


class ContractNonceKey(_AtAddress):
    """A contract's nonce: the contracts it has created with ``CLONE`` (SPEC 10.1)."""

    __slots__ = ()
    __match_args__ = ("address",)
    default: ClassVar[int] = 0

    def __new__(cls, address: str) -> ContractNonceKey:
        return _new_item(cls, ("contract_nonce", address))


class StorageKey(_AtAddress):
    """A storage slot of the contract that ``creation`` put at ``address``."""

    __slots__ = ()
    __match_args__ = ("address", "slot", "creation")
    default: ClassVar[int] = 0

    def __new__(cls, address: str, slot: int, creation: str = GENESIS_CREATION) -> StorageKey:
        return _new_item(cls, ("storage", address, slot, creation))

    @property
    def slot(self) -> int:
        return cast(int, self[2])

    @property
    def creation(self) -> str:
        return cast(str, self[3])


class BurnedKey(_Item):
    """The block's running total of burned ``asset``: only ever added to."""

    __slots__ = ()
    __match_args__ = ("asset",)
    default: ClassVar[int] = 0

    def __new__(cls, asset: str) -> BurnedKey:
        return _new_item(cls, ("burned", asset))

    @property
    def asset(self) -> str:
        return cast(str, self[1])


StateKey = (
    NonceKey | BalanceKey | CodeKey | ContractBalanceKey | ContractNonceKey | StorageKey
    | BurnedKey
)  # fmt: skip
StateValue = int | ContractCode | None


@dataclass(frozen=True, slots=True)
class WriteSet:
    """What one step of a block changes.

    ``writes`` maps each state item to its new value (0 or None for absent).
    ``fee`` is owed to the miner (at the end of the block, or with ``each_tx`` right
    after this write set: ``rules.fee_after_transaction``) and ``burned`` is added to
    the block's burn totals: both are commutative deltas, so executors may sum them
    in any order instead of treating them as conflicting writes.
    """

    writes: Mapping[StateKey, StateValue]
    fee: int = 0
    burned: Mapping[str, int] = field(default_factory=dict)


EMPTY_WRITE_SET = WriteSet({})
