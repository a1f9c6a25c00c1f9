"""Readable divergence reports, as terminal text or as Markdown for CI artifacts.

A report is what an engineer fixes an executor from. It is built only for a
divergence (comparing canonical bytes is enough to find one) and holds:

- the head: fingerprint, kind, executor, the one-line detail, and for a receipt
  divergence the first differing transaction;
- the diverging run, from the statistics the target reported with its answer: the
  path it took, and its batches (conflict batching) or its incarnations, aborts,
  validations and suspensions (Block-STM); none for ``cmd:`` executors;
- every differing item, expected against actual. ``deepdiff`` lists the differing
  leaves of the two results; a receipt is one item. With each item, the steps of
  the reference run (``harness.trace``) that read or wrote it, in block order: the
  block steps "reward" and "fees to the miner", and each transaction with what it
  did ("read", "wrote", "paid a fee of N" into the miner's balance, "through CALL"
  when an invoke reached another contract's item). For a receipt, its transaction
  and each earlier step whose write that transaction read. When the run reported
  batches, each batch in which two of those transactions ran together while one
  of them writes the item: the batching invariant (disjoint state) broken there;
- every transaction, with its batch, the reference's receipt and its role;
- for a schedule-dependent divergence of an in-tree executor on a seeded schedule
  (another schedule seed agrees), the interleaving of the diverging run, recorded
  by running it again and shortened to the steps that touch the differing items
  (``harness.interleaving``).

Roles. A step is *involved* when it is listed under a differing item. A transaction
that is not involved *conflicts with* an involved step when one of the two writes
an item the other reads or writes: the order between them matters to the result. A
transaction that is neither is *unrelated*: it reads and writes nothing a
differing item, or a step touching one, depends on. When the block without its
unrelated transactions would have fewer transactions than the network's parallel
threshold, they are *fillers*: the divergence needs the parallel path, and they are
there only to reach it (any transactions of the same number would do).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, cast

from deepdiff import DeepDiff
from deepdiff.helper import notpresent

from txparity.executors.blockstm.mvmemory import FeeKey
from txparity.executors.execution import ExecutionPath, Stats
from txparity.executors.model import (
    BalanceKey,
    BurnedKey,
    CodeKey,
    ContractBalanceKey,
    ContractNonceKey,
    Invoke,
    NonceKey,
    Receipt,
    RejectReason,
    StateKey,
    StorageKey,
    Transaction,
)
from txparity.executors.registry import DEFAULT_WATCHDOG_S
from txparity.executors.sequential import Step
from txparity.executors.shapes import (
    MAP_FIELDS,
    canonical_json,
    encode_transaction,
    key_path,
    map_path,
    readable_json,
)
from txparity.harness.differential import Divergence
from txparity.harness.interleaving import race_of
from txparity.harness.targets import REFERENCE_SPEC
from txparity.harness.trace import StepTrace, Trace, item_path, trace_reference

__all__ = [
    "Access",
    "BatchConflict",
    "Item",
    "Report",
    "Role",
    "TransactionLine",
    "build_report",
    "describe_tx",
]

_MISSING = "(absent)"
Parts = list[str | int]  # a path into a result document, as deepdiff lists it
Selects = Callable[[StateKey], bool]


class Role(StrEnum):
    """What a transaction has to do with the divergence (see the module text)."""

    INVOLVED = "touches a differing item"
    CONFLICTS = "conflicts with"
    FILLER = "filler"
    UNRELATED = "unrelated"


@dataclass(frozen=True, slots=True)
class Access:
    """What one step of the reference run did with an item."""

    step: Step
    what: str
    reads: bool = False
    writes: bool = False

    def text(self) -> str:
        return f"{_step_name(self.step)}: {self.what}"


@dataclass(frozen=True, slots=True)
class BatchConflict:
    """Transactions of one batch of the diverging run that conflict on an item: the
    batching invariant (disjoint state inside a batch) broken."""

    batch: int  # 1-based
    txs: tuple[int, ...]

    def text(self) -> str:
        return f"conflict inside batch {self.batch}: " + ", ".join(f"tx {i}" for i in self.txs)


@dataclass(frozen=True, slots=True)
class Item:
    """A differing item: expected against actual, and who read or wrote it."""

    path: str
    expected: object
    actual: object
    accesses: tuple[Access, ...]
    batch_conflicts: tuple[BatchConflict, ...] = ()
    keys: frozenset[StateKey] = frozenset()  # the state items it is made of

    def notes(self) -> list[str]:
        """One line per access and per conflict inside a batch."""
        if not self.accesses:
            return ["no step of the reference run read or wrote it"]
        return [access.text() for access in self.accesses] + [
            conflict.text() for conflict in self.batch_conflicts
        ]


@dataclass(frozen=True, slots=True)
class TransactionLine:
    """A transaction of the case: its batch, the reference's receipt, its role."""

    index: int
    batch: int | None  # 1-based, when the diverging run reported batches
    receipt: Receipt
    role: Role
    conflicts_with: tuple[Step, ...]  # the involved steps, for Role.CONFLICTS
    tx: Transaction

    def role_text(self) -> str:
        if self.role is Role.CONFLICTS:
            return f"{self.role} {', '.join(map(_step_name, self.conflicts_with))}"
        return str(self.role)


