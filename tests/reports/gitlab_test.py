"""GitLab Code Quality: the fields GitLab reads, severities, fingerprints."""

from __future__ import annotations

import json

from selenite_inventory_lint.reports import gitlab

from .scenarios import hostile, rich


def test_every_issue_has_the_fields_gitlab_reads() -> None:
    issues = json.loads(gitlab.render(rich()))
    assert len(issues) == 9
    for issue in issues:
        assert set(issue) >= {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert set(issue["location"]) == {"path", "lines"}
        assert issue["location"]["lines"]["begin"] >= 1
    first = issues[0]
    assert first["check_name"] == "INV101"
    assert first["location"] == {
        "path": "backend/alembic/versions/0002_invoices.py",
        "lines": {"begin": 9},
    }


def test_severity_mapping() -> None:
    by_code = {i["check_name"]: i["severity"] for i in json.loads(gitlab.render(rich()))}
    assert by_code["MIG102"] == "critical"  # data loss without a plan
    assert by_code["INV101"] == "major"
    assert by_code["MIG107"] == "minor"
    assert by_code["MIG101"] == "info"  # covered by DP-2026-001


def test_fingerprints_are_unique_and_survive_line_shifts() -> None:
    before = rich()
    shifted = before._replace(findings=tuple(f._replace(line=f.line + 3) for f in before.findings))
    prints = [i["fingerprint"] for i in json.loads(gitlab.render(before))]
    assert prints == [i["fingerprint"] for i in json.loads(gitlab.render(shifted))]
    assert len(set(prints)) == len(prints)


def test_hostile_text_is_plain_json() -> None:
    issues = json.loads(gitlab.render(hostile()))
    assert issues[2]["description"] == (
        "column users.a`|<img src=x onerror=alert(1)> is added but not covered by the inventory"
    )
    assert issues[0]["location"]["path"] == "backend/a,b:c.py"
