"""Shared records of the pipeline and the one output sort key.

change set (FileChange) → detectors (Change, Problem, Revision) → rules (Finding)
→ RunResult → reports.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from operator import attrgetter
from typing import Literal

from selenite_inventory_lint.records import Record

Kind = Literal["table", "column", "index", "path", "env", "config_file", "database"]
# The detector that found a change (``detectors.MODULES`` maps each to its module).
Source = Literal["alembic", "sql", "schema_snapshot", "env", "paths", "config_files", "audit"]
Action = Literal["added", "dropped", "renamed", "altered", "referenced"]
Severity = Literal["error", "warning", "info"]
FileStatus = Literal["added", "modified", "deleted", "renamed", "copied"]
EntryKind = Literal["table", "column", "database", "path", "env", "config_file"]
SectionKind = Literal["schema", "paths", "configuration"]
# What a finding is about: a data-bearing object, or (docs/usage.md "Other findings' objects")
# an inventory entry, a file, an Alembic revision or a data plan.
ObjectKind = Literal[
    "table",
    "column",
    "index",
    "path",
    "env",
    "config_file",
    "database",
    "entry",
    "file",
    "revision",
    "plan",
]

SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")


class FileChange(Record):
    """One file of the change set, as git sees it, with its text on both sides.

    ``path`` is the new path (the old one for a deletion). Content is only read for files
    some detector claims; for the others both sides are ``None`` and ``loaded`` is False.
    """

    status: FileStatus
    path: str
    old_path: str | None = None
    old_bytes: bytes | None = None
    new_bytes: bytes | None = None
    old_text: str | None = None
    new_text: str | None = None
    binary: bool = False
    too_large: bool = False
    undecodable: bool = False
    loaded: bool = False
    # The blob ids of both sides where git named them ("" in the work tree or when absent):
    # what was read from a blob can be kept by its id (``cache.py``).
    old_blob: str = ""
    new_blob: str = ""


class Change(Record):
    """A data-bearing change found by a detector (docs/usage.md).

    The first seven fields are the public record (JSON ``changes``); the rest carry what the
    rules need to judge it (guards, types, nullability, the migration it belongs to).
    """

    kind: Kind
    name: str
    action: Action
    path: str
    line: int
    source: Source
    old_name: str | None = None
    column: int = 1
    # Detector-level verb: create_table, add_column, drop_column, alter_column, rename_table,
    # rename_column, drop_table, create_index, drop_index, rebuild_table, delete_rows,
    # update_rows, truncate, insert_select, reference, add_file, ...
    operation: str = ""
    guarded: bool = False
    # Identity of the enclosing existence guard (its line), so MIG106/MIG110 tell a backfill
    # under the same guard as the ADD COLUMN it fills.
    guard: int | None = None
    # Alembic revision id or SQL migration path; data plans and history name migrations so.
    migration: str | None = None
    type: str | None = None
    old_type: str | None = None
    nullable: bool | None = None
    has_default: bool | None = None
    unique: bool = False
    where: bool | None = None
    columns: tuple[str, ...] = ()
    # Columns an UPDATE's WHERE restricts to NULL (`c IS NULL` in its top-level AND): setting
    # only those fills gaps, it overwrites no value (MIG110).
    null_only: tuple[str, ...] = ()
    # Table an index or unique constraint belongs to (``name`` is the index's own name), so
    # MIG109 can tell whether the table existed at the base.
    table: str | None = None
    # An environment variable whose default is this storage path: setting it in production
    # moves that data, so the path's entry may document it by naming it.
    relocates: str | None = None
    # Order of the migration inside the change set (Alembic topological order, SQL file order);
    # with ``line`` it orders operations in time, so "earlier in the same change" is defined.
    sequence: int = 0
    # Where an operation of a helper runs: the (line, column) of the call in upgrade() that
    # leads into it, which orders it in time; ``line`` is where it is written, for reports.
    runs_at: tuple[int, int] | None = None


class Problem(Record):
    """Content a detector or parser could not analyse; becomes MIG301, INV302 or INV303."""

    code: str
    path: str
    line: int
    message: str
    column: int = 1


class Revision(Record):
    """An Alembic revision's identity, read with ``ast`` (docs/usage.md)."""

    revision: str
    down_revisions: tuple[str, ...]
    path: str
    line: int


