"""The machine contract (docs/usage.md, ``schema_version`` 1), validated by
schemas/report.schema.json."""

from __future__ import annotations

from selenite_inventory_lint.model import RunResult
from selenite_inventory_lint.reports.review import json_text

SCHEMA_VERSION = 1


def as_dict(result: RunResult) -> dict[str, object]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "selenite-inventory-lint", "version": result.tool_version},
        "base": result.base,
        "head": result.head,
        "inventory": result.inventory,
        "changes": [
            {
                "kind": r.change.kind,
                "name": r.change.name,
                "action": r.change.action,
                "old_name": r.change.old_name,
                "path": r.change.path,
                "line": r.change.line,
                "source": r.change.source,
                "documented": r.documented,
            }
            for r in result.changes
        ],
        "findings": [
            {
                "code": f.code,
                "severity": f.severity,
                "message": f.message,
                "path": f.path,
                "line": f.line,
                "column": f.column,
                "object": {"kind": f.object_kind, "name": f.object_name},
                "covered_by_plan": f.covered_by_plan,
            }
            for f in result.findings
        ],
        "summary": {
            "errors": result.errors,
            "warnings": result.warnings,
            "changes": len(result.changes),
        },
    }


def render(result: RunResult, *, color: bool = False) -> str:
    return json_text(as_dict(result))
