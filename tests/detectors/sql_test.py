"""SQL detector (docs/usage.md): every statement kind in each dialect, positions, hostile input."""

from __future__ import annotations

import importlib
import io
import json
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from selenite_inventory_lint.cli import main
from selenite_inventory_lint.config import Config
from selenite_inventory_lint.detectors import DetectContext
from selenite_inventory_lint.detectors.sql import (
    DETECTOR,
    analyze_sql,
    parse,
    replay,
    role,
    split,
    statement_lines,
)
from selenite_inventory_lint.model import Change, DetectorResult, FileChange

if TYPE_CHECKING:
    from conftest import GitRepo

PATH = "db/migrations/0002_change.sql"


def _analyze(sql: str, dialect: str = "sqlite") -> DetectorResult:
    return analyze_sql(
        sql,
        path=PATH,
        line=1,
        dialect=dialect,
        migration=PATH,
        source="sql",
        guarded=False,
        guard=None,
        sequence=0,
    )


def _summary(change: Change) -> tuple[Any, ...]:
    return (change.operation, change.kind, change.name, change.action)


# (sql, expected (operation, kind, name, action) records, extra fields of the first record)
SQLITE_KINDS = [
    (
        "CREATE TABLE invoices (id INTEGER PRIMARY KEY, number TEXT NOT NULL)",
        [
            ("create_table", "table", "invoices", "added"),
            ("create_table", "column", "invoices.id", "added"),
            ("create_table", "column", "invoices.number", "added"),
        ],
        {"guarded": False},
    ),
    (
        "CREATE TABLE IF NOT EXISTS invoices (id INTEGER)",
        [
            ("create_table", "table", "invoices", "added"),
            ("create_table", "column", "invoices.id", "added"),
        ],
        {"guarded": True},
    ),
    (
        "ALTER TABLE users ADD COLUMN phone VARCHAR(32) NOT NULL DEFAULT ''",
        [("add_column", "column", "users.phone", "added")],
        {"type": "VARCHAR(32)", "nullable": False, "has_default": True},
    ),
    (
        "ALTER TABLE users DROP COLUMN legacy_flag",
        [("drop_column", "column", "users.legacy_flag", "dropped")],
        {},
    ),
    (
        "ALTER TABLE users RENAME COLUMN email TO login_email",
        [("rename_column", "column", "users.login_email", "renamed")],
        {"old_name": "users.email"},
    ),
    (
        "ALTER TABLE transcripts RENAME TO transcript_exports",
        [("rename_table", "table", "transcript_exports", "renamed")],
        {"old_name": "transcripts"},
    ),
    (
        "CREATE UNIQUE INDEX IF NOT EXISTS ux_users_email ON users (email)",
        [("create_index", "index", "ux_users_email", "added")],
        {"unique": True, "table": "users", "columns": ("email",), "guarded": True},
    ),
    (
        "DROP INDEX IF EXISTS ix_jobs_status",
        [("drop_index", "index", "ix_jobs_status", "dropped")],
        {"guarded": True},
    ),
    (
        "DROP TABLE feedback_attachments",
        [("drop_table", "table", "feedback_attachments", "dropped")],
        {},
    ),
    (
        "DELETE FROM audit_logs",
        [("delete_rows", "table", "audit_logs", "altered")],
        {"where": False},
    ),
    (
        "DELETE FROM audit_logs WHERE created_at < '2020-01-01'",
        [("delete_rows", "table", "audit_logs", "altered")],
        {"where": True},
    ),
    (
        "UPDATE users SET is_admin = 0, tier = 'free'",
        [("update_rows", "table", "users", "altered")],
        {"where": False, "columns": ("is_admin", "tier")},
    ),
    (
        "UPDATE users SET is_admin = 1 WHERE id = 1",
        [("update_rows", "table", "users", "altered")],
        {"where": True, "columns": ("is_admin",)},
    ),
    ("TRUNCATE TABLE audit_logs", [("truncate", "table", "audit_logs", "altered")], {}),
    (
        "INSERT INTO archive (id, body) SELECT id, body FROM jobs",
        [("insert_select", "table", "archive", "altered")],
        {"columns": ("id", "body")},
    ),
    ("PRAGMA foreign_keys = OFF", [], {}),
    ("INSERT INTO settings (key, value) VALUES ('a', 'b')", [], {}),
    ("CREATE TEMP TABLE scratch (id INTEGER)", [], {}),
    (
        'CREATE TABLE "Mixed" ("Case" INTEGER)',
        [
            ("create_table", "table", "Mixed", "added"),
            ("create_table", "column", "Mixed.Case", "added"),
        ],
        {},
    ),
    ("ALTER TABLE Users ADD Phone TEXT", [("add_column", "column", "users.phone", "added")], {}),
]


