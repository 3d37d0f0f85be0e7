"""SQLAlchemy declarative models → the tables and columns they declare, by ``ast`` only.

Read by `audit` to compare what the application declares with what the migrations build
(MIG204). Forms: ``__tablename__`` classes with ``Column(...)`` / ``mapped_column(...)`` /
bare ``Mapped[...]`` annotations (mixins in the same file included), ``__table__ =
Table(...)`` and module-level ``Table("t", metadata, Column(...))``. Never imported.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from selenite_inventory_lint.detectors import python as py
from selenite_inventory_lint.model import Problem

_COLUMN_CALLS = frozenset({"Column", "mapped_column"})


@dataclass(frozen=True, slots=True, kw_only=True)
class DeclaredTable:
    name: str
    path: str
    line: int
    # column name → line of its declaration
    columns: dict[str, int] = field(default_factory=dict)


def _callee(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _literal(node: ast.expr | None, names: py.Constants) -> str | None:
    """The string ``node`` builds from literals and module constants (the shared evaluator)."""
    return None if node is None else names.value(node)


def _column_name(call: ast.Call, default: str | None, names: py.Constants) -> str | None:
    """``Column("name", ...)`` names the column; otherwise the attribute does."""
    if call.args:
        named = _literal(call.args[0], names)
        if named is not None:
            return named
    for keyword in call.keywords:
        if keyword.arg == "name":
            return _literal(keyword.value, names) or default
    return default


def _is_mapped(annotation: ast.expr | None) -> bool:
    if isinstance(annotation, ast.Subscript):
        return _callee(annotation.value) == "Mapped"
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        return annotation.value.startswith("Mapped[")
    return False


def _class_columns(node: ast.ClassDef, names: py.Constants) -> dict[str, int]:
    columns: dict[str, int] = {}
    for stmt in node.body:
        target: ast.expr | None = None
        value: ast.expr | None = None
        annotation: ast.expr | None = None
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target, value = stmt.targets[0], stmt.value
        elif isinstance(stmt, ast.AnnAssign):
            target, value, annotation = stmt.target, stmt.value, stmt.annotation
        if not isinstance(target, ast.Name) or target.id.startswith("__"):
            continue
        attribute = target.id
        if isinstance(value, ast.Call) and _callee(value) in _COLUMN_CALLS:
            name = _column_name(value, attribute, names)
            if name is not None:
                columns[name] = stmt.lineno
        elif value is None and _is_mapped(annotation):
            columns[attribute] = stmt.lineno  # SQLAlchemy 2.0: the annotation alone maps it
    return columns


def _table_call(call: ast.Call, path: str, names: py.Constants) -> DeclaredTable | None:
    """``Table("name", metadata, Column("c", ...), ...)``."""
    if _callee(call) != "Table" or not call.args:
        return None
    name = _literal(call.args[0], names)
    if name is None:
        return None
    columns = {}
    for arg in call.args[1:]:
        if isinstance(arg, ast.Call) and _callee(arg) in _COLUMN_CALLS:
            column = _column_name(arg, None, names)
            if column is not None:
                columns[column] = arg.lineno
    return DeclaredTable(name=name.lower(), path=path, line=call.lineno, columns=columns)


def _class_value(node: ast.ClassDef, attribute: str) -> ast.expr | None:
    for stmt in node.body:
        if isinstance(stmt, ast.Assign):
            if any(isinstance(t, ast.Name) and t.id == attribute for t in stmt.targets):
                return stmt.value
        elif (
            isinstance(stmt, ast.AnnAssign)
            and isinstance(stmt.target, ast.Name)
            and stmt.target.id == attribute
        ):
            return stmt.value
    return None


def declared_tables(
    path: str, text: str, module: py.Module | None = None
) -> tuple[tuple[DeclaredTable, ...], tuple[Problem, ...]]:
    """Every table the file declares; a file that does not parse is one INV303 problem.

    ``module`` is ``text`` already parsed (by the detectors that read the file too)."""
    if module is None:
        try:
            module = py.Module(ast.parse(text, filename=path))
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            line = getattr(exc, "lineno", None) or 1
            return (), (
                Problem(code="INV303", path=path, line=line, message=f"cannot parse {path}: {exc}"),
            )
    tree = module.tree
    names = py.Constants(module, path)
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    tables: list[DeclaredTable] = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            table = _table_call(node.value, path, names)
            if table is not None:
                tables.append(table)
            continue
        if not isinstance(node, ast.ClassDef):
            continue
        explicit = _class_value(node, "__table__")
        if isinstance(explicit, ast.Call):
            table = _table_call(explicit, path, names)
            if table is not None:
                tables.append(table)
            continue
        name = _literal(_class_value(node, "__tablename__"), names)
        if name is None:
            continue
        columns: dict[str, int] = {}
        seen: set[str] = set()
        # Mixins and abstract bases in the same file contribute their columns.
        pending = [b.id for b in node.bases if isinstance(b, ast.Name)]
        while pending:
            base = classes.get(pending.pop())
            if base is None or base.name in seen:
                continue
            seen.add(base.name)
            for column, line in _class_columns(base, names).items():
                columns.setdefault(column, line)
            pending.extend(b.id for b in base.bases if isinstance(b, ast.Name))
        columns.update(_class_columns(node, names))
        tables.append(
            DeclaredTable(name=name.lower(), path=path, line=node.lineno, columns=columns)
        )
    return tuple(tables), ()
