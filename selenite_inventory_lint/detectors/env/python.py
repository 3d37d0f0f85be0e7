"""Environment variables read by Python, with ``ast``: ``os.environ`` and ``os.getenv`` forms,
and pydantic ``BaseSettings`` fields (v1 and v2).

A read whose key does not fold to a constant is named, never guessed: ``python_reads`` returns
it as a computed site (INV303), except a loop over a literal tuple of names, which is unrolled
into one reference per name. Names resolve against the whole module (a function body runs
once the module is complete), so ``import os`` or a constant below the function still counts.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

from selenite_inventory_lint.detectors import ParsedFiles
from selenite_inventory_lint.detectors import python as py
from selenite_inventory_lint.detectors.references import Ref, Unreadable
from selenite_inventory_lint.records import Record

_PYTHON_WORDS = ("environ", "getenv", "BaseSettings")


def python_reads(
    path: str, text: str, roots: Sequence[str], parsed: ParsedFiles
) -> tuple[list[Ref], list[Ref]]:
    """The references, and the reads whose variable name is computed (their ``name`` is the
    text of their line, to recognise them on the other side of a change); raises
    ``Unreadable`` on bad syntax."""
    module = parsed.python(text)
    if isinstance(module, py.Unparsable):
        raise Unreadable(module.line, module.column, module.why)
    if not any(word in text for word in _PYTHON_WORDS):
        return [], []  # every form below names one of these words in the file itself
    reader = _Reader(module, py.folder(module, path), text)
    folder = reader.folder
    settings: dict[str, _Settings] = {}
    for node, _parent in module.nodes:
        if isinstance(node, ast.Call):
            key = _call_key(node, folder)
            if key is not None:
                reader.key(key, node)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            if _is_environ(node.value, folder):
                reader.key(node.slice, node)
        elif isinstance(node, ast.Compare) and len(node.ops) == 1:
            if isinstance(node.ops[0], (ast.In, ast.NotIn)) and _is_environ(
                node.comparators[0], folder
            ):
                reader.key(node.left, node)
        elif isinstance(node, ast.ClassDef):
            found = _settings_class(node, settings, folder)
            if found is not None:
                settings[node.name] = found
                reader.refs.extend(_settings_refs(node, found, folder, roots))
    return reader.refs, reader.computed


class _Reader:
    __slots__ = (
        "_lines",
        "_module",
        "_parents",
        "_sequential",
        "_text",
        "computed",
        "folder",
        "refs",
    )

    def __init__(self, module: py.Module, folder: py.Folder, text: str) -> None:
        self._module = module
        self._sequential: _Sequential | None = None
        self.folder = folder
        self._text = text
        self._lines: list[str] | None = None
        self.refs: list[Ref] = []
        self.computed: list[Ref] = []
        self._parents: dict[int, ast.AST | None] | None = None

    @property
    def parents(self) -> dict[int, ast.AST | None]:
        """Node (by id) → its parent; built on first use, which only a computed name needs."""
        if self._parents is None:
            self._parents = {id(node): parent for node, parent in self._module.nodes}
        return self._parents

    def key(self, key: ast.expr, at: ast.expr) -> None:
        name = self.folder.value(key)
        if name is not None:
            self.refs.append(Ref(name, at.lineno, at.col_offset + 1))
            return
        if isinstance(key, ast.Constant):
            return  # `os.getenv(42)`: not a name at all, and nothing computed
        if not self._in_function(at):
            if self._sequential is None:
                self._sequential = _Sequential(self._module, self.folder)
            try:
                folded = self._sequential.fold(key, (at.lineno, at.col_offset))
            except RecursionError:
                folded = "it is nested too deeply"
            if not isinstance(folded, str):
                self.refs.append(Ref(folded[0], at.lineno, at.col_offset + 1))
                return
        names = self._unrolled(key, at)
        if names is None:
            self.computed.append(Ref(self._line(at.lineno), at.lineno, at.col_offset + 1))
        else:
            self.refs.extend(Ref(name, at.lineno, at.col_offset + 1) for name in names)

    def _in_function(self, at: ast.AST) -> bool:
        node = self.parents.get(id(at))
        while node is not None:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                return True
            node = self.parents.get(id(node))
        return False

    def _line(self, number: int) -> str:
        # Not ``ast.unparse``: it recurses, and a key may be a 10 000-term concatenation.
        if self._lines is None:
            self._lines = self._text.removeprefix("\ufeff").splitlines()
        return self._lines[number - 1].strip()[:200] if number <= len(self._lines) else ""

    def _unrolled(self, key: ast.expr, at: ast.AST) -> list[str] | None:
        """The names a loop variable takes when the innermost loop binding it walks a literal
        tuple or list of constant strings; None otherwise."""
        if not isinstance(key, ast.Name):
            return None
        node: ast.AST | None = self.parents.get(id(at))
        while node is not None:
            loops: list[ast.For | ast.AsyncFor | ast.comprehension] = []
            if isinstance(node, (ast.For, ast.AsyncFor)):
                loops = [node]
            elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
                loops = list(reversed(node.generators))
            for loop in loops:
                if isinstance(loop.target, ast.Name) and loop.target.id == key.id:
                    return self._literal_names(loop.iter)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                return None
            node = self.parents.get(id(node))
        return None

    def _literal_names(self, node: ast.expr) -> list[str] | None:
        if isinstance(node, ast.Name):
            bound = self.folder.constants.get(node.id)
            node = bound if bound is not None else node
        if not isinstance(node, (ast.Tuple, ast.List)) or not node.elts:
            return None
        names = [self.folder.value(element) for element in node.elts]
        return None if any(name is None for name in names) else [n for n in names if n]


Position = tuple[int, int]


class _Sequential(py.Evaluator[Position]):
    """Module-level code runs in order: a name bound several times at module level has, at a
    position, the value of its last binding before it (``KEY = "A"; os.getenv(KEY)``). Only
    unconditional single-name bindings of the module body count; a name bound any other way
    (in a block, by an import, a loop, ``global``) is left to the module's ``Folder``, which
    knows it only when it is bound once. Function bodies are not read this way: they run once
    the module is complete, and see the whole module scope."""

    def __init__(self, module: py.Module, folder: py.Folder) -> None:
        self.folder = folder
        self.bindings: dict[str, list[tuple[Position, ast.expr]]] = {}
        unsafe: set[str] = set(module.global_names)
        for stmt in module.tree.body:
            target: ast.expr | None = None
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                target = stmt.targets[0]
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                target = stmt.target
            value = getattr(stmt, "value", None)
            if isinstance(target, ast.Name) and isinstance(value, ast.expr):
                end = (stmt.end_lineno or stmt.lineno, stmt.end_col_offset or 0)
                self.bindings.setdefault(target.id, []).append((end, value))
                continue
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                unsafe.add(stmt.name)
                continue
            for node in ast.walk(stmt):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    unsafe.add(node.id)
                elif isinstance(node, ast.alias):
                    unsafe.add(node.asname or node.name.split(".")[0])
        for name in unsafe:
            self.bindings.pop(name, None)

    def lookup(self, node: ast.Name, env: Position, depth: int) -> py.Folded:
        found = self.bindings.get(node.id)
        if found is None:
            return self.folder.fold(node)
        before = [value for end, value in found if end <= env]
        if not before:
            return super().lookup(node, env, depth)
        last = before[-1]
        return self.fold(last, (last.lineno, last.col_offset), depth + 1)

    def extra(self, node: ast.expr, env: Position, depth: int) -> py.Folded:
        return self.folder.fold(node)


def _is_environ(node: ast.expr, folder: py.Folder, depth: int = 0) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr == "environ" and folder.is_module(node.value, "os")
    if isinstance(node, ast.Name):
        if folder.origin(node.id) == "os.environ":
            return True
        bound = folder.constants.get(node.id)
        return bound is not None and depth < 4 and _is_environ(bound, folder, depth + 1)
    return False


def _call_key(node: ast.Call, folder: py.Folder) -> ast.expr | None:
    """The key of an ``os.getenv`` / ``os.environ.get`` / ``setdefault`` call."""
    func = node.func
    reads = False
    if isinstance(func, ast.Attribute):
        if func.attr == "getenv":
            reads = folder.is_module(func.value, "os")
        elif func.attr in ("get", "setdefault"):
            reads = _is_environ(func.value, folder)
    elif isinstance(func, ast.Name):
        reads = folder.origin(func.id) == "os.getenv"
    return node.args[0] if reads and node.args else None


class _Settings(Record):
    # None when env_prefix is set to something that cannot be resolved: names are unknown.
    prefix: str | None = ""
    case_sensitive: bool = False
    # pydantic v1 `class Config: fields = {"name": {"env": "X"}}`.
    fields: tuple[tuple[str, tuple[str, ...]], ...] = ()


def _settings_class(
    node: ast.ClassDef, known: dict[str, _Settings], folder: py.Folder
) -> _Settings | None:
    inherited: _Settings | None = None
    for base in node.bases:
        if isinstance(base, ast.Name) and base.id in known:
            inherited = known[base.id]
            break
        if py.final_name(base) == "BaseSettings" or (
            isinstance(base, ast.Name) and folder.origin(base.id).endswith(".BaseSettings")
        ):
            inherited = _Settings()
            break
    if inherited is None:
        return None
    options: dict[str, ast.expr] = {k.arg: k.value for k in node.keywords if k.arg}
    fields: dict[str, tuple[str, ...]] = dict(inherited.fields)
    for stmt in node.body:
        value: ast.expr | None = None
        if (
            isinstance(stmt, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "model_config" for t in stmt.targets)
        ) or (
            isinstance(stmt, ast.AnnAssign)
            and isinstance(stmt.target, ast.Name)
            and stmt.target.id == "model_config"
        ):
            value = stmt.value
        elif isinstance(stmt, ast.ClassDef) and stmt.name == "Config":
            for inner in stmt.body:
                if isinstance(inner, ast.Assign):
                    for target in inner.targets:
                        if isinstance(target, ast.Name):
                            options[target.id] = inner.value
        if isinstance(value, ast.Call):
            options.update((k.arg, k.value) for k in value.keywords if k.arg)
        elif isinstance(value, ast.Dict):
            for key, item in zip(value.keys, value.values, strict=True):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    options[key.value] = item
    prefix = inherited.prefix
    if "env_prefix" in options:
        prefix = folder.value(options["env_prefix"])
    case_sensitive = inherited.case_sensitive
    if "case_sensitive" in options:
        flag = options["case_sensitive"]
        case_sensitive = isinstance(flag, ast.Constant) and flag.value is True
    if isinstance(options.get("fields"), ast.Dict):
        declared = options["fields"]
        assert isinstance(declared, ast.Dict)
        for key, item in zip(declared.keys, declared.values, strict=True):
            field = folder.value(key) if key is not None else None
            if field is None:
                continue
            # Only {"env": …} names variables; a plain string is an alias, unused by v1 settings.
            env = (
                next(
                    (
                        v
                        for k, v in zip(item.keys, item.values, strict=True)
                        if isinstance(k, ast.Constant) and k.value == "env"
                    ),
                    None,
                )
                if isinstance(item, ast.Dict)
                else None
            )
            if env is not None:
                fields[field] = tuple(_strings(env, folder))
    return _Settings(
        prefix=prefix, case_sensitive=case_sensitive, fields=tuple(sorted(fields.items()))
    )


def _strings(node: ast.expr, folder: py.Folder) -> Iterator[str]:
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        for element in node.elts:
            yield from _strings(element, folder)
        return
    value = folder.value(node)
    if value is not None:
        yield value


def _alias_names(node: ast.expr, folder: py.Folder) -> Iterator[str]:
    """``"X"``, ``AliasChoices("X", AliasPath("y", 0))`` → X, y."""
    if isinstance(node, ast.Call):
        kind = py.final_name(node.func)
        if kind == "AliasChoices":
            for arg in node.args:
                yield from _alias_names(arg, folder)
        elif kind == "AliasPath" and node.args:
            yield from _strings(node.args[0], folder)
        return
    yield from _strings(node, folder)


def _is_classvar(annotation: ast.expr) -> bool:
    target = annotation.value if isinstance(annotation, ast.Subscript) else annotation
    return py.final_name(target) == "ClassVar"


def _field_calls(stmt: ast.AnnAssign) -> Iterator[ast.Call]:
    if isinstance(stmt.value, ast.Call) and py.final_name(stmt.value.func) == "Field":
        yield stmt.value
    annotation = stmt.annotation
    if isinstance(annotation, ast.Subscript) and py.final_name(annotation.value) == "Annotated":
        parts = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else []
        for part in parts:
            if isinstance(part, ast.Call) and py.final_name(part.func) == "Field":
                yield part


def _default(stmt: ast.AnnAssign) -> ast.expr | None:
    value = stmt.value
    if isinstance(value, ast.Call) and py.final_name(value.func) == "Field":
        keywords = {k.arg: k.value for k in value.keywords if k.arg}
        return value.args[0] if value.args else keywords.get("default")
    return value


def _settings_refs(
    node: ast.ClassDef, settings: _Settings, folder: py.Folder, roots: Sequence[str]
) -> Iterator[Ref]:
    declared = dict(settings.fields)
    for stmt in node.body:
        if not isinstance(stmt, ast.AnnAssign) or not isinstance(stmt.target, ast.Name):
            continue
        field = stmt.target.id
        if field.startswith("_") or field == "model_config" or _is_classvar(stmt.annotation):
            continue
        default = _default(stmt)
        value = folder.value(default) if default is not None else None
        # A storage-path setting: the path is INV103's; the variable relocates it in production.
        relocates = py.storage_path(value, folder.path, roots) if value is not None else None
        explicit: list[str] | None = None
        for call in _field_calls(stmt):
            keywords = {k.arg: k.value for k in call.keywords if k.arg}
            for key in ("validation_alias", "alias", "env"):
                if key in keywords:
                    explicit = list(_alias_names(keywords[key], folder))
                    break
            if explicit is not None:
                break
        if explicit is None and field in declared:
            explicit = list(declared[field])
        if explicit is None:
            if settings.prefix is None:
                continue  # an unresolvable env_prefix: the name is unknown, not guessed
            explicit = [settings.prefix + field]
        for name in explicit:
            yield Ref(
                name if settings.case_sensitive else name.upper(),
                stmt.lineno,
                stmt.col_offset + 1,
                relocates=relocates,
            )
