"""`rehearse BACKUP` end to end: real git repositories, real Alembic projects, real SQLite
backups made with sqlite3, the real CLI in-process (Alembic runs in its own process).

The DATA rules cannot be expressed as `tests/rules/cases/*.yaml` (they judge a database, not
a change set): ``RULE_CASES`` names, for each code, a test here that must report it and one
that must not; `tests/rules/rules_test.py` checks that the table is complete.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from selenite_inventory_lint.cli import main

if TYPE_CHECKING:
    from conftest import GitRepo

SCHEMA = Path(__file__).parents[2] / "selenite_inventory_lint" / "schemas"

# code → (a test that must not report it, a test that must).
RULE_CASES = {
    "DATA101": ("test_sql_migration_keeps_data", "test_sql_migration_loses_data"),
    "DATA102": ("test_sql_migration_keeps_data", "test_sql_migration_loses_data"),
    "DATA103": ("test_batch_rebuild_keeping_rows", "test_column_drop_holding_data"),
    "DATA104": ("test_sql_migration_keeps_data", "test_sql_migration_loses_data"),
    "DATA201": ("test_additive_revision_passes_and_logs", "test_failing_migration"),
    "DATA202": ("test_sql_migration_keeps_data", "test_sql_migration_loses_data"),
    "DATA203": ("test_round_trip_with_down", "test_round_trip_with_down"),
}

INVENTORY = """\
# Data inventory

## Database schema

**Primary DB**: `backend/app.db`

- `users`: accounts.
- `users.*`: every column of an account.
- `notes`: free-text notes of a user.
- `orders`: orders placed by users.
- `schema_migrations`: SQL migrations applied.
- `alembic_version`: Alembic's revision marker.
"""

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

# An env.py that takes its URL from the application's environment, not from alembic.ini.
ENV_PY_FROM_ENVIRONMENT = """\
import os

from alembic import context
from sqlalchemy import create_engine, pool

engine = create_engine(os.environ["APP_DATABASE_URL"], poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
"""

ALEMBIC_INI = """\
[alembic]
script_location = alembic
sqlalchemy.url = sqlite:///app.db
"""

INITIAL = """\
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade():
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(40)),
    )


def downgrade():
    op.drop_table("users")
"""


def _revision(upgrade: str, downgrade: str = "pass") -> str:
    return (
        "import sqlalchemy as sa\nfrom alembic import op\n\n"
        'revision = "0002"\ndown_revision = "0001"\n\n\n'
        f"def upgrade():\n    {upgrade}\n\n\ndef downgrade():\n    {downgrade}\n"
    )


def _backup(path: Path, script: str) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript(script)
    conn.commit()
    conn.close()
    return path


ALEMBIC_BACKUP = """\
CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(200) NOT NULL, phone VARCHAR(40));
CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);
INSERT INTO alembic_version VALUES ('0001');
INSERT INTO users (email, phone) VALUES ('a@example.com', '111'), ('b@example.com', '222'),
    ('c@example.com', NULL), ('d@example.com', '444');
