"""The case strategies of ``harness.strategies``: validity, coverage, profiles, shrinking.

Coverage tests draw a fixed, derandomized sample of a profile (cached per test
process) and run it through the sequential reference executor. Hypothesis mixes
integer literals of the project's modules into what it draws, so a sample changes
whenever such a literal does, or other tests import more modules: every assertion
below holds with a wide margin for any sample, not only for today's.

The two large samples (300 cases of ``mixed`` and of ``contracts``) are each used by
one test only, so that parallel test workers do not both draw them.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings

from tests.v2_shapes import Shape, shapes_of
from txparity.executors.code import CodeNotWellFormed, ops_of, parse_code
from txparity.executors.codec import canonical_json, decode_case, encode_case
from txparity.executors.execution import Execution, run_case
from txparity.executors.limits import (
    ADDRESS_PATTERN,
    MAX_ARG_INDEX,
    MAX_ARGS,
    MAX_CALL_ARGS,
    MAX_GAS_LIMIT,
    MAX_OUTPUTS,
    MAX_PROGRAM_LENGTH,
)
from txparity.executors.model import (
    NATIVE_ASSET,
    U64_LIMIT,
    Account,
    Block,
    Burn,
    Case,
    Code,
    Contract,
    Deploy,
    FeePayment,
    Genesis,
    Instruction,
    Invoke,
    MalformedCode,
    Network,
    Op,
    Output,
    RejectReason,
    RevertReason,
    Status,
    Transaction,
    Transfer,
    Version,
)
from txparity.executors.rules import apply_transaction, maximum_spend, reward_writes
from txparity.executors.sequential import SequentialExecutor
from txparity.executors.state.base import genesis_write_set
from txparity.executors.state.memory import MemoryState
from txparity.executors.view import Scratch
from txparity.harness.campaign import CaseDrawer
from txparity.harness.errors import (
    HarnessError,
    InputError,
    KnobsError,
    ProfileFormatMismatch,
    UnknownFormat,
    UnknownProfile,
)
from txparity.harness.strategies import (
    DEFAULT_FORMAT,
    DEFAULT_PROFILE,
    PROFILES,
    CaseFormat,
    Knobs,
    cases,
    profile_knobs,
    v2_share,
)
from txparity.harness.strategies._invalid import (
    BAD_ARG_INDEX,
    BAD_ENTRY_IDS,
    BAD_ITEMS,
    GAS_OVER_LIMIT,
    JUMP_OUTSIDE,
    LAST_CONTRACT_NONCE,
    LONG_ACCOUNT,
    LONG_CONTRACT,
    TOO_LONG_PROGRAM,
    TOO_MANY_ARGS,
    TOO_MANY_CALL_ARGS,
    TOO_MANY_OUTPUTS,
)

ROOT = Path(__file__).resolve().parent.parent
PROFILE_NAMES = ("mixed", "contended", "wide", "contracts", "nonces", "payments", "v2")
V1_PROFILES = PROFILE_NAMES[:-1]  # the profiles that draw version 1 cases too
COVERAGE_SAMPLE = 300
SAMPLE = {
    "mixed": 100, "contended": 100, "wide": 50, "contracts": 100, "nonces": 100, "payments": 100,
}  # fmt: skip

Run = tuple[Case, Execution]


# ---------------------------------------------------------------- samples


@functools.cache
def sample(profile: str, count: int, form: CaseFormat = CaseFormat.V1) -> tuple[Case, ...]:
    """``count`` derandomized cases of ``profile`` in format ``form``: version 1 unless
    asked, so that the version 1 coverage below reads the samples it always read."""
    found: list[Case] = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(cases(profile, form))
    def collect(case: Case) -> None:
        found.append(case)

    collect()
    return tuple(found)


@functools.cache
def executed(profile: str, count: int) -> tuple[Run, ...]:
    return tuple(
        (case, run_case(SequentialExecutor(), case, "memory")) for case in sample(profile, count)
    )


def profile_sample(profile: str) -> tuple[Case, ...]:
    """The smaller sample of ``profile`` that most tests share."""
    return sample(profile, SAMPLE[profile])


def profile_runs(profile: str) -> tuple[Run, ...]:
    return executed(profile, SAMPLE[profile])


def reasons(runs: Sequence[Run]) -> Counter[str]:
    return Counter(str(receipt.reason) for _, execution in runs for receipt in execution.receipts)


def transactions(runs: Sequence[Run]) -> list[Transaction]:
    return [tx for case, _ in runs for tx in case.block.txs]


def is_parallel(case: Case) -> bool:
    return len(case.block.txs) >= case.config.network.parallel_threshold


def busiest_sender(case: Case) -> int:
    return max(Counter(tx.source for tx in case.block.txs).values(), default=0)


def nonce_offsets(runs: Sequence[Run]) -> list[int]:
    """Each transaction's nonce minus its sender's nonce at that point of the block."""
    offsets: list[int] = []
    for case, execution in runs:
        included: Counter[str] = Counter()
        for tx, receipt in zip(case.block.txs, execution.receipts, strict=True):
            genesis = case.genesis.accounts.get(tx.source)
            offsets.append(tx.nonce - (genesis.nonce if genesis else 0) - included[tx.source])
            included[tx.source] += receipt.status is not Status.REJECTED
    return offsets


# ---------------------------------------------------------------- API


def test_profiles_are_the_documented_seven() -> None:
    assert tuple(PROFILES) == PROFILE_NAMES
    assert all(isinstance(knobs, Knobs) for knobs in PROFILES.values())
    with pytest.raises(dataclasses.FrozenInstanceError):
        PROFILES["mixed"].hot_pct = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        PROFILES["extra"] = Knobs()  # type: ignore[index]


def test_unknown_profile_and_bad_knobs_are_refused() -> None:
    with pytest.raises(UnknownProfile, match=r"unknown profile 'busy' \(known: mixed, contended"):
        cases("busy")
    with pytest.raises(KnobsError, match=r"Knobs\.accounts must be a range"):
        Knobs(accounts=(0, 3))
    with pytest.raises(KnobsError, match=r"Knobs\.block_sizes\[1\] must be a range"):
        Knobs(block_sizes=((1, 10), (12, 8), (17, 26)))
    with pytest.raises(KnobsError, match="percentages"):
        Knobs(hot_pct=100)
    assert issubclass(UnknownProfile, InputError) and issubclass(KnobsError, HarnessError)


def test_a_profile_name_is_looked_up_in_one_place() -> None:
    assert profile_knobs("wide") is PROFILES["wide"]
    knobs = Knobs(hot_pct=5)
    assert profile_knobs(knobs) is knobs
    assert DEFAULT_PROFILE == "mixed" == PROFILE_NAMES[0]
    with pytest.raises(UnknownProfile):
        profile_knobs("Mixed")


def test_cases_accept_knobs_directly() -> None:
    knobs = Knobs(accounts=(3, 3), contracts=(0, 0), kinds=(1, 0, 0, 0))

    @settings(max_examples=20, database=None, deadline=None)
    @given(cases(knobs))
    def check(case: Case) -> None:
        assert len(case.genesis.accounts) == 3
        assert case.genesis.contracts == {}
        assert all(isinstance(tx, Transfer) for tx in case.block.txs)

    check()


# ---------------------------------------------------------------- validity


@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_generated_cases_round_trip_exactly(profile: str) -> None:
    @settings(max_examples=40, database=None, deadline=None)
    @given(cases(profile))
    def check(case: Case) -> None:
        text = canonical_json(encode_case(case))
        decoded = decode_case(text)
        assert decoded == case
        assert canonical_json(encode_case(decoded)) == text

    check()


@pytest.mark.parametrize("profile", V1_PROFILES)
def test_format_1_draws_version_1_cases_only(profile: str) -> None:
    """Version 2 added ops at the end of ``Op``; format 1 draws from the version 1 ops
    only, so every drawn case is the version 1 case it was before."""
    allowed = set(ops_of(Version.V1))
    for case in profile_sample(profile):
        assert case.version is Version.V1
        codes = [contract.code for contract in case.genesis.contracts.values()]
        codes += [tx.code for tx in case.block.txs if isinstance(tx, Deploy)]
        for code in codes:
            if isinstance(code, Code):
                ops = {i.op for program in code.entries.values() for i in program}
                assert ops <= allowed, ops - allowed


@pytest.mark.parametrize("profile", V1_PROFILES)
def test_derandomized_samples_round_trip_exactly(profile: str) -> None:
    for case in profile_sample(profile):
        assert decode_case(canonical_json(encode_case(case))) == case
        supply: Counter[str] = Counter({NATIVE_ASSET: case.block.reward})
        for account in case.genesis.accounts.values():
            supply.update(account.balances)
        for contract in case.genesis.contracts.values():
            supply.update(contract.balances)
        assert max(supply.values()) < U64_LIMIT


# ---------------------------------------------------------------- coverage: mixed


def check_kinds_reasons_and_paths(runs: Sequence[Run]) -> None:
    kinds = Counter(type(tx).__name__ for tx in transactions(runs))
    assert set(kinds) == {"Transfer", "Burn", "Deploy", "Invoke"}
    seen = reasons(runs)
    missing = {str(reason) for reason in RejectReason if reason.since is Version.V1} - set(seen)
    assert not missing, f"never rejected for {missing}"
    assert {receipt.status for _, run in runs for receipt in run.receipts} == set(Status)
    parallel = sum(is_parallel(case) for case, _ in runs)
    assert 0.6 * len(runs) <= parallel < len(runs)  # mostly parallel, sometimes not
    networks = Counter(case.config.network for case, _ in runs)
    assert len(networks) >= 2
    assert networks.most_common(1)[0][0] is Network.DEVNET


def check_config(runs: Sequence[Run]) -> None:
    configs = [case.config for case, _ in runs]
    threads = {config.threads for config in configs}
    assert {1, 8} <= threads <= set(range(1, 9))
    assert len(threads) >= 6
    assert all(0 <= config.schedule_seed < 2**32 for config in configs)
    assert max(config.schedule_seed for config in configs) >= 2**16


def check_transfers(runs: Sequence[Run]) -> None:
    transfers = [(case, tx) for case, _ in runs for tx in case.block.txs
                 if isinstance(tx, Transfer)]  # fmt: skip
    counts = {len(tx.outputs) for _, tx in transfers}
    assert {0, 1, 2, TOO_MANY_OUTPUTS} <= counts  # 0 and too many are malformed on purpose
    assert max(n for n in counts if n <= MAX_OUTPUTS) >= 8
    held = [{a for acc in c.genesis.accounts.values() for a in acc.balances} for c, _ in runs]
    assert all(NATIVE_ASSET in assets for assets in held)
    assert {2, 3, 4} <= {len(assets) for assets in held} <= {1, 2, 3, 4}  # TOS and 1 to 3
    kinds: Counter[str] = Counter()
    for case, tx in transfers:
        deploys = {d.new_address for d in case.block.txs if isinstance(d, Deploy)}
        for output in tx.outputs:
            if output.dest == tx.source:
                kinds["self"] += 1
            elif output.dest == case.block.miner:
                kinds["miner"] += 1
            elif output.dest in case.genesis.accounts:
                kinds["existing"] += 1
            elif output.dest in case.genesis.contracts or output.dest in deploys:
                kinds["contract"] += 1
            else:
                kinds["new"] += 1
            kinds["TOS" if output.asset == NATIVE_ASSET else "other asset"] += 1
            kinds["zero"] += output.amount == 0
    expected = ("self", "miner", "existing", "contract", "new", "TOS", "other asset", "zero")
    assert {kind for kind in expected if kinds[kind] > 0} == set(expected)


def check_burns_and_funding(runs: Sequence[Run]) -> None:
    """Burns of TOS and other assets; transfers and burns that spend exactly the
    sender's balance, or one more (replaying each block to know the balance)."""
    burns = {tx.asset == NATIVE_ASSET for tx in transactions(runs) if isinstance(tx, Burn)}
    assert burns == {True, False}
    found: Counter[str] = Counter()
    for case, _ in runs:
        state = MemoryState()
        state.commit(genesis_write_set(case.genesis))
        state.commit(reward_writes(state, case.block))
        for tx in case.block.txs:
            view = Scratch(state)
            if isinstance(tx, Transfer | Burn) and view.nonce(tx.source) == tx.nonce:
                for asset, spend in maximum_spend(tx).items():
                    balance = view.balance(tx.source, asset)
                    found["exact"] += spend == balance > 0
                    found["short"] += spend == balance + 1
            state.commit(apply_transaction(state, tx).write_set)
    assert found["exact"] > 0
    assert found["short"] > 0


