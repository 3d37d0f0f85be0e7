"""Which `.sql` files are migrations, and Diesel/sqlx layouts (docs/usage.md "SQL migrations and
schema snapshots"), on real repositories through `check`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from layout_support import INVENTORY, findings, run_json

if TYPE_CHECKING:
    import pytest
    from conftest import GitRepo

CREATE_USERS = "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, name TEXT);\n"
REBUILD_WITHOUT_NAME = """\
CREATE TABLE users_new (id INTEGER PRIMARY KEY, email TEXT);
INSERT INTO users_new (id, email) SELECT id, email FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
"""
NAMED = INVENTORY.replace("- `users.email`", "- `users.name`: display name.\n- `users.email`")


def test_queries_templates_and_seeds_outside_migration_folders_are_not_migrations(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("DATA_INVENTORY.md", NAMED)
    base = repo.commit("base")
    # A Jinja template: sqlglot cannot parse it (MIG301 before), and it is no migration.
    repo.write(
        "app/templates/report.sql",
        "SELECT * FROM users {% if active %}WHERE active{% endif %} LIMIT {{ n }};\n",
    )
    # Versioned-looking name, but a template outside any migrations folder.
    repo.write("reports/0001_monthly.sql", "DELETE FROM users WHERE id = {{ id }};\n")
    # A query with a bind parameter, and seed data.
    repo.write("app/queries/forget_user.sql", "DELETE FROM users WHERE id = $1;\n")
    repo.write("seeds/users.sql", "DELETE FROM users;\nINSERT INTO users (id) VALUES (1);\n")
    # A web framework's templates, even under a folder named like a schema folder and with
    # names that look like DDL: rendered by the application, never run as migrations.
    repo.write(
        "console/databases/schemas/templates/indexes/default/create.sql",
        "CREATE INDEX {{ index_name }} ON {{ table_name }} (id);\n",
    )
    repo.write("web/schemas/templates/tables/sql/default/delete.sql", "DROP TABLE users;\n")
    repo.write("db/schema/render.sql", "DROP TABLE {{ table }};\n")
    # In a migrations folder the same content is still read, and fails closed.
    repo.write("db/migrations/0002_templated.sql", "DROP TABLE {{ table }};\n")
    repo.commit("queries")
    _code, report, _err = run_json(repo, capsys, "check", "--base", base)
    assert findings(report) == [
        ("MIG301", "db/migrations/0002_templated.sql", "db/migrations/0002_templated.sql")
    ]
    assert report["changes"] == []


def test_other_sql_is_opted_in_with_sources_sql_migrations(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("DATA_INVENTORY.md", NAMED)
    repo.write(".inventory-lint.yaml", "sources:\n  sql_migrations: [seeds/*.sql]\n")
    base = repo.commit("base")
    repo.write("seeds/users.sql", "DELETE FROM users;\n")
    repo.write("scripts/0001_cleanup.sql", "DELETE FROM users;\n")
    repo.commit("seed")
    _code, report, _err = run_json(repo, capsys, "check", "--base", base)
    # Configured globs replace the defaults: the versioned name outside them is not read.
    assert findings(report) == [("MIG106", "users", "seeds/users.sql")]


def test_diesel_rebuild_in_a_later_folder_sees_the_columns_earlier_folders_built(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("DATA_INVENTORY.md", NAMED)
    repo.write("migrations/2021-03-15-163412_create_users/up.sql", CREATE_USERS)
    repo.write("migrations/2021-03-15-163412_create_users/down.sql", "DROP TABLE users;\n")
    # sqlx's flat layout, in its own folder: the same story.
    repo.write("sqlx/migrations/20210315163412_users.up.sql", CREATE_USERS)
    repo.write("sqlx/migrations/20210315163412_users.down.sql", "DROP TABLE users;\n")
    base = repo.commit("base")
    repo.write("migrations/2021-04-01-000000_slim_users/up.sql", REBUILD_WITHOUT_NAME)
    repo.write("migrations/2021-04-01-000000_slim_users/down.sql", "DROP TABLE users;\n")
    repo.write("sqlx/migrations/20210401000000_slim.up.sql", REBUILD_WITHOUT_NAME)
    repo.write("sqlx/migrations/20210401000000_slim.down.sql", "DROP TABLE users;\n")
    repo.commit("rebuild users without name")
    _code, report, _err = run_json(repo, capsys, "check", "--base", base)
    found = [(code, name, path) for code, name, path in findings(report) if code != "INV201"]
    diesel = "migrations/2021-04-01-000000_slim_users/up.sql"
    sqlx = "sqlx/migrations/20210401000000_slim.up.sql"
    assert sorted(found) == [
        ("MIG102", "users.name", diesel),
        ("MIG102", "users.name", sqlx),
        ("MIG105", "users", diesel),
        ("MIG105", "users", sqlx),
    ]


def test_diesel_folder_sorting_before_a_committed_one_is_mig205(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("DATA_INVENTORY.md", NAMED)
    repo.write("migrations/2021-03-15-163412_create_users/up.sql", CREATE_USERS)
    base = repo.commit("base")
    repo.write(
        "migrations/2021-01-01-000000_early/up.sql", "CREATE INDEX users_email ON users (email);\n"
    )
    repo.commit("early")
    _code, report, _err = run_json(repo, capsys, "check", "--base", base)
    (finding,) = [f for f in report["findings"] if f["code"] == "MIG205"]
    assert finding["path"] == "migrations/2021-01-01-000000_early/up.sql"
    assert finding["message"] == (
        "new migration 2021-01-01-000000_early/up.sql sorts before "
        "2021-03-15-163412_create_users/up.sql, which is already present at the base"
    )
