"""SQLite schema snapshots → table/column/index changes (docs/usage.md).

A snapshot is a ``.sql`` schema dump (``sqlite3 db .schema``) or a ``.db``/``.sqlite`` blob.
The one IO helper comes first: a blob is written to a temporary copy and opened read-only and
immutable, so the repository's own file is never opened and nothing is ever written. Below it
everything is pure: a dump is replayed through the SQL detector's parser into a ``Schema``, and
two schemas are compared into the ``Change`` vocabulary the rules read.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

from selenite_inventory_lint.detectors import DetectContext, DetectorSpec, sources
from selenite_inventory_lint.detectors.sql import parse, replay
from selenite_inventory_lint.model import Change, DetectorResult, FileChange, Problem
from selenite_inventory_lint.schema import Column, Index, Schema, Table

SOURCE: Final = "schema_snapshot"
CODE = "MIG301"
BLOB_SUFFIXES = sources.SQLITE_SUFFIXES
DEFAULT_BLOBS = sources.SQLITE_BLOBS


class SnapshotError(Exception):
    """A blob that SQLite cannot read as a database; the message says why."""


def read_blob(data: bytes) -> Schema:
    """The schema of a SQLite database given as bytes, read from a temporary copy.

    The copy is opened with ``mode=ro&immutable=1``: SQLite neither writes nor locks it.
    """
    import sqlite3
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory(prefix="inventory-lint-") as tmp:
        copy = Path(tmp) / "snapshot.db"
        copy.write_bytes(data)
        try:
            conn = sqlite3.connect(f"{copy.as_uri()}?mode=ro&immutable=1", uri=True)
        except sqlite3.Error as exc:  # pragma: no cover - connecting to a fresh file succeeds
            raise SnapshotError(str(exc)) from exc
        # SQLite keeps whatever bytes it was given as names; undecodable ones are replaced,
        # as in any other file (docs/usage.md), not an exception from the cursor.
        conn.text_factory = lambda raw: raw.decode("utf-8", errors="replace")
        try:
            return _read_schema(conn)
        except sqlite3.Error as exc:
            raise SnapshotError(str(exc)) from exc
        except UnicodeDecodeError as exc:
            # SQLite's own error message quoting a damaged schema's bytes cannot be decoded.
            raise SnapshotError("its schema is damaged (text that is not UTF-8)") from exc
        finally:
            conn.close()


def read_schema(conn: Any) -> Schema:
    """The schema of an open SQLite connection (``rehearse`` reads its own copy)."""
    return _read_schema(conn)


def _read_schema(conn: Any) -> Schema:
    rows = conn.execute(
        "SELECT type, name, tbl_name FROM sqlite_master "
        "WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%' ORDER BY type DESC, name"
    ).fetchall()
    tables: dict[str, Table] = {}
    indexes: dict[str, Index] = {}
    for kind, name, _table in rows:
        if kind == "table":
            columns = []
            for row in conn.execute("SELECT * FROM pragma_table_xinfo(?)", (name,)).fetchall():
                _cid, column, declared, notnull, default, pk, hidden = row[:7]
                if hidden in (1,):  # columns of virtual tables' hidden parts
                    continue
                type_ = _declared_type(declared)
                auto = bool(pk) and (type_ or "").upper() in ("INT", "INTEGER", "BIGINT")
                columns.append(
                    Column(
                        name=_name(column),
                        type=type_,
                        nullable=not notnull and not pk,
                        has_default=default is not None or auto or hidden in (2, 3),
                        primary_key=bool(pk),
                    )
                )
            tables[_name(name)] = Table(name=_name(name), columns={c.name: c for c in columns})
    for kind, name, table in rows:
        if kind != "index":
            continue
        listing = conn.execute("SELECT * FROM pragma_index_list(?)", (table,)).fetchall()
        unique = any(row[1] == name and bool(row[2]) for row in listing)
        info = conn.execute("SELECT name FROM pragma_index_info(?)", (name,)).fetchall()
        indexes[_name(name)] = Index(
            name=_name(name),
            table=_name(table),
            columns=tuple(_name(r[0]) for r in info if r[0] is not None),
            unique=unique,
        )
    return Schema(tables=tables, indexes=indexes)


# --- pure from here on -------------------------------------------------------------------


def _name(name: str) -> str:
    """SQLite keeps identifiers as written; unquoted SQL names are compared lower-cased."""
    return name.lower() if name == name.upper() or name.islower() else name


def _declared_type(declared: str | None) -> str | None:
    if not declared:
        return None
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    try:
        return str(exp.DataType.build(declared, dialect="sqlite").sql())
    except (SqlglotError, ValueError):
        return declared.upper()


def read_text(text: str, *, path: str, dialect: str) -> tuple[Schema, tuple[Problem, ...]]:
    """The schema a ``.sql`` dump describes, and the statements that could not be read."""
    stmts = parse(text, path=path, dialect=dialect, source=SOURCE, migration=path)
    problems = tuple(p for s in stmts for p in s.problems)
    return replay(stmts), problems


@dataclass(frozen=True, slots=True, kw_only=True)
class _Where:
    path: str
    migration: str


def _change(
    where: _Where, kind: Any, name: str, action: Any, operation: str, **extra: Any
) -> Change:
    line = extra.pop("line", 1)
    return Change(
        kind=kind,
        name=name,
        action=action,
        path=where.path,
        line=line,
        source=SOURCE,
        operation=operation,
        migration=where.migration,
        **extra,
    )


def _same_columns(a: Table, b: Table) -> bool:
    # One shared `id` column says nothing: a rename needs a recognisable shape.
    columns = [(c.name, c.type) for c in a.ordered()]
    return len(columns) > 1 and columns == [(c.name, c.type) for c in b.ordered()]


def diff(old: Schema, new: Schema, *, path: str, migration: str | None = None) -> list[Change]:
    """Old schema → new schema as added, dropped, renamed and altered objects.

    A table that disappears while exactly one with the same columns (two or more, same names
    and types) appears is a rename; so is one column replaced by another of the same type at
    the same position.
    """
    where = _Where(path=path, migration=migration or path)
    added = [n for n in sorted(new.tables) if n not in old.tables]
    dropped = [n for n in sorted(old.tables) if n not in new.tables]
    renames: dict[str, str] = {}
    for name in dropped:
        twins = [n for n in added if _same_columns(old.tables[name], new.tables[n])]
        if len(twins) == 1 and twins[0] not in renames.values():
            renames[name] = twins[0]
    out: list[Change] = []
    for old_name, new_name in sorted(renames.items()):
        line = new.tables[new_name].line
        out.append(
            _change(
                where, "table", new_name, "renamed", "rename_table", old_name=old_name, line=line
            )
        )
    for name in dropped:
        if name not in renames:
            out.append(_change(where, "table", name, "dropped", "drop_table"))
    for name in added:
        if name in renames.values():
            continue
        table = new.tables[name]
        out.append(_change(where, "table", name, "added", "create_table", line=table.line))
        out.extend(
            _change(
                where,
                "column",
                f"{name}.{c.name}",
                "added",
                "create_table",
                line=c.line,
                type=c.type,
                nullable=c.nullable,
                has_default=c.has_default,
                unique=c.unique,
            )
            for c in table.ordered()
        )
    for name in sorted(set(old.tables) & set(new.tables)):
        out.extend(_column_changes(where, old.tables[name], new.tables[name]))
    out.extend(_index_changes(where, old, new, renames))
    return out


def _column_changes(where: _Where, old: Table, new: Table) -> Iterator[Change]:
    table = new.name
    old_columns, new_columns = old.ordered(), new.ordered()
    old_names = [c.name for c in old_columns]
    new_names = [c.name for c in new_columns]
    gone = [c for c in old_columns if c.name not in new.columns]
    came = [c for c in new_columns if c.name not in old.columns]
    renamed: dict[str, Column] = {}
    if (
        len(gone) == 1
        and len(came) == 1
        and gone[0].type == came[0].type
        and old_names.index(gone[0].name) == new_names.index(came[0].name)
    ):
        renamed[gone[0].name] = came[0]
    for column in gone:
        target = renamed.get(column.name)
        if target is not None:
            yield _change(
                where,
                "column",
                f"{table}.{target.name}",
                "renamed",
                "rename_column",
                old_name=f"{table}.{column.name}",
                line=target.line,
            )
        else:
            yield _change(where, "column", f"{table}.{column.name}", "dropped", "drop_column")
    for column in came:
        if column.name in {c.name for c in renamed.values()}:
            continue
        yield _change(
            where,
            "column",
            f"{table}.{column.name}",
            "added",
            "add_column",
            line=column.line,
            type=column.type,
            nullable=column.nullable,
            has_default=column.has_default,
            unique=column.unique,
        )
    for column in new_columns:
        before = old.columns.get(column.name)
        if before is None:
            continue
        retyped = _normal(before.type) != _normal(column.type)
        nullable = column.nullable if column.nullable != before.nullable else None
        default = column.has_default if column.has_default != before.has_default else None
        if retyped or nullable is not None or default is not None:
            yield _change(
                where,
                "column",
                f"{table}.{column.name}",
                "altered",
                "alter_column",
                line=column.line,
                type=column.type if retyped else None,
                old_type=before.type if retyped else None,
                nullable=nullable,
                has_default=default,
            )


def _normal(text: str | None) -> str:
    return "".join((text or "").lower().split())


def _index_changes(
    where: _Where, old: Schema, new: Schema, renames: dict[str, str]
) -> Iterator[Change]:
    for name in sorted(set(old.indexes) | set(new.indexes)):
        before, after = old.indexes.get(name), new.indexes.get(name)
        if after is not None and (
            before is None or _index_key(before, renames) != _index_key(after, {})
        ):
            if before is not None:
                yield _change(where, "index", name, "dropped", "drop_index", table=before.table)
            yield _change(
                where,
                "index",
                name,
                "added",
                "create_index",
                line=after.line,
                unique=after.unique,
                columns=after.columns,
                table=after.table,
            )
        elif after is None and before is not None and before.table in new.tables:
            yield _change(where, "index", name, "dropped", "drop_index", table=before.table)


def _index_key(index: Index, renames: dict[str, str]) -> tuple[str, tuple[str, ...], bool]:
    return (renames.get(index.table, index.table), index.columns, index.unique)


# --- the detector -------------------------------------------------------------------------


def _problem(path: str, why: str) -> Problem:
    return Problem(code=CODE, path=path, line=1, message=f"cannot analyze schema snapshot: {why}")


def load(
    path: str, data: bytes | None, text: str | None, dialect: str
) -> tuple[Schema, tuple[Problem, ...]]:
    """One side of a snapshot: a blob by its suffix, otherwise a dump."""
    if data is None and text is None:
        return Schema(), ()
    if path.lower().endswith(BLOB_SUFFIXES):
        try:
            return read_blob(data or b""), ()
        except SnapshotError as exc:
            return Schema(), (_problem(path, f"it is not a readable SQLite database ({exc})"),)
    if text is None:
        return Schema(), (_problem(path, "it is a binary file, not a SQL schema dump"),)
    return read_text(text, path=path, dialect=dialect)


class SqliteSchemaDetector:
    """Schema snapshots: ``.sql`` dumps and ``.db``/``.sqlite`` files (docs/usage.md)."""

    name = "schema_snapshot"

    def claims(self, path: str, ctx: DetectContext) -> bool:
        return sources.sqlite_schema(path, ctx)

    def detect(self, change: FileChange, ctx: DetectContext) -> DetectorResult:
        """Added snapshots compare with the previous one in their folder, else with nothing."""
        path = change.path
        if change.status == "deleted":
            return DetectorResult()  # no longer captured says nothing about the database
        if change.too_large:
            return DetectorResult(problems=(_problem(path, "it is larger than max_file_bytes"),))
        dialect = ctx.config.dialect
        new, problems = load(path, change.new_bytes, change.new_text, dialect)
        if problems:
            return DetectorResult(problems=problems)
        old_path = change.old_path or path
        if change.status in ("modified", "renamed"):
            old, old_problems = load(old_path, change.old_bytes, change.old_text, dialect)
        else:
            old, old_problems = _previous(path, ctx)
        if old_problems:
            return DetectorResult(problems=old_problems)
        return DetectorResult(changes=tuple(diff(old, new, path=path)))


def _previous(path: str, ctx: DetectContext) -> tuple[Schema, tuple[Problem, ...]]:
    """The snapshot sorting just before ``path`` in its folder, present at the base."""
    if ctx.head is None:
        return Schema(), ()
    folder = posixpath.dirname(path)
    detector = SqliteSchemaDetector()
    earlier = sorted(
        p
        for p in ctx.head.paths()
        if posixpath.dirname(p) == folder
        and p < path
        and ctx.statuses.get(p) not in ("added", "copied")
        and detector.claims(p, ctx)
    )
    if not earlier:
        return Schema(), ()
    previous = earlier[-1]
    data = ctx.head.read_many([previous]).get(previous)
    if data is None:  # pragma: no cover - listed a moment ago
        return Schema(), ()
    text = None if b"\0" in data[:8000] else data.decode("utf-8-sig", errors="replace")
    schema, problems = load(previous, data, text, ctx.config.dialect)
    return (Schema(), ()) if problems else (schema, ())


DETECTOR = SqliteSchemaDetector()

# A snapshot describes a database, it does not run: idempotence is not its to keep. It reads
# neighbouring snapshots from the head side, so it stays in the main process.
SPEC = DetectorSpec(
    name="schema_snapshot",
    role="schema_snapshots",
    source_keys=("schema_snapshots",),
    self_contained=False,
)