def test_mixed_covers_the_spec() -> None:
    runs = executed("mixed", COVERAGE_SAMPLE)
    assert len(runs) == COVERAGE_SAMPLE
    check_kinds_reasons_and_paths(runs)
    check_config(runs)
    check_transfers(runs)
    check_burns_and_funding(runs)


# ---------------------------------------------------------------- coverage: contracts


def callees(code: Code) -> set[str]:
    return {
        str(instruction.operands[0])
        for program in code.entries.values()
        for instruction in program
        if instruction.op is Op.CALL
    }


def check_reasons(runs: Sequence[Run]) -> None:
    seen = reasons(runs)
    missing = {str(reason) for reason in RevertReason if reason.since is Version.V1} - set(seen)
    assert not missing, f"never reverted for {missing}"


def check_deploys(runs: Sequence[Run]) -> None:
    deploys = [tx for tx in transactions(runs) if isinstance(tx, Deploy)]
    assert any(isinstance(tx.code, Code) for tx in deploys)
    malformed = [tx.code for tx in deploys if isinstance(tx.code, MalformedCode)]
    assert malformed
    for code in malformed:
        raw = json.loads(code.raw_json)
        assert isinstance(raw, dict)
        assert all(isinstance(program, list) for program in raw.values())
        with pytest.raises(CodeNotWellFormed) as problem:
            parse_code(raw)
        assert str(problem.value) == code.problem
    # Invokes of contracts deployed earlier in the same block, run (not rejected).
    same_block = 0
    for case, execution in runs:
        deployed: set[str] = set()
        for tx, receipt in zip(case.block.txs, execution.receipts, strict=True):
            if isinstance(tx, Deploy) and receipt.status is Status.APPLIED:
                deployed.add(tx.new_address)
            if isinstance(tx, Invoke) and tx.contract in deployed:
                same_block += receipt.status is not Status.REJECTED
    assert same_block > 0


