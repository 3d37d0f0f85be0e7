"""The schema without a database: tables, columns and indexes built by replaying changes.

One model for every reader: ``audit`` replays the migrations of the whole repository into the
schema at head, the SQL detector replays earlier migrations to know a table's columns before a
rebuild, and schema snapshots (dumps and SQLite files) are read into it to be compared.
Replaying the ``Change`` records the detectors already produce keeps one reading of every
operation (docs/usage.md): what `check` judges in a diff is exactly what `audit` applies here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from selenite_inventory_lint.model import Change
from selenite_inventory_lint.records import Record


class Column(Record):
    name: str
    type: str | None = None
    # None where the source does not say (a model, an Alembic column without nullable=).
    nullable: bool | None = None
    has_default: bool = False
    primary_key: bool = False
    unique: bool = False
    path: str = ""
    line: int = 1
    column: int = 1
    # The migration that added the column; equal to its table's for columns created with it.
    migration: str | None = None
    # Place in the table (``Table.ordered``); a rename keeps it.
    position: int = 0


class Table:
    """A table being built: its columns change in place as migrations apply. A plain class
    (a dataclass cost a millisecond to create at import, on every SQL check)."""

    __slots__ = ("added", "column", "columns", "line", "migration", "name", "path")

    def __init__(
        self,
        *,
        name: str,
        columns: dict[str, Column] | None = None,
        path: str = "",
        line: int = 1,
        column: int = 1,
        migration: str | None = None,
        added: int = 0,
    ) -> None:
        self.name = name
        self.columns = columns if columns is not None else {}
        self.path = path
        self.line = line
        self.column = column
        self.migration = migration
        # Columns ever added: the next one's position.
        self.added = added
        if self.columns and not self.added:  # built whole: positions in the given order
            self.columns = {
                k: c._replace(position=i) for i, (k, c) in enumerate(self.columns.items())
            }
            self.added = len(self.columns)

    def _fields(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in _TABLE_FIELDS)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Table):
            return NotImplemented
        return self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass was

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={v!r}" for n, v in zip(_TABLE_FIELDS, self._fields(), strict=True))
        return f"Table({shown})"

    def copy(self) -> Table:
        """A copy whose columns change apart from this table's."""
        return Table(
            name=self.name,
            columns=dict(self.columns),
            path=self.path,
            line=self.line,
            column=self.column,
            migration=self.migration,
            added=self.added,
        )

    def ordered(self) -> list[Column]:
        """The columns in table order, as a dump lists them and ``SELECT *`` reads them."""
        return sorted(self.columns.values(), key=lambda c: c.position)

    def add(self, column: Column) -> None:
        """Add (or replace) a column; a new one goes last."""
        current = self.columns.get(column.name)
        if current is not None:
            self.columns[column.name] = column._replace(position=current.position)
        else:
            self.columns[column.name] = column._replace(position=self.added)
            self.added += 1

    def added_later(self, column: Column) -> bool:
        """Was the column added by a later migration than the one that created the table?"""
        return column.migration != self.migration


class Index(Record):
    name: str
    table: str
    columns: tuple[str, ...] = ()
    unique: bool = False
    line: int = 1


_TABLE_FIELDS = ("name", "columns", "path", "line", "column", "migration", "added")


def _split(name: str) -> tuple[str, str]:
    table, _, column = name.rpartition(".")
    return table, column


