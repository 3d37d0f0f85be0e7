"""The SQLite table-rebuild pattern folded into one ``rebuild_table`` (docs/usage.md).

create new → copy → drop old → rename (or rename away first) rebuilds a table; the old
table's columns, replayed from the statements and migrations before it, tell which columns
the copy loses, renames or narrows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from selenite_inventory_lint.detectors.sql.statements import Statement
from selenite_inventory_lint.model import Change
from selenite_inventory_lint.schema import Schema, Table


def _one(stmt: Statement, operation: str, name: str) -> Change | None:
    return next(
        (
            c
            for c in stmt.changes
            if c.operation == operation and c.name == name and (c.kind == "table")
        ),
        None,
    )


def _copy_into(stmt: Statement, target: str, source: str) -> bool:
    return stmt.copy is not None and stmt.copy.target == target and stmt.copy.source == source


@dataclass(frozen=True, slots=True)
class _Rebuild:
    table: str
    temp: str
    create: int
    copy: int
    # Statement indexes and the change each contributes that the rebuild replaces.
    consumed: tuple[tuple[int, str, str], ...]


def _find_rebuilds(stmts: Sequence[Statement]) -> list[_Rebuild]:
    """The create → copy → drop → rename pattern and its rename-away-first variant
    (docs/usage.md)."""
    found: list[_Rebuild] = []
    used: set[int] = set()
    for r, stmt in enumerate(stmts):
        for rename in stmt.changes:
            if rename.operation != "rename_table" or rename.old_name is None or r in used:
                continue
            forward = _forward(stmts, r, rename.old_name, rename.name, used)
            backward = None if forward else _backward(stmts, r, rename.name, rename.old_name, used)
            hit = forward or backward
            if hit is not None:
                found.append(hit)
                used.update(i for i, _, _ in hit.consumed)
    return found


def _forward(
    stmts: Sequence[Statement], r: int, temp: str, table: str, used: set[int]
) -> _Rebuild | None:
    """create temp → copy table into temp → drop table → rename temp to table."""
    drop = next((d for d in range(r - 1, -1, -1) if _one(stmts[d], "drop_table", table)), None)
    if drop is None or drop in used:
        return None
    for c in range(drop - 1, -1, -1):
        if _one(stmts[c], "create_table", temp) is None:
            continue
        copy = next((i for i in range(c, drop) if _copy_into(stmts[i], temp, table)), None)
        if copy is None or c in used or copy in used:
            return None
        consumed = (
            (c, "", temp),
            (copy, "insert_select", temp),
            (drop, "drop_table", table),
            (r, "rename_table", table),
        )
        return _Rebuild(table=table, temp=temp, create=c, copy=copy, consumed=consumed)
    return None


def _backward(
    stmts: Sequence[Statement], r: int, old: str, table: str, used: set[int]
) -> _Rebuild | None:
    """rename table away → create table → copy from the old copy → drop the old copy."""
    create = next(
        (c for c in range(r + 1, len(stmts)) if _one(stmts[c], "create_table", table)), None
    )
    if create is None or create in used:
        return None
    copy = next((i for i in range(create, len(stmts)) if _copy_into(stmts[i], table, old)), None)
    if copy is None or copy in used:
        return None
    drop = next((d for d in range(copy + 1, len(stmts)) if _one(stmts[d], "drop_table", old)), None)
    if drop is None or drop in used:
        return None
    consumed = (
        (r, "rename_table", old),
        (create, "", table),
        (copy, "insert_select", table),
        (drop, "drop_table", old),
    )
    return _Rebuild(table=table, temp=old, create=create, copy=copy, consumed=consumed)


def _replaced(change: Change, rebuild: _Rebuild, index: int) -> bool:
    for i, operation, name in rebuild.consumed:
        if i != index:
            continue
        if operation == "" and change.operation == "create_table":
            return True  # the new table and its columns
        if operation == "insert_select" and change.kind == "table" and change.name == name:
            return True  # the copy, also when it is a REPLACE INTO the new table
        if change.operation == operation and change.name == name and change.kind == "table":
            return True
    return False


def _rebuild_changes(
    rebuild: _Rebuild, stmts: Sequence[Statement], old: Table | None
) -> list[Change]:
    """One rebuild_table, plus the columns the copy loses, renames or narrows (docs/usage.md)."""
    create = stmts[rebuild.create]
    anchor = next(c for c in create.changes if c.kind == "table")
    table = rebuild.table
    new = create.table or Table(name=table)
    copy = stmts[rebuild.copy].copy
    assert copy is not None

    def change(kind: Any, name: str, action: Any, operation: str, **extra: Any) -> Change:
        line = extra.pop("line", anchor.line)
        return anchor._replace(
            kind=kind,
            name=name,
            action=action,
            operation=operation,
            line=line,
            column=anchor.column if line == anchor.line else 1,
            **extra,
        )

    out = [change("table", table, "altered", "rebuild_table")]
    targets = list(copy.columns) if copy.columns is not None else [c.name for c in new.ordered()]
    filled: dict[str, str | None] = {}
    if copy.values is None:  # SELECT *: by position from the old table, else by name
        sources = [c.name for c in old.ordered()] if old is not None else targets
        filled = dict(zip(targets, sources, strict=False))
    else:
        filled = dict(zip(targets, copy.values, strict=False))
    used_sources = {s for s in filled.values() if s is not None}
    for column in new.ordered():
        name = f"{table}.{column.name}"
        if column.name in filled:
            source = filled[column.name]
            before = old.columns.get(source) if old is not None and source is not None else None
            if source is not None and source != column.name and (old is None or before):
                out.append(
                    change(
                        "column",
                        name,
                        "renamed",
                        "rename_column",
                        old_name=f"{table}.{source}",
                        line=column.line,
                    )
                )
            if before is None:
                continue
            retyped = (
                before.type is not None
                and column.type is not None
                and (_normal_type(before.type) != _normal_type(column.type))
            )
            narrowed = before.nullable and not column.nullable and not column.primary_key
            if retyped or narrowed:
                out.append(
                    change(
                        "column",
                        name,
                        "altered",
                        "alter_column",
                        type=column.type if retyped else None,
                        old_type=before.type if retyped else None,
                        nullable=False if narrowed else None,
                        has_default=column.has_default,
                        line=column.line,
                    )
                )
        elif old is not None and column.name not in old.columns:
            out.append(
                change(
                    "column",
                    name,
                    "added",
                    "add_column",
                    type=column.type,
                    nullable=column.nullable,
                    has_default=column.has_default,
                    unique=column.unique,
                    line=column.line,
                )
            )
        elif not column.nullable and not column.has_default:
            # Not filled by the copy, NOT NULL and no default: every copied row fails or is
            # forced a value nobody reviewed (docs/usage.md "newly NOT NULL").
            out.append(
                change(
                    "column",
                    name,
                    "altered",
                    "alter_column",
                    nullable=False,
                    has_default=False,
                    line=column.line,
                )
            )
    if old is not None:
        for column in old.ordered():
            if column.name not in used_sources and column.name not in new.columns:
                out.append(change("column", f"{table}.{column.name}", "dropped", "drop_column"))
    return out


def _normal_type(text: str | None) -> str:
    return "".join((text or "").lower().split())


def fold_rebuilds(
    stmts: Sequence[Statement], prior: Callable[[], Schema] | None = None
) -> list[Change]:
    """The statements' changes with every rebuild pattern folded into one ``rebuild_table``.

    ``prior`` gives the schema before the first statement (read lazily: only a rebuild needs
    the old table's columns to tell which ones the copy loses).
    """
    rebuilds = _find_rebuilds(stmts)
    if not rebuilds:
        return [c for s in stmts for c in s.changes]
    # The schema as each statement finds it, replayed once as the statements are walked.
    schema = prior().copy() if prior is not None else Schema()
    by_first: dict[int, _Rebuild] = {min(i for i, _, _ in rb.consumed): rb for rb in rebuilds}
    out: list[Change] = []
    for index, stmt in enumerate(stmts):
        rebuild = by_first.get(index)
        if rebuild is not None:
            out.extend(_rebuild_changes(rebuild, stmts, schema.tables.get(rebuild.table)))
        for change in stmt.changes:
            if not any(_replaced(change, rb, index) for rb in rebuilds):
                out.append(change)
        schema.apply_all(stmt.changes)
    return out


# --- schema replay ------------------------------------------------------------------------


def replay(stmts: Iterable[Statement], schema: Schema | None = None) -> Schema:
    """The schema after applying ``stmts`` to a copy of ``schema`` (SQL migrations, dumps)."""
    result = schema.copy() if schema is not None else Schema()
    return result.apply_all(c for stmt in stmts for c in stmt.changes)
