"""Reading a changed inventory from its base's reading (docs/performance.md): when the lines
that differ — one run between a common beginning and a common end — are list items, blank
lines or comments of sections that hold entries, everything outside that run is the base's,
moved by the lines added or removed, and only the run is read. Anything else (a heading or a
paragraph changed, a section that names no kind or holds invariants, a duplicate key, a file
that is not plain Markdown) returns None: then the text is read whole.
``tests/speed/inventory_reread_test.py`` holds the two readings equal over generated edits."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from operator import attrgetter

from selenite_inventory_lint.inventory import parse
from selenite_inventory_lint.inventory.plain import plain_lines
from selenite_inventory_lint.inventory.text import last_nonblank
from selenite_inventory_lint.model import Entry, Problem, Section, SectionKind, entry_of

# Inventories read this way in this process; tests count them.
REREADS = [0]
_QUIET = frozenset({"item", "blank", "comment"})
_DUPLICATE = "duplicate entry for "
_line = attrgetter("line")
_LINE = Entry._fields.index("line")
_FOLDED = ("table", "column")
# Entries of a changed run looked for one by one; a longer run builds sets.
_FEW = 8


def reread(
    text: str,
    lines: list[str],
    path: str,
    sections: Mapping[str, SectionKind | None] | None,
    base_text: str,
    base: parse.Inventory,
) -> parse.Inventory | None:
    """``text`` (split into ``lines``) read from ``base``, the reading of ``base_text`` as
    plain Markdown; None when the change is not one this can follow."""
    old = parse._source_lines(base_text)
    start, end, old_end = _changed_run(old, lines)
    shift = end - old_end
    # The run and the line after it (the only one whose previous line changed) read as plain
    # items, blank lines or comments; every other line reads as it did in the plain base.
    low = max(start - 1, 0)
    for side, stop in ((lines, end), (old, old_end)):
        read = plain_lines(side[low : stop + 1])
        if read is None or any(kind not in _QUIET for kind, _, _ in read[start - low : stop - low]):
            return None
    if any(p.message.startswith(_DUPLICATE) for p in base.problems):
        return None
    holder = next((s for s in base.sections if s.line <= start <= s.end_line), None)
    run: tuple[Entry, ...] = ()
    found: list[Problem] = []
    if holder is not None and (holder.kind is None or "invariant" in holder.heading.lower()):
        return None  # stray items are counted per section; invariants are kept as text
    if holder is not None and end > start:
        # The run under its section's heading: the same kind, section name and columns.
        part = [lines[holder.line - 1], *lines[start:end]]
        if (read := plain_lines(part)) is None:
            return None
        inner = parse._parse("\n".join(part), path, sections, lines=part, plain=read)
        if inner.invariants or any(p.message.startswith(_DUPLICATE) for p in inner.problems):
            return None
        run = tuple(e._replace(line=e.line + start - 1) for e in inner.entries)
        found = [p._replace(line=p.line + start - 1) for p in inner.problems]
    # Entries are in document order: those before the run and after it are slices.
    kept = base.entries[: bisect_right(base.entries, start, key=_line)]
    after = base.entries[bisect_right(base.entries, old_end, key=_line) :]
    if run and _repeats(run, (*kept, *after)):
        return None
    moved = after
    if shift and after:
        # Field by field, in C: thousands of entries may follow the run.
        fields: list[Sequence[object]] = list(zip(*after, strict=True))
        fields[_LINE] = [e.line + shift for e in after]
        moved = tuple(map(entry_of, zip(*fields, strict=True)))
    entries = (*kept, *run, *moved)
    problems = [p for p in base.problems if p.line <= start]
    problems += [p._replace(line=p.line + shift) for p in base.problems if p.line > old_end]
    problems += found
    places: list[Section] = []
    ends: list[int] = []
    for section, content_end in zip(base.sections, base.content_ends, strict=True):
        if section.line > start:  # after the run: moved whole
            places.append(
                section._replace(line=section.line + shift, end_line=section.end_line + shift)
            )
            ends.append(content_end + shift)
        elif section.end_line >= start:  # holds the run
            last = section.end_line + shift
            places.append(section._replace(end_line=last))
            ends.append(last_nonblank(lines, section.line, last))
        else:
            places.append(section)
            ends.append(content_end)
    REREADS[0] += 1
    return parse.Inventory(
        path=path,
        entries=entries,
        sections=tuple(places),
        problems=tuple(sorted(problems, key=lambda p: (p.line, p.column, p.message))),
        # A plain item is one line: each entry ends on its own.
        entry_ends=tuple(e.line for e in entries),
        content_ends=tuple(ends),
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


def _repeats(run: Sequence[Entry], others: Sequence[Entry]) -> bool:
    """Whether an entry of ``run`` has the identity of one of ``others`` (table and column keys
    compare without case, as the parser's duplicate check does). A few entries (the usual
    edit) are looked for among the others' identities as they are made, in C; more go
    through sets of them."""
    if not others:
        return False
    kinds, keys = list(zip(*others, strict=True))[:2]

    def exact() -> Iterable[tuple[str, str]]:
        return zip(kinds, keys, strict=True)

    def folded() -> Iterable[tuple[str, str]]:
        return zip(kinds, map(str.lower, keys), strict=True)

    if len(run) > _FEW:
        exact_set, folded_set = set(exact()), set(folded())
        return any(
            (e.kind, e.key.lower()) in folded_set
            if e.kind in _FOLDED
            else (e.kind, e.key) in exact_set
            for e in run
        )
    return any(
        (e.kind, e.key.lower()) in folded() if e.kind in _FOLDED else (e.kind, e.key) in exact()
        for e in run
    )