"""


def _alembic_project(repo: GitRepo, revision: str, *, env_py: str = ENV_PY) -> None:
    repo.write("DATA_INVENTORY.md", INVENTORY)
    repo.write("backend/alembic.ini", ALEMBIC_INI)
    repo.write("backend/alembic/env.py", env_py)
    repo.write("backend/alembic/versions/0001_initial.py", INITIAL)
    repo.write("backend/alembic/versions/0002_change.py", revision)
    repo.write(".gitignore", "*.db\n")
    repo.commit("project")
    # The live database of the work tree: a rehearsal must never touch it.
    repo.write("backend/app.db", b"live database, not SQLite")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rehearse(
    repo: GitRepo,
    backup: Path,
    *args: str,
    capsys: pytest.CaptureFixture[str],
    writes_log: bool = False,
) -> tuple[int, str, str]:
    before = _sha(backup)
    live = repo.path / "backend" / "app.db"
    live_bytes = live.read_bytes() if live.exists() else None
    code = main(["rehearse", str(backup), "--repo", str(repo.path), *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    # BACKUP is never modified, the work tree's database and files never touched.
    assert _sha(backup) == before
    assert (live.read_bytes() if live.exists() else None) == live_bytes
    if not writes_log:
        assert repo.git("status", "--porcelain") == ""
    return code, out, err


def _alembic(*command: str) -> str:
    return " ".join([sys.executable, "-m", "alembic", "-c", "alembic.ini", *command])


def test_additive_revision_passes_and_logs(
    repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _alembic_project(
        repo, _revision('op.add_column("users", sa.Column("nickname", sa.String(40)))')
    )
    backup = _backup(tmp_path / "prod.db", ALEMBIC_BACKUP)
    log = repo.path / "docs" / "promotions.md"
    repo.write("docs/promotions.md", "# Promotion log\n\nEarlier entries.\n")
    repo.commit("log")
    code, out, _ = _rehearse(
        repo,
        backup,
        "--log",
        str(log),
        "--date",
        "2026-03-01",
        "--format",
        "json",
        capsys=capsys,
        writes_log=True,
    )
    report = json.loads(out)
    assert code == 0, out
    assert report["summary"] == {"errors": 0, "warnings": 0, "verdict": "passed"}
    assert report["findings"] == []
    assert report["pending_migrations"] == ["0002"]
    assert report["backup"] == {"path": str(backup), "sha256": _sha(backup), "unchanged": True}
    users_after = next(t for t in report["post"]["tables"] if t["name"] == "users")
    assert users_after == {
        "name": "users",
        "rows": 4,
        "values": {"id": 4, "email": 4, "phone": 3, "nickname": 0},
    }
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((SCHEMA / "rehearse.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(report, schema)

    commit = repo.head()
    folder = log.parent / f"2026-03-01-{commit[:7]}"
    text = log.read_text(encoding="utf-8")
    assert text.startswith("# Promotion log\n\nEarlier entries.\n\n## 2026-03-01")
    assert f"({folder.name}/pre.sql)" in text
    assert f"({folder.name}/post.sql)" in text
    assert _sha(backup) in text
    assert "passed" in text
    pre = (folder / "pre.sql").read_text(encoding="utf-8")
    post = (folder / "post.sql").read_text(encoding="utf-8")
    assert "nickname" not in pre
    assert "nickname" in post


def test_column_drop_holding_data(
    repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _alembic_project(repo, _revision('op.drop_column("users", "phone")'))
    backup = _backup(tmp_path / "prod.db", ALEMBIC_BACKUP)
    code, out, _ = _rehearse(repo, backup, capsys=capsys)
    assert code == 1
    assert (
        "backend/app.db:1:1: DATA103 column users.phone is dropped holding 3 non-NULL values"
    ) in out
    assert "DATA101" not in out
    assert "DATA104" not in out


def test_batch_rebuild_keeping_rows(
    repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    upgrade = (
        'with op.batch_alter_table("users", recreate="always") as batch:\n'
        '        batch.alter_column("phone", type_=sa.String(80))'
    )
    _alembic_project(repo, _revision(upgrade))
    backup = _backup(tmp_path / "prod.db", ALEMBIC_BACKUP)
    code, out, _ = _rehearse(repo, backup, "--format", "markdown", capsys=capsys)
    assert code == 0, out
    assert "Rehearsal PASSED" in out
    assert "VARCHAR(80)" in out  # the schema diff shows the rebuilt table
    assert "| <code>users.phone</code> | 3 | 3 |  |" in out


def test_batch_rebuild_losing_a_column(
    repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    upgrade = (
        'with op.batch_alter_table("users", recreate="always") as batch:\n'
        '        batch.drop_column("phone")'
    )
    _alembic_project(repo, _revision(upgrade))
    backup = _backup(tmp_path / "prod.db", ALEMBIC_BACKUP)
    page = tmp_path / "rehearsal.html"
    code, out, _ = _rehearse(
        repo, backup, "--format", "markdown", "--report", f"html={page}", capsys=capsys
    )
    assert code == 1
    assert "**DATA103** (error) column users.phone is dropped holding 3 non\\-NULL values" in out
    assert "| <code>users.phone</code> | 3 | — | **3** |" in out
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>")
    assert '<td><code>users.phone</code></td><td>3</td><td>—</td><td class="lost">3</td>' in html


def test_failing_migration(
    repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _alembic_project(repo, _revision('op.execute("UPDATE no_such_table SET x = 1")'))
    backup = _backup(tmp_path / "prod.db", ALEMBIC_BACKUP)
    code, out, _ = _rehearse(repo, backup, capsys=capsys)
    assert code == 1
    line = next(x for x in out.splitlines() if "DATA201" in x)
    assert "the migration command failed with exit status 1" in line
    assert "no such table: no_such_table" in line


def test_planned_drop_is_covered(
    repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(
        "docs/data-plans/DP-1.md",
        "---\nid: DP-1\nmigrations: [0002_change]\noperations: [drop_column users.phone]\n"
        "approved_by: [lead@example.com]\napproved_on: 2026-02-01\n"
        "backup: storage/backups/2026-02-01/\nrollback: restore the backup\n---\n",
    )
    _alembic_project(repo, _revision('op.drop_column("users", "phone")'))
    backup = _backup(tmp_path / "prod.db", ALEMBIC_BACKUP)
    code, out, _ = _rehearse(repo, backup, capsys=capsys)
    assert code == 0, out
    assert (
        "DATA103 column users.phone is dropped holding 3 non-NULL values "
        "(covered by data plan DP-1)"
    ) in out


def test_round_trip_with_down(
    repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _alembic_project(
        repo,
        _revision(
            'op.add_column("users", sa.Column("nickname", sa.String(40)))',
            'op.drop_column("users", "nickname")',
        ),
    )
    backup = _backup(tmp_path / "prod.db", ALEMBIC_BACKUP)
    down = _alembic("-x", "sqlalchemy.url={url}", "downgrade", "0001")
    code, out, _ = _rehearse(repo, backup, "--down", down, capsys=capsys)
    assert code == 0, out
    assert "DATA203" not in out

    # A downgrade that deletes what it should restore.
    repo.write(
        "backend/alembic/versions/0002_change.py",
        _revision(
            'op.add_column("users", sa.Column("nickname", sa.String(40)))',
            'op.drop_column("users", "nickname")\n    op.execute("DELETE FROM users")',
        ),
    )
    repo.commit("bad downgrade")
    code, out, _ = _rehearse(repo, backup, "--down", down, capsys=capsys)
    assert code == 1
    assert (
        "DATA203 the round trip does not restore the backup: table users has 0 rows, the backup 4"
    ) in out


def test_env_py_reading_the_url_from_the_environment(
    repo: GitRepo,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _alembic_project(
        repo,
        _revision('op.drop_column("users", "phone")'),
        env_py=ENV_PY_FROM_ENVIRONMENT,
    )
    backup = _backup(tmp_path / "prod.db", ALEMBIC_BACKUP)
    # The operator's shell points at another database: migrating it rehearses nothing.
    other = _backup(tmp_path / "other.db", ALEMBIC_BACKUP)
    monkeypatch.setenv("APP_DATABASE_URL", f"sqlite:///{other}")
    code, out, _ = _rehearse(repo, backup, capsys=capsys)
    assert code == 1
    assert "DATA201 the migration command exited 0 but the copy is at revision 0001" in out
    assert "DATA103" not in out

    code, out, _ = _rehearse(repo, backup, "--env", "APP_DATABASE_URL={url}", capsys=capsys)
    assert code == 1
    assert "DATA201" not in out
    assert "DATA103 column users.phone is dropped holding 3 non-NULL values" in out


SQL_BACKUP = """\
PRAGMA foreign_keys = ON;
CREATE TABLE schema_migrations (version TEXT PRIMARY KEY);
INSERT INTO schema_migrations VALUES ('0001');
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, phone TEXT);
CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
CREATE TABLE drafts (id INTEGER PRIMARY KEY);
CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id));
INSERT INTO users (email, phone) VALUES ('a@example.com', '1'), ('b@example.com', '2'),
    ('c@example.com', NULL);
