"""The one evaluator of Python expressions to the strings they build, without running them.

``Evaluator`` folds what every reader of Python shares: string literals, names (through
``lookup``, which each reader answers from its own bindings), f-strings and ``+`` chains. A
result is ``(text, line)``, the line of its first piece, or why the value is not known: unknown
values are never guessed, so an f-string is known only when every part folds, with no format
spec and no ``!r``/``!a`` conversion. Readers add their own constructs in ``extra``:

- ``Constants`` reads names assigned exactly once at module level (ORM models use it), and
  ``Folder`` (env and paths detectors, docs/usage.md) adds paths: ``/`` joins,
  ``Path(...)``, ``os.path.join/dirname/abspath``, ``str(...)``, ``.parent``,
  ``.parents[n]``, ``.resolve()``. ``__file__`` is the file's repo-relative path, so
  ``Path(__file__).parents[1]`` is a directory of the repository; the root is ``"."``.
- The Alembic walker reads the names of its scopes and adds %-formatting, ``str.format``,
  ``str.join`` and name wrappers (``op.f``, ``sa.text``).
"""

from __future__ import annotations

import ast
import posixpath
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Generic, TypeVar

from selenite_inventory_lint.detectors.python.source import Module
from selenite_inventory_lint.patterns import lazy

ROOT = "."
# No path or variable name is longer; longer values come from hostile input and are unknown.
MAX_VALUE = 1024
_PATH_CLASSES = frozenset(
    {"Path", "PurePath", "PosixPath", "PurePosixPath", "WindowsPath", "PureWindowsPath"}
)
_SAME_PATH = frozenset({"resolve", "absolute", "as_posix", "expanduser", "__fspath__"})
_SAME_FUNCS = frozenset({"abspath", "realpath", "normpath", "fspath", "expanduser"})
_DRIVE = lazy(r"^[A-Za-z]:")
# Characters a path segment written in code may hold; anything else is prose or a template.
_PATH_TEXT = lazy(r"^[A-Za-z0-9_./\-+@=,]+$")

# A folded string with the line of its first piece, or why it could not be folded.
Folded = tuple[str, int] | str
NOT_LITERAL = "it is not a literal string"
FSTRING = "it is an f-string"
MAX_DEPTH = 32
Env = TypeVar("Env")


class Evaluator(Generic[Env]):
    """Folds expressions to strings; ``Env`` is what a reader needs to look a name up."""

    def fold(self, node: ast.expr, env: Env, depth: int = 0) -> Folded:
        if depth > MAX_DEPTH:
            return "it is nested too deeply"
        return self.fold_node(node, env, depth)

    def fold_node(self, node: ast.expr, env: Env, depth: int) -> Folded:
        if isinstance(node, ast.Constant):
            return (
                (node.value, node.lineno) if isinstance(node.value, str) else "it is not a string"
            )
        if isinstance(node, ast.Name):
            return self.lookup(node, env, depth)
        if isinstance(node, ast.JoinedStr):
            return self._fstring(node, env, depth)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self._concat(node, env, depth)
        return self.extra(node, env, depth)

    def lookup(self, node: ast.Name, env: Env, depth: int) -> Folded:
        """The value of a name; readers bind names, the evaluator knows none."""
        return f"'{node.id}' {NOT_LITERAL.removeprefix('it ')}"

    def extra(self, node: ast.expr, env: Env, depth: int) -> Folded:
        """Constructs a reader adds; none here."""
        return NOT_LITERAL

    def known(self, node: ast.expr) -> bool:
        """Is the node's value already at hand, so that a ``+`` chain stops there?"""
        return False

    def _fstring(self, node: ast.JoinedStr, env: Env, depth: int) -> Folded:
        parts: list[str] = []
        for part in node.values:
            value = part
            if isinstance(part, ast.FormattedValue):
                if part.format_spec is not None or part.conversion not in (-1, ord("s")):
                    return FSTRING
                value = part.value
            folded = self.fold(value, env, depth + 1)
            if isinstance(folded, str):
                return FSTRING
            parts.append(folded[0])
        return "".join(parts), node.lineno

    def _concat(self, node: ast.BinOp, env: Env, depth: int) -> Folded:
        # Flattened: a long chain of literals is a loop, not a deep recursion.
        parts: list[ast.expr] = []
        link: ast.expr = node
        while isinstance(link, ast.BinOp) and isinstance(link.op, ast.Add):
            if link is not node and self.known(link):
                break
            parts.append(link.right)
            link = link.left
        parts.append(link)
        pieces: list[tuple[str, int]] = []
        for part in reversed(parts):
            folded = self.fold(part, env, depth + 1)
            if isinstance(folded, str):
                return "it concatenates a value that is not a literal string"
            pieces.append(folded)
        return "".join(text for text, _ in pieces), pieces[0][1]


