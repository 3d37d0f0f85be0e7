"""Fuzz: the SQL migration detector on arbitrary SQL-ish text and bytes (SPEC §3.2)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from selenite_inventory_lint.config import DIALECTS, Config
from selenite_inventory_lint.detectors import sql
from selenite_inventory_lint.model import FileChange

from . import budget
from .strategies import check_result, content, context, file_change, file_changes, lines, mixed

TARGET = "sql detector"
SHARE = budget.share(4)
CODES = frozenset({"MIG301", "MIG205"})

WORDS = (
    "CREATE TABLE ",
    "CREATE TEMP TABLE ",
    "CREATE UNIQUE INDEX ",
    "CREATE INDEX IF NOT EXISTS ",
    "CREATE TABLE IF NOT EXISTS ",
    "CREATE TRIGGER ",
    "CREATE VIEW ",
    "ALTER TABLE ",
    "ADD COLUMN ",
    "DROP COLUMN ",
    "RENAME COLUMN ",
    "RENAME TO ",
    "ALTER COLUMN ",
    "SET NOT NULL",
    "DROP NOT NULL",
    "SET DEFAULT ",
    "TYPE ",
    "MODIFY ",
    "CHANGE COLUMN ",
    "ADD CONSTRAINT ",
    "UNIQUE ",
    "PRIMARY KEY",
    "REFERENCES ",
    "DROP TABLE ",
    "DROP INDEX ",
    "IF EXISTS ",
    "DELETE FROM ",
    "UPDATE ",
    " SET ",
    " WHERE ",
    "TRUNCATE ",
    "INSERT INTO ",
    " SELECT ",
    " FROM ",
    " VALUES ",
    "BEGIN",
    "END",
    "CASE ",
    "COMMIT",
    "PRAGMA ",
    "RENAME TABLE ",
    " AS ",
    " ON ",
    "users",
    "t",
    "new_t",
    "t_new",
    "new__t",
    "t__old",
    "_alembic_tmp_t",
    '"Quoted"',
    "`tick`",
    "[br]",
    "public.",
    "id",
    " INTEGER",
    " TEXT",
    " VARCHAR(30)",
    " NOT NULL",
    " DEFAULT 0",
    " NULL",
    "(",
    ")",
    ", ",
    ";\n",
    "$tag$",
    "-- inventory-lint: ignore[MIG101] reason\n",
)
SQL = mixed(WORDS, max_tokens=60)
PATHS = ("db/migrations/0001_init.sql", "db/migrations/0002_next.sql", "db/0003.sql")


@SHARE
@given(text=SQL, dialect=st.sampled_from(DIALECTS))
@budget.counted(TARGET)
def test_parse_any_text(text: str, dialect: str) -> None:
    for statement in sql.parse(text, path="m.sql", dialect=dialect, migration="m.sql"):
        for problem in statement.problems:
            assert problem.code == "MIG301"
    assert all(span.start < span.end for span in sql.split(text, dialect))


@SHARE
@given(
    change=file_changes(PATHS, lines(WORDS)),
    siblings=st.dictionaries(st.sampled_from(PATHS), content(SQL), max_size=2),
    dialect=st.sampled_from(DIALECTS),
)
@budget.counted(TARGET)
def test_detect_any_file_change(
    change: FileChange, siblings: dict[str, bytes], dialect: str
) -> None:
    ctx = context(siblings, Config(dialect=dialect))
    check_result(sql.DETECTOR.detect(change, ctx), CODES)


@SHARE
@given(text=SQL, line=st.integers(1, 10_000))
@budget.counted(TARGET)
def test_literal_sql_from_python(text: str, line: int) -> None:
    result = sql.analyze_sql(
        text,
        path="migrations/versions/0001.py",
        line=line,
        dialect="sqlite",
        migration="0001",
        source="alembic",
        guarded=False,
        guard=None,
        sequence=1,
    )
    check_result(result, CODES)


@SHARE
@given(data=st.binary(max_size=400))
@budget.counted(TARGET)
def test_detect_arbitrary_bytes(data: bytes) -> None:
    check_result(sql.DETECTOR.detect(file_change("m.sql", None, data), context()), CODES)
