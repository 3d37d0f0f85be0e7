"""Python sources as data for the env and paths detectors (SPEC §3.4, §3.5). Pure.

``load`` turns text into a ``Module`` (cached, so the two detectors reading the same file parse
and traverse it once) or an ``Unparsable`` saying why not. ``Folder`` evaluates expressions to
strings the way the code would build them, without running anything: literals, f-strings whose
parts all resolve, ``+`` and ``/`` joins, ``Path(...)``, ``os.path.join/dirname/abspath``,
``str(...)``, ``.parent``/``.parents[n]``/``.resolve()``, and names assigned exactly once at
module level. ``__file__`` is the file's repo-relative path, so ``Path(__file__).parents[1]``
is a directory of the repository; the repository root is ``"."``. Anything else is ``None``:
unknown values are never guessed.
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

ROOT = "."
# No path or variable name is longer; longer values come from hostile input and are unknown.
MAX_VALUE = 1024
_PATH_CLASSES = frozenset(
    {"Path", "PurePath", "PosixPath", "PurePosixPath", "WindowsPath", "PureWindowsPath"}
)
_SAME_PATH = frozenset({"resolve", "absolute", "as_posix", "expanduser", "__fspath__"})
_SAME_FUNCS = frozenset({"abspath", "realpath", "normpath", "fspath", "expanduser"})
_DRIVE = re.compile(r"^[A-Za-z]:")
# Characters a path segment written in code may hold; anything else is prose or a template.
_PATH_TEXT = re.compile(r"^[A-Za-z0-9_./\-+@=,]+$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Unparsable:
    line: int
    column: int
    why: str


class Module:
    """A parsed module whose nodes are listed once, parents first, docstrings left out.

    Both detectors walk the same list and share one ``Folder`` per path, so a large file is
    parsed and traversed once however many detectors read it.
    """

    __slots__ = ("_folders", "_global_names", "_nodes", "tree")

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self._nodes: tuple[tuple[ast.AST, ast.AST | None], ...] | None = None
        self._global_names: frozenset[str] = frozenset()
        self._folders: dict[str, Folder] = {}

    @property
    def nodes(self) -> tuple[tuple[ast.AST, ast.AST | None], ...]:
        """(node, parent) pairs, listed on first use: a file no detector needs is never walked."""
        if self._nodes is None:
            self._nodes, self._global_names = _flatten(self.tree)
        return self._nodes

    @property
    def global_names(self) -> frozenset[str]:
        _ = self.nodes
        return self._global_names

    def folder(self, path: str) -> Folder:
        if path not in self._folders:
            self._folders[path] = Folder(self, path)
        return self._folders[path]


def _flatten(
    tree: ast.Module,
) -> tuple[tuple[tuple[ast.AST, ast.AST | None], ...], frozenset[str]]:
    nodes: list[tuple[ast.AST, ast.AST | None]] = []
    global_names: set[str] = set()
    stack: list[tuple[ast.AST, ast.AST | None]] = [(tree, None)]
    push, pop, append = stack.append, stack.pop, nodes.append
    while stack:
        node, parent = pop()
        if isinstance(node, ast.Expr) and _is_bare_string(node):
            continue
        append((node, parent))
        if isinstance(node, ast.Global):
            global_names.update(node.names)
        # Pushed last field first, so children come off the stack in source order.
        for field in reversed(node._fields):
            value = getattr(node, field, None)
            if isinstance(value, list):
                for item in reversed(value):
                    if isinstance(item, ast.AST):
                        push((item, node))
            elif isinstance(value, ast.AST):
                push((value, node))
    return tuple(nodes), frozenset(global_names)


def _is_bare_string(node: ast.AST) -> bool:
    """Docstrings and other string-only statements: prose, never code."""
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


# Detectors read one file after another: its old and new text are all that is asked again.
@lru_cache(maxsize=4)
def load(text: str) -> Module | Unparsable:
    """The parsed module, or why it has none. Callers must not mutate the tree."""
    try:
        return Module(ast.parse(text.removeprefix("\ufeff")))
    except SyntaxError as exc:
        return Unparsable(
            line=exc.lineno or 1, column=exc.offset or 1, why=f"invalid Python syntax ({exc.msg})"
        )
    except ValueError as exc:  # pragma: no cover - Python < 3.12 raises this for null bytes
        return Unparsable(line=1, column=1, why=f"invalid Python syntax ({exc})")
    except (RecursionError, MemoryError):
        return Unparsable(line=1, column=1, why="the file is nested too deeply to parse")


def final_name(node: ast.expr) -> str:
    """``Path`` for ``Path`` and for ``pathlib.Path``; "" for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


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
    if not value or "://" in value or value.startswith(("/", "~")) or _DRIVE.match(value):
        return None
    if not _PATH_TEXT.match(value):
        return None
    normal = posixpath.normpath(value)
    if normal == ROOT or normal == ".." or normal.startswith("../"):
        return None
    return normal