def _module_bindings(module: Module) -> tuple[dict[str, ast.expr], dict[str, str]]:
    """Names assigned exactly once at module level, and import aliases (local → dotted name)."""
    values: dict[str, ast.expr] = {}
    counts: dict[str, int] = {}
    imports: dict[str, str] = {}

    def bind(name: str, value: ast.expr | None) -> None:
        counts[name] = counts.get(name, 0) + 1
        if value is not None:
            values[name] = value

    def names_in(target: ast.expr) -> Iterator[str]:
        for node in ast.walk(target):
            if isinstance(node, ast.Name):
                yield node.id

    statements: deque[ast.stmt] = deque(module.tree.body)
    while statements:
        stmt = statements.popleft()
        if isinstance(stmt, ast.Assign):
            single = len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
            for target in stmt.targets:
                for name in names_in(target):
                    bind(name, stmt.value if single else None)
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            if stmt.value is not None:
                bind(stmt.target.id, stmt.value)
        elif isinstance(stmt, (ast.AugAssign, ast.For, ast.AsyncFor)):
            for name in names_in(stmt.target):
                bind(name, None)
            if isinstance(stmt, (ast.For, ast.AsyncFor)):
                statements.extend([*stmt.body, *stmt.orelse])
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bind(stmt.name, None)
        elif isinstance(stmt, ast.Import):
            for alias in stmt.names:
                local = alias.asname or alias.name.split(".")[0]
                imports[local] = alias.name if alias.asname else local
                bind(local, None)
        elif isinstance(stmt, ast.ImportFrom):
            for alias in stmt.names:
                local = alias.asname or alias.name
                imports[local] = f"{stmt.module or ''}.{alias.name}"
                bind(local, None)
        elif isinstance(stmt, (ast.If, ast.While)):
            statements.extend([*stmt.body, *stmt.orelse])
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            statements.extend(stmt.body)
        elif isinstance(stmt, ast.Try):
            statements.extend([*stmt.body, *stmt.orelse, *stmt.finalbody])
            for handler in stmt.handlers:
                statements.extend(handler.body)
    for name in module.global_names:
        counts[name] = 2  # `global X` in a function makes X a variable
    constants = {name: value for name, value in values.items() if counts.get(name) == 1}
    return constants, imports


def join(left: str, right: str) -> str:
    if right.startswith("/"):
        return right
    return right if left in ("", ROOT) else f"{left.rstrip('/')}/{right}"


def parent(path: str) -> str:
    if path in ("", ROOT):
        return ".."
    if path == ".." or path.endswith("/.."):
        return f"{path}/.."
    return posixpath.dirname(path.rstrip("/")) or ROOT


def repo_path(value: str) -> str | None:
    """``value`` as a normalised repo-relative path, or None (absolute, URL, outside, prose)."""
    if not value or "://" in value or value.startswith(("/", "~")) or _DRIVE().match(value):
        return None
    if not _PATH_TEXT().match(value):
        return None
    normal = posixpath.normpath(value)
    if normal == ROOT or normal == ".." or normal.startswith("../"):
        return None
    return normal


def storage_path(value: str, module: str, roots: Sequence[str]) -> str | None:
    """The inventory name of a folded value when it is a storage path strictly under a data
    root (docs/usage.md); never the module's own file or one of its directories."""
    path = repo_path(value)
    if path is None or path == module or module.startswith(path + "/"):
        return None
    last = path.rsplit("/", 1)[-1]
    name = path if "." in last[1:] else path + "/"
    return name if any(_under(name, root) for root in roots) else None


def _under(name: str, root: str) -> bool:
    if root.startswith("**/"):
        # A documented directory anywhere (pipeline.inputs.path_roots): the directory itself
        # below another parent is a relocation, and what lies under it is its content.
        found = ("/" + name).find("/" + root[3:])
        return found > 0 or (found == 0 and name != root[3:])
    return name.startswith(root) and name != root


def folder(module: Module, path: str) -> Folder:
    """The module's one ``Folder`` for ``path``, shared by every detector reading it."""
    if path not in module.folders:
        module.folders[path] = Folder(module, path)
    return module.folders[path]


