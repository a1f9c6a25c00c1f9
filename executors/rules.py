"""The transaction rules: the one place SPEC section 5 (and 10.3) lives.

``apply_transaction(view, tx, context)`` is a pure function from a read view of
state, a transaction and its block's context to its receipt and write set. It never
mutates the view; every executor, whatever its schedule, calls it and commits the
write set it returns. The block-level steps around the transactions are functions
here too, so that every executor shares them:

- ``reward_writes``: the miner's reward, before the transactions (step 1);
- ``is_block_full``: SPEC 10.3's gas limit, checked before each transaction's
  validation against the gas of the transactions included before it (a transaction
  rejected ``block_full`` is ``BLOCK_FULL``); the block's gas is the sum of the
  included transactions' ``gas_used``, a reverted invoke's included;
- ``fee_after_transaction``: with ``each_tx``, the credit of an included
  transaction's ``fee + gas_used`` (its write set's ``fee``) to the miner, committed
  right after that write set;
- ``fee_at_block_end``: with ``block_end``, the credit of the sum of those fees
  after the last transaction (step 3).

A block, in order: reward; then for each transaction: ``BLOCK_FULL`` if
``is_block_full``, else ``apply_transaction`` and, if it was included,
``fee_after_transaction``; then ``fee_at_block_end``.

Readings where SPEC.md leaves room, chosen here and applied by every executor:

- Validation checks run in the table's order over the whole transaction: every
  output is checked for ``self_transfer`` before any is checked for
  ``not_an_account``.
- ``insufficient_funds`` sums, per asset, everything the transaction may spend, with
  unbounded integers: a sum past ``U64_LIMIT`` is simply more than any balance.
- A deploy's ``contract_exists`` also applies when the new address names an account
  created earlier in the same block (the miner included, created by the reward).
- ``PAY`` of 0 succeeds and moves nothing; ``BALANCE`` and ``PAY`` see the
  transaction's deposits and this run's earlier payments.
- The block's gas, which SPEC 10.3 compares with ``gas_limit``, is the sum of
  ``gas_used`` over the included transactions, reverted invokes included and
  rejected transactions adding nothing; a transaction's ``max_gas`` is never
  compared with what is left of the limit.
- A deploy with a salt still needs ``nonce < 2**64 - 1`` and still bumps the
  account's nonce; the 64-character rule applies to the salted address.
- A transfer to a destroyed contract's address creates an account there; an
  invoke of it is rejected ``no_contract``.
- The marked contracts are destroyed at the end of the run, before the fee debit,
  so a ``BALANCEOF`` of the source during the run sees it without its deposits but
  not yet charged its fee and gas.
- With ``each_tx`` and the miner as the source, the fee is debited, then credited
  straight back; validation still needs the whole ``fee + max_gas`` beforehand.
"""

from __future__ import annotations

from collections.abc import Callable

from txparity.executors.limits import (
    ADDRESS_PATTERN,
    MAX_ARGS,
    MAX_GAS_LIMIT,
    MAX_OUTPUTS,
    U64_LIMIT,
)
from txparity.executors.model import (
    EMPTY_WRITE_SET,
    NATIVE_ASSET,
    Block,
    BlockContext,
    Burn,
    Deploy,
    FeePayment,
    Invoke,
    MalformedCode,
    Receipt,
    RejectReason,
    Transaction,
    Transfer,
    WriteSet,
    creation_of,
)
from txparity.executors.view import Scratch, StateView
from txparity.executors.vm import run

__all__ = [
    "BLOCK_FULL",
    "Outcome",
    "apply_transaction",
    "fee_after_transaction",
    "fee_at_block_end",
    "fee_writes",
    "is_block_full",
    "reward_writes",
    "validate",
]


class Outcome:
    """A transaction's receipt and the write set that including it produces."""

    __slots__ = ("receipt", "write_set")

    def __init__(self, receipt: Receipt, write_set: WriteSet) -> None:
        self.receipt = receipt
        self.write_set = write_set


BLOCK_FULL = Outcome(Receipt.rejected(RejectReason.BLOCK_FULL), EMPTY_WRITE_SET)
"""The outcome of every transaction after the block's gas reached its limit."""


# ---------------------------------------------------------------- block steps


def reward_writes(view: StateView, block: Block) -> WriteSet:
    """Step 1: credit ``reward`` TOS to the miner, creating the account even for 0."""
    scratch = Scratch(view)
    scratch.credit_account(block.miner, NATIVE_ASSET, block.reward)
    return WriteSet(scratch.writes)


def fee_writes(view: StateView, miner: str, fees: int) -> WriteSet:
    """Credit the miner ``fees`` in TOS: the fee payment of steps 2 and 3."""
    scratch = Scratch(view)
    scratch.credit_account(miner, NATIVE_ASSET, fees)
    return WriteSet(scratch.writes)


def is_block_full(context: BlockContext, block_gas: int) -> bool:
    """SPEC 10.3: the block has a gas limit and ``block_gas``, the sum of ``gas_used``
    of the transactions included so far, has reached it. The next transaction is
    then rejected ``block_full`` before any check of validation; the transaction
    that reached or crossed the limit was included in full."""
    return context.gas_limit is not None and block_gas >= context.gas_limit


