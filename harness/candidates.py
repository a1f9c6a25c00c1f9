"""Shrink candidates: edits of a case document, sized before they are built.

A candidate is not a document but an edit of one: the items it removes and the
values it puts, by path (``Remove``, ``Put``). Its size, the shrinker's measure of
"smaller" (transactions, then the length of the canonical JSON, then the sum of
every integer), is worked out from the size of the document it edits and the
pieces the edit touches, without building anything; the document itself is built
only on demand, copying the containers on the edited paths and sharing the rest.
Documents are never changed once made, which is what makes the sharing safe.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from txparity.executors.codec import canonical_json

__all__ = [
    "TXS",
    "Candidate",
    "Edit",
    "Json",
    "JsonPath",
    "Put",
    "Remove",
    "Size",
    "item_at",
    "size",
]

Json = Any
JsonPath = tuple[str | int, ...]
Size = tuple[int, int, int]
TXS: JsonPath = ("block", "txs")


def size(document: Json) -> Size:
    """(transactions, length of the canonical JSON, sum of its integers): smaller is
    fewer transactions first, then less text, then smaller numbers."""
    text = canonical_json(document)
    return (len(document["block"]["txs"]), len(text), _integer_sum(document))


def _integer_sum(value: Json) -> int:
    if isinstance(value, bool):  # true and false are not numbers in a case
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, dict):
        return sum(_integer_sum(v) for v in value.values())
    if isinstance(value, list):
        return sum(_integer_sum(v) for v in value)
    return 0


@dataclass(frozen=True, slots=True)
class Remove:
    """Delete the item at ``path`` (a key of an object or an index of a list)."""

    path: JsonPath


@dataclass(frozen=True, slots=True)
class Put:
    """Set the item at ``path`` to ``value`` (replacing it, or adding an object key)."""

    path: JsonPath
    value: Json


Edit = Remove | Put


@dataclass(frozen=True, slots=True, eq=False)
class Candidate:
    """An edit of ``base``: a smaller case, perhaps. Paths are ``base``'s; removes and
    puts never touch the same item or one inside another. ``base`` is never changed.
    """

    base: Json
    edits: tuple[Edit, ...]

    def size(self, base_size: Size) -> Size:
        """The size the built document will have, from the edited pieces only."""
        txs, chars, integers = base_size
        for parent, edits in _by_parent(self.edits).items():
            container = item_at(self.base, parent)
            removed, added = 0, 0
            for edit in edits:
                key = edit.path[-1]
                present = _holds(container, key)
                old = container[key] if present else None
                if present:
                    chars -= _item_length(container, key, old)
                    integers -= _integer_sum(old)
                if isinstance(edit, Put):
                    chars += _item_length(container, key, edit.value)
                    integers += _integer_sum(edit.value)
                removed += present and isinstance(edit, Remove)
                added += not present and isinstance(edit, Put)
            count = len(container)
            chars += max(count - removed + added - 1, 0) - max(count - 1, 0)  # the commas
            if parent == TXS:
                txs += added - removed
        return txs, chars, integers

    def build(self) -> Json:
        """The edited document; it shares every container no edit goes through."""
        copies: dict[JsonPath, Json] = {(): _shallow(self.base)}

        def writable(path: JsonPath) -> Json:
            if path not in copies:
                parent = writable(path[:-1])
                parent[path[-1]] = _shallow(parent[path[-1]])
                copies[path] = parent[path[-1]]
            return copies[path]

        for edit in self.edits:
            if isinstance(edit, Put):
                writable(edit.path[:-1])[edit.path[-1]] = edit.value
        for parent, edits in _by_parent(self.edits).items():
            keys = [edit.path[-1] for edit in edits if isinstance(edit, Remove)]
            if not keys:
                continue
            container = writable(parent)
            # Later list indices first, so that each index still names its item.
            for key in sorted(keys, reverse=True) if isinstance(container, list) else keys:
                del container[key]
        return copies[()]


def _by_parent(edits: Sequence[Edit]) -> dict[JsonPath, list[Edit]]:
    groups: dict[JsonPath, list[Edit]] = {}
    for edit in edits:
        groups.setdefault(edit.path[:-1], []).append(edit)
    return groups


def _holds(container: Json, key: str | int) -> bool:
    if isinstance(container, dict):
        return key in container
    return isinstance(key, int) and 0 <= key < len(container)


def _item_length(container: Json, key: str | int, value: Json) -> int:
    """Characters of one item in the canonical JSON: ``"key":value`` or ``value``."""
    text = len(canonical_json(value))
    return text + len(canonical_json(key)) + 1 if isinstance(container, dict) else text


def _shallow(value: Json) -> Json:
    return dict(value) if isinstance(value, dict) else list(value)


def item_at(document: Json, path: Sequence[object]) -> Json:
    """The item at ``path`` in ``document``."""
    for key in path:
        document = document[key]
    return document