def check_invokes(runs: Sequence[Run]) -> None:
    invokes = [tx for tx in transactions(runs) if isinstance(tx, Invoke)]
    counts = {len(tx.args) for tx in invokes}
    assert {0, 1, 2, 3, TOO_MANY_ARGS} <= counts <= set(range(TOO_MANY_ARGS + 1))  # malformed
    assert len(counts & {4, 5, 6, 7, 8}) >= 4
    assert any(tx.deposits for tx in invokes)
    assert any(0 in tx.deposits.values() for tx in invokes)  # malformed
    assert min(tx.max_gas for tx in invokes) <= 10
    assert max(tx.max_gas for tx in invokes if tx.max_gas <= MAX_GAS_LIMIT) >= 1500
    assert any(tx.max_gas > MAX_GAS_LIMIT for tx in invokes)  # malformed


def check_call_graphs(runs: Sequence[Run]) -> None:
    """Some genesis contract calls another that calls a third (A -> B -> C), and some
    calls itself; ``depth`` among the revert reasons shows such calls run."""
    found: Counter[str] = Counter()
    for case, _ in runs:
        codes = {address: contract.code for address, contract in case.genesis.contracts.items()}
        for a, code in codes.items():
            found["self"] += a in callees(code)
            for b in callees(code) & set(codes) - {a}:
                found["chain"] += bool(callees(codes[b]) & set(codes) - {a, b})
    assert found["self"] > 0
    assert found["chain"] > 0


