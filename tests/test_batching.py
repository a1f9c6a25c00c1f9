"""Unit tests of the batched executor's planning.

``plan_batches``, ``call_closure`` and ``BatchedExecutor.keys_per_transaction``:
exact batches and exact key sets, the latter on cases written as JSON dicts and
decoded with ``decode_case``. (Block-STM's building blocks are tested in
``test_mvmemory.py`` and ``test_blockstm_scheduler.py``.)
"""

from __future__ import annotations

import json
from typing import Any

from tests import builders
from tests.builders import Json, burn, contract, deploy
from txparity.executors.batched import (
    FEES_KEY,
    BatchedExecutor,
    BatchKeys,
    BatchPlan,
    call_closure,
    codes_at,
    plan_batches,
)
from txparity.executors.code import parse_code
from txparity.executors.codec import decode_case
from txparity.executors.model import (
    Case,
    Code,
    Version,
    addresses_of,
)

# ---------------------------------------------------------------- helpers


def keys(*groups: str) -> list[BatchKeys]:
    """``keys("ab", "c")`` is the keys of addresses ``{"a", "b"}``, then ``{"c"}``: one
    letter, one address, each locked and checked."""
    return [BatchKeys.of(frozenset(group)) for group in groups]


def calls(*callees: str) -> Code:
    """Code whose entry 0 calls each of ``callees`` in turn."""
    return parse_code({"0": [["CALL", callee, 0, 0] for callee in callees]})


def transfer_to(source: str, nonce: int, *dests: str) -> Json:
    """A transfer of 1 TOS to each of ``dests``: conflict keys care only for who."""
    return builders.transfer_outputs(source, nonce, [(dest, "TOS", 1) for dest in dests])


def invoke(source: str, nonce: int, contract: str, entry: int = 0) -> Json:
    return builders.invoke(source, nonce, contract, entry=entry, max_gas=100)


def decoded_case(
    txs: list[dict[str, Any]],
    contracts: dict[str, Any] | None = None,
    accounts: tuple[str, ...] = ("a", "b"),
    **block: object,
) -> Case:
    """A decoded case of ``txs`` with miner ``m`` (not in genesis); any ``block``
    field (``fee_payment``, ``gas_limit``) makes it a version 2 case."""
    document = {
        "format": "txparity.case/2" if block else "txparity.case/1",
        "genesis": {
            "accounts": {name: {"nonce": 0, "balances": {"TOS": 1000}} for name in accounts},
            "contracts": contracts or {},
        },
        "block": {"miner": "m", "reward": 50, "txs": txs, **block},
    }
    return decode_case(json.dumps(document))


def case_keys(
    txs: list[dict[str, Any]],
    contracts: dict[str, Any] | None = None,
    accounts: tuple[str, ...] = ("a", "b"),
    **block: object,
) -> list[frozenset[str]]:
    """``keys_per_transaction`` of ``decoded_case(txs, contracts, accounts, **block)``."""
    case = decoded_case(txs, contracts, accounts, **block)
    return BatchedExecutor().keys_per_transaction(case)


def case_plan(
    txs: list[dict[str, Any]],
    contracts: dict[str, Any] | None = None,
    accounts: tuple[str, ...] = ("a", "b"),
    **block: object,
) -> BatchPlan:
    """The batches of ``decoded_case(txs, contracts, accounts, **block)``."""
    case = decoded_case(txs, contracts, accounts, **block)
    return plan_batches(BatchedExecutor().batch_keys_per_transaction(case))


# ---------------------------------------------------------------- plan_batches


def test_plan_of_an_empty_block_has_no_batches() -> None:
    assert plan_batches([]) == BatchPlan((), 0)


def test_plan_of_disjoint_transactions_is_one_batch() -> None:
    assert plan_batches(keys("ab", "cd", "e", "fg")) == BatchPlan(((0, 1, 2, 3),), 0)


def test_plan_of_a_single_transaction() -> None:
    assert plan_batches(keys("a")) == BatchPlan(((0,),), 0)


