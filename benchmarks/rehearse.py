"""Time `rehearse` on a realistic backup: an Alembic project whose next revision drops a column.

    python benchmarks/rehearse.py [--rows N] [--keep DIR]

Builds, in a scratch folder, a git repository with an Alembic project (users, events, notes),
a SQLite backup holding ``--rows`` rows across the three tables (made with stdlib sqlite3),
and a pending revision that drops ``users.phone`` and adds ``events.source``. Then it runs the
installed command as an operator would and prints its output, exit code, wall time and the
child's peak memory. Needs alembic and SQLAlchemy (the `test` extra).
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

INVENTORY = """\
# Data inventory

## Database schema

**Primary DB**: `backend/app.db`

- `users`: accounts.
- `users.*`: every column of an account.
- `events`: what users did, kept for a year.
- `notes`: free-text notes of a user.
- `alembic_version`: Alembic's revision marker.
"""
INI = "[alembic]\nscript_location = alembic\nsqlalchemy.url = sqlite:///app.db\n"
ENV_PY = """\
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
engine = engine_from_config(
    config.get_section(config.config_ini_section), prefix="sqlalchemy.", poolclass=pool.NullPool
)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=None, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
"""
INITIAL = """\
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade():
    op.create_table("users", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("email", sa.String(200), nullable=False),
                    sa.Column("phone", sa.String(40)))
    op.create_table("events", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("user_id", sa.Integer), sa.Column("kind", sa.String(40)))
    op.create_table("notes", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("user_id", sa.Integer), sa.Column("body", sa.Text))


def downgrade():
    pass
"""
PENDING = """\
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("phone")
    op.add_column("events", sa.Column("source", sa.String(40)))


def downgrade():
    pass
"""
SCHEMA = """\
CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);
INSERT INTO alembic_version VALUES ('0001');
CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(200) NOT NULL, phone VARCHAR(40));
CREATE TABLE events (id INTEGER PRIMARY KEY, user_id INTEGER, kind VARCHAR(40));
CREATE TABLE notes (id INTEGER PRIMARY KEY, user_id INTEGER, body TEXT);
"""


def _git(root: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.invalid",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.invalid",
    }
    subprocess.run(("git", *args), cwd=root, env=env, check=True, capture_output=True)


def build(root: Path, rows: int) -> Path:
    """The project at ``root`` (committed) and a backup of ``rows`` rows beside it."""
    files = {
        "DATA_INVENTORY.md": INVENTORY,
        "backend/alembic.ini": INI,
        "backend/alembic/env.py": ENV_PY,
        "backend/alembic/versions/0001_initial.py": INITIAL,
        "backend/alembic/versions/0002_drop_phone.py": PENDING,
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "project")
    backup = root.parent / "backup.db"
    conn = sqlite3.connect(backup)
    conn.executescript(SCHEMA)
    users = rows // 10
    conn.executemany(
        "INSERT INTO users VALUES (?, ?, ?)",
        ((i, f"user{i}@example.com", f"+1555{i:07d}" if i % 13 else None) for i in range(users)),
    )
    conn.executemany(
        "INSERT INTO events VALUES (?, ?, ?)",
        ((i, i % users, "login") for i in range(rows - 2 * users)),
    )
    conn.executemany(
        "INSERT INTO notes VALUES (?, ?, ?)", ((i, i, "a note " * 8) for i in range(users))
    )
    conn.commit()
    conn.close()
    return backup


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=110_000, help="rows in the backup")
    parser.add_argument("--keep", type=Path, help="build here and keep it (default: temporary)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="inventory-lint-rehearse-bench-") as tmp:
        folder = options.keep or Path(tmp)
        root = folder / "project"
        root.mkdir(parents=True)
        backup = build(root, options.rows)
        size = backup.stat().st_size
        command = (sys.executable, "-m", "selenite_inventory_lint", "rehearse", str(backup))
        started = time.perf_counter()
        done = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"$ selenite-inventory-lint rehearse backup.db   # {options.rows:,} rows, {size:,} bytes")
    print(done.stdout.rstrip())
    print(f"exit {done.returncode}; {seconds:.2f} s wall; peak memory {peak:.0f} MB")
    if done.stderr.strip():
        print("stderr (last lines):", *done.stderr.strip().splitlines()[-5:], sep="\n  ")
    return 0


if __name__ == "__main__":
    sys.exit(main())
