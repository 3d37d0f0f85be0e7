"""A SQLite database, measured: schema text, rows per table, non-NULL values per column.

Counting is one ``SELECT count(*), count(c1), …`` per table, so a multi-GB database costs one
scan of each table. Databases are opened read-only; a backup is never opened, only hashed
and copied.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from selenite_inventory_lint.errors import FatalError

if TYPE_CHECKING:
    from selenite_inventory_lint.schema import Schema

MAGIC = b"SQLite format 3\0"
_CHUNK = 4 * 1024 * 1024
_SCHEMA = (
    "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
    "AND name NOT LIKE 'sqlite_%' ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 "
    "WHEN 'view' THEN 2 ELSE 3 END, name"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class TableCount:
    name: str
    rows: int
    # (column, non-NULL values) in column order.
    values: tuple[tuple[str, int], ...]

    def column(self, name: str) -> int | None:
        return dict(self.values).get(name)


@dataclass(frozen=True, slots=True, kw_only=True)
class Measurement:
    schema_sql: str
    tables: tuple[TableCount, ...]
    # Rows of `alembic_version`, when the database has one.
    versions: tuple[str, ...] = ()
    # What `PRAGMA integrity_check` / `foreign_key_check` reported; empty when all is well.
    integrity: tuple[str, ...] = ()
    foreign_keys: tuple[str, ...] = ()

    def table(self, name: str) -> TableCount | None:
        return next((t for t in self.tables if t.name == name), None)


Progress = Callable[[str], None]


def copy_backup(source: Path, target: Path, progress: Progress) -> str:
    """Copy ``source`` to ``target`` in one pass that also hashes it; its sha256.

    Refuses a file that is not a SQLite database (exit 2, docs/usage.md)."""
    digest = hashlib.sha256()
    try:
        with source.open("rb") as reader:
            head = reader.read(len(MAGIC))
            if head != MAGIC:
                raise FatalError(
                    f"{source} is not a SQLite database (no 'SQLite format 3' header); "
                    "pass the backup file itself."
                )
            size = source.stat().st_size
            progress(f"copying the backup ({size / 1e6:.1f} MB)")
            with target.open("xb") as writer:
                digest.update(head)
                writer.write(head)
                while chunk := reader.read(_CHUNK):
                    digest.update(chunk)
                    writer.write(chunk)
    except OSError as exc:
        raise FatalError(f"cannot copy the backup {source}: {exc.strerror or exc}.") from exc
    return digest.hexdigest()


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as reader:
            while chunk := reader.read(_CHUNK):
                digest.update(chunk)
    except OSError as exc:
        raise FatalError(f"cannot read the backup {path}: {exc.strerror or exc}.") from exc
    return digest.hexdigest()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def measure(path: Path, progress: Progress, *, checks: bool = False) -> Measurement:
    """Schema text and counts of the database at ``path``, opened read-only.

    ``checks`` also runs ``PRAGMA integrity_check`` and ``PRAGMA foreign_key_check``."""
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:  # pragma: no cover - the file was just written
        raise FatalError(f"cannot open {path}: {exc}.") from exc
    conn.text_factory = lambda raw: raw.decode("utf-8", errors="replace")
    try:
        return _measure(conn, progress, checks=checks)
    except sqlite3.Error as exc:
        raise FatalError(f"cannot read the database copy {path}: {exc}.") from exc
    finally:
        conn.close()


def _measure(conn: sqlite3.Connection, progress: Progress, *, checks: bool) -> Measurement:
    objects = conn.execute(_SCHEMA).fetchall()
    schema_sql = "".join(f"{sql.strip()};\n" for _type, _name, sql in objects)
    tables = []
    versions: tuple[str, ...] = ()
    for kind, name, sql in objects:
        if kind != "table" or sql.upper().startswith("CREATE VIRTUAL"):
            continue
        columns = [
            row[1]
            for row in conn.execute("SELECT * FROM pragma_table_xinfo(?)", (name,)).fetchall()
            if row[6] != 1
        ]
        counted = ", ".join(["count(*)", *(f"count({_quote(c)})" for c in columns)])
        progress(f"counting rows of {name}")
        row = conn.execute(f"SELECT {counted} FROM {_quote(name)}").fetchone()
        tables.append(
            TableCount(name=name, rows=row[0], values=tuple(zip(columns, row[1:], strict=True)))
        )
        if name == "alembic_version" and "version_num" in columns:
            found = conn.execute("SELECT version_num FROM alembic_version").fetchall()
            versions = tuple(sorted(str(v[0]) for v in found))
    integrity: tuple[str, ...] = ()
    foreign_keys: tuple[str, ...] = ()
    if checks:
        progress("checking integrity")
        integrity = tuple(
            str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall() if r[0] != "ok"
        )
        foreign_keys = tuple(
            f"{table} row {rowid} → {parent}"
            for table, rowid, parent, _fk in conn.execute("PRAGMA foreign_key_check").fetchall()
        )
    return Measurement(
        schema_sql=schema_sql,
        tables=tuple(sorted(tables, key=lambda t: t.name)),
        versions=versions,
        integrity=integrity,
        foreign_keys=foreign_keys,
    )


def read_schema(path: Path) -> Schema:
    """The ``Schema`` (schema.py) of the database at ``path``, for the inventory."""
    from selenite_inventory_lint.detectors import sqlite_schema

    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    conn.text_factory = lambda raw: raw.decode("utf-8", errors="replace")
    try:
        return sqlite_schema.read_schema(conn)
    except sqlite3.Error as exc:
        raise FatalError(f"cannot read the schema of {path}: {exc}.") from exc
    finally:
        conn.close()
