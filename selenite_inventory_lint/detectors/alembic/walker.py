"""The upgrade() walker: statements, scopes, guards, helpers followed with their arguments."""

from __future__ import annotations

import ast
from collections.abc import Sequence

from selenite_inventory_lint.detectors.alembic.core import _CoreCalls
from selenite_inventory_lint.detectors.alembic.facts import (
    _DYNAMIC_CODE,
    _EXECUTE,
    _EXISTENCE_SQL,
    _INSPECT,
    _is_upgrade,
)
from selenite_inventory_lint.detectors.alembic.records import (
    OP_METHODS,
    _args,
    _Batch,
    _call_args,
    _callee,
    _definition_exprs,
    _Item,
    _label,
    _merge,
    _params,
    _returns,
    _Scope,
    _State,
    _Target,
    _target_names,
    _Value,
)

_FILLERS = frozenset({"add", "append", "extend", "update", "setdefault", "insert"})


_MAX_LOOP = 256


# Builtins that hand a loop the same items it is given (order aside).
_SAME_ITEMS = frozenset({"sorted", "list", "tuple", "reversed", "set", "frozenset"})


_MAX_HELPER_DEPTH = 8


class Analyzer(_CoreCalls):
    """Walks the module code Alembic runs on import, then each upgrade(), into ``_Item``s."""

    def run(self) -> list[_Item]:
        module = _State(fn="<module>")
        # Alembic imports the revision: module-level code and decorators run with upgrade().
        self._module(self.tree.body, _Scope(self.facts.scope), module)
        for stmt, why in self.facts.hidden_upgrades:
            problem = self._problem_at(stmt, module, f"cannot analyze the revision: {why}")
            self._emit(problems=(problem,))
        for name, body in self.facts.upgrades:
            self.guard_vars = set()
            self.local_functions = {}
            self._block(body, _Scope(self.facts.scope), _State(fn=name))
        self._implicit_rebuilds()
        return self.items

    def _module(self, body: Sequence[ast.stmt], scope: _Scope, state: _State) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                for expr in _definition_exprs(stmt):
                    self._scan(expr, scope, state)
                if isinstance(stmt, ast.ClassDef):
                    self._module(stmt.body, scope, state)
            elif isinstance(stmt, (ast.Import, ast.ImportFrom)) or (
                isinstance(stmt, ast.Assign)
                and any(isinstance(t, ast.Name) and _is_upgrade(t.id) for t in stmt.targets)
            ):
                continue
            else:
                scope, _ = self._block((stmt,), scope, state)

    def _block(self, body: Sequence[ast.stmt], scope: _Scope, state: _State) -> tuple[_Scope, bool]:
        for stmt in body:
            try:
                scope, state, stop = self._stmt(stmt, scope, state)
            except RecursionError:
                why = "cannot analyze this statement: it is nested too deeply"
                self._emit(problems=(self._problem_at(stmt, state, why),), comparable=False)
                stop = False
            if stop:
                return scope, True
        return scope, False

    def _stmt(self, stmt: ast.stmt, scope: _Scope, state: _State) -> tuple[_Scope, _State, bool]:
        if isinstance(stmt, ast.If):
            return self._if(stmt, scope, state)
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            return self._for(stmt, scope, state), state, False
        if isinstance(stmt, ast.While):
            scope = self._merge_block(stmt.body, scope, state)
            return self._merge_block(stmt.orelse, scope, state), state, False
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            return self._with(stmt, scope, state)
        if isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            return self._try(stmt, scope, state), state, False
        if isinstance(stmt, ast.Match):
            branches = [self._block(case.body, scope, state) for case in stmt.cases]
            return _merge(scope, [s for s, stop in branches if not stop] + [scope]), state, False
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return self._nested(stmt, scope, state), state, False
        if isinstance(stmt, ast.Assign):
            return self._assign_stmt(stmt.targets, stmt.value, scope, state)
        if isinstance(stmt, ast.AnnAssign):
            if stmt.value is None:
                return scope, state, False
            return self._assign_stmt([stmt.target], stmt.value, scope, state)
        if isinstance(stmt, ast.AugAssign):
            self._scan(stmt.value, scope, state)
            if isinstance(stmt.target, ast.Name):
                grown = ast.BinOp(
                    left=ast.Name(id=stmt.target.id, ctx=ast.Load()), op=stmt.op, right=stmt.value
                )
                ast.copy_location(grown, stmt)
                scope = scope.bind(stmt.target.id, ((grown, scope),))
            return scope, state, False
        if isinstance(stmt, ast.Expr):
            self._scan(stmt.value, scope, state)
            return scope, state, False
        if isinstance(stmt, ast.Return):
            if stmt.value is not None:
                self._scan(stmt.value, scope, state)
            return scope, state, True
        if isinstance(stmt, (ast.Raise, ast.Continue, ast.Break)):
            return scope, state, True
        return scope, state, False

    def _nested(
        self, fn: ast.FunctionDef | ast.AsyncFunctionDef, scope: _Scope, state: _State
    ) -> _Scope:
        """A function defined inside upgrade() may run there: its body counts where it is
        written (parameters unknown), and again with arguments bound when op reaches it."""
        for expr in _definition_exprs(fn):
            self._scan(expr, scope, state)
        self.local_functions[fn.name] = fn
        if fn.name.startswith("downgrade"):
            return scope.bind(fn.name, ())  # a downgrade() under a module-level `if`
        inner = scope
        for param in _params(fn.args):
            inner = inner.bind(param, ())
        saved = self.guard_vars
        self.guard_vars = set()
        self._block(fn.body, inner, state)
        self.guard_vars = saved
        return scope.bind(fn.name, ())

    def _assign_stmt(
        self, targets: Sequence[ast.expr], value: ast.expr, scope: _Scope, state: _State
    ) -> tuple[_Scope, _State, bool]:
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        if len(names) == len(targets):
            batch_call = (
                isinstance(value, ast.Call)
                and isinstance(value.func, ast.Attribute)
                and value.func.attr == "batch_alter_table"
                and self._ref(value.func.value, scope, state) == "op"
            )
            if batch_call and isinstance(value, ast.Call):
                # b = op.batch_alter_table("t"): b is followed like a `with ... as b` context.
                batch = self._batch(value, scope, state)
                batches = dict(state.batches)
                for name in names:
                    batches[name] = batch
                    scope = scope.bind(name, ())
                return scope, state._replace(batches=batches), False
            if self._op_like(value, scope, state):
                # An alias of op or of one of its methods is followed where it is called.
                return self._assign(targets, value, scope), state, False
        self._scan(value, scope, state)
        return self._assign(targets, value, scope), state, False

    def _merge_block(self, body: Sequence[ast.stmt], scope: _Scope, state: _State) -> _Scope:
        after, stop = self._block(body, scope, state)
        return scope if stop else _merge(scope, [after, scope])

    def _if(self, stmt: ast.If, scope: _Scope, state: _State) -> tuple[_Scope, _State, bool]:
        guard = self._is_guard(stmt.test, scope)
        inner = state._replace(guard=self._guard_id(stmt, state)) if guard else state
        body, body_stop = self._block(stmt.body, scope, inner)
        orelse, else_stop = self._block(stmt.orelse, scope, inner)
        if body_stop and else_stop:
            return scope, state, True
        scope = _merge(
            scope, [s for s, stop in ((body, body_stop), (orelse, else_stop)) if not stop]
        )
        # `if "t" in inspector.get_table_names(): return` guards the rest of the block
        # (docs/usage.md).
        if guard and stmt.body and _returns(stmt.body[-1]):
            state = inner
        return scope, state, False

    def _for(self, stmt: ast.For | ast.AsyncFor, scope: _Scope, state: _State) -> _Scope:
        elements = self._elements(stmt.iter, scope)
        if elements is not None:
            after = scope
            for value in elements:
                bound = self._bind(stmt.target, value, scope)
                after, _ = self._block(stmt.body, bound, state)
        else:
            if self._is_guard(stmt.iter, scope):
                self.guard_vars.update(self._filled_names(stmt.body))
            unknown = scope
            for name in _target_names(stmt.target):
                unknown = unknown.bind(name, ())
            after, _ = self._block(stmt.body, unknown, state)
        self._block(stmt.orelse, after, state)
        return after

    def _filled_names(self, body: Sequence[ast.stmt]) -> set[str]:
        """Names a loop over inspector results fills (``seen.add(c["name"])``, ``d[k] = v``)."""
        names: set[str] = set()
        for stmt in body:
            for node in ast.walk(stmt):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in _FILLERS
                    and isinstance(node.func.value, ast.Name)
                ):
                    names.add(node.func.value.id)
                elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    for target in targets:
                        names.update(_target_names(target))
        return names

    def _with(
        self, stmt: ast.With | ast.AsyncWith, scope: _Scope, state: _State
    ) -> tuple[_Scope, _State, bool]:
        batches = dict(state.batches)
        for item in stmt.items:
            expr = item.context_expr
            if (
                isinstance(expr, ast.Call)
                and isinstance(expr.func, ast.Attribute)
                and expr.func.attr == "batch_alter_table"
                and self._ref(expr.func.value, scope, state) == "op"
            ):
                batch = self._batch(expr, scope, state)
                if isinstance(item.optional_vars, ast.Name):
                    batches[item.optional_vars.id] = batch
            elif isinstance(found := self._ref(expr, scope, state), _Batch):
                if isinstance(item.optional_vars, ast.Name):
                    batches[item.optional_vars.id] = found
            else:
                self._scan(expr, scope, state)
                if item.optional_vars is not None:
                    for name in _target_names(item.optional_vars):
                        scope = scope.bind(name, ())
                        batches.pop(name, None)
        after, stop = self._block(stmt.body, scope, state._replace(batches=batches))
        return after, state, stop

    def _try(self, stmt: ast.stmt, scope: _Scope, state: _State) -> _Scope:
        body, _ = self._block(getattr(stmt, "body", []), scope, state)
        for handler in getattr(stmt, "handlers", []):
            self._block(handler.body, scope, state)
        body, _ = self._block(getattr(stmt, "orelse", []), body, state)
        body, _ = self._block(getattr(stmt, "finalbody", []), body, state)
        return body

    def _assign(self, targets: Sequence[ast.expr], value: ast.expr, scope: _Scope) -> _Scope:
        guard = self._is_guard(value, scope)
        for target in targets:
            names = _target_names(target)
            if guard:
                self.guard_vars.update(names)
            else:
                self.guard_vars.difference_update(names)
            if isinstance(target, ast.Name):
                scope = scope.bind(target.id, ((value, scope),))
            elif (
                isinstance(target, (ast.Tuple, ast.List))
                and isinstance(value, (ast.Tuple, ast.List))
                and len(target.elts) == len(value.elts)
            ):
                scope = self._bind(target, (value, scope), scope)
            else:
                for name in names:
                    scope = scope.bind(name, ())
        return scope

    def _bind(self, target: ast.expr, value: _Value, scope: _Scope) -> _Scope:
        if isinstance(target, ast.Name):
            return scope.bind(target.id, (value,))
        expr, vscope = self._deref(value[0], value[1])
        if (
            isinstance(target, (ast.Tuple, ast.List))
            and isinstance(expr, (ast.Tuple, ast.List))
            and len(expr.elts) == len(target.elts)
        ):
            for sub, elt in zip(target.elts, expr.elts, strict=True):
                scope = self._bind(sub, (elt, vscope), scope)
            return scope
        for name in _target_names(target):
            scope = scope.bind(name, ())
        return scope

    def _elements(self, expr: ast.expr, scope: _Scope) -> list[_Value] | None:
        """The values a loop iterates over, when they are written out literally."""
        expr, scope = self._deref(expr, scope)
        if (
            isinstance(expr, ast.Call)
            and isinstance(expr.func, ast.Name)
            and expr.func.id in _SAME_ITEMS
            and len(expr.args) == 1
            and not expr.keywords
            and scope.lookup(expr.func.id) is None
        ):
            # sorted(TABLES), list(TABLES): the same names, and each is analysed anyway.
            return self._elements(expr.args[0], scope)
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and not expr.args:
            mapping, mscope = self._deref(expr.func.value, scope)
            if isinstance(mapping, ast.Dict) and None not in mapping.keys:
                keys = [k for k in mapping.keys if k is not None]
                if expr.func.attr == "keys":
                    return [(k, mscope) for k in keys]
                if expr.func.attr == "values":
                    return [(v, mscope) for v in mapping.values]
                if expr.func.attr == "items":
                    pairs = [
                        ast.Tuple(elts=[k, v], ctx=ast.Load())
                        for k, v in zip(keys, mapping.values, strict=True)
                    ]
                    return [(p, mscope) for p in pairs]
            return None
        if isinstance(expr, (ast.Tuple, ast.List, ast.Set)) and len(expr.elts) <= _MAX_LOOP:
            if any(isinstance(e, ast.Starred) for e in expr.elts):
                return None
            return [(e, scope) for e in expr.elts]
        if isinstance(expr, ast.Dict) and None not in expr.keys:
            return [(k, scope) for k in expr.keys if k is not None]
        return None

    def _is_guard(self, expr: ast.expr, scope: _Scope) -> bool:
        for node in ast.walk(expr):
            if isinstance(node, ast.Call):
                name = _callee(node.func, self.facts.aliases)
                if (
                    name in _INSPECT
                    or name in self.facts.guard_helpers
                    or name in self.guard_functions
                ):
                    return True
            elif isinstance(node, ast.Name):
                if node.id in self.guard_vars:
                    return True
            elif isinstance(node, ast.Constant) and _EXISTENCE_SQL.search(str(node.value)):
                return True
        return False

    def _scan(self, expr: ast.expr, scope: _Scope, state: _State) -> None:
        """Handle every operation call in ``expr``, outermost first, in source order."""
        stack: list[ast.AST] = [expr]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Lambda):
                # The lambda may be called here or later: its body counts where it is written.
                inner = scope
                for param in _params(node.args):
                    inner = inner.bind(param, ())
                self._scan(node.body, inner, state)
                continue
            if (
                isinstance(node, ast.Call)
                and _callee(node.func, self.facts.aliases) in self.guard_functions
            ):
                continue  # a declared guard only reads the schema, even when handed op
            if isinstance(node, ast.Call) and self._call(node, scope, state):
                continue
            if isinstance(node, ast.Attribute) and node.attr in ("drop_all", "create_all"):
                # conn.run_sync(metadata.drop_all): handed over, it still runs.
                why = (
                    f"cannot analyze {ast.unparse(node)[:60]}: the tables it changes are not known"
                )
                self._fail(node, scope, state, why)
                continue
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                if self._op_like(node, scope, state):
                    self._indirect(node, scope, state)
                    continue
                helper = self.facts.functions.get(node.id)
                if (
                    helper is not None
                    and node.id in self.facts.op_helpers
                    and scope.lookup(node.id) is None
                    and self._can_inline(node.id, state)
                ):
                    # A helper handed to something else may be called there: follow it.
                    called = ast.copy_location(ast.Call(func=node, args=[], keywords=[]), node)
                    self._inline(helper, called, scope, state)
                    continue
            stack.extend(reversed(list(ast.iter_child_nodes(node))))

    def _call(self, call: ast.Call, scope: _Scope, state: _State) -> bool:
        func = call.func
        if isinstance(func, ast.Attribute):
            receiver = func.value
            ref = self._ref(receiver, scope, state)
            if ref is not None:
                batch = ref if isinstance(ref, _Batch) else None
                if func.attr == "invoke" or func.attr in OP_METHODS:
                    self._dispatch(call, _Target(func.attr, batch), scope, state)
                    return True
                # Other methods change no data themselves; what they are handed may
                # (op.run_async(helper), a batch passed along).
                if batch is not None:
                    self._batch_runs(batch, func.attr)
                for arg in _call_args(call):
                    self._scan(arg, scope, state)
                return True
            if func.attr in _EXECUTE:
                self._execute(call, scope, state, None)
                return True
            if self._core_call(call, func, scope, state):
                return True
            method = self.facts.methods.get(func.attr)
            if method is not None and self._can_inline(method.name, state):
                # obj.method(...) of a class in the revision: self is the receiver.
                bound = ast.Call(func=func, args=[receiver, *call.args], keywords=call.keywords)
                self._inline(method, ast.copy_location(bound, call), scope, state)
                return True
        if isinstance(func, ast.Name):
            fn = self.local_functions.get(func.id) or self.facts.functions.get(func.id)
            if (
                fn is not None
                and (
                    func.id in self.facts.op_helpers
                    or any(self._op_like(a, scope, state) for a in _call_args(call))
                )
                and self._can_inline(func.id, state)
            ):
                self._inline(fn, call, scope, state)
                return True
        dynamic = _callee(func, {})
        if dynamic in _DYNAMIC_CODE and (isinstance(func, ast.Name) or dynamic == "import_module"):
            why = f"cannot analyze {_label(call)}: it imports or runs code chosen at run time"
            self._fail(call, scope, state, why)
            return True
        target = self._target(func, scope, state)
        if isinstance(target, _Target):
            self._dispatch(call, target, scope, state)
            return True
        if isinstance(target, str):
            self._fail(call, scope, state, f"cannot analyze {_label(call)}: {target}")
            return True
        return False

    def _can_inline(self, name: str, state: _State) -> bool:
        return name not in state.stack and len(state.stack) < _MAX_HELPER_DEPTH

    def _inline(
        self,
        fn: ast.FunctionDef | ast.AsyncFunctionDef,
        call: ast.Call,
        scope: _Scope,
        state: _State,
    ) -> None:
        """Follow a module helper with its parameters bound to the call's arguments."""
        env = _Scope(self.facts.scope)
        args = fn.args
        positional = [*args.posonlyargs, *args.args]
        defaults = dict(zip([a.arg for a in positional[::-1]], args.defaults[::-1], strict=False))
        for kwarg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            if default is not None:
                defaults[kwarg.arg] = default
        given = _args(call, [a.arg for a in positional])
        starred = any(isinstance(a, ast.Starred) for a in call.args) or any(
            k.arg is None for k in call.keywords
        )
        for param in [*positional, *args.kwonlyargs]:
            if param.arg in given:
                env = env.bind(param.arg, ((given[param.arg], scope),))
            elif param.arg in defaults and not starred:
                env = env.bind(param.arg, ((defaults[param.arg], self.facts.scope),))
            else:
                env = env.bind(param.arg, ())
        if args.vararg is not None:
            rest = ast.Tuple(elts=call.args[len(positional) :], ctx=ast.Load())
            env = env.bind(args.vararg.arg, () if starred else ((rest, scope),))
        if args.kwarg is not None:
            env = env.bind(args.kwarg.arg, ())
        batches: dict[str, _Batch] = {}
        for param in [*positional, *args.kwonlyargs]:
            if param.arg in given:
                ref = self._ref(given[param.arg], scope, state)
                if isinstance(ref, _Batch):
                    batches[param.arg] = ref
        inner = state._replace(
            site=state.site or call, stack=(*state.stack, fn.name), batches=batches
        )
        saved = self.guard_vars
        self.guard_vars = set()
        self._block(fn.body, env, inner)
        self.guard_vars = saved
