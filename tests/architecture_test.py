"""The package's shape: imports point one way (no cycle), and modules stay readable in size."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "selenite_inventory_lint"
NAME = PACKAGE.name
# Lines a module may have before it should be split by concern.
MAX_LINES = 600
# Modules still over the limit, each with the reason it is not split yet.
OVERSIZED: dict[str, str] = {}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for path in sorted(PACKAGE.rglob("*.py"))
        if "demo_data" not in path.parts
    }


def _top_level_imports(path: Path, name: str, known: set[str]) -> Iterator[str]:
    """Modules of the package that ``path`` imports when it is itself imported: statements at
    module level, outside ``if TYPE_CHECKING:``; imports inside functions are lazy and run later."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                break
            if isinstance(inner, ast.Import):
                yield from (a.name for a in inner.names if a.name.startswith(NAME))
            elif isinstance(inner, ast.ImportFrom):
                base = inner.module or ""
                if inner.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - inner.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                if not base.startswith(NAME):
                    continue
                for alias in inner.names:
                    candidate = f"{base}.{alias.name}"
                    yield candidate if candidate in known else base


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {
        name: {target for target in _top_level_imports(path, name, known) if target != name}
        for name, path in modules.items()
    }


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (found := visit(target)) is not None:
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


def test_the_package_has_no_import_cycle() -> None:
    cycle = _cycle(_graph())
    assert cycle is None, " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_module_is_oversized() -> None:
    sizes = {
        name: len(path.read_text(encoding="utf-8").splitlines())
        for name, path in _modules().items()
    }
    over = {name: n for name, n in sizes.items() if n > MAX_LINES and name not in OVERSIZED}
    assert not over, f"split these by concern (or say why in OVERSIZED): {over}"
    assert all(sizes.get(name, 0) > MAX_LINES for name in OVERSIZED), "a listed module shrank"
