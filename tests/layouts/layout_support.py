"""Shared by the zero-configuration layout tests: a tiny inventory, the CLI in-process."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from typing import TYPE_CHECKING, Any

from selenite_inventory_lint.cli import main

if TYPE_CHECKING:
    import pytest
    from conftest import GitRepo

INVENTORY = """\
# Data Inventory

## Database (SQLite)
- `users`: people who sign in.
- `users.id`: primary key.
- `users.email`: where notices go.

## Storage Paths

## Configuration & State
"""


def revision(rev: str, down: str | None, body: str) -> str:
    """An Alembic revision whose upgrade() is the one statement ``body``."""
    return (
        "from alembic import op\nimport sqlalchemy as sa\n\n"
        f'revision = "{rev}"\ndown_revision = {down!r}\n\n\n'
        f"def upgrade():\n    {body}\n\n\ndef downgrade():\n    pass\n"
    )


def run_json(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, dict[str, Any], str]:
    """The CLI with ``--format json`` in-process: exit code, report, stderr."""
    out = io.StringIO()
    with redirect_stdout(out):
        code = main([*args, "--repo", str(repo.path), "--format", "json"])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert code in (0, 1), err
    report: dict[str, Any] = json.loads(out.getvalue())
    return code, report, err


def findings(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(code, object name, path) of every finding."""
    return [(f["code"], f["object"]["name"], f["path"]) for f in report["findings"]]