@pytest.mark.parametrize(("sql", "expected", "extra"), SQLITE_KINDS, ids=lambda v: str(v)[:40])
def test_statement_kinds_in_sqlite(
    sql: str, expected: list[tuple[str, ...]], extra: dict[str, Any]
) -> None:
    result = _analyze(sql + ";")
    assert result.problems == ()
    assert [_summary(c) for c in result.changes] == expected
    for name, value in extra.items():
        assert getattr(result.changes[0], name) == value


# The destructive kinds, spelled the way each dialect spells them.
DESTRUCTIVE = [
    (
        "postgres",
        "DROP TABLE IF EXISTS audit_logs, tags CASCADE",
        [
            ("drop_table", "table", "audit_logs", "dropped"),
            ("drop_table", "table", "tags", "dropped"),
        ],
    ),
    ("mysql", "DROP TABLE `audit_logs`", [("drop_table", "table", "audit_logs", "dropped")]),
    (
        "postgres",
        "ALTER TABLE IF EXISTS users DROP COLUMN IF EXISTS legacy_flag",
        [
            ("drop_column", "column", "users.legacy_flag", "dropped"),
        ],
    ),
    (
        "mysql",
        "ALTER TABLE users DROP COLUMN legacy_flag",
        [
            ("drop_column", "column", "users.legacy_flag", "dropped"),
        ],
    ),
    (
        "postgres",
        "ALTER TABLE users RENAME COLUMN email TO login_email",
        [
            ("rename_column", "column", "users.login_email", "renamed"),
        ],
    ),
    (
        "mysql",
        "ALTER TABLE users CHANGE COLUMN email login_email VARCHAR(255) NOT NULL",
        [
            ("rename_column", "column", "users.login_email", "renamed"),
            ("alter_column", "column", "users.login_email", "altered"),
        ],
    ),
    (
        "postgres",
        "ALTER TABLE transcripts RENAME TO transcript_exports",
        [
            ("rename_table", "table", "transcript_exports", "renamed"),
        ],
    ),
    (
        "mysql",
        "RENAME TABLE transcripts TO transcript_exports, tags TO labels",
        [
            ("rename_table", "table", "transcript_exports", "renamed"),
            ("rename_table", "table", "labels", "renamed"),
        ],
    ),
    (
        "postgres",
        "ALTER TABLE jobs ALTER COLUMN progress TYPE INTEGER USING progress::integer",
        [
            ("alter_column", "column", "jobs.progress", "altered"),
        ],
    ),
    (
        "postgres",
        "ALTER TABLE users ALTER COLUMN email SET NOT NULL",
        [
            ("alter_column", "column", "users.email", "altered"),
        ],
    ),
    (
        "mysql",
        "ALTER TABLE jobs MODIFY COLUMN progress INT NOT NULL",
        [
            ("alter_column", "column", "jobs.progress", "altered"),
        ],
    ),
    ("postgres", "DELETE FROM audit_logs", [("delete_rows", "table", "audit_logs", "altered")]),
    ("mysql", "DELETE FROM audit_logs", [("delete_rows", "table", "audit_logs", "altered")]),
    (
        "postgres",
        "UPDATE users SET is_admin = false",
        [("update_rows", "table", "users", "altered")],
    ),
    ("mysql", "UPDATE users SET is_admin = 0", [("update_rows", "table", "users", "altered")]),
    (
        "postgres",
        "TRUNCATE audit_logs, tags",
        [
            ("truncate", "table", "audit_logs", "altered"),
            ("truncate", "table", "tags", "altered"),
        ],
    ),
    ("mysql", "TRUNCATE TABLE audit_logs", [("truncate", "table", "audit_logs", "altered")]),
    (
        "postgres",
        "DROP INDEX CONCURRENTLY IF EXISTS ix_jobs_status",
        [
            ("drop_index", "index", "ix_jobs_status", "dropped"),
        ],
    ),
    (
        "mysql",
        "DROP INDEX ix_jobs_status ON jobs",
        [("drop_index", "index", "ix_jobs_status", "dropped")],
    ),
    (
        "postgres",
        "CREATE UNIQUE INDEX CONCURRENTLY ux_users_email ON users (email)",
        [
            ("create_index", "index", "ux_users_email", "added"),
        ],
    ),
    (
        "mysql",
        "ALTER TABLE users ADD UNIQUE INDEX ux_users_email (email)",
        [
            ("create_unique_constraint", "index", "ux_users_email", "added"),
        ],
    ),
    (
        "postgres",
        "INSERT INTO archive SELECT * FROM jobs",
        [("insert_select", "table", "archive", "altered")],
    ),
    (
        "mysql",
        "INSERT INTO archive SELECT * FROM jobs",
        [("insert_select", "table", "archive", "altered")],
    ),
    (
        "postgres",
        "ALTER TABLE users ADD COLUMN IF NOT EXISTS phone TEXT NOT NULL",
        [
            ("add_column", "column", "users.phone", "added"),
        ],
    ),
]