def test_plan_of_a_conflict_chain_closes_a_batch_at_each_link() -> None:
    # Each transaction shares one key with the one before it.
    assert plan_batches(keys("ab", "bc", "cd", "de")) == BatchPlan(((0,), (1,), (2,), (3,)), 3)


def test_plan_of_repeated_identical_keys_is_one_batch_each() -> None:
    assert plan_batches(keys("a", "a", "a")) == BatchPlan(((0,), (1,), (2,)), 2)


def test_conflict_with_an_earlier_closed_batch_does_not_split() -> None:
    # tx 1 conflicts with tx 0 and starts batch 2; tx 2 shares "a" only with tx 0,
    # whose batch is closed, so it joins tx 1's batch.
    assert plan_batches(keys("ab", "bc", "ad")) == BatchPlan(((0,), (1, 2)), 1)


def test_plan_is_greedy_and_contiguous() -> None:
    # tx 3 is disjoint from tx 2's batch but may not jump back into batch 1: batches
    # keep block order, and a transaction joins the current batch or opens the next.
    plan = plan_batches(keys("a", "b", "ac", "d", "bd", "e"))
    assert plan == BatchPlan(((0, 1), (2, 3), (4, 5)), 2)


def test_plan_locks_the_union_of_a_batch_keys() -> None:
    # tx 2 is disjoint from tx 1 but meets tx 0, which is in the same open batch.
    assert plan_batches(keys("ab", "c", "bx")) == BatchPlan(((0, 1), (2,)), 1)


def test_transactions_without_keys_never_conflict() -> None:
    assert plan_batches(keys("", "", "a")) == BatchPlan(((0, 1, 2),), 0)


# ---------------------------------------------------------------- call_closure


def test_call_closure_of_a_contract_without_calls_is_itself() -> None:
    assert call_closure("a", {"a": [parse_code({"0": [["PUSH", 1]]})]}) == frozenset({"a"})


def test_call_closure_is_transitive() -> None:
    code_at = {"a": [calls("b")], "b": [calls("c")], "c": [calls("d")], "d": [calls()]}
    assert call_closure("a", code_at) == frozenset("abcd")
    assert call_closure("c", code_at) == frozenset("cd")


def test_call_closure_terminates_on_cycles() -> None:
    code_at = {"a": [calls("b")], "b": [calls("c")], "c": [calls("a")]}
    assert call_closure("a", code_at) == frozenset("abc")
    assert call_closure("b", code_at) == frozenset("abc")
    assert call_closure("s", {"s": [calls("s")]}) == frozenset("s")


def test_call_closure_includes_a_callee_without_code_and_stops_there() -> None:
    assert call_closure("a", {"a": [calls("ghost")]}) == frozenset({"a", "ghost"})
    assert call_closure("ghost", {}) == frozenset({"ghost"})


def test_call_closure_covers_every_entry_and_every_code_of_an_address() -> None:
    two_entries = parse_code({"0": [["CALL", "b", 0, 0]], "7": [["PUSH", 1], ["CALL", "c", 3, 1]]})
    code_at = {"a": [two_entries, calls("d")], "d": [calls("e")]}
    assert call_closure("a", code_at) == frozenset("abcde")


# ---------------------------------------------------------------- keys_per_transaction


def test_keys_of_a_transfer_are_its_source_and_every_destination() -> None:
    assert case_keys([transfer_to("a", 0, "b", "x", "y"), transfer_to("b", 0, "a")]) == [
        frozenset({"a", "b", "x", "y"}),
        frozenset({"a", "b"}),
    ]


def test_keys_of_a_burn_are_its_source_only() -> None:
    assert case_keys([burn("a", 0), burn("b", 0)]) == [frozenset({"a"}), frozenset({"b"})]


def test_keys_of_a_deploy_are_its_source_and_new_address() -> None:
    code = {"0": [["CALL", "elsewhere", 0, 0]]}
    assert case_keys([deploy("a", 0, code), deploy("b", 3, code)]) == [
        frozenset({"a", "a.0"}),
        frozenset({"b", "b.3"}),  # the tx's own nonce, even one that will be rejected
    ]


