"""CREATE, ALTER and DROP statements → table, column and index changes (docs/usage.md)."""

from __future__ import annotations

from typing import Any

from selenite_inventory_lint.detectors.sql.nodes import (
    Emitter,
    Found,
    column_def,
    copy_of,
    ident,
    idents,
    keyed,
)
from selenite_inventory_lint.schema import Column, Table


def _meta_line(node: Any, emitter: Emitter) -> int | None:
    meta = getattr(node, "_meta", None) or {}
    found = meta.get("line")
    return emitter.line + int(found) - 1 if isinstance(found, int) else None


_GENERATOR: list[Any] = []


def _type_text(kind: Any) -> str | None:
    """``kind.sql()``, through one generator kept for the run: building one per column was
    half the cost of reading a CREATE TABLE."""
    if kind is None:
        return None
    if not _GENERATOR:
        from sqlglot.dialects.dialect import Dialect

        _GENERATOR.append(Dialect.get_or_raise(None).generator())
    text = _GENERATOR[0].generate(kind, copy=True)
    return str(text) if text else None


def column_spec(node: Any, exp: Any, *, line: int = 1) -> Column | None:
    """A ``ColumnDef`` (or a typeless SQLite column) as a schema ``Column``."""
    if isinstance(node, exp.Identifier):
        return Column(name=ident(node, exp) or "", nullable=True, line=line)
    if not isinstance(node, exp.ColumnDef):
        return None
    name = ident(node.this, exp)
    if name is None:
        return None
    type_ = _type_text(node.args.get("kind"))
    nullable = True
    has_default = primary_key = unique = False
    for constraint in node.args.get("constraints") or ():
        ckind = (
            constraint.args.get("kind") if isinstance(constraint, exp.ColumnConstraint) else None
        )
        if isinstance(ckind, exp.NotNullColumnConstraint):
            nullable = bool(ckind.args.get("allow_null"))
        elif isinstance(ckind, exp.PrimaryKeyColumnConstraint):
            primary_key = True
        elif isinstance(ckind, exp.UniqueColumnConstraint):
            unique = True
        elif isinstance(
            ckind,
            (
                exp.DefaultColumnConstraint,
                exp.AutoIncrementColumnConstraint,
                exp.GeneratedAsIdentityColumnConstraint,
                exp.ComputedColumnConstraint,
            ),
        ):
            has_default = True
    return column_def(name, type_, nullable, has_default, primary_key, unique, line)


def _constraint_columns(node: Any, exp: Any) -> tuple[str, ...]:
    target = node.this if isinstance(node.this, exp.Schema) else node
    return idents(target.expressions, exp)


def _table_columns(schema: Any, exp: Any, emitter: Emitter) -> tuple[Column, ...]:
    """The columns a CREATE TABLE defines, in order, with the table's key and constraints."""
    specs: list[Column] = []
    keys: set[str] = set()
    uniques: set[str] = set()
    constraints = []
    for item in schema.expressions:
        if isinstance(item, exp.Constraint):
            constraints.extend(item.expressions)
        else:
            constraints.append(item)
    for item in constraints:
        if isinstance(item, exp.PrimaryKey):
            keys.update(idents(item.expressions, exp))
        elif isinstance(item, exp.UniqueColumnConstraint):
            columns = _constraint_columns(item, exp)
            if len(columns) == 1:
                uniques.add(columns[0])
        else:
            spec = column_spec(item, exp, line=_meta_line(item.this, emitter) or emitter.line)
            if spec is not None:
                specs.append(spec)
    return keyed(specs, keys, uniques)


def _is_temporary(node: Any, exp: Any) -> bool:
    properties = node.args.get("properties")
    return properties is not None and any(
        isinstance(p, exp.TemporaryProperty) for p in properties.expressions
    )


def create(node: Any, emitter: Emitter, exp: Any) -> Found:
    kind = str(node.args.get("kind") or "").upper()
    guarded = bool(node.args.get("exists"))
    if kind == "TABLE":
        if _is_temporary(node, exp):
            return None, None  # gone at the end of the session: holds no data
        target = node.this
        name = ident(target.this if isinstance(target, exp.Schema) else target, exp)
        if name is None:
            return "the table name is not an identifier"
        copy = None
        columns: tuple[Column, ...] = ()
        if isinstance(target, exp.Schema):
            columns = _table_columns(target, exp, emitter)
        else:
            select = node.expression
            if isinstance(select, exp.Select):
                # CREATE TABLE … AS SELECT a AS b: the new column is b, filled from a.
                names = tuple(
                    n
                    for p in select.expressions
                    if (n := ident(p.args.get("alias") or p, exp)) is not None
                )
                copy = copy_of(name, names or None, select, exp)
                columns = tuple(Column(name=c, nullable=True) for c in names)
        emitter.created_table(name, columns, guarded=guarded)
        return Table(name=name, columns={c.name: c for c in columns}, line=emitter.line), copy
    if kind == "INDEX":
        index = node.this
        name = ident(index.this, exp)
        table = ident(index.args.get("table"), exp)
        params = index.args.get("params")
        indexed = idents(params.args.get("columns") or () if params else (), exp)
        unique = bool(node.args.get("unique"))
        emitter.created_index(name, table, indexed, unique=unique, guarded=guarded)
    return None, None