@pytest.mark.parametrize(("dialect", "sql", "expected"), DESTRUCTIVE, ids=lambda v: str(v)[:40])
def test_destructive_kinds_in_postgres_and_mysql(
    dialect: str, sql: str, expected: list[tuple[str, ...]]
) -> None:
    result = _analyze(sql + ";", dialect)
    assert result.problems == ()
    assert [_summary(c) for c in result.changes] == expected


def test_type_and_nullability_of_alter_column() -> None:
    pg = _analyze("ALTER TABLE jobs ALTER COLUMN progress TYPE BIGINT;", "postgres").changes[0]
    assert (pg.type, pg.nullable, pg.has_default) == ("BIGINT", None, None)
    relax = _analyze("ALTER TABLE jobs ALTER COLUMN progress DROP NOT NULL;", "postgres").changes
    assert relax[0].nullable is True
    default = _analyze("ALTER TABLE jobs ALTER COLUMN progress SET DEFAULT 0;", "postgres")
    assert default.changes[0].has_default is True
    dropped = _analyze("ALTER TABLE jobs ALTER COLUMN progress DROP DEFAULT;", "postgres")
    assert dropped.changes[0].has_default is False


def test_lines_and_columns_of_each_statement() -> None:
    sql = (
        "\ufeff-- header; with a semicolon\r\n"
        "PRAGMA foreign_keys=OFF;\r\n"
        "UPDATE users SET note = 'a;b' WHERE id = 1;  DELETE FROM audit_logs;\r\n"
        "/* block ; comment */\r\n"
        "CREATE TABLE invoices (\r\n"
        "  id INTEGER PRIMARY KEY,\r\n"
        "  number TEXT NOT NULL\r\n"
        ");\r\n"
        "CREATE TRIGGER t AFTER INSERT ON invoices BEGIN\r\n"
        "  UPDATE invoices SET number = 'x'; DELETE FROM users;\r\n"
        "END;\r\n"
        "DROP TABLE tags"
    )
    found = [(c.name, c.line, c.column) for c in _analyze(sql).changes]
    assert found == [
        ("users", 3, 1),
        ("audit_logs", 3, 46),
        ("invoices", 5, 1),
        ("invoices.id", 6, 1),
        ("invoices.number", 7, 1),
        ("tags", 12, 1),
    ]


def test_statement_lines_for_suppressions() -> None:
    text = "-- c\nALTER TABLE users\n  DROP COLUMN a;\n\nDELETE FROM t; DELETE FROM u;\n"
    assert statement_lines(text) == [(2, 3), (5, 5), (5, 5)]


def test_dollar_quoted_bodies_and_mysql_escapes_do_not_split() -> None:
    pg = "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;\nDROP TABLE t;"
    assert len(split(pg, "postgres")) == 2
    my = "UPDATE t SET a = 'it\\'s; fine' WHERE id = 1;\nDROP TABLE t;"
    assert len(split(my, "mysql")) == 2