class Constants(Evaluator[None]):
    """Folds expressions of one module whose names are those assigned exactly once at module
    level (``__file__`` is the module's path); ORM models read their table names with it."""

    def __init__(self, module: Module, path: str) -> None:
        self.path = path
        # The module's nodes, not the module: it keeps its folders, and that cycle would leave
        # every parsed tree to the cyclic garbage collector (a third of a large audit's time).
        self._nodes_of_module = module.nodes
        self.constants, self.imports = _module_bindings(module)
        self._cache: dict[str, Folded] = {}
        self._busy: set[str] = set()
        # By node: the paths detector asks again for the parts of what did not fold.
        self._nodes: dict[int, Folded] = {}

    def origin(self, name: str) -> str:
        """The dotted name an imported local name stands for ("" when not imported)."""
        return self.imports.get(name, "")

    def prime(self) -> None:
        """Fold every expression of the module children first, without recursion, so later
        ``value`` calls are lookups even on a 10 000-term ``"a" + "b" + …`` chain."""
        for node, _parent in reversed(self._nodes_of_module):
            if isinstance(node, ast.expr):
                self.value(node)

    def value(self, node: ast.expr) -> str | None:
        try:
            return self._text(node)
        except RecursionError:
            return None

    # Nodes are cached, and not limited in depth: ``prime`` folds children first, and a
    # RecursionError on a deep tree that was not primed makes the value unknown.
    def fold(self, node: ast.expr, env: None = None, depth: int = 0) -> Folded:
        key = id(node)
        found = self._nodes.get(key)
        if found is None:
            found = self.fold_node(node, env, 0)
            if not isinstance(found, str) and len(found[0]) > MAX_VALUE:
                found = "it is too long"
            self._nodes[key] = found
        return found

    def known(self, node: ast.expr) -> bool:
        return id(node) in self._nodes

    def lookup(self, node: ast.Name, env: None, depth: int) -> Folded:
        return self._name(node.id, node.lineno)

    def _name(self, name: str, line: int) -> Folded:
        if name == "__file__":
            return self.path, line
        if name in self._cache:
            return self._cache[name]
        expr = self.constants.get(name)
        if expr is None or name in self._busy:
            return f"'{name}' {NOT_LITERAL.removeprefix('it ')}"
        self._busy.add(name)
        try:
            result = self.fold(expr)
        finally:
            self._busy.discard(name)
        self._cache[name] = result
        return result

    def _text(self, node: ast.expr) -> str | None:
        folded = self.fold(node)
        return None if isinstance(folded, str) else folded[0]


class Folder(Constants):
    """Module constants and paths, for the env and paths detectors (see the module doc)."""

    def is_module(self, node: ast.expr, dotted: str) -> bool:
        """Does ``node`` name the module ``dotted`` (``os``, ``os.path``), aliases included?"""
        if isinstance(node, ast.Name):
            return self.imports.get(node.id, node.id if node.id == dotted else "") == dotted
        if isinstance(node, ast.Attribute):
            head, _, last = dotted.rpartition(".")
            return bool(head) and node.attr == last and self.is_module(node.value, head)
        return False

    def _is_path_class(self, func: ast.expr) -> bool:
        if isinstance(func, ast.Name):
            origin = self.imports.get(func.id, "")
            return func.id in _PATH_CLASSES if not origin else origin.startswith("pathlib.")
        return (
            isinstance(func, ast.Attribute)
            and func.attr in _PATH_CLASSES
            and self.is_module(func.value, "pathlib")
        )

    def _os_path_function(self, func: ast.expr) -> str:
        """``join`` for ``os.path.join`` / ``posixpath.join`` / an imported ``join``; else ""."""
        if isinstance(func, ast.Attribute):
            if self.is_module(func.value, "os.path") or self.is_module(func.value, "posixpath"):
                return func.attr
            if func.attr == "fspath" and self.is_module(func.value, "os"):
                return "fspath"
            return ""
        if isinstance(func, ast.Name):
            origin = self.imports.get(func.id, "")
            if origin.startswith(("os.path.", "posixpath.")) or origin == "os.fspath":
                return origin.rpartition(".")[2]
        return ""

    def _all(self, nodes: list[ast.expr]) -> list[str] | None:
        values = []
        for node in nodes:
            if isinstance(node, ast.Starred):
                return None
            value = self._text(node)
            if value is None:
                return None
            values.append(value)
        return values

    def extra(self, node: ast.expr, env: None, depth: int) -> Folded:
        text = self._path(node)
        return NOT_LITERAL if text is None else (text, node.lineno)

    def _path(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            left, right = self._text(node.left), self._text(node.right)
            if left is None or right is None:
                return None
            return join(left, right)
        if isinstance(node, ast.Attribute) and node.attr == "parent":
            base = self._text(node.value)
            return None if base is None else parent(base)
        if isinstance(node, ast.Subscript):
            return self._parents(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        return None

    def _parents(self, node: ast.Subscript) -> str | None:
        target = node.value
        index = node.slice
        if not (
            isinstance(target, ast.Attribute)
            and target.attr == "parents"
            and isinstance(index, ast.Constant)
            and type(index.value) is int
            and 0 <= index.value < 64
        ):
            return None
        base = self._text(target.value)
        if base is None:
            return None
        for _ in range(index.value + 1):
            base = parent(base)
        return base

    def _call(self, node: ast.Call) -> str | None:
        if node.keywords:
            return None
        func = node.func
        if self._is_path_class(func) or self._os_path_function(func) == "join":
            args = self._all(node.args)
            if args is None:
                return None
            result = ROOT
            for arg in args:
                result = join(result, arg)
            return result
        if isinstance(func, ast.Name) and func.id == "str" and len(node.args) == 1:
            return self._text(node.args[0])
        function = self._os_path_function(func)
        if function and len(node.args) == 1:
            base = self._text(node.args[0])
            if base is None:
                return None
            if function == "dirname":
                return parent(base)
            return base if function in _SAME_FUNCS else None
        if isinstance(func, ast.Attribute):
            if func.attr in _SAME_PATH and not node.args:
                return self._text(func.value)
            if func.attr == "joinpath":
                base = self._text(func.value)
                args = self._all(node.args)
                if base is None or args is None:
                    return None
                for arg in args:
                    base = join(base, arg)
                return base
        return None
