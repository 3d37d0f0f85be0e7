"""The SQL splitter's lexer tests a token's first character before its alternatives: the
same spans as the plain alternation, for every dialect."""

from __future__ import annotations

import importlib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

# The package exports a function of the same name: take the module itself.
splitting = importlib.import_module("selenite_inventory_lint.detectors.sql.split")

FRAGMENTS = st.sampled_from(
    [
        "CREATE TABLE t (a INT);",
        "create trigger g after insert on t begin update t set a = 1; end;",
        "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql;",
        "$tag$ ; $tag$",
        "E'it\\'s; fine'",
        "'a;b'",
        '"x;y"',
        "`q;`",
        "[w;]",
        "# mysql; comment\n",
        "-- c;\n",
        "/* ; */",
        "new.begin",
        "BEGIN",
        "END;",
        "CREATE RULE r AS ON INSERT TO t DO (INSERT INTO u VALUES (1); DELETE FROM v);",
        "(",
        ")",
        ";",
        " ",
        "\n",
        "'",
        "e",
        "b",
        "x",
    ]
)


def _spans(text: str, dialect: str) -> list[tuple[int, int, str | None, int]]:
    return [(s.start, s.end, s.unclosed, s.opened) for s in splitting.split(text, dialect)]


@pytest.mark.parametrize("dialect", ["sqlite", "postgres", "mysql", "tsql"])
@settings(max_examples=400, deadline=None)
@given(parts=st.lists(FRAGMENTS, max_size=12))
def test_first_character_test_keeps_every_span(dialect: str, parts: list[str]) -> None:
    """Neither the first-character test nor leaving parentheses out outside a rule changes
    a span: compared with the plain alternation that reads parentheses everywhere."""
    text = "".join(parts)
    fast = _spans(text, dialect)
    alternatives, _ = splitting._alternatives(dialect)
    plain = re.compile(alternatives, re.DOTALL | re.IGNORECASE)
    name = splitting.DIALECTS.get(dialect, dialect)
    saved = splitting._LEXERS[name]
    splitting._LEXERS[name] = (plain, plain)
    try:
        assert _spans(text, dialect) == fast
    finally:
        splitting._LEXERS[name] = saved


@pytest.mark.parametrize("dialect", ["sqlite", "postgres", "mysql", "tsql"])
@pytest.mark.parametrize("parens", [True, False])
def test_every_token_starts_with_a_listed_character(dialect: str, parens: bool) -> None:
    alternatives, first = splitting._alternatives(dialect, parens=parens)
    samples = ["'", '"', "`", "--", "/*", ";", "(", ")", "begin", "BEGIN", "E'", "$$", "[", "#"]
    plain = re.compile(alternatives, re.DOTALL | re.IGNORECASE)
    for sample in samples:
        if plain.match(sample):
            assert sample[0] in first, (dialect, sample)
