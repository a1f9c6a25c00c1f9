"""State backends: the memory and SQLite backends hold the same items the same way.

A Hypothesis state machine commits the same write sets to a ``MemoryState``, a file
``SqliteState`` and an in-memory ``SqliteState``, and checks every read and the
canonical dump of both versions against each other and against a plain dictionary
model; its items include contract nonces and storage under several creations, and it
destroys and revives contracts the way the rules do. Explicit
tests pin the u64 bounds (SQLite's INTEGER is signed), the storage a dump leaves
out, the items both backends hold after every version 2 vector, the temporary
file's life, reading from other threads, and the backend registry.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from tests.conftest import VECTOR_PATHS, load_vector
from txparity.executors.blockstm import BlockStmExecutor
from txparity.executors.code import parse_code
from txparity.executors.codec import canonical_json, decode_case
from txparity.executors.errors import ExecutorError, InvariantViolation, UnknownExecutor
from txparity.executors.model import (
    Account,
    BalanceKey,
    BurnedKey,
    Code,
    CodeKey,
    Contract,
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
from txparity.executors.registry import EXECUTORS, make_executor, parse_name
from txparity.executors.sequential import SequentialExecutor
from txparity.executors.state import open_state
from txparity.executors.state.base import genesis_write_set
from txparity.executors.state.memory import MemoryState
from txparity.executors.state.sqlite import SqliteState, from_sqlite_integer, to_sqlite_integer
from txparity.executors.view import Scratch, StateView
from txparity.executors.vm.machine import destroy_contract

U64_MAX = 2**64 - 1
BOUNDS = (0, 1, 2**63 - 1, 2**63, 2**63 + 1, U64_MAX)

ACCOUNTS = ("a", "b", "c.0")
CONTRACTS = ("k", "k.1")
ASSETS = ("TOS", "GOLD", "X9")
PROGRAMS: tuple[Code, ...] = (
    parse_code({"0": [["PUSH", 1], ["STOP"]]}),
    parse_code({}),
    parse_code({"10": [["ARG", 0], ["JUMPI", 0]], "9": [["CALL", "k", 10, 8]]}),
    parse_code({"18446744073709551615": [["PUSH", U64_MAX], ["PUSH", 0], ["SSTORE"]]}),
    parse_code({"0": [["BALANCEOF", "a"], ["LOG"], ["CLONE"], ["DESTROY"]]}, Version.V2),
)
CREATIONS = ("", "a:0", "b:7", f"a:{U64_MAX}")


def deployed(program: Code, creation: str = "") -> ContractCode:
    """A code item: ``program``, put at its address by ``creation`` (genesis: "")."""
    return ContractCode(program, creation)


NEVER_TOUCHED: tuple[StateKey, ...] = (
    NonceKey("zz"),
    BalanceKey("a", "NEVER"),
    BalanceKey("zz", "TOS"),
    CodeKey("zz"),
    ContractBalanceKey("k", "NEVER"),
    ContractNonceKey("zz"),
    StorageKey("k", 123456789),
    StorageKey("k", 0, "never:0"),
    StorageKey("zz", 0),
    BurnedKey("NEVER"),
)

u64s = st.one_of(st.sampled_from(BOUNDS), st.integers(0, U64_MAX))
slots = st.one_of(st.sampled_from((*BOUNDS, 9, 10)), st.integers(0, U64_MAX))
accounts = st.sampled_from(ACCOUNTS)
contracts = st.sampled_from(CONTRACTS)
assets = st.sampled_from(ASSETS)
creations = st.sampled_from(CREATIONS)

keys: st.SearchStrategy[StateKey] = st.one_of(
    st.builds(NonceKey, accounts),
    st.builds(BalanceKey, accounts, assets),
    st.builds(CodeKey, contracts),
    st.builds(ContractBalanceKey, contracts, assets),
    st.builds(ContractNonceKey, contracts),
    st.builds(StorageKey, contracts, slots, creations),
    st.builds(BurnedKey, assets),
)


def values_for(key: StateKey) -> st.SearchStrategy[StateValue]:
    match key:
        case NonceKey():
            return st.one_of(u64s, st.none())
        case CodeKey():
            return st.one_of(st.builds(deployed, st.sampled_from(PROGRAMS), creations), st.none())
        case _:
            return u64s


writes = st.lists(keys.flatmap(lambda key: st.tuples(st.just(key), values_for(key))), max_size=8)


def holder(key: StateKey) -> StateKey | None:
    """The item whose presence a balance or contract nonce needs in the canonical dump.
    Storage needs none: without its contract, or under another creation than the
    contract's, it is left out of the dump."""
    match key:
        case BalanceKey(address):
            return NonceKey(address)
        case ContractBalanceKey(address) | ContractNonceKey(address):
            return CodeKey(address)
    return None