@dataclass(frozen=True, slots=True)
class Report:
    """A divergence, explained; ``text`` for the terminal, ``markdown`` for CI."""

    divergence: Divergence
    items: tuple[Item, ...]
    transactions: tuple[TransactionLine, ...] = ()
    notes: tuple[str, ...] = ()  # the run's line, and any caveat
    interleaving: tuple[str, ...] = ()  # a race's head line and its trace, shortened

    def text(self) -> str:
        lines = [f"  {line}" for line in self._head()]
        lines[0] = lines[0].strip()
        if self.divergence.actual is None:
            return "\n".join(lines)
        lines += [f"  {note}" for note in self.notes]
        for item in self.items:
            lines.append(f"  {item.path}: expected {_shown(item, item.expected)}, "
                         f"actual {_shown(item, item.actual)}")  # fmt: skip
            lines += [f"    {note}" for note in item.notes()]
        lines += ["  transactions:"] if self.transactions else []
        for tx in self.transactions:
            batch = "" if tx.batch is None else f" (batch {tx.batch})"
            lines.append(f"    tx {tx.index}{batch}: {_receipt(tx.receipt)}; {tx.role_text()}")
            lines.append(f"      {describe_tx(tx.tx)}")
        if self.interleaving:
            head, *steps = self.interleaving
            lines += [f"  {head}:", *(f"    {step}" for step in steps)]
        return "\n".join(lines)

    def markdown(self) -> str:
        d = self.divergence
        out = [f"### Divergence `{d.fingerprint}` ({d.kind}) in `{d.executor}`", "", d.detail, ""]
        first = self._first_tx()
        if first is not None:
            out += [f"First differing transaction: **{d.first_tx}** `{describe_tx(first)}`", ""]
        if d.actual is None:
            return "\n".join(out) + "\n"
        out += [_sentence(note) for note in self.notes]
        out += ["", *_item_table(self.items)] if self.items else []
        out += ["", *_transaction_table(self.transactions)] if self.transactions else []
        if self.interleaving:
            head, *steps = self.interleaving
            out += ["", _sentence(head).removesuffix(".") + ":", "", "```", *steps, "```"]
        return "\n".join(out) + "\n"

    def _head(self) -> list[str]:
        d = self.divergence
        head = [f"DIVERGENCE {d.fingerprint} ({d.kind}) in {d.executor}", d.detail]
        first = self._first_tx()
        if first is not None:
            head.append(f"first differing tx {d.first_tx}: {describe_tx(first)}")
        return head

    def _first_tx(self) -> Transaction | None:
        d = self.divergence
        if d.first_tx is not None and d.first_tx < len(d.case.block.txs):
            return d.case.block.txs[d.first_tx]
        return None


def _trace_note(divergence: Divergence) -> str:
    """Why the reads and writes shown may not be those behind the expected result."""
    if divergence.reference == REFERENCE_SPEC:
        return (
            "note: the reference now gives this case another result than the one "
            "recorded; the reads and writes shown are those of the reference now"
        )
    return (
        f"note: the expected result is {divergence.reference}'s; the reads and writes "
        f"shown are those of txparity's {REFERENCE_SPEC}, which gives another result"
    )


