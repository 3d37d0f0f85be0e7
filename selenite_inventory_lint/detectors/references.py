"""References by name, shared by the reference detectors (env vars and storage paths).

A reference detector reads every name a file refers to, on both sides of a change; a name the
new side has and the old side lacks is ``referenced``, one the old side has and the new side
lacks is a ``dropped`` candidate that the retirement stage keeps only when nothing in the
repository refers to it any more.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Mapping, Sequence

from selenite_inventory_lint.model import Action, Change, Kind, Source
from selenite_inventory_lint.records import Record

# The operation of a dropped reference: a candidate for retirement, not yet a retirement.
REMOVED = "reference_removed"


class Ref(Record):
    name: str
    line: int
    column: int = 1
    # A setting whose default is a storage path: moving the variable relocates that data.
    relocates: str | None = None


class Unreadable(Exception):
    """A source whose syntax cannot be read; carries where and why."""

    def __init__(self, line: int, column: int, why: str) -> None:
        super().__init__(why)
        self.line = line
        self.column = column
        self.why = why


def reference_changes(
    kind: Kind,
    source: Source,
    path: str,
    new: Mapping[str, Ref],
    old: Mapping[str, Ref] | None,
    keep: Callable[[str], bool],
) -> tuple[Change, ...]:
    """A ``referenced`` change for each name ``new`` has and ``old`` lacks, then a ``dropped``
    one for each name ``old`` has and ``new`` lacks; only names ``keep`` accepts. ``old`` is
    None when the old side is missing or unreadable: then nothing counts as dropped."""

    def change(name: str, ref: Ref, action: Action, operation: str) -> Change:
        return Change(
            kind=kind,
            name=name,
            action=action,
            path=path,
            line=ref.line,
            column=ref.column,
            source=source,
            operation=operation,
            relocates=ref.relocates,
        )

    added = [
        change(name, ref, "referenced", "reference")
        for name, ref in new.items()
        if (old is None or name not in old) and keep(name)
    ]
    dropped = [
        change(name, ref, "dropped", REMOVED)
        for name, ref in (old or {}).items()
        if name not in new and keep(name)
    ]
    return (*added, *dropped)


def first_refs(refs: Iterable[Ref]) -> dict[str, Ref]:
    """The first reference of each name, in name order."""
    first: dict[str, Ref] = {}
    for ref in refs:
        seen = first.get(ref.name)
        if seen is None or (ref.line, ref.column) < (seen.line, seen.column):
            first[ref.name] = ref
    return dict(sorted(first.items()))


def line_starts(text: str) -> list[int]:
    return [0, *(m.end() for m in re.finditer("\n", text))]


def ref_at(name: str, offset: int, starts: Sequence[int]) -> Ref:
    line = bisect.bisect_right(starts, offset)
    return Ref(name, line, offset - starts[line - 1] + 1)
