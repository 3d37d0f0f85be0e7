"""Reading a changed inventory from its base's reading (docs/performance.md): when the lines
that differ — one run between a common beginning and a common end — are list items, blank
lines or comments of sections that hold entries, everything outside that run is the base's,
moved by the lines added or removed, and only the run is read. Anything else (a heading or a
paragraph changed, a section that names no kind or holds invariants, a duplicate key, a file
that is not plain Markdown) returns None: then the text is read whole.
``tests/speed/inventory_reread_test.py`` holds the two readings equal over generated edits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from selenite_inventory_lint.inventory import parse
from selenite_inventory_lint.inventory.plain import Line, plain_lines
from selenite_inventory_lint.model import Section, SectionKind

# Inventories read this way in this process; tests count them.
REREADS = [0]
_QUIET = frozenset({"item", "blank", "comment"})
_DUPLICATE = "duplicate entry for "


def reread(
    text: str,
    lines: list[str],
    plain: list[Line] | None,
    path: str,
    sections: Mapping[str, SectionKind | None] | None,
    base_text: str,
    base: parse.Inventory,
) -> parse.Inventory | None:
    """``text`` (split into ``lines``, ``plain`` their plain reading) read from ``base``, the
    plain reading of ``base_text``; None when the change is not one this can follow."""
    if plain is None:
        return None
    old = parse._source_lines(base_text)
    start, end, old_end = _changed_run(old, lines)
    if any(plain[index][0] not in _QUIET for index in range(start, end)):
        return None
    before = old[max(start - 1, 0) : old_end]
    old_plain = plain_lines(before)
    if old_plain is None or any(kind not in _QUIET for kind, _, _ in old_plain[start > 0 :]):
        return None
    if not (_inside_entries(base.sections, start, old_end)):
        return None
    if any(p.message.startswith(_DUPLICATE) for p in base.problems):
        return None
    run = parse._parse(
        text, path, sections, lines=lines, plain=plain, only=range(start + 1, end + 1)
    )
    if not _inside_entries(run.sections, start, end) or run.invariants:
        return None
    if any(p.message.startswith(_DUPLICATE) or not start < p.line <= end for p in run.problems):
        return None
    shift = end - old_end
    kept = [e for e in base.entries if e.line <= start]
    moved = [e._replace(line=e.line + shift) for e in base.entries if e.line > old_end]
    outside = {_identity(e.kind, e.key) for e in (*kept, *moved)}
    if any(_identity(e.kind, e.key) in outside for e in run.entries):
        return None
    entries = (*kept, *run.entries, *moved)
    problems = [p for p in base.problems if p.line <= start]
    problems += [p._replace(line=p.line + shift) for p in base.problems if p.line > old_end]
    problems += run.problems
    REREADS[0] += 1
    return parse.Inventory(
        path=path,
        entries=entries,
        sections=run.sections,
        problems=tuple(sorted(problems, key=lambda p: (p.line, p.column, p.message))),
        # A plain item is one line: each entry ends on its own.
        entry_ends=tuple(e.line for e in entries),
        content_ends=run.content_ends,
        invariants=base.invariants,
    )


def _changed_run(old: Sequence[str], new: Sequence[str]) -> tuple[int, int, int]:
    """(lines in common at the start, end of the changed run in ``new``, its end in ``old``):
    ``new[start:end]`` replaced ``old[start:old_end]``."""
    most = min(len(old), len(new))
    low, high = 0, most  # the longest common beginning, by halving (list compares run in C)
    while low < high:
        middle = (low + high + 1) // 2
        if old[:middle] == new[:middle]:
            low = middle
        else:
            high = middle - 1
    start = low
    low, high = 0, most - start
    while low < high:
        middle = (low + high + 1) // 2
        if old[len(old) - middle :] == new[len(new) - middle :]:
            low = middle
        else:
            high = middle - 1
    return start, len(new) - low, len(old) - low


def _inside_entries(sections: Sequence[Section], start: int, end: int) -> bool:
    """Every line after ``start`` up to ``end`` (1-based) lies outside any section or in one
    that holds entries and is not an Invariants section."""
    return not any(
        section.line <= end
        and section.end_line > start
        and (section.kind is None or "invariant" in section.heading.lower())
        for section in sections
    )


def _identity(kind: str, key: str) -> tuple[str, str]:
    return kind, key.lower() if kind in ("table", "column") else key
