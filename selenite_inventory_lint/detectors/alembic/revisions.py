"""A revision file as CPython reads it: decoding, parsing, its revision identity, and the
code compared across an edit.

The identity is read from the header lines alone when they are plain assignments of literals
(``revision = "…"``, ``down_revision: str | None = ("…", "…")``), so the revision graph needs
no parse of the revisions a change did not touch, nor their content: ``git grep`` hands over
just the lines holding ``HEADER_NEEDLES``. Anything else (a multi-line tuple, a name, a
reassignment, a string left open) is read with ``ast`` as before.
"""

from __future__ import annotations

import ast
import io
from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

from selenite_inventory_lint.detectors.alembic.records import CODE
from selenite_inventory_lint.model import Problem, Revision
from selenite_inventory_lint.patterns import lazy

if TYPE_CHECKING:
    from selenite_inventory_lint.detectors import ParsedFiles


def _problem(path: str, line: int, column: int, why: str) -> Problem:
    return Problem(
        code=CODE,
        path=path,
        line=line,
        column=column,
        message=f"cannot analyze Alembic revision: {why}",
    )


def _source_text(text: str) -> str:
    return text[1:] if text.startswith("\ufeff") else text


# How many revisions were parsed here rather than through a detector's shared parse; tests
# count it (a revision graph read from plain headers parses nothing).
PARSES = [0]


def _parse(path: str, text: str, parsed: ParsedFiles | None = None) -> ast.Module | Problem:
    """The revision's tree, from the parse the other detectors of the file share when given."""
    if parsed is not None:
        from selenite_inventory_lint.detectors.python.source import Unparsable

        module = parsed.python(text)
        if isinstance(module, Unparsable):
            return _problem(path, module.line, module.column, module.why)
        return module.tree
    PARSES[0] += 1
    try:
        return ast.parse(_source_text(text), filename=path)
    except SyntaxError as exc:
        why = f"invalid Python syntax ({exc.msg})"
        return _problem(path, exc.lineno or 1, exc.offset or 1, why)
    except ValueError as exc:  # pragma: no cover - older Pythons raise ValueError on null bytes
        return _problem(path, 1, 1, f"invalid Python syntax ({exc})")
    except (RecursionError, MemoryError):
        return _problem(path, 1, 1, "the file is nested too deeply to parse")


def read_revision(path: str, text: str) -> Revision | None:
    """``revision`` / ``down_revision`` of a revision file; None when it has no ``revision``."""
    numbered = enumerate(_LINE_BREAK().split(_source_text(text)), 1)
    header = read_header(path, ((n, line) for n, line in numbered if _holds_needle(line)))
    if header is not False:
        return header
    tree = _parse(path, text)
    return _revision(tree, path) if isinstance(tree, ast.Module) else None


# Every line a header assignment is on, and every line that may open or close a string the
# header lines could sit inside (a docstring quoting one) or continue onto the next line.
HEADER_NEEDLES = ("revision", '"""', "'''", "\\")
_LINE_BREAK = lazy(r"\r\n|\r|\n")
_ASSIGNMENT = lazy(r"(revision|down_revision)[ \t]*(?::[^=#'\"]*)?=(?!=)")
# Header lines are short; a longer one is not plain (and no regular expression sees it).
_LONGEST_LINE = 500
_STRING = lazy(r""""([^"\\]*)"|'([^'\\]*)'""")
_ELEMENT = r"""(?:"[^"\\]*"|'[^'\\]*'|None)"""
_SEQUENCE = lazy(
    rf"[(\[{{][ \t]*(?:{_ELEMENT}(?:[ \t]*,[ \t]*{_ELEMENT})*[ \t]*(?:,[ \t]*)?)?[)\]}}]"
)
# In code, what opens a string or a comment; in a string, its end or an escape (a one-line
# string that meets the end of its line is continued: not plain).
_CODE_MARK = lazy(r"""#|\"\"\"|'''|"|'""")
_STRING_END = {
    '"""': lazy(r'\\.|"""'),
    "'''": lazy(r"\\.|'''"),
    '"': lazy(r'\\.|"|$'),
    "'": lazy(r"\\.|'|$"),
}


def _holds_needle(line: str) -> bool:
    return any(needle in line for needle in HEADER_NEEDLES)


def _scan(line: str, inside: str) -> str | None:
    """The string delimiter open at the end of ``line`` ("" for none), given the one open at
    its start; None when a one-line string does not close on the line."""
    position = 0
    while True:
        if not inside:
            mark = _CODE_MARK().search(line, position)
            if mark is None:
                return None if line.endswith("\\") else ""  # a joined line is not plain
            if mark.group() == "#":
                return ""
            position, inside = mark.end(), mark.group()
            continue
        end = _STRING_END[inside]().search(line, position)
        while end is not None and end.group().startswith("\\"):
            end = _STRING_END[inside]().search(line, end.end())
        if end is None:
            return inside  # a triple-quoted string runs on
        if not end.group():
            return None
        position, inside = end.end(), ""


def _literal(value: str) -> tuple[str, ...] | None:
    """The non-empty strings of a plain literal, as ``_down_revisions`` keeps them."""
    if value == "None":
        return ()
    if _STRING().fullmatch(value) or _SEQUENCE().fullmatch(value):
        return tuple(a or b for a, b in _STRING().findall(value) if a or b)
    return None


