"""The shrinker: named passes run to a fixed point, keeping only the same bug.

For a case from anywhere (a corpus file, an atheris find, an external executor's
divergence) the shrinker looks for a smaller case with the same fingerprint. Each
*pass* proposes candidates derived from the current case; a candidate is kept when
it is a valid case (SPEC 3), is smaller, and the target still diverges on it with
the same fingerprint. A kept candidate becomes the current case and its pass goes
on from it, at the position it had reached; the passes run round after round until
a whole round keeps nothing (a fixed point) or the time budget runs out. As in
Hypothesis, cheap, big steps come first: deleting chunks of transactions before
single ones, then dropping parts, then lowering numbers.

On a target whose runs depend on the schedule seed, each candidate is tried with
``SHRINK_SEEDS`` consecutive seeds from its own, and the seed that showed the bug is
kept with the candidate.

"Smaller" is the tuple (transactions, length of the canonical JSON, sum of every
integer in it): fewer transactions first, then less text, then smaller numbers.

Passes:

- ``delete_transactions``: chunks of n/2, n/4, ... 1 transactions; each deletion is
  tried with later nonces of the same sender renumbered (so they stay valid), then
  without.
- ``drop_outputs``, ``drop_deposits_and_args``: parts of transactions.
- ``drop_genesis``: accounts, contracts, balances and storage entries.
- ``simplify_code``: code entries, then single instructions, in genesis and deploys.
- ``lower_numbers``: every integer of the case towards 0: 0, 1, then the value less
  a half, a quarter, ... and less one.
- ``simplify_config``: the schedule seed towards 0, fewer threads, devnet.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from txparity.executors.codec import canonical_json, case_from_json, encode_case
from txparity.executors.errors import InvalidCase
from txparity.executors.model import Case
from txparity.harness.differential import Divergence, Runner
from txparity.harness.targets import Target

__all__ = ["PASSES", "ShrinkResult", "shrink", "size"]

Json = Any
# Schedule seeds tried per candidate on a seeded target. Deleting a transaction
# changes every interleaving after it, so a schedule-dependent bug that a smaller
# case still has often shows under a neighbouring seed rather than the same one;
# with one seed such shrinks stall at twice the minimal size.
SHRINK_SEEDS = 8
Pass = Callable[[Json], Iterator[Json]]


@dataclass(frozen=True, slots=True)
class ShrinkResult:
    divergence: Divergence
    candidates_tried: int
    kept: int
    seconds: float
    timed_out: bool


def size(document: Json) -> tuple[int, int, int]:
    text = canonical_json(document)
    return (len(document["block"]["txs"]), len(text), _integer_sum(document))


def _integer_sum(value: Json) -> int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, dict):
        return sum(_integer_sum(v) for v in value.values())
    if isinstance(value, list):
        return sum(_integer_sum(v) for v in value)
    return 0


def shrink(
    divergence: Divergence,
    runner: Runner,
    target: Target,
    seconds: float | None,
    on_keep: Callable[[Divergence], None] | None = None,
) -> ShrinkResult:
    """Shrink ``divergence`` (found on ``target``) for at most ``seconds`` (None: until
    a fixed point)."""
    started = time.monotonic()
    deadline = math.inf if seconds is None else started + seconds
    state = _State(divergence, runner, target, deadline, on_keep)
    progress = True
    while progress and not state.out_of_time():
        progress = False
        for shrink_pass in PASSES:
            progress |= state.run_pass(shrink_pass)
    elapsed = time.monotonic() - started
    return ShrinkResult(state.best, state.tried, state.kept, elapsed, state.out_of_time())


class _State:
    """The shrink in progress: the best divergence so far and what was tried."""

    def __init__(
        self,
        divergence: Divergence,
        runner: Runner,
        target: Target,
        deadline: float,
        on_keep: Callable[[Divergence], None] | None,
    ) -> None:
        self.best = divergence
        self.document: Json = encode_case(divergence.case)
        self.runner = runner
        self.target = target
        self.deadline = deadline
        self.on_keep = on_keep
        self.tried = 0
        self.kept = 0
        self.seen: set[str] = set()

    def out_of_time(self) -> bool:
        return time.monotonic() >= self.deadline

    def run_pass(self, shrink_pass: Pass) -> bool:
        """Run one pass over the current case; True if it kept any candidate.

        After a kept candidate the pass starts again from the new case, but resumes
        at the position it had reached: a pass's candidates go position by position
        (transaction by transaction, number by number), so the positions before the
        one that just shrank were tried already and are left for the next round.
        """
        kept_any = False
        position = 0
        resume = True
        while resume and not self.out_of_time():
            resume = False
            for index, candidate in enumerate(shrink_pass(self.document)):
                if index < position:
                    continue
                if self.out_of_time():
                    break
                if self.try_candidate(candidate):
                    kept_any = resume = True
                    position = index
                    break
        return kept_any

    def try_candidate(self, candidate: Json) -> bool:
        if size(candidate) >= size(self.document):
            return False
        text = canonical_json(candidate)
        if text in self.seen:
            return False
        self.seen.add(text)
        case = _valid_case(candidate)
        if case is None:
            return False
        self.tried += 1
        seeds = max(self.runner.options.seeds, SHRINK_SEEDS) if self.target.seeded else 1
        found = self.runner.check(case, only=self.target, confirm=False, seeds=seeds).divergences
        same = [d for d in found if d.fingerprint == self.best.fingerprint]
        if not same:
            return False
        self.best = same[0]
        self.document = encode_case(same[0].case)
        self.kept += 1
        if self.on_keep is not None:
            self.on_keep(self.best)
        return True


def _valid_case(document: Json) -> Case | None:
    try:
        return case_from_json(json.loads(canonical_json(document)))
    except InvalidCase:
        return None


def _copy(document: Json) -> Json:
    return json.loads(json.dumps(document))


# ---------------------------------------------------------------- passes


def delete_transactions(document: Json) -> Iterator[Json]:
    txs = document["block"]["txs"]
    chunk = len(txs)
    while chunk >= 1:
        for start in range(0, len(txs), chunk):
            for renumber in (True, False):
                yield _without_txs(document, start, start + chunk, renumber)
        chunk //= 2


def _without_txs(document: Json, start: int, stop: int, renumber: bool) -> Json:
    result = _copy(document)
    txs = result["block"]["txs"]
    removed, kept_after = txs[start:stop], txs[stop:]
    if renumber:
        for gone in removed:
            for later in kept_after:
                if later["source"] == gone["source"] and later["nonce"] > gone["nonce"]:
                    later["nonce"] -= 1
    result["block"]["txs"] = txs[:start] + kept_after
    return result


def drop_outputs(document: Json) -> Iterator[Json]:
    for index, tx in enumerate(document["block"]["txs"]):
        outputs = tx.get("outputs", [])
        for position in range(len(outputs) if len(outputs) > 1 else 0):
            result = _copy(document)
            del result["block"]["txs"][index]["outputs"][position]
            yield result


def drop_deposits_and_args(document: Json) -> Iterator[Json]:
    for index, tx in enumerate(document["block"]["txs"]):
        for asset in tx.get("deposits", {}):
            result = _copy(document)
            del result["block"]["txs"][index]["deposits"][asset]
            yield result
        for position in range(len(tx.get("args", []))):
            result = _copy(document)
            del result["block"]["txs"][index]["args"][position]
            yield result


def drop_genesis(document: Json) -> Iterator[Json]:
    genesis = document["genesis"]
    for holder in ("accounts", "contracts"):
        for address in genesis[holder]:
            result = _copy(document)
            del result["genesis"][holder][address]
            yield result
    for holder in ("accounts", "contracts"):
        for address, body in genesis[holder].items():
            for part in ("balances", "storage"):
                for key in body.get(part, {}):
                    result = _copy(document)
                    del result["genesis"][holder][address][part][key]
                    yield result


def simplify_code(document: Json) -> Iterator[Json]:
    for code_path in _code_paths(document):
        code = _get(document, code_path)
        for entry in code:
            result = _copy(document)
            del _get(result, code_path)[entry]
            yield result
        for entry, program in code.items():
            for position in reversed(range(len(program))):
                result = _copy(document)
                del _get(result, code_path)[entry][position]
                yield result


def _code_paths(document: Json) -> list[tuple[object, ...]]:
    paths: list[tuple[object, ...]] = [
        ("genesis", "contracts", address, "code") for address in document["genesis"]["contracts"]
    ]
    for index, tx in enumerate(document["block"]["txs"]):
        if tx["kind"] == "deploy" and all(isinstance(p, list) for p in tx["code"].values()):
            paths.append(("block", "txs", index, "code"))
    return paths


def _get(document: Json, path: tuple[object, ...]) -> Json:
    for key in path:
        document = document[key]
    return document


def lower_numbers(document: Json) -> Iterator[Json]:
    for path, value in list(_integers(document, ())):
        for smaller in _smaller_values(value):
            result = _copy(document)
            container = _get(result, path[:-1])
            container[path[-1]] = smaller
            yield result


def _integers(value: Json, path: tuple[object, ...]) -> Iterator[tuple[tuple[object, ...], int]]:
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


def simplify_config(document: Json) -> Iterator[Json]:
    config = document.get("config", {})
    seed = config.get("schedule_seed", 0)
    for smaller in _smaller_values(seed):
        yield _with_config(document, schedule_seed=smaller)
    threads = config.get("threads", 4)
    for fewer in range(1, threads):
        yield _with_config(document, threads=fewer)
    if config.get("network", "devnet") != "devnet":
        yield _with_config(document, network="devnet")


def _with_config(document: Json, **changes: object) -> Json:
    result = _copy(document)
    result["config"] = {**result.get("config", {}), **changes}
    return result


PASSES: tuple[Pass, ...] = (
    delete_transactions,
    drop_outputs,
    drop_deposits_and_args,
    drop_genesis,
    simplify_code,
    lower_numbers,
    simplify_config,
)
