"""Data plans (docs/rules.md): a covered drop passes, an incomplete plan is PLAN101 — end to end."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from selenite_inventory_lint.cli import main
from selenite_inventory_lint.data_plans import DataPlan, parse_plan
from selenite_inventory_lint.model import Problem

if TYPE_CHECKING:
    from conftest import GitRepo

REFERENCE = Path(__file__).parent / "inventory" / "fixtures" / "reference.md"
MIGRATIONS = "db/migrations"
PLAN = """\
---
id: DP-2026-001
migrations: [{migration}]
operations: [drop_column users.legacy_flag]
approved_by: [lead@example.com]
approved_on: 2026-02-01
backup: storage/backups/2026-02-01/
rollback: restore backup, then re-run 0001
---
# Drop the legacy flag

Nothing reads it since 2025.
"""


@pytest.fixture
def project(repo: GitRepo) -> GitRepo:
    repo.write("DATA_INVENTORY.md", REFERENCE.read_text(encoding="utf-8"))
    repo.write(
        f"{MIGRATIONS}/0001_init.sql",
        "CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, legacy_flag INTEGER);\n",
    )
    repo.commit("base")
    repo.write(f"{MIGRATIONS}/0002_drop_legacy.sql", "ALTER TABLE users DROP COLUMN legacy_flag;\n")
    return repo


def _check(repo: GitRepo, fmt: str) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["check", "--repo", str(repo.path), "--base", "HEAD~1", "--format", fmt])
    return code, out.getvalue()


@pytest.mark.parametrize(
    "migration", [f"{MIGRATIONS}/0002_drop_legacy.sql", "0002_drop_legacy.sql", "0002_drop_legacy"]
)
def test_drop_covered_by_a_complete_plan_passes(project: GitRepo, migration: str) -> None:
    project.write("docs/data-plans/DP-2026-001.md", PLAN.format(migration=migration))
    project.add("docs/data-plans/DP-2026-001.md")
    project.commit("the plan, merged first", stage_all=False)
    project.commit("drop with plan")
    code, text = _check(project, "text")
    assert code == 0
    assert (
        f"{MIGRATIONS}/0002_drop_legacy.sql:1:1: MIG102 column users.legacy_flag is dropped "
        "(covered by data plan DP-2026-001)"
    ) in text
    assert "All checks passed" in text
    assert "1 covered by a data plan" in text
    code, payload = _check(project, "json")
    report: dict[str, Any] = json.loads(payload)
    [finding] = report["findings"]
    assert (finding["code"], finding["severity"], finding["covered_by_plan"]) == (
        "MIG102",
        "info",
        "DP-2026-001",
    )
    assert report["summary"]["errors"] == 0


def test_plan_committed_with_the_drop_covers_it_as_a_warning(project: GitRepo) -> None:
    project.write("docs/data-plans/DP-2026-001.md", PLAN.format(migration="0002_drop_legacy"))
    project.commit("drop with plan")
    code, payload = _check(project, "json")
    report: dict[str, Any] = json.loads(payload)
    [finding] = report["findings"]
    assert (finding["code"], finding["severity"], finding["covered_by_plan"]) == (
        "MIG102",
        "warning",
        "DP-2026-001",
    )
    assert finding["message"] == (
        "column users.legacy_flag is dropped; data plan DP-2026-001 is introduced in this "
        "change: confirm that lead@example.com approved it"
    )
    assert code == 0


def test_plan_without_approver_is_plan101_and_the_drop_fails(project: GitRepo) -> None:
    plan = PLAN.format(migration="0002_drop_legacy").replace(
        "approved_by: [lead@example.com]\n", ""
    )
    project.write("docs/data-plans/DP-2026-001.md", plan)
    project.commit("drop with an unapproved plan")
    code, payload = _check(project, "json")
    report = json.loads(payload)
    found = [(f["code"], f["path"], f["line"], f["covered_by_plan"]) for f in report["findings"]]
    assert found == [
        ("MIG102", f"{MIGRATIONS}/0002_drop_legacy.sql", 1, None),
        ("PLAN101", "docs/data-plans/DP-2026-001.md", 1, None),
    ]
    assert report["findings"][1]["message"] == (
        "data plan DP-2026-001 cannot approve MIG102 on users.legacy_flag: "
        "approved_by is missing or empty"
    )
    assert report["findings"][1]["object"] == {
        "kind": "plan",
        "name": "docs/data-plans/DP-2026-001.md",
    }
    assert code == 1


def test_plan_committed_earlier_still_covers(project: GitRepo) -> None:
    project.write("docs/data-plans/DP-2026-001.md", PLAN.format(migration="0002_drop_legacy"))
    project.add("docs/data-plans/DP-2026-001.md")
    project.commit("plan first", stage_all=False)
    project.commit("then the drop")
    code, text = _check(project, "text")
    assert code == 0
    assert "(covered by data plan DP-2026-001)" in text


def test_plan_that_names_an_alembic_revision(project: GitRepo) -> None:
    project.write(
        "backend/alembic/versions/0001_base.py",
        'revision = "20260201_base"\ndown_revision = None\n\n\ndef upgrade():\n    pass\n',
    )
    plan = PLAN.format(migration="20260201_base").replace(
        "operations: [drop_column users.legacy_flag]", "operations: [drop_table nothing]"
    )
    project.write("docs/data-plans/DP-2026-009.md", plan.replace("DP-2026-001", "DP-2026-009"))
    project.commit("plan for a revision")
    code, payload = _check(project, "json")
    codes = [f["code"] for f in json.loads(payload)["findings"]]
    assert codes == ["MIG102"]
    assert code == 1


def test_parse_plan_variants() -> None:
    assert parse_plan("docs/data-plans/x.md", "# no front matter\n") is None
    unclosed = parse_plan("docs/data-plans/x.md", "---\nid: X\n")
    assert isinstance(unclosed, Problem)
    assert "not closed" in unclosed.message
    scalar = parse_plan("docs/data-plans/x.md", "---\n- a list\n---\n")
    assert isinstance(scalar, Problem)
    assert "must be a mapping" in scalar.message
    plan = parse_plan(
        "docs/data-plans/DP-7.md",
        "\ufeff---\nmigrations: 0002\noperations: drop_table t\napproved_by: TBD\n"
        "approved_on: ''\nbackup: b\nrollback: r\n...\n",
    )
    assert isinstance(plan, DataPlan)
    assert (plan.id, plan.migrations, plan.missing) == (
        "DP-7",
        ("0002",),
        ("approved_by", "approved_on"),
    )
    assert plan.line("approved_by") == 4
    assert plan.covers("0002", "db/0002.sql", "DROP_TABLE  t")
    assert not plan.covers("0002", "db/0002.sql", None)


def test_parse_plan_keeps_the_approvers_as_written() -> None:
    plan = parse_plan(
        "docs/data-plans/DP-8.md",
        "---\nid: DP-8\napproved_by: [a@example.com, 'b@example.com']\n---\n",
    )
    assert isinstance(plan, DataPlan)
    assert plan.approved_by == ("a@example.com", "b@example.com")
    single = parse_plan("docs/data-plans/DP-9.md", "---\napproved_by: lead@example.com\n---\n")
    assert isinstance(single, DataPlan)
    assert single.approved_by == ("lead@example.com",)


def test_editing_a_plan_later_still_finds_its_alembic_revision(repo: GitRepo) -> None:
    # The revision and its plan land together; a later edit of the plan alone must not call
    # the revision missing: ids resolve against the whole revision graph at head.
    repo.write("DATA_INVENTORY.md", REFERENCE.read_text(encoding="utf-8") + "- `legacy`: old.\n")
    # A script location outside the default `**/alembic/versions/` glob: only alembic.ini
    # says where the revisions are.
    repo.write("alembic.ini", "[alembic]\nscript_location = db/migrations\n")
    repo.write(
        "db/migrations/versions/0001_base.py",
        'revision = "0001"\ndown_revision = None\n\n\ndef upgrade():\n    pass\n',
    )
    repo.commit("base")
    repo.write(
        "db/migrations/versions/0003_drop.py",
        "from alembic import op\n\n"
        'revision = "0003"\ndown_revision = "0001"\n\n\n'
        'def upgrade():\n    op.drop_table("legacy")\n',
    )
    plan = PLAN.format(migration='"0003"').replace(
        "drop_column users.legacy_flag", "drop_table legacy"
    )
    repo.write("docs/data-plans/DP-2026-003.md", plan)
    repo.commit("drop legacy, with its plan")
    code, payload = _check(repo, "json")
    found = [(f["code"], f["covered_by_plan"]) for f in json.loads(payload)["findings"]]
    assert ("MIG101", "DP-2026-001") in found
    assert not [c for c, _ in found if c == "PLAN101"]
    repo.write("docs/data-plans/DP-2026-003.md", plan.replace("re-run 0001", "re-run 0001 only"))
    repo.commit("reword the rollback")
    code, payload = _check(repo, "json")
    assert [f["code"] for f in json.loads(payload)["findings"]] == []
    assert code == 0
