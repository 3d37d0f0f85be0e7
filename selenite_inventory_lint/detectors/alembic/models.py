"""`Model.__table__.create(bind)` in a revision: the table an imported ORM model declares, read
(never imported) from the model's module at the head."""

from __future__ import annotations

import ast

from selenite_inventory_lint.detectors import HeadFiles, ParsedFiles
from selenite_inventory_lint.detectors.python.source import Module
from selenite_inventory_lint.orm_models import DeclaredTable


def model_table(tree: ast.Module, class_name: str, head: HeadFiles | None) -> DeclaredTable | None:
    """The table of the model ``class_name`` imported by the revision, or None when its module,
    class or literal ``__tablename__`` cannot be found (the caller then fails closed)."""
    module = _imported_from(tree, class_name)
    if module is None or head is None:
        return None
    # Looked up by base name, so a check never lists the whole tree (docs/performance.md).
    stem = module.replace(".", "/")
    paths = [
        p
        for base, suffix in (
            (f"{stem.rsplit('/', 1)[-1]}.py", f"{stem}.py"),
            ("__init__.py", f"{stem}/__init__.py"),
        )
        for p in head.paths_matching(name=base)
        if p == suffix or p.endswith(f"/{suffix}")
    ]
    if len(paths) != 1:
        return None
    data = head.read_many(paths).get(paths[0])
    if data is None:
        return None
    text = data.decode("utf-8", "replace").removeprefix("\ufeff")
    parsed = ParsedFiles()  # one parse, shared with the model reader
    source = parsed.python(text)
    if not isinstance(source, Module):
        return None
    found = _tablename(source.tree, class_name)
    if found is None:
        return None
    name, line = found
    from selenite_inventory_lint.orm_models import read_models

    tables = read_models([(paths[0], text)], {paths[0]: parsed}).tables
    return next(
        (t for t in tables if t.name == name),
        DeclaredTable(name=name, path=paths[0], line=line, complete=False),
    )


def _imported_from(tree: ast.Module, class_name: str) -> str | None:
    modules = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
        for alias in node.names
        if (alias.asname or alias.name) == class_name and alias.name == class_name
    }
    return next(iter(modules)) if len(modules) == 1 else None


def _tablename(tree: ast.Module, class_name: str) -> tuple[str, int] | None:
    """The literal ``__tablename__`` of ``class_name``, and the class's line."""
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            for stmt in node.body:
                targets = (
                    stmt.targets
                    if isinstance(stmt, ast.Assign)
                    else [stmt.target]
                    if isinstance(stmt, ast.AnnAssign)
                    else []
                )
                value = getattr(stmt, "value", None)
                if (
                    any(isinstance(t, ast.Name) and t.id == "__tablename__" for t in targets)
                    and isinstance(value, ast.Constant)
                    and isinstance(value.value, str)
                ):
                    return value.value.lower(), node.lineno
    return None


__all__ = ["model_table"]
