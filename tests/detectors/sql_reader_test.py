"""The common statements are read without sqlglot (``detectors/sql/fast.py``) and give the same
``Statement`` records as sqlglot's parse: compared statement by statement over a generated
corpus of forms and near misses in every dialect, with sqlglot's parses counted."""

from __future__ import annotations

import json
import random

import pytest
from conftest import GitRepo
from cpu_limit import run_limited
from sql_readers import DIALECTS, both_paths, count_parses, parse_all
from sqlglot.dialects.dialect import Dialect

from selenite_inventory_lint.cli import main
from selenite_inventory_lint.detectors.sql import cursor

NAMES = (
    "t",
    "acct",
    "s.t",
    "a.b.c",
    "a.b.c.d",
    '"Quoted"',
    '"Mixed Case"',
    "`q`",
    "[b]",
    "status",
    "name",
    "text",
    "date",
    "key",
    "type",
    "select",
    "user",
    "order",
    "value",
    "level",
    "comment",
    "year",
    "index",
    "left",
    "current_user",
    "1x",
    "_alembic_tmp_t",
    "new__t",
    "e",
)
TYPES = (
    "INT",
    "integer",
    "BIGINT",
    "smallint",
    "text",
    "VARCHAR(30)",
    "varchar",
    "varchar (8)",
    "NUMERIC(12, 2)",
    "numeric(5)",
    "decimal",
    "TIMESTAMPTZ",
    "timestamp",
    "BOOLEAN",
    "bool",
    "serial",
    "BIGSERIAL",
    "double precision",
    "int(11)",
    "char(2)",
    "char",
    "uuid",
    "jsonb",
    "json",
    "blob",
    "bytea",
    "date",
    "time",
    "datetime",
    "TIMESTAMP WITH TIME ZONE",
    "int[]",
    "VARCHAR(3.5)",
    "",
)
CONSTRAINTS = (
    "",
    "",
    "NOT NULL",
    "NULL",
    "NOT NULL NULL",
    "PRIMARY KEY",
    "UNIQUE",
    "DEFAULT 0",
    "DEFAULT 'x'",
    "DEFAULT 'Mixed Case'",
    "DEFAULT ''",
    "DEFAULT -1",
    "DEFAULT - 1.5",
    "DEFAULT now()",
    "DEFAULT (1 + 2)",
    "DEFAULT CURRENT_TIMESTAMP",
    "DEFAULT 'a'::text",
    "DEFAULT TRUE",
    "DEFAULT NULL",
    "DEFAULT x",
    "DEFAULT",
    "CHECK (x > 0)",
    "CHECK (status IN ('a', 'b'))",
    "CHECK ()",
    "REFERENCES u (id) ON DELETE CASCADE",
    "REFERENCES u ON UPDATE SET NULL ON DELETE NO ACTION",
    "REFERENCES u (id) ON DELETE",
    "GENERATED ALWAYS AS (a + 1) STORED",
    "GENERATED ALWAYS AS IDENTITY",
    "AUTOINCREMENT",
    "AUTO_INCREMENT",
    'COLLATE "C"',
    "PRIMARY KEY AUTOINCREMENT",
    "PRIMARY KEY DESC",
    "CONSTRAINT nn NOT NULL",
)
TABLE_CONSTRAINTS = (
    "PRIMARY KEY (a, b)",
    "PRIMARY KEY (id)",
    "UNIQUE (a)",
    "UNIQUE (a, b)",
    "CONSTRAINT c UNIQUE (a)",
    "CONSTRAINT pk PRIMARY KEY (id)",
    "FOREIGN KEY (a) REFERENCES u (id)",
    "FOREIGN KEY (a) REFERENCES u (id) ON DELETE SET DEFAULT",
    "CHECK (a > 0)",
    "CONSTRAINT ck CHECK (a <> b)",
    "CONSTRAINT x",
    "KEY ix (a)",
    "INDEX ix (a)",
    "LIKE other",
)
CONDITIONS = (
    "id > 5",
    "name IS NULL",
    "name IS NOT NULL",
    "NOT name IS NULL",
    "1 = 1",
    "TRUE",
    "1",
    "x = x",
    "x IS x",
    "a = 1 OR b = 2",
    "1 = 1 OR a = 2",
    "id BETWEEN 1 AND 3",
    "id NOT BETWEEN 1 AND 3 AND a IS NULL",
    "status IN ('a', 'b')",
    "status IN ('New', 'DONE') AND \"Quoted\" = 'Ünïcode'",
    "status NOT IN (1, 2)",
    "created_at < now() - interval '30 days'",
    "NOT (a = 1)",
    "(a IS NULL)",
    "(a IS NULL AND b IS NULL)",
    "a IS NULL AND b IS NULL AND a IS NULL",
    "s.a IS NULL AND 1 = 1",
    "'a' = 'a'",
    "coalesce(a, 0) > 1",
    "a::text = 'x'",
    "lower(name) LIKE 'a%'",
    "a > (SELECT 1)",
    "EXISTS (SELECT 1 FROM u)",
    "a = $1",
    "a = ?",
    "a = E'x\\'y'",
    "a = 'it''s'",
    'a = "b"',
    "a >= 2 AND b <= 3 AND c != 4 AND d || 'x' = 'y'",
    "a = -b * 2 / 3 % 4",
    "a =",
    "a = (1",
    "current_user = 'x'",
    "current_timestamp > 0",
    "a = 1.5e3",
    "a = .5",
    "a = b.",
    "a.b.c = 1",
    "id IN (SELECT id FROM u)",
    "id IN (SELECT id FROM u WHERE a = 1 OR b = 2)",
    "id NOT IN (SELECT a.id FROM u AS a JOIN v ON a.id = v.id)",
    "a IN (SELECT)",
    "a IN (SELECT id FROM)",
)
VALUES = ("1", "NULL", "'x'", "a + 1", "now()", "replace(body, 1, 2)", "(SELECT 1)", "")
PROJECTIONS = (
    "id",
    "a.id",
    "s.a.id",
    "0",
    "'x'",
    "NULL",
    "now()",
    "id AS ident",
    "'migrated: ' || email",
    "name::text",
    "-id",
    "current_timestamp",
    "current_user",
    "status",
    "text",
    "date",
    "a.*",
    "id ident",
    "DISTINCT id",
)


