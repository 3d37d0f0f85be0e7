"""A rehearsal rendered: text, json, markdown (the promotion report), html; the log entry.

Pure: a ``Rehearsal`` record in, text out. Everything taken from the repository or the
database (names, the command's output) is escaped for the target format.
"""

from __future__ import annotations

import difflib
import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

from selenite_inventory_lint.model import Finding, RunResult
from selenite_inventory_lint.rehearsal.losses import Outcome
from selenite_inventory_lint.rehearsal.measure import TableCount
from selenite_inventory_lint.reports.review import plural, visible

SCHEMA_VERSION = 1
FORMATS = ("text", "json", "markdown", "html")


@dataclass(frozen=True, slots=True, kw_only=True)
class Rehearsal:
    backup: str
    sha256: str
    # The backup's sha256 after the rehearsal equals ``sha256``.
    unchanged: bool
    rev: str
    commit: str
    command: str
    duration: float
    outcome: Outcome
    result: RunResult

    @property
    def passed(self) -> bool:
        return self.result.errors == 0


def _verdict(r: Rehearsal) -> str:
    covered = sum(1 for f in r.result.findings if f.covered_by_plan)
    tail = f"; {plural(covered, 'loss')} covered by a data plan" if covered else ""
    state = "PASSED" if r.passed else "FAILED"
    return f"Rehearsal {state}: {plural(r.result.errors, 'error')}{tail}"


def _rows(r: Rehearsal) -> Iterator[tuple[str, int | None, int | None]]:
    """(object, before, after) for every table and column of either side, by name."""
    pre = {t.name: t for t in r.outcome.pre.tables}
    post = {t.name: t for t in r.outcome.post.tables}
    for name in sorted(pre.keys() | post.keys()):
        before, after = pre.get(name), post.get(name)
        yield name, before.rows if before else None, after.rows if after else None
        columns = [c for c, _ in before.values] if before else []
        columns += [c for c, _ in after.values if c not in columns] if after else []
        for column in columns:
            yield (
                f"{name}.{column}",
                before.column(column) if before else None,
                after.column(column) if after else None,
            )


def _lost(before: int | None, after: int | None) -> int:
    return max(0, (before or 0) - (after or 0))


def _finding_line(f: Finding) -> str:
    covered = f" (covered by data plan {f.covered_by_plan})" if f.covered_by_plan else ""
    return f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}{covered}"


def render_text(r: Rehearsal) -> str:
    o = r.outcome
    lines = [
        f"Rehearsed {r.rev} ({r.commit[:12]}) on a copy of {r.backup}",
        f"  backup sha256 {r.sha256} ({'unchanged' if r.unchanged else 'CHANGED'})",
        f"  {r.command} → exit status {o.status} in {r.duration:.2f} s",
    ]
    if o.down_command is not None:
        lines.append(f"  {o.down_command} → exit status {o.down_status}")
    rows_before = sum(t.rows for t in o.pre.tables)
    rows_after = sum(t.rows for t in o.post.tables)
    lines.append(
        f"  {plural(len(o.pre.tables), 'table')}, {plural(rows_before, 'row')} before; "
        f"{plural(len(o.post.tables), 'table')}, {plural(rows_after, 'row')} after"
    )
    lines.append("")
    lines.extend(visible(_finding_line(f)) for f in r.result.findings)
    if r.result.findings:
        lines.append("")
    lines.append(_verdict(r) + ".")
    return "\n".join(lines) + "\n"


def _counts(tables: tuple[TableCount, ...]) -> list[dict[str, object]]:
    return [{"name": t.name, "rows": t.rows, "values": dict(t.values)} for t in tables]


def as_dict(r: Rehearsal) -> dict[str, object]:
    from selenite_inventory_lint.reports.json_report import as_dict as report_dict

    o = r.outcome
    report = report_dict(r.result)
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": report["tool"],
        "backup": {"path": r.backup, "sha256": r.sha256, "unchanged": r.unchanged},
        "rev": r.rev,
        "commit": r.commit,
        "database": o.database,
        "inventory": r.result.inventory,
        "command": {"text": r.command, "exit_status": o.status, "output": list(o.output)},
        "duration_seconds": round(r.duration, 3),
        "down": None
        if o.down_command is None
        else {"text": o.down_command, "exit_status": o.down_status, "output": list(o.down_output)},
        "pending_migrations": list(o.migrations),
        "pre": {"tables": _counts(o.pre.tables)},
        "post": {
            "tables": _counts(o.post.tables),
            "integrity": list(o.post.integrity),
            "foreign_keys": list(o.post.foreign_keys),
        },
        "changes": report["changes"],
        "findings": report["findings"],
        "summary": {
            "errors": r.result.errors,
            "warnings": r.result.warnings,
            "verdict": "passed" if r.passed else "failed",
        },
    }


def render_json(r: Rehearsal) -> str:
    return json.dumps(as_dict(r), indent=2, ensure_ascii=False) + "\n"


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~-])")


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", visible(text))


def _md_code(text: str) -> str:
    return f"<code>{html.escape(visible(text))}</code>"


