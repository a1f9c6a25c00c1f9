"""The shrinker: named passes run to a fixed point, keeping only the same bug.

For a case from anywhere (a corpus file, an atheris find, an external executor's
divergence) the shrinker looks for a smaller case with the same fingerprint. Each
*pass* (a ``ShrinkPass`` record) proposes candidates derived from the current case;
a candidate is kept when it is smaller, is a valid case (SPEC 3), and the target
still diverges on it with the same fingerprint. A kept candidate becomes the
current case and its pass goes on from it, at the position it had reached; the
passes run round after round until a whole round keeps nothing (a fixed point), or
the budget runs out (``ShrinkStop``).

The budget is counted: at most ``candidates`` candidates are tried on the target,
so that the same divergence shrinks to the same case however busy the machine is,
and a campaign's saved files depend only on its seed. Time is only an outer cap
(``seconds``), for a target so slow that the count would take too long; when it
is what stopped the shrink, the result says so.

As in Hypothesis, cheap, big steps come first: deleting chunks of transactions
before single ones, then dropping parts, then lowering numbers.

A candidate is an edit, not a document (``harness.candidates``): the items it
removes and the values it puts. Its size is worked out from the edit and the
pieces it touches, and the document is built (copying only the containers on the
edited paths, sharing the rest) only once it is known to be smaller. A candidate
goes

    proposed --> not smaller                      (skipped, never built)
             \\-> built --> already tried          (skipped)
                        \\-> not a valid case      (skipped)
                        \\-> tried --> kept | not kept

and each pass counts how many of its candidates went each way (``PassStats``,
printed by ``txparity shrink --stats``).

Order. The first round runs the passes in the order below; each later round runs
first the passes that took the most off the case in the round before (fewer
transactions first, then less text, then smaller numbers), ties in that order.

On a target whose runs depend on the schedule seed, each candidate is tried with
``SHRINK_SEEDS`` consecutive seeds from its own, and the seed that showed the bug is
kept with the candidate.

"Smaller" is the tuple (transactions, length of the canonical JSON, sum of every
integer in it): fewer transactions first, then less text, then smaller numbers.

Passes:

- ``delete_transactions``: chunks of n/2, n/4, ... 1 transactions; each deletion is
  tried with later nonces of the same sender renumbered (so they stay valid), then
  without.
- ``delete_transactions_with_their_gas``: in a block with a gas limit, each invoke
  deleted (renumbered, then not) with the limit lowered by its ``max_gas``. The
  limit couples every transaction that uses gas: deleting one alone moves the cut,
  and lowering the limit alone moves it the other way, so a case that needs its
  cut where it is (a ``block_full`` difference) shrinks only by both at once.
  ``lower_numbers`` brings an invoke's ``max_gas`` down to the gas it uses, where
  the two edits cancel exactly.
- ``drop_outputs``, ``drop_deposits_and_args``: parts of transactions.
- ``drop_genesis``: accounts, contracts, balances and storage entries.
- ``simplify_code``: code entries, then single instructions, in genesis and deploys.
- ``lower_numbers``: every integer of the case towards 0: 0, 1, then the value less
  a half, a quarter, ... and less one.
- ``lower_spends_with_balances``: a transaction's TOS fee or amount and its
  sender's genesis TOS balance lowered by the same amount, big steps first. A
  case that needs a sender to spend exactly what it has (or, under ``each_tx``, a
  miner to spend its balance and the fees paid to it) lets neither go down alone
  but by one, so ``lower_numbers`` would take a step per unit.
- ``simplify_config``: the schedule seed towards 0, fewer threads (1, then as
  ``lower_numbers`` lowers a number), the default network (the defaults are
  ``executors.model.Config``'s).

Version 2 (SPEC 10.2) adds fields that mean something only where present, each
dropped by a pass of its own so that its statistics say which one mattered:

- ``drop_gas_limit``: the block without its gas limit (no limit).
- ``default_fee_payment``: fees paid at the block's end, the default.
- ``drop_salts``: each deploy without its salt (deployed at ``<source>.<nonce>``).
- ``to_version_1``: the same case as version 1, when it uses nothing of version 2
  (no new field but at its default, no new op; otherwise the decoder refuses it
  and it is skipped). It is kept, like any candidate, only with the same
  fingerprint: a divergence that needs version 2 stays version 2.

A contract's ``nonce`` is an integer of the case like any other: ``lower_numbers``
takes it towards 0. Receipt logs are results, not inputs: nothing to shrink there.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from txparity.executors.codec import canonical_json, case_from_json, encode_case
from txparity.executors.errors import InvalidCase
from txparity.executors.model import NATIVE_ASSET, Case, Config, FeePayment, Version
from txparity.executors.shapes import CASE_FORMATS
from txparity.harness.candidates import (
    TXS,
    Candidate,
    Edit,
    Json,
    JsonPath,
    Put,
    Remove,
    Size,
    item_at,
    size,
)
from txparity.harness.differential import Divergence, Runner
from txparity.harness.targets import Target

__all__ = ["PASSES", "PassStats", "ShrinkPass", "ShrinkResult", "ShrinkStop", "shrink"]

# Schedule seeds tried per candidate on a seeded target. Deleting a transaction
# changes every interleaving after it, so a schedule-dependent bug that a smaller
# case still has often shows under a neighbouring seed rather than the same one;
# with one seed such shrinks stall at twice the minimal size.
SHRINK_SEEDS = 8


class ShrinkStop(StrEnum):
    """Why a shrink ended."""

    FIXED_POINT = "fixed_point"  # a whole round kept nothing: as small as the passes go
    CANDIDATES = "candidates"  # the candidate budget was spent
    TIME = "time"  # the time cap came first


# ---------------------------------------------------------------- passes as records


@dataclass(frozen=True, slots=True)
class ShrinkPass:
    """A named way to make a case smaller: ``propose`` yields the candidates for the
    current case, in the order they are tried."""

    propose: Callable[[Json], Iterator[Candidate]]

    @property
    def name(self) -> str:
        return self.propose.__name__


@dataclass(frozen=True, slots=True)
class PassStats:
    """What one pass did over a shrink: candidates proposed (looked at), skipped
    before the target ran (not smaller, already tried, not a valid case), tried on
    the target, and kept; with the time it took."""

    name: str
    proposed: int = 0
    not_smaller: int = 0
    duplicate: int = 0
    invalid: int = 0
    tried: int = 0
    kept: int = 0
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class ShrinkResult:
    divergence: Divergence
    candidates_tried: int
    kept: int
    seconds: float
    stopped: ShrinkStop
    passes: tuple[PassStats, ...] = ()  # in the documented order
    orders: tuple[tuple[str, ...], ...] = ()  # each round's order of passes

    @property
    def rounds(self) -> int:
        return len(self.orders)

    @property
    def timed_out(self) -> bool:
        return self.stopped is ShrinkStop.TIME


@dataclass(slots=True)
class _PassRun:
    """A pass's counts while the shrink runs, and what it took off in the last round."""

    shrink_pass: ShrinkPass
    position: int  # in the documented order
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    gained: Size = (0, 0, 0)

    def count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1

    def stats(self) -> PassStats:
        return PassStats(self.shrink_pass.name, **self.counts, seconds=self.seconds)


