"""Python sources as data: parsed once, listed once, never imported or run (docs/usage.md).

``load`` turns text into a ``Module`` (cached, so the detectors reading the same file parse and
traverse it once) or an ``Unparsable`` saying why not.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from selenite_inventory_lint.records import Record

if TYPE_CHECKING:
    from selenite_inventory_lint.detectors.python.evaluate import Folder


class Unparsable(Record):
    line: int
    column: int
    why: str


class Module:
    """A parsed module whose nodes are listed once, parents first, docstrings left out.

    The detectors walk the same list and share one ``Folder`` per path (``evaluate.folder``),
    so a large file is parsed and traversed once however many detectors read it.
    """

    __slots__ = ("_global_names", "_nodes", "folders", "tree")

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self._nodes: tuple[tuple[ast.AST, ast.AST | None], ...] | None = None
        self._global_names: frozenset[str] = frozenset()
        # By path: the module's folders, kept by ``evaluate.folder``.
        self.folders: dict[str, Folder] = {}

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


# How many times Python source was parsed in this process: a file read by several detectors
# is parsed once (``detectors.ParsedFiles``), and tests count it.
PARSES = [0]


def load(text: str) -> Module | Unparsable:
    """The parsed module, or why it has none. Callers must not mutate the tree; detectors ask
    ``ctx.parsed.python(text)``, which parses each text of the file they read once."""
    PARSES[0] += 1
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
