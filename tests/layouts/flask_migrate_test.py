"""Alembic revisions found without `script_location`: Flask-Migrate's layout, and any Python file
that reads as a revision (docs/usage.md "Alembic revisions")."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from layout_support import INVENTORY, findings, revision, run_json

if TYPE_CHECKING:
    from conftest import GitRepo

# What `flask db init` writes: no script_location (Flask-Migrate sets it at run time).
FLASK_INI = """\
# A generic, single database configuration.

[alembic]
# template used to generate migration files
# file_template = %%(rev)s_%%(slug)s

[loggers]
keys = root

[logger_root]
level = WARN
handlers =
"""
ENV_PY = "from alembic import context\n\n\ndef run_migrations_online():\n    pass\n"
CREATE_USERS = (
    'op.create_table("users", sa.Column("id", sa.Integer, primary_key=True), '
    'sa.Column("email", sa.String(120)))'
)


def flask_project(repo: GitRepo) -> str:
    repo.write("DATA_INVENTORY.md", INVENTORY)
    repo.write("migrations/alembic.ini", FLASK_INI)
    repo.write("migrations/env.py", ENV_PY)
    repo.write("migrations/versions/a1_initial.py", revision("a1", None, CREATE_USERS))
    return repo.commit("flask db init + first migration")


def test_flask_migrate_revision_dropping_a_column_is_found(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    base = flask_project(repo)
    repo.write(
        "migrations/versions/b2_drop_email.py",
        revision("b2", "a1", 'op.drop_column("users", "email")'),
    )
    repo.commit("drop users.email")
    code, report, err = run_json(repo, capsys, "check", "--base", base)
    assert code == 1
    assert ("MIG102", "users.email", "migrations/versions/b2_drop_email.py") in findings(report)
    assert "cannot locate" not in err


def test_flask_migrate_second_head_is_mig201(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    base = flask_project(repo)
    repo.write("migrations/versions/b2_one.py", revision("b2", "a1", "pass"))
    repo.write("migrations/versions/c3_two.py", revision("c3", "a1", "pass"))
    repo.commit("two branches")
    _code, report, _err = run_json(repo, capsys, "check", "--base", base)
    assert sorted(f[:2] for f in findings(report) if f[0] == "MIG201") == [
        ("MIG201", "b2"),
        ("MIG201", "c3"),
    ]


def test_revision_outside_any_versions_folder_is_read_by_its_content(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    """No alembic.ini at all: the changed file's folder joins the version directories, so the
    revision graph includes its committed siblings."""
    repo.write("DATA_INVENTORY.md", INVENTORY)
    repo.write("app/db_changes/r1_users.py", revision("r1", None, CREATE_USERS))
    base = repo.commit("base")
    repo.write(
        "app/db_changes/r2_invoices.py",
        revision("r2", "r1", 'op.create_table("invoices", sa.Column("id", sa.Integer))'),
    )
    repo.write("app/db_changes/r3_orphan.py", revision("r3", "nope", "pass"))
    repo.commit("more")
    _code, report, _err = run_json(repo, capsys, "check", "--base", base)
    found = findings(report)
    assert ("INV101", "invoices", "app/db_changes/r2_invoices.py") in found
    assert ("MIG203", "r3", "app/db_changes/r3_orphan.py") in found
    # r1 (committed before, unchanged) is in the graph: r2 is its child, not a revision whose
    # down_revision is unknown; r3's head is the broken link's doing (MIG203), not MIG201.
    assert sorted(f[1] for f in found if f[0] == "MIG203") == ["r3"]
    assert [f for f in found if f[0] == "MIG201"] == []


def test_ini_whose_revisions_cannot_be_located_is_said_on_stderr(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("DATA_INVENTORY.md", INVENTORY)
    base = repo.commit("base")
    repo.write("backend/alembic.ini", "[alembic]\nscript_location = nowhere\n")
    repo.commit("alembic.ini pointing nowhere")
    _code, _report, err = run_json(repo, capsys, "check", "--base", base)
    assert err.count("\n") == 1
    assert err.startswith(
        "selenite-inventory-lint: note: cannot locate the Alembic revisions of backend/alembic.ini"
    )


def test_python_that_only_mentions_the_names_is_not_a_revision() -> None:
    from selenite_inventory_lint.pipeline.history import is_revision

    nested = (
        b"class Plan:\n    revision = 1\n    down_revision = 0\n\n    def upgrade(self):\n"
        b"        pass\n"
    )
    no_upgrade = b'revision = "a"\ndown_revision = None\n\n\ndef downgrade():\n    pass\n'
    assert not is_revision(nested)
    assert not is_revision(no_upgrade)
    assert is_revision(revision("a", None, "pass").encode())
    annotated = b'revision: str = "a"\ndown_revision: str | None = None\n\ndef upgrade() -> None:\n'
    assert is_revision(annotated + b"    pass\n")
    # A revision Python cannot parse still goes to the detector, which reports MIG301.
    assert is_revision(annotated + b"    op.drop_table(\n")


def test_the_sniff_never_parses(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sniff runs on every changed Python file: it reads lines, never ``ast.parse``."""
    import ast

    from selenite_inventory_lint.pipeline.history import is_revision

    parsed: list[bytes] = []
    real_parse = ast.parse

    def counting_parse(source: bytes, *args: object, **kwargs: object) -> ast.Module:
        parsed.append(source)
        return real_parse(source)

    monkeypatch.setattr(ast, "parse", counting_parse)
    ordinary = [b"import os\n", b"revision = 1\n", b"def upgrade():\n    down_revision = 2\n"]
    assert not any(is_revision(data) for data in ordinary)
    assert is_revision(revision("a", None, "pass").encode())
    assert parsed == []