# ---------------------------------------------------------------- the shrink


def shrink(
    divergence: Divergence,
    runner: Runner,
    target: Target,
    seconds: float | None,
    on_keep: Callable[[Divergence], None] | None = None,
    passes: Sequence[ShrinkPass] | None = None,
    candidates: int | None = None,
) -> ShrinkResult:
    """Shrink ``divergence`` (found on ``target``) until a fixed point, or until
    ``candidates`` candidates were tried, or ``seconds`` passed (None: no such limit),
    with ``passes`` (by default ``PASSES``) in that order first."""
    started = time.monotonic()
    deadline = math.inf if seconds is None else started + seconds
    budget = math.inf if candidates is None else candidates
    state = _State(divergence, runner, target, _Budget(deadline, budget), on_keep)
    chosen = PASSES if passes is None else passes
    runs = [_PassRun(shrink_pass, position) for position, shrink_pass in enumerate(chosen)]
    orders: list[tuple[str, ...]] = []
    progress = True
    while progress and state.stop() is None:
        orders.append(tuple(run.shrink_pass.name for run in runs))
        progress = False
        for run in runs:
            progress |= state.run_pass(run)
        runs.sort(key=_most_successful_first)
    elapsed = time.monotonic() - started
    stats = tuple(run.stats() for run in sorted(runs, key=lambda run: run.position))
    stopped = state.stopped or ShrinkStop.FIXED_POINT
    return ShrinkResult(state.best, state.tried, state.kept, elapsed, stopped, stats, tuple(orders))


@dataclass(frozen=True, slots=True)
class _Budget:
    deadline: float  # time.monotonic(); math.inf for none
    candidates: float  # tried on the target; math.inf for no limit