def _fence(body: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    return "`" * max(3, longest + 1)


def schema_diff(r: Rehearsal) -> str:
    pre = r.outcome.pre.schema_sql.splitlines()
    post = r.outcome.post.schema_sql.splitlines()
    lines = difflib.unified_diff(pre, post, "pre.sql", "post.sql", lineterm="", n=1)
    return "\n".join(visible(line) for line in lines)


def _number(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def render_markdown(r: Rehearsal) -> str:
    o = r.outcome
    out = [
        f"## {_verdict(r)}",
        "",
        "| | |",
        "| --- | --- |",
        f"| Backup | {_md_code(r.backup)} |",
        f"| sha256 | {_md_code(r.sha256)} ({'unchanged' if r.unchanged else '**changed**'}) |",
        f"| Rev | {_md_code(r.rev)} ({_md_code(r.commit[:12])}) |",
        f"| Database | {_md_code(o.database)} |",
        f"| Command | {_md_code(r.command)} → exit status {o.status} |",
        f"| Duration | {r.duration:.2f} s |",
    ]
    if o.down_command is not None:
        out.append(f"| Down | {_md_code(o.down_command)} → exit status {o.down_status} |")
    if o.migrations:
        out.append(f"| Pending migrations | {', '.join(_md_code(m) for m in o.migrations)} |")
    out += ["", "### Findings", ""]
    if not r.result.findings:
        out.append("None.")
    for f in r.result.findings:
        state = (
            f" — covered by data plan {_md_code(f.covered_by_plan)}" if f.covered_by_plan else ""
        )
        out.append(f"- **{f.code}** ({f.severity}) {_md(f.message)}{state}")
    diff = schema_diff(r)
    out += ["", "### Schema diff", ""]
    if diff:
        fence = _fence(diff)
        out += [f"{fence}diff", diff, fence]
    else:
        out.append("No schema differences.")
    out += ["", "### Rows and values", "", "| object | before | after | lost |"]
    out.append("| --- | ---: | ---: | ---: |")
    for name, before, after in _rows(r):
        lost = _lost(before, after)
        shown = f"**{lost:,}**" if lost else ""
        out.append(f"| {_md_code(name)} | {_number(before)} | {_number(after)} | {shown} |")
    if o.status != 0 and o.output:
        body = "\n".join(visible(line) for line in o.output)
        fence = _fence(body)
        out += ["", "### Command output (last lines)", "", fence, body, fence]
    return "\n".join(out) + "\n"


def render_html(r: Rehearsal) -> str:
    def e(text: str) -> str:
        return html.escape(visible(text), quote=True)

    o = r.outcome
    state = "passed" if r.passed else "failed"
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(_verdict(r))}</title>",
        "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:72rem;margin:0 auto;"
        "padding:1rem}table{border-collapse:collapse}th,td{border:1px solid #ccc;"
        "padding:.3rem .5rem;text-align:left}.lost{color:#cf222e;font-weight:600}"
        "pre{background:#f6f8fa;padding:.75rem;overflow-x:auto}</style></head><body>",
        f'<h1 class="{state}">{e(_verdict(r))}</h1>',
        "<table>",
        f"<tr><th>Backup</th><td><code>{e(r.backup)}</code></td></tr>",
        f"<tr><th>sha256</th><td><code>{e(r.sha256)}</code> "
        f"({'unchanged' if r.unchanged else 'changed'})</td></tr>",
        f"<tr><th>Rev</th><td><code>{e(r.rev)}</code> (<code>{e(r.commit[:12])}</code>)</td></tr>",
        f"<tr><th>Database</th><td><code>{e(o.database)}</code></td></tr>",
        f"<tr><th>Command</th><td><code>{e(r.command)}</code> → exit status {o.status}</td></tr>",
        f"<tr><th>Duration</th><td>{r.duration:.2f} s</td></tr>",
        "</table>",
        "<h2>Findings</h2>",
        "<ul>",
    ]
    for f in r.result.findings:
        plan = f" — covered by data plan {e(f.covered_by_plan)}" if f.covered_by_plan else ""
        parts.append(f"<li><strong>{e(f.code)}</strong> {e(f.message)}{plan}</li>")
    parts += ["</ul>", "<h2>Schema diff</h2>", f"<pre>{e(schema_diff(r)) or 'none'}</pre>"]
    parts.append("<h2>Rows and values</h2><table>")
    parts.append("<tr><th>object</th><th>before</th><th>after</th><th>lost</th></tr>")
    for name, before, after in _rows(r):
        lost = _lost(before, after)
        cell = f'<td class="lost">{lost:,}</td>' if lost else "<td></td>"
        parts.append(
            f"<tr><td><code>{e(name)}</code></td><td>{_number(before)}</td>"
            f"<td>{_number(after)}</td>{cell}</tr>"
        )
    parts += ["</table>", "</body></html>"]
    return "\n".join(parts) + "\n"


def render(r: Rehearsal, fmt: str) -> str:
    from selenite_inventory_lint.errors import FatalError

    renderers = {
        "text": render_text,
        "json": render_json,
        "markdown": render_markdown,
        "html": render_html,
    }
    if fmt not in renderers:
        raise FatalError(
            f"unknown format '{fmt}' for rehearse; choose one of {', '.join(FORMATS)}."
        )
    return renderers[fmt](r)


def log_entry(r: Rehearsal, date: str, folder: str) -> str:
    """One entry of the Markdown promotion log; ``folder`` holds pre.sql and post.sql."""
    o = r.outcome
    return "\n".join(
        [
            f"## {date} — {_md(r.rev)} ({r.commit[:12]}): {'passed' if r.passed else 'FAILED'}",
            "",
            f"- Backup: {_md_code(r.backup)}, sha256 {_md_code(r.sha256)}",
            f"- Rev: {_md_code(r.rev)} ({_md_code(r.commit)})",
            f"- Command: {_md_code(r.command)} → exit status {o.status} in {r.duration:.2f} s",
            f"- Verdict: {_md(_verdict(r))}",
            f"- Schema snapshots: [pre]({folder}/pre.sql), [post]({folder}/post.sql)",
            "",
        ]
    )
