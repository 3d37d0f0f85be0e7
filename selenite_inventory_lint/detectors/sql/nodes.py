"""Reading sqlglot nodes: identifiers as docs/usage.md names them, and the records a statement
fills. Both readers of a statement (``ddl``/``statements`` through sqlglot, ``fast`` from
tokens) build their columns and changes here, so the two give the same records."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from selenite_inventory_lint.model import Change, Source
from selenite_inventory_lint.schema import Column, Table

_AUTO_TYPES = ("SERIAL", "BIGSERIAL", "SMALLSERIAL")
# SQLite's INTEGER PRIMARY KEY is the rowid: every insert gets one.
_ROWID_TYPES = ("INT", "INTEGER", "BIGINT")


@dataclass(frozen=True, slots=True, kw_only=True)
class Copy:
    """``INSERT INTO target [(columns)] SELECT values FROM source`` (or CREATE TABLE … AS)."""

    target: str
    source: str | None
    columns: tuple[str, ...] | None
    # The source column each selected value is, None for an expression; None for SELECT *.
    values: tuple[str | None, ...] | None


@dataclass(slots=True)
class Emitter:
    """The changes of one statement, each at the statement's position unless ``at`` says."""

    path: str
    line: int
    column: int
    source: Source
    migration: str | None
    guarded: bool
    guard: int | None
    changes: list[Change] = field(default_factory=list)

    def add(
        self,
        kind: Any,
        name: str,
        action: Any,
        operation: str,
        *,
        if_exists: bool = False,
        at: int | None = None,
        **extra: Any,
    ) -> None:
        guarded = bool(if_exists) or self.guarded
        line = at or self.line
        self.changes.append(
            Change(
                kind=kind,
                name=name,
                action=action,
                path=self.path,
                line=line,
                column=self.column if line == self.line else 1,
                source=self.source,
                operation=operation,
                guarded=guarded,
                guard=self.guard,
                migration=self.migration,
                **extra,
            )
        )

    def created_table(self, name: str, columns: Iterable[Column], *, guarded: bool) -> None:
        """CREATE TABLE: the table, then each column at its own line."""
        self.add("table", name, "added", "create_table", if_exists=guarded)
        for column in columns:
            self._column(name, column, "create_table", guarded=guarded, at=column.line)

    def added_column(self, table: str, spec: Column, *, guarded: bool) -> None:
        """ADD COLUMN: the column, and its unique constraint when the column is UNIQUE."""
        self._column(table, spec, "add_column", guarded=guarded)
        if spec.unique:
            self.unique_constraint(table, (spec.name,))

    def _column(
        self, table: str, spec: Column, operation: str, *, guarded: bool, at: int | None = None
    ) -> None:
        self.add(
            "column",
            f"{table}.{spec.name}",
            "added",
            operation,
            if_exists=guarded,
            at=at,
            type=spec.type,
            nullable=spec.nullable,
            has_default=spec.has_default,
            unique=spec.unique,
        )

    def unique_constraint(
        self,
        table: str,
        columns: tuple[str, ...],
        *,
        name: str | None = None,
        guarded: bool = False,
    ) -> None:
        """A unique constraint, ``uq_<table>_<columns>`` when the statement names none."""
        self.add(
            "index",
            name or "_".join(("uq", table, *columns)),
            "added",
            "create_unique_constraint",
            if_exists=guarded,
            unique=True,
            columns=columns,
            table=table,
        )

    def created_index(
        self,
        name: str | None,
        table: str | None,
        columns: tuple[str, ...],
        *,
        unique: bool,
        guarded: bool,
    ) -> None:
        """CREATE INDEX, ``ix_<table>_<columns>`` when the statement names none (and nothing
        when it names neither index nor table)."""
        if name is None:
            if table is None:
                return
            name = "_".join(("ix", table, *columns))
        self.add(
            "index",
            name,
            "added",
            "create_index",
            if_exists=guarded,
            unique=unique,
            columns=columns,
            table=table,
        )

    def altered_column(
        self,
        table: str,
        column: str,
        *,
        type_: str | None,
        nullable: bool | None,
        has_default: bool | None,
        guarded: bool,
    ) -> None:
        """ALTER COLUMN: what the statement says of the column, None where it says nothing."""
        self.add(
            "column",
            f"{table}.{column}",
            "altered",
            "alter_column",
            if_exists=guarded,
            type=type_,
            nullable=nullable,
            has_default=has_default,
        )

    def renamed_column(self, table: str, old: str, new: str, *, guarded: bool) -> None:
        """RENAME COLUMN; a rename to the same name changes nothing."""
        if old != new:
            self.add(
                "column",
                f"{table}.{new}",
                "renamed",
                "rename_column",
                old_name=f"{table}.{old}",
                if_exists=guarded,
            )

    def updated_rows(
        self, table: str, columns: tuple[str, ...], *, where: bool, null_only: tuple[str, ...]
    ) -> None:
        """UPDATE: the columns set, whether a WHERE restricts the rows and the columns it keeps
        to NULL."""
        self.add(
            "table",
            table,
            "altered",
            "update_rows",
            where=where,
            columns=columns,
            null_only=null_only,
        )


