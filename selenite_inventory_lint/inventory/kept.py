"""The parsed inventory as the user cache keeps it (``cache.py``): plain tuples, field by
field, checked on the way back in; anything else there is a miss and the text is parsed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from selenite_inventory_lint.inventory import parse, plain
from selenite_inventory_lint.inventory.parse import Inventory
from selenite_inventory_lint.model import Entry, Problem, Section, SectionKind

if TYPE_CHECKING:
    from selenite_inventory_lint.cache import Shelf

Overrides = tuple[tuple[str, SectionKind | None], ...]


def recall(blob: str, path: str, overrides: Overrides) -> Inventory | None:
    """The inventory kept for the blob ``blob`` read as ``path`` with ``overrides``, or None."""
    shelf = _shelf()
    readings = shelf.get(blob) if shelf is not None else None
    if not isinstance(readings, dict):
        return None
    return _unpack(path, readings.get(f"{path}\0{overrides!r}"))


def keep(blob: str, path: str, overrides: Overrides, inventory: Inventory) -> None:
    """Keep ``inventory``, read from the blob ``blob`` as ``path`` with ``overrides``."""
    shelf = _shelf()
    if shelf is not None:
        shelf.put(blob, {f"{path}\0{overrides!r}": _pack(inventory)})


def _shelf() -> Shelf | None:
    from selenite_inventory_lint import cache

    shelf = cache.Shelf("inventories", (parse.__file__, plain.__file__, __file__))
    return shelf if shelf.enabled else None


# An inventory as marshal holds it: plain tuples, field by field.
_Packed = tuple[
    tuple[tuple[str, str, int, str, str, int], ...],
    tuple[tuple[str, str | None, int, int], ...],
    tuple[tuple[str, str, int, str, int], ...],
    tuple[int, ...],
    tuple[int, ...],
    tuple[str, ...],
]


def _pack(inventory: Inventory) -> _Packed:
    return (
        tuple(
            (e.kind, e.key, e.line, e.description, e.section, e.column) for e in inventory.entries
        ),
        tuple((s.heading, s.kind, s.line, s.end_line) for s in inventory.sections),
        tuple((p.code, p.path, p.line, p.message, p.column) for p in inventory.problems),
        inventory.entry_ends,
        inventory.content_ends,
        inventory.invariants,
    )


def _unpack(path: str, packed: object) -> Inventory | None:
    """The inventory ``_pack`` kept; None when ``packed`` is not one (a damaged cache)."""
    if not (isinstance(packed, tuple) and len(packed) == 6):
        return None
    entries, sections, problems, entry_ends, content_ends, invariants = packed
    try:
        inventory = Inventory(
            path=path,
            entries=tuple(
                Entry(kind=k, key=y, line=n, description=d, section=s, column=c)
                for k, y, n, d, s, c in entries
            ),
            sections=tuple(
                Section(heading=h, kind=k, line=n, end_line=e) for h, k, n, e in sections
            ),
            problems=tuple(
                Problem(code=c, path=p, line=n, message=m, column=o) for c, p, n, m, o in problems
            ),
            entry_ends=tuple(entry_ends),
            content_ends=tuple(content_ends),
            invariants=tuple(invariants),
        )
    except (TypeError, ValueError):
        return None
    if not _well_typed(inventory):
        return None
    return inventory


def _well_typed(inventory: Inventory) -> bool:
    strings = (str,)
    return (
        all(
            type(e.kind) in strings
            and type(e.key) in strings
            and type(e.line) is int
            and type(e.description) in strings
            and type(e.section) in strings
            and type(e.column) is int
            for e in inventory.entries
        )
        and all(
            type(s.heading) in strings and type(s.line) is int and type(s.end_line) is int
            for s in inventory.sections
        )
        and all(type(p.line) is int and type(p.message) in strings for p in inventory.problems)
        and all(type(n) is int for n in (*inventory.entry_ends, *inventory.content_ends))
        and all(type(i) in strings for i in inventory.invariants)
        and len(inventory.entry_ends) == len(inventory.entries)
    )