def _most_successful_first(run: _PassRun) -> tuple[int, int, int, int]:
    transactions, characters, integers = run.gained
    return -transactions, -characters, -integers, run.position


class _State:
    """The shrink in progress: the best divergence so far and what was tried."""

    def __init__(
        self,
        divergence: Divergence,
        runner: Runner,
        target: Target,
        budget: _Budget,
        on_keep: Callable[[Divergence], None] | None,
    ) -> None:
        self.best = divergence
        self.document: Json = encode_case(divergence.case)
        self.size = size(self.document)
        self.runner = runner
        self.target = target
        self.budget = budget
        self.on_keep = on_keep
        self.tried = 0
        self.kept = 0
        self.seen: set[str] = set()
        self.stopped: ShrinkStop | None = None

    def stop(self) -> ShrinkStop | None:
        """Why the shrink must stop now, if it must: the count is checked first, so
        that a shrink the count ends is recorded the same on any machine."""
        if self.stopped is None:
            if self.tried >= self.budget.candidates:
                self.stopped = ShrinkStop.CANDIDATES
            elif time.monotonic() >= self.budget.deadline:
                self.stopped = ShrinkStop.TIME
        return self.stopped

    def run_pass(self, run: _PassRun) -> bool:
        """Run one pass over the current case; True if it kept any candidate.

        After a kept candidate the pass starts again from the new case, but resumes
        at the position it had reached: a pass's candidates go position by position
        (transaction by transaction, number by number), so the positions before the
        one that just shrank were tried already and are left for the next round.
        """
        started, before = time.monotonic(), self.size
        kept_any, position, resume = False, 0, True
        while resume and self.stop() is None:
            resume = False
            for index, candidate in enumerate(run.shrink_pass.propose(self.document)):
                if index < position:
                    continue
                if self.stop() is not None:
                    break
                if self.try_candidate(candidate, run):
                    kept_any = resume = True
                    position = index
                    break
        run.gained = (before[0] - self.size[0], before[1] - self.size[1], before[2] - self.size[2])
        run.seconds += time.monotonic() - started
        return kept_any

    def try_candidate(self, candidate: Candidate, run: _PassRun) -> bool:
        run.count("proposed")
        if candidate.size(self.size) >= self.size:
            run.count("not_smaller")
            return False
        document = candidate.build()
        text = canonical_json(document)
        if text in self.seen:
            run.count("duplicate")
            return False
        self.seen.add(text)
        case = _valid_case(text)
        if case is None:
            run.count("invalid")
            return False
        run.count("tried")
        self.tried += 1
        return self._still_diverges(case, run)

    def _still_diverges(self, case: Case, run: _PassRun) -> bool:
        seeds = max(self.runner.options.seeds, SHRINK_SEEDS) if self.target.seeded else 1
        found = self.runner.check(case, only=self.target, confirm=False, seeds=seeds).divergences
        same = [d for d in found if d.fingerprint == self.best.fingerprint]
        if not same:
            return False
        self.best = same[0]
        self.document = encode_case(same[0].case)
        self.size = size(self.document)
        self.kept += 1
        run.count("kept")
        if self.on_keep is not None:
            self.on_keep(self.best)
        return True


def _valid_case(text: str) -> Case | None:
    try:
        return case_from_json(json.loads(text))
    except InvalidCase:
        return None


# ---------------------------------------------------------------- the passes


def delete_transactions(document: Json) -> Iterator[Candidate]:
    txs = document["block"]["txs"]
    chunk = len(txs)
    while chunk >= 1:
        for start in range(0, len(txs), chunk):
            for renumber in (True, False):
                yield Candidate(document, _without_txs(txs, start, start + chunk, renumber))
        chunk //= 2


def _without_txs(txs: list[Json], start: int, stop: int, renumber: bool) -> tuple[Edit, ...]:
    """Remove ``txs[start:stop]``; with ``renumber``, each later transaction of a
    removed one's sender whose nonce is past it comes down by one."""
    removed = txs[start:stop]
    edits: list[Edit] = []
    for index in range(stop, len(txs)) if renumber else ():
        later, nonce = txs[index], txs[index]["nonce"]
        for gone in removed:
            if later["source"] == gone["source"] and nonce > gone["nonce"]:
                nonce -= 1
        if nonce != later["nonce"]:
            edits.append(Put((*TXS, index, "nonce"), nonce))
    return (*edits, *(Remove((*TXS, index)) for index in range(start, min(stop, len(txs)))))


