"""The state backend protocol, and what every backend shares.

A backend stores state items (``executors.model.StateKey``) and nothing else: it
does not know the rules. It answers reads, commits write sets, and dumps itself in
the canonical shape of SPEC 7. ``canonical_state`` builds that shape from items, so
two backends holding the same items dump byte-identical JSON by construction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from txparity.executors.errors import InvariantViolation
from txparity.executors.model import (
    BalanceKey,
    BurnedKey,
    Code,
    CodeKey,
    ContractBalanceKey,
    Genesis,
    NonceKey,
    StateKey,
    StateValue,
    StorageKey,
    WriteSet,
)
from txparity.executors.view import StateView

__all__ = ["CanonicalState", "State", "canonical_state", "genesis_write_set", "is_absent"]

CanonicalState = dict[str, dict[str, Any]]


class State(StateView, Protocol):
    """A fresh, private store of one run's state."""

    def commit(self, write_set: WriteSet) -> None:
        """Apply ``writes`` (absent values delete) and add ``burned`` to the totals.

        ``write_set.fee`` is not state: the executor sums it for the miner.
        """

    def reader(self) -> StateView:
        """A view that any thread may read while no commit runs.

        It sees everything committed before this call; executors call it again at
        the start of each parallel phase.
        """

    def dump(self) -> CanonicalState:
        """The canonical state of SPEC 7 (``accounts``, ``contracts``, ``burned``)."""

    def close(self) -> None:
        """Release the store; the state is gone afterwards."""


def is_absent(key: StateKey, value: StateValue) -> bool:
    """True when ``value`` is the key's default: a zero balance or storage value is
    the same as an absent one (SPEC 2), while a nonce of 0 is an existing account."""
    return value == key.default


def genesis_write_set(genesis: Genesis) -> WriteSet:
    """The items that make up a genesis state."""
    writes: dict[StateKey, StateValue] = {}
    for address, account in genesis.accounts.items():
        writes[NonceKey(address)] = account.nonce
        for asset, amount in account.balances.items():
            writes[BalanceKey(address, asset)] = amount
    for address, contract in genesis.contracts.items():
        writes[CodeKey(address)] = contract.code
        for asset, amount in contract.balances.items():
            writes[ContractBalanceKey(address, asset)] = amount
        for slot, value in contract.storage.items():
            writes[StorageKey(address, slot)] = value
    return WriteSet(writes)


def canonical_state(items: Iterable[tuple[StateKey, StateValue]]) -> CanonicalState:
    """Shape stored items as SPEC 7's state; absent values are left out."""
    present = [(key, value) for key, value in items if not is_absent(key, value)]
    accounts: dict[str, dict[str, object]] = {}
    contracts: dict[str, dict[str, object]] = {}
    burned: dict[str, object] = {}
    for key, value in present:
        match key:
            case NonceKey(address):
                accounts[address] = {"balances": {}, "nonce": value}
            case CodeKey(address):
                assert isinstance(value, Code)
                contracts[address] = {"balances": {}, "code": value.to_json(), "storage": {}}
    for key, value in present:
        match key:
            case BalanceKey(address, asset):
                _part(accounts, address, key, "balances")[asset] = value
            case ContractBalanceKey(address, asset):
                _part(contracts, address, key, "balances")[asset] = value
            case StorageKey(address, slot):
                _part(contracts, address, key, "storage")[str(slot)] = value
            case BurnedKey(asset):
                burned[asset] = value
    return {"accounts": accounts, "contracts": contracts, "burned": burned}


def _part(
    holders: dict[str, dict[str, object]], address: str, key: StateKey, part: str
) -> dict[str, object]:
    """The ``part`` map (balances or storage) of ``address``, which must exist."""
    if address not in holders:
        raise InvariantViolation(f"state holds {key} for {address!r}, which does not exist")
    inner = holders[address][part]
    assert isinstance(inner, dict)
    return inner