def test_contracts_cover_the_spec() -> None:
    runs = executed("contracts", COVERAGE_SAMPLE)
    assert len(runs) == COVERAGE_SAMPLE
    check_reasons(runs)
    check_deploys(runs)
    check_invokes(runs)
    check_call_graphs(runs)


# ---------------------------------------------------------------- every profile


@pytest.mark.parametrize("profile", V1_PROFILES)
def test_every_profile_has_a_busy_sender_and_mostly_parallel_blocks(profile: str) -> None:
    sample_ = profile_sample(profile)
    assert max(busiest_sender(case) for case in sample_) >= 3
    assert sum(is_parallel(case) for case in sample_) >= 0.5 * len(sample_)


def test_payments_draws_transfers_and_burns_and_no_contract() -> None:
    """An executor with payments only can be fuzzed on this profile and never meet a
    deploy, an invoke or a contract: in version 1 nor in version 2 (no stories)."""
    sample_ = profile_sample("payments") + sample("payments", 50, CaseFormat.V2)
    kinds = Counter(type(tx).__name__ for case in sample_ for tx in case.block.txs)
    assert set(kinds) == {"Transfer", "Burn"}
    assert kinds["Transfer"] > 2 * kinds["Burn"] > 0
    assert not any(case.genesis.contracts for case in sample_)


