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


def test_init_leaves_idempotence_to_the_team(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    """MIG107 is a policy (docs/configuration.md): a first inventory does not ask for existence
    guards, so an ordinary unguarded revision after `init` gives no MIG107 until the team
    writes "idempotent" into its Invariants."""
    import json

    repo.write("migrations/alembic.ini", FLASK_INI)
    repo.write(
        "migrations/versions/a1_users.py",
        revision("a1", None, 'op.create_table("users", sa.Column("id", sa.Integer))'),
    )
    repo.commit("schema")
    assert main(["init", "--repo", str(repo.path)]) == 0
    text = repo.read("DATA_INVENTORY.md").decode().replace("TODO: describe", "user accounts")
    repo.write("DATA_INVENTORY.md", text)
    base = repo.commit("adopt the inventory")
    repo.write(
        "migrations/versions/b2_notes.py",
        revision("b2", "a1", 'op.add_column("users", sa.Column("note", sa.Text()))'),
    )
    repo.write(
        "DATA_INVENTORY.md",
        text.replace("## Storage Paths", "- `users.note` (a memo)\n\n## Storage Paths"),
    )
    repo.commit("a column")
    capsys.readouterr()
    main(["check", "--repo", str(repo.path), "--base", base, "--format", "json"])
    codes = [f["code"] for f in json.loads(capsys.readouterr().out)["findings"]]
    assert "MIG107" not in codes
    repo.write(
        "DATA_INVENTORY.md",
        text.replace("must be additive unless", "must be additive/idempotent unless"),
    )
    base = repo.commit("the team asks for idempotent migrations")
    repo.write(
        "migrations/versions/c3_tags.py",
        revision("c3", "b2", 'op.create_table("tags", sa.Column("id", sa.Integer))'),
    )
    repo.commit("a table")
    main(["check", "--repo", str(repo.path), "--base", base, "--format", "json"])
    codes = [f["code"] for f in json.loads(capsys.readouterr().out)["findings"]]
    assert "MIG107" in codes
