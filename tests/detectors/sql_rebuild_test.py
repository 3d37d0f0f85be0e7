"""The SQLite table-rebuild pattern through the whole pipeline (docs/usage.md).

The base holds `db/migrations/0001_init.sql`, which creates `jobs`; each test adds
`0002_rebuild.sql` and checks every finding of the run, so a stray MIG101 or INV101 fails.
"""

from __future__ import annotations

import pytest
from in_memory import changeset_from_texts

from selenite_inventory_lint import pipeline
from selenite_inventory_lint.config import Config, parse_config

INVENTORY = """\
## Database
- `jobs`: transcription jobs.
- `jobs.*`: every column of a job.
"""
INIT = (
    "CREATE TABLE IF NOT EXISTS jobs (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  status TEXT,\n"
    "  progress REAL,\n"
    "  legacy TEXT\n"
    ");\n"
)
BASE = {"DATA_INVENTORY.md": INVENTORY, "db/migrations/0001_init.sql": INIT}
NEW = "db/migrations/0002_rebuild.sql"


def _findings(
    sql: str, *, base: dict[str, str] | None = None, config: Config | None = None
) -> list[str]:
    before = base or BASE
    changeset = changeset_from_texts(before, {**before, NEW: sql})
    result = pipeline.run(changeset, config or Config(), selection=pipeline.Selection())
    return [f"{f.code} {f.object_name} {f.line}" for f in result.findings]


def _rebuild(temp: str, columns: str, copy: str) -> str:
    return (
        "PRAGMA foreign_keys=OFF;\n"
        f"CREATE TABLE {temp} ({columns});\n"
        f"INSERT INTO {temp} {copy} FROM jobs;\n"
        "DROP TABLE jobs;\n"
        f"ALTER TABLE {temp} RENAME TO jobs;\n"
        "PRAGMA foreign_keys=ON;\n"
    )


KEEP_ALL = "id INTEGER PRIMARY KEY, status TEXT, progress REAL, legacy TEXT"
COPY_ALL = "(id, status, progress, legacy) SELECT id, status, progress, legacy"


@pytest.mark.parametrize(
    "temp",
    ["new_jobs", "jobs_new", "new__jobs", '"new__jobs"', "_alembic_tmp_jobs", "jobs__tmp"],
)
def test_rebuild_spellings_give_one_mig105_and_nothing_else(temp: str) -> None:
    assert _findings(_rebuild(temp, KEEP_ALL, COPY_ALL)) == [
        "MIG105 jobs 2",
    ]


def test_django_rebuild_as_sqlmigrate_prints_it() -> None:
    sql = (
        'CREATE TABLE "new__jobs" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, '
        '"status" text NULL, "progress" real NULL, "legacy" text NULL);\n'
        'INSERT INTO "new__jobs" ("id", "status", "progress", "legacy") '
        'SELECT "id", "status", "progress", "legacy" FROM "jobs";\n'
        'DROP TABLE "jobs";\n'
        'ALTER TABLE "new__jobs" RENAME TO "jobs";\n'
    )
    assert _findings(sql) == ["MIG105 jobs 1"]


def test_alembic_batch_rebuild_as_offline_sql_prints_it() -> None:
    sql = (
        "CREATE TABLE _alembic_tmp_jobs (\n"
        "\tid INTEGER NOT NULL, \n\tstatus TEXT, \n\tprogress REAL, \n\tlegacy TEXT, \n"
        "\tPRIMARY KEY (id)\n);\n"
        "INSERT INTO _alembic_tmp_jobs (id, status, progress, legacy) "
        "SELECT jobs.id, jobs.status, jobs.progress, jobs.legacy FROM jobs;\n"
        "DROP TABLE jobs;\n"
        "ALTER TABLE _alembic_tmp_jobs RENAME TO jobs;\n"
    )
    assert _findings(sql) == ["MIG105 jobs 1"]


def test_rebuild_that_drops_a_column_also_gives_mig102() -> None:
    sql = _rebuild(
        "new_jobs",
        "id INTEGER PRIMARY KEY, status TEXT, progress REAL",
        "(id, status, progress) SELECT id, status, progress",
    )
    assert _findings(sql) == ["MIG102 jobs.legacy 2", "MIG105 jobs 2"]


def test_rebuild_that_changes_a_type_gives_mig104() -> None:
    sql = _rebuild(
        "new_jobs",
        "id INTEGER PRIMARY KEY, status TEXT, progress INTEGER, legacy TEXT",
        COPY_ALL,
    )
    assert _findings(sql) == ["MIG104 jobs.progress 2", "MIG105 jobs 2"]


