"""SQL that cannot be read does not pass (docs/usage.md): each statement ends where the
database ends it, a statement that cannot be bounded is MIG301 for the rest of the file, and
statements that overwrite rows are MIG106 however they are spelt. Real repositories, real CLI.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from selenite_inventory_lint.cli import main

if TYPE_CHECKING:
    from conftest import GitRepo

INVENTORY = """\
# Data inventory

## Database
- `users`: accounts.
- `t`, `a`, `b`: bookkeeping.
"""
MIGRATION = "db/migrations/0002_change.sql"


def _check(repo: GitRepo, sql: str | bytes, dialect: str = "sqlite") -> int:
    repo.write("DATA_INVENTORY.md", INVENTORY)
    repo.write(".inventory-lint.yaml", f"dialect: {dialect}\n")
    repo.write("db/migrations/0001_init.sql", "CREATE TABLE IF NOT EXISTS users (id INTEGER);\n")
    repo.commit("base")
    repo.write(MIGRATION, sql)
    repo.commit("change")
    return main(["check", "--repo", str(repo.path), "--base", "HEAD~1", "--format", "json"])


def _findings(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], sql: str | bytes, dialect: str = "sqlite"
) -> tuple[int, list[tuple[str, int, str]]]:
    code = _check(repo, sql, dialect)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    report = json.loads(out)
    found = [(f["code"], f["line"], f["object"]["name"]) for f in report["findings"]]
    return code, found


# --- the splitter ends each statement where the database does ------------------------------

HIDDEN_DROP = [
    pytest.param(
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n"
        "  UPDATE t SET begin = 1, end = 2 WHERE new.begin > 0;\n"
        "END;\n"
        "DROP TABLE users;\n",
        "sqlite",
        4,
        id="trigger-body-with-begin-and-end-as-columns",
    ),
    pytest.param(
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n"
        "  SELECT CASE WHEN new.id > 0 THEN 1 ELSE 0 END;\n"
        "  SELECT end FROM t;\n"
        "END;\n"
        "DROP TABLE users;\n",
        "sqlite",
        5,
        id="trigger-body-with-case-end-and-an-end-column",
    ),
    pytest.param(
        "CREATE RULE r AS ON INSERT TO t DO ALSO (DELETE FROM a; DELETE FROM b);\n"
        "DROP TABLE users;\n",
        "postgres",
        2,
        id="rule-with-a-parenthesised-action",
    ),
    pytest.param(
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; DELETE FROM a; END;\n"
        "DROP TABLE users;\n",
        "postgres",
        2,
        id="function-with-begin-atomic-body",
    ),
    pytest.param(
        "CREATE FUNCTION f() RETURNS int AS $fn$ SELECT 1; $fn$ LANGUAGE sql;\n"
        "CREATE FUNCTION g() RETURNS int AS $$ SELECT ';'; $$ LANGUAGE sql;\n"
        "DROP TABLE users;\n",
        "postgres",
        3,
        id="tagged-and-untagged-dollar-quotes",
    ),
]


@pytest.mark.parametrize(("sql", "dialect", "line"), HIDDEN_DROP)
def test_a_statement_after_a_body_is_seen_and_nothing_else_is_reported(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], sql: str, dialect: str, line: int
) -> None:
    code, found = _findings(repo, capsys, sql, dialect)
    # The drop after the body, and only it: no fragment of the body became a statement.
    assert [f for f in found if f[0] != "INV201"] == [("MIG101", line, "users")]
    assert code == 1


UNBOUNDED = [
    pytest.param(
        "DROP TABLE a;\nCREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  DELETE FROM b;\n"
        "DROP TABLE users;\n",
        "sqlite",
        "a BEGIN … END body opened at line 2",
        id="trigger-body-without-end",
    ),
    pytest.param(
        "DROP TABLE a;\nSELECT $$ x;\nDROP TABLE users;\n",
        "sqlite",
        "a dollar-quoted body opened at line 2",
        id="unterminated-untagged-dollar-quote",
    ),
    pytest.param(
        "DROP TABLE a;\nCREATE FUNCTION f() RETURNS int AS $body$ SELECT 1;\nDROP TABLE users;\n",
        "postgres",
        "a dollar-quoted body opened at line 2",
        id="unterminated-tagged-dollar-quote",
    ),
    pytest.param(
        "DROP TABLE a;\nCREATE RULE r AS ON DELETE TO t DO INSTEAD (DELETE FROM b;\n"
        "DROP TABLE users;\n",
        "postgres",
        "a parenthesised rule action opened at line 2",
        id="rule-action-never-closed",
    ),
    pytest.param(
        "DROP TABLE a;\nUPDATE t SET x = [y;\nDROP TABLE users;\n",
        "sqlite",
        "a quoted string or name opened at line 2",
        id="unterminated-bracket-identifier",
    ),
]


@pytest.mark.parametrize(("sql", "dialect", "why"), UNBOUNDED)
def test_a_statement_that_cannot_be_bounded_is_mig301_for_the_rest_of_the_file(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], sql: str, dialect: str, why: str
) -> None:
    code = _check(repo, sql, dialect)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    report = json.loads(out)
    found = [(f["code"], f["line"]) for f in report["findings"] if f["code"] != "INV201"]
    # The statement before is analysed; from the unbounded one on, one MIG301 and nothing
    # merged silently into a statement that passes.
    assert found == [("MIG101", 1), ("MIG301", 2)]
    mig301 = next(f for f in report["findings"] if f["code"] == "MIG301")
    assert why in mig301["message"]
    assert "the rest of the text is not analysed" in mig301["message"]
    assert code >= 1


def test_a_do_block_is_mig301(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    sql = "DO $$ BEGIN DELETE FROM users; END $$;\n"
    _, found = _findings(repo, capsys, sql, "postgres")
    assert found == [("MIG301", 1, MIGRATION)]


# --- statements that overwrite rows -------------------------------------------------------

OVERWRITES = [
    ("REPLACE INTO users SELECT * FROM users;", "sqlite"),
    ("INSERT OR REPLACE INTO users (id) VALUES (1);", "sqlite"),
    (
        "INSERT INTO users (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET id = excluded.id;",
        "sqlite",
    ),
    ("INSERT INTO users (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET id = 2;", "postgres"),
    ("INSERT INTO users (id) VALUES (1) ON DUPLICATE KEY UPDATE id = 2;", "mysql"),
    ("REPLACE INTO users (id) VALUES (1);", "mysql"),
    # NULL = NULL is not true: `x = x` skips the rows where x is NULL, so it restricts, but
    # what it keeps is still overwritten.
    ("UPDATE users SET id = 0 WHERE id = id;", "sqlite"),
    ("UPDATE users SET id = 0 WHERE 1 = 0 OR id = 3;", "sqlite"),
]
TAUTOLOGIES = [
    ("UPDATE users SET id = 0 WHERE 1=1;", "sqlite"),
    ("UPDATE users SET id = 0 WHERE TRUE;", "sqlite"),
    ("UPDATE users SET id = 0 WHERE 1;", "sqlite"),
    ("UPDATE users SET id = 0 WHERE 'a' = 'a';", "sqlite"),
    ("UPDATE users SET id = 0 WHERE NOT 0;", "sqlite"),
    ("UPDATE users SET id = 0 WHERE (1 = 1) AND 2 > 1;", "sqlite"),
    ("UPDATE users SET id = 0 WHERE id IS id;", "sqlite"),
    ("UPDATE users SET id = 0 WHERE id > 5 OR 2 > 1;", "sqlite"),
]


@pytest.mark.parametrize(("sql", "dialect"), OVERWRITES)
def test_statements_that_overwrite_existing_rows_are_mig110(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], sql: str, dialect: str
) -> None:
    code, found = _findings(repo, capsys, "SELECT 1;\n" + sql + "\n", dialect)
    assert found == [("MIG110", 2, "users")]
    assert code == 1


@pytest.mark.parametrize(("sql", "dialect"), TAUTOLOGIES)
def test_an_update_whose_where_always_holds_is_mig106(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], sql: str, dialect: str
) -> None:
    code, found = _findings(repo, capsys, "SELECT 1;\n" + sql + "\n", dialect)
    assert found == [("MIG106", 2, "users")]
    assert code == 1


def test_inserts_that_keep_rows_and_updates_of_nulls_pass(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    sql = (
        "INSERT OR IGNORE INTO users (id) VALUES (1);\n"
        "INSERT INTO users (id) VALUES (2) ON CONFLICT DO NOTHING;\n"
        "UPDATE users SET id = 0 WHERE id IS NULL;\n"
        "INSERT OR REPLACE INTO users (id) VALUES (4);\n"
    )
    code, found = _findings(repo, capsys, sql)
    assert found == [("MIG110", 4, "users")]
    assert code == 1


def test_an_overwrite_is_covered_by_a_plan_naming_replace_rows(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(
        "docs/data-plans/DP-2026-007.md",
        "---\nid: DP-2026-007\n"
        f"migrations: [{MIGRATION}]\n"
        "operations: [replace_rows users]\n"
        "approved_by: [lead@example.com]\napproved_on: 2026-02-01\n"
        "backup: storage/backups/2026-02-01/\nrollback: restore the backup\n---\n",
    )
    _check(repo, "INSERT OR REPLACE INTO users (id) VALUES (1);\n")
    report = json.loads(capsys.readouterr().out)
    [finding] = report["findings"]
    assert finding["code"] == "MIG110"
    assert finding["covered_by_plan"] is not None


# --- sqlite_master and unreadable files ---------------------------------------------------


@pytest.mark.parametrize("setting", ["1", "ON", "true", "'yes'"])
def test_pragma_writable_schema_is_mig301(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], setting: str
) -> None:
    sql = (
        f"PRAGMA main.writable_schema = {setting};\n"
        "UPDATE sqlite_master SET sql = 'CREATE TABLE users (id TEXT)' WHERE name = 'users';\n"
        "PRAGMA writable_schema = 0;\n"
    )
    _, found = _findings(repo, capsys, sql)
    # The UPDATE rewrites a stored value besides: MIG110 too.
    assert found == [("MIG301", 1, MIGRATION), ("MIG110", 2, "sqlite_master")]


def test_nul_bytes_past_the_binary_sniff_are_mig301(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    # The first 8000 bytes are clean text, so the file is not "binary"; the database still
    # stops at (or refuses) the NUL.
    data = b"-- " + b"padding " * 1200 + b"\nSELECT 1;\n-- \0\0\0\n"
    _, found = _findings(repo, capsys, data)
    assert found == [("MIG301", 1, MIGRATION)]