def test_keys_are_the_addresses_a_transaction_names_plus_an_invoke_call_closure() -> None:
    """The report and the batched executor share ``addresses_of``: an invoke's keys
    add what its calls reach, every other kind's keys are exactly its addresses."""
    contracts = {"c": contract({"0": [["CALL", "lib", 0, 0]]}), "lib": contract({"0": [["STOP"]]})}
    txs = [transfer_to("a", 0, "b", "x"), burn("b", 0), deploy("a", 1, {}), invoke("b", 1, "c")]
    case = decoded_case(txs, contracts)
    named = [addresses_of(tx) for tx in case.block.txs]
    assert named == [
        frozenset({"a", "b", "x"}),
        frozenset({"b"}),
        frozenset({"a", "a.1"}),
        frozenset({"b", "c"}),
    ]
    keys = BatchedExecutor().keys_per_transaction(case)
    assert keys == [*named[:3], frozenset({"b", "c", "lib"})]


def test_keys_of_an_invoke_follow_calls_through_genesis_code() -> None:
    contracts = {
        "c": contract({"0": [["CALL", "lib", 0, 0]], "1": []}),
        "lib": contract({"0": [["CALL", "leaf", 0, 0]]}),
        "leaf": contract({"0": []}),
        "other": contract({"0": []}),
    }
    # The closure is per contract, not per entry: entry 1 makes no call, yet the
    # keys cover what entry 0 reaches. The unrelated contract is no key.
    assert case_keys([invoke("a", 0, "c", entry=1), invoke("b", 0, "lib")], contracts) == [
        frozenset({"a", "c", "lib", "leaf"}),
        frozenset({"b", "lib", "leaf"}),
    ]


def test_keys_of_an_invoke_follow_calls_through_code_deployed_earlier_in_the_block() -> None:
    """g calls x.0 and y.7. x deploys x.0 (calling lib) at nonce 0; y's deploy of y.7
    (calling lib2) has a bad nonce and is rejected at run time, yet its code still
    counts: more keys is safe. An invoke before the deploys sees none of their code."""
    contracts = {"g": contract({"0": [["CALL", "x.0", 0, 0], ["CALL", "y.7", 0, 0]]})}
    txs = [
        invoke("a", 0, "g"),
        deploy("x", 0, {"0": [["CALL", "lib", 0, 0]]}),
        deploy("y", 7, {"0": [["CALL", "lib2", 0, 0]]}),
        invoke("a", 1, "g"),
        invoke("b", 0, "x.0"),
    ]
    assert case_keys(txs, contracts, accounts=("a", "b", "x", "y")) == [
        frozenset({"a", "g", "x.0", "y.7"}),
        frozenset({"x", "x.0"}),
        frozenset({"y", "y.7"}),
        frozenset({"a", "g", "x.0", "y.7", "lib", "lib2"}),
        frozenset({"b", "x.0", "lib"}),
    ]


def test_keys_ignore_code_a_deploy_could_never_create() -> None:
    # Malformed code is rejected as malformed: it never exists at x.0, so its CALL
    # operands are no keys (the deploy itself still locks its new address).
    txs = [deploy("x", 0, {"0": [["CALL", "lib", 0, 9]]}), invoke("a", 0, "x.0")]
    assert case_keys(txs, accounts=("a", "x")) == [
        frozenset({"x", "x.0"}),
        frozenset({"a", "x.0"}),
    ]


def test_keys_of_a_redeploy_over_genesis_code_cover_both_codes() -> None:
    # x.0 is a genesis contract; a deploy to x.0 is rejected (contract_exists), but
    # the planner does not know that and unions both codes' callees.
    contracts = {"x.0": contract({"0": [["CALL", "old", 0, 0]]})}
    txs = [deploy("x", 0, {"0": [["CALL", "new", 0, 0]]}), invoke("a", 0, "x.0")]
    assert case_keys(txs, contracts, accounts=("a", "x")) == [
        frozenset({"x", "x.0"}),
        frozenset({"a", "x.0", "old", "new"}),
    ]


