"""Inline suppressions: ``# inventory-lint: ignore[CODE] reason`` (docs/rules.md).

Python, YAML, shell and ``.env`` files use ``#``, SQL ``--``, Markdown ``<!-- ... -->``,
JavaScript/TypeScript ``//``. A comment at the end of a line covers that line; a comment on a
line of its own covers itself and the next line that is not a comment or blank. In SQL files
the cover grows to whole statements: a suppression inside a multi-line statement, or on the
line above it, covers every line of that statement. A suppression needs a reason: without one
it suppresses nothing and is reported (SUP101), as is one naming an unknown code or, when the
comment is new in the change, one that matches no finding.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence

from selenite_inventory_lint.model import Finding, Problem
from selenite_inventory_lint.patterns import lazy
from selenite_inventory_lint.records import Record

MARKER = "inventory-lint:"
# The opening only: matching "[^\]]*\]" from every opening would rescan the line once per
# marker, quadratic on a line of many unclosed "ignore[".
_OPENING = lazy(r"(#|--|<!--|//)\s*inventory-lint:\s*ignore\[")
_COMMENT_ONLY = lazy(r"^\s*(#|--|<!--|//)")
_LINE_BREAK = lazy(r"\r\n|\r|\n")


class Suppression(Record):
    path: str
    line: int
    column: int
    # Disjoint (first, last) line ranges: the comment's line, the code line it stands
    # above, and in SQL the whole statements holding either.
    covers: tuple[tuple[int, int], ...]
    codes: tuple[str, ...]
    reason: str


def parse_suppressions(path: str, text: str) -> tuple[Suppression, ...]:
    """Every suppression comment in ``text`` with the lines it covers."""
    if MARKER not in text:
        return ()
    # Line numbers as the detectors count them: form feeds and U+2028 do not end a line.
    lines = _LINE_BREAK().split(text)
    statements = _sql_statements(text) if path.lower().endswith(".sql") else None
    firsts = [first for first, _ in statements or ()]
    lasts = [last for _, last in statements or ()]
    found: list[Suppression] = []
    following: list[int | None] | None = None
    for index, raw in enumerate(lines):
        if MARKER not in raw:
            continue
        match = _OPENING().search(raw)
        if match is None:
            continue
        close = raw.find("]", match.end())
        if close < 0:
            continue
        covers = [index + 1]
        if _COMMENT_ONLY().match(raw):
            if following is None:
                following = _following_code_lines(lines)
            after = following[index]
            if after is not None:
                covers.append(after)
        ranges = (
            _whole_statements(covers, statements, firsts, lasts)
            if statements
            else [(line, line) for line in sorted(set(covers))]
        )
        reason = raw[close + 1 :].strip()
        if match.group(1) == "<!--":
            reason = reason.removesuffix("-->").strip()
        codes = tuple(c for c in re.split(r"[,\s]+", raw[match.end() : close]) if c)
        found.append(
            Suppression(
                path=path,
                line=index + 1,
                column=match.start() + 1,
                covers=tuple(ranges),
                codes=codes,
                reason=reason,
            )
        )
    return tuple(found)


def _following_code_lines(lines: Sequence[str]) -> list[int | None]:
    """For each line, the 1-based number of the next line that is neither blank nor only a
    comment — one backward pass, so a file of comment lines stays linear."""
    following: list[int | None] = [None] * len(lines)
    nearest: int | None = None
    for index in range(len(lines) - 1, -1, -1):
        following[index] = nearest
        if lines[index].strip() and not _COMMENT_ONLY().match(lines[index]):
            nearest = index + 1
    return following


def _sql_statements(text: str) -> list[tuple[int, int]]:
    from selenite_inventory_lint.detectors.sql import statement_lines

    return statement_lines(text)


def _whole_statements(
    covers: list[int], statements: list[tuple[int, int]], firsts: list[int], lasts: list[int]
) -> list[tuple[int, int]]:
    """SQL suppressions work per statement (a statement spans lines; findings sit on any)."""
    ranges: set[tuple[int, int]] = set()
    for line in covers:
        found = list(_containing(firsts, lasts, line))
        ranges.update(statements[at] for at in found)
        if not found:
            ranges.add((line, line))
    return sorted(ranges)


def _containing(starts: Sequence[int], ends: Sequence[int], line: int) -> Iterator[int]:
    """Indexes of the ranges holding ``line``. Ranges come in file order: they only share
    boundary lines (``a; b;`` on one line), so their ends never decrease."""
    at = bisect.bisect_right(starts, line) - 1
    while at >= 0 and ends[at] >= line:
        yield at
        at -= 1


def _by_range(
    suppressions: Iterable[Suppression],
) -> tuple[list[int], list[int], list[dict[str, Suppression]]]:
    """Range starts, ends and, per range, the first suppression with a reason for each code."""
    ranges: dict[tuple[int, int], dict[str, Suppression]] = {}
    for sup in suppressions:
        if not sup.reason:
            continue
        for cover in sup.covers:
            first = ranges.setdefault(cover, {})
            for code in sup.codes:
                first.setdefault(code, sup)
    ordered = sorted(ranges.items())
    return (
        [first for (first, _), _ in ordered],
        [last for (_, last), _ in ordered],
        [codes for _, codes in ordered],
    )


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
    index = {path: _by_range(sups) for path, sups in suppressions.items()}
    for finding in findings:
        starts, ends, groups = index.get(finding.path, ([], [], []))
        hit = min(
            (
                groups[at][finding.code]
                for at in _containing(starts, ends, finding.line)
                if finding.code in groups[at]
            ),
            key=lambda s: (s.line, s.column),
            default=None,
        )
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
