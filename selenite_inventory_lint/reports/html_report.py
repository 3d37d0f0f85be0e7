"""The markdown report's content as one self-contained HTML page (docs/usage.md): inline CSS, no
script, nothing fetched (a Content-Security-Policy forbids it), readable on a phone (tables
scroll sideways inside their box). Findings by file come first, under a sticky summary that
counts them per severity and per file and links to each section; the long table of
data-bearing changes comes last, collapsed. Every piece of repository text goes through ``_e``;
paths go through ``_path``, which lets them wrap only after a ``/``."""

from __future__ import annotations

import html
from collections.abc import Sequence

from selenite_inventory_lint.model import Finding, IntroducedPlan, ReportedChange, RunResult
from selenite_inventory_lint.reports.review import (
    COLLAPSE_AFTER,
    Checklist,
    Review,
    Segment,
    build,
    plural,
    verdict,
    visible,
)

_CSS = """
:root{color-scheme:light dark;--fg:#1f2328;--bg:#fff;--muted:#59636e;--line:#d1d9e0;
--bad:#cf222e;--ok:#1a7f37;--warn:#9a6700;--code:#f6f8fa;--add:#dafbe1;--del:#ffebe9}
@media (prefers-color-scheme:dark){:root{--fg:#f0f6fc;--bg:#0d1117;--muted:#9198a1;
--line:#3d444d;--bad:#f85149;--ok:#3fb950;--warn:#d29922;--code:#151b23;--add:#12261e;
--del:#25171c}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:72rem;padding:1rem;font:16px/1.5 system-ui,-apple-system,
"Segoe UI",sans-serif;color:var(--fg);background:var(--bg);overflow-wrap:break-word}
h1{font-size:1.5rem;margin:.5rem 0}h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
.verdict{padding:.75rem 1rem;border-left:.3rem solid var(--ok);background:var(--code)}
.verdict.failed{border-color:var(--bad)}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:var(--code)}
code,pre{font:.85rem/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
code{background:var(--code);padding:.1rem .25rem;border-radius:.25rem}
pre{background:var(--code);padding:.75rem;overflow-x:auto;border-radius:.4rem}
pre span{display:block}pre .add{background:var(--add)}pre .del{background:var(--del)}
.error,.no{color:var(--bad);font-weight:600}.warning{color:var(--warn)}.plan,.yes{color:var(--ok)}
.muted,footer{color:var(--muted);font-size:.85rem}
ul.todo{list-style:none;padding-left:0}ul.todo li::before{content:"\\2610  "}
td code{overflow-wrap:anywhere}code.path{overflow-wrap:normal;word-break:normal}
nav.summary{position:sticky;top:0;z-index:1;background:var(--bg);border-bottom:1px solid
var(--line);padding:.4rem 0;font-size:.85rem;max-height:40vh;overflow-y:auto}
nav.summary ul{display:flex;flex-wrap:wrap;gap:.2rem .9rem;margin:.2rem 0;padding:0;
list-style:none}nav.summary a{color:inherit}
h3{font-size:1rem;margin:1rem 0 .4rem}section{scroll-margin-top:6rem}
details>summary{cursor:pointer;margin:1.5rem 0 .5rem;font-weight:600}
@media (max-width:40rem){body{padding:.5rem;font-size:15px}
thead{display:none}table,tbody,tr,td{display:block;width:100%}
tr{border:1px solid var(--line);border-radius:.4rem;margin:0 0 .6rem;padding:.25rem .5rem}
td{border:0;padding:.15rem 0}td::before{content:attr(data-label) ": ";color:var(--muted)}}
"""


def _e(value: str) -> str:
    return html.escape(visible(value), quote=True)


def _code(value: str) -> str:
    return f"<code>{_e(value)}</code>"


def _path(value: str) -> str:
    """A path that may break only after a ``/``, never inside a name."""
    return '<code class="path">' + _e(value).replace("/", "/<wbr>") + "</code>"


def _where(path: str, line: int, column: int | None = None) -> str:
    return _path(f"{path}:{line}" if column is None else f"{path}:{line}:{column}")


def _segments(segments: Sequence[Segment]) -> str:
    return "".join(_code(text) if kind == "code" else _e(text) for kind, text in segments)


def _table(
    title: str, header: Sequence[str], rows: Sequence[Sequence[str]], level: int = 2
) -> list[str]:
    head = "".join(f"<th>{h}</th>" for h in header)
    body = [
        "<tr>"
        + "".join(f'<td data-label="{h}">{cell}</td>' for h, cell in zip(header, row, strict=True))
        + "</tr>"
        for row in rows
    ]
    return [
        f"<h{level}>{title}</h{level}>",
        '<div class="scroll"><table>',
        f"<thead><tr>{head}</tr></thead>",
        "<tbody>",
        *body,
        "</tbody></table></div>",
    ]