def test_the_miner_is_never_a_key_unless_a_transaction_names_it() -> None:
    contracts = {"c": contract({"0": []})}
    txs = [transfer_to("a", 0, "b"), burn("b", 0), invoke("a", 1, "c"), deploy("b", 1, {})]
    all_keys = case_keys(txs, contracts)
    assert all_keys == [
        frozenset({"a", "b"}),
        frozenset({"b"}),
        frozenset({"a", "c"}),
        frozenset({"b", "b.1"}),
    ]
    assert not any("m" in tx_keys for tx_keys in all_keys)
    # Paid by a transfer, or spending its reward, the miner is a key like any address.
    assert case_keys([transfer_to("a", 0, "m"), burn("m", 0)]) == [
        frozenset({"a", "m"}),
        frozenset({"m"}),
    ]


def test_planned_batches_of_a_decoded_block() -> None:
    contracts = {"c": contract({"0": [["CALL", "lib", 0, 0]]}), "lib": contract({"0": []})}
    txs = [
        transfer_to("a", 0, "x"),
        invoke("b", 0, "c"),
        invoke("y", 0, "lib"),  # meets tx 1 through lib, reached from c
        transfer_to("x", 0, "a"),  # meets nothing in the open batch (tx 2's)
        burn("a", 1),  # meets tx 3
    ]
    plan = plan_batches([BatchKeys.of(k) for k in case_keys(txs, contracts, ("a", "b", "x", "y"))])
    assert plan == BatchPlan(((0, 1), (2, 3), (4,)), 2)


# ---------------------------------------------------------------- version 2 (SPEC 10)

CLONER = {"0": [["CLONE"], ["POP"]]}
EACH_TX = {"fee_payment": "each_tx"}
V2 = {"fee_payment": "block_end"}  # a version 2 case with version 1's fee payment


def test_keys_of_an_invoke_add_every_balanceof_operand_of_its_reach() -> None:
    """``BALANCEOF`` reads its operand's existence and balance: a key, whichever code
    of the closure holds it, but never followed like a ``CALL``."""
    contracts = {
        "c": contract({"0": [["BALANCEOF", "x"], ["CALL", "lib", 0, 0]]}),
        "lib": contract({"1": [["BALANCEOF", "m"]]}),
        "x": contract({"0": [["BALANCEOF", "y"]]}),
    }
    assert case_keys([invoke("a", 0, "c"), invoke("b", 0, "x")], contracts, gas_limit=9) == [
        frozenset({"a", "c", "lib", "x", "m"}),
        frozenset({"b", "x", "y"}),
    ]


def test_codes_at_a_clone_address_are_its_creators_cloning_codes() -> None:
    cloner, plain = parse_code(CLONER, Version.V2), calls("lib")
    code_at = {"f": [cloner, plain], "g": [plain]}
    assert codes_at("f.0", code_at) == [cloner]  # only a code that can CLONE made it
    assert codes_at("f.17.3", code_at) == [cloner]  # a clone of a clone
    assert codes_at("g.0", code_at) == []  # g cannot clone
    assert codes_at("f.s1", code_at) == []  # a salted address is no clone's
    assert codes_at("f.01", code_at) == []  # nor one with a non-canonical nonce
    assert codes_at("f", code_at) == [cloner, plain]


def test_call_closure_follows_the_code_of_clones() -> None:
    """A contract that clones itself and calls its first clone reaches what the
    clone's code (its own) calls."""
    raw = {"0": [["CLONE"], ["CALL", "f.0", 1, 0]], "1": [["CALL", "lib", 0, 0]]}
    code = parse_code(raw, Version.V2)
    assert call_closure("f", {"f": [code]}) == frozenset({"f", "f.0", "lib"})


