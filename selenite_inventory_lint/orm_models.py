"""SQLAlchemy declarative models → the tables and columns they declare, by ``ast`` only.

Read by `audit` to compare what the application declares with what the migrations build
(MIG204). Forms: ``__tablename__`` classes with ``Column(...)`` / ``mapped_column(...)`` /
bare ``Mapped[...]`` annotations, ``__table__ = Table(...)`` and module-level
``Table("t", metadata, Column(...))``. Never imported.

Classes are resolved across every model file read together (``read_models``): mixins and
abstract bases (``__abstract__ = True``) give their columns, ``declared_attr`` functions
returning a column included; a mapped parent keeps its own columns (joined-table inheritance:
a subclass with its own ``__tablename__`` has its own table; without one, single-table
inheritance adds its columns to the parent's). Flask-SQLAlchemy's ``db.Model`` subclasses
without ``__tablename__`` get its implicit name (``UserProfile`` → ``user_profile``). What
cannot be known is said, never guessed: a base class found nowhere makes the table
``complete=False`` (its own columns stand, nothing is said about the rest), and a table name
that is computed (``declared_attr`` ``__tablename__``, a non-literal value, ``__table__ =``
anything but a literal ``Table(...)``) is an ``unknown`` model. ``metadata.create_all`` calls
name the tables the application creates itself.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from selenite_inventory_lint.detectors import python as py
from selenite_inventory_lint.model import Problem

_COLUMN_CALLS = frozenset({"Column", "mapped_column"})
# declared_attr results that are not columns.
_NOT_COLUMNS = frozenset(
    {"relationship", "association_proxy", "synonym", "column_property", "composite", "backref"}
)
# Bases that make a class declarative without adding columns.
_ROOTS = frozenset({"DeclarativeBase", "DeclarativeBaseNoMeta"})
_NEUTRAL = frozenset(
    {"object", "Generic", "Protocol", "ABC", "AsyncAttrs", "MappedAsDataclass", "Enum"}
)
_BASE_FACTORIES = frozenset({"declarative_base", "automap_base", "generate_base"})
_FLASK_FACTORIES = frozenset({"SQLAlchemy"})
_SNAKE = re.compile(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))")
# Words a model file holds somewhere: other files are not read.
WORDS = (
    "__tablename__",
    "Table(",
    "create_all",
    ".Model",
    "Column(",
    "mapped_column",
    "Mapped[",
    "declared_attr",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class DeclaredTable:
    name: str
    path: str
    line: int
    # column name → line of its declaration
    columns: dict[str, int] = field(default_factory=dict)
    # False when a base class is found nowhere (or a declared_attr cannot be read): the
    # columns listed are sure, others may exist.
    complete: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class Models:
    tables: tuple[DeclaredTable, ...] = ()
    problems: tuple[Problem, ...] = ()
    # (path, line) of models whose table name cannot be known.
    unknown: tuple[tuple[str, int], ...] = ()
    # Tables `create_all(tables=[...])` creates outside migrations; ``runtime_all`` when a
    # `create_all()` creates every table of its metadata.
    runtime: frozenset[str] = frozenset()
    runtime_all: bool = False


def snake_case(name: str) -> str:
    """Flask-SQLAlchemy 3's implicit table name of a model class."""
    return _SNAKE.sub(r"_\1", name).lower().lstrip("_")


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


