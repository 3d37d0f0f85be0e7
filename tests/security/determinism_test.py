"""Determinism: the same input gives byte-identical output in every format (docs/development.md).

Each command runs twice in separate processes with different hash seeds (set iteration
order changes between them) and from two clones in different folders (no absolute path may
leak into a report); stdout and every ``--report`` file must match byte for byte.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from selenite_inventory_lint.cli import REPORT_FORMATS

if TYPE_CHECKING:
    from conftest import GitRepo

INVENTORY = """\
# Data inventory

## Database (SQLite)
- `users`: accounts.
- `users.legacy`: old flag.
- `sessions`: logins.
- `feedback`: TODO

## Storage Paths
- `storage/media/`: uploads.

## Configuration & State
- `SECRET_KEY`: signing key.
- `.env*`: runtime configuration.
- `OLD_TOKEN`: retired soon.
"""
REVISION = """\
from alembic import op
import sqlalchemy as sa

revision = "{rev}"
down_revision = {down!r}


def upgrade():
{body}


def downgrade():
    pass
"""


def _revision(rev: str, down: str | None, *body: str) -> str:
    return REVISION.format(rev=rev, down=down, body="\n".join(f"    {b}" for b in body))


def _project(repo: GitRepo) -> str:
    repo.write("DATA_INVENTORY.md", INVENTORY)
    repo.write("alembic.ini", "[alembic]\nscript_location = migrations\n")
    repo.write(
        "migrations/versions/0001_base.py",
        _revision(
            "0001",
            None,
            "op.create_table('users', sa.Column('id', sa.Integer()), "
            "sa.Column('legacy', sa.Text()))",
            "op.create_table('sessions', sa.Column('id', sa.Integer()))",
            "op.create_table('feedback', sa.Column('id', sa.Integer()))",
        ),
    )
    repo.write("db/0001.sql", "CREATE TABLE IF NOT EXISTS t (a INT, b TEXT);\n")
    repo.write("db/old_schema.sql", "CREATE TABLE t (a INT, b TEXT);\n")
    repo.write("app/mail.py", "import os\nT = os.environ['OLD_TOKEN']\n")
    base = repo.commit("base")
    repo.write(
        "migrations/versions/0002_change.py",
        _revision(
            "0002",
            "0001",
            "op.drop_column('users', 'legacy')",
            "op.drop_table('sessions')  # inventory-lint: ignore[MIG101] sessions are rebuilt",
            "op.add_column('users', sa.Column('phone', sa.String(), nullable=False))",
            "op.create_table('b_invoices', sa.Column('id', sa.Integer()))",
            "op.create_table('a_invoices', sa.Column('id', sa.Integer()))",
            "op.execute(f'DELETE FROM {TABLE}')",
        ),
    )
    repo.write("migrations/versions/0003_branch.py", _revision("0003", "0001", "pass"))
    repo.write(
        "db/0002.sql",
        "CREATE TABLE new_t (a INT NOT NULL);\nINSERT INTO new_t (a) SELECT a FROM t;\n"
        "DROP TABLE t;\nALTER TABLE new_t RENAME TO t;\nUPDATE t SET a = 1;\nSELECT (;\n",
    )
    repo.write("db/new_schema.sql", "CREATE TABLE t (a BIGINT NOT NULL, c TEXT);\n")
    repo.write(
        "app/settings.py",
        "import os\nfrom pathlib import Path\nROOT = Path(__file__).parents[1]\n"
        "A = os.getenv('ZETA_KEY')\nB = os.getenv('ALPHA_KEY')\nC = os.getenv('MID_KEY')\n"
        "M = ROOT / 'storage' / 'thumbs'\nN = ROOT / 'storage' / 'avatars'\n",
    )
    repo.write("app/mail.py", "import os\n")
    repo.write("web/a.ts", "export const u = process.env.API_URL;\n")
    repo.write("app/broken.py", "def (:\n")
    repo.write(".env.local", "LOCAL_KEY=1\n")
    repo.write("data/app.db", b"SQLite format 3\x00" + b"\x00" * 100)
    repo.write(
        "docs/data-plans/dp-1.md",
        "---\nid: DP-1\nmigrations: [0002]\noperations: [drop_column users.legacy]\n"
        "approved_by: [a@example.com]\napproved_on: 2026-02-01\nbackup: storage/backups/\n"
        "rollback: restore\n---\n",
    )
    repo.commit("change")
    return base


def _run(root: Path, argv: list[str], seed: str, reports: Path) -> list[bytes]:
    reports.mkdir(parents=True, exist_ok=True)
    extra = [f"--report={fmt}={reports / fmt}" for fmt in REPORT_FORMATS]
    done = subprocess.run(
        [sys.executable, "-m", "selenite_inventory_lint", *argv, *extra],
        cwd=root,
        env={**os.environ, "PYTHONHASHSEED": seed},
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert done.returncode in (0, 1), done.stderr.decode()
    return [done.stdout, *((reports / fmt).read_bytes() for fmt in REPORT_FORMATS)]


COMMANDS = {
    "check": ["check", "--base", "BASE"],
    "check-head": ["check", "--head", "HEAD"],
    "audit": ["audit"],
    "schema-diff": ["schema-diff", "db/old_schema.sql", "db/new_schema.sql"],
}


# Every format is written by every run through --report; stdout adds the terminal path.
@pytest.mark.parametrize("fmt", ["text", "github"])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_two_runs_give_the_same_bytes(
    repo: GitRepo, tmp_path: Path, command: str, fmt: str
) -> None:
    base = _project(repo)
    elsewhere = repo.clone("elsewhere-with-a-longer-name")
    argv = [a.replace("BASE", base) for a in COMMANDS[command]] + ["--format", fmt]
    first = _run(repo.path, argv, "1", tmp_path / "first")
    second = _run(repo.path, argv, "2", tmp_path / "second")
    moved = _run(elsewhere.path, argv, "3", tmp_path / "third")
    assert first == second == moved
    assert all(output for output in first)
    codes = {f["code"] for f in json.loads(first[1 + REPORT_FORMATS.index("json")])["findings"]}
    assert len(codes) >= (10 if command.startswith("check") else 1), codes
    assert str(tmp_path).encode() not in b"".join(first)
