"""The composite strategies: each part of a case drawn as a plan, then the case.

``cases_of(knobs, v2_share)`` draws the version (only when both can come up),
then the config, the pools, the genesis plans and the transaction plans in a
fixed order, then hands them to the ``Builder``. The order of draws is what a
campaign's seed names: changing it changes every campaign.

A version 2 case is drawn in the same order from the version 2 tables, each part
followed by what version 2 adds to it: a genesis contract's salted name and nonce,
a deploy's salt, and, after the reward, the block's fee payment and gas limit. A
version 1 case draws none of these, so that with ``v2_share`` 0 (format 1) every
draw is the one made before version 2 existed.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import strategies as st

from txparity.executors.code import ops_of
from txparity.executors.limits import MAX_ARG_INDEX, MAX_CALL_ARGS
from txparity.executors.model import NATIVE_ASSET, Case, Config, Network, Op, Version
from txparity.harness.strategies._build import Builder
from txparity.harness.strategies._draw import (
    U64_MAX,
    WORDS,
    cached,
    chance,
    draw_asset_amount,
    draw_field,
    draw_fields,
    draw_index,
    ints,
    lists,
)
from txparity.harness.strategies._invalid import BAD_ITEMS, GAS_OVER_LIMIT, TOO_MANY_OUTPUTS
from txparity.harness.strategies._knobs import EXTRA_ASSETS, Knobs
from txparity.harness.strategies._plans import (
    AccountPlan,
    BodyPlan,
    Breakage,
    BreakageKind,
    BurnPlan,
    CodePlan,
    ContractPlan,
    DeployMode,
    DeployPlan,
    Extras,
    GasLimitPlan,
    InstructionPlan,
    InvokePlan,
    OutputPlan,
    ProgramPlan,
    SaltPlan,
    StoryPlan,
    TransferPlan,
    TxPlan,
    V2BlockPlan,
)
from txparity.harness.strategies._tables import Tables, tables_for

__all__ = ["cases_of"]

NETWORKS = (Network.DEVNET, Network.TESTNET, Network.MAINNET)


def _first_item(pair: tuple[int, object]) -> int:
    """The key that entries and storage slots are unique by.

    A named function, not a lambda: Hypothesis reads a lambda's source (parsing the
    whole module) to describe it, which cost every fuzz worker about 20 ms at its
    first draw. Either way Hypothesis draws the same values, so seeds keep their
    cases (tests/test_campaign.py pins them)."""
    return pair[0]


# ---------------------------------------------------------------- contract code


@cached
@st.composite
def _instruction(draw: st.DrawFn, version: Version) -> InstructionPlan:
    """One instruction of the ops a ``version`` case may use, in ``Op`` order (SPEC 6,
    and 10.4's appended)."""
    ops = ops_of(version)
    op = ops[draw_field(draw, len(ops))]
    match op:
        case Op.PUSH:
            return op, (draw(WORDS),)
        case Op.ARG:
            return op, (draw_field(draw, MAX_ARG_INDEX + 1),)
        case Op.JUMP | Op.JUMPI:
            return op, (draw_field(draw, 256),)
        case Op.CALL:
            contract, entry = draw_fields(draw, 16, 4)
            return op, (contract, entry, draw_field(draw, MAX_CALL_ARGS + 1))
        case Op.BALANCEOF:
            return op, (draw_field(draw, 16),)
        case _:
            return op, ()


_ENTRY_IDS = st.sampled_from((0, 1, 2, 3, U64_MAX))


@cached
def _free_code(version: Version) -> st.SearchStrategy[tuple[tuple[int, ProgramPlan], ...]]:
    return st.lists(
        st.tuples(_ENTRY_IDS, st.lists(_instruction(version), max_size=10).map(tuple)),
        min_size=1,
        max_size=3,
        unique_by=_first_item,
    ).map(tuple)


_BREAKAGES = (BreakageKind.ITEM,) * 6 + (BreakageKind.ENTRY,) * 3 + (BreakageKind.LONG,)


def _code_plan(draw: st.DrawFn, t: Tables, broken: bool) -> CodePlan:
    """A template or free code; perhaps broken."""
    template = t.template.draw(draw)
    free = template < 0
    programs = draw(_free_code(t.version)) if free else ()
    breakage = None
    if broken:
        kind, item = draw_fields(draw, len(_BREAKAGES), len(BAD_ITEMS))
        breakage = Breakage(_BREAKAGES[kind], draw_field(draw, 256), item)
    return CodePlan(template, programs, breakage)


# ---------------------------------------------------------------- transaction plans


@cached
@st.composite
def _output(draw: st.DrawFn, knobs: Knobs, version: Version) -> OutputPlan:
    t = tables_for(knobs, version)
    return OutputPlan(t.ref(draw, t.dest), *draw_asset_amount(draw))


def _invoke(draw: st.DrawFn, t: Tables) -> InvokePlan:
    target = t.ref(draw, t.target)
    entry = draw_field(draw, t.entries)
    args = tuple(draw(WORDS) for _ in range(t.args.draw(draw)))
    extras = t.extras.draw(draw)
    count = {Extras.ONE_DEPOSIT: 1, Extras.TWO_DEPOSITS: 2, Extras.ZERO_DEPOSIT: 1}.get(extras, 0)
    deposits = [draw_asset_amount(draw) for _ in range(count)]
    if extras is Extras.ZERO_DEPOSIT:
        deposits[0] = (deposits[0][0], 0)
    gas = draw_field(draw, 256)  # tiny budgets (up to 31) an eighth of the time, else to 2000
    gas = gas if gas < 32 else (gas - 31) * 2000 // 224
    max_gas = GAS_OVER_LIMIT + gas if extras is Extras.GAS_OVER_LIMIT else gas
    return InvokePlan(target, entry, entry >= t.missing_entry, args, tuple(deposits), max_gas)


def _salt(draw: st.DrawFn, t: Tables) -> SaltPlan | None:
    """A version 2 deploy's salt: none, one of its own (0 to 3, a few apart so that
    deploys meet), or the one that revives the salted contract destroyed latest."""
    mode = t.salt.draw(draw)
    return None if mode is None else SaltPlan(mode, draw_field(draw, 4))


@cached
@st.composite
def _tx(draw: st.DrawFn, knobs: Knobs, version: Version) -> TxPlan:
    t = tables_for(knobs, version)
    kind = t.kind.draw(draw)
    sender = t.ref(draw, t.sender)
    offset, fee = draw_fields(draw, t.offset.radix, 6)
    body: BodyPlan
    match kind:
        case "transfer":
            most, funding = t.shape.draw(draw)
            least = most if most == TOO_MANY_OUTPUTS else min(most, 1)
            outputs = draw(lists(_output(knobs, version), least, most))
            body = TransferPlan(tuple(outputs), funding)
        case "burn":
            body = BurnPlan(*draw_asset_amount(draw), t.funding.draw(draw))
        case "story":
            story, target, value = t.story.draw(draw), *draw_fields(draw, 8, 16)
            body = StoryPlan(story, target, value)
        case "deploy":
            mode = t.deploy.draw(draw)
            code = _code_plan(draw, t, mode is DeployMode.BROKEN)
            salt = _salt(draw, t) if version >= Version.V2 else None
            body = DeployPlan(code, mode is DeployMode.CLASH, salt)
        case _:
            body = _invoke(draw, t)
    return TxPlan(sender, t.offset[offset], fee if fee < 5 else 250, body)


# ---------------------------------------------------------------- genesis plans


def _nonce(draw: st.DrawFn) -> int:
    """Mostly 0, sometimes small, rarely at the u64 limit (an account there cannot
    send; a contract there cannot clone, SPEC 10.4)."""
    nonce = draw_field(draw, 100)
    if nonce >= 98:
        return U64_MAX - (nonce == 98)
    if nonce >= 85:
        return nonce % 5 + 1
    return 0


@st.composite
def _account(draw: st.DrawFn) -> AccountPlan:
    nonce = _nonce(draw)
    lacks = draw_field(draw, 4 * len(EXTRA_ASSETS))  # 0 or past the assets: lacks none
    # Fields of 256 are drawn about uniformly: balances of about 0 to 1000000 TOS
    # and 0 to 10000 of each other asset, with few small ones.
    tos, others = draw_field(draw, 256) * 3_989, draw_field(draw, 256) * 41
    return AccountPlan(nonce, tos, lacks if lacks <= len(EXTRA_ASSETS) else 0, others)


_STORAGE = st.lists(st.tuples(ints(0, 9), ints(0, 1000)), max_size=3, unique_by=_first_item)


@cached
@st.composite
def _contract(draw: st.DrawFn, knobs: Knobs, version: Version) -> ContractPlan:
    t = tables_for(knobs, version)
    named = None
    if t.named.draw(draw):
        named = (draw_index(draw, 50, knobs.accounts[1]), draw_field(draw, 4) // 3)
    code = _code_plan(draw, t, False)
    storage = tuple(draw(_STORAGE))
    plan = ContractPlan(named, code, draw_field(draw, 3001), storage)
    if version < Version.V2:
        return plan
    salted = None
    if t.salted_name.draw(draw):  # the hot account's, most often
        salted = (draw_index(draw, 50, knobs.accounts[1]), draw_field(draw, 4))
    return replace(plan, salted=salted, nonce=_nonce(draw))


# ---------------------------------------------------------------- the case


def _version(draw: st.DrawFn, v2_share: int) -> Version:
    """Version 2 ``v2_share`` % of the time; no draw when only one version can come up,
    so that format 1 draws exactly what it drew before version 2."""
    if v2_share in (0, 100):
        return Version.V2 if v2_share else Version.V1
    return Version.V2 if chance(v2_share).draw(draw) else Version.V1


SMALL_REWARD = 20  # a reward a spending miner soon needs the block's fees beside


def _v2_block(draw: st.DrawFn, t: Tables) -> V2BlockPlan:
    """The fee payment, and a gas limit: none, one the block reaches at a drawn
    transaction less a slack of up to 10, or 0."""
    fee_payment = t.fee_payment.draw(draw)
    mode = t.gas_limit.draw(draw)
    limit = None
    if mode is not None:
        position, slack = draw_fields(draw, 101, 11)
        limit = GasLimitPlan(mode, position, slack)
    return V2BlockPlan(fee_payment, limit)


@st.composite
def cases_of(draw: st.DrawFn, knobs: Knobs, v2_share: int = 0) -> Case:
    version = _version(draw, v2_share)
    t = tables_for(knobs, version)
    network = t.network.draw(draw)
    # The least block size is a fraction of the network's range, and every network
    # has the same largest, so that a shrink of the network keeps the block.
    low, high = knobs.block_sizes[network]
    least = low + draw_field(draw, 101) * (high - low) // 100
    low_threads, high_threads = knobs.threads
    threads = low_threads + draw_field(draw, high_threads - low_threads + 1)
    config = Config(NETWORKS[network], threads, draw_field(draw, 2**32))
    low_extra, high_extra = knobs.extra_assets
    assets = (
        NATIVE_ASSET,
        *EXTRA_ASSETS[: low_extra + draw_field(draw, high_extra - low_extra + 1)],
    )
    long_name = t.odd.draw(draw)
    miner = draw_index(draw, t.hot, knobs.accounts[1]) if t.miner.draw(draw) else None
    reward = draw_field(draw, 1001)
    v2 = None
    if version >= Version.V2:
        if t.small_reward.draw(draw):
            reward %= SMALL_REWARD + 1
        v2 = _v2_block(draw, t)
    accounts = draw(lists(_account(), *knobs.accounts))
    contracts = draw(lists(_contract(knobs, version), *knobs.contracts))
    txs = draw(lists(_tx(knobs, version), least, max(h for _, h in knobs.block_sizes)))
    builder = Builder(assets, accounts, long_name, contracts, miner, reward, v2)
    return Case(builder.genesis, builder.block(txs), config, version)