def _documented(row: ReportedChange) -> str:
    if row.change.action == "dropped":  # an entry left for a dropped object is stale (INV201)
        return {
            True: '<span class="error">error: stale entry</span>',
            False: "no entry left",
            None: "n/a",
        }[row.documented]
    return {
        True: '<span class="yes">yes</span>',
        False: '<span class="no">missing</span>',
        None: '<span class="muted">n/a</span>',
    }[row.documented]


def _change(row: ReportedChange) -> list[str]:
    change = row.change
    name = change.name if not change.old_name else f"{change.old_name} → {change.name}"
    return [
        _code(name),
        _e(change.kind.replace("_", " ")),
        _e(change.action.replace("_", " ")),
        _where(change.path, change.line),
        _documented(row),
    ]


def _plan(finding: Finding) -> str:
    if finding.covered_by_plan:
        return f'<span class="plan">covered by {_code(finding.covered_by_plan)}</span>'
    return '<span class="no">no approved data plan</span>'


def _severity(finding: Finding) -> str:
    if finding.covered_by_plan and finding.severity != "info":
        # A plan the change introduces itself (docs/security.md): the reviewer confirms it.
        plan = _code(finding.covered_by_plan)
        what = f"{finding.severity}: approved by plan {plan}, to confirm"
        return f'<span class="{finding.severity}">{what}</span>'
    if finding.covered_by_plan:
        return f'<span class="plan">approved by plan {_code(finding.covered_by_plan)}</span>'
    word = {"error": "error", "warning": "warning", "info": "note"}[finding.severity]
    return f'<span class="{finding.severity}">{word}</span>'


def _operation(finding: Finding) -> str:
    if finding.operation:
        return _code(finding.operation)
    return f"{_e(finding.object_kind)} {_path(finding.object_name)}"


def _files(findings: Sequence[Finding]) -> dict[str, list[Finding]]:
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.path, []).append(finding)
    return groups


def _summary(review: Review) -> list[str]:
    """The sticky navigation: counts per severity, then one link per file with findings."""
    findings = review.findings
    covered = sum(1 for f in findings if f.covered_by_plan)
    notes = sum(1 for f in findings if f.severity == "info" and not f.covered_by_plan)
    counts = [
        ("error", plural(sum(1 for f in findings if f.fails), "error")),
        ("warning", plural(sum(1 for f in findings if f.severity == "warning"), "warning")),
    ]
    if covered:
        counts.append(("plan", f"{covered:,} approved by a plan"))
    if notes:
        counts.append(("muted", plural(notes, "note")))
    out = ['<nav class="summary" aria-label="summary">', "<ul>"]
    out += [f'<li class="{css}">{text}</li>' for css, text in counts]
    out.append("</ul>")
    if findings:
        out.append("<ul>")
        for i, (path, group) in enumerate(_files(findings).items()):
            errors = sum(1 for f in group if f.fails)
            out.append(
                f'<li><a href="#file-{i}">{_path(path)}</a> '
                f'<span class="{"error" if errors else "muted"}">{plural(errors, "error")}</span>'
                f" · {plural(len(group), 'finding')}</li>"
            )
        out.append("</ul>")
    sections = [("findings", "findings")]
    if review.destructive:
        sections.append(("destructive", "destructive operations"))
    if review.patch or review.skipped:
        sections.append(("patch", "patch"))
    sections.append(("changes", "changes"))
    out.append(
        "<ul>"
        + "".join(f'<li><a href="#{anchor}">{word}</a></li>' for anchor, word in sections)
        + "</ul>"
    )
    return [*out, "</nav>"]


def _by_file(findings: Sequence[Finding]) -> list[str]:
    if not findings:
        return ['<section id="findings"><h2>No findings</h2></section>']
    out = [f'<section id="findings"><h2>Findings by file ({len(findings):,})</h2>']
    for i, (path, group) in enumerate(_files(findings).items()):
        errors = sum(1 for f in group if f.fails)
        out.append(f'<section id="file-{i}">')
        out += _table(
            f"{_path(path)}: {plural(errors, 'error')}",
            ("status", "code", "line", "operation", "message"),
            [
                [_severity(f), _e(f.code), f"{f.line}:{f.column}", _operation(f), _e(f.message)]
                for f in group
            ],
            level=3,
        )
        out.append("</section>")
    return [*out, "</section>"]


