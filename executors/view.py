"""Reading state, and a transaction's private scratch space on top of it.

Every executor hands the transaction rules a ``StateView``: the sequential executor
hands it the state backend itself, the batched executor a snapshot, Block-STM its
multi-version memory. The rules never write to a view; they write to a ``Scratch``
layered on it and return the scratch's writes as a write set. A contract run gets a
child scratch of its own, so a failed run is undone by dropping the child.

A contract's storage is read and written under its creation (``model.ContractCode``),
which whoever runs the contract has read with its code; so ``delete_contract``
leaves all of it behind, out of reach, with one write.
"""

from __future__ import annotations

from typing import Protocol, overload

from txparity.executors.model import (
    BalanceKey,
    BurnedKey,
    Code,
    CodeKey,
    ContractBalanceKey,
    ContractCode,
    ContractNonceKey,
    NonceKey,
    StateKey,
    StateValue,
    StorageKey,
)

__all__ = ["Scratch", "StateView"]

_IntKey = BalanceKey | ContractBalanceKey | ContractNonceKey | StorageKey | BurnedKey


class StateView(Protocol):
    """Answers reads of state items; an absent item reads as its key's default."""

    def read(self, key: StateKey) -> StateValue: ...


class Scratch:
    """Buffered writes over a base view, with typed accessors for the rules."""

    __slots__ = ("_base", "burned", "writes")

    def __init__(self, base: StateView) -> None:
        self._base = base
        self.writes: dict[StateKey, StateValue] = {}
        self.burned: dict[str, int] = {}

    # Each key kind has one value type: these say which, so that the typed reads
    # below need no cast.
    @overload
    def read(self, key: NonceKey) -> int | None: ...
    @overload
    def read(self, key: CodeKey) -> ContractCode | None: ...
    @overload
    def read(self, key: _IntKey) -> int: ...
    def read(self, key: StateKey) -> StateValue:
        writes = self.writes
        if key in writes:
            return writes[key]
        return self._base.read(key)

    def child(self) -> Scratch:
        """A nested scratch whose writes reach this one only through ``merge``."""
        return Scratch(self)

    def merge(self, child: Scratch) -> None:
        self.writes.update(child.writes)
        for asset, amount in child.burned.items():
            self.burned[asset] = self.burned.get(asset, 0) + amount

    # Typed reads.

    def nonce(self, address: str) -> int | None:
        return self.read(NonceKey(address))

    def balance(self, address: str, asset: str) -> int:
        return self.read(BalanceKey(address, asset))

    def contract_code(self, address: str) -> ContractCode | None:
        return self.read(CodeKey(address))

    def code(self, address: str) -> Code | None:
        deployed = self.contract_code(address)
        return None if deployed is None else deployed.code

    def contract_balance(self, address: str, asset: str) -> int:
        return self.read(ContractBalanceKey(address, asset))

    def contract_nonce(self, address: str) -> int:
        return self.read(ContractNonceKey(address))

    def storage(self, address: str, creation: str, slot: int) -> int:
        return self.read(StorageKey(address, slot, creation))

    def names(self, address: str) -> bool:
        """Whether ``address`` names an account or a contract (SPEC 2, 10.1)."""
        return self.nonce(address) is not None or self.code(address) is not None

    # Writes.

    def set_nonce(self, address: str, nonce: int) -> None:
        self.writes[NonceKey(address)] = nonce

    def create_contract(self, address: str, code: Code, creation: str) -> None:
        """A contract at a free ``address`` by ``creation``: its nonce and balances are
        already 0, at a destroyed contract's address too (``delete_contract``), and its
        storage is empty, since no slot was ever written under ``creation`` there."""
        self.writes[CodeKey(address)] = ContractCode(code, creation)

    def delete_contract(self, address: str) -> None:
        """Delete the contract's code and nonce; its storage stays behind under its
        creation, which nothing reaches again. Its balances must already be 0 (SPEC
        10.4 sweeps them first)."""
        self.writes[CodeKey(address)] = None
        self.writes[ContractNonceKey(address)] = 0

    def set_contract_nonce(self, address: str, nonce: int) -> None:
        self.writes[ContractNonceKey(address)] = nonce

    def set_storage(self, address: str, creation: str, slot: int, value: int) -> None:
        self.writes[StorageKey(address, slot, creation)] = value

    def credit_account(self, address: str, asset: str, amount: int) -> None:
        """Add to an account's balance, creating the account if absent (SPEC 2)."""
        if self.nonce(address) is None:
            self.set_nonce(address, 0)
        key = BalanceKey(address, asset)
        self.writes[key] = self.read(key) + amount

    def debit_account(self, address: str, asset: str, amount: int) -> None:
        key = BalanceKey(address, asset)
        self.writes[key] = self.read(key) - amount

    def credit_contract(self, address: str, asset: str, amount: int) -> None:
        key = ContractBalanceKey(address, asset)
        self.writes[key] = self.read(key) + amount

    def debit_contract(self, address: str, asset: str, amount: int) -> None:
        key = ContractBalanceKey(address, asset)
        self.writes[key] = self.read(key) - amount

    def burn(self, asset: str, amount: int) -> None:
        self.burned[asset] = self.burned.get(asset, 0) + amount
