"""What a reviewer reads, selected once for the ``markdown`` and ``html`` reports.

The verdict, the data-bearing changes, the destructive operations with their plan status, the
suggested inventory patch and the inventory's own "Required Updates" checklist (both computed
by the pipeline's review stage, ``pipeline/review.py``). Both formats render this record, so
they cannot disagree; neither computes anything.
"""

from __future__ import annotations

import json
import re

from selenite_inventory_lint.model import (
    Checklist,
    Finding,
    ReportedChange,
    RunResult,
    Segment,
    Suggestion,
)
from selenite_inventory_lint.records import Record
from selenite_inventory_lint.reports import escape_char, plural, scope
from selenite_inventory_lint.rules import DESTRUCTIVE

__all__ = [
    "COLLAPSE_AFTER",
    "Checklist",
    "Review",
    "Segment",
    "build",
    "json_text",
    "plural",
    "valid_utf8",
    "verdict",
    "visible",
]

# Longer tables of documented changes are collapsed; findings never are.
COLLAPSE_AFTER = 10
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class Review(Record):
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
    return valid_utf8(json.dumps(value, indent=2, ensure_ascii=False)) + "\n"


def valid_utf8(text: str) -> str:
    """``text`` with each lone surrogate (a stray byte of a file name) as the text ``\\xNN``."""
    if text.isascii():
        return text  # the common case, without scanning a large report
    return _SURROGATE.sub(lambda m: "\\" + escape_char(m.group()), text)


def verdict(result: RunResult) -> str:
    """One line: passed or failed, with the counts (no markup)."""
    covered = sum(1 for f in result.findings if f.covered_by_plan)
    counts = f"{plural(result.errors, 'error')} and {plural(result.warnings, 'warning')}"
    tail = f" in {scope(result)}"
    if covered:
        tail += f"; {plural(covered, 'operation')} covered by a data plan"
    state = "failed" if result.errors else "passed"
    return f"Inventory check {state}: {counts}{tail}."


def build(result: RunResult) -> Review:
    """The reviewer's view of ``result``: a selection, no computation (the patch and the
    checklist were computed by the pipeline's review stage)."""
    suggestion = result.suggestion or Suggestion(patch="", stubs=0)
    return Review(
        result=result,
        changes=result.changes,
        destructive=tuple(f for f in result.findings if f.code in DESTRUCTIVE or f.covered_by_plan),
        findings=result.findings,
        covered=sum(1 for f in result.findings if f.covered_by_plan),
        patch=suggestion.patch,
        stubs=suggestion.stubs,
        skipped=suggestion.skipped,
        checklist=result.checklist,
    )