def delete_transactions_with_their_gas(document: Json) -> Iterator[Candidate]:
    limit = document["block"].get("gas_limit")
    if limit is None:
        return
    txs = document["block"]["txs"]
    for index, tx in enumerate(txs):
        gas = tx.get("max_gas", 0) if tx["kind"] == "invoke" else 0
        if not isinstance(gas, int) or gas <= 0:
            continue
        lowered = Put(("block", "gas_limit"), max(limit - gas, 0))
        for renumber in (True, False):
            yield Candidate(document, (*_without_txs(txs, index, index + 1, renumber), lowered))


def drop_outputs(document: Json) -> Iterator[Candidate]:
    for index, tx in enumerate(document["block"]["txs"]):
        outputs = tx.get("outputs", [])
        for position in range(len(outputs) if len(outputs) > 1 else 0):
            yield Candidate(document, (Remove((*TXS, index, "outputs", position)),))


def drop_deposits_and_args(document: Json) -> Iterator[Candidate]:
    for index, tx in enumerate(document["block"]["txs"]):
        for asset in tx.get("deposits", {}):
            yield Candidate(document, (Remove((*TXS, index, "deposits", asset)),))
        for position in range(len(tx.get("args", []))):
            yield Candidate(document, (Remove((*TXS, index, "args", position)),))


def drop_genesis(document: Json) -> Iterator[Candidate]:
    genesis = document["genesis"]
    for holder in ("accounts", "contracts"):
        for address in genesis[holder]:
            yield Candidate(document, (Remove(("genesis", holder, address)),))
    for holder in ("accounts", "contracts"):
        for address, body in genesis[holder].items():
            for part in ("balances", "storage"):
                for key in body.get(part, {}):
                    path = ("genesis", holder, address, part, key)
                    yield Candidate(document, (Remove(path),))


def simplify_code(document: Json) -> Iterator[Candidate]:
    for code_path in _code_paths(document):
        code = item_at(document, code_path)
        for entry in code:
            yield Candidate(document, (Remove((*code_path, entry)),))
        for entry, program in code.items():
            for position in reversed(range(len(program))):
                yield Candidate(document, (Remove((*code_path, entry, position)),))


def _code_paths(document: Json) -> list[JsonPath]:
    paths: list[JsonPath] = [
        ("genesis", "contracts", address, "code") for address in document["genesis"]["contracts"]
    ]
    for index, tx in enumerate(document["block"]["txs"]):
        if tx["kind"] == "deploy" and all(isinstance(p, list) for p in tx["code"].values()):
            paths.append((*TXS, index, "code"))
    return paths


def lower_numbers(document: Json) -> Iterator[Candidate]:
    for path, value in list(_integers(document, ())):
        for smaller in _smaller_values(value):
            yield Candidate(document, (Put(path, smaller),))


