"""What a campaign did: its counts, each fingerprint it found, and its corpus replay.

``Summary`` is filled in by the campaign's parent process alone; ``to_json`` is the
``--json`` line and ``console.summary_table`` the text. Each fingerprint the
campaign saw has one ``Find``: what diverged and where, and what became of it
(saved as found and shrunk, already in the corpus, or still diverging in a corpus
file at the replay that opens the campaign).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from txparity.harness.differential import Tally

if TYPE_CHECKING:
    from txparity.harness.metrics import Metrics

__all__ = ["Find", "FindStatus", "Progress", "Summary"]


class FindStatus(StrEnum):
    SAVED = "saved"  # saved by this campaign, shrunk as far as its budget allowed
    IN_CORPUS = "in corpus"  # already saved, by an earlier run or another campaign
    REPLAYED = "replayed"  # a corpus file that still diverges


@dataclass(frozen=True, slots=True)
class Find:
    """One fingerprint a campaign found, and what became of it."""

    fingerprint: str
    kind: str
    executor: str
    first_item: str  # the first differing item, '' for a kind without one
    detail: str
    status: FindStatus
    where: str  # the saved or replayed file, or the fingerprint's corpus directory
    replay: str  # the command that replays it
    txs_found: int
    txs_saved: int | None = None  # after shrinking
    shrink_stopped: str | None = None  # why shrinking ended
    note: str = ""  # how a real-thread find was re-checked

    def to_json(self) -> dict[str, object]:
        return {
            "fingerprint": self.fingerprint,
            "kind": self.kind,
            "executor": self.executor,
            "first_item": self.first_item,
            "status": self.status.value,
            "path": self.where,
            "replay": self.replay,
            "txs_found": self.txs_found,
            "txs_saved": self.txs_saved,
            "shrink_stopped": self.shrink_stopped,
            "note": self.note,
        }


@dataclass(slots=True)
class Summary:
    """What a campaign did; ``to_json`` is the ``--json`` line."""

    cases: int = 0
    seconds: float = 0.0
    divergences: int = 0  # of the executors under test
    reference_failures: int = 0  # cases on which the reference failed or disagreed with itself
    fingerprints: set[str] = field(default_factory=set)
    finds: dict[str, Find] = field(default_factory=dict)  # by fingerprint
    saved: list[str] = field(default_factory=list)
    shrunk_txs: list[int] = field(default_factory=list)
    first_divergence_s: float | None = None
    replayed: int = 0  # corpus files run: still diverging, agreeing, or never reproduced
    replay_divergences: int = 0
    replay_diverging: list[str] = field(default_factory=list)  # their paths
    needs_executor: list[str] = field(default_factory=list)  # corpus files not run, and why
    never_reproduced: list[str] = field(default_factory=list)  # replayed, agreeing as ever
    harness_bugs: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # unreadable corpus files
    replay_cut: int = 0  # corpus files left when the time limit ended the replay
    executor_seconds: float = 0.0
    executors: dict[str, Tally] = field(default_factory=dict)
    interrupted: bool = False
    input_error: str | None = None  # what stopped the campaign: bad input, in a worker
    seed: int | None = None  # the campaign's
    metrics: Metrics | None = None  # every run's statistics, kept for --metrics

    @property
    def found_anything(self) -> bool:
        return bool(self.divergences or self.reference_failures or self.harness_bugs)

    @property
    def replay_agreeing(self) -> int:
        return self.replayed - self.replay_divergences - len(self.never_reproduced)

    def add_find(self, find: Find) -> None:
        """Keep the first word on each fingerprint, unless a later one saved it."""
        known = self.finds.get(find.fingerprint)
        if known is None or (find.status is FindStatus.SAVED and known.status is not find.status):
            self.finds[find.fingerprint] = find

    def to_json(self) -> dict[str, object]:
        return {
            "cases": self.cases,
            "seconds": round(self.seconds, 3),
            "divergences": self.divergences,
            "reference_failures": self.reference_failures,
            "fingerprints": len(self.fingerprints),
            "fingerprint_ids": sorted(self.fingerprints),
            "finds": [self.finds[name].to_json() for name in sorted(self.finds)],
            "saved": sorted(self.saved),
            "shrunk_txs": self.shrunk_txs,
            "first_divergence_s": None
            if self.first_divergence_s is None
            else round(self.first_divergence_s, 3),
            "replayed": self.replayed,
            "replay": {
                "diverging": self.replay_diverging,
                "agreeing": self.replay_agreeing,
                "never_reproduced": self.never_reproduced,
                "needs_executor": self.needs_executor,
                "unreadable": self.skipped,
                "not_reached": self.replay_cut,
            },
            "harness_bugs": self.harness_bugs,
            "input_error": self.input_error,
            "interrupted": self.interrupted,
        }


@dataclass(frozen=True, slots=True)
class Progress:
    summary: Summary
    elapsed: float
    remaining: float | None
    doing: tuple[str, ...] = ()  # what workers are busy with beyond cases (shrinking)
