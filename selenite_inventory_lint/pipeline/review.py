"""Findings → what a reviewer is offered: the inventory patch ``--fix`` would make and, when the
schema changed, the inventory's own "Required Updates" checklist. Computed once, before any
report renders, so the reports only format (``reports/review.py``)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from selenite_inventory_lint.model import Checklist, RunResult, Segment, Suggestion

# The kinds of change that make the "Required Updates" checklist apply.
SCHEMA_KINDS = frozenset({"table", "column", "index"})
_REQUIRED = re.compile(r"\brequired\s+updates?\b", re.IGNORECASE)


def review(result: RunResult) -> RunResult:
    """``result`` with its suggested patch and checklist."""
    from selenite_inventory_lint.rules import FIXABLE

    suggestion = Suggestion(patch="", stubs=0)
    # Without a fixable finding there is no stub to write: the fixer (and its second reading
    # of the inventory) stays off the commit path.
    if any(f.code in FIXABLE for f in result.findings):
        from selenite_inventory_lint.inventory.fix import fix_text, unified_diff

        fixed = fix_text(
            result.inventory_text.removeprefix("\ufeff"),
            result.findings,
            sections=dict(result.inventory_sections),
        )
        suggestion = Suggestion(
            patch=unified_diff(fixed.old, fixed.new, result.inventory) if fixed.changed else "",
            stubs=len(fixed.stubs),
            skipped=tuple((s.object_kind, s.object_name, s.reason) for s in fixed.skipped),
        )
    schema_changed = any(r.change.kind in SCHEMA_KINDS for r in result.changes)
    return result._replace(
        suggestion=suggestion, checklist=checklist(result) if schema_changed else None
    )


def _segments(children: Sequence[object]) -> tuple[Segment, ...]:
    from markdown_it.token import Token

    out: list[Segment] = []
    for token in children:
        assert isinstance(token, Token)
        if token.type == "code_inline":
            out.append(("code", token.content))
        elif token.type in ("text", "text_special", "html_inline"):
            out.append(("text", token.content))
        elif token.type in ("softbreak", "hardbreak"):
            out.append(("text", " "))
        elif token.children:
            out.extend(_segments(token.children))
    return _merged(out)


def checklist(result: RunResult) -> Checklist | None:
    """The inventory's "Required Updates" section as intro paragraphs and checklist items."""
    from selenite_inventory_lint.inventory.parse import parse_inventory
    from selenite_inventory_lint.inventory.text import split_lines

    inventory = parse_inventory(
        result.inventory_text, result.inventory, dict(result.inventory_sections)
    )
    section = next((s for s in inventory.sections if _REQUIRED.search(s.heading)), None)
    if section is None:
        return None
    lines = [line.rstrip("\r\n") for line in split_lines(result.inventory_text)]
    found = _plain_checklist(lines[section.line : section.end_line])
    if found is None:
        found = _markdown_checklist("\n".join(lines[section.line : section.end_line]))
    intro, items = found
    if not items and not intro:
        return None
    return Checklist(heading=section.heading, intro=tuple(intro), items=tuple(items))


_Parts = tuple[list[tuple[Segment, ...]], list[tuple[Segment, ...]]]


_SOFT_BREAK: Segment = ("text", " ")


def _plain_checklist(lines: Sequence[str]) -> _Parts | None:
    """The checklist of a section of plain Markdown, from the inventory's own line reader
    (``inventory.plain.plain_lines``, docs/performance.md); None when a line could mean more,
    for ``_markdown_checklist``."""
    from selenite_inventory_lint.inventory.plain import plain_lines

    read = plain_lines(lines)
    if read is None or any(kind in ("heading", "comment") for kind, _, _ in read):
        return None
    intro: list[tuple[Segment, ...]] = []
    items: list[tuple[Segment, ...]] = []
    paragraph: list[Segment] = []
    for kind, _, segments in (*read, ("blank", 0, [])):
        runs: list[Segment] = [("code", s[1]) if s[0] else ("text", s[1]) for s in segments]
        if kind == "text":
            # The lines of a paragraph are joined by a soft break, which reads as a space.
            if paragraph:
                paragraph.append(_SOFT_BREAK)
            paragraph += runs
            continue
        if paragraph:
            intro.append(_merged(paragraph))
            paragraph = []
        if kind == "item":
            items.append(_merged(runs))
    return intro, items


def _merged(runs: Sequence[Segment]) -> tuple[Segment, ...]:
    """Adjacent text runs as one, empty ones dropped, as ``_segments`` gives them."""
    merged: list[Segment] = []
    for kind, text in runs:
        if merged and kind == "text" and merged[-1][0] == "text":
            merged[-1] = ("text", merged[-1][1] + text)
        elif text:
            merged.append((kind, text))
    return tuple(merged)


def _markdown_checklist(body: str) -> _Parts:
    from markdown_it import MarkdownIt

    intro: list[tuple[Segment, ...]] = []
    items: list[tuple[Segment, ...]] = []
    depth = 0
    for token in MarkdownIt("commonmark").parse(body):
        if token.type == "list_item_open":
            depth += 1
        elif token.type == "list_item_close":
            depth -= 1
        elif token.type == "inline" and token.children is not None:
            (items if depth else intro).append(_segments(token.children))
    return intro, items
