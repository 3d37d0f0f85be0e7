"""`init` on a repository whose schema lives only in migrations: the first inventory lists what
the migrations create (docs/usage.md "init")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_migrate_test import FLASK_INI
from layout_support import revision

from selenite_inventory_lint.cli import main

if TYPE_CHECKING:
    import pytest
    from conftest import GitRepo


def test_init_lists_what_flask_migrate_revisions_and_sql_migrations_create(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("migrations/alembic.ini", FLASK_INI)
    repo.write(
        "migrations/versions/a1_users.py",
        revision("a1", None, 'op.create_table("users", sa.Column("id", sa.Integer))'),
    )
    repo.write(
        "migrations/versions/b2_phone.py",
        revision("b2", "a1", 'op.add_column("users", sa.Column("phone", sa.String(20)))'),
    )
    repo.write(
        "db/migrations/2021-03-15-163412_invoices/up.sql",
        "CREATE TABLE invoices (id INTEGER PRIMARY KEY, total INTEGER);\n",
    )
    repo.write("db/migrations/2021-03-15-163412_invoices/down.sql", "DROP TABLE invoices;\n")
    repo.commit("schema only in migrations")
    assert main(["init", "--repo", str(repo.path)]) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "Wrote DATA_INVENTORY.md (2 tables, 1 column)" in err
    text = repo.read("DATA_INVENTORY.md").decode()
    schema = text.split("## Database", 1)[1].split("\n## ", 1)[0]
    entries = [line for line in schema.splitlines() if line.startswith("- ")]
    assert entries == [
        "- `invoices`: TODO: describe",
        "- `users`: TODO: describe",
        "- `users.phone`: TODO: describe",
    ]