def test_nonce_races() -> None:
    """Runs of consecutive nonces, replays, gaps, n+1 before n, a spending miner."""
    found: Counter[str] = Counter()
    for case, execution in profile_runs("nonces"):
        included: dict[str, list[int]] = {}
        sent: dict[str, list[int]] = {}
        for tx, receipt in zip(case.block.txs, execution.receipts, strict=True):
            genesis = case.genesis.accounts.get(tx.source)
            expected = (genesis.nonce if genesis else 0) + len(included.get(tx.source, []))
            if receipt.reason is RejectReason.BAD_NONCE:
                found["gap" if tx.nonce > expected else "replay"] += 1
            earlier = sent.setdefault(tx.source, [])
            found["n+1 before n"] += tx.nonce + 1 in earlier
            found["same nonce twice"] += tx.nonce in earlier
            earlier.append(tx.nonce)
            if receipt.status is not Status.REJECTED:
                assert tx.nonce == expected
                included.setdefault(tx.source, []).append(tx.nonce)
                found["miner spends"] += tx.source == case.block.miner
        found["run of 3"] += any(len(nonces) >= 3 for nonces in included.values())
    kinds = ("gap", "replay", "n+1 before n", "same nonce twice", "miner spends", "run of 3")
    assert {kind for kind in kinds if found[kind] > 0} == set(kinds)


# ---------------------------------------------------------------- profiles differ


def test_contended_pools_are_small_and_busy() -> None:
    for case in profile_sample("contended"):
        assert 2 <= len(case.genesis.accounts) <= 4
        assert 1 <= len(case.genesis.contracts) <= 2
    busy = [busiest_sender(c) / len(c.block.txs) for c in profile_sample("contended")]
    spread = [busiest_sender(c) / len(c.block.txs) for c in profile_sample("wide")]
    assert sum(busy) / len(busy) > 2 * sum(spread) / len(spread)


def test_wide_pools_are_large() -> None:
    pools = [len(case.genesis.accounts) for case in profile_sample("wide")]
    assert min(pools) >= 40
    assert max(pools) > 75
    assert sum(pool > 50 for pool in pools) >= len(pools) // 10


def test_contracts_profile_is_mostly_contract_work() -> None:
    def share(profile: str) -> float:
        txs = [tx for case in profile_sample(profile) for tx in case.block.txs]
        return sum(isinstance(tx, Deploy | Invoke) for tx in txs) / len(txs)

    assert share("contracts") > 0.6
    assert share("mixed") < 0.55
    assert share("contracts") > share("mixed") + 0.2
    assert all(len(case.genesis.contracts) >= 2 for case in profile_sample("contracts"))


def test_nonces_profile_races_more_than_mixed() -> None:
    def off_share(profile: str) -> float:
        offsets = nonce_offsets(profile_runs(profile))
        return sum(offset != 0 for offset in offsets) / len(offsets)

    assert off_share("nonces") > 1.5 * off_share("mixed")
    assert all(len(case.genesis.accounts) <= 5 for case in profile_sample("nonces"))