def build_report(divergence: Divergence) -> Report:
    """The report of ``divergence``; runs the reference once more, traced.

    A divergence without an actual result (a hang, a crash, an error), or with no
    expected one (a reference failure, a split whose largest group gave none), has
    no items: its report is its head."""
    if divergence.actual is None or divergence.expected is None:
        return Report(divergence, ())
    trace = trace_reference(divergence.case)
    batches = _batch_of_each(divergence.stats, len(divergence.case.block.txs))
    expected, actual = json.loads(divergence.expected), json.loads(divergence.actual)
    items = tuple(_with_batch_conflicts(item, batches)
                  for item in _items(expected, actual, trace))  # fmt: skip
    lines = tuple(_transaction_lines(items, trace, batches))
    notes = [f"run: {_run_text(divergence.stats)}"]
    if trace.result != divergence.expected:
        notes.append(_trace_note(divergence))
    race = race_of(divergence, _labels(items, trace), _involved(divergence, items),
                   DEFAULT_WATCHDOG_S)  # fmt: skip
    return Report(divergence, items, lines, tuple(notes), tuple(race.text()) if race else ())


def describe_tx(tx: Transaction) -> str:
    """One transaction as canonical JSON."""
    return canonical_json(encode_transaction(tx))


# ---------------------------------------------------------------- items


def _items(expected: dict[str, Any], actual: dict[str, Any], trace: Trace) -> list[Item]:
    """One item per differing leaf of the results, one per differing receipt."""
    found: dict[str, Item] = {}
    for levels in DeepDiff(expected, actual, view="tree").values():
        for level in levels:
            parts: Parts = level.path(output_format="list")
            match parts:
                case ["receipts", int(index), *_]:
                    path = f"receipts[{index}]"
                    found[path] = Item(
                        path, _receipt_at(expected, index), _receipt_at(actual, index),
                        tuple(_receipt_accesses(index, trace)),
                    )  # fmt: skip
                case _:
                    path, selects = _path(parts), _selector(parts)
                    accesses = tuple(_state_accesses(selects, trace))
                    found[path] = Item(path, _value(level.t1), _value(level.t2), accesses,
                                       keys=_keys(selects, trace))  # fmt: skip
    return [found[path] for path in sorted(found)]


def _keys(selects: Selects, trace: Trace) -> frozenset[StateKey]:
    """The items ``selects`` picks among those the reference run read or wrote, and the
    miner's balance if fees were paid into it."""
    touched = {key for step in trace.steps for key in step.touches()} | {trace.fee_item}
    return frozenset(key for key in touched if selects(key))


def _labels(items: Sequence[Item], trace: Trace) -> frozenset[str]:
    """The differing items as the executors' trace lines spell them; the miner's
    balance with Block-STM's fee entries, through which each_tx reads it."""
    keys = {key for item in items for key in item.keys}
    fees = [FeeKey(tx) for tx in range(len(trace.case.block.txs))] if trace.fee_item in keys else []
    return frozenset(map(str, [*keys, *fees]))


def _involved(divergence: Divergence, items: Sequence[Item]) -> frozenset[int]:
    """The transactions that read or wrote a differing item, and the first differing one."""
    steps = {access.step for item in items for access in item.accesses}
    txs = {step for step in steps if isinstance(step, int)}
    return frozenset(txs if divergence.first_tx is None else txs | {divergence.first_tx})


def _value(value: object) -> object:
    return _MISSING if value is notpresent else value


def _receipt_at(result: dict[str, Any], index: int) -> object:
    receipts = result.get("receipts", [])
    return receipts[index] if index < len(receipts) else _MISSING


def _path(parts: Parts) -> str:
    """``['state', 'accounts', 'a', 'nonce']`` -> ``state.accounts["a"].nonce`` (the
    path grammar of ``executors.shapes``: a part is a map key when the field holding
    it is one of ``MAP_FIELDS``, whatever its name)."""
    out, holder_is_map = "", False
    for part in parts:
        if holder_is_map:
            out, holder_is_map = map_path(out, str(part)), False  # a key opens no map
        elif isinstance(part, int):
            out += f"[{part}]"
        else:
            out, holder_is_map = key_path(out, part), part in MAP_FIELDS
    return out


def _selector(parts: Parts) -> Selects:
    """Which state items a differing leaf of the result is made of."""
    match parts:
        case ["state", "accounts", str(address), "nonce"]:
            return _exactly(NonceKey(address))
        case ["state", "accounts", str(address), "balances", str(asset)]:
            return _exactly(BalanceKey(address, asset))
        case ["state", "accounts", str(address), *_]:
            return lambda key: isinstance(key, NonceKey | BalanceKey) and key.address == address
        case ["state", "contracts", str(address), "code", *_]:
            return _exactly(CodeKey(address))
        case ["state", "contracts", str(address), "nonce"]:
            return _exactly(ContractNonceKey(address))
        case ["state", "contracts", str(address), "balances", str(asset)]:
            return _exactly(ContractBalanceKey(address, asset))
        case ["state", "contracts", str(address), "storage", str(slot)] if slot.isdigit():
            return _exactly(StorageKey(address, int(slot)))
        case ["state", "contracts", str(address), *_]:
            return lambda key: (
                isinstance(key, CodeKey | ContractBalanceKey | ContractNonceKey | StorageKey)
                and key.address == address
            )
        case ["state", "burned", str(asset)]:
            return _exactly(BurnedKey(asset))
    return lambda key: False


