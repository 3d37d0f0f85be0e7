"""Storage paths a change starts (or stops) using, read from Python with ``ast`` (docs/usage.md).

Every expression that builds a path — a string literal, ``Path(...)``, ``/`` and ``+`` joins,
``os.path.join``, ``str(...)``, f-strings whose parts all resolve — is folded with the module's
constants (``python.Folder``), so ``STORAGE_ROOT / "thumbnails"`` with
``STORAGE_ROOT = PROJECT_ROOT / "storage"`` and ``PROJECT_ROOT = Path(__file__).parents[2]``
is ``storage/thumbnails``. The outermost expression that folds is the reference; when it does
not fold (``MEDIA / f"{user}.mp3"``) the parts inside it are tried, so ``MEDIA`` still counts and
the f-string is never guessed. A path counts only strictly under a data root
(``DetectContext.path_roots``): absolute paths, URLs, paths leaving the repository, prose and the
module's own location are ignored. A name with an extension is a file; anything else a directory,
named with a trailing ``/`` (docs/usage.md).

New and removed references are decided as in ``references.py``: by name, against the file's
old text.
Syntax errors are reported once, by the env detector, which reads the same files.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import Final

from selenite_inventory_lint.detectors import DetectContext, DetectorSpec, ParsedFiles, sources
from selenite_inventory_lint.detectors import python as py
from selenite_inventory_lint.detectors.env import DEFAULT_SOURCES
from selenite_inventory_lint.detectors.references import Ref, first_refs, reference_changes
from selenite_inventory_lint.model import DetectorResult, FileChange

SOURCE: Final = "paths"
# Expressions that may fold to a path; names are not references (their definition is).
_PATHISH = (ast.Constant, ast.JoinedStr, ast.BinOp, ast.Call, ast.Attribute, ast.Subscript)


def path_refs(
    path: str, text: str, roots: Sequence[str], parsed: ParsedFiles | None = None
) -> list[Ref] | None:
    """Storage-path references of a Python module; None when it does not parse."""
    module = (parsed or ParsedFiles()).python(text)
    if isinstance(module, py.Unparsable):
        return None
    if not roots:
        return []
    if not under_root(path, roots) and not any(_last(root) in text for root in roots):
        return []  # a path under a root spells the root's name somewhere in its module
    folder = py.folder(module, path)
    folder.prime()
    # A node is looked at only when no enclosing expression folded (that one is the reference)
    # and it is not inside an f-string that did not (ignored, never guessed).
    settled: dict[int, bool] = {}
    refs: list[Ref] = []
    for node, parent in module.nodes:
        inside = parent is not None and (
            settled[id(parent)]
            or isinstance(parent, ast.JoinedStr)
            or (isinstance(parent, _PATHISH) and folder.value(parent) is not None)
        )
        settled[id(node)] = inside
        if inside or isinstance(node, ast.Name) or not isinstance(node, _PATHISH):
            continue
        value = folder.value(node)
        if value is not None:
            name = py.storage_path(value, path, roots)
            if name is not None:
                refs.append(Ref(name, node.lineno, node.col_offset + 1))
    return refs


def under_root(path: str, roots: Sequence[str]) -> bool:
    return any(path.startswith(root) for root in roots)


def _last(root: str) -> str:
    return root.rstrip("/").rsplit("/", 1)[-1]


class PathsDetector:
    """Storage paths in Python sources (the ``python`` sources, like the env detector)."""

    name = "paths"

    def claims(self, path: str, ctx: DetectContext) -> bool:
        return sources.python(path, ctx)

    def patterns(self, ctx: DetectContext) -> tuple[str, ...]:
        return ctx.config.sources_for("python", DEFAULT_SOURCES["python"])

    def detect(self, change: FileChange, ctx: DetectContext) -> DetectorResult:
        roots = ctx.path_roots
        if not roots or change.binary or change.too_large:
            return DetectorResult()
        if sources.non_application(change.path, ctx):
            # Tests and tooling (a repository-hygiene script, fixtures) are not the application:
            # the directories they name are not where it keeps data (docs/configuration.md).
            return DetectorResult()
        path = change.path
        old: dict[str, Ref] | None = None
        if change.old_text is not None:
            found = path_refs(change.old_path or path, change.old_text, roots, ctx.parsed)
            old = None if found is None else first_refs(found)
        # When the old side does not parse, a path whose last segment its text still names
        # is not new.
        unreadable = change.old_text if old is None else None

        def keep(name: str) -> bool:
            return unreadable is None or name.rstrip("/").rsplit("/", 1)[-1] not in unreadable

        if change.status == "deleted":
            return DetectorResult(changes=reference_changes("path", SOURCE, path, {}, old, keep))
        found = path_refs(path, change.new_text or "", roots, ctx.parsed)
        if found is None:
            return DetectorResult()
        return DetectorResult(
            changes=reference_changes("path", SOURCE, path, first_refs(found), old, keep)
        )

    def references(self, path: str, text: str, ctx: DetectContext) -> frozenset[str]:
        return frozenset(first_refs(path_refs(path, text, ctx.path_roots, ctx.parsed) or ()))


DETECTOR = PathsDetector()

SPEC = DetectorSpec(name="paths", role="references", source_keys=("python",), self_contained=True)
