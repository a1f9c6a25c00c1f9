"""N-way comparison: no reference, every executor compared with every other.

With ``--reference none`` no executor is right by definition. Each executor answers
the case, and the answers are grouped: two executors are in one group when their
answers agree, that is

- two results, when their canonical bytes are equal (under the ``state``
  equivalence, when their post-states and receipt statuses are);
- two failures (an error line, a hang, a crash, a protocol error, an exception),
  when they are of the same kind, whatever their details (an exit status, the
  words of an error line): two executors that both hang agree in hanging, and
  executors that all refuse a case leave nothing to compare.

One group: the executors agree. Two or more: a *split*, reported as "3 agree, 1
differs" with, for each smaller group, the first item in which its answer differs
from the largest group's (a ``Difference`` as in a reference comparison, with the
largest group's answer in the place of the reference's).

Order of the groups: the largest (most executors) first; ties, and the groups
after it, by their families (the sorted, distinct families of the group's
executors, compared as lists of strings). The order depends on nothing but the
partition, so a split always reads the same way.

The fingerprint of a split names the partition, so that shrinking keeps a case
only while it splits the executors the same way, and a campaign saves each split
once::

    fingerprint("split",
                canonical_json([the families of each group, in order]),
                canonical_json([[kind, signature] of the difference between the
                                first group and each later group, in order]))

with ``kind`` and ``signature`` those a reference comparison gives (the first
differing path with its indices and keys starred, or the kind of failure).
Families rather than specs, as in a reference comparison: the backend or schedule
on which an executor shows a bug does not rename the bug, but an executor family
that moves from one group to another does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from txparity.executors.shapes import canonical_json, fingerprint
from txparity.harness.targets import Answer, AnswerKind

if TYPE_CHECKING:
    from txparity.harness.differential import Difference

__all__ = ["SPLIT", "Group", "Member", "Split", "split_answers"]

SPLIT = "split"  # the kind part of a split's fingerprint


@dataclass(frozen=True, slots=True)
class Member:
    """One executor's answer to the case."""

    spec: str
    family: str
    answer: Answer


@dataclass(frozen=True, slots=True)
class Group:
    """Executors whose answers agree, and the answer they share (the first one's)."""

    executors: tuple[str, ...]  # in the order they were given
    families: tuple[str, ...]  # sorted, each once
    answer: Answer

    @property
    def failed(self) -> bool:
        return self.answer.kind is not AnswerKind.RESULT

    def sort_key(self) -> tuple[int, tuple[str, ...]]:
        return -len(self.executors), self.families


@dataclass(frozen=True, slots=True)
class Split:
    """Executors that did not all agree: their groups, the largest first, and how each
    later group differs from it."""

    executors: tuple[str, ...]  # every executor compared, in the order given
    groups: tuple[Group, ...]
    differences: tuple[Difference, ...]  # groups[0] against groups[1], groups[2], ...
    fingerprint: str

    @property
    def summary(self) -> str:
        """``3 agree, 1 differs``; ``no two of the 3 agree`` when every group has one."""
        total, agreeing = len(self.executors), len(self.groups[0].executors)
        if agreeing == 1:
            return f"no two of the {total} agree"
        others = total - agreeing
        return f"{agreeing} agree, {others} differ{'s' if others == 1 else ''}"

    @property
    def detail(self) -> str:
        """The summary, each group's executors and how each smaller group differs."""
        main = self.groups[0]
        parts = [f"{self.summary}: {_listed(main.executors)}"]
        for group, difference in zip(self.groups[1:], self.differences, strict=True):
            parts.append(f"against {_listed(group.executors)}: {difference.detail}")
        return "; ".join(parts)


def _listed(specs: Sequence[str]) -> str:
    return ", ".join(specs)


def split_answers(
    members: Sequence[Member],
    key: Callable[[Answer], str],
    differ: Callable[[Answer, Answer], Difference],
) -> Split | None:
    """The split of ``members`` (None if they all agree). ``key`` names what an answer
    agrees on; ``differ(largest, other)`` says how two groups' answers differ."""
    groups = _groups(members, key)
    if len(groups) < 2:
        return None
    main = groups[0]
    differences = tuple(differ(main.answer, group.answer) for group in groups[1:])
    families = canonical_json([list(group.families) for group in groups])
    signatures = canonical_json([[str(d.kind), d.signature] for d in differences])
    return Split(
        executors=tuple(member.spec for member in members),
        groups=groups,
        differences=differences,
        fingerprint=fingerprint(SPLIT, families, signatures),
    )


def _groups(members: Sequence[Member], key: Callable[[Answer], str]) -> tuple[Group, ...]:
    by_key: dict[str, list[Member]] = {}
    for member in members:
        by_key.setdefault(key(member.answer), []).append(member)
    groups = [
        Group(
            executors=tuple(member.spec for member in together),
            families=tuple(sorted({member.family for member in together})),
            answer=together[0].answer,
        )
        for together in by_key.values()
    ]
    return tuple(sorted(groups, key=Group.sort_key))
