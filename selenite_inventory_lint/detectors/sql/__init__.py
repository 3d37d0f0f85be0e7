"""SQL files and literal SQL → data-bearing changes, parsed with sqlglot (docs/usage.md).

A file is split into statements by a small lexer (quotes, comments, dollar quoting and
trigger bodies respected), so a statement sqlglot cannot parse becomes one MIG301 at its line
and the rest of the file is still analysed. Each statement becomes ``Change`` records in the
vocabulary the rules read (create_table, add_column, drop_column, rename_table, rename_column,
alter_column, drop_table, create_index, drop_index, delete_rows, update_rows, truncate,
insert_select); the SQLite table-rebuild pattern is then folded into one ``rebuild_table``.

The package follows those steps: ``split`` bounds the statements, ``statements`` (with
``ddl`` for CREATE/ALTER/DROP) reads each one, ``fast`` (with ``cursor``) reads the common
ones without sqlglot, ``rebuild`` folds the rebuild pattern, and this module is the detector.
Nothing here imports sqlglot until a statement is parsed.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence

from selenite_inventory_lint.detectors import DetectContext, DetectorSpec, sources
from selenite_inventory_lint.detectors.sql.rebuild import fold_rebuilds, replay
from selenite_inventory_lint.detectors.sql.split import (
    Span,
    definition_kind,
    split,
    statement_lines,
)
from selenite_inventory_lint.detectors.sql.statements import CODE, SOURCE, Statement, parse
from selenite_inventory_lint.model import DetectorResult, FileChange, Problem, Source
from selenite_inventory_lint.schema import Schema

__all__ = [
    "CODE",
    "DETECTOR",
    "SOURCE",
    "Span",
    "SqlDetector",
    "Statement",
    "analyze_sql",
    "definition_kind",
    "fold_rebuilds",
    "parse",
    "replay",
    "role",
    "split",
    "statement_lines",
]

DEFAULT_SOURCES = sources.SQL_SOURCES
DEFAULT_SNAPSHOTS = sources.SQL_SNAPSHOTS
DEFAULT_ROLLBACK = sources.SQL_ROLLBACK
Role = sources.Role
role = sources.sql_role
_EDIT_STATUSES = ("modified", "renamed")


def analyze_sql(
    sql: str,
    *,
    path: str,
    line: int,
    dialect: str,
    migration: str | None,
    source: Source,
    guarded: bool,
    guard: int | None,
    sequence: int,
    column: int | None = None,
    prior: Callable[[], Schema] | None = None,
) -> DetectorResult:
    """Changes made by literal SQL that starts at ``line`` of ``path`` (docs/usage.md)."""
    stmts = parse(
        sql,
        path=path,
        dialect=dialect,
        line=line,
        column=column if column is not None else (1 if source != SOURCE else None),
        source=source,
        migration=migration,
        guarded=guarded,
        guard=guard,
    )
    changes = fold_rebuilds(stmts, prior)
    if sequence:
        changes = [c._replace(sequence=sequence) for c in changes]
    return DetectorResult(
        changes=tuple(changes), problems=tuple(p for s in stmts for p in s.problems)
    )


def _problem(path: str, why: str) -> Problem:
    return Problem(code=CODE, path=path, line=1, message=f"cannot analyze SQL migration: {why}")


class SqlDetector:
    """Forward SQL migrations (``*.sql`` that are neither snapshots nor rollbacks)."""

    name = "sql"

    def claims(self, path: str, ctx: DetectContext) -> bool:
        return sources.sql(path, ctx)

    def detect(self, change: FileChange, ctx: DetectContext) -> DetectorResult:
        path = change.path
        if not sources.sql_opted_in(path, ctx) and _query_text(change):
            return DetectorResult()
        if change.status == "deleted":
            return DetectorResult(edited=True)
        edit_status = change.status in _EDIT_STATUSES
        if change.binary or change.too_large:
            why = "it is a binary file" if change.binary else "it is larger than max_file_bytes"
            return DetectorResult(problems=(_problem(path, why),), edited=edit_status)
        text = change.new_text
        if text is None:
            return DetectorResult()
        problems: list[Problem] = []
        if change.undecodable:
            problems.append(_problem(path, "it is not valid UTF-8 (read with replacements)"))
        if "\0" in text:
            # Past the binary sniff: databases stop reading, or refuse, at a NUL byte.
            problems.append(_problem(path, "it contains NUL bytes"))
        dialect = ctx.config.dialect
        stmts = parse(text, path=path, dialect=dialect, migration=path)
        edited = False
        if edit_status and change.old_text is not None:
            old = parse(change.old_text, path=path, dialect=dialect, migration=path)
            edited = [s.key for s in old] != [s.key for s in stmts]
            stmts = _new_statements(stmts, old)
        if change.status in ("added", "copied"):
            problems.extend(_out_of_order(path, ctx))
        changes = fold_rebuilds(stmts, lambda: _prior_schema(path, ctx))
        problems.extend(p for s in stmts for p in s.problems)
        return DetectorResult(changes=tuple(changes), problems=tuple(problems), edited=edited)


# Jinja/Django template tags and numbered bind parameters: an application's query, not a
# migration (a real app's ~2,000 Jinja SQL templates were 93% of its findings).
_QUERY_MARKS = ("{{", "{%", "{#")
_PLACEHOLDER = re.compile(r"\$[1-9]")


def _query_text(change: FileChange) -> bool:
    text = change.new_text if change.status != "deleted" else change.old_text
    if text is None:
        return False
    return any(mark in text for mark in _QUERY_MARKS) or _PLACEHOLDER.search(text) is not None


def _new_statements(stmts: Sequence[Statement], old: Sequence[Statement]) -> list[Statement]:
    """Statements of the new text with no counterpart in the old one, as multisets."""
    remaining = Counter(s.key for s in old)
    kept = []
    for stmt in stmts:
        if remaining[stmt.key] > 0:
            remaining[stmt.key] -= 1
        else:
            kept.append(stmt)
    return kept


def _series(path: str) -> str:
    """The folder whose migrations ``path`` is ordered among: its own, or for Diesel's
    one-folder-per-migration layout (``<version>_<name>/up.sql``) the folder above, where the
    migrations sort by folder name."""
    folder = posixpath.dirname(path)
    return posixpath.dirname(folder) if posixpath.basename(path) == "up.sql" else folder


def _siblings(path: str, ctx: DetectContext) -> list[str]:
    """SQL migrations of the same series as ``path`` on the head side, in order (by path)."""
    return list(_migrations_by_folder(ctx).get(_series(path), ()))


# The last listing indexed, with its config: every SQL file of a run asks for its siblings,
# and scanning the whole listing each time makes an audit quadratic in the repository size.
_FOLDERS: list[tuple[tuple[str, ...], object, dict[str, tuple[str, ...]]]] = []


def _migrations_by_folder(ctx: DetectContext) -> Mapping[str, tuple[str, ...]]:
    if ctx.head is None:
        return {}
    listing = ctx.head.paths()
    if _FOLDERS and _FOLDERS[0][0] is listing and _FOLDERS[0][1] is ctx.config:
        return _FOLDERS[0][2]
    found: dict[str, list[str]] = {}
    for p in listing:
        if role(p, ctx) == "migration":
            found.setdefault(_series(p), []).append(p)
    index = {folder: tuple(sorted(paths)) for folder, paths in found.items()}
    _FOLDERS[:] = [(listing, ctx.config, index)]
    return index


def _out_of_order(path: str, ctx: DetectContext) -> Iterator[Problem]:
    """MIG205: a new migration that sorts before one already present at the base."""
    series = _series(path)
    base = _base_migrations(ctx).get(series, ())
    if base and base[-1] > path:
        yield Problem(
            code="MIG205",
            path=path,
            line=1,
            message=(
                f"new migration {_name(path, series)} sorts before "
                f"{_name(base[-1], series)}, which is already present at the base"
            ),
        )


# The last index of base migrations, with what it was built from: every new SQL file of a run
# asks, and building it per file made a change of thousands of migrations quadratic.
_BASES: list[tuple[object, object, dict[str, tuple[str, ...]]]] = []


def _base_migrations(ctx: DetectContext) -> Mapping[str, tuple[str, ...]]:
    """Per series, the migrations present at the base, in order: those at head that the
    change did not add or copy, and those it deleted."""
    head = _migrations_by_folder(ctx)
    statuses = ctx.statuses
    if _BASES and _BASES[0][0] is head and _BASES[0][1] is statuses:
        return _BASES[0][2]
    added = {p for p, status in statuses.items() if status in ("added", "copied")}
    found = {series: [p for p in paths if p not in added] for series, paths in head.items()}
    for p, status in statuses.items():
        if status == "deleted" and role(p, ctx) == "migration":
            found.setdefault(_series(p), []).append(p)
    index = {series: tuple(sorted(paths)) for series, paths in found.items()}
    _BASES[:] = [(head, statuses, index)]
    return index


def _name(path: str, series: str) -> str:
    return path[len(series) + 1 :] if series else path


def _prior_schema(path: str, ctx: DetectContext) -> Schema:
    """The schema built by the SQL migrations that sort before ``path`` in its series."""
    if ctx.head is None:
        return Schema()
    earlier = [p for p in _siblings(path, ctx) if p < path]
    schema = Schema()
    texts = ctx.head.read_many(earlier)
    for sibling in earlier:
        data = texts.get(sibling)
        if data is None or b"\0" in data[:8000]:
            continue
        text = data.decode("utf-8-sig", errors="replace")
        stmts = parse(text, path=sibling, dialect=ctx.config.dialect)
        schema.apply_all(c for stmt in stmts for c in stmt.changes)
    return schema


DETECTOR = SqlDetector()

# A new migration's place among the head side's (MIG205) needs the listing; the earlier
# migrations' texts (the schema before a rebuild), rarely read, send the file to the parent.
SPEC = DetectorSpec(
    name="sql",
    role="migrations",
    source_keys=("sql", "rollback_sql", "sql_migrations"),
    self_contained=True,
    reads_listing=True,
    idempotent_ops=("create_table", "create_index"),
)
