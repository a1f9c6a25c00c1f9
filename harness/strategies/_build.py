"""The builder: plans in, a genesis and a block out.

It runs the reference rules (``executors.rules``) over the block as it goes, so that
each transaction gets its real nonce: the sender's nonce at that point of the block
(a running per-sender counter of included transactions) plus the drawn offset, 0
most of the time; -1 replays the last included nonce, +1 and +2 leave a gap, and +1
followed by 0 sends n+1 before n. The same pass resolves the fees that make a
transaction spend exactly its sender's balance or one more, the addresses
``<source>.<nonce>`` of contracts deployed earlier in the block (invoked, or paid by
mistake), and a deployed contract's own address in its code.

A version 2 block is run with its block-level steps (SPEC 10.3), in the order of
``executors.rules``: a transaction after the gas limit is rejected ``block_full``,
and with ``each_tx`` the miner is paid each fee right after its transaction, so a
miner's exact spend includes the fees so far. The builder follows what the runs
create and destroy (a deploy, a ``CLONE``, a ``DESTROY``), which resolves the
addresses that only exist mid-block: the latest contracts created, clones
included, the ones destroyed (paid, invoked, revived by the salted deploy of their
account with their own code), and where a contract's next clone would go. A gas
limit is placed where the block's gas reaches it at a drawn transaction: the first
from there on that uses gas reaches or crosses it, so the cut falls mid-block and
the transactions before it are included as the builder ran them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace

from txparity.executors.limits import ADDRESS_PATTERN, CANONICAL_DECIMAL_PATTERN, U64_LIMIT
from txparity.executors.model import (
    NATIVE_ASSET,
    Account,
    Block,
    BlockContext,
    Burn,
    Case,
    Code,
    CodeKey,
    Contract,
    ContractCode,
    Deploy,
    FeePayment,
    Genesis,
    Invoke,
    Output,
    Status,
    Transaction,
    Transfer,
    Version,
    WriteSet,
    clone_address,
    clone_creator,
)
from txparity.executors.rules import (
    apply_transaction,
    fee_after_transaction,
    maximum_spend,
    reward_writes,
)
from txparity.executors.state.base import genesis_write_set
from txparity.executors.state.memory import MemoryState
from txparity.executors.view import Scratch
from txparity.harness.strategies._draw import U64_MAX
from txparity.harness.strategies._invalid import LONG_ACCOUNT, LONG_CONTRACT
from txparity.harness.strategies._plans import (
    AccountPlan,
    BurnPlan,
    CodePlan,
    ContractPlan,
    DeployPlan,
    Funding,
    GasLimitMode,
    GasLimitPlan,
    InvokePlan,
    Ref,
    RefKind,
    SaltMode,
    StoryPlan,
    TransferPlan,
    TxPlan,
    V2BlockPlan,
)
from txparity.harness.strategies._stories import tell
from txparity.harness.strategies._templates import MISSING_CONTRACT, Site, realize_code

__all__ = ["Builder"]

# The block's total gas never reaches a gas limit this far past it.
_PAST_THE_BLOCK = 1


class Builder:
    """Turns plans into a genesis and a block, running the reference rules as it goes."""

    def __init__(
        self,
        assets: Sequence[str],
        accounts: Sequence[AccountPlan],
        long_name: bool,
        contracts: Sequence[ContractPlan],
        miner: int | None,
        reward: int,
        v2: V2BlockPlan | None = None,
    ) -> None:
        """A version 1 case without ``v2``; a version 2 one with its block plan."""
        self.assets = assets
        self.version = Version.V1 if v2 is None else Version.V2
        self.v2 = v2
        names = [f"a{i}" for i in range(len(accounts))]
        if long_name:
            names[-1] = LONG_ACCOUNT
        self.accounts = names
        genesis_accounts = {
            name: Account(plan.nonce, self._balances(plan))
            for name, plan in zip(names, accounts, strict=True)
        }
        self.miner = "m" if miner is None else names[miner % len(names)]
        self.contracts = self._contract_names(contracts, genesis_accounts, long_name)
        self.codes: dict[str, Code] = {}
        self.template_of: dict[str, int] = {}  # a contract's template (-1: free code)
        self.pending: dict[str, int] = {}  # the template of each deploy's code, by address
        genesis_contracts: dict[str, Contract] = {}
        for name, plan in zip(self.contracts, contracts, strict=True):
            code = realize_code(plan.code, self.site(name))
            assert isinstance(code, Code), "genesis code is never broken"
            self.codes[name] = code
            self.template_of[name] = plan.code.template
            genesis_contracts[name] = Contract(
                code, {NATIVE_ASSET: plan.tos}, dict(plan.storage), plan.nonce
            )
        self.genesis = Genesis(genesis_accounts, genesis_contracts)
        self.reward = reward
        self.deployed: list[str] = []  # contracts created so far: deploys (and clones, in v2)
        self.destroyed: list[str] = []  # contracts destroyed so far (v2)

    def site(self, address: str) -> Site:
        return Site(address, tuple(self.contracts), self.miner, self.version)

    def _balances(self, plan: AccountPlan) -> dict[str, int]:
        balances = {asset: plan.others for asset in self.assets}
        balances[NATIVE_ASSET] = plan.tos
        if plan.lacks and len(self.assets) > 1:
            del balances[self.asset(plan.lacks)]
        return balances

    def _contract_names(
        self, contracts: Sequence[ContractPlan], accounts: Mapping[str, Account], long_name: bool
    ) -> list[str]:
        """``c<i>``; for a clash, an address a deploy from account ``a<j>`` will want;
        in version 2, for a salted name, ``a<j>.s<k>``, which a deploy from ``a<j>``
        with salt ``k`` revives, and with ``long_name`` the last one is too long to
        clone."""
        names: list[str] = []
        for i, plan in enumerate(contracts):
            name = f"c{i}"
            if plan.clash is not None:
                account = self.accounts[plan.clash[0] % len(self.accounts)]
                name = f"{account}.{accounts[account].nonce + plan.clash[1]}"
            if plan.salted is not None:
                account = self.accounts[plan.salted[0] % len(self.accounts)]
                name = f"{account}.s{plan.salted[1]}"
            if self.version >= Version.V2 and long_name and i == len(contracts) - 1:
                name = LONG_CONTRACT
            valid = ADDRESS_PATTERN.fullmatch(name) is not None
            names.append(name if valid and name not in names else f"c{i}")
        return names

    def asset(self, index: int) -> str:
        """0: TOS; k >= 1: the k-th other asset, modulo their count."""
        others = len(self.assets) - 1
        return self.assets[1 + (index - 1) % others] if index and others else NATIVE_ASSET

    # ------------------------------------------------------------ the block

    def block(self, plans: Sequence[TxPlan]) -> Block:
        fee_payment = FeePayment.BLOCK_END if self.v2 is None else self.v2.fee_payment
        empty = Block(self.miner, self.reward, (), fee_payment)
        context = BlockContext.of(Case(self.genesis, empty, version=self.version))
        state = MemoryState()
        state.commit(genesis_write_set(self.genesis))
        state.commit(reward_writes(state, Block(self.miner, self.reward, ())))
        limit = _GasLimit(None if self.v2 is None else self.v2.gas_limit, len(plans))
        txs: list[Transaction] = []

        def now() -> Scratch:
            return Scratch(state)

        for position, plan in enumerate(plans):
            for tx in self.told(plan, now):
                txs.append(tx)
                if limit.is_full():
                    continue  # rejected block_full: nothing changes
                outcome = apply_transaction(state, tx, context)
                state.commit(outcome.write_set)
                if outcome.receipt.status is not Status.REJECTED:
                    state.commit(fee_after_transaction(state, context, outcome.write_set.fee))
                    self._follow(tx, outcome.write_set)
                limit.add(position, outcome.receipt.gas_used)
        return Block(self.miner, self.reward, tuple(txs), fee_payment, limit.value())

    def told(self, plan: TxPlan, now: Callable[[], Scratch]) -> Iterator[Transaction]:
        """The transactions of one plan: one, or a story's few, each resolved against
        ``now()`` when the block has run the ones before it."""
        if isinstance(plan.body, StoryPlan):
            yield from tell(self, plan.body, plan.sender, plan.fee, now)
            return
        view = now()
        source = self.sender(plan.sender)
        nonce = min(max((view.nonce(source) or 0) + plan.nonce_offset, 0), U64_MAX)
        yield self.transaction(plan, source, nonce, view)

    def _follow(self, tx: Transaction, write_set: WriteSet) -> None:
        """Note the contracts an included transaction created and destroyed, with their
        templates (a version 1 block creates only by deploy, and keeps each address's
        first code)."""
        for key, value in write_set.writes.items():
            if not isinstance(key, CodeKey):
                continue
            if isinstance(value, ContractCode):
                self.deployed.append(key.address)
                if self.version >= Version.V2:
                    self.codes[key.address] = value.code
                    self.template_of[key.address] = self._created_template(tx, key.address)
            elif value is None:
                self.destroyed.append(key.address)

    def _created_template(self, tx: Transaction, address: str) -> int:
        if isinstance(tx, Deploy) and tx.new_address == address:
            return self.pending.get(address, -1)
        creator = clone_creator(address)  # a clone's code is its creator's
        return -1 if creator is None else self.template_of.get(creator, -1)

    def alive(self, view: Scratch, template: int, salted: bool) -> list[str]:
        """The contracts of the block (genesis, then created) alive now that hold
        ``template``; with ``salted``, only those their account's deploy can revive."""
        found = []
        for address in dict.fromkeys([*self.contracts, *self.deployed]):
            if view.code(address) is None or self.template_of.get(address) != template:
                continue
            revivable = _salted(address)
            if not salted or (revivable is not None and view.nonce(revivable[0]) is not None):
                found.append(address)
        return found

    def funded(self, tx: Transfer, funding: Funding, view: Scratch) -> Transaction:
        return _fund(tx, funding, view)

    def transaction(self, plan: TxPlan, source: str, nonce: int, view: Scratch) -> Transaction:
        body = plan.body
        assert not isinstance(body, StoryPlan), "a story is told, not built (told)"
        match body:
            case TransferPlan():
                outputs = tuple(
                    Output(self.dest(o.dest, source, nonce, view), self.asset(o.asset), o.amount)
                    for o in body.outputs
                )
                return _fund(Transfer(source, nonce, plan.fee, outputs), body.funding, view)
            case BurnPlan():
                burn = Burn(source, nonce, plan.fee, self.asset(body.asset), body.amount)
                return _fund(burn, body.funding, view)
            case DeployPlan():
                return self.deploy(plan.fee, body, source, nonce, view)
            case InvokePlan():
                contract = self.target(body.target)
                return Invoke(
                    source, nonce, plan.fee, contract, self.entry(contract, body), body.args,
                    {self.asset(a): amount for a, amount in body.deposits}, body.max_gas,
                )  # fmt: skip

    def deploy(self, fee: int, body: DeployPlan, source: str, nonce: int, view: Scratch) -> Deploy:
        """A deploy of the planned code to ``<source>.<nonce>``; for a clash, from an
        account whose next address is in use; salted, to ``<source>.s<salt>``; to
        revive, the revival of the salted contract destroyed latest."""
        salt = None if body.salt is None else body.salt.salt
        if body.clash:
            source, nonce = self.clash(view, source, nonce)
        elif body.salt is not None and body.salt.mode is SaltMode.REVIVE:
            revivable = self.revivable(view)
            if revivable is not None:
                return self.revival(view, f"{revivable[0]}.s{revivable[1]}", fee)
        address = f"{source}.{nonce}" if salt is None else f"{source}.s{salt}"
        return self.deploy_code(source, nonce, fee, body.code, address, salt)

    def deploy_code(
        self, source: str, nonce: int, fee: int, plan: CodePlan, address: str, salt: int | None
    ) -> Deploy:
        """A deploy to ``address`` of the code ``plan`` names there."""
        valid = ADDRESS_PATTERN.fullmatch(address) is not None
        code = realize_code(plan, self.site(address if valid else MISSING_CONTRACT))
        if isinstance(code, Code):
            self.codes.setdefault(address, code)
        self.pending[address] = plan.template if isinstance(code, Code) else -1
        return Deploy(source, nonce, fee, code, salt)

    def revival(self, view: Scratch, address: str, fee: int) -> Deploy:
        """The deploy that revives the salted ``address``: from its account, at the
        account's nonce now, with its salt and the code the address had."""
        salted = _salted(address)
        assert salted is not None and address in self.codes, "a salted contract's address"
        source, salt = salted
        self.pending[address] = self.template_of.get(address, -1)
        return Deploy(source, min(view.nonce(source) or 0, U64_MAX), fee, self.codes[address], salt)

    # ------------------------------------------------------------ addresses

    def clash(self, view: Scratch, source: str, nonce: int) -> tuple[str, int]:
        """A sender and nonce whose deploy address is in use (a genesis contract, or an
        account an earlier transfer created there), if there is one."""
        for account in [*self.accounts, self.miner]:
            current = view.nonce(account)
            address = f"{account}.{current}"
            if current is not None and (view.nonce(address), view.code(address)) != (None, None):
                return account, current
        return source, nonce

    def revivable(self, view: Scratch) -> tuple[str, int] | None:
        """The account and salt of the salted contract destroyed latest whose address
        names nothing now, if there is one."""
        for address in reversed(self.destroyed):
            salted = _salted(address)
            if salted is not None and view.nonce(salted[0]) is not None and not view.names(address):
                return salted
        return None

    def sender(self, ref: Ref) -> str:
        match ref.kind:
            case RefKind.POOL:
                return self.accounts[ref.index % len(self.accounts)]
            case RefKind.MINER:
                return self.miner
            case RefKind.CONTRACT if self.contracts:
                return self.contracts[ref.index % len(self.contracts)]
            case _:
                return f"n{ref.index}"

    def dest(self, ref: Ref, source: str, nonce: int, view: Scratch) -> str:
        match ref.kind:
            case RefKind.POOL:
                dest = self.accounts[ref.index % len(self.accounts)]
                if dest == source:
                    dest = self.accounts[(ref.index + 1) % len(self.accounts)]
                return dest
            case RefKind.MINER:
                return self.miner
            case RefKind.SELF:
                return source
            case RefKind.CONTRACT if self.contracts:
                return self.contracts[ref.index % len(self.contracts)]
            case RefKind.DEPLOYED if self.deployed:
                return self.deployed[-1 - ref.index % len(self.deployed)]
            case RefKind.AHEAD if ADDRESS_PATTERN.fullmatch(ahead := f"{source}.{nonce + 1}"):
                return ahead  # where the sender's next deploy would go
            case RefKind.DESTROYED if self.destroyed:
                return self.destroyed[-1 - ref.index % len(self.destroyed)]
            case RefKind.CLONE_AHEAD if self.contracts:
                return self.clone_ahead(self.contracts[ref.index % len(self.contracts)], view)
            case _:
                return f"n{ref.index}"

    def clone_ahead(self, contract: str, view: Scratch) -> str:
        """Where ``contract``'s next ``CLONE`` would go: paying it an account there
        makes that clone fail (``create_failed``)."""
        ahead = clone_address(contract, view.contract_nonce(contract))
        return ahead if ADDRESS_PATTERN.fullmatch(ahead) else MISSING_CONTRACT

    def target(self, ref: Ref) -> str:
        """The invoked address: a contract, a created one, a destroyed one, an account
        or nothing."""
        match ref.kind:
            case RefKind.POOL:
                return self.accounts[ref.index % len(self.accounts)]
            case RefKind.MISSING:
                return MISSING_CONTRACT
            case RefKind.DESTROYED if self.destroyed:
                return self.destroyed[-1 - ref.index % len(self.destroyed)]
        if self.deployed and (ref.kind is RefKind.DEPLOYED or not self.contracts):
            return self.deployed[-1 - ref.index % len(self.deployed)]
        if self.contracts:
            return self.contracts[ref.index % len(self.contracts)]
        return MISSING_CONTRACT

    def entry(self, contract: str, plan: InvokePlan) -> int:
        """An entry of the contract's code (a quarter of the time its relay entry 9,
        if it has one), or one it lacks; for a non-contract, the drawn field."""
        code = self.codes.get(contract)
        if code is None:
            return plan.entry
        if plan.missing_entry:
            return next(e for e in range(99, 99 + len(code.entries) + 1) if e not in code.entries)
        if plan.entry % 4 == 3 and 9 in code.entries:  # the relay: shared writes
            return 9
        entries = sorted(code.entries)
        return entries[plan.entry % len(entries)]