INSERT INTO notes (body) VALUES ('one'), ('two');
INSERT INTO orders (user_id) VALUES (1), (3);
"""
SQL_INITIAL = "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, phone TEXT);\n"


def _sql_project(repo: GitRepo, migration: str) -> None:
    repo.write("DATA_INVENTORY.md", INVENTORY)
    repo.write("migrations/0001_init.sql", SQL_INITIAL)  # applied: listed in schema_migrations
    repo.write("migrations/0002_change.sql", migration)
    repo.commit("project")


KEEPS = {
    "add_column": "ALTER TABLE users ADD COLUMN locale TEXT;",
    "delete_nothing": "DELETE FROM users WHERE id > 100;",
    "fill_values": "UPDATE users SET phone = '3' WHERE phone IS NULL;",
    "rename_column": "ALTER TABLE users RENAME COLUMN phone TO telephone;",
    "drop_empty_table": "DROP TABLE drafts;",
    # Listed in schema_migrations: nothing is pending, nothing runs.
    "already_applied": "-- applied\nDROP TABLE notes;",
}
LOSES = {
    "drop_table": ("DROP TABLE notes;", ["DATA101 table notes is dropped holding 2 rows"]),
    "empty_table": ("DELETE FROM notes;", ["DATA101 table notes is emptied holding 2 rows"]),
    "delete_rows": (
        "DELETE FROM notes WHERE body = 'one';",
        ["DATA102 table notes loses 1 of 2 rows (2 → 1)"],
    ),
    "null_values": (
        "UPDATE users SET phone = NULL WHERE id = 1;",
        ["DATA104 column users.phone loses 1 non-NULL value (2 → 1)"],
    ),
    "dangling_foreign_key": (
        "DELETE FROM users WHERE id = 3;",
        [
            "DATA102 table users loses 1 of 3 rows (3 → 2)",
            "DATA202 foreign key check failed after the upgrade: orders row 2 → users",
        ],
    ),
    "syntax_error": (
        "ALTER TABLE nope ADD COLUMN x TEXT;",
        ["DATA201 the migration command failed with exit status 1: "],
    ),
}


@pytest.mark.parametrize("migration", list(KEEPS.values()), ids=list(KEEPS))
def test_sql_migration_keeps_data(
    repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str], migration: str
) -> None:
    _sql_project(repo, migration)
    script = SQL_BACKUP
    if migration.startswith("-- applied"):
        script += "INSERT INTO schema_migrations VALUES ('0002');\n"
    backup = _backup(tmp_path / "prod.db", script)
    code, out, _ = _rehearse(repo, backup, "--format", "json", capsys=capsys)
    report = json.loads(out)
    assert report["findings"] == []
    assert code == 0
    if migration.startswith("-- applied"):
        assert report["command"]["text"] == "apply 0 pending SQL migrations with sqlite3"
        assert report["pending_migrations"] == []
    else:
        assert report["command"]["text"] == "apply 1 pending SQL migration with sqlite3"
        assert report["pending_migrations"] == ["migrations/0002_change.sql"]


@pytest.mark.parametrize(("migration", "expected"), list(LOSES.values()), ids=list(LOSES))
def test_sql_migration_loses_data(
    repo: GitRepo,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    migration: str,
    expected: list[str],
) -> None:
    _sql_project(repo, migration)
    backup = _backup(tmp_path / "prod.db", SQL_BACKUP)
    code, out, _ = _rehearse(repo, backup, capsys=capsys)
    found = [
        line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("backend/app.db:")
    ]
    assert code == 1
    assert len(found) == len(expected), out
    for line, start in zip(found, expected, strict=True):
        assert line.startswith(start), out


def test_sql_migration_adding_an_undocumented_table(
    repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _sql_project(repo, "CREATE TABLE invoices (id INTEGER PRIMARY KEY, total INTEGER);")
    backup = _backup(tmp_path / "prod.db", SQL_BACKUP)
    code, out, _ = _rehearse(repo, backup, capsys=capsys)
    assert code == 1
    assert "backend/app.db:1:1: INV101 table invoices" in out


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing", "does not exist or is not a file"),
        ("not_sqlite", "is not a SQLite database"),
        ("no_primary_db", "no primary database path is known"),
        ("write_ahead_log", "has a write-ahead log (prod.db-wal)"),
        ("bad_date", "--date expects YYYY-MM-DD"),
    ],
)
def test_usage_and_io_errors_exit_2(
    repo: GitRepo,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    setup: str,
    message: str,
) -> None:
    _sql_project(repo, "ALTER TABLE users ADD COLUMN locale TEXT;")
    backup = _backup(tmp_path / "prod.db", SQL_BACKUP)
    args: list[str] = []
    if setup == "missing":
        backup = tmp_path / "absent.db"
    elif setup == "not_sqlite":
        backup = tmp_path / "dump.sql"
        backup.write_text(SQL_BACKUP, encoding="utf-8")
    elif setup == "write_ahead_log":
        (tmp_path / "prod.db-wal").write_bytes(b"uncheckpointed pages")
    elif setup == "no_primary_db":
        repo.write("DATA_INVENTORY.md", INVENTORY.replace("**Primary DB**", "Primary DB"))
        repo.commit("no primary db")
    else:
        args = ["--date", "March 1st"]
    code = main(["rehearse", str(backup), "--repo", str(repo.path), *args])
    _out, err = capsys.readouterr()
    assert code == 2
    # Progress lines may come first; the error is the one last line.
    last = err.strip().splitlines()[-1]
    assert last.startswith("selenite-inventory-lint: error: ")
    assert message in last
    assert "Traceback" not in err


def test_log_refuses_a_symbolic_link(
    repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _sql_project(repo, "ALTER TABLE users ADD COLUMN locale TEXT;")
    backup = _backup(tmp_path / "prod.db", SQL_BACKUP)
    outside = tmp_path / "outside.md"
    outside.write_text("# elsewhere\n", encoding="utf-8")
    link = tmp_path / "log.md"
    link.symlink_to(outside)
    code = main(["rehearse", str(backup), "--repo", str(repo.path), "--log", str(link)])
    _out, err = capsys.readouterr()
    assert code == 2
    assert "it is a symbolic link" in err
    assert outside.read_text(encoding="utf-8") == "# elsewhere\n"


PROBE = """\
import contextlib, io, json, sys
from selenite_inventory_lint.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(["check", "--staged", "--repo", sys.argv[1]])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def test_check_never_imports_the_rehearsal(repo: GitRepo) -> None:
    _sql_project(repo, "ALTER TABLE users ADD COLUMN locale TEXT;")
    repo.write("migrations/0003_drop.sql", "ALTER TABLE users DROP COLUMN phone;")
    repo.add()
    done = subprocess.run(
        (sys.executable, "-c", PROBE, str(repo.path)), capture_output=True, text=True, check=True
    )
    found = json.loads(done.stdout)
    assert found["code"] == 1  # MIG102: the change was judged, rules and all
    assert "selenite_inventory_lint.rules.rehearsal" in found["modules"]
    assert not [
        m
        for m in found["modules"]
        if m.startswith(
            ("selenite_inventory_lint.rehearsal", "selenite_inventory_lint.commands.rehearse")
        )
    ]


def test_run_command_with_placeholders_and_a_backup_that_changes(
    repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _sql_project(repo, "ALTER TABLE users ADD COLUMN locale TEXT;")
    backup = _backup(tmp_path / "prod.db", SQL_BACKUP)
    script = tmp_path / "empty_notes.py"
    script.write_text(
        "import sqlite3, sys\n"
        "conn = sqlite3.connect(sys.argv[1])\n"
        "conn.execute('DELETE FROM notes')\n"
        "conn.commit()\n",
        encoding="utf-8",
    )
    run = f"{sys.executable} {script} {{db}}"
    code, out, _ = _rehearse(repo, backup, "--run", run, capsys=capsys)
    assert code == 1
    assert "DATA101 table notes is emptied holding 2 rows" in out
    assert "locale" not in out  # --run replaces the default: the SQL migration did not run

    # Something writing to the backup while it is rehearsed: exit 2, never a silent pass.
    code = main(["rehearse", str(backup), "--repo", str(repo.path), "--run", f"echo x >> {backup}"])
    _out, err = capsys.readouterr()
    assert code == 2
    assert "changed during the rehearsal" in err
