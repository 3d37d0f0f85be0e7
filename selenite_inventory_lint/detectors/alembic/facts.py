"""What a revision module says once: imports of op, helpers and methods that can touch
data, existence-guard helpers, upgrade() bindings, ORM tables and module-level names."""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping

from selenite_inventory_lint.detectors.alembic.records import (
    OP_METHODS,
    _callee,
    _Scope,
)
from selenite_inventory_lint.detectors.alembic.revisions import _const_str

# Inspector calls that make an `if` an existence guard (docs/usage.md).
_INSPECT = frozenset(
    {
        "get_table_names",
        "get_columns",
        "get_indexes",
        "get_unique_constraints",
        "get_foreign_keys",
        "get_pk_constraint",
        "get_check_constraints",
        "get_view_names",
        "has_table",
        "has_column",
        "has_index",
    }
)


# Hand-written existence checks on SQLite / information_schema count as guards too.
_EXISTENCE_SQL = re.compile(
    r"sqlite_master|sqlite_schema|information_schema|"
    r"pragma\s+(?:table_info|table_xinfo|index_list|index_info)",
    re.IGNORECASE,
)


_EXECUTE = frozenset({"execute", "exec_driver_sql", "executescript", "executemany"})


_OPERATIONS_CLASSES = frozenset({"Operations", "BatchOperations"})


# Methods that change the schema or rows when called on SQLAlchemy objects.
_DATA_METHODS = frozenset({"drop_all", "create_all", "drop", "create", "delete", "update"})


# Builtins that import or run code the revision names at run time.
_DYNAMIC_CODE = frozenset({"__import__", "import_module", "eval", "exec"})


class _Facts:
    """What the whole module says once: imports, helpers, module-level constants (filled in by
    ``_facts`` as it reads the module)."""

    __slots__ = (
        "alembic_modules",
        "aliases",
        "functions",
        "guard_helpers",
        "hidden_upgrades",
        "methods",
        "op_functions",
        "op_helpers",
        "op_names",
        "scope",
        "tables",
        "upgrades",
    )

    def __init__(self) -> None:
        self.op_names: set[str] = {"op"}
        # Names imported from alembic.op (local → op method); "*" when star-imported.
        self.op_functions: dict[str, str] = {}
        self.alembic_modules: set[str] = set()
        self.aliases: dict[str, str] = {}
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self.guard_helpers: set[str] = set()
        self.op_helpers: set[str] = set()
        # upgrade() and upgrade_<engine>(): the name and the body Alembic would run.
        self.upgrades: list[tuple[str, list[ast.stmt]]] = []
        # Bindings of an upgrade name that cannot be followed (imported, built by a call…).
        self.hidden_upgrades: list[tuple[ast.stmt, str]] = []
        # Methods of the revision's classes that reach op or the database, by name.
        self.methods: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        # ORM classes declared in the revision: class name → __tablename__.
        self.tables: dict[str, str] = {}
        self.scope = _Scope()