def fee_after_transaction(view: StateView, context: BlockContext, fee: int) -> WriteSet:
    """SPEC 10.3: with ``each_tx``, credit the miner an included transaction's ``fee +
    gas_used`` right after its debit, so that later transactions see it; nothing with
    ``block_end``."""
    if context.fee_payment is FeePayment.EACH_TX:
        return fee_writes(view, context.miner, fee)
    return EMPTY_WRITE_SET


def fee_at_block_end(view: StateView, context: BlockContext, fees: int) -> WriteSet:
    """Step 3: with ``block_end``, credit the miner the sum of ``fee + gas_used`` of the
    included transactions; with ``each_tx`` they are paid already, nothing is left."""
    if context.fee_payment is FeePayment.BLOCK_END:
        return fee_writes(view, context.miner, fees)
    return EMPTY_WRITE_SET


def apply_transaction(
    view: StateView, tx: Transaction, context: BlockContext | None = None
) -> Outcome:
    """Step 2 for one transaction: validate it, then include it or reject it.

    A rejected transaction changes nothing: its write set is empty and it pays no fee.
    An included one bumps the nonce, runs its kind's effect and pays ``fee +
    gas_used``, which the write set carries as ``fee`` for the miner.

    ``context`` is the block's (``BlockContext.of(case)``); only a ``DESTROY`` needs
    it, to know the assets it sweeps, so a version 1 block's transactions may go
    without it.
    """
    scratch = Scratch(view)
    reason = validate(scratch, tx)
    if reason is not None:
        return Outcome(Receipt.rejected(reason), EMPTY_WRITE_SET)
    scratch.set_nonce(tx.source, tx.nonce + 1)
    receipt = _run_effect(scratch, tx, context)
    paid = tx.fee + receipt.gas_used
    scratch.debit_account(tx.source, NATIVE_ASSET, paid)
    return Outcome(receipt, WriteSet(scratch.writes, paid, scratch.burned))


# ---------------------------------------------------------------- validation


def validate(scratch: Scratch, tx: Transaction) -> RejectReason | None:
    """Run the checks of SPEC 5.1 in order; return the first failing check's reason.

    Only the checks that concern ``tx``'s kind run: every other one passes anyway."""
    for reason, check in _CHECKS_OF_KIND[type(tx)]:
        if not check(scratch, tx):
            return reason
    return None


def is_well_formed(scratch: Scratch, tx: Transaction) -> bool:
    """``malformed``: the rules of form, which need no state."""
    if tx.nonce >= U64_LIMIT - 1:
        return False
    match tx:
        case Transfer(outputs=outputs):
            return 1 <= len(outputs) <= MAX_OUTPUTS and all(o.amount >= 1 for o in outputs)
        case Burn(amount=amount):
            return amount >= 1
        case Invoke(args=args, deposits=deposits, max_gas=max_gas):
            return (
                len(args) <= MAX_ARGS
                and all(amount >= 1 for amount in deposits.values())
                and max_gas <= MAX_GAS_LIMIT
            )
        case Deploy(code=code):
            return (
                not isinstance(code, MalformedCode)
                and ADDRESS_PATTERN.fullmatch(tx.new_address) is not None
            )


def sender_exists(scratch: Scratch, tx: Transaction) -> bool:
    """``unknown_sender``: the source must be an account (not a contract, not absent)."""
    return scratch.nonce(tx.source) is not None


def nonce_matches(scratch: Scratch, tx: Transaction) -> bool:
    """``bad_nonce``: the nonce must equal the account's; no gaps, no replays."""
    return scratch.nonce(tx.source) == tx.nonce


def not_to_self(scratch: Scratch, tx: Transaction) -> bool:
    """``self_transfer``: no transfer output may pay the source."""
    return not isinstance(tx, Transfer) or all(o.dest != tx.source for o in tx.outputs)


def destinations_are_accounts(scratch: Scratch, tx: Transaction) -> bool:
    """``not_an_account``: no transfer output may pay a contract."""
    if not isinstance(tx, Transfer):
        return True
    return all(scratch.code(o.dest) is None for o in tx.outputs)


def contract_exists(scratch: Scratch, tx: Transaction) -> bool:
    """``no_contract``: an invoke must name a contract."""
    return not isinstance(tx, Invoke) or scratch.code(tx.contract) is not None


def entry_exists(scratch: Scratch, tx: Transaction) -> bool:
    """``no_entry``: an invoke must name an entry of that contract's code."""
    if not isinstance(tx, Invoke):
        return True
    code = scratch.code(tx.contract)
    return code is not None and tx.entry in code.entries


def deploy_address_free(scratch: Scratch, tx: Transaction) -> bool:
    """``contract_exists``: a deploy's new address must name no account and no contract.
    A destroyed contract's address names nothing: a deploy there revives it."""
    return not isinstance(tx, Deploy) or not scratch.names(tx.new_address)