def is_live(key: StorageKey, model: dict[StateKey, StateValue]) -> bool:
    """Whether a storage item belongs to the contract now at its address."""
    code = model.get(CodeKey(key.address))
    return isinstance(code, ContractCode) and code.creation == key.creation


def apply(model: dict[StateKey, StateValue], write_set: WriteSet) -> None:
    """SPEC 2 by hand: a default value (0 or None) is the same as absent."""
    for key, value in write_set.writes.items():
        if value == key.default:
            model.pop(key, None)
        else:
            model[key] = value
    for asset, amount in write_set.burned.items():
        total = model.get(BurnedKey(asset), 0)
        assert isinstance(total, int)
        total += amount
        if total:
            model[BurnedKey(asset)] = total
        else:
            model.pop(BurnedKey(asset), None)


def expected_dump(model: dict[StateKey, StateValue], version: Version) -> dict[str, Any]:
    """SPEC 7's state (10.5's for version 2), built independently of
    ``executors.state.base``: the storage of each contract's current creation only,
    and from version 2 on every contract's nonce, 0 unless the model holds one."""
    accounts_out: dict[str, Any] = {}
    contracts_out: dict[str, Any] = {}
    burned: dict[str, Any] = {}
    for key, value in model.items():
        if isinstance(key, NonceKey):
            accounts_out[key.address] = {"nonce": value, "balances": {}}
        elif isinstance(key, CodeKey):
            assert isinstance(value, ContractCode)
            contracts_out[key.address] = {
                "code": value.code.to_json(),
                "balances": {},
                "storage": {},
            }
            if version is Version.V2:
                contracts_out[key.address]["nonce"] = model.get(ContractNonceKey(key.address), 0)
    for key, value in model.items():
        if isinstance(key, BalanceKey):
            accounts_out[key.address]["balances"][key.asset] = value
        elif isinstance(key, ContractBalanceKey):
            contracts_out[key.address]["balances"][key.asset] = value
        elif isinstance(key, StorageKey):
            if is_live(key, model):
                contracts_out[key.address]["storage"][str(key.slot)] = value
        elif isinstance(key, BurnedKey):
            burned[key.asset] = value
    return {"accounts": accounts_out, "contracts": contracts_out, "burned": burned}


class BackendMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.file_state = SqliteState()
        self.states: list[MemoryState | SqliteState] = [
            MemoryState(),
            self.file_state,
            SqliteState(":memory:"),
        ]
        self.model: dict[StateKey, StateValue] = {}
        self.touched: set[StateKey] = set()

    @rule(data=st.data(), drawn=writes, fee=u64s, burn_assets=st.sets(assets))
    def commit(
        self,
        data: st.DataObject,
        drawn: list[tuple[StateKey, StateValue]],
        fee: int,
        burn_assets: set[str],
    ) -> None:
        write_map = dict(drawn)
        projected = dict(self.model)
        apply(projected, WriteSet(write_map))
        # Every present balance or contract nonce needs its account or contract.
        for key in list(projected):
            needed = holder(key)
            if needed is not None and needed not in projected:
                value: StateValue = 0 if isinstance(needed, NonceKey) else deployed(PROGRAMS[0])
                write_map[needed] = value
                projected[needed] = value
        burned: dict[str, int] = {}
        for asset in sorted(burn_assets):
            total = projected.get(BurnedKey(asset), 0)
            assert isinstance(total, int)
            room = U64_MAX - total
            delta = data.draw(st.one_of(st.sampled_from((0, room)), st.integers(0, room)))
            burned[asset] = delta
            projected[BurnedKey(asset)] = total + delta
        write_set = WriteSet(write_map, fee, burned)
        for state in self.states:
            state.commit(write_set)
        apply(self.model, write_set)
        self.touched.update(write_map)
        self.touched.update(BurnedKey(asset) for asset in burned)

    @rule()
    def commit_nothing(self) -> None:
        for state in self.states:
            state.commit(WriteSet({}))

    @rule(
        address=contracts,
        program=st.sampled_from(PROGRAMS),
        creation=creations,
        beneficiary=accounts,
    )
    def destroy_and_revive(
        self, address: str, program: Code, creation: str, beneficiary: str
    ) -> None:
        """What a DESTROY and a later revival write, through the rules' own scratch:
        balances swept to an account, code and nonce deleted, then a contract there by
        another creation, which sees none of the old storage."""
        scratch = Scratch(self.states[0])
        old = scratch.contract_code(address)
        assume(old is None or old.creation != creation)
        for asset in ASSETS:  # value is only ever moved: no balance passes a u64
            held = scratch.contract_balance(address, asset)
            assume(scratch.balance(beneficiary, asset) + held <= U64_MAX)
        destroy_contract(scratch, address, beneficiary, ASSETS)
        revived = scratch.child()
        revived.create_contract(address, program, creation)
        for write_set in (WriteSet(scratch.writes), WriteSet(revived.writes)):
            for state in self.states:
                state.commit(write_set)
            apply(self.model, write_set)
            self.touched.update(write_set.writes)

    @invariant()
    def reads_agree(self) -> None:
        for key in sorted(self.touched | set(NEVER_TOUCHED), key=repr):
            expected = self.model.get(key, key.default)
            for state in self.states:
                assert state.read(key) == expected, (state.name, key)
                assert state.reader().read(key) == expected, (state.name, key)

    @invariant()
    def dumps_agree(self) -> None:
        for version in Version:
            expected = canonical_json(expected_dump(self.model, version))
            for state in self.states:
                assert canonical_json(state.dump(version)) == expected, (state.name, version)
        assert canonical_json(self.states[0].dump()) == canonical_json(
            expected_dump(self.model, Version.V1)
        )

    def teardown(self) -> None:
        path = Path(self.file_state.path)
        assert path.exists()
        for state in self.states:
            state.close()
        assert not path.exists()
        assert not path.parent.exists()