def _facts(tree: ast.Module, guard_functions: frozenset[str]) -> _Facts:
    facts = _Facts()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                local = alias.asname or alias.name
                if node.module == "alembic" and alias.name == "op":
                    facts.op_names.add(local)
                elif node.module == "alembic.op":
                    # from alembic.op import drop_table: the proxy's functions are op's methods.
                    facts.op_functions[local] = alias.name
                else:
                    facts.aliases[local] = alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "alembic" or (alias.name == "alembic.op" and not alias.asname):
                    facts.alembic_modules.add(alias.asname or "alembic")
                elif alias.name == "alembic.op" and alias.asname:
                    facts.op_names.add(alias.asname)
    scope = facts.scope
    direct_guard: set[str] = set()
    direct_ops: set[str] = set()
    calls: dict[str, set[str]] = {}
    upgrades: dict[str, tuple[ast.stmt, list[ast.stmt] | None]] = {}
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if _is_upgrade(stmt.name):
                upgrades[stmt.name] = (stmt, stmt.body)
                continue
            facts.functions[stmt.name] = stmt
            calls[stmt.name] = set()
            if _touches_data(stmt, facts):
                direct_ops.add(stmt.name)
            for node in ast.walk(stmt):
                if isinstance(node, ast.Call):
                    name = _callee(node.func, facts.aliases)
                    if name in _INSPECT or name in guard_functions:
                        direct_guard.add(stmt.name)
                    if isinstance(node.func, ast.Name):
                        calls[stmt.name].add(node.func.id)
                elif isinstance(node, ast.Constant) and _EXISTENCE_SQL.search(str(node.value)):
                    direct_guard.add(stmt.name)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                # `A, B = "x", "y"`: each name is a module constant of its own.
                if (
                    isinstance(target, (ast.Tuple, ast.List))
                    and isinstance(stmt.value, (ast.Tuple, ast.List))
                    and len(target.elts) == len(stmt.value.elts)
                ):
                    for sub, element in zip(target.elts, stmt.value.elts, strict=True):
                        if isinstance(sub, ast.Name):
                            scope = scope.bind(sub.id, ((element, scope),))
                if isinstance(target, ast.Name):
                    scope = scope.bind(target.id, ((stmt.value, scope),))
                    if target.id == "upgrade" or (
                        _is_upgrade(target.id) and isinstance(stmt.value, (ast.Lambda, ast.Name))
                    ):
                        upgrades[target.id] = (stmt, _upgrade_body(stmt.value))
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for alias in stmt.names:
                local = alias.asname or alias.name.split(".")[0]
                if local == "upgrade":
                    upgrades[local] = (stmt, None)
        elif isinstance(stmt, ast.ClassDef):
            for item in stmt.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and _touches_data(
                    item, facts
                ):
                    facts.methods[item.name] = item
                elif (
                    isinstance(item, ast.Assign)
                    and any(
                        isinstance(t, ast.Name) and t.id == "__tablename__" for t in item.targets
                    )
                    and (tablename := _const_str(item.value))
                ):
                    facts.tables[stmt.name] = tablename.lower()
    # `upgrade = _real` or `upgrade = lambda: ...`: Alembic runs whatever the name holds last.
    for name, (stmt, body) in upgrades.items():
        value = getattr(stmt, "value", None)
        if body is None and isinstance(value, ast.Name):
            real = facts.functions.get(value.id)
            body = real.body if real is not None else None
        if body is None:
            facts.hidden_upgrades.append((stmt, f"{name} is bound to something defined elsewhere"))
        else:
            facts.upgrades.append((name, body))
    facts.scope = scope
    facts.guard_helpers = _closure(direct_guard, calls)
    facts.op_helpers = _closure(direct_ops, calls)
    return facts


def _touches_data(fn: ast.FunctionDef | ast.AsyncFunctionDef, facts: _Facts) -> bool:
    """Can calling ``fn`` change data: does it name op (however imported) or call something
    that executes SQL or drops, creates, deletes or updates?"""
    star = "*" in facts.op_functions
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and (
            node.id in facts.op_names
            or node.id in facts.op_functions
            or (star and node.id in OP_METHODS)
            or facts.aliases.get(node.id, node.id) in _OPERATIONS_CLASSES
            or node.id in _DYNAMIC_CODE
        ):
            return True
        if isinstance(node, ast.Attribute) and (
            _is_op(node, facts) or node.attr in _EXECUTE or node.attr in _DATA_METHODS
        ):
            return True
    return False


def _is_upgrade(name: str) -> bool:
    return name == "upgrade" or name.startswith("upgrade_")


def _upgrade_body(value: ast.expr) -> list[ast.stmt] | None:
    if isinstance(value, ast.Lambda):
        body = ast.Expr(value=value.body)
        return [ast.copy_location(body, value.body)]
    return None


def _closure(seeds: set[str], calls: Mapping[str, set[str]]) -> set[str]:
    found = set(seeds)
    changed = True
    while changed:
        changed = False
        for name, callees in calls.items():
            if name not in found and callees & found:
                found.add(name)
                changed = True
    return found


def _is_op(node: ast.expr, facts: _Facts) -> bool:
    if isinstance(node, ast.Name):
        return node.id in facts.op_names
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "op"
        and isinstance(node.value, ast.Name)
        and node.value.id in facts.alembic_modules
    )
