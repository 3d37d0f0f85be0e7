"""Statements handed to execute (literal SQL, dynamic SQL) and SQLAlchemy Core and ORM
calls that change the schema or rows without op."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Sequence

from selenite_inventory_lint.detectors.alembic.base import _NAME_WRAPPERS
from selenite_inventory_lint.detectors.alembic.records import (
    _args,
    _Batch,
    _call_args,
    _callee,
    _label,
    _Scope,
    _Sql,
    _State,
    _Target,
)
from selenite_inventory_lint.detectors.alembic.targets import _Targets
from selenite_inventory_lint.patterns import lazy

# Dynamic SQL that can only read is not a data-bearing change, so it is not MIG301 either.
_READ_SQL = lazy(r"\s*(?:select|explain|pragma\s+(?:table_|index_|foreign_key_list))", re.I)


_STATEMENT_WRAPPERS = frozenset({"bindparams", "execution_options", "columns", "params"})


_CORE_BASES = frozenset({"table", "Table", "update", "delete", "insert", "select"})


# Schema objects with .create(bind)/.drop(bind) that are not tables.
_SCHEMA_OBJECTS = frozenset({"Enum", "Sequence", "Index", "DDL", "Identity", "Computed"})


_BIND_NAMES = frozenset({"bind", "conn", "connection", "engine"})


class _CoreCalls(_Targets):
    """Statements handed to execute, and Core/ORM calls that change the schema or rows."""

    def _execute(self, call: ast.Call, scope: _Scope, state: _State, batch: _Batch | None) -> None:
        params = _args(call, ("statement",))
        statement = params.get("statement")
        for keyword in ("sqltext", "sql", "sql_script"):
            statement = statement or params.get(keyword)
        if statement is None:
            return
        for expr, escope in self._alternatives(statement, scope):
            self._statement(call, expr, escope, state)

    def _statement(self, call: ast.Call, expr: ast.expr, scope: _Scope, state: _State) -> None:
        """One SQL statement handed to execute: literal SQL, a Core construct, or MIG301."""
        chain: list[tuple[str, ast.Call]] = []
        base, bscope = self._deref(expr, scope)
        while isinstance(base, ast.Call) and isinstance(base.func, ast.Attribute):
            receiver, rscope = self._deref(base.func.value, bscope)
            if base.func.attr in ("format", "join") or self._is_module(receiver, rscope):
                break
            chain.append((base.func.attr, base))
            base, bscope = receiver, rscope
        verbs = {attr for attr, _ in chain}
        if (
            isinstance(base, ast.Call) and _callee(base.func, self.facts.aliases) in _CORE_BASES
        ) or verbs & {"update", "delete"}:
            self._core(call, base, bscope, chain, state)
            return
        if chain and all(attr in _STATEMENT_WRAPPERS for attr, _ in chain):
            expr, scope = base, bscope
        folded = self.fold(expr, scope)
        if isinstance(folded, str):
            if not _READ_SQL().match(self._leading_text(expr, scope)):
                why = (
                    f"cannot analyze dynamic SQL in {_label(call)}: {folded}, so the analysis "
                    "is incomplete here; write literal SQL or add a data plan"
                )
                self._emit(problems=(self._problem_at(call, state, why),))
            return
        line, at = self._pos(call, state)
        column: int | None = at
        # Literal SQL keeps its own line; a constant defined elsewhere reports at the call.
        if line < folded[1] <= (call.end_lineno or line):
            line, column = folded[1], None
        self._emit(sql=_Sql(folded[0], line, state.guard, column, self._runs_at(state)))

    def _is_module(self, node: ast.expr, scope: _Scope) -> bool:
        """``sa`` in ``sa.update(t)``: a dotted name bound to nothing the revision assigns."""
        while isinstance(node, ast.Attribute):
            node = node.value
        return isinstance(node, ast.Name) and scope.lookup(node.id) is None

    def _leading_text(self, expr: ast.expr, scope: _Scope) -> str:
        """The literal text a dynamic statement starts with, to recognise reads."""
        for _ in range(64):
            expr, scope = self._deref(expr, scope)
            if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
                return expr.value
            if isinstance(expr, ast.JoinedStr) and expr.values:
                expr = expr.values[0]
            elif isinstance(expr, ast.BinOp):
                expr = expr.left
            elif (
                isinstance(expr, ast.Call)
                and expr.args
                and _callee(expr.func, self.facts.aliases) in _NAME_WRAPPERS
            ):
                expr = expr.args[0]
            elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
                expr = expr.func.value
            else:
                break
        return ""

    def _core(
        self,
        call: ast.Call,
        base: ast.expr,
        scope: _Scope,
        chain: Sequence[tuple[str, ast.Call]],
        state: _State,
    ) -> None:
        """SQLAlchemy Core ``table(...).update()/.delete()`` follow the SQL rules
        (docs/usage.md)."""
        methods = {attr for attr, _ in chain}
        verb = _callee(base.func, self.facts.aliases) if isinstance(base, ast.Call) else ""
        table_call: ast.expr | None = base
        where = "where" in methods or "filter" in methods
        if isinstance(base, ast.Call) and verb in ("update", "delete", "insert", "select"):
            table_call = base.args[0] if base.args else None
            where = where or any(k.arg == "whereclause" for k in base.keywords)
        else:
            verb = next((v for v in ("update", "delete", "insert", "select") if v in methods), "")
        if verb in ("insert", "select"):
            return
        table: str | None = None
        tscope = scope
        if table_call is not None:
            table_call, tscope = self._deref(table_call, scope)
        if table_call is not None:
            table = self._model_table(table_call, tscope)
        if table is None or not verb:
            why = (
                f"cannot analyze {_label(call)}: it is neither literal SQL nor "
                "table(...).update()/.delete() on a literal table name"
            )
            self._emit(problems=(self._problem_at(call, state, why),))
            return
        columns: list[str] = []
        for attr, link in reversed(chain):
            if attr != "values":
                continue
            mappings = list(link.args)
            for keyword in link.keywords:
                if keyword.arg is not None:
                    columns.append(keyword.arg.lower())
                else:
                    mappings.append(keyword.value)
            for arg in mappings:
                mapping, _ = self._deref(arg, scope)
                if isinstance(mapping, ast.Dict):
                    for k in mapping.keys:
                        if k is not None and (text := self._column_key(k, scope)):
                            columns.append(text)
        operation = "update_rows" if verb == "update" else "delete_rows"
        change = self._change(
            call,
            state,
            "table",
            table,
            "altered",
            operation,
            where=where,
            columns=tuple(dict.fromkeys(columns)),
        )
        conditions = [arg for attr, link in chain if attr == "where" for arg in link.args]
        if conditions and verb == "update":
            # `.where(t.c.x.is_(None))` fills NULLs, as SQL's `WHERE x IS NULL` does (MIG110).
            null_only = tuple(dict.fromkeys(self._null_columns(conditions, scope)))
            change = change._replace(null_only=null_only)
        self._emit((change,))

    def _null_columns(self, conditions: Sequence[ast.expr], scope: _Scope) -> Iterator[str]:
        """Columns that AND-joined Core conditions require to be NULL."""
        for condition in conditions:
            node, nscope = self._deref(condition, scope)
            if isinstance(node, ast.Call) and _callee(node.func, self.facts.aliases) == "and_":
                yield from self._null_columns(node.args, nscope)
                continue
            column: ast.expr | None = None
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "is_"
                and len(node.args) == 1
                and _is_none(node.args[0])
            ):
                column = node.func.value
            elif (
                isinstance(node, ast.Compare)
                and len(node.ops) == 1
                and isinstance(node.ops[0], (ast.Eq, ast.Is))
                and _is_none(node.comparators[0])
            ):
                column = node.left
            if isinstance(column, ast.Attribute):
                yield column.attr.lower()
            elif isinstance(column, ast.Call) and column.args:
                folded = self.fold(column.args[0], nscope)
                if _callee(column.func, self.facts.aliases) == "column" and isinstance(
                    folded, tuple
                ):
                    yield folded[0].lower()

    def _column_key(self, key: ast.expr, scope: _Scope) -> str:
        folded = self.fold(key, scope)
        if isinstance(folded, tuple):
            return folded[0].lower()
        return key.attr.lower() if isinstance(key, ast.Attribute) else ""

    def _core_call(self, call: ast.Call, func: ast.Attribute, scope: _Scope, state: _State) -> bool:
        """SQLAlchemy Core and ORM calls that change the schema or rows without op."""
        if func.attr in ("drop_all", "create_all"):
            verb = "drops" if func.attr == "drop_all" else "creates"
            why = f"cannot analyze {_label(call)}: the tables it {verb} are not known statically"
            self._fail(call, scope, state, why)
            return True
        if func.attr in ("drop", "create") and self._binds(call, scope):
            table, tscope = self._deref(func.value, scope)
            kind = _callee(table.func, self.facts.aliases) if isinstance(table, ast.Call) else ""
            if kind in _SCHEMA_OBJECTS or kind.upper().endswith("ENUM"):
                return False  # a type, sequence or index holds no rows
            if func.attr == "create" and self._model_create(func.value, call, state):
                return True
            if not (
                isinstance(table, ast.Call)
                and _callee(table.func, self.facts.aliases) in ("Table", "table")
                and table.args
            ):
                why = f"cannot analyze {_label(call)}: it is not called on sa.Table(...)"
                self._fail(call, scope, state, why)
                return True
            if func.attr == "drop":
                args = [table.args[0]]
            else:
                skip = 2 if _callee(table.func, self.facts.aliases) == "Table" else 1
                args = [table.args[0], *table.args[skip:]]
            method = "drop_table" if func.attr == "drop" else "create_table"
            direct = ast.copy_location(ast.Call(func=func, args=args, keywords=[]), call)
            self._dispatch(direct, _Target(method), tscope, state)
            return True
        if func.attr in ("delete", "update"):
            return self._query_rows(call, func, scope, state)
        return False

    def _model_create(self, node: ast.expr, call: ast.Call, state: _State) -> bool:
        """``Model.__table__.create(bind)``: the model's table and columns, read from its module
        at the head (docs/usage.md); False when they cannot be found."""
        if not (
            isinstance(node, ast.Attribute)
            and node.attr == "__table__"
            and isinstance(node.value, ast.Name)
        ):
            return False
        from selenite_inventory_lint.detectors.alembic.models import model_table

        declared = model_table(self.tree, node.value.id, self.head)
        if declared is None:
            return False
        changes = [self._change(call, state, "table", declared.name, "added", "create_table")]
        changes += [
            self._change(
                call, state, "column", f"{declared.name}.{column}", "added", "create_table"
            )
            for column in declared.columns
        ]
        self._emit(changes)
        return True

    def _binds(self, call: ast.Call, scope: _Scope) -> bool:
        """Is ``call`` handed a connection (``op.get_bind()``, ``bind=``, ``conn``)?"""
        if any(k.arg == "bind" for k in call.keywords):
            return True
        for arg in _call_args(call):
            value, _ = self._deref(arg, scope)
            if isinstance(value, ast.Name) and value.id in _BIND_NAMES:
                return True
            if isinstance(value, ast.Attribute) and value.attr in ("bind", "connection"):
                return True
            if isinstance(value, ast.Call) and _callee(value.func, self.facts.aliases) in (
                "get_bind",
                "connect",
                "begin",
            ):
                return True
        return False

    def _query_rows(
        self, call: ast.Call, func: ast.Attribute, scope: _Scope, state: _State
    ) -> bool:
        """ORM ``session.query(X)[.filter(...)].delete()`` / ``.update({...})``: MIG106 rules."""
        node, nscope = self._deref(func.value, scope)
        methods: set[str] = set()
        model: ast.expr | None = None
        for _ in range(64):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                return False
            if node.func.attr == "query":
                model = node.args[0] if node.args else None
                break
            methods.add(node.func.attr)
            node, nscope = self._deref(node.func.value, nscope)
        else:
            return False
        table = self._model_table(model, nscope) if model is not None else None
        if table is None:
            why = f"cannot analyze {_label(call)}: the table of the queried model is not known"
            self._fail(call, scope, state, why)
            return True
        columns: list[str] = []
        if func.attr == "update" and call.args:
            mapping, mscope = self._deref(call.args[0], scope)
            if isinstance(mapping, ast.Dict):
                columns = [
                    c for k in mapping.keys if k is not None and (c := self._column_key(k, mscope))
                ]
        change = self._change(
            call,
            state,
            "table",
            table,
            "altered",
            "update_rows" if func.attr == "update" else "delete_rows",
            where=bool(methods & {"filter", "filter_by", "where"}),
            columns=tuple(dict.fromkeys(columns)),
        )
        self._emit((change,))
        return True

    def _model_table(self, expr: ast.expr, scope: _Scope) -> str | None:
        """The table of ``sa.table("t")``, ``sa.Table("t", ...)`` or an ORM class declared in
        the revision with a literal ``__tablename__``."""
        expr, scope = self._deref(expr, scope)
        if isinstance(expr, ast.Attribute) and expr.attr == "__table__":
            expr, scope = self._deref(expr.value, scope)
        if isinstance(expr, ast.Name) and scope.lookup(expr.id) is None:
            return self.facts.tables.get(expr.id)
        if (
            isinstance(expr, ast.Call)
            and _callee(expr.func, self.facts.aliases) in ("table", "Table")
            and expr.args
        ):
            folded = self.fold(expr.args[0], scope)
            return folded[0].lower() if isinstance(folded, tuple) else None
        return None


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None
