"""Records the revision walker passes around: scopes of bound names, batches, states,
items, and the small AST helpers every part of the walker uses."""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Final

from selenite_inventory_lint.detectors.python.evaluate import NOT_LITERAL
from selenite_inventory_lint.model import Change, Problem
from selenite_inventory_lint.records import Record

CODE = "MIG301"


SOURCE: Final = "alembic"


_NOT_LITERAL = NOT_LITERAL  # the evaluator's word for a value it cannot fold


_MAX_ALTERNATIVES = 16


_SCALARS = (str, int, float, bool, type(None))


class _Scope:
    """Names bound to expressions; each binding keeps the scope it was made in."""

    __slots__ = ("names", "parent")

    def __init__(
        self,
        parent: _Scope | None = None,
        names: dict[str, tuple[tuple[ast.expr, _Scope], ...]] | None = None,
    ) -> None:
        self.parent = parent
        self.names = names if names is not None else {}

    def lookup(self, name: str) -> tuple[tuple[ast.expr, _Scope], ...] | None:
        scope: _Scope | None = self
        while scope is not None:
            found = scope.names.get(name)
            if found is not None:
                return found
            scope = scope.parent
        return None

    def bind(self, name: str, values: tuple[tuple[ast.expr, _Scope], ...]) -> _Scope:
        names = dict(self.names)
        names[name] = values
        return _Scope(self.parent, names)


_Value = tuple[ast.expr, _Scope]


class _Batch:
    """A ``batch_alter_table`` block: its table, its mode, and the batch methods it runs (more
    than SQLite alters in place is a rebuild, MIG105), collected as the walker reaches them."""

    __slots__ = ("methods", "recreate", "table")

    def __init__(self, *, table: str | None, recreate: bool) -> None:
        self.table = table
        self.recreate = recreate
        self.methods: set[str] = set()


class _Target(Record):
    """An operation reached indirectly: its op method, batch, and the arguments bound so far."""

    method: str
    batch: _Batch | None = None
    args: tuple[ast.expr, ...] = ()
    keywords: tuple[ast.keyword, ...] = ()
    # Operations.drop_table(op, ...): the call's first argument is the op object itself.
    unbound: bool = False


class _State(Record):
    fn: str
    guard: int | None = None
    batches: Mapping[str, _Batch] = MappingProxyType({})
    # The call in upgrade() that led into a module helper: everything inside reports there.
    site: ast.expr | None = None
    stack: tuple[str, ...] = ()


class _Sql(Record):
    """Literal SQL for the SQL detector, analysed only if its operation is kept."""

    text: str
    line: int
    guard: int | None
    column: int | None = None
    runs_at: tuple[int, int] | None = None


class _Item(Record):
    changes: tuple[Change, ...]
    problems: tuple[Problem, ...]
    sql: _Sql | None = None
    # A statement too deep to read has no meaning to compare with its old version.
    comparable: bool = True


class _ColumnSpec(Record):
    name: str
    node: ast.Call
    type: str | None
    nullable: bool | None
    explicit_nullable: bool
    has_default: bool
    unique: bool
    primary_key: bool


class _Missing:
    pass


_MISSING = _Missing()


def _merge(base: _Scope, branches: Sequence[_Scope]) -> _Scope:
    """Bindings after an if/else: a name bound differently on two branches keeps both values."""
    first = branches[0]
    if all(b is first for b in branches[1:]):
        return first
    names = dict(base.names)
    for name in dict.fromkeys(n for b in branches for n in b.names):
        combined: list[_Value] = []
        for branch in branches:
            values = branch.names.get(name, base.names.get(name))
            if values is None:
                continue
            if not values:
                combined = []
                break
            combined.extend(v for v in values if not any(v[0] is c[0] for c in combined))
        names[name] = tuple(combined[:_MAX_ALTERNATIVES])
    return _Scope(base.parent, names)


def _args(call: ast.Call, params: Sequence[str]) -> dict[str, ast.expr]:
    """Arguments by parameter name; positions after a ``*args`` are unknown."""
    found: dict[str, ast.expr] = {}
    for index, arg in enumerate(call.args):
        if isinstance(arg, ast.Starred) or index >= len(params):
            break
        found[params[index]] = arg
    for keyword in call.keywords:
        if keyword.arg is not None:
            found[keyword.arg] = keyword.value
    return found


def _returns(stmt: ast.stmt) -> bool:
    return isinstance(stmt, (ast.Return, ast.Continue))


def _target_names(target: ast.expr) -> list[str]:
    return [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]


def _params(args: ast.arguments) -> list[str]:
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    return [a.arg for a in every if a is not None]


def _definition_exprs(
    stmt: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef,
) -> list[ast.expr]:
    """What a def or class statement evaluates where it stands: decorators, defaults, bases."""
    if isinstance(stmt, ast.ClassDef):
        return [*stmt.decorator_list, *stmt.bases, *(k.value for k in stmt.keywords)]
    defaults = [d for d in stmt.args.kw_defaults if d is not None]
    return [*stmt.decorator_list, *stmt.args.defaults, *defaults]


def _call_args(call: ast.Call) -> list[ast.expr]:
    return [*call.args, *(k.value for k in call.keywords)]


def _label(call: ast.Call) -> str:
    text = ast.unparse(call.func)
    if len(text) > 60 and isinstance(call.func, ast.Attribute):
        text = call.func.attr
    return f"{text}()"


def _why(reason: str) -> str:
    return reason.removeprefix("it ") if reason.startswith("it ") else reason


def _callee(func: ast.expr, aliases: Mapping[str, str]) -> str:
    if isinstance(func, ast.Name):
        return aliases.get(func.id, func.id)
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


# The op methods the walker maps to changes; each is handled by the walker's ``_<method>``.
OP_METHODS = frozenset(
    {
        "create_table",
        "add_column",
        "drop_column",
        "drop_table",
        "rename_table",
        "alter_column",
        "create_index",
        "drop_index",
        "create_unique_constraint",
        "execute",
    }
)