def _salted(address: str) -> tuple[str, int] | None:
    """``(source, salt)`` for an address ``<source>.s<salt>`` (SPEC 10.3), else None."""
    source, dot, suffix = address.rpartition(".")
    if dot and source and suffix[:1] == "s" and CANONICAL_DECIMAL_PATTERN.fullmatch(suffix[1:]):
        salt = int(suffix[1:])
        return (source, salt) if salt < U64_LIMIT else None
    return None


class _GasLimit:
    """A version 2 block's gas limit while the builder runs the block: unknown until
    the block's gas reaches the drawn transaction, then fixed (see the module)."""

    def __init__(self, plan: GasLimitPlan | None, transactions: int) -> None:
        self.plan = plan
        self.gas = 0  # of the transactions included so far
        self.limit: int | None = None
        if plan is not None and plan.mode is GasLimitMode.ZERO:
            self.limit = 0
        self.from_position = 0 if plan is None else plan.position * transactions // 101

    def is_full(self) -> bool:
        return self.limit is not None and self.gas >= self.limit

    def add(self, position: int, gas_used: int) -> None:
        """Count a transaction's gas; place the limit at the first that uses gas from
        the drawn position on, ``slack`` below the block's gas after it, and past the
        gas before it."""
        self.gas += gas_used
        if self.plan is None or self.limit is not None or position < self.from_position:
            return
        if gas_used > 0:
            self.limit = self.gas - min(self.plan.slack, gas_used - 1)

    def value(self) -> int | None:
        """The block's ``gas_limit``: a limit never placed is one the block never
        reaches."""
        if self.plan is None or self.limit is not None:
            return self.limit
        return self.gas + _PAST_THE_BLOCK + self.plan.slack


def _fund(tx: Transfer | Burn, funding: Funding, view: Scratch) -> Transaction:
    """Apply a funding mode: a ``zero`` first amount, or the fee set so that the
    transaction spends ``exact``ly the source's TOS balance, or one more (``short``).

    The fee, not an amount, takes up the difference, so that the amounts a
    counterexample shrinks to are the ones drawn.
    """
    if funding is Funding.ZERO:
        if isinstance(tx, Burn):
            return replace(tx, amount=0)
        if tx.outputs:
            return replace(tx, outputs=(replace(tx.outputs[0], amount=0), *tx.outputs[1:]))
        return tx
    if funding is Funding.NORMAL:
        return tx
    fee = tx.fee + view.balance(tx.source, NATIVE_ASSET) - maximum_spend(tx)[NATIVE_ASSET]
    fee += funding is Funding.SHORT
    return replace(tx, fee=fee) if 0 <= fee < U64_LIMIT else tx
