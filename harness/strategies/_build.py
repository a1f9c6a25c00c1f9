"""The builder: plans in, a genesis and a block out.

It runs the reference rules (``executors.rules``) over the block as it goes, so that
each transaction gets its real nonce: the sender's nonce at that point of the block
(a running per-sender counter of included transactions) plus the drawn offset, 0
most of the time; -1 replays the last included nonce, +1 and +2 leave a gap, and +1
followed by 0 sends n+1 before n. The same pass resolves the fees that make a
transaction spend exactly its sender's balance or one more, the addresses
``<source>.<nonce>`` of contracts deployed earlier in the block (invoked, or paid by
mistake), and a deployed contract's own address in its code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from txparity.executors.limits import ADDRESS_PATTERN, U64_LIMIT
from txparity.executors.model import (
    NATIVE_ASSET,
    Account,
    Block,
    Burn,
    Code,
    Contract,
    Deploy,
    Genesis,
    Invoke,
    Output,
    Status,
    Transaction,
    Transfer,
)
from txparity.executors.rules import apply_transaction, maximum_spend, reward_writes
from txparity.executors.state.base import genesis_write_set
from txparity.executors.state.memory import MemoryState
from txparity.executors.view import Scratch
from txparity.harness.strategies._draw import U64_MAX
from txparity.harness.strategies._invalid import LONG_ACCOUNT
from txparity.harness.strategies._plans import (
    AccountPlan,
    BurnPlan,
    ContractPlan,
    DeployPlan,
    Funding,
    InvokePlan,
    Ref,
    RefKind,
    TransferPlan,
    TxPlan,
)
from txparity.harness.strategies._templates import MISSING_CONTRACT, realize_code

__all__ = ["Builder"]


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
    ) -> None:
        self.assets = assets
        names = [f"a{i}" for i in range(len(accounts))]
        if long_name:
            names[-1] = LONG_ACCOUNT
        self.accounts = names
        genesis_accounts = {
            name: Account(plan.nonce, self._balances(plan))
            for name, plan in zip(names, accounts, strict=True)
        }
        self.contracts = self._contract_names(contracts, genesis_accounts)
        self.codes: dict[str, Code] = {}
        genesis_contracts: dict[str, Contract] = {}
        for name, plan in zip(self.contracts, contracts, strict=True):
            code = realize_code(plan.code, name, self.contracts)
            assert isinstance(code, Code), "genesis code is never broken"
            self.codes[name] = code
            genesis_contracts[name] = Contract(code, {NATIVE_ASSET: plan.tos}, dict(plan.storage))
        self.genesis = Genesis(genesis_accounts, genesis_contracts)
        self.miner = "m" if miner is None else names[miner % len(names)]
        self.reward = reward
        self.deployed: list[str] = []  # addresses of the deploys included so far

    def _balances(self, plan: AccountPlan) -> dict[str, int]:
        balances = {asset: plan.others for asset in self.assets}
        balances[NATIVE_ASSET] = plan.tos
        if plan.lacks and len(self.assets) > 1:
            del balances[self.asset(plan.lacks)]
        return balances

    def _contract_names(
        self, contracts: Sequence[ContractPlan], accounts: Mapping[str, Account]
    ) -> list[str]:
        """``c<i>``; for a clash, an address a deploy from account ``a<j>`` will want."""
        names: list[str] = []
        for i, plan in enumerate(contracts):
            name = f"c{i}"
            if plan.clash is not None:
                account = self.accounts[plan.clash[0] % len(self.accounts)]
                clash = f"{account}.{accounts[account].nonce + plan.clash[1]}"
                if ADDRESS_PATTERN.fullmatch(clash) and clash not in names:
                    name = clash
            names.append(name)
        return names

    def asset(self, index: int) -> str:
        """0: TOS; k >= 1: the k-th other asset, modulo their count."""
        others = len(self.assets) - 1
        return self.assets[1 + (index - 1) % others] if index and others else NATIVE_ASSET

    # ------------------------------------------------------------ the block

    def block(self, plans: Sequence[TxPlan]) -> Block:
        state = MemoryState()
        state.commit(genesis_write_set(self.genesis))
        state.commit(reward_writes(state, Block(self.miner, self.reward, ())))
        txs: list[Transaction] = []
        for plan in plans:
            view = Scratch(state)
            source = self.sender(plan.sender)
            nonce = min(max((view.nonce(source) or 0) + plan.nonce_offset, 0), U64_MAX)
            if isinstance(plan.body, DeployPlan) and plan.body.clash:
                source, nonce = self.clash(view, source, nonce)
            tx = self.transaction(plan, source, nonce, view)
            outcome = apply_transaction(state, tx)
            state.commit(outcome.write_set)
            if isinstance(tx, Deploy) and outcome.receipt.status is Status.APPLIED:
                self.deployed.append(tx.new_address)
            txs.append(tx)
        return Block(self.miner, self.reward, tuple(txs))

    def transaction(self, plan: TxPlan, source: str, nonce: int, view: Scratch) -> Transaction:
        body = plan.body
        match body:
            case TransferPlan():
                outputs = tuple(
                    Output(self.dest(o.dest, source, nonce), self.asset(o.asset), o.amount)
                    for o in body.outputs
                )
                return _fund(Transfer(source, nonce, plan.fee, outputs), body.funding, view)
            case BurnPlan():
                burn = Burn(source, nonce, plan.fee, self.asset(body.asset), body.amount)
                return _fund(burn, body.funding, view)
            case DeployPlan():
                address = f"{source}.{nonce}"
                valid = ADDRESS_PATTERN.fullmatch(address) is not None
                code = realize_code(
                    body.code, address if valid else MISSING_CONTRACT, self.contracts
                )
                if isinstance(code, Code):
                    self.codes.setdefault(address, code)
                return Deploy(source, nonce, plan.fee, code)
            case InvokePlan():
                contract = self.target(body.target)
                return Invoke(
                    source, nonce, plan.fee, contract, self.entry(contract, body), body.args,
                    {self.asset(a): amount for a, amount in body.deposits}, body.max_gas,
                )  # fmt: skip

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

    def dest(self, ref: Ref, source: str, nonce: int) -> str:
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
            case _:
                return f"n{ref.index}"

    def target(self, ref: Ref) -> str:
        """The invoked address: a contract, a deployed one, an account or nothing."""
        match ref.kind:
            case RefKind.POOL:
                return self.accounts[ref.index % len(self.accounts)]
            case RefKind.MISSING:
                return MISSING_CONTRACT
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
