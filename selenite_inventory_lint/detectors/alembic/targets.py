"""What a called expression stands for: op, a batch object, or one of their operations
reached indirectly (aliases, ``getattr``, ``partial``, ``Operations.x(op, ...)``, ``op.invoke``)."""

from __future__ import annotations

import ast
from collections.abc import Sequence

from selenite_inventory_lint.detectors.alembic.facts import _OPERATIONS_CLASSES, _is_op
from selenite_inventory_lint.detectors.alembic.ops import _Operations
from selenite_inventory_lint.detectors.alembic.records import (
    OP_METHODS,
    _Batch,
    _callee,
    _label,
    _Scope,
    _State,
    _Target,
)

# Operation objects handed to op.invoke(): class → the op method it stands for, with the
# keywords that are spelled differently there.
_OP_CLASSES = {
    "CreateTableOp": "create_table",
    "DropTableOp": "drop_table",
    "AddColumnOp": "add_column",
    "DropColumnOp": "drop_column",
    "RenameTableOp": "rename_table",
    "AlterColumnOp": "alter_column",
    "CreateIndexOp": "create_index",
    "DropIndexOp": "drop_index",
    "CreateUniqueConstraintOp": "create_unique_constraint",
    "ExecuteSQLOp": "execute",
}


_OP_KEYWORDS = {
    "modify_type": "type_",
    "modify_nullable": "nullable",
    "modify_name": "new_column_name",
    "modify_server_default": "server_default",
}


# Attributes of op that hand out no operation: reading them is not an indirect call.
_OP_READS = frozenset({"get_bind", "get_context", "f", "inline_literal"})


