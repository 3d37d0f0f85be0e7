"""Operations of op and of batch objects → ``Change`` records (docs/usage.md)."""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence

from selenite_inventory_lint.detectors.alembic.base import _Base
from selenite_inventory_lint.detectors.alembic.column_types import (
    _NOT_TYPES,
    _SQL_TYPES,
    _TYPE_WRAPPERS,
)
from selenite_inventory_lint.detectors.alembic.records import (
    _args,
    _Batch,
    _callee,
    _ColumnSpec,
    _label,
    _Scope,
    _State,
    _why,
)
from selenite_inventory_lint.model import Change, Problem

# Batch operations SQLite runs in place; any other makes recreate="auto" rebuild the table.
_IN_PLACE = frozenset({"add_column", "create_index", "drop_index"})


class _Operations(_Base):
    """One ``_<method>`` per op method of ``OP_METHODS`` (``_execute`` is in ``core``)."""

    def _type(self, expr: ast.expr | None, scope: _Scope) -> str | None:
        if expr is None:
            return None
        expr, scope = self._deref(expr, scope)
        args: list[str] = []
        if isinstance(expr, ast.Call):
            if isinstance(expr.func, ast.Attribute) and expr.func.attr in _TYPE_WRAPPERS:
                return self._type(expr.func.value, scope)
            name = _callee(expr.func, self.facts.aliases)
            for arg in expr.args:
                args.append(self._type_arg(arg, scope))
            for keyword in expr.keywords:
                if keyword.arg == "length":
                    args.insert(0, self._type_arg(keyword.value, scope))
                elif keyword.arg is not None:
                    args.append(f"{keyword.arg}={self._type_arg(keyword.value, scope)}")
        elif isinstance(expr, (ast.Name, ast.Attribute)):
            name = _callee(expr, self.facts.aliases)
        else:
            return ast.unparse(expr)
        base = _SQL_TYPES.get(name, name.upper())
        return f"{base}({', '.join(args)})" if args else base

    def _type_arg(self, expr: ast.expr, scope: _Scope) -> str:
        value, vscope = self._deref(expr, scope)
        if isinstance(value, ast.Call):
            return self._type(value, vscope) or ""
        return ast.unparse(value)

    def _columns(self, expr: ast.expr | None, scope: _Scope) -> tuple[str, ...]:
        if expr is None:
            return ()
        expr, scope = self._deref(expr, scope)
        elts = expr.elts if isinstance(expr, (ast.List, ast.Tuple)) else [expr]
        names: list[str] = []
        for elt in elts:
            folded = self.fold(elt, scope)
            if isinstance(folded, tuple):
                names.append(folded[0].lower())
        return tuple(names)

    def _column_spec(self, expr: ast.expr, scope: _Scope) -> _ColumnSpec | str:
        expr, scope = self._deref(expr, scope)
        if not isinstance(expr, ast.Call) or _callee(expr.func, self.facts.aliases) != "Column":
            return "the column is not a literal sa.Column(...)"
        params = _args(expr, ("name", "type_"))
        type_expr = params.get("type_")
        if (
            type_expr is not None
            and _callee(
                type_expr.func if isinstance(type_expr, ast.Call) else type_expr, self.facts.aliases
            )
            in _NOT_TYPES
        ):
            type_expr = None
        name = self.fold(params["name"], scope) if "name" in params else "it is missing"
        if not isinstance(name, tuple):
            return f"the column name {_why(name)}"
        keywords = {k.arg: k.value for k in expr.keywords if k.arg}
        primary_key = self._bool(keywords.get("primary_key"), scope) is True
        explicit = "nullable" in keywords
        nullable = self._bool(keywords["nullable"], scope) if explicit else not primary_key
        has_default = any(
            key in keywords and self._scalar(keywords[key], scope) is not None
            for key in ("server_default", "default")
        )
        return _ColumnSpec(
            name=name[0].lower(),
            node=expr,
            type=self._type(type_expr, scope),
            nullable=nullable,
            explicit_nullable=explicit,
            has_default=has_default,
            unique=self._bool(keywords.get("unique"), scope) is True,
            primary_key=primary_key,
        )

    def _idempotent(self, call: ast.Call, scope: _Scope, state: _State) -> _State:
        """Alembic ≥ 1.16 ``if_not_exists=True`` / ``if_exists=True`` guard the call itself."""
        for keyword in call.keywords:
            if keyword.arg in ("if_not_exists", "if_exists") and self._bool(keyword.value, scope):
                return state._replace(guard=self._guard_id(call, state))
        return state

    def _batch(self, call: ast.Call, scope: _Scope, state: _State) -> _Batch:
        params = _args(call, ("table_name", "schema", "recreate"))
        table = self._name(params.get("table_name"), scope, call, state, "table name")
        recreate = params.get("recreate")
        folded = self.fold(recreate, scope) if recreate is not None else ("auto", 0)
        # A recreate= that is not a literal may be "auto": judged as such (fail closed).
        mode = folded[0] if isinstance(folded, tuple) else "auto"
        batch = _Batch(table=table, recreate=mode == "always")
        if table is not None and batch.recreate:
            change = self._change(call, state, "table", table, "altered", "rebuild_table")
            self._emit((change,))
        elif table is not None and mode == "auto" and self.dialect == "sqlite":
            self.implicit.append((batch, call, state))
        return batch

    def _batch_runs(self, batch: _Batch, method: str) -> None:
        batch.methods.add(method)

    def _implicit_rebuilds(self) -> None:
        """SQLite cannot ALTER most things in place: with recreate="auto" a batch that does
        more than add columns or (drop) indexes copies the table into a new one, renames it,
        and drops the old one (which can cascade through foreign keys): MIG105."""
        for batch, call, state in self.implicit:
            if batch.table is not None and batch.methods - _IN_PLACE:
                change = self._change(call, state, "table", batch.table, "altered", "rebuild_table")
                self._emit((change,))

    def _table(
        self,
        params: Mapping[str, ast.expr],
        call: ast.Call,
        scope: _Scope,
        state: _State,
        batch: _Batch | None,
    ) -> str | None:
        if batch is not None:
            return batch.table
        return self._name(params.get("table_name"), scope, call, state, "table name")

    def _create_table(
        self, call: ast.Call, scope: _Scope, state: _State, batch: _Batch | None
    ) -> None:
        state = self._idempotent(call, scope, state)
        params = _args(call, ("table_name",))
        table = self._name(params.get("table_name"), scope, call, state, "table name")
        if table is None:
            return
        changes = [self._change(call, state, "table", table, "added", "create_table")]
        problems: list[Problem] = []
        specs: list[_ColumnSpec] = []
        not_null: set[str] = set()
        unique: set[str] = set()
        for arg, ascope in self._positional(call.args[1:], scope):
            if arg is None:
                why = f"cannot analyze {_label(call)}: its columns are not written out literally"
                problems.append(self._problem_at(call, state, why))
                continue
            expr, escope = self._deref(arg, ascope)
            name = _callee(expr.func, self.facts.aliases) if isinstance(expr, ast.Call) else ""
            if name == "Column":
                spec = self._column_spec(expr, escope)
                if isinstance(spec, str):
                    why = f"cannot analyze {_label(call)}: {spec}"
                    problems.append(self._problem_at(call, state, why))
                else:
                    specs.append(spec)
            elif name == "PrimaryKeyConstraint" and isinstance(expr, ast.Call):
                not_null.update(self._columns(ast.Tuple(elts=expr.args, ctx=ast.Load()), escope))
            elif name == "UniqueConstraint" and isinstance(expr, ast.Call) and len(expr.args) == 1:
                unique.update(self._columns(expr.args[0], escope))
            elif not name.endswith(("Constraint", "Index")):
                what = ast.unparse(expr)[:60]
                why = f"cannot analyze {_label(call)}: {what} is not a literal sa.Column(...)"
                problems.append(self._problem_at(call, state, why))
        for spec in specs:
            nullable = spec.nullable
            if spec.name in not_null and not spec.explicit_nullable:
                nullable = False
            changes.append(
                self._change(
                    spec.node,
                    state,
                    "column",
                    f"{table}.{spec.name}",
                    "added",
                    "create_table",
                    type_=spec.type,
                    nullable=nullable,
                    has_default=spec.has_default,
                    unique=spec.unique or spec.name in unique,
                )
            )
        self._emit(changes, problems)

    def _positional(
        self, args: Sequence[ast.expr], scope: _Scope
    ) -> list[tuple[ast.expr | None, _Scope]]:
        out: list[tuple[ast.expr | None, _Scope]] = []
        for arg in args:
            if isinstance(arg, ast.Starred):
                value, vscope = self._deref(arg.value, scope)
                if isinstance(value, (ast.List, ast.Tuple)):
                    out.extend(self._positional(value.elts, vscope))
                else:
                    out.append((None, scope))
            else:
                out.append((arg, scope))
        return out

    def _add_column(
        self, call: ast.Call, scope: _Scope, state: _State, batch: _Batch | None
    ) -> None:
        state = self._idempotent(call, scope, state)
        params = _args(call, ("column",) if batch else ("table_name", "column"))
        table = self._table(params, call, scope, state, batch)
        if table is None:
            return
        column = params.get("column")
        spec = self._column_spec(column, scope) if column is not None else "the column is missing"
        if isinstance(spec, str):
            self._fail(call, scope, state, f"cannot analyze {_label(call)}: {spec}")
            return
        change = self._change(
            call,
            state,
            "column",
            f"{table}.{spec.name}",
            "added",
            "add_column",
            type_=spec.type,
            nullable=spec.nullable,
            has_default=spec.has_default,
            unique=spec.unique,
        )
        self._emit((change,))

    def _drop_column(
        self, call: ast.Call, scope: _Scope, state: _State, batch: _Batch | None
    ) -> None:
        state = self._idempotent(call, scope, state)
        params = _args(call, ("column_name",) if batch else ("table_name", "column_name"))
        table = self._table(params, call, scope, state, batch)
        if table is None:
            return
        column = self._name(params.get("column_name"), scope, call, state, "column name")
        if column is None:
            return
        change = self._change(call, state, "column", f"{table}.{column}", "dropped", "drop_column")
        self._emit((change,))

    def _drop_table(
        self, call: ast.Call, scope: _Scope, state: _State, batch: _Batch | None
    ) -> None:
        state = self._idempotent(call, scope, state)
        table = self._name(
            _args(call, ("table_name",)).get("table_name"), scope, call, state, "table name"
        )
        if table is not None:
            change = self._change(call, state, "table", table, "dropped", "drop_table")
            self._emit((change,))

    def _rename_table(
        self, call: ast.Call, scope: _Scope, state: _State, batch: _Batch | None
    ) -> None:
        params = _args(call, ("old_table_name", "new_table_name"))
        old = self._name(params.get("old_table_name"), scope, call, state, "old table name")
        new = self._name(params.get("new_table_name"), scope, call, state, "new table name")
        if old is not None and new is not None:
            change = self._change(
                call, state, "table", new, "renamed", "rename_table", old_name=old
            )
            self._emit((change,))

    def _alter_column(
        self, call: ast.Call, scope: _Scope, state: _State, batch: _Batch | None
    ) -> None:
        params = _args(call, ("column_name",) if batch else ("table_name", "column_name"))
        table = self._table(params, call, scope, state, batch)
        if table is None:
            return
        column = self._name(params.get("column_name"), scope, call, state, "column name")
        if column is None:
            return
        changes: list[Change] = []
        final = column
        if "new_column_name" in params:
            new = self._name(params["new_column_name"], scope, call, state, "new column name")
            if new is None:
                return
            if new != column:
                final = new
                changes.append(
                    self._change(
                        call,
                        state,
                        "column",
                        f"{table}.{new}",
                        "renamed",
                        "rename_column",
                        old_name=f"{table}.{column}",
                    )
                )
        type_ = self._type(params.get("type_"), scope)
        old_type = self._type(params.get("existing_type"), scope)
        if type_ is not None and type_ == old_type:
            type_ = None
        nullable = self._bool(params.get("nullable"), scope)
        if nullable is not None and nullable == self._bool(params.get("existing_nullable"), scope):
            nullable = None
        has_default: bool | None = None
        if "server_default" in params:
            value = self._scalar(params["server_default"], scope)
            # Alembic reads server_default=False as "unchanged" and None as "drop the default".
            has_default = None if value is False else value is not None
        if type_ is not None or nullable is not None or has_default is not None:
            changes.append(
                self._change(
                    call,
                    state,
                    "column",
                    f"{table}.{final}",
                    "altered",
                    "alter_column",
                    type_=type_,
                    old_type=old_type,
                    nullable=nullable,
                    has_default=has_default,
                )
            )
        if changes:
            self._emit(changes)

    def _create_index(
        self, call: ast.Call, scope: _Scope, state: _State, batch: _Batch | None
    ) -> None:
        state = self._idempotent(call, scope, state)
        names = ("index_name", "columns") if batch else ("index_name", "table_name", "columns")
        params = _args(call, names)
        unique = self._bool(params.get("unique"), scope) is True
        self._index_added(
            call,
            scope,
            state,
            batch,
            params,
            name=params.get("index_name"),
            convention="ix",
            operation="create_index",
            unique=unique,
        )

    def _create_unique_constraint(
        self, call: ast.Call, scope: _Scope, state: _State, batch: _Batch | None
    ) -> None:
        names = (
            ("constraint_name", "columns")
            if batch
            else ("constraint_name", "table_name", "columns")
        )
        params = _args(call, names)
        # Alembic < 0.7 spelled them source= and local_cols=.
        if "source" in params and "table_name" not in params:
            params["table_name"] = params["source"]
        if "local_cols" in params and "columns" not in params:
            params["columns"] = params["local_cols"]
        self._index_added(
            call,
            scope,
            state,
            batch,
            params,
            name=params.get("constraint_name"),
            convention="uq",
            operation="create_unique_constraint",
            unique=True,
        )

    def _index_added(
        self,
        call: ast.Call,
        scope: _Scope,
        state: _State,
        batch: _Batch | None,
        params: dict[str, ast.expr],
        *,
        name: ast.expr | None,
        convention: str,
        operation: str,
        unique: bool,
    ) -> None:
        """An index (or unique constraint) added on ``table_name`` over ``columns``; without
        a name, the one a naming convention would give it (``ix_t_c``, ``uq_t_c``)."""
        table = self._table(params, call, scope, state, batch)
        if table is None:
            return
        columns = self._columns(params.get("columns"), scope)
        index = self._index_name(name, scope, call, state, f"{convention}_{table}", columns)
        if index is None:
            return
        change = self._change(
            call,
            state,
            "index",
            index,
            "added",
            operation,
            unique=unique,
            columns=columns,
            table=table,
        )
        self._emit((change,))

    def _index_name(
        self,
        expr: ast.expr | None,
        scope: _Scope,
        call: ast.Call,
        state: _State,
        prefix: str,
        columns: tuple[str, ...],
    ) -> str | None:
        # A None name leaves naming to the metadata's convention; name it the conventional way.
        if expr is None or self._scalar(expr, scope) is None:
            return "_".join((prefix, *(c for c in columns if c.isidentifier())))
        return self._name(expr, scope, call, state, "index name")

    def _drop_index(
        self, call: ast.Call, scope: _Scope, state: _State, batch: _Batch | None
    ) -> None:
        state = self._idempotent(call, scope, state)
        params = _args(call, ("index_name",) if batch else ("index_name", "table_name"))
        name = self._name(params.get("index_name"), scope, call, state, "index name")
        if name is None:
            return
        table = batch.table if batch else None
        if batch is None and "table_name" in params:
            folded = self.fold(params["table_name"], scope)
            table = folded[0].lower() if isinstance(folded, tuple) else None
        change = self._change(call, state, "index", name, "dropped", "drop_index", table=table)
        self._emit((change,))