def funds_suffice(scratch: Scratch, tx: Transaction) -> bool:
    """``insufficient_funds``: per asset, the balance covers all the tx may spend."""
    for asset, amount in maximum_spend(tx).items():
        if scratch.balance(tx.source, asset) < amount:
            return False
    return True


def maximum_spend(tx: Transaction) -> dict[str, int]:
    """Per asset: ``fee`` + outputs + burn + deposits + ``max_gas`` (SPEC 5.1)."""
    spend = {NATIVE_ASSET: tx.fee}
    match tx:
        case Transfer(outputs=outputs):
            for output in outputs:
                spend[output.asset] = spend.get(output.asset, 0) + output.amount
        case Burn(asset=asset, amount=amount):
            spend[asset] = spend.get(asset, 0) + amount
        case Invoke(deposits=deposits, max_gas=max_gas):
            for asset, amount in deposits.items():
                spend[asset] = spend.get(asset, 0) + amount
            spend[NATIVE_ASSET] += max_gas
        case Deploy():
            pass
    return spend


Check = Callable[[Scratch, Transaction], bool]
_EVERY_KIND = (Transfer, Burn, Deploy, Invoke)

_CHECKS: tuple[tuple[RejectReason, Check, tuple[type[Transaction], ...]], ...] = (
    # reason, check, the kinds it concerns
    (RejectReason.MALFORMED, is_well_formed, _EVERY_KIND),
    (RejectReason.UNKNOWN_SENDER, sender_exists, _EVERY_KIND),
    (RejectReason.BAD_NONCE, nonce_matches, _EVERY_KIND),
    (RejectReason.SELF_TRANSFER, not_to_self, (Transfer,)),
    (RejectReason.NOT_AN_ACCOUNT, destinations_are_accounts, (Transfer,)),
    (RejectReason.NO_CONTRACT, contract_exists, (Invoke,)),
    (RejectReason.NO_ENTRY, entry_exists, (Invoke,)),
    (RejectReason.CONTRACT_EXISTS, deploy_address_free, (Deploy,)),
    (RejectReason.INSUFFICIENT_FUNDS, funds_suffice, _EVERY_KIND),
)

_CHECKS_OF_KIND: dict[type[Transaction], tuple[tuple[RejectReason, Check], ...]] = {
    kind: tuple((reason, check) for reason, check, kinds in _CHECKS if kind in kinds)
    for kind in _EVERY_KIND
}


# ---------------------------------------------------------------- effects

_APPLIED_WITHOUT_GAS = Receipt.applied(0)
"""The receipt of every included transfer, burn and deploy: they run no code."""


def _run_effect(scratch: Scratch, tx: Transaction, context: BlockContext | None) -> Receipt:
    match tx:
        case Transfer():
            return transfer(scratch, tx)
        case Burn():
            return burn(scratch, tx)
        case Deploy():
            return deploy(scratch, tx)
        case Invoke():
            return invoke(scratch, tx, context)


def transfer(scratch: Scratch, tx: Transfer) -> Receipt:
    """Move each output's amount from the source to its dest, creating the dest (also
    at a destroyed contract's address, which names nothing)."""
    for output in tx.outputs:
        scratch.debit_account(tx.source, output.asset, output.amount)
        scratch.credit_account(output.dest, output.asset, output.amount)
    return _APPLIED_WITHOUT_GAS


def burn(scratch: Scratch, tx: Burn) -> Receipt:
    """Debit the amount from the source and add it to the block's burn total."""
    scratch.debit_account(tx.source, tx.asset, tx.amount)
    scratch.burn(tx.asset, tx.amount)
    return _APPLIED_WITHOUT_GAS


def deploy(scratch: Scratch, tx: Deploy) -> Receipt:
    """Create ``<source>.<nonce>`` (or ``<source>.s<salt>``) with the code, nonce 0, no
    balances and empty storage."""
    assert not isinstance(tx.code, MalformedCode), "validation rejects malformed code"
    scratch.create_contract(tx.new_address, tx.code, creation_of(tx))
    return _APPLIED_WITHOUT_GAS


def invoke(scratch: Scratch, tx: Invoke, context: BlockContext | None = None) -> Receipt:
    """Move the deposits in, run the entry; a failed run undoes itself and the deposits.

    The run works in a child scratch holding the deposits: on success it is merged
    (the contracts it marked already destroyed, its logs in the receipt), on failure
    dropped, so only the nonce bump and the fee stay.
    """
    run_scratch = scratch.child()
    for asset, amount in tx.deposits.items():
        run_scratch.debit_account(tx.source, asset, amount)
        run_scratch.credit_contract(tx.contract, asset, amount)
    deployed = scratch.contract_code(tx.contract)
    assert deployed is not None, "validation checked the contract exists"
    assets = None if context is None else context.assets
    outcome = run(run_scratch, tx, deployed, assets)
    if outcome.failure is not None:
        return Receipt.reverted(outcome.failure, outcome.gas_used)
    scratch.merge(run_scratch)
    return Receipt.applied(outcome.gas_used, outcome.logs)
