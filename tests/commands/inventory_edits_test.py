"""Plans and inventory edits after adoption: revision ids named by plans, and `audit` with an
edited inventory in the working tree — real repositories, the real CLI."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from typing import TYPE_CHECKING, Any

import pytest

from selenite_inventory_lint.cli import main

if TYPE_CHECKING:
    from conftest import GitRepo

VERSIONS = "backend/alembic/versions"
BASE = """\
from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None


def upgrade():
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("legacy_flag", sa.Integer()),
    )
"""
DROP = """\
from alembic import op

revision = "0003"
down_revision = "0001"


def upgrade():
    op.drop_column("users", "legacy_flag")
"""
INVENTORY = """\
# Data Inventory

## Database (SQLite)
**Primary DB**: `backend/app.db`

- `users`: accounts.
"""
PLAN = """\
---
id: DP-2026-001
migrations: ["0003"]
operations: [drop_column users.legacy_flag]
approved_by: [lead@example.com]
approved_on: 2026-02-01
backup: storage/backups/2026-02-01/
rollback: {rollback}
---
# Drop the legacy flag
"""


def run(repo: GitRepo, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main([*args, "--repo", str(repo.path), "--format", "json"])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, (json.loads(out.getvalue()) if code != 2 else None), err


def findings(report: Any) -> list[tuple[str, str]]:
    return [(f["code"], f["message"]) for f in report["findings"]]


@pytest.fixture
def project(repo: GitRepo) -> GitRepo:
    repo.write(f"{VERSIONS}/0001_users.py", BASE)
    repo.write(
        "alembic.ini",
        "[alembic]\nscript_location = backend/alembic\nsqlalchemy.url = sqlite:///backend/app.db\n",
    )
    repo.write("DATA_INVENTORY.md", INVENTORY + "- `users.legacy_flag`: an old feature switch.\n")
    repo.commit("base")
    return repo


def test_a_plan_naming_a_revision_id_stays_valid_when_edited_later(
    project: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write(f"{VERSIONS}/0003_drop_flag.py", DROP)
    project.write("DATA_INVENTORY.md", INVENTORY)
    project.write("docs/data-plans/DP-2026-001.md", PLAN.format(rollback="restore backup"))
    adds = project.commit("drop the flag under a plan")
    code, report, _ = run(project, capsys, "check", "--base", f"{adds}~1")
    assert code == 0, findings(report)

    project.write(
        "docs/data-plans/DP-2026-001.md", PLAN.format(rollback="restore backup, re-run 0001")
    )
    project.commit("plan: a fuller rollback")
    code, report, _ = run(project, capsys, "check", "--base", adds)
    assert [c for c, _ in findings(report)] == [], findings(report)
    assert code == 0

    project.write("docs/data-plans/DP-2026-001.md", PLAN.replace('"0003"', '"0009"'))
    project.commit("plan: a revision that does not exist")
    code, report, _ = run(project, capsys, "check", "--base", "HEAD~1")
    assert code == 1
    assert any(c == "PLAN101" and "0009" in m for c, m in findings(report)), findings(report)


def test_audit_says_when_the_inventory_in_the_working_tree_differs_from_head(
    project: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(project, capsys, "audit")
    assert "differs from HEAD" not in err

    project.write("DATA_INVENTORY.md", INVENTORY)
    code, report, err = run(project, capsys, "audit")
    assert "note: DATA_INVENTORY.md in the working tree differs from HEAD" in err
    assert "`audit` reads HEAD" in err
    assert report is not None
    assert code in (0, 1)


def test_check_reports_an_entry_removed_while_its_variable_is_still_read(
    project: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write("backend/app/mail.py", 'import os\n\nTOKEN = os.environ["MAILGUN_TOKEN"]\n')
    project.write(
        "DATA_INVENTORY.md",
        project.read("DATA_INVENTORY.md").decode()
        + "\n## Configuration & State\n- `MAILGUN_TOKEN`: mail delivery token.\n",
    )
    project.commit("document the token")
    project.write(
        "DATA_INVENTORY.md",
        project.read("DATA_INVENTORY.md")
        .decode()
        .replace("- `MAILGUN_TOKEN`: mail delivery token.\n", ""),
    )
    project.commit("tidy the inventory")
    code, report, _ = run(project, capsys, "check", "--base", "HEAD~1")
    assert code == 1
    assert [(c, "MAILGUN_TOKEN" in m) for c, m in findings(report)] == [("INV203", True)]

    project.write("backend/app/mail.py", "TOKEN = None\n")
    project.commit("retire the token")
    code, report, _ = run(project, capsys, "check", "--base", "HEAD~2")
    assert findings(report) == []
    assert code == 0