def test_unparseable_statement_is_mig301_and_the_rest_is_analysed() -> None:
    sql = (
        "DROP TABLE a;\nCREATE TABLE (;\nSELEC broken;\n"
        "ALTER TABLE t FROBNICATE x;\nDROP TABLE b;\n"
    )
    result = _analyze(sql)
    assert [c.name for c in result.changes] == ["a", "b"]
    assert [(p.code, p.line) for p in result.problems] == [
        ("MIG301", 2),
        ("MIG301", 3),
        ("MIG301", 4),
    ]
    assert all(p.message.startswith("cannot analyze SQL statement") for p in result.problems)


def test_statements_that_change_nothing_are_not_problems() -> None:
    sql = (
        "BEGIN TRANSACTION; SAVEPOINT a; RELEASE a; VACUUM; ANALYZE; REINDEX t;"
        " CREATE VIEW v AS SELECT 1; SELECT 1; END TRANSACTION; COMMIT;"
    )
    assert _analyze(sql) == DetectorResult()


def test_deeply_nested_expression_is_mig301_quickly() -> None:
    deep = "UPDATE t SET a = " + "(" * 5000 + "1" + ")" * 5000 + ";\nDROP TABLE t;"
    started = time.process_time()
    result = _analyze(deep)
    assert time.process_time() - started < 10
    assert [(p.line, "nested too deeply" in p.message) for p in result.problems] == [(1, True)]
    assert [c.name for c in result.changes] == ["t"]


def test_unterminated_string_is_mig301() -> None:
    result = _analyze("DROP TABLE a;\nUPDATE t SET a = 'oops;\n")
    assert [c.name for c in result.changes] == ["a"]
    assert [p.line for p in result.problems] == [2]


def test_embedded_sql_reports_the_call_line() -> None:
    result = analyze_sql(
        "DELETE FROM a;\nDELETE FROM b",
        path="backend/alembic/versions/x.py",
        line=10,
        dialect="sqlite",
        migration="abc",
        source="alembic",
        guarded=True,
        guard=9,
        sequence=3,
    )
    assert [(c.line, c.column, c.source, c.guard, c.sequence) for c in result.changes] == [
        (10, 1, "alembic", 9, 3),
        (11, 1, "alembic", 9, 3),
    ]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("db/migrations/0001_init.sql", "migration"),
        ("db/migrations/0001_init.down.sql", "rollback"),
        ("db/migrations/0001_init_down.sql", "rollback"),
        ("db/down.sql", "rollback"),
        ("db/down/0001.sql", "rollback"),
        ("db/schema.sql", "snapshot"),
        ("db/app.schema.sql", "snapshot"),
        ("db/schema_2026.sql", "snapshot"),
        ("db/prod_schema.sql", "snapshot"),
        ("db/snapshots/pre.sql", "snapshot"),
        ("db/notes.txt", None),
    ],
)
def test_role_of_a_sql_path(path: str, expected: str | None) -> None:
    assert role(path, DetectContext(config=Config())) == expected


def _file(text: str | None, *, old: str | None = None, **flags: Any) -> FileChange:
    status = flags.pop("status", "added" if old is None else "modified")
    return FileChange(
        status=status,
        path=PATH,
        old_path=PATH if old is not None else None,
        old_text=old,
        new_text=text,
        loaded=True,
        **flags,
    )


CTX = DetectContext(config=Config())


@pytest.mark.parametrize(
    ("flags", "why"),
    [
        ({"binary": True}, "it is a binary file"),
        ({"too_large": True}, "it is larger than max_file_bytes"),
    ],
)
def test_binary_or_oversized_file_is_mig301(flags: dict[str, Any], why: str) -> None:
    result = DETECTOR.detect(_file(None, **flags), CTX)
    assert [(p.code, p.line, p.message) for p in result.problems] == [
        ("MIG301", 1, f"cannot analyze SQL migration: {why}")
    ]


def test_undecodable_file_is_mig301_and_still_read() -> None:
    result = DETECTOR.detect(_file("DROP TABLE t;", undecodable=True), CTX)
    assert [c.name for c in result.changes] == ["t"]
    assert "not valid UTF-8" in result.problems[0].message