class Schema:
    """Tables and indexes by name, built by applying changes in time order."""

    __slots__ = ("indexes", "tables")

    def __init__(
        self, *, tables: dict[str, Table] | None = None, indexes: dict[str, Index] | None = None
    ) -> None:
        self.tables = tables if tables is not None else {}
        self.indexes = indexes if indexes is not None else {}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Schema):
            return NotImplemented
        return (self.tables, self.indexes) == (other.tables, other.indexes)

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass was

    def __repr__(self) -> str:
        return f"Schema(tables={self.tables!r}, indexes={self.indexes!r})"

    def copy(self) -> Schema:
        """A copy that changes applied to it leave this schema untouched."""
        return Schema(
            tables={k: t.copy() for k, t in self.tables.items()},
            indexes=dict(self.indexes),
        )

    def apply_all(self, changes: Iterable[Change]) -> Schema:
        """Apply changes in order; operations on objects that are not there are ignored, as a
        guarded migration would skip them."""
        # A guarded CREATE of a table that exists does nothing, to its columns either.
        skipped: str | None = None
        for change in changes:
            if change.kind == "table" and change.action == "added":
                skipped = change.name if change.guarded and change.name in self.tables else None
                if skipped is not None:
                    continue
            elif (
                skipped is not None
                and change.kind == "column"
                and change.operation == "create_table"
                and _split(change.name)[0] == skipped
            ):
                continue
            else:
                skipped = None
            if change.kind == "table":
                self._table(change)
            elif change.kind == "column":
                self._column(change)
            elif change.kind == "index":
                self._index(change)
        return self

    def _table(self, change: Change) -> None:
        name = change.name
        if change.action == "added":
            self.tables[name] = Table(
                name=name,
                path=change.path,
                line=change.line,
                column=change.column,
                migration=change.migration,
            )
        elif change.action == "dropped":
            self.tables.pop(name, None)
            self.indexes = {k: v for k, v in self.indexes.items() if v.table != name}
        elif change.action == "renamed" and change.old_name in self.tables:
            table = self.tables.pop(change.old_name)
            table.name = name
            self.tables[name] = table
            self.indexes = {
                k: v._replace(table=name) if v.table == change.old_name else v
                for k, v in self.indexes.items()
            }

    def _column(self, change: Change) -> None:
        table_name, column_name = _split(change.name)
        if change.action == "added":
            table = self.tables.get(table_name)
            if table is None:
                return
            if column_name in table.columns and change.guarded:
                return
            table.add(
                Column(
                    name=column_name,
                    type=change.type,
                    nullable=change.nullable,
                    has_default=bool(change.has_default),
                    unique=change.unique,
                    path=change.path,
                    line=change.line,
                    column=change.column,
                    migration=change.migration,
                )
            )
        elif change.action == "dropped":
            table = self.tables.get(table_name)
            if table is not None:
                table.columns.pop(column_name, None)
        elif change.action == "renamed" and change.old_name:
            old_table, old_column = _split(change.old_name)
            table = self.tables.get(old_table)
            if table is not None and old_column in table.columns and old_column != column_name:
                # Same position: a dump's column order tells a rename from a drop and an add.
                column = table.columns.pop(old_column)
                table.columns[column_name] = column._replace(name=column_name)
        elif change.action == "altered":
            table = self.tables.get(table_name)
            current = table.columns.get(column_name) if table is not None else None
            if table is not None and current is not None:
                table.columns[column_name] = current._replace(
                    type=change.type or current.type,
                    nullable=current.nullable if change.nullable is None else change.nullable,
                    has_default=(
                        current.has_default if change.has_default is None else change.has_default
                    ),
                )

    def _index(self, change: Change) -> None:
        if change.action == "added" and change.table:
            self.indexes[change.name] = Index(
                name=change.name,
                table=change.table,
                columns=change.columns,
                unique=change.unique,
                line=change.line,
            )
        elif change.action == "dropped":
            self.indexes.pop(change.name, None)

    def merge(self, other: Schema) -> None:
        """Add the tables and columns of ``other`` that this schema does not have."""
        for name, table in other.tables.items():
            mine = self.tables.setdefault(
                name,
                Table(name=name, path=table.path, line=table.line, migration=table.migration),
            )
            for column in table.ordered():
                # Keeping the snapshot's migration makes a column it adds to a migrated table
                # "added later" than that table, as column_policy means it.
                if column.name not in mine.columns:
                    mine.add(column)

    def declare(self, name: str, path: str, line: int, columns: Mapping[str, int]) -> None:
        """Add a table a model declares, and its columns, where migrations did not."""
        table = self.tables.get(name)
        if table is None:
            table = self.tables[name] = Table(name=name, path=path, line=line, migration=None)
        for column, column_line in columns.items():
            if column not in table.columns:
                table.add(Column(name=column, path=path, line=column_line, migration=None))

    def columns(self) -> Iterator[tuple[Table, Column]]:
        for table in sorted(self.tables.values(), key=lambda t: t.name):
            for column in sorted(table.columns.values(), key=lambda c: c.name):
                yield table, column

    def as_dict(self) -> dict[str, dict[str, tuple[str | None, bool | None]]]:
        """``{table: {column: (type, nullable)}}`` — the whole schema, for comparison in tests."""
        return {
            table.name: {
                c.name: (c.type, c.nullable)
                for c in sorted(table.columns.values(), key=lambda c: c.name)
            }
            for table in sorted(self.tables.values(), key=lambda t: t.name)
        }
