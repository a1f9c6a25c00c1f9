"""Divergence reports (``harness.report``), exactly as an engineer reads them.

- a contract-blind find (``examples/reports/contract_blind.json``, a shrunk
  counterexample the tool saved): the transaction reaching the racy storage slot
  through ``CALL`` is named beside the one writing it, with the batch both ran in
  and the filler; the README shows this report, word for word.
- a lost-fees find: the fee payer and the block steps "reward" and "fees to the
  miner" are named, the zero-amount fillers are marked as fillers.
- receipts, deploys, Block-STM and external runs, roles, and the paths of items.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
from dataclasses import replace
from pathlib import Path

from tests.builders import Json, account, deploy, invoke, transfer
from tests.conftest import VECTORS_DIR, load_vector
from txparity.executors.codec import canonical_json, case_from_json, decode_case
from txparity.executors.model import Case
from txparity.harness.corpus import load_entry
from txparity.harness.differential import Difference, Divergence, DivergenceKind, Runner
from txparity.harness.replay import replay_entry
from txparity.harness.report import Role, build_report

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "examples" / "reports"
SCRIPTS = Path(__file__).parent / "external_scripts"
COUNTER = [["PUSH", 0], ["SLOAD"], ["PUSH", 1], ["ADD"], ["PUSH", 0], ["SSTORE"]]


def found(name: str) -> Divergence:
    """The divergence the example counterexample ``name`` still shows."""
    [divergence] = replay_entry(load_entry(EXAMPLES / f"{name}.json"))
    return divergence


def make_case(accounts: Json, contracts: Json, txs: list[Json]) -> Case:
    document = {
        "format": "txparity.case/1",
        "genesis": {"accounts": accounts, "contracts": contracts},
        "block": {"miner": "m", "reward": 0, "txs": txs},
        "config": {"network": "devnet", "threads": 4, "schedule_seed": 7},
    }
    return decode_case(json.dumps(document))


def check(spec: str, case: Case) -> Divergence:
    with Runner([spec]) as runner:
        [divergence] = runner.check(case).divergences
    return divergence


# ---------------------------------------------------------------- the two pinned reports

CONTRACT_BLIND_TXS = [
    '{"args":[],"contract":"c1","deposits":{},"entry":0,"fee":0,"kind":"invoke","max_gas":0,'
    '"nonce":0,"source":"n1"}',
    '{"args":[],"contract":"c1","deposits":{},"entry":8,"fee":0,"kind":"invoke","max_gas":20,'
    '"nonce":0,"source":"a0"}',
    '{"args":[],"contract":"a0.0","deposits":{},"entry":9,"fee":0,"kind":"invoke",'
    '"max_gas":40,"nonce":0,"source":"a3"}',
    '{"code":{},"fee":0,"kind":"deploy","nonce":0,"source":"a0"}',
]


def test_the_report_of_a_contract_blind_find() -> None:
    report = build_report(found("contract_blind"))
    tx = CONTRACT_BLIND_TXS
    assert report.text().splitlines() == [
        "DIVERGENCE 9bb19c6031ede07c (state) in batched-contract-blind@memory/seeded",
        '  1 state item(s) differ, first state.contracts["c1"].storage["9"]: expected 2, actual 1',
        "  run: parallel path (4 transactions, at or above the threshold of 4); "
        "2 batch(es): tx 0-2 | tx 3; 1 conflict(s)",
        '  state.contracts["c1"].storage["9"]: expected 2, actual 1',
        "    tx 1: read, wrote",
        "    tx 2: read, wrote (through CALL)",
        "    conflict inside batch 1: tx 1, tx 2",
        "  transactions:",
        "    tx 0 (batch 1): rejected/unknown_sender gas 0; filler",
        f"      {tx[0]}",
        "    tx 1 (batch 1): applied gas 20; touches a differing item",
        f"      {tx[1]}",
        "    tx 2 (batch 1): applied gas 40; touches a differing item",
        f"      {tx[2]}",
        "    tx 3 (batch 2): rejected/bad_nonce gas 0; conflicts with tx 1",
        f"      {tx[3]}",
    ]
    assert report.markdown().splitlines() == [
        "### Divergence `9bb19c6031ede07c` (state) in `batched-contract-blind@memory/seeded`",
        "",
        '1 state item(s) differ, first state.contracts["c1"].storage["9"]: expected 2, actual 1',
        "",
        "Run: parallel path (4 transactions, at or above the threshold of 4); "
        "2 batch(es): tx 0-2 | tx 3; 1 conflict(s).",
        "",
        "| item | expected | actual | read or written in the reference run by |",
        "| --- | --- | --- | --- |",
        '| `state.contracts["c1"].storage["9"]` | 2 | 1 | tx 1: read, wrote; '
        "tx 2: read, wrote (through CALL); conflict inside batch 1: tx 1, tx 2 |",
        "",
        "| tx | batch | reference receipt | role | transaction |",
        "| --- | --- | --- | --- | --- |",
        f"| 0 | 1 | rejected/unknown_sender gas 0 | filler | `{tx[0]}` |",
        f"| 1 | 1 | applied gas 20 | touches a differing item | `{tx[1]}` |",
        f"| 2 | 1 | applied gas 40 | touches a differing item | `{tx[2]}` |",
        f"| 3 | 2 | rejected/bad_nonce gas 0 | conflicts with tx 1 | `{tx[3]}` |",
    ]


def test_the_report_of_a_lost_fees_find() -> None:
    report = build_report(found("lost_fees"))
    assert report.text().splitlines() == [
        "DIVERGENCE a5de4408de0200e3 (state) in batched-lost-fees@memory/seeded",
        '  1 state item(s) differ, first state.accounts["m"].balances["TOS"]: '
        "expected 1, actual (absent)",
        "  run: parallel path (4 transactions, at or above the threshold of 4); "
        "2 batch(es): tx 0-2 | tx 3; 1 conflict(s)",
        '  state.accounts["m"].balances["TOS"]: expected 1, actual (absent)',
        "    reward: read, wrote",
        "    tx 0: paid a fee of 1",
        "    fees to the miner: read, wrote",
        "  transactions:",
        "    tx 0 (batch 1): applied gas 0; touches a differing item",
        '      {"fee":1,"kind":"transfer","nonce":0,"outputs":[{"amount":1,"asset":"USD",'
        '"dest":"a12.1"}],"source":"a12"}',
        "    tx 1 (batch 1): rejected/malformed gas 0; filler",
        '      {"fee":0,"kind":"transfer","nonce":0,"outputs":[],"source":"a0"}',
        "    tx 2 (batch 1): rejected/malformed gas 0; filler",
        '      {"fee":0,"kind":"transfer","nonce":0,"outputs":[{"amount":0,"asset":"USD",'
        '"dest":"a6"}],"source":"m"}',
        "    tx 3 (batch 2): rejected/bad_nonce gas 0; conflicts with tx 0",
        '      {"code":{},"fee":0,"kind":"deploy","nonce":0,"source":"a12"}',
    ]


def test_the_readme_shows_the_contract_blind_report_as_the_tool_writes_it() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"<!-- report:contract_blind -->\n(.*?)<!-- /report -->", readme, re.S)
    assert shown is not None, "README.md lost its report block"
    assert shown.group(1) == build_report(found("contract_blind")).markdown()


# ---------------------------------------------------------------- what the items name


def test_a_receipt_names_its_transaction_and_the_writes_it_read() -> None:
    """A deploy and an invoke of the new contract, batched together by the
    contract-blind keys: the invoke finds no contract."""
    case = make_case(
        {"a": account(TOS=5), "b": account(TOS=5)},
        {},
        [deploy("a", 0, {"0": []}), invoke("b", 0, "a.0"), transfer("a", 1, "x", 1),
         transfer("b", 1, "y", 1)],
    )  # fmt: skip
    report = build_report(check("batched-contract-blind@memory/seeded", case))
    lines = report.text().splitlines()
    assert lines[1:6] == [
        "  tx 1: expected applied gas 0, actual rejected/no_contract gas 0",
        '  first differing tx 1: {"args":[],"contract":"a.0","deposits":{},"entry":0,"fee":0,'
        '"kind":"invoke","max_gas":0,"nonce":0,"source":"b"}',
        "  run: parallel path (4 transactions, at or above the threshold of 4); "
        "2 batch(es): tx 0-1 | tx 2-3; 1 conflict(s)",
        "  receipts[1]: expected applied gas 0, actual rejected/no_contract gas 0",
        '    tx 0: wrote state.contracts["a.0"].code, read by tx 1',
    ]
    assert lines[6:8] == [
        "    tx 1: its own receipt, from what it read",
        "    conflict inside batch 1: tx 0, tx 1",
    ]


def test_a_deploy_that_created_a_differing_contract_is_named() -> None:
    case = make_case(
        {"a": account(TOS=5)}, {}, [transfer("a", 0, "b", 1), deploy("a", 1, {"0": []})]
    )
    with Runner([]) as runner:
        expected = runner.reference_result(case)
    document = json.loads(expected)
    del document["state"]["contracts"]["a.1"]
    divergence = Divergence(
        DivergenceKind.STATE, "x", "x", case, expected, canonical_json(document),
        "detail", None, ('state.contracts["a.1"]',),
        Difference(DivergenceKind.STATE, "").fingerprint("x"),
    )  # fmt: skip
    report = build_report(divergence)
    [item] = report.items
    assert item.path == 'state.contracts["a.1"]'
    assert [access.text() for access in item.accesses] == ["tx 1: read, wrote"]
    assert "  run: no statistics (the executor reports none)" in report.text().splitlines()
    # Below the threshold of 4, without batches: the transfer is no filler.
    assert [(line.role, line.batch) for line in report.transactions] == [
        (Role.CONFLICTS, None),
        (Role.INVOLVED, None),
    ]


def test_a_block_stm_run_shows_its_incarnations_and_aborts() -> None:
    case = make_case({"a": account(TOS=20)}, {}, [transfer("a", n, "b", 10) for n in range(4)])
    report = build_report(check("blockstm-no-validation@memory/seeded", case))
    [run] = [line for line in report.text().splitlines() if line.startswith("  run: ")]
    assert run == (
        "  run: parallel path (4 transactions, at or above the threshold of 4); "
        "4 incarnation(s), 0 abort(s), 6 validation(s), 0 suspension(s)"
    )
    assert all(line.batch is None for line in report.transactions)
    assert "| tx | reference receipt | role | transaction |" in report.markdown().splitlines()


def test_an_external_executor_has_no_statistics() -> None:
    spec = "cmd:" + shlex.join([sys.executable, str(SCRIPTS / "wrong.py")])
    case = make_case({"a": account(TOS=5)}, {}, [transfer("a", 0, "b", 1)])
    report = build_report(check(spec, case))
    assert report.text().splitlines()[2:7] == [
        "  run: no statistics (the executor reports none)",
        '  state.accounts["m"].balances["TOS"]: expected (absent), actual 1',
        "    reward: read, wrote",
        "    fees to the miner: read, wrote",
        "  transactions:",
    ]


def test_unrelated_transactions_are_fillers_only_when_the_threshold_needs_them() -> None:
    """``a`` pays a fee the planted bug loses, then sends again (a conflict on its
    nonce); strangers pay strangers. When the block needs the strangers to reach the
    threshold of 4 they are fillers; when ``a``'s transactions reach it alone, they
    are merely unrelated."""
    accounts = {name: account(TOS=5) for name in "acde"}
    strangers = [transfer(name, 0, name + "r", 1) for name in "cde"]
    for own, extra, role in ((2, 2, Role.FILLER), (4, 1, Role.UNRELATED)):
        paying = [{**transfer("a", 0, "b", 1), "fee": 1}]
        paying += [transfer("a", n, "b", 1) for n in range(1, own)]
        case = make_case(accounts, {}, paying + strangers[:extra])
        report = build_report(check("batched-lost-fees@memory/seeded", case))
        assert [line.role for line in report.transactions] == [
            Role.INVOLVED, *[Role.CONFLICTS] * (own - 1), *[role] * extra
        ]  # fmt: skip


def test_a_reference_that_now_disagrees_with_the_record_is_said() -> None:
    divergence = found("lost_fees")
    recorded = divergence.expected.replace('"m":{"balances":{"TOS":1}', '"m":{"balances":{"TOS":2}')
    assert recorded != divergence.expected
    lines = build_report(replace(divergence, expected=recorded)).text().splitlines()
    assert lines[3] == (
        "  note: the reference now gives this case another result than the one recorded; "
        "the reads and writes shown are those of the reference now"
    )


def test_a_failed_answer_is_reported_by_its_head_alone() -> None:
    divergence = replace(
        found("lost_fees"), kind=DivergenceKind.HANG, actual=None, detail="no answer within 10 s"
    )
    report = build_report(divergence)
    assert report.items == ()
    assert report.text() == (
        f"DIVERGENCE {divergence.fingerprint} (hang) in batched-lost-fees@memory/seeded\n"
        "  no answer within 10 s"
    )
    assert report.markdown() == (
        f"### Divergence `{divergence.fingerprint}` (hang) in "
        "`batched-lost-fees@memory/seeded`\n\nno answer within 10 s\n\n"
    )


def test_item_paths_match_the_runner_for_any_address() -> None:
    """A map key that is also a field name (an account called ``nonce``) is a key."""
    case = make_case(
        {"nonce": account(TOS=100)}, {}, [transfer("nonce", n, "code", 10) for n in range(4)]
    )
    divergence = check("batched-no-sender-debit@memory/seeded", case)
    assert divergence.paths == ('state.accounts["nonce"].balances["TOS"]',)
    assert [item.path for item in build_report(divergence).items] == [
        'state.accounts["nonce"].balances["TOS"]'
    ]


def test_a_contract_item_names_every_counter_increment() -> None:
    counter = {"c": {"code": {"0": COUNTER}, "balances": {}, "storage": {}}}
    case = make_case(
        {"a": account(TOS=40), "b": account(TOS=40)},
        counter,
        [invoke(s, n, "c", max_gas=20) for n, s in ((0, "a"), (0, "b"), (1, "a"), (1, "b"))],
    )
    [item] = build_report(check("batched-contract-blind@memory/seeded", case)).items
    assert item.notes() == [
        "tx 0: read, wrote",
        "tx 1: read, wrote",
        "tx 2: read, wrote",
        "tx 3: read, wrote",
        "conflict inside batch 1: tx 0, tx 1",
        "conflict inside batch 2: tx 2, tx 3",
    ]


# ---------------------------------------------------------------- version 2


def vector_divergence(name: str, spec: str) -> Divergence:
    case_json, _ = load_vector(VECTORS_DIR / f"{name}.json")
    return check(spec, case_from_json(case_json))


def test_each_tx_fee_credits_are_named_as_block_steps() -> None:
    """``batched-stale-miner``: the miner spends fees credited right after earlier
    transactions; the report names the credit that tx 2's funds check read."""
    report = build_report(
        vector_divergence("v2_each_tx_miner_spends_fees", "batched-stale-miner@memory/seeded")
    )
    lines = report.text().splitlines()
    start = lines.index(
        "  receipts[2]: expected applied gas 0, actual rejected/insufficient_funds gas 0"
    )
    assert lines[start + 1 : start + 4] == [
        '    reward: wrote state.accounts["m"].nonce, read by tx 2',
        '    fee of tx 1 to the miner: wrote state.accounts["m"].balances["TOS"], read by tx 2',
        "    tx 2: its own receipt, from what it read",
    ]
    balance = lines.index('  state.accounts["m"].balances["TOS"]: expected (absent), actual 50')
    assert lines[balance + 1 : balance + 5] == [
        "    reward: read, wrote",
        "    tx 0: paid a fee of 20",
        "    fee of tx 0 to the miner: read, wrote",
        "    tx 1: paid a fee of 20",
    ]
    assert not any("fees to the miner" in line for line in lines)  # nothing at the end


