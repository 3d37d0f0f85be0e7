"""``path:line:col: CODE message`` lines, as ruff and flake8 print them, then a summary."""

from __future__ import annotations

from selenite_inventory_lint.model import Finding, RunResult
from selenite_inventory_lint.reports import escape_char, plural, scope

_RESET = "\x1b[0m"
_STYLE = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "info": "\x1b[1;36m"}
_BOLD = "\x1b[1m"


def clean(text: str) -> str:
    """Repository text must not drive the terminal: escape control characters."""
    return "".join(ch if ch.isprintable() or ch == " " else escape_char(ch) for ch in text)


def line_path(path: str) -> str:
    """A line starting with ``::`` (after blanks) is a GitHub Actions workflow command: a path
    that could start one is written as ``./path``."""
    text = clean(path)
    return f"./{text}" if text.lstrip().startswith(":") else text


def _line(finding: Finding, color: bool) -> str:
    where = f"{line_path(finding.path)}:{finding.line}:{finding.column}:"
    message = clean(finding.message)
    if finding.covered_by_plan:
        message += f" (covered by data plan {clean(finding.covered_by_plan)})"
    if not color:
        return f"{where} {finding.code} {message}"
    return f"{_BOLD}{where}{_RESET} {_STYLE[finding.severity]}{finding.code}{_RESET} {message}"


def render(result: RunResult, *, color: bool = False) -> str:
    lines = [_line(f, color) for f in result.findings]
    covered = sum(1 for f in result.findings if f.covered_by_plan)
    if result.errors or result.warnings:
        summary = f"Found {plural(result.errors, 'error')} and {plural(result.warnings, 'warning')}"
    else:
        summary = "All checks passed"
    details = [scope(result)]
    if covered:
        details.append(f"{covered} covered by a data plan")
    if result.fixed:
        details.append(f"{result.fixed:,} fixed, {result.errors + result.warnings:,} remaining")
    if result.fix_command and result.suggestion is not None and result.suggestion.stubs:
        details.append(f"{result.suggestion.stubs} fixable with `--fix`")
    if lines:
        lines.append("")
    lines.append(f"{summary} ({', '.join(details)}).")
    return "\n".join(lines) + "\n"


def findings_only(result: RunResult, *, color: bool = False) -> str:
    """``-q``: the finding lines, no summary."""
    return "".join(f"{_line(f, color)}\n" for f in result.findings)


def statistics(result: RunResult) -> str:
    """``--statistics``: findings per code, most frequent first, as ruff prints them."""
    counts: dict[str, int] = {}
    for finding in result.findings:
        counts[finding.code] = counts.get(finding.code, 0) + 1
    order = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    width = max((len(str(n)) for n in counts.values()), default=1)
    return "".join(f"{n:>{width}}  {code}\n" for code, n in order)
