"""What the hook imports when a commit stages one new Alembic revision.

The revision is read with ``ast`` and the inventory line by line: no SQL parser (the revision
holds no SQL), no Markdown parser (the inventory is plain Markdown). Runs the real hook in a
fresh interpreter and lists its modules; ``benchmarks/run.py`` measures the time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import TYPE_CHECKING, Any

from selenite_project import ALEMBIC_INI, VERSIONS

if TYPE_CHECKING:
    from conftest import GitRepo

PROBE = """\
import contextlib, io, json, sys
from selenite_inventory_lint.cli import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    code = main(["check", "--staged", "--repo", sys.argv[1]])
print(json.dumps({"code": code, "out": out.getvalue(), "modules": sorted(sys.modules)}))
"""
INVENTORY = """\
# Data Inventory (Living)

## Database (SQLite)
- `users`: accounts.
- `invoices`: billing.

## Storage Paths
- `storage/media/`: uploads.

## Configuration & State
- `.env*` (runtime configuration)
"""


def revision(number: int, down: str, table: str) -> str:
    return (
        f'"""Step {number}."""\n\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
        f'revision = "{number:04d}"\ndown_revision = {down}\n\n\ndef upgrade():\n'
        f'    op.create_table("{table}", sa.Column("id", sa.Integer, primary_key=True))\n'
    )


def hook(repo: GitRepo) -> dict[str, Any]:
    """The hook's exit code, output and modules, from a fresh interpreter."""
    done = subprocess.run(
        (sys.executable, "-c", PROBE, str(repo.path)), capture_output=True, text=True, check=True
    )
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def test_one_new_revision_imports_no_sql_or_markdown_parser(repo: GitRepo) -> None:
    repo.write("DATA_INVENTORY.md", INVENTORY)
    repo.write("backend/alembic.ini", ALEMBIC_INI)
    repo.write(f"{VERSIONS}/0001_users.py", revision(1, "None", "users"))
    repo.commit("base")
    repo.write(f"{VERSIONS}/0002_invoices.py", revision(2, '"0001"', "invoices"))
    repo.add()
    found = hook(repo)
    assert found["code"] == 0
    assert found["out"].endswith("(2 data-bearing changes).\n")
    top = {name.split(".")[0] for name in found["modules"]}
    assert "selenite_inventory_lint.detectors.alembic.walker" in found["modules"]
    assert not top & {"sqlglot", "markdown_it", "jinja2", "sqlite3"}
    # Only the detectors that claim the file are imported, and git is run without GitPython.
    assert "selenite_inventory_lint.detectors.sql" not in found["modules"]
    assert "selenite_inventory_lint.detectors.sqlite_schema" not in found["modules"]
    assert "git" not in top
    # No plan is cited, no commit's attributes read: their modules stay unloaded.
    assert "selenite_inventory_lint.data_plans" not in found["modules"]
    assert not top & {"tempfile", "shlex"}


def test_a_required_updates_checklist_needs_no_markdown_parser(repo: GitRepo) -> None:
    """An inventory like the one `init` writes has a "Required Updates" section of ordered
    items, read as a checklist when the schema changes: a plain one is read line by line."""
    repo.write(
        "DATA_INVENTORY.md",
        f"{INVENTORY}\n## Required Updates (When Changing Data)\n"
        "If you change anything in the categories above:\n"
        "1) Update this document (add/modify entries).\n"
        "2) Note any migration requirements (additive by default).\n",
    )
    repo.write("backend/alembic.ini", ALEMBIC_INI)
    repo.write(f"{VERSIONS}/0001_users.py", revision(1, "None", "users"))
    repo.commit("base")
    repo.write(f"{VERSIONS}/0002_invoices.py", revision(2, '"0001"', "invoices"))
    repo.add()
    found = hook(repo)
    assert found["code"] == 0, found["out"]
    assert "markdown_it" not in {name.split(".")[0] for name in found["modules"]}