def _exactly(item: StateKey) -> Selects:
    return lambda key: key == item


def _state_accesses(selects: Selects, trace: Trace) -> Iterator[Access]:
    """Each step that read or wrote an item ``selects`` picks, or paid a fee into it."""
    for step in trace.steps:
        read = [key for key in step.reads if selects(key)]
        wrote = [key for key in step.writes if selects(key)]
        did = ["read"] * bool(read) + ["wrote"] * bool(wrote)
        if step.fee and selects(trace.fee_item):
            did.append(f"paid a fee of {step.fee}")
        if did:
            what = ", ".join(did) + _through_call(step, trace, read + wrote)
            yield Access(step.step, what, reads=bool(read), writes=bool(wrote))


def _through_call(step: StepTrace, trace: Trace, keys: Sequence[StateKey]) -> str:
    """`` (through CALL)`` when an invoke reached these items in another contract than
    the one it invokes: ``CALL`` is the only way it can."""
    if not isinstance(step.step, int) or not keys:
        return ""
    tx = trace.case.block.txs[step.step]
    if not isinstance(tx, Invoke):
        return ""
    elsewhere = all(
        isinstance(key, CodeKey | ContractBalanceKey | ContractNonceKey | StorageKey)
        and key.address != tx.contract
        for key in keys
    )
    return " (through CALL)" if elsewhere else ""


def _receipt_accesses(index: int, trace: Trace) -> Iterator[Access]:
    """Each earlier step whose write transaction ``index`` read, then the transaction."""
    if index >= len(trace.case.block.txs):
        return  # an extra receipt: no transaction of the case made it
    if trace.receipts[index].reason is RejectReason.BLOCK_FULL:
        yield _cut_by_gas_limit(index, trace)
        return
    read_from: dict[Step, list[str]] = {}
    for key in trace.of(index).reads:
        writer = trace.last_writer(key, index)
        if writer is not None:
            read_from.setdefault(writer.step, []).append(item_path(key))
    for step in trace.steps:
        if step.step in read_from:
            paths = ", ".join(sorted(read_from[step.step]))
            yield Access(step.step, f"wrote {paths}, read by tx {index}", writes=True)
    yield Access(index, "its own receipt, from what it read", reads=True)
    limit = trace.case.block.gas_limit
    if limit is not None:
        used = sum(receipt.gas_used for receipt in trace.receipts[:index])
        yield Access(index, f"the block's gas before it: {used} of its gas_limit {limit}")


def _cut_by_gas_limit(index: int, trace: Trace) -> Access:
    """Why the reference cut transaction ``index``: the gas of those it included."""
    used = [(i, r.gas_used) for i, r in enumerate(trace.receipts[:index]) if r.gas_used]
    spent = " + ".join(f"{gas} (tx {i})" for i, gas in used) or "0"
    limit = trace.case.block.gas_limit
    return Access(index, f"not run: the block's gas {spent} reached its gas_limit {limit}")


def _with_batch_conflicts(item: Item, batches: Sequence[int | None]) -> Item:
    """``item`` with the conflicts on it inside a batch: two transactions or more of
    one batch read or write it, and one of them writes it. (Fees are not counted:
    a batch adds them up as it goes, by design.)"""
    by_batch: dict[int, list[Access]] = {}
    for access in item.accesses:
        batch = batches[access.step] if isinstance(access.step, int) else None
        if batch is not None and (access.reads or access.writes):
            by_batch.setdefault(batch, []).append(access)
    conflicts = tuple(
        BatchConflict(batch, tuple(cast(int, access.step) for access in accesses))
        for batch, accesses in sorted(by_batch.items())
        if len(accesses) > 1 and any(access.writes for access in accesses)
    )
    return replace(item, batch_conflicts=conflicts)


# ---------------------------------------------------------------- transactions


