"""Statements that change nothing are read from their tokens, without sqlglot's parser, and
the result is the same as the parse's: compared statement by statement over a generated
corpus in every dialect, with the parses counted (counted work, not time)."""

from __future__ import annotations

import random
from typing import Any

import pytest
from sql_readers import DIALECTS, both_paths, count_parses, parse_all
from sqlglot.dialects.dialect import Dialect

from selenite_inventory_lint.detectors.sql import statements
from selenite_inventory_lint.detectors.sql.split import split

NAMES = ("t", "acct", "s.t", "a.b.c", '"Quoted"', "`q`", "[b]", "status", "name", "select", "1x")
VALUES = ("1", "-2", "2.5", "'a;b'", "NULL", "TRUE", "false", "- 3", "now()", "(1)", "x", "")
# Whole statements: the forms the token reader accepts, near misses it must leave to sqlglot,
# and statements that change data, so the corpus mixes both paths.
FIXED = (
    "-- only a comment",
    "/* only a comment */",
    "BEGIN",
    "BEGIN TRANSACTION",
    "begin work",
    "BEGIN IMMEDIATE",
    "BEGIN x y",
    "COMMIT",
    "COMMIT WORK",
    "COMMIT AND CHAIN",
    "ROLLBACK",
    "ROLLBACK TO sp",
    "END",
    "SET x = 1",
    "SET search_path TO public",
    "SET lock_timeout = '5s'",
    "SET x",
    "SET x = ",
    "SET x = 1, y = 2",
    "SET transaction = 1",
    "COMMENT ON TABLE t IS 'why; not'",
    "COMMENT ON COLUMN t.c IS NULL",
    "COMMENT ON COLUMN s.t.c IS 'x'",
    "COMMENT ON TABLE t IS",
    "COMMENT ON TABLE IS 'x'",
    "COMMENT ON INDEX i IS 'x'",
    "DELETE FROM t",
    "UPDATE t SET a = 1 WHERE 1 = 1",
    "INSERT INTO t (a) SELECT a FROM u",
    "INSERT INTO t (a) VALUES (1) ON CONFLICT (a) DO UPDATE SET a = 2",
    "INSERT INTO t (a) VALUES (1) ON CONFLICT DO NOTHING",
    "INSERT INTO t (a) VALUES (1) ON CONFLICT (a, b) DO NOTHING",
    "INSERT INTO t (a) VALUES (1) ON CONFLICT (a DO NOTHING",
    "INSERT INTO t (a) VALUES (1) ON CONFLICT DO",
    "INSERT INTO t (a) VALUES (1) ON DUPLICATE KEY UPDATE a = 2",
    "INSERT INTO t (a) VALUES (1) RETURNING a",
    "INSERT INTO t DEFAULT VALUES",
    "INSERT OR REPLACE INTO t (a) VALUES (1)",
    "INSERT OR IGNORE INTO t (a) VALUES (1)",
    "INSERT IGNORE INTO t (a) VALUES (1)",
    "REPLACE INTO t (a) VALUES (1)",
    "INSERT INTO t VALUES",
    "INSERT INTO t VALUES ()",
    "INSERT INTO t () VALUES (1)",
    "INSERT INTO t (a,) VALUES (1)",
    "INSERT INTO t (a) VALUES (1,)",
    "INSERT INTO t (a) VALUES (1) (2)",
    "INSERT INTO t (a) VALUES (1),",
    "INSERT INTO t VALUES (1); DELETE FROM t",
    "INSERT INTO",
    "INSERT INTO t.",
    "INSERT INTO a.b.c.d VALUES (1)",
)


def _insert(rng: random.Random) -> str:
    target = rng.choice(NAMES)
    columns = rng.sample(NAMES, rng.randint(0, 3))
    head = f"INSERT INTO {target}" + (f" ({', '.join(columns)})" if columns else "")
    rows = [
        "(" + ", ".join(rng.choice(VALUES) for _ in range(rng.randint(1, 3))) + ")"
        for _ in range(rng.randint(1, 3))
    ]
    tail = rng.choice(("", "", " ON CONFLICT DO NOTHING", " ON CONFLICT (a) DO NOTHING"))
    return f"{head} VALUES {', '.join(rows)}{tail}"