class DetectorResult(Record):
    changes: tuple[Change, ...] = ()
    problems: tuple[Problem, ...] = ()
    revision: Revision | None = None
    # A migration that existed at the base was modified in code (not only comments, docstrings
    # or formatting) or deleted: MIG202 (docs/usage.md).
    edited: bool = False
    # The operations an edited revision already had: where it was never applied they run
    # before its new ones, so rules read them for "earlier in the same change" (a column the
    # revision adds, then backfills) but judge and report none of them.
    context: tuple[Change, ...] = ()


class Entry(Record):
    """One inventory entry with its fully expanded key (docs/inventory-format.md)."""

    kind: EntryKind
    key: str
    line: int
    description: str
    section: str
    column: int = 1


# An Entry from its fields in order, unchecked and built in C: the user cache and the
# inventory reread rebuild thousands (``inventory/kept.py``, ``inventory/incremental.py``).
entry_of = partial(tuple.__new__, Entry)


class Section(Record):
    """A ``##`` section of the inventory: its kind and where it lies (1-based, inclusive)."""

    heading: str
    kind: SectionKind | None
    line: int
    end_line: int


class Finding(Record):
    code: str
    severity: Severity
    message: str
    path: str
    line: int
    object_kind: ObjectKind
    object_name: str
    column: int = 1
    # Id of the data plan that approves this destructive operation (then it does not fail).
    covered_by_plan: str | None = None
    # The operation as a data plan names it ("drop_column users.email"), for destructive rules.
    operation: str | None = None

    @property
    def fails(self) -> bool:
        return self.severity == "error" and self.covered_by_plan is None


class ReportedChange(Record):
    change: Change
    # None for objects the inventory does not track (indexes).
    documented: bool | None


class IntroducedPlan(Record):
    """A data plan added or changed inside a range (docs/security.md): the change approves
    itself, so reports list the plan first for the reviewer to confirm its approval."""

    id: str
    path: str
    approved_by: tuple[str, ...]
    # The findings it covers in this change (none when ``barred``).
    covers: tuple[Finding, ...] = ()
    # `plans_from_base_only: true`: the plan covers nothing until it is merged.
    barred: bool = False


Segment = tuple[Literal["text", "code"], str]


class Checklist(Record):
    """The inventory's own "Required Updates" section: intro paragraphs and checklist items."""

    heading: str
    intro: tuple[tuple[Segment, ...], ...]
    items: tuple[tuple[Segment, ...], ...]


class Suggestion(Record):
    """The inventory patch ``--fix`` would make: a unified diff adding a stub per undocumented
    object ("" if none), and the objects no stub could be written for (kind, name, reason)."""

    patch: str
    stubs: int
    skipped: tuple[tuple[str, str, str], ...] = ()


class RunResult(Record):
    """Everything a report needs; reports are functions of this record alone."""

    tool_version: str
    base: str | None
    head: str
    inventory: str
    changes: tuple[ReportedChange, ...]
    findings: tuple[Finding, ...]
    # The inventory's text (for the suggested patch and the "Required Updates" checklist).
    inventory_text: str = ""
    # Config `sections:` overrides (heading → kind), so reports read the inventory as the
    # check did.
    inventory_sections: tuple[tuple[str, SectionKind | None], ...] = ()
    introduced_plans: tuple[IntroducedPlan, ...] = ()
    # What a reviewer is offered, computed before any report renders (``pipeline/review.py``).
    suggestion: Suggestion | None = None
    checklist: Checklist | None = None
    # The `--fix` command a reviewer can run on a clean checkout of the branch (it names the
    # range the run used; a bare `check --fix` there has no change set); empty where the
    # command has no `--fix` (schema-diff).
    fix_command: str = ""
    # Findings `check --fix` resolved before this result was judged (docs/usage.md).
    fixed: int = 0

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.fails)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning")


# The one output order of findings (docs/development.md): path, line, column, code, then the
# object; read in C (a large check sorts thousands).
finding_key: Callable[[Finding], tuple[str, int, int, str, str]] = attrgetter(
    "path", "line", "column", "code", "object_name"
)


def time_key(change: Change) -> tuple[int, str, int, int, int, int]:
    """The order changes run in: migration, then place in its file (a helper's operations
    where upgrade() calls it)."""
    line, column = change.runs_at or (change.line, change.column)
    return (change.sequence, change.path, line, column, change.line, change.column)


_CHANGE_KEY = ("path", "line", "column", "kind", "name", "action")
change_key: Callable[[Change], tuple[str, int, int, str, str, str]] = attrgetter(*_CHANGE_KEY)
# The same order for the changes of a report.
reported_key: Callable[[ReportedChange], tuple[str, int, int, str, str, str]] = attrgetter(
    *(f"change.{field}" for field in _CHANGE_KEY)
)
