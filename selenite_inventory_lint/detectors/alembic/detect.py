"""The file-level flow: decode, parse, compare with the old revision, walk upgrade(), and
hand literal SQL to the SQL detector."""

from __future__ import annotations

import ast
from collections.abc import Collection, Sequence

from selenite_inventory_lint.detectors import DetectContext
from selenite_inventory_lint.detectors.alembic.records import (
    SOURCE,
    _Item,
    _Sql,
)
from selenite_inventory_lint.detectors.alembic.revisions import (
    _code_dump,
    _parse,
    _problem,
    _python_text,
    _revision,
    _source_text,
)
from selenite_inventory_lint.detectors.alembic.walker import Analyzer
from selenite_inventory_lint.model import Change, DetectorResult, FileChange, Problem

_EDIT_STATUSES = ("modified", "renamed")


def detect(change: FileChange, ctx: DetectContext) -> DetectorResult:
    path = change.path
    if change.status == "deleted":
        return DetectorResult(edited=True)
    edit_status = change.status in _EDIT_STATUSES
    if change.binary or change.too_large:
        why = "it is a binary file" if change.binary else "it is larger than max_file_bytes"
        return DetectorResult(problems=(_problem(path, 1, 1, why),), edited=edit_status)
    text, undecoded = _python_text(change.new_bytes, change.new_text)
    if undecoded is not None:
        return DetectorResult(problems=(_problem(path, 1, 1, undecoded),), edited=edit_status)
    if text is None:
        return DetectorResult()
    old_text, _ = _python_text(change.old_bytes, change.old_text)
    problems: list[Problem] = []
    if change.undecodable and text is change.new_text:
        problems.append(_problem(path, 1, 1, "it is not valid UTF-8 (read with replacements)"))
    tree = _parse(path, text, ctx.parsed)
    if isinstance(tree, Problem):
        changed = edit_status and old_text != text
        return DetectorResult(problems=(*problems, tree), edited=changed)
    revision = _revision(tree, path)
    migration = revision.revision if revision else path

    old_tree: ast.Module | None = None
    if change.status in (*_EDIT_STATUSES, "copied") and old_text is not None:
        parsed = _parse(change.old_path or path, old_text, ctx.parsed)
        old_tree = parsed if isinstance(parsed, ast.Module) else None
    same_id = False
    if old_tree is not None:
        old_revision = _revision(old_tree, path)
        same_id = (old_revision.revision if old_revision else None) == (
            revision.revision if revision else None
        )

    same_code = False
    if old_tree is not None:
        try:
            same_code = _code_dump(old_tree) == _code_dump(tree)
        except RecursionError:
            same_code = old_text == text
    edited = edit_status and not same_code

    items: list[_Item] = []
    if not (same_id and same_code):
        items = Analyzer(tree, _source_text(text), path, migration, ctx).run()
    old: set[_Meaning] = set()
    if same_id and not same_code and old_tree is not None:
        old_source = _source_text(old_text or "")
        old = {_meaning(i) for i in Analyzer(old_tree, old_source, path, migration, ctx).run()}
    context = [c for i in items if old and i.comparable and _meaning(i) in old for c in i.changes]
    items = _new_items(items, old)
    changes: list[Change] = []
    for item in items:
        changes.extend(item.changes)
    if any(_old_type_unknown(c) for c in changes):
        told = _downgrade_types(tree, _source_text(text), path, migration, ctx)
        changes = [
            c._replace(old_type=told[c.name])
            if _old_type_unknown(c) and told.get(c.name) not in (None, c.type)
            else c
            for c in changes
        ]
    for item in items:
        problems.extend(item.problems)
        if item.sql is not None:
            found = _analyze_sql(item.sql, path, migration, ctx.config.dialect)
            runs_at = item.sql.runs_at
            changes.extend(c._replace(runs_at=runs_at) if runs_at else c for c in found.changes)
            problems.extend(found.problems)
    return DetectorResult(
        changes=tuple(changes),
        problems=tuple(problems),
        revision=revision,
        edited=edited,
        context=tuple(context),
    )


def _old_type_unknown(change: Change) -> bool:
    return change.operation == "alter_column" and change.type is not None and not change.old_type


def _downgrade_types(
    tree: ast.Module, source: str, path: str, migration: str, ctx: DetectContext
) -> dict[str, str]:
    """Column → the one type ``downgrade()`` sets it back to: the old type of an upgrade's
    ``alter_column(type_=...)`` written without ``existing_type=`` (docs/rules/MIG104.md)."""
    body: list[ast.stmt] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef) and stmt.name in ("upgrade", "downgrade"):
            if stmt.name == "upgrade":
                continue
            import copy  # a revision whose downgrade() sets types back: not every commit's

            stmt = copy.copy(stmt)
            stmt.name = "upgrade"  # walked as the upgrade is, in a copy of the module
        body.append(stmt)
    module = ast.Module(body=body, type_ignores=[])
    found: dict[str, set[str]] = {}
    for item in Analyzer(module, source, path, migration, ctx).run():
        for change in item.changes:
            if change.operation == "alter_column" and change.type:
                found.setdefault(change.name, set()).add(change.type)
    return {name: next(iter(types)) for name, types in found.items() if len(types) == 1}


def _analyze_sql(sql: _Sql, path: str, migration: str, dialect: str) -> DetectorResult:
    from selenite_inventory_lint.detectors.sql import analyze_sql

    return analyze_sql(
        sql.text,
        path=path,
        line=sql.line,
        dialect=dialect,
        migration=migration,
        source=SOURCE,
        guarded=sql.guard is not None,
        guard=sql.guard,
        sequence=0,
        column=sql.column,
    )


# An operation's meaning: what it does to which object, wherever it stands in the file.
_Meaning = tuple[tuple[Change, ...], tuple[tuple[str, str], ...], tuple[str, bool] | None]


def _meaning(item: _Item) -> _Meaning:
    changes = tuple(c._replace(line=0, column=0, guard=None, runs_at=None) for c in item.changes)
    problems = tuple((p.code, p.message) for p in item.problems)
    sql = (
        None if item.sql is None else (" ".join(item.sql.text.split()), item.sql.guard is not None)
    )
    return changes, problems, sql


def _new_items(items: Sequence[_Item], old: Collection[_Meaning]) -> list[_Item]:
    """Items new in meaning (SPEC: the net effect): none the old upgrade() already had, matched
    by operation, target and arguments rather than by line or enclosing block, and each meaning
    once, so one operation written in two dialect branches is one change (docs/usage.md).
    What cannot be analysed is reported at each line where it is."""
    seen: set[tuple[_Meaning, tuple[int, ...]]] = set()
    kept: list[_Item] = []
    for item in items:
        meaning = _meaning(item)
        here = (meaning, tuple(p.line for p in item.problems))
        if item.comparable and (meaning in old or here in seen):
            continue
        seen.add(here)
        kept.append(item)
    return kept