BackendMachine.TestCase.settings = settings(
    max_examples=50,
    stateful_step_count=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestBackendsAgree = BackendMachine.TestCase


# ---------------------------------------------------------------- u64 bounds


@pytest.mark.parametrize("value", BOUNDS)
def test_sqlite_integer_round_trip(value: int) -> None:
    stored = to_sqlite_integer(value)
    assert -(2**63) <= stored < 2**63
    assert from_sqlite_integer(stored) == value


def test_sqlite_integer_exact_bits() -> None:
    assert to_sqlite_integer(0) == 0
    assert to_sqlite_integer(2**63 - 1) == 2**63 - 1
    assert to_sqlite_integer(2**63) == -(2**63)
    assert to_sqlite_integer(2**63 + 1) == -(2**63) + 1
    assert to_sqlite_integer(U64_MAX) == -1
    assert from_sqlite_integer(-1) == U64_MAX
    assert from_sqlite_integer(-(2**63)) == 2**63


@pytest.fixture(params=["file", "memory_db"])
def sqlite_state(request: pytest.FixtureRequest) -> Any:
    state = SqliteState() if request.param == "file" else SqliteState(":memory:")
    yield state
    state.close()


@pytest.mark.parametrize("value", BOUNDS)
def test_u64_bounds_round_trip_through_sqlite(sqlite_state: SqliteState, value: int) -> None:
    code = PROGRAMS[3]
    writes: dict[StateKey, StateValue] = {
        NonceKey("a"): value,
        BalanceKey("a", "TOS"): value,
        CodeKey("k"): deployed(code),
        ContractBalanceKey("k", "GOLD"): value,
        StorageKey("k", value): 7,
        StorageKey("k", 3): value,
    }
    sqlite_state.commit(WriteSet(writes, fee=value, burned={"TOS": value}))
    for key, expected in writes.items():
        assert sqlite_state.read(key) == expected, key
    assert sqlite_state.read(BurnedKey("TOS")) == value
    dump = sqlite_state.dump()
    storage = {str(value): 7, "3": value} if value else {"0": 7}
    expected_dump_ = {
        "accounts": {"a": {"balances": {"TOS": value} if value else {}, "nonce": value}},
        "contracts": {
            "k": {
                "balances": {"GOLD": value} if value else {},
                "code": code.to_json(),
                "storage": storage,
            }
        },
        "burned": {"TOS": value} if value else {},
    }
    assert canonical_json(dump) == canonical_json(expected_dump_)
    memory = MemoryState()
    memory.commit(WriteSet(writes, burned={"TOS": value}))
    assert canonical_json(memory.dump()) == canonical_json(dump)


def test_burned_totals_add_across_the_sign_bit(sqlite_state: SqliteState) -> None:
    sqlite_state.commit(WriteSet({}, burned={"TOS": 2**63 - 1, "GOLD": 1}))
    assert sqlite_state.read(BurnedKey("TOS")) == 2**63 - 1
    sqlite_state.commit(WriteSet({}, burned={"TOS": 1, "GOLD": 2**63 - 1}))
    assert sqlite_state.read(BurnedKey("TOS")) == 2**63
    assert sqlite_state.read(BurnedKey("GOLD")) == 2**63
    sqlite_state.commit(WriteSet({}, burned={"TOS": 2**63 - 1, "GOLD": 0}))
    assert sqlite_state.read(BurnedKey("TOS")) == U64_MAX
    assert sqlite_state.read(BurnedKey("GOLD")) == 2**63
    assert sqlite_state.dump()["burned"] == {"TOS": U64_MAX, "GOLD": 2**63}


def test_storage_slots_at_the_bounds_are_distinct(sqlite_state: SqliteState) -> None:
    writes: dict[StateKey, StateValue] = {CodeKey("k"): deployed(PROGRAMS[0])}
    writes.update({StorageKey("k", slot): index + 1 for index, slot in enumerate(BOUNDS)})
    sqlite_state.commit(WriteSet(writes))
    for index, slot in enumerate(BOUNDS):
        assert sqlite_state.read(StorageKey("k", slot)) == index + 1
    assert sqlite_state.read(StorageKey("k", 2)) == 0
    assert sqlite_state.dump()["contracts"]["k"]["storage"] == {
        str(slot): index + 1 for index, slot in enumerate(BOUNDS)
    }
    assert canonical_json(sqlite_state.dump()["contracts"]["k"]["storage"]) == (
        '{"0":1,"1":2,"18446744073709551615":6,"9223372036854775807":3,'
        '"9223372036854775808":4,"9223372036854775809":5}'
    )


def test_zero_and_none_delete(sqlite_state: SqliteState) -> None:
    sqlite_state.commit(
        WriteSet(
            {
                NonceKey("a"): 0,
                NonceKey("b"): U64_MAX,
                BalanceKey("b", "TOS"): U64_MAX,
                CodeKey("k"): deployed(PROGRAMS[1]),
                StorageKey("k", U64_MAX): U64_MAX,
            }
        )
    )
    assert sqlite_state.read(NonceKey("a")) == 0
    sqlite_state.commit(
        WriteSet(
            {
                NonceKey("b"): None,
                BalanceKey("b", "TOS"): 0,
                CodeKey("k"): None,
                StorageKey("k", U64_MAX): 0,
            }
        )
    )
    assert sqlite_state.read(NonceKey("a")) == 0
    assert sqlite_state.read(NonceKey("b")) is None
    assert sqlite_state.read(BalanceKey("b", "TOS")) == 0
    assert sqlite_state.read(CodeKey("k")) is None
    assert sqlite_state.read(StorageKey("k", U64_MAX)) == 0
    assert canonical_json(sqlite_state.dump()) == (
        '{"accounts":{"a":{"balances":{},"nonce":0}},"burned":{},"contracts":{}}'
    )


# ---------------------------------------------------------------- version 2 items


@pytest.mark.parametrize("value", BOUNDS)
def test_version_2_items_round_trip_through_sqlite_at_the_u64_bounds(
    sqlite_state: SqliteState, value: int
) -> None:
    creation = f"a:{value}"
    writes: dict[StateKey, StateValue] = {
        CodeKey("k"): deployed(PROGRAMS[4], creation),
        ContractNonceKey("k"): value,
        StorageKey("k", 3, creation): 7,
        StorageKey("k", U64_MAX, creation): value,
    }
    sqlite_state.commit(WriteSet(writes))
    for key, expected in writes.items():
        assert sqlite_state.read(key) == expected, key
        assert sqlite_state.reader().read(key) == expected, key
    storage = {"3": 7, str(U64_MAX): value} if value else {"3": 7}
    code = PROGRAMS[4].to_json()
    assert sqlite_state.dump(Version.V2) == {
        "accounts": {},
        "contracts": {"k": {"balances": {}, "code": code, "nonce": value, "storage": storage}},
        "burned": {},
    }
    assert sqlite_state.dump(Version.V1) == {
        "accounts": {},
        "contracts": {"k": {"balances": {}, "code": code, "storage": storage}},
        "burned": {},
    }
    memory = MemoryState()
    memory.commit(WriteSet(writes))
    for version in Version:
        assert canonical_json(memory.dump(version)) == canonical_json(sqlite_state.dump(version))


@pytest.mark.parametrize("mode", ["memory", "sqlite_file", "sqlite_memory"])
def test_a_dump_shows_only_the_storage_of_each_contracts_creation(mode: str) -> None:
    state = STATE_MAKERS[mode]()
    try:
        state.commit(
            WriteSet(
                {
                    CodeKey("k"): deployed(PROGRAMS[0], "b:1"),
                    StorageKey("k", 1): 5,  # the genesis contract's, destroyed since
                    StorageKey("k", 2): 9,
                    StorageKey("k", 1, "b:1"): 6,
                    StorageKey("gone", 4, "a:0"): 4,  # a destroyed contract's leftover
                    NonceKey("gone"): 0,  # the address is an account now
                }
            )
        )
        assert state.read(StorageKey("k", 1)) == 5  # dead rows stay readable items
        assert state.read(StorageKey("gone", 4, "a:0")) == 4
        assert canonical_json(state.dump(Version.V2)) == (
            '{"accounts":{"gone":{"balances":{},"nonce":0}},"burned":{},'
            '"contracts":{"k":{"balances":{},"code":{"0":[["PUSH",1],["STOP"]]},"nonce":0,'
            '"storage":{"1":6}}}}'
        )
    finally:
        state.close()


@pytest.mark.parametrize(
    "key", [ContractNonceKey("k"), ContractBalanceKey("k", "TOS")], ids=["nonce", "balance"]
)
@pytest.mark.parametrize("make", [MemoryState, SqliteState], ids=["memory", "sqlite"])
def test_a_contract_item_without_its_contract_is_an_invariant_violation(
    make: Callable[[], MemoryState | SqliteState], key: StateKey
) -> None:
    state = make()
    try:
        state.commit(WriteSet({key: 3}))
        for version in Version:
            with pytest.raises(InvariantViolation, match="which does not exist"):
                state.dump(version)
    finally:
        state.close()


V2_VECTORS = [path for path in VECTOR_PATHS if path.stem.startswith("v2_")]


def test_both_backends_hold_the_same_items_after_every_version_2_vector() -> None:
    """Not only the same dump: the same items, dead storage rows included, after
    destroys, revivals and clones."""
    kinds: set[str] = set()
    for path in V2_VECTORS:
        case = decode_case(json.dumps(load_vector(path)[0]))
        held = []
        for make in (MemoryState, SqliteState):
            state = make()
            state.commit(genesis_write_set(case.genesis))
            SequentialExecutor().execute(case, state)
            held.append(sorted(state.items(), key=repr))
            state.close()
        assert held[0] == held[1], path.stem
        model = dict(held[0])
        kinds.update(type(key).__name__ for key in model)
        kinds.update(
            "dead storage"
            for key in model
            if isinstance(key, StorageKey) and not is_live(key, model)
        )
    assert {"ContractNonceKey", "StorageKey", "dead storage"} <= kinds


# ---------------------------------------------------------------- file life and readers


def test_temporary_file_is_removed_on_close() -> None:
    state = SqliteState()
    path = Path(state.path)
    state.commit(WriteSet({NonceKey("a"): 1}))
    assert state.reader().read(NonceKey("a")) == 1
    assert path.is_file()
    state.close()
    assert not path.exists()
    assert not path.parent.exists()


def test_memory_database_has_no_file() -> None:
    state = SqliteState(":memory:")
    state.commit(WriteSet({NonceKey("a"): 1}))
    assert state.path == ":memory:"
    assert not Path(":memory:").exists()
    state.close()


READ_KEYS: tuple[StateKey, ...] = (
    NonceKey("a"),
    NonceKey("b"),
    BalanceKey("a", "TOS"),
    BalanceKey("a", "GOLD"),
    CodeKey("k"),
    CodeKey("a"),
    ContractBalanceKey("k", "TOS"),
    StorageKey("k", U64_MAX),
    StorageKey("k", 2**63),
    StorageKey("k", 0),
    BurnedKey("TOS"),
    BurnedKey("GOLD"),
)


def populate(state: MemoryState | SqliteState, offset: int) -> None:
    state.commit(
        WriteSet(
            {
                NonceKey("a"): 5 + offset,
                BalanceKey("a", "TOS"): U64_MAX - offset,
                CodeKey("k"): deployed(PROGRAMS[offset % len(PROGRAMS)], f"a:{offset}"),
                ContractBalanceKey("k", "TOS"): 2**63 + offset,
                StorageKey("k", U64_MAX): 2**63 - 1 + offset,
                StorageKey("k", 2**63): offset,
            },
            burned={"TOS": 2**62},
        )
    )


def read_in_thread(view: StateView, keys: tuple[StateKey, ...]) -> list[StateValue]:
    results: list[StateValue] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            results.extend(view.read(key) for key in keys)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=300)
    assert not thread.is_alive()
    assert errors == []
    return results