def storage_path(value: str, module: str, roots: Sequence[str]) -> str | None:
    """The inventory name of a folded value when it is a storage path strictly under a data
    root (SPEC §3.5); never the module's own file or one of its directories."""
    path = repo_path(value)
    if path is None or path == module or module.startswith(path + "/"):
        return None
    last = path.rsplit("/", 1)[-1]
    name = path if "." in last[1:] else path + "/"
    return name if any(name.startswith(root) and name != root for root in roots) else None


class Folder:
    """Evaluates expressions of one module to the strings they build (see the module doc)."""

    def __init__(self, module: Module, path: str) -> None:
        self.path = path
        # The module's nodes, not the module: it keeps its folders, and that cycle would leave
        # every parsed tree to the cyclic garbage collector (a third of a large audit's time).
        self._nodes_of_module = module.nodes
        self.constants, self.imports = _module_bindings(module)
        self._cache: dict[str, str | None] = {}
        self._busy: set[str] = set()
        # By node: the paths detector asks again for the parts of what did not fold.
        self._nodes: dict[int, str | None] = {}

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
            return self._eval(node)
        except RecursionError:
            return None

    def name(self, name: str) -> str | None:
        if name == "__file__":
            return self.path
        if name in self._cache:
            return self._cache[name]
        expr = self.constants.get(name)
        if expr is None or name in self._busy:
            return None
        self._busy.add(name)
        try:
            result = self._eval(expr)
        finally:
            self._busy.discard(name)
        self._cache[name] = result
        return result

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
            value = self._eval(node)
            if value is None:
                return None
            values.append(value)
        return values

    def _eval(self, node: ast.expr) -> str | None:
        key = id(node)
        if key not in self._nodes:
            value = self._fold(node)
            self._nodes[key] = value if value is None or len(value) <= MAX_VALUE else None
        return self._nodes[key]

    def _fold(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Constant):
            return node.value if isinstance(node.value, str) else None
        if isinstance(node, ast.Name):
            return self.name(node.id)
        if isinstance(node, ast.JoinedStr):
            parts = []
            for part in node.values:
                if isinstance(part, ast.FormattedValue):
                    if part.format_spec is not None or part.conversion not in (-1, ord("s")):
                        return None
                    value = self._eval(part.value)
                else:
                    value = self._eval(part)
                if value is None:
                    return None
                parts.append(value)
            return "".join(parts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Div, ast.Add)):
            left, right = self._eval(node.left), self._eval(node.right)
            if left is None or right is None:
                return None
            return join(left, right) if isinstance(node.op, ast.Div) else left + right
        if isinstance(node, ast.Attribute) and node.attr == "parent":
            base = self._eval(node.value)
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
        base = self._eval(target.value)
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
            return self._eval(node.args[0])
        function = self._os_path_function(func)
        if function and len(node.args) == 1:
            base = self._eval(node.args[0])
            if base is None:
                return None
            if function == "dirname":
                return parent(base)
            return base if function in _SAME_FUNCS else None
        if isinstance(func, ast.Attribute):
            if func.attr in _SAME_PATH and not node.args:
                return self._eval(func.value)
            if func.attr == "joinpath":
                base = self._eval(func.value)
                args = self._all(node.args)
                if base is None or args is None:
                    return None
                for arg in args:
                    base = join(base, arg)
                return base
        return None
