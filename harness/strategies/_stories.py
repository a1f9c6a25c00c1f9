"""Stories: a few transactions in the order a version 2 parity bug needs them.

Random transactions rarely line up a write, a destroy, a revival and a read of one
address, in that order, in one block. A story is one plan (``StoryPlan``) that the
builder turns into a few transactions; each is resolved when its turn comes,
against the state the transactions before it left (the builder runs each one
before it asks for the next), so that every step names what is really there: the
contract a deploy just created, the address a clone will take, the miner's balance
with the fees so far. A step that fails (a contract the block's gas limit never
lets be created, a sender short of funds) leaves the later steps to be rejected or
reverted as they would be: nothing is filtered.

A story is told by the pool's accounts in turn, from the plan's sender on, one
transaction each, at their current nonces and with the plan's fee; a revival's
deploy is sent by the revived address's account, the miner's spend by the miner.
Where the block has no live contract of the template a story is told on, the story
first deploys one (salted, for a revival).

- ``revival``: a salted contract of the revivable template has ``value`` stored
  at slot 0, is destroyed, is revived by its account's deploy with the same salt
  and code, and has its slot 0 read and logged: the stale storage read across a
  revival (Erigon's and Polygon Bor's Block-STM).
- ``clones``: a factory clones for two senders, then its first clone clones:
  addresses derived from one creator's nonce twice, and a clone of a clone.
- ``destroyed``: a contract destroys itself, its address is paid (an account is
  created there), then it is invoked (``no_contract`` now): reads across a destroy.
- ``miner``: two transfers pay fees, a probe logs the miner's balance, the miner
  sends all it has: with fees paid after each transaction, the fee recipient read
  and spent mid-block (Erigon's fee calculation, pevm's beneficiary handling).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from txparity.executors.limits import ADDRESS_PATTERN, U64_LIMIT
from txparity.executors.model import (
    NATIVE_ASSET,
    Deploy,
    Invoke,
    Output,
    Transaction,
    Transfer,
    clone_address,
)
from txparity.executors.view import Scratch
from txparity.harness.strategies._plans import CodePlan, Funding, Ref, RefKind, Story, StoryPlan
from txparity.harness.strategies._templates import (
    CLONE_ENTRY,
    DESTROY_ENTRY,
    FACTORY,
    MINER_ENTRY,
    PROBE,
    READ_ENTRY,
    REVIVABLE,
    STORE_ENTRY,
)

if TYPE_CHECKING:
    from txparity.harness.strategies._build import Builder

__all__ = ["STORY_GAS", "tell"]

STORY_GAS = 200  # every story's run fits (a clone's clone, the longest, uses under 100)
SALTS = 4  # a story's own salts: 0 to 3, as a salted deploy's
Now = Callable[[], Scratch]  # the state as the transactions so far left it


def tell(
    builder: Builder, plan: StoryPlan, sender: Ref, fee: int, now: Now
) -> Iterator[Transaction]:
    """The story's transactions, each resolved when the builder asks for it."""
    teller = _Teller(builder, sender, fee, now)
    match plan.story:
        case Story.REVIVAL:
            return _revival(teller, plan)
        case Story.CLONES:
            return _clones(teller, plan)
        case Story.DESTROYED:
            return _destroyed(teller, plan)
        case Story.MINER:
            return _miner(teller, plan)


class _Teller:
    """What every story's steps are made with: the builder, the senders in turn, the
    fee and the state now."""

    def __init__(self, builder: Builder, sender: Ref, fee: int, now: Now) -> None:
        accounts = builder.accounts
        start = (sender.index if sender.kind is RefKind.POOL else 0) % len(accounts)
        self.senders = itertools.cycle(accounts[start:] + accounts[:start])
        self.builder = builder
        self.fee = fee
        self.now = now

    def nonce(self, source: str) -> int:
        return min(self.now().nonce(source) or 0, U64_LIMIT - 1)

    def invoke(self, contract: str, entry: int, args: tuple[int, ...] = ()) -> Invoke:
        source = next(self.senders)
        return Invoke(source, self.nonce(source), self.fee, contract, entry, args, {}, STORY_GAS)

    def transfer(self, source: str, dest: str, amount: int, fee: int) -> Transfer:
        output = Output(dest, NATIVE_ASSET, amount)
        return Transfer(source, self.nonce(source), fee, (output,))

    def deploy(self, template: int, salt: int | None) -> Deploy:
        """A deploy of ``template`` by the next sender (salted if ``salt`` is not None)."""
        source = next(self.senders)
        nonce = self.nonce(source)
        address = f"{source}.{nonce}" if salt is None else f"{source}.s{salt}"
        return self.builder.deploy_code(
            source, nonce, self.fee, CodePlan(template, (), None), address, salt
        )

    def alive(self, template: int, target: int, salted: bool = False) -> str | None:
        """The ``target``-th (modulo) live contract of ``template``, salted if asked."""
        found = self.builder.alive(self.now(), template, salted)
        return found[target % len(found)] if found else None

    def exists(self, address: str) -> bool:
        return self.now().code(address) is not None


def _revival(teller: _Teller, plan: StoryPlan) -> Iterator[Transaction]:
    target = teller.alive(REVIVABLE, plan.target, salted=True)
    if target is None:
        deploy = teller.deploy(REVIVABLE, plan.value % SALTS)
        yield deploy
        target = deploy.new_address
        if not teller.exists(target):
            return
    yield teller.invoke(target, STORE_ENTRY, (plan.value,))
    yield teller.invoke(target, DESTROY_ENTRY)
    yield teller.builder.revival(teller.now(), target, teller.fee)
    yield teller.invoke(target, READ_ENTRY)


def _clones(teller: _Teller, plan: StoryPlan) -> Iterator[Transaction]:
    factory = teller.alive(FACTORY, plan.target)
    if factory is None:
        deploy = teller.deploy(FACTORY, None)
        yield deploy
        factory = deploy.new_address
        if not teller.exists(factory):
            return
    first = clone_address(factory, teller.now().contract_nonce(factory))
    yield teller.invoke(factory, CLONE_ENTRY)
    yield teller.invoke(factory, CLONE_ENTRY)
    if ADDRESS_PATTERN.fullmatch(first):
        yield teller.invoke(first, CLONE_ENTRY)


def _destroyed(teller: _Teller, plan: StoryPlan) -> Iterator[Transaction]:
    candidates = [teller.alive(template, plan.target) for template in (REVIVABLE, FACTORY)]
    target = next((found for found in candidates if found is not None), None)
    if target is None:
        deploy = teller.deploy(REVIVABLE, None)
        yield deploy
        target = deploy.new_address
        if not teller.exists(target):
            return
    yield teller.invoke(target, DESTROY_ENTRY)
    payer = next(teller.senders)
    yield teller.transfer(payer, target, plan.value + 1, teller.fee)
    yield teller.invoke(target, READ_ENTRY)


def _miner(teller: _Teller, plan: StoryPlan) -> Iterator[Transaction]:
    first, second = next(teller.senders), next(teller.senders)
    fee = teller.fee + 1  # the miner is paid something
    yield teller.transfer(first, second, plan.value + 1, fee)
    yield teller.transfer(second, first, 1, fee)
    probe = teller.alive(PROBE, plan.target)
    if probe is not None:
        yield teller.invoke(probe, MINER_ENTRY)
    miner = teller.builder.miner
    spend = teller.transfer(miner, first, 1, 0)
    yield teller.builder.funded(spend, Funding.EXACT, teller.now())