def test_clone_spaces_are_one_sided_keys() -> None:
    """An invoke whose reach can CLONE creates in its creator's space; a transaction
    naming ``<c>.<n>`` names in ``c``'s space. Creators meet namers and creators;
    namers never meet each other (nor do the deploys whose addresses look alike)."""
    contracts = {"f": contract(CLONER), "user": contract({"0": [["CALL", "f", 0, 0]]})}
    accounts = ("a", "b", "c", "f.9")
    keys = BatchedExecutor().batch_keys_per_transaction(
        decoded_case(
            [invoke("a", 0, "user"), transfer_to("b", 0, "f.0")], contracts, accounts, **V2
        )
    )
    assert keys == [
        BatchKeys(
            frozenset({"a", "user", "f", "creates:f.*"}),
            frozenset({"a", "user", "f", "creates:f.*", "names:f.*"}),
        ),
        BatchKeys(frozenset({"b", "f.0", "names:f.*"}), frozenset({"b", "f.0", "creates:f.*"})),
    ]
    # creator then namer, namer then creator: two batches each
    txs = [invoke("a", 0, "f"), transfer_to("b", 0, "f.0"), invoke("c", 0, "user")]
    assert case_plan(txs, contracts, accounts, **V2) == BatchPlan(((0,), (1,), (2,)), 2)
    # namers together: transfers to f.0 and f.1, and a deploy creating c.0
    txs = [transfer_to("a", 0, "f.0"), transfer_to("b", 0, "f.1"), deploy("c", 0, {})]
    assert case_plan(txs, contracts, accounts, **V2) == BatchPlan(((0, 1, 2),), 0)


def test_each_tx_fees_key_makes_only_miner_touchers_start_a_batch() -> None:
    """With each_tx every transaction locks the fees key; one whose keys hold the miner
    (paying it, sent by it, or reading it with BALANCEOF) checks it, so it starts a
    new batch, in which the others join it again."""
    contracts = {"probe": contract({"0": [["BALANCEOF", "m"]]})}
    accounts = ("a", "b", "c", "d", "e", "m")
    txs = [
        transfer_to("a", 0, "x"),
        transfer_to("b", 0, "y"),
        transfer_to("m", 0, "z"),  # the miner sends
        transfer_to("c", 0, "w"),
        invoke("d", 0, "probe"),  # reads the miner's balance
        transfer_to("e", 0, "m"),  # pays the miner
    ]
    assert case_plan(txs, contracts, accounts, **EACH_TX) == BatchPlan(
        ((0, 1), (2, 3), (4,), (5,)), 3
    )
    keys = BatchedExecutor().batch_keys_per_transaction(
        decoded_case(txs, contracts, accounts, **EACH_TX)
    )
    assert all(FEES_KEY in tx_keys.locks for tx_keys in keys)
    checks = [FEES_KEY in tx_keys.checks for tx_keys in keys]
    assert checks == [False, False, True, False, True, True]
    # With fees paid at the block's end the miner is an address like any other: tx 5
    # still meets tx 4's read of m, but tx 2 and tx 4 join the batch before them.
    assert case_plan(txs, contracts, accounts, fee_payment="block_end") == BatchPlan(
        ((0, 1, 2, 3), (4,), (5,)), 2
    )


def test_batch_keys_of_a_version_1_case_are_its_addresses_and_inert_names() -> None:
    """Version 1 has no CLONE and no each_tx: every address is locked and checked, and
    a clone-form address only adds a ``names:`` lock that no version 1 transaction
    checks and a ``creates:`` check that none locks, so version 1 plans are what
    they always were."""
    contracts = {"c": contract({"0": [["CALL", "lib", 0, 0]]}), "lib": contract({"0": []})}
    txs = [transfer_to("a", 0, "b.1", "m"), invoke("b", 0, "c"), deploy("a", 1, {})]
    assert BatchedExecutor().batch_keys_per_transaction(decoded_case(txs, contracts)) == [
        BatchKeys(
            frozenset({"a", "b.1", "m", "names:b.*"}), frozenset({"a", "b.1", "m", "creates:b.*"})
        ),
        BatchKeys.of(frozenset({"b", "c", "lib"})),
        BatchKeys(frozenset({"a", "a.1", "names:a.*"}), frozenset({"a", "a.1", "creates:a.*"})),
    ]