STATE_MAKERS: dict[str, Callable[[], MemoryState | SqliteState]] = {
    "sqlite_file": SqliteState,
    "sqlite_memory": lambda: SqliteState(":memory:"),
    "memory": MemoryState,
}


@pytest.mark.parametrize("mode", STATE_MAKERS)
def test_reader_from_another_thread(mode: str) -> None:
    state = STATE_MAKERS[mode]()
    try:
        populate(state, 0)
        view = state.reader()
        expected = [state.read(key) for key in READ_KEYS]
        assert expected[0] == 5 and expected[1] is None and expected[-1] == 0
        assert read_in_thread(view, READ_KEYS) == expected
        populate(state, 1)
        expected = [state.read(key) for key in READ_KEYS]
        assert expected[0] == 6 and expected[-2] == 2**63
        assert read_in_thread(state.reader(), READ_KEYS) == expected
    finally:
        state.close()


@pytest.mark.parametrize("mode", STATE_MAKERS)
def test_long_lived_reader_thread_sees_commits_before_each_reader_call(mode: str) -> None:
    # The contract: a view sees everything committed before its ``reader()`` call,
    # and executors call ``reader()`` again at the start of each parallel phase.
    state = STATE_MAKERS[mode]()
    populate(state, 0)
    views = [state.reader()]
    first: list[StateValue] = []
    second: list[StateValue] = []
    read_once = threading.Event()
    committed = threading.Event()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            first.extend(views[0].read(key) for key in READ_KEYS)
            read_once.set()
            assert committed.wait(timeout=300)
            second.extend(views[1].read(key) for key in READ_KEYS)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
            read_once.set()

    try:
        expected_first = [state.read(key) for key in READ_KEYS]
        thread = threading.Thread(target=work)
        thread.start()
        assert read_once.wait(timeout=300)
        populate(state, 2)
        expected_second = [state.read(key) for key in READ_KEYS]
        views.append(state.reader())
        committed.set()
        thread.join(timeout=300)
        assert not thread.is_alive()
        assert errors == []
        assert first == expected_first
        assert second == expected_second
        assert first != second
    finally:
        state.close()


