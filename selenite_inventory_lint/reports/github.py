"""GitHub Actions workflow commands (docs/usage.md): one annotation per finding.

GitHub shows at most 10 error and 10 warning annotations per step, so errors come first, then
warnings, then notices (plan-covered and informational findings); when some would be hidden a
notice says how many, and the job summary (the markdown report, appended to
``$GITHUB_STEP_SUMMARY`` by ``check``) lists them all. Escaping follows the runner's toolkit:
``%`` first, then CR and LF in data; properties also escape ``:`` and ``,``.
"""

from __future__ import annotations

from selenite_inventory_lint.model import Finding, RunResult
from selenite_inventory_lint.reports.review import plural, verdict, visible

SHOWN_PER_LEVEL = 10
_RANK = {"error": 0, "warning": 1, "notice": 2}


def escape_data(value: str) -> str:
    """The toolkit's escaping; other control characters (ANSI escapes) become visible text."""
    return visible(value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def level(finding: Finding) -> str:
    # A plan introduced in the change leaves its cover a warning (docs/security.md).
    if finding.severity == "info":
        return "notice"
    return finding.severity


def annotation(finding: Finding) -> str:
    message = finding.message
    if finding.covered_by_plan:
        message += f" (covered by data plan {finding.covered_by_plan})"
    properties = ",".join(
        f"{key}={escape_property(value)}"
        for key, value in (
            ("file", finding.path),
            ("line", str(max(finding.line, 1))),
            ("col", str(max(finding.column, 1))),
            ("title", finding.code),
        )
    )
    return f"::{level(finding)} {properties}::{escape_data(message)}"


def render(result: RunResult, *, color: bool = False) -> str:
    ordered = sorted(result.findings, key=lambda f: _RANK[level(f)])  # stable: keeps model order
    lines = [annotation(f) for f in ordered]
    counts = {name: sum(1 for f in ordered if level(f) == name) for name in ("error", "warning")}
    hidden = {name: max(0, count - SHOWN_PER_LEVEL) for name, count in counts.items()}
    if any(hidden.values()):
        more = " and ".join(
            plural(count, f"more {name}") for name, count in hidden.items() if count
        )
        # Before the other notices, so it is never one of the hidden ones.
        lines.insert(
            counts["error"] + counts["warning"],
            "::notice title=selenite-inventory-lint::"
            + escape_data(
                f"GitHub shows 10 annotations of each level per step: {more} are listed "
                "in the job summary and the log."
            ),
        )
    lines.append(verdict(result))
    return "\n".join(lines) + "\n"
