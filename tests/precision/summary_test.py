"""The summary line counts what the findings are about: never "0 data-bearing changes" next
to an error that concerns a file (MIG301, PLAN101, SUP102). Real repository, real CLI."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from selenite_inventory_lint.cli import main

if TYPE_CHECKING:
    from conftest import GitRepo

INVENTORY = "# Data inventory\n\n## Database (SQLite)\n- `orders`: customer orders.\n"
DYNAMIC = (
    "from alembic import op\n\nrevision = '0002'\ndown_revision = '0001'\n\n\n"
    "def upgrade():\n    name = op.get_context().opts['table']\n"
    "    op.execute(f'DELETE FROM {name}')\n"
)
BASE = (
    "from alembic import op\nimport sqlalchemy as sa\n\nrevision = '0001'\n"
    "down_revision = None\n\n\ndef upgrade():\n"
    "    op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True))\n"
)


@pytest.fixture
def unanalysable(repo: GitRepo) -> GitRepo:
    repo.write("DATA_INVENTORY.md", INVENTORY)
    repo.write("alembic.ini", "[alembic]\nscript_location = backend/alembic\n")
    repo.write("backend/alembic/versions/0001_orders.py", BASE)
    repo.commit("base")
    repo.write("backend/alembic/versions/0002_dynamic.py", DYNAMIC)
    repo.commit("dynamic SQL")
    return repo


@pytest.mark.parametrize(
    ("fmt", "line"),
    [
        ("text", "Found 1 error and 0 warnings (1 file, no data-bearing change)."),
        ("markdown", "Inventory check failed: 1 error and 0 warnings in 1 file, no data-bearing"),
        ("github", "Inventory check failed: 1 error and 0 warnings in 1 file, no data-bearing"),
        ("html", "Inventory check failed: 1 error and 0 warnings in 1 file, no data-bearing"),
    ],
)
def test_findings_about_files_only_do_not_read_as_zero_changes(
    unanalysable: GitRepo, capsys: pytest.CaptureFixture[str], fmt: str, line: str
) -> None:
    code = main(["check", "--repo", str(unanalysable.path), "--base", "HEAD~1", "--format", fmt])
    out = capsys.readouterr().out
    assert code == 1
    assert "MIG301" in out
    assert line in out
    assert "0 data-bearing changes" not in out


def test_a_clean_run_still_counts_its_changes(
    unanalysable: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    unanalysable.write("README.md", "docs only\n")
    unanalysable.commit("docs")
    code = main(["check", "--repo", str(unanalysable.path), "--base", "HEAD~1"])
    assert code == 0
    assert capsys.readouterr().out == "All checks passed (0 data-bearing changes).\n"