class _Targets(_Operations):
    """Resolves what a called expression stands for and hands the call to its handler."""

    def _indirect(self, node: ast.expr, scope: _Scope, state: _State) -> None:
        what = (
            "a batch operation object"
            if isinstance(self._ref(node, scope, state), _Batch)
            else "op"
        )
        self._fail(
            node, scope, state, f"cannot analyze: indirect use of {what} at line {node.lineno}"
        )

    def _ref(self, expr: ast.expr, scope: _Scope, state: _State) -> _Batch | str | None:
        """``"op"`` when ``expr`` is the op object (aliases and helper parameters included),
        the batch when it is a batch operation object, else None."""
        for _ in range(64):
            if not isinstance(expr, ast.Name):
                break
            if expr.id in state.batches:
                return state.batches[expr.id]
            values = scope.lookup(expr.id)
            if values is None:
                return "op" if expr.id in self.facts.op_names else None
            if len(values) != 1:
                return None
            expr, scope = values[0]
        if isinstance(expr, ast.Call) and _callee(expr.func, self.facts.aliases) == "Operations":
            return "op"  # Operations(MigrationContext.configure(bind)) is another op
        return "op" if _is_op(expr, self.facts) and not isinstance(expr, ast.Name) else None

    def _op_like(self, expr: ast.expr, scope: _Scope, state: _State, depth: int = 0) -> bool:
        """Does ``expr`` carry op, a batch, or one of their operations (``op.drop_table``,
        ``getattr(op, ...)``, ``partial(op.drop_table, ...)``)?"""
        if depth > 8:
            return False
        if self._ref(expr, scope, state) is not None:
            return True
        if isinstance(expr, ast.Name):
            if scope.lookup(expr.id) is None and self._op_function(expr.id):
                return True
            values = scope.lookup(expr.id) or ()
            # Branches are looked into once, not at every step: alternatives multiply.
            if len(values) > 1 and depth > 0:
                return False
            return any(self._op_like(v, s, state, depth + 1) for v, s in values)
        if isinstance(expr, ast.Attribute):
            if self._operations_class(expr.value):
                return True
            return expr.attr not in _OP_READS and self._ref(expr.value, scope, state) is not None
        if (
            isinstance(expr, ast.Call)
            and expr.args
            and _callee(expr.func, self.facts.aliases) in ("getattr", "partial")
        ):
            return self._op_like(expr.args[0], scope, state, depth + 1)
        return False

    def _op_function(self, name: str) -> str | None:
        """The op method a bare name imported from ``alembic.op`` stands for."""
        found = self.facts.op_functions.get(name)
        if found == "*":
            return None
        if found is None and "*" in self.facts.op_functions and name in OP_METHODS:
            return name
        return found

    def _operations_class(self, node: ast.expr) -> bool:
        return (
            isinstance(node, (ast.Name, ast.Attribute))
            and _callee(node, self.facts.aliases) in _OPERATIONS_CLASSES
        )

    def _target(
        self, func: ast.expr, scope: _Scope, state: _State, depth: int = 0
    ) -> _Target | str | None:
        """The operation a called expression stands for, why it cannot be known, or None
        when it is not an operation of op at all."""
        if depth > 8:
            return None
        if isinstance(func, ast.Name):
            values = scope.lookup(func.id)
            if values is None:
                method = self._op_function(func.id)
                return _Target(method) if method else None
            if not values:
                return None
            if len(values) != 1:
                if any(self._op_like(v, s, state) for v, s in values):
                    return f"'{func.id}' has different values on different branches"
                return None
            return self._target(values[0][0], values[0][1], state, depth + 1)
        if isinstance(func, ast.Attribute):
            ref = self._ref(func.value, scope, state)
            if ref is not None:
                return _Target(func.attr, ref if isinstance(ref, _Batch) else None)
            if self._operations_class(func.value):
                return _Target(func.attr, unbound=True)
            return None
        if not isinstance(func, ast.Call) or not func.args:
            return None
        name = _callee(func.func, self.facts.aliases)
        if name == "getattr" and len(func.args) >= 2:
            ref = self._ref(func.args[0], scope, state)
            if ref is None:
                return None
            attr = self.fold(func.args[1], scope)
            if not isinstance(attr, tuple):
                return "the attribute name passed to getattr() is not a literal string"
            return _Target(attr[0], ref if isinstance(ref, _Batch) else None)
        if name == "partial":
            inner = self._target(func.args[0], scope, state, depth + 1)
            if isinstance(inner, _Target):
                args = (*inner.args, *func.args[1:])
                return inner._replace(args=args, keywords=(*inner.keywords, *func.keywords))
            return inner
        return None

    def _dispatch(self, call: ast.Call, target: _Target, scope: _Scope, state: _State) -> None:
        """Handle ``call`` as the direct operation ``target`` stands for."""
        args = list(call.args)
        batch = target.batch
        if target.unbound:
            if target.method != "invoke" and target.method not in OP_METHODS:
                return  # Operations.register_operation(...) and other class-level helpers
            ref = self._ref(args[0], scope, state) if args else None
            if ref is None:
                why = f"cannot analyze {_label(call)}: it is not called on the op object"
                self._fail(call, scope, state, why)
                return
            batch, args = (ref if isinstance(ref, _Batch) else None), args[1:]
        args = [*target.args, *args]
        keywords = [*target.keywords, *call.keywords]
        method = target.method
        if batch is not None and method != "invoke":
            self._batch_runs(batch, method)
        if method == "invoke":
            self._invoke(call, args, scope, state, batch)
            return
        if method not in OP_METHODS:
            return
        func = call.func
        if target.unbound or not (isinstance(func, ast.Attribute) and func.attr == method):
            func = ast.Attribute(
                value=ast.Name(id="op", ctx=ast.Load()), attr=method, ctx=ast.Load()
            )
        direct = ast.Call(func=func, args=args, keywords=keywords)
        # The handlers are this class's subclasses' ``_<method>``: ops, and execute in core.
        handler = getattr(self, f"_{method}")
        handler(ast.copy_location(direct, call), scope, state, batch)

    def _invoke(
        self,
        call: ast.Call,
        args: Sequence[ast.expr],
        scope: _Scope,
        state: _State,
        batch: _Batch | None,
    ) -> None:
        """``op.invoke(ops.DropTableOp("t"))``: the operation object as its op method."""
        operation, oscope = self._deref(args[0], scope) if args else (None, scope)
        kind = (
            _callee(operation.func, self.facts.aliases) if isinstance(operation, ast.Call) else ""
        )
        if not isinstance(operation, ast.Call) or kind not in _OP_CLASSES:
            # Other *Op classes change no data; DropTableOp.from_table(...) and the like are MIG301.
            if not kind.endswith("Op"):
                why = f"cannot analyze {_label(call)}: the operation object is not known statically"
                self._fail(call, scope, state, why)
            return
        op_args = list(operation.args)
        if kind == "CreateTableOp" and len(op_args) >= 2:
            columns = op_args[1]
            op_args = [op_args[0], ast.Starred(value=columns, ctx=ast.Load()), *op_args[2:]]
        keywords = [
            ast.keyword(arg=_OP_KEYWORDS.get(k.arg or "", k.arg), value=k.value)
            for k in operation.keywords
        ]
        target = _Target(_OP_CLASSES[kind], batch)
        direct = ast.copy_location(ast.Call(func=call.func, args=op_args, keywords=keywords), call)
        self._dispatch(direct, target, oscope, state)