def column_def(
    name: str,
    type_: str | None,
    nullable: bool,
    has_default: bool,
    primary_key: bool,
    unique: bool,
    line: int,
    position: int = 0,
    /,
) -> Column:
    """A column definition as both readers read it (the flags are what its constraints say):
    a key is never NULL, and the types that fill themselves have a default."""
    upper = (type_ or "").upper()
    has_default = has_default or upper in _AUTO_TYPES
    if primary_key:
        nullable = False
        has_default = has_default or upper in _ROWID_TYPES
    return Column(
        name=name,
        type=type_,
        nullable=nullable,
        has_default=has_default,
        primary_key=primary_key,
        unique=unique,
        line=line,
        position=position,
    )


def keyed(specs: Sequence[Column], keys: set[str], uniques: set[str]) -> tuple[Column, ...]:
    """A CREATE TABLE's columns with its table-level PRIMARY KEY and one-column UNIQUE
    constraints applied."""
    return tuple(
        spec._replace(
            primary_key=spec.primary_key or spec.name in keys,
            nullable=spec.nullable and spec.name not in keys,
            unique=spec.unique or spec.name in uniques,
        )
        if spec.name in keys or spec.name in uniques
        else spec
        for spec in specs
    )


def ident(node: Any, exp: Any) -> str | None:
    """An identifier as docs/usage.md names it: lower-cased unless quoted."""
    if node is None:
        return None
    if isinstance(node, exp.Table):
        node = node.this
    if isinstance(node, (exp.Column, exp.Ordered, exp.Alias)):
        return ident(node.this, exp) if not isinstance(node, exp.Alias) else None
    if isinstance(node, exp.Identifier):
        return str(node.this) if node.quoted else str(node.this).lower()
    if isinstance(node, exp.Dot):
        return ident(node.expression, exp)
    if isinstance(node, (exp.Var, exp.Literal)):
        return str(node.this).lower()
    return None


def idents(nodes: Iterable[Any], exp: Any) -> tuple[str, ...]:
    found = []
    for node in nodes:
        name = ident(node, exp)
        if name is not None:
            found.append(name)
    return tuple(found)


def copy_of(target: str, columns: tuple[str, ...] | None, select: Any, exp: Any) -> Copy:
    from_ = select.args.get("from_") or select.args.get("from")
    source = None
    if from_ is not None and isinstance(from_.this, exp.Table) and not select.args.get("joins"):
        source = ident(from_.this, exp)
    values: list[str | None] | None = []
    for projection in select.expressions:
        if isinstance(projection, exp.Star) or (
            isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star)
        ):
            values = None
            break
        inner = projection.this if isinstance(projection, exp.Alias) else projection
        assert values is not None
        values.append(ident(inner, exp) if isinstance(inner, exp.Column) else None)
    return Copy(
        target=target,
        source=source,
        columns=columns,
        values=None if values is None else tuple(values),
    )


# What a statement's reader returns: the table a CREATE defines and the copy an INSERT … SELECT
# (or CREATE TABLE … AS) makes, or why the statement cannot be analysed.
Found = tuple[Table | None, Copy | None] | str