def corpus(seed: int, size: int) -> str:
    """``size`` generated statements and every fixed one, one per line."""
    rng = random.Random(seed)
    lines = list(FIXED) + [_insert(rng) for _ in range(size)]
    rng.shuffle(lines)
    return "\n".join(f"{line};" for line in lines) + "\n"


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("seed", range(3))
def test_the_token_reader_agrees_with_the_parse(
    dialect: str, seed: int, parses: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    quick, slow, quick_parses = both_paths(corpus(seed, 150), dialect, parses, monkeypatch)
    skipped = len(quick) - quick_parses
    assert len(parses) == len(slow)  # without the token reader, every statement is parsed
    assert quick == slow
    # The corpus exercises both paths: many statements skipped the parser, many did not,
    # and the ones parsed include findings and MIG301 problems.
    assert skipped > 10
    assert len(quick) - skipped > 50
    assert any(s.changes for s in quick)
    assert any(s.problems for s in quick)


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The text of every statement that reaches sqlglot's parser, in order."""
    return count_parses(monkeypatch)


def test_statements_that_change_nothing_reach_no_parser(parses: list[str]) -> None:
    text = (
        "BEGIN;\n-- seed the lookup\n"
        "INSERT INTO kinds (id, label) VALUES (1, 'a'), (2, 'b;c'), (3, NULL);\n"
        "INSERT INTO kinds (label) VALUES ('d') ON CONFLICT (label) DO NOTHING;\n"
        "COMMENT ON TABLE kinds IS 'lookup';\n"
        "DELETE FROM kinds WHERE id = $1;\nCOMMIT;\n"
    )
    found = parse_all(text, "postgres")
    assert [s.key for s in found][
        1
    ] == "insert into kinds ( id , label ) values ( 1 , a ) , ( 2 , b;c ) , ( 3 , null )"
    assert parses == ["DELETE FROM kinds WHERE id = $1;"]
    assert [c.operation for s in found for c in s.changes] == ["delete_rows"]


def test_near_misses_are_parsed_and_judged(parses: list[str]) -> None:
    text = (
        "INSERT INTO t (a) VALUES (1 +);\n"
        "INSERT INTO t (a) VALUES (1) ON CONFLICT (a) DO UPDATE SET a = 2;\n"
        "REPLACE INTO t (a) VALUES (1);\n"
    )
    found = parse_all(text, "sqlite")
    assert [p.code for s in found for p in s.problems] == ["MIG301"]
    assert [c.operation for s in found for c in s.changes] == ["replace_rows", "replace_rows"]
    assert len(parses) == 3


def test_one_tokenizer_and_parser_per_dialect(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str] = []
    tokenizer, parser = Dialect.tokenizer, Dialect.parser

    def counting_tokenizer(self: Dialect, *args: Any, **kwargs: Any) -> Any:
        built.append("tokenizer")
        return tokenizer(self, *args, **kwargs)

    def counting_parser(self: Dialect, *args: Any, **kwargs: Any) -> Any:
        built.append("parser")
        return parser(self, *args, **kwargs)

    monkeypatch.setattr(Dialect, "tokenizer", counting_tokenizer)
    monkeypatch.setattr(Dialect, "parser", counting_parser)
    monkeypatch.setattr(statements, "_TOOLS", {})
    text = "".join(f"DELETE FROM t{n} WHERE id = ${n + 1};\n" for n in range(40))
    for _ in range(3):
        assert len(parse_all(text, "postgres")) == 40
    assert sorted(built) == ["parser", "tokenizer"]


def test_column_types_are_rendered_by_one_generator(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[object] = []
    generator = Dialect.generator

    def counting(self: Dialect, *args: Any, **kwargs: Any) -> Any:
        built.append(self)
        return generator(self, *args, **kwargs)

    monkeypatch.setattr(Dialect, "generator", counting)
    columns = ", ".join(f"c{n} VARCHAR({n + 1}) NOT NULL COLLATE x" for n in range(30))
    for dialect in DIALECTS:
        (created,) = parse_all(f"CREATE TABLE t ({columns});", dialect)
        assert created.table is not None
        assert [c.type for c in created.table.columns.values()] == [
            f"VARCHAR({n + 1})" for n in range(30)
        ]
    assert len(built) <= 1


def test_the_splitter_names_definitions_once_for_the_reader() -> None:
    text = (
        "/* audit */ CREATE TRIGGER trg AFTER DELETE ON t BEGIN DELETE FROM u; END;\n"
        "DELETE FROM t;\nCREATE OR REPLACE FUNCTION f() RETURNS int AS $$ SELECT 1; $$"
        " LANGUAGE sql;\n"
    )
    assert [s.definition for s in split(text, "postgres")] == ["trigger", None, "function"]
    found = parse_all(text, "postgres")
    assert [[c.operation for c in s.changes] for s in found] == [[], ["delete_rows"], []]