def test_rebuild_that_makes_a_column_not_null_gives_mig104() -> None:
    sql = _rebuild(
        "new_jobs",
        "id INTEGER PRIMARY KEY, status TEXT NOT NULL, progress REAL, legacy TEXT",
        COPY_ALL,
    )
    assert _findings(sql) == ["MIG104 jobs.status 2", "MIG105 jobs 2"]


def test_rebuild_with_a_new_not_null_column_the_copy_does_not_fill() -> None:
    sql = _rebuild(
        "new_jobs",
        KEEP_ALL + ", priority INTEGER NOT NULL",
        COPY_ALL,
    )
    assert _findings(sql) == ["MIG105 jobs 2", "MIG108 jobs.priority 2"]


def test_rebuild_without_a_known_old_table_judges_what_it_sees() -> None:
    """No earlier migration defines `jobs`: lost columns are unknown, an unfilled NOT NULL
    column without default is still reported (MIG104)."""
    sql = _rebuild(
        "new_jobs",
        "id INTEGER PRIMARY KEY, status TEXT, priority INTEGER NOT NULL",
        "(id, status) SELECT id, status",
    )
    found = _findings(sql, base={"DATA_INVENTORY.md": INVENTORY})
    assert found == ["MIG104 jobs.priority 2", "MIG105 jobs 2"]


def test_rebuild_that_renames_a_column_through_the_copy() -> None:
    sql = _rebuild(
        "new_jobs",
        "id INTEGER PRIMARY KEY, state TEXT, progress REAL, legacy TEXT",
        "(id, state, progress, legacy) SELECT id, status, progress, legacy",
    )
    assert _findings(sql) == ["MIG103 jobs.status 2", "MIG105 jobs 2"]


def test_rename_away_first_variant() -> None:
    sql = (
        "ALTER TABLE jobs RENAME TO jobs__old;\n"
        f"CREATE TABLE jobs ({KEEP_ALL});\n"
        "INSERT INTO jobs SELECT * FROM jobs__old;\n"
        "DROP TABLE jobs__old;\n"
    )
    assert _findings(sql) == ["MIG105 jobs 2"]


def test_select_star_into_fewer_columns_loses_the_rest() -> None:
    sql = _rebuild("t_new", "id INTEGER PRIMARY KEY, status TEXT", "SELECT *")
    assert _findings(sql) == [
        "MIG102 jobs.legacy 2",
        "MIG102 jobs.progress 2",
        "MIG105 jobs 2",
    ]


def test_create_and_drop_without_copy_is_a_drop() -> None:
    sql = (
        f"CREATE TABLE new_jobs ({KEEP_ALL});\n"
        "DROP TABLE jobs;\nALTER TABLE new_jobs RENAME TO jobs;\n"
    )
    assert _findings(sql) == ["MIG101 jobs 2"]


def test_table_created_and_dropped_in_the_same_change_is_not_a_drop() -> None:
    sql = (
        "CREATE TABLE scratch (id INTEGER);\n"
        "INSERT INTO scratch SELECT id FROM jobs;\nDROP TABLE scratch;\n"
    )
    assert _findings(sql) == []


def test_renames_stay_renames() -> None:
    sql = (
        "ALTER TABLE jobs RENAME TO tasks;\nALTER TABLE tasks RENAME COLUMN legacy TO old_notes;\n"
    )
    assert _findings(sql) == ["INV202 jobs 1", "MIG103 jobs 1", "MIG103 tasks.legacy 2"]


def test_rebuild_in_postgres_dialect_is_recognised_too() -> None:
    config = parse_config({"dialect": "postgres"}, ".inventory-lint.yaml")
    sql = _rebuild("jobs_new", KEEP_ALL, COPY_ALL).replace("PRAGMA", "-- PRAGMA")
    assert _findings(sql, config=config) == ["MIG105 jobs 2"]


def test_rebuild_inside_one_alembic_execute() -> None:
    revision = (
        "from alembic import op\n\n"
        'revision = "0002"\ndown_revision = None\n\n\n'
        "def upgrade():\n"
        '    op.execute("""\n'
        f"{_rebuild('new_jobs', KEEP_ALL, COPY_ALL)}"
        '""")\n'
    )
    before = {"DATA_INVENTORY.md": INVENTORY}
    after = {**before, "backend/alembic/versions/0002_rebuild.py": revision}
    result = pipeline.run(
        changeset_from_texts(before, after), Config(), selection=pipeline.Selection()
    )
    assert [(f.code, f.object_name) for f in result.findings] == [
        ("MIG105", "jobs"),
    ]
