"""Inline suppressions: ``# inventory-lint: ignore[CODE] reason`` (SPEC §4).

Python, YAML, shell and ``.env`` files use ``#``, SQL ``--``, Markdown ``<!-- ... -->``,
JavaScript/TypeScript ``//``. A comment at the end of a line covers that line; a comment on a
line of its own covers itself and the next line that is not a comment or blank. In SQL files
the cover grows to whole statements: a suppression inside a multi-line statement, or on the
line above it, covers every line of that statement. A suppression needs a reason: without one
it suppresses nothing and is reported (SUP101), as is one naming an unknown code or, when the
comment is new in the change, one that matches no finding.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass

from selenite_inventory_lint.model import Finding, Problem

MARKER = "inventory-lint:"
_RE = re.compile(r"(#|--|<!--|//)\s*inventory-lint:\s*ignore\[([^\]]*)\](.*)")
_COMMENT_ONLY = re.compile(r"^\s*(#|--|<!--|//)")


@dataclass(frozen=True, slots=True, kw_only=True)
class Suppression:
    path: str
    line: int
    column: int
    covers: tuple[int, ...]
    codes: tuple[str, ...]
    reason: str


def parse_suppressions(path: str, text: str) -> tuple[Suppression, ...]:
    """Every suppression comment in ``text`` with the lines it covers."""
    if MARKER not in text:
        return ()
    lines = text.splitlines()
    statements = _sql_statements(text) if path.lower().endswith(".sql") else None
    found: list[Suppression] = []
    for index, raw in enumerate(lines):
        if MARKER not in raw:
            continue
        match = _RE.search(raw)
        if match is None:
            continue
        covers = [index + 1]
        if _COMMENT_ONLY.match(raw):
            for later in range(index + 1, len(lines)):
                if lines[later].strip() and not _COMMENT_ONLY.match(lines[later]):
                    covers.append(later + 1)
                    break
        if statements:
            covers = _whole_statements(covers, statements)
        reason = match.group(3).strip()
        if match.group(1) == "<!--":
            reason = reason.removesuffix("-->").strip()
        codes = tuple(c for c in re.split(r"[,\s]+", match.group(2)) if c)
        found.append(
            Suppression(
                path=path,
                line=index + 1,
                column=match.start() + 1,
                covers=tuple(covers),
                codes=codes,
                reason=reason,
            )
        )
    return tuple(found)


def _sql_statements(text: str) -> list[tuple[int, int]]:
    from selenite_inventory_lint.detectors.sql import statement_lines

    return statement_lines(text)


def _whole_statements(covers: list[int], statements: list[tuple[int, int]]) -> list[int]:
    """SQL suppressions work per statement (a statement spans lines; findings sit on any)."""
    lines = set(covers)
    for first, last in statements:
        if any(first <= line <= last for line in covers):
            lines.update(range(first, last + 1))
    return sorted(lines)


def apply_suppressions(
    findings: Iterable[Finding],
    suppressions: Mapping[str, tuple[Suppression, ...]],
    known_codes: Collection[str],
    is_new: Callable[[str, int], bool],
    checked: Collection[str] | None = None,
) -> tuple[tuple[Finding, ...], tuple[Problem, ...]]:
    """Drop suppressed findings; return the rest and the SUP101 problems.

    ``checked`` names the codes whose rules ran (None: all); a suppression is only called
    unused when every code it names was checked.
    """
    used: set[tuple[str, int]] = set()
    kept: list[Finding] = []
    for finding in findings:
        hit = None
        for sup in suppressions.get(finding.path, ()):
            if finding.line in sup.covers and finding.code in sup.codes and sup.reason:
                hit = sup
                break
        if hit is None:
            kept.append(finding)
        else:
            used.add((hit.path, hit.line))
    problems: list[Problem] = []
    for path in sorted(suppressions):
        for sup in suppressions[path]:
            unknown = [c for c in sup.codes if c not in known_codes]

            def _problem(message: str, sup: Suppression = sup) -> Problem:
                return Problem(
                    code="SUP101", path=sup.path, line=sup.line, column=sup.column, message=message
                )

            if not sup.codes:
                problems.append(_problem("suppression names no rule code"))
            if unknown:
                problems.append(
                    _problem(f"suppression names unknown rule code {', '.join(unknown)}")
                )
            if not sup.reason:
                problems.append(
                    _problem("suppression has no reason, so it does not suppress anything")
                )
            elif (
                sup.codes
                and not unknown
                and (sup.path, sup.line) not in used
                and (checked is None or all(c in checked for c in sup.codes))
                and is_new(sup.path, sup.line)
            ):
                problems.append(
                    _problem(f"suppression of {', '.join(sup.codes)} matches no finding")
                )
    return tuple(kept), tuple(problems)
