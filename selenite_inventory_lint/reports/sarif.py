"""SARIF 2.1.0 for code scanning (docs/usage.md), valid against the OASIS schema.

Every rule of the registry is described (``shortDescription`` the summary, ``fullDescription``
its "What", ``help`` the whole docs block as Markdown and as plain text, ``helpUri`` the rule's
page in the repository), within GitHub's 1,024-character description limits. A finding an
approved data plan covers carries an external suppression naming the plan, so it opens no
alert. Results carry a ``primaryLocationLineHash`` computed from the finding's identity, not its
line, so GitHub tracks an alert across commits that move it.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from selenite_inventory_lint.model import Finding, RunResult, Severity
from selenite_inventory_lint.reports.fingerprint import fingerprints
from selenite_inventory_lint.reports.review import json_text, visible

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
RULE_DOCS_URL = "https://github.com/OWNER/selenite-inventory-lint/blob/main/docs/rules/{code}.md"
# GitHub code scanning truncates or rejects rule descriptions over this many characters.
DESCRIPTION_LIMIT = 1024
_LEVEL: dict[Severity, str] = {"error": "error", "warning": "warning", "info": "note"}
# SARIF §3.11.6: in plain-text messages `[text](target)` is a link; brackets are escaped.
_LINK_CHARS = re.compile(r"([\\\[\]])")


def _clip(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _section(docs: str, name: str) -> str:
    match = re.search(rf"^## {name}\n(.*?)(?=^## |\Z)", docs, flags=re.MULTILINE | re.DOTALL)
    return " ".join(match.group(1).split()) if match else ""


_FENCE = re.compile(r"^```.*$\n?", flags=re.MULTILINE)
_HEADING = re.compile(r"^#+ ", flags=re.MULTILINE)
_EMPHASIS = re.compile(r"\*\*|`|<!--.*?-->\n?")


def _plain_docs(docs: str) -> str:
    """The docs block without Markdown syntax: fences, heading marks, backticks, bold."""
    return _EMPHASIS.sub("", _HEADING.sub("", _FENCE.sub("", docs))).strip() + "\n"


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _rules() -> list[dict[str, object]]:
    from selenite_inventory_lint.rules import RULES

    return [
        {
            "id": rule.code,
            "name": _pascal(rule.name),
            "shortDescription": {"text": _clip(rule.summary)},
            "fullDescription": {"text": _clip(_section(rule.docs, "What") or rule.summary)},
            "helpUri": RULE_DOCS_URL.format(code=rule.code),
            "help": {"text": _plain_docs(rule.docs), "markdown": rule.docs},
            "defaultConfiguration": {"level": _LEVEL[rule.severity]},
            "properties": {"tags": ["data-inventory"]},
        }
        for rule in RULES
    ]


def _plain(text: str) -> str:
    return _LINK_CHARS.sub(r"\\\1", visible(text, newlines=True))


def _message(finding: Finding) -> str:
    text = _plain(finding.message)
    if finding.covered_by_plan:
        text += f" (covered by data plan {_plain(finding.covered_by_plan)})"
    return text


def _approved(finding: Finding) -> bool:
    """Covered by a plan the base already had; a plan the change introduces itself keeps its
    finding a warning until a reviewer confirms it (docs/security.md)."""
    return finding.covered_by_plan is not None and finding.severity == "info"


def _level(finding: Finding) -> str:
    from selenite_inventory_lint.rules import BY_CODE

    # An approved finding keeps its rule's level: the suppression, not a downgrade, closes it.
    if _approved(finding) and finding.code in BY_CODE:
        return _LEVEL[BY_CODE[finding.code].severity]
    return _LEVEL[finding.severity]


def _uri(path: str) -> str:
    # The name's own bytes, percent-encoded: a name that is not UTF-8 keeps its stray bytes.
    return quote(path.encode("utf-8", "surrogateescape"), safe="/")


def as_dict(result: RunResult) -> dict[str, object]:
    rules = _rules()
    index = {str(rule["id"]): i for i, rule in enumerate(rules)}
    results = []
    for finding, (digest, occurrence) in zip(
        result.findings, fingerprints(result.findings), strict=True
    ):
        entry: dict[str, object] = {
            "ruleId": finding.code,
            "level": _level(finding),
            "message": {"text": _message(finding)},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(finding.path)},
                        "region": {
                            "startLine": max(finding.line, 1),
                            "startColumn": max(finding.column, 1),
                        },
                    },
                }
            ],
            "partialFingerprints": {"primaryLocationLineHash": f"{digest[:16]}:{occurrence}"},
        }
        if finding.code in index:
            entry["ruleIndex"] = index[finding.code]
        properties: dict[str, object] = {
            "object": {"kind": finding.object_kind, "name": finding.object_name}
        }
        if finding.covered_by_plan:
            properties["coveredByPlan"] = finding.covered_by_plan
            entry["suppressions"] = [
                {
                    "kind": "external",
                    "status": "accepted" if _approved(finding) else "underReview",
                    "justification": visible(finding.covered_by_plan),
                }
            ]
        entry["properties"] = properties
        results.append(entry)
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "selenite-inventory-lint",
                        "version": result.tool_version,
                        "semanticVersion": result.tool_version,
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def render(result: RunResult, *, color: bool = False) -> str:
    return json_text(as_dict(result))
