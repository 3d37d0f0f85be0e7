"""The walker's base: positions, records, name lookup and string folding."""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterable

from selenite_inventory_lint.detectors import DetectContext
from selenite_inventory_lint.detectors.alembic.facts import _facts
from selenite_inventory_lint.detectors.alembic.records import (
    _MAX_ALTERNATIVES,
    _MISSING,
    _NOT_LITERAL,
    _SCALARS,
    CODE,
    SOURCE,
    _Batch,
    _callee,
    _Item,
    _label,
    _Scope,
    _Sql,
    _State,
    _Value,
    _why,
)
from selenite_inventory_lint.detectors.python.evaluate import Evaluator, Folded
from selenite_inventory_lint.model import Action, Change, Kind, Problem

_NAME_WRAPPERS = frozenset({"f", "quoted_name", "conv", "text"})


class _Base(Evaluator[_Scope]):
    """The walker's common ground: positions, records, name lookup,
    and string folding (the shared evaluator, with the walker's scopes as its names).

    The walker is one class built in layers, one module per concern: ``_Base`` → ``ops``
    (operations → changes) → ``targets`` (indirect calls, dispatch) → ``core`` (execute, Core
    and ORM calls) → ``walker.Analyzer`` (statements).
    """

    def __init__(
        self,
        tree: ast.Module,
        text: str,
        path: str,
        migration: str,
        ctx: DetectContext,
    ) -> None:
        self.guard_functions = frozenset(g.rsplit(".", 1)[-1] for g in ctx.config.guard_functions)
        self.facts = _facts(tree, self.guard_functions)
        self.text = text
        self.ascii = text.isascii()
        self.lines: list[str] | None = None
        self.path = path
        self.migration = migration
        self.tree = tree
        self.items: list[_Item] = []
        self.guard_vars: set[str] = set()
        self.local_functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self.dialect = ctx.config.dialect
        self.head = ctx.head  # for the module of a model whose table a revision creates
        # Batches SQLite may rebuild (recreate="auto"), where they start, and what each runs.
        self.implicit: list[tuple[_Batch, ast.Call, _State]] = []

    def _pos(self, node: ast.expr | ast.stmt, state: _State) -> tuple[int, int]:
        # SPEC: a finding points at the operation, also inside a helper upgrade() calls.
        line, offset = node.lineno, node.col_offset
        if self.ascii:
            return line, offset + 1
        if self.lines is None:
            self.lines = re.split(r"\r\n|\r|\n", self.text)
        raw = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        # ast columns count UTF-8 bytes; reports count characters.
        return line, len(raw.encode()[:offset].decode("utf-8", "replace")) + 1

    def _change(
        self,
        node: ast.expr,
        state: _State,
        kind: Kind,
        name: str,
        action: Action,
        operation: str,
        *,
        old_name: str | None = None,
        type_: str | None = None,
        old_type: str | None = None,
        nullable: bool | None = None,
        has_default: bool | None = None,
        unique: bool = False,
        where: bool | None = None,
        columns: tuple[str, ...] = (),
        table: str | None = None,
    ) -> Change:
        line, column = self._pos(node, state)
        return Change(
            kind=kind,
            name=name,
            action=action,
            path=self.path,
            line=line,
            column=column,
            source=SOURCE,
            old_name=old_name,
            operation=operation,
            guarded=state.guard is not None,
            guard=state.guard,
            migration=self.migration,
            type=type_,
            old_type=old_type,
            nullable=nullable,
            has_default=has_default,
            unique=unique,
            where=where,
            columns=columns,
            table=table,
            runs_at=self._runs_at(state),
        )

    def _runs_at(self, state: _State) -> tuple[int, int] | None:
        """Where a helper's operation runs: the call in upgrade() that leads into it."""
        return None if state.site is None else self._pos(state.site, state)

    def _emit(
        self,
        changes: Iterable[Change] = (),
        problems: Iterable[Problem] = (),
        sql: _Sql | None = None,
        *,
        comparable: bool = True,
    ) -> None:
        item = _Item(
            changes=tuple(changes), problems=tuple(problems), sql=sql, comparable=comparable
        )
        self.items.append(item)

    def _fail(self, node: ast.expr, scope: _Scope, state: _State, why: str) -> None:
        line, column = self._pos(node, state)
        problem = Problem(code=CODE, path=self.path, line=line, column=column, message=why)
        self._emit(problems=(problem,))

    def _problem_at(self, node: ast.expr | ast.stmt, state: _State, why: str) -> Problem:
        line, column = self._pos(node, state)
        return Problem(code=CODE, path=self.path, line=line, column=column, message=why)

    def _guard_id(self, node: ast.stmt | ast.expr, state: _State) -> int:
        """A guard's identity is its line; inside a helper, the line of the call into it."""
        return (state.site or node).lineno

    def _deref(self, expr: ast.expr, scope: _Scope) -> _Value:
        """Follow a name to its single known value (unchanged when unknown or ambiguous)."""
        # Terminates: a binding only ever refers to an older scope.
        while isinstance(expr, ast.Name):
            values = scope.lookup(expr.id)
            if not values or len(values) != 1:
                break
            expr, scope = values[0]
        return expr, scope

    def _alternatives(self, expr: ast.expr, scope: _Scope) -> list[_Value]:
        """A name bound differently on if/else branches stands for each of its values."""
        pending: list[_Value] = [(expr, scope)]
        found: list[_Value] = []
        while pending and len(found) < _MAX_ALTERNATIVES:
            node, nscope = pending.pop(0)
            values = nscope.lookup(node.id) if isinstance(node, ast.Name) else None
            if isinstance(node, ast.Name) and values and len(found) + len(pending) < 64:
                pending.extend(values)
            else:
                found.append((node, nscope))
        return found

    # Folding is the shared evaluator's (``detectors/python/evaluate.py``); names are looked
    # up in the walker's scopes, and SQL adds %-formatting, str.format/join and name wrappers.
    def lookup(self, node: ast.Name, env: _Scope, depth: int) -> Folded:
        values = env.lookup(node.id)
        if not values:
            return f"'{node.id}' is not a literal string"
        folded = [self.fold(v, s, depth + 1) for v, s in values]
        pieces = [f for f in folded if isinstance(f, tuple)]
        reasons = [f for f in folded if isinstance(f, str)]
        if reasons:
            return f"'{node.id}' is not a literal string" if _NOT_LITERAL in reasons else reasons[0]
        if len({p[0] for p in pieces}) == 1:
            return pieces[0]
        return f"'{node.id}' has different values on different branches"

    def extra(self, node: ast.expr, env: _Scope, depth: int) -> Folded:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            return self._fold_percent(node, env, depth)
        if isinstance(node, ast.Call):
            return self._fold_call(node, env, depth)
        return _NOT_LITERAL

    def _fold_percent(self, expr: ast.BinOp, scope: _Scope, depth: int) -> Folded:
        template = self.fold(expr.left, scope, depth + 1)
        why = "it uses %-formatting with values that are not literals"
        if not isinstance(template, tuple):
            return why
        right, rscope = self._deref(expr.right, scope)
        elts = right.elts if isinstance(right, ast.Tuple) else [right]
        values = [self._scalar(e, rscope) for e in elts]
        if any(v is _MISSING for v in values):
            return why
        try:
            return template[0] % tuple(values), template[1]
        except (TypeError, ValueError, KeyError, OverflowError):
            return why

    def _fold_call(self, expr: ast.Call, scope: _Scope, depth: int) -> Folded:
        func = expr.func
        name = _callee(func, self.facts.aliases)
        if isinstance(func, ast.Attribute) and name == "format":
            template = self.fold(func.value, scope, depth + 1)
            why = "it uses str.format() with values that are not literals"
            if not isinstance(template, tuple):
                return why
            args = [self._scalar(a, scope) for a in expr.args]
            kwargs = {k.arg: self._scalar(k.value, scope) for k in expr.keywords if k.arg}
            if _MISSING in args or _MISSING in kwargs.values() or len(kwargs) != len(expr.keywords):
                return why
            if re.search(r"\{[^{}]*[.\[]", template[0]):
                return why
            try:
                return template[0].format(*args, **kwargs), template[1]
            except (IndexError, KeyError, ValueError):
                return why
        if isinstance(func, ast.Attribute) and name == "join" and len(expr.args) == 1:
            separator = self.fold(func.value, scope, depth + 1)
            items, iscope = self._deref(expr.args[0], scope)
            if isinstance(separator, tuple) and isinstance(items, (ast.List, ast.Tuple)):
                folded = [self.fold(e, iscope, depth + 1) for e in items.elts]
                if folded and all(isinstance(f, tuple) for f in folded):
                    pieces = [f for f in folded if isinstance(f, tuple)]
                    return separator[0].join(p[0] for p in pieces), pieces[0][1]
            return "it joins values that are not literal strings"
        if name in _NAME_WRAPPERS and expr.args:
            return self.fold(expr.args[0], scope, depth + 1)
        if self._is_dedent(func) and len(expr.args) == 1 and not expr.keywords:
            inner = self.fold(expr.args[0], scope, depth + 1)
            if isinstance(inner, tuple):
                import textwrap

                return textwrap.dedent(inner[0]), inner[1]
            return inner
        return _NOT_LITERAL

    def _is_dedent(self, func: ast.expr) -> bool:
        """Is ``func`` the standard library's ``textwrap.dedent`` — imported from ``textwrap``
        and bound to nothing else in the module (a local ``dedent`` could return other SQL)?"""
        if isinstance(func, ast.Attribute):
            return (
                func.attr == "dedent"
                and isinstance(func.value, ast.Name)
                and func.value.id in self._textwrap_names[0]
            )
        return isinstance(func, ast.Name) and func.id in self._textwrap_names[1]

    @functools.cached_property
    def _textwrap_names(self) -> tuple[frozenset[str], frozenset[str]]:
        """(names of the textwrap module, names of its dedent), those the module rebinds
        left out."""
        modules: set[str] = set()
        dedents: set[str] = set()
        rebound: set[str] = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                modules.update(a.asname or a.name for a in node.names if a.name == "textwrap")
                rebound.update(a.asname or a.name for a in node.names if a.name != "textwrap")
            elif isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    local = alias.asname or alias.name
                    if node.module == "textwrap" and alias.name == "dedent":
                        dedents.add(local)
                    else:
                        rebound.add(local)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                rebound.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                rebound.add(node.id)
            elif isinstance(node, ast.arg):
                rebound.add(node.arg)
        return frozenset(modules - rebound), frozenset(dedents - rebound)

    def _scalar(self, expr: ast.expr, scope: _Scope) -> object:
        expr, _ = self._deref(expr, scope)
        if isinstance(expr, ast.Constant) and isinstance(expr.value, _SCALARS):
            return expr.value
        return _MISSING

    def _name(
        self, expr: ast.expr | None, scope: _Scope, call: ast.Call, state: _State, what: str
    ) -> str | None:
        """A lower-cased literal object name, or a MIG301 problem and None."""
        if expr is None:
            folded: tuple[str, int] | str = "it is missing"
        else:
            folded = self.fold(expr, scope)
        if isinstance(folded, tuple):
            return folded[0].lower()
        self._fail(call, scope, state, f"cannot analyze {_label(call)}: the {what} {_why(folded)}")
        return None

    def _bool(self, expr: ast.expr | None, scope: _Scope) -> bool | None:
        if expr is None:
            return None
        value = self._scalar(expr, scope)
        return value if isinstance(value, bool) else None