def test_modified_migration_contributes_new_statements_and_is_an_edit() -> None:
    old = "CREATE TABLE t (id INTEGER);\n"
    new = "-- reformatted\ncreate table t (\n  id integer\n);\nDROP TABLE u;\n"
    result = DETECTOR.detect(_file(new, old=old), CTX)
    assert [c.name for c in result.changes] == ["u"]
    assert result.edited is True
    same = DETECTOR.detect(_file("-- only a comment\n" + old, old=old), CTX)
    assert (same.changes, same.edited) == ((), False)


def test_deleted_migration_is_an_edit() -> None:
    assert DETECTOR.detect(_file(None, status="deleted"), CTX).edited is True


def test_replay_builds_the_schema() -> None:
    sql = (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);\n"
        "ALTER TABLE t ADD COLUMN b INT NOT NULL DEFAULT 0;\n"
        "ALTER TABLE t RENAME COLUMN a TO c;\n"
        "ALTER TABLE t RENAME TO u;\n"
        "CREATE UNIQUE INDEX ux ON u (c);\n"
        "CREATE TABLE gone (id INTEGER);\nDROP TABLE gone;\n"
    )
    schema = replay(parse(sql, path=PATH))
    assert list(schema.tables) == ["u"]
    assert [(c.name, c.type, c.nullable) for c in schema.tables["u"].ordered()] == [
        ("id", "INT", False),
        ("c", "TEXT", True),
        ("b", "INT", False),
    ]
    assert schema.indexes["ux"].table == "u"


# --- whole files in a real repository, through the CLI ------------------------------------

REFERENCE = Path(__file__).parents[1] / "inventory" / "fixtures" / "reference.md"


def _check_json(repo: GitRepo) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    err = io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["check", "--repo", str(repo.path), "--base", "HEAD~1", "--format", "json"])
    assert "Traceback" not in err.getvalue()
    return code, json.loads(out.getvalue())


@pytest.fixture
def project(repo: GitRepo) -> GitRepo:
    repo.write("DATA_INVENTORY.md", REFERENCE.read_text(encoding="utf-8"))
    repo.write("db/migrations/0001_init.sql", "CREATE TABLE IF NOT EXISTS users (id INTEGER);\n")
    repo.commit("base")
    return repo