def _integers(value: Json, path: JsonPath) -> Iterator[tuple[JsonPath, int]]:
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            if not path and key == "config":
                continue  # the config has its own pass
            yield from _integers(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _integers(item, (*path, index))


def _smaller_values(value: int) -> list[int]:
    """0, 1, then ``value`` less a half, a quarter, ... one: big jumps first.

    Each kept candidate at least halves the distance still to go towards the
    smallest value that keeps the bug, so a number shrinks in about log2(value)**2
    checks, not ``value``.
    """
    if value <= 0:
        return []
    steps = [value - (value >> shift) for shift in range(1, value.bit_length() + 1)]
    candidates = [0, 1, *steps, value - 1]
    return sorted(set(candidates) - {value}, key=candidates.index)


def lower_spends_with_balances(document: Json) -> Iterator[Candidate]:
    accounts = document["genesis"]["accounts"]
    for index, tx in enumerate(document["block"]["txs"]):
        account = accounts.get(tx["source"])
        balance = account.get("balances", {}).get(NATIVE_ASSET, 0) if account else 0
        if not isinstance(balance, int) or balance <= 0:
            continue
        held = ("genesis", "accounts", tx["source"], "balances", NATIVE_ASSET)
        for path, spent in _tos_spends(tx, (*TXS, index)):
            for lower in _smaller_values(spent):
                if spent - lower <= balance:
                    both = (Put(path, lower), Put(held, balance - spent + lower))
                    yield Candidate(document, both)


def _tos_spends(tx: Json, path: JsonPath) -> Iterator[tuple[JsonPath, int]]:
    """The integers of ``tx`` that spend its sender's TOS: its fee, its TOS amounts."""
    if isinstance(tx.get("fee"), int):
        yield (*path, "fee"), tx["fee"]
    for position, output in enumerate(tx.get("outputs", [])):
        if output.get("asset") == NATIVE_ASSET and isinstance(output.get("amount"), int):
            yield (*path, "outputs", position, "amount"), output["amount"]
    if tx.get("asset") == NATIVE_ASSET and isinstance(tx.get("amount"), int):
        yield (*path, "amount"), tx["amount"]


_DEFAULT_CONFIG = Config()


def simplify_config(document: Json) -> Iterator[Candidate]:
    """The schedule seed lower, fewer threads, the default network; a key the case
    leaves out has the default (SPEC 3), so there is nothing to simplify in it."""
    config = document.get("config", {})
    seed = config.get("schedule_seed", _DEFAULT_CONFIG.schedule_seed)
    for smaller in _smaller_values(seed):
        yield _with_config(document, "schedule_seed", smaller)
    threads = config.get("threads", _DEFAULT_CONFIG.threads)
    for fewer in _smaller_values(threads):  # big jumps first: a case may ask for 2**63
        if fewer >= 1:
            yield _with_config(document, "threads", fewer)
    network = _DEFAULT_CONFIG.network.value
    if config.get("network", network) != network:
        yield _with_config(document, "network", network)


def _with_config(document: Json, key: str, value: object) -> Candidate:
    if "config" in document:
        return Candidate(document, (Put(("config", key), value),))
    return Candidate(document, (Put(("config",), {key: value}),))


# ---------------------------------------------------------------- version 2 fields

_V1_FORMAT, _V2_FORMAT = CASE_FORMATS[Version.V1], CASE_FORMATS[Version.V2]
_DEFAULT_FEE_PAYMENT = FeePayment.BLOCK_END.value


def drop_gas_limit(document: Json) -> Iterator[Candidate]:
    """The block without a gas limit: every transaction is then validated as usual."""
    if "gas_limit" in document["block"]:
        yield Candidate(document, (Remove(("block", "gas_limit")),))


def default_fee_payment(document: Json) -> Iterator[Candidate]:
    """Fees paid at the block's end (absent means that, SPEC 10.2)."""
    if document["block"].get("fee_payment", _DEFAULT_FEE_PAYMENT) != _DEFAULT_FEE_PAYMENT:
        yield Candidate(document, (Remove(("block", "fee_payment")),))


def drop_salts(document: Json) -> Iterator[Candidate]:
    """Each salted deploy unsalted, first to last."""
    for index, tx in enumerate(document["block"]["txs"]):
        if "salt" in tx:
            yield Candidate(document, (Remove((*TXS, index, "salt")),))


def to_version_1(document: Json) -> Iterator[Candidate]:
    """The case as version 1, its version 2 fields left out, when each holds its
    default (a field with another value means version 2 is used: no candidate). Code
    with a version 2 op makes the candidate invalid, and it is skipped."""
    if document["format"] != _V2_FORMAT or _uses_version_2_fields(document):
        return
    edits: list[Edit] = [Put(("format",), _V1_FORMAT)]
    if "fee_payment" in document["block"]:
        edits.append(Remove(("block", "fee_payment")))
    for address, body in document["genesis"]["contracts"].items():
        if "nonce" in body:
            edits.append(Remove(("genesis", "contracts", address, "nonce")))
    yield Candidate(document, tuple(edits))


def _uses_version_2_fields(document: Json) -> bool:
    block = document["block"]
    if "gas_limit" in block or block.get("fee_payment", _DEFAULT_FEE_PAYMENT) != (
        _DEFAULT_FEE_PAYMENT
    ):
        return True
    if any(body.get("nonce", 0) for body in document["genesis"]["contracts"].values()):
        return True
    return any("salt" in tx for tx in block["txs"])


PASSES: tuple[ShrinkPass, ...] = (
    ShrinkPass(delete_transactions),
    ShrinkPass(delete_transactions_with_their_gas),
    ShrinkPass(drop_outputs),
    ShrinkPass(drop_deposits_and_args),
    ShrinkPass(drop_genesis),
    ShrinkPass(simplify_code),
    ShrinkPass(drop_gas_limit),
    ShrinkPass(default_fee_payment),
    ShrinkPass(drop_salts),
    ShrinkPass(to_version_1),
    ShrinkPass(lower_numbers),
    ShrinkPass(lower_spends_with_balances),
    ShrinkPass(simplify_config),
)