# ---------------------------------------------------------------- version 2

V2_SAMPLE = 150


def test_formats_and_shares_are_looked_up_in_one_place() -> None:
    assert DEFAULT_FORMAT is CaseFormat.ANY
    assert [v2_share(p, CaseFormat.ANY) for p in PROFILE_NAMES] == [25, 25, 25, 40, 25, 25, 100]
    assert {v2_share(p, "1") for p in V1_PROFILES} == {0}
    assert {v2_share(p, "2") for p in PROFILE_NAMES} == {100}
    with pytest.raises(ProfileFormatMismatch, match="profile 'v2' draws version 2 cases only"):
        cases("v2", "1")
    with pytest.raises(UnknownFormat, match=r"unknown case format '3' \(known: any, 1, 2\)"):
        cases("mixed", "3")
    with pytest.raises(KnobsError, match="v2_pct"):
        Knobs(v2_pct=101)
    assert issubclass(ProfileFormatMismatch, InputError) and issubclass(UnknownFormat, InputError)


def version_2_ops(case: Case) -> set[Op]:
    codes = [contract.code for contract in case.genesis.contracts.values()]
    codes += [tx.code for tx in case.block.txs if isinstance(tx, Deploy)]
    programs = [p for code in codes if isinstance(code, Code) for p in code.entries.values()]
    ops = {instruction.op for program in programs for instruction in program}
    return ops - set(ops_of(Version.V1))


@pytest.mark.parametrize("profile", V1_PROFILES)
def test_the_default_format_mixes_versions_in_the_profiles_share(profile: str) -> None:
    """Measured on a campaign's draws (bytes drawn uniformly, as ``fuzz`` draws them;
    Hypothesis's own generation leans on small values): within 4 standard deviations."""
    drawer = CaseDrawer(profile, 0, CaseFormat.ANY)
    drawn = [case for case in map(drawer.draw, range(200)) if case is not None]
    share = 100 * sum(case.version is Version.V2 for case in drawn) / len(drawn)
    assert abs(share - v2_share(profile, CaseFormat.ANY)) <= 14, share
    if PROFILES[profile].contracts[1] > 0:  # payments has no code to hold the new ops
        assert any(version_2_ops(case) for case in drawn if case.version is Version.V2)
    assert not any(version_2_ops(case) for case in drawn if case.version is Version.V1)


def test_format_2_draws_version_2_only() -> None:
    drawn = sample("mixed", 50, CaseFormat.V2)
    assert {case.version for case in drawn} == {Version.V2}
    for case in drawn:
        assert decode_case(canonical_json(encode_case(case))) == case


_V2_SAMPLE_SCRIPT = """
from tests.test_strategies import V2_SAMPLE, CaseFormat, sample
from txparity.executors.codec import canonical_json, encode_case
for case in sample("v2", V2_SAMPLE, CaseFormat.ANY):
    print(canonical_json(encode_case(case)))
"""


