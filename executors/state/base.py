"""The state backend protocol, and what every backend shares.

A backend stores state items (``executors.model.StateKey``) and nothing else: it
does not know the rules. It answers reads, commits write sets, and dumps itself in
the canonical shape of SPEC 7 (or 10.5, with every contract's nonce).
``canonical_state`` builds that shape from items, so two backends holding the same
items dump byte-identical JSON by construction.

A destroyed contract's storage stays behind under its creation: backends keep every
item they are given and never look inside a write set, and the canonical state shows
each contract's storage under its current creation only. (One block's state lives
for one run, so the dead rows cost little, and both backends keep answering every
read of every item alike.)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, cast

from txparity.executors.errors import InvariantViolation
from txparity.executors.model import (
    GENESIS_CREATION,
    BalanceKey,
    BurnedKey,
    Code,
    CodeKey,
    ContractBalanceKey,
    ContractCode,
    ContractNonceKey,
    Genesis,
    NonceKey,
    StateKey,
    StateValue,
    StorageKey,
    Version,
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

    def dump(self, version: Version = Version.V1) -> CanonicalState:
        """The canonical state of SPEC 7 (``accounts``, ``contracts``, ``burned``), in
        the shape of ``version`` (SPEC 10.5 adds every contract's ``nonce``)."""

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
        writes[CodeKey(address)] = ContractCode(contract.code, GENESIS_CREATION)
        writes[ContractNonceKey(address)] = contract.nonce
        for asset, amount in contract.balances.items():
            writes[ContractBalanceKey(address, asset)] = amount
        for slot, value in contract.storage.items():
            writes[StorageKey(address, slot, GENESIS_CREATION)] = value
    return WriteSet(writes)


def canonical_state(
    items: Iterable[tuple[StateKey, StateValue]], version: Version = Version.V1
) -> CanonicalState:
    """Shape stored items as SPEC 7's state, or 10.5's from version 2 on; absent
    values, and storage under any creation but its contract's current one, are left
    out."""
    accounts: dict[str, dict[str, object]] = {}
    contracts: dict[str, dict[str, object]] = {}
    burned: dict[str, object] = {}
    creations: dict[str, str] = {}
    held: list[tuple[StateKey, StateValue]] = []  # shaped once every holder is known
    # A key's fields are read by position (a key is the tuple ``(kind, *fields)``,
    # ``model.py``): by name, each would cost a call, for every item of every dump.
    for key, value in items:
        if is_absent(key, value):
            continue
        match key:
            case NonceKey():
                accounts[cast(str, key[1])] = {"balances": {}, "nonce": value}
            case CodeKey():
                assert isinstance(value, ContractCode)
                address = cast(str, key[1])
                contracts[address] = _contract_shape(value.code, version)
                creations[address] = value.creation
            case _:
                held.append((key, value))
    for key, value in held:
        match key:
            case BalanceKey():
                address, asset = cast("tuple[str, str]", key[1:])
                _part(accounts, address, key, "balances")[asset] = value
            case ContractBalanceKey():
                address, asset = cast("tuple[str, str]", key[1:])
                _part(contracts, address, key, "balances")[asset] = value
            case ContractNonceKey():
                _contract_nonce(contracts, cast(str, key[1]), key, version, value)
            case StorageKey():
                address, slot, creation = cast("tuple[str, int, str]", key[1:])
                if creations.get(address) == creation:
                    _part(contracts, address, key, "storage")[str(slot)] = value
            case BurnedKey():
                burned[cast(str, key[1])] = value
    return {"accounts": accounts, "contracts": contracts, "burned": burned}


def _contract_shape(code: Code, version: Version) -> dict[str, object]:
    """An existing contract with nothing but its code, in ``version``'s shape."""
    shape: dict[str, object] = {"balances": {}, "code": code.to_json(), "storage": {}}
    if version >= Version.V2:
        shape["nonce"] = ContractNonceKey.default
    return shape


def _contract_nonce(
    contracts: dict[str, dict[str, object]],
    address: str,
    key: StateKey,
    version: Version,
    value: StateValue,
) -> None:
    """Show a contract's nonce from version 2 on; the contract must exist."""
    if address not in contracts:
        raise InvariantViolation(f"state holds {key} for {address!r}, which does not exist")
    if version >= Version.V2:
        contracts[address]["nonce"] = value


def _part(
    holders: dict[str, dict[str, object]], address: str, key: StateKey, part: str
) -> dict[str, object]:
    """The ``part`` map (balances or storage) of ``address``, which must exist."""
    if address not in holders:
        raise InvariantViolation(f"state holds {key} for {address!r}, which does not exist")
    inner = holders[address][part]
    assert isinstance(inner, dict)
    return inner