def _is_declared_attr(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for decorator in function.decorator_list:
        node = decorator.func if isinstance(decorator, ast.Call) else decorator
        while isinstance(node, ast.Attribute) and node.attr in ("directive", "cascading"):
            node = node.value
        if _callee(node) == "declared_attr":
            return True
    return False


def _returned(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr | None]:
    return [n.value for n in ast.walk(function) if isinstance(n, ast.Return)]


@dataclass(slots=True)
class _Body:
    """What one class body says about its table."""

    columns: dict[str, int]
    primary_key: bool = False
    readable: bool = True  # every declared_attr could be read
    tablename: ast.expr | None = None
    dynamic_tablename: bool = False
    table: ast.expr | None = None
    abstract: bool = False


def _is_primary(call: ast.Call) -> bool:
    return any(
        k.arg == "primary_key" and isinstance(k.value, ast.Constant) and k.value.value is True
        for k in call.keywords
    )


def _body(node: ast.ClassDef, names: py.Constants) -> _Body:
    found = _Body(columns={})
    for stmt in node.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and _is_declared_attr(stmt):
            if stmt.name == "__tablename__":
                found.dynamic_tablename = True
            elif not stmt.name.startswith("__"):
                _declared_attr(stmt, found, names)
            continue
        target: ast.expr | None = None
        value: ast.expr | None = None
        annotation: ast.expr | None = None
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target, value = stmt.targets[0], stmt.value
        elif isinstance(stmt, ast.AnnAssign):
            target, value, annotation = stmt.target, stmt.value, stmt.annotation
        if not isinstance(target, ast.Name):
            continue
        attribute = target.id
        if attribute == "__tablename__":
            found.tablename = value
        elif attribute == "__table__":
            found.table = value
        elif attribute == "__abstract__":
            found.abstract = isinstance(value, ast.Constant) and value.value is True
        elif attribute.startswith("__"):
            continue
        elif isinstance(value, ast.Call) and _callee(value) in _COLUMN_CALLS:
            name = _column_name(value, attribute, names)
            if name is not None:
                found.columns[name] = stmt.lineno
                found.primary_key = found.primary_key or _is_primary(value)
        elif value is None and _is_mapped(annotation):
            found.columns[attribute] = stmt.lineno  # SQLAlchemy 2.0: the annotation alone maps it
    return found


def _declared_attr(
    function: ast.FunctionDef | ast.AsyncFunctionDef, found: _Body, names: py.Constants
) -> None:
    returned = _returned(function)
    calls = [v for v in returned if isinstance(v, ast.Call)]
    if returned and len(calls) == len(returned):
        if all(_callee(c) in _COLUMN_CALLS for c in calls):
            name = _column_name(calls[0], function.name, names)
            if name is not None:
                found.columns[name] = function.lineno
                return
        elif all(_callee(c) in _NOT_COLUMNS for c in calls):
            return
    found.readable = False


def _table_call(call: ast.Call, path: str, names: py.Constants) -> DeclaredTable | None:
    """``Table("name", metadata, Column("c", ...), ...)``; None when not literal or reflected."""
    if _callee(call) != "Table" or not call.args:
        return None
    if any(k.arg in ("autoload", "autoload_with") for k in call.keywords):
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


@dataclass(frozen=True, slots=True)
class _Class:
    node: ast.ClassDef
    path: str
    names: py.Constants
    body: _Body


class _Reader:
    """Every model file read together, so classes resolve across files."""

    def __init__(self) -> None:
        self.classes: dict[str, list[_Class]] = {}
        self.roots: set[str] = set()  # names bound to declarative_base() results
        self.flask: set[str] = set()  # names bound to SQLAlchemy() instances
        self.tables: list[DeclaredTable] = []
        self.table_vars: dict[str, str] = {}
        self.problems: list[Problem] = []
        self.unknown: list[tuple[str, int]] = []
        self.runtime: set[str] = set()
        self.runtime_classes: set[str] = set()
        self.runtime_all = False
        self._names: dict[int, str | None] = {}

    def read(self, path: str, text: str) -> None:
        try:
            tree = ast.parse(text, filename=path)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            line = getattr(exc, "lineno", None) or 1
            message = f"cannot parse {path}: {exc}"
            self.problems.append(Problem(code="INV303", path=path, line=line, message=message))
            return
        names = py.Constants(py.Module(tree), path)
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                found = _Class(node, path, names, _body(node, names))
                self.classes.setdefault(node.name, []).append(found)
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                self._assign(node, node.value, path, names)
        if "create_all" in text:
            for call in ast.walk(tree):
                if isinstance(call, ast.Call) and _callee(call) == "create_all":
                    self._create_all(call)

    def _assign(self, node: ast.Assign, call: ast.Call, path: str, names: py.Constants) -> None:
        targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
        callee = _callee(call)
        if callee in _BASE_FACTORIES:
            self.roots.update(targets)
        elif callee in _FLASK_FACTORIES:
            self.flask.update(targets)
        table = _table_call(call, path, names)
        if table is not None:
            self.tables.append(table)
            self.table_vars.update((t, table.name) for t in targets)

    def _create_all(self, call: ast.Call) -> None:
        chosen = next((k.value for k in call.keywords if k.arg == "tables"), None)
        if not isinstance(chosen, (ast.List, ast.Tuple)):
            self.runtime_all = True
            return
        for element in chosen.elts:
            if isinstance(element, ast.Attribute) and element.attr == "__table__":
                self.runtime_classes.add(_callee(element.value))
            elif isinstance(element, ast.Name):
                self.runtime.add(element.id)
            else:
                self.runtime_all = True

    def _class(self, name: str, near: str) -> _Class | None:
        """The class called ``name``: the one in ``near`` first, else the only one."""
        found = self.classes.get(name, [])
        same = [c for c in found if c.path == near]
        if same:
            return same[-1]
        return found[0] if len(found) == 1 else None

    def _bases(self, cls: _Class) -> Iterator[tuple[str, _Class | None]]:
        """(kind, class) of each base: "root", "flask", "class" or "unresolved"."""
        for base in cls.node.bases:
            if isinstance(base, ast.Subscript):
                base = base.value
            name = _callee(base)
            if isinstance(base, ast.Attribute) and name == "Model":
                # `db.Model` of Flask-SQLAlchemy; Django's `models.Model` is none of ours.
                owner = _callee(base.value)
                yield ("flask" if owner in self.flask or owner == "db" else "unresolved"), None
            elif name in _ROOTS or (isinstance(base, ast.Name) and name in self.roots):
                yield "root", None
            elif name in _NEUTRAL:
                continue
            else:
                found = self._class(name, cls.path) if isinstance(base, ast.Name) else None
                yield ("class", found) if found is not None else ("unresolved", None)

    def _lineage(self, cls: _Class, seen: frozenset[int] = frozenset()) -> tuple[bool, bool]:
        """(flask, declarative) for a class, through its bases."""
        flask = declarative = False
        for kind, base in self._bases(cls):
            if kind == "flask":
                flask = declarative = True
            elif kind == "root":
                declarative = True
            elif base is not None and id(base) not in seen:
                parent = self._lineage(base, seen | {id(cls)})
                flask, declarative = flask or parent[0], declarative or parent[1]
        return flask, declarative

    def _table_name(self, cls: _Class) -> str | None:
        """The table a class maps on its own ("?" when unknowable), None when it maps none."""
        key = id(cls)
        if key not in self._names:
            self._names[key] = None  # a class that is its own ancestor maps nothing
            self._names[key] = self._name_of(cls)
        return self._names[key]

    def _name_of(self, cls: _Class) -> str | None:
        body = cls.body
        if body.abstract:
            return None
        if body.table is not None:
            table = (
                _table_call(body.table, cls.path, cls.names)
                if isinstance(body.table, ast.Call)
                else None
            )
            return table.name if table is not None else "?"
        if body.dynamic_tablename:
            return "?"
        if body.tablename is not None:
            name = _literal(body.tablename, cls.names)
            return "?" if name is None else name.lower()
        flask, declarative = self._lineage(cls)
        if not declarative:
            return None
        if self._inherited_dynamic(cls):
            return "?"
        if flask and (body.primary_key or self._mapped_parent(cls) is None):
            return snake_case(cls.node.name)
        return None

    def _inherited_dynamic(self, cls: _Class, seen: frozenset[int] = frozenset()) -> bool:
        for kind, base in self._bases(cls):
            if (
                kind == "class"
                and base is not None
                and id(base) not in seen
                and (base.body.dynamic_tablename or self._inherited_dynamic(base, seen | {id(cls)}))
            ):
                return True
        return False

    def _mapped_parent(self, cls: _Class, seen: frozenset[int] = frozenset()) -> _Class | None:
        for kind, base in self._bases(cls):
            if kind != "class" or base is None or id(base) in seen:
                continue
            if self._table_name(base) is not None:
                return base
            found = self._mapped_parent(base, seen | {id(cls)})
            if found is not None:
                return found
        return None

    def _inherited(
        self, cls: _Class, columns: dict[str, int], seen: frozenset[int] = frozenset()
    ) -> bool:
        """Columns of the unmapped bases (mixins, abstract bases) into ``columns``; False when
        a base is found nowhere or a declared_attr cannot be read."""
        complete = True
        for kind, base in self._bases(cls):
            if kind == "unresolved":
                complete = False
            elif kind == "class" and base is not None and id(base) not in seen:
                if self._table_name(base) is not None:
                    continue  # a mapped parent keeps its columns in its own table
                complete = self._inherited(base, columns, seen | {id(cls)}) and complete
                complete = complete and base.body.readable
                for column, line in base.body.columns.items():
                    columns.setdefault(column, line)
        return complete

    def models(self) -> Models:
        tables = {(t.name, t.path, t.line): t for t in self.tables}
        extra: dict[tuple[str, str], tuple[dict[str, int], bool]] = {}
        for group in self.classes.values():
            for cls in group:
                self._model(cls, tables, extra)
        merged: list[DeclaredTable] = []
        for table in tables.values():
            columns, complete = extra.get((table.name, table.path), ({}, True))
            if columns or not complete:
                table = DeclaredTable(
                    name=table.name,
                    path=table.path,
                    line=table.line,
                    columns={**columns, **table.columns},
                    complete=table.complete and complete,
                )
            merged.append(table)
        runtime = {self.table_vars.get(name, name) for name in self.runtime}
        for class_name in self.runtime_classes:
            model = next(iter(self.classes.get(class_name, [])), None)
            created = self._table_name(model) if model is not None else None
            if created is None or created == "?":
                self.runtime_all = True
            else:
                runtime.add(created)
        return Models(
            tables=tuple(sorted(merged, key=lambda t: (t.name, t.path, t.line))),
            problems=tuple(self.problems),
            unknown=tuple(sorted(self.unknown)),
            runtime=frozenset(runtime),
            runtime_all=self.runtime_all,
        )

    def _model(
        self,
        cls: _Class,
        tables: dict[tuple[str, str, int], DeclaredTable],
        extra: dict[tuple[str, str], tuple[dict[str, int], bool]],
    ) -> None:
        name = self._table_name(cls)
        if name == "?":
            self.unknown.append((cls.path, cls.node.lineno))
            return
        columns: dict[str, int] = {}
        complete = self._inherited(cls, columns, frozenset())
        complete = complete and cls.body.readable
        if name is None:
            parent = self._mapped_parent(cls) if cls.body.columns else None
            if parent is None or cls.body.abstract:
                return
            # Single-table inheritance: the subclass's columns live in its parent's table.
            target = self._table_name(parent)
            if target is None or target == "?":
                return
            key = (target, parent.path)
            known, whole = extra.get(key, ({}, True))
            extra[key] = ({**cls.body.columns, **known}, whole and complete)
            return
        if cls.body.table is not None:
            return  # read from the Table(...) call below, with its own columns
        columns.update(cls.body.columns)
        table = DeclaredTable(
            name=name, path=cls.path, line=cls.node.lineno, columns=columns, complete=complete
        )
        tables[(table.name, table.path, table.line)] = table

    def add_dunder_tables(self) -> None:
        for group in self.classes.values():
            for cls in group:
                if isinstance(cls.body.table, ast.Call) and not cls.body.abstract:
                    table = _table_call(cls.body.table, cls.path, cls.names)
                    if table is not None:
                        self.tables.append(table)


def read_models(files: Iterable[tuple[str, str]]) -> Models:
    """The tables every model file declares, read together; a file that does not parse is
    one INV303 problem."""
    reader = _Reader()
    for path, text in files:
        reader.read(path, text)
    reader.add_dunder_tables()
    return reader.models()


def declared_tables(path: str, text: str) -> tuple[tuple[DeclaredTable, ...], tuple[Problem, ...]]:
    """Every table one file declares; a file that does not parse is one INV303 problem."""
    found = read_models([(path, text)])
    return found.tables, found.problems