def v2_runs() -> tuple[Run, ...]:
    """The ``v2`` profile's derandomized sample, drawn in a fresh interpreter: what it
    holds is then the profile's alone, never the worker's earlier tests'."""
    drawn = subprocess.run(
        [sys.executable, "-c", _V2_SAMPLE_SCRIPT],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.splitlines()  # fmt: skip
    assert len(drawn) == V2_SAMPLE
    return tuple(
        (case, run_case(SequentialExecutor(), case, "memory")) for case in map(decode_case, drawn)
    )


def test_the_v2_profile_draws_what_version_2_adds() -> None:
    runs = v2_runs()
    cases_ = [case for case, _ in runs]
    assert {case.version for case in cases_} == {Version.V2}
    assert {case.block.fee_payment for case in cases_} == set(FeePayment)
    limits = [case.block.gas_limit for case in cases_]
    assert None in limits and 0 in limits and any(limit for limit in limits)
    deploys = [tx for tx in transactions(runs) if isinstance(tx, Deploy)]
    assert {tx.salt is None for tx in deploys} == {True, False}
    nonces = {c.nonce for case in cases_ for c in case.genesis.contracts.values()}
    assert 0 in nonces and max(nonces) >= U64_LIMIT - 2 and len(nonces) >= 3
    seen = reasons(runs)
    assert "block_full" in seen  # create_failed: about 2 % of v2 cases, rarer in this sample
    logged = [r for _, run in runs for r in run.receipts if r.logs]
    assert logged and {r.status for r in logged} == {Status.APPLIED}
    added = set(ops_of(Version.V2)) - set(ops_of(Version.V1))
    assert set[Op]().union(*map(version_2_ops, cases_)) == added
    found: Counter[Shape] = Counter()
    for case in cases_:
        found.update(shapes_of(case))
    assert set(found) == set(Shape), set(Shape) - set(found)


def test_invalid_v2_values_make_clone_fail() -> None:
    """A creator at the last nonce, or with a name one short of the longest, cannot
    clone (``create_failed``, SPEC 10.4), whatever else holds."""
    cloner = Code({0: (Instruction(Op.CLONE, ()),)})
    for name, nonce in ((LONG_CONTRACT, 0), ("c", LAST_CONTRACT_NONCE), ("c", 0)):
        genesis = Genesis({"a": Account(0, RICH)}, {name: Contract(cloner, {}, {}, nonce)})
        block = Block("m", 0, (Invoke("a", 0, 0, name, 0, (), {}, 100),))
        case = Case(genesis, block, version=Version.V2)
        receipt = run_case(SequentialExecutor(), case, "memory").receipts[0]
        expected = RevertReason.CREATE_FAILED if (name, nonce) != ("c", 0) else None
        assert receipt.reason is expected, (name, nonce)


# ---------------------------------------------------------------- shrinking

SHRINK = settings(database=None, derandomize=True, max_examples=1000, deadline=None)


def test_shrinking_deletes_transactions() -> None:
    def predicate(case: Case) -> bool:
        return len(case.block.txs) >= 5 and any(isinstance(tx, Invoke) for tx in case.block.txs)

    case = find(cases("mixed"), predicate, settings=SHRINK)
    assert len(case.block.txs) == 5
    assert sum(isinstance(tx, Invoke) for tx in case.block.txs) == 1
    assert case.config.network is Network.DEVNET
    assert case.config.schedule_seed == 0


def test_shrinking_minimizes_amounts_and_outputs() -> None:
    def big(tx: Transaction) -> bool:
        return isinstance(tx, Transfer) and any(output.amount >= 10 for output in tx.outputs)

    case = find(cases("mixed"), lambda c: any(big(tx) for tx in c.block.txs), settings=SHRINK)
    (transfer,) = [tx for tx in case.block.txs if big(tx)]
    assert isinstance(transfer, Transfer)
    assert len(transfer.outputs) == 1
    assert transfer.outputs[0].amount == 10
    assert transfer.fee == 0
    assert case.config.schedule_seed == 0
    assert len(case.genesis.accounts) == 2


# ---------------------------------------------------------------- deliberately invalid values
#
# Each value the generator breaks a rule with is checked against the executors' own
# validation, beside the largest value the limit allows: a changed limit that made
# one of them valid would fail here, not silently turn odd cases into plain ones.

RICH = {NATIVE_ASSET: 10 * MAX_GAS_LIMIT}
STOP_CODE = Code({0: (Instruction(Op.STOP, ()),)})


def outcome_of(tx: Transaction) -> tuple[Status, object]:
    """Apply ``tx`` to a genesis with the rich account ``a``, ``LONG_ACCOUNT`` and the
    contract ``c``; the receipt's status and reason."""
    genesis = Genesis(
        {"a": Account(0, RICH), LONG_ACCOUNT: Account(0, RICH)},
        {"c": Contract(STOP_CODE, {}, {})},
    )
    state = MemoryState()
    state.commit(genesis_write_set(genesis))
    receipt = apply_transaction(state, tx).receipt
    return receipt.status, receipt.reason


MALFORMED = (Status.REJECTED, RejectReason.MALFORMED)


def paying(outputs: int) -> Transfer:
    return Transfer("a", 0, 0, tuple(Output(f"b{i}", NATIVE_ASSET, 1) for i in range(outputs)))


def invoking(args: int = 0, max_gas: int = 10) -> Invoke:
    return Invoke("a", 0, 0, "c", 0, (0,) * args, {}, max_gas)


def test_too_many_outputs_args_and_gas_are_malformed_by_the_limits() -> None:
    assert outcome_of(paying(MAX_OUTPUTS))[0] is Status.APPLIED
    assert outcome_of(paying(TOO_MANY_OUTPUTS)) == MALFORMED
    assert outcome_of(invoking(args=MAX_ARGS))[0] is Status.APPLIED
    assert outcome_of(invoking(args=TOO_MANY_ARGS)) == MALFORMED
    assert outcome_of(invoking(max_gas=MAX_GAS_LIMIT))[0] is Status.APPLIED
    assert outcome_of(invoking(max_gas=GAS_OVER_LIMIT)) == MALFORMED


def test_the_long_account_is_valid_but_cannot_deploy() -> None:
    assert ADDRESS_PATTERN.fullmatch(LONG_ACCOUNT)
    assert outcome_of(Deploy("a", 0, 0, STOP_CODE))[0] is Status.APPLIED
    assert outcome_of(Deploy(LONG_ACCOUNT, 0, 0, STOP_CODE)) == MALFORMED


def well_formed(program: list[object]) -> bool:
    try:
        parse_code({"0": program})
    except CodeNotWellFormed:
        return False
    return True


def test_broken_code_values_are_not_well_formed_by_the_limits() -> None:
    assert well_formed([["STOP"]] * MAX_PROGRAM_LENGTH)
    assert not well_formed([["STOP"]] * TOO_LONG_PROGRAM)
    assert well_formed([["ARG", MAX_ARG_INDEX]])
    assert not well_formed([["ARG", BAD_ARG_INDEX]])
    assert well_formed([["CALL", "c0", 0, MAX_CALL_ARGS]])
    assert not well_formed([["CALL", "c0", 0, TOO_MANY_CALL_ARGS]])
    longest = [["STOP"]] * (MAX_PROGRAM_LENGTH - 1)
    assert well_formed([*longest, ["JUMP", MAX_PROGRAM_LENGTH - 1]])
    assert not well_formed([*longest, ["JUMP", JUMP_OUTSIDE]])
    # Wherever the builder inserts a bad item, the program is no longer well-formed.
    for item in BAD_ITEMS:
        assert not well_formed([item]) and not well_formed([["STOP"], item, ["STOP"]]), item
    for entry in BAD_ENTRY_IDS:
        with pytest.raises(CodeNotWellFormed):
            parse_code({entry: [["STOP"]]})


# ---------------------------------------------------------------- settings profiles

PROFILE_PROBE = """
import json
from hypothesis import settings
from txparity.harness.hypothesis_profiles import load_settings_profile
name = load_settings_profile()
current = settings()
print(json.dumps([name, current.max_examples, current.deadline is None, current.derandomize,
                  sorted(h.name for h in current.suppress_health_check)]))
"""


def probe_profile(env: dict[str, str]) -> list[object]:
    """The profile ``load_settings_profile`` loads in a fresh process with ``env``."""
    base = {k: v for k, v in os.environ.items() if k not in ("CI", "TXPARITY_PROFILE")}
    done = subprocess.run(
        [sys.executable, "-c", PROFILE_PROBE], env=base | env, cwd=ROOT, capture_output=True,
        text=True, check=True,
    )  # fmt: skip
    result = json.loads(done.stdout)
    assert isinstance(result, list)
    return result


def test_settings_profiles_follow_the_environment() -> None:
    assert probe_profile({}) == ["dev", 30, True, False, []]
    # With CI set, Hypothesis loads its own derandomized "ci" profile; ours replaces it.
    assert probe_profile({"CI": "true"}) == ["ci", 100, True, False, ["too_slow"]]
    assert probe_profile({"CI": "true", "TXPARITY_PROFILE": "nightly"}) == [
        "nightly", 2000, True, False, ["too_slow"],
    ]  # fmt: skip
    assert probe_profile({"TXPARITY_PROFILE": "ci"}) == ["ci", 100, True, False, ["too_slow"]]
