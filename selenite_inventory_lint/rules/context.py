"""What rules read (``RuleContext``) and what they report (``Hit``)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING

from selenite_inventory_lint.config import Config
from selenite_inventory_lint.inventory.coverage import Coverage
from selenite_inventory_lint.inventory.parse import Inventory
from selenite_inventory_lint.model import (
    Change,
    Entry,
    FileChange,
    ObjectKind,
    Problem,
    Revision,
    time_key,
)
from selenite_inventory_lint.records import Record

if TYPE_CHECKING:
    from selenite_inventory_lint.orm_models import DeclaredTable
    from selenite_inventory_lint.schema import Schema


class Hit(Record):
    """What a check function reports; the pipeline adds code and severity."""

    message: str
    path: str
    line: int
    object_kind: ObjectKind
    object_name: str
    column: int = 1
    # The migration the flagged operation belongs to, for data plans (docs/rules.md).
    migration: str | None = None
    operation: str | None = None


def problem_hits(
    problems: Iterable[Problem],
    code: str,
    *,
    object_kind: ObjectKind = "file",
    is_migration: bool = False,
) -> Iterator[Hit]:
    """A hit for each problem a detector or the pipeline raised under ``code``, on its file
    (which a data plan may name when ``is_migration``)."""
    for problem in problems:
        if problem.code == code:
            yield Hit(
                message=problem.message,
                path=problem.path,
                line=problem.line,
                column=problem.column,
                object_kind=object_kind,
                object_name=problem.path,
                migration=problem.path if is_migration else None,
            )


class EditedMigration(Record):
    path: str
    name: str  # the revision id, or the SQL file's path
    object_kind: ObjectKind
    deleted: bool = False


class _RuleFacts(Record):
    """The fields of ``RuleContext``."""

    config: Config
    changes: tuple[Change, ...]
    files: tuple[FileChange, ...]
    problems: tuple[Problem, ...]
    inventory: Inventory
    coverage: Coverage
    # Every Alembic revision at the head side; empty when the change touches no revision.
    revisions: tuple[Revision, ...] = ()
    # Migrations that existed at the base and that the change edited in code or deleted.
    edited: tuple[EditedMigration, ...] = ()
    # Operations edited revisions already had: they place ``changes`` in time ("a column added
    # earlier in the same revision") but are never judged (``DetectorResult.context``).
    context: tuple[Change, ...] = ()
    # Whether every inventory entry is judged (inventory in the change set, or `audit`),
    # or only the entries that cover an object of this change.
    judge_all_entries: bool = False
    # Entries (by line) that cover a change of this run; filled by the pipeline.
    used_entry_lines: frozenset[int] = frozenset()
    # `audit`: the whole history is the change ("added" columns are those added by a later
    # migration than their table's), and entries are judged against what exists at head.
    whole_history: bool = False
    alive: Callable[[Entry], bool] | None = None
    # `audit`: the tables SQLAlchemy models declare, and the schema the migrations build.
    declared: tuple[DeclaredTable, ...] = ()
    migrated: Schema | None = None
    extra: Mapping[str, object] = MappingProxyType({})


class _FirstAdded:
    """Where an object is first added in time (``RuleContext._first_added``)."""

    __slots__ = ("anywhere", "guards", "unguarded")

    def __init__(self, anywhere: int) -> None:
        self.anywhere = anywhere
        self.unguarded = sys.maxsize
        self.guards: dict[int, int] = {}


class RuleContext(_RuleFacts):
    """Everything the rules read about one run. Derived facts are computed once, on demand
    (in the instance's own ``__dict__``: a record's fields are fixed, its cache is not)."""

    @cached_property
    def ordered(self) -> tuple[Change, ...]:
        """Changes in time order: migration sequence, then position in the file."""
        return tuple(sorted(self.changes, key=time_key))

    @cached_property
    def created_tables(self) -> frozenset[str]:
        """Tables created anywhere in this change (guarded or not)."""
        return frozenset(
            c.name for c in self.changes if c.kind == "table" and c.action == "added"
        ) | frozenset(c.name for c in self.changes if c.kind == "table" and c.action == "renamed")

    @cached_property
    def _timeline_changes(self) -> tuple[Change, ...]:
        """``ordered`` with the context of edited revisions, in time order."""
        if not self.context:
            return self.ordered
        return tuple(sorted((*self.changes, *self.context), key=time_key))

    @cached_property
    def _positions(self) -> dict[int, int]:
        """Place of each change (by identity) in time; the first when it repeats."""
        positions: dict[int, int] = {}
        for index, change in enumerate(self._timeline_changes):
            positions.setdefault(id(change), index)
        return positions

    @cached_property
    def _timeline(self) -> dict[tuple[str, str], list[tuple[int, Change]]]:
        """(kind, name) → every change of that object with its place, in time order.

        Indexed once, so the questions below cost the object's own history rather than a
        scan of the whole change set (an audit asks them for thousands of changes)."""
        timeline: dict[tuple[str, str], list[tuple[int, Change]]] = {}
        for index, change in enumerate(self._timeline_changes):
            timeline.setdefault((change.kind, change.name), []).append((index, change))
        return timeline

    @cached_property
    def _table_exits(self) -> dict[str, list[int]]:
        """Table name → places where it is dropped, or renamed away."""
        exits: dict[str, list[int]] = {}
        for index, change in enumerate(self._timeline_changes):
            if change.kind != "table":
                continue
            if change.action == "dropped":
                exits.setdefault(change.name, []).append(index)
            elif change.action == "renamed" and change.old_name is not None:
                exits.setdefault(change.old_name, []).append(index)
        return exits

    def _place(self, change: Change) -> int:
        """Where ``change`` is in time; past the end when it is not one of this run's."""
        return self._positions.get(id(change), len(self._timeline_changes))

    def _history(self, kind: str, name: str) -> list[tuple[int, Change]]:
        return self._timeline.get((kind, name), [])

    @cached_property
    def _first_added(self) -> dict[tuple[str, str], _FirstAdded]:
        """(kind, name) → the first places it is added: at all, outside any guard, and under
        each guard. "Added before this change" is then one comparison, not a walk through the
        object's history (a table updated thousands of times)."""
        first: dict[tuple[str, str], _FirstAdded] = {}
        for index, change in enumerate(self._timeline_changes):
            if change.action != "added":
                continue
            key = (change.kind, change.name)
            found = first.get(key)
            if found is None:
                found = first[key] = _FirstAdded(index)
            if not change.guarded:
                found.unguarded = min(found.unguarded, index)
            elif change.guard is not None:
                found.guards.setdefault(change.guard, index)
        return first

    def created_before(self, change: Change, *, table: str, unguarded: bool = True) -> bool:
        """Was ``table`` created earlier in this change (docs/rules.md: it holds no data yet)?"""
        found = self._first_added.get(("table", table))
        if found is None:
            return False
        return (found.unguarded if unguarded else found.anywhere) < self._place(change)

    def column_added_before(self, change: Change, name: str, guard: int | None) -> bool:
        """Was column ``name`` added earlier in this change, unconditionally or under ``guard``?"""
        found = self._first_added.get(("column", name))
        if found is None:
            return False
        place = self._place(change)
        return found.unguarded < place or (
            guard is not None and found.guards.get(guard, place) < place
        )

    def recreated_after(self, change: Change) -> bool:
        """Is the object dropped by ``change`` added (or renamed into) again later?"""
        place = self._positions.get(id(change))
        if place is None:
            return False
        return any(
            index > place and other.action in ("added", "renamed")
            for index, other in self._history(change.kind, change.name)
        )

    def dropped_after(self, change: Change, table: str) -> bool:
        """Is ``table`` dropped, or renamed away, later than ``change``?"""
        place = self._positions.get(id(change))
        return place is not None and any(
            index > place for index in self._table_exits.get(table, ())
        )


Check = Callable[[RuleContext], Iterable[Hit]]