def test_ten_megabyte_sql_file_is_mig301(project: GitRepo) -> None:
    statement = "UPDATE users SET id = id WHERE id = 1;\n"
    project.write("db/migrations/0002_big.sql", statement * (10 * 1024 * 1024 // len(statement)))
    project.commit("big")
    code, report = _check_json(project)
    assert [(f["code"], f["message"]) for f in report["findings"]] == [
        ("MIG301", "cannot analyze SQL migration: it is larger than max_file_bytes")
    ]
    assert code == 1  # MIG301 is an error


def test_binary_file_named_sql_is_mig301(project: GitRepo) -> None:
    project.write("db/migrations/0002_blob.sql", bytes(range(256)) * 64)
    project.commit("binary")
    code, report = _check_json(project)
    assert [(f["code"], f["path"]) for f in report["findings"]] == [
        ("MIG301", "db/migrations/0002_blob.sql")
    ]
    assert code == 1  # MIG301 is an error


def test_two_thousand_statements_are_analysed(project: GitRepo) -> None:
    lines = []
    for i in range(500):
        lines += [
            f"ALTER TABLE users ADD COLUMN c{i} TEXT DEFAULT 'padding padding padding';",
            f"UPDATE users SET c{i} = 'value number {i}, padded' WHERE id > {i};",
            f"CREATE INDEX IF NOT EXISTS ix_users_c{i} ON users (c{i}, id);",
            f"-- step {i}: a comment\nDELETE FROM users WHERE id = {i} AND c{i} IS NULL;",
        ]
    text = "\n".join(lines) + "\n"
    assert 100_000 < len(text.encode()) < 300_000
    # The configuration is the base's (a range never sets its own rules).
    project.write(
        ".inventory-lint.yaml", "column_policy: table\nmax_file_bytes: 1000000\nselect: [MIG106]\n"
    )
    project.commit("configuration")
    project.write("db/migrations/0002_many.sql", text)
    project.commit("many")
    started = time.process_time()  # CPU seconds: a loaded machine does not inflate them
    code, report = _check_json(project)
    assert time.process_time() - started < 60
    assert len(report["changes"]) == 2000
    assert len(report["findings"]) == 500  # one MIG106 per DELETE
    assert code == 1


def test_sql_suppression_covers_the_whole_statement(project: GitRepo) -> None:
    project.write(
        "db/migrations/0002_drop.sql",
        "-- inventory-lint: ignore[MIG106] test fixtures only, see runbook\n"
        "DELETE FROM users\n  WHERE id > 1000;\n"
        "ALTER TABLE users\n  DROP COLUMN legacy; -- inventory-lint: ignore[MIG102]\n"
        "TRUNCATE TABLE audit_logs; -- inventory-lint: ignore[MIG999] typo\n",
    )
    project.commit("suppressions")
    code, report = _check_json(project)
    found = [(f["code"], f["line"]) for f in report["findings"]]
    assert found == [("MIG102", 4), ("SUP101", 5), ("MIG106", 6), ("SUP101", 6)]
    assert code == 1


@pytest.mark.parametrize(
    "call",
    [
        'op.execute("DROP TABLE audit_logs")',
        'op.execute(sa.text("DROP TABLE audit_logs"))',
        'op.get_bind().execute(sa.text("DROP TABLE audit_logs"))',
    ],
)
def test_literal_sql_in_alembic_reaches_the_sql_detector(project: GitRepo, call: str) -> None:
    project.write(
        "backend/alembic/versions/0002_drop.py",
        "from alembic import op\nimport sqlalchemy as sa\n\n"
        'revision = "0002"\ndown_revision = None\n\n\n'
        f"def upgrade():\n    {call}\n",
    )
    project.commit("drop through execute")
    code, report = _check_json(project)
    assert [(f["code"], f["object"]["name"], f["line"]) for f in report["findings"]] == [
        ("INV201", "audit_logs", 9),
        ("MIG101", "audit_logs", 9),
    ]
    assert code == 1


@pytest.mark.parametrize(
    "call",
    [
        'op.execute(f"DROP TABLE {name}")',
        'op.execute("DROP TABLE " + name)',
        'op.execute("DROP TABLE {}".format(name))',
    ],
)
def test_dynamic_sql_in_alembic_is_mig301(project: GitRepo, call: str) -> None:
    project.write(
        "backend/alembic/versions/0002_drop.py",
        "from alembic import op\n\n"
        'revision = "0002"\ndown_revision = None\n\n\n'
        f"def upgrade(name=input()):\n    {call}\n",
    )
    project.commit("dynamic")
    code, report = _check_json(project)
    assert [(f["code"], f["line"]) for f in report["findings"]] == [("MIG301", 8)]
    assert code == 1  # MIG301 is an error


def test_table_constraints_and_create_table_as() -> None:
    sql = (
        "CREATE TABLE t (a INTEGER, b TEXT, c, CONSTRAINT pk PRIMARY KEY (a), UNIQUE (b));\n"
        "CREATE TABLE copy AS SELECT a, b AS renamed FROM t;\n"
        "ALTER TABLE t ADD CONSTRAINT uq_t_c UNIQUE (c);\n"
    )
    stmts = parse(sql, path=PATH)
    table = stmts[0].table
    assert table is not None
    assert [
        (c.name, c.type, c.nullable, c.primary_key, c.unique) for c in table.columns.values()
    ] == [
        ("a", "INT", False, True, False),
        ("b", "TEXT", True, False, True),
        ("c", None, True, False, False),
    ]
    copy = stmts[1]
    assert [c.name for c in copy.changes] == ["copy", "copy.a", "copy.renamed"]
    assert copy.copy is not None
    assert (copy.copy.source, copy.copy.columns, copy.copy.values) == (
        "t",
        ("a", "renamed"),
        ("a", "b"),
    )
    [unique] = stmts[2].changes
    assert (unique.name, unique.table, unique.columns, unique.unique) == (
        "uq_t_c",
        "t",
        ("c",),
        True,
    )


def test_mysql_rename_table_that_is_not_old_to_new_is_mig301() -> None:
    result = _analyze("RENAME TABLE a b c;", "mysql")
    assert [p.code for p in result.problems] == ["MIG301"]


@pytest.mark.parametrize(
    ("text", "dialect", "ends"),
    [
        # MySQL compound statements: END IF closes no block; a label may precede BEGIN.
        (
            "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN\n"
            "  IF new.a > 0 THEN SET new.b = 1; END IF;\n"
            "  lbl: BEGIN SET new.c = 2; END;\n"
            "END;\nDROP TABLE users;",
            "mysql",
            ["END;", "DROP TABLE users;"],
        ),
        ("SELECT 'a\\';' # ; comment\n;DROP TABLE users;", "mysql", ["\n;", "DROP TABLE users;"]),
        ('SELECT "a\\";";DROP TABLE users;', "mysql", ['";', "DROP TABLE users;"]),
        ("SELECT E'it\\'s; fine';DROP TABLE users;", "postgres", ["';", "DROP TABLE users;"]),
        # A $ inside a name (Postgres allows it) opens no dollar quote.
        ("SELECT a$b$ FROM t;DROP TABLE users;", "postgres", ["t;", "DROP TABLE users;"]),
        ("SELECT [a;b] FROM t;DROP TABLE users;", "sqlite", ["t;", "DROP TABLE users;"]),
        # A Postgres trigger has no body: its first semicolon ends it.
        (
            "CREATE TRIGGER tr AFTER INSERT ON t EXECUTE FUNCTION f();DROP TABLE users;",
            "postgres",
            ["();", "DROP TABLE users;"],
        ),
    ],
)
def test_split_ends_statements_where_the_database_does(
    text: str, dialect: str, ends: list[str]
) -> None:
    spans = split(text, dialect)
    assert [text[s.end - len(e) : s.end] for s, e in zip(spans, ends, strict=True)] == ends
    assert all(s.unclosed is None for s in spans)


def test_unclosed_statement_runs_to_the_end_and_says_where_it_opened() -> None:
    text = "DROP TABLE a;\nSELECT 1;\nUPDATE t SET x = 'open;\nDROP TABLE b;\n"
    spans = split(text)
    assert spans[-1].end == len(text)
    assert spans[-1].unclosed == "a quoted string or name"
    assert text[spans[-1].opened] == "'"
    result = _analyze(text)
    assert [c.name for c in result.changes] == ["a"]
    assert [(p.line, "opened at line 3" in p.message) for p in result.problems] == [(3, True)]


def test_out_of_order_migrations_are_judged_from_one_index_of_the_base(
    project: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MIG205 for every new file that sorts before one present at the base (a deleted one
    counts), with the base's migrations indexed once per run, not once per new file."""
    sql = importlib.import_module("selenite_inventory_lint.detectors.sql")
    project.write("db/migrations/0500_kept.sql", "CREATE INDEX ix_users ON users (id);\n")
    project.write("db/migrations/0900_gone.sql", "CREATE INDEX ix_gone ON users (id);\n")
    project.commit("base migrations")
    project.remove("db/migrations/0900_gone.sql")
    for n in range(30):
        project.write(
            f"db/migrations/{200 + 30 * n:04d}_new.sql", f"CREATE INDEX ix_{n} ON t (a);\n"
        )
    project.commit("new migrations")
    asked: list[str] = []
    real = sql.role

    def counted(path: str, ctx: DetectContext) -> str:
        asked.append(path)
        return real(path, ctx)  # type: ignore[no-any-return]

    monkeypatch.setattr(sql, "role", counted)
    _code, report = _check_json(project)
    early = [f for f in report["findings"] if f["code"] == "MIG205"]
    assert [f["path"] for f in early] == [
        f"db/migrations/{200 + 30 * n:04d}_new.sql" for n in range(30) if 200 + 30 * n < 900
    ]
    assert {f["message"].split(" sorts before ")[1] for f in early} == {
        "0900_gone.sql, which is already present at the base"
    }
    # Each migration at head once for the folder index, and the deleted one once.
    assert asked.count("db/migrations/0900_gone.sql") == 1
    assert len(asked) == len(set(asked))
