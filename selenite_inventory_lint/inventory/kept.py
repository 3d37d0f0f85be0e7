"""The parsed inventory as the user cache keeps it (``cache.py``): plain tuples, field by
field, checked on the way back in; anything else there is a miss and the text is parsed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from selenite_inventory_lint.inventory import parse, plain
from selenite_inventory_lint.inventory.parse import Inventory
from selenite_inventory_lint.inventory.plain import plain_lines
from selenite_inventory_lint.model import Problem, Section, SectionKind, entry_of

if TYPE_CHECKING:
    from selenite_inventory_lint.cache import Shelf

Overrides = tuple[tuple[str, SectionKind | None], ...]


def read(
    text: str,
    path: str,
    sections: Mapping[str, SectionKind | None] | None,
    blob: str,
    base: tuple[str, str] | None,
) -> parse.Inventory:
    """``text`` (the blob ``blob``) as ``parse_inventory`` reads it: kept from an earlier run,
    else read from the kept reading of ``base`` (its text and blob id) when only entries
    changed (``incremental.py``), else parsed whole; what was read is kept."""
    overrides = tuple(sorted((sections or {}).items(), key=lambda item: item[0]))
    shelf = _shelf()
    if shelf is not None and (found := _recall(shelf, blob, path, overrides)) is not None:
        return found[0]
    lines = parse._source_lines(text)
    inventory = None
    if shelf is not None and base is not None and (old := _recall(shelf, base[1], path, overrides)):
        from selenite_inventory_lint.inventory.incremental import reread

        # The base is read next (removed entries): this reading serves it.
        parse._PARSED.setdefault((base[0], path, overrides), old[0])
        inventory = reread(text, lines, path, sections, base[0], old[0]) if old[1] else None
    plain = inventory is not None  # a reread is of a plain text
    if inventory is None:
        parse.PARSES[0] += 1
        read = plain_lines(lines)
        plain = read is not None
        inventory = parse._parse(text, path, sections, lines=lines, plain=read)
    if shelf is not None:
        shelf.put(blob, {f"{path}\0{overrides!r}": (_pack(inventory), plain)})
    return inventory


def _recall(
    shelf: Shelf, blob: str, path: str, overrides: Overrides
) -> tuple[Inventory, bool] | None:
    """The reading kept for the blob ``blob`` as ``path`` with ``overrides``, and whether the
    file was plain Markdown; None when there is none (or it is damaged)."""
    readings = shelf.get(blob) if blob else None
    found = readings.get(f"{path}\0{overrides!r}") if isinstance(readings, dict) else None
    if not (isinstance(found, tuple) and len(found) == 2 and isinstance(found[1], bool)):
        return None
    inventory = _unpack(path, found[0])
    return None if inventory is None else (inventory, found[1])


def _shelf() -> Shelf | None:
    from selenite_inventory_lint import cache

    shelf = cache.Shelf("inventories", (parse.__file__, plain.__file__, __file__, _reader()))
    return shelf if shelf.enabled else None


# An inventory as marshal holds it: plain tuples; the entries as one tuple per field (what
# ``zip(*entries)`` gives), so checking and rebuilding them run in C rather than per entry.
_Packed = tuple[
    tuple[tuple[object, ...], ...],
    tuple[tuple[str, str | None, int, int], ...],
    tuple[tuple[str, str, int, str, int], ...],
    tuple[int, ...],
    tuple[int, ...],
    tuple[str, ...],
]
# The types of ``Entry._fields``, in order.
_ENTRY_FIELDS = (str, str, int, str, str, int)


def _pack(inventory: Inventory) -> _Packed:
    return (
        tuple(zip(*inventory.entries, strict=True)),
        tuple((s.heading, s.kind, s.line, s.end_line) for s in inventory.sections),
        tuple((p.code, p.path, p.line, p.message, p.column) for p in inventory.problems),
        inventory.entry_ends,
        inventory.content_ends,
        inventory.invariants,
    )


def _unpack(path: str, packed: object) -> Inventory | None:
    """The inventory ``_pack`` kept; None when ``packed`` is not one (a damaged cache)."""
    if not (type(packed) is tuple and len(packed) == 6):
        return None
    columns, sections, problems, entry_ends, content_ends, invariants = packed
    if not (
        _only(tuple, columns, entry_ends, content_ends, invariants)
        and _only(tuple, *columns)
        and (not columns or len(columns) == len(_ENTRY_FIELDS))
        and all(
            _only(kind, *column) for kind, column in zip(_ENTRY_FIELDS, columns, strict=False)
        )  # none when empty
        and len({len(column) for column in columns} | {len(entry_ends)}) == 1
        and _only(int, *entry_ends, *content_ends)
        and _only(str, *invariants)
    ):
        return None
    try:
        inventory = Inventory(
            path=path,
            entries=tuple(map(entry_of, zip(*columns, strict=True))),
            sections=tuple(
                Section(heading=h, kind=k, line=n, end_line=e) for h, k, n, e in sections
            ),
            problems=tuple(
                Problem(code=c, path=p, line=n, message=m, column=o) for c, p, n, m, o in problems
            ),
            entry_ends=entry_ends,
            content_ends=content_ends,
            invariants=invariants,
        )
    except (TypeError, ValueError):
        return None
    if not (
        all(type(s.heading) is str and _only(int, s.line, s.end_line) for s in inventory.sections)
        and all(type(p.line) is int and type(p.message) is str for p in inventory.problems)
    ):
        return None
    return inventory


def _only(kind: type, *values: object) -> bool:
    """Whether every value is exactly of type ``kind`` (one pass in C: a cache holds
    thousands)."""
    return set(map(type, values)) <= {kind}


def _reader() -> str:
    from selenite_inventory_lint.inventory import incremental

    return incremental.__file__