def _introduced(plans: Sequence[IntroducedPlan]) -> list[str]:
    """docs/security.md: the change approves itself with these plans; the reviewer confirms."""
    if not plans:
        return []
    rows = [
        [
            _code(plan.id),
            _code(plan.path),
            ", ".join(_code(name) for name in plan.approved_by),
            "nothing (<code>plans_from_base_only</code>)"
            if plan.barred
            else "<br>".join(f"{_e(f.code)} {_code(f.object_name)}" for f in plan.covers)
            or "nothing",
        ]
        for plan in plans
    ]
    table = _table(
        f"Data plans introduced in this change ({len(plans):,})",
        ("plan", "file", "approved_by", "covers"),
        rows,
    )
    note = (
        '<p class="warning">This change adds or edits these data plans, so it approves its own '
        "destructive operations: confirm each approval with the people named before merging.</p>"
    )
    return [table[0], note, *table[1:]]


def _patch(review: Review, fix_command: str) -> list[str]:
    if not review.patch and not review.skipped:
        return []
    out = ['<h2 id="patch">Suggested inventory patch</h2>']
    if review.patch:
        out.append(
            f"<p>Save as a file and <code>git apply</code> it (or run "
            f"<code>{_e(fix_command)}</code>), then replace each "
            f"<code>TODO: describe</code> ({plural(review.stubs, 'stub')}):</p>"
        )
        spans = []
        for line in review.patch.replace("\r\n", "\n").rstrip("\n").split("\n"):
            css = {"+": ' class="add"', "-": ' class="del"'}.get(line[:1], "")
            if line.startswith(("+++", "---")):
                css = ""
            spans.append(f"<span{css}>{_e(line) or ' '}</span>")
        out.append("<pre>" + "".join(spans) + "</pre>")
    if review.skipped:
        out.append("<ul>")
        out += [
            f"<li>No stub for {_e(kind)} {_code(name)}: {_e(reason)}.</li>"
            for kind, name, reason in review.skipped
        ]
        out.append("</ul>")
    return out


def _checklist(checklist: Checklist | None, inventory: str) -> list[str]:
    if checklist is None:
        return []
    out = [
        "<h2>Required updates</h2>",
        f'<p class="muted">Schema changed: from {_code(inventory)} ({_e(checklist.heading)}):</p>',
    ]
    out += [f"<p>{_segments(p)}</p>" for p in checklist.intro]
    out.append('<ul class="todo">')
    out += [f"<li>{_segments(item)}</li>" for item in checklist.items]
    out.append("</ul>")
    return out


def render_review(review: Review) -> str:
    result = review.result
    state = "failed" if result.errors else "passed"
    title = (
        f"Data inventory {state.upper()}: {plural(result.errors, 'error')}, "
        f"{plural(result.warnings, 'warning')}"
    )
    body = [
        f"<h1>{title}</h1>",
        f'<p class="verdict {state}"><strong>{_e(verdict(result))}</strong> '
        f"Inventory: {_code(result.inventory)}.</p>",
        *_introduced(result.introduced_plans),
        *_summary(review),
        *_by_file(review.findings),
    ]
    if review.destructive:
        table = _table(
            f"Destructive operations ({len(review.destructive):,})",
            ("operation", "code", "what happens", "source", "data plan"),
            [
                [_operation(f), _e(f.code), _e(f.message), _where(f.path, f.line), _plan(f)]
                for f in review.destructive
            ],
        )
        body += ['<section id="destructive">', *table, "</section>"]
    body += _patch(review, result.fix_command or "selenite-inventory-lint check --fix")
    body += _checklist(review.checklist, result.inventory)
    if not review.changes:
        body.append('<p id="changes">No data-bearing changes.</p>')
    else:
        table = _table(
            f"Data-bearing changes ({len(review.changes):,})",
            ("object", "kind", "action", "source", "documented"),
            [_change(r) for r in review.changes],
        )
        if len(review.changes) > COLLAPSE_AFTER:
            # Only documented-change tables collapse; findings never do.
            summary = table[0].replace("<h2>", "<summary>").replace("</h2>", "</summary>")
            table = ["<details>", summary, *table[1:], "</details>"]
        body += ['<section id="changes">', *table, "</section>"]
    base = _code(result.base[:12]) if result.base else "the root"
    body.append(
        f"<footer>selenite-inventory-lint {_e(result.tool_version)} · {base} → "
        f"{_code(result.head[:12])}</footer>"
    )
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta http-equiv="Content-Security-Policy" '
            "content=\"default-src 'none'; style-src 'unsafe-inline'\">",
            '<meta name="referrer" content="no-referrer">',
            f"<title>{title}</title>",
            f"<style>{_CSS}</style>",
            "</head>",
            "<body>",
            *body,
            "</body>",
            "</html>",
            "",
        ]
    )


def render(result: RunResult, *, color: bool = False) -> str:
    return render_review(build(result))