def test_a_transaction_the_gas_limit_cut_says_whose_gas_cut_it() -> None:
    """``batched-batch-gas`` counts gas per batch and never cuts the block."""
    report = build_report(
        vector_divergence("v2_gas_limit_cuts_block", "batched-batch-gas@memory/seeded")
    )
    lines = report.text().splitlines()
    start = lines.index("  receipts[4]: expected rejected/block_full gas 0, actual applied gas 0")
    assert lines[start + 1] == (
        "    tx 4: not run: the block's gas 20 (tx 1) + 20 (tx 2) + 20 (tx 3) "
        "reached its gas_limit 50"
    )


def test_a_contract_nonce_a_clone_wrote_is_named() -> None:
    report = build_report(
        vector_divergence("v2_clone_chain_in_one_block", "blockstm-stale-clone-nonce@memory/seeded")
    )
    lines = report.text().splitlines()
    start = lines.index(
        '  receipts[1]: expected applied gas 34 logs [["f", 1]], '
        "actual reverted/create_failed gas 30"
    )
    assert lines[start + 1] == '    tx 0: wrote state.contracts["f"].nonce, read by tx 1'


def test_a_receipt_in_a_block_with_a_gas_limit_shows_the_gas_before_it() -> None:
    """An included transaction's receipt, in a block with a gas limit, depends on
    the gas before it too: the report says how much of the limit was used."""
    divergence = vector_divergence("v2_gas_limit_crossed", "batched-batch-gas@memory/seeded")
    actual = json.loads(divergence.expected)
    actual["receipts"][1]["gas_used"] += 1  # as if an executor had counted tx 1 wrong
    report = build_report(replace(divergence, actual=canonical_json(actual)))
    lines = report.text().splitlines()
    start = lines.index("  receipts[1]: expected applied gas 20, actual applied gas 21")
    assert lines[start + 1 : start + 4] == [
        '    tx 0: wrote state.contracts["counter"].storage["0"], read by tx 1',
        "    tx 1: its own receipt, from what it read",
        "    tx 1: the block's gas before it: 20 of its gas_limit 30",
    ]
