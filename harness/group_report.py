"""How a finding reads: a split by its groups, a reference's finding as the reference's.

``report.build_report`` shows a target's divergence from the reference item by
item. Two kinds of finding read differently, and are rendered here:

- a *split* (``--reference none``, ``harness.groups``): the groups, the largest
  first, each with its executors and, for each later one, how it differs from the
  largest; then the items in which the second group's result differs from the
  first's (the largest group's values stand where a reference's would);
- a ``reference`` divergence: the reference's failure (no result) or its
  disagreement with itself, saying that no executor under test is blamed; a
  disagreement lists the items in which two of its runs differ.

Any other divergence reads as ``report`` writes it. ``finding_text`` and
``finding_markdown`` choose.
"""

from __future__ import annotations

from txparity.executors.shapes import readable_json
from txparity.harness.differential import Divergence
from txparity.harness.groups import Group, Split
from txparity.harness.report import Item, build_report

__all__ = ["finding_markdown", "finding_text"]

_MISSING = "(absent)"
_NOT_BLAMED = "no executor under test is blamed"


def finding_text(divergence: Divergence) -> str:
    """The terminal report of any divergence."""
    if divergence.split is not None:
        return _split_text(divergence, divergence.split)
    if divergence.of_reference:
        return _reference_text(divergence)
    return build_report(divergence).text()


def finding_markdown(divergence: Divergence) -> str:
    """The Markdown report of any divergence."""
    if divergence.split is not None:
        return _split_markdown(divergence, divergence.split)
    if divergence.of_reference:
        return _reference_markdown(divergence)
    return build_report(divergence).markdown()


# ---------------------------------------------------------------- a split


def _heading(divergence: Divergence, split: Split) -> str:
    return (
        f"({divergence.kind}) among {len(split.executors)} executors, no reference: {split.summary}"
    )


def _group_lines(split: Split) -> list[str]:
    """One line per group: its number, size and executors, and how it differs."""
    main = split.groups[0]
    lines = [f"group 1, {_size(len(main.executors), 'agrees', 'agree')}: {_specs(main)}"]
    for number, (group, difference) in enumerate(
        zip(split.groups[1:], split.differences, strict=True), start=2
    ):
        size = _size(len(group.executors), "differs", "differ")
        lines.append(f"group {number}, {size}: {_specs(group)}: {difference.detail}")
    return lines


def _size(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _specs(group: Group) -> str:
    return ", ".join(group.executors)


def _split_text(divergence: Divergence, split: Split) -> str:
    lines = [f"DIVERGENCE {divergence.fingerprint} {_heading(divergence, split)}"]
    lines += [f"  {line}" for line in _group_lines(split)]
    if divergence.expected is not None and divergence.actual is not None:
        lines.append("  (in each group's line, expected is group 1's answer, actual the group's)")
    for item in build_report(divergence).items:
        lines.append(
            f"  {item.path}: group 1 has {_show(item.expected)}, group 2 has "
            f"{_show(item.actual)}  [{_notes(item)}]"
        )
    return "\n".join(lines)


def _split_markdown(divergence: Divergence, split: Split) -> str:
    out = [f"### Divergence `{divergence.fingerprint}` {_heading(divergence, split)}", ""]
    out += [f"- {line}" for line in _group_lines(split)]
    out.append("")
    items = build_report(divergence).items
    if items:
        out += ["| item | group 1 | group 2 | the reference run |", "| --- | --- | --- | --- |"]
        out += [_row(item) for item in items]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- the reference's


def _reference_text(divergence: Divergence) -> str:
    lines = [
        f"REFERENCE {divergence.fingerprint} in {divergence.executor} ({_NOT_BLAMED})",
        f"  {divergence.detail}",
    ]
    for item in build_report(divergence).items:
        lines.append(f"  {item.path}: one run {_show(item.expected)}, another {_show(item.actual)}")
    return "\n".join(lines)


def _reference_markdown(divergence: Divergence) -> str:
    out = [
        f"### Reference `{divergence.fingerprint}` in `{divergence.executor}`",
        "",
        f"{divergence.detail} ({_NOT_BLAMED})",
        "",
    ]
    items = build_report(divergence).items
    if items:
        out += ["| item | one run | another | the reference run |", "| --- | --- | --- | --- |"]
        out += [_row(item) for item in items]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- pieces


def _row(item: Item) -> str:
    return f"| `{item.path}` | {_show(item.expected)} | {_show(item.actual)} | {_notes(item)} |"


def _notes(item: Item) -> str:
    """What each step of the reference run did with the item (``report.Item.notes``)."""
    return "; ".join(item.notes())


def _show(value: object) -> str:
    return _MISSING if value == _MISSING else readable_json(value)
