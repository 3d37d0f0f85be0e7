"""Fuzz: the SQL migration detector on arbitrary SQL-ish text and bytes (docs/usage.md)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from selenite_inventory_lint.config import DIALECTS, Config
from selenite_inventory_lint.detectors import sql
from selenite_inventory_lint.model import FileChange

from . import budget
from .strategies import check_result, content, context, file_change, file_changes, lines, mixed

TARGET = "sql detector"
SHARE = budget.share(5)
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
    "$$",
    "E'",
    "'",
    "[",
    "\\",
    "# ",
    "/* ",
    " */",
    "begin ",
    "end ",
    "END IF",
    "lbl: BEGIN ",
    "new.begin",
    "BEGIN ATOMIC ",
    "CREATE RULE r AS ON INSERT TO t DO INSTEAD (",
    "CREATE OR REPLACE FUNCTION f() RETURNS int AS ",
    "DO ",
    "REPLACE INTO ",
    "INSERT OR REPLACE INTO ",
    "INSERT OR IGNORE INTO ",
    " ON CONFLICT (id) DO UPDATE SET ",
    " ON CONFLICT DO NOTHING",
    " ON DUPLICATE KEY UPDATE ",
    "PRAGMA writable_schema = 1",
    " WHERE 1=1",
    " OR TRUE",
    " IS ",
    "-- inventory-lint: ignore[MIG101] reason\n",
)
SQL = mixed(WORDS, max_tokens=60)
# Statements whose bodies hold semicolons, and where each one ends: the splitter must find
# exactly these boundaries, whatever surrounds them.
_BODY_STATEMENTS = st.sampled_from(
    (
        "UPDATE t SET begin = 1",
        "UPDATE t SET end = 2 WHERE new.begin > 0",
        "SELECT CASE WHEN new.id > 0 THEN 1 ELSE 0 END",
        "SELECT end FROM t",
        "INSERT INTO t VALUES ('a;b', \"c;d\")",
        "DELETE FROM t WHERE id = 1 -- ; END;\n",
    )
)
_BODIES = st.lists(_BODY_STATEMENTS, min_size=1, max_size=4)
_TAGS = st.sampled_from(("", "fn", "body_1"))


@st.composite
def _bounded_statement(draw: st.DrawFn, dialect: str) -> str:
    body = draw(_BODIES)
    kinds = ["plain", "trigger", "string"]
    if dialect == "postgres":
        kinds += ["rule", "dollar", "atomic"]
    kind = draw(st.sampled_from(kinds))
    if kind == "trigger":
        return "CREATE TRIGGER tr AFTER INSERT ON t BEGIN " + "; ".join(body) + "; END"
    if kind == "rule":
        return "CREATE RULE r AS ON INSERT TO t DO ALSO (" + "; ".join(body) + ")"
    if kind == "dollar":
        tag = draw(_TAGS)
        return f"CREATE FUNCTION f() RETURNS int AS ${tag}$ {'; '.join(body)}; ${tag}$ LANGUAGE sql"
    if kind == "atomic":
        return "CREATE FUNCTION f() RETURNS int BEGIN ATOMIC " + "; ".join(body) + "; END"
    if kind == "string":
        return "UPDATE t SET a = 'x; END; y' /* ; */ WHERE b = \"c;\""
    return draw(st.sampled_from(("DROP TABLE users", "DELETE FROM t", "SELECT 1 AS begin")))


@st.composite
def _script(draw: st.DrawFn) -> tuple[str, str, list[int]]:
    dialect = draw(st.sampled_from(("sqlite", "postgres")))
    statements = draw(st.lists(_bounded_statement(dialect), min_size=1, max_size=5))
    text = ""
    ends = []
    for statement in statements:
        text += draw(st.sampled_from(("", "\n", "  -- note\n", "/* c */ "))) + statement + ";"
        ends.append(len(text))
    return text, dialect, ends


@SHARE
@given(script=_script(), cut=st.integers(0, 2000))
@budget.counted(TARGET)
def test_splitter_ends_statements_where_the_database_does(
    script: tuple[str, str, list[int]], cut: int
) -> None:
    text, dialect, ends = script
    assert [span.end for span in sql.split(text, dialect)] == ends
    assert all(span.unclosed is None for span in sql.split(text, dialect))
    # Cut anywhere: every statement the splitter still ends is one the database ends there;
    # a statement cut inside a body, quote or action is MIG301 to the end, never split early.
    prefix = text[: cut % (len(text) + 1)]
    spans = sql.split(prefix, dialect)
    for span in spans[:-1]:
        assert span.end in ends
        assert span.unclosed is None
    if spans and spans[-1].unclosed is not None:
        assert spans[-1].end == len(prefix)
    elif spans:
        assert spans[-1].end in ends or spans[-1].end == len(prefix)


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