def alter(node: Any, emitter: Emitter, exp: Any) -> Found:
    if str(node.args.get("kind") or "TABLE").upper() != "TABLE":
        return None, None
    table = ident(node.this, exp)
    if table is None:
        return "the table name is not an identifier"
    guarded = bool(node.args.get("exists"))
    for action in node.args.get("actions") or ():
        if isinstance(action, exp.ColumnDef):
            spec = column_spec(action, exp)
            if spec is not None:
                exists = guarded or bool(action.args.get("exists"))
                emitter.added_column(table, spec, guarded=exists)
        elif isinstance(action, exp.Drop):
            if str(action.args.get("kind") or "COLUMN").upper() == "COLUMN":
                for column in idents(action.args.get("tables") or (), exp):
                    emitter.add(
                        "column",
                        f"{table}.{column}",
                        "dropped",
                        "drop_column",
                        if_exists=guarded or bool(action.args.get("exists")),
                    )
        elif isinstance(action, exp.RenameColumn):
            old, new = ident(action.this, exp), ident(action.args.get("to"), exp)
            if old and new:
                emitter.renamed_column(table, old, new, guarded=guarded)
        elif isinstance(action, exp.AlterRename):
            new = ident(action.this, exp)
            if new and new != table:
                emitter.add(
                    "table", new, "renamed", "rename_table", old_name=table, if_exists=guarded
                )
        elif isinstance(action, exp.AlterColumn):
            _alter_column(action, table, guarded, emitter, exp)
        elif isinstance(action, exp.ModifyColumn):
            _modify_column(action, table, guarded, emitter, exp)
        elif isinstance(action, exp.AddConstraint):
            _add_constraint(action, table, guarded, emitter, exp)
    return None, None


def _alter_column(action: Any, table: str, guarded: bool, emitter: Emitter, exp: Any) -> None:
    column = ident(action.this, exp)
    if column is None:
        return
    type_ = _type_text(action.args.get("dtype"))
    allow_null = action.args.get("allow_null")
    nullable = None if allow_null is None else bool(allow_null)
    has_default: bool | None = None
    if action.args.get("default") is not None:
        has_default = True
    elif action.args.get("drop") and allow_null is None:
        has_default = False
    if type_ is None and nullable is None and has_default is None:
        return
    emitter.altered_column(
        table, column, type_=type_, nullable=nullable, has_default=has_default, guarded=guarded
    )


def _modify_column(action: Any, table: str, guarded: bool, emitter: Emitter, exp: Any) -> None:
    """MySQL ``MODIFY`` / ``CHANGE``: the column restated in full, maybe under a new name."""
    spec = column_spec(action.this, exp)
    if spec is None:
        return
    old = ident(action.args.get("rename_from"), exp)
    if old is not None:
        emitter.renamed_column(table, old, spec.name, guarded=guarded)
    emitter.altered_column(
        table,
        spec.name,
        type_=spec.type,
        nullable=spec.nullable,
        has_default=spec.has_default,
        guarded=guarded,
    )


def _add_constraint(action: Any, table: str, guarded: bool, emitter: Emitter, exp: Any) -> None:
    for item in action.expressions:
        name: str | None = None
        parts = [item]
        if isinstance(item, exp.Constraint):
            name = ident(item.this, exp)
            parts = list(item.expressions)
        for part in parts:
            if not isinstance(part, exp.UniqueColumnConstraint):
                continue
            columns = _constraint_columns(part, exp)
            if isinstance(part.this, exp.Schema) and name is None:
                name = ident(part.this.this, exp)
            emitter.unique_constraint(table, columns, name=name, guarded=guarded)


def drop(node: Any, emitter: Emitter, exp: Any) -> Found:
    kind = str(node.args.get("kind") or "").upper()
    guarded = bool(node.args.get("exists"))
    names = idents(node.args.get("tables") or (), exp)
    if kind == "TABLE":
        if _is_temporary(node, exp):
            return None, None
        for name in names:
            emitter.add("table", name, "dropped", "drop_table", if_exists=guarded)
    elif kind == "INDEX":
        cluster = node.args.get("cluster")
        table = ident(cluster.this, exp) if isinstance(cluster, exp.OnProperty) else None
        for name in names:
            emitter.add("index", name, "dropped", "drop_index", if_exists=guarded, table=table)
    return None, None