def read_header(path: str, lines: Iterable[tuple[int, str]]) -> Revision | Literal[False] | None:
    """The revision identity from the module's lines that hold one of ``HEADER_NEEDLES`` (in
    order, numbered from 1); False when they are not plain header assignments and the module
    must be parsed to know."""
    inside = ""
    found: dict[str, tuple[int, tuple[str, ...]]] = {}
    for number, raw in lines:
        line = (raw.removeprefix("\ufeff") if number == 1 else raw).removesuffix("\r")
        if "\r" in line or len(line) > _LONGEST_LINE:
            return False
        if not inside and (assignment := _ASSIGNMENT().match(line)):
            name = assignment.group(1)
            text = line[assignment.end() :].partition("#")[0].strip(" \t")
            value = _literal(text)
            if (
                name in found
                or value is None
                or (name == "revision" and not _STRING().fullmatch(text))
            ):
                return False
            found[name] = (number, value)
            continue  # its strings close on the line, and a comment ends it
        state = _scan(line, inside)
        if state is None:
            return False
        inside = state
    if inside:
        return False  # a string never closed: the parser says what is wrong
    number, revision = found.get("revision", (1, ()))
    if not revision:
        return None
    down = found.get("down_revision", (0, ()))[1]
    return Revision(revision=revision[0], down_revisions=down, path=path, line=number)


def _revision(tree: ast.Module, path: str) -> Revision | None:
    revision: str | None = None
    line = 1
    down: tuple[str, ...] = ()
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets, value = [stmt.target], stmt.value
        else:
            continue
        for target in targets:
            if not isinstance(target, ast.Name):
                continue
            if target.id == "revision":
                literal = _const_str(value)
                revision, line = (literal, stmt.lineno) if literal else (None, 1)
            elif target.id == "down_revision":
                down = _down_revisions(value)
    if revision is None:
        return None
    return Revision(revision=revision, down_revisions=down, path=path, line=line)


def _const_str(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _down_revisions(node: ast.expr) -> tuple[str, ...]:
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return tuple(s for e in node.elts if (s := _const_str(e)))
    single = _const_str(node)
    return (single,) if single else ()


def _code_dump(tree: ast.Module) -> str:
    """What the module means, for comparing it across an edit (SPEC: a cosmetic edit is no
    change): no docstrings, positions or type annotations, imports left out and every imported
    name written as what it names (``sa.Column`` and ``Column`` from ``sqlalchemy`` are both
    ``sqlalchemy.Column``). Comments never reach the AST. The tree is not changed."""
    return _dump(tree, _imported(tree))


def _imported(tree: ast.Module) -> dict[str, str]:
    """Local name → the dotted name it is imported as; a name imported two ways is left as is."""
    found: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.split(".")[0]
                found.setdefault(local, set()).add(alias.name if alias.asname else local)
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            for alias in node.names:
                if alias.name != "*":
                    dotted = f"{module}.{alias.name}" if module else alias.name
                    found.setdefault(alias.asname or alias.name, set()).add(dotted)
    return {local: next(iter(names)) for local, names in found.items() if len(names) == 1}


# Fields that carry no meaning for the revision's effect: annotations, type comments and a
# string's ``u`` prefix (``Constant.kind``).
_COSMETIC_FIELDS = frozenset({"annotation", "returns", "type_comment", "kind"})


def _dump(node: object, names: dict[str, str]) -> str:
    if isinstance(node, list):
        return "[" + ", ".join(_dump(item, names) for item in _meaningful(node)) + "]"
    if not isinstance(node, ast.AST):
        return repr(node)
    if isinstance(node, ast.Name):
        return names.get(node.id, node.id)
    if isinstance(node, ast.Attribute):
        return f"{_dump(node.value, names)}.{node.attr}"
    if isinstance(node, ast.AnnAssign) and node.value is not None:
        node = ast.Assign(targets=[node.target], value=node.value)
    if isinstance(node, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in node.values):
        # An f-string with no placeholder is the plain string (a linter drops the f).
        node = ast.Constant(value="".join(str(v.value) for v in node.values))  # type: ignore[attr-defined]
    fields = ", ".join(
        f"{name}={_dump(value, names)}"
        for name, value in ast.iter_fields(node)
        if name not in _COSMETIC_FIELDS and not isinstance(value, ast.expr_context)
    )
    return f"{type(node).__name__}({fields})"


def _meaningful(items: list[object]) -> list[object]:
    """A list of nodes without docstrings, imports, ``pass`` and bare annotations."""
    kept: list[object] = []
    for index, item in enumerate(items):
        if isinstance(item, (ast.Import, ast.ImportFrom, ast.Pass)) or (
            isinstance(item, ast.AnnAssign) and item.value is None
        ):
            continue
        if index == 0 and isinstance(item, ast.Expr) and _const_str(item.value) is not None:
            continue
        kept.append(item)
    return kept


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _python_text(data: bytes | None, text: str | None) -> tuple[str | None, str | None]:
    """The source as CPython decodes it (PEP 263 coding cookie, ``tokenize.detect_encoding``),
    or why it cannot be decoded that way. UTF-8 sources keep the change set's text."""
    if data is None or text is None:
        return text, None
    # No coding cookie in the two lines that may hold one, and both are UTF-8: what
    # detect_encoding would say, without importing tokenize on every commit's revision.
    if all(b"coding" not in line and _utf8(line) for line in data.split(b"\n", 2)[:2]):
        return text, None
    import tokenize

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        return None, f"Python would not decode it ({exc.msg})"
    if encoding in ("utf-8", "utf-8-sig"):
        return text, None
    try:
        return data.decode(encoding), None
    except (UnicodeDecodeError, LookupError):
        return None, f"its bytes are not valid {encoding}, the encoding its coding cookie names"
