"""What a reviewer reads, computed once for the ``markdown`` and ``html`` reports (SPEC §5).

The verdict, the data-bearing changes, the destructive operations with their plan status, the
suggested inventory patch (``inventory/fix.py`` as a unified diff) and the inventory's own
"Required Updates" checklist. Both formats render this record, so they cannot disagree.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from selenite_inventory_lint.model import Finding, ReportedChange, RunResult
from selenite_inventory_lint.reports import escape_char
from selenite_inventory_lint.rules import DESTRUCTIVE

# SPEC §4: the operations a data plan approves (MIG107/MIG109 are warnings about DDL).
SCHEMA_KINDS = frozenset({"table", "column", "index"})
_REQUIRED = re.compile(r"\brequired\s+updates?\b", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")

Segment = tuple[Literal["text", "code"], str]


@dataclass(frozen=True, slots=True, kw_only=True)
class Checklist:
    heading: str
    intro: tuple[tuple[Segment, ...], ...]
    items: tuple[tuple[Segment, ...], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Review:
    result: RunResult
    changes: tuple[ReportedChange, ...]
    destructive: tuple[Finding, ...]
    findings: tuple[Finding, ...]
    covered: int
    # A unified diff of the inventory that adds a stub per undocumented object ("" if none).
    patch: str
    stubs: int
    # (object kind, name, reason) of objects no stub could be written for.
    skipped: tuple[tuple[str, str, str], ...]
    checklist: Checklist | None


def visible(text: str, *, newlines: bool = False) -> str:
    """Control characters (ANSI escapes, NUL, line breaks) and the stray bytes of a name that
    is not UTF-8 as ``\\xNN``-style escapes.

    With ``newlines`` a line break stays one (CRLF and CR become LF), for formats whose
    messages may span lines.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not newlines:
        text = text.replace("\n", "\\n")
    return _CONTROL.sub(lambda m: escape_char(m.group()), text)


def json_text(value: object) -> str:
    """``value`` as indented JSON that is valid UTF-8: a stray byte of a file name is written
    as the text ``\\xNN`` (a lone surrogate cannot be encoded)."""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return _SURROGATE.sub(lambda m: "\\" + escape_char(m.group()), text) + "\n"


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def verdict(result: RunResult) -> str:
    """One line: passed or failed, with the counts (no markup)."""
    covered = sum(1 for f in result.findings if f.covered_by_plan)
    counts = f"{plural(result.errors, 'error')} and {plural(result.warnings, 'warning')}"
    tail = f" in {plural(len(result.changes), 'data-bearing change')}"
    if covered:
        tail += f"; {plural(covered, 'operation')} covered by a data plan"
    state = "failed" if result.errors else "passed"
    return f"Inventory check {state}: {counts}{tail}."


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
    merged: list[Segment] = []
    for kind, text in out:
        if merged and kind == "text" and merged[-1][0] == "text":
            merged[-1] = ("text", merged[-1][1] + text)
        elif text:
            merged.append((kind, text))
    return tuple(merged)


def checklist(result: RunResult) -> Checklist | None:
    """The inventory's "Required Updates" section as intro paragraphs and checklist items."""
    from markdown_it import MarkdownIt

    from selenite_inventory_lint.inventory.fix import split_lines
    from selenite_inventory_lint.inventory.parse import parse_inventory

    inventory = parse_inventory(
        result.inventory_text, result.inventory, dict(result.inventory_sections)
    )
    section = next((s for s in inventory.sections if _REQUIRED.search(s.heading)), None)
    if section is None:
        return None
    lines = [line.rstrip("\r\n") for line in split_lines(result.inventory_text)]
    body = "\n".join(lines[section.line : section.end_line])
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
    if not items and not intro:
        return None
    return Checklist(heading=section.heading, intro=tuple(intro), items=tuple(items))


def build(result: RunResult) -> Review:
    from selenite_inventory_lint.inventory.fix import fix_text, unified_diff

    fixed = fix_text(
        result.inventory_text.removeprefix("\ufeff"),
        result.findings,
        sections=dict(result.inventory_sections),
    )
    schema_changed = any(r.change.kind in SCHEMA_KINDS for r in result.changes)
    return Review(
        result=result,
        changes=result.changes,
        destructive=tuple(f for f in result.findings if f.code in DESTRUCTIVE or f.covered_by_plan),
        findings=result.findings,
        covered=sum(1 for f in result.findings if f.covered_by_plan),
        patch=unified_diff(fixed.old, fixed.new, result.inventory) if fixed.changed else "",
        stubs=len(fixed.stubs),
        skipped=tuple((s.object_kind, s.object_name, s.reason) for s in fixed.skipped),
        checklist=checklist(result) if schema_changed else None,
    )
