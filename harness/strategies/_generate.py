"""The composite strategies: each part of a case drawn as a plan, then the case.

``cases_of(knobs)`` draws the config, the pools, the genesis plans and the
transaction plans in a fixed order, then hands them to the ``Builder``. The order
of draws is what a campaign's seed names: changing it changes every campaign.
"""

from __future__ import annotations

from hypothesis import strategies as st

from txparity.executors.code import ops_of
from txparity.executors.limits import MAX_ARG_INDEX, MAX_CALL_ARGS
from txparity.executors.model import NATIVE_ASSET, Case, Config, Network, Op, Version
from txparity.harness.strategies._build import Builder
from txparity.harness.strategies._draw import (
    U64_MAX,
    WORDS,
    cached,
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
    InstructionPlan,
    InvokePlan,
    OutputPlan,
    TransferPlan,
    TxPlan,
)
from txparity.harness.strategies._tables import Tables, tables_for

__all__ = ["cases_of"]

NETWORKS = (Network.DEVNET, Network.TESTNET, Network.MAINNET)


# ---------------------------------------------------------------- contract code

_OPS = ops_of(Version.V1)  # version 1 cases: the ops SPEC 6 has, in Op order


@st.composite
def _instruction(draw: st.DrawFn) -> InstructionPlan:
    op = _OPS[draw_field(draw, len(_OPS))]
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
        case _:
            return op, ()


_ENTRY_IDS = st.sampled_from((0, 1, 2, 3, U64_MAX))
_FREE_CODE = st.lists(
    st.tuples(_ENTRY_IDS, st.lists(_instruction(), max_size=10).map(tuple)),
    min_size=1,
    max_size=3,
    unique_by=lambda entry: entry[0],
).map(tuple)
_BREAKAGES = (BreakageKind.ITEM,) * 6 + (BreakageKind.ENTRY,) * 3 + (BreakageKind.LONG,)


def _code_plan(draw: st.DrawFn, t: Tables, broken: bool) -> CodePlan:
    """A template or free code; perhaps broken."""
    template = t.template.draw(draw)
    free = template < 0
    programs = draw(_FREE_CODE) if free else ()
    breakage = None
    if broken:
        kind, item = draw_fields(draw, len(_BREAKAGES), len(BAD_ITEMS))
        breakage = Breakage(_BREAKAGES[kind], draw_field(draw, 256), item)
    return CodePlan(template, programs, breakage)


# ---------------------------------------------------------------- transaction plans


@cached
@st.composite
def _output(draw: st.DrawFn, knobs: Knobs) -> OutputPlan:
    t = tables_for(knobs)
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


@cached
@st.composite
def _tx(draw: st.DrawFn, knobs: Knobs) -> TxPlan:
    t = tables_for(knobs)
    kind = t.kind.draw(draw)
    sender = t.ref(draw, t.sender)
    offset, fee = draw_fields(draw, t.offset.radix, 6)
    body: BodyPlan
    match kind:
        case "transfer":
            most, funding = t.shape.draw(draw)
            least = most if most == TOO_MANY_OUTPUTS else min(most, 1)
            outputs = draw(lists(_output(knobs), least, most))
            body = TransferPlan(tuple(outputs), funding)
        case "burn":
            body = BurnPlan(*draw_asset_amount(draw), t.funding.draw(draw))
        case "deploy":
            mode = t.deploy.draw(draw)
            code = _code_plan(draw, t, mode is DeployMode.BROKEN)
            body = DeployPlan(code, mode is DeployMode.CLASH)
        case _:
            body = _invoke(draw, t)
    return TxPlan(sender, t.offset[offset], fee if fee < 5 else 250, body)


# ---------------------------------------------------------------- genesis plans


@st.composite
def _account(draw: st.DrawFn) -> AccountPlan:
    nonce = draw_field(draw, 100)  # mostly 0, sometimes small, rarely at the u64 limit
    if nonce >= 98:
        nonce = U64_MAX - (nonce == 98)
    elif nonce >= 85:
        nonce = nonce % 5 + 1
    else:
        nonce = 0
    lacks = draw_field(draw, 4 * len(EXTRA_ASSETS))  # 0 or past the assets: lacks none
    # Fields of 256 are drawn about uniformly: balances of about 0 to 1000000 TOS
    # and 0 to 10000 of each other asset, with few small ones.
    tos, others = draw_field(draw, 256) * 3_989, draw_field(draw, 256) * 41
    return AccountPlan(nonce, tos, lacks if lacks <= len(EXTRA_ASSETS) else 0, others)


_STORAGE = st.lists(
    st.tuples(ints(0, 9), ints(0, 1000)), max_size=3, unique_by=lambda slot: slot[0]
)


@cached
@st.composite
def _contract(draw: st.DrawFn, knobs: Knobs) -> ContractPlan:
    t = tables_for(knobs)
    named = None
    if t.named.draw(draw):
        named = (draw_index(draw, 50, knobs.accounts[1]), draw_field(draw, 4) // 3)
    code = _code_plan(draw, t, False)
    storage = tuple(draw(_STORAGE))
    return ContractPlan(named, code, draw_field(draw, 3001), storage)


# ---------------------------------------------------------------- the case


@st.composite
def cases_of(draw: st.DrawFn, knobs: Knobs) -> Case:
    t = tables_for(knobs)
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
    accounts = draw(lists(_account(), *knobs.accounts))
    contracts = draw(lists(_contract(knobs), *knobs.contracts))
    txs = draw(lists(_tx(knobs), least, max(h for _, h in knobs.block_sizes)))
    builder = Builder(assets, accounts, long_name, contracts, miner, reward)
    return Case(builder.genesis, builder.block(txs), config)
