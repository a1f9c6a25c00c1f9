"""Readable divergence reports, as terminal text or as Markdown for CI artifacts.

Reports are built only for divergences (comparing canonical bytes is enough to
find them). ``deepdiff`` lists every differing item of the two results; each item
is shown as expected versus actual, with the transactions of the block that touch
its account or contract.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from deepdiff import DeepDiff

from txparity.executors.model import Case, Transaction, addresses_of
from txparity.executors.shapes import (
    MAP_FIELDS,
    canonical_json,
    encode_transaction,
    key_path,
    map_path,
    readable_json,
)
from txparity.harness.differential import Divergence

__all__ = ["Report", "build_report", "describe_tx"]

_MISSING = "(absent)"


@dataclass(frozen=True, slots=True)
class Item:
    path: str
    expected: object
    actual: object
    touched_by: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Report:
    divergence: Divergence
    items: tuple[Item, ...]

    def text(self) -> str:
        d = self.divergence
        lines = [
            f"DIVERGENCE {d.fingerprint} ({d.kind}) in {d.executor}",
            f"  {d.detail}",
        ]
        if d.first_tx is not None and d.first_tx < len(d.case.block.txs):
            lines.append(
                f"  first differing tx {d.first_tx}: {describe_tx(d.case.block.txs[d.first_tx])}"
            )
        for item in self.items:
            touched = ", ".join(f"tx {i}" for i in item.touched_by) or "no transaction"
            lines.append(f"  {item.path}: expected {_show(item.expected)}, "
                         f"actual {_show(item.actual)}  [touched by {touched}]")  # fmt: skip
        return "\n".join(lines)

    def markdown(self) -> str:
        d = self.divergence
        out = [
            f"### Divergence `{d.fingerprint}` ({d.kind}) in `{d.executor}`",
            "",
            d.detail,
            "",
        ]
        if d.first_tx is not None and d.first_tx < len(d.case.block.txs):
            out += [f"First differing transaction: **{d.first_tx}** "
                    f"`{describe_tx(d.case.block.txs[d.first_tx])}`", ""]  # fmt: skip
        if self.items:
            out += ["| item | expected | actual | touched by |", "| --- | --- | --- | --- |"]
            for item in self.items:
                touched = ", ".join(str(i) for i in item.touched_by)
                out.append(
                    f"| `{item.path}` | {_show(item.expected)} | {_show(item.actual)} | {touched} |"
                )
        return "\n".join(out) + "\n"


def build_report(divergence: Divergence) -> Report:
    if divergence.actual is None or divergence.expected is None:
        return Report(divergence, ())
    expected = json.loads(divergence.expected)
    actual = json.loads(divergence.actual)
    items = tuple(_items(expected, actual, divergence.case))
    return Report(divergence, items)


def _items(expected: dict[str, Any], actual: dict[str, Any], case: Case) -> list[Item]:
    diff = DeepDiff(expected, actual, verbose_level=2)
    found: list[Item] = []
    for change, entries in diff.items():
        for path, value in _entries(change, entries):
            found.append(Item(_path(path), *value, touched_by=_touching(path, case)))
    return sorted(found, key=lambda item: item.path)


def _entries(change: str, entries: Any) -> list[tuple[str, tuple[object, object]]]:
    pairs: list[tuple[str, tuple[object, object]]] = []
    for path, value in dict(entries).items():
        if change in ("values_changed", "type_changes"):
            pairs.append((path, (value["old_value"], value["new_value"])))
        elif change.endswith("_added"):
            pairs.append((path, (_MISSING, value)))
        elif change.endswith("_removed"):
            pairs.append((path, (value, _MISSING)))
    return pairs


def _path(deepdiff_path: str) -> str:
    """``root['state']['accounts']['a']`` -> ``state.accounts["a"]`` (the path grammar
    of ``executors.shapes``: a part is a map key when the field holding it is one of
    ``MAP_FIELDS``, whatever its name)."""
    parts = deepdiff_path.removeprefix("root").strip("[]").split("][")
    out, previous = "", ""
    for part in parts:
        key = part.strip("'")
        if part.isdigit() and previous not in MAP_FIELDS:
            out += f"[{part}]"
        elif previous in MAP_FIELDS:
            out = map_path(out, key)
            key = ""  # a map key never opens another map
        else:
            out = key_path(out, key)
        previous = key
    return out


def _touching(path: str, case: Case) -> tuple[int, ...]:
    if "['receipts']" in path:
        index = path.split("['receipts'][", 1)[1].split("]", 1)[0]
        return (int(index),) if index.isdigit() else ()
    address = _address_in(path)
    if address is None:
        return ()
    return tuple(i for i, tx in enumerate(case.block.txs) if address in addresses_of(tx))


def _address_in(path: str) -> str | None:
    for holder in ("['accounts']['", "['contracts']['"):
        if holder in path:
            return path.split(holder, 1)[1].split("'", 1)[0]
    return None


def describe_tx(tx: Transaction) -> str:
    """One transaction as canonical JSON."""
    return canonical_json(encode_transaction(tx))


def _show(value: object) -> str:
    return _MISSING if value == _MISSING else readable_json(value)
