"""A pull-request comment (docs/usage.md) that leads with what to do: the verdict in words, every
finding grouped by file (never collapsed), the destructive operations as a data plan names them,
a suggested inventory patch, the inventory's "Required Updates" checklist, and last the
data-bearing changes (collapsed when long) — under GitHub's 65,536-character comment limit.

Repository text is escaped once, by ``_text``: control characters become visible escapes and
every character with inline meaning (links, HTML, emphasis, code, table cells, math) is
backslash-escaped, so it renders as the same text in and out of table cells. Names are shown
as ``<code>`` around that escaped text: a backtick in a name cannot end a code span.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from selenite_inventory_lint.model import Finding, IntroducedPlan, ReportedChange, RunResult
from selenite_inventory_lint.reports import review as _review
from selenite_inventory_lint.reports.review import (
    COLLAPSE_AFTER,
    Checklist,
    Review,
    Segment,
    plural,
    visible,
)

# GitHub refuses comments over 65,536 characters; the margin keeps room for a bot's wrapper.
LIMIT = 65_000
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&$])")
# Text that would open a block (list, heading, quote, thematic break) at the start of a line,
# or a GitHub Actions workflow command ("::error ...") when the report goes to a job's log.
_BLOCK_START = re.compile(r"^(\s*)(\d+[.)]|[-+#>=:])")


def _text(value: str, *, line_start: bool = False) -> str:
    text = _SPECIAL.sub(r"\\\1", visible(value))
    if not line_start:
        return text
    return _BLOCK_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], text)


def _code(value: str) -> str:
    return f"<code>{_text(value)}</code>" if value else "<code></code>"


def _where(path: str, line: int, column: int | None = None) -> str:
    return _code(f"{path}:{line}" if column is None else f"{path}:{line}:{column}")


def _segments(segments: Sequence[Segment], *, line_start: bool = False) -> str:
    return "".join(
        _code(text) if kind == "code" else _text(text, line_start=line_start and i == 0)
        for i, (kind, text) in enumerate(segments)
    )


def _fence(body: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    return "`" * max(3, longest + 1)


def _words(identifier: str) -> str:
    return identifier.replace("_", " ")


def _documented(row: ReportedChange) -> str:
    if row.change.action == "dropped":  # an entry left for a dropped object is stale (INV201)
        return {True: "**error: stale entry**", False: "no entry left", None: "n/a"}[row.documented]
    return {True: "yes", False: "**missing**", None: "n/a"}[row.documented]


def _change_row(row: ReportedChange) -> str:
    change = row.change
    name = change.name if not change.old_name else f"{change.old_name} → {change.name}"
    cells = (
        _code(name),
        _words(change.kind),
        _words(change.action),
        _where(change.path, change.line),
        _documented(row),
    )
    return "| " + " | ".join(cells) + " |"


def _plan_status(finding: Finding) -> str:
    if finding.covered_by_plan:
        return f"covered by {_code(finding.covered_by_plan)}"
    return "**no approved data plan**"


def _operation(finding: Finding) -> str:
    return _code(finding.operation or f"{finding.object_kind} {finding.object_name}")


def _destructive_row(finding: Finding) -> str:
    cells = (
        _operation(finding),
        finding.code,
        _text(finding.message),
        _where(finding.path, finding.line),
        _plan_status(finding),
    )
    return "| " + " | ".join(cells) + " |"


def _severity(finding: Finding) -> str:
    if finding.covered_by_plan and finding.severity != "info":
        # A plan the change introduces itself (docs/security.md): the reviewer confirms it.
        return (
            f"**{finding.severity}**: approved by plan {_code(finding.covered_by_plan)}, to confirm"
        )
    if finding.covered_by_plan:
        return f"approved by plan {_code(finding.covered_by_plan)}"
    return {"error": "**error**", "warning": "warning", "info": "note"}[finding.severity]


def _introduced(plans: Sequence[IntroducedPlan]) -> list[str]:
    """docs/security.md: the change approves itself with these plans; the reviewer confirms."""
    if not plans:
        return []
    lines = [
        f"### Data plans introduced in this change ({len(plans):,})",
        "",
        "This change adds or edits these data plans, so it approves its own destructive "
        "operations: confirm each approval with the people named before merging.",
        "",
        "| plan | file | approved_by | covers |",
        "| --- | --- | --- | --- |",
    ]
    for plan in plans:
        if plan.barred:
            covers = "nothing (`plans_from_base_only`)"
        else:
            covers = (
                "<br>".join(f"{f.code} {_code(f.object_name)}" for f in plan.covers) or "nothing"
            )
        approvers = ", ".join(_code(name) for name in plan.approved_by)
        lines.append(f"| {_code(plan.id)} | {_code(plan.path)} | {approvers} | {covers} |")
    return [*lines, ""]


def _finding_row(finding: Finding) -> str:
    cells = (
        _severity(finding),
        finding.code,
        f"{finding.line}:{finding.column}",
        _operation(finding),
        _text(finding.message),
    )
    return "| " + " | ".join(cells) + " |"


def _by_file(findings: Sequence[Finding], rows: list[str], cap: int | None) -> list[str]:
    """Every finding, one section per file (a migration's operations together), never
    collapsed: errors are what the reviewer acts on."""
    if not findings:
        return []
    shown = len(rows) if cap is None else min(cap, len(rows))
    groups: dict[str, list[str]] = {}
    for finding, row in zip(findings[:shown], rows[:shown], strict=True):
        groups.setdefault(finding.path, []).append(row)
    lines = [f"### Findings by file ({len(findings):,})", ""]
    for path, group in groups.items():
        errors = sum(1 for f in findings if f.path == path and f.fails)
        lines += [
            f"#### {_code(path)}: {plural(errors, 'error')}",
            "",
            "| status | code | line | operation | message |",
            "| --- | --- | --- | --- | --- |",
            *group,
            "",
        ]
    if shown < len(rows):
        lines += [
            f"*{plural(len(rows) - shown, 'more finding')} not shown; "
            "the `json` and `sarif` reports list every one.*",
            "",
        ]
    return lines


def _table(
    title: str,
    header: Sequence[str],
    rows: Sequence[str],
    cap: int | None,
    noun: str,
    collapse: bool = False,
) -> list[str]:
    shown = rows if cap is None else rows[:cap]
    table = [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join("---" for _ in header) + " |",
        *shown,
    ]
    left = len(rows) - len(shown)
    if left:
        table += [
            "",
            f"*{plural(left, 'more ' + noun)} not shown; "
            "the `json` and `sarif` reports list every one.*",
        ]
    if collapse and len(rows) > COLLAPSE_AFTER:
        table = [
            "<details>",
            f"<summary>{plural(len(rows), noun)}</summary>",
            "",
            *table,
            "",
            "</details>",
        ]
    return [f"### {title}", "", *table, ""]


def _patch(review: Review, with_patch: bool, fix_command: str) -> list[str]:
    if not review.patch and not review.skipped:
        return []
    lines = ["### Suggested inventory patch", ""]
    if review.patch and with_patch:
        fence = _fence(review.patch)
        lines += [
            f"Save this as a file and `git apply` it (or run `{fix_command}`), then replace "
            f"each `TODO: describe` with what the data is "
            f"({plural(review.stubs, 'stub')}):",
            "",
            f"{fence}diff",
            review.patch.rstrip("\n"),
            fence,
            "",
        ]
    elif review.patch:
        lines += [
            f"The patch ({plural(review.stubs, 'stub')}) is too long for a comment: run "
            f"`{fix_command}` to insert the stubs, then replace each "
            "`TODO: describe`.",
            "",
        ]
    for kind, name, reason in review.skipped:
        lines.append(f"- No stub for {kind} {_code(name)}: {_text(reason)}.")
    if review.skipped:
        lines.append("")
    return lines


@dataclass(frozen=True, slots=True, kw_only=True)
class _Rows:
    """Every table row and checklist item, escaped once however often the report is cut."""

    changes: list[str]
    destructive: list[str]
    findings: list[str]
    items: list[str]


def _rows(review: Review) -> _Rows:
    return _Rows(
        changes=[_change_row(r) for r in review.changes],
        destructive=[_destructive_row(f) for f in review.destructive],
        findings=[_finding_row(f) for f in review.findings],
        items=[
            f"- [ ] {_segments(item)}"
            for item in (review.checklist.items if review.checklist else ())
        ],
    )


def _checklist(
    checklist: Checklist | None, inventory: str, items: list[str], cap: int | None
) -> list[str]:
    if checklist is None:
        return []
    lines = [
        "### Required updates",
        "",
        f"Schema changed: from {_code(inventory)} ({_text(checklist.heading)}):",
        "",
    ]
    for paragraph in checklist.intro:
        lines += [_segments(paragraph, line_start=True), ""]
    shown = items if cap is None else items[:cap]
    lines += shown
    if len(shown) < len(items):
        lines.append(f"- {plural(len(items) - len(shown), 'more item')} not shown")
    return [*lines, ""]


def _render(review: Review, rows: _Rows, cap: int | None, with_patch: bool) -> str:
    result = review.result
    state = "FAILED" if result.errors else "PASSED"
    lines = [
        f"## Data inventory {state}: {plural(result.errors, 'error')}, "
        f"{plural(result.warnings, 'warning')}",
        "",
        f"**{_review.verdict(result)}** Inventory: {_code(result.inventory)}.",
        "",
        *_introduced(result.introduced_plans),
        *_by_file(review.findings, rows.findings, cap),
    ]
    if review.destructive:
        lines += _table(
            f"Destructive operations ({len(review.destructive):,})",
            ("operation", "code", "what happens", "source", "data plan"),
            rows.destructive,
            cap,
            "operation",
        )
    lines += _patch(review, with_patch, result.fix_command or "selenite-inventory-lint check --fix")
    lines += _checklist(review.checklist, result.inventory, rows.items, cap)
    if review.changes:
        lines += _table(
            f"Data-bearing changes ({len(review.changes):,})",
            ("object", "kind", "action", "source", "documented"),
            rows.changes,
            cap,
            "change",
            collapse=True,
        )
    else:
        lines += ["No data-bearing changes.", ""]
    base = _code(result.base[:12]) if result.base else "the root"
    head = _code(result.head[:12])
    lines.append(
        f"<sub>selenite-inventory-lint {_text(result.tool_version)} · {base} → {head}</sub>"
    )
    return "\n".join(lines) + "\n"


def _largest(fits: Callable[[int], bool], high: int) -> int:
    """The largest cap in ``0..high`` that fits (binary search); 0 when none does."""
    low = 0
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return low


def render_review(review: Review, *, limit: int = LIMIT) -> str:
    """The comment, cut down to ``limit`` characters: first every list is shortened (each
    says how many rows it left out), then the patch gives way to a `--fix` hint."""
    rows = _rows(review)
    text = _render(review, rows, None, True)
    if len(text) <= limit:
        return text
    longest = max(
        len(review.changes),
        len(review.findings),
        len(review.checklist.items) if review.checklist else 0,
    )
    for with_patch in (True, False):
        if len(_render(review, rows, 0, with_patch)) <= limit:

            def fits(cap: int, patch: bool = with_patch) -> bool:
                return len(_render(review, rows, cap, patch)) <= limit

            best = _largest(fits, longest)
            return _render(review, rows, best, with_patch)
    # Only repository text of absurd length gets here (a megabyte-long name): cut it.
    notice = "\n\n*Report cut at GitHub's comment limit.*\n"
    text = _render(review, rows, 0, False)
    return text[: limit - len(notice)].rsplit("\n", 1)[0] + notice


def render(result: RunResult, *, color: bool = False) -> str:
    return render_review(_review.build(result))