def test_many_reader_threads() -> None:
    state = SqliteState()
    try:
        populate(state, 3)
        expected = [state.read(key) for key in READ_KEYS]
        view = state.reader()
        results: dict[int, list[StateValue]] = {}

        def work(index: int) -> None:
            results[index] = [view.read(key) for key in READ_KEYS]

        threads = [threading.Thread(target=work, args=(index,)) for index in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        assert results == {index: expected for index in range(8)}
    finally:
        state.close()


# ---------------------------------------------------------------- registry


GENESIS = Genesis(
    {"a": Account(3, {"TOS": U64_MAX - 1, "GOLD": 0})},
    {"k": Contract(PROGRAMS[2], {"TOS": 2**63}, {U64_MAX: 1, 0: 0})},
)


def test_open_unknown_backend() -> None:
    with pytest.raises(
        UnknownExecutor, match=r"^unknown backend 'nope' \(known: memory, sqlite\)$"
    ):
        open_state("nope", GENESIS)


KNOWN_EXECUTORS = ", ".join(EXECUTORS)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: parse_name("nope"), f"unknown executor 'nope' (known: {KNOWN_EXECUTORS})"),
        (lambda: make_executor("nope"), f"unknown executor 'nope' (known: {KNOWN_EXECUTORS})"),
        (lambda: parse_name("batched@disk"), "unknown backend 'disk' (known: memory, sqlite)"),
        (
            lambda: parse_name("batched/fifo"),
            "unknown schedule 'fifo' (known: threads, seeded, pct)",
        ),
        (
            lambda: make_executor("batched", "fifo"),
            "unknown schedule 'fifo' (known: threads, seeded, pct)",
        ),
        (lambda: BlockStmExecutor("fifo"), "unknown schedule 'fifo' (known: threads, seeded, pct)"),
    ],
)
def test_every_unknown_name_is_one_executor_error(make: Callable[[], object], message: str) -> None:
    """Whatever names it (a spec, a factory, a constructor), an unknown executor,
    backend or schedule is an ``UnknownExecutor``, under ``ExecutorError``, worded once."""
    with pytest.raises(UnknownExecutor) as refused:
        make()
    assert isinstance(refused.value, ExecutorError)
    assert str(refused.value) == message


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_open_state_holds_genesis(backend: str) -> None:
    state = open_state(backend, GENESIS)
    try:
        assert state.read(NonceKey("a")) == 3
        assert state.read(BalanceKey("a", "TOS")) == U64_MAX - 1
        assert state.read(BalanceKey("a", "GOLD")) == 0
        assert state.read(CodeKey("k")) == deployed(PROGRAMS[2])
        assert state.read(StorageKey("k", U64_MAX)) == 1
        assert canonical_json(state.dump()) == (
            '{"accounts":{"a":{"balances":{"TOS":18446744073709551614},"nonce":3}},'
            '"burned":{},'
            '"contracts":{"k":{"balances":{"TOS":9223372036854775808},'
            '"code":{"10":[["ARG",0],["JUMPI",0]],"9":[["CALL","k",10,8]]},'
            '"storage":{"18446744073709551615":1}}}}'
        )
    finally:
        state.close()
