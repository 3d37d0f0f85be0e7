"""GitLab Code Quality JSON (docs/usage.md): one issue per finding, fingerprints that survive line
shifts so merge requests show new and resolved issues, not moved ones."""

from __future__ import annotations

import hashlib

from selenite_inventory_lint.model import Finding, RunResult
from selenite_inventory_lint.reports.fingerprint import fingerprints
from selenite_inventory_lint.reports.review import json_text
from selenite_inventory_lint.rules import DESTRUCTIVE


def severity(finding: Finding) -> str:
    """Data loss without a plan is ``critical``; other errors ``major``; warnings ``minor``;
    plan-covered and informational findings ``info``."""
    if finding.severity == "info":
        return "info"
    if finding.severity == "warning":
        return "minor"
    return "critical" if finding.code in DESTRUCTIVE else "major"


def as_list(result: RunResult) -> list[dict[str, object]]:
    issues: list[dict[str, object]] = []
    for finding, (digest, occurrence) in zip(
        result.findings, fingerprints(result.findings), strict=True
    ):
        description = finding.message
        if finding.covered_by_plan:
            description += f" (covered by data plan {finding.covered_by_plan})"
        issues.append(
            {
                "type": "issue",
                "description": description,
                "check_name": finding.code,
                "categories": ["Bug Risk"],
                "fingerprint": hashlib.sha256(f"{digest}:{occurrence}".encode()).hexdigest(),
                "severity": severity(finding),
                "location": {"path": finding.path, "lines": {"begin": max(finding.line, 1)}},
            }
        )
    return issues


def render(result: RunResult, *, color: bool = False) -> str:
    return json_text(as_list(result))
