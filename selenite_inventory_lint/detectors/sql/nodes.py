"""Reading sqlglot nodes: identifiers as docs/usage.md names them, and the records a statement
fills."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from selenite_inventory_lint.model import Change, Source
from selenite_inventory_lint.schema import Table


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

    def add(self, kind: Any, name: str, action: Any, operation: str, **extra: Any) -> None:
        guarded = bool(extra.pop("if_exists", False)) or self.guarded
        line = extra.pop("at", None) or self.line
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