PLAIN = ("t", "acct", "status", "name", "s.t", "created_at")


def _name(rng: random.Random) -> str:
    """Mostly plain names, so the reader's forms are well exercised; else a near miss."""
    return rng.choice(PLAIN if rng.random() < 0.6 else NAMES)


def _column(rng: random.Random) -> str:
    parts = [_name(rng), rng.choice(TYPES[:12] if rng.random() < 0.5 else TYPES)]
    parts += [rng.choice(CONSTRAINTS) for _ in range(rng.randint(0, 2))]
    return " ".join(p for p in parts if p)


def _names(rng: random.Random, least: int = 1) -> str:
    return ", ".join(rng.sample(NAMES, rng.randint(least, 3)))


def _where(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return ""
    return " WHERE " + " AND ".join(rng.choice(CONDITIONS) for _ in range(rng.randint(1, 2)))


def _statement(rng: random.Random) -> str:
    name = _name(rng)
    pick = rng.randrange(13)
    if pick < 2:
        items = [_column(rng) for _ in range(rng.randint(1, 5))]
        items += rng.sample(TABLE_CONSTRAINTS, rng.choice((0, 0, 1, 2)))
        head = rng.choice(("CREATE TABLE", "CREATE TABLE IF NOT EXISTS", "CREATE TEMP TABLE"))
        tail = rng.choice(("", "", " WITHOUT ROWID", " AS SELECT 1", " ENGINE=InnoDB"))
        return f"{head} {name} (\n  " + ",\n  ".join(items) + f"\n){tail}"
    if pick == 2:
        action = rng.choice(
            (
                f"ADD COLUMN {_column(rng)}",
                f"ADD {_column(rng)}",
                f"ADD COLUMN IF NOT EXISTS {_column(rng)}",
                f"DROP COLUMN {_name(rng)}",
                f"DROP COLUMN IF EXISTS {_name(rng)} CASCADE",
                f"DROP {_name(rng)}",
                f"RENAME COLUMN {_name(rng)} TO {_name(rng)}",
                f"RENAME {_name(rng)} TO {_name(rng)}",
                f"RENAME TO {_name(rng)}",
                f"ALTER COLUMN {_name(rng)} TYPE {rng.choice(TYPES)}",
                f"ALTER COLUMN {_name(rng)} TYPE {rng.choice(TYPES)} USING a::text",
                f"ALTER COLUMN {_name(rng)} SET NOT NULL",
                f"ADD CONSTRAINT uq UNIQUE ({_name(rng)})",
                f"ADD COLUMN {_column(rng)}, DROP COLUMN a",
            )
        )
        head = rng.choice(("ALTER TABLE", "ALTER TABLE", "ALTER TABLE IF EXISTS"))
        return f"{head} {name} {action}"
    if pick == 3:
        unique = rng.choice(("", "UNIQUE "))
        options = rng.choice(("", "CONCURRENTLY ", "IF NOT EXISTS ", "CONCURRENTLY IF NOT EXISTS "))
        index = rng.choice(("ix ", "", _name(rng) + " "))
        columns = rng.choice((_names(rng), "a DESC, b ASC", "lower(name)", "a NULLS FIRST"))
        using = rng.choice(("", "", " USING btree"))
        return f"CREATE {unique}INDEX {options}{index}ON {name}{using} ({columns}){_where(rng)}"
    if pick == 4:
        guard = rng.choice(("", "IF EXISTS "))
        if rng.random() < 0.5:
            tail = rng.choice(("", "", " CASCADE", " RESTRICT", ", u"))
            return f"DROP TABLE {guard}{name}{tail}"
        if rng.random() < 0.3:
            tail = rng.choice(("", " ON t", " ON", " ON t CASCADE"))
            return f"DROP TRIGGER {guard}{name}{tail}"
        options = rng.choice(("", "CONCURRENTLY "))
        tail = rng.choice(("", "", " CASCADE", " ON t"))
        return f"DROP INDEX {options}{guard}{name}{tail}"
    if pick in (5, 6):
        alias = rng.choice(("", "", " AS a", " a"))
        sets = ", ".join(f"{_name(rng)} = {rng.choice(VALUES)}" for _ in range(rng.randint(1, 2)))
        extra = rng.choice(
            (
                "",
                "",
                " FROM u",
                " FROM u AS s",
                " FROM (SELECT 1 AS id, 2.5 AS amount) AS s",
                " FROM (SELECT id FROM u WHERE a > 1) s",
                " FROM (SELECT id FROM u) AS",
                " FROM (SELECT) AS s",
                " RETURNING id",
            )
        )
        return f"UPDATE {name}{alias} SET {sets}{extra}{_where(rng)}"
    if pick == 7:
        extra = rng.choice(("", "", " USING u", " AS d"))
        return f"DELETE FROM {name}{extra}{_where(rng)}"
    columns = rng.choice(("", "", f" ({_names(rng)})"))
    if pick == 8:
        rows = ", ".join(
            "(" + ", ".join(rng.choice(PROJECTIONS) for _ in range(rng.randint(1, 2))) + ")"
            for _ in range(rng.randint(1, 2))
        )
        tail = rng.choice(
            ("", "", " ON CONFLICT DO NOTHING", " ON CONFLICT (a) DO NOTHING", " RETURNING a")
        )
        return f"INSERT INTO {name}{columns} VALUES {rows}{tail}"
    projections = rng.choice(("*", ", ".join(rng.sample(PROJECTIONS, rng.randint(1, 3)))))
    source = rng.choice(SOURCES)
    tail = rng.choice(
        ("", "", " ORDER BY id", " ON CONFLICT DO NOTHING", " UNION ALL SELECT 1 FROM v")
    )
    insert = f"INSERT INTO {name}{columns} SELECT {projections} FROM {source}{_where(rng)}{tail}"
    if pick == 9:
        return f"{rng.choice(CTES)} {insert}"
    if pick == 10:
        body = rng.choice(
            (
                f"UPDATE {name} SET a = NULL{_where(rng)}",
                f"DELETE FROM {name}{_where(rng)}",
                f"INSERT INTO {name} VALUES (1)",
            )
        )
        return f"{rng.choice(CTES)} {body}"
    return insert


SOURCES = (
    "t",
    "s.t",
    "u AS a",
    "u a",
    "u left",
    "u JOIN v ON u.id = v.id",
    "u AS a LEFT JOIN v AS l ON l.id = a.id AND l.t = 'x'",
    "u LEFT OUTER JOIN v ON u.id = v.id",
    "u RIGHT JOIN v ON u.id = v.id",
    "u JOIN v",
    "(SELECT 1 AS id) AS s",
    "(SELECT id FROM u) s",
    "u, v",
)
CTES = (
    "WITH stale AS (SELECT id FROM u WHERE a = 'x' AND b < now() - interval '9 days')",
    "WITH RECURSIVE chain(id, depth) AS (SELECT id, 0 FROM u WHERE id = 1 UNION ALL"
    " SELECT a.id, c.depth + 1 FROM u AS a JOIN chain AS c ON a.id = c.id + 1"
    " WHERE c.depth < 5)",
    "WITH a AS (SELECT 1), b (x) AS (SELECT 2 FROM a)",
    "WITH a AS (SELECT 1) SELECT 1;",
    "WITH a (SELECT 1)",
    "WITH a AS MATERIALIZED (SELECT 1)",
)


SPACES = (*" " * 12, "  ", "\n", "\t", "\r\n", "\n  ", " /* c; */ ", "\n-- c\n  ")


def _respell(rng: random.Random, text: str) -> str:
    """Odd spacing, comments and case: each blank maybe replaced, each word maybe recased."""
    out = []
    for word in text.split(" "):
        if word.isalpha() and rng.random() < 0.3:
            word = rng.choice((word.upper(), word.lower(), word.capitalize()))
        out.append(word)
        out.append(rng.choice(SPACES))
    return "".join(out[:-1])


def corpus(seed: int, size: int) -> str:
    rng = random.Random(seed)
    lines = []
    for _ in range(size):
        text = _statement(rng)
        lines.append(_respell(rng, text) if rng.random() < 0.4 else text)
    return "".join(f"{line};\n" for line in lines)


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("seed", range(4))
def test_the_reader_agrees_with_the_parse(
    dialect: str, seed: int, parses: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = corpus(seed, 600)
    quick, slow, quick_parses = both_paths(text, dialect, parses, monkeypatch)
    read = len(quick) - quick_parses
    assert len(parses) > quick_parses
    for one, other in zip(quick, slow, strict=True):
        assert one == other, text.splitlines()[one.line - 1 : one.line + 3]
    # Both paths are exercised, with changes and MIG301 problems among them.
    assert read > 20
    assert len(quick) - read > 100
    assert sum(bool(s.changes) for s in quick) > 60
    assert any(s.problems for s in quick)


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The text of every statement that reaches sqlglot's parser, in order."""
    return count_parses(monkeypatch)


BENCH_LIKE = """\
CREATE TABLE IF NOT EXISTS t1 (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL, flags INT,
  created_at TIMESTAMPTZ DEFAULT now());
ALTER TABLE t1 ADD COLUMN IF NOT EXISTS note_1 VARCHAR(120) DEFAULT 'none' NOT NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_t1_1 ON t1 (name, created_at) WHERE name IS NOT NULL;
UPDATE t1 SET name = 'renamed 1', note_1 = NULL WHERE id BETWEEN 1 AND 3 AND name IS NOT NULL;
-- housekeeping: keep thirty days
DELETE FROM t1 WHERE created_at < now() - interval '30 days';
ALTER TABLE t1 ALTER COLUMN note_1 TYPE TEXT USING note_1::text;
INSERT INTO archive_1 (id, name, created_at) SELECT id, name, created_at FROM t1 WHERE id > 3;
DROP INDEX CONCURRENTLY IF EXISTS ix_old_1; -- replaced by ix_t1_1 above
CREATE UNIQUE INDEX IF NOT EXISTS ux_n ON notes (acct_id, created_at);
ALTER TABLE t1 RENAME COLUMN flags TO bits;
ALTER TABLE t1 DROP COLUMN bits;
DROP TABLE IF EXISTS t0;
INSERT INTO kinds (id, label) VALUES (1, 'a'), (2, 'b;c') ON CONFLICT (id) DO NOTHING;
BEGIN;
COMMENT ON TABLE t1 IS 'why; kept';
WITH stale AS (SELECT id FROM t1 WHERE flags = 0)
UPDATE t1 SET name = NULL WHERE id IN (SELECT id FROM stale);
INSERT INTO audit (tbl, row_id) SELECT 't1', a.id FROM t1 AS a LEFT JOIN audit AS l
  ON l.row_id = a.id WHERE l.row_id IS NULL;
COMMIT;
"""


def test_common_statements_reach_no_parser(parses: list[str]) -> None:
    found = parse_all(BENCH_LIKE, "postgres")
    assert parses == []
    assert [c.operation for s in found for c in s.changes] == [
        "create_table",
        *["create_table"] * 4,
        "add_column",
        "create_index",
        "update_rows",
        "delete_rows",
        "alter_column",
        "insert_select",
        "drop_index",
        "create_index",
        "rename_column",
        "drop_column",
        "drop_table",
        "update_rows",
        "insert_select",
    ]
    update = found[3].changes[0]
    # IS NOT NULL keeps the rows that hold a value: it is no null-only restriction.
    assert (update.where, update.columns, update.null_only) == (True, ("name", "note_1"), ())


def test_the_parser_is_not_imported_for_common_statements() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from selenite_inventory_lint.detectors.sql import analyze_sql\n"
        f"r = analyze_sql({BENCH_LIKE!r}, path='m.sql', line=1, dialect='postgres',"
        " migration=None, source='sql', guarded=False, guard=None, sequence=0)\n"
        "assert r.changes and not r.problems\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sqlglot'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"


def test_statements_it_cannot_read_exactly_go_to_the_parser(parses: list[str]) -> None:
    text = (
        "CREATE TABLE t (id INT GENERATED ALWAYS AS IDENTITY);\n"
        "UPDATE t SET a = 1 WHERE 1 = 1 OR a = 2;\n"
        "DELETE FROM t WHERE a = $1;\n"
        "ALTER TABLE t ADD COLUMN c TEXT DEFAULT 'a'::text;\n"
        "CREATE INDEX ix ON t (lower(name));\n"
        "CREATE TABLE u (id INT NOT);\n"
    )
    found = parse_all(text, "postgres")
    assert len(parses) == 6
    assert [p.code for s in found for p in s.problems] == ["MIG301"]
    assert found[1].changes[0].where is False


def test_the_reserved_words_cover_sqlglots_keywords() -> None:
    for name in DIALECTS:
        dialect = Dialect.get_or_raise(name)
        identifiers = dialect.parser_class.ID_VAR_TOKENS
        for words, token in dialect.tokenizer_class.KEYWORDS.items():
            parts = words.lower().split()
            if len(parts) > 1 or token not in identifiers:
                assert {p for p in parts if p.replace("_", "").isalnum()} <= cursor.RESERVED
        parser = dialect.parser_class
        calls = set(parser.NO_PAREN_FUNCTION_PARSERS)
        calls |= {t.name for t in parser.NO_PAREN_FUNCTIONS}
        calls |= {
            w for w, t in dialect.tokenizer_class.KEYWORDS.items() if t in parser.NO_PAREN_FUNCTIONS
        }
        assert {c.lower() for c in calls} <= cursor.RESERVED


# Built in the child (as Python expressions): too long for a command line.
HOSTILE = {
    "wrapped-where": '"UPDATE t SET a = 1 WHERE " + "(" * 50_000 + "a = 1" + ")" * 50_000',
    "and-chain": '"UPDATE t SET a = 1 WHERE " + " AND ".join(["a IS NULL"] * 50_000)',
    "wide-table": (
        '"CREATE TABLE t (\\n" + ",\\n".join(f"c{n} INT" for n in range(50_000)) + "\\n)"'
    ),
    "many-rows": '"INSERT INTO t (a) VALUES " + ", ".join(["(1)"] * 100_000)',
    "operator-chain": '"DELETE FROM t WHERE a = " + " + ".join(["1"] * 100_000)',
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_the_reader_is_linear_on_hostile_statements(name: str) -> None:
    code = f"""
        from selenite_inventory_lint.detectors.sql import fast
        from selenite_inventory_lint.detectors.sql.nodes import Emitter

        emitter = Emitter(
            path="m.sql", line=1, column=1, source="sql", migration=None, guarded=False,
            guard=None,
        )
        print(fast.read({HOSTILE[name]}, "postgres", emitter) is not None)
        """
    done = run_limited(code, cpu_seconds=10)
    assert done.stdout.strip() in ("True", "False")


def test_is_not_null_is_no_backfill(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    # ``c IS NOT NULL`` keeps the rows that hold a value: setting c there overwrites values
    # (MIG110), read by either path; ``c IS NULL`` fills only the empty ones. (sqlglot reads
    # postgres's IS NOT NULL as a negated IS, which once counted as null-only.)
    repo.write(".inventory-lint.yaml", "dialect: postgres\n")
    repo.write(
        "DATA_INVENTORY.md",
        "# Data inventory\n\n## Database (SQLite)\n- `users`: accounts.\n"
        "- `users.status`: state.\n",
    )
    repo.write("db/migrations/0001_base.sql", "CREATE TABLE users (id INT, status TEXT);\n")
    repo.commit("base")
    repo.write(
        "db/migrations/0002_fill.sql",
        "UPDATE users SET status = 'new' WHERE status IS NOT NULL;\n"
        "UPDATE users SET status = 'new' WHERE status IS NULL;\n"
        "UPDATE users SET status = 'new' WHERE (status IS NOT NULL) AND id > $1;\n",
    )
    repo.add()
    code = main(["check", "--repo", str(repo.path), "--staged", "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 1, err
    found = [(f["code"], f["line"]) for f in json.loads(out)["findings"]]
    assert found == [("MIG110", 1), ("MIG110", 3)]


def _one_token_at_a_time(chunk: str) -> list[str] | None:
    """The tokens as one match of ``cursor._TOKEN`` each gives them, lower-cased but for
    strings and quoted names: what ``cursor.lex`` reads in runs, in C where it can."""
    tokens = [t if t[:1] in ("'", '"') else t.lower() for t in cursor._TOKEN.findall(chunk)]
    while tokens and tokens[-1] == ";":
        tokens.pop()
    return None if "" in tokens or ";" in tokens else tokens


LEX_PIECES = (
    *"aZ_ 09.,;()=<>+-*/%:!|$`'\"\t\n\x00\x01\x1c",
    "é",
    "\u212a",
    "SELECT",
    "Name",
    "'a b'",
    "'It Is'",
    "'x\ty'",
    "''",
    '"Mixed"',
    '"a b"',
    "--",
    "/*",
    "::",
    "<>",
    "||",
    "1.5",
    ".5",
    "a.b",
    "E'",
)


@pytest.mark.parametrize("seed", range(3))
def test_lexing_in_runs_gives_the_tokens_of_one_match_each(seed: int) -> None:
    rng = random.Random(seed)
    chunks = [
        "".join(rng.choice(LEX_PIECES) for _ in range(rng.randint(0, 18))) for _ in range(20000)
    ]
    chunks += corpus(seed, 300).split(";") + BENCH_LIKE.split(";")
    for chunk in chunks:
        assert cursor.lex(chunk) == _one_token_at_a_time(chunk), chunk