def _transaction_lines(
    items: Sequence[Item], trace: Trace, batches: Sequence[int | None]
) -> Iterator[TransactionLine]:
    """Every transaction with its role (see the module text)."""
    involved = {access.step for item in items for access in item.accesses}
    involved_steps = [step for step in trace.steps if step.step in involved]
    conflicts = {
        step.step: tuple(other.step for other in involved_steps if step.conflicts_with(other))
        for step in trace.transactions()
    }
    unrelated = sum(1 for s, c in conflicts.items() if s not in involved and not c)
    threshold = trace.case.config.network.parallel_threshold
    loose = Role.FILLER if len(trace.case.block.txs) - unrelated < threshold else Role.UNRELATED
    for index, tx in enumerate(trace.case.block.txs):
        role = (Role.INVOLVED if index in involved
                else Role.CONFLICTS if conflicts[index] else loose)  # fmt: skip
        shown = conflicts[index] if role is Role.CONFLICTS else ()
        yield TransactionLine(index, batches[index], trace.receipts[index], role, shown, tx)


def _batch_of_each(stats: Stats | None, count: int) -> list[int | None]:
    """Each transaction's batch (1-based), when the run reported its batches."""
    if stats is None or stats.path is not ExecutionPath.PARALLEL:
        return [None] * count
    if not stats.batch_sizes or sum(stats.batch_sizes) != count:
        return [None] * count
    return [number for number, size in enumerate(stats.batch_sizes, 1) for _ in range(size)]


def _run_text(stats: Stats | None) -> str:
    """The diverging run in one line, from the statistics its target reported."""
    if stats is None:
        return "no statistics (the executor reports none)"
    text = f"{stats.path} path ({stats.path_reason})"
    if stats.path is not ExecutionPath.PARALLEL:
        return text
    if stats.batch_sizes:
        spans = " | ".join(_span(start, size) for start, size in _starts(stats.batch_sizes))
        return f"{text}; {len(stats.batch_sizes)} batch(es): {spans}; {stats.conflicts} conflict(s)"
    return (
        f"{text}; {stats.incarnations} incarnation(s), {stats.aborts} abort(s), "
        f"{stats.validations} validation(s), {stats.suspensions} suspension(s)"
    )


def _starts(sizes: Sequence[int]) -> Iterator[tuple[int, int]]:
    start = 0
    for size in sizes:
        yield start, size
        start += size


def _span(start: int, size: int) -> str:
    return f"tx {start}" if size == 1 else f"tx {start}-{start + size - 1}"


# ---------------------------------------------------------------- rendering


def _step_name(step: Step) -> str:
    return f"tx {step}" if isinstance(step, int) else str(step)


def _receipt(receipt: Receipt) -> str:
    """``status[/reason] gas N``, as the detail line of a receipt divergence."""
    reason = "" if receipt.reason is None else f"/{receipt.reason}"
    return f"{receipt.status}{reason} gas {receipt.gas_used}"


def _shown(item: Item, value: object) -> str:
    """A value of ``item``; a receipt in the form of ``_receipt``."""
    if value == _MISSING:
        return _MISSING
    if item.path.startswith("receipts[") and isinstance(value, dict):
        reason = f"/{value['reason']}" if value.get("reason") else ""
        logs = f" logs {readable_json(value['logs'])}" if value.get("logs") else ""
        return f"{value.get('status')}{reason} gas {value.get('gas_used')}{logs}"
    return readable_json(value)


def _sentence(note: str) -> str:
    return note[0].upper() + note[1:] + ("" if note.endswith(".") else ".")


def _item_table(items: Sequence[Item]) -> list[str]:
    rows = [
        "| item | expected | actual | read or written in the reference run by |",
        "| --- | --- | --- | --- |",
    ]
    for item in items:
        expected, actual = _shown(item, item.expected), _shown(item, item.actual)
        rows.append(f"| `{item.path}` | {expected} | {actual} | {'; '.join(item.notes())} |")
    return rows


def _transaction_table(lines: Sequence[TransactionLine]) -> list[str]:
    with_batch = any(line.batch is not None for line in lines)
    head = ["tx", *(["batch"] if with_batch else []), "reference receipt", "role", "transaction"]
    rows = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for line in lines:
        cells = [str(line.index), *([str(line.batch)] if with_batch else []),
                 _receipt(line.receipt), line.role_text(), f"`{describe_tx(line.tx)}`"]  # fmt: skip
        rows.append("| " + " | ".join(cells) + " |")
    return rows
